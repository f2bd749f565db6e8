/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for arpproxy/nd-router: the NA and the RA byte for byte
 * against vectors whose checksums were computed apart from the code under
 * test, the RA schedule of RFC 4861 §6.2.4 and §6.2.6 at chosen times and
 * random numbers, and every verdict. */
#include <config.h>
#include <errno.h>
#include <limits.h>
#include <netinet/icmp6.h>
#include <netinet/ip6.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arpproxy/nd-router.h"
#include "lib/packet.h"

static const struct eth_addr vm_mac = ETH_ADDR_C(52, 54, 00, 12, 34, 56);
static const struct eth_addr gw_mac = ETH_ADDR_C(0a, 58, a9, fe, 01, 01);
static const struct eth_addr other_mac = ETH_ADDR_C(52, 54, 00, 99, 99, 99);
static const struct eth_addr mcast_mac = ETH_ADDR_C(33, 33, 00, 00, 00, 01);

/* The guest's EUI-64 link-local address, its global /128, the router, the
 * subnet's global gateway and the DNS server. */
#define VM_LLA "fe80::5054:ff:fe12:3456"
#define VM_IP "fd00:10:100::5"
#define ROUTER "fe80::1"
#define SUBNET_GW "fd00:10:100::1"
#define DNS "fd00:10:96::a"

static struct in6_addr
ip6(const char *s)
{
    struct in6_addr a;
    assert_true(ipv6_parse(s, &a));
    return a;
}

/* The NA answering an NS for fe80::1 from VM_LLA. */
static const uint8_t na_vector[86] = {
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56,         /* dst: the guest */
    0x0a, 0x58, 0xa9, 0xfe, 0x01, 0x01,         /* src: G */
    0x86, 0xdd,                                 /* IPv6 */
    0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, /* 32 bytes, hop 255 */
    0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* src: fe80::1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* dst: the guest */
    0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56,
    0x88, 0x00, 0x61, 0x0a,                     /* NA, checksum */
    0xe0, 0x00, 0x00, 0x00,                     /* R, S, O */
    0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* target: fe80::1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x02, 0x01, 0x0a, 0x58, 0xa9, 0xfe, 0x01, 0x01, /* TLLA: G */
};

/* The multicast RA of make_router(): M, O, hop limit 64, lifetime 1800,
 * then RDNSS, DNSSL, MTU and SLLA, radvd's order. */
static const uint8_t ra_vector[158] = {
    0x33, 0x33, 0x00, 0x00, 0x00, 0x01,         /* dst: all nodes */
    0x0a, 0x58, 0xa9, 0xfe, 0x01, 0x01,         /* src: G */
    0x86, 0xdd,
    0x60, 0x00, 0x00, 0x00, 0x00, 0x68, 0x3a, 0xff, /* 104 bytes, hop 255 */
    0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* src: fe80::1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* dst: ff02::1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x86, 0x00, 0x3a, 0xdb,                     /* RA, checksum */
    0x40, 0xc0, 0x07, 0x08,                     /* 64, M|O, 1800 s */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* reachable, retrans */
    0x19, 0x03, 0x00, 0x00, 0x00, 0x00, 0x07, 0x08, /* RDNSS, 1800 s */
    0xfd, 0x00, 0x00, 0x10, 0x00, 0x96, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,
    0x1f, 0x06, 0x00, 0x00, 0x00, 0x00, 0x07, 0x08, /* DNSSL, 1800 s */
    0x07, 'c', 'l', 'u', 's', 't', 'e', 'r',
    0x05, 'l', 'o', 'c', 'a', 'l', 0x00,
    0x03, 's', 'v', 'c',
    0x07, 'c', 'l', 'u', 's', 't', 'e', 'r',
    0x05, 'l', 'o', 'c', 'a', 'l', 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,         /* padding */
    0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0x78, /* MTU 1400 */
    0x01, 0x01, 0x0a, 0x58, 0xa9, 0xfe, 0x01, 0x01, /* SLLA: G */
};

static void
make_config(struct ndp_config *cfg)
{
    ndp_config_init(cfg);
    cfg->gateways[cfg->n_gateways++] = ip6(SUBNET_GW);
    cfg->mtu = 1400;
    cfg->dns[cfg->n_dns++] = ip6(DNS);
    cfg->search[cfg->n_search++] = "cluster.local";
    cfg->search[cfg->n_search++] = "svc.cluster.local.";
}

static struct ndp_router *
make_router(void)
{
    struct ndp_config cfg;
    make_config(&cfg);
    struct ndp_router *r;
    assert_int_equal(ndp_router_create(&cfg, &r, NULL), 0);
    return r;
}

static void
make_port(struct ndp_port *port)
{
    ndp_port_init(port, vm_mac);
    port->vm_ips[port->n_vm_ips++] = ip6(VM_IP);
}

/* An ICMPv6 frame: Ethernet 'dst'/'src', IPv6 'ip_src' to 'ip_dst' with hop
 * limit 255, and the message of type 'type', code 0, whose bytes after the
 * 4-byte header are 'body' (a C string literal may hold zeros: 'len'
 * says how many).  The frame is in 'b', which the caller uninits. */
static void
make_icmp6(struct ofpbuf *b, struct eth_addr dst, struct eth_addr src,
           const char *ip_src, const char *ip_dst, uint8_t type,
           const void *body, size_t len)
{
    struct in6_addr s = ip6(ip_src), d = ip6(ip_dst);
    uint8_t msg[256];
    assert_true(len + ICMP6_HEADER_LEN <= sizeof msg);
    memset(msg, 0, ICMP6_HEADER_LEN);
    msg[0] = type;
    memcpy(msg + ICMP6_HEADER_LEN, body, len);
    ofpbuf_init(b, 128);
    pkt_put_eth(b, dst, src, ETH_TYPE_IPV6);
    pkt_put_ipv6_icmp6(b, &s, &d, msg, ICMP6_HEADER_LEN + len);
}

/* The body of an NS or NA for 'target' with 'flags', then 'opts'. */
static size_t
nd_body(uint8_t *body, uint32_t flags, const char *target,
        const void *opts, size_t opts_len)
{
    ovs_be32 be = htonl(flags);
    struct in6_addr t = ip6(target);
    memcpy(body, &be, 4);
    memcpy(body + 4, &t, 16);
    memcpy(body + 20, opts, opts_len);
    return 20 + opts_len;
}

/* A source (or target) link-layer address option for 'mac'. */
static void
lla(uint8_t opt[8], uint8_t type, struct eth_addr mac)
{
    opt[0] = type;
    opt[1] = 1;
    memcpy(opt + 2, mac.ea, 6);
}

/* An NS for 'target' from 'src' to 'dst' (Ethernet 'eth_dst'), from the
 * guest's MAC, with its SLLA when 'with_slla'. */
static void
make_ns(struct ofpbuf *b, struct eth_addr eth_dst, const char *src,
        const char *dst, const char *target, bool with_slla)
{
    uint8_t opt[8], body[64];
    lla(opt, ND_OPT_SOURCE_LINKADDR, vm_mac);
    size_t len = nd_body(body, 0, target, opt, with_slla ? sizeof opt : 0);
    make_icmp6(b, eth_dst, vm_mac, src, dst, ND_NEIGHBOR_SOLICIT, body, len);
}

