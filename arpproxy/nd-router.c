/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "arpproxy/nd-router.h"

#include <errno.h>
#include <limits.h>
#include <netinet/icmp6.h>
#include <netinet/ip6.h>
#include <string.h>
#include "lib/dns-name.h"
#include "lib/packet.h"
#include "util.h"

/* RA options ovnmig sends that glibc does not name (RFC 8106 §5). */
#define NDP_OPT_RDNSS 25
#define NDP_OPT_DNSSL 31

/* The RA must fit the IPv6 minimum MTU (RFC 8200 §5) whatever the link's:
 * 1280 bytes less the IPv6 header. */
#define NDP_MAX_RA_LEN (1280 - IPV6_HEADER_LEN)

/* RS is 8 bytes before its options; NS and NA 24 (RFC 4861 §4.1, §4.3,
 * §4.4). */
#define RS_MSG_LEN 8

struct ndp_router {
    struct ndp_config cfg;
    long long int min_interval_ms;
    long long int max_interval_ms;
    size_t ra_len;
    uint8_t ra[];                       /* The ICMPv6 RA, checksum 0. */
};

/* ------------------------------------------------------------ verdicts */

const char *
ndp_verdict_name(enum ndp_verdict verdict)
{
    switch (verdict) {
#define NDP_VERDICT(ENUM, NAME, CONSUMED) case NDP_##ENUM: return NAME;
    NDP_VERDICTS
#undef NDP_VERDICT
    case NDP_N_VERDICTS:
        break;
    }
    return "unknown";
}

bool
ndp_verdict_consumes(enum ndp_verdict verdict)
{
    switch (verdict) {
#define NDP_VERDICT(ENUM, NAME, CONSUMED) case NDP_##ENUM: return CONSUMED;
    NDP_VERDICTS
#undef NDP_VERDICT
    case NDP_N_VERDICTS:
        break;
    }
    return false;
}

void
ndp_counters_add(struct ndp_counters *a, const struct ndp_counters *b)
{
    for (size_t i = 0; i < NDP_N_VERDICTS; i++) {
        a->n[i] += b->n[i];
    }
}

/* ------------------------------------------------------------ router */

void
ndp_config_init(struct ndp_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    bool ok = (eth_addr_from_string(NDP_DEFAULT_GATEWAY_MAC, &cfg->mac)
               && ipv6_parse(NDP_ROUTER_ADDRESS, &cfg->gateways[0]));
    ovs_assert(ok);
    cfg->n_gateways = 1;
    cfg->cur_hop_limit = 64;
    cfg->managed = true;
    cfg->other = true;
    cfg->router_lifetime = 1800;
    cfg->max_interval = ND_RA_MAX_INTERVAL_DEFAULT;
}

static bool
addr_in(const struct in6_addr *a, const struct in6_addr *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ipv6_addr_equals(a, &list[i])) {
            return true;
        }
    }
    return false;
}

static bool
mac_is_usable(struct eth_addr mac)
{
    return !eth_addr_is_zero(mac) && !eth_addr_is_multicast(mac);
}

static const char *
check_config(const struct ndp_config *cfg)
{
    if (!mac_is_usable(cfg->mac)) {
        return "the router's MAC must be a unicast address";
    }
    if (!cfg->n_gateways || cfg->n_gateways > NDP_MAX_GATEWAYS) {
        return "the router needs 1 to 4 gateway addresses";
    }
    if (!pkt_ipv6_is_link_local(&cfg->gateways[0])) {
        /* RFC 4861 §6.1.2: hosts drop RAs from other sources. */
        return "the router's first address must be link-local";
    }
    for (size_t i = 0; i < cfg->n_gateways; i++) {
        if (!pkt_ipv6_is_unicast(&cfg->gateways[i])) {
            return "a gateway address must be a unicast address";
        }
    }
    /* RFC 4861 §6.2.1. */
    if (cfg->max_interval < 4 || cfg->max_interval > 1800) {
        return "the maximum RA interval must be 4 to 1800 seconds";
    }
    if (cfg->min_interval
        && (cfg->min_interval < 3
            || cfg->min_interval > cfg->max_interval * 3 / 4)) {
        return "the minimum RA interval must be 3 seconds to 3/4 of the "
               "maximum";
    }
    /* RFC 4861 §6.2.1, with RFC 8319 §4's upper bound of 65535. */
    if (cfg->router_lifetime && cfg->router_lifetime < cfg->max_interval) {
        return "the router lifetime must be 0 or at least the maximum RA "
               "interval";
    }
    if (cfg->reachable_time > 3600000) {
        return "the reachable time must be at most 3,600,000 ms";
    }
    if (cfg->mtu && cfg->mtu < 1280) {
        return "the MTU must be at least 1280 (RFC 8200 §5)";
    }
    const char *error = dns_check_ipv6(cfg->dns, cfg->n_dns, NDP_MAX_DNS,
                                       cfg->search, cfg->n_search,
                                       NDP_MAX_SEARCH);
    if (error) {
        return error;
    }
    return NULL;
}

