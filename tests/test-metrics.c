/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for daemon/metrics.h: the exposition text follows the
 * Prometheus text format (checked by a strict parser below: names, HELP
 * and TYPE before each family's samples, families contiguous and unique,
 * histograms cumulative and ending in le="+Inf" equal to _count), carries
 * the values it was given, and the HTTP server answers GET /metrics, 404,
 * 405 and hostile requests over a real loopback socket. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/metrics.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"

static const uint64_t bounds[] = { 10, 50, 100, 1000, 2500 };

static void
hist_init(struct mige_hist *h)
{
    memset(h, 0, sizeof *h);
    h->bounds = bounds;
    h->n_bounds = ARRAY_SIZE(bounds);
}

/* Every field nonzero and distinct where it matters. */
static void
input_init(struct metrics_input *in)
{
    memset(in, 0, sizeof *in);
    in->mige.claims = 11;
    in->mige.succeeded = 5;
    in->mige.failed = 3;
    in->mige.cancelled = 1;
    hist_init(&in->hists.downtime);
    hist_init(&in->hists.pause);
    for (int i = 0; i < MIGE_N_OUTCOMES; i++) {
        hist_init(&in->hists.duration[i]);
    }
    mige_hist_observe(&in->hists.downtime, 10);
    mige_hist_observe(&in->hists.downtime, 11);
    mige_hist_observe(&in->hists.downtime, 9999);
    mige_hist_observe(&in->hists.pause, 140);
    mige_hist_observe(&in->hists.duration[MIGE_OUTCOME_FAILED], 1234);
    in->view.valid = true;
    in->view.phases[MIG_PHASE_PENDING] = 4;
    in->view.phases[MIG_PHASE_RUNNING] = 2;
    in->view.active = 2;
    in->view.cluster_limit = 5;
    in->view.outbound = 1;
    in->view.node_limit = 2;
    in->vmm.created = 3;
    in->cdb.connected = true;
    in->cdb.txn_failed = 6;
    in->ovn.sb_connected = true;
    in->ovn.txn_retried = 8;
    in->arp.n[ARPP_REPLY] = 42;
    in->arp_io.rx_frames = 50;
    in->dhcp.events[DHCP_EV_TX_ACK] = 7;
    in->dhcp.drops[DHCP_DROP_UNKNOWN_CLIENT] = 9;
    in->dhcp_io.tx_frames = 13;
    in->dhcp_ports = 2;
    in->dhcp_bindings = 2;
    in->ndp.n[NDP_REPLY] = 4;
    in->ndp_ras.unsolicited = 3;
    in->dhcp6.events[DHCP6_EV_RX_RENEW] = 5;
    in->dhcp6_io.rx_frames = 6;
    in->dhcp6_bindings = 1;
    in->server.not_found = 1;
}

/* ------------------------------------------------------------ the parser */

static bool
name_ok(const char *s, size_t len, bool colon)
{
    if (!len || (s[0] >= '0' && s[0] <= '9')) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || (colon && c == ':'))) {
            return false;
        }
    }
    return true;
}

static bool
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

struct family {
    char *name;
    char *type;                 /* NULL until its TYPE line. */
    bool has_help;
    size_t n_samples;
    /* Histograms: the series being read. */
    char *series;               /* Labels other than le, as text. */
    double last_le, last_bucket;
    bool inf_seen;
};

struct exposition {
    struct shash families;      /* name -> struct family * */
    struct shash samples;       /* "name{labels}" -> double * */
    struct sset done;           /* Families whose samples are over. */
    struct family *cur;
};

/* Reads 'labels' ('{' already consumed) up to and including '}' into
 * 'other' (all but le, canonical "k=\"v\"," text) and '*le'. */
static const char *
parse_labels(const char *p, struct ds *other, const char **le, size_t *le_len)
{
    *le = NULL;
    while (*p != '}') {
        const char *k = p;
        while (*p && *p != '=') {
            p++;
        }
        assert_true(name_ok(k, p - k, false));
        assert_int_equal(p[1], '"');
        bool is_le = p - k == 2 && !strncmp(k, "le", 2);
        size_t k_len = p - k;
        p += 2;
        const char *v = p;
        while (*p && *p != '"') {
            if (*p == '\\') {
                p++;
                assert_true(*p == '\\' || *p == '"' || *p == 'n');
            }
            p++;
        }
        assert_int_equal(*p, '"');
        if (is_le) {
            *le = v;
            *le_len = p - v;
        } else {
            ds_put_format(other, "%.*s=\"%.*s\",", (int) k_len, k,
                          (int) (p - v), v);
        }
        p++;
        if (*p == ',') {
            p++;
        } else {
            assert_int_equal(*p, '}');
        }
    }
    return p + 1;
}