/* The usual NS: address resolution of fe80::1, to its solicited-node
 * group ff02::1:ff00:1 (MAC 33:33:ff:00:00:01). */
static void
make_ns_multicast(struct ofpbuf *b)
{
    make_ns(b, (struct eth_addr) ETH_ADDR_C(33, 33, ff, 00, 00, 01), VM_LLA,
            "ff02::1:ff00:1", ROUTER, true);
}

/* An RS from 'src' to ff02::2, with the guest's SLLA when 'with_slla'. */
static void
make_rs(struct ofpbuf *b, const char *src, bool with_slla)
{
    uint8_t body[12] = { 0 };
    lla(body + 4, ND_OPT_SOURCE_LINKADDR, vm_mac);
    make_icmp6(b, (struct eth_addr) ETH_ADDR_C(33, 33, 00, 00, 00, 02),
               vm_mac, src, "ff02::2", ND_ROUTER_SOLICIT, body,
               with_slla ? 12 : 4);
}

/* Runs the core on 'b' with a fresh router and port; on anything but a
 * reply, checks that nothing was written. */
static enum ndp_verdict
verdict_of(const struct ofpbuf *b)
{
    struct ndp_router *r = make_router();
    struct ndp_port port;
    make_port(&port);
    struct ofpbuf reply;
    ofpbuf_init(&reply, 0);
    enum ndp_verdict verdict = ndp_handle(r, &port, 0, 0, b->data, b->size,
                                          &reply);
    if (verdict != NDP_REPLY) {
        assert_int_equal(reply.size, 0);
    }
    ofpbuf_uninit(&reply);
    ndp_router_destroy(r);
    return verdict;
}

/* The IPv6 header and ICMPv6 message of 'b', for tests that damage them
 * and then fix the checksum with fix_checksum(). */
static struct ovs_16aligned_ip6_hdr *
ip6_of(struct ofpbuf *b)
{
    return ofpbuf_at_assert(b, ETH_HEADER_LEN, IPV6_HEADER_LEN);
}

static uint8_t *
icmp6_of(struct ofpbuf *b)
{
    return ofpbuf_at_assert(b, ETH_HEADER_LEN + IPV6_HEADER_LEN,
                            ICMP6_HEADER_LEN);
}

static void
fix_checksum(struct ofpbuf *b)
{
    struct ovs_16aligned_ip6_hdr *ip = ip6_of(b);
    struct icmp6_header *icmp = (void *) icmp6_of(b);
    icmp->icmp6_cksum = 0;
    icmp->icmp6_cksum = packet_csum_upperlayer6(ip, icmp, IPPROTO_ICMPV6,
                                                ntohs(ip->ip6_plen));
}

/* ------------------------------------------------------------ NS -> NA */

static void
test_na_vector(void **state)
{
    struct ofpbuf ns, reply;
    make_ns_multicast(&ns);
    ofpbuf_init(&reply, 0);
    assert_int_equal(verdict_of(&ns), NDP_REPLY);

    struct ndp_router *r = make_router();
    struct ndp_port port;
    make_port(&port);
    assert_int_equal(ndp_handle(r, &port, 0, 0, ns.data, ns.size, &reply),
                     NDP_REPLY);
    assert_int_equal(reply.size, sizeof na_vector);
    assert_memory_equal(reply.data, na_vector, sizeof na_vector);
    /* The checksum verifies with the parser too. */
    struct pkt_view v;
    assert_int_equal(pkt_parse(&v, reply.data, reply.size), PKT_OK);
    ofpbuf_uninit(&reply);
    ndp_router_destroy(r);
    ofpbuf_uninit(&ns);
}

/* A NUD probe: unicast to fe80::1 and G, usually without SLLA.  Same NA:
 * Linux moves the entry to REACHABLE only on S=1, and keeps the router
 * flag only on R=1. */
static void
test_na_nud_unicast(void **state)
{
    struct ofpbuf ns, reply;
    make_ns(&ns, gw_mac, VM_LLA, ROUTER, ROUTER, false);
    ofpbuf_init(&reply, 0);
    struct ndp_router *r = make_router();
    struct ndp_port port;
    make_port(&port);
    assert_int_equal(ndp_handle(r, &port, 0, 0, ns.data, ns.size, &reply),
                     NDP_REPLY);
    assert_memory_equal(reply.data, na_vector, sizeof na_vector);
    ofpbuf_uninit(&reply);

    /* With its SLLA, the same. */
    ofpbuf_uninit(&ns);
    make_ns(&ns, gw_mac, VM_LLA, ROUTER, ROUTER, true);
    ofpbuf_init(&reply, 0);
    assert_int_equal(ndp_handle(r, &port, 0, 0, ns.data, ns.size, &reply),
                     NDP_REPLY);
    assert_memory_equal(reply.data, na_vector, sizeof na_vector);
    ofpbuf_uninit(&reply);
    ndp_router_destroy(r);
    ofpbuf_uninit(&ns);
}

/* The subnet's global gateway, asked from the guest's global address. */
static void
test_na_global_gateway(void **state)
{
    struct ofpbuf ns, reply;
    make_ns(&ns, (struct eth_addr) ETH_ADDR_C(33, 33, ff, 00, 00, 01),
            VM_IP, "ff02::1:ff00:1", SUBNET_GW, true);
    ofpbuf_init(&reply, 0);
    ofpbuf_put(&reply, "head", 4);
    struct ndp_router *r = make_router();
    struct ndp_port port;
    make_port(&port);
    assert_int_equal(ndp_handle(r, &port, 0, 0, ns.data, ns.size, &reply),
                     NDP_REPLY);

    /* Appended after what the buffer held. */
    assert_memory_equal(reply.data, "head", 4);
    struct pkt_view v;
    assert_int_equal(pkt_parse(&v, (uint8_t *) reply.data + 4,
                               reply.size - 4), PKT_OK);
    assert_true(eth_addr_equals(v.eth->eth_dst, vm_mac));
    assert_true(eth_addr_equals(v.eth->eth_src, gw_mac));
    struct in6_addr src, dst, gw = ip6(SUBNET_GW), vm = ip6(VM_IP);
    memcpy(&src, &v.ip6->ip6_src, sizeof src);
    memcpy(&dst, &v.ip6->ip6_dst, sizeof dst);
    assert_true(ipv6_addr_equals(&src, &gw));
    assert_true(ipv6_addr_equals(&dst, &vm));
    assert_int_equal(v.ip6->ip6_hlim, 255);
    const struct ovs_nd_msg *na = (const void *) v.icmp6;
    assert_int_equal(na->icmph.icmp6_type, ND_NEIGHBOR_ADVERT);
    assert_int_equal(ntohl(get_16aligned_be32(&na->rso_flags)),
                     ND_RSO_ROUTER | ND_RSO_SOLICITED | ND_RSO_OVERRIDE);
    assert_memory_equal(&na->target, &gw, sizeof gw);
    assert_int_equal(na->options[0].type, ND_OPT_TARGET_LINKADDR);
    assert_int_equal(na->options[0].len, 1);
    assert_true(eth_addr_equals(na->options[0].mac, gw_mac));

    /* The subnet gateway is answered only when configured. */
    struct ndp_config cfg;
    make_config(&cfg);
    cfg.n_gateways = 1;
    struct ndp_router *r1;
    assert_int_equal(ndp_router_create(&cfg, &r1, NULL), 0);
    ofpbuf_clear(&reply);
    assert_int_equal(ndp_handle(r1, &port, 0, 0, ns.data, ns.size, &reply),
                     NDP_NOT_GATEWAY);
    assert_int_equal(reply.size, 0);
    ndp_router_destroy(r1);

    ofpbuf_uninit(&reply);
    ndp_router_destroy(r);
    ofpbuf_uninit(&ns);
}

