/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "dhcpd/dhcp-server.h"

#include <errno.h>
#include <string.h>
#include "dhcp.h"
#include "lib/dns-name.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(dhcp_server);

/* Anything a guest can trigger is logged at most this often. */
static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Requests larger than a 1500-byte frame can carry are refused. */
#define DHCP_MAX_REQUEST (ETH_PAYLOAD_MAX - IP_HEADER_LEN - UDP_HEADER_LEN)
BUILD_ASSERT_DECL(DHCP_MAX_REQUEST <= DHCP_OPTIONS_MAX_MESSAGE);

/* Replies: RFC 2131 §2 lets a client that sends no option 57 assume
 * 576-byte datagrams; option 57 (RFC 2132 §9.10) raises that, up to what a
 * 1500-byte frame carries.  RFC 1542 §2.1 asks for at least 300 bytes of
 * BOOTP message, for the relays that drop shorter ones. */
#define DHCP_MIN_DATAGRAM 576
#define DHCP_MAX_REPLY DHCP_MAX_REQUEST
#define DHCP_MIN_REPLY 300

#define DHCP_FLAG_BROADCAST 0x8000

const char *
dhcp_drop_name(enum dhcp_drop drop)
{
    switch (drop) {
    case DHCP_DROP_NONE:
        return "none";
#define DHCP_DROP(ENUM, NAME) case DHCP_DROP_##ENUM: return NAME;
    DHCP_DROPS
#undef DHCP_DROP
    case DHCP_N_DROPS:
        break;
    }
    return "unknown";
}

const char *
dhcp_event_name(enum dhcp_event event)
{
    switch (event) {
#define DHCP_EVENT(ENUM, NAME) case DHCP_EV_##ENUM: return NAME;
    DHCP_EVENTS
#undef DHCP_EVENT
    case DHCP_N_EVENTS:
        break;
    }
    return "unknown";
}

static void
format_counter(struct ds *ds, bool json, const char *prefix,
               const char *name, uint64_t value)
{
    if (json) {
        ds_put_format(ds, "%s\"%s%s\": %"PRIu64,
                      ds->length > 1 ? ", " : "", prefix, name, value);
    } else {
        ds_put_format(ds, "%s%s %"PRIu64"\n", prefix, name, value);
    }
}

void
dhcp_counters_format(const struct dhcp_counters *c, struct ds *ds,
                     bool json)
{
    struct ds body = DS_EMPTY_INITIALIZER;
    if (json) {
        ds_put_char(&body, '{');
    }
    for (int i = 0; i < DHCP_N_EVENTS; i++) {
        format_counter(&body, json, "", dhcp_event_name(i), c->events[i]);
    }
    for (int i = 1; i < DHCP_N_DROPS; i++) {
        format_counter(&body, json, "drop-", dhcp_drop_name(i),
                       c->drops[i]);
    }
    for (int i = 1; i < PKT_N_ERRORS; i++) {
        format_counter(&body, json, "drop-frame-", pkt_error_name(i),
                       c->frame_errors[i]);
    }
    if (json) {
        ds_put_cstr(&body, "}\n");
    }
    ds_put_buffer(ds, body.string, body.length);
    ds_destroy(&body);
}

/* ------------------------------------------------------------ bindings */

/* The options a binding serves, encoded once at creation.  A slot holds
 * complete options (code, length, value), several when RFC 3396 splits a
 * long value. */
enum binding_slot {
    SLOT_SUBNET_MASK,
    SLOT_ROUTER,
    SLOT_DNS,
    SLOT_HOSTNAME,
    SLOT_DOMAIN_NAME,
    SLOT_MTU,
    SLOT_DOMAIN_SEARCH,
    SLOT_CLASSLESS_ROUTES,
    N_SLOTS
};

static int
slot_of_code(uint8_t code)
{
    switch (code) {
    case DHCP_OPT_SUBNET_MASK: return SLOT_SUBNET_MASK;
    case DHCP_OPT_ROUTER: return SLOT_ROUTER;
    case DHCP_OPT_DNS_SERVERS: return SLOT_DNS;
    case DHCP_OPT_HOSTNAME: return SLOT_HOSTNAME;
    case DHCP_OPT_DOMAIN_NAME: return SLOT_DOMAIN_NAME;
    case DHCP_OPT_MTU: return SLOT_MTU;
    case DHCP_OPT_DOMAIN_SEARCH: return SLOT_DOMAIN_SEARCH;
    case DHCP_OPT_CLASSLESS_ROUTES: return SLOT_CLASSLESS_ROUTES;
    default: return -1;
    }
}

