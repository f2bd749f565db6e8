/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for lib/packet: known-answer vectors (computed by an
 * independent implementation, or taken from RFC 1071), builders checked
 * byte for byte, and every rejection reason. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "csum.h"
#include "lib/packet.h"

static const struct eth_addr vm_mac = ETH_ADDR_C(52, 54, 00, 12, 34, 56);
static const struct eth_addr gw_mac = ETH_ADDR_C(0a, 58, a9, fe, 01, 01);

/* 169.254.1.1:67 -> 10.100.0.5:68, payload "ovnmig-dhcp". */
static const uint8_t udp4_frame[] = {
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x0a, 0x58, 0xa9, 0xfe, 0x01, 0x01,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x27, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11,
    0xc5, 0x5e, 0xa9, 0xfe, 0x01, 0x01, 0x0a, 0x64, 0x00, 0x05, 0x00, 0x43,
    0x00, 0x44, 0x00, 0x13, 0xfc, 0xc5, 0x6f, 0x76, 0x6e, 0x6d, 0x69, 0x67,
    0x2d, 0x64, 0x68, 0x63, 0x70,
};

/* Neighbor solicitation for fe80::1 from fe80::5054:ff:fe12:3456. */
static const uint8_t ns6_frame[] = {
    0x33, 0x33, 0xff, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
    0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfe, 0x80,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x50, 0x54, 0x00, 0xff, 0xfe, 0x12,
    0x34, 0x56, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0xff, 0x00, 0x00, 0x01, 0x87, 0x00, 0x72, 0x22, 0x00, 0x00,
    0x00, 0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0x52, 0x54, 0x00, 0x12,
    0x34, 0x56,
};

static void
test_rfc1071_checksum(void **state)
{
    /* RFC 1071 §3: the example's one's complement sum is 0xddf2. */
    static const uint8_t words[] = {
        0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7,
    };
    assert_int_equal(ntohs(csum(words, sizeof words)), 0xffff - 0xddf2);
}

static void
test_parse_udp4(void **state)
{
    struct pkt_view v;
    assert_int_equal(pkt_parse(&v, udp4_frame, sizeof udp4_frame), PKT_OK);
    assert_int_equal(v.eth_type, ETH_TYPE_IP);
    assert_non_null(v.ip);
    assert_non_null(v.udp);
    assert_int_equal(ntohs(v.udp->udp_dst), 68);
    assert_int_equal(v.l4_size, 11);
    assert_memory_equal(v.l4_data, "ovnmig-dhcp", 11);
    assert_null(v.arp);
    assert_null(v.ip6);
}

static void
test_build_udp4_matches_vector(void **state)
{
    struct ofpbuf b;
    ofpbuf_init(&b, 0);
    pkt_put_eth(&b, vm_mac, gw_mac, ETH_TYPE_IP);
    pkt_put_ipv4_udp(&b, htonl(0xa9fe0101), htonl(0x0a640005), 67, 68,
                     "ovnmig-dhcp", 11);
    assert_int_equal(b.size, sizeof udp4_frame);
    assert_memory_equal(b.data, udp4_frame, sizeof udp4_frame);
    ofpbuf_uninit(&b);
}

static void
test_parse_ns6(void **state)
{
    struct pkt_view v;
    assert_int_equal(pkt_parse(&v, ns6_frame, sizeof ns6_frame), PKT_OK);
    assert_non_null(v.ip6);
    assert_non_null(v.icmp6);
    assert_int_equal(v.icmp6->icmp6_type, 135);
    assert_int_equal(v.l4_size, 28);
}

