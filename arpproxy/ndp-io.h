/* SPDX-License-Identifier: Apache-2.0
 *
 * ndp-io.h -- serves the IPv6 router's core (nd-router.h) on a node's VM
 * ports through the shared packet I/O (lib/pktio.h): each RS, RA, NS and
 * NA received on a port is handed to ndp_handle() with that port's state,
 * an NA goes back out of the same port at once, and the RAs the core
 * schedules (answers to RS, and the unsolicited ones of an active port)
 * leave on a per-port timer.  Every verdict and every RA sent is counted,
 * per port and in total.
 *
 * Where a frame is seen: the packet socket taps the interface it is given
 * (on a node, the node-side end of the VM's veth, the one OVS reads).  On
 * the userspace datapath OVS reads that interface through a packet socket
 * of its own, so OVS receives the guest's RS and gateway NS as well as
 * this layer does; on the kernel datapath OVS receives them after tc
 * ingress.  This layer answers; it does not hide a frame from OVS.  OVN
 * 23.03 lets ND through its ACLs, so the guest's RS and gateway NS are
 * still flooded on the logical switch until a consuming hook runs on the
 * pod side of the veth (docs/architecture.md, "IPv6"). */
#ifndef OVNMIG_NDP_IO_H
#define OVNMIG_NDP_IO_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arpproxy/nd-router.h"
#include "lib/pktio.h"

struct event_base;
struct ndp_io;

/* The RAs sent, by kind (enum ndp_ra_kind). */
struct ndp_io_ra_counters {
    uint64_t unsolicited;
    uint64_t solicited_multicast;
    uint64_t solicited_unicast;
};

/* Creates the router 'cfg' describes on 'base', with no ports.  Stores it
 * in '*iop' and returns 0, or returns a negative errno: -EINVAL for a
 * configuration ndp_router_create() refuses (with its explanation in
 * '*errorp' when 'errorp' is not NULL), -EPERM without CAP_NET_RAW.  The
 * caller frees it with ndp_io_destroy(). */
int ndp_io_create(struct event_base *base, const struct ndp_config *cfg,
                  struct ndp_io **iop, const char **errorp);
void ndp_io_destroy(struct ndp_io *);

/* Starts serving the interface 'ifname' for the guest with MAC 'vm_mac'
 * and the global addresses 'vm_ips' (at most NDP_MAX_VM_IPS).  The port
 * answers RS and NS at once; it sends unsolicited RAs only once
 * activated.  Returns the interface's index (> 0), or a negative errno:
 * -EINVAL for a port ndp_port_check() refuses, -ENODEV, -EEXIST when
 * 'ifname' is served already. */
int ndp_io_add_port(struct ndp_io *, const char *ifname,
                    struct eth_addr vm_mac, const struct in6_addr *vm_ips,
                    size_t n_vm_ips);
/* Stops serving 'ifname'; its counters stay in the totals.  Returns 0 or
 * -ENOENT.  A port whose interface is deleted is removed the same way, by
 * itself. */
int ndp_io_remove_port(struct ndp_io *, const char *ifname);
size_t ndp_io_n_ports(const struct ndp_io *);

/* The guest on 'ifname' became active on this node (it booted, or its
 * migration here completed): an unsolicited RA goes out as soon as the
 * rate limit allows, then periodically (ndp_port_activate()).  With
 * 'active' false, the periodic RAs stop (it left).  Returns 0 or
 * -ENOENT. */
int ndp_io_set_active(struct ndp_io *, const char *ifname, bool active);

/* The NDP frames received on 'ifname' since it was added (0 if it is not
 * served): a sign that the guest behind it runs. */
uint64_t ndp_io_port_frames(const struct ndp_io *, const char *ifname);

/* What one port has seen and sent since it was added. */
struct ndp_io_port_info {
    bool active;                        /* Its unsolicited RAs run. */
    struct ndp_counters counters;       /* Its frames, by verdict. */
    struct ndp_io_ra_counters ras;      /* The RAs sent to it. */
    uint64_t frames;
};

/* Fills '*info' for 'ifname' and returns 0, or returns -ENOENT when
 * 'ifname' is not served. */
int ndp_io_get_port(const struct ndp_io *, const char *ifname,
                    struct ndp_io_port_info *info);

/* The verdict counters and RA counters of every port ever served, summed,
 * and the packet I/O's own counters.  Any pointer may be NULL. */
void ndp_io_get_counters(const struct ndp_io *, struct ndp_counters *,
                         struct ndp_io_ra_counters *, struct pktio_stats *);

#endif /* ndp-io.h */
