/* SPDX-License-Identifier: Apache-2.0
 *
 * metrics.c -- Prometheus text exposition and its HTTP server (see
 * metrics.h).
 *
 * Names follow Prometheus' conventions: an "ovnmigd_" prefix, counters end
 * in "_total", durations are in seconds.  The counters that counters/show
 * lists by X-macro (VMM_STATS, MIGE_STATS, PKTIO_STATS) keep its names,
 * with '-' turned into '_', so that a new counter appears in both.
 */
#include <config.h>
#include "daemon/metrics.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "socket-util.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(metrics);

/* ------------------------------------------------------------ rendering */

#define PREFIX "ovnmigd_"

/* Text format: in HELP, '\' and newline are escaped; in label values,
 * '"' too. */
static void
put_escaped(struct ds *out, const char *s, bool quote)
{
    for (; *s; s++) {
        if (*s == '\\') {
            ds_put_cstr(out, "\\\\");
        } else if (*s == '\n') {
            ds_put_cstr(out, "\\n");
        } else if (*s == '"' && quote) {
            ds_put_cstr(out, "\\\"");
        } else {
            ds_put_char(out, *s);
        }
    }
}

static void
put_family(struct ds *out, const char *name, const char *type,
           const char *help)
{
    ds_put_format(out, "# HELP %s ", name);
    put_escaped(out, help, false);
    ds_put_format(out, "\n# TYPE %s %s\n", name, type);
}

/* One sample, with one label 'key' = 'value' unless 'key' is NULL. */
static void
put_sample(struct ds *out, const char *name, const char *key,
           const char *value, uint64_t n)
{
    ds_put_cstr(out, name);
    if (key) {
        ds_put_format(out, "{%s=\"", key);
        put_escaped(out, value, true);
        ds_put_cstr(out, "\"}");
    }
    ds_put_format(out, " %"PRIu64"\n", n);
}

/* A family whose samples differ by one label 'key'. */
struct labelled {
    const char *value;
    uint64_t n;
};

static void
put_labelled(struct ds *out, const char *name, const char *type,
             const char *help, const char *key,
             const struct labelled *samples, size_t n)
{
    put_family(out, name, type, help);
    for (size_t i = 0; i < n; i++) {
        put_sample(out, name, key, samples[i].value, samples[i].n);
    }
}

#define PUT_LABELLED(OUT, NAME, TYPE, HELP, KEY, ...)                   \
    put_labelled(OUT, NAME, TYPE, HELP, KEY,                            \
                 (const struct labelled[]) { __VA_ARGS__ },             \
                 ARRAY_SIZE(((const struct labelled[]) { __VA_ARGS__ })))

static void
put_single(struct ds *out, const char *name, const char *type,
           const char *help, uint64_t n)
{
    put_family(out, name, type, help);
    put_sample(out, name, NULL, NULL, n);
}

/* "ovnmigd_<infix><name>_total" for a counters/show name: anything but
 * letters and digits becomes '_'. */
static char *
counter_name(const char *infix, const char *name)
{
    char *s = xasprintf(PREFIX"%s%s_total", infix, name);
    for (char *p = s + strlen(PREFIX); *p; p++) {
        if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z')
            && !(*p >= '0' && *p <= '9')) {
            *p = '_';
        }
    }
    return s;
}

/* A counter named after counters/show's 'name' in its 'section'. */
static void
put_named_counter(struct ds *out, const char *infix, const char *section,
                  const char *name, uint64_t n)
{
    char *metric = counter_name(infix, name);
    char *help = xasprintf("counters/show [%s] %s.", section, name);
    put_single(out, metric, "counter", help, n);
    free(help);
    free(metric);
}

/* Milliseconds as seconds: "0.05", "12", "1.234". */
static void
put_seconds(struct ds *out, uint64_t ms)
{
    ds_put_format(out, "%"PRIu64, ms / 1000);
    unsigned int frac = ms % 1000;
    if (frac) {
        char digits[8];
        snprintf(digits, sizeof digits, ".%03u", frac);
        size_t len = strlen(digits);
        while (digits[len - 1] == '0') {
            digits[--len] = '\0';
        }
        ds_put_cstr(out, digits);
    }
}

/* The samples of a histogram kept in milliseconds, shown in seconds, with
 * one label 'key' = 'value' unless 'key' is NULL ('value' is one of our
 * names: no escaping needed). */
