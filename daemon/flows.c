/* SPDX-License-Identifier: Apache-2.0
 *
 * flows.c -- one VM port's OpenFlow flows on br-int (see flows.h).
 */
#include <config.h>
#include "daemon/flows.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "byte-order.h"
#include "flow.h"
#include "jsonrpc.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/match.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "stream.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(flows);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Where packaged Open vSwitch keeps its sockets when OVS_RUNDIR is not
 * set.  (libopenvswitch's own ovs_rundir() default is that of the
 * /usr/local build this program links, which no running ovs-vswitchd
 * uses.) */
#define FLOWS_DEFAULT_RUNDIR "/var/run/openvswitch"

/* The caller waits this much longer than the worker's own deadline. */
#define WAIT_MARGIN_MS 500

/* OpenFlow 1.3 and later carry OVN's registers in OXM; 1.0 would need
 * Nicira extensions negotiated first. */
#define ALLOWED_VERSIONS ((1u << OFP13_VERSION) | (1u << OFP14_VERSION) \
                          | (1u << OFP15_VERSION))

/* ------------------------------------------------------------ filter */

static bool
match_is_exact_u32(uint32_t value, uint32_t mask, uint32_t want)
{
    return mask == UINT32_MAX && value == want;
}

static bool
sets_port_key(const struct ofpact *ofpacts, size_t ofpacts_len,
              uint32_t port_key)
{
    const struct ofpact_set_field *sf;

    OFPACT_FOR_EACH_TYPE_FLATTENED (sf, SET_FIELD, ofpacts, ofpacts_len) {
        if (sf->field->id != MFF_REG14 && sf->field->id != MFF_REG15) {
            continue;
        }
        const union mf_value *mask = ofpact_set_field_mask(sf);
        if (mask->be32 == OVS_BE32_MAX && ntohl(sf->value->be32) == port_key) {
            return true;
        }
    }
    return false;
}

bool
flows_concern_port(const struct flows_port *port, const struct match *match,
                   const struct ofpact *ofpacts, size_t ofpacts_len)
{
    const struct flow *f = &match->flow;
    const struct flow_wildcards *wc = &match->wc;

    for (size_t i = 0; i < port->n_ofports; i++) {
        ofp_port_t p = port->ofports[i];
        if ((wc->masks.in_port.ofp_port == u16_to_ofp(UINT16_MAX)
             && f->in_port.ofp_port == p)
            || ofpacts_output_to_port(ofpacts, ofpacts_len, p)) {
            return true;
        }
    }

    if (!port->datapath_key || !port->port_key
        || wc->masks.metadata != OVS_BE64_MAX
        || ntohll(f->metadata) != port->datapath_key) {
        return false;
    }
    return match_is_exact_u32(f->regs[14], wc->masks.regs[14],
                              port->port_key)
           || match_is_exact_u32(f->regs[15], wc->masks.regs[15],
                                 port->port_key)
           || sets_port_key(ofpacts, ofpacts_len, port->port_key);
}

/* ------------------------------------------------------------ result */

static void
result_init(struct flows_result *r)
{
    memset(r, 0, sizeof *r);
}

static int
result_fail(struct flows_result *r, int error, const char *format, ...)
    OVS_PRINTF_FORMAT(3, 4);

static int
result_fail(struct flows_result *r, int error, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(r->message, sizeof r->message, format, args);
    va_end(args);
    r->error = error;
    return error;
}

static void
flow_free(struct flows_flow *f)
{
    free(f->text);
    free(f->flow);
    free(f->match);
    free(f->actions);
}

void
flows_result_destroy(struct flows_result *r)
{
    if (r) {
        for (size_t i = 0; i < r->n_flows; i++) {
            flow_free(&r->flows[i]);
        }
        free(r->flows);
        r->flows = NULL;
        r->n_flows = 0;
    }
}

/* Keeps 'fs' in 'r', within the limits; 'text_bytes' is the total so far. */
static void
keep_flow(struct flows_result *r, const struct ofputil_flow_stats *fs,
          size_t *text_bytes)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    ofputil_flow_stats_format(&s, fs, NULL, NULL, true);
    size_t need = 2 * s.length;    /* With and without statistics. */
    if (r->n_flows >= FLOWS_MAX_SHOWN || *text_bytes + need > FLOWS_MAX_TEXT) {
        r->n_not_shown++;
        ds_destroy(&s);
        return;
    }
    *text_bytes += need;

    r->flows = xrealloc(r->flows, (r->n_flows + 1) * sizeof *r->flows);
    struct flows_flow *f = &r->flows[r->n_flows++];
    f->table_id = fs->table_id;
    f->priority = fs->priority;
    f->cookie = fs->cookie;
    f->packets = fs->packet_count;
    f->bytes = fs->byte_count;
    f->text = ds_steal_cstr(&s);

    ofputil_flow_stats_format(&s, fs, NULL, NULL, false);
    f->flow = ds_steal_cstr(&s);
    match_format(&fs->match, NULL, &s, fs->priority);
    f->match = ds_steal_cstr(&s);
    struct ofpact_format_params fp = { .s = &s };
    ofpacts_format(fs->ofpacts, fs->ofpacts_len, &fp);
    f->actions = ds_steal_cstr(&s);
}

