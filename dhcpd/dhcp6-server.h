/* SPDX-License-Identifier: Apache-2.0
 *
 * dhcp6-server.h -- the guest's DHCPv6 server (RFC 8415), as a pure
 * function:
 *
 *     request frame + the port's binding  ->  reply frame | drop reason
 *
 * A binding is everything the guest is told: its /128, the DNS servers,
 * the domain list and the lifetimes.  The server's DUID is DUID-LL of G,
 * the same on every node, and no answer depends on anything but the
 * binding, so a Renew that reaches another node after a live migration is
 * answered exactly as the first node would have.
 *
 * The client is the port it sent from and its source MAC, never its DUID:
 * whatever DUID or IAID it uses, it gets the binding's address (its Client
 * Identifier and IAIDs are echoed).  The server keeps no state a guest can
 * change: Release and Decline are answered and counted, and change
 * nothing.  Only IA_NA is served: an IA_TA gets NoAddrsAvail and an IA_PD
 * NoPrefixAvail (NoBinding in a Renew, Rebind, Release or Decline).  No
 * Reconfigure (RFC 8415 §18.3.11) and no Server Unicast option (§21.12):
 * a client always multicasts, so whichever node hosts it answers.
 *
 * No I/O and no clock reads; errors follow the tree's convention (0 or a
 * negative errno). */
#ifndef OVNMIG_DHCP6_SERVER_H
#define OVNMIG_DHCP6_SERVER_H 1

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/packet.h"
#include "openvswitch/ofpbuf.h"

/* RFC 8415 §7.2. */
#define DHCP6_CLIENT_PORT 546
#define DHCP6_SERVER_PORT 547

/* Message types (RFC 8415 §7.3). */
enum {
    DHCP6_SOLICIT = 1,
    DHCP6_ADVERTISE = 2,
    DHCP6_REQUEST = 3,
    DHCP6_CONFIRM = 4,
    DHCP6_RENEW = 5,
    DHCP6_REBIND = 6,
    DHCP6_REPLY = 7,
    DHCP6_RELEASE = 8,
    DHCP6_DECLINE = 9,
    DHCP6_RECONFIGURE = 10,
    DHCP6_INFORMATION_REQUEST = 11,
    DHCP6_RELAY_FORW = 12,
    DHCP6_RELAY_REPL = 13,
};

/* Option codes (RFC 8415 §21, RFC 3646). */
enum {
    DHCP6_OPT_CLIENTID = 1,
    DHCP6_OPT_SERVERID = 2,
    DHCP6_OPT_IA_NA = 3,
    DHCP6_OPT_IA_TA = 4,
    DHCP6_OPT_IAADDR = 5,
    DHCP6_OPT_ORO = 6,
    DHCP6_OPT_PREFERENCE = 7,
    DHCP6_OPT_ELAPSED_TIME = 8,
    DHCP6_OPT_STATUS_CODE = 13,
    DHCP6_OPT_RAPID_COMMIT = 14,
    DHCP6_OPT_DNS_SERVERS = 23,
    DHCP6_OPT_DOMAIN_LIST = 24,
    DHCP6_OPT_IA_PD = 25,
    DHCP6_OPT_IAPREFIX = 26,
    DHCP6_OPT_INFORMATION_REFRESH_TIME = 32,
};

/* Status codes (RFC 8415 §21.13). */
enum {
    DHCP6_STATUS_SUCCESS = 0,
    DHCP6_STATUS_UNSPEC_FAIL = 1,
    DHCP6_STATUS_NO_ADDRS_AVAIL = 2,
    DHCP6_STATUS_NO_BINDING = 3,
    DHCP6_STATUS_NOT_ON_LINK = 4,
    DHCP6_STATUS_USE_MULTICAST = 5,
    DHCP6_STATUS_NO_PREFIX_AVAIL = 6,
};

/* Why a request got no answer, in the order they are checked.  Each one
 * names a drop counter. */