struct dhcp_binding {
    /* What the guest is told. */
    struct eth_addr mac;
    ovs_be32 address;
    ovs_be32 server_id;
    uint32_t lease_time;
    uint16_t slot_offset[N_SLOTS];
    uint16_t slot_len[N_SLOTS];         /* 0: not served. */
    uint16_t blob_len;

    /* What the guest did. */
    bool declined;
    long long int declined_at;

    uint8_t blob[];                     /* The slots' options. */
};

void
dhcp_binding_config_init(struct dhcp_binding_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->gateway = htonl(DHCP_DEFAULT_GATEWAY);
    cfg->server_id = htonl(DHCP_DEFAULT_GATEWAY);
    cfg->lease_time = DHCP_DEFAULT_LEASE_TIME;
}

static const char *
check_config(const struct dhcp_binding_config *cfg)
{
    if (eth_addr_is_zero(cfg->mac) || eth_addr_is_multicast(cfg->mac)) {
        return "the MAC must be a unicast address";
    }
    if (!cfg->address || ip_is_multicast(cfg->address)
        || cfg->address == htonl(INADDR_BROADCAST)) {
        return "the address must be a unicast IPv4 address";
    }
    if (cfg->plen < 1 || cfg->plen > 32) {
        return "the prefix length must be 1 to 32";
    }
    if (!cfg->gateway || !cfg->server_id) {
        return "the gateway and the server identifier must not be 0.0.0.0";
    }
    if (cfg->hostname && (strlen(cfg->hostname) > DHCP_MAX_HOSTNAME
                          || !dns_name_is_valid(cfg->hostname))) {
        return "the hostname must be a valid DNS label of at most 63 bytes";
    }
    if (cfg->domain_name && !dns_name_is_valid(cfg->domain_name)) {
        return "the domain name is not a valid DNS name";
    }
    if (cfg->n_routes > DHCP_MAX_ROUTES || cfg->n_dns > DHCP_MAX_DNS
        || cfg->n_search > DHCP_MAX_SEARCH) {
        return "too many routes, DNS servers or search domains";
    }
    for (size_t i = 0; i < cfg->n_routes; i++) {
        const struct dhcp_route *r = &cfg->routes[i];
        if (r->plen > 32) {
            return "a route's prefix length must be 0 to 32";
        }
        if (r->dst & ~be32_prefix_mask(r->plen)) {
            return "a route's destination has bits set past its prefix";
        }
    }
    for (size_t i = 0; i < cfg->n_search; i++) {
        if (!dns_name_is_valid(cfg->search[i])) {
            return "a search domain is not a valid DNS name";
        }
    }
    /* RFC 2132 §5.1: the MTU option's minimum is 68. */
    if (cfg->mtu && cfg->mtu < 68) {
        return "the MTU must be at least 68";
    }
    if (!cfg->lease_time) {
        return "the lease time must be at least 1 second";
    }
    return NULL;
}

/* Encodes slot 'slot' of 'cfg' into 'b' (nothing if not served). */
static void
encode_slot(const struct dhcp_binding_config *cfg, enum binding_slot slot,
            struct ofpbuf *b)
{
    uint64_t stub[512 / 8];
    struct ofpbuf value = OFPBUF_STUB_INITIALIZER(stub);
    uint8_t code = 0;

