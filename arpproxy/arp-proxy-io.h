/* SPDX-License-Identifier: Apache-2.0
 *
 * arp-proxy-io.h -- serves the ARP core (arp-proxy.h) on a node's VM ports
 * through the shared packet I/O (lib/pktio.h): each request received on a
 * port is handed to arpp_handle() with that port's view, the reply goes
 * out of the same port, and every verdict is counted, per port and in
 * total.
 *
 * With the kernel fast path on (arpp_io_enable_fast_path()), each port is
 * also answered by the eBPF program of arp-fast-path.h on tc ingress.  The
 * packet socket taps a frame before tc ingress, so this layer still sees
 * and counts every frame; for a port answered in the kernel, a "reply"
 * verdict is counted as left to the kernel instead of being sent.  A port
 * whose filter cannot be attached is served from userspace, with a
 * warning naming the reason. */
#ifndef OVNMIG_ARP_PROXY_IO_H
#define OVNMIG_ARP_PROXY_IO_H 1

#include <stdbool.h>
#include <stddef.h>
#include "arpproxy/arp-fast-path-abi.h"
#include "arpproxy/arp-proxy.h"
#include "lib/pktio.h"

struct event_base;
struct arpp_io;

/* Creates an ARP responder on 'base' with no ports.  Stores it in '*iop'
 * and returns 0, or returns a negative errno (-EPERM without CAP_NET_RAW).
 * The caller frees it with arpp_io_destroy(). */
int arpp_io_create(struct event_base *base, struct arpp_io **iop);

/* Removes the kernel fast path's filter (ARPP_FP_TC_HANDLE, _PRIORITY)
 * from every interface of the network namespace: one that an earlier
 * process left (crash, kill -9) would go on answering with its views.
 * Only for a process that alone serves the namespace (ovnmigd on its
 * node), before it adds any port, with the fast path on or off: it would
 * also remove a running process's filters. */
void arpp_io_detach_stale_filters(void);
/* Detaches the fast path from every port, then closes everything. */
void arpp_io_destroy(struct arpp_io *);

/* Loads the kernel fast path, for the ports added from now on (call it
 * before adding any).  Returns 0, or a negative errno after logging one
 * warning with the reason: the ports are then served from userspace.
 * Without this call the fast path is off ("disabled"). */
int arpp_io_enable_fast_path(struct arpp_io *);

/* Starts answering on the interface 'ifname' for the VM that 'view'
 * describes (copied).  Returns the interface's index (> 0) or a negative
 * errno: -EINVAL for a view arpp_port_view_check() rejects, -ENODEV,
 * -EEXIST when 'ifname' is served already. */
int arpp_io_add_port(struct arpp_io *, const char *ifname,
                     const struct arpp_port_view *view);
/* Stops answering on 'ifname'; its counters stay in the totals.  Returns 0
 * or -ENOENT.  A port whose interface is deleted is removed the same way,
 * by itself (pktio's "ports-vanished" counts those). */
int arpp_io_remove_port(struct arpp_io *, const char *ifname);
/* The view 'ifname' is served with, or NULL.  Valid until the port is
 * removed. */
const struct arpp_port_view *arpp_io_find_port(const struct arpp_io *,
                                               const char *ifname);
size_t arpp_io_n_ports(const struct arpp_io *);

/* The verdict counters of every port ever served, summed, and the packet
 * I/O's own counters.  Either pointer may be NULL. */
void arpp_io_get_counters(const struct arpp_io *, struct arpp_counters *,
                          struct pktio_stats *);

/* Opt-in bounded busy polling of the packet socket (pktio_set_busy_poll()):
 * 0 is off.  Returns 0 or -EINVAL. */
int arpp_io_set_busy_poll(struct arpp_io *, unsigned int usecs);

/* The kernel fast path's state and counters: of every port ever served
 * for the counters, of the ports served now for the numbers of ports. */
struct arpp_io_fast_path {
    bool loaded;                /* The program is loaded. */
    const char *reason;         /* If not, why: "disabled", ...  Borrowed
                                 * from the arpp_io: valid until
                                 * arpp_io_destroy() or the next
                                 * arpp_io_enable_fast_path(). */
    size_t ports_kernel;        /* Ports answered in the kernel... */
    size_t ports_userspace;     /* ...and from userspace. */
    struct arpp_fp_counters kernel;     /* The program's, summed. */
    uint64_t left_to_kernel;    /* "reply" verdicts not sent here. */
    uint64_t attach_failures;   /* Ports that fell back to userspace. */
    unsigned long long map_bytes;       /* Kernel memory of the maps. */
};
void arpp_io_get_fast_path(const struct arpp_io *,
                           struct arpp_io_fast_path *);

/* One served port, as arpp_io_for_each_port() shows it. */
struct arpp_io_port_info {
    const char *ifname;
    int ifindex;
    const struct arpp_counters *counters;       /* The verdicts. */
    bool in_kernel;             /* Answered by the kernel fast path. */
    const char *why_userspace;  /* If not, why ("disabled", ...). */
    struct arpp_fp_counters kernel;     /* The program's (in_kernel and
                                         * asked for), else zero. */
    uint64_t left_to_kernel;
};

/* Calls 'cb' for each port being served, in no particular order.  The
 * strings in 'info' are valid during the call only.  'info->kernel' is
 * read from the kernel's map only if 'kernel_counters' is true: that is a
 * system call and an allocation per port, which a caller wanting only the
 * names or the verdicts does without. */
typedef void arpp_io_port_cb(void *aux, const struct arpp_io_port_info *);
void arpp_io_for_each_port(const struct arpp_io *, bool kernel_counters,
                           arpp_io_port_cb *, void *aux);

#endif /* arp-proxy-io.h */
