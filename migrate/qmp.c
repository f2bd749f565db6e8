/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "migrate/qmp.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/json.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(qmp);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

struct qmp_pending {
    struct hmap_node node;      /* In qmp->pending, by 'id'. */
    int64_t id;
    qmp_reply_cb *cb;
    void *aux;
};

struct qmp {
    char *path;
    struct bufferevent *bev;
    struct json_parser *parser;
    size_t parsed;              /* Bytes fed to 'parser' so far. */
    struct qmp_callbacks cbs;

    bool greeted;               /* Greeting seen, capabilities sent. */
    bool ready;                 /* Capabilities acknowledged. */
    bool closed;
    struct evbuffer *deferred;  /* Commands issued before the greeting. */

    struct hmap pending;        /* Contains "struct qmp_pending"s. */
    int64_t next_id;

    int depth;                  /* Callbacks under way on the stack. */
    bool destroy_requested;     /* qmp_destroy() called from a callback. */
};

static void qmp_close(struct qmp *, int error);
static void qmp_free(struct qmp *);

static const struct json *
object_get(const struct json *obj, const char *name)
{
    return obj && obj->type == JSON_OBJECT
           ? shash_find_data(json_object(obj), name) : NULL;
}

static const char *
string_get(const struct json *obj, const char *name)
{
    const struct json *s = object_get(obj, name);
    return s && s->type == JSON_STRING ? json_string(s) : NULL;
}

enum qmp_msg_type
qmp_classify(const struct json *json, struct qmp_msg *msg)
{
    memset(msg, 0, sizeof *msg);
    msg->id = -1;
    if (!json || json->type != JSON_OBJECT) {
        return msg->type = QMP_MSG_INVALID;
    }

    const struct json *id = object_get(json, "id");
    if (id && id->type == JSON_INTEGER) {
        msg->id = json_integer(id);
    }

    const struct json *value;
    if (object_get(json, "QMP")) {
        msg->type = QMP_MSG_GREETING;
    } else if ((value = object_get(json, "return"))) {
        msg->type = QMP_MSG_RETURN;
        msg->value = value;
    } else if ((value = object_get(json, "error"))) {
        msg->error_class = string_get(value, "class");
        msg->error_desc = string_get(value, "desc");
        if (!msg->error_class || !msg->error_desc) {
            return msg->type = QMP_MSG_INVALID;
        }
        msg->type = QMP_MSG_ERROR;
    } else if ((msg->event = string_get(json, "event"))) {
        msg->type = QMP_MSG_EVENT;
        msg->value = object_get(json, "data");
        const struct json *ts = object_get(json, "timestamp");
        const struct json *s = object_get(ts, "seconds");
        const struct json *us = object_get(ts, "microseconds");
        if (s && us && s->type == JSON_INTEGER && us->type == JSON_INTEGER) {
            msg->timestamp = json_integer(s) + json_integer(us) / 1e6;
        }
    } else {
        msg->type = QMP_MSG_INVALID;
    }
    return msg->type;
}

static struct qmp_pending *
pending_take(struct qmp *qmp, int64_t id)
{
    struct qmp_pending *p;
    HMAP_FOR_EACH_WITH_HASH (p, node, hash_uint64(id), &qmp->pending) {
        if (p->id == id) {
            hmap_remove(&qmp->pending, &p->node);
            return p;
        }
    }
    return NULL;
}

/* Writes what the bufferevent still holds, waiting up to a second: a
 * file descriptor must ride on the bytes of its own command, so nothing
 * may be queued in front of them.  QEMU, local, reads at once. */
static int
flush_output(struct qmp *qmp)
{
    struct evbuffer *out = bufferevent_get_output(qmp->bev);
    int fd = bufferevent_getfd(qmp->bev);
    long long int deadline = time_msec() + 1000;

    while (evbuffer_get_length(out)) {
        if (evbuffer_write(out, fd) < 0) {
            if (errno != EAGAIN && errno != EINTR) {
                return -errno;
            }
            struct pollfd pfd = { .fd = fd, .events = POLLOUT };
            long long int left = deadline - time_msec();
            if (left <= 0) {
                return -ETIMEDOUT;
            }
            poll(&pfd, 1, left);
        }
    }
    return 0;
}

