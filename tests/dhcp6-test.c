/* SPDX-License-Identifier: Apache-2.0
 *
 * dhcp6-test.c -- the DHCPv6 tests' requests, server and reply views
 * (see dhcp6-test.h).
 */
#include <config.h>
#include "tests/dhcp6-test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>
#include <cmocka.h>

#include "lib/packet.h"

const struct eth_addr vm_mac = ETH_ADDR_C(52, 54, 00, 12, 34, 56);
const struct eth_addr gw_mac = ETH_ADDR_C(0a, 58, a9, fe, 01, 01);
const struct eth_addr other_mac = ETH_ADDR_C(52, 54, 00, 99, 99, 99);
const uint8_t client_duid[] = {
    0x00, 0x01, 0x00, 0x01, 0x2a, 0x2b, 0x2c, 0x2d,
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
};
const uint8_t server_duid[] = {
    0x00, 0x03, 0x00, 0x01, 0x0a, 0x58, 0xa9, 0xfe, 0x01, 0x01,
};

struct in6_addr
ip6(const char *s)
{
    struct in6_addr a;
    assert_true(ipv6_parse(s, &a));
    return a;
}

void
make_binding_config(struct dhcp6_binding_config *cfg)
{
    dhcp6_binding_config_init(cfg);
    cfg->mac = vm_mac;
    cfg->address = ip6(VM_IP);
    cfg->dns[cfg->n_dns++] = ip6(DNS);
    cfg->search[cfg->n_search++] = "cluster.local";
}

struct dhcp6_binding *
make_binding(void)
{
    struct dhcp6_binding_config cfg;
    make_binding_config(&cfg);
    struct dhcp6_binding *b;
    assert_int_equal(dhcp6_binding_create(&cfg, &b, NULL), 0);
    return b;
}

struct dhcp6_server *
make_server(void)
{
    struct dhcp6_server_config cfg;
    dhcp6_server_config_init(&cfg);
    return dhcp6_server_create(&cfg);
}

/* ------------------------------------------------------------ requests */

void
put_u16(struct ofpbuf *b, uint16_t v)
{
    ovs_be16 be = htons(v);
    ofpbuf_put(b, &be, 2);
}

void
put_u32(struct ofpbuf *b, uint32_t v)
{
    ovs_be32 be = htonl(v);
    ofpbuf_put(b, &be, 4);
}

void
put_opt(struct ofpbuf *b, uint16_t code, const void *value, size_t len)
{
    put_u16(b, code);
    put_u16(b, len);
    ofpbuf_put(b, value, len);
}

size_t
start_opt(struct ofpbuf *b, uint16_t code)
{
    size_t start = b->size;
    put_u16(b, code);
    put_u16(b, 0);
    return start;
}

void
end_opt(struct ofpbuf *b, size_t start)
{
    ovs_be16 len = htons(b->size - start - 4);
    memcpy((uint8_t *) b->data + start + 2, &len, 2);
}

/* A message of 'type': the header, nothing else.  The caller uninits. */
void
start_msg(struct ofpbuf *m, uint8_t type)
{
    ofpbuf_init(m, 256);
    uint8_t h[4] = { type, (XID >> 16) & 0xff, (XID >> 8) & 0xff,
                     XID & 0xff };
    ofpbuf_put(m, h, sizeof h);
}

void
put_client_id(struct ofpbuf *m)
{
    put_opt(m, DHCP6_OPT_CLIENTID, client_duid, sizeof client_duid);
}

void
put_server_id(struct ofpbuf *m)
{
    put_opt(m, DHCP6_OPT_SERVERID, server_duid, sizeof server_duid);
}

/* A message of 'type' with the guest's Client Identifier. */
void
start_from_client(struct ofpbuf *m, uint8_t type)
{
    start_msg(m, type);
    put_client_id(m);
}

/* The same with the server's identifier: Request, Renew, Release and
 * Decline (RFC 8415 §16). */
void
start_to_server(struct ofpbuf *m, uint8_t type)
{
    start_from_client(m, type);
    put_server_id(m);
}

/* An IA of 'type' with 'iaid' and the 'n' addresses of 'addrs' (prefixes
 * for an IA_PD). */
void
put_ia(struct ofpbuf *m, uint16_t type, uint32_t iaid,
       const char *const *addrs, size_t n)
{
    size_t start = start_opt(m, type);
    put_u32(m, iaid);
    if (type != DHCP6_OPT_IA_TA) {
        put_u32(m, 0);
        put_u32(m, 0);
    }
    for (size_t i = 0; i < n; i++) {
        struct in6_addr a = ip6(addrs[i]);
        size_t sub = start_opt(m, (type == DHCP6_OPT_IA_PD
                                   ? DHCP6_OPT_IAPREFIX : DHCP6_OPT_IAADDR));
        if (type == DHCP6_OPT_IA_PD) {
            put_u32(m, 0);
            put_u32(m, 0);
            ofpbuf_put(m, "\x40", 1);
            ofpbuf_put(m, &a, sizeof a);
        } else {
            ofpbuf_put(m, &a, sizeof a);
            put_u32(m, 0);
            put_u32(m, 0);
        }
        end_opt(m, sub);
    }
    end_opt(m, start);
}

