/* SPDX-License-Identifier: Apache-2.0
 *
 * fuzz-dhcp.c -- libFuzzer target over the DHCPv4 server core.
 *
 * Input: one byte of flags, then the rest.  Normally the rest is a BOOTP
 * message, which the target wraps in valid Ethernet, IPv4 and UDP headers
 * (checksums would stop the fuzzer at the IP layer otherwise); with
 * FLAG_RAW_FRAME it is handed over as a whole frame.  The other flags pick
 * the server's configuration and the addressing of the request, so that
 * every path is reachable.  Each input runs twice against a fresh binding,
 * the second time seeing what the first did (a DECLINE).
 *
 * Besides ASan/UBSan, every reply must be a frame that parses back, within
 * the size limit.  The seed corpus (tests/fuzz/corpus/dhcp/) is written by
 * tests/fuzz/dhcp-corpus.py. */
#include <config.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dhcp.h"
#include "dhcpd/dhcp-server.h"
#include "lib/packet.h"
#include "openvswitch/vlog.h"

enum {
    FLAG_RELAY = 1 << 0,        /* Server allows relayed requests. */
    FLAG_RAW_FRAME = 1 << 1,    /* Input is a whole Ethernet frame. */
    FLAG_UNICAST = 1 << 2,      /* IP destination is the server id. */
    FLAG_OTHER_SRC = 1 << 3,    /* Ethernet source is not chaddr. */
    FLAG_BIG_BINDING = 1 << 4,  /* Binding with every list full. */
};

static const struct eth_addr vm_mac = ETH_ADDR_C(52, 54, 00, 12, 34, 56);
static const struct eth_addr gw_mac = ETH_ADDR_C(0a, 58, a9, fe, 01, 01);

static struct dhcp_binding *
make_binding(bool big)
{
    static const char *const search[] = {
        "default.svc.cluster.local", "svc.cluster.local", "cluster.local",
        "a.example.org", "b.example.org", "c.example.org", "example.org",
        "very-long-label-to-fill-the-option.example.org",
    };
    struct dhcp_binding_config cfg;
    dhcp_binding_config_init(&cfg);
    cfg.mac = vm_mac;
    cfg.address = htonl(0x0a640005);
    cfg.plen = 24;
    cfg.hostname = "vm1";
    cfg.domain_name = "cluster.local";
    cfg.mtu = 1400;
    cfg.dns[cfg.n_dns++] = htonl(0x0a60000a);
    cfg.search[cfg.n_search++] = search[0];
    if (big) {
        for (; cfg.n_search < DHCP_MAX_SEARCH; cfg.n_search++) {
            cfg.search[cfg.n_search] = search[cfg.n_search];
        }
        for (; cfg.n_dns < DHCP_MAX_DNS; cfg.n_dns++) {
            cfg.dns[cfg.n_dns] = htonl(0x08080800 + cfg.n_dns);
        }
        for (; cfg.n_routes < DHCP_MAX_ROUTES; cfg.n_routes++) {
            cfg.routes[cfg.n_routes] = (struct dhcp_route) {
                htonl(0x0ac80000 + (cfg.n_routes << 8)), 24,
                htonl(0x0a640001),
            };
        }
    }
    struct dhcp_binding *b;
    if (dhcp_binding_create(&cfg, &b, NULL)) {
        abort();
    }
    return b;
}

static void
check_reply(const struct ofpbuf *reply)
{
    if (!reply->size) {
        return;
    }
    struct pkt_view v;
    if (reply->size > ETH_HEADER_LEN + ETH_PAYLOAD_MAX
        || pkt_parse(&v, reply->data, reply->size) != PKT_OK
        || !v.udp || v.l4_size < DHCP_HEADER_LEN + DHCP_COOKIE_LEN) {
        abort();
    }
    struct dhcp_options *opts = malloc(sizeof *opts);
    if (dhcp_options_parse(opts, v.l4_data, v.l4_size) != DHCP_OPT_OK
        || !dhcp_options_get_fixed(opts, DHCP_OPT_MESSAGE_TYPE, 1)) {
        abort();
    }
    free(opts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool initialized;
    if (!initialized) {
        vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
        initialized = true;
    }
    if (!size) {
        return 0;
    }
    uint8_t flags = data[0];
    data++;
    size--;
    if (size > 9000) {
        /* Over any MTU; and UDP's length must not wrap. */
        return 0;
    }

    struct dhcp_server_config scfg = {
        .server_mac = gw_mac,
        .allow_relay = flags & FLAG_RELAY,
    };
    struct dhcp_server *server = dhcp_server_create(&scfg);
    struct dhcp_binding *binding = make_binding(flags & FLAG_BIG_BINDING);

    struct ofpbuf frame;
    ofpbuf_init(&frame, 0);
    if (flags & FLAG_RAW_FRAME) {
        ofpbuf_put(&frame, data, size);
    } else {
        struct eth_addr src = vm_mac;
        if (size >= DHCP_HEADER_LEN && !(flags & FLAG_OTHER_SRC)) {
            memcpy(src.ea, ((const struct dhcp_header *) data)->chaddr, 6);
        } else if (flags & FLAG_OTHER_SRC) {
            src = (struct eth_addr) ETH_ADDR_C(02, 00, 00, 00, 00, 01);
        }
        ovs_be32 dst = (flags & FLAG_UNICAST ? htonl(DHCP_DEFAULT_GATEWAY)
                        : htonl(INADDR_BROADCAST));
        pkt_put_eth(&frame, eth_addr_broadcast, src, ETH_TYPE_IP);
        pkt_put_ipv4_udp(&frame, 0, dst, DHCP_CLIENT_PORT, DHCP_SERVER_PORT,
                         data, size);
    }
    /* An exact-size copy, so that ASan sees any read past the end. */
    uint8_t *copy = xmemdup(frame.data, frame.size);

    struct ofpbuf reply;
    ofpbuf_init(&reply, 0);
    for (int i = 0; i < 2; i++) {
        dhcp_server_handle(server, binding, copy, frame.size, i, &reply);
        check_reply(&reply);
    }

    ofpbuf_uninit(&reply);
    free(copy);
    ofpbuf_uninit(&frame);
    dhcp_binding_destroy(binding);
    dhcp_server_destroy(server);
    return 0;
}