static void
test_build_icmp6_matches_vector(void **state)
{
    struct pkt_view v;
    assert_int_equal(pkt_parse(&v, ns6_frame, sizeof ns6_frame), PKT_OK);

    struct ofpbuf b;
    ofpbuf_init(&b, 0);
    pkt_put_eth(&b, v.eth->eth_dst, v.eth->eth_src, ETH_TYPE_IPV6);
    struct in6_addr src, dst;
    memcpy(&src, &v.ip6->ip6_src, sizeof src);
    memcpy(&dst, &v.ip6->ip6_dst, sizeof dst);
    uint8_t icmp[32];
    memcpy(icmp, v.icmp6, sizeof icmp);
    memset(icmp + 2, 0xaa, 2);          /* Must be recomputed. */
    pkt_put_ipv6_icmp6(&b, &src, &dst, icmp, sizeof icmp);
    assert_memory_equal(b.data, ns6_frame, sizeof ns6_frame);
    ofpbuf_uninit(&b);
}

static void
test_udp6_round_trip(void **state)
{
    struct in6_addr src = IN6ADDR_LOOPBACK_INIT, dst = IN6ADDR_LOOPBACK_INIT;
    struct ofpbuf b;
    struct pkt_view v;

    ofpbuf_init(&b, 0);
    pkt_put_eth(&b, vm_mac, gw_mac, ETH_TYPE_IPV6);
    pkt_put_ipv6_udp(&b, &src, &dst, 547, 546, "reply", 5);
    assert_int_equal(pkt_parse(&v, b.data, b.size), PKT_OK);
    assert_non_null(v.udp);
    assert_int_equal(v.l4_size, 5);

    /* A zero checksum is never valid over IPv6. */
    struct udp_header *udp = CONST_CAST(struct udp_header *, v.udp);
    udp->udp_csum = 0;
    assert_int_equal(pkt_parse(&v, b.data, b.size), PKT_ERR_BAD_UDP_CSUM);
    ofpbuf_uninit(&b);
}

static void
test_arp(void **state)
{
    struct ofpbuf b;
    struct pkt_view v;

    ofpbuf_init(&b, 0);
    pkt_put_eth(&b, eth_addr_broadcast, vm_mac, ETH_TYPE_ARP);
    pkt_put_arp(&b, ARP_OP_REQUEST, vm_mac, htonl(0x0a640005),
                eth_addr_zero, htonl(0xa9fe0101));
    assert_int_equal(b.size, ETH_HEADER_LEN + ARP_ETH_HEADER_LEN);
    assert_int_equal(pkt_parse(&v, b.data, b.size), PKT_OK);
    assert_non_null(v.arp);
    assert_int_equal(ntohs(v.arp->ar_op), ARP_OP_REQUEST);
    assert_int_equal(ntohl(get_16aligned_be32(&v.arp->ar_tpa)), 0xa9fe0101);
    assert_true(eth_addr_equals(v.arp->ar_sha, vm_mac));

    assert_int_equal(pkt_parse(&v, b.data, b.size - 1), PKT_ERR_TRUNC_ARP);
    ofpbuf_uninit(&b);
}

/* Copies udp4_frame, lets 'mutate' damage it and returns the verdict. */
static enum pkt_error
parse_mutated(void (*mutate)(uint8_t *, size_t *))
{
    uint8_t frame[sizeof udp4_frame];
    size_t size = sizeof frame;
    struct pkt_view v;

    memcpy(frame, udp4_frame, sizeof frame);
    mutate(frame, &size);
    return pkt_parse(&v, frame, size);
}

static void cut_eth(uint8_t *f, size_t *n) { *n = 13; }
static void vlan(uint8_t *f, size_t *n) { f[12] = 0x81; f[13] = 0x00; }
static void cut_ip(uint8_t *f, size_t *n) { *n = 14 + 19; }
static void bad_version(uint8_t *f, size_t *n) { f[14] = 0x65; }
static void bad_ihl(uint8_t *f, size_t *n) { f[14] = 0x44; }
static void long_ihl(uint8_t *f, size_t *n) { f[14] = 0x4f; *n = 14 + 40; }
static void tot_len_long(uint8_t *f, size_t *n) { f[17] = 0xff; }
static void ip_csum(uint8_t *f, size_t *n) { f[24] ^= 1; }
static void
fragment(uint8_t *f, size_t *n)
{
    /* More-fragments set; fix the header checksum so only that differs. */
    f[20] = 0x20;
    f[24] = 0;
    f[25] = 0;
    ovs_be16 sum = csum(f + 14, 20);
    memcpy(f + 24, &sum, 2);
}
static void
udp_len_long(uint8_t *f, size_t *n)
{
    f[38] = 0;
    f[39] = 0x14;
}
static void udp_len_short(uint8_t *f, size_t *n) { f[38] = 0; f[39] = 7; }
static void udp_csum(uint8_t *f, size_t *n) { f[45] ^= 0x20; }
static void no_udp_csum(uint8_t *f, size_t *n) { f[40] = f[41] = 0; }
static void
padded(uint8_t *f, size_t *n)
{
    /* Ethernet padding after the datagram is fine. */
    *n = sizeof udp4_frame;
}