/* Sends 's' with 'fd' attached (SCM_RIGHTS), then whatever of 's' the
 * socket did not take through the bufferevent. */
static int
send_with_fd(struct qmp *qmp, const struct ds *s, int fd)
{
    int error = flush_output(qmp);
    if (error) {
        return error;
    }
    union {
        struct cmsghdr cm;
        char buf[CMSG_SPACE(sizeof fd)];
    } control;
    struct iovec iov = { .iov_base = s->string, .iov_len = s->length };
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buf,
        .msg_controllen = sizeof control.buf,
    };
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof fd);
    memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);

    ssize_t n;
    do {
        n = sendmsg(bufferevent_getfd(qmp->bev), &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return -errno;
    }
    evbuffer_add(bufferevent_get_output(qmp->bev), s->string + n,
                 s->length - n);
    return 0;
}

/* Queues 'cmd' (taking it) for QEMU; with 'fd' >= 0, sends it now with
 * 'fd' attached. */
static int
send_json(struct qmp *qmp, struct json *cmd, int fd)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    int error = 0;

    json_to_ds(cmd, 0, &s);
    ds_put_cstr(&s, "\r\n");
    if (fd >= 0) {
        error = send_with_fd(qmp, &s, fd);
    } else {
        /* Before the greeting, QEMU would take a command as the end of
         * negotiation; hold it back until capabilities are sent. */
        evbuffer_add(qmp->greeted ? bufferevent_get_output(qmp->bev)
                                  : qmp->deferred, s.string, s.length);
    }
    ds_destroy(&s);
    json_destroy(cmd);
    return error;
}

static void
capabilities_done(void *qmp_, int error, const struct json *result,
                  const char *desc)
{
    struct qmp *qmp = qmp_;
    if (error) {
        VLOG_WARN_RL(&rl, "%s: qmp_capabilities failed: %s", qmp->path,
                     desc ? desc : ovs_strerror(-error));
        qmp_close(qmp, -EPROTO);
        return;
    }
    qmp->ready = true;
}

static void
handle_message(struct qmp *qmp, const struct json *json)
{
    struct qmp_msg msg;
    struct qmp_pending *p;

    switch (qmp_classify(json, &msg)) {
    case QMP_MSG_GREETING:
        if (qmp->greeted) {
            VLOG_WARN_RL(&rl, "%s: second greeting ignored", qmp->path);
            break;
        }
        qmp->greeted = true;
        qmp_execute(qmp, "qmp_capabilities", NULL, capabilities_done, qmp);
        evbuffer_add_buffer(bufferevent_get_output(qmp->bev), qmp->deferred);
        break;
    case QMP_MSG_RETURN:
    case QMP_MSG_ERROR:
        p = msg.id >= 0 ? pending_take(qmp, msg.id) : NULL;
        if (!p) {
            VLOG_WARN_RL(&rl, "%s: reply to unknown command id %"PRId64,
                         qmp->path, msg.id);
            break;
        }
        if (p->cb) {
            if (msg.type == QMP_MSG_RETURN) {
                p->cb(p->aux, 0, msg.value, NULL);
            } else {
                char *desc = xasprintf("%s: %s", msg.error_class,
                                       msg.error_desc);
                p->cb(p->aux, -EPROTO, NULL, desc);
                free(desc);
            }
        }
        free(p);
        break;
    case QMP_MSG_EVENT:
        if (qmp->cbs.event) {
            qmp->cbs.event(qmp->cbs.aux, msg.event, msg.value,
                           msg.timestamp);
        }
        break;
    case QMP_MSG_INVALID:
    default:
        VLOG_WARN_RL(&rl, "%s: ignoring a message that is not QMP",
                     qmp->path);
        break;
    }
}

