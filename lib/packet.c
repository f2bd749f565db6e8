/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "lib/packet.h"

#include <netinet/ip6.h>
#include <string.h>
#include "csum.h"

const char *
pkt_error_name(enum pkt_error error)
{
    switch (error) {
    case PKT_OK:
        return "ok";
#define PKT_ERROR(ENUM, NAME) case PKT_ERR_##ENUM: return NAME;
    PKT_ERRORS
#undef PKT_ERROR
    case PKT_N_ERRORS:
        break;
    }
    return "unknown";
}

static enum pkt_error
parse_udp(struct pkt_view *v, const uint8_t *p, size_t size, uint32_t pseudo,
          bool ipv6)
{
    if (size < UDP_HEADER_LEN) {
        return PKT_ERR_TRUNC_UDP;
    }
    const struct udp_header *udp = (const void *) p;
    size_t udp_len = ntohs(udp->udp_len);
    if (udp_len < UDP_HEADER_LEN || udp_len > size) {
        return PKT_ERR_BAD_UDP_LEN;
    }
    /* A zero UDP checksum means "none" over IPv4 (RFC 768) but is never
     * valid over IPv6 (RFC 8200 §8.1). */
    if (udp->udp_csum ? csum_finish(csum_continue(pseudo, udp, udp_len)) != 0
                      : ipv6) {
        return PKT_ERR_BAD_UDP_CSUM;
    }
    v->udp = udp;
    v->l4_data = p + UDP_HEADER_LEN;
    v->l4_size = udp_len - UDP_HEADER_LEN;
    return PKT_OK;
}

static enum pkt_error
parse_ipv4(struct pkt_view *v, const uint8_t *p, size_t size)
{
    if (size < IP_HEADER_LEN) {
        return PKT_ERR_TRUNC_IP;
    }
    const struct ip_header *ip = (const void *) p;
    if (IP_VER(ip->ip_ihl_ver) != IP_VERSION) {
        return PKT_ERR_BAD_IP_VERSION;
    }
    size_t ihl = IP_IHL(ip->ip_ihl_ver) * 4;
    if (ihl < IP_HEADER_LEN || ihl > size) {
        return PKT_ERR_BAD_IP_IHL;
    }
    /* Ethernet pads short frames, so the buffer may hold more than the
     * datagram; it must never hold less. */
    size_t tot_len = ntohs(ip->ip_tot_len);
    if (tot_len < ihl || tot_len > size) {
        return PKT_ERR_BAD_IP_LEN;
    }
    if (csum(ip, ihl)) {
        return PKT_ERR_BAD_IP_CSUM;
    }
    v->ip = ip;
    if (ip->ip_proto != IPPROTO_UDP) {
        return PKT_OK;
    }
    if (IP_IS_FRAGMENT(ip->ip_frag_off)) {
        return PKT_ERR_IP_FRAGMENT;
    }
    return parse_udp(v, p + ihl, tot_len - ihl, packet_csum_pseudoheader(ip),
                     false);
}

static enum pkt_error
parse_ipv6(struct pkt_view *v, const uint8_t *p, size_t size)
{
    if (size < IPV6_HEADER_LEN) {
        return PKT_ERR_TRUNC_IP6;
    }
    const struct ovs_16aligned_ip6_hdr *ip6 = (const void *) p;
    if ((ip6->ip6_vfc >> 4) != 6) {
        return PKT_ERR_BAD_IP6_VERSION;
    }
    size_t plen = ntohs(ip6->ip6_plen);
    if (plen > size - IPV6_HEADER_LEN) {
        return PKT_ERR_BAD_IP6_LEN;
    }
    v->ip6 = ip6;
    const uint8_t *l4 = p + IPV6_HEADER_LEN;

    /* Extension headers are not followed: neighbor discovery and DHCPv6
     * from a guest do not use them, and anything else is not ours. */
    if (ip6->ip6_nxt == IPPROTO_UDP) {
        return parse_udp(v, l4, plen, packet_csum_pseudoheader6(ip6), true);
    } else if (ip6->ip6_nxt == IPPROTO_ICMPV6) {
        if (plen < ICMP6_HEADER_LEN) {
            return PKT_ERR_TRUNC_ICMP6;
        }
        if (packet_csum_upperlayer6(ip6, l4, IPPROTO_ICMPV6, plen)) {
            return PKT_ERR_BAD_ICMP6_CSUM;
        }
        v->icmp6 = (const void *) l4;
        v->l4_data = l4 + ICMP6_HEADER_LEN;
        v->l4_size = plen - ICMP6_HEADER_LEN;
    }
    return PKT_OK;
}

enum pkt_error
pkt_parse(struct pkt_view *v, const void *data, size_t size)
{
    const uint8_t *p = data;

    memset(v, 0, sizeof *v);
    if (size < ETH_HEADER_LEN) {
        return PKT_ERR_TRUNC_ETH;
    }
    v->eth = (const void *) p;
    v->eth_type = ntohs(v->eth->eth_type);
    p += ETH_HEADER_LEN;
    size -= ETH_HEADER_LEN;

    switch (v->eth_type) {
    case ETH_TYPE_VLAN_8021Q:
    case ETH_TYPE_VLAN_8021AD:
        /* VM ports are access ports: a tagged frame is not for us. */
        return PKT_ERR_VLAN;
    case ETH_TYPE_ARP:
    case ETH_TYPE_RARP:
        if (size < ARP_ETH_HEADER_LEN) {
            return PKT_ERR_TRUNC_ARP;
        }
        v->arp = (const void *) p;
        return PKT_OK;
    case ETH_TYPE_IP:
        return parse_ipv4(v, p, size);
    case ETH_TYPE_IPV6:
        return parse_ipv6(v, p, size);
    default:
        return PKT_OK;
    }
}