#define DHCP6_DROPS                                                         \
    DHCP6_DROP(BAD_FRAME, "bad-frame")   /* See the frame-error counters. */ \
    DHCP6_DROP(NOT_DHCP6, "not-udp-to-port-547")                           \
    DHCP6_DROP(NOT_FOR_US, "not-for-us")                                   \
    DHCP6_DROP(BAD_SOURCE, "bad-source-address")                           \
    DHCP6_DROP(TRUNCATED, "truncated")                                     \
    DHCP6_DROP(OVERSIZED, "oversized")                                     \
    DHCP6_DROP(RELAYED, "relayed")                                         \
    DHCP6_DROP(NOT_CLIENT_MESSAGE, "not-a-client-message")                 \
    DHCP6_DROP(BAD_MSG_TYPE, "bad-message-type")                           \
    DHCP6_DROP(OPTION_OVERRUN, "option-overrun")                           \
    DHCP6_DROP(BAD_OPTION_LEN, "bad-option-length")                        \
    DHCP6_DROP(DUPLICATE_OPTION, "duplicate-option")                       \
    DHCP6_DROP(TOO_MANY_IAS, "too-many-ias")                               \
    DHCP6_DROP(TOO_MANY_ADDRESSES, "too-many-addresses")                   \
    DHCP6_DROP(NO_CLIENT_ID, "missing-client-id")                          \
    DHCP6_DROP(NO_SERVER_ID, "missing-server-id")                          \
    DHCP6_DROP(UNEXPECTED_SERVER_ID, "unexpected-server-id")               \
    DHCP6_DROP(OTHER_SERVER, "other-server")                               \
    DHCP6_DROP(IA_IN_INFO_REQUEST, "ia-in-information-request")            \
    DHCP6_DROP(UNICAST, "unicast-discarded")                               \
    DHCP6_DROP(UNKNOWN_CLIENT, "unknown-client")                           \
    DHCP6_DROP(NO_BINDING, "no-binding")                                   \
    DHCP6_DROP(CONFIRM_NO_ADDRESS, "confirm-without-address")

enum dhcp6_drop {
    DHCP6_DROP_NONE = 0,                /* Answered. */
#define DHCP6_DROP(ENUM, NAME) DHCP6_DROP_##ENUM,
    DHCP6_DROPS
#undef DHCP6_DROP
    DHCP6_N_DROPS
};

/* What was received and sent, and the statuses given. */
#define DHCP6_EVENTS                                                        \
    DHCP6_EVENT(RX_SOLICIT, "rx-solicit")                                  \
    DHCP6_EVENT(RX_REQUEST, "rx-request")                                  \
    DHCP6_EVENT(RX_CONFIRM, "rx-confirm")                                  \
    DHCP6_EVENT(RX_RENEW, "rx-renew")                                      \
    DHCP6_EVENT(RX_REBIND, "rx-rebind")                                    \
    DHCP6_EVENT(RX_RELEASE, "rx-release")                                  \
    DHCP6_EVENT(RX_DECLINE, "rx-decline")                                  \
    DHCP6_EVENT(RX_INFORMATION_REQUEST, "rx-information-request")          \
    DHCP6_EVENT(TX_ADVERTISE, "tx-advertise")                              \
    DHCP6_EVENT(TX_REPLY, "tx-reply")                                      \
    DHCP6_EVENT(TX_RAPID_COMMIT, "tx-rapid-commit-reply")                  \
    DHCP6_EVENT(NO_ADDRS_AVAIL, "status-no-addrs-avail")                   \
    DHCP6_EVENT(NO_BINDING, "status-no-binding")                           \
    DHCP6_EVENT(NOT_ON_LINK, "status-not-on-link")                         \
    DHCP6_EVENT(USE_MULTICAST, "status-use-multicast")                     \
    DHCP6_EVENT(NO_PREFIX_AVAIL, "status-no-prefix-avail")                 \
    DHCP6_EVENT(ADDRESS_EXPIRED, "foreign-address-expired")