/* Feeds what arrived to the parser, one message at a time. */
static void
read_cb(struct bufferevent *bev, void *qmp_)
{
    struct qmp *qmp = qmp_;
    struct evbuffer *in = bufferevent_get_input(bev);

    qmp->depth++;
    while (!qmp->closed && !qmp->destroy_requested
           && evbuffer_get_length(in)) {
        size_t avail = evbuffer_get_contiguous_space(in);
        const char *data = (const char *) evbuffer_pullup(in, avail);
        size_t used = json_parser_feed(qmp->parser, data, avail);
        evbuffer_drain(in, used);
        qmp->parsed += used;

        if (json_parser_is_done(qmp->parser)) {
            struct json *json = json_parser_finish(qmp->parser);
            qmp->parser = json_parser_create(0);
            qmp->parsed = 0;
            if (json->type == JSON_STRING) {
                /* The parser reports a syntax error as a string. */
                VLOG_WARN_RL(&rl, "%s: bad JSON: %s", qmp->path,
                             json_string(json));
                json_destroy(json);
                qmp_close(qmp, -EPROTO);
                break;
            }
            handle_message(qmp, json);
            json_destroy(json);
        } else if (qmp->parsed > QMP_MAX_MESSAGE) {
            VLOG_WARN_RL(&rl, "%s: message over %d bytes", qmp->path,
                         QMP_MAX_MESSAGE);
            qmp_close(qmp, -EMSGSIZE);
        }
    }
    if (!--qmp->depth && qmp->destroy_requested) {
        qmp_free(qmp);
    }
}

static void
event_cb(struct bufferevent *bev, short what, void *qmp_)
{
    struct qmp *qmp = qmp_;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        int error = what & BEV_EVENT_ERROR && errno ? -errno : -ECONNRESET;
        qmp->depth++;
        qmp_close(qmp, error);
        if (!--qmp->depth && qmp->destroy_requested) {
            qmp_free(qmp);
        }
    }
}

/* Fails every pending command and reports the close, once. */
static void
qmp_close(struct qmp *qmp, int error)
{
    if (qmp->closed) {
        return;
    }
    qmp->closed = true;
    qmp->ready = false;
    if (qmp->bev) {
        bufferevent_disable(qmp->bev, EV_READ | EV_WRITE);
    }

    struct qmp_pending *p;
    HMAP_FOR_EACH_POP (p, node, &qmp->pending) {
        if (p->cb) {
            p->cb(p->aux, -ECONNRESET, NULL, "connection closed");
        }
        free(p);
    }
    if (qmp->cbs.close) {
        qmp->cbs.close(qmp->cbs.aux, error);
    }
}

int
qmp_connect(struct event_base *base, const char *path,
            const struct qmp_callbacks *cbs, struct qmp **qmpp)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };

    *qmpp = NULL;
    if (strlen(path) >= sizeof sun.sun_path) {
        return -ENAMETOOLONG;
    }
    strcpy(sun.sun_path, path);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    if (connect(fd, (struct sockaddr *) &sun, sizeof sun)) {
        int error = -errno;
        close(fd);
        return error;
    }
    evutil_make_socket_nonblocking(fd);

    struct qmp *qmp = xzalloc(sizeof *qmp);
    qmp->path = xstrdup(path);
    qmp->cbs = cbs ? *cbs : (struct qmp_callbacks) { 0 };
    qmp->parser = json_parser_create(0);
    qmp->deferred = evbuffer_new();
    hmap_init(&qmp->pending);
    qmp->next_id = 1;
    qmp->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!qmp->bev) {
        close(fd);
        qmp_free(qmp);
        return -ENOMEM;
    }
    bufferevent_setcb(qmp->bev, read_cb, NULL, event_cb, qmp);
    bufferevent_enable(qmp->bev, EV_READ | EV_WRITE);
    *qmpp = qmp;
    return 0;
}

