/* SPDX-License-Identifier: Apache-2.0
 *
 * dns-name.h -- domain names as the protocols ovnmig speaks carry them:
 * checked against RFC 1035 §2.3 / RFC 1123 §2.1, split into labels, and
 * written in the RFC 1035 §3.1 wire form without compression, which is
 * what DHCPv6 (RFC 8415 §10) and the RA's DNSSL option (RFC 8106 §5.2)
 * require.  DHCPv4's compressed search list (RFC 3397) is built on top of
 * the same label split in dhcpd/dhcp-options.c. */
#ifndef OVNMIG_DNS_NAME_H
#define OVNMIG_DNS_NAME_H 1

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include "openvswitch/ofpbuf.h"

/* RFC 1035 §2.3.4: 63-byte labels, 255 bytes on the wire, which leaves 253
 * bytes of dotted text; a name has at most 127 labels. */
#define DNS_MAX_LABEL 63
#define DNS_MAX_NAME 253
#define DNS_MAX_LABELS 127
#define DNS_MAX_WIRE 255

/* Splits 'name' (dotted text, a trailing dot optional) into labels: stores
 * the length of the name without its trailing dot in '*lenp' and the
 * offset of each label in 'starts', and returns the number of labels, or
 * -EINVAL if the name is empty or too long or has an empty or too long
 * label.  Does not look at the characters themselves. */
int dns_name_split(const char *name, size_t *lenp,
                   size_t starts[DNS_MAX_LABELS]);

/* True if 'name' splits and is made of letters, digits, inner hyphens and
 * '_' (which service names use). */
bool dns_name_is_valid(const char *name);

/* Appends the uncompressed wire form of 'name' (length-prefixed labels and
 * the root's zero byte) to 'b'.  Returns 0, or -EINVAL (the name is not
 * valid; 'b' is then unchanged). */
int dns_name_put(struct ofpbuf *b, const char *name);

/* Checks what IPv6 tells a guest about DNS, in RAs and DHCPv6 alike: at
 * most 'max_servers' servers, each a unicast address, and at most
 * 'max_search' valid search domains.  Returns NULL, or a static
 * explanation. */
const char *dns_check_ipv6(const struct in6_addr *servers, size_t n_servers,
                           size_t max_servers, const char *const *search,
                           size_t n_search, size_t max_search);

#endif /* dns-name.h */