static void
put_histogram(struct ds *out, const char *name, const char *key,
              const char *value, const struct mige_hist *h)
{
    char *labels = key ? xasprintf("%s=\"%s\",", key, value) : xstrdup("");
    size_t n_bounds = MIN(h->n_bounds, MIGE_HIST_MAX_BOUNDS);
    uint64_t cumulative = 0;

    for (size_t i = 0; i <= n_bounds; i++) {
        cumulative += h->buckets[i];
        ds_put_format(out, "%s_bucket{%sle=\"", name, labels);
        if (i < n_bounds) {
            put_seconds(out, h->bounds[i]);
        } else {
            ds_put_cstr(out, "+Inf");
        }
        ds_put_format(out, "\"} %"PRIu64"\n", cumulative);
    }
    ds_put_format(out, "%s_sum", name);
    if (key) {
        ds_put_format(out, "{%s=\"%s\"}", key, value);
    }
    ds_put_char(out, ' ');
    put_seconds(out, h->sum);
    ds_put_format(out, "\n%s_count", name);
    if (key) {
        ds_put_format(out, "{%s=\"%s\"}", key, value);
    }
    ds_put_format(out, " %"PRIu64"\n", h->count);
    free(labels);
}

static void
render_migrations(const struct metrics_input *in, struct ds *out)
{
    const struct mige_stats *ms = &in->mige;
#define MIGE_STAT(MEMBER, NAME) \
    put_named_counter(out, "", "migrations", NAME, ms->MEMBER);
    MIGE_STATS
#undef MIGE_STAT

    /* Disjoint outcomes, unlike migrations-failed (cancelled included). */
    uint64_t failed = ms->failed - MIN(ms->failed, ms->cancelled);
    PUT_LABELLED(out, PREFIX"migrations_finished_total", "counter",
                 "Migrations this node was the source of, by how they "
                 "ended.", "outcome", { "succeeded", ms->succeeded },
                 { "failed", failed }, { "cancelled", ms->cancelled });

    const char *name = PREFIX"migration_downtime_seconds";
    put_family(out, name, "histogram",
               "QEMU's downtime of the migrations this node was the source "
               "of that succeeded (short of the guest's pause).");
    put_histogram(out, name, NULL, NULL, &in->hists.downtime);

    name = PREFIX"migration_pause_seconds";
    put_family(out, name, "histogram",
               "The guest's pause in the migrations this node was the "
               "target of: QEMU's STOP on the source to its RESUME here.");
    put_histogram(out, name, NULL, NULL, &in->hists.pause);

    name = PREFIX"migration_duration_seconds";
    put_family(out, name, "histogram",
               "Migrations this node was the source of, from the slot's "
               "claim to the final state, by outcome.");
    for (int i = 0; i < MIGE_N_OUTCOMES; i++) {
        put_histogram(out, name, "outcome", mige_outcome_name(i),
                      &in->hists.duration[i]);
    }

    const struct mige_cluster_view *v = &in->view;
    if (!v->valid) {
        return;
    }
    name = PREFIX"cluster_migrations";
    put_family(out, name, "gauge",
               "The cluster's Migration records, by phase.");
    for (int i = 0; i < MIGE_N_PHASES; i++) {
        put_sample(out, name, "phase", mig_phase_name(i), v->phases[i]);
    }
    put_sample(out, name, "phase", "unknown", v->unknown_phase);

    PUT_LABELLED(out, PREFIX"migration_slots_used", "gauge",
                 "Active migrations (Scheduling to Running): in the "
                 "cluster, and from this node.", "scope",
                 { "cluster", v->active }, { "node", v->outbound });
    PUT_LABELLED(out, PREFIX"migration_slots_limit", "gauge",
                 "parallelMigrationsPerCluster (scope cluster) and "
                 "parallelOutboundMigrationsPerNode (scope node).", "scope",
                 { "cluster", v->cluster_limit }, { "node", v->node_limit });
}