static double
parse_value(const char *s)
{
    if (!strcmp(s, "+Inf")) {
        return INFINITY;
    }
    char *end;
    double d = strtod(s, &end);
    assert_true(end != s && !*end);
    return d;
}

static void
end_family(struct exposition *x)
{
    struct family *f = x->cur;
    if (!f) {
        return;
    }
    assert_true(f->has_help && f->type);
    assert_true(f->n_samples > 0);
    if (!strcmp(f->type, "histogram")) {
        assert_true(f->inf_seen);
    }
    sset_add(&x->done, f->name);
    x->cur = NULL;
}

static void
sample_line(struct exposition *x, char *line)
{
    struct family *f = x->cur;
    assert_non_null(f);
    assert_non_null(f->type);

    char *p = line;
    while (*p && *p != '{' && *p != ' ') {
        p++;
    }
    char *name = xmemdup0(line, p - line);
    assert_true(name_ok(name, strlen(name), true));

    struct ds other = DS_EMPTY_INITIALIZER;
    const char *le = NULL;
    size_t le_len = 0;
    if (*p == '{') {
        p = CONST_CAST(char *, parse_labels(p + 1, &other, &le, &le_len));
    }
    assert_int_equal(*p, ' ');
    double value = parse_value(p + 1);

    if (!strcmp(f->type, "histogram")) {
        char *bucket = xasprintf("%s_bucket", f->name);
        char *sum = xasprintf("%s_sum", f->name);
        char *count = xasprintf("%s_count", f->name);
        if (!strcmp(name, bucket)) {
            assert_non_null(le);
            char *le_text = xmemdup0(le, le_len);
            double bound = parse_value(le_text);
            free(le_text);
            if (!f->series || strcmp(f->series, ds_cstr(&other))) {
                /* A new series starts with its first bucket. */
                assert_true(!f->series || f->inf_seen);
                free(f->series);
                f->series = xstrdup(ds_cstr(&other));
                f->last_le = -INFINITY;
                f->last_bucket = 0;
                f->inf_seen = false;
            }
            assert_false(f->inf_seen);
            assert_true(bound > f->last_le);
            assert_true(value >= f->last_bucket);
            f->last_le = bound;
            f->last_bucket = value;
            f->inf_seen = isinf(bound);
        } else if (!strcmp(name, sum)) {
            assert_null(le);
            assert_true(f->inf_seen);
            assert_string_equal(f->series, ds_cstr(&other));
        } else if (!strcmp(name, count)) {
            assert_null(le);
            assert_true(f->inf_seen);
            assert_string_equal(f->series, ds_cstr(&other));
            assert_true(value == f->last_bucket);
        } else {
            fail_msg("%s: not a sample of histogram %s", name, f->name);
        }
        free(bucket);
        free(sum);
        free(count);
    } else {
        assert_string_equal(name, f->name);
        assert_null(le);
    }
    f->n_samples++;

    /* Unique samples. */
    char *key = xasprintf("%s{%s%s%.*s%s}", name, ds_cstr(&other),
                          le ? "le=\"" : "", (int) le_len, le ? le : "",
                          le ? "\"," : "");
    double *vp = xmalloc(sizeof *vp);
    *vp = value;
    if (!shash_add_once(&x->samples, key, vp)) {
        fail_msg("sample %s twice", key);
    }
    free(key);
    free(name);
    ds_destroy(&other);
}

