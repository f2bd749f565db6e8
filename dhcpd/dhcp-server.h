/* SPDX-License-Identifier: Apache-2.0
 *
 * dhcp-server.h -- the guest's DHCPv4 server, as a pure function:
 *
 *     request frame + the port's binding + now  ->  reply frame | drop reason
 *
 * A binding is everything the guest is told (address, prefix, link-local
 * gateway, routes, DNS, names, MTU, lease time, server identifier).  The
 * answer depends on nothing else, so the servers of every node answer a
 * guest identically and a renewal after a live migration just works.
 *
 * The server keeps no lease database: a binding is static for as long as
 * the VM exists.  The only state a guest can change is a DECLINE, which
 * stops offers for that binding until the binding changes.
 *
 * No I/O and no clock reads: dhcpd/dhcp-io.h feeds it frames and sends its
 * replies.  Errors follow the tree's convention (0 or a negative errno). */
#ifndef OVNMIG_DHCP_SERVER_H
#define OVNMIG_DHCP_SERVER_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dhcpd/dhcp-options.h"
#include "lib/packet.h"
#include "openvswitch/ofpbuf.h"

struct ds;

/* Why a request got no answer.  Each one names a drop counter. */
#define DHCP_DROPS                                                          \
    DHCP_DROP(BAD_FRAME, "bad-frame")     /* See the frame-error counters. */ \
    DHCP_DROP(NOT_DHCP, "not-udp-to-port-67")                              \
    DHCP_DROP(TRUNCATED, "truncated")                                      \
    DHCP_DROP(OVERSIZED, "oversized")                                      \
    DHCP_DROP(NOT_REQUEST, "not-a-bootrequest")                            \
    DHCP_DROP(BAD_HTYPE, "bad-hardware-type")                              \
    DHCP_DROP(BAD_COOKIE, "bad-magic-cookie")                              \
    DHCP_DROP(OPTION_OVERRUN, "option-overrun")                            \
    DHCP_DROP(NO_END, "missing-end-option")                                \
    DHCP_DROP(BAD_OVERLOAD, "bad-option-overload")                         \
    DHCP_DROP(BAD_OPTION_LEN, "bad-option-length")                         \
    DHCP_DROP(NO_MSG_TYPE, "no-message-type")                              \
    DHCP_DROP(BAD_MSG_TYPE, "bad-message-type")                            \
    DHCP_DROP(RELAY_DISABLED, "relay-disabled")                            \
    DHCP_DROP(CHADDR_MISMATCH, "chaddr-mismatch")                          \
    DHCP_DROP(UNKNOWN_CLIENT, "unknown-client")                            \
    DHCP_DROP(NOT_FOR_US, "not-for-us")                                    \
    DHCP_DROP(OTHER_SERVER, "other-server")                                \
    DHCP_DROP(NO_ADDRESS, "request-without-address")                       \
    DHCP_DROP(DECLINED, "declined-binding")                                \
    DHCP_DROP(DECLINE_MISMATCH, "decline-for-other-address")

enum dhcp_drop {
    DHCP_DROP_NONE = 0,         /* Handled: a reply, or none is due. */
#define DHCP_DROP(ENUM, NAME) DHCP_DROP_##ENUM,
    DHCP_DROPS
#undef DHCP_DROP
    DHCP_N_DROPS
};

/* What was received and sent, by client state (RFC 2131 §4.3). */
#define DHCP_EVENTS                                                         \
    DHCP_EVENT(RX_DISCOVER, "rx-discover")                                 \
    DHCP_EVENT(RX_SELECTING, "rx-request-selecting")                       \
    DHCP_EVENT(RX_INIT_REBOOT, "rx-request-init-reboot")                   \
    DHCP_EVENT(RX_RENEWING, "rx-request-renewing")                         \
    DHCP_EVENT(RX_REBINDING, "rx-request-rebinding")                       \
    DHCP_EVENT(RX_DECLINE, "rx-decline")                                   \
    DHCP_EVENT(RX_RELEASE, "rx-release")                                   \
    DHCP_EVENT(RX_INFORM, "rx-inform")                                     \
    DHCP_EVENT(RX_RELAYED, "rx-relayed")                                   \
    DHCP_EVENT(TX_OFFER, "tx-offer")                                       \
    DHCP_EVENT(TX_ACK, "tx-ack")                                           \
    DHCP_EVENT(TX_NAK, "tx-nak")                                           \
    DHCP_EVENT(NAK_WRONG_ADDRESS, "nak-wrong-address")                     \
    DHCP_EVENT(NAK_DECLINED, "nak-declined")                               \
    DHCP_EVENT(OPTION_OMITTED, "option-omitted-no-room")

enum dhcp_event {
#define DHCP_EVENT(ENUM, NAME) DHCP_EV_##ENUM,
    DHCP_EVENTS
#undef DHCP_EVENT
    DHCP_N_EVENTS
};

struct dhcp_counters {
    uint64_t events[DHCP_N_EVENTS];
    uint64_t drops[DHCP_N_DROPS];       /* [DHCP_DROP_NONE] unused. */
    uint64_t frame_errors[PKT_N_ERRORS]; /* Behind DHCP_DROP_BAD_FRAME. */
};

const char *dhcp_drop_name(enum dhcp_drop);
const char *dhcp_event_name(enum dhcp_event);

/* Appends every non-zero counter to 'ds', as "name value" lines or, if
 * 'json', as one JSON object. */
void dhcp_counters_format(const struct dhcp_counters *, struct ds *,
                          bool json);

