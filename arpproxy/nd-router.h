/* SPDX-License-Identifier: Apache-2.0
 *
 * nd-router.h -- the guest's IPv6 router, as pure functions: Router
 * Advertisements and Neighbor Advertisements from fe80::1 with MAC G
 * (RFC 4861), identical on every node.
 *
 * A guest's default route points at fe80::1 and its neighbor entry for
 * fe80::1 holds G, whichever node hosts it.  An identical RA from the next
 * node only refreshes the route's lifetime (RFC 4861 §6.3.4), and every NA
 * carries R=1, so after a live migration neither the route nor the entry
 * changes.  The RA carries M=1 and O=1, RDNSS and DNSSL (RFC 8106) and no
 * prefix information: the guest's address is a /128 from DHCPv6, so all
 * its traffic goes through the router and nothing is on-link.
 *
 * ndp_handle() takes one frame and the port it came from and returns a
 * verdict: an NA appended to a buffer (NS for a gateway address), an RA
 * scheduled (RS), or the named reason the frame was dropped.  Each verdict
 * also says whether the frame is the router's business (consumed: OVS must
 * never see it) or not (passed on untouched).  RAs are sent by
 * ndp_ra_run(), whose schedule (RFC 4861 §6.2.4, §6.2.6) is a pure
 * function of the times and random numbers the caller passes in.  No
 * sockets, no clock: the I/O layer counts the verdicts. */
#ifndef OVNMIG_ND_ROUTER_H
#define OVNMIG_ND_ROUTER_H 1

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/ofpbuf.h"
#include "openvswitch/types.h"
#include "packets.h"

/* Hard limits on the configuration and on a port's view. */
#define NDP_MAX_GATEWAYS 4      /* The router's own, and global gateways. */
#define NDP_MAX_VM_IPS 8        /* A guest's global addresses. */
#define NDP_MAX_DNS 8
#define NDP_MAX_SEARCH 8

/* The router's address and MAC on every node (design.md §10). */
#define NDP_ROUTER_ADDRESS "fe80::1"
#define NDP_DEFAULT_GATEWAY_MAC "0a:58:a9:fe:01:01"

/* RFC 4861 §10 router constants, in milliseconds. */
#define NDP_MAX_INITIAL_RTR_ADVERT_INTERVAL 16000
#define NDP_MAX_INITIAL_RTR_ADVERTISEMENTS 3
#define NDP_MIN_DELAY_BETWEEN_RAS 3000
#define NDP_MAX_RA_DELAY_TIME 500

/* The router, as every node serves it to the guests of one subnet. */
struct ndp_config {
    struct eth_addr mac;                /* G. */
    /* gateways[0] is the router's link-local address (fe80::1): the source
     * of its RAs.  Every gateway is answered in NS with 'mac'. */
    struct in6_addr gateways[NDP_MAX_GATEWAYS];
    size_t n_gateways;

    /* The RA's fields (RFC 4861 §4.2, §6.2.1). */
    uint8_t cur_hop_limit;              /* Default 64. */
    bool managed;                       /* M: default true. */
    bool other;                         /* O: default true. */
    uint16_t router_lifetime;           /* Seconds; default 1800. */
    uint32_t reachable_time;            /* Milliseconds; default 0. */
    uint32_t retrans_timer;             /* Milliseconds; default 0. */
    uint32_t mtu;                       /* 0: no MTU option. */
    struct in6_addr dns[NDP_MAX_DNS];   /* RDNSS (RFC 8106 §5.1). */
    size_t n_dns;
    const char *search[NDP_MAX_SEARCH]; /* DNSSL (RFC 8106 §5.2). */
    size_t n_search;
    uint32_t dns_lifetime;              /* Seconds; 0: 3 × max_interval. */

    /* The unsolicited RAs' intervals (RFC 4861 §6.2.1), in seconds. */
    uint32_t max_interval;              /* 4 to 1800; default 600. */
    uint32_t min_interval;              /* 3 to 0.75 × max; 0: default. */
};

/* Fills 'cfg' with the defaults: fe80::1 and G, M=1, O=1, hop limit 64,
 * router lifetime 1800 s, RAs every 200 to 600 s, nothing else. */
void ndp_config_init(struct ndp_config *cfg);

struct ndp_router;

/* Checks 'cfg' and encodes the RA it implies once, so that sending one
 * only copies bytes.  Returns 0 and stores the router in '*routerp' (the
 * caller frees it with ndp_router_destroy()), or -EINVAL with a static
 * explanation in '*errorp' (when 'errorp' is not NULL).  The strings of
 * 'cfg' are only borrowed for the call. */
int ndp_router_create(const struct ndp_config *cfg,
                      struct ndp_router **routerp, const char **errorp);