/* A comment: "# HELP name text" or "# TYPE name type". */
static void
comment_line(struct exposition *x, char *line)
{
    bool help = !strncmp(line, "# HELP ", 7);
    bool type = !strncmp(line, "# TYPE ", 7);
    assert_true(help || type);
    char *name = line + 7;
    char *sp = strchr(name, ' ');
    assert_non_null(sp);
    *sp = '\0';
    assert_true(name_ok(name, strlen(name), true));
    assert_false(sset_contains(&x->done, name));

    struct family *f = shash_find_data(&x->families, name);
    if (!f) {
        end_family(x);
        f = xzalloc(sizeof *f);
        f->name = xstrdup(name);
        shash_add(&x->families, name, f);
        x->cur = f;
    }
    assert_ptr_equal(f, x->cur);
    assert_int_equal(f->n_samples, 0);  /* Comments before samples. */
    if (help) {
        assert_false(f->has_help);
        f->has_help = true;
        assert_true(sp[1] != '\0');
    } else {
        assert_null(f->type);
        const char *t = sp + 1;
        assert_true(!strcmp(t, "counter") || !strcmp(t, "gauge")
                    || !strcmp(t, "histogram"));
        f->type = xstrdup(t);
        if (!strcmp(t, "counter")) {
            assert_true(ends_with(name, "_total"));
        }
    }
}

static void
parse_exposition(struct exposition *x, const char *text)
{
    shash_init(&x->families);
    shash_init(&x->samples);
    sset_init(&x->done);
    x->cur = NULL;

    assert_true(ends_with(text, "\n"));
    char *copy = xstrdup(text);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') {
            comment_line(x, line);
        } else {
            sample_line(x, line);
        }
    }
    end_family(x);
    free(copy);
}

static void
exposition_destroy(struct exposition *x)
{
    struct shash_node *node;
    SHASH_FOR_EACH (node, &x->families) {
        struct family *f = node->data;
        free(f->name);
        free(f->type);
        free(f->series);
        free(f);
    }
    shash_destroy(&x->families);
    shash_destroy_free_data(&x->samples);
    sset_destroy(&x->done);
}

static double
sample(const struct exposition *x, const char *key)
{
    double *v = shash_find_data(&x->samples, key);
    if (!v) {
        fail_msg("no sample %s", key);
    }
    return *v;
}

/* ------------------------------------------------------------ rendering */

