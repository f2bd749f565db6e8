/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for the DHCPv4 server core (dhcpd/dhcp-server) and its option
 * codec (dhcpd/dhcp-options): every client state of RFC 2131 §4.3, every
 * option served, the RFC 3442 and RFC 3397 encodings against the RFCs'
 * own examples, and every drop reason. */
#include <config.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dhcp.h"
#include "dhcpd/dhcp-io.h"
#include "dhcpd/dhcp-options.h"
#include "dhcpd/dhcp-server.h"
#include "lib/packet.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"

static const struct eth_addr vm_mac = ETH_ADDR_C(52, 54, 00, 12, 34, 56);
static const struct eth_addr other_mac = ETH_ADDR_C(52, 54, 00, 99, 99, 99);
static const struct eth_addr relay_mac = ETH_ADDR_C(02, 00, 00, 00, 00, 01);
static const struct eth_addr gw_mac = ETH_ADDR_C(0a, 58, a9, fe, 01, 01);

#define IP(A, B, C, D) \
    htonl(((uint32_t) (A) << 24) | ((B) << 16) | ((C) << 8) | (D))
#define VM_IP IP(10, 100, 0, 5)
#define GW_IP IP(169, 254, 1, 1)
#define RELAY_IP IP(10, 100, 255, 254)
#define BCAST IP(255, 255, 255, 255)

/* ------------------------------------------------------------ fixtures */

struct fixture {
    struct dhcp_server *server;
    struct dhcp_binding *binding;
    struct ofpbuf reply;
};

static void
default_config(struct dhcp_binding_config *cfg)
{
    dhcp_binding_config_init(cfg);
    cfg->mac = vm_mac;
    cfg->address = VM_IP;
    cfg->plen = 24;
    cfg->hostname = "vm1";
    cfg->dns[cfg->n_dns++] = IP(10, 96, 0, 10);
    cfg->domain_name = "cluster.local";
    cfg->search[cfg->n_search++] = "default.svc.cluster.local";
    cfg->search[cfg->n_search++] = "svc.cluster.local";
    cfg->search[cfg->n_search++] = "cluster.local";
    cfg->routes[cfg->n_routes++] = (struct dhcp_route) {
        IP(10, 200, 0, 0), 16, IP(10, 100, 0, 1),
    };
    cfg->mtu = 1400;
}

static int
setup_relay(void **state, bool relay)
{
    struct fixture *f = xzalloc(sizeof *f);
    struct dhcp_server_config scfg = { .server_mac = gw_mac,
                                       .allow_relay = relay };
    f->server = dhcp_server_create(&scfg);
    struct dhcp_binding_config cfg;
    default_config(&cfg);
    assert_int_equal(dhcp_binding_create(&cfg, &f->binding, NULL), 0);
    ofpbuf_init(&f->reply, 0);
    *state = f;
    return 0;
}

static int
setup(void **state)
{
    return setup_relay(state, false);
}

static int
setup_with_relay(void **state)
{
    return setup_relay(state, true);
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    dhcp_server_destroy(f->server);
    dhcp_binding_destroy(f->binding);
    ofpbuf_uninit(&f->reply);
    free(f);
    return 0;
}

/* ------------------------------------------------------------ requests */

struct rq {
    uint8_t op;
    uint8_t htype;
    uint8_t hlen;
    ovs_be32 ciaddr;
    ovs_be32 giaddr;
    uint16_t flags;
    struct eth_addr chaddr;
    struct eth_addr eth_src;
    ovs_be32 ip_src;
    ovs_be32 ip_dst;
    uint8_t sname[64];
    uint8_t file[128];
    uint8_t opts[1600];
    size_t n_opts;
    bool no_end;
};

static void
rq_opt(struct rq *rq, uint8_t code, const void *value, size_t len)
{
    rq->opts[rq->n_opts++] = code;
    rq->opts[rq->n_opts++] = len;
    memcpy(&rq->opts[rq->n_opts], value, len);
    rq->n_opts += len;
}

static void
rq_opt_be32(struct rq *rq, uint8_t code, ovs_be32 value)
{
    rq_opt(rq, code, &value, 4);
}

/* A request of 'type' from the VM, broadcast, in INIT state. */
static void
rq_init(struct rq *rq, uint8_t type)
{
    memset(rq, 0, sizeof *rq);
    rq->op = DHCP_OP_REQUEST;
    rq->htype = 1;
    rq->hlen = 6;
    rq->chaddr = vm_mac;
    rq->eth_src = vm_mac;
    rq->ip_dst = BCAST;
    rq_opt(rq, DHCP_OPT_MESSAGE_TYPE, &type, 1);
}

/* The request as a whole Ethernet frame, in 'b'. */
static void
rq_frame(const struct rq *rq, struct ofpbuf *b)
{
    uint8_t msg[2048];
    struct dhcp_header *h = (void *) msg;
    memset(msg, 0, sizeof msg);
    h->op = rq->op;
    h->htype = rq->htype;
    h->hlen = rq->hlen;
    h->xid = htonl(0x12345678);
    h->flags = htons(rq->flags);
    h->ciaddr = rq->ciaddr;
    h->giaddr = rq->giaddr;
    memcpy(h->chaddr, rq->chaddr.ea, 6);
    memcpy(h->sname, rq->sname, 64);
    memcpy(h->file, rq->file, 128);
    static const uint8_t cookie[] = { 99, 130, 83, 99 };
    size_t n = DHCP_HEADER_LEN;
    memcpy(&msg[n], cookie, 4);
    n += 4;
    memcpy(&msg[n], rq->opts, rq->n_opts);
    n += rq->n_opts;
    if (!rq->no_end) {
        msg[n++] = 255;
    }

    ofpbuf_clear(b);
    pkt_put_eth(b, rq->ip_dst == BCAST ? eth_addr_broadcast : gw_mac,
                rq->eth_src, ETH_TYPE_IP);
    pkt_put_ipv4_udp(b, rq->ip_src, rq->ip_dst, rq->giaddr ? 67 : 68, 67,
                     msg, n);
}

static enum dhcp_drop
send_rq(struct fixture *f, const struct rq *rq)
{
    struct ofpbuf frame;
    ofpbuf_init(&frame, 0);
    rq_frame(rq, &frame);
    enum dhcp_drop d = dhcp_server_handle(f->server, f->binding, frame.data,
                                          frame.size, 1000, &f->reply);
    ofpbuf_uninit(&frame);
    return d;
}

static uint64_t
drops(const struct fixture *f, enum dhcp_drop d)
{
    return dhcp_server_counters(f->server)->drops[d];
}

static uint64_t
events(const struct fixture *f, enum dhcp_event e)
{
    return dhcp_server_counters(f->server)->events[e];
}

/* ------------------------------------------------------------ replies */

struct rp {
    struct pkt_view v;
    const struct dhcp_header *h;
    struct dhcp_options opts;
    uint8_t order[64];                  /* Option codes, in order. */
    size_t n_order;
};