/* Unknown options are skipped (RFC 4861 §4.6), and Ethernet padding after
 * the datagram does not matter. */
static void
test_na_unknown_option_and_padding(void **state)
{
    uint8_t opts[16], body[64];
    lla(opts, ND_OPT_SOURCE_LINKADDR, vm_mac);
    memset(opts + 8, 0, 8);
    opts[8] = 14;                       /* Nonce (RFC 3971), 8 bytes. */
    opts[9] = 1;
    size_t len = nd_body(body, 0, ROUTER, opts, sizeof opts);
    struct ofpbuf ns;
    make_icmp6(&ns, (struct eth_addr) ETH_ADDR_C(33, 33, ff, 00, 00, 01),
               vm_mac, VM_LLA, "ff02::1:ff00:1", ND_NEIGHBOR_SOLICIT, body,
               len);
    ofpbuf_put_zeros(&ns, 30);
    assert_int_equal(verdict_of(&ns), NDP_REPLY);
    ofpbuf_uninit(&ns);
}

/* ------------------------------------------------------------ RS -> RA */

/* The router's multicast RA, into 'ra' (which the caller uninits). */
static struct ndp_router *
make_router_ra(struct ofpbuf *ra)
{
    struct ndp_router *r = make_router();
    ofpbuf_init(ra, 0);
    ndp_put_ra(r, mcast_mac, &in6addr_all_hosts, ra);
    return r;
}

static void
test_ra_vector(void **state)
{
    struct ofpbuf ra;
    struct ndp_router *r = make_router_ra(&ra);
    assert_int_equal(ra.size, sizeof ra_vector);
    assert_memory_equal(ra.data, ra_vector, sizeof ra_vector);
    struct pkt_view v;
    assert_int_equal(pkt_parse(&v, ra.data, ra.size), PKT_OK);
    ofpbuf_uninit(&ra);

    /* The configuration as kept: the defaults filled in. */
    const struct ndp_config *cfg = ndp_router_config(r);
    assert_int_equal(cfg->min_interval, 200);
    assert_int_equal(cfg->dns_lifetime, 1800);
    assert_int_equal(cfg->n_search, 0);
    ndp_router_destroy(r);
}

/* With nothing optional configured: the RA header and the SLLA only, and
 * no prefix information option, ever. */
static void
test_ra_minimal(void **state)
{
    struct ndp_config cfg;
    ndp_config_init(&cfg);
    cfg.managed = false;
    cfg.router_lifetime = 9000;
    cfg.cur_hop_limit = 0;
    struct ndp_router *r;
    assert_int_equal(ndp_router_create(&cfg, &r, NULL), 0);
    struct ofpbuf ra;
    ofpbuf_init(&ra, 0);
    ndp_put_ra(r, mcast_mac, &in6addr_all_hosts, &ra);
    assert_int_equal(ra.size, ETH_HEADER_LEN + IPV6_HEADER_LEN + 16 + 8);
    const uint8_t *msg = (const uint8_t *) ra.data + ETH_HEADER_LEN
                         + IPV6_HEADER_LEN;
    static const uint8_t expected_tail[] = {
        0x00, 0x40, 0x23, 0x28,         /* hop limit 0, O, 9000 s */
        0, 0, 0, 0, 0, 0, 0, 0,
        0x01, 0x01, 0x0a, 0x58, 0xa9, 0xfe, 0x01, 0x01,
    };
    assert_memory_equal(msg + 4, expected_tail, sizeof expected_tail);
    ofpbuf_uninit(&ra);
    ndp_router_destroy(r);
}

/* What the RS tests share: a router, a port, an RS from 'src' and a
 * buffer for the RAs. */
struct rs_env {
    struct ndp_router *r;
    struct ndp_port port;
    struct ofpbuf rs, ra;
};

static void
rs_env_init(struct rs_env *e, const char *src, bool with_slla)
{
    e->r = make_router();
    make_port(&e->port);
    make_rs(&e->rs, src, with_slla);
    ofpbuf_init(&e->ra, 0);
}

/* Hands the environment's RS to the core at 'now'. */
static enum ndp_verdict
rs_handle(struct rs_env *e, long long int now, uint32_t random)
{
    return ndp_handle(e->r, &e->port, now, random, e->rs.data, e->rs.size,
                      &e->ra);
}

static void
rs_env_destroy(struct rs_env *e)
{
    ofpbuf_uninit(&e->ra);
    ofpbuf_uninit(&e->rs);
    ndp_router_destroy(e->r);
}

/* An RS from the guest's link-local address gets a unicast RA (RFC 7772
 * §5.1) after the random delay, within MAX_RA_DELAY_TIME. */
static void
test_rs_unicast_answer(void **state)
{
    struct rs_env e;
    rs_env_init(&e, VM_LLA, true);
    struct ndp_router *r = e.r;
    struct ndp_port *port = &e.port;

    assert_int_equal(rs_handle(&e, 10000, 321), NDP_RS_SCHEDULED);
    assert_int_equal(e.ra.size, 0);
    assert_int_equal(ndp_ra_next(port), 10321);
    assert_int_equal(ndp_ra_run(r, port, 10320, 0, &e.ra), NDP_RA_NONE);
    assert_int_equal(e.ra.size, 0);
    assert_int_equal(ndp_ra_run(r, port, 10321, 0, &e.ra),
                     NDP_RA_SOLICITED_UNICAST);
    assert_int_equal(ndp_ra_next(port), LLONG_MAX);

    /* The same RA as the multicast one, to the guest. */
    struct pkt_view v;
    assert_int_equal(pkt_parse(&v, e.ra.data, e.ra.size), PKT_OK);
    assert_true(eth_addr_equals(v.eth->eth_dst, vm_mac));
    struct in6_addr dst, lla_addr = ip6(VM_LLA);
    memcpy(&dst, &v.ip6->ip6_dst, sizeof dst);
    assert_true(ipv6_addr_equals(&dst, &lla_addr));
    assert_int_equal(e.ra.size, sizeof ra_vector);
    size_t msg_ofs = ETH_HEADER_LEN + IPV6_HEADER_LEN;
    assert_memory_equal((uint8_t *) e.ra.data + msg_ofs + 4,
                        ra_vector + msg_ofs + 4, sizeof ra_vector - msg_ofs
                        - 4);

    /* The delay is at most 500 ms whatever the random number. */
    ndp_port_init(port, vm_mac);
    assert_int_equal(rs_handle(&e, 0, UINT32_MAX), NDP_RS_SCHEDULED);
    assert_true(ndp_ra_next(port) <= NDP_MAX_RA_DELAY_TIME);

    /* An RS without SLLA, and one unicast to the router, are answered
     * too. */
    ofpbuf_uninit(&e.rs);
    make_rs(&e.rs, VM_LLA, false);
    ndp_port_init(port, vm_mac);
    assert_int_equal(rs_handle(&e, 0, 0), NDP_RS_SCHEDULED);
    ofpbuf_uninit(&e.rs);
    uint8_t body[4] = { 0 };
    make_icmp6(&e.rs, gw_mac, vm_mac, VM_LLA, ROUTER, ND_ROUTER_SOLICIT,
               body, sizeof body);
    ndp_port_init(port, vm_mac);
    assert_int_equal(rs_handle(&e, 0, 0), NDP_RS_SCHEDULED);

    rs_env_destroy(&e);
}