static void
qmp_free(struct qmp *qmp)
{
    qmp->cbs.close = NULL;      /* The owner is the one closing. */
    qmp_close(qmp, -ECONNRESET);
    if (qmp->bev) {
        bufferevent_free(qmp->bev);
    }
    evbuffer_free(qmp->deferred);
    json_parser_abort(qmp->parser);
    hmap_destroy(&qmp->pending);
    free(qmp->path);
    free(qmp);
}

void
qmp_destroy(struct qmp *qmp)
{
    if (!qmp) {
        return;
    }
    /* From inside one of our own callbacks, free once it has returned. */
    if (qmp->depth) {
        qmp->destroy_requested = true;
        return;
    }
    qmp_free(qmp);
}

bool
qmp_is_ready(const struct qmp *qmp)
{
    return qmp->ready;
}

int
qmp_execute(struct qmp *qmp, const char *command, struct json *args,
            qmp_reply_cb *cb, void *aux)
{
    return qmp_execute_fd(qmp, command, args, -1, cb, aux);
}

int
qmp_execute_fd(struct qmp *qmp, const char *command, struct json *args,
               int fd, qmp_reply_cb *cb, void *aux)
{
    if (qmp->closed || (fd >= 0 && !qmp->greeted)) {
        json_destroy(args);
        return -ENOTCONN;
    }
    if (hmap_count(&qmp->pending) >= QMP_MAX_PENDING) {
        json_destroy(args);
        return -ENOBUFS;
    }

    struct qmp_pending *p = xmalloc(sizeof *p);
    p->id = qmp->next_id++;
    p->cb = cb;
    p->aux = aux;
    hmap_insert(&qmp->pending, &p->node, hash_uint64(p->id));

    struct json *cmd = json_object_create();
    json_object_put_string(cmd, "execute", command);
    if (args) {
        json_object_put(cmd, "arguments", args);
    }
    json_object_put(cmd, "id", json_integer_create(p->id));
    int error = send_json(qmp, cmd, fd);
    if (error) {
        hmap_remove(&qmp->pending, &p->node);
        free(p);
    }
    return error;
}

struct sync_wait {
    bool done;
    int error;
    struct json *result;
    char *desc;
};

static void
sync_reply(void *w_, int error, const struct json *result, const char *desc)
{
    struct sync_wait *w = w_;
    w->done = true;
    w->error = error;
    w->result = result ? json_deep_clone(result) : NULL;
    w->desc = desc ? xstrdup(desc) : NULL;
}

static void
sync_timeout(evutil_socket_t fd, short what, void *w_)
{
    struct sync_wait *w = w_;
    if (!w->done) {
        w->done = true;
        w->error = -ETIMEDOUT;
        w->desc = xstrdup("timed out");
    }
}

int
qmp_execute_sync(struct event_base *base, struct qmp *qmp,
                 const char *command, struct json *args, int timeout_ms,
                 struct json **resultp, char **descp)
{
    struct sync_wait w = { .done = false };
    int error = qmp_execute(qmp, command, args, sync_reply, &w);
    if (error) {
        if (descp) {
            *descp = xstrdup(ovs_strerror(-error));
        }
        return error;
    }

    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    struct event *timer = evtimer_new(base, sync_timeout, &w);
    evtimer_add(timer, &tv);
    while (!w.done) {
        event_base_loop(base, EVLOOP_ONCE);
    }
    event_free(timer);
    /* On a time-out the reply may still come: let it find no waiter. */
    if (w.error == -ETIMEDOUT) {
        struct qmp_pending *p;
        HMAP_FOR_EACH (p, node, &qmp->pending) {
            if (p->aux == &w) {
                p->cb = NULL;
            }
        }
    }

    if (resultp) {
        *resultp = w.result;
    } else {
        json_destroy(w.result);
    }
    if (descp) {
        *descp = w.desc;
    } else {
        free(w.desc);
    }
    return w.error;
}
