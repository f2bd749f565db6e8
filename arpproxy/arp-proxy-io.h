/* SPDX-License-Identifier: Apache-2.0
 *
 * arp-proxy-io.h -- serves the ARP core (arp-proxy.h) on a node's VM ports
 * through the shared packet I/O (lib/pktio.h): each request received on a
 * port is handed to arpp_handle() with that port's view, the reply goes
 * out of the same port, and every verdict is counted, per port and in
 * total. */
#ifndef OVNMIG_ARP_PROXY_IO_H
#define OVNMIG_ARP_PROXY_IO_H 1

#include <stddef.h>
#include "arpproxy/arp-proxy.h"
#include "lib/pktio.h"

struct event_base;
struct arpp_io;

/* Creates an ARP responder on 'base' with no ports.  Stores it in '*iop'
 * and returns 0, or returns a negative errno (-EPERM without CAP_NET_RAW).
 * The caller frees it with arpp_io_destroy(). */
int arpp_io_create(struct event_base *base, struct arpp_io **iop);
void arpp_io_destroy(struct arpp_io *);

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

/* Calls 'cb' for each port being served, in no particular order. */
typedef void arpp_io_port_cb(void *aux, const char *ifname, int ifindex,
                             const struct arpp_counters *);
void arpp_io_for_each_port(const struct arpp_io *, arpp_io_port_cb *,
                           void *aux);

#endif /* arp-proxy-io.h */
