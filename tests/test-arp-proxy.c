/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for arpproxy/arp-proxy: every answer, byte for byte against a
 * vector written out by hand from RFC 826, and every drop reason. */
#include <config.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arpproxy/arp-proxy.h"
#include "lib/packet.h"

#define VM_IP 0x0a640005        /* 10.100.0.5 */
#define VM_IP2 0x0a640006       /* 10.100.0.6, a secondary address. */
#define SUBNET_GW 0x0a640001    /* 10.100.0.1 */
#define LINK_LOCAL ARPP_LINK_LOCAL_GATEWAY

static const struct eth_addr vm_mac = ETH_ADDR_C(52, 54, 00, 12, 34, 56);
static const struct eth_addr gw_mac = ETH_ADDR_C(0a, 58, a9, fe, 01, 01);
static const struct eth_addr other_mac = ETH_ADDR_C(52, 54, 00, 99, 99, 99);
static const struct eth_addr mcast_mac = ETH_ADDR_C(01, 00, 5e, 00, 00, 01);

/* The reply to a broadcast request from vm_mac/10.100.0.5 for 169.254.1.1,
 * padded to 60 bytes. */
static const uint8_t reply_vector[60] = {
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56,         /* dst: the requester */
    0x0a, 0x58, 0xa9, 0xfe, 0x01, 0x01,         /* src: G */
    0x08, 0x06,                                 /* ARP */
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04,         /* Ethernet, IPv4, 6, 4 */
    0x00, 0x02,                                 /* reply */
    0x0a, 0x58, 0xa9, 0xfe, 0x01, 0x01,         /* sha: G */
    0xa9, 0xfe, 0x01, 0x01,                     /* spa: 169.254.1.1 */
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56,         /* tha: the requester */
    0x0a, 0x64, 0x00, 0x05,                     /* tpa: 10.100.0.5 */
    /* 18 bytes of padding */
};

static struct arpp_port_view
make_view(void)
{
    struct arpp_port_view view = {
        .vm_mac = vm_mac,
        .vm_ips = { htonl(VM_IP), htonl(VM_IP2) },
        .n_vm_ips = 2,
        .gateways = { htonl(LINK_LOCAL), htonl(SUBNET_GW) },
        .n_gateways = 2,
        .gateway_mac = gw_mac,
    };
    return view;
}

/* An ARP frame: Ethernet 'dst'/'src', then 'op' with the given addresses.
 * The frame is in 'b', which the caller uninits. */
static void
make_arp(struct ofpbuf *b, struct eth_addr dst, struct eth_addr src,
         uint16_t op, struct eth_addr sha, uint32_t spa, struct eth_addr tha,
         uint32_t tpa)
{
    ofpbuf_init(b, 64);
    pkt_put_eth(b, dst, src, ETH_TYPE_ARP);
    pkt_put_arp(b, op, sha, htonl(spa), tha, htonl(tpa));
}

/* A well-formed broadcast request from the VM for 'tpa'. */
static void
make_request(struct ofpbuf *b, uint32_t tpa)
{
    make_arp(b, eth_addr_broadcast, vm_mac, ARP_OP_REQUEST, vm_mac, VM_IP,
             eth_addr_zero, tpa);
}

/* Runs the core on 'b' with the standard view; on a drop, checks that
 * nothing was written to the reply. */
static enum arpp_verdict
handle(const struct ofpbuf *b, struct ofpbuf *reply)
{
    struct arpp_port_view view = make_view();
    enum arpp_verdict verdict = arpp_handle(&view, b->data, b->size, reply);
    if (verdict != ARPP_REPLY) {
        assert_int_equal(reply->size, 0);
    }
    return verdict;
}

static enum arpp_verdict
verdict_of(const struct ofpbuf *b)
{
    struct ofpbuf reply;
    ofpbuf_init(&reply, 0);
    enum arpp_verdict verdict = handle(b, &reply);
    ofpbuf_uninit(&reply);
    return verdict;
}

