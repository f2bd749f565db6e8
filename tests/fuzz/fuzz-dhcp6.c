/* SPDX-License-Identifier: Apache-2.0
 *
 * fuzz-dhcp6.c -- libFuzzer target over the DHCPv6 server core.
 *
 * Input: one byte of flags, then the rest.  Normally the rest is a DHCPv6
 * message, which the target wraps in valid Ethernet, IPv6 and UDP headers
 * from the guest (52:54:00:12:34:56, fe80::5054:ff:fe12:3456) to
 * ff02::1:2 (checksums would stop the fuzzer at the UDP layer otherwise);
 * with FLAG_RAW_FRAME it is handed over as a whole frame.  The other flags
 * pick the addressing, the binding (fd00:10:100::5) and the server.
 *
 * Besides ASan/UBSan: every verdict is a named one; nothing is written on
 * a drop; a reply is a frame that parses back, UDP 547 to 546 to the
 * client, at most 1500 bytes of IPv6, an Advertise or a Reply with the
 * request's transaction id and the server's DUID, whose options nest; and
 * the same request gets the same bytes twice.  The seed corpus
 * (tests/fuzz/corpus/dhcp6/) is written by tests/fuzz/dhcp6-corpus.py. */
#include <config.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcpd/dhcp6-server.h"
#include "lib/packet.h"
#include "openvswitch/vlog.h"
#include "util.h"

enum {
    FLAG_RAW_FRAME = 1 << 0,    /* Input is a whole Ethernet frame. */
    FLAG_UNICAST = 1 << 1,      /* To fe80::1, not ff02::1:2. */
    FLAG_OTHER_SRC = 1 << 2,    /* Ethernet source is not the guest. */
    FLAG_NO_BINDING = 1 << 3,   /* The port has no IPv6 address. */
    FLAG_BIG_BINDING = 1 << 4,  /* Every list of the binding full. */
    FLAG_NO_RAPID = 1 << 5,     /* The server ignores Rapid Commit. */
};

static const struct eth_addr vm_mac = ETH_ADDR_C(52, 54, 00, 12, 34, 56);

static struct dhcp6_binding *
make_binding(bool big)
{
    static const char *const search[] = {
        "default.svc.cluster.local", "svc.cluster.local", "cluster.local",
        "a.example.org", "b.example.org", "c.example.org", "example.org",
        "very-long-label-to-fill-the-option.example.org",
    };
    struct dhcp6_binding_config cfg;
    dhcp6_binding_config_init(&cfg);
    cfg.mac = vm_mac;
    ipv6_parse("fd00:10:100::5", &cfg.address);
    ipv6_parse("fd00:10:96::a", &cfg.dns[cfg.n_dns++]);
    cfg.search[cfg.n_search++] = search[0];
    if (big) {
        for (; cfg.n_search < DHCP6_MAX_SEARCH; cfg.n_search++) {
            cfg.search[cfg.n_search] = search[cfg.n_search];
        }
        for (; cfg.n_dns < DHCP6_MAX_DNS; cfg.n_dns++) {
            cfg.dns[cfg.n_dns] = cfg.dns[0];
            cfg.dns[cfg.n_dns].s6_addr[15] += cfg.n_dns;
        }
    }
    struct dhcp6_binding *b;
    if (dhcp6_binding_create(&cfg, &b, NULL)) {
        abort();
    }
    return b;
}

/* The options in 'size' bytes at 'p' must nest, IAs and IA Addresses
 * included. */
static void
check_options(const uint8_t *p, size_t size, int depth)
{
    while (size) {
        if (size < 4) {
            abort();
        }
        uint16_t code = (p[0] << 8) | p[1];
        size_t len = (p[2] << 8) | p[3];
        if (len > size - 4) {
            abort();
        }
        size_t fixed = (code == DHCP6_OPT_IA_NA || code == DHCP6_OPT_IA_PD
                        ? 12 : code == DHCP6_OPT_IA_TA ? 4
                        : code == DHCP6_OPT_IAADDR ? 24 : SIZE_MAX);
        if (fixed != SIZE_MAX && depth < 2) {
            if (len < fixed) {
                abort();
            }
            check_options(p + 4 + fixed, len - fixed, depth + 1);
        }
        p += 4 + len;
        size -= 4 + len;
    }
}

