/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "dhcpd/dhcp6-server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include "lib/dns-name.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(dhcp6_server);

/* Anything a guest can trigger is logged at most this often. */
static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Requests and replies: what a 1500-byte frame carries. */
#define DHCP6_MAX_MESSAGE (ETH_PAYLOAD_MAX - IPV6_HEADER_LEN - UDP_HEADER_LEN)

#define MSG_HEADER_LEN 4                /* Type, transaction id. */
#define OPT_HEADER_LEN 4                /* Code, length. */
#define IA_NA_FIXED 12                  /* IAID, T1, T2 (RFC 8415 §21.4). */
#define IA_TA_FIXED 4                   /* IAID (§21.5). */
#define IAADDR_FIXED 24                 /* Address, lifetimes (§21.6). */
#define IAPREFIX_FIXED 25               /* Lifetimes, length, prefix. */
#define DUID_MAX_LEN 130                /* Type and 128 bytes (§11.1). */
#define STATUS_MESSAGE_MAX 32           /* Ours, see status_message(). */

/* The largest reply the limits allow: the header and both identifiers,
 * Preference and Rapid Commit, a top-level status, each IA with an
 * address and a status, every address of the request again, and the
 * configuration options. */
#define STATUS_OPT_MAX (OPT_HEADER_LEN + 2 + STATUS_MESSAGE_MAX)
#define IAADDR_OPT_LEN (OPT_HEADER_LEN + IAADDR_FIXED)
#define WORST_REPLY                                                     \
    (MSG_HEADER_LEN + OPT_HEADER_LEN + DHCP6_DUID_LL_LEN                \
     + OPT_HEADER_LEN + DUID_MAX_LEN + OPT_HEADER_LEN + 1               \
     + OPT_HEADER_LEN + STATUS_OPT_MAX                                  \
     + DHCP6_MAX_IAS * (OPT_HEADER_LEN + IA_NA_FIXED + IAADDR_OPT_LEN   \
                        + STATUS_OPT_MAX)                               \
     + DHCP6_MAX_ADDRS * IAADDR_OPT_LEN                                 \
     + OPT_HEADER_LEN + DHCP6_MAX_DNS * 16                              \
     + OPT_HEADER_LEN + DHCP6_MAX_DOMAIN_LIST + OPT_HEADER_LEN + 4)
BUILD_ASSERT_DECL(WORST_REPLY <= DHCP6_MAX_MESSAGE);

/* All_DHCP_Relay_Agents_and_Servers (RFC 8415 §7.1). */
static const struct in6_addr all_dhcp_agents = { { {
    0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2,
} } };

const char *
dhcp6_drop_name(enum dhcp6_drop drop)
{
    switch (drop) {
    case DHCP6_DROP_NONE:
        return "none";
#define DHCP6_DROP(ENUM, NAME) case DHCP6_DROP_##ENUM: return NAME;
    DHCP6_DROPS
#undef DHCP6_DROP
    case DHCP6_N_DROPS:
        break;
    }
    return "unknown";
}

const char *
dhcp6_event_name(enum dhcp6_event event)
{
    switch (event) {
#define DHCP6_EVENT(ENUM, NAME) case DHCP6_EV_##ENUM: return NAME;
    DHCP6_EVENTS
#undef DHCP6_EVENT
    case DHCP6_N_EVENTS:
        break;
    }
    return "unknown";
}

static void
put_u16(uint8_t *p, uint16_t value)
{
    p[0] = value >> 8;
    p[1] = value;
}

static uint16_t
get_u16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

static void
put_u32(uint8_t *p, uint32_t value)
{
    put_u16(p, value >> 16);
    put_u16(p + 2, value);
}

/* Appends option 'code' with the 'len' bytes at 'value' to 'b'. */
static void
put_option(struct ofpbuf *b, uint16_t code, const void *value, size_t len)
{
    uint8_t *p = ofpbuf_put_uninit(b, OPT_HEADER_LEN);
    put_u16(p, code);
    put_u16(p + 2, len);
    ofpbuf_put(b, value, len);
}

/* ------------------------------------------------------------ bindings */

struct dhcp6_binding {
    struct eth_addr mac;
    struct in6_addr address;
    uint32_t preferred;
    uint32_t valid;
    uint32_t t1;
    uint32_t t2;
    uint32_t info_refresh;
    uint16_t dns_len;                   /* Option 23, whole; 0: none. */
    uint16_t domains_len;               /* Option 24, whole; 0: none. */
    uint8_t options[];                  /* Option 23, then option 24. */
};

void
dhcp6_binding_get_times(const struct dhcp6_binding *b,
                        struct dhcp6_binding_times *times)
{
    times->preferred = b->preferred;
    times->valid = b->valid;
    times->t1 = b->t1;
    times->t2 = b->t2;
}

void
dhcp6_binding_config_init(struct dhcp6_binding_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->preferred_lifetime = DHCP6_DEFAULT_PREFERRED_LIFETIME;
    cfg->valid_lifetime = DHCP6_DEFAULT_VALID_LIFETIME;
    cfg->info_refresh_time = DHCP6_DEFAULT_INFO_REFRESH_TIME;
}

/* RFC 8415 §21.4: by default T1 and T2 are 0.5 and 0.8 times the
 * preferred lifetime; an infinite lifetime has infinite times. */