    switch (slot) {
    case SLOT_SUBNET_MASK: {
        ovs_be32 mask = be32_prefix_mask(cfg->plen);
        code = DHCP_OPT_SUBNET_MASK;
        ofpbuf_put(&value, &mask, sizeof mask);
        break;
    }
    case SLOT_ROUTER:
        code = DHCP_OPT_ROUTER;
        ofpbuf_put(&value, &cfg->gateway, sizeof cfg->gateway);
        break;
    case SLOT_DNS:
        code = DHCP_OPT_DNS_SERVERS;
        ofpbuf_put(&value, cfg->dns, cfg->n_dns * sizeof cfg->dns[0]);
        break;
    case SLOT_HOSTNAME:
        code = DHCP_OPT_HOSTNAME;
        if (cfg->hostname) {
            ofpbuf_put(&value, cfg->hostname, strlen(cfg->hostname));
        }
        break;
    case SLOT_DOMAIN_NAME:
        code = DHCP_OPT_DOMAIN_NAME;
        if (cfg->domain_name) {
            ofpbuf_put(&value, cfg->domain_name, strlen(cfg->domain_name));
        }
        break;
    case SLOT_MTU:
        code = DHCP_OPT_MTU;
        if (cfg->mtu) {
            ovs_be16 mtu = htons(cfg->mtu);
            ofpbuf_put(&value, &mtu, sizeof mtu);
        }
        break;
    case SLOT_DOMAIN_SEARCH:
        code = DHCP_OPT_DOMAIN_SEARCH;
        /* Names were checked by check_config(). */
        ignore(dhcp_encode_domain_search(&value, cfg->search,
                                             cfg->n_search));
        break;
    case SLOT_CLASSLESS_ROUTES:
        /* RFC 3442 §1: a client that gets option 121 ignores option 3, so
         * the default route must be here too, after the gateway itself,
         * which is on-link (router 0.0.0.0) whatever the subnet. */
        code = DHCP_OPT_CLASSLESS_ROUTES;
        dhcp_encode_classless_route(&value, cfg->gateway, 32, 0);
        dhcp_encode_classless_route(&value, 0, 0, cfg->gateway);
        for (size_t i = 0; i < cfg->n_routes; i++) {
            const struct dhcp_route *r = &cfg->routes[i];
            dhcp_encode_classless_route(&value, r->dst, r->plen, r->router);
        }
        break;
    case N_SLOTS:
        OVS_NOT_REACHED();
    }
    if (value.size) {
        dhcp_put_option(b, code, value.data, value.size);
    }
    ofpbuf_uninit(&value);
}

int
dhcp_binding_create(const struct dhcp_binding_config *cfg,
                    struct dhcp_binding **bindingp, const char **errorp)
{
    const char *error = check_config(cfg);
    *bindingp = NULL;
    if (error) {
        if (errorp) {
            *errorp = error;
        }
        return -EINVAL;
    }

    uint64_t stub[1024 / 8];
    struct ofpbuf blob = OFPBUF_STUB_INITIALIZER(stub);
    uint16_t offset[N_SLOTS], len[N_SLOTS];
    for (int slot = 0; slot < N_SLOTS; slot++) {
        offset[slot] = blob.size;
        encode_slot(cfg, slot, &blob);
        len[slot] = blob.size - offset[slot];
    }
    /* The limits above keep a binding's options far below 64 KiB. */
    ovs_assert(blob.size <= UINT16_MAX);

    struct dhcp_binding *b = xzalloc(sizeof *b + blob.size);
    b->mac = cfg->mac;
    b->address = cfg->address;
    b->server_id = cfg->server_id;
    b->lease_time = cfg->lease_time;
    memcpy(b->slot_offset, offset, sizeof offset);
    memcpy(b->slot_len, len, sizeof len);
    b->blob_len = blob.size;
    memcpy(b->blob, blob.data, blob.size);
    ofpbuf_uninit(&blob);

    *bindingp = b;
    return 0;
}

void
dhcp_binding_destroy(struct dhcp_binding *b)
{
    free(b);
}

struct eth_addr
dhcp_binding_mac(const struct dhcp_binding *b)
{
    return b->mac;
}

ovs_be32
dhcp_binding_address(const struct dhcp_binding *b)
{
    return b->address;
}

ovs_be32
dhcp_binding_server_id(const struct dhcp_binding *b)
{
    return b->server_id;
}

bool
dhcp_binding_equal(const struct dhcp_binding *a, const struct dhcp_binding *b)
{
    return (eth_addr_equals(a->mac, b->mac)
            && a->address == b->address
            && a->server_id == b->server_id
            && a->lease_time == b->lease_time
            && !memcmp(a->slot_len, b->slot_len, sizeof a->slot_len)
            && a->blob_len == b->blob_len
            && !memcmp(a->blob, b->blob, a->blob_len));
}

