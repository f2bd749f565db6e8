/* ovn-hooks -- the caller's side: requests in, completions out.
 *
 * Copyright 2024 The ovnmig authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Everything here runs on the caller's thread except ovnhook_complete()
 * and ovnhook_post(), which the IDL thread calls.  The two sides share only
 * the lists and counters under h->mutex; see docs/ovn-hooks.md.
 */
#include <config.h>

#include "ovn-hooks/ovn-hooks.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "ovn-hooks/ovn-hooks-private.h"
#include "packets.h"
#include "openvswitch/poll-loop.h"
#include "timeval.h"

VLOG_DEFINE_THIS_MODULE(ovn_hooks);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

const char *
ovnhook_op_name(enum ovnhook_op op)
{
    switch (op) {
    case OVNHOOK_OP_PORT_SET: return "port_set";
    case OVNHOOK_OP_PORT_DELETE: return "port_delete";
    case OVNHOOK_OP_MIGRATION_START: return "migration_start";
    case OVNHOOK_OP_MIGRATION_FINISH: return "migration_finish";
    case OVNHOOK_OP_MIGRATION_REVERT: return "migration_revert";
    case OVNHOOK_OP_ENSURE_INFRA: return "ensure_infra";
    case OVNHOOK_OP_PORT_GET: return "port_get";
    case OVNHOOK_OP_PORT_ALLOC: return "port_alloc";
    }
    return "unknown";
}

/* Truncating copy that always terminates. */
void
ovnhook_copy(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src ? src : "", size - 1);

    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

/* Copies 'src' into 'dst' if it fits (with its NUL).  0 or -ENAMETOOLONG. */
static int
copy_checked(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);

    if (n >= size) {
        return -ENAMETOOLONG;
    }
    memcpy(dst, src, n + 1);
    return 0;
}

/* OVSDB names we accept for chassis and Kubernetes names: printable, no
 * spaces or commas (a comma separates chassis in requested-chassis). */
static bool
valid_name(const char *s)
{
    if (!s || !*s) {
        return false;
    }
    for (; *s; s++) {
        if (*s <= ' ' || *s == ',' || *s == '"' || *s == '\\' || *s == 0x7f) {
            return false;
        }
    }
    return true;
}