/* An RS from '::' (no address yet) gets its answer to all nodes, and
 * multicast RAs are never closer than MIN_DELAY_BETWEEN_RAS. */
static void
test_rs_multicast_answer(void **state)
{
    struct rs_env e;
    rs_env_init(&e, "::", false);
    struct ndp_router *r = e.r;
    struct ndp_port *port = &e.port;

    assert_int_equal(rs_handle(&e, 1000, 100), NDP_RS_SCHEDULED);
    assert_int_equal(ndp_ra_run(r, port, 1100, 0, &e.ra),
                     NDP_RA_SOLICITED_MULTICAST);
    assert_memory_equal(e.ra.data, ra_vector, sizeof ra_vector);

    /* RFC 4861 §6.2.6: within 3 s of the last multicast RA, the answer
     * waits for 3 s after it, plus the delay. */
    ofpbuf_clear(&e.ra);
    assert_int_equal(rs_handle(&e, 2000, 50), NDP_RS_SCHEDULED);
    assert_int_equal(ndp_ra_next(port), 1100 + 3000 + 50);
    assert_int_equal(ndp_ra_run(r, port, 4149, 0, &e.ra), NDP_RA_NONE);
    assert_int_equal(ndp_ra_run(r, port, 4150, 0, &e.ra),
                     NDP_RA_SOLICITED_MULTICAST);

    rs_env_destroy(&e);
}

/* A guest repeating its RS gets one RA per MIN_DELAY_BETWEEN_RAS: RSes
 * while an answer is pending fold into it, later ones wait. */
static void
test_rs_rate_limit(void **state)
{
    struct rs_env e;
    rs_env_init(&e, VM_LLA, true);
    struct ndp_router *r = e.r;
    struct ndp_port *port = &e.port;

    assert_int_equal(rs_handle(&e, 0, 200), NDP_RS_SCHEDULED);
    assert_int_equal(rs_handle(&e, 100, 0), NDP_RS_PENDING);
    assert_int_equal(ndp_ra_next(port), 200);
    assert_int_equal(ndp_ra_run(r, port, 200, 0, &e.ra),
                     NDP_RA_SOLICITED_UNICAST);

    assert_int_equal(rs_handle(&e, 1000, 10), NDP_RS_SCHEDULED);
    assert_int_equal(ndp_ra_next(port), 200 + 3000 + 10);
    /* After 3 s, no wait but the delay. */
    assert_int_equal(ndp_ra_run(r, port, 3210, 0, &e.ra),
                     NDP_RA_SOLICITED_UNICAST);
    assert_int_equal(rs_handle(&e, 6210, 10), NDP_RS_SCHEDULED);
    assert_int_equal(ndp_ra_next(port), 6220);

    /* Another source while pending: one multicast RA answers both. */
    struct ofpbuf rs2;
    make_rs(&rs2, "fe80::2", true);
    assert_int_equal(ndp_handle(r, port, 6211, 10, rs2.data, rs2.size,
                                &e.ra), NDP_RS_PENDING);
    ofpbuf_clear(&e.ra);
    assert_int_equal(ndp_ra_run(r, port, 6220, 0, &e.ra),
                     NDP_RA_SOLICITED_MULTICAST);
    assert_memory_equal(e.ra.data, ra_vector, sizeof ra_vector);

    ofpbuf_uninit(&rs2);
    rs_env_destroy(&e);
}

/* RFC 4861 §6.2.4: the first RA at once when the guest becomes active,
 * the next two at most 16 s apart, then every MinRtrAdvInterval to
 * MaxRtrAdvInterval, uniformly. */
static void
test_unsolicited_schedule(void **state)
{
    struct ndp_router *r = make_router();
    struct ndp_port port;
    make_port(&port);
    struct ofpbuf ra;
    ofpbuf_init(&ra, 0);

    assert_int_equal(ndp_ra_next(&port), LLONG_MAX);
    assert_int_equal(ndp_ra_run(r, &port, 5000, 0, &ra), NDP_RA_NONE);
    ndp_port_activate(&port, 5000);
    assert_int_equal(ndp_ra_next(&port), 5000);
    assert_int_equal(ndp_ra_run(r, &port, 5000, 0, &ra), NDP_RA_UNSOLICITED);
    assert_memory_equal(ra.data, ra_vector, sizeof ra_vector);

    /* random 0: MinRtrAdvInterval (200 s), capped at 16 s. */
    long long int t = 5000;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(ndp_ra_next(&port), t + 16000);
        t += 16000;
        assert_int_equal(ndp_ra_run(r, &port, t, 0, &ra),
                         NDP_RA_UNSOLICITED);
    }
    /* Then uncapped: 200 s + random % 400.001 s. */
    assert_int_equal(ndp_ra_next(&port), t + 200000);
    t += 200000;
    assert_int_equal(ndp_ra_run(r, &port, t, 400000, &ra),
                     NDP_RA_UNSOLICITED);
    assert_int_equal(ndp_ra_next(&port), t + 600000);
    t += 600000;
    assert_int_equal(ndp_ra_run(r, &port, t, 400001, &ra),
                     NDP_RA_UNSOLICITED);
    assert_int_equal(ndp_ra_next(&port), t + 200000);

    /* An RS answered by the next unsolicited RA: nothing else scheduled. */
    ndp_port_init(&port, vm_mac);
    ndp_port_activate(&port, 0);
    struct ofpbuf rs;
    make_rs(&rs, VM_LLA, true);
    assert_int_equal(ndp_handle(r, &port, 0, 100, rs.data, rs.size, &ra),
                     NDP_RS_PENDING);
    assert_int_equal(ndp_ra_run(r, &port, 0, 0, &ra), NDP_RA_UNSOLICITED);
    assert_int_equal(ndp_ra_next(&port), 16000);
    ofpbuf_uninit(&rs);

    /* A solicited multicast RA resets the interval timer. */
    make_rs(&rs, "::", false);
    assert_int_equal(ndp_handle(r, &port, 4000, 0, rs.data, rs.size, &ra),
                     NDP_RS_SCHEDULED);
    assert_int_equal(ndp_ra_run(r, &port, 4000, 0, &ra),
                     NDP_RA_SOLICITED_MULTICAST);
    assert_int_equal(ndp_ra_next(&port), 4000 + 16000);
    ofpbuf_uninit(&rs);

    ofpbuf_uninit(&ra);
    ndp_router_destroy(r);
}

