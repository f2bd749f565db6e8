/* SPDX-License-Identifier: Apache-2.0
 *
 * packet.h -- bounds-checked views of the frames ovnmig handles (Ethernet,
 * ARP, IPv4, UDP, IPv6, ICMPv6) and builders for its replies.
 *
 * The header layouts and checksum arithmetic are libopenvswitch's
 * (packets.h, csum.h); this module adds what a responder facing a hostile
 * guest needs on top: one parse that checks every length against the
 * bytes really present before any field is read, and a named reason for
 * each frame it rejects, so callers can count drops. */
#ifndef OVNMIG_PACKET_H
#define OVNMIG_PACKET_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/ofpbuf.h"
#include "packets.h"

/* Why pkt_parse() rejected a frame.  Each one names a drop counter. */
#define PKT_ERRORS                                                      \
    PKT_ERROR(TRUNC_ETH, "truncated-ethernet")                         \
    PKT_ERROR(VLAN, "vlan-tagged")                                     \
    PKT_ERROR(TRUNC_ARP, "truncated-arp")                              \
    PKT_ERROR(TRUNC_IP, "truncated-ipv4")                              \
    PKT_ERROR(BAD_IP_VERSION, "bad-ipv4-version")                      \
    PKT_ERROR(BAD_IP_IHL, "bad-ipv4-header-length")                    \
    PKT_ERROR(BAD_IP_LEN, "bad-ipv4-total-length")                     \
    PKT_ERROR(BAD_IP_CSUM, "bad-ipv4-checksum")                        \
    PKT_ERROR(IP_FRAGMENT, "ipv4-fragment")                            \
    PKT_ERROR(TRUNC_UDP, "truncated-udp")                              \
    PKT_ERROR(BAD_UDP_LEN, "bad-udp-length")                           \
    PKT_ERROR(BAD_UDP_CSUM, "bad-udp-checksum")                        \
    PKT_ERROR(TRUNC_IP6, "truncated-ipv6")                             \
    PKT_ERROR(BAD_IP6_VERSION, "bad-ipv6-version")                     \
    PKT_ERROR(BAD_IP6_LEN, "bad-ipv6-payload-length")                  \
    PKT_ERROR(TRUNC_ICMP6, "truncated-icmpv6")                         \
    PKT_ERROR(BAD_ICMP6_CSUM, "bad-icmpv6-checksum")

enum pkt_error {
    PKT_OK = 0,
#define PKT_ERROR(ENUM, NAME) PKT_ERR_##ENUM,
    PKT_ERRORS
#undef PKT_ERROR
    PKT_N_ERRORS
};

/* Stable, counter-friendly name of 'error' ("truncated-udp", ...). */
const char *pkt_error_name(enum pkt_error error);

/* A parsed frame.  Every pointer points into the caller's buffer and is
 * NULL when that layer is absent; a non-NULL pointer's whole header lies
 * inside the buffer.  Layers ovnmig does not handle are not errors: the
 * frame parses with only the outer layers set. */
struct pkt_view {
    const struct eth_header *eth;
    uint16_t eth_type;                   /* Host order. */
    const struct arp_eth_header *arp;    /* ETH_TYPE_ARP and ETH_TYPE_RARP. */
    const struct ip_header *ip;
    const struct ovs_16aligned_ip6_hdr *ip6;
    const struct udp_header *udp;
    const struct icmp6_header *icmp6;
    const uint8_t *l4_data;              /* After the UDP or ICMPv6 header. */
    size_t l4_size;                      /* Bytes at 'l4_data'. */
};

/* Parses the 'size' bytes at 'data' into 'view'.  Checks every length
 * field, and the IPv4 header, UDP (when not zero) and ICMPv6 checksums.
 * Returns PKT_OK or the reason the frame must be dropped.  Does not copy:
 * 'view' points into 'data'. */
enum pkt_error pkt_parse(struct pkt_view *view, const void *data,
                         size_t size);

/* True if 'a' is a link-local unicast address (fe80::/10). */
static inline bool
pkt_ipv6_is_link_local(const struct in6_addr *a)
{
    return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

/* True if 'a' is an address a host or a router may have: not '::', not
 * multicast, not loopback. */
static inline bool
pkt_ipv6_is_unicast(const struct in6_addr *a)
{
    return (ipv6_addr_is_set(a) && !ipv6_addr_is_multicast(a)
            && !IN6_IS_ADDR_LOOPBACK(a));
}

/* Builders.  Each appends one header to 'b' (which grows as needed). */
void pkt_put_eth(struct ofpbuf *b, struct eth_addr dst, struct eth_addr src,
                 uint16_t eth_type);
void pkt_put_arp(struct ofpbuf *b, uint16_t op,
                 struct eth_addr sha, ovs_be32 spa,
                 struct eth_addr tha, ovs_be32 tpa);

/* Appends an IPv4 header, a UDP header and 'size' bytes of 'payload' to
 * 'b', with both checksums computed.  TTL 64, DF clear. */
void pkt_put_ipv4_udp(struct ofpbuf *b, ovs_be32 src, ovs_be32 dst,
                      uint16_t src_port, uint16_t dst_port,
                      const void *payload, size_t size);

/* Appends an IPv6 header and the 'size' bytes of the ICMPv6 message at
 * 'icmp6' (whose checksum field is overwritten) to 'b'.  Hop limit 255, as
 * RFC 4861 requires for neighbor discovery. */
void pkt_put_ipv6_icmp6(struct ofpbuf *b, const struct in6_addr *src,
                        const struct in6_addr *dst,
                        const void *icmp6, size_t size);

/* Appends an IPv6 header, a UDP header and 'payload' (DHCPv6). */
void pkt_put_ipv6_udp(struct ofpbuf *b, const struct in6_addr *src,
                      const struct in6_addr *dst,
                      uint16_t src_port, uint16_t dst_port,
                      const void *payload, size_t size);

#endif /* packet.h */