static int
compare_flows(const void *a_, const void *b_)
{
    const struct flows_flow *a = a_, *b = b_;
    if (a->table_id != b->table_id) {
        return a->table_id < b->table_id ? -1 : 1;
    }
    if (a->priority != b->priority) {
        return a->priority > b->priority ? -1 : 1;
    }
    return strcmp(a->flow, b->flow);
}

/* ------------------------------------------------------------ OVSDB */

/* Receives one message on 'rpc', giving up at 'deadline': what
 * jsonrpc_recv_block() does, with a deadline. */
static int
rpc_recv_until(struct jsonrpc *rpc, long long int deadline,
               struct jsonrpc_msg **msgp)
{
    for (;;) {
        int error = jsonrpc_recv(rpc, msgp);
        if (error != EAGAIN) {
            return error;
        }
        if (time_msec() >= deadline) {
            return ETIMEDOUT;
        }
        jsonrpc_run(rpc);
        jsonrpc_wait(rpc);
        jsonrpc_recv_wait(rpc);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

/* The transaction: select name, ofport from Interface where
 * external_ids:iface-id = 'iface_id'. */
static struct json *
iface_select_params(const char *iface_id)
{
    struct json *pair = json_array_create_2(json_string_create("iface-id"),
                                            json_string_create(iface_id));
    struct json *map = json_array_create_2(
        json_string_create("map"), json_array_create_1(pair));
    struct json *clause = json_array_create_3(
        json_string_create("external_ids"), json_string_create("includes"),
        map);
    struct json *op = json_object_create();
    json_object_put_string(op, "op", "select");
    json_object_put_string(op, "table", "Interface");
    json_object_put(op, "where", json_array_create_1(clause));
    json_object_put(op, "columns",
                    json_array_create_2(json_string_create("name"),
                                        json_string_create("ofport")));
    return json_array_create_2(json_string_create("Open_vSwitch"), op);
}

/* Fills r->ifaces and r->port.ofports from the reply's rows. */
static int
parse_iface_rows(const struct json *result, struct flows_result *r)
{
    const struct json *rows = NULL;
    if (result && result->type == JSON_ARRAY && result->array.n == 1
        && result->array.elems[0]->type == JSON_OBJECT) {
        const struct json *op = result->array.elems[0];
        const struct json *err = shash_find_data(json_object(op), "error");
        if (err) {
            char *s = json_to_string(op, 0);
            result_fail(r, -EPROTO, "Open_vSwitch database: %s", s);
            free(s);
            return r->error;
        }
        rows = shash_find_data(json_object(op), "rows");
    }
    if (!rows || rows->type != JSON_ARRAY) {
        return result_fail(r, -EPROTO, "Open_vSwitch database: "
                           "unexpected answer to select");
    }
    for (size_t i = 0; i < rows->array.n; i++) {
        const struct json *row = rows->array.elems[i];
        if (row->type != JSON_OBJECT) {
            continue;
        }
        const struct json *name = shash_find_data(json_object(row), "name");
        const struct json *ofport = shash_find_data(json_object(row),
                                                    "ofport");
        r->n_ifaces++;
        if (r->port.n_ofports >= FLOWS_MAX_OFPORTS
            || !name || name->type != JSON_STRING) {
            continue;
        }
        /* An ofport not assigned yet is an empty set; -1 a failure. */
        if (!ofport || ofport->type != JSON_INTEGER
            || json_integer(ofport) <= 0
            || json_integer(ofport) >= ofp_to_u16(OFPP_MAX)) {
            continue;
        }
        size_t k = r->port.n_ofports++;
        ovs_strzcpy(r->ifaces[k], json_string(name), sizeof r->ifaces[k]);
        r->port.ofports[k] = u16_to_ofp(json_integer(ofport));
    }
    return 0;
}

static int
lookup_ifaces(const char *rundir, const char *iface_id,
              long long int deadline, struct flows_result *r)
{
    char *remote = xasprintf("unix:%s/db.sock", rundir);
    struct stream *stream = NULL;
    struct jsonrpc *rpc = NULL;
    struct jsonrpc_msg *reply = NULL;
    int error = stream_open_block(stream_open(remote, &stream, DSCP_DEFAULT),
                                  MAX(0, deadline - time_msec()), &stream);
    if (error) {
        result_fail(r, -error, "%s: %s", remote, ovs_strerror(error));
        goto out;
    }
    rpc = jsonrpc_open(stream);
    struct jsonrpc_msg *request = jsonrpc_create_request(
        "transact", iface_select_params(iface_id), NULL);
    struct json *id = json_clone(request->id);
    error = jsonrpc_send(rpc, request);
    while (!error) {
        error = rpc_recv_until(rpc, deadline, &reply);
        if (!error && reply->id && json_equal(reply->id, id)) {
            break;
        }
        jsonrpc_msg_destroy(reply);     /* Not ours: an echo, a notify. */
        reply = NULL;
    }
    json_destroy(id);
    if (error) {
        result_fail(r, -error, "%s: %s", remote,
                    error == EOF ? "connection closed"
                    : ovs_strerror(error));
    } else if (reply->type == JSONRPC_ERROR) {
        char *s = json_to_string(reply->error, 0);
        result_fail(r, -EPROTO, "%s: %s", remote, s);
        free(s);
    } else {
        parse_iface_rows(reply->result, r);
    }

out:
    jsonrpc_msg_destroy(reply);
    jsonrpc_close(rpc);
    free(remote);
    return r->error;
}

/* ------------------------------------------------------------ OpenFlow */

/* Receives one OpenFlow message, giving up at 'deadline': what
 * vconn_recv_block() does, with a deadline. */
static int
vconn_recv_until(struct vconn *vconn, long long int deadline,
                 struct ofpbuf **msgp)
{
    for (;;) {
        int error = vconn_recv(vconn, msgp);
        if (error != EAGAIN) {
            return error;
        }
        if (time_msec() >= deadline) {
            return ETIMEDOUT;
        }
        vconn_run(vconn);
        vconn_run_wait(vconn);
        vconn_recv_wait(vconn);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

static int
vconn_send_until(struct vconn *vconn, long long int deadline,
                 struct ofpbuf *msg)
{
    for (;;) {
        int error = vconn_send(vconn, msg);
        if (error != EAGAIN) {
            if (error) {
                ofpbuf_delete(msg);
            }
            return error;
        }
        if (time_msec() >= deadline) {
            ofpbuf_delete(msg);
            return ETIMEDOUT;
        }
        vconn_run(vconn);
        vconn_run_wait(vconn);
        vconn_send_wait(vconn);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

/* Decodes every flow of one flow-stats reply; keeps the port's.  Sets
 * '*more' if more replies follow. */
static int
scan_reply(struct flows_result *r, struct ofpbuf *reply,
           struct ofpbuf *ofpacts, size_t *text_bytes, bool *more)
{
    for (;;) {
        struct ofputil_flow_stats fs;
        int retval = ofputil_decode_flow_stats_reply(&fs, reply, false,
                                                     ofpacts);
        if (retval == EOF) {
            *more = ofpmp_more(reply->header);
            return 0;
        } else if (retval) {
            return result_fail(r, -EPROTO, "bad flow stats reply: %s",
                               ofperr_to_string(retval));
        }
        r->n_scanned++;
        if (flows_concern_port(&r->port, &fs.match, fs.ofpacts,
                               fs.ofpacts_len)) {
            keep_flow(r, &fs, text_bytes);
        }
    }
}

static int
dump_flows(const char *rundir, const char *bridge, long long int deadline,
           struct flows_result *r)
{
    char *target = xasprintf("unix:%s/%s.mgmt", rundir, bridge);
    struct vconn *vconn = NULL;
    struct ofpbuf ofpacts;
    size_t text_bytes = 0;

    ofpbuf_init(&ofpacts, 0);
    int error = vconn_open_block(target, ALLOWED_VERSIONS, DSCP_DEFAULT,
                                 MAX(0, deadline - time_msec()), &vconn);
    if (error) {
        result_fail(r, -error, "%s: %s", target, ovs_strerror(error));
        goto out;
    }

    struct ofputil_flow_stats_request fsr = {
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .table_id = 0xff,
    };
    match_init_catchall(&fsr.match);
    enum ofputil_protocol protocol
        = ofputil_protocol_from_ofp_version(vconn_get_version(vconn));
    struct ofpbuf *request = ofputil_encode_flow_stats_request(&fsr,
                                                               protocol);
    ovs_be32 xid = ((const struct ofp_header *) request->data)->xid;
    error = vconn_send_until(vconn, deadline, request);

    bool more = true;
    while (!error && more) {
        struct ofpbuf *reply;
        error = vconn_recv_until(vconn, deadline, &reply);
        if (error) {
            break;
        }
        const struct ofp_header *oh = reply->data;
        enum ofptype type;
        if (oh->xid != xid) {
            ofpbuf_delete(reply);       /* Not ours (an echo request). */
            continue;
        }
        if (ofptype_decode(&type, oh) || type != OFPTYPE_FLOW_STATS_REPLY) {
            enum ofperr ofperr = ofperr_decode_msg(oh, NULL);
            result_fail(r, -EPROTO, "%s: %s", target,
                        ofperr ? ofperr_to_string(ofperr)
                        : "unexpected answer to a flow stats request");
            ofpbuf_delete(reply);
            goto out;
        }
        error = scan_reply(r, reply, &ofpacts, &text_bytes, &more);
        ofpbuf_delete(reply);
        if (error) {
            goto out;           /* 'r' says why. */
        }
    }
    if (error) {
        result_fail(r, -error, "%s: %s", target,
                    error == EOF ? "connection closed"
                    : ovs_strerror(error));
    }

out:
    vconn_close(vconn);
    ofpbuf_uninit(&ofpacts);
    free(target);
    return r->error;
}

/* ------------------------------------------------------------ the worker */

struct flows_job {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    bool done;                  /* The worker finished. */
    bool abandoned;             /* The caller stopped waiting. */

    char *iface_id, *bridge, *rundir;
    uint32_t datapath_key, port_key;
    int timeout_ms;
    struct flows_result result;
};

static void
job_free(struct flows_job *job)
{
    pthread_mutex_destroy(&job->mutex);
    pthread_cond_destroy(&job->cond);
    flows_result_destroy(&job->result);
    free(job->iface_id);
    free(job->bridge);
    free(job->rundir);
    free(job);
}

static void
job_run(struct flows_job *job)
{
    struct flows_result *r = &job->result;
    long long int start = time_msec();
    long long int deadline = start + job->timeout_ms;

    ovs_strzcpy(r->bridge, job->bridge, sizeof r->bridge);
    r->port.datapath_key = job->datapath_key;
    r->port.port_key = job->port_key;
    if (!lookup_ifaces(job->rundir, job->iface_id, deadline, r)
        && !dump_flows(job->rundir, job->bridge, deadline, r)
        && r->n_flows) {
        qsort(r->flows, r->n_flows, sizeof *r->flows, compare_flows);
    }
    r->elapsed_ms = time_msec() - start;
    if (r->error) {
        VLOG_WARN_RL(&rl, "%s: flows: %s", job->iface_id, r->message);
    }
}

static void *
job_main(void *job_)
{
    struct flows_job *job = job_;

    job_run(job);
    pthread_mutex_lock(&job->mutex);
    job->done = true;
    bool abandoned = job->abandoned;
    pthread_cond_signal(&job->cond);
    pthread_mutex_unlock(&job->mutex);
    if (abandoned) {
        job_free(job);
    }
    return NULL;
}

int
flows_dump(const struct flows_query *q, struct flows_result *r)
{
    result_init(r);
    if (!q->iface_id || !q->iface_id[0] || !q->bridge || !q->bridge[0]) {
        return result_fail(r, -EINVAL, "no port or bridge given");
    }

    struct flows_job *job = xzalloc(sizeof *job);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&job->cond, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&job->mutex, NULL);
    job->iface_id = xstrdup(q->iface_id);
    job->bridge = xstrdup(q->bridge);
    const char *env = getenv("OVS_RUNDIR");
    job->rundir = xstrdup(q->rundir ? q->rundir
                          : env && env[0] ? env : FLOWS_DEFAULT_RUNDIR);
    job->datapath_key = q->datapath_key;
    job->port_key = q->port_key;
    job->timeout_ms = q->timeout_ms > 0 ? q->timeout_ms
                                        : FLOWS_DEFAULT_TIMEOUT_MS;
    int wait_ms = job->timeout_ms + WAIT_MARGIN_MS;

    pthread_t thread = ovs_thread_create("flows", job_main, job);
    pthread_detach(thread);

    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (long) (wait_ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&job->mutex);
    while (!job->done) {
        if (pthread_cond_timedwait(&job->cond, &job->mutex, &until)
            == ETIMEDOUT) {
            break;
        }
    }
    bool done = job->done;
    job->abandoned = !done;
    pthread_mutex_unlock(&job->mutex);

    if (!done) {
        /* The worker frees the job when it is done. */
        return result_fail(r, -ETIMEDOUT, "no answer from the flow dump "
                           "within %d ms", wait_ms);
    }
    *r = job->result;           /* The flows move to the caller. */
    job->result.flows = NULL;
    job->result.n_flows = 0;
    job_free(job);
    return r->error;
}

/* ------------------------------------------------------------ views */

static void
format_ports(const struct flows_result *r, struct ds *s)
{
    if (!r->port.n_ofports) {
        ds_put_cstr(s, "no ofport");
    }
    for (size_t i = 0; i < r->port.n_ofports; i++) {
        ds_put_format(s, "%sofport %"PRIu16" (%s)", i ? ", " : "",
                      ofp_to_u16(r->port.ofports[i]), r->ifaces[i]);
    }
    if (r->port.datapath_key && r->port.port_key) {
        ds_put_format(s, ", metadata 0x%"PRIx32", port key 0x%"PRIx32,
                      r->port.datapath_key, r->port.port_key);
    } else {
        ds_put_cstr(s, ", port key unknown");
    }
}

void
flows_format(const struct flows_result *r, int indent, struct ds *s)
{
    ds_put_char_multiple(s, ' ', indent);
    if (r->error) {
        ds_put_format(s, "flows: unknown (%s)\n", r->message);
        return;
    }
    ds_put_format(s, "flows: %"PRIuSIZE" on %s (", r->n_flows, r->bridge);
    format_ports(r, s);
    ds_put_format(s, "; %"PRIuSIZE" scanned in %lld ms", r->n_scanned,
                  r->elapsed_ms);
    if (r->n_not_shown) {
        ds_put_format(s, "; %"PRIuSIZE" more not shown", r->n_not_shown);
    }
    ds_put_cstr(s, ")\n");
    if (!r->n_ifaces) {
        ds_put_char_multiple(s, ' ', indent + 2);
        ds_put_cstr(s, "(no Interface on the bridge has this iface-id)\n");
    } else if (r->n_ifaces > r->port.n_ofports) {
        ds_put_char_multiple(s, ' ', indent + 2);
        ds_put_format(s, "(%"PRIuSIZE" Interfaces have this iface-id, "
                      "%"PRIuSIZE" with an ofport)\n", r->n_ifaces,
                      r->port.n_ofports);
    }
    for (size_t i = 0; i < r->n_flows; i++) {
        ds_put_char_multiple(s, ' ', indent + 2);
        ds_put_format(s, "%s\n", r->flows[i].text);
    }
}

static struct json *
count_json(uint64_t n)
{
    return n == UINT64_MAX ? json_null_create() : json_integer_create(n);
}

struct json *
flows_to_json(const struct flows_result *r)
{
    struct json *array = json_array_create_empty();
    for (size_t i = 0; i < r->n_flows; i++) {
        const struct flows_flow *f = &r->flows[i];
        struct json *o = json_object_create();
        json_object_put(o, "table", json_integer_create(f->table_id));
        json_object_put(o, "priority", json_integer_create(f->priority));
        json_object_put_format(o, "cookie", "0x%"PRIx64, ntohll(f->cookie));
        json_object_put(o, "packets", count_json(f->packets));
        json_object_put(o, "bytes", count_json(f->bytes));
        json_object_put_string(o, "match", f->match);
        json_object_put_string(o, "actions", f->actions);
        json_object_put_string(o, "flow", f->flow);
        json_object_put_string(o, "text", f->text);
        json_array_add(array, o);
    }
    return array;
}

struct json *
flows_query_json(const struct flows_result *r)
{
    struct json *o = json_object_create();
    json_object_put_string(o, "bridge", r->bridge);
    struct json *ifaces = json_array_create_empty();
    for (size_t i = 0; i < r->port.n_ofports; i++) {
        struct json *iface = json_object_create();
        json_object_put_string(iface, "name", r->ifaces[i]);
        json_object_put(iface, "ofport", json_integer_create(
                            ofp_to_u16(r->port.ofports[i])));
        json_array_add(ifaces, iface);
    }
    json_object_put(o, "interfaces", ifaces);
    json_object_put(o, "interfacesWithIfaceId",
                    json_integer_create(r->n_ifaces));
    json_object_put(o, "datapathKey",
                    json_integer_create(r->port.datapath_key));
    json_object_put(o, "portKey", json_integer_create(r->port.port_key));
    json_object_put(o, "scanned", json_integer_create(r->n_scanned));
    json_object_put(o, "notShown", json_integer_create(r->n_not_shown));
    json_object_put(o, "elapsedMs", json_integer_create(r->elapsed_ms));
    if (r->error) {
        json_object_put_string(o, "error", r->message);
    }
    return o;
}