static uint32_t
default_time(uint32_t preferred, unsigned int tenths)
{
    return (preferred == DHCP6_INFINITY ? DHCP6_INFINITY
            : (uint32_t) ((uint64_t) preferred * tenths / 10));
}

static const char *
check_config(const struct dhcp6_binding_config *cfg, uint32_t t1,
             uint32_t t2)
{
    if (eth_addr_is_zero(cfg->mac) || eth_addr_is_multicast(cfg->mac)) {
        return "the MAC must be a unicast address";
    }
    if (!pkt_ipv6_is_unicast(&cfg->address)
        || pkt_ipv6_is_link_local(&cfg->address)) {
        return "the address must be a global or unique local unicast "
               "address";
    }
    const char *error = dns_check_ipv6(cfg->dns, cfg->n_dns, DHCP6_MAX_DNS,
                                       cfg->search, cfg->n_search,
                                       DHCP6_MAX_SEARCH);
    if (error) {
        return error;
    }
    /* RFC 8415 §21.6 and §21.4: a client discards an address whose
     * preferred lifetime exceeds its valid one, and an IA whose T1 exceeds
     * its T2. */
    if (!cfg->valid_lifetime) {
        return "the valid lifetime must be at least 1 second";
    }
    if (cfg->preferred_lifetime > cfg->valid_lifetime) {
        return "the preferred lifetime must not exceed the valid lifetime";
    }
    if (t1 > t2 || t2 > cfg->preferred_lifetime) {
        return "T1 must not exceed T2, nor T2 the preferred lifetime";
    }
    /* IRT_MINIMUM (§21.23). */
    if (cfg->info_refresh_time < 600) {
        return "the information refresh time must be at least 600 seconds";
    }
    return NULL;
}

int
dhcp6_binding_create(const struct dhcp6_binding_config *cfg,
                     struct dhcp6_binding **bindingp, const char **errorp)
{
    uint32_t t1 = cfg->t1 ? cfg->t1 : default_time(cfg->preferred_lifetime,
                                                   5);
    uint32_t t2 = cfg->t2 ? cfg->t2 : default_time(cfg->preferred_lifetime,
                                                   8);
    const char *error = check_config(cfg, t1, t2);
    *bindingp = NULL;

    struct ofpbuf options, domains;
    ofpbuf_init(&options, 256);
    ofpbuf_init(&domains, 256);
    if (!error && cfg->n_dns) {
        put_option(&options, DHCP6_OPT_DNS_SERVERS, cfg->dns,
                   cfg->n_dns * sizeof cfg->dns[0]);
    }
    size_t dns_len = options.size;
    for (size_t i = 0; !error && i < cfg->n_search; i++) {
        /* RFC 8415 §10: names are not compressed.  Checked above. */
        ignore(dns_name_put(&domains, cfg->search[i]));
    }
    if (domains.size > DHCP6_MAX_DOMAIN_LIST) {
        error = "the search domains take more than 512 bytes";
    } else if (domains.size) {
        put_option(&options, DHCP6_OPT_DOMAIN_LIST, domains.data,
                   domains.size);
    }

    if (!error) {
        struct dhcp6_binding *b = xzalloc(sizeof *b + options.size);
        b->mac = cfg->mac;
        b->address = cfg->address;
        b->preferred = cfg->preferred_lifetime;
        b->valid = cfg->valid_lifetime;
        b->t1 = t1;
        b->t2 = t2;
        b->info_refresh = cfg->info_refresh_time;
        b->dns_len = dns_len;
        b->domains_len = options.size - dns_len;
        memcpy(b->options, options.data, options.size);
        *bindingp = b;
    } else if (errorp) {
        *errorp = error;
    }
    ofpbuf_uninit(&domains);
    ofpbuf_uninit(&options);
    return error ? -EINVAL : 0;
}

void
dhcp6_binding_destroy(struct dhcp6_binding *b)
{
    free(b);
}

struct eth_addr
dhcp6_binding_mac(const struct dhcp6_binding *b)
{
    return b->mac;
}

const struct in6_addr *
dhcp6_binding_address(const struct dhcp6_binding *b)
{
    return &b->address;
}

bool
dhcp6_binding_equal(const struct dhcp6_binding *a,
                    const struct dhcp6_binding *b)
{
    return (eth_addr_equals(a->mac, b->mac)
            && ipv6_addr_equals(&a->address, &b->address)
            && a->preferred == b->preferred && a->valid == b->valid
            && a->t1 == b->t1 && a->t2 == b->t2
            && a->info_refresh == b->info_refresh
            && a->dns_len == b->dns_len && a->domains_len == b->domains_len
            && !memcmp(a->options, b->options, a->dns_len + a->domains_len));
}

/* ------------------------------------------------------------ server */

struct dhcp6_server {
    struct dhcp6_server_config cfg;
    uint8_t duid[DHCP6_DUID_LL_LEN];
    struct dhcp6_counters counters;
};

void
dhcp6_server_config_init(struct dhcp6_server_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    bool ok = (eth_addr_from_string("0a:58:a9:fe:01:01", &cfg->server_mac)
               && ipv6_parse("fe80::1", &cfg->server_address));
    ovs_assert(ok);
    cfg->rapid_commit = true;
}