static void
test_render_parses(void **state OVS_UNUSED)
{
    struct metrics_input in;
    input_init(&in);
    in.accel = "tcg";
    in.n_vms = 2;
    in.vms = xcalloc(2, sizeof *in.vms);
    ovs_strlcpy(in.vms[0].port, "vm1.default", sizeof in.vms[0].port);
    in.vms[0].accel = "tcg";
    ovs_strlcpy(in.vms[1].port, "vm\"2.ns", sizeof in.vms[1].port);
    in.vms[1].accel = "tcg";
    in.vms[1].boot_failed = true;
    struct ds text = DS_EMPTY_INITIALIZER;
    metrics_render(&in, &text);
    metrics_input_destroy(&in);
    assert_null(in.vms);

    struct exposition x;
    parse_exposition(&x, ds_cstr(&text));

    /* The values given, under their names.  Outcomes are disjoint: 3
     * failed, 1 of them cancelled.  Histograms are in seconds: 10 ms is in
     * le=0.01 (bounds are inclusive), 11 ms in le=0.05, 9999 ms only in
     * +Inf. */
    static const struct {
        const char *sample;
        double value;
    } want[] = {
        { "ovnmigd_dhcp_events_total{event=\"tx-ack\",}", 7 },
        { "ovnmigd_dhcp_drops_total{reason=\"unknown-client\",}", 9 },
        { "ovnmigd_arp_verdicts_total{verdict=\"reply\",}", 42 },
        { "ovnmigd_packet_io_rx_frames_total{service=\"arp\",}", 50 },
        { "ovnmigd_packet_io_tx_frames_total{service=\"dhcp\",}", 13 },
        { "ovnmigd_dhcp_bindings{}", 2 },
        { "ovnmigd_ndp_verdicts_total{verdict=\"reply\",}", 4 },
        { "ovnmigd_ndp_ras_sent_total{kind=\"unsolicited\",}", 3 },
        { "ovnmigd_dhcp6_events_total{event=\"rx-renew\",}", 5 },
        { "ovnmigd_packet_io_rx_frames_total{service=\"dhcp6\",}", 6 },
        { "ovnmigd_dhcp6_bindings{}", 1 },
        { "ovnmigd_migration_claims_total{}", 11 },
        { "ovnmigd_vm_created_total{}", 3 },
        { "ovnmigd_accelerator{accel=\"tcg\",}", 1 },
        { "ovnmigd_accelerator{accel=\"kvm\",}", 0 },
        { "ovnmigd_vm_accelerator{lsp=\"vm1.default\",accel=\"tcg\",}", 1 },
        { "ovnmigd_vms_boot_failed{}", 1 },
        { "ovnmigd_guest_boot_timeouts_total{}", 0 },
        { "ovnmigd_cluster_db_connected{}", 1 },
        { "ovnmigd_cluster_db_transactions_total{result=\"failed\",}", 6 },
        { "ovnmigd_ovn_connected{db=\"nb\",}", 0 },
        { "ovnmigd_ovn_connected{db=\"sb\",}", 1 },
        { "ovnmigd_ovn_transactions_total{result=\"retried\",}", 8 },
        { "ovnmigd_metrics_requests_total{code=\"404\",}", 1 },
        { "ovnmigd_migrations_finished_total{outcome=\"succeeded\",}", 5 },
        { "ovnmigd_migrations_finished_total{outcome=\"failed\",}", 2 },
        { "ovnmigd_migrations_finished_total{outcome=\"cancelled\",}", 1 },
        { "ovnmigd_cluster_migrations{phase=\"Pending\",}", 4 },
        { "ovnmigd_cluster_migrations{phase=\"Running\",}", 2 },
        { "ovnmigd_cluster_migrations{phase=\"Succeeded\",}", 0 },
        { "ovnmigd_migration_slots_used{scope=\"cluster\",}", 2 },
        { "ovnmigd_migration_slots_limit{scope=\"node\",}", 2 },
        { "ovnmigd_migration_downtime_seconds_bucket{le=\"0.01\",}", 1 },
        { "ovnmigd_migration_downtime_seconds_bucket{le=\"0.05\",}", 2 },
        { "ovnmigd_migration_downtime_seconds_bucket{le=\"2.5\",}", 2 },
        { "ovnmigd_migration_downtime_seconds_bucket{le=\"+Inf\",}", 3 },
        { "ovnmigd_migration_downtime_seconds_sum{}", 10.02 },
        { "ovnmigd_migration_pause_seconds_bucket{le=\"0.1\",}", 0 },
        { "ovnmigd_migration_pause_seconds_bucket{le=\"1\",}", 1 },
        { "ovnmigd_migration_pause_seconds_sum{}", 0.14 },
        { "ovnmigd_migration_pause_seconds_count{}", 1 },
        { "ovnmigd_migration_duration_seconds_sum{outcome=\"failed\",}",
          1.234 },
        { "ovnmigd_migration_duration_seconds_count"
          "{outcome=\"succeeded\",}", 0 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        double got = sample(&x, want[i].sample);
        if (fabs(got - want[i].value) > 1e-9) {
            fail_msg("%s: %g, not %g", want[i].sample, got, want[i].value);
        }
    }

    struct family *f = shash_find_data(&x.families,
                                       "ovnmigd_migration_duration_seconds");
    assert_non_null(f);
    assert_string_equal(f->type, "histogram");

    exposition_destroy(&x);
    ds_destroy(&text);
}

/* Zeros everywhere and no snapshot yet: still valid text, without the
 * cluster's families. */
static void
test_render_empty(void **state OVS_UNUSED)
{
    struct metrics_input in;
    memset(&in, 0, sizeof in);
    struct ds text = DS_EMPTY_INITIALIZER;
    metrics_render(&in, &text);

    struct exposition x;
    parse_exposition(&x, ds_cstr(&text));
    assert_null(shash_find(&x.families, "ovnmigd_cluster_migrations"));
    assert_null(shash_find(&x.families, "ovnmigd_migration_slots_used"));
    assert_null(shash_find(&x.families, "ovnmigd_accelerator"));
    assert_null(shash_find(&x.families, "ovnmigd_vm_accelerator"));
    assert_true(sample(&x, "ovnmigd_vms_boot_failed{}") == 0);
    assert_true(sample(&x, "ovnmigd_migration_downtime_seconds_bucket"
                       "{le=\"+Inf\",}") == 0);
    assert_true(sample(&x, "ovnmigd_migration_downtime_seconds_sum{}") == 0);
    exposition_destroy(&x);
    ds_destroy(&text);
}

static void
test_hist_observe(void **state OVS_UNUSED)
{
    struct mige_hist h;
    hist_init(&h);
    uint64_t values[] = { 0, 10, 11, 50, 2500, 2501, UINT64_C(1) << 40 };
    for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
        mige_hist_observe(&h, values[i]);
    }
    uint64_t want[] = { 2, 2, 0, 0, 1, 2 };
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        assert_int_equal(h.buckets[i], want[i]);
    }
    assert_int_equal(h.count, ARRAY_SIZE(values));
    assert_int_equal(h.sum, 0 + 10 + 11 + 50 + 2500 + 2501
                     + (UINT64_C(1) << 40));

    /* No bounds at all: one +Inf bucket. */
    struct mige_hist none = { .bounds = NULL, .n_bounds = 0 };
    mige_hist_observe(&none, 7);
    assert_int_equal(none.buckets[0], 1);
}