bool
dhcp_binding_is_declined(const struct dhcp_binding *b, long long int *whenp)
{
    if (whenp) {
        *whenp = b->declined ? b->declined_at : 0;
    }
    return b->declined;
}

void
dhcp_binding_keep_state(struct dhcp_binding *new,
                        const struct dhcp_binding *old)
{
    new->declined = old->declined;
    new->declined_at = old->declined_at;
}

/* ------------------------------------------------------------ server */

struct dhcp_server {
    struct dhcp_server_config cfg;
    struct dhcp_counters counters;
};

struct dhcp_server *
dhcp_server_create(const struct dhcp_server_config *cfg)
{
    struct dhcp_server *s = xzalloc(sizeof *s);
    s->cfg = *cfg;
    return s;
}

void
dhcp_server_destroy(struct dhcp_server *s)
{
    free(s);
}

const struct dhcp_counters *
dhcp_server_counters(const struct dhcp_server *s)
{
    return &s->counters;
}

void
dhcp_server_clear_counters(struct dhcp_server *s)
{
    memset(&s->counters, 0, sizeof s->counters);
}

static enum dhcp_drop
drop(struct dhcp_server *s, enum dhcp_drop reason, const struct eth_addr *mac)
{
    s->counters.drops[reason]++;
    if (!VLOG_DROP_DBG(&rl)) {
        if (mac) {
            VLOG_DBG("dropped a request from "ETH_ADDR_FMT": %s",
                     ETH_ADDR_ARGS(*mac), dhcp_drop_name(reason));
        } else {
            VLOG_DBG("dropped a frame: %s", dhcp_drop_name(reason));
        }
    }
    return reason;
}

static void
count(struct dhcp_server *s, enum dhcp_event event)
{
    s->counters.events[event]++;
}

enum dhcp_drop
dhcp_server_parse(struct dhcp_server *s, const void *frame, size_t size,
                  struct dhcp_request *req)
{
    struct pkt_view v;
    enum pkt_error error = pkt_parse(&v, frame, size);
    if (error) {
        s->counters.frame_errors[error]++;
        return drop(s, DHCP_DROP_BAD_FRAME, NULL);
    }
    if (!v.ip || !v.udp || ntohs(v.udp->udp_dst) != DHCP_SERVER_PORT) {
        return drop(s, DHCP_DROP_NOT_DHCP, NULL);
    }
    if (v.l4_size < DHCP_HEADER_LEN + DHCP_COOKIE_LEN) {
        return drop(s, DHCP_DROP_TRUNCATED, NULL);
    }
    if (v.l4_size > DHCP_MAX_REQUEST) {
        return drop(s, DHCP_DROP_OVERSIZED, NULL);
    }

    const struct dhcp_header *msg = (const void *) v.l4_data;
    if (msg->op != DHCP_OP_REQUEST) {
        return drop(s, DHCP_DROP_NOT_REQUEST, NULL);
    }
    if (msg->htype != ARP_HRD_ETHERNET || msg->hlen != ETH_ADDR_LEN) {
        return drop(s, DHCP_DROP_BAD_HTYPE, NULL);
    }
    memcpy(req->chaddr.ea, msg->chaddr, ETH_ADDR_LEN);

    switch (dhcp_options_parse(&req->opts, v.l4_data, v.l4_size)) {
    case DHCP_OPT_OK:
        break;
    case DHCP_OPT_BAD_COOKIE:
        return drop(s, DHCP_DROP_BAD_COOKIE, &req->chaddr);
    case DHCP_OPT_OVERRUN:
        return drop(s, DHCP_DROP_OPTION_OVERRUN, &req->chaddr);
    case DHCP_OPT_NO_END:
        return drop(s, DHCP_DROP_NO_END, &req->chaddr);
    case DHCP_OPT_BAD_OVERLOAD:
        return drop(s, DHCP_DROP_BAD_OVERLOAD, &req->chaddr);
    }