static void
check_reply(const struct dhcp6_server *s, const struct ofpbuf *reply,
            const uint8_t *xid)
{
    struct pkt_view v;
    size_t duid_len;
    const uint8_t *duid = dhcp6_server_duid(s, &duid_len);
    if (reply->size > ETH_HEADER_LEN + ETH_PAYLOAD_MAX
        || pkt_parse(&v, reply->data, reply->size) != PKT_OK
        || !v.udp || ntohs(v.udp->udp_src) != DHCP6_SERVER_PORT
        || ntohs(v.udp->udp_dst) != DHCP6_CLIENT_PORT
        || v.l4_size < 4 + 4 + duid_len
        || (v.l4_data[0] != DHCP6_ADVERTISE && v.l4_data[0] != DHCP6_REPLY)
        || (xid && memcmp(&v.l4_data[1], xid, 3))
        /* The Server Identifier comes first. */
        || memcmp(&v.l4_data[4], "\x00\x02\x00\x0a", 4)
        || memcmp(&v.l4_data[8], duid, duid_len)) {
        abort();
    }
    check_options(v.l4_data + 4, v.l4_size - 4, 0);
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
    if (!size || size > 9000) {
        /* Over any MTU; and UDP's length must not wrap. */
        return 0;
    }
    uint8_t flags = data[0];
    data++;
    size--;

    struct dhcp6_server_config scfg;
    dhcp6_server_config_init(&scfg);
    scfg.rapid_commit = !(flags & FLAG_NO_RAPID);
    struct dhcp6_server *server = dhcp6_server_create(&scfg);
    struct dhcp6_binding *binding = (flags & FLAG_NO_BINDING ? NULL
                                     : make_binding(flags & FLAG_BIG_BINDING));

    struct ofpbuf frame;
    ofpbuf_init(&frame, 0);
    if (flags & FLAG_RAW_FRAME) {
        ofpbuf_put(&frame, data, size);
    } else {
        struct in6_addr src, dst;
        ipv6_parse("fe80::5054:ff:fe12:3456", &src);
        ipv6_parse(flags & FLAG_UNICAST ? "fe80::1" : "ff02::1:2", &dst);
        struct eth_addr eth_src = vm_mac;
        if (flags & FLAG_OTHER_SRC) {
            eth_src = (struct eth_addr) ETH_ADDR_C(02, 00, 00, 00, 00, 01);
        }
        pkt_put_eth(&frame, eth_addr_broadcast, eth_src, ETH_TYPE_IPV6);
        pkt_put_ipv6_udp(&frame, &src, &dst, DHCP6_CLIENT_PORT,
                         DHCP6_SERVER_PORT, data, size);
    }
    /* An exact-size copy, so that ASan sees any read past the end. */
    uint8_t *copy = xmalloc(frame.size ? frame.size : 1);
    memcpy(copy, frame.data, frame.size);
    const uint8_t *xid = (!(flags & FLAG_RAW_FRAME) && size >= 4
                          ? data + 1 : NULL);

    struct ofpbuf replies[2];
    for (int i = 0; i < 2; i++) {
        ofpbuf_init(&replies[i], 0);
        enum dhcp6_drop drop = dhcp6_server_handle(server, binding, copy,
                                                   frame.size, &replies[i]);
        if ((unsigned int) drop >= DHCP6_N_DROPS
            || !strcmp(dhcp6_drop_name(drop), "unknown")
            || (drop && replies[i].size) || (!drop && !replies[i].size)) {
            abort();
        }
        if (!drop) {
            check_reply(server, &replies[i], xid);
        }
    }
    /* A pure function of the binding: the same answer twice. */
    if (replies[0].size != replies[1].size
        || (replies[0].size
            && memcmp(replies[0].data, replies[1].data, replies[0].size))) {
        abort();
    }

    ofpbuf_uninit(&replies[0]);
    ofpbuf_uninit(&replies[1]);
    free(copy);
    ofpbuf_uninit(&frame);
    dhcp6_binding_destroy(binding);
    dhcp6_server_destroy(server);
    return 0;
}