enum dhcp6_event {
#define DHCP6_EVENT(ENUM, NAME) DHCP6_EV_##ENUM,
    DHCP6_EVENTS
#undef DHCP6_EVENT
    DHCP6_N_EVENTS
};

struct dhcp6_counters {
    uint64_t events[DHCP6_N_EVENTS];
    uint64_t drops[DHCP6_N_DROPS];         /* [DHCP6_DROP_NONE] unused. */
    uint64_t frame_errors[PKT_N_ERRORS];   /* Behind DHCP6_DROP_BAD_FRAME. */
};

const char *dhcp6_drop_name(enum dhcp6_drop);
const char *dhcp6_event_name(enum dhcp6_event);

/* ------------------------------------------------------------ bindings */

/* Hard limits on a binding; dhcp6_binding_create() refuses more. */
#define DHCP6_MAX_DNS 8
#define DHCP6_MAX_SEARCH 8
#define DHCP6_MAX_DOMAIN_LIST 512       /* Bytes of option 24's value. */

/* Defaults (seconds): Kea's lifetimes, T1 and T2 at 0.5 and 0.8 of the
 * preferred lifetime (RFC 8415 §21.4), and IRT_DEFAULT (§7.6). */
#define DHCP6_DEFAULT_PREFERRED_LIFETIME 3600
#define DHCP6_DEFAULT_VALID_LIFETIME 7200
#define DHCP6_DEFAULT_INFO_REFRESH_TIME 86400
#define DHCP6_INFINITY UINT32_MAX

/* What a binding is made from.  Pointers are borrowed for the duration of
 * dhcp6_binding_create() only. */
struct dhcp6_binding_config {
    struct eth_addr mac;                /* The guest's. */
    struct in6_addr address;            /* Its /128, global or ULA. */
    struct in6_addr dns[DHCP6_MAX_DNS]; /* Option 23 (RFC 3646 §3). */
    size_t n_dns;
    const char *search[DHCP6_MAX_SEARCH]; /* Option 24 (RFC 3646 §4). */
    size_t n_search;
    uint32_t preferred_lifetime;
    uint32_t valid_lifetime;
    uint32_t t1;                        /* 0: half the preferred lifetime. */
    uint32_t t2;                        /* 0: 0.8 of it. */
    uint32_t info_refresh_time;         /* Option 32, at least 600. */
};

/* Fills 'cfg' with the defaults: the lifetimes above, nothing else. */
void dhcp6_binding_config_init(struct dhcp6_binding_config *cfg);

struct dhcp6_binding;

/* Checks 'cfg' and encodes the options it implies once, so that answers
 * only copy bytes.  Returns 0 and stores the binding in '*bindingp' (the
 * caller frees it with dhcp6_binding_destroy()), or -EINVAL with a static
 * explanation in '*errorp' (when 'errorp' is not NULL). */
int dhcp6_binding_create(const struct dhcp6_binding_config *cfg,
                         struct dhcp6_binding **bindingp,
                         const char **errorp);
void dhcp6_binding_destroy(struct dhcp6_binding *);

struct eth_addr dhcp6_binding_mac(const struct dhcp6_binding *);
const struct in6_addr *dhcp6_binding_address(const struct dhcp6_binding *);

/* The times a binding's answers carry (seconds; DHCP6_INFINITY). */
struct dhcp6_binding_times {
    uint32_t preferred, valid, t1, t2;
};
void dhcp6_binding_get_times(const struct dhcp6_binding *,
                             struct dhcp6_binding_times *);

/* True if 'a' and 'b' give identical answers. */
bool dhcp6_binding_equal(const struct dhcp6_binding *a,
                         const struct dhcp6_binding *b);

/* ------------------------------------------------------------ server */

struct dhcp6_server_config {
    struct eth_addr server_mac;         /* G: source of replies, and the
                                         * link-layer address of the DUID. */
    struct in6_addr server_address;     /* fe80::1: source of replies. */
    bool rapid_commit;                  /* Honour Rapid Commit (§21.14). */
};