struct dhcp6_server *
dhcp6_server_create(const struct dhcp6_server_config *cfg)
{
    struct dhcp6_server *s = xzalloc(sizeof *s);
    s->cfg = *cfg;
    /* RFC 8415 §11.4: DUID-LL, type 3, hardware type 1 (Ethernet). */
    put_u16(&s->duid[0], 3);
    put_u16(&s->duid[2], 1);
    memcpy(&s->duid[4], cfg->server_mac.ea, ETH_ADDR_LEN);
    return s;
}

void
dhcp6_server_destroy(struct dhcp6_server *s)
{
    free(s);
}

const uint8_t *
dhcp6_server_duid(const struct dhcp6_server *s, size_t *lenp)
{
    *lenp = sizeof s->duid;
    return s->duid;
}

const struct dhcp6_counters *
dhcp6_server_counters(const struct dhcp6_server *s)
{
    return &s->counters;
}

void
dhcp6_server_clear_counters(struct dhcp6_server *s)
{
    memset(&s->counters, 0, sizeof s->counters);
}

static enum dhcp6_drop
drop(struct dhcp6_server *s, enum dhcp6_drop reason,
     const struct eth_addr *mac)
{
    s->counters.drops[reason]++;
    if (!VLOG_DROP_DBG(&rl)) {
        if (mac) {
            VLOG_DBG("dropped a request from "ETH_ADDR_FMT": %s",
                     ETH_ADDR_ARGS(*mac), dhcp6_drop_name(reason));
        } else {
            VLOG_DBG("dropped a frame: %s", dhcp6_drop_name(reason));
        }
    }
    return reason;
}

static void
count(struct dhcp6_server *s, enum dhcp6_event event)
{
    s->counters.events[event]++;
}

/* ------------------------------------------------------------ parsing */

/* Walks the options in a buffer, one at a time. */
struct opt_iter {
    const uint8_t *p;
    size_t left;
};

/* Stores the next option's code, value and length.  Returns 1, 0 at the
 * end, or -1 if an option runs past the end of the buffer. */
static int
opt_next(struct opt_iter *it, uint16_t *code, const uint8_t **value,
         size_t *len)
{
    if (!it->left) {
        return 0;
    }
    if (it->left < OPT_HEADER_LEN) {
        return -1;
    }
    *code = get_u16(it->p);
    *len = get_u16(it->p + 2);
    if (*len > it->left - OPT_HEADER_LEN) {
        return -1;
    }
    *value = it->p + OPT_HEADER_LEN;
    it->p += OPT_HEADER_LEN + *len;
    it->left -= OPT_HEADER_LEN + *len;
    return 1;
}

/* Checks that the options in 'size' bytes at 'p' nest within them. */
static bool
options_fit(const uint8_t *p, size_t size)
{
    struct opt_iter it = { p, size };
    uint16_t code;
    const uint8_t *value;
    size_t len;
    int error;
    while ((error = opt_next(&it, &code, &value, &len)) > 0) {
        continue;
    }
    return !error;
}

/* Parses the IA option 'code' (IA_NA, IA_TA or IA_PD) whose 'len' bytes
 * are at 'value' into 'req': its IAID, and the addresses of its IA Address
 * options (the prefixes of an IA_PD are only checked). */
static enum dhcp6_drop
parse_ia(struct dhcp6_request *req, uint16_t code, const uint8_t *value,
         size_t len)
{
    size_t fixed = code == DHCP6_OPT_IA_TA ? IA_TA_FIXED : IA_NA_FIXED;
    uint16_t addr_code = (code == DHCP6_OPT_IA_PD ? DHCP6_OPT_IAPREFIX
                          : DHCP6_OPT_IAADDR);
    size_t addr_fixed = (code == DHCP6_OPT_IA_PD ? IAPREFIX_FIXED
                         : IAADDR_FIXED);
    if (len < fixed) {
        return DHCP6_DROP_BAD_OPTION_LEN;
    }
    if (req->n_ias >= DHCP6_MAX_IAS) {
        return DHCP6_DROP_TOO_MANY_IAS;
    }
    struct dhcp6_ia *ia = &req->ias[req->n_ias++];
    ia->type = code;
    memcpy(ia->iaid, value, sizeof ia->iaid);
    ia->first_addr = req->n_addrs;
    ia->n_addrs = 0;

    struct opt_iter it = { value + fixed, len - fixed };
    uint16_t sub_code;
    const uint8_t *sub;
    size_t sub_len;
    int error;
    while ((error = opt_next(&it, &sub_code, &sub, &sub_len)) > 0) {
        if (sub_code != addr_code) {
            /* A Status Code, or something newer: nothing to learn. */
            continue;
        }
        if (sub_len < addr_fixed) {
            return DHCP6_DROP_BAD_OPTION_LEN;
        }
        if (!options_fit(sub + addr_fixed, sub_len - addr_fixed)) {
            return DHCP6_DROP_OPTION_OVERRUN;
        }
        if (code != DHCP6_OPT_IA_PD) {
            if (req->n_addrs >= DHCP6_MAX_ADDRS) {
                return DHCP6_DROP_TOO_MANY_ADDRESSES;
            }
            memcpy(&req->addrs[req->n_addrs++], sub, sizeof req->addrs[0]);
            ia->n_addrs++;
        }
    }
    return error ? DHCP6_DROP_OPTION_OVERRUN : DHCP6_DROP_NONE;
}