static void
rp_parse(const struct fixture *f, struct rp *rp)
{
    assert_true(f->reply.size > 0);
    assert_int_equal(pkt_parse(&rp->v, f->reply.data, f->reply.size), PKT_OK);
    assert_non_null(rp->v.udp);
    assert_int_equal(ntohs(rp->v.udp->udp_src), 67);
    assert_true(eth_addr_equals(rp->v.eth->eth_src, gw_mac));
    assert_int_equal(get_16aligned_be32(&rp->v.ip->ip_src), GW_IP);
    assert_true(rp->v.l4_size >= 300);
    rp->h = (const void *) rp->v.l4_data;
    assert_int_equal(rp->h->op, DHCP_OP_REPLY);
    assert_int_equal(rp->h->xid, htonl(0x12345678));
    assert_int_equal(dhcp_options_parse(&rp->opts, rp->v.l4_data,
                                        rp->v.l4_size), DHCP_OPT_OK);
    const uint8_t *p = rp->v.l4_data + DHCP_HEADER_LEN + 4;
    rp->n_order = 0;
    while (*p != 255) {
        rp->order[rp->n_order++] = p[0];
        p += 2 + p[1];
    }
}

static uint8_t
rp_type(const struct rp *rp)
{
    const uint8_t *t = dhcp_options_get_fixed(&rp->opts, 53, 1);
    assert_non_null(t);
    return *t;
}

static ovs_be32
rp_be32(const struct rp *rp, uint8_t code)
{
    const uint8_t *v = dhcp_options_get_fixed(&rp->opts, code, 4);
    ovs_be32 x;
    assert_non_null(v);
    memcpy(&x, v, 4);
    return x;
}

static void
assert_option(const struct rp *rp, uint8_t code, const void *value,
              size_t len)
{
    assert_true(dhcp_options_has(&rp->opts, code));
    assert_int_equal(rp->opts.len[code], len);
    assert_memory_equal(rp->opts.value[code], value, len);
}

static ovs_be32
rp_ip_dst(const struct rp *rp)
{
    return get_16aligned_be32(&rp->v.ip->ip_dst);
}

/* ------------------------------------------------------------ DISCOVER */

static void
test_discover_offer(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_DISCOVER);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);

    struct rp rp;
    rp_parse(f, &rp);
    assert_int_equal(rp_type(&rp), DHCP_MSG_OFFER);
    assert_int_equal(rp.h->yiaddr, VM_IP);
    assert_int_equal(rp.h->ciaddr, 0);
    assert_int_equal(rp.h->siaddr, 0);
    assert_memory_equal(rp.h->chaddr, vm_mac.ea, 6);
    /* RFC 2131 §4.1: no broadcast flag, no giaddr: to yiaddr, chaddr. */
    assert_int_equal(rp_ip_dst(&rp), VM_IP);
    assert_true(eth_addr_equals(rp.v.eth->eth_dst, vm_mac));
    assert_int_equal(ntohs(rp.v.udp->udp_dst), 68);

    assert_int_equal(rp_be32(&rp, DHCP_OPT_SERVER_ID), GW_IP);
    assert_int_equal(ntohl(rp_be32(&rp, DHCP_OPT_LEASE_TIME)),
                     999 * 86400);
    assert_int_equal(ntohl(rp_be32(&rp, DHCP_OPT_RENEWAL_TIME)),
                     999 * 86400 / 2);
    assert_int_equal(ntohl(rp_be32(&rp, DHCP_OPT_REBINDING_TIME)),
                     (uint64_t) 999 * 86400 * 7 / 8);
    assert_int_equal(rp_be32(&rp, DHCP_OPT_SUBNET_MASK), IP(255, 255, 255, 0));
    assert_int_equal(rp_be32(&rp, DHCP_OPT_ROUTER), GW_IP);
    /* No parameter request list: every option. */
    assert_option(&rp, DHCP_OPT_HOSTNAME, "vm1", 3);
    assert_option(&rp, DHCP_OPT_DOMAIN_NAME, "cluster.local", 13);
    static const uint8_t mtu[] = { 0x05, 0x78 };
    assert_option(&rp, DHCP_OPT_MTU, mtu, 2);
    assert_int_equal(rp_be32(&rp, DHCP_OPT_DNS_SERVERS), IP(10, 96, 0, 10));
    assert_true(dhcp_options_has(&rp.opts, DHCP_OPT_DOMAIN_SEARCH));
    assert_true(dhcp_options_has(&rp.opts, DHCP_OPT_CLASSLESS_ROUTES));
    assert_int_equal(events(f, DHCP_EV_RX_DISCOVER), 1);
    assert_int_equal(events(f, DHCP_EV_TX_OFFER), 1);
}

static void
test_discover_broadcast_flag(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_DISCOVER);
    rq.flags = 0x8000;
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    struct rp rp;
    rp_parse(f, &rp);
    assert_int_equal(rp_ip_dst(&rp), BCAST);
    assert_true(eth_addr_is_broadcast(rp.v.eth->eth_dst));
    assert_int_equal(ntohs(rp.h->flags), 0x8000);
}

static void
test_classless_routes_in_reply(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_DISCOVER);
    static const uint8_t prl[] = { 121 };
    rq_opt(&rq, DHCP_OPT_PARAM_REQUEST, prl, sizeof prl);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    struct rp rp;
    rp_parse(f, &rp);
    /* RFC 3442: the gateway on-link, the default route through it, then
     * the configured 10.200.0.0/16 via 10.100.0.1. */
    static const uint8_t routes[] = {
        32, 169, 254, 1, 1, 0, 0, 0, 0,
        0, 169, 254, 1, 1,
        16, 10, 200, 10, 100, 0, 1,
    };
    assert_option(&rp, DHCP_OPT_CLASSLESS_ROUTES, routes, sizeof routes);
    /* Option 3 stays, for clients without 121. */
    assert_int_equal(rp_be32(&rp, DHCP_OPT_ROUTER), GW_IP);
}

static void
test_parameter_request_order(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_DISCOVER);
    /* Includes codes not served (42, 252) and a repeat (6). */
    static const uint8_t prl[] = { 121, 42, 6, 15, 252, 26, 119, 12, 6, 1 };
    rq_opt(&rq, DHCP_OPT_PARAM_REQUEST, prl, sizeof prl);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    struct rp rp;
    rp_parse(f, &rp);
    /* RFC 2132 §9.8: in the client's order; router last, since every
     * client gets it; the message type, server id and times first. */
    static const uint8_t expected[] = {
        53, 54, 51, 58, 59, 121, 6, 15, 26, 119, 12, 1, 3,
    };
    assert_int_equal(rp.n_order, sizeof expected);
    assert_memory_equal(rp.order, expected, sizeof expected);
}

static void
test_parameter_request_minimal(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_DISCOVER);
    static const uint8_t prl[] = { 6 };
    rq_opt(&rq, DHCP_OPT_PARAM_REQUEST, prl, sizeof prl);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    struct rp rp;
    rp_parse(f, &rp);
    static const uint8_t expected[] = { 53, 54, 51, 58, 59, 6, 1, 3 };
    assert_int_equal(rp.n_order, sizeof expected);
    assert_memory_equal(rp.order, expected, sizeof expected);
}

/* RFC 3396: a parameter request list split over two instances is one
 * list, in order. */