static void
test_rejects(void **state)
{
    assert_int_equal(parse_mutated(cut_eth), PKT_ERR_TRUNC_ETH);
    assert_int_equal(parse_mutated(vlan), PKT_ERR_VLAN);
    assert_int_equal(parse_mutated(cut_ip), PKT_ERR_TRUNC_IP);
    assert_int_equal(parse_mutated(bad_version), PKT_ERR_BAD_IP_VERSION);
    assert_int_equal(parse_mutated(bad_ihl), PKT_ERR_BAD_IP_IHL);
    assert_int_equal(parse_mutated(long_ihl), PKT_ERR_BAD_IP_IHL);
    assert_int_equal(parse_mutated(tot_len_long), PKT_ERR_BAD_IP_LEN);
    assert_int_equal(parse_mutated(ip_csum), PKT_ERR_BAD_IP_CSUM);
    assert_int_equal(parse_mutated(fragment), PKT_ERR_IP_FRAGMENT);
    assert_int_equal(parse_mutated(udp_len_long), PKT_ERR_BAD_UDP_LEN);
    assert_int_equal(parse_mutated(udp_len_short), PKT_ERR_BAD_UDP_LEN);
    assert_int_equal(parse_mutated(udp_csum), PKT_ERR_BAD_UDP_CSUM);
    assert_int_equal(parse_mutated(no_udp_csum), PKT_OK);
    assert_int_equal(parse_mutated(padded), PKT_OK);
}

static void
test_rejects_ipv6(void **state)
{
    uint8_t f[sizeof ns6_frame];
    struct pkt_view v;

    memcpy(f, ns6_frame, sizeof f);
    assert_int_equal(pkt_parse(&v, f, 14 + 39), PKT_ERR_TRUNC_IP6);
    f[14] = 0x40;
    assert_int_equal(pkt_parse(&v, f, sizeof f), PKT_ERR_BAD_IP6_VERSION);
    f[14] = 0x60;
    f[19] = 0x21;                       /* One byte past the frame. */
    assert_int_equal(pkt_parse(&v, f, sizeof f), PKT_ERR_BAD_IP6_LEN);
    f[19] = 0x03;
    assert_int_equal(pkt_parse(&v, f, sizeof f), PKT_ERR_TRUNC_ICMP6);
    f[19] = 0x20;
    f[57] ^= 1;
    assert_int_equal(pkt_parse(&v, f, sizeof f), PKT_ERR_BAD_ICMP6_CSUM);
}

static void
test_every_error_has_a_name(void **state)
{
    for (int e = PKT_OK + 1; e < PKT_N_ERRORS; e++) {
        const char *name = pkt_error_name(e);
        assert_string_not_equal(name, "unknown");
        for (int o = e + 1; o < PKT_N_ERRORS; o++) {
            assert_string_not_equal(name, pkt_error_name(o));
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc1071_checksum),
        cmocka_unit_test(test_parse_udp4),
        cmocka_unit_test(test_build_udp4_matches_vector),
        cmocka_unit_test(test_parse_ns6),
        cmocka_unit_test(test_build_icmp6_matches_vector),
        cmocka_unit_test(test_udp6_round_trip),
        cmocka_unit_test(test_arp),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_rejects_ipv6),
        cmocka_unit_test(test_every_error_has_a_name),
    };
    return cmocka_run_group_tests_name("packet", tests, NULL, NULL);
}
