/* SPDX-License-Identifier: Apache-2.0
 *
 * arp-fast-path.bpf.c -- the ARP proxy's rules as an eBPF program on tc
 * ingress of each VM port: a request the pure core (arp-proxy.c) would
 * answer is rewritten into the core's reply, byte for byte, and sent back
 * out of the port it came in on, in softirq, within the guest's own send().
 * Everything else goes on untouched (TC_ACT_OK): the userspace path sees
 * every frame anyway (its packet socket taps ingress before tc) and keeps
 * counting each under its verdict.
 *
 * The checks below are arpp_handle()'s, in its order; tests/test-arp-fast-
 * path.c runs the core's frames and the fuzz corpus through both and
 * requires the same answer for every one.  Compiled at build time with
 * clang -target bpf and embedded in the binaries (arp-fast-path.c). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "arpproxy/arp-fast-path-abi.h"

/* Ethernet's shortest frame, without its FCS: replies are padded to it, as
 * the core pads them (ETH_TOTAL_MIN). */
#define ARPP_FRAME_MIN 60

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, ARPP_FP_MAX_PORTS);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, __u32);
    __type(value, struct arpp_fp_port);
} arpp_ports SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, ARPP_FP_MAX_PORTS);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, __u32);
    __type(value, struct arpp_fp_counters);
} arpp_counters SEC(".maps");

/* An Ethernet frame carrying an ARP message for Ethernet and IPv4
 * (RFC 826). */
struct arp_frame {
    __u8 eth_dst[6];
    __u8 eth_src[6];
    __be16 eth_type;
    __be16 ar_hrd;
    __be16 ar_pro;
    __u8 ar_hln;
    __u8 ar_pln;
    __be16 ar_op;
    __u8 ar_sha[6];
    __u8 ar_spa[4];
    __u8 ar_tha[6];
    __u8 ar_tpa[4];
} __attribute__((packed));

#define ARP_FRAME_LEN 42        /* sizeof(struct arp_frame) */

static __always_inline int
mac_is_multicast(const __u8 *mac)
{
    return mac[0] & 1;
}

static __always_inline int
mac_equals(const __u8 *a, const __u8 *b)
{
    return a[0] == b[0] && a[1] == b[1] && a[2] == b[2]
           && a[3] == b[3] && a[4] == b[4] && a[5] == b[5];
}

static __always_inline int
mac_is_broadcast(const __u8 *mac)
{
    return (mac[0] & mac[1] & mac[2] & mac[3] & mac[4] & mac[5]) == 0xff;
}

static __always_inline __be32
get_ip(const __u8 *p)
{
    __be32 ip;
    __builtin_memcpy(&ip, p, sizeof ip);
    return ip;
}

/* Whether 'ip' is one of the first 'n' of the 'max' addresses 'ips'. */
static __always_inline int
ip_in(__be32 ip, const __be32 *ips, __u32 n, const int max)
{
#pragma unroll
    for (int i = 0; i < max; i++) {
        if (i < n && ips[i] == ip) {
            return 1;
        }
    }
    return 0;
}
#define IP_IN(IP, PORT, FIELD)                                          \
    ip_in(IP, (PORT)->FIELD, (PORT)->n_##FIELD,                         \
          sizeof (PORT)->FIELD / sizeof (PORT)->FIELD[0])

/* Whether arpp_handle() answers 'f' (the first ARP_FRAME_LEN bytes of an
 * ARP frame) on 'port'.  The frame is already known to be ARP, untagged,
 * and long enough. */