/* Appends the 8-byte header shared by RDNSS and DNSSL (RFC 8106 §5.1,
 * §5.2): type, length (fixed up by finish_option()), reserved, lifetime. */
static size_t
start_dns_option(struct ofpbuf *b, uint8_t type, uint32_t lifetime)
{
    size_t start = b->size;
    uint8_t *p = ofpbuf_put_zeros(b, 8);
    ovs_be32 be_lifetime = htonl(lifetime);
    p[0] = type;
    memcpy(&p[4], &be_lifetime, sizeof be_lifetime);
    return start;
}

/* Pads the option at 'start' with zeros to a multiple of 8 bytes and
 * writes its length, in units of 8 bytes (RFC 4861 §4.6). */
static void
finish_option(struct ofpbuf *b, size_t start)
{
    size_t len = b->size - start;
    if (len % 8) {
        ofpbuf_put_zeros(b, 8 - len % 8);
    }
    ((uint8_t *) b->data)[start + 1] = (b->size - start) / 8;
}

static void
put_lla_option(struct ofpbuf *b, uint8_t type, struct eth_addr mac)
{
    struct ovs_nd_lla_opt *opt = ofpbuf_put_uninit(b, sizeof *opt);
    opt->type = type;
    opt->len = 1;
    opt->mac = mac;
}

/* Encodes the RA of 'cfg' (RFC 4861 §4.2) into 'b', its options in
 * radvd's order so that the two can be compared byte for byte. */
static void
encode_ra(const struct ndp_config *cfg, uint32_t dns_lifetime,
          struct ofpbuf *b)
{
    struct ovs_ra_msg *ra = ofpbuf_put_zeros(b, sizeof *ra);
    ra->icmph.icmp6_type = ND_ROUTER_ADVERT;
    ra->cur_hop_limit = cfg->cur_hop_limit;
    ra->mo_flags = ((cfg->managed ? ND_RA_MANAGED_ADDRESS : 0)
                    | (cfg->other ? ND_RA_OTHER_CONFIG : 0));
    ra->router_lifetime = htons(cfg->router_lifetime);
    ra->reachable_time = htonl(cfg->reachable_time);
    ra->retrans_timer = htonl(cfg->retrans_timer);

    if (cfg->n_dns) {
        size_t start = start_dns_option(b, NDP_OPT_RDNSS, dns_lifetime);
        ofpbuf_put(b, cfg->dns, cfg->n_dns * sizeof cfg->dns[0]);
        finish_option(b, start);
    }
    if (cfg->n_search) {
        size_t start = start_dns_option(b, NDP_OPT_DNSSL, dns_lifetime);
        for (size_t i = 0; i < cfg->n_search; i++) {
            /* Checked by check_config(). */
            ignore(dns_name_put(b, cfg->search[i]));
        }
        finish_option(b, start);
    }
    if (cfg->mtu) {
        struct ovs_nd_mtu_opt *mtu = ofpbuf_put_zeros(b, sizeof *mtu);
        mtu->type = ND_OPT_MTU;
        mtu->len = 1;
        put_16aligned_be32(&mtu->mtu, htonl(cfg->mtu));
    }
    put_lla_option(b, ND_OPT_SOURCE_LINKADDR, cfg->mac);
}