/* ------------------------------------------------------------ server */

struct fixture {
    struct event_base *base;
    struct metrics_server *server;
    uint16_t port;
    unsigned int n_collects;
};

static void
collect(struct metrics_input *in, void *f_)
{
    struct fixture *f = f_;
    f->n_collects++;
    input_init(in);
}

static int
server_setup(void **state)
{
    struct fixture *f = xzalloc(sizeof *f);
    f->base = event_base_new();
    assert_non_null(f->base);
    assert_int_equal(metrics_server_create(f->base, "127.0.0.1:0", collect,
                                           f, &f->server), 0);
    f->port = metrics_server_port(f->server);
    assert_int_not_equal(f->port, 0);
    *state = f;
    return 0;
}

static int
server_teardown(void **state)
{
    struct fixture *f = *state;
    metrics_server_destroy(f->server);
    event_base_free(f->base);
    free(f);
    return 0;
}

/* Sends 'request' ('len' bytes) and runs the loop until the server
 * closes the connection (or 5 s pass).  Returns what came back; the
 * caller frees it. */
static char *
exchange(struct fixture *f, const char *request, size_t len)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sin = {
        .sin_family = AF_INET,
        .sin_port = htons(f->port),
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };
    assert_int_equal(connect(fd, (struct sockaddr *) &sin, sizeof sin), 0);
    assert_int_equal(send(fd, request, len, MSG_NOSIGNAL), (ssize_t) len);

    struct ds reply = DS_EMPTY_INITIALIZER;
    long long int deadline = time_msec() + 5000;
    while (time_msec() < deadline) {
        event_base_loop(f->base, EVLOOP_NONBLOCK);
        char buf[4096];
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            ds_put_buffer(&reply, buf, n);
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            break;
        } else {
            usleep(1000);
        }
    }
    close(fd);
    return ds_steal_cstr(&reply);
}

static char *
exchange_str(struct fixture *f, const char *request)
{
    return exchange(f, request, strlen(request));
}

static void
assert_status(const char *reply, int code)
{
    char *want = xasprintf(" %d ", code);
    const char *eol = strstr(reply, "\r\n");
    if (!eol || !strstr(reply, want) || strstr(reply, want) > eol) {
        fail_msg("want %d, got \"%.80s\"", code, reply);
    }
    free(want);
}

static const char *
body_of(const char *reply)
{
    const char *p = strstr(reply, "\r\n\r\n");
    assert_non_null(p);
    return p + 4;
}

static void
test_http_get(void **state)
{
    struct fixture *f = *state;
    char *r = exchange_str(f, "GET /metrics HTTP/1.0\r\n\r\n");
    assert_status(r, 200);
    assert_non_null(strstr(r, "Content-Type: text/plain; version=0.0.4"));
    assert_non_null(strstr(body_of(r), "ovnmigd_dhcp_events_total"
                                       "{event=\"tx-ack\"} 7\n"));
    assert_int_equal(f->n_collects, 1);

    /* The body as served parses, and counts this request. */
    struct exposition x;
    parse_exposition(&x, body_of(r));
    assert_true(sample(&x, "ovnmigd_metrics_requests_total{code=\"200\",}")
                == 1);
    exposition_destroy(&x);
    free(r);

    /* A query string is no other path; HTTP/1.1 with a Host too. */
    r = exchange_str(f, "GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n"
                     "Connection: close\r\n\r\n");
    assert_status(r, 200);
    free(r);

    /* HEAD: headers only. */
    r = exchange_str(f, "HEAD /metrics HTTP/1.0\r\n\r\n");
    assert_status(r, 200);
    assert_string_equal(body_of(r), "");
    free(r);
}

