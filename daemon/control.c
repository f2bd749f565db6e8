/* SPDX-License-Identifier: Apache-2.0
 *
 * control.c -- the unixctl protocol on libevent (see control.h).
 */
#include <config.h>
#include "daemon/control.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "jsonrpc.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/list.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(control);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

struct ctl_command {
    char *usage;
    int min_args, max_args;
    ctl_handler *handler;
    void *aux;
};

struct ctl_conn {
    struct ovs_list node;       /* In ctl_server's 'conns'. */
    struct ctl_server *server;
    struct bufferevent *bev;
    struct json_parser *parser;
    size_t fed;                 /* Bytes fed to 'parser'. */
    struct ovs_list requests;   /* Unanswered ctl_requests. */
};

struct ctl_request {
    struct ovs_list node;       /* In its conn's 'requests'. */
    struct ctl_conn *conn;      /* NULL once the peer went away. */
    struct json *id;
};

struct ctl_server {
    struct event_base *base;
    struct evconnlistener *listener;
    char *path;
    struct shash commands;      /* ctl_command */
    struct ovs_list conns;
    size_t n_conns;
};

static void conn_close(struct ctl_conn *);

/* ------------------------------------------------------------ replies */

static void
send_reply(struct ctl_request *req, const char *body, bool error)
{
    if (req->conn) {
        struct json *text = json_string_create(body);
        struct jsonrpc_msg *msg = (error
                                   ? jsonrpc_create_error(text, req->id)
                                   : jsonrpc_create_reply(text, req->id));
        struct json *json = jsonrpc_msg_to_json(msg);
        char *s = json_to_string(json, 0);
        bufferevent_write(req->conn->bev, s, strlen(s));
        free(s);
        json_destroy(json);
        ovs_list_remove(&req->node);
    }
    json_destroy(req->id);
    free(req);
}

void
ctl_reply(struct ctl_request *req, const char *body)
{
    send_reply(req, body ? body : "", false);
}

void
ctl_reply_error(struct ctl_request *req, const char *body)
{
    send_reply(req, body ? body : "error", true);
}

bool
ctl_take_flag(int *argc, const char *argv[], const char *flag)
{
    bool found = false;
    int j = 0;
    for (int i = 0; i < *argc; i++) {
        if (i && !strcmp(argv[i], flag)) {
            found = true;
        } else {
            argv[j++] = argv[i];
        }
    }
    *argc = j;
    return found;
}

/* ------------------------------------------------------------ requests */

static void
dispatch(struct ctl_conn *conn, struct jsonrpc_msg *msg)
{
    struct ctl_request *req = xzalloc(sizeof *req);
    req->conn = conn;
    req->id = msg->id ? json_clone(msg->id) : json_null_create();
    ovs_list_push_back(&conn->requests, &req->node);

    if (msg->type != JSONRPC_REQUEST) {
        ctl_reply_error(req, "not a JSON-RPC request");
        return;
    }
    const struct json *params = msg->params;
    size_t n = params && params->type == JSON_ARRAY ? params->array.n : 0;
    if (!params || params->type != JSON_ARRAY || n >= CTL_MAX_ARGS) {
        ctl_reply_error(req, "\"params\" must be an array of at most 31 "
                        "strings");
        return;
    }
    const char *argv[CTL_MAX_ARGS];
    argv[0] = msg->method;
    for (size_t i = 0; i < n; i++) {
        if (params->array.elems[i]->type != JSON_STRING) {
            ctl_reply_error(req, "every argument must be a string");
            return;
        }
        argv[i + 1] = json_string(params->array.elems[i]);
    }
    int argc = n + 1;

    const struct ctl_command *cmd = shash_find_data(&conn->server->commands,
                                                    msg->method);
    if (!cmd) {
        char *err = xasprintf("\"%s\" is not a valid command "
                              "(use \"list-commands\")", msg->method);
        ctl_reply_error(req, err);
        free(err);
    } else if (argc - 1 < cmd->min_args || argc - 1 > cmd->max_args) {
        char *err = xasprintf("\"%s\" takes %d to %d arguments: %s %s",
                              msg->method, cmd->min_args, cmd->max_args,
                              msg->method, cmd->usage);
        ctl_reply_error(req, err);
        free(err);
    } else {
        VLOG_DBG("command %s (%d arguments)", msg->method, argc - 1);
        cmd->handler(req, argc, argv, cmd->aux);
    }
}