/* Fills 'cfg' with G, fe80::1 and Rapid Commit on. */
void dhcp6_server_config_init(struct dhcp6_server_config *cfg);

struct dhcp6_server;

/* Returns a new server (the caller frees it with dhcp6_server_destroy()).
 * Never fails. */
struct dhcp6_server *dhcp6_server_create(const struct dhcp6_server_config *);
void dhcp6_server_destroy(struct dhcp6_server *);

/* The server's DUID: DUID-LL (RFC 8415 §11.4) of 'server_mac', hardware
 * type 1, the same on every node.  Stores its length in '*lenp'; the bytes
 * belong to the server. */
#define DHCP6_DUID_LL_LEN 10
const uint8_t *dhcp6_server_duid(const struct dhcp6_server *, size_t *lenp);

const struct dhcp6_counters *dhcp6_server_counters(
    const struct dhcp6_server *);
void dhcp6_server_clear_counters(struct dhcp6_server *);

/* Hard limits on what a request may hold; dhcp6_server_parse() drops a
 * request with more (too-many-ias, too-many-addresses). */
#define DHCP6_MAX_IAS 4                 /* IA_NA, IA_TA and IA_PD together. */
#define DHCP6_MAX_ADDRS 8               /* IA Address options, all IAs. */

/* One IA option of a request. */
struct dhcp6_ia {
    uint16_t type;                      /* IA_NA, IA_TA or IA_PD. */
    uint8_t iaid[4];                    /* Echoed as it came. */
    size_t first_addr;                  /* Its addresses, in 'addrs' of the */
    size_t n_addrs;                     /* request (none for an IA_PD). */
};

/* A parsed request.  Points into the frame it was parsed from. */
struct dhcp6_request {
    struct eth_addr eth_src;
    struct in6_addr src;
    bool unicast;                       /* To the server, not ff02::1:2. */
    uint8_t type;
    uint8_t xid[3];
    const uint8_t *client_id;           /* NULL if none. */
    size_t client_id_len;
    const uint8_t *server_id;           /* NULL if none. */
    size_t server_id_len;
    const uint8_t *oro;                 /* NULL if none. */
    size_t oro_len;
    bool rapid_commit;
    struct dhcp6_ia ias[DHCP6_MAX_IAS];
    size_t n_ias;
    struct in6_addr addrs[DHCP6_MAX_ADDRS];
    size_t n_addrs;
};

/* First half of dhcp6_server_handle(): checks the frame's 'size' bytes at
 * 'frame' (RFC 8415 §16: which options each message must or must not
 * carry, the server identifier, multicast) and parses them into 'req'
 * (which then points into 'frame').  Returns DHCP6_DROP_NONE, or the
 * counted reason to drop the frame. */
enum dhcp6_drop dhcp6_server_parse(struct dhcp6_server *, const void *frame,
                                   size_t size, struct dhcp6_request *req);

/* Second half: answers 'req', which came from a VM port whose binding is
 * 'binding' (NULL if the port has no IPv6 address: then no address is the
 * guest's, RFC 8415 §18.3 says what each message gets).  Replaces the
 * contents of 'reply' by the whole Ethernet frame to send back out of that
 * port, from the server's MAC and address to the client's port 546.
 * Returns DHCP6_DROP_NONE, or the counted reason for not answering (and
 * 'reply' is then empty).  A Decline is counted and logged. */
enum dhcp6_drop dhcp6_server_answer(struct dhcp6_server *,
                                    const struct dhcp6_request *req,
                                    const struct dhcp6_binding *binding,
                                    struct ofpbuf *reply);

/* Both halves at once. */
enum dhcp6_drop dhcp6_server_handle(struct dhcp6_server *,
                                    const struct dhcp6_binding *binding,
                                    const void *frame, size_t size,
                                    struct ofpbuf *reply);

#endif /* dhcp6-server.h */