static void
test_parameter_request_split(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_DISCOVER);
    static const uint8_t prl1[] = { 26, 12 };
    static const uint8_t prl2[] = { 15 };
    rq_opt(&rq, DHCP_OPT_PARAM_REQUEST, prl1, sizeof prl1);
    static const uint8_t cid[] = { 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
    rq_opt(&rq, DHCP_OPT_CLIENT_ID, cid, sizeof cid);
    rq_opt(&rq, DHCP_OPT_PARAM_REQUEST, prl2, sizeof prl2);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    struct rp rp;
    rp_parse(f, &rp);
    static const uint8_t expected[] = { 53, 54, 61, 51, 58, 59, 26, 12, 15,
                                        1, 3 };
    assert_int_equal(rp.n_order, sizeof expected);
    assert_memory_equal(rp.order, expected, sizeof expected);
    /* RFC 6842: the client identifier comes back. */
    assert_option(&rp, DHCP_OPT_CLIENT_ID, cid, sizeof cid);
}

/* Options in 'file' and 'sname' (RFC 2132 §9.3), read file first. */
static void
test_option_overload(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_DISCOVER);
    uint8_t overload = 3;
    rq_opt(&rq, DHCP_OPT_OVERLOAD, &overload, 1);
    static const uint8_t in_file[] = { 55, 2, 15, 12, 255 };
    static const uint8_t in_sname[] = { 55, 1, 26, 0, 0, 255 };
    memcpy(rq.file, in_file, sizeof in_file);
    memcpy(rq.sname, in_sname, sizeof in_sname);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    struct rp rp;
    rp_parse(f, &rp);
    static const uint8_t expected[] = { 53, 54, 51, 58, 59, 15, 12, 26,
                                        1, 3 };
    assert_int_equal(rp.n_order, sizeof expected);
    assert_memory_equal(rp.order, expected, sizeof expected);
}

/* ------------------------------------------------------------ REQUEST */

static void
test_request_selecting(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_REQUEST);
    rq_opt_be32(&rq, DHCP_OPT_SERVER_ID, GW_IP);
    rq_opt_be32(&rq, DHCP_OPT_REQUESTED_IP, VM_IP);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    struct rp rp;
    rp_parse(f, &rp);
    assert_int_equal(rp_type(&rp), DHCP_MSG_ACK);
    assert_int_equal(rp.h->yiaddr, VM_IP);
    assert_int_equal(rp_ip_dst(&rp), VM_IP);
    assert_int_equal(events(f, DHCP_EV_RX_SELECTING), 1);
    assert_int_equal(events(f, DHCP_EV_TX_ACK), 1);
}

static void
test_request_selecting_other_server(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_REQUEST);
    rq_opt_be32(&rq, DHCP_OPT_SERVER_ID, IP(10, 100, 0, 1));
    rq_opt_be32(&rq, DHCP_OPT_REQUESTED_IP, VM_IP);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_OTHER_SERVER);
    assert_int_equal(f->reply.size, 0);
    assert_int_equal(drops(f, DHCP_DROP_OTHER_SERVER), 1);
}

static void
test_request_selecting_wrong_address(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_REQUEST);
    rq_opt_be32(&rq, DHCP_OPT_SERVER_ID, GW_IP);
    rq_opt_be32(&rq, DHCP_OPT_REQUESTED_IP, IP(10, 100, 0, 6));
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    struct rp rp;
    rp_parse(f, &rp);
    assert_int_equal(rp_type(&rp), DHCP_MSG_NAK);
}

static void
assert_nak(const struct fixture *f)
{
    struct rp rp;
    rp_parse(f, &rp);
    assert_int_equal(rp_type(&rp), DHCP_MSG_NAK);
    /* RFC 2131 §4.3.2: broadcast, no address, no configuration. */
    assert_int_equal(rp_ip_dst(&rp), BCAST);
    assert_true(eth_addr_is_broadcast(rp.v.eth->eth_dst));
    assert_int_equal(rp.h->yiaddr, 0);
    assert_int_equal(rp.h->ciaddr, 0);
    assert_false(dhcp_options_has(&rp.opts, DHCP_OPT_LEASE_TIME));
    assert_false(dhcp_options_has(&rp.opts, DHCP_OPT_SUBNET_MASK));
    assert_int_equal(rp_be32(&rp, DHCP_OPT_SERVER_ID), GW_IP);
    assert_true(dhcp_options_has(&rp.opts, DHCP_OPT_MESSAGE));
}

static void
test_request_init_reboot(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_REQUEST);
    rq_opt_be32(&rq, DHCP_OPT_REQUESTED_IP, VM_IP);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    struct rp rp;
    rp_parse(f, &rp);
    assert_int_equal(rp_type(&rp), DHCP_MSG_ACK);
    assert_int_equal(rp.h->yiaddr, VM_IP);
    assert_int_equal(events(f, DHCP_EV_RX_INIT_REBOOT), 1);
}

static void
test_request_init_reboot_wrong_address(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_REQUEST);
    rq_opt_be32(&rq, DHCP_OPT_REQUESTED_IP, IP(192, 168, 1, 7));
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    assert_nak(f);
    assert_int_equal(events(f, DHCP_EV_NAK_WRONG_ADDRESS), 1);
    assert_int_equal(events(f, DHCP_EV_TX_NAK), 1);
}

static void
test_request_renewing(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_REQUEST);
    rq.ciaddr = VM_IP;
    rq.ip_src = VM_IP;
    rq.ip_dst = GW_IP;
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    struct rp rp;
    rp_parse(f, &rp);
    assert_int_equal(rp_type(&rp), DHCP_MSG_ACK);
    /* RFC 2131 §4.1: to ciaddr, unicast. */
    assert_int_equal(rp_ip_dst(&rp), VM_IP);
    assert_true(eth_addr_equals(rp.v.eth->eth_dst, vm_mac));
    assert_int_equal(rp.h->ciaddr, VM_IP);
    assert_int_equal(rp.h->yiaddr, VM_IP);
    assert_int_equal(events(f, DHCP_EV_RX_RENEWING), 1);
}

static void
test_request_renewing_wrong_address(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_REQUEST);
    rq.ciaddr = IP(10, 1, 2, 3);
    rq.ip_src = rq.ciaddr;
    rq.ip_dst = GW_IP;
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    assert_nak(f);
}

static void
test_request_rebinding(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_REQUEST);
    rq.ciaddr = VM_IP;
    rq.ip_src = VM_IP;
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    struct rp rp;
    rp_parse(f, &rp);
    assert_int_equal(rp_type(&rp), DHCP_MSG_ACK);
    assert_int_equal(rp_ip_dst(&rp), VM_IP);
    assert_int_equal(events(f, DHCP_EV_RX_REBINDING), 1);
}

static void
test_request_without_address(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_REQUEST);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NO_ADDRESS);
}

/* A unicast to a server that is not us (another DHCP server on the
 * segment, say) is not ours to answer. */
static void
test_request_not_for_us(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_REQUEST);
    rq.ciaddr = VM_IP;
    rq.ip_src = VM_IP;
    rq.ip_dst = IP(10, 100, 0, 2);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NOT_FOR_US);
}

/* ------------------------------------------------------------ DECLINE,
 * RELEASE, INFORM */