/* Records the DUID option 'value' of 'len' bytes in '*duidp', once. */
static enum dhcp6_drop
parse_duid(const uint8_t **duidp, size_t *lenp, const uint8_t *value,
           size_t len)
{
    if (*duidp) {
        return DHCP6_DROP_DUPLICATE_OPTION;
    }
    /* RFC 8415 §11.1: a type, then 1 to 128 bytes. */
    if (len < 3 || len > DUID_MAX_LEN) {
        return DHCP6_DROP_BAD_OPTION_LEN;
    }
    *duidp = value;
    *lenp = len;
    return DHCP6_DROP_NONE;
}

static enum dhcp6_drop
parse_options(struct dhcp6_request *req, const uint8_t *p, size_t size)
{
    struct opt_iter it = { p, size };
    uint16_t code;
    const uint8_t *value;
    size_t len;
    int error;
    while ((error = opt_next(&it, &code, &value, &len)) > 0) {
        enum dhcp6_drop reason = DHCP6_DROP_NONE;
        switch (code) {
        case DHCP6_OPT_CLIENTID:
            reason = parse_duid(&req->client_id, &req->client_id_len, value,
                                len);
            break;
        case DHCP6_OPT_SERVERID:
            reason = parse_duid(&req->server_id, &req->server_id_len, value,
                                len);
            break;
        case DHCP6_OPT_ORO:
            if (req->oro) {
                reason = DHCP6_DROP_DUPLICATE_OPTION;
            } else if (len % 2) {
                reason = DHCP6_DROP_BAD_OPTION_LEN;
            }
            req->oro = value;
            req->oro_len = len;
            break;
        case DHCP6_OPT_RAPID_COMMIT:
            if (len) {
                reason = DHCP6_DROP_BAD_OPTION_LEN;
            }
            req->rapid_commit = true;
            break;
        case DHCP6_OPT_IA_NA:
        case DHCP6_OPT_IA_TA:
        case DHCP6_OPT_IA_PD:
            reason = parse_ia(req, code, value, len);
            break;
        default:
            /* Elapsed Time, FQDN, vendor options...: not used. */
            break;
        }
        if (reason) {
            return reason;
        }
    }
    return error ? DHCP6_DROP_OPTION_OVERRUN : DHCP6_DROP_NONE;
}

/* RFC 8415 §16: the options each message must and must not carry. */
static enum dhcp6_drop
validate(const struct dhcp6_server *s, const struct dhcp6_request *req)
{
    bool other_server = (req->server_id
                         && (req->server_id_len != sizeof s->duid
                             || memcmp(req->server_id, s->duid,
                                       sizeof s->duid)));
    switch (req->type) {
    case DHCP6_SOLICIT:
    case DHCP6_CONFIRM:
    case DHCP6_REBIND:
        /* §16.2, §16.5, §16.7: to every server, so none is named. */
        if (!req->client_id) {
            return DHCP6_DROP_NO_CLIENT_ID;
        }
        if (req->server_id) {
            return DHCP6_DROP_UNEXPECTED_SERVER_ID;
        }
        break;
    case DHCP6_REQUEST:
    case DHCP6_RENEW:
    case DHCP6_RELEASE:
    case DHCP6_DECLINE:
        /* §16.4, §16.6, §16.8, §16.9: to this server, by its DUID. */
        if (!req->client_id) {
            return DHCP6_DROP_NO_CLIENT_ID;
        }
        if (!req->server_id) {
            return DHCP6_DROP_NO_SERVER_ID;
        }
        if (other_server) {
            return DHCP6_DROP_OTHER_SERVER;
        }
        break;
    case DHCP6_INFORMATION_REQUEST:
        /* §16.12. */
        if (other_server) {
            return DHCP6_DROP_OTHER_SERVER;
        }
        if (req->n_ias) {
            return DHCP6_DROP_IA_IN_INFO_REQUEST;
        }
        break;
    }

    /* §16: these four go to All_DHCP_Relay_Agents_and_Servers.  The
     * others get UseMulticast (dhcp6_server_answer()). */
    if (req->unicast
        && (req->type == DHCP6_SOLICIT || req->type == DHCP6_CONFIRM
            || req->type == DHCP6_REBIND
            || req->type == DHCP6_INFORMATION_REQUEST)) {
        return DHCP6_DROP_UNICAST;
    }
    return DHCP6_DROP_NONE;
}

enum dhcp6_drop
dhcp6_server_parse(struct dhcp6_server *s, const void *frame, size_t size,
                   struct dhcp6_request *req)
{
    memset(req, 0, sizeof *req);

    struct pkt_view v;
    enum pkt_error error = pkt_parse(&v, frame, size);
    if (error) {
        s->counters.frame_errors[error]++;
        return drop(s, DHCP6_DROP_BAD_FRAME, NULL);
    }
    if (!v.ip6 || !v.udp || ntohs(v.udp->udp_dst) != DHCP6_SERVER_PORT) {
        return drop(s, DHCP6_DROP_NOT_DHCP6, NULL);
    }
    req->eth_src = v.eth->eth_src;
    struct in6_addr dst;
    memcpy(&dst, &v.ip6->ip6_dst, sizeof dst);
    memcpy(&req->src, &v.ip6->ip6_src, sizeof req->src);
    if (ipv6_addr_equals(&dst, &s->cfg.server_address)) {
        req->unicast = true;
    } else if (!ipv6_addr_equals(&dst, &all_dhcp_agents)) {
        return drop(s, DHCP6_DROP_NOT_FOR_US, &req->eth_src);
    }
    /* The reply goes back to the source. */
    if (!pkt_ipv6_is_unicast(&req->src)) {
        return drop(s, DHCP6_DROP_BAD_SOURCE, &req->eth_src);
    }
    if (v.l4_size < MSG_HEADER_LEN) {
        return drop(s, DHCP6_DROP_TRUNCATED, &req->eth_src);
    }
    if (v.l4_size > DHCP6_MAX_MESSAGE) {
        return drop(s, DHCP6_DROP_OVERSIZED, &req->eth_src);
    }