static __always_inline int
should_answer(const struct arp_frame *f, const struct arpp_fp_port *port)
{
    if (f->ar_hrd != bpf_htons(1) || f->ar_pro != bpf_htons(ETH_P_IP)
        || f->ar_hln != 6 || f->ar_pln != 4) {
        return 0;
    }
    /* The sender must be the VM, at both layers. */
    if (mac_is_multicast(f->eth_src) || mac_is_multicast(f->ar_sha)
        || !mac_equals(f->eth_src, port->vm_mac)
        || !mac_equals(f->ar_sha, port->vm_mac)) {
        return 0;
    }
    __be32 spa = get_ip(f->ar_spa), tpa = get_ip(f->ar_tpa);
    /* Gratuitous, not a request, a probe (RFC 5227), a foreign sender IP,
     * a request for the VM's own address, not a gateway. */
    if (spa == tpa || f->ar_op != bpf_htons(1) || !spa
        || !IP_IN(spa, port, vm_ips) || IP_IN(tpa, port, vm_ips)
        || !IP_IN(tpa, port, gateways)) {
        return 0;
    }
    /* Broadcast, or unicast to G (RFC 1122 §2.3.2.1). */
    return mac_is_broadcast(f->eth_dst)
           || mac_equals(f->eth_dst, port->gateway_mac);
}

/* Turns the request 'req' into the core's reply in 'skb': G answers the
 * requested address to the requester, padded with zeros to 60 bytes.
 * Returns 0 or a negative errno. */
static __always_inline int
rewrite_as_reply(struct __sk_buff *skb, const struct arp_frame *req,
                 const struct arpp_fp_port *port)
{
    struct {
        struct arp_frame arp;
        __u8 pad[ARPP_FRAME_MIN - ARP_FRAME_LEN];
    } __attribute__((packed)) reply = { };

    __builtin_memcpy(reply.arp.eth_dst, req->ar_sha, 6);
    __builtin_memcpy(reply.arp.eth_src, port->gateway_mac, 6);
    reply.arp.eth_type = bpf_htons(ETH_P_ARP);
    reply.arp.ar_hrd = bpf_htons(1);
    reply.arp.ar_pro = bpf_htons(ETH_P_IP);
    reply.arp.ar_hln = 6;
    reply.arp.ar_pln = 4;
    reply.arp.ar_op = bpf_htons(2);
    __builtin_memcpy(reply.arp.ar_sha, port->gateway_mac, 6);
    __builtin_memcpy(reply.arp.ar_spa, req->ar_tpa, 4);
    __builtin_memcpy(reply.arp.ar_tha, req->ar_sha, 6);
    __builtin_memcpy(reply.arp.ar_tpa, req->ar_spa, 4);

    if (skb->len != ARPP_FRAME_MIN) {
        int error = bpf_skb_change_tail(skb, ARPP_FRAME_MIN, 0);
        if (error) {
            return error;
        }
    }
    return bpf_skb_store_bytes(skb, 0, &reply, sizeof reply,
                               BPF_F_RECOMPUTE_CSUM);
}

SEC("tc")
int
arpp_fast_path(struct __sk_buff *skb)
{
    /* Everything that is not ARP leaves after these two loads: this runs
     * for all the VM's traffic. */
    void *data = (void *) (long) skb->data;
    void *data_end = (void *) (long) skb->data_end;
    struct ethhdr *eth = data;
    if ((void *) (eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_ARP)
        || skb->vlan_present) {
        /* An 802.1Q tag the kernel took off counts as a tag: VM ports are
         * access ports. */
        return TC_ACT_OK;
    }

    __u32 ifindex = skb->ifindex;
    const struct arpp_fp_port *port = bpf_map_lookup_elem(&arpp_ports,
                                                          &ifindex);
    if (!port) {
        return TC_ACT_OK;       /* No VM port of ours. */
    }
    struct arpp_fp_counters *counters = bpf_map_lookup_elem(&arpp_counters,
                                                            &ifindex);

    /* A copy of the message: the checks read it, and the reply is built
     * from it after the frame has been resized. */
    struct arp_frame req;
    if (skb->len < ARP_FRAME_LEN
        || bpf_skb_load_bytes(skb, 0, &req, sizeof req)
        || !should_answer(&req, port)) {
        if (counters) {
            counters->passed++;
        }
        return TC_ACT_OK;
    }
    if (rewrite_as_reply(skb, &req, port)) {
        /* Out of memory, with the frame perhaps half rewritten: nobody
         * answers it, and the guest asks again. */
        if (counters) {
            counters->failed++;
        }
        return TC_ACT_SHOT;
    }
    if (counters) {
        counters->answered++;
    }
    return bpf_redirect(skb->ifindex, 0);
}

char LICENSE[] SEC("license") = "Apache-2.0";