static void
send_decline(struct fixture *f, ovs_be32 address, enum dhcp_drop expect)
{
    struct rq rq;
    rq_init(&rq, DHCP_MSG_DECLINE);
    rq_opt_be32(&rq, DHCP_OPT_SERVER_ID, GW_IP);
    rq_opt_be32(&rq, DHCP_OPT_REQUESTED_IP, address);
    assert_int_equal(send_rq(f, &rq), expect);
    assert_int_equal(f->reply.size, 0);
}

static void
test_decline(void **state)
{
    struct fixture *f = *state;
    send_decline(f, VM_IP, DHCP_DROP_NONE);
    assert_int_equal(events(f, DHCP_EV_RX_DECLINE), 1);
    long long int when;
    assert_true(dhcp_binding_is_declined(f->binding, &when));
    assert_int_equal(when, 1000);

    /* No more offers... */
    struct rq rq;
    rq_init(&rq, DHCP_MSG_DISCOVER);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_DECLINED);
    assert_int_equal(f->reply.size, 0);
    /* ...and the address is refused. */
    rq_init(&rq, DHCP_MSG_REQUEST);
    rq_opt_be32(&rq, DHCP_OPT_REQUESTED_IP, VM_IP);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    assert_nak(f);
    assert_int_equal(events(f, DHCP_EV_NAK_DECLINED), 1);

    /* The same binding applied again keeps the decline... */
    struct dhcp_binding_config cfg;
    struct dhcp_binding *same, *changed;
    default_config(&cfg);
    assert_int_equal(dhcp_binding_create(&cfg, &same, NULL), 0);
    assert_true(dhcp_binding_equal(same, f->binding));
    dhcp_binding_keep_state(same, f->binding);
    assert_true(dhcp_binding_is_declined(same, NULL));
    dhcp_binding_destroy(same);

    /* ...a changed one starts afresh and is offered again. */
    cfg.address = IP(10, 100, 0, 6);
    assert_int_equal(dhcp_binding_create(&cfg, &changed, NULL), 0);
    assert_false(dhcp_binding_equal(changed, f->binding));
    assert_false(dhcp_binding_is_declined(changed, NULL));
    dhcp_binding_destroy(f->binding);
    f->binding = changed;
    rq_init(&rq, DHCP_MSG_DISCOVER);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    struct rp rp;
    rp_parse(f, &rp);
    assert_int_equal(rp.h->yiaddr, IP(10, 100, 0, 6));
}

static void
test_decline_other_address(void **state)
{
    struct fixture *f = *state;
    send_decline(f, IP(10, 100, 0, 77), DHCP_DROP_DECLINE_MISMATCH);
    assert_false(dhcp_binding_is_declined(f->binding, NULL));
}

static void
test_release(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_RELEASE);
    rq.ciaddr = VM_IP;
    rq.ip_src = VM_IP;
    rq.ip_dst = GW_IP;
    rq_opt_be32(&rq, DHCP_OPT_SERVER_ID, GW_IP);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    assert_int_equal(f->reply.size, 0);
    assert_int_equal(events(f, DHCP_EV_RX_RELEASE), 1);

    /* A release is no decline: the next DISCOVER is offered. */
    rq_init(&rq, DHCP_MSG_DISCOVER);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
}

static void
test_inform(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_INFORM);
    rq.ciaddr = VM_IP;
    rq.ip_src = VM_IP;
    static const uint8_t prl[] = { 6, 15 };
    rq_opt(&rq, DHCP_OPT_PARAM_REQUEST, prl, sizeof prl);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    struct rp rp;
    rp_parse(f, &rp);
    assert_int_equal(rp_type(&rp), DHCP_MSG_ACK);
    /* RFC 2131 §4.3.5: no yiaddr, no lease time, to ciaddr. */
    assert_int_equal(rp.h->yiaddr, 0);
    assert_int_equal(rp.h->ciaddr, VM_IP);
    assert_false(dhcp_options_has(&rp.opts, DHCP_OPT_LEASE_TIME));
    assert_false(dhcp_options_has(&rp.opts, DHCP_OPT_RENEWAL_TIME));
    assert_false(dhcp_options_has(&rp.opts, DHCP_OPT_REBINDING_TIME));
    assert_int_equal(rp_be32(&rp, DHCP_OPT_DNS_SERVERS), IP(10, 96, 0, 10));
    assert_int_equal(rp_ip_dst(&rp), VM_IP);
    assert_int_equal(events(f, DHCP_EV_RX_INFORM), 1);
}

/* ------------------------------------------------------------ clients */

static void
test_unknown_client(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_DISCOVER);
    rq.chaddr = rq.eth_src = other_mac;
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_UNKNOWN_CLIENT);

    /* A port without a binding. */
    struct ofpbuf frame;
    ofpbuf_init(&frame, 0);
    rq_init(&rq, DHCP_MSG_DISCOVER);
    rq_frame(&rq, &frame);
    assert_int_equal(dhcp_server_handle(f->server, NULL, frame.data,
                                        frame.size, 0, &f->reply),
                     DHCP_DROP_UNKNOWN_CLIENT);
    ofpbuf_uninit(&frame);
    assert_int_equal(drops(f, DHCP_DROP_UNKNOWN_CLIENT), 2);
}

static void
test_chaddr_spoofed(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_DISCOVER);
    rq.eth_src = other_mac;
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_CHADDR_MISMATCH);
}

static void
relayed_request(struct rq *rq, uint8_t type)
{
    rq_init(rq, type);
    rq->giaddr = RELAY_IP;
    rq->ip_src = RELAY_IP;
    rq->ip_dst = GW_IP;
    rq->eth_src = relay_mac;
}

static void
test_relay_disabled(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    relayed_request(&rq, DHCP_MSG_DISCOVER);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_RELAY_DISABLED);
}

static void
test_relay(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    relayed_request(&rq, DHCP_MSG_DISCOVER);
    static const uint8_t agent[] = { 1, 3, 'p', 'o', 'd' };
    rq_opt(&rq, DHCP_OPT_RELAY_AGENT_INFO, agent, sizeof agent);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    struct rp rp;
    rp_parse(f, &rp);
    assert_int_equal(rp_type(&rp), DHCP_MSG_OFFER);
    /* RFC 2131 §4.1: to the relay, server port. */
    assert_int_equal(rp_ip_dst(&rp), RELAY_IP);
    assert_int_equal(ntohs(rp.v.udp->udp_dst), 67);
    assert_true(eth_addr_equals(rp.v.eth->eth_dst, relay_mac));
    assert_int_equal(rp.h->giaddr, RELAY_IP);
    /* RFC 3046 §2.2: option 82 back, last. */
    assert_int_equal(rp.order[rp.n_order - 1], DHCP_OPT_RELAY_AGENT_INFO);
    assert_option(&rp, DHCP_OPT_RELAY_AGENT_INFO, agent, sizeof agent);
    assert_int_equal(events(f, DHCP_EV_RX_RELAYED), 1);

    /* A NAK through a relay has the broadcast bit set. */
    relayed_request(&rq, DHCP_MSG_REQUEST);
    rq_opt_be32(&rq, DHCP_OPT_REQUESTED_IP, IP(10, 9, 9, 9));
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    rp_parse(f, &rp);
    assert_int_equal(rp_type(&rp), DHCP_MSG_NAK);
    assert_int_equal(rp_ip_dst(&rp), RELAY_IP);
    assert_int_equal(ntohs(rp.h->flags), 0x8000);
}