    const uint8_t *msg = v.l4_data;
    req->type = msg[0];
    memcpy(req->xid, &msg[1], sizeof req->xid);
    switch (req->type) {
    case DHCP6_SOLICIT:
    case DHCP6_REQUEST:
    case DHCP6_CONFIRM:
    case DHCP6_RENEW:
    case DHCP6_REBIND:
    case DHCP6_RELEASE:
    case DHCP6_DECLINE:
    case DHCP6_INFORMATION_REQUEST:
        break;
    case DHCP6_RELAY_FORW:
        /* A guest's messages reach the server of its own node directly:
         * no relay stands between them. */
        return drop(s, DHCP6_DROP_RELAYED, &req->eth_src);
    case DHCP6_ADVERTISE:
    case DHCP6_REPLY:
    case DHCP6_RECONFIGURE:
    case DHCP6_RELAY_REPL:
        /* A guest running a server, or a loop. */
        return drop(s, DHCP6_DROP_NOT_CLIENT_MESSAGE, &req->eth_src);
    default:
        return drop(s, DHCP6_DROP_BAD_MSG_TYPE, &req->eth_src);
    }

    enum dhcp6_drop reason = parse_options(req, msg + MSG_HEADER_LEN,
                                           v.l4_size - MSG_HEADER_LEN);
    if (!reason) {
        reason = validate(s, req);
    }
    return reason ? drop(s, reason, &req->eth_src) : DHCP6_DROP_NONE;
}

/* ------------------------------------------------------------ replies */

/* A reply under construction.  WORST_REPLY bounds what the request's and
 * the binding's limits can make of it. */
struct reply {
    struct dhcp6_server *server;
    uint8_t buf[WORST_REPLY];
    size_t size;
};

static uint8_t *
reply_put(struct reply *r, const void *data, size_t len)
{
    ovs_assert(r->size + len <= sizeof r->buf);
    uint8_t *p = &r->buf[r->size];
    if (data) {
        memcpy(p, data, len);
    }
    r->size += len;
    return p;
}

/* Starts option 'code', whose length end_option() writes. */
static size_t
start_option(struct reply *r, uint16_t code)
{
    size_t start = r->size;
    put_u16(reply_put(r, NULL, OPT_HEADER_LEN), code);
    return start;
}

static void
end_option(struct reply *r, size_t start)
{
    put_u16(&r->buf[start + 2], r->size - start - OPT_HEADER_LEN);
}

static void
put_reply_option(struct reply *r, uint16_t code, const void *value,
                 size_t len)
{
    size_t start = start_option(r, code);
    reply_put(r, value, len);
    end_option(r, start);
}

static void
put_u32_option(struct reply *r, uint16_t code, uint32_t value)
{
    uint8_t be[4];
    put_u32(be, value);
    put_reply_option(r, code, be, sizeof be);
}

static const char *
status_message(uint16_t status)
{
    switch (status) {
    case DHCP6_STATUS_SUCCESS:
        return "success";
    case DHCP6_STATUS_NO_ADDRS_AVAIL:
        return "no address for this IA here";
    case DHCP6_STATUS_NO_BINDING:
        return "no binding for this IA";
    case DHCP6_STATUS_NOT_ON_LINK:
        return "address not on this link";
    case DHCP6_STATUS_USE_MULTICAST:
        return "use multicast";
    case DHCP6_STATUS_NO_PREFIX_AVAIL:
        return "no prefix delegation here";
    default:
        return "";
    }
}

/* Appends a Status Code option (RFC 8415 §21.13) and counts it. */
static void
put_status(struct reply *r, uint16_t status)
{
    static const enum dhcp6_event events[] = {
        [DHCP6_STATUS_NO_ADDRS_AVAIL] = DHCP6_EV_NO_ADDRS_AVAIL,
        [DHCP6_STATUS_NO_BINDING] = DHCP6_EV_NO_BINDING,
        [DHCP6_STATUS_NOT_ON_LINK] = DHCP6_EV_NOT_ON_LINK,
        [DHCP6_STATUS_USE_MULTICAST] = DHCP6_EV_USE_MULTICAST,
        [DHCP6_STATUS_NO_PREFIX_AVAIL] = DHCP6_EV_NO_PREFIX_AVAIL,
    };
    const char *message = status_message(status);
    size_t start = start_option(r, DHCP6_OPT_STATUS_CODE);
    put_u16(reply_put(r, NULL, 2), status);
    reply_put(r, message, strlen(message));
    end_option(r, start);
    if (status != DHCP6_STATUS_SUCCESS && status < ARRAY_SIZE(events)) {
        count(r->server, events[status]);
    }
}

/* Starts the reply of type 'type' to 'req': the transaction id, the
 * server's identifier and the client's, echoed. */