/* The parsed reply in 'reply' must answer 'gateway' to the VM. */
static void
check_reply(const struct ofpbuf *reply, uint32_t gateway)
{
    struct pkt_view v;
    assert_int_equal(reply->size, ETH_TOTAL_MIN);
    assert_int_equal(pkt_parse(&v, reply->data, reply->size), PKT_OK);
    assert_true(eth_addr_equals(v.eth->eth_dst, vm_mac));
    assert_true(eth_addr_equals(v.eth->eth_src, gw_mac));
    assert_int_equal(v.eth_type, ETH_TYPE_ARP);
    assert_int_equal(ntohs(v.arp->ar_op), ARP_OP_REPLY);
    assert_true(eth_addr_equals(v.arp->ar_sha, gw_mac));
    assert_int_equal(ntohl(get_16aligned_be32(&v.arp->ar_spa)), gateway);
    assert_true(eth_addr_equals(v.arp->ar_tha, vm_mac));
    assert_int_equal(ntohl(get_16aligned_be32(&v.arp->ar_tpa)), VM_IP);
}

static void
test_reply_link_local(void **state)
{
    struct ofpbuf req, reply;
    make_request(&req, LINK_LOCAL);
    ofpbuf_init(&reply, 0);
    assert_int_equal(handle(&req, &reply), ARPP_REPLY);
    assert_int_equal(reply.size, sizeof reply_vector);
    assert_memory_equal(reply.data, reply_vector, sizeof reply_vector);
    ofpbuf_uninit(&reply);
    ofpbuf_uninit(&req);
}

static void
test_reply_subnet_gateway(void **state)
{
    struct ofpbuf req, reply;
    make_request(&req, SUBNET_GW);
    ofpbuf_init(&reply, 0);
    assert_int_equal(handle(&req, &reply), ARPP_REPLY);
    check_reply(&reply, SUBNET_GW);
    ofpbuf_uninit(&reply);
    ofpbuf_uninit(&req);
}

static void
test_reply_from_secondary_address(void **state)
{
    struct ofpbuf req, reply;
    make_arp(&req, eth_addr_broadcast, vm_mac, ARP_OP_REQUEST, vm_mac,
             VM_IP2, eth_addr_zero, LINK_LOCAL);
    ofpbuf_init(&reply, 0);
    assert_int_equal(handle(&req, &reply), ARPP_REPLY);
    struct pkt_view v;
    assert_int_equal(pkt_parse(&v, reply.data, reply.size), PKT_OK);
    assert_int_equal(ntohl(get_16aligned_be32(&v.arp->ar_tpa)), VM_IP2);
    ofpbuf_uninit(&reply);
    ofpbuf_uninit(&req);
}

/* Linux re-validates a stale entry with a request unicast to the MAC it
 * has (neigh state PROBE), target hardware address set to it. */
static void
test_reply_nud_unicast(void **state)
{
    struct ofpbuf req, reply;
    make_arp(&req, gw_mac, vm_mac, ARP_OP_REQUEST, vm_mac, VM_IP, gw_mac,
             LINK_LOCAL);
    ofpbuf_init(&reply, 0);
    assert_int_equal(handle(&req, &reply), ARPP_REPLY);
    assert_memory_equal(reply.data, reply_vector, sizeof reply_vector);
    ofpbuf_uninit(&reply);
    ofpbuf_uninit(&req);
}

/* Ethernet padding after the ARP message does not matter, and the reply is
 * appended after whatever the buffer held. */
static void
test_reply_padded_request_appends(void **state)
{
    struct ofpbuf req, reply;
    make_request(&req, LINK_LOCAL);
    ofpbuf_put_zeros(&req, ETH_TOTAL_MIN - req.size);
    ofpbuf_init(&reply, 0);
    ofpbuf_put(&reply, "head", 4);
    struct arpp_port_view view = make_view();
    assert_int_equal(arpp_handle(&view, req.data, req.size, &reply),
                     ARPP_REPLY);
    assert_int_equal(reply.size, 4 + sizeof reply_vector);
    assert_memory_equal(reply.data, "head", 4);
    assert_memory_equal((uint8_t *) reply.data + 4, reply_vector,
                        sizeof reply_vector);
    ofpbuf_uninit(&reply);
    ofpbuf_uninit(&req);
}

static void
test_reply_other_gateway_mac(void **state)
{
    struct ofpbuf req, reply;
    struct arpp_port_view view = make_view();
    view.gateway_mac = other_mac;
    make_request(&req, LINK_LOCAL);
    ofpbuf_init(&reply, 0);
    assert_int_equal(arpp_handle(&view, req.data, req.size, &reply),
                     ARPP_REPLY);
    struct pkt_view v;
    assert_int_equal(pkt_parse(&v, reply.data, reply.size), PKT_OK);
    assert_true(eth_addr_equals(v.eth->eth_src, other_mac));
    assert_true(eth_addr_equals(v.arp->ar_sha, other_mac));
    ofpbuf_uninit(&reply);
    ofpbuf_uninit(&req);
}