/* ------------------------------------------------------------ sizes */

static void
make_big_binding(struct fixture *f, uint32_t lease_time)
{
    struct dhcp_binding_config cfg;
    default_config(&cfg);
    cfg.lease_time = lease_time;
    static const char *const names[] = {
        "a-rather-long-namespace-name.svc.cluster-number-one.example.org",
        "b-rather-long-namespace-name.svc.cluster-number-one.example.org",
        "c-rather-long-namespace-name.svc.cluster-number-two.example.org",
        "d-rather-long-namespace-name.svc.cluster-number-two.example.org",
        "e-rather-long-namespace-name.svc.cluster-number-six.example.org",
        "f-rather-long-namespace-name.svc.cluster-number-six.example.org",
        "g-rather-long-namespace-name.svc.cluster-number-ten.example.org",
        "h-rather-long-namespace-name.svc.cluster-number-ten.example.org",
    };
    cfg.n_search = 0;
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        cfg.search[cfg.n_search++] = names[i];
    }
    cfg.n_routes = 0;
    for (int i = 0; i < DHCP_MAX_ROUTES; i++) {
        cfg.routes[cfg.n_routes++] = (struct dhcp_route) {
            IP(10, 200 + i / 4, (i % 4) * 64, 0), 18, IP(10, 100, 0, 1),
        };
    }
    dhcp_binding_destroy(f->binding);
    assert_int_equal(dhcp_binding_create(&cfg, &f->binding, NULL), 0);
}

/* Without option 57 a reply fits in 576 bytes: what does not fit is left
 * out, and counted.  With 57, it all goes. */
static void
test_max_message_size(void **state)
{
    struct fixture *f = *state;
    make_big_binding(f, 3600);

    struct rq rq;
    rq_init(&rq, DHCP_MSG_DISCOVER);
    static const uint8_t prl[] = { 119, 121, 1, 3, 6, 12, 15, 26 };
    rq_opt(&rq, DHCP_OPT_PARAM_REQUEST, prl, sizeof prl);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    struct rp rp;
    rp_parse(f, &rp);
    assert_true(rp.v.l4_size <= 576 - 28);
    assert_true(events(f, DHCP_EV_OPTION_OMITTED) > 0);
    assert_int_equal(ntohl(rp_be32(&rp, DHCP_OPT_LEASE_TIME)), 3600);
    assert_int_equal(ntohl(rp_be32(&rp, DHCP_OPT_RENEWAL_TIME)), 1800);
    assert_int_equal(ntohl(rp_be32(&rp, DHCP_OPT_REBINDING_TIME)), 3150);

    uint64_t omitted = events(f, DHCP_EV_OPTION_OMITTED);
    static const uint8_t mms[] = { 1500 >> 8, 1500 & 0xff };
    rq_opt(&rq, DHCP_OPT_MAX_MESSAGE_SIZE, mms, sizeof mms);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    rp_parse(f, &rp);
    assert_true(rp.v.l4_size > 576 - 28 && rp.v.l4_size <= 1500 - 28);
    assert_int_equal(events(f, DHCP_EV_OPTION_OMITTED), omitted);
    assert_int_equal(rp.opts.len[DHCP_OPT_CLASSLESS_ROUTES],
                     9 + 5 + DHCP_MAX_ROUTES * 8);
    /* Over 255 bytes: split in instances (RFC 3396), rejoined here. */
    assert_true(rp.opts.len[DHCP_OPT_DOMAIN_SEARCH] > 255);
}

/* ------------------------------------------------------------ encoders */

static void
assert_route(ovs_be32 dst, unsigned int plen, ovs_be32 router,
             const uint8_t *expected, size_t len)
{
    struct ofpbuf b;
    ofpbuf_init(&b, 0);
    dhcp_encode_classless_route(&b, dst, plen, router);
    assert_int_equal(b.size, len);
    assert_memory_equal(b.data, expected, len);
    ofpbuf_uninit(&b);
}

/* RFC 3442 §2: the destination descriptor is the width and then only the
 * significant octets of the subnet number. */
static void
test_rfc3442_encodings(void **state)
{
    static const uint8_t r0[] = { 0, 10, 0, 0, 1 };
    assert_route(0, 0, IP(10, 0, 0, 1), r0, sizeof r0);
    static const uint8_t r1[] = { 1, 128, 10, 0, 0, 1 };
    assert_route(IP(128, 0, 0, 0), 1, IP(10, 0, 0, 1), r1, sizeof r1);
    static const uint8_t r8[] = { 8, 10, 10, 0, 0, 1 };
    assert_route(IP(10, 0, 0, 0), 8, IP(10, 0, 0, 1), r8, sizeof r8);
    /* The RFC's own examples: 10.17.0.0/16 and 10.27.129.0/24. */
    static const uint8_t r16[] = { 16, 10, 17, 10, 0, 0, 1 };
    assert_route(IP(10, 17, 0, 0), 16, IP(10, 0, 0, 1), r16, sizeof r16);
    static const uint8_t r24[] = { 24, 10, 27, 129, 10, 0, 0, 1 };
    assert_route(IP(10, 27, 129, 0), 24, IP(10, 0, 0, 1), r24, sizeof r24);
    static const uint8_t r25[] = { 25, 10, 229, 0, 128, 10, 0, 0, 1 };
    assert_route(IP(10, 229, 0, 128), 25, IP(10, 0, 0, 1), r25, sizeof r25);
    static const uint8_t r32[] = { 32, 169, 254, 1, 1, 0, 0, 0, 0 };
    assert_route(GW_IP, 32, 0, r32, sizeof r32);
    /* Host bits past the prefix never reach the wire. */
    static const uint8_t r1h[] = { 1, 128, 10, 0, 0, 1 };
    assert_route(IP(255, 1, 2, 3), 1, IP(10, 0, 0, 1), r1h, sizeof r1h);
}

static void
assert_search(const char *const *names, size_t n, const uint8_t *expected,
              size_t len)
{
    struct ofpbuf b;
    ofpbuf_init(&b, 0);
    assert_int_equal(dhcp_encode_domain_search(&b, names, n), 0);
    assert_int_equal(b.size, len);
    assert_memory_equal(b.data, expected, len);
    ofpbuf_uninit(&b);
}