void
put_ia_na(struct ofpbuf *m, const char *const *addrs, size_t n)
{
    put_ia(m, DHCP6_OPT_IA_NA, IAID, addrs, n);
}

void
put_oro(struct ofpbuf *m, const uint16_t *codes, size_t n)
{
    size_t start = start_opt(m, DHCP6_OPT_ORO);
    for (size_t i = 0; i < n; i++) {
        put_u16(m, codes[i]);
    }
    end_opt(m, start);
}

/* The usual Solicit: Client ID, an empty IA_NA, and an ORO for DNS and the
 * domain list (what dhclient -6 sends). */
void
make_solicit(struct ofpbuf *m)
{
    static const uint16_t oro[] = { DHCP6_OPT_DNS_SERVERS,
                                    DHCP6_OPT_DOMAIN_LIST };
    start_msg(m, DHCP6_SOLICIT);
    put_client_id(m);
    put_ia_na(m, NULL, 0);
    put_oro(m, oro, ARRAY_SIZE(oro));
}

/* Wraps the message 'm' in a frame from 'eth_src' and 'src' to 'dst',
 * UDP 546 to 547.  The caller uninits 'frame'. */
void
make_frame_from(struct ofpbuf *frame, const struct ofpbuf *m,
                struct eth_addr eth_src, const char *src, const char *dst)
{
    struct in6_addr s = ip6(src), d = ip6(dst);
    struct eth_addr eth_dst = gw_mac;
    if (ipv6_addr_is_multicast(&d)) {
        ipv6_multicast_to_ethernet(&eth_dst, &d);
    }
    ofpbuf_init(frame, 256);
    pkt_put_eth(frame, eth_dst, eth_src, ETH_TYPE_IPV6);
    pkt_put_ipv6_udp(frame, &s, &d, DHCP6_CLIENT_PORT, DHCP6_SERVER_PORT,
                     m->data, m->size);
}

void
make_frame(struct ofpbuf *frame, const struct ofpbuf *m)
{
    make_frame_from(frame, m, vm_mac, VM_LLA, ALL_SERVERS);
}

/* ------------------------------------------------------------ replies */


void
env_init(struct env *e)
{
    e->s = make_server();
    e->b = make_binding();
    ofpbuf_init(&e->reply, 0);
    e->msg = NULL;
    e->msg_size = 0;
}

void
env_destroy(struct env *e)
{
    ofpbuf_uninit(&e->reply);
    dhcp6_binding_destroy(e->b);
    dhcp6_server_destroy(e->s);
}

/* Hands 'frame' to the server with binding 'b' and checks that a drop
 * leaves no reply, and that a reply is a well-formed frame from G and
 * fe80::1 to the client, UDP 547 to 546, checksums right. */
enum dhcp6_drop
env_handle_frame(struct env *e, const struct dhcp6_binding *b,
                 const struct ofpbuf *frame)
{
    enum dhcp6_drop drop = dhcp6_server_handle(e->s, b, frame->data,
                                               frame->size, &e->reply);
    e->msg = NULL;
    e->msg_size = 0;
    if (drop) {
        assert_int_equal(e->reply.size, 0);
        return drop;
    }
    struct pkt_view v, rq;
    assert_int_equal(pkt_parse(&v, e->reply.data, e->reply.size), PKT_OK);
    assert_int_equal(pkt_parse(&rq, frame->data, frame->size), PKT_OK);
    assert_true(eth_addr_equals(v.eth->eth_src, gw_mac));
    assert_true(eth_addr_equals(v.eth->eth_dst, rq.eth->eth_src));
    struct in6_addr src, dst, router = ip6(ROUTER), client;
    memcpy(&src, &v.ip6->ip6_src, sizeof src);
    memcpy(&dst, &v.ip6->ip6_dst, sizeof dst);
    memcpy(&client, &rq.ip6->ip6_src, sizeof client);
    assert_true(ipv6_addr_equals(&src, &router));
    assert_true(ipv6_addr_equals(&dst, &client));
    assert_non_null(v.udp);
    assert_int_equal(ntohs(v.udp->udp_src), DHCP6_SERVER_PORT);
    assert_int_equal(ntohs(v.udp->udp_dst), DHCP6_CLIENT_PORT);
    e->msg = v.l4_data;
    e->msg_size = v.l4_size;
    assert_true(e->msg_size >= 4);
    /* The transaction id, always. */
    assert_int_equal(e->msg[1], (XID >> 16) & 0xff);
    assert_int_equal(e->msg[2], (XID >> 8) & 0xff);
    assert_int_equal(e->msg[3], XID & 0xff);
    return drop;
}