    const struct dhcp_options *opts = &req->opts;
    if (!dhcp_options_has(opts, DHCP_OPT_MESSAGE_TYPE)) {
        /* Plain BOOTP (RFC 951): not served. */
        return drop(s, DHCP_DROP_NO_MSG_TYPE, &req->chaddr);
    }
    static const struct {
        uint8_t code;
        uint8_t len;
    } fixed[] = {
        { DHCP_OPT_MESSAGE_TYPE, 1 },
        { DHCP_OPT_REQUESTED_IP, 4 },
        { DHCP_OPT_SERVER_ID, 4 },
        { DHCP_OPT_MAX_MESSAGE_SIZE, 2 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
        if (dhcp_options_has(opts, fixed[i].code)
            && opts->len[fixed[i].code] != fixed[i].len) {
            return drop(s, DHCP_DROP_BAD_OPTION_LEN, &req->chaddr);
        }
    }
    req->type = opts->value[DHCP_OPT_MESSAGE_TYPE][0];
    switch (req->type) {
    case DHCP_MSG_DISCOVER:
    case DHCP_MSG_REQUEST:
    case DHCP_MSG_DECLINE:
    case DHCP_MSG_RELEASE:
    case DHCP_MSG_INFORM:
        break;
    default:
        return drop(s, DHCP_DROP_BAD_MSG_TYPE, &req->chaddr);
    }

    if (msg->giaddr) {
        if (!s->cfg.allow_relay) {
            return drop(s, DHCP_DROP_RELAY_DISABLED, &req->chaddr);
        }
    } else if (!eth_addr_equals(req->chaddr, v.eth->eth_src)) {
        /* Straight from the guest: it can only speak for itself. */
        return drop(s, DHCP_DROP_CHADDR_MISMATCH, &req->chaddr);
    }

    req->eth = v.eth;
    req->ip = v.ip;
    req->msg = msg;
    req->msg_size = v.l4_size;
    return DHCP_DROP_NONE;
}

/* A reply under construction: the BOOTP message and its options. */
struct reply {
    struct dhcp_server *server;
    uint8_t buf[DHCP_MAX_REPLY];
    size_t size;
    size_t limit;                       /* Room for options, end included. */
    uint64_t sent[4];                   /* Codes already in. */
};

/* Appends 'len' bytes of complete options (code 'code') if they fit,
 * keeping one byte for the end option.  Returns false, and counts, if
 * they do not. */
static bool
reply_put_raw(struct reply *r, uint8_t code, const void *options, size_t len)
{
    if (r->size + len + 1 > r->limit) {
        count(r->server, DHCP_EV_OPTION_OMITTED);
        return false;
    }
    memcpy(&r->buf[r->size], options, len);
    r->size += len;
    r->sent[code / 64] |= UINT64_C(1) << (code % 64);
    return true;
}

static bool
reply_has(const struct reply *r, uint8_t code)
{
    return (r->sent[code / 64] >> (code % 64)) & 1;
}

/* Appends one option whose value is at most 255 bytes. */
static void
reply_put(struct reply *r, uint8_t code, const void *value, size_t len)
{
    uint8_t option[2 + UINT8_MAX];
    option[0] = code;
    option[1] = len;
    memcpy(&option[2], value, len);
    reply_put_raw(r, code, option, 2 + len);
}

static void
reply_put_be32(struct reply *r, uint8_t code, ovs_be32 value)
{
    reply_put(r, code, &value, sizeof value);
}

static void
reply_put_slot(struct reply *r, const struct dhcp_binding *b, uint8_t code)
{
    int slot = slot_of_code(code);
    if (slot >= 0 && b->slot_len[slot] && !reply_has(r, code)) {
        reply_put_raw(r, code, &b->blob[b->slot_offset[slot]],
                      b->slot_len[slot]);
    }
}

/* Echoes option 'code' of the request, if it has one (at most 255 bytes:
 * longer ones were split by the client, and are not worth splitting
 * again). */
static void
reply_echo(struct reply *r, const struct dhcp_request *req, uint8_t code)
{
    const struct dhcp_options *opts = &req->opts;
    if (dhcp_options_has(opts, code) && opts->len[code] <= UINT8_MAX) {
        reply_put(r, code, opts->value[code], opts->len[code]);
    }
}

/* The configuration options, in the order RFC 2132 §9.8 asks for: the
 * client's, from its parameter request list.  Without a list, all of them.
 * Subnet mask and router go to every client, since they are what makes
 * the address usable (a client that asked for option 121 ignores 3). */
static void
reply_put_config(struct reply *r, const struct dhcp_request *req,
                 const struct dhcp_binding *b)
{
    const struct dhcp_options *opts = &req->opts;
    if (dhcp_options_has(opts, DHCP_OPT_PARAM_REQUEST)) {
        const uint8_t *prl = opts->value[DHCP_OPT_PARAM_REQUEST];
        for (size_t i = 0; i < opts->len[DHCP_OPT_PARAM_REQUEST]; i++) {
            reply_put_slot(r, b, prl[i]);
        }
        reply_put_slot(r, b, DHCP_OPT_SUBNET_MASK);
        reply_put_slot(r, b, DHCP_OPT_ROUTER);
    } else {
        static const uint8_t all[] = {
            DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER, DHCP_OPT_DNS_SERVERS,
            DHCP_OPT_HOSTNAME, DHCP_OPT_DOMAIN_NAME, DHCP_OPT_MTU,
            DHCP_OPT_DOMAIN_SEARCH, DHCP_OPT_CLASSLESS_ROUTES,
        };
        for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
            reply_put_slot(r, b, all[i]);
        }
    }
}