static void
render_vms(const struct metrics_input *in, struct ds *out)
{
#define VMM_STAT(MEMBER, NAME) \
    put_named_counter(out, "", "vms", NAME, in->vmm.MEMBER);
    VMM_STATS
#undef VMM_STAT

    if (in->accel) {
        PUT_LABELLED(out, PREFIX"accelerator", "gauge",
                     "1 for the accelerator this node's QEMUs run with "
                     "(decided at start: ovnmigd.conf accel).", "accel",
                     { "kvm", !strcmp(in->accel, "kvm") },
                     { "tcg", !strcmp(in->accel, "tcg") });
    }
    const char *name = PREFIX"vm_accelerator";
    if (in->n_vms) {
        put_family(out, name, "gauge",
                   "1 for each VM with a QEMU on this node, labelled with "
                   "the accelerator it runs with.");
    }
    uint64_t boot_failed = 0;
    for (size_t i = 0; i < in->n_vms; i++) {
        ds_put_cstr(out, name);
        ds_put_cstr(out, "{lsp=\"");
        put_escaped(out, in->vms[i].port, true);
        ds_put_format(out, "\",accel=\"%s\"} 1\n", in->vms[i].accel);
        boot_failed += in->vms[i].boot_failed;
    }
    put_single(out, PREFIX"vms_boot_failed", "gauge",
               "VMs whose guest showed no sign of life by the boot "
               "deadline (and none since).", boot_failed);
}

void
metrics_input_destroy(struct metrics_input *in)
{
    if (in) {
        free(in->vms);
        in->vms = NULL;
        in->n_vms = 0;
    }
}

static void
render_cluster_db(const struct metrics_input *in, struct ds *out)
{
    const struct cdb_stats *c = &in->cdb;

    put_single(out, PREFIX"cluster_db_connected", "gauge",
               "1 while connected to the cluster database.", c->connected);
    put_single(out, PREFIX"cluster_db_vms", "gauge",
               "VMs of this node in the last snapshot.", c->vms);
    put_single(out, PREFIX"cluster_db_snapshots_total", "counter",
               "Snapshots of the cluster database delivered.", c->snapshots);
    put_single(out, PREFIX"cluster_db_heartbeats_total", "counter",
               "Node rows written.", c->heartbeats);
    put_single(out, PREFIX"cluster_db_status_writes_total", "counter",
               "VM status columns written.", c->status_writes);
    put_single(out, PREFIX"cluster_db_migration_writes_total", "counter",
               "Migration changes written.", c->mig_writes);
    put_single(out, PREFIX"cluster_db_migration_writes_dropped_total",
               "counter", "Migration changes dropped: the record was no "
               "longer as expected.", c->mig_writes_dropped);
    put_single(out, PREFIX"cluster_db_reconnects_total", "counter",
               "Connections to the cluster database after the first.",
               c->reconnects);
    PUT_LABELLED(out, PREFIX"cluster_db_transactions_total", "counter",
                 "Cluster database transactions, by result.", "result",
                 { "committed", c->txn_committed },
                 { "failed", c->txn_failed });
}

static void
render_ovn(const struct metrics_input *in, struct ds *out)
{
    const struct ovnhook_stats *h = &in->ovn;

    PUT_LABELLED(out, PREFIX"ovn_connected", "gauge",
                 "1 while connected to the OVN database.", "db",
                 { "nb", h->nb_connected }, { "sb", h->sb_connected });
    put_single(out, PREFIX"ovn_requests_queued", "gauge",
               "OVN requests not answered yet.", h->queued);
    put_single(out, PREFIX"ovn_ports_watched", "gauge",
               "Port_Binding rows monitored.", h->watched);
    put_single(out, PREFIX"ovn_requests_total", "counter",
               "OVN requests accepted.", h->requests);
    put_single(out, PREFIX"ovn_requests_rejected_total", "counter",
               "OVN requests refused: the queue was full.",
               h->rejected_full);
    PUT_LABELLED(out, PREFIX"ovn_requests_done_total", "counter",
                 "OVN requests answered, by result (errors include "
                 "timeouts).", "result", { "ok", h->done_ok },
                 { "error", h->done_error });
    put_single(out, PREFIX"ovn_request_timeouts_total", "counter",
               "OVN requests that timed out.", h->timeouts);
    PUT_LABELLED(out, PREFIX"ovn_transactions_total", "counter",
                 "OVN Northbound transactions, by result.", "result",
                 { "committed", h->txn_committed },
                 { "unchanged", h->txn_unchanged },
                 { "retried", h->txn_retried }, { "failed", h->txn_failed });
    put_single(out, PREFIX"ovn_sb_events_total", "counter",
               "Port binding events queued.", h->sb_events);
    put_single(out, PREFIX"ovn_sb_events_dropped_total", "counter",
               "Port binding events dropped: the daemon was not draining "
               "them.", h->sb_events_dropped);
    put_single(out, PREFIX"ovn_nb_reconnects_total", "counter",
               "Connections to the OVN Northbound after the first.",
               h->nb_reconnects);
}