static void
start_reply(struct reply *r, struct dhcp6_server *s,
            const struct dhcp6_request *req, uint8_t type)
{
    r->server = s;
    r->size = 0;
    uint8_t *h = reply_put(r, NULL, MSG_HEADER_LEN);
    h[0] = type;
    memcpy(&h[1], req->xid, sizeof req->xid);
    put_reply_option(r, DHCP6_OPT_SERVERID, s->duid, sizeof s->duid);
    if (req->client_id) {
        put_reply_option(r, DHCP6_OPT_CLIENTID, req->client_id,
                         req->client_id_len);
    }
}

/* Starts the IA option that answers 'ia', with T1 and T2 for an IA_NA or
 * an IA_PD. */
static size_t
start_ia(struct reply *r, const struct dhcp6_ia *ia, uint32_t t1,
         uint32_t t2)
{
    size_t start = start_option(r, ia->type);
    reply_put(r, ia->iaid, sizeof ia->iaid);
    if (ia->type != DHCP6_OPT_IA_TA) {
        uint8_t *p = reply_put(r, NULL, 8);
        put_u32(p, t1);
        put_u32(p + 4, t2);
    }
    return start;
}

static void
put_iaaddr(struct reply *r, const struct in6_addr *address,
           uint32_t preferred, uint32_t valid)
{
    size_t start = start_option(r, DHCP6_OPT_IAADDR);
    reply_put(r, address, sizeof *address);
    uint8_t *p = reply_put(r, NULL, 8);
    put_u32(p, preferred);
    put_u32(p + 4, valid);
    end_option(r, start);
}

/* An IA with no address and 'status'. */
static void
put_ia_status(struct reply *r, const struct dhcp6_ia *ia, uint16_t status)
{
    size_t start = start_ia(r, ia, 0, 0);
    put_status(r, status);
    end_option(r, start);
}

/* True if the client asked for option 'code', or sent no Option Request
 * option at all (RFC 8415 §21.7). */
static bool
requested(const struct dhcp6_request *req, uint16_t code)
{
    if (!req->oro) {
        return true;
    }
    for (size_t i = 0; i + 1 < req->oro_len; i += 2) {
        if (get_u16(&req->oro[i]) == code) {
            return true;
        }
    }
    return false;
}

/* The binding's DNS servers and domain list, if asked for. */
static void
put_config(struct reply *r, const struct dhcp6_request *req,
           const struct dhcp6_binding *b)
{
    if (b->dns_len && requested(req, DHCP6_OPT_DNS_SERVERS)) {
        reply_put(r, b->options, b->dns_len);
    }
    if (b->domains_len && requested(req, DHCP6_OPT_DOMAIN_LIST)) {
        reply_put(r, &b->options[b->dns_len], b->domains_len);
    }
}

/* Sends 'r' from the server to the client of 'req': the whole frame
 * replaces the contents of 'frame'. */
static void
send_reply(struct dhcp6_server *s, const struct dhcp6_request *req,
           const struct reply *r, struct ofpbuf *frame)
{
    ofpbuf_clear(frame);
    pkt_put_eth(frame, req->eth_src, s->cfg.server_mac, ETH_TYPE_IPV6);
    pkt_put_ipv6_udp(frame, &s->cfg.server_address, &req->src,
                     DHCP6_SERVER_PORT, DHCP6_CLIENT_PORT, r->buf, r->size);
    count(s, (r->buf[0] == DHCP6_ADVERTISE ? DHCP6_EV_TX_ADVERTISE
              : DHCP6_EV_TX_REPLY));
}

static bool
is_bound(const struct dhcp6_binding *b, const struct in6_addr *address)
{
    return b && ipv6_addr_equals(address, &b->address);
}

/* The index of the IA_NA of 'req' that gets the binding's address: the
 * first that holds it, else the first IA_NA; SIZE_MAX if there is none or
 * no binding.  A guest has one address, so other IA_NAs get none. */
static size_t
served_ia(const struct dhcp6_request *req, const struct dhcp6_binding *b)
{
    size_t first = SIZE_MAX;
    for (size_t i = 0; b && i < req->n_ias; i++) {
        const struct dhcp6_ia *ia = &req->ias[i];
        if (ia->type != DHCP6_OPT_IA_NA) {
            continue;
        }
        if (first == SIZE_MAX) {
            first = i;
        }
        for (size_t j = 0; j < ia->n_addrs; j++) {
            if (is_bound(b, &req->addrs[ia->first_addr + j])) {
                return i;
            }
        }
    }
    return first;
}

/* True if an address of 'ia' is not the binding's. */
static bool
ia_has_foreign(const struct dhcp6_request *req, const struct dhcp6_ia *ia,
               const struct dhcp6_binding *b)
{
    for (size_t j = 0; j < ia->n_addrs; j++) {
        if (!is_bound(b, &req->addrs[ia->first_addr + j])) {
            return true;
        }
    }
    return false;
}

/* The IA_NA that gets the binding's address, with fresh lifetimes. */
static size_t
start_served_ia(struct reply *r, const struct dhcp6_ia *ia,
                const struct dhcp6_binding *b)
{
    size_t start = start_ia(r, ia, b->t1, b->t2);
    put_iaaddr(r, &b->address, b->preferred, b->valid);
    return start;
}

