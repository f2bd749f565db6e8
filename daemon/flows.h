/* SPDX-License-Identifier: Apache-2.0
 *
 * flows.h -- the OpenFlow flows of one VM port on this chassis, for
 * "vm show": what a network engineer would otherwise dig out of
 * "ovs-ofctl dump-flows br-int" by hand.
 *
 * A port is known to br-int by two names.  OVS knows the Interface whose
 * external_ids:iface-id is the LSP, by its OpenFlow port number (ofport);
 * OVN's logical pipeline knows the port by its Port_Binding tunnel key,
 * kept in reg14 (logical inport) and reg15 (logical outport), always next
 * to metadata = the logical switch's Datapath_Binding tunnel key.  A flow
 * concerns the port when it
 *   - matches in_port=<ofport>, or outputs to <ofport> (nested actions
 *     included), or
 *   - matches metadata=<datapath key> exactly and reg14 or reg15 =
 *     <port key> exactly, or loads <port key> into reg14 or reg15 (the
 *     L2 lookup and the flood to the port).
 * flows_concern_port() is that test, pure, on a decoded flow.
 *
 * flows_dump() does the I/O with libopenvswitch's own clients: one OVSDB
 * "select" on the local Open_vSwitch database for the Interface(s) with
 * iface-id=<LSP> (name and ofport), then one OpenFlow flow-stats request
 * to <bridge> over its management socket (<rundir>/<bridge>.mgmt), each
 * reply decoded with ofputil_decode_flow_stats_reply() and kept only if it
 * concerns the port, formatted with ofputil_flow_stats_format() -- the
 * text "ovs-ofctl dump-flows" prints.
 *
 * Time and threads: OVS's blocking clients run a poll loop of their own
 * (poll_block()), which must not run on the daemon's libevent thread (its
 * per-thread state would report the libevent loop's idle time as
 * "unreasonably long poll intervals").  So flows_dump() runs the I/O in a
 * short-lived thread of its own and waits for it, at most
 * 'timeout_ms' plus a small margin: the worker itself gives up at
 * 'timeout_ms' (connect, OVSDB answer, every flow-stats reply), so a
 * stuck ovsdb-server or ovs-vswitchd costs "vm show" an error and the
 * daemon's loop at most that long, never a hang.  On a local socket a
 * dump takes milliseconds (br-int of a busy node holds tens of thousands
 * of flows; only the port's are kept).  At most one worker runs at a time
 * (the caller waits for it); if the caller stopped waiting, the worker
 * frees its own result.
 *
 * Limits: at most FLOWS_MAX_SHOWN flows and FLOWS_MAX_TEXT bytes of flow
 * text are kept; the rest is counted in 'n_not_shown'.  At most
 * FLOWS_MAX_OFPORTS interfaces with the port's iface-id are used (more
 * would be a misconfiguration; they are counted in 'n_ifaces').
 */
#ifndef OVNMIGD_FLOWS_H
#define OVNMIGD_FLOWS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"

struct ds;
struct json;
struct match;
struct ofpact;

#define FLOWS_MAX_OFPORTS 4
#define FLOWS_MAX_SHOWN 1000
#define FLOWS_MAX_TEXT (1024 * 1024)
#define FLOWS_DEFAULT_TIMEOUT_MS 1000
#define FLOWS_IFACE_NAME_MAX 64

/* What identifies one port's flows on br-int. */
struct flows_port {
    ofp_port_t ofports[FLOWS_MAX_OFPORTS];  /* Interfaces with the iface-id. */
    size_t n_ofports;
    uint32_t datapath_key;      /* Logical switch's tunnel key; 0: unknown. */
    uint32_t port_key;          /* Port_Binding tunnel key; 0: unknown. */
};

/* Pure: whether the flow with 'match' and the 'ofpacts_len' bytes of
 * actions at 'ofpacts' concerns 'port' (see the top of this file). */
bool flows_concern_port(const struct flows_port *port,
                        const struct match *match,
                        const struct ofpact *ofpacts, size_t ofpacts_len);

/* One flow kept. */
struct flows_flow {
    uint8_t table_id;
    uint16_t priority;
    ovs_be64 cookie;
    uint64_t packets, bytes;    /* UINT64_MAX: not reported */
    char *text;                 /* With statistics, like ovs-ofctl. */
    char *flow;                 /* Without: "ovs-ofctl --no-stats". */
    char *match;                /* Match and priority, e.g. "in_port=2". */
    char *actions;
};

struct flows_query {
    const char *iface_id;       /* The LSP name. */
    const char *bridge;         /* "br-int". */
    const char *rundir;         /* NULL: ovs_rundir() (OVS_RUNDIR). */
    uint32_t datapath_key;      /* 0: unknown (reg14/reg15 not used). */
    uint32_t port_key;          /* 0: unknown. */
    int timeout_ms;             /* <= 0: FLOWS_DEFAULT_TIMEOUT_MS. */
};

struct flows_result {
    int error;                  /* 0 or a negative errno: see 'message'. */
    char message[256];          /* Why it failed, or "". */
    char bridge[FLOWS_IFACE_NAME_MAX];
    struct flows_port port;
    char ifaces[FLOWS_MAX_OFPORTS][FLOWS_IFACE_NAME_MAX];
    size_t n_ifaces;            /* All found, even beyond the ones used. */
    struct flows_flow *flows;   /* Sorted: table, then priority down. */
    size_t n_flows;
    size_t n_scanned;           /* Flows read from the bridge. */
    size_t n_not_shown;         /* Concern the port, beyond the limits. */
    long long int elapsed_ms;
};

/* Dumps the flows of the port 'q' names, into '*r' (which the caller
 * frees with flows_result_destroy() whatever the outcome).  Blocks the
 * calling thread for at most about 'q->timeout_ms' (see above).  The
 * sockets are <rundir>/db.sock and <rundir>/<bridge>.mgmt, with rundir
 * 'q->rundir', else $OVS_RUNDIR, else /var/run/openvswitch.  No Interface
 * with the iface-id is no error (r->n_ifaces is 0; flows matching the
 * port's keys are still kept).  Returns r->error: 0, -ETIMEDOUT, -EPROTO,
 * or what connecting to the database or the bridge failed with. */
int flows_dump(const struct flows_query *q, struct flows_result *r);

void flows_result_destroy(struct flows_result *);

/* The "flows:" section of "vm show", each line indented by 'indent'. */
void flows_format(const struct flows_result *, int indent, struct ds *);

/* The flows as a JSON array of objects (table, priority, cookie,
 * packets, bytes, match, actions, flow, text); the caller owns it. */
struct json *flows_to_json(const struct flows_result *);

/* What was dumped (bridge, interfaces, ofports, keys, counts, error) as a
 * JSON object; the caller owns it. */
struct json *flows_query_json(const struct flows_result *);

#endif /* daemon/flows.h */