int
ndp_router_create(const struct ndp_config *cfg, struct ndp_router **routerp,
                  const char **errorp)
{
    const char *error = check_config(cfg);
    *routerp = NULL;
    if (!error) {
        uint32_t min = (cfg->min_interval ? cfg->min_interval
                        : nd_ra_min_interval_default(cfg->max_interval));
        /* RFC 8106 §5.1: by default at least 3 × MaxRtrAdvInterval. */
        uint32_t dns_lifetime = (cfg->dns_lifetime ? cfg->dns_lifetime
                                 : 3 * cfg->max_interval);
        struct ofpbuf ra;
        ofpbuf_init(&ra, 256);
        encode_ra(cfg, dns_lifetime, &ra);
        if (ra.size > NDP_MAX_RA_LEN) {
            error = "the RA would not fit in 1280 bytes: fewer DNS servers "
                    "or search domains";
        } else {
            struct ndp_router *r = xzalloc(sizeof *r + ra.size);
            r->cfg = *cfg;
            r->cfg.min_interval = min;
            r->cfg.dns_lifetime = dns_lifetime;
            memset(r->cfg.search, 0, sizeof r->cfg.search);
            r->cfg.n_search = 0;
            r->min_interval_ms = min * 1000LL;
            r->max_interval_ms = cfg->max_interval * 1000LL;
            r->ra_len = ra.size;
            memcpy(r->ra, ra.data, ra.size);
            *routerp = r;
        }
        ofpbuf_uninit(&ra);
    }
    if (error && errorp) {
        *errorp = error;
    }
    return error ? -EINVAL : 0;
}

void
ndp_router_destroy(struct ndp_router *r)
{
    free(r);
}

const struct ndp_config *
ndp_router_config(const struct ndp_router *r)
{
    return &r->cfg;
}

static bool
is_gateway(const struct ndp_router *r, const struct in6_addr *a)
{
    return addr_in(a, r->cfg.gateways, r->cfg.n_gateways);
}

void
ndp_put_ra(const struct ndp_router *r, struct eth_addr dst_mac,
           const struct in6_addr *dst, struct ofpbuf *frame)
{
    pkt_put_eth(frame, dst_mac, r->cfg.mac, ETH_TYPE_IPV6);
    pkt_put_ipv6_icmp6(frame, &r->cfg.gateways[0], dst, r->ra, r->ra_len);
}

/* ------------------------------------------------------------ ports */

void
ndp_port_init(struct ndp_port *port, struct eth_addr vm_mac)
{
    memset(port, 0, sizeof *port);
    port->vm_mac = vm_mac;
    port->ra.next_unsolicited = LLONG_MAX;
    port->ra.last_multicast = LLONG_MIN;
    port->ra.last_unicast = LLONG_MIN;
    port->ra.solicited_at = LLONG_MAX;
}

int
ndp_port_check(const struct ndp_router *r, const struct ndp_port *port)
{
    if (!mac_is_usable(port->vm_mac) || port->n_vm_ips > NDP_MAX_VM_IPS) {
        return -EINVAL;
    }
    for (size_t i = 0; i < port->n_vm_ips; i++) {
        if (!pkt_ipv6_is_unicast(&port->vm_ips[i])
            || is_gateway(r, &port->vm_ips[i])) {
            return -EINVAL;
        }
    }
    return 0;
}

void
ndp_port_activate(struct ndp_port *port, long long int now)
{
    struct ndp_ra_timer *t = &port->ra;
    if (!t->active) {
        t->active = true;
        t->n_multicast = 0;
        t->next_unsolicited = now;
    }
}

void
ndp_port_deactivate(struct ndp_port *port)
{
    struct ndp_ra_timer *t = &port->ra;
    t->active = false;
    t->next_unsolicited = LLONG_MAX;
    t->solicited_at = LLONG_MAX;
}

/* When the next multicast and the next unicast RA of 't' are due. */
static void
ra_due(const struct ndp_ra_timer *t, long long int *mcastp,
       long long int *ucastp)
{
    long long int mcast = t->active ? t->next_unsolicited : LLONG_MAX;
    long long int ucast = LLONG_MAX;
    if (t->solicited_at != LLONG_MAX) {
        if (t->solicited_multicast) {
            mcast = MIN(mcast, t->solicited_at);
        } else {
            ucast = t->solicited_at;
        }
    }
    /* RFC 4861 §6.2.4: "consecutive Router Advertisements sent to the
     * all-nodes multicast address MUST be rate limited to no more than one
     * advertisement every MIN_DELAY_BETWEEN_RAS seconds". */
    if (mcast != LLONG_MAX && t->last_multicast != LLONG_MIN) {
        mcast = MAX(mcast, t->last_multicast + NDP_MIN_DELAY_BETWEEN_RAS);
    }
    *mcastp = mcast;
    *ucastp = ucast;
}

long long int
ndp_ra_next(const struct ndp_port *port)
{
    long long int mcast, ucast;
    ra_due(&port->ra, &mcast, &ucast);
    return MIN(mcast, ucast);
}

