/* SPDX-License-Identifier: Apache-2.0
 *
 * arp-proxy.h -- the link-local gateway's ARP responder, as a pure function.
 *
 * Every node answers ARP requests from its VMs for the gateway addresses
 * (169.254.1.1 and, when configured, the subnet's gateway IP) with the same
 * MAC G, so a guest's neighbor entry for its gateway stays valid across a
 * live migration and no gratuitous ARP is ever needed.
 *
 * arpp_handle() takes one frame and the view of the port it came from and
 * returns either ARPP_REPLY, with the reply frame appended to a buffer, or
 * the named reason the frame was dropped.  No sockets, no clock, no state:
 * the I/O layer (arp-proxy-io.h) counts the verdicts. */
#ifndef OVNMIG_ARP_PROXY_H
#define OVNMIG_ARP_PROXY_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/ofpbuf.h"
#include "openvswitch/types.h"
#include "packets.h"
/* The hard limits on a port's view (ARPP_MAX_VM_IPS, ARPP_MAX_GATEWAYS),
 * shared with the kernel fast path's program. */
#include "arpproxy/arp-fast-path-abi.h"

/* The default gateway address and MAC of every guest (design.md §2, §3). */
#define ARPP_LINK_LOCAL_GATEWAY 0xa9fe0101 /* 169.254.1.1, host order. */
#define ARPP_DEFAULT_GATEWAY_MAC "0a:58:a9:fe:01:01"

/* What the responder knows about one VM port. */
struct arpp_port_view {
    struct eth_addr vm_mac;                  /* The guest's MAC. */
    ovs_be32 vm_ips[ARPP_MAX_VM_IPS];        /* The guest's addresses. */
    size_t n_vm_ips;
    ovs_be32 gateways[ARPP_MAX_GATEWAYS];    /* Answered with 'gateway_mac'. */
    size_t n_gateways;
    struct eth_addr gateway_mac;             /* G. */
};

/* Every verdict of arpp_handle(), in the order it checks them: the first
 * that applies is the one returned and counted.  ARPP_REPLY is the only
 * one that is not a drop. */
#define ARPP_VERDICTS                                                   \
    ARPP_VERDICT(REPLY, "reply")                                        \
    ARPP_VERDICT(NOT_VM_PORT, "not-from-vm-port")                       \
    ARPP_VERDICT(TRUNCATED, "truncated")                                \
    ARPP_VERDICT(VLAN, "vlan-tagged")                                   \
    ARPP_VERDICT(NOT_ARP, "not-arp")                                    \
    ARPP_VERDICT(BAD_HW_TYPE, "bad-hardware-type")                      \
    ARPP_VERDICT(BAD_PROTO_TYPE, "bad-protocol-type")                   \
    ARPP_VERDICT(BAD_HW_LEN, "bad-hardware-length")                     \
    ARPP_VERDICT(BAD_PROTO_LEN, "bad-protocol-length")                  \
    ARPP_VERDICT(MCAST_SENDER, "multicast-sender-mac")                  \
    ARPP_VERDICT(FOREIGN_MAC, "foreign-sender-mac")                     \
    ARPP_VERDICT(GRATUITOUS, "gratuitous")                              \
    ARPP_VERDICT(NOT_REQUEST, "not-a-request")                          \
    ARPP_VERDICT(PROBE, "probe")                                        \
    ARPP_VERDICT(FOREIGN_IP, "foreign-sender-ip")                       \
    ARPP_VERDICT(OWN_IP, "request-for-own-ip")                          \
    ARPP_VERDICT(NOT_GATEWAY, "not-a-gateway")                          \
    ARPP_VERDICT(WRONG_DST, "wrong-destination-mac")

enum arpp_verdict {
#define ARPP_VERDICT(ENUM, NAME) ARPP_##ENUM,
    ARPP_VERDICTS
#undef ARPP_VERDICT
    ARPP_N_VERDICTS
};

/* Stable, counter-friendly name of 'verdict' ("probe", ...). */
const char *arpp_verdict_name(enum arpp_verdict verdict);

/* One counter per verdict. */
struct arpp_counters {
    uint64_t n[ARPP_N_VERDICTS];
};

static inline void
arpp_count(struct arpp_counters *c, enum arpp_verdict verdict)
{
    if ((unsigned int) verdict < ARPP_N_VERDICTS) {
        c->n[verdict]++;
    }
}

/* Adds every counter of 'b' to 'a'. */
void arpp_counters_add(struct arpp_counters *a, const struct arpp_counters *b);

/* Checks a port view before it is used: the VM and gateway MACs must be
 * unicast and not zero, there must be at least one gateway, and no address
 * may be zero, multicast or broadcast, or both a gateway and the VM's.
 * Returns 0 or -EINVAL. */
int arpp_port_view_check(const struct arpp_port_view *);

/* Decides what to do with the 'size' bytes of 'frame', received on the port
 * 'view' describes ('view' is NULL when the frame did not come from a VM
 * port).  On ARPP_REPLY, appends the whole reply frame to 'reply' (which
 * grows as needed; the caller owns it); otherwise leaves 'reply' alone.
 *
 * The reply (RFC 826) goes to the requester's MAC from G, with sha = G,
 * spa = the requested gateway address, tha/tpa = the requester's, and is
 * padded to the 60-byte Ethernet minimum.  Requests are answered whether
 * broadcast or sent to G, the unicast form Linux uses to re-validate a
 * stale entry (RFC 1122 §2.3.2.1).  Never answered: RFC 5227 probes
 * (sender IP 0.0.0.0), gratuitous ARP (sender IP = target IP), requests
 * for the VM's own addresses, and anything whose sender is not the VM. */
enum arpp_verdict arpp_handle(const struct arpp_port_view *view,
                              const uint8_t *frame, size_t size,
                              struct ofpbuf *reply);

#endif /* arp-proxy.h */