/* Builds the reply of type 'type' to 'req' into 'frame'. */
static void
build_reply(struct dhcp_server *s, const struct dhcp_request *req,
            const struct dhcp_binding *b, uint8_t type, struct ofpbuf *frame)
{
    const struct dhcp_header *rq = req->msg;
    struct reply r;
    r.server = s;
    memset(r.sent, 0, sizeof r.sent);

    /* RFC 2132 §9.10: the client's maximum covers the IP and UDP headers,
     * and may not be under 576. */
    size_t datagram = DHCP_MIN_DATAGRAM;
    const uint8_t *mms = dhcp_options_get_fixed(&req->opts,
                                                DHCP_OPT_MAX_MESSAGE_SIZE, 2);
    if (mms) {
        datagram = MAX(datagram, (mms[0] << 8) | mms[1]);
    }
    r.limit = MIN(datagram - IP_HEADER_LEN - UDP_HEADER_LEN, DHCP_MAX_REPLY);

    /* RFC 2131 §4.3.1, table 3: the fields of a server's message. */
    struct dhcp_header *h = (void *) r.buf;
    memset(h, 0, sizeof *h);
    h->op = DHCP_OP_REPLY;
    h->htype = ARP_HRD_ETHERNET;
    h->hlen = ETH_ADDR_LEN;
    h->xid = rq->xid;
    h->flags = rq->flags;
    h->giaddr = rq->giaddr;
    memcpy(h->chaddr, rq->chaddr, sizeof h->chaddr);
    if (type == DHCP_MSG_ACK) {
        h->ciaddr = rq->ciaddr;
        if (req->type != DHCP_MSG_INFORM) {
            h->yiaddr = b->address;
        }
    } else if (type == DHCP_MSG_OFFER) {
        h->yiaddr = b->address;
    } else if (rq->giaddr) {
        /* RFC 2131 §4.3.2: a NAK through a relay asks it to broadcast. */
        h->flags |= htons(DHCP_FLAG_BROADCAST);
    }
    static const uint8_t cookie[DHCP_COOKIE_LEN] = { 99, 130, 83, 99 };
    memcpy(&r.buf[DHCP_HEADER_LEN], cookie, sizeof cookie);
    r.size = DHCP_HEADER_LEN + DHCP_COOKIE_LEN;

    reply_put(&r, DHCP_OPT_MESSAGE_TYPE, &type, 1);
    reply_put_be32(&r, DHCP_OPT_SERVER_ID, b->server_id);
    /* RFC 6842 §3: echo the client identifier. */
    reply_echo(&r, req, DHCP_OPT_CLIENT_ID);
    if (type == DHCP_MSG_NAK) {
        static const char why[] = "requested address is not this client's";
        reply_put(&r, DHCP_OPT_MESSAGE, why, strlen(why));
    } else {
        /* RFC 2131 §4.3.5: no lease times in the answer to an INFORM. */
        if (req->type != DHCP_MSG_INFORM) {
            /* RFC 2131 §4.4.5: T1 = 0.5 and T2 = 0.875 of the lease. */
            uint32_t lease = b->lease_time;
            uint32_t t1 = lease == UINT32_MAX ? lease : lease / 2;
            uint32_t t2 = (lease == UINT32_MAX ? lease
                           : (uint32_t) ((uint64_t) lease * 7 / 8));
            reply_put_be32(&r, DHCP_OPT_LEASE_TIME, htonl(lease));
            reply_put_be32(&r, DHCP_OPT_RENEWAL_TIME, htonl(t1));
            reply_put_be32(&r, DHCP_OPT_REBINDING_TIME, htonl(t2));
        }
        reply_put_config(&r, req, b);
    }
    /* RFC 3046 §2.2: relay agent information goes back, last. */
    if (rq->giaddr) {
        reply_echo(&r, req, DHCP_OPT_RELAY_AGENT_INFO);
    }
    r.buf[r.size++] = DHCP_OPT_END_;
    if (r.size < DHCP_MIN_REPLY) {
        memset(&r.buf[r.size], 0, DHCP_MIN_REPLY - r.size);
        r.size = DHCP_MIN_REPLY;
    }

    /* RFC 2131 §4.1: where the reply goes. */
    struct eth_addr dst_mac = req->chaddr;
    ovs_be32 dst_ip;
    uint16_t dst_port = DHCP_CLIENT_PORT;
    if (rq->giaddr) {
        dst_mac = req->eth->eth_src;
        dst_ip = rq->giaddr;
        dst_port = DHCP_SERVER_PORT;
    } else if (type == DHCP_MSG_NAK) {
        dst_ip = htonl(INADDR_BROADCAST);
    } else if (rq->ciaddr) {
        dst_ip = rq->ciaddr;
    } else if (rq->flags & htons(DHCP_FLAG_BROADCAST) || !h->yiaddr) {
        dst_ip = htonl(INADDR_BROADCAST);
    } else {
        dst_ip = h->yiaddr;
    }
    if (dst_ip == htonl(INADDR_BROADCAST)) {
        dst_mac = eth_addr_broadcast;
    }

    ofpbuf_clear(frame);
    pkt_put_eth(frame, dst_mac, s->cfg.server_mac, ETH_TYPE_IP);
    pkt_put_ipv4_udp(frame, b->server_id, dst_ip, DHCP_SERVER_PORT, dst_port,
                     r.buf, r.size);

    count(s, (type == DHCP_MSG_OFFER ? DHCP_EV_TX_OFFER
              : type == DHCP_MSG_ACK ? DHCP_EV_TX_ACK
              : DHCP_EV_TX_NAK));
}