/* A guest that leaves and comes back within 3 s (migrated back and forth):
 * its first RA waits for the multicast rate limit.  Deactivated, nothing
 * is sent, a pending answer included. */
static void
test_activate_deactivate(void **state)
{
    struct ndp_router *r = make_router();
    struct ndp_port port;
    make_port(&port);
    struct ofpbuf ra, rs;
    ofpbuf_init(&ra, 0);

    ndp_port_activate(&port, 1000);
    assert_int_equal(ndp_ra_run(r, &port, 1000, 0, &ra), NDP_RA_UNSOLICITED);
    ndp_port_activate(&port, 1500);   /* Already active: nothing changes. */
    assert_int_equal(ndp_ra_next(&port), 17000);

    make_rs(&rs, VM_LLA, true);
    assert_int_equal(ndp_handle(r, &port, 1600, 0, rs.data, rs.size, &ra),
                     NDP_RS_SCHEDULED);
    ndp_port_deactivate(&port);
    assert_int_equal(ndp_ra_next(&port), LLONG_MAX);
    assert_int_equal(ndp_ra_run(r, &port, 100000, 0, &ra), NDP_RA_NONE);

    ndp_port_activate(&port, 2000);
    assert_int_equal(ndp_ra_next(&port), 1000 + 3000);
    assert_int_equal(ndp_ra_run(r, &port, 3999, 0, &ra), NDP_RA_NONE);
    assert_int_equal(ndp_ra_run(r, &port, 4000, 0, &ra), NDP_RA_UNSOLICITED);

    ofpbuf_uninit(&rs);
    ofpbuf_uninit(&ra);
    ndp_router_destroy(r);
}

/* ------------------------------------------------------------ drops */

static void
test_drop_not_vm_port(void **state)
{
    struct ndp_router *r = make_router();
    struct ofpbuf ns, reply;
    make_ns_multicast(&ns);
    ofpbuf_init(&reply, 0);
    assert_int_equal(ndp_handle(r, NULL, 0, 0, ns.data, ns.size, &reply),
                     NDP_NOT_VM_PORT);
    assert_int_equal(reply.size, 0);
    ofpbuf_uninit(&reply);
    ofpbuf_uninit(&ns);
    ndp_router_destroy(r);
}

static void
test_drop_truncated(void **state)
{
    struct ofpbuf ns;
    make_ns_multicast(&ns);
    struct ofpbuf cut = ns;

    /* Up to the ICMPv6 header: truncated; past it, the payload length
     * runs past the end. */
    for (cut.size = 0; cut.size < ETH_HEADER_LEN + IPV6_HEADER_LEN;
         cut.size++) {
        assert_int_equal(verdict_of(&cut), NDP_TRUNCATED);
    }
    for (; cut.size < ns.size; cut.size++) {
        assert_int_equal(verdict_of(&cut), NDP_BAD_IPV6);
    }

    /* A payload length too short for the ICMPv6 header. */
    ip6_of(&ns)->ip6_plen = htons(2);
    assert_int_equal(verdict_of(&ns), NDP_TRUNCATED);
    ofpbuf_uninit(&ns);
}

static void
test_drop_vlan(void **state)
{
    struct ofpbuf ns;
    make_ns_multicast(&ns);
    struct eth_header *eth = ns.data;
    eth->eth_type = htons(ETH_TYPE_VLAN_8021Q);
    assert_int_equal(verdict_of(&ns), NDP_VLAN);
    ofpbuf_uninit(&ns);
}

static void
test_drop_not_ipv6(void **state)
{
    struct ofpbuf b;
    ofpbuf_init(&b, 64);
    pkt_put_eth(&b, eth_addr_broadcast, vm_mac, ETH_TYPE_ARP);
    pkt_put_arp(&b, ARP_OP_REQUEST, vm_mac, htonl(0x0a640005), eth_addr_zero,
                htonl(0xa9fe0101));
    assert_int_equal(verdict_of(&b), NDP_NOT_IPV6);
    ofpbuf_uninit(&b);

    ofpbuf_init(&b, 64);
    pkt_put_eth(&b, gw_mac, vm_mac, ETH_TYPE_IP);
    pkt_put_ipv4_udp(&b, htonl(0x0a640005), htonl(0xa9fe0101), 68, 67, "x",
                     1);
    assert_int_equal(verdict_of(&b), NDP_NOT_IPV6);
    ofpbuf_uninit(&b);
}

static void
test_drop_bad_ipv6(void **state)
{
    struct ofpbuf ns;
    make_ns_multicast(&ns);
    ((uint8_t *) ip6_of(&ns))[0] = 0x40;
    assert_int_equal(verdict_of(&ns), NDP_BAD_IPV6);
    ofpbuf_uninit(&ns);
}

static void
test_drop_not_icmp6(void **state)
{
    /* DHCPv6 is UDP. */
    struct ofpbuf b;
    struct in6_addr src = ip6(VM_LLA), dst = ip6("ff02::1:2");
    ofpbuf_init(&b, 128);
    pkt_put_eth(&b, (struct eth_addr) ETH_ADDR_C(33, 33, 00, 01, 00, 02),
                vm_mac, ETH_TYPE_IPV6);
    pkt_put_ipv6_udp(&b, &src, &dst, 546, 547, "\x01\x00\x00\x01", 4);
    assert_int_equal(verdict_of(&b), NDP_NOT_ICMP6);
    /* Even broken. */
    ((struct udp_header *) ofpbuf_at_assert(&b, ETH_HEADER_LEN
                                            + IPV6_HEADER_LEN,
                                            UDP_HEADER_LEN))->udp_csum ^= 1;
    assert_int_equal(verdict_of(&b), NDP_NOT_ICMP6);
    ofpbuf_uninit(&b);

    /* ND behind an extension header (hop-by-hop, as MLD uses) is not
     * followed. */
    struct ofpbuf ns;
    make_ns_multicast(&ns);
    ip6_of(&ns)->ip6_nxt = IPPROTO_HOPOPTS;
    assert_int_equal(verdict_of(&ns), NDP_NOT_ICMP6);
    ofpbuf_uninit(&ns);
}

static void
test_drop_bad_checksum(void **state)
{
    struct ofpbuf ns;
    make_ns_multicast(&ns);
    icmp6_of(&ns)[2] ^= 0x01;
    assert_int_equal(verdict_of(&ns), NDP_BAD_CHECKSUM);
    ofpbuf_uninit(&ns);

    /* The pseudo-header counts: the same message from another source. */
    make_ns_multicast(&ns);
    ip6_of(&ns)->ip6_src.be16[7] ^= htons(1);
    assert_int_equal(verdict_of(&ns), NDP_BAD_CHECKSUM);
    ofpbuf_uninit(&ns);
}

static void
test_drop_not_nd(void **state)
{
    struct ofpbuf b;
    make_icmp6(&b, gw_mac, vm_mac, VM_LLA, ROUTER, ICMP6_ECHO_REQUEST,
               "\0\1\0\1", 4);
    assert_int_equal(verdict_of(&b), NDP_NOT_ND);
    ofpbuf_uninit(&b);

    /* A redirect is not the router's either. */
    uint8_t body[36] = { 0 };
    make_icmp6(&b, gw_mac, vm_mac, VM_LLA, ROUTER, ND_REDIRECT, body,
               sizeof body);
    assert_int_equal(verdict_of(&b), NDP_NOT_ND);
    ofpbuf_uninit(&b);
}