static void
test_rfc3397_compression(void **state)
{
    /* RFC 3397 §3: "eng.apple.com." and "marketing.apple.com.". */
    static const char *const apple[] = { "eng.apple.com.",
                                         "marketing.apple.com." };
    static const uint8_t apple_wire[] = {
        3, 'e', 'n', 'g', 5, 'a', 'p', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
        9, 'm', 'a', 'r', 'k', 'e', 't', 'i', 'n', 'g', 0xc0, 0x04,
    };
    assert_search(apple, 2, apple_wire, sizeof apple_wire);

    /* A name that is all suffix becomes a lone pointer; case does not
     * matter (RFC 1035 §2.3.3); names with nothing in common do not
     * compress. */
    static const char *const k8s[] = {
        "default.svc.cluster.local", "svc.cluster.local",
        "CLUSTER.local", "example.org",
    };
    static const uint8_t k8s_wire[] = {
        7, 'd', 'e', 'f', 'a', 'u', 'l', 't', 3, 's', 'v', 'c',
        7, 'c', 'l', 'u', 's', 't', 'e', 'r', 5, 'l', 'o', 'c', 'a', 'l', 0,
        0xc0, 8,
        0xc0, 12,
        7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0,
    };
    assert_search(k8s, ARRAY_SIZE(k8s), k8s_wire, sizeof k8s_wire);

    /* Invalid names leave the buffer alone. */
    static const char *const bad[][1] = {
        { "" }, { "a..b" }, { ".a" }, { "a b.c" },
        { "0123456789012345678901234567890123456789012345678901234567890123"
          ".com" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct ofpbuf b;
        ofpbuf_init(&b, 0);
        assert_int_equal(dhcp_encode_domain_search(&b, bad[i], 1), -EINVAL);
        assert_int_equal(b.size, 0);
        ofpbuf_uninit(&b);
    }
}

static void
test_search_in_reply(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_DISCOVER);
    static const uint8_t prl[] = { 119 };
    rq_opt(&rq, DHCP_OPT_PARAM_REQUEST, prl, sizeof prl);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    struct rp rp;
    rp_parse(f, &rp);
    static const uint8_t wire[] = {
        7, 'd', 'e', 'f', 'a', 'u', 'l', 't', 3, 's', 'v', 'c',
        7, 'c', 'l', 'u', 's', 't', 'e', 'r', 5, 'l', 'o', 'c', 'a', 'l', 0,
        0xc0, 8, 0xc0, 12,
    };
    assert_option(&rp, DHCP_OPT_DOMAIN_SEARCH, wire, sizeof wire);
}

static void
test_put_option_splits(void **state)
{
    uint8_t value[600];
    for (size_t i = 0; i < sizeof value; i++) {
        value[i] = i;
    }
    struct ofpbuf b;
    ofpbuf_init(&b, 0);
    dhcp_put_option(&b, 119, value, sizeof value);
    assert_int_equal(b.size, 600 + 3 * 2);
    const uint8_t *p = b.data;
    assert_int_equal(p[0], 119);
    assert_int_equal(p[1], 255);
    assert_int_equal(p[257], 119);
    assert_int_equal(p[258], 255);
    assert_int_equal(p[514], 119);
    assert_int_equal(p[515], 90);
    assert_memory_equal(&p[516], &value[510], 90);
    ofpbuf_uninit(&b);
}

/* ------------------------------------------------------------ bindings */

static void
test_binding_validation(void **state)
{
    struct dhcp_binding_config cfg;
    struct dhcp_binding *b;
    const char *error;

#define EXPECT_INVALID(STMT)                                            \
    default_config(&cfg);                                               \
    STMT;                                                               \
    error = NULL;                                                       \
    assert_int_equal(dhcp_binding_create(&cfg, &b, &error), -EINVAL);   \
    assert_null(b);                                                     \
    assert_non_null(error);

    EXPECT_INVALID(cfg.mac = eth_addr_broadcast);
    EXPECT_INVALID(cfg.mac = eth_addr_zero);
    EXPECT_INVALID(cfg.address = 0);
    EXPECT_INVALID(cfg.plen = 0);
    EXPECT_INVALID(cfg.plen = 33);
    EXPECT_INVALID(cfg.hostname = "bad host");
    EXPECT_INVALID(cfg.hostname = "a-hostname-that-is-longer-than-"
                   "sixty-three-bytes-which-no-label-may-be");
    EXPECT_INVALID(cfg.domain_name = "a..b");
    EXPECT_INVALID(cfg.search[0] = "-");
    EXPECT_INVALID(cfg.routes[0].plen = 33);
    EXPECT_INVALID(cfg.routes[0].plen = 8);
    EXPECT_INVALID(cfg.mtu = 67);
    EXPECT_INVALID(cfg.lease_time = 0);
    EXPECT_INVALID(cfg.gateway = 0);
#undef EXPECT_INVALID

    /* The bare minimum: a MAC and an address. */
    dhcp_binding_config_init(&cfg);
    cfg.mac = vm_mac;
    cfg.address = VM_IP;
    cfg.plen = 32;
    assert_int_equal(dhcp_binding_create(&cfg, &b, NULL), 0);
    assert_true(eth_addr_equals(dhcp_binding_mac(b), vm_mac));
    assert_int_equal(dhcp_binding_address(b), VM_IP);
    assert_int_equal(dhcp_binding_server_id(b), GW_IP);
    dhcp_binding_destroy(b);
    dhcp_binding_destroy(NULL);
}

/* A configurable server identifier is what the guest gets, and what it
 * must unicast its renewals to. */
static void
test_server_id_configurable(void **state)
{
    struct fixture *f = *state;
    struct dhcp_binding_config cfg;
    default_config(&cfg);
    cfg.server_id = IP(169, 254, 0, 9);
    dhcp_binding_destroy(f->binding);
    assert_int_equal(dhcp_binding_create(&cfg, &f->binding, NULL), 0);

    struct rq rq;
    rq_init(&rq, DHCP_MSG_REQUEST);
    rq.ciaddr = VM_IP;
    rq.ip_src = VM_IP;
    rq.ip_dst = GW_IP;
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NOT_FOR_US);
    rq.ip_dst = IP(169, 254, 0, 9);
    assert_int_equal(send_rq(f, &rq), DHCP_DROP_NONE);
    struct rp rp;
    assert_int_equal(pkt_parse(&rp.v, f->reply.data, f->reply.size), PKT_OK);
    assert_int_equal(get_16aligned_be32(&rp.v.ip->ip_src),
                     IP(169, 254, 0, 9));
}

/* ------------------------------------------------------------ parsing */