/* ------------------------------------------------------------ bindings */

/* Hard limits on a binding's lists; dhcp_binding_create() refuses more. */
#define DHCP_MAX_ROUTES 16
#define DHCP_MAX_DNS 8
#define DHCP_MAX_SEARCH 8
#define DHCP_MAX_HOSTNAME 63    /* One DNS label (RFC 1035 §2.3.4). */

/* 169.254.1.1: the link-local gateway and server identifier. */
#define DHCP_DEFAULT_GATEWAY 0xa9fe0101
/* Like KubeVirt's bridge binding: 999 days. */
#define DHCP_DEFAULT_LEASE_TIME (999u * 24 * 3600)

struct dhcp_route {
    ovs_be32 dst;
    uint8_t plen;
    ovs_be32 router;
};

/* What a binding is made from.  Pointers are borrowed for the duration of
 * dhcp_binding_create() only. */
struct dhcp_binding_config {
    struct eth_addr mac;
    ovs_be32 address;
    unsigned int plen;                  /* 1 to 32. */
    const char *hostname;               /* NULL: no option 12. */
    ovs_be32 gateway;                   /* Default 169.254.1.1. */
    ovs_be32 server_id;                 /* Default 169.254.1.1. */
    struct dhcp_route routes[DHCP_MAX_ROUTES];  /* Besides the gateway's. */
    size_t n_routes;
    ovs_be32 dns[DHCP_MAX_DNS];
    size_t n_dns;
    const char *domain_name;            /* NULL: no option 15. */
    const char *search[DHCP_MAX_SEARCH];
    size_t n_search;
    uint16_t mtu;                       /* 0: no option 26. */
    uint32_t lease_time;                /* Seconds; default 999 days. */
};

/* Fills 'cfg' with the defaults: 169.254.1.1 as gateway and server
 * identifier, a 999-day lease, nothing else. */
void dhcp_binding_config_init(struct dhcp_binding_config *cfg);

struct dhcp_binding;

/* Checks 'cfg' and encodes every option it implies once, so that answers
 * only copy bytes.  Returns 0 and stores the binding in '*bindingp' (the
 * caller frees it with dhcp_binding_destroy()), or -EINVAL with a static
 * explanation in '*errorp' (when 'errorp' is not NULL). */
int dhcp_binding_create(const struct dhcp_binding_config *cfg,
                        struct dhcp_binding **bindingp, const char **errorp);
void dhcp_binding_destroy(struct dhcp_binding *);

struct eth_addr dhcp_binding_mac(const struct dhcp_binding *);
ovs_be32 dhcp_binding_address(const struct dhcp_binding *);
ovs_be32 dhcp_binding_server_id(const struct dhcp_binding *);

/* True if 'a' and 'b' give identical answers. */
bool dhcp_binding_equal(const struct dhcp_binding *a,
                        const struct dhcp_binding *b);

/* True if the guest declined the address (and when, in '*whenp'). */
bool dhcp_binding_is_declined(const struct dhcp_binding *,
                              long long int *whenp);

/* Carries the guest-made state (a decline) of 'old' over to 'new', for a
 * binding that was re-applied without change. */
void dhcp_binding_keep_state(struct dhcp_binding *new,
                             const struct dhcp_binding *old);

/* ------------------------------------------------------------ server */

struct dhcp_server_config {
    struct eth_addr server_mac;         /* Source of replies (G). */
    bool allow_relay;                   /* Answer requests with giaddr. */
};

struct dhcp_server;

/* Returns a new server (the caller frees it with dhcp_server_destroy()).
 * Never fails. */
struct dhcp_server *dhcp_server_create(const struct dhcp_server_config *);
void dhcp_server_destroy(struct dhcp_server *);

const struct dhcp_counters *dhcp_server_counters(const struct dhcp_server *);
void dhcp_server_clear_counters(struct dhcp_server *);

/* A parsed request.  Points into the frame it was parsed from. */
struct dhcp_request {
    const struct eth_header *eth;
    const struct ip_header *ip;
    const struct dhcp_header *msg;
    size_t msg_size;
    uint8_t type;                       /* DHCP message type (option 53). */
    struct eth_addr chaddr;
    struct dhcp_options opts;
};

/* First half of dhcp_server_handle(): checks the frame's 'size' bytes at
 * 'frame' and parses them into 'req' (which then points into 'frame').
 * Returns DHCP_DROP_NONE, or the counted reason to drop the frame. */
enum dhcp_drop dhcp_server_parse(struct dhcp_server *, const void *frame,
                                 size_t size, struct dhcp_request *req);

/* Second half: answers 'req', which came from a client whose binding is
 * 'binding' (NULL if it has none), at time 'now' (milliseconds, any
 * epoch; only recorded).  Replaces the contents of 'reply' by the whole
 * Ethernet frame to send back out of the port the request came from, or
 * empties it when nothing is due (DECLINE, RELEASE).  Returns
 * DHCP_DROP_NONE or the counted reason for not answering.  Updates the
 * binding's state on a DECLINE. */
enum dhcp_drop dhcp_server_answer(struct dhcp_server *,
                                  const struct dhcp_request *req,
                                  struct dhcp_binding *binding,
                                  long long int now, struct ofpbuf *reply);

/* Both halves at once, for a port with one binding. */
enum dhcp_drop dhcp_server_handle(struct dhcp_server *,
                                  struct dhcp_binding *binding,
                                  const void *frame, size_t size,
                                  long long int now, struct ofpbuf *reply);

#endif /* dhcp-server.h */