/* Solicit (RFC 8415 §18.3.1, §18.3.9) and Request (§18.3.2): the IAs as
 * they would be, or are, assigned.  A Solicit's addresses are hints, and
 * ignored; in a Request, an address that is not the guest's is not on its
 * link, which is the port. */
static void
put_assigned_ias(struct reply *r, const struct dhcp6_request *req,
                 const struct dhcp6_binding *b)
{
    size_t served = served_ia(req, b);
    for (size_t i = 0; i < req->n_ias; i++) {
        const struct dhcp6_ia *ia = &req->ias[i];
        if (ia->type == DHCP6_OPT_IA_PD) {
            put_ia_status(r, ia, DHCP6_STATUS_NO_PREFIX_AVAIL);
        } else if (i != served) {
            put_ia_status(r, ia, DHCP6_STATUS_NO_ADDRS_AVAIL);
        } else if (req->type == DHCP6_REQUEST
                   && ia_has_foreign(req, ia, b)) {
            put_ia_status(r, ia, DHCP6_STATUS_NOT_ON_LINK);
        } else {
            end_option(r, start_served_ia(r, ia, b));
        }
    }
}

/* Puts every address of 'ia' that is not the binding's with lifetimes 0:
 * "no longer appropriate for the link" (RFC 8415 §18.3.4, §18.3.5).
 * Returns how many. */
static size_t
put_expired(struct reply *r, const struct dhcp6_request *req,
            const struct dhcp6_ia *ia, const struct dhcp6_binding *b)
{
    size_t n = 0;
    for (size_t j = 0; j < ia->n_addrs; j++) {
        const struct in6_addr *a = &req->addrs[ia->first_addr + j];
        if (!is_bound(b, a)) {
            put_iaaddr(r, a, 0, 0);
            count(r->server, DHCP6_EV_ADDRESS_EXPIRED);
            n++;
        }
    }
    return n;
}

/* Renew (RFC 8415 §18.3.4) and Rebind (§18.3.5): the guest's address with
 * fresh lifetimes, any other with lifetimes 0, NoBinding for an IA that
 * holds nothing, and for IA_TA and IA_PD, which are never bound. */
static void
put_extended_ias(struct reply *r, const struct dhcp6_request *req,
                 const struct dhcp6_binding *b)
{
    size_t served = served_ia(req, b);
    for (size_t i = 0; i < req->n_ias; i++) {
        const struct dhcp6_ia *ia = &req->ias[i];
        if (ia->type != DHCP6_OPT_IA_NA) {
            put_ia_status(r, ia, DHCP6_STATUS_NO_BINDING);
        } else if (i == served) {
            size_t start = start_served_ia(r, ia, b);
            put_expired(r, req, ia, b);
            end_option(r, start);
        } else {
            size_t start = start_ia(r, ia, 0, 0);
            if (!put_expired(r, req, ia, b)) {
                put_status(r, DHCP6_STATUS_NO_BINDING);
            }
            end_option(r, start);
        }
    }
}

/* Release (RFC 8415 §18.3.7) and Decline (§18.3.8): Success, and NoBinding
 * for each IA that does not hold the guest's address.  Nothing is freed
 * or withheld: the binding outlives them. */
static void
put_released_ias(struct reply *r, const struct dhcp6_request *req,
                 const struct dhcp6_binding *b)
{
    put_status(r, DHCP6_STATUS_SUCCESS);
    for (size_t i = 0; i < req->n_ias; i++) {
        const struct dhcp6_ia *ia = &req->ias[i];
        bool bound = false;
        for (size_t j = 0; ia->type == DHCP6_OPT_IA_NA && j < ia->n_addrs;
             j++) {
            bound |= is_bound(b, &req->addrs[ia->first_addr + j]);
        }
        if (!bound) {
            put_ia_status(r, ia, DHCP6_STATUS_NO_BINDING);
        }
    }
}

static void
log_decline(const struct dhcp6_request *req)
{
    if (VLOG_DROP_WARN(&rl)) {
        return;
    }
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < req->n_addrs; i++) {
        char buf[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &req->addrs[i], buf, sizeof buf);
        ds_put_format(&s, " %s", buf);
    }
    VLOG_WARN(ETH_ADDR_FMT" declined%s (in use by another host?)",
              ETH_ADDR_ARGS(req->eth_src),
              s.length ? ds_cstr(&s) : " nothing");
    ds_destroy(&s);
}

static void
count_rx(struct dhcp6_server *s, uint8_t type)
{
    switch (type) {
    case DHCP6_SOLICIT: count(s, DHCP6_EV_RX_SOLICIT); break;
    case DHCP6_REQUEST: count(s, DHCP6_EV_RX_REQUEST); break;
    case DHCP6_CONFIRM: count(s, DHCP6_EV_RX_CONFIRM); break;
    case DHCP6_RENEW: count(s, DHCP6_EV_RX_RENEW); break;
    case DHCP6_REBIND: count(s, DHCP6_EV_RX_REBIND); break;
    case DHCP6_RELEASE: count(s, DHCP6_EV_RX_RELEASE); break;
    case DHCP6_DECLINE: count(s, DHCP6_EV_RX_DECLINE); break;
    case DHCP6_INFORMATION_REQUEST:
        count(s, DHCP6_EV_RX_INFORMATION_REQUEST);
        break;
    }
}