static void
conn_read(struct bufferevent *bev, void *conn_)
{
    struct ctl_conn *conn = conn_;
    struct evbuffer *input = bufferevent_get_input(bev);
    char buf[4096];
    int n;

    while ((n = evbuffer_remove(input, buf, sizeof buf)) > 0) {
        size_t off = 0;
        while (off < n) {
            if (!conn->parser) {
                conn->parser = json_parser_create(0);
                conn->fed = 0;
            }
            size_t used = json_parser_feed(conn->parser, buf + off, n - off);
            off += used;
            conn->fed += used;
            if (json_parser_is_done(conn->parser)) {
                struct json *json = json_parser_finish(conn->parser);
                struct jsonrpc_msg *msg;
                conn->parser = NULL;
                char *error = jsonrpc_msg_from_json(json, &msg);
                if (error) {
                    VLOG_WARN_RL(&rl, "bad request: %s", error);
                    free(error);
                    conn_close(conn);
                    return;
                }
                dispatch(conn, msg);
                jsonrpc_msg_destroy(msg);
            } else if (conn->fed > CTL_MAX_REQUEST) {
                VLOG_WARN_RL(&rl, "request larger than %d bytes: closing",
                             CTL_MAX_REQUEST);
                conn_close(conn);
                return;
            } else if (!used) {
                break;
            }
        }
    }
}

static void
conn_event(struct bufferevent *bev, short what, void *conn_)
{
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        conn_close(conn_);
    }
}

static void
conn_close(struct ctl_conn *conn)
{
    struct ctl_request *req;
    LIST_FOR_EACH_POP (req, node, &conn->requests) {
        req->conn = NULL;       /* Answered into the void later. */
    }
    if (conn->parser) {
        json_parser_abort(conn->parser);
    }
    bufferevent_free(conn->bev);
    ovs_list_remove(&conn->node);
    conn->server->n_conns--;
    free(conn);
}

/* Root, or the user the daemon runs as. */
static bool
peer_allowed(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
        return false;
    }
    return cred.uid == 0 || cred.uid == geteuid();
}

static void
accept_conn(struct evconnlistener *listener, evutil_socket_t fd,
            struct sockaddr *sa, int socklen, void *server_)
{
    struct ctl_server *server = server_;

    if (server->n_conns >= CTL_MAX_CONNECTIONS || !peer_allowed(fd)) {
        VLOG_WARN_RL(&rl, "%s: connection refused (%s)", server->path,
                     server->n_conns >= CTL_MAX_CONNECTIONS
                     ? "too many connections" : "peer not allowed");
        close(fd);
        return;
    }
    struct ctl_conn *conn = xzalloc(sizeof *conn);
    conn->server = server;
    conn->bev = bufferevent_socket_new(server->base, fd,
                                       BEV_OPT_CLOSE_ON_FREE);
    ovs_list_init(&conn->requests);
    ovs_list_push_back(&server->conns, &conn->node);
    server->n_conns++;
    bufferevent_setcb(conn->bev, conn_read, NULL, conn_event, conn);
    bufferevent_enable(conn->bev, EV_READ | EV_WRITE);
}

/* ------------------------------------------------------------ built-ins */

static void
cmd_list_commands(struct ctl_request *req, int argc OVS_UNUSED,
                  const char *argv[] OVS_UNUSED, void *server_)
{
    struct ctl_server *server = server_;
    const struct shash_node **nodes = shash_sort(&server->commands);
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_cstr(&s, "The available commands are:\n");
    for (size_t i = 0; i < shash_count(&server->commands); i++) {
        const struct ctl_command *cmd = nodes[i]->data;
        ds_put_format(&s, "  %-23s %s\n", nodes[i]->name, cmd->usage);
    }
    free(nodes);
    ctl_reply(req, ds_cstr(&s));
    ds_destroy(&s);
}