static void
test_binding_parse(void **state)
{
    struct dhcp_binding_config cfg;
    struct ds error = DS_EMPTY_INITIALIZER;
    const char *ifname = NULL;
    char s[] = "52:54:00:12:34:56,10.100.0.5/24,hostname=vm1,"
               "dns=10.96.0.10,dns=8.8.8.8,domain=cluster.local,"
               "search=svc.cluster.local,search=cluster.local,mtu=1400,"
               "route=10.200.0.0/16@10.100.0.1,gateway=169.254.1.1,"
               "server-id=169.254.0.9,lease=3600,interface=veth0";
    assert_int_equal(dhcp_binding_config_parse(&cfg, s, &ifname, &error), 0);
    assert_true(eth_addr_equals(cfg.mac, vm_mac));
    assert_int_equal(cfg.address, VM_IP);
    assert_int_equal(cfg.plen, 24);
    assert_string_equal(cfg.hostname, "vm1");
    assert_int_equal(cfg.n_dns, 2);
    assert_int_equal(cfg.dns[1], IP(8, 8, 8, 8));
    assert_string_equal(cfg.domain_name, "cluster.local");
    assert_int_equal(cfg.n_search, 2);
    assert_string_equal(cfg.search[1], "cluster.local");
    assert_int_equal(cfg.mtu, 1400);
    assert_int_equal(cfg.n_routes, 1);
    assert_int_equal(cfg.routes[0].dst, IP(10, 200, 0, 0));
    assert_int_equal(cfg.routes[0].plen, 16);
    assert_int_equal(cfg.routes[0].router, IP(10, 100, 0, 1));
    assert_int_equal(cfg.server_id, IP(169, 254, 0, 9));
    assert_int_equal(cfg.lease_time, 3600);
    assert_string_equal(ifname, "veth0");

    /* Defaults. */
    char s2[] = "52:54:00:12:34:56,10.100.0.5/32";
    assert_int_equal(dhcp_binding_config_parse(&cfg, s2, NULL, &error), 0);
    assert_int_equal(cfg.gateway, GW_IP);
    assert_int_equal(cfg.server_id, GW_IP);
    assert_int_equal(cfg.lease_time, 999 * 86400);
    assert_null(cfg.hostname);

    static const char *const bad[] = {
        "", "52:54:00:12:34:56", "52:54:00:12:34,10.0.0.1/24",
        "52:54:00:12:34:56,10.0.0.1", "52:54:00:12:34:56,10.0.0.1/33",
        "52:54:00:12:34:56,10.0.0.1/24,mtu=x",
        "52:54:00:12:34:56,10.0.0.1/24,mtu=70000",
        "52:54:00:12:34:56,10.0.0.1/24,lease=-1",
        "52:54:00:12:34:56,10.0.0.1/24,dns=1.2.3",
        "52:54:00:12:34:56,10.0.0.1/24,route=10.0.0.0/8",
        "52:54:00:12:34:56,10.0.0.1/24,colour=blue",
        "52:54:00:12:34:56,10.0.0.1/24,hostname",
        "52:54:00:12:34:56,10.0.0.1/24,interface=eth0",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *copy = xstrdup(bad[i]);
        ds_clear(&error);
        assert_int_equal(dhcp_binding_config_parse(&cfg, copy, NULL, &error),
                         -EINVAL);
        assert_true(error.length > 0);
        free(copy);
    }
    ds_destroy(&error);
}

/* ------------------------------------------------------------ bad input */

static void
expect_drop(struct fixture *f, const struct rq *rq, enum dhcp_drop d)
{
    uint64_t before = drops(f, d);
    assert_int_equal(send_rq(f, rq), d);
    assert_int_equal(f->reply.size, 0);
    assert_int_equal(drops(f, d), before + 1);
}

static void
test_bad_requests(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    uint8_t b1 = 1;

    rq_init(&rq, DHCP_MSG_DISCOVER);
    rq.op = DHCP_OP_REPLY;
    expect_drop(f, &rq, DHCP_DROP_NOT_REQUEST);

    rq_init(&rq, DHCP_MSG_DISCOVER);
    rq.htype = 6;               /* IEEE 802. */
    expect_drop(f, &rq, DHCP_DROP_BAD_HTYPE);
    rq_init(&rq, DHCP_MSG_DISCOVER);
    rq.hlen = 16;
    expect_drop(f, &rq, DHCP_DROP_BAD_HTYPE);

    rq_init(&rq, DHCP_MSG_DISCOVER);
    rq.no_end = true;
    expect_drop(f, &rq, DHCP_DROP_NO_END);

    rq_init(&rq, DHCP_MSG_DISCOVER);
    rq.opts[rq.n_opts++] = DHCP_OPT_PARAM_REQUEST;
    rq.opts[rq.n_opts++] = 40;  /* Past the end. */
    rq.opts[rq.n_opts++] = 1;
    rq.no_end = true;
    expect_drop(f, &rq, DHCP_DROP_OPTION_OVERRUN);

    /* A length byte as the last byte of the message. */
    rq_init(&rq, DHCP_MSG_DISCOVER);
    rq.opts[rq.n_opts++] = DHCP_OPT_HOSTNAME;
    rq.no_end = true;
    expect_drop(f, &rq, DHCP_DROP_OPTION_OVERRUN);

    /* Option 52 inside 'file': a loop. */
    rq_init(&rq, DHCP_MSG_DISCOVER);
    uint8_t overload = 1;
    rq_opt(&rq, DHCP_OPT_OVERLOAD, &overload, 1);
    static const uint8_t loop[] = { 52, 1, 1, 255 };
    memcpy(rq.file, loop, sizeof loop);
    expect_drop(f, &rq, DHCP_DROP_BAD_OVERLOAD);
    /* Twice in the options field. */
    rq_init(&rq, DHCP_MSG_DISCOVER);
    rq_opt(&rq, DHCP_OPT_OVERLOAD, &overload, 1);
    rq_opt(&rq, DHCP_OPT_OVERLOAD, &overload, 1);
    rq.file[0] = 255;
    expect_drop(f, &rq, DHCP_DROP_BAD_OVERLOAD);
    /* An out-of-range value. */
    rq_init(&rq, DHCP_MSG_DISCOVER);
    overload = 4;
    rq_opt(&rq, DHCP_OPT_OVERLOAD, &overload, 1);
    expect_drop(f, &rq, DHCP_DROP_BAD_OVERLOAD);
    /* 'sname' overloaded but without its end option. */
    rq_init(&rq, DHCP_MSG_DISCOVER);
    overload = 2;
    rq_opt(&rq, DHCP_OPT_OVERLOAD, &overload, 1);
    memset(rq.sname, 0, sizeof rq.sname);
    expect_drop(f, &rq, DHCP_DROP_NO_END);
    /* An option in 'file' whose length runs past the field. */
    rq_init(&rq, DHCP_MSG_DISCOVER);
    overload = 1;
    rq_opt(&rq, DHCP_OPT_OVERLOAD, &overload, 1);
    rq.file[126] = 12;
    rq.file[127] = 10;
    expect_drop(f, &rq, DHCP_DROP_OPTION_OVERRUN);

    rq_init(&rq, DHCP_MSG_DISCOVER);
    rq.n_opts = 0;
    rq_opt(&rq, DHCP_OPT_HOSTNAME, "bootp", 5);
    expect_drop(f, &rq, DHCP_DROP_NO_MSG_TYPE);

    rq_init(&rq, DHCP_MSG_OFFER);
    expect_drop(f, &rq, DHCP_DROP_BAD_MSG_TYPE);
    rq_init(&rq, 0);
    expect_drop(f, &rq, DHCP_DROP_BAD_MSG_TYPE);

    rq_init(&rq, DHCP_MSG_DISCOVER);
    rq.n_opts = 0;
    static const uint8_t two[] = { 1, 1 };
    rq_opt(&rq, DHCP_OPT_MESSAGE_TYPE, two, 2);
    expect_drop(f, &rq, DHCP_DROP_BAD_OPTION_LEN);
    rq_init(&rq, DHCP_MSG_REQUEST);
    rq_opt(&rq, DHCP_OPT_REQUESTED_IP, &b1, 1);
    expect_drop(f, &rq, DHCP_DROP_BAD_OPTION_LEN);

    /* Over what a 1500-byte frame carries. */
    rq_init(&rq, DHCP_MSG_DISCOVER);
    uint8_t pad[250];
    memset(pad, 'x', sizeof pad);
    for (int i = 0; i < 5; i++) {
        rq_opt(&rq, 250, pad, sizeof pad);
    }
    expect_drop(f, &rq, DHCP_DROP_OVERSIZED);
}

