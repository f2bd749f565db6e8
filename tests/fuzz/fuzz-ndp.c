/* SPDX-License-Identifier: Apache-2.0
 *
 * fuzz-ndp.c -- libFuzzer target over the IPv6 router's core: RS, RA, NS
 * and NA frames from a VM port (MAC 52:54:00:12:34:56, fd00:10:100::5),
 * served by fe80::1 and fd00:10:100::1 with G 0a:58:a9:fe:01:01.
 *
 * Input: one byte of flags, then an Ethernet frame.  Unless FLAG_KEEP_CSUM
 * is set, the target rewrites the ICMPv6 checksum of an IPv6 frame so that
 * the fuzzer gets past it; the other flags pick the router and the port.
 * Each frame is handled twice (the second time seeing the RA schedule the
 * first left), and then every RA the schedule holds is sent.
 *
 * Besides ASan/UBSan: every verdict is a named one, a reply is only ever
 * an NA from G to the guest with R, S and O set, nothing is written on a
 * drop, an RA is sent whenever ndp_ra_next() says one is due, and every
 * frame sent parses back with a valid checksum.  The seed corpus
 * (tests/fuzz/corpus/ndp/) is written by tests/fuzz/ndp-corpus.py. */
#include <config.h>
#include <limits.h>
#include <netinet/icmp6.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arpproxy/nd-router.h"
#include "lib/packet.h"
#include "util.h"

enum {
    FLAG_KEEP_CSUM = 1 << 0,    /* Leave the ICMPv6 checksum alone. */
    FLAG_ACTIVE = 1 << 1,       /* The port sends unsolicited RAs. */
    FLAG_NO_VM_IPS = 1 << 2,    /* The guest has no global address. */
    FLAG_ONE_GATEWAY = 1 << 3,  /* The router answers fe80::1 only. */
};

static const struct eth_addr vm_mac = ETH_ADDR_C(52, 54, 00, 12, 34, 56);
static const struct eth_addr gw_mac = ETH_ADDR_C(0a, 58, a9, fe, 01, 01);

static struct ndp_router *
make_router(bool one_gateway)
{
    struct ndp_config cfg;
    ndp_config_init(&cfg);
    if (!one_gateway) {
        ipv6_parse("fd00:10:100::1", &cfg.gateways[cfg.n_gateways++]);
    }
    cfg.mtu = 1400;
    ipv6_parse("fd00:10:96::a", &cfg.dns[cfg.n_dns++]);
    cfg.search[cfg.n_search++] = "cluster.local";
    struct ndp_router *r;
    if (ndp_router_create(&cfg, &r, NULL)) {
        abort();
    }
    return r;
}

/* Rewrites the ICMPv6 checksum of the IPv6 frame in 'frame', if it is one
 * whose payload length fits. */
static void
fix_checksum(uint8_t *frame, size_t size)
{
    size_t l4 = ETH_HEADER_LEN + IPV6_HEADER_LEN;
    if (size < l4 + ICMP6_HEADER_LEN
        || frame[12] != 0x86 || frame[13] != 0xdd
        || frame[ETH_HEADER_LEN + 6] != IPPROTO_ICMPV6) {
        return;
    }
    struct ovs_16aligned_ip6_hdr *ip6 = (void *) &frame[ETH_HEADER_LEN];
    size_t plen = ntohs(ip6->ip6_ctlun.ip6_un1.ip6_un1_plen);
    if (plen < ICMP6_HEADER_LEN || plen > size - l4) {
        return;
    }
    struct icmp6_header *icmp = (void *) &frame[l4];
    icmp->icmp6_cksum = 0;
    icmp->icmp6_cksum = packet_csum_upperlayer6(ip6, icmp, IPPROTO_ICMPV6,
                                                plen);
}

/* A frame the router sent must parse back as ICMPv6 'type' from G. */
static struct pkt_view
check_sent(const struct ofpbuf *b, uint8_t type)
{
    struct pkt_view v;
    if (pkt_parse(&v, b->data, b->size) != PKT_OK || !v.icmp6
        || v.icmp6->icmp6_type != type
        || v.ip6->ip6_ctlun.ip6_un1.ip6_un1_hlim != 255
        || !eth_addr_equals(v.eth->eth_src, gw_mac)) {
        abort();
    }
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size || size > 9000) {
        return 0;
    }
    uint8_t flags = data[0];
    data++;
    size--;

    /* An exact-size copy, so that ASan sees any read past the end. */
    uint8_t *frame = xmalloc(size ? size : 1);
    memcpy(frame, data, size);
    if (!(flags & FLAG_KEEP_CSUM)) {
        fix_checksum(frame, size);
    }

    struct ndp_router *r = make_router(flags & FLAG_ONE_GATEWAY);
    struct ndp_port port;
    ndp_port_init(&port, vm_mac);
    if (!(flags & FLAG_NO_VM_IPS)) {
        ipv6_parse("fd00:10:100::5", &port.vm_ips[port.n_vm_ips++]);
    }
    if (flags & FLAG_ACTIVE) {
        ndp_port_activate(&port, 0);
    }

    uint64_t stub[256 / 8];
    struct ofpbuf reply;
    for (int i = 0; i < 2; i++) {
        ofpbuf_use_stub(&reply, stub, sizeof stub);
        enum ndp_verdict verdict = ndp_handle(r, &port, 1000 + i * 100,
                                              size * 7919 + i, frame, size,
                                              &reply);
        if ((unsigned int) verdict >= NDP_N_VERDICTS
            || !strcmp(ndp_verdict_name(verdict), "unknown")) {
            abort();
        }
        if (verdict == NDP_REPLY) {
            struct pkt_view v = check_sent(&reply, ND_NEIGHBOR_ADVERT);
            const struct ovs_nd_msg *na = (const void *) v.icmp6;
            if (!eth_addr_equals(v.eth->eth_dst, vm_mac)
                || v.l4_size != ND_MSG_LEN + ND_LLA_OPT_LEN
                                - ICMP6_HEADER_LEN
                || (ntohl(get_16aligned_be32(&na->rso_flags))
                    != (ND_RSO_ROUTER | ND_RSO_SOLICITED | ND_RSO_OVERRIDE))
                || !eth_addr_equals(na->options[0].mac, gw_mac)) {
                abort();
            }
        } else if (reply.size) {
            abort();
        }
        ofpbuf_uninit(&reply);
    }

    /* Whatever the frames did to the schedule, each due RA goes out. */
    for (int i = 0; i < 5; i++) {
        long long int next = ndp_ra_next(&port);
        if (next == LLONG_MAX) {
            break;
        }
        ofpbuf_use_stub(&reply, stub, sizeof stub);
        if (ndp_ra_run(r, &port, next - 1, i, &reply) != NDP_RA_NONE
            || reply.size
            || ndp_ra_run(r, &port, next, i, &reply) == NDP_RA_NONE) {
            abort();
        }
        check_sent(&reply, ND_ROUTER_ADVERT);
        ofpbuf_uninit(&reply);
    }

    /* The same frame from a port that is no VM port is never answered. */
    ofpbuf_use_stub(&reply, stub, sizeof stub);
    if (ndp_handle(r, NULL, 0, 0, frame, size, &reply) != NDP_NOT_VM_PORT
        || reply.size) {
        abort();
    }
    ofpbuf_uninit(&reply);

    ndp_router_destroy(r);
    free(frame);
    return 0;
}