int
ovnhook_port_name(const char *vm, const char *namespace,
                  char *buf, size_t size)
{
    if (!valid_name(vm) || !valid_name(namespace) || !size) {
        return -EINVAL;
    }
    int n = snprintf(buf, size, "%s.%s", vm, namespace);
    return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

int
ovnhook_acl_match(const char *port_group, const char *const *gateways,
                  size_t n_gateways, char *buf, size_t size)
{
    static const char *const default_gateways[] = { "169.254.1.1", "fe80::1" };
    struct ds v4 = DS_EMPTY_INITIALIZER;
    struct ds v6 = DS_EMPTY_INITIALIZER;
    struct ds m = DS_EMPTY_INITIALIZER;
    int error = 0;

    if (!valid_name(port_group)) {
        return -EINVAL;
    }
    if (!n_gateways) {
        gateways = default_gateways;
        n_gateways = ARRAY_SIZE(default_gateways);
    }
    for (size_t i = 0; i < n_gateways; i++) {
        ovs_be32 ip4;
        struct in6_addr ip6;
        char s6[INET6_ADDRSTRLEN];

        if (gateways[i] && ip_parse(gateways[i], &ip4)) {
            ds_put_format(&v4, "%s"IP_FMT, v4.length ? ", " : "",
                          IP_ARGS(ip4));
        } else if (gateways[i] && ipv6_parse(gateways[i], &ip6)) {
            ipv6_string_mapped(s6, &ip6);
            ds_put_format(&v6, "%s%s", v6.length ? ", " : "", s6);
        } else {
            error = -EINVAL;
            goto out;
        }
    }

    /* From the guest: DHCPv4 and DHCPv6 client traffic, ARP requests and
     * neighbor solicitations for the gateway addresses.  The local ovnmig
     * daemon answers all of them; OVN must neither flood nor answer them.
     * A RARP (eth.type 0x8035) is not "arp", and a gratuitous ARP targets
     * the guest's own address: both pass. */
    ds_put_format(&m, "inport == @%s && (udp.dst == 67 || udp.dst == 547",
                  port_group);
    if (v4.length) {
        ds_put_format(&m, " || (arp.op == 1 && arp.tpa == {%s})",
                      ds_cstr(&v4));
    }
    if (v6.length) {
        ds_put_format(&m, " || (nd_ns && nd.target == {%s})", ds_cstr(&v6));
    }
    ds_put_char(&m, ')');
    error = copy_checked(buf, size, ds_cstr(&m));

out:
    ds_destroy(&v4);
    ds_destroy(&v6);
    ds_destroy(&m);
    return error;
}

/* ------------------------------------------------------------ lifecycle */

struct ovnhook *
ovnhook_create(const struct ovnhook_options *opts)
{
    char match[2048];
    const char *pg;

    if (!opts || !opts->nb_remote || !*opts->nb_remote
        || !valid_name(opts->chassis) || !valid_name(opts->switch_name)
        || !opts->cb.done || opts->n_gateways > OVNHOOK_MAX_GATEWAYS
        || (opts->sb_remote && !*opts->sb_remote)) {
        errno = EINVAL;
        return NULL;
    }
    pg = opts->port_group ? opts->port_group : OVNHOOK_DEFAULT_PORT_GROUP;
    if (strlen(opts->chassis) >= OVNHOOK_NAME_MAX
        || strlen(opts->switch_name) >= OVNHOOK_PORT_NAME_MAX
        || strlen(pg) >= OVNHOOK_PORT_NAME_MAX
        || ovnhook_acl_match(pg, opts->gateways, opts->n_gateways,
                             match, sizeof match)) {
        errno = EINVAL;
        return NULL;
    }

    struct ovnhook *h = xzalloc(sizeof *h);
    h->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (h->done_fd < 0) {
        int e = errno;
        free(h);
        errno = e;
        return NULL;
    }
    h->nb_remote = xstrdup(opts->nb_remote);
    h->sb_remote = opts->sb_remote ? xstrdup(opts->sb_remote) : NULL;
    ovnhook_copy(h->chassis, sizeof h->chassis, opts->chassis);
    ovnhook_copy(h->switch_name, sizeof h->switch_name, opts->switch_name);
    ovnhook_copy(h->port_group, sizeof h->port_group, pg);
    h->acl_match = xstrdup(match);
    h->max_queue = opts->max_queue ? opts->max_queue
                                   : OVNHOOK_DEFAULT_MAX_QUEUE;
    h->max_batch = opts->max_batch ? opts->max_batch
                                   : OVNHOOK_DEFAULT_MAX_BATCH;
    h->max_watched = opts->max_watched ? opts->max_watched
                                       : OVNHOOK_DEFAULT_MAX_WATCHED;
    h->request_timeout_ms = (opts->request_timeout_ms
                             ? opts->request_timeout_ms
                             : OVNHOOK_DEFAULT_REQUEST_TIMEOUT_MS);
    h->migration_timeout_ms = (opts->migration_timeout_ms
                               ? opts->migration_timeout_ms
                               : OVNHOOK_DEFAULT_MIGRATION_TIMEOUT_MS);
    h->cb = opts->cb;

    ovs_mutex_init(&h->mutex);
    ovs_list_init(&h->pending);
    ovs_list_init(&h->done);
    latch_init(&h->exit_latch);
    latch_init(&h->request_latch);
    h->thread = ovs_thread_create("ovnhook", ovnhook_idl_main, h);
    return h;
}

static void
free_list(struct ovs_list *list)
{
    while (!ovs_list_is_empty(list)) {
        /* Requests and completions both start with their list node. */
        free(ovs_list_pop_front(list));
    }
}

void
ovnhook_destroy(struct ovnhook *h)
{
    if (!h) {
        return;
    }
    latch_set(&h->exit_latch);
    xpthread_join(h->thread, NULL);

    /* The thread is gone: what it left is ours. */
    free_list(&h->pending);
    free_list(&h->done);
    latch_destroy(&h->exit_latch);
    latch_destroy(&h->request_latch);
    ovs_mutex_destroy(&h->mutex);
    close(h->done_fd);
    free(h->nb_remote);
    free(h->sb_remote);
    free(h->acl_match);
    free(h);
}

int
ovnhook_get_fd(const struct ovnhook *h)
{
    return h->done_fd;
}

void
ovnhook_wait(const struct ovnhook *h)
{
    poll_fd_wait(h->done_fd, POLLIN);
}

int
ovnhook_run(struct ovnhook *h)
{
    struct ovs_list done;
    uint64_t n;
    int delivered = 0;

    /* Reset the eventfd before taking the list: a completion posted after
     * the read writes it again, so none is left unsignalled. */
    if (read(h->done_fd, &n, sizeof n) < 0 && errno != EAGAIN) {
        VLOG_WARN_RL(&rl,
                     "reading the completion eventfd: %s",
                     ovs_strerror(errno));
    }
    ovs_mutex_lock(&h->mutex);
    ovs_list_move(&done, &h->done);
    ovs_list_init(&h->done);
    h->n_done = 0;
    ovs_mutex_unlock(&h->mutex);

    struct ovnhook_completion *c;
    LIST_FOR_EACH_POP (c, node, &done) {
        if (c->is_connection) {
            if (h->cb.connection) {
                h->cb.connection(c->nb_connected, c->sb_connected, h->cb.aux);
            }
        } else if (c->is_binding) {
            if (h->cb.binding) {
                h->cb.binding(&c->binding, h->cb.aux);
            }
        } else {
            h->cb.done(&c->result, h->cb.aux);
        }
        free(c);
        delivered++;
    }
    return delivered;
}

void
ovnhook_get_stats(struct ovnhook *h, struct ovnhook_stats *stats)
{
    ovs_mutex_lock(&h->mutex);
    *stats = h->stats;
    stats->queued = h->n_queued;
    ovs_mutex_unlock(&h->mutex);
}

/* ------------------------------------------------------------ both sides */

void
ovnhook_post(struct ovnhook *h, struct ovnhook_completion *c)
{
    uint64_t one = 1;
    bool drop = false;

    ovs_mutex_lock(&h->mutex);
    if (c->is_binding) {
        /* Binding events are the only thing that can grow without a
         * request: bound them, the caller can always ask port_get. */
        if (h->n_done >= h->max_queue) {
            h->stats.sb_events_dropped++;
            drop = true;
        } else {
            h->stats.sb_events++;
        }
    }
    if (!drop) {
        ovs_list_push_back(&h->done, &c->node);
        h->n_done++;
    }
    ovs_mutex_unlock(&h->mutex);
    if (drop) {
        free(c);
        return;
    }
    if (write(h->done_fd, &one, sizeof one) < 0 && errno != EAGAIN) {
        VLOG_WARN_RL(&rl,
                     "writing the completion eventfd: %s",
                     ovs_strerror(errno));
    }
}

void
ovnhook_complete(struct ovnhook *h, struct ovnhook_request *req,
                 const struct ovnhook_port_info *info,
                 int error, const char *format, ...)
{
    if (req->internal) {
        if (error) {
            VLOG_WARN_RL(&rl,
                         "%s (internal) failed: %s", ovnhook_op_name(req->op),
                         ovs_strerror(-error));
        }
        free(req);
        return;
    }

    struct ovnhook_completion *c = xzalloc(sizeof *c
                                          + (info ? sizeof *info : 0));
    struct ovnhook_result *r = &c->result;
    va_list args;

    r->cookie = req->cookie;
    r->op = req->op;
    r->error = error;
    memcpy(r->port, req->port, sizeof r->port);
    va_start(args, format);
    vsnprintf(r->message, sizeof r->message, format, args);
    va_end(args);
    bool set = req->op == OVNHOOK_OP_PORT_SET
               || req->op == OVNHOOK_OP_PORT_ALLOC;
    if (set && !error && !uuid_is_zero(&req->row_uuid)) {
        snprintf(r->lsp_uuid, sizeof r->lsp_uuid, UUID_FMT,
                 UUID_ARGS(&req->row_uuid));
    }
    if (set && !error) {
        memcpy(r->mac, req->mac, sizeof r->mac);
        memcpy(r->ipv4, req->ipv4, sizeof r->ipv4);
    }
    if (info) {
        c->info[0] = *info;
        r->info = &c->info[0];
    }
    r->elapsed_ms = time_msec() - req->submitted;

    ovs_mutex_lock(&h->mutex);
    h->n_queued--;
    if (error) {
        h->stats.done_error++;
        h->stats.timeouts += error == -ETIMEDOUT;
    } else {
        h->stats.done_ok++;
    }
    ovs_mutex_unlock(&h->mutex);

    VLOG_DBG("%s %s: %s (%d)", ovnhook_op_name(req->op), req->port,
             r->message, error);
    free(req);
    ovnhook_post(h, c);
}

/* ------------------------------------------------------------ requests */

static struct ovnhook_request *
request_new(enum ovnhook_op op, uint64_t cookie)
{
    struct ovnhook_request *req = xzalloc(sizeof *req);

    req->op = op;
    req->cookie = cookie;
    return req;
}

/* Queues 'req' (taking ownership) or frees it and returns -ENOBUFS. */
static int
submit(struct ovnhook *h, struct ovnhook_request *req)
{
    req->submitted = time_msec();
    req->deadline = req->submitted + h->request_timeout_ms;

    ovs_mutex_lock(&h->mutex);
    if (h->n_queued >= h->max_queue) {
        h->stats.rejected_full++;
        ovs_mutex_unlock(&h->mutex);
        free(req);
        return -ENOBUFS;
    }
    h->n_queued++;
    h->stats.requests++;
    ovs_list_push_back(&h->pending, &req->node);
    ovs_mutex_unlock(&h->mutex);

    latch_set(&h->request_latch);
    return 0;
}

/* Checks and copies a port name.  0, -EINVAL or -ENAMETOOLONG. */
static int
set_port(struct ovnhook_request *req, const char *port)
{
    if (!port || !*port || strchr(port, '"') || strchr(port, '\\')) {
        return -EINVAL;
    }
    return copy_checked(req->port, sizeof req->port, port);
}

static int
set_chassis(char *dst, size_t size, const char *name)
{
    return valid_name(name) ? copy_checked(dst, size, name) : -EINVAL;
}

/* Frees 'req' on error, submits it otherwise. */
static int
finish_request(struct ovnhook *h, struct ovnhook_request *req, int error)
{
    if (error) {
        free(req);
        return error;
    }
    return submit(h, req);
}

int
ovnhook_port_set(struct ovnhook *h, const struct ovnhook_port_spec *spec,
                 uint64_t cookie)
{
    struct ovnhook_request *req = request_new(OVNHOOK_OP_PORT_SET, cookie);
    struct eth_addr mac;
    ovs_be32 ip4;
    struct in6_addr ip6;
    int error;

    if (!spec || !spec->mac || !spec->ipv4
        || !eth_addr_from_string(spec->mac, &mac)
        || !ip_parse(spec->ipv4, &ip4)
        || (spec->ipv6 && *spec->ipv6 && !ipv6_parse(spec->ipv6, &ip6))) {
        return finish_request(h, req, -EINVAL);
    }
    error = ovnhook_port_name(spec->vm, spec->namespace,
                              req->port, sizeof req->port);
    if (!error) {
        error = set_chassis(req->chassis, sizeof req->chassis, spec->node);
    }
    if (!error) {
        /* Canonical spelling, so that comparing with the NB is exact. */
        snprintf(req->mac, sizeof req->mac, ETH_ADDR_FMT, ETH_ADDR_ARGS(mac));
        snprintf(req->ipv4, sizeof req->ipv4, IP_FMT, IP_ARGS(ip4));
        if (spec->ipv6 && *spec->ipv6) {
            ipv6_string_mapped(req->ipv6, &ip6);
        }
        error = copy_checked(req->vm, sizeof req->vm, spec->vm);
    }
    if (!error) {
        error = copy_checked(req->namespace, sizeof req->namespace,
                             spec->namespace);
    }
    return finish_request(h, req, error);
}

int
ovnhook_port_alloc(struct ovnhook *h, const struct ovnhook_alloc_spec *spec,
                   uint64_t cookie)
{
    struct ovnhook_request *req = request_new(OVNHOOK_OP_PORT_ALLOC, cookie);
    unsigned int plen;
    ovs_be32 net;

    char *err = spec && spec->subnet ? ip_parse_cidr(spec->subnet, &net,
                                                     &plen)
                                     : xstrdup("no subnet");
    if (err || plen < 16 || plen > 30) {
        free(err);
        return finish_request(h, req, -EINVAL);
    }
    req->subnet_mask = be32_prefix_mask(plen);
    req->subnet = net & req->subnet_mask;
    int error = ovnhook_port_name(spec->vm, spec->namespace,
                                  req->port, sizeof req->port);
    if (!error) {
        error = set_chassis(req->chassis, sizeof req->chassis, spec->node);
    }
    if (!error) {
        error = copy_checked(req->vm, sizeof req->vm, spec->vm);
    }
    if (!error) {
        error = copy_checked(req->namespace, sizeof req->namespace,
                             spec->namespace);
    }
    return finish_request(h, req, error);
}

int
ovnhook_port_delete(struct ovnhook *h, const char *port, uint64_t cookie)
{
    struct ovnhook_request *req = request_new(OVNHOOK_OP_PORT_DELETE, cookie);

    return finish_request(h, req, set_port(req, port));
}

static int
migration_start(struct ovnhook *h, const char *port, const char *src,
                const char *dst, bool no_activation, const char *uid,
                uint64_t cookie)
{
    struct ovnhook_request *req = request_new(OVNHOOK_OP_MIGRATION_START,
                                              cookie);
    int error = set_port(req, port);

    req->no_activation = no_activation;
    if (!error && uid) {
        error = copy_checked(req->migration_uid, sizeof req->migration_uid,
                             uid);
    }

    if (!error) {
        error = set_chassis(req->chassis, sizeof req->chassis, src);
    }
    if (!error) {
        error = set_chassis(req->dst, sizeof req->dst, dst);
    }
    if (!error && !strcmp(req->chassis, req->dst)) {
        error = -EINVAL;
    }
    return finish_request(h, req, error);
}

int
ovnhook_migration_start(struct ovnhook *h, const char *port,
                        const char *src, const char *dst, uint64_t cookie)
{
    return migration_start(h, port, src, dst, false, NULL, cookie);
}

int
ovnhook_migration_start_uid(struct ovnhook *h, const char *port,
                            const char *src, const char *dst,
                            const char *migration_uid, uint64_t cookie)
{
    if (!migration_uid || !migration_uid[0]) {
        return -EINVAL;
    }
    return migration_start(h, port, src, dst, false, migration_uid, cookie);
}

int
ovnhook_migration_start_unblocked(struct ovnhook *h, const char *port,
                                  const char *src, const char *dst,
                                  uint64_t cookie)
{
    return migration_start(h, port, src, dst, true, NULL, cookie);
}

static int
migration_end(struct ovnhook *h, enum ovnhook_op op, const char *port,
              const char *chassis, uint64_t cookie)
{
    struct ovnhook_request *req = request_new(op, cookie);
    int error = set_port(req, port);

    if (!error) {
        error = set_chassis(req->chassis, sizeof req->chassis, chassis);
    }
    return finish_request(h, req, error);
}

int
ovnhook_migration_end_if(struct ovnhook *h, const char *port,
                         const char *chassis, const char *migration_uid,
                         uint64_t cookie)
{
    struct ovnhook_request *req = request_new(OVNHOOK_OP_MIGRATION_FINISH,
                                              cookie);
    int error = set_port(req, port);

    req->if_migration = true;
    if (!error) {
        error = set_chassis(req->chassis, sizeof req->chassis, chassis);
    }
    if (!error && migration_uid) {
        error = copy_checked(req->migration_uid, sizeof req->migration_uid,
                             migration_uid);
    }
    return finish_request(h, req, error);
}

int
ovnhook_migration_finish(struct ovnhook *h, const char *port,
                         const char *dst, uint64_t cookie)
{
    return migration_end(h, OVNHOOK_OP_MIGRATION_FINISH, port, dst, cookie);
}

int
ovnhook_migration_revert(struct ovnhook *h, const char *port,
                         const char *src, uint64_t cookie)
{
    return migration_end(h, OVNHOOK_OP_MIGRATION_REVERT, port, src, cookie);
}

int
ovnhook_ensure_infra(struct ovnhook *h, uint64_t cookie)
{
    return submit(h, request_new(OVNHOOK_OP_ENSURE_INFRA, cookie));
}

int
ovnhook_port_get(struct ovnhook *h, const char *port, uint64_t cookie)
{
    struct ovnhook_request *req = request_new(OVNHOOK_OP_PORT_GET, cookie);

    return finish_request(h, req, set_port(req, port));
}