static void
test_bad_frames(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    struct ofpbuf frame;
    ofpbuf_init(&frame, 0);
    rq_init(&rq, DHCP_MSG_DISCOVER);
    rq_frame(&rq, &frame);

    /* Every truncation of a good frame is dropped, never read past. */
    for (size_t n = 0; n < frame.size; n++) {
        uint8_t *copy = xmemdup(frame.data, n);
        assert_int_not_equal(dhcp_server_handle(f->server, f->binding, copy,
                                                n, 0, &f->reply),
                             DHCP_DROP_NONE);
        assert_int_equal(f->reply.size, 0);
        free(copy);
    }
    const struct dhcp_counters *c = dhcp_server_counters(f->server);
    assert_true(c->frame_errors[PKT_ERR_TRUNC_ETH] > 0);
    assert_true(c->frame_errors[PKT_ERR_TRUNC_IP] > 0);
    assert_true(c->drops[DHCP_DROP_BAD_FRAME] > 0);

    /* A UDP header and 239 bytes of DHCP: one short of the cookie. */
    uint8_t msg[239];
    memset(msg, 0, sizeof msg);
    msg[0] = 1;
    ofpbuf_clear(&frame);
    pkt_put_eth(&frame, eth_addr_broadcast, vm_mac, ETH_TYPE_IP);
    pkt_put_ipv4_udp(&frame, 0, BCAST, 68, 67, msg, sizeof msg);
    assert_int_equal(dhcp_server_handle(f->server, f->binding, frame.data,
                                        frame.size, 0, &f->reply),
                     DHCP_DROP_TRUNCATED);

    /* The wrong magic cookie. */
    uint8_t msg2[300];
    memset(msg2, 0, sizeof msg2);
    msg2[0] = 1;
    msg2[1] = 1;
    msg2[2] = 6;
    memcpy(&msg2[28], vm_mac.ea, 6);
    static const uint8_t rfc1048ish[] = { 99, 130, 83, 98, 53, 1, 1, 255 };
    memcpy(&msg2[236], rfc1048ish, sizeof rfc1048ish);
    ofpbuf_clear(&frame);
    pkt_put_eth(&frame, eth_addr_broadcast, vm_mac, ETH_TYPE_IP);
    pkt_put_ipv4_udp(&frame, 0, BCAST, 68, 67, msg2, sizeof msg2);
    assert_int_equal(dhcp_server_handle(f->server, f->binding, frame.data,
                                        frame.size, 0, &f->reply),
                     DHCP_DROP_BAD_COOKIE);

    /* Not to port 67. */
    ofpbuf_clear(&frame);
    pkt_put_eth(&frame, eth_addr_broadcast, vm_mac, ETH_TYPE_IP);
    pkt_put_ipv4_udp(&frame, 0, BCAST, 68, 68, msg2, sizeof msg2);
    assert_int_equal(dhcp_server_handle(f->server, f->binding, frame.data,
                                        frame.size, 0, &f->reply),
                     DHCP_DROP_NOT_DHCP);
    /* An ARP request. */
    ofpbuf_clear(&frame);
    pkt_put_eth(&frame, eth_addr_broadcast, vm_mac, ETH_TYPE_ARP);
    pkt_put_arp(&frame, ARP_OP_REQUEST, vm_mac, VM_IP, eth_addr_zero, GW_IP);
    assert_int_equal(dhcp_server_handle(f->server, f->binding, frame.data,
                                        frame.size, 0, &f->reply),
                     DHCP_DROP_NOT_DHCP);
    ofpbuf_uninit(&frame);
}

/* ------------------------------------------------------------ counters */

static void
test_counter_names(void **state)
{
    for (int d = 1; d < DHCP_N_DROPS; d++) {
        assert_string_not_equal(dhcp_drop_name(d), "unknown");
        for (int o = d + 1; o < DHCP_N_DROPS; o++) {
            assert_string_not_equal(dhcp_drop_name(d), dhcp_drop_name(o));
        }
    }
    for (int e = 0; e < DHCP_N_EVENTS; e++) {
        assert_string_not_equal(dhcp_event_name(e), "unknown");
    }
}

static void
test_counters_format(void **state)
{
    struct fixture *f = *state;
    struct rq rq;
    rq_init(&rq, DHCP_MSG_DISCOVER);
    send_rq(f, &rq);
    rq.chaddr = rq.eth_src = other_mac;
    send_rq(f, &rq);

    struct ds ds = DS_EMPTY_INITIALIZER;
    dhcp_counters_format(dhcp_server_counters(f->server), &ds, false);
    /* A client without a binding is only a drop. */
    assert_non_null(strstr(ds_cstr(&ds), "rx-discover 1\n"));
    assert_non_null(strstr(ds_cstr(&ds), "tx-offer 1\n"));
    assert_non_null(strstr(ds_cstr(&ds), "drop-unknown-client 1\n"));
    ds_clear(&ds);
    dhcp_counters_format(dhcp_server_counters(f->server), &ds, true);
    assert_true(ds.string[0] == '{');
    assert_non_null(strstr(ds_cstr(&ds), "{\"rx-discover\": 1, "));
    assert_non_null(strstr(ds_cstr(&ds), "\"drop-unknown-client\": 1"));
    ds_destroy(&ds);

    dhcp_server_clear_counters(f->server);
    assert_int_equal(events(f, DHCP_EV_RX_DISCOVER), 0);
}

#define T(NAME) cmocka_unit_test_setup_teardown(NAME, setup, teardown)
#define T_RELAY(NAME) \
    cmocka_unit_test_setup_teardown(NAME, setup_with_relay, teardown)

int
main(void)
{
    /* Rate-limited warnings of DECLINE and NAK are part of the tests. */
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);

    const struct CMUnitTest tests[] = {
        T(test_discover_offer),
        T(test_discover_broadcast_flag),
        T(test_classless_routes_in_reply),
        T(test_parameter_request_order),
        T(test_parameter_request_minimal),
        T(test_parameter_request_split),
        T(test_option_overload),
        T(test_request_selecting),
        T(test_request_selecting_other_server),
        T(test_request_selecting_wrong_address),
        T(test_request_init_reboot),
        T(test_request_init_reboot_wrong_address),
        T(test_request_renewing),
        T(test_request_renewing_wrong_address),
        T(test_request_rebinding),
        T(test_request_without_address),
        T(test_request_not_for_us),
        T(test_decline),
        T(test_decline_other_address),
        T(test_release),
        T(test_inform),
        T(test_unknown_client),
        T(test_chaddr_spoofed),
        T(test_relay_disabled),
        T_RELAY(test_relay),
        T(test_max_message_size),
        cmocka_unit_test(test_rfc3442_encodings),
        cmocka_unit_test(test_rfc3397_compression),
        T(test_search_in_reply),
        cmocka_unit_test(test_put_option_splits),
        cmocka_unit_test(test_binding_validation),
        T(test_server_id_configurable),
        cmocka_unit_test(test_binding_parse),
        T(test_bad_requests),
        T(test_bad_frames),
        cmocka_unit_test(test_counter_names),
        T(test_counters_format),
    };
    return cmocka_run_group_tests_name("dhcp-server", tests, NULL, NULL);
}