static void
render_packets(const struct metrics_input *in, struct ds *out)
{
    const char *name = PREFIX"arp_verdicts_total";
    put_family(out, name, "counter",
               "ARP frames from VM ports, by the proxy's verdict (all but "
               "reply are drops).");
    for (int i = 0; i < ARPP_N_VERDICTS; i++) {
        put_sample(out, name, "verdict", arpp_verdict_name(i), in->arp.n[i]);
    }

    const struct arpp_io_fast_path *fp = &in->arp_fp;
    put_single(out, PREFIX"arp_fast_path_loaded", "gauge",
               "1 if the ARP kernel fast path (eBPF on tc ingress) is "
               "loaded.", fp->loaded);
    PUT_LABELLED(out, PREFIX"arp_ports_by_path", "gauge",
                 "VM ports whose ARP requests are answered in the kernel "
                 "or from userspace.", "path",
                 { "kernel", fp->ports_kernel },
                 { "userspace", fp->ports_userspace });
    PUT_LABELLED(out, PREFIX"arp_kernel_frames_total", "counter",
                 "ARP frames the kernel fast path answered, passed up to "
                 "userspace, or failed to answer (dropped).", "result",
                 { "answered", fp->kernel.answered },
                 { "passed", fp->kernel.passed },
                 { "failed", fp->kernel.failed });
    put_single(out, PREFIX"arp_left_to_kernel_total", "counter",
               "Replies userspace decided but left to the kernel fast "
               "path.", fp->left_to_kernel);
    put_single(out, PREFIX"arp_fast_path_attach_failures_total", "counter",
               "Ports answered from userspace because the fast path "
               "could not be attached.", fp->attach_failures);
    put_single(out, PREFIX"arp_fast_path_map_bytes", "gauge",
               "Kernel memory of the fast path's maps.", fp->map_bytes);

    name = PREFIX"dhcp_events_total";
    put_family(out, name, "counter",
               "DHCP messages received and sent, by client state "
               "(RFC 2131 section 4.3).");
    for (int i = 0; i < DHCP_N_EVENTS; i++) {
        put_sample(out, name, "event", dhcp_event_name(i),
                   in->dhcp.events[i]);
    }
    name = PREFIX"dhcp_drops_total";
    put_family(out, name, "counter", "DHCP requests dropped, by reason.");
    for (int i = DHCP_DROP_NONE + 1; i < DHCP_N_DROPS; i++) {
        put_sample(out, name, "reason", dhcp_drop_name(i), in->dhcp.drops[i]);
    }
    name = PREFIX"dhcp_frame_errors_total";
    put_family(out, name, "counter",
               "DHCP frames dropped as bad-frame, by error.");
    for (int i = 0; i < PKT_N_ERRORS; i++) {
        put_sample(out, name, "error", pkt_error_name(i),
                   in->dhcp.frame_errors[i]);
    }
    put_single(out, PREFIX"dhcp_bindings", "gauge",
               "DHCP bindings served.", in->dhcp_bindings);

    name = PREFIX"ndp_verdicts_total";
    put_family(out, name, "counter",
               "ICMPv6 frames (RS, RA, NS, NA) from VM ports, by the IPv6 "
               "router's verdict.");
    for (int i = 0; i < NDP_N_VERDICTS; i++) {
        put_sample(out, name, "verdict", ndp_verdict_name(i), in->ndp.n[i]);
    }
    PUT_LABELLED(out, PREFIX"ndp_ras_sent_total", "counter",
                 "Router Advertisements sent to VM ports, by kind.", "kind",
                 { "unsolicited", in->ndp_ras.unsolicited },
                 { "solicited-multicast", in->ndp_ras.solicited_multicast },
                 { "solicited-unicast", in->ndp_ras.solicited_unicast });

    name = PREFIX"dhcp6_events_total";
    put_family(out, name, "counter",
               "DHCPv6 messages received and sent, and the statuses given "
               "(RFC 8415).");
    for (int i = 0; i < DHCP6_N_EVENTS; i++) {
        put_sample(out, name, "event", dhcp6_event_name(i),
                   in->dhcp6.events[i]);
    }
    name = PREFIX"dhcp6_drops_total";
    put_family(out, name, "counter", "DHCPv6 messages dropped, by reason.");
    for (int i = DHCP6_DROP_NONE + 1; i < DHCP6_N_DROPS; i++) {
        put_sample(out, name, "reason", dhcp6_drop_name(i),
                   in->dhcp6.drops[i]);
    }
    name = PREFIX"dhcp6_frame_errors_total";
    put_family(out, name, "counter",
               "DHCPv6 frames dropped as bad-frame, by error.");
    for (int i = 0; i < PKT_N_ERRORS; i++) {
        put_sample(out, name, "error", pkt_error_name(i),
                   in->dhcp6.frame_errors[i]);
    }
    put_single(out, PREFIX"dhcp6_bindings", "gauge",
               "DHCPv6 bindings served.", in->dhcp6_bindings);

    PUT_LABELLED(out, PREFIX"ports", "gauge", "VM ports served, by "
                 "service.", "service", { "arp", in->arp_ports },
                 { "dhcp", in->dhcp_ports }, { "ndp", in->ndp_ports },
                 { "dhcp6", in->dhcp6_ports });

#define PKTIO_STAT(MEMBER, NAME)                                        \
    {                                                                   \
        char *metric = counter_name("packet_io_", NAME);                \
        PUT_LABELLED(out, metric, "counter",                            \
                     "Packet socket counter " NAME ", by service.",     \
                     "service", { "arp", in->arp_io.MEMBER },           \
                     { "dhcp", in->dhcp_io.MEMBER },                    \
                     { "ndp", in->ndp_io.MEMBER },                      \
                     { "dhcp6", in->dhcp6_io.MEMBER });                 \
        free(metric);                                                   \
    }
    PKTIO_STATS
#undef PKTIO_STAT
}