void ndp_router_destroy(struct ndp_router *);

/* The router's configuration, as checked (defaults filled in; 'search' is
 * not kept and reads as empty). */
const struct ndp_config *ndp_router_config(const struct ndp_router *);

/* ------------------------------------------------------------ a port */

/* When the next RA of a port is due (RFC 4861 §6.2.4, §6.2.6).  Every time
 * is in milliseconds, on the caller's monotonic clock. */
struct ndp_ra_timer {
    bool active;                        /* Unsolicited RAs are sent. */
    unsigned int n_multicast;           /* Multicast RAs since activation. */
    long long int next_unsolicited;     /* LLONG_MAX when not active. */
    long long int last_multicast;       /* LLONG_MIN: none yet. */
    long long int last_unicast;         /* LLONG_MIN: none yet. */
    long long int solicited_at;         /* LLONG_MAX: no answer pending. */
    bool solicited_multicast;
    struct in6_addr solicitor;          /* For a unicast answer. */
};

/* What the router knows about one VM port. */
struct ndp_port {
    struct eth_addr vm_mac;             /* The guest's MAC. */
    /* The guest's global addresses.  Its link-local ones are not known
     * (RFC 7217 makes them opaque): any fe80::/10 source is the guest's. */
    struct in6_addr vm_ips[NDP_MAX_VM_IPS];
    size_t n_vm_ips;
    struct ndp_ra_timer ra;             /* Written by the functions below. */
};

/* Initializes 'port' for the guest with MAC 'vm_mac', no global address,
 * and no RA scheduled. */
void ndp_port_init(struct ndp_port *port, struct eth_addr vm_mac);

/* Checks a port against the router it is served by: the MAC must be
 * unicast and not zero, and every address a unicast one that is not a
 * gateway.  Returns 0 or -EINVAL. */
int ndp_port_check(const struct ndp_router *, const struct ndp_port *);

/* The guest became active on this node at 'now' (it booted, or migrated
 * here): its first unsolicited RA is due at once, or as soon as the rate
 * limit on multicast RAs allows; the first three are at most 16 s apart
 * (RFC 4861 §6.2.4).  Activating an active port changes nothing. */
void ndp_port_activate(struct ndp_port *, long long int now);

/* The guest left this node: no more unsolicited RAs (a solicited answer
 * still pending is dropped too).  No final RA with lifetime 0 is sent
 * (RFC 4861 §6.2.5): the guest still has its router, on another node. */
void ndp_port_deactivate(struct ndp_port *);

/* What ndp_ra_run() sent. */
enum ndp_ra_kind {
    NDP_RA_NONE,
    NDP_RA_UNSOLICITED,                 /* To ff02::1: the schedule's. */
    NDP_RA_SOLICITED_MULTICAST,         /* To ff02::1: an RS from '::'. */
    NDP_RA_SOLICITED_UNICAST,           /* To the guest (RFC 7772 §5.1). */
};

/* When ndp_ra_run() has something to send next on 'port', or LLONG_MAX. */
long long int ndp_ra_next(const struct ndp_port *);

/* If an RA is due on 'port' at 'now', appends the whole frame to 'frame'
 * (which grows as needed; the caller owns it), schedules the next one with
 * the help of 'random' (any value: the caller's random number) and returns
 * what it sent; otherwise returns NDP_RA_NONE and leaves 'frame' alone. */
enum ndp_ra_kind ndp_ra_run(const struct ndp_router *, struct ndp_port *,
                            long long int now, uint32_t random,
                            struct ofpbuf *frame);

/* Appends an RA from the router to 'dst' (Ethernet 'dst_mac') to 'frame'.
 * Every RA of a router is the same bytes but for its destination. */
void ndp_put_ra(const struct ndp_router *, struct eth_addr dst_mac,
                const struct in6_addr *dst, struct ofpbuf *frame);

/* ------------------------------------------------------------ frames */

/* Every verdict of ndp_handle(), in the order it checks them: the first
 * that applies is the one returned and counted.  The third column says
 * whether the frame is consumed (true: the guest's RS and RAs, and its NS
 * and NA for a gateway, which OVS must never flood) or passed on. */