static void
cmd_vlog_set(struct ctl_request *req, int argc, const char *argv[],
             void *aux OVS_UNUSED)
{
    for (int i = 1; i < argc; i++) {
        char *error = vlog_set_levels_from_string(argv[i]);
        if (error) {
            ctl_reply_error(req, error);
            free(error);
            return;
        }
    }
    ctl_reply(req, "");
}

static void
cmd_vlog_list(struct ctl_request *req, int argc OVS_UNUSED,
              const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    char *levels = vlog_get_levels();
    ctl_reply(req, levels);
    free(levels);
}

static void
cmd_vlog_reopen(struct ctl_request *req, int argc OVS_UNUSED,
                const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    int error = vlog_reopen_log_file();
    if (error) {
        ctl_reply_error(req, ovs_strerror(error));
    } else {
        ctl_reply(req, "");
    }
}

/* ------------------------------------------------------------ lifecycle */

int
ctl_server_create(struct event_base *base, const char *path,
                  struct ctl_server **serverp)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int error;

    *serverp = NULL;
    if (strlen(path) >= sizeof sun.sun_path) {
        VLOG_ERR("%s: socket path too long", path);
        return -ENAMETOOLONG;
    }
    strcpy(sun.sun_path, path);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        error = -errno;
        VLOG_ERR("socket: %s", ovs_strerror(errno));
        return error;
    }
    unlink(path);
    mode_t old_umask = umask(0177);
    int bind_error = bind(fd, (struct sockaddr *) &sun, sizeof sun);
    umask(old_umask);
    if (bind_error || chmod(path, 0600) || listen(fd, 16)) {
        error = -errno;
        VLOG_ERR("%s: %s", path, ovs_strerror(errno));
        close(fd);
        unlink(path);
        return error;
    }

    struct ctl_server *server = xzalloc(sizeof *server);
    server->base = base;
    server->path = xstrdup(path);
    shash_init(&server->commands);
    ovs_list_init(&server->conns);
    server->listener = evconnlistener_new(base, accept_conn, server,
                                          LEV_OPT_CLOSE_ON_FREE, -1, fd);
    if (!server->listener) {
        close(fd);
        ctl_server_destroy(server);
        return -ENOMEM;
    }
    ctl_command_register(server, "list-commands", "", 0, 0,
                         cmd_list_commands, server);
    ctl_command_register(server, "vlog/set", "{SPEC | PATTERN:DEST:PATTERN}",
                         1, INT_MAX, cmd_vlog_set, NULL);
    ctl_command_register(server, "vlog/list", "", 0, 0, cmd_vlog_list, NULL);
    ctl_command_register(server, "vlog/reopen", "", 0, 0, cmd_vlog_reopen,
                         NULL);
    *serverp = server;
    return 0;
}

void
ctl_server_destroy(struct ctl_server *server)
{
    if (!server) {
        return;
    }
    struct ctl_conn *conn;
    LIST_FOR_EACH_SAFE (conn, node, &server->conns) {
        conn_close(conn);
    }
    if (server->listener) {
        evconnlistener_free(server->listener);
        unlink(server->path);
    }
    struct shash_node *node;
    SHASH_FOR_EACH (node, &server->commands) {
        struct ctl_command *cmd = node->data;
        free(cmd->usage);
        free(cmd);
    }
    shash_destroy(&server->commands);
    free(server->path);
    free(server);
}

void
ctl_command_register(struct ctl_server *server, const char *name,
                     const char *usage, int min_args, int max_args,
                     ctl_handler *handler, void *aux)
{
    struct ctl_command *cmd = xmalloc(sizeof *cmd);
    cmd->usage = xstrdup(usage);
    cmd->min_args = min_args;
    cmd->max_args = MIN(max_args, CTL_MAX_ARGS - 1);
    cmd->handler = handler;
    cmd->aux = aux;
    struct ctl_command *old = shash_replace(&server->commands, name, cmd);
    if (old) {
        free(old->usage);
        free(old);
    }
}
