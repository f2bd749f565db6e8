/* SPDX-License-Identifier: Apache-2.0
 *
 * dhcp-options.h -- the DHCPv4 option codec: the parser of a message's
 * option areas (RFC 2131 §4.1, with option overload, RFC 2132 §9.3, and
 * long options split over several instances, RFC 3396), and the encoders
 * of the option values whose wire form is more than a copy: domain search
 * lists (RFC 3397, with RFC 1035 §4.1.4 name compression) and classless
 * static routes (RFC 3442).
 *
 * Pure functions over caller-owned buffers: no allocation in the parser,
 * no I/O, no clock. */
#ifndef OVNMIG_DHCP_OPTIONS_H
#define OVNMIG_DHCP_OPTIONS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/ofpbuf.h"
#include "openvswitch/types.h"

/* Option codes (RFC 2132 unless noted). */
enum {
    DHCP_OPT_PAD_ = 0,
    DHCP_OPT_SUBNET_MASK = 1,
    DHCP_OPT_ROUTER = 3,
    DHCP_OPT_DNS_SERVERS = 6,
    DHCP_OPT_HOSTNAME = 12,
    DHCP_OPT_DOMAIN_NAME = 15,
    DHCP_OPT_MTU = 26,
    DHCP_OPT_REQUESTED_IP = 50,
    DHCP_OPT_LEASE_TIME = 51,
    DHCP_OPT_OVERLOAD = 52,
    DHCP_OPT_MESSAGE_TYPE = 53,
    DHCP_OPT_SERVER_ID = 54,
    DHCP_OPT_PARAM_REQUEST = 55,
    DHCP_OPT_MESSAGE = 56,
    DHCP_OPT_MAX_MESSAGE_SIZE = 57,
    DHCP_OPT_RENEWAL_TIME = 58,
    DHCP_OPT_REBINDING_TIME = 59,
    DHCP_OPT_CLIENT_ID = 61,
    DHCP_OPT_RELAY_AGENT_INFO = 82,    /* RFC 3046. */
    DHCP_OPT_DOMAIN_SEARCH = 119,      /* RFC 3397. */
    DHCP_OPT_CLASSLESS_ROUTES = 121,   /* RFC 3442. */
    DHCP_OPT_END_ = 255,
};

/* Message types (option 53, RFC 2132 §9.6) beyond those OVS's dhcp.h
 * names. */
#define DHCP_MSG_DECLINE 4
#define DHCP_MSG_RELEASE 7
#define DHCP_MSG_INFORM 8

/* RFC 2131 §3: the first four octets of the options field. */
#define DHCP_COOKIE_LEN 4

/* Why dhcp_options_parse() rejected a message. */
enum dhcp_opt_error {
    DHCP_OPT_OK = 0,
    DHCP_OPT_BAD_COOKIE,        /* Not 99.130.83.99 (RFC 2131 §3). */
    DHCP_OPT_OVERRUN,           /* A length runs past the end of its area. */
    DHCP_OPT_NO_END,            /* An area lacks its end option. */
    DHCP_OPT_BAD_OVERLOAD,      /* Option 52 malformed, repeated, or inside
                                 * an overloaded field (a loop). */
};

/* The options of one message.  A present option's value is either a
 * pointer into the message (one instance) or into 'concat' (several
 * instances, joined in the order RFC 3396 §5 gives: options field, then
 * 'file', then 'sname'). */
struct dhcp_options {
    uint64_t present[4];                /* Bitmap over the 256 codes. */
    const uint8_t *value[256];          /* Valid where present. */
    uint16_t len[256];                  /* Valid where present. */
    uint8_t overload;                   /* Option 52's value, or 0. */
    uint8_t concat[2048];               /* Room for the joined values. */
};

/* Largest message dhcp_options_parse() accepts: 'concat' must be able to
 * hold every option byte of it. */
#define DHCP_OPTIONS_MAX_MESSAGE 2048

/* Parses the options of the BOOTP message of 'size' bytes at 'msg' (the
 * fixed 236-byte header, the cookie, then the options), which must be at
 * least 240 and at most DHCP_OPTIONS_MAX_MESSAGE bytes.  Fills 'opts',
 * which may point into 'msg' afterwards. */
enum dhcp_opt_error dhcp_options_parse(struct dhcp_options *opts,
                                       const uint8_t *msg, size_t size);

static inline bool
dhcp_options_has(const struct dhcp_options *opts, uint8_t code)
{
    return (opts->present[code / 64] >> (code % 64)) & 1;
}

/* Returns the value of option 'code' if present with exactly 'len'
 * bytes, else NULL. */
const uint8_t *dhcp_options_get_fixed(const struct dhcp_options *,
                                      uint8_t code, size_t len);

/* Appends option 'code' with the 'len' bytes at 'value' to 'b' as one
 * option, or as several of at most 255 bytes each when longer (RFC 3396
 * §4). */
void dhcp_put_option(struct ofpbuf *b, uint8_t code,
                     const void *value, size_t len);

/* Appends to 'b' the RFC 3397 encoding (RFC 1035 §3.1 names, with
 * §4.1.4 compression pointers relative to the start of the option's
 * value) of the 'n' domain names at 'names'.  Names are dotted text, a
 * trailing dot optional, compared without regard to case.  Returns 0, or
 * -EINVAL if a name is empty, has an empty label or a label over 63
 * bytes, or is over 253 bytes; 'b' is then unchanged. */
int dhcp_encode_domain_search(struct ofpbuf *b, const char *const *names,
                              size_t n);

/* Appends to 'b' the RFC 3442 §3 encoding of one classless route: the
 * prefix length, the significant octets of 'dst' (host bits cleared), and
 * 'router' (0.0.0.0 for an on-link route).  'plen' must be 0 to 32. */
void dhcp_encode_classless_route(struct ofpbuf *b, ovs_be32 dst,
                                 unsigned int plen, ovs_be32 router);

#endif /* dhcp-options.h */