/* The value of the 4-byte option 'code' of 'req' (the server identifier,
 * the requested address), or 0 if it has none. */
static ovs_be32
request_be32(const struct dhcp_request *req, uint8_t code)
{
    const uint8_t *p = dhcp_options_get_fixed(&req->opts, code, 4);
    ovs_be32 value = 0;
    if (p) {
        memcpy(&value, p, sizeof value);
    }
    return value;
}

static enum dhcp_drop
answer_request(struct dhcp_server *s, const struct dhcp_request *req,
               struct dhcp_binding *b, struct ofpbuf *reply)
{
    const struct dhcp_header *rq = req->msg;
    ovs_be32 server_id = request_be32(req, DHCP_OPT_SERVER_ID);
    ovs_be32 requested = request_be32(req, DHCP_OPT_REQUESTED_IP);

    /* RFC 2131 §4.3.2: the client's state shows in which fields it set. */
    if (server_id) {
        count(s, DHCP_EV_RX_SELECTING);
        if (server_id != b->server_id) {
            /* It chose another server's offer. */
            return drop(s, DHCP_DROP_OTHER_SERVER, &req->chaddr);
        }
    } else if (!rq->ciaddr) {
        count(s, DHCP_EV_RX_INIT_REBOOT);
    } else if (get_16aligned_be32(&req->ip->ip_dst)
               == htonl(INADDR_BROADCAST)) {
        count(s, DHCP_EV_RX_REBINDING);
    } else {
        count(s, DHCP_EV_RX_RENEWING);
    }