static enum dhcp6_drop
answer_solicit(struct dhcp6_server *s, const struct dhcp6_request *req,
               const struct dhcp6_binding *b, struct reply *r)
{
    if (served_ia(req, b) == SIZE_MAX) {
        /* §18.3.9: nothing to assign, say so and nothing more. */
        start_reply(r, s, req, DHCP6_ADVERTISE);
        put_status(r, DHCP6_STATUS_NO_ADDRS_AVAIL);
        return DHCP6_DROP_NONE;
    }
    if (req->rapid_commit && s->cfg.rapid_commit) {
        /* §18.3.1: the Reply a Request would get, marked committed. */
        start_reply(r, s, req, DHCP6_REPLY);
        put_reply_option(r, DHCP6_OPT_RAPID_COMMIT, NULL, 0);
        count(s, DHCP6_EV_TX_RAPID_COMMIT);
    } else {
        /* §21.8: 255 tells the client to go ahead at once. */
        static const uint8_t preference = 255;
        start_reply(r, s, req, DHCP6_ADVERTISE);
        put_reply_option(r, DHCP6_OPT_PREFERENCE, &preference, 1);
    }
    put_assigned_ias(r, req, b);
    put_config(r, req, b);
    return DHCP6_DROP_NONE;
}

/* §18.3.3: whether the addresses are still on the client's link. */
static enum dhcp6_drop
answer_confirm(struct dhcp6_server *s, const struct dhcp6_request *req,
               const struct dhcp6_binding *b, struct reply *r)
{
    size_t n = 0;
    bool all_bound = true;
    for (size_t i = 0; i < req->n_ias; i++) {
        const struct dhcp6_ia *ia = &req->ias[i];
        if (ia->type != DHCP6_OPT_IA_PD) {
            n += ia->n_addrs;
            all_bound &= !ia_has_foreign(req, ia, b);
        }
    }
    if (!n) {
        /* "... the server MUST NOT send a reply". */
        return drop(s, DHCP6_DROP_CONFIRM_NO_ADDRESS, &req->eth_src);
    }
    start_reply(r, s, req, DHCP6_REPLY);
    put_status(r, all_bound ? DHCP6_STATUS_SUCCESS
               : DHCP6_STATUS_NOT_ON_LINK);
    return DHCP6_DROP_NONE;
}

enum dhcp6_drop
dhcp6_server_answer(struct dhcp6_server *s, const struct dhcp6_request *req,
                    const struct dhcp6_binding *b, struct ofpbuf *frame)
{
    ofpbuf_clear(frame);
    if (b && !eth_addr_equals(req->eth_src, b->mac)) {
        /* The port's guest can only speak for itself. */
        return drop(s, DHCP6_DROP_UNKNOWN_CLIENT, &req->eth_src);
    }
    count_rx(s, req->type);

    struct reply r;
    if (req->unicast) {
        /* RFC 8415 §18.3.2, §18.3.4, §18.3.7, §18.3.8: no Server Unicast
         * option was ever sent, so a unicast Request, Renew, Release or
         * Decline gets UseMulticast and nothing else. */
        start_reply(&r, s, req, DHCP6_REPLY);
        put_status(&r, DHCP6_STATUS_USE_MULTICAST);
        send_reply(s, req, &r, frame);
        return DHCP6_DROP_NONE;
    }

    enum dhcp6_drop reason = DHCP6_DROP_NONE;
    switch (req->type) {
    case DHCP6_SOLICIT:
        reason = answer_solicit(s, req, b, &r);
        break;

    case DHCP6_REQUEST:
        start_reply(&r, s, req, DHCP6_REPLY);
        put_assigned_ias(&r, req, b);
        if (b) {
            put_config(&r, req, b);
        }
        break;

    case DHCP6_CONFIRM:
        reason = answer_confirm(s, req, b, &r);
        break;

    case DHCP6_RENEW:
    case DHCP6_REBIND:
        start_reply(&r, s, req, DHCP6_REPLY);
        put_extended_ias(&r, req, b);
        if (b) {
            put_config(&r, req, b);
        }
        break;

    case DHCP6_RELEASE:
    case DHCP6_DECLINE:
        if (req->type == DHCP6_DECLINE) {
            log_decline(req);
        }
        start_reply(&r, s, req, DHCP6_REPLY);
        put_released_ias(&r, req, b);
        break;

    case DHCP6_INFORMATION_REQUEST:
        /* §18.3.6: configuration only. */
        if (!b) {
            return drop(s, DHCP6_DROP_NO_BINDING, &req->eth_src);
        }
        start_reply(&r, s, req, DHCP6_REPLY);
        put_config(&r, req, b);
        put_u32_option(&r, DHCP6_OPT_INFORMATION_REFRESH_TIME,
                       b->info_refresh);
        break;

    default:
        /* Not from dhcp6_server_parse(), which lets no other through. */
        return drop(s, DHCP6_DROP_BAD_MSG_TYPE, &req->eth_src);
    }
    if (!reason) {
        send_reply(s, req, &r, frame);
    }
    return reason;
}

enum dhcp6_drop
dhcp6_server_handle(struct dhcp6_server *s, const struct dhcp6_binding *b,
                    const void *frame, size_t size, struct ofpbuf *reply)
{
    struct dhcp6_request req;
    ofpbuf_clear(reply);
    enum dhcp6_drop reason = dhcp6_server_parse(s, frame, size, &req);
    return reason ? reason : dhcp6_server_answer(s, &req, b, reply);
}