static void
test_http_refused(void **state)
{
    struct fixture *f = *state;
    static const char *const not_found[] = {
        "GET / HTTP/1.0\r\n\r\n",
        "GET /metrics/ HTTP/1.0\r\n\r\n",
        "GET /metricsx HTTP/1.0\r\n\r\n",
        "POST /other HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
    };
    for (size_t i = 0; i < ARRAY_SIZE(not_found); i++) {
        char *r = exchange_str(f, not_found[i]);
        assert_status(r, 404);
        free(r);
    }
    static const char *const bad_method[] = {
        "POST /metrics HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc",
        "PUT /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
        "DELETE /metrics HTTP/1.0\r\n\r\n",
        "OPTIONS /metrics HTTP/1.0\r\n\r\n",
        "PATCH /metrics HTTP/1.0\r\n\r\n",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad_method); i++) {
        char *r = exchange_str(f, bad_method[i]);
        assert_status(r, 405);
        assert_non_null(strstr(r, "Allow: GET, HEAD\r\n"));
        free(r);
    }
    assert_int_equal(f->n_collects, 0);
}

/* Hostile requests get libevent's error, never a crash, and the server
 * serves on. */
static void
test_http_hostile(void **state)
{
    struct fixture *f = *state;

    struct ds big = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&big, "GET /metrics HTTP/1.0\r\nX-Big: ");
    for (int i = 0; i < 2 * METRICS_MAX_HEADERS_SIZE; i++) {
        ds_put_char(&big, 'a');
    }
    ds_put_cstr(&big, "\r\n\r\n");

    struct ds body = DS_EMPTY_INITIALIZER;
    ds_put_format(&body, "POST /metrics HTTP/1.0\r\nContent-Length: %d"
                  "\r\n\r\n", 4 * METRICS_MAX_BODY_SIZE);
    for (int i = 0; i < 4 * METRICS_MAX_BODY_SIZE; i++) {
        ds_put_char(&body, 'b');
    }

    static const char garbage[] = "\x00\xff\r\n\r\nGET";
    const struct {
        const char *data;
        size_t len;
        int code;
    } requests[] = {
        { ds_cstr(&big), big.length, 400 },
        { ds_cstr(&body), body.length, 413 },
        { garbage, sizeof garbage - 1, 400 },
        { "GET\r\n\r\n", 7, 400 },
        { "GET /metrics HTTP/9.9\r\n\r\n", 25, 400 },
        { "GET http://[::1/metrics HTTP/1.0\r\n\r\n", 36, 400 },
        { "GET /metrics HTTP/1.0\r\nContent-Length: -5\r\n\r\n", 46, 400 },
        { "\r\n\r\n", 4, 400 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(requests); i++) {
        char *r = exchange(f, requests[i].data, requests[i].len);
        assert_status(r, requests[i].code);
        assert_null(strstr(body_of(r), "ovnmigd_"));
        free(r);
    }
    assert_int_equal(f->n_collects, 0);
    ds_destroy(&big);
    ds_destroy(&body);

    char *r = exchange_str(f, "GET /metrics HTTP/1.0\r\n\r\n");
    assert_status(r, 200);
    free(r);
}

static void
test_bad_address(void **state OVS_UNUSED)
{
    struct event_base *base = event_base_new();
    struct metrics_server *s = (struct metrics_server *) 1;
    static const char *const bad[] = {
        "", "localhost", "127.0.0.1", "127.0.0.1:99999", "1.2.3:80",
        "[::1:80",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_int_equal(metrics_server_create(base, bad[i], collect, NULL,
                                               &s), -EINVAL);
        assert_null(s);
    }
    assert_int_equal(metrics_server_create(base, NULL, collect, NULL, &s),
                     -EINVAL);
    metrics_server_destroy(NULL);
    event_base_free(base);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_parses),
        cmocka_unit_test(test_render_empty),
        cmocka_unit_test(test_hist_observe),
        cmocka_unit_test_setup_teardown(test_http_get, server_setup,
                                        server_teardown),
        cmocka_unit_test_setup_teardown(test_http_refused, server_setup,
                                        server_teardown),
        cmocka_unit_test_setup_teardown(test_http_hostile, server_setup,
                                        server_teardown),
        cmocka_unit_test(test_bad_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