    ovs_be32 address = rq->ciaddr ? rq->ciaddr : requested;
    if (!address) {
        return drop(s, DHCP_DROP_NO_ADDRESS, &req->chaddr);
    }
    if (address != b->address || b->declined) {
        count(s, (b->declined ? DHCP_EV_NAK_DECLINED
                  : DHCP_EV_NAK_WRONG_ADDRESS));
        VLOG_INFO_RL(&rl, ETH_ADDR_FMT" asked for "IP_FMT": NAK (%s)",
                     ETH_ADDR_ARGS(req->chaddr), IP_ARGS(address),
                     b->declined ? "declined" : "not its address");
        build_reply(s, req, b, DHCP_MSG_NAK, reply);
    } else {
        build_reply(s, req, b, DHCP_MSG_ACK, reply);
    }
    return DHCP_DROP_NONE;
}

enum dhcp_drop
dhcp_server_answer(struct dhcp_server *s, const struct dhcp_request *req,
                   struct dhcp_binding *b, long long int now,
                   struct ofpbuf *reply)
{
    ofpbuf_clear(reply);
    if (!b || !eth_addr_equals(b->mac, req->chaddr)) {
        return drop(s, DHCP_DROP_UNKNOWN_CLIENT, &req->chaddr);
    }
    ovs_be32 ip_dst = get_16aligned_be32(&req->ip->ip_dst);
    if (ip_dst != htonl(INADDR_BROADCAST) && ip_dst != b->server_id) {
        return drop(s, DHCP_DROP_NOT_FOR_US, &req->chaddr);
    }
    if (req->msg->giaddr) {
        count(s, DHCP_EV_RX_RELAYED);
    }

    switch (req->type) {
    case DHCP_MSG_DISCOVER:
        count(s, DHCP_EV_RX_DISCOVER);
        if (b->declined) {
            return drop(s, DHCP_DROP_DECLINED, &req->chaddr);
        }
        build_reply(s, req, b, DHCP_MSG_OFFER, reply);
        return DHCP_DROP_NONE;

    case DHCP_MSG_REQUEST:
        return answer_request(s, req, b, reply);

    case DHCP_MSG_DECLINE:
        /* RFC 2131 §4.3.3: the address is in use by someone else.  No
         * answer; stop offering it until the binding changes. */
        count(s, DHCP_EV_RX_DECLINE);
        if (request_be32(req, DHCP_OPT_SERVER_ID) != b->server_id) {
            return drop(s, DHCP_DROP_OTHER_SERVER, &req->chaddr);
        }
        if (request_be32(req, DHCP_OPT_REQUESTED_IP) != b->address) {
            return drop(s, DHCP_DROP_DECLINE_MISMATCH, &req->chaddr);
        }
        if (!b->declined) {
            b->declined = true;
            b->declined_at = now;
        }
        VLOG_WARN_RL(&rl, ETH_ADDR_FMT" declined "IP_FMT" (in use by "
                     "another host?): no more offers until its binding "
                     "changes", ETH_ADDR_ARGS(req->chaddr),
                     IP_ARGS(b->address));
        return DHCP_DROP_NONE;

    case DHCP_MSG_RELEASE:
        /* RFC 2131 §4.3.4: no answer.  The binding outlives the lease. */
        count(s, DHCP_EV_RX_RELEASE);
        if (request_be32(req, DHCP_OPT_SERVER_ID) != b->server_id) {
            return drop(s, DHCP_DROP_OTHER_SERVER, &req->chaddr);
        }
        VLOG_INFO_RL(&rl, ETH_ADDR_FMT" released "IP_FMT,
                     ETH_ADDR_ARGS(req->chaddr), IP_ARGS(req->msg->ciaddr));
        return DHCP_DROP_NONE;

    case DHCP_MSG_INFORM:
        count(s, DHCP_EV_RX_INFORM);
        build_reply(s, req, b, DHCP_MSG_ACK, reply);
        return DHCP_DROP_NONE;
    }
    /* dhcp_server_parse() let no other type through. */
    OVS_NOT_REACHED();
}

enum dhcp_drop
dhcp_server_handle(struct dhcp_server *s, struct dhcp_binding *b,
                   const void *frame, size_t size, long long int now,
                   struct ofpbuf *reply)
{
    struct dhcp_request req;
    ofpbuf_clear(reply);
    enum dhcp_drop reason = dhcp_server_parse(s, frame, size, &req);
    return reason ? reason : dhcp_server_answer(s, &req, b, now, reply);
}