static void
render_server(const struct metrics_input *in, struct ds *out)
{
    PUT_LABELLED(out, PREFIX"metrics_requests_total", "counter",
                 "Requests to this endpoint, by HTTP status.", "code",
                 { "200", in->server.ok }, { "404", in->server.not_found },
                 { "405", in->server.bad_method });
}

void
metrics_render(const struct metrics_input *in, struct ds *out)
{
    render_migrations(in, out);
    render_vms(in, out);
    render_cluster_db(in, out);
    render_ovn(in, out);
    render_packets(in, out);
    render_server(in, out);
}

/* ------------------------------------------------------------ server */

struct metrics_server {
    struct evhttp *http;
    struct evhttp_bound_socket *bound;  /* Owned by 'http'. */
    metrics_collect_cb *collect;
    void *aux;
    struct metrics_server_stats stats;
};

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

static void
log_refused(struct evhttp_request *req, int code)
{
    if (VLOG_DROP_INFO(&rl)) {
        return;
    }
    char *peer = NULL;
    ev_uint16_t port = 0;
    struct evhttp_connection *conn = evhttp_request_get_connection(req);
    if (conn) {
        evhttp_connection_get_peer(conn, &peer, &port);
    }
    /* The URI is the client's: quote it, bounded. */
    struct ds uri = DS_EMPTY_INITIALIZER;
    const char *u = evhttp_request_get_uri(req);
    put_escaped(&uri, u ? u : "", true);
    if (uri.length > 200) {
        ds_truncate(&uri, 200);
        ds_put_cstr(&uri, "...");
    }
    VLOG_INFO("%s:%u: \"%s\": %d", peer ? peer : "?", port, ds_cstr(&uri),
              code);
    ds_destroy(&uri);
}