/* RFC 6105: every RA from a guest is dropped, valid or not. */
static void
test_drop_ra_guard(void **state)
{
    struct ofpbuf ra;
    struct ndp_router *r = make_router_ra(&ra);
    struct eth_header *eth = ra.data;
    eth->eth_src = vm_mac;
    assert_int_equal(verdict_of(&ra), NDP_RA_GUARD);
    ofpbuf_uninit(&ra);

    uint8_t body[4] = { 0 };
    make_icmp6(&ra, mcast_mac, vm_mac, VM_LLA, "ff02::1", ND_ROUTER_ADVERT,
               body, sizeof body);
    ip6_of(&ra)->ip6_hlim = 64;
    assert_int_equal(verdict_of(&ra), NDP_RA_GUARD);
    ofpbuf_uninit(&ra);
    ndp_router_destroy(r);
}

static void
test_drop_short_message(void **state)
{
    uint8_t body[20] = { 0 };
    struct ofpbuf b;
    make_icmp6(&b, gw_mac, vm_mac, VM_LLA, ROUTER, ND_NEIGHBOR_SOLICIT, body,
               16);
    assert_int_equal(verdict_of(&b), NDP_SHORT_MESSAGE);
    ofpbuf_uninit(&b);
    make_icmp6(&b, gw_mac, vm_mac, VM_LLA, ROUTER, ND_NEIGHBOR_ADVERT, body,
               19);
    assert_int_equal(verdict_of(&b), NDP_SHORT_MESSAGE);
    ofpbuf_uninit(&b);
    make_icmp6(&b, gw_mac, vm_mac, VM_LLA, "ff02::2", ND_ROUTER_SOLICIT,
               body, 3);
    assert_int_equal(verdict_of(&b), NDP_SHORT_MESSAGE);
    ofpbuf_uninit(&b);
}

static void
test_drop_multicast_target(void **state)
{
    struct ofpbuf ns;
    make_ns(&ns, gw_mac, VM_LLA, ROUTER, "ff02::1", true);
    assert_int_equal(verdict_of(&ns), NDP_MCAST_TARGET);
    ofpbuf_uninit(&ns);
}

/* Duplicate address detection (source ::) is never answered, for the
 * guest's own address or for a gateway's, and passes on to OVS. */
static void
test_drop_dad(void **state)
{
    struct ofpbuf ns;
    make_ns(&ns, (struct eth_addr) ETH_ADDR_C(33, 33, ff, 00, 00, 05), "::",
            "ff02::1:ff00:5", VM_IP, false);
    assert_int_equal(verdict_of(&ns), NDP_DAD);
    ofpbuf_uninit(&ns);

    make_ns(&ns, (struct eth_addr) ETH_ADDR_C(33, 33, ff, 00, 00, 01), "::",
            "ff02::1:ff00:1", ROUTER, false);
    assert_int_equal(verdict_of(&ns), NDP_DAD);
    ofpbuf_uninit(&ns);

    /* Invalid DAD (with an SLLA, RFC 4861 §7.1.1): still DAD. */
    make_ns(&ns, (struct eth_addr) ETH_ADDR_C(33, 33, ff, 00, 00, 01), "::",
            "ff02::1:ff00:1", ROUTER, true);
    assert_int_equal(verdict_of(&ns), NDP_DAD);
    ofpbuf_uninit(&ns);
    assert_false(ndp_verdict_consumes(NDP_DAD));
}

static void
test_drop_not_gateway(void **state)
{
    /* Another guest's address, and the guest's own. */
    struct ofpbuf ns;
    make_ns(&ns, (struct eth_addr) ETH_ADDR_C(33, 33, ff, 00, 00, 09),
            VM_LLA, "ff02::1:ff00:9", "fd00:10:100::9", true);
    assert_int_equal(verdict_of(&ns), NDP_NOT_GATEWAY);
    ofpbuf_uninit(&ns);
    make_ns(&ns, (struct eth_addr) ETH_ADDR_C(33, 33, ff, 00, 00, 05),
            VM_LLA, "ff02::1:ff00:5", VM_IP, true);
    assert_int_equal(verdict_of(&ns), NDP_NOT_GATEWAY);
    ofpbuf_uninit(&ns);

    /* The guest's NA for its own address passes on. */
    uint8_t opt[8], body[64];
    lla(opt, ND_OPT_TARGET_LINKADDR, vm_mac);
    size_t len = nd_body(body, ND_RSO_OVERRIDE, VM_IP, opt, sizeof opt);
    make_icmp6(&ns, mcast_mac, vm_mac, VM_IP, "ff02::1", ND_NEIGHBOR_ADVERT,
               body, len);
    assert_int_equal(verdict_of(&ns), NDP_NOT_GATEWAY);
    assert_false(ndp_verdict_consumes(NDP_NOT_GATEWAY));
    ofpbuf_uninit(&ns);
}

/* A guest claiming a gateway's address in an NA: consumed, so that no
 * other guest learns its MAC for the router. */
static void
test_drop_na_for_gateway(void **state)
{
    uint8_t opt[8], body[64];
    lla(opt, ND_OPT_TARGET_LINKADDR, vm_mac);
    size_t len = nd_body(body, ND_RSO_OVERRIDE, ROUTER, opt, sizeof opt);
    struct ofpbuf na;
    make_icmp6(&na, mcast_mac, vm_mac, VM_LLA, "ff02::1", ND_NEIGHBOR_ADVERT,
               body, len);
    assert_int_equal(verdict_of(&na), NDP_NA_FOR_GATEWAY);
    assert_true(ndp_verdict_consumes(NDP_NA_FOR_GATEWAY));
    ofpbuf_uninit(&na);
}

static void
test_drop_sender_mac(void **state)
{
    struct ofpbuf ns;
    make_ns_multicast(&ns);
    struct eth_header *eth = ns.data;
    eth->eth_src = mcast_mac;
    assert_int_equal(verdict_of(&ns), NDP_MCAST_SOURCE_MAC);
    eth->eth_src = other_mac;
    assert_int_equal(verdict_of(&ns), NDP_FOREIGN_MAC);
    ofpbuf_uninit(&ns);

    /* An RS from another MAC is consumed all the same. */
    struct ofpbuf rs;
    make_rs(&rs, VM_LLA, false);
    eth = rs.data;
    eth->eth_src = other_mac;
    assert_int_equal(verdict_of(&rs), NDP_FOREIGN_MAC);
    assert_true(ndp_verdict_consumes(NDP_FOREIGN_MAC));
    ofpbuf_uninit(&rs);
}

/* RFC 4861 §7.1.1: a hop limit other than 255 means the NS crossed a
 * router.  The checksum does not cover it. */
