/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "arpproxy/arp-proxy.h"

#include <errno.h>
#include <string.h>
#include "lib/packet.h"

const char *
arpp_verdict_name(enum arpp_verdict verdict)
{
    switch (verdict) {
#define ARPP_VERDICT(ENUM, NAME) case ARPP_##ENUM: return NAME;
    ARPP_VERDICTS
#undef ARPP_VERDICT
    case ARPP_N_VERDICTS:
        break;
    }
    return "unknown";
}

void
arpp_counters_add(struct arpp_counters *a, const struct arpp_counters *b)
{
    for (size_t i = 0; i < ARPP_N_VERDICTS; i++) {
        a->n[i] += b->n[i];
    }
}

static bool
ip_in(ovs_be32 ip, const ovs_be32 *ips, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ips[i] == ip) {
            return true;
        }
    }
    return false;
}

static bool
mac_is_usable(struct eth_addr mac)
{
    return !eth_addr_is_zero(mac) && !eth_addr_is_multicast(mac);
}

static bool
ip_is_usable(ovs_be32 ip)
{
    return ip != htonl(0) && ip != htonl(0xffffffff) && !ip_is_multicast(ip);
}

int
arpp_port_view_check(const struct arpp_port_view *view)
{
    if (!view
        || !mac_is_usable(view->vm_mac) || !mac_is_usable(view->gateway_mac)
        || !view->n_gateways || view->n_gateways > ARPP_MAX_GATEWAYS
        || view->n_vm_ips > ARPP_MAX_VM_IPS) {
        return -EINVAL;
    }
    for (size_t i = 0; i < view->n_gateways; i++) {
        if (!ip_is_usable(view->gateways[i])
            || ip_in(view->gateways[i], view->vm_ips, view->n_vm_ips)) {
            return -EINVAL;
        }
    }
    for (size_t i = 0; i < view->n_vm_ips; i++) {
        if (!ip_is_usable(view->vm_ips[i])) {
            return -EINVAL;
        }
    }
    return 0;
}

static enum arpp_verdict
verdict_from_parse(enum pkt_error error)
{
    switch (error) {
    case PKT_OK:
        return ARPP_REPLY;
    case PKT_ERR_VLAN:
        return ARPP_VLAN;
    case PKT_ERR_TRUNC_ETH:
    case PKT_ERR_TRUNC_ARP:
        return ARPP_TRUNCATED;
    default:
        /* Only an IP frame can fail further down: not ours either way. */
        return ARPP_NOT_ARP;
    }
}

enum arpp_verdict
arpp_handle(const struct arpp_port_view *view, const uint8_t *frame,
            size_t size, struct ofpbuf *reply)
{
    /* The port is checked first: a frame from elsewhere (another node's
     * VM through a tunnel, the host itself) is never ours to answer. */
    if (!view) {
        return ARPP_NOT_VM_PORT;
    }

    struct pkt_view v;
    enum arpp_verdict verdict = verdict_from_parse(pkt_parse(&v, frame,
                                                             size));
    if (verdict != ARPP_REPLY) {
        return verdict;
    }
    if (v.eth_type != ETH_TYPE_ARP) {
        /* RARP included: it activates a migrated port in OVN and must
         * pass untouched. */
        return ARPP_NOT_ARP;
    }

    /* RFC 826: only Ethernet hardware and IPv4 protocol addresses. */
    const struct arp_eth_header *arp = v.arp;
    if (arp->ar_hrd != htons(ARP_HRD_ETHERNET)) {
        return ARPP_BAD_HW_TYPE;
    }
    if (arp->ar_pro != htons(ARP_PRO_IP)) {
        return ARPP_BAD_PROTO_TYPE;
    }
    if (arp->ar_hln != ETH_ADDR_LEN) {
        return ARPP_BAD_HW_LEN;
    }
    if (arp->ar_pln != sizeof(ovs_be32)) {
        return ARPP_BAD_PROTO_LEN;
    }

    /* The sender must be the VM, at both layers. */
    if (eth_addr_is_multicast(v.eth->eth_src)
        || eth_addr_is_multicast(arp->ar_sha)) {
        return ARPP_MCAST_SENDER;
    }
    if (!eth_addr_equals(v.eth->eth_src, view->vm_mac)
        || !eth_addr_equals(arp->ar_sha, view->vm_mac)) {
        return ARPP_FOREIGN_MAC;
    }

    ovs_be32 spa = get_16aligned_be32(&arp->ar_spa);
    ovs_be32 tpa = get_16aligned_be32(&arp->ar_tpa);

    /* An announcement of the sender's own address (RFC 5227 §2.3), request
     * or reply: answering would tell the guest its address is taken. */
    if (spa == tpa) {
        return ARPP_GRATUITOUS;
    }
    if (arp->ar_op != htons(ARP_OP_REQUEST)) {
        return ARPP_NOT_REQUEST;
    }
    /* RFC 5227 §2.1.1: a probe checks that an address is free.  A gateway
     * address is never the guest's to take, but answering a probe would
     * make a guest mistaking one for its own give it up. */
    if (spa == htonl(0)) {
        return ARPP_PROBE;
    }
    if (!ip_in(spa, view->vm_ips, view->n_vm_ips)) {
        return ARPP_FOREIGN_IP;
    }
    if (ip_in(tpa, view->vm_ips, view->n_vm_ips)) {
        return ARPP_OWN_IP;
    }
    if (!ip_in(tpa, view->gateways, view->n_gateways)) {
        return ARPP_NOT_GATEWAY;
    }
    /* Broadcast, or unicast to G when Linux re-validates a stale entry
     * (RFC 1122 §2.3.2.1); a request unicast to any other MAC asks
     * someone else. */
    if (!eth_addr_is_broadcast(v.eth->eth_dst)
        && !eth_addr_equals(v.eth->eth_dst, view->gateway_mac)) {
        return ARPP_WRONG_DST;
    }

    size_t start = reply->size;
    pkt_put_eth(reply, arp->ar_sha, view->gateway_mac, ETH_TYPE_ARP);
    pkt_put_arp(reply, ARP_OP_REPLY, view->gateway_mac, tpa,
                arp->ar_sha, spa);
    size_t len = reply->size - start;
    if (len < ETH_TOTAL_MIN) {
        ofpbuf_put_zeros(reply, ETH_TOTAL_MIN - len);
    }
    return ARPP_REPLY;
}