void
pkt_put_eth(struct ofpbuf *b, struct eth_addr dst, struct eth_addr src,
            uint16_t eth_type)
{
    struct eth_header *eth = ofpbuf_put_uninit(b, sizeof *eth);
    eth->eth_dst = dst;
    eth->eth_src = src;
    eth->eth_type = htons(eth_type);
}

void
pkt_put_arp(struct ofpbuf *b, uint16_t op,
            struct eth_addr sha, ovs_be32 spa,
            struct eth_addr tha, ovs_be32 tpa)
{
    struct arp_eth_header *arp = ofpbuf_put_uninit(b, sizeof *arp);
    arp->ar_hrd = htons(ARP_HRD_ETHERNET);
    arp->ar_pro = htons(ARP_PRO_IP);
    arp->ar_hln = ETH_ADDR_LEN;
    arp->ar_pln = sizeof(ovs_be32);
    arp->ar_op = htons(op);
    arp->ar_sha = sha;
    put_16aligned_be32(&arp->ar_spa, spa);
    arp->ar_tha = tha;
    put_16aligned_be32(&arp->ar_tpa, tpa);
}

static struct udp_header *
put_udp(struct ofpbuf *b, uint16_t src_port, uint16_t dst_port,
        const void *payload, size_t size)
{
    struct udp_header *udp = ofpbuf_put_uninit(b, sizeof *udp);
    udp->udp_src = htons(src_port);
    udp->udp_dst = htons(dst_port);
    udp->udp_len = htons(UDP_HEADER_LEN + size);
    udp->udp_csum = 0;
    ofpbuf_put(b, payload, size);
    return udp;
}

void
pkt_put_ipv4_udp(struct ofpbuf *b, ovs_be32 src, ovs_be32 dst,
                 uint16_t src_port, uint16_t dst_port,
                 const void *payload, size_t size)
{
    size_t ip_ofs = b->size;
    struct ip_header *ip = ofpbuf_put_zeros(b, sizeof *ip);
    ip->ip_ihl_ver = IP_IHL_VER(5, IP_VERSION);
    ip->ip_tot_len = htons(IP_HEADER_LEN + UDP_HEADER_LEN + size);
    ip->ip_ttl = 64;
    ip->ip_proto = IPPROTO_UDP;
    put_16aligned_be32(&ip->ip_src, src);
    put_16aligned_be32(&ip->ip_dst, dst);
    ip->ip_csum = csum(ip, sizeof *ip);

    size_t udp_ofs = b->size;
    put_udp(b, src_port, dst_port, payload, size);
    /* ofpbuf_put() may have moved the data: find the headers again. */
    ip = ofpbuf_at_assert(b, ip_ofs, sizeof *ip);
    struct udp_header *udp = ofpbuf_at_assert(b, udp_ofs, sizeof *udp);
    ovs_be16 sum = csum_finish(csum_continue(packet_csum_pseudoheader(ip),
                                             udp, UDP_HEADER_LEN + size));
    udp->udp_csum = sum ? sum : htons(0xffff);
}

static struct ovs_16aligned_ip6_hdr *
put_ipv6(struct ofpbuf *b, const struct in6_addr *src,
         const struct in6_addr *dst, uint8_t next, uint8_t hop_limit,
         size_t plen)
{
    struct ovs_16aligned_ip6_hdr *ip6 = ofpbuf_put_zeros(b, sizeof *ip6);
    put_16aligned_be32(&ip6->ip6_flow, htonl(6 << 28));
    ip6->ip6_plen = htons(plen);
    ip6->ip6_nxt = next;
    ip6->ip6_hlim = hop_limit;
    memcpy(&ip6->ip6_src, src, sizeof *src);
    memcpy(&ip6->ip6_dst, dst, sizeof *dst);
    return ip6;
}

void
pkt_put_ipv6_icmp6(struct ofpbuf *b, const struct in6_addr *src,
                   const struct in6_addr *dst,
                   const void *icmp6, size_t size)
{
    size_t ip_ofs = b->size;
    put_ipv6(b, src, dst, IPPROTO_ICMPV6, 255, size);
    size_t l4_ofs = b->size;
    ofpbuf_put(b, icmp6, size);

    struct ovs_16aligned_ip6_hdr *ip6 = ofpbuf_at_assert(b, ip_ofs,
                                                         sizeof *ip6);
    struct icmp6_header *icmp = ofpbuf_at_assert(b, l4_ofs, sizeof *icmp);
    icmp->icmp6_cksum = 0;
    icmp->icmp6_cksum = packet_csum_upperlayer6(ip6, icmp, IPPROTO_ICMPV6,
                                                size);
}

void
pkt_put_ipv6_udp(struct ofpbuf *b, const struct in6_addr *src,
                 const struct in6_addr *dst,
                 uint16_t src_port, uint16_t dst_port,
                 const void *payload, size_t size)
{
    size_t ip_ofs = b->size;
    put_ipv6(b, src, dst, IPPROTO_UDP, 64, UDP_HEADER_LEN + size);
    size_t udp_ofs = b->size;
    put_udp(b, src_port, dst_port, payload, size);

    struct ovs_16aligned_ip6_hdr *ip6 = ofpbuf_at_assert(b, ip_ofs,
                                                         sizeof *ip6);
    struct udp_header *udp = ofpbuf_at_assert(b, udp_ofs, sizeof *udp);
    ovs_be16 sum = packet_csum_upperlayer6(ip6, udp, IPPROTO_UDP,
                                           UDP_HEADER_LEN + size);
    /* RFC 8200 §8.1: a computed zero is sent as all ones. */
    udp->udp_csum = sum ? sum : htons(0xffff);
}