static void
test_drop_bad_hop_limit(void **state)
{
    static const uint8_t hops[] = { 0, 1, 64, 254 };
    for (size_t i = 0; i < ARRAY_SIZE(hops); i++) {
        struct ofpbuf ns, rs;
        make_ns_multicast(&ns);
        ip6_of(&ns)->ip6_hlim = hops[i];
        assert_int_equal(verdict_of(&ns), NDP_BAD_HOP_LIMIT);
        make_rs(&rs, VM_LLA, true);
        ip6_of(&rs)->ip6_hlim = hops[i];
        assert_int_equal(verdict_of(&rs), NDP_BAD_HOP_LIMIT);
        ofpbuf_uninit(&rs);
        ofpbuf_uninit(&ns);
    }
}

static void
test_drop_bad_code(void **state)
{
    struct ofpbuf ns;
    make_ns_multicast(&ns);
    icmp6_of(&ns)[1] = 1;
    fix_checksum(&ns);
    assert_int_equal(verdict_of(&ns), NDP_BAD_CODE);
    ofpbuf_uninit(&ns);
}

/* An NS for fe80::1 with the options 'opts'. */
static enum ndp_verdict
ns_with_options(const void *opts, size_t len)
{
    uint8_t body[128];
    size_t body_len = nd_body(body, 0, ROUTER, opts, len);
    struct ofpbuf ns;
    make_icmp6(&ns, (struct eth_addr) ETH_ADDR_C(33, 33, ff, 00, 00, 01),
               vm_mac, VM_LLA, "ff02::1:ff00:1", ND_NEIGHBOR_SOLICIT, body,
               body_len);
    enum ndp_verdict verdict = verdict_of(&ns);
    ofpbuf_uninit(&ns);
    return verdict;
}

static void
test_drop_bad_options(void **state)
{
    uint8_t opts[24];

    /* Length 0 would loop forever (RFC 4861 §4.6: MUST be discarded). */
    lla(opts, ND_OPT_SOURCE_LINKADDR, vm_mac);
    opts[1] = 0;
    assert_int_equal(ns_with_options(opts, 8), NDP_OPTION_LEN_ZERO);
    memset(opts, 0, sizeof opts);
    opts[0] = 14;
    assert_int_equal(ns_with_options(opts, 8), NDP_OPTION_LEN_ZERO);

    /* Running past the message, or a lone byte. */
    lla(opts, ND_OPT_SOURCE_LINKADDR, vm_mac);
    opts[1] = 2;
    assert_int_equal(ns_with_options(opts, 8), NDP_OPTION_TRUNCATED);
    lla(opts, ND_OPT_SOURCE_LINKADDR, vm_mac);
    assert_int_equal(ns_with_options(opts, 9), NDP_OPTION_TRUNCATED);
    assert_int_equal(ns_with_options(opts, 7), NDP_OPTION_TRUNCATED);
    assert_int_equal(ns_with_options(opts, 1), NDP_OPTION_TRUNCATED);

    /* An SLLA of 16 bytes is not Ethernet's. */
    memset(opts, 0, sizeof opts);
    lla(opts, ND_OPT_SOURCE_LINKADDR, vm_mac);
    opts[1] = 2;
    assert_int_equal(ns_with_options(opts, 16), NDP_BAD_LLA_OPTION);

    /* An SLLA that is not the guest's, first or second. */
    lla(opts, ND_OPT_SOURCE_LINKADDR, other_mac);
    assert_int_equal(ns_with_options(opts, 8), NDP_FOREIGN_LLA);
    lla(opts, ND_OPT_SOURCE_LINKADDR, vm_mac);
    lla(opts + 8, ND_OPT_SOURCE_LINKADDR, other_mac);
    assert_int_equal(ns_with_options(opts, 16), NDP_FOREIGN_LLA);
}

/* RFC 4861 §6.1.1: an RS from '::' must not carry an SLLA. */
static void
test_drop_lla_from_unspecified(void **state)
{
    struct ofpbuf rs;
    make_rs(&rs, "::", true);
    assert_int_equal(verdict_of(&rs), NDP_LLA_FROM_UNSPECIFIED);
    ofpbuf_uninit(&rs);
}

static void
test_drop_sources(void **state)
{
    struct ofpbuf ns;
    make_ns(&ns, gw_mac, "ff02::1", ROUTER, ROUTER, false);
    assert_int_equal(verdict_of(&ns), NDP_MCAST_SOURCE);
    ofpbuf_uninit(&ns);

    /* The guest using the router's address as its own. */
    make_ns(&ns, gw_mac, ROUTER, SUBNET_GW, SUBNET_GW, false);
    assert_int_equal(verdict_of(&ns), NDP_GATEWAY_SOURCE);
    ofpbuf_uninit(&ns);

    /* A global source that is not the guest's. */
    make_ns(&ns, gw_mac, "fd00:10:100::9", ROUTER, ROUTER, false);
    assert_int_equal(verdict_of(&ns), NDP_FOREIGN_SOURCE);
    ofpbuf_uninit(&ns);

    /* Any link-local source is the guest's (RFC 7217 addresses). */
    make_ns(&ns, gw_mac, "fe80::32d2:10d4:f5ed:3064", ROUTER, ROUTER, false);
    assert_int_equal(verdict_of(&ns), NDP_REPLY);
    ofpbuf_uninit(&ns);
}

static void
test_drop_wrong_destination(void **state)
{
    struct ofpbuf b;

    /* An NS to all nodes, or to another solicited-node group. */
    make_ns(&b, mcast_mac, VM_LLA, "ff02::1", ROUTER, true);
    assert_int_equal(verdict_of(&b), NDP_WRONG_DST);
    ofpbuf_uninit(&b);
    make_ns(&b, (struct eth_addr) ETH_ADDR_C(33, 33, ff, 00, 00, 02), VM_LLA,
            "ff02::1:ff00:2", ROUTER, true);
    assert_int_equal(verdict_of(&b), NDP_WRONG_DST);
    ofpbuf_uninit(&b);
    /* A NUD probe for one gateway sent to the other. */
    make_ns(&b, gw_mac, VM_LLA, ROUTER, SUBNET_GW, false);
    assert_int_equal(verdict_of(&b), NDP_WRONG_DST);
    ofpbuf_uninit(&b);

    /* An RS to all nodes. */
    uint8_t body[4] = { 0 };
    make_icmp6(&b, mcast_mac, vm_mac, VM_LLA, "ff02::1", ND_ROUTER_SOLICIT,
               body, sizeof body);
    assert_int_equal(verdict_of(&b), NDP_WRONG_DST);
    ofpbuf_uninit(&b);

    /* The right group, the wrong MAC; a NUD probe to another MAC. */
    make_ns(&b, mcast_mac, VM_LLA, "ff02::1:ff00:1", ROUTER, true);
    assert_int_equal(verdict_of(&b), NDP_WRONG_DST_MAC);
    ofpbuf_uninit(&b);
    make_ns(&b, other_mac, VM_LLA, ROUTER, ROUTER, false);
    assert_int_equal(verdict_of(&b), NDP_WRONG_DST_MAC);
    ofpbuf_uninit(&b);
    make_icmp6(&b, gw_mac, vm_mac, VM_LLA, "ff02::2", ND_ROUTER_SOLICIT,
               body, sizeof body);
    assert_int_equal(verdict_of(&b), NDP_WRONG_DST_MAC);
    ofpbuf_uninit(&b);
}

/* ------------------------------------------------------------ the rest */