enum ndp_ra_kind
ndp_ra_run(const struct ndp_router *r, struct ndp_port *port,
           long long int now, uint32_t random, struct ofpbuf *frame)
{
    struct ndp_ra_timer *t = &port->ra;
    long long int mcast, ucast;
    ra_due(t, &mcast, &ucast);

    if (mcast <= now) {
        enum ndp_ra_kind kind = (t->active && t->next_unsolicited <= now
                                 ? NDP_RA_UNSOLICITED
                                 : NDP_RA_SOLICITED_MULTICAST);
        struct eth_addr mac;
        ipv6_multicast_to_ethernet(&mac, &in6addr_all_hosts);
        ndp_put_ra(r, mac, &in6addr_all_hosts, frame);

        /* One multicast RA answers every pending solicitation, and resets
         * the interval timer "as if an unsolicited advertisement had just
         * been sent" (RFC 4861 §6.2.6). */
        t->last_multicast = now;
        t->solicited_at = LLONG_MAX;
        t->n_multicast++;
        if (t->active) {
            /* RFC 4861 §6.2.4: uniformly in [MinRtrAdvInterval,
             * MaxRtrAdvInterval], but the first three RAs at most 16 s
             * apart. */
            long long int span = r->max_interval_ms - r->min_interval_ms;
            long long int interval = r->min_interval_ms + random % (span + 1);
            if (t->n_multicast < NDP_MAX_INITIAL_RTR_ADVERTISEMENTS) {
                interval = MIN(interval, NDP_MAX_INITIAL_RTR_ADVERT_INTERVAL);
            }
            t->next_unsolicited = now + interval;
        }
        return kind;
    }
    if (ucast <= now) {
        ndp_put_ra(r, port->vm_mac, &t->solicitor, frame);
        t->last_unicast = now;
        t->solicited_at = LLONG_MAX;
        return NDP_RA_SOLICITED_UNICAST;
    }
    return NDP_RA_NONE;
}

/* Schedules the answer to a valid RS from 'src' (RFC 4861 §6.2.6). */
static enum ndp_verdict
schedule_solicited(struct ndp_port *port, long long int now,
                   uint32_t random, const struct in6_addr *src)
{
    struct ndp_ra_timer *t = &port->ra;

    /* RFC 7772 §5.1: answer unicast, unless the host has no address yet;
     * a multicast answer is what RFC 4861 describes. */
    bool multicast = !ipv6_addr_is_set(src);
    if (t->solicited_at != LLONG_MAX) {
        /* "If a single advertisement is sent in response to multiple
         * solicitations, the delay is relative to the first". */
        if (multicast || !ipv6_addr_equals(src, &t->solicitor)) {
            t->solicited_multicast = true;
        }
        return NDP_RS_PENDING;
    }

    /* "MUST be delayed by a random time between 0 and MAX_RA_DELAY_TIME",
     * and after the previous RA of the same kind by MIN_DELAY_BETWEEN_RAS
     * more: the rate limit RFC 4861 sets for multicast RAs also keeps a
     * guest that repeats its RS from getting an RA for each. */
    long long int delay = random % (NDP_MAX_RA_DELAY_TIME + 1);
    long long int last = multicast ? t->last_multicast : t->last_unicast;
    long long int at = now + delay;
    if (last != LLONG_MIN && now - last < NDP_MIN_DELAY_BETWEEN_RAS) {
        at = last + NDP_MIN_DELAY_BETWEEN_RAS + delay;
    }
    /* An unsolicited RA that goes out first answers it too. */
    if (t->active && t->next_unsolicited <= at) {
        return NDP_RS_PENDING;
    }
    t->solicited_at = at;
    t->solicited_multicast = multicast;
    t->solicitor = *src;
    return NDP_RS_SCHEDULED;
}

/* ------------------------------------------------------------ frames */

static enum ndp_verdict
verdict_from_parse(enum pkt_error error)
{
    switch (error) {
    case PKT_OK:
        return NDP_REPLY;               /* No verdict yet. */
    case PKT_ERR_VLAN:
        return NDP_VLAN;
    case PKT_ERR_TRUNC_ETH:
    case PKT_ERR_TRUNC_IP6:
    case PKT_ERR_TRUNC_ICMP6:
        return NDP_TRUNCATED;
    case PKT_ERR_BAD_IP6_VERSION:
    case PKT_ERR_BAD_IP6_LEN:
        return NDP_BAD_IPV6;
    case PKT_ERR_BAD_ICMP6_CSUM:
        return NDP_BAD_CHECKSUM;
    case PKT_ERR_TRUNC_UDP:
    case PKT_ERR_BAD_UDP_LEN:
    case PKT_ERR_BAD_UDP_CSUM:
        return NDP_NOT_ICMP6;
    default:
        /* ARP and IPv4. */
        return NDP_NOT_IPV6;
    }
}