/* Sends the message 'm' from the guest, multicast, with the binding. */
enum dhcp6_drop
env_send(struct env *e, const struct ofpbuf *m)
{
    struct ofpbuf frame;
    make_frame(&frame, m);
    enum dhcp6_drop drop = env_handle_frame(e, e->b, &frame);
    ofpbuf_uninit(&frame);
    return drop;
}

/* The same, then uninits 'm'. */
enum dhcp6_drop
env_send_uninit(struct env *e, struct ofpbuf *m)
{
    enum dhcp6_drop drop = env_send(e, m);
    ofpbuf_uninit(m);
    return drop;
}

/* The first option 'code' in the 'size' bytes of options at 'p', or NULL;
 * its length in '*lenp'. */
const uint8_t *
find_in(const uint8_t *p, size_t size, uint16_t code, size_t *lenp)
{
    while (size >= 4) {
        uint16_t c = (p[0] << 8) | p[1];
        size_t len = (p[2] << 8) | p[3];
        assert_true(len <= size - 4);
        if (c == code) {
            *lenp = len;
            return p + 4;
        }
        p += 4 + len;
        size -= 4 + len;
    }
    assert_int_equal(size, 0);
    return NULL;
}

/* Option 'code' of the last reply, at the top level. */
const uint8_t *
find_opt(const struct env *e, uint16_t code, size_t *lenp)
{
    return find_in(e->msg + 4, e->msg_size - 4, code, lenp);
}

uint16_t
get_u16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

uint32_t
get_u32(const uint8_t *p)
{
    return ((uint32_t) get_u16(p) << 16) | get_u16(p + 2);
}

/* The status in the options at 'p', or -1 if none. */
int
status_in(const uint8_t *p, size_t size)
{
    size_t len;
    const uint8_t *status = find_in(p, size, DHCP6_OPT_STATUS_CODE, &len);
    if (!status) {
        return -1;
    }
    assert_true(len >= 2);
    return get_u16(status);
}

/* The top-level status of the last reply, or -1. */
int
top_status(const struct env *e)
{
    return status_in(e->msg + 4, e->msg_size - 4);
}


/* The 'index'th IA option (of any type) of the last reply. */
bool
get_ia(const struct env *e, size_t index, struct ia_view *ia)
{
    const uint8_t *p = e->msg + 4;
    size_t size = e->msg_size - 4;
    while (size >= 4) {
        uint16_t code = get_u16(p);
        size_t len = get_u16(p + 2);
        if (code == DHCP6_OPT_IA_NA || code == DHCP6_OPT_IA_TA
            || code == DHCP6_OPT_IA_PD) {
            if (!index--) {
                memset(ia, 0, sizeof *ia);
                ia->type = code;
                ia->iaid = get_u32(p + 4);
                size_t fixed = code == DHCP6_OPT_IA_TA ? 4 : 12;
                if (fixed == 12) {
                    ia->t1 = get_u32(p + 8);
                    ia->t2 = get_u32(p + 12);
                }
                const uint8_t *sub = p + 4 + fixed;
                size_t left = len - fixed;
                ia->status = status_in(sub, left);
                while (left >= 4) {
                    size_t sub_len = get_u16(sub + 2);
                    if (get_u16(sub) == DHCP6_OPT_IAADDR) {
                        assert_true(sub_len >= 24);
                        memcpy(&ia->addrs[ia->n_addrs], sub + 4, 16);
                        ia->preferred[ia->n_addrs] = get_u32(sub + 20);
                        ia->valid[ia->n_addrs] = get_u32(sub + 24);
                        ia->n_addrs++;
                    }
                    sub += 4 + sub_len;
                    left -= 4 + sub_len;
                }
                return true;
            }
        }
        p += 4 + len;
        size -= 4 + len;
    }
    return false;
}

/* The last reply's IA 'index' is an IA_NA with IAID, the guest's address
 * and the default lifetimes, and nothing else. */
void
assert_served(const struct env *e, size_t index)
{
    struct ia_view ia;
    struct in6_addr vm_ip = ip6(VM_IP);
    assert_true(get_ia(e, index, &ia));
    assert_int_equal(ia.type, DHCP6_OPT_IA_NA);
    assert_int_equal(ia.iaid, IAID);
    assert_int_equal(ia.t1, 1800);
    assert_int_equal(ia.t2, 2880);
    assert_int_equal(ia.status, -1);
    assert_true(ia.n_addrs >= 1);
    assert_true(ipv6_addr_equals(&ia.addrs[0], &vm_ip));
    assert_int_equal(ia.preferred[0], 3600);
    assert_int_equal(ia.valid[0], 7200);
}

/* The last reply's IA 'index' is of 'type', has 'status' and no
 * address. */
void
assert_ia_status(const struct env *e, size_t index, uint16_t type,
                 int status)
{
    struct ia_view ia;
    assert_true(get_ia(e, index, &ia));
    assert_int_equal(ia.type, type);
    assert_int_equal(ia.status, status);
    assert_int_equal(ia.n_addrs, 0);
}