static void
handle_request(struct evhttp_request *req, void *s_)
{
    struct metrics_server *s = s_;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    struct evkeyvalq *headers = evhttp_request_get_output_headers(req);

    if (!path || strcmp(path, "/metrics")) {
        s->stats.not_found++;
        log_refused(req, HTTP_NOTFOUND);
        evhttp_send_error(req, HTTP_NOTFOUND, NULL);
        return;
    }
    /* HEAD too: every general-purpose server supports it with GET
     * (RFC 9110 section 9.1). */
    if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
        s->stats.bad_method++;
        log_refused(req, HTTP_BADMETHOD);
        /* Not evhttp_send_error(): it drops the headers set. */
        evhttp_add_header(headers, "Allow", "GET, HEAD");
        evhttp_add_header(headers, "Connection", "close");
        evhttp_send_reply(req, HTTP_BADMETHOD, "Method Not Allowed", NULL);
        return;
    }
    s->stats.ok++;

    struct metrics_input in;
    memset(&in, 0, sizeof in);
    s->collect(&in, s->aux);
    in.server = s->stats;
    struct ds text = DS_EMPTY_INITIALIZER;
    metrics_render(&in, &text);
    metrics_input_destroy(&in);

    struct evbuffer *body = evbuffer_new();
    if (!body || evbuffer_add(body, text.string, text.length)) {
        VLOG_ERR_RL(&rl, "out of memory for a reply of %zu bytes",
                    text.length);
        evhttp_send_error(req, HTTP_INTERNAL, NULL);
    } else {
        evhttp_add_header(headers, "Content-Type",
                          "text/plain; version=0.0.4; charset=utf-8");
        if (cmd == EVHTTP_REQ_HEAD) {
            /* libevent 2.1 would send the body even so. */
            char length[32];
            snprintf(length, sizeof length, "%zu", text.length);
            evhttp_add_header(headers, "Content-Length", length);
            evhttp_send_reply(req, HTTP_OK, "OK", NULL);
        } else {
            evhttp_send_reply(req, HTTP_OK, "OK", body);
        }
    }
    if (body) {
        evbuffer_free(body);
    }
    ds_destroy(&text);
}

int
metrics_server_create(struct event_base *base, const char *address,
                      metrics_collect_cb *collect, void *aux,
                      struct metrics_server **serverp)
{
    struct sockaddr_storage ss;

    *serverp = NULL;
    /* As daemon/config.c checks it. */
    if (!address || !inet_parse_active(address, -1, &ss, false, NULL)) {
        VLOG_ERR("metrics address %s: not IP:PORT",
                 address ? address : "(none)");
        return -EINVAL;
    }

    struct evhttp *http = evhttp_new(base);
    if (!http) {
        VLOG_ERR("metrics: evhttp_new failed");
        return -ENOMEM;
    }
    struct evconnlistener *listener = evconnlistener_new_bind(
        base, NULL, NULL,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
        -1, (struct sockaddr *) &ss, ss_length(&ss));
    if (!listener) {
        int error = errno ? errno : EADDRNOTAVAIL;
        VLOG_ERR("metrics: listening on %s: %s", address,
                 ovs_strerror(error));
        evhttp_free(http);
        return -error;
    }
    struct evhttp_bound_socket *bound = evhttp_bind_listener(http, listener);
    if (!bound) {
        VLOG_ERR("metrics: evhttp_bind_listener failed");
        evconnlistener_free(listener);
        evhttp_free(http);
        return -ENOMEM;
    }

    /* Nothing a client sends is worth more than a request line and a few
     * headers; a slow one is dropped after the timeout. */
    evhttp_set_max_headers_size(http, METRICS_MAX_HEADERS_SIZE);
    evhttp_set_max_body_size(http, METRICS_MAX_BODY_SIZE);
    evhttp_set_timeout(http, METRICS_TIMEOUT_S);
    /* Let every method reach handle_request(), for a 405 rather than
     * libevent's 501. */
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST
                               | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT
                               | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS
                               | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT
                               | EVHTTP_REQ_PATCH);

    struct metrics_server *s = xzalloc(sizeof *s);
    s->http = http;
    s->bound = bound;
    s->collect = collect;
    s->aux = aux;
    evhttp_set_gencb(http, handle_request, s);
    VLOG_INFO("serving metrics on http://%s/metrics", address);
    *serverp = s;
    return 0;
}

void
metrics_server_destroy(struct metrics_server *s)
{
    if (s) {
        evhttp_free(s->http);   /* Closes the listener too. */
        free(s);
    }
}

uint16_t
metrics_server_port(const struct metrics_server *s)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(evhttp_bound_socket_get_fd(s->bound),
                    (struct sockaddr *) &ss, &len)) {
        return 0;
    }
    return ss_get_port(&ss);
}