/* Checks the options of an RS or NS (RFC 4861 §6.1.1, §7.1.1): each at
 * least 8 bytes and inside the message, a source link-layer address option
 * 8 bytes long and the guest's.  Sets '*has_sllap' if there is one. */
static enum ndp_verdict
check_options(const struct ndp_port *port, const uint8_t *p, size_t size,
              bool *has_sllap)
{
    *has_sllap = false;
    while (size) {
        if (size < 2) {
            return NDP_OPTION_TRUNCATED;
        }
        size_t len = p[1] * 8;
        if (!len) {
            return NDP_OPTION_LEN_ZERO;
        }
        if (len > size) {
            return NDP_OPTION_TRUNCATED;
        }
        if (p[0] == ND_OPT_SOURCE_LINKADDR) {
            const struct ovs_nd_lla_opt *lla = (const void *) p;
            if (lla->len != 1) {
                return NDP_BAD_LLA_OPTION;
            }
            if (!eth_addr_equals(lla->mac, port->vm_mac)) {
                return NDP_FOREIGN_LLA;
            }
            *has_sllap = true;
        }
        /* Other options are ignored (RFC 4861 §4.6). */
        p += len;
        size -= len;
    }
    return NDP_REPLY;
}

static bool
addr_is_guests(const struct ndp_port *port, const struct in6_addr *a)
{
    return (pkt_ipv6_is_link_local(a)
            || addr_in(a, port->vm_ips, port->n_vm_ips));
}

/* Appends the NA that answers an NS for 'target' from 'solicitor'. */
static void
put_na(const struct ndp_router *r, const struct ndp_port *port,
       const struct in6_addr *target, const struct in6_addr *solicitor,
       struct ofpbuf *reply)
{
    uint8_t msg[ND_MSG_LEN + ND_LLA_OPT_LEN];
    struct ovs_nd_msg *na = (void *) msg;
    memset(msg, 0, sizeof msg);
    na->icmph.icmp6_type = ND_NEIGHBOR_ADVERT;
    /* RFC 4861 §7.2.4: R because this is a router (and Linux deletes the
     * default route through a neighbor whose NA clears it), S because it
     * answers an NS, O because the address is the router's own. */
    put_16aligned_be32(&na->rso_flags, htonl(ND_RSO_ROUTER | ND_RSO_SOLICITED
                                             | ND_RSO_OVERRIDE));
    memcpy(&na->target, target, sizeof *target);
    struct ovs_nd_lla_opt *tlla = (void *) &msg[ND_MSG_LEN];
    tlla->type = ND_OPT_TARGET_LINKADDR;
    tlla->len = 1;
    tlla->mac = r->cfg.mac;

    pkt_put_eth(reply, port->vm_mac, r->cfg.mac, ETH_TYPE_IPV6);
    pkt_put_ipv6_icmp6(reply, target, solicitor, msg, sizeof msg);
}