static void
test_drop_not_vm_port(void **state)
{
    struct ofpbuf req, reply;
    make_request(&req, LINK_LOCAL);
    ofpbuf_init(&reply, 0);
    assert_int_equal(arpp_handle(NULL, req.data, req.size, &reply),
                     ARPP_NOT_VM_PORT);
    assert_int_equal(reply.size, 0);
    ofpbuf_uninit(&reply);
    ofpbuf_uninit(&req);
}

static void
test_drop_truncated(void **state)
{
    struct ofpbuf req;
    make_request(&req, LINK_LOCAL);
    struct ofpbuf cut = req;
    for (cut.size = 0; cut.size < req.size; cut.size++) {
        assert_int_equal(verdict_of(&cut), ARPP_TRUNCATED);
    }
    ofpbuf_uninit(&req);
}

static void
test_drop_vlan(void **state)
{
    struct ofpbuf req;
    ofpbuf_init(&req, 64);
    pkt_put_eth(&req, eth_addr_broadcast, vm_mac, ETH_TYPE_VLAN_8021Q);
    ovs_be16 tag[2] = { htons(100), htons(ETH_TYPE_ARP) };
    ofpbuf_put(&req, tag, sizeof tag);
    pkt_put_arp(&req, ARP_OP_REQUEST, vm_mac, htonl(VM_IP), eth_addr_zero,
                htonl(LINK_LOCAL));
    assert_int_equal(verdict_of(&req), ARPP_VLAN);

    /* 802.1ad too. */
    ((struct eth_header *) req.data)->eth_type = htons(ETH_TYPE_VLAN_8021AD);
    assert_int_equal(verdict_of(&req), ARPP_VLAN);
    ofpbuf_uninit(&req);
}

static void
test_drop_not_arp(void **state)
{
    struct ofpbuf b;

    /* RARP (QEMU's announcement after a migration) passes untouched. */
    make_request(&b, LINK_LOCAL);
    ((struct eth_header *) b.data)->eth_type = htons(ETH_TYPE_RARP);
    assert_int_equal(verdict_of(&b), ARPP_NOT_ARP);
    ofpbuf_uninit(&b);

    ofpbuf_init(&b, 0);
    pkt_put_eth(&b, gw_mac, vm_mac, ETH_TYPE_IP);
    pkt_put_ipv4_udp(&b, htonl(VM_IP), htonl(LINK_LOCAL), 68, 67, "x", 1);
    assert_int_equal(verdict_of(&b), ARPP_NOT_ARP);
    /* A broken IPv4 frame is still not ARP. */
    ((uint8_t *) b.data)[14] = 0x55;
    assert_int_equal(verdict_of(&b), ARPP_NOT_ARP);
    ofpbuf_uninit(&b);
}

/* Copies a good request, lets 'mutate' damage its ARP header and returns
 * the verdict. */
static enum arpp_verdict
arp_mutated(void (*mutate)(struct arp_eth_header *))
{
    struct ofpbuf b;
    make_request(&b, LINK_LOCAL);
    mutate(ofpbuf_at_assert(&b, ETH_HEADER_LEN, ARP_ETH_HEADER_LEN));
    enum arpp_verdict verdict = verdict_of(&b);
    ofpbuf_uninit(&b);
    return verdict;
}

static void hw_type(struct arp_eth_header *a) { a->ar_hrd = htons(6); }
static void proto_type(struct arp_eth_header *a) { a->ar_pro = htons(0x86dd); }
static void hw_len(struct arp_eth_header *a) { a->ar_hln = 8; }
static void proto_len(struct arp_eth_header *a) { a->ar_pln = 16; }
static void mcast_sha(struct arp_eth_header *a) { a->ar_sha = mcast_mac; }
static void bcast_sha(struct arp_eth_header *a) { a->ar_sha = eth_addr_broadcast; }
static void other_sha(struct arp_eth_header *a) { a->ar_sha = other_mac; }
static void op_rarp(struct arp_eth_header *a) { a->ar_op = htons(ARP_OP_RARP); }

static void
test_drop_bad_header(void **state)
{
    assert_int_equal(arp_mutated(hw_type), ARPP_BAD_HW_TYPE);
    assert_int_equal(arp_mutated(proto_type), ARPP_BAD_PROTO_TYPE);
    assert_int_equal(arp_mutated(hw_len), ARPP_BAD_HW_LEN);
    assert_int_equal(arp_mutated(proto_len), ARPP_BAD_PROTO_LEN);
    assert_int_equal(arp_mutated(op_rarp), ARPP_NOT_REQUEST);
}

