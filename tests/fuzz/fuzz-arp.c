/* SPDX-License-Identifier: Apache-2.0
 *
 * fuzz-arp.c -- libFuzzer target over the ARP proxy's core.  The input is
 * one frame received on a VM port (MAC 52:54:00:12:34:56, 10.100.0.5 and
 * 10.100.0.6, gateways 169.254.1.1 and 10.100.0.1, G 0a:58:a9:fe:01:01),
 * the port the seeds in corpus/arp/ are written for.  Besides the
 * sanitizers' checks, every reply must be a well-formed ARP reply from G to
 * the VM, and every verdict one of the named ones. */
#include <config.h>
#include <stdint.h>
#include <stdlib.h>

#include "arpproxy/arp-proxy.h"
#include "byte-order.h"
#include "lib/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct arpp_port_view view = {
        .vm_mac = ETH_ADDR_C(52, 54, 00, 12, 34, 56),
        .vm_ips = { CONSTANT_HTONL(0x0a640005), CONSTANT_HTONL(0x0a640006) },
        .n_vm_ips = 2,
        .gateways = { CONSTANT_HTONL(0xa9fe0101), CONSTANT_HTONL(0x0a640001) },
        .n_gateways = 2,
        .gateway_mac = ETH_ADDR_C(0a, 58, a9, fe, 01, 01),
    };
    uint64_t stub[128 / 8];
    struct ofpbuf reply;
    ofpbuf_use_stub(&reply, stub, sizeof stub);

    enum arpp_verdict verdict = arpp_handle(&view, data, size, &reply);
    if ((unsigned int) verdict >= ARPP_N_VERDICTS) {
        abort();
    }
    if (verdict == ARPP_REPLY) {
        struct pkt_view v;
        if (reply.size != ETH_TOTAL_MIN
            || pkt_parse(&v, reply.data, reply.size) != PKT_OK
            || !v.arp || v.arp->ar_op != htons(ARP_OP_REPLY)
            || !eth_addr_equals(v.eth->eth_src, view.gateway_mac)
            || !eth_addr_equals(v.arp->ar_sha, view.gateway_mac)
            || !eth_addr_equals(v.eth->eth_dst, view.vm_mac)) {
            abort();
        }
    } else if (reply.size) {
        abort();
    }
    ofpbuf_uninit(&reply);

    /* The same frame from a port that is no VM port is never answered. */
    ofpbuf_use_stub(&reply, stub, sizeof stub);
    if (arpp_handle(NULL, data, size, &reply) != ARPP_NOT_VM_PORT
        || reply.size) {
        abort();
    }
    ofpbuf_uninit(&reply);
    return 0;
}