static void
test_verdict_names(void **state)
{
    for (int i = 0; i < NDP_N_VERDICTS; i++) {
        const char *name = ndp_verdict_name(i);
        assert_string_not_equal(name, "unknown");
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(name, ndp_verdict_name(j));
        }
    }
    assert_string_equal(ndp_verdict_name(NDP_N_VERDICTS), "unknown");
    assert_string_equal(ndp_verdict_name(NDP_DAD), "dad");
    assert_false(ndp_verdict_consumes(NDP_N_VERDICTS));

    /* What OVS must never see, and what it must. */
    static const enum ndp_verdict consumed[] = {
        NDP_REPLY, NDP_RS_SCHEDULED, NDP_RS_PENDING, NDP_RA_GUARD,
        NDP_BAD_HOP_LIMIT, NDP_WRONG_DST_MAC,
    };
    static const enum ndp_verdict passed[] = {
        NDP_NOT_VM_PORT, NDP_NOT_IPV6, NDP_NOT_ICMP6, NDP_BAD_CHECKSUM,
        NDP_NOT_ND, NDP_DAD, NDP_NOT_GATEWAY, NDP_MCAST_TARGET,
    };
    for (size_t i = 0; i < ARRAY_SIZE(consumed); i++) {
        assert_true(ndp_verdict_consumes(consumed[i]));
    }
    for (size_t i = 0; i < ARRAY_SIZE(passed); i++) {
        assert_false(ndp_verdict_consumes(passed[i]));
    }
}

static void
test_counters(void **state)
{
    struct ndp_counters a = { { 0 } }, b = { { 0 } };
    ndp_count(&a, NDP_REPLY);
    ndp_count(&a, NDP_DAD);
    ndp_count(&a, NDP_N_VERDICTS);      /* Ignored. */
    ndp_count(&b, NDP_DAD);
    ndp_counters_add(&a, &b);
    assert_int_equal(a.n[NDP_REPLY], 1);
    assert_int_equal(a.n[NDP_DAD], 2);
}

/* Each bad configuration, by the field that breaks it. */
static void
test_config_check(void **state)
{
    struct ndp_config cfg;
    struct ndp_router *r;
    const char *error;

    ndp_config_init(&cfg);
    assert_int_equal(ndp_router_create(&cfg, &r, &error), 0);
    ndp_router_destroy(r);
    ndp_router_destroy(NULL);

#define BAD(STMT)                                                       \
    do {                                                                \
        make_config(&cfg);                                              \
        STMT;                                                           \
        error = NULL;                                                   \
        assert_int_equal(ndp_router_create(&cfg, &r, &error), -EINVAL); \
        assert_null(r);                                                 \
        assert_non_null(error);                                         \
    } while (0)
    BAD(cfg.mac = mcast_mac);
    BAD(cfg.mac = eth_addr_zero);
    BAD(cfg.n_gateways = 0);
    BAD(cfg.n_gateways = NDP_MAX_GATEWAYS + 1);
    BAD(cfg.gateways[0] = ip6(SUBNET_GW));
    BAD(cfg.gateways[1] = ip6("ff02::1"));
    BAD(cfg.gateways[1] = in6addr_any);
    BAD(cfg.max_interval = 3);
    BAD(cfg.max_interval = 1801);
    BAD(cfg.min_interval = 2);
    BAD(cfg.min_interval = 451);
    BAD(cfg.router_lifetime = 599);
    BAD(cfg.reachable_time = 3600001);
    BAD(cfg.mtu = 1279);
    BAD(cfg.n_dns = NDP_MAX_DNS + 1);
    BAD(cfg.dns[0] = ip6("::1"));
    BAD(cfg.search[1] = "a..b");
    /* Eight names of three 63-byte labels: more than 1280 bytes. */
    BAD({
        static const char *const long_name =
            "a12345678901234567890123456789012345678901234567890123456789012."
            "b12345678901234567890123456789012345678901234567890123456789012."
            "c12345678901234567890123456789012345678901234567890123456789012";
        for (cfg.n_search = 0; cfg.n_search < NDP_MAX_SEARCH;
             cfg.n_search++) {
            cfg.search[cfg.n_search] = long_name;
        }
    });
#undef BAD

    /* The edges that are fine. */
    make_config(&cfg);
    cfg.router_lifetime = 0;
    cfg.min_interval = 450;
    cfg.max_interval = 600;
    cfg.mtu = 1280;
    assert_int_equal(ndp_router_create(&cfg, &r, NULL), 0);
    ndp_router_destroy(r);
}

static void
test_port_check(void **state)
{
    struct ndp_router *r = make_router();
    struct ndp_port port;
    make_port(&port);
    assert_int_equal(ndp_port_check(r, &port), 0);
    port.vm_mac = mcast_mac;
    assert_int_equal(ndp_port_check(r, &port), -EINVAL);
    make_port(&port);
    port.n_vm_ips = NDP_MAX_VM_IPS + 1;
    assert_int_equal(ndp_port_check(r, &port), -EINVAL);
    make_port(&port);
    port.vm_ips[0] = ip6(SUBNET_GW);
    assert_int_equal(ndp_port_check(r, &port), -EINVAL);
    make_port(&port);
    port.vm_ips[0] = ip6("ff02::1");
    assert_int_equal(ndp_port_check(r, &port), -EINVAL);
    ndp_router_destroy(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_na_vector),
        cmocka_unit_test(test_na_nud_unicast),
        cmocka_unit_test(test_na_global_gateway),
        cmocka_unit_test(test_na_unknown_option_and_padding),
        cmocka_unit_test(test_ra_vector),
        cmocka_unit_test(test_ra_minimal),
        cmocka_unit_test(test_rs_unicast_answer),
        cmocka_unit_test(test_rs_multicast_answer),
        cmocka_unit_test(test_rs_rate_limit),
        cmocka_unit_test(test_unsolicited_schedule),
        cmocka_unit_test(test_activate_deactivate),
        cmocka_unit_test(test_drop_not_vm_port),
        cmocka_unit_test(test_drop_truncated),
        cmocka_unit_test(test_drop_vlan),
        cmocka_unit_test(test_drop_not_ipv6),
        cmocka_unit_test(test_drop_bad_ipv6),
        cmocka_unit_test(test_drop_not_icmp6),
        cmocka_unit_test(test_drop_bad_checksum),
        cmocka_unit_test(test_drop_not_nd),
        cmocka_unit_test(test_drop_ra_guard),
        cmocka_unit_test(test_drop_short_message),
        cmocka_unit_test(test_drop_multicast_target),
        cmocka_unit_test(test_drop_dad),
        cmocka_unit_test(test_drop_not_gateway),
        cmocka_unit_test(test_drop_na_for_gateway),
        cmocka_unit_test(test_drop_sender_mac),
        cmocka_unit_test(test_drop_bad_hop_limit),
        cmocka_unit_test(test_drop_bad_code),
        cmocka_unit_test(test_drop_bad_options),
        cmocka_unit_test(test_drop_lla_from_unspecified),
        cmocka_unit_test(test_drop_sources),
        cmocka_unit_test(test_drop_wrong_destination),
        cmocka_unit_test(test_verdict_names),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_config_check),
        cmocka_unit_test(test_port_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