static void
test_drop_multicast_sender(void **state)
{
    assert_int_equal(arp_mutated(mcast_sha), ARPP_MCAST_SENDER);
    assert_int_equal(arp_mutated(bcast_sha), ARPP_MCAST_SENDER);

    struct ofpbuf b;
    make_arp(&b, eth_addr_broadcast, mcast_mac, ARP_OP_REQUEST, vm_mac,
             VM_IP, eth_addr_zero, LINK_LOCAL);
    assert_int_equal(verdict_of(&b), ARPP_MCAST_SENDER);
    ofpbuf_uninit(&b);
}

static void
test_drop_foreign_sender_mac(void **state)
{
    /* In the ARP message... */
    assert_int_equal(arp_mutated(other_sha), ARPP_FOREIGN_MAC);

    /* ...or in the Ethernet header. */
    struct ofpbuf b;
    make_arp(&b, eth_addr_broadcast, other_mac, ARP_OP_REQUEST, vm_mac,
             VM_IP, eth_addr_zero, LINK_LOCAL);
    assert_int_equal(verdict_of(&b), ARPP_FOREIGN_MAC);
    ofpbuf_uninit(&b);
}

static void
test_drop_gratuitous(void **state)
{
    struct ofpbuf b;

    /* RFC 5227 §3 announcement, as a request... */
    make_arp(&b, eth_addr_broadcast, vm_mac, ARP_OP_REQUEST, vm_mac, VM_IP,
             eth_addr_zero, VM_IP);
    assert_int_equal(verdict_of(&b), ARPP_GRATUITOUS);
    ofpbuf_uninit(&b);

    /* ...and as a reply (arping -A). */
    make_arp(&b, eth_addr_broadcast, vm_mac, ARP_OP_REPLY, vm_mac, VM_IP,
             vm_mac, VM_IP);
    assert_int_equal(verdict_of(&b), ARPP_GRATUITOUS);
    ofpbuf_uninit(&b);

    /* A guest claiming a gateway address for itself gets no answer. */
    make_arp(&b, eth_addr_broadcast, vm_mac, ARP_OP_REQUEST, vm_mac,
             LINK_LOCAL, eth_addr_zero, LINK_LOCAL);
    assert_int_equal(verdict_of(&b), ARPP_GRATUITOUS);
    ofpbuf_uninit(&b);
}

static void
test_drop_not_request(void **state)
{
    struct ofpbuf b;
    make_arp(&b, gw_mac, vm_mac, ARP_OP_REPLY, vm_mac, VM_IP, gw_mac,
             LINK_LOCAL);
    assert_int_equal(verdict_of(&b), ARPP_NOT_REQUEST);
    ofpbuf_uninit(&b);
}

static void
test_drop_probe(void **state)
{
    struct ofpbuf b;

    /* RFC 5227 §2.1.1: sender IP all zeroes, for a gateway... */
    make_arp(&b, eth_addr_broadcast, vm_mac, ARP_OP_REQUEST, vm_mac, 0,
             eth_addr_zero, LINK_LOCAL);
    assert_int_equal(verdict_of(&b), ARPP_PROBE);
    ofpbuf_uninit(&b);

    /* ...or for the VM's own address (duplicate address detection). */
    make_arp(&b, eth_addr_broadcast, vm_mac, ARP_OP_REQUEST, vm_mac, 0,
             eth_addr_zero, VM_IP);
    assert_int_equal(verdict_of(&b), ARPP_PROBE);
    ofpbuf_uninit(&b);
}

static void
test_drop_foreign_sender_ip(void **state)
{
    struct ofpbuf b;
    make_arp(&b, eth_addr_broadcast, vm_mac, ARP_OP_REQUEST, vm_mac,
             0x0a640063, eth_addr_zero, LINK_LOCAL);
    assert_int_equal(verdict_of(&b), ARPP_FOREIGN_IP);
    ofpbuf_uninit(&b);
}

static void
test_drop_own_ip(void **state)
{
    struct ofpbuf b;
    make_request(&b, VM_IP2);
    assert_int_equal(verdict_of(&b), ARPP_OWN_IP);
    ofpbuf_uninit(&b);
}