enum ndp_verdict
ndp_handle(const struct ndp_router *r, struct ndp_port *port,
           long long int now, uint32_t random, const void *frame,
           size_t size, struct ofpbuf *reply)
{
    /* A frame from elsewhere (another node's VM through a tunnel, the host
     * itself) is never the router's to answer. */
    if (!port) {
        return NDP_NOT_VM_PORT;
    }

    struct pkt_view v;
    enum ndp_verdict verdict = verdict_from_parse(pkt_parse(&v, frame,
                                                            size));
    if (verdict != NDP_REPLY) {
        return verdict;
    }
    if (v.eth_type != ETH_TYPE_IPV6) {
        return NDP_NOT_IPV6;
    }
    if (!v.icmp6) {
        /* UDP (DHCPv6 included), or behind an extension header (MLD),
         * which neighbor discovery never is. */
        return NDP_NOT_ICMP6;
    }

    /* First, whether the message is the router's business at all. */
    const uint8_t *msg = (const uint8_t *) v.icmp6;
    size_t len = ICMP6_HEADER_LEN + v.l4_size;
    uint8_t type = v.icmp6->icmp6_type;
    if (type == ND_ROUTER_ADVERT) {
        /* RFC 6105: a guest is never a router here, whatever it says. */
        return NDP_RA_GUARD;
    }
    if (type != ND_ROUTER_SOLICIT && type != ND_NEIGHBOR_SOLICIT
        && type != ND_NEIGHBOR_ADVERT) {
        return NDP_NOT_ND;
    }
    size_t min_len = type == ND_ROUTER_SOLICIT ? RS_MSG_LEN : ND_MSG_LEN;
    if (len < min_len) {
        return NDP_SHORT_MESSAGE;
    }
    struct in6_addr src, dst, target;
    memcpy(&src, &v.ip6->ip6_src, sizeof src);
    memcpy(&dst, &v.ip6->ip6_dst, sizeof dst);
    if (type != ND_ROUTER_SOLICIT) {
        memcpy(&target, &((const struct ovs_nd_msg *) msg)->target,
               sizeof target);
        if (ipv6_addr_is_multicast(&target)) {
            return NDP_MCAST_TARGET;
        }
        /* RFC 4862 §5.4.3: duplicate address detection.  An answer would
         * tell the guest that the address it tries is taken. */
        if (type == ND_NEIGHBOR_SOLICIT && !ipv6_addr_is_set(&src)) {
            return NDP_DAD;
        }
        if (!is_gateway(r, &target)) {
            return NDP_NOT_GATEWAY;
        }
        if (type == ND_NEIGHBOR_ADVERT) {
            /* The guest claims the router's address: the other guests of
             * the switch must never learn it. */
            return NDP_NA_FOR_GATEWAY;
        }
    }

    /* An RS, or an NS for a gateway: the router's.  The sender must be the
     * guest, and the message valid (RFC 4861 §6.1.1, §7.1.1). */
    if (eth_addr_is_multicast(v.eth->eth_src)) {
        return NDP_MCAST_SOURCE_MAC;
    }
    if (!eth_addr_equals(v.eth->eth_src, port->vm_mac)) {
        return NDP_FOREIGN_MAC;
    }
    if (v.ip6->ip6_hlim != 255) {
        /* Proof that the message was not forwarded by a router. */
        return NDP_BAD_HOP_LIMIT;
    }
    if (v.icmp6->icmp6_code != 0) {
        return NDP_BAD_CODE;
    }
    bool has_slla;
    verdict = check_options(port, msg + min_len, len - min_len, &has_slla);
    if (verdict != NDP_REPLY) {
        return verdict;
    }
    if (ipv6_addr_is_multicast(&src)) {
        return NDP_MCAST_SOURCE;
    }
    if (!ipv6_addr_is_set(&src)) {
        /* Only an RS from a host without an address gets here. */
        if (has_slla) {
            return NDP_LLA_FROM_UNSPECIFIED;
        }
    } else if (is_gateway(r, &src)) {
        return NDP_GATEWAY_SOURCE;
    } else if (!addr_is_guests(port, &src)) {
        return NDP_FOREIGN_SOURCE;
    }

    /* An RS goes to all routers or to the router; an NS to the target's
     * solicited-node group (resolution) or to the target (NUD). */
    bool dst_ok;
    if (type == ND_ROUTER_SOLICIT) {
        dst_ok = (ipv6_addr_equals(&dst, &in6addr_all_routers)
                  || is_gateway(r, &dst));
    } else {
        struct in6_addr solicited_node;
        in6_addr_solicited_node(&solicited_node, &target);
        dst_ok = (ipv6_addr_equals(&dst, &solicited_node)
                  || ipv6_addr_equals(&dst, &target));
    }
    if (!dst_ok) {
        return NDP_WRONG_DST;
    }
    struct eth_addr dst_mac = r->cfg.mac;
    if (ipv6_addr_is_multicast(&dst)) {
        ipv6_multicast_to_ethernet(&dst_mac, &dst);
    }
    if (!eth_addr_equals(v.eth->eth_dst, dst_mac)) {
        return NDP_WRONG_DST_MAC;
    }

    if (type == ND_ROUTER_SOLICIT) {
        return schedule_solicited(port, now, random, &src);
    }
    /* RFC 4861 §7.2.4: S=1 and unicast to the solicitor, since it is not
     * '::' (that was DAD). */
    put_na(r, port, &target, &src, reply);
    return NDP_REPLY;
}
