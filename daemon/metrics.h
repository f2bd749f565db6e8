/* SPDX-License-Identifier: Apache-2.0
 *
 * metrics.h -- ovnmigd's counters in Prometheus text format (version
 * 0.0.4), served over HTTP on the local address 'metrics-address'
 * (docs/ovnmigd.conf.5; the metric names are in docs/ovnmigd.8).
 *
 * Two halves: metrics_render(), a pure function from a copy of every
 * counter to the exposition text, and a small server on libevent's evhttp
 * that answers GET /metrics with it, collecting the copy through a
 * callback at each request.  Runs on the daemon's libevent thread.
 */
#ifndef OVNMIG_METRICS_H
#define OVNMIG_METRICS_H 1

#include <stddef.h>
#include <stdint.h>
#include "arpproxy/arp-proxy.h"
#include "arpproxy/arp-proxy-io.h"
#include "daemon/cluster-db.h"
#include "daemon/migration.h"
#include "daemon/vm-manager.h"
#include "arpproxy/ndp-io.h"
#include "dhcpd/dhcp-server.h"
#include "dhcpd/dhcp6-server.h"
#include "lib/pktio.h"
#include "ovn-hooks/ovn-hooks.h"

struct ds;
struct event_base;

/* The server's own counters: requests by the status of their answer.
 * Requests libevent refuses itself (malformed, too large) are not seen. */
struct metrics_server_stats {
    uint64_t ok;                /* 200 */
    uint64_t not_found;         /* 404: a path other than /metrics. */
    uint64_t bad_method;        /* 405: neither GET nor HEAD. */
};

/* Everything metrics_render() shows, copied out of the daemon's modules. */
struct metrics_input {
    struct mige_stats mige;
    struct mige_histograms hists;
    struct mige_cluster_view view;
    struct vmm_stats vmm;
    struct cdb_stats cdb;
    struct ovnhook_stats ovn;
    struct arpp_counters arp;
    struct pktio_stats arp_io;
    size_t arp_ports;
    struct arpp_io_fast_path arp_fp;
    struct dhcp_counters dhcp;
    struct pktio_stats dhcp_io;
    size_t dhcp_ports, dhcp_bindings;
    /* IPv6 (zero without subnet6): the router's verdicts and RAs, and
     * DHCPv6. */
    struct ndp_counters ndp;
    struct ndp_io_ra_counters ndp_ras;
    struct pktio_stats ndp_io;
    size_t ndp_ports;
    struct dhcp6_counters dhcp6;
    struct pktio_stats dhcp6_io;
    size_t dhcp6_ports, dhcp6_bindings;
    struct metrics_server_stats server;
    const char *accel;          /* This node's QEMUs: "kvm", "tcg"; NULL:
                                 * not reported. */
    struct vmm_vm_info *vms;    /* The VMs with a QEMU here; owned: freed
                                 * by metrics_input_destroy(). */
    size_t n_vms;
};

/* Frees what 'in' owns. */
void metrics_input_destroy(struct metrics_input *in);

/* Appends 'in' to 'out' in Prometheus text format: a HELP and a TYPE line
 * for every metric family, then its samples.  Every family is present,
 * with zero values if nothing happened, except the cluster's migrations by
 * phase and the slots, which need the engine's first snapshot, the node's
 * accelerator when 'accel' is NULL, and the VMs' accelerators when there is
 * no VM. */
void metrics_render(const struct metrics_input *in, struct ds *out);

/* Fills 'in' (all but 'server', which the server fills) at each request. */
typedef void metrics_collect_cb(struct metrics_input *in, void *aux);

/* Bounds on what a client may send, and how long it may take. */
#define METRICS_MAX_HEADERS_SIZE 8192
#define METRICS_MAX_BODY_SIZE 1024
#define METRICS_TIMEOUT_S 10

struct metrics_server;

/* Listens on 'address' ("IP:PORT" or "[IPV6]:PORT"; PORT 0 picks one) on
 * 'base' and answers GET /metrics with what 'collect' fills in.  Copies
 * 'address'.  Returns 0 and stores the server in '*serverp' (the caller
 * frees it with metrics_server_destroy()), or a negative errno (logged). */
int metrics_server_create(struct event_base *base, const char *address,
                          metrics_collect_cb *collect, void *aux,
                          struct metrics_server **serverp);
void metrics_server_destroy(struct metrics_server *);

/* The port the server listens on (useful after PORT 0). */
uint16_t metrics_server_port(const struct metrics_server *);

#endif /* daemon/metrics.h */