static void
test_drop_not_gateway(void **state)
{
    struct ofpbuf b;
    make_request(&b, 0x0a640009);
    assert_int_equal(verdict_of(&b), ARPP_NOT_GATEWAY);
    ofpbuf_uninit(&b);

    /* The subnet's gateway is answered only when configured. */
    struct arpp_port_view view = make_view();
    view.n_gateways = 1;
    make_request(&b, SUBNET_GW);
    struct ofpbuf reply;
    ofpbuf_init(&reply, 0);
    assert_int_equal(arpp_handle(&view, b.data, b.size, &reply),
                     ARPP_NOT_GATEWAY);
    ofpbuf_uninit(&reply);
    ofpbuf_uninit(&b);
}

static void
test_drop_wrong_destination(void **state)
{
    struct ofpbuf b;
    make_arp(&b, other_mac, vm_mac, ARP_OP_REQUEST, vm_mac, VM_IP,
             other_mac, LINK_LOCAL);
    assert_int_equal(verdict_of(&b), ARPP_WRONG_DST);
    ofpbuf_uninit(&b);
}

static void
test_verdict_names(void **state)
{
    for (int i = 0; i < ARPP_N_VERDICTS; i++) {
        const char *name = arpp_verdict_name(i);
        assert_string_not_equal(name, "unknown");
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(name, arpp_verdict_name(j));
        }
    }
    assert_string_equal(arpp_verdict_name(ARPP_N_VERDICTS), "unknown");
    assert_string_equal(arpp_verdict_name(ARPP_PROBE), "probe");
}

static void
test_counters(void **state)
{
    struct arpp_counters a = { { 0 } }, b = { { 0 } };
    arpp_count(&a, ARPP_REPLY);
    arpp_count(&a, ARPP_PROBE);
    arpp_count(&a, ARPP_N_VERDICTS);          /* Ignored. */
    arpp_count(&b, ARPP_PROBE);
    arpp_counters_add(&a, &b);
    assert_int_equal(a.n[ARPP_REPLY], 1);
    assert_int_equal(a.n[ARPP_PROBE], 2);
}

static void
test_view_check(void **state)
{
    struct arpp_port_view view = make_view();
    assert_int_equal(arpp_port_view_check(&view), 0);
    assert_int_equal(arpp_port_view_check(NULL), -EINVAL);

    view.vm_mac = mcast_mac;
    assert_int_equal(arpp_port_view_check(&view), -EINVAL);
    view = make_view();
    view.gateway_mac = eth_addr_zero;
    assert_int_equal(arpp_port_view_check(&view), -EINVAL);
    view = make_view();
    view.n_gateways = 0;
    assert_int_equal(arpp_port_view_check(&view), -EINVAL);
    view = make_view();
    view.n_gateways = ARPP_MAX_GATEWAYS + 1;
    assert_int_equal(arpp_port_view_check(&view), -EINVAL);
    view = make_view();
    view.n_vm_ips = ARPP_MAX_VM_IPS + 1;
    assert_int_equal(arpp_port_view_check(&view), -EINVAL);
    view = make_view();
    view.gateways[1] = htonl(VM_IP);
    assert_int_equal(arpp_port_view_check(&view), -EINVAL);
    view = make_view();
    view.vm_ips[0] = htonl(0xe0000001);
    assert_int_equal(arpp_port_view_check(&view), -EINVAL);
    view = make_view();
    view.gateways[0] = htonl(0);
    assert_int_equal(arpp_port_view_check(&view), -EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply_link_local),
        cmocka_unit_test(test_reply_subnet_gateway),
        cmocka_unit_test(test_reply_from_secondary_address),
        cmocka_unit_test(test_reply_nud_unicast),
        cmocka_unit_test(test_reply_padded_request_appends),
        cmocka_unit_test(test_reply_other_gateway_mac),
        cmocka_unit_test(test_drop_not_vm_port),
        cmocka_unit_test(test_drop_truncated),
        cmocka_unit_test(test_drop_vlan),
        cmocka_unit_test(test_drop_not_arp),
        cmocka_unit_test(test_drop_bad_header),
        cmocka_unit_test(test_drop_multicast_sender),
        cmocka_unit_test(test_drop_foreign_sender_mac),
        cmocka_unit_test(test_drop_gratuitous),
        cmocka_unit_test(test_drop_not_request),
        cmocka_unit_test(test_drop_probe),
        cmocka_unit_test(test_drop_foreign_sender_ip),
        cmocka_unit_test(test_drop_own_ip),
        cmocka_unit_test(test_drop_not_gateway),
        cmocka_unit_test(test_drop_wrong_destination),
        cmocka_unit_test(test_verdict_names),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_view_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