#define NDP_VERDICTS                                                    \
    NDP_VERDICT(REPLY, "reply", true)                                   \
    NDP_VERDICT(RS_SCHEDULED, "rs-answer-scheduled", true)              \
    NDP_VERDICT(RS_PENDING, "rs-answer-pending", true)                  \
    NDP_VERDICT(NOT_VM_PORT, "not-from-vm-port", false)                 \
    NDP_VERDICT(TRUNCATED, "truncated", false)                          \
    NDP_VERDICT(VLAN, "vlan-tagged", false)                             \
    NDP_VERDICT(NOT_IPV6, "not-ipv6", false)                            \
    NDP_VERDICT(BAD_IPV6, "bad-ipv6-header", false)                     \
    NDP_VERDICT(NOT_ICMP6, "not-icmpv6", false)                         \
    NDP_VERDICT(BAD_CHECKSUM, "bad-checksum", false)                    \
    NDP_VERDICT(NOT_ND, "not-neighbor-discovery", false)                \
    NDP_VERDICT(RA_GUARD, "ra-guard", true)                             \
    NDP_VERDICT(SHORT_MESSAGE, "short-message", false)                  \
    NDP_VERDICT(MCAST_TARGET, "multicast-target", false)                \
    NDP_VERDICT(DAD, "dad", false)                                      \
    NDP_VERDICT(NOT_GATEWAY, "not-a-gateway", false)                    \
    NDP_VERDICT(NA_FOR_GATEWAY, "na-for-gateway", true)                 \
    NDP_VERDICT(MCAST_SOURCE_MAC, "multicast-ethernet-source", true)    \
    NDP_VERDICT(FOREIGN_MAC, "foreign-ethernet-source", true)           \
    NDP_VERDICT(BAD_HOP_LIMIT, "bad-hop-limit", true)                   \
    NDP_VERDICT(BAD_CODE, "bad-code", true)                             \
    NDP_VERDICT(OPTION_LEN_ZERO, "option-length-zero", true)            \
    NDP_VERDICT(OPTION_TRUNCATED, "truncated-option", true)             \
    NDP_VERDICT(BAD_LLA_OPTION, "bad-link-layer-option", true)          \
    NDP_VERDICT(FOREIGN_LLA, "foreign-link-layer-address", true)        \
    NDP_VERDICT(LLA_FROM_UNSPECIFIED, "link-layer-option-from-unspecified", \
                true)                                                   \
    NDP_VERDICT(MCAST_SOURCE, "multicast-source", true)                 \
    NDP_VERDICT(GATEWAY_SOURCE, "gateway-source", true)                 \
    NDP_VERDICT(FOREIGN_SOURCE, "foreign-source", true)                 \
    NDP_VERDICT(WRONG_DST, "wrong-destination", true)                   \
    NDP_VERDICT(WRONG_DST_MAC, "wrong-destination-mac", true)

enum ndp_verdict {
#define NDP_VERDICT(ENUM, NAME, CONSUMED) NDP_##ENUM,
    NDP_VERDICTS
#undef NDP_VERDICT
    NDP_N_VERDICTS
};

/* Stable, counter-friendly name of 'verdict' ("dad", ...). */
const char *ndp_verdict_name(enum ndp_verdict verdict);

/* True if a frame that got 'verdict' must not be passed on to OVS. */
bool ndp_verdict_consumes(enum ndp_verdict verdict);

/* One counter per verdict. */
struct ndp_counters {
    uint64_t n[NDP_N_VERDICTS];
};

static inline void
ndp_count(struct ndp_counters *c, enum ndp_verdict verdict)
{
    if ((unsigned int) verdict < NDP_N_VERDICTS) {
        c->n[verdict]++;
    }
}

/* Adds every counter of 'b' to 'a'. */
void ndp_counters_add(struct ndp_counters *a, const struct ndp_counters *b);

/* Decides what to do with the 'size' bytes of 'frame', received at 'now'
 * on 'port' ('port' is NULL when the frame did not come from a VM port).
 *
 * NS for a gateway address (solicited-node multicast, or unicast NUD
 * probes alike): NDP_REPLY, with the whole NA frame appended to 'reply'
 * (which grows as needed; the caller owns it).  The NA (RFC 4861 §7.2.4)
 * goes from the target address and G to the solicitor, with R=1, S=1,
 * O=1 and the target link-layer option G.
 *
 * RS (RFC 4861 §6.2.6): an RA is scheduled on 'port', with a delay drawn
 * from 'random', and sent by ndp_ra_run(): NDP_RS_SCHEDULED, or
 * NDP_RS_PENDING when an RA already due serves it.
 *
 * Never answered, each with its own verdict: DAD (source ::), a hop limit
 * other than 255, a code other than 0, a multicast target, a target that
 * is not a gateway, malformed options, a link-layer option from '::', a
 * guest claiming a gateway's address; and every RA (RA-Guard, RFC 6105).
 * A bad checksum is found by pkt_parse().  On any verdict but NDP_REPLY,
 * 'reply' is left alone. */
enum ndp_verdict ndp_handle(const struct ndp_router *, struct ndp_port *port,
                            long long int now, uint32_t random,
                            const void *frame, size_t size,
                            struct ofpbuf *reply);

#endif /* nd-router.h */
