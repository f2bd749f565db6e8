/* SPDX-License-Identifier: Apache-2.0
 *
 * The ARP kernel fast path against the pure core: loads the eBPF program
 * embedded in the binaries and runs frames through it in the kernel
 * (bpf_prog_test_run_opts(), on an skb as tc ingress sees it), and through
 * arpp_handle().  For every frame the program must answer exactly when the
 * core does, with the core's reply byte for byte, and otherwise pass the
 * frame on untouched.  The frames: every ARP fuzz seed and crash
 * (tests/fuzz/corpus/arp), and a generated set that varies each field of a
 * request over the values the core's rules tell apart, every truncation
 * and several paddings, on two port views; the core must reach each of
 * its verdicts on them, so that every rule is compared.
 *
 * Loading needs CAP_BPF (root): without it the test says SKIP and exits
 * 77, never passes. */
#include <config.h>
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <linux/pkt_cls.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "arpproxy/arp-fast-path.h"
#include "arpproxy/arp-proxy.h"
#include "lib/packet.h"
#include "util.h"

/* bpf_prog_test_run_opts() runs on the loopback device of the caller's
 * namespace: the port the views are stored for. */
#define TEST_IFINDEX 1
/* The largest frame compared whole; the rules never look past byte 42, so
 * a longer one is compared on its first bytes (and the core must give the
 * same verdict on both).  A test skb holds at most about a page. */
#define MAX_RUN_SIZE 1514
#define MAX_FRAME 4096

static struct arpp_fp *fp;

/* The fuzz target's port (tests/fuzz/fuzz-arp.c): the corpus is written
 * for it. */
#define VM_IP 0x0a640005        /* 10.100.0.5 */
#define VM_IP2 0x0a640006
#define SUBNET_GW 0x0a640001
#define OTHER_IP 0x0a640009
static const struct eth_addr vm_mac = ETH_ADDR_C(52, 54, 00, 12, 34, 56);
static const struct eth_addr gw_mac = ETH_ADDR_C(0a, 58, a9, fe, 01, 01);
static const struct eth_addr other_mac = ETH_ADDR_C(52, 54, 00, 99, 99, 99);
static const struct eth_addr mcast_mac = ETH_ADDR_C(01, 00, 5e, 00, 00, 01);

static struct arpp_port_view
fuzz_view(void)
{
    struct arpp_port_view view = {
        .vm_mac = vm_mac,
        .vm_ips = { htonl(VM_IP), htonl(VM_IP2) },
        .n_vm_ips = 2,
        .gateways = { htonl(ARPP_LINK_LOCAL_GATEWAY), htonl(SUBNET_GW) },
        .n_gateways = 2,
        .gateway_mac = gw_mac,
    };
    return view;
}

/* Every slot full: the program's loops run to their bounds. */
static struct arpp_port_view
full_view(void)
{
    struct arpp_port_view view = fuzz_view();
    for (size_t i = 0; i < ARPP_MAX_VM_IPS; i++) {
        view.vm_ips[i] = htonl(VM_IP + 16 * i);
    }
    view.vm_ips[ARPP_MAX_VM_IPS - 1] = htonl(VM_IP2);
    view.n_vm_ips = ARPP_MAX_VM_IPS;
    view.gateways[2] = htonl(0x0a640002);
    view.gateways[3] = htonl(0x0a640003);
    view.n_gateways = ARPP_MAX_GATEWAYS;
    return view;
}

/* What the comparisons saw. */
struct tally {
    size_t frames, replies, not_runnable;
    bool verdicts[ARPP_N_VERDICTS];
};

/* Runs 'size' bytes of 'frame' through the core (with 'view', NULL: the
 * port is none of ours) and the program, and requires the same answer. */
static void
compare(const struct arpp_port_view *view, const uint8_t *frame, size_t size,
        struct tally *t)
{
    struct ofpbuf reply;
    ofpbuf_init(&reply, 64);
    enum arpp_verdict verdict = arpp_handle(view, frame, size, &reply);
    t->frames++;
    t->verdicts[verdict] = true;

    size_t run_size = MIN(size, MAX_RUN_SIZE);
    if (run_size != size) {
        struct ofpbuf r2;
        ofpbuf_init(&r2, 64);
        assert_int_equal(arpp_handle(view, frame, run_size, &r2), verdict);
        ofpbuf_uninit(&r2);
    }

    static uint8_t out[MAX_FRAME];
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
                .data_size_in = run_size, .data_out = out,
                .data_size_out = sizeof out, .repeat = 1);
    int error = bpf_prog_test_run_opts(arpp_fp_prog_fd(fp), &opts);
    if (error) {
        /* The kernel refuses to run frames shorter than an Ethernet
         * header, which no interface delivers, and IP frames whose header
         * is cut short; the program passes any frame that is not ARP by
         * its first test. */
        assert_int_equal(error, -EINVAL);
        assert_true(size < ETH_HEADER_LEN
                    || (frame[12] << 8 | frame[13]) != ETH_TYPE_ARP);
        assert_int_not_equal(verdict, ARPP_REPLY);
        t->not_runnable++;
    } else if (verdict == ARPP_REPLY) {
        if (opts.retval != TC_ACT_REDIRECT) {
            print_error("core replies, program returned %u (%zu bytes)\n",
                        opts.retval, size);
        }
        assert_int_equal(opts.retval, TC_ACT_REDIRECT);
        assert_int_equal(opts.data_size_out, reply.size);
        assert_memory_equal(out, reply.data, reply.size);
        t->replies++;
    } else {
        if (opts.retval != TC_ACT_OK) {
            print_error("core: %s, program returned %u (%zu bytes)\n",
                        arpp_verdict_name(verdict), opts.retval, size);
        }
        assert_int_equal(opts.retval, TC_ACT_OK);
        assert_int_equal(opts.data_size_out, run_size);
        assert_memory_equal(out, frame, run_size);
    }
    ofpbuf_uninit(&reply);
}

/* Stores 'view' for the test port; NULL removes it. */
static void
set_view(const struct arpp_port_view *view)
{
    arpp_fp_remove_port(fp, TEST_IFINDEX, NULL);
    if (view) {
        assert_int_equal(arpp_fp_add_port(fp, TEST_IFINDEX, view), 0);
    }
}

/* The program's counters for the test port must match what it did. */
static void
check_counters(const struct tally *t)
{
    struct arpp_fp_counters c;
    assert_int_equal(arpp_fp_get_counters(fp, TEST_IFINDEX, &c), 0);
    assert_int_equal(c.answered, t->replies);
    assert_int_equal(c.failed, 0);
}

/* The fields a generated frame is built from. */
struct frame_spec {
    struct eth_addr dst, src, sha, tha;
    uint16_t eth_type, hrd, pro, op;
    uint8_t hln, pln;
    uint32_t spa, tpa;
};

static struct frame_spec
base_request(void)
{
    struct frame_spec f = {
        .dst = eth_addr_broadcast, .src = vm_mac, .sha = vm_mac,
        .tha = eth_addr_zero, .eth_type = ETH_TYPE_ARP, .hrd = 1,
        .pro = ETH_TYPE_IP, .op = ARP_OP_REQUEST, .hln = 6, .pln = 4,
        .spa = VM_IP, .tpa = ARPP_LINK_LOCAL_GATEWAY,
    };
    return f;
}

/* Builds 'f' into 'b' (42 bytes; a VLAN tag makes it 46). */
static void
build(struct ofpbuf *b, const struct frame_spec *f)
{
    ofpbuf_clear(b);
    if (f->eth_type == ETH_TYPE_VLAN_8021Q) {
        pkt_put_eth(b, f->dst, f->src, ETH_TYPE_VLAN_8021Q);
        ovs_be16 tag[2] = { htons(100), htons(ETH_TYPE_ARP) };
        ofpbuf_put(b, tag, sizeof tag);
    } else {
        pkt_put_eth(b, f->dst, f->src, f->eth_type);
    }
    struct arp_eth_header *arp = ofpbuf_put_zeros(b, sizeof *arp);
    arp->ar_hrd = htons(f->hrd);
    arp->ar_pro = htons(f->pro);
    arp->ar_hln = f->hln;
    arp->ar_pln = f->pln;
    arp->ar_op = htons(f->op);
    arp->ar_sha = f->sha;
    put_16aligned_be32(&arp->ar_spa, htonl(f->spa));
    arp->ar_tha = f->tha;
    put_16aligned_be32(&arp->ar_tpa, htonl(f->tpa));
}

static void
compare_spec(const struct arpp_port_view *view, const struct frame_spec *f,
             struct tally *t)
{
    struct ofpbuf b;
    ofpbuf_init(&b, 64);
    build(&b, f);
    compare(view, b.data, b.size, t);
    ofpbuf_uninit(&b);
}

/* The generated frames, compared on 'view'. */
static void
compare_generated(const struct arpp_port_view *view, struct tally *t)
{
    const struct eth_addr macs[] = {
        eth_addr_broadcast, gw_mac, vm_mac, other_mac, mcast_mac,
        eth_addr_zero,
    };
    const uint32_t ips[] = {
        0, VM_IP, VM_IP2, OTHER_IP, ARPP_LINK_LOCAL_GATEWAY, SUBNET_GW,
        0x0a640002, 0xffffffff,
    };
    const uint16_t ops[] = { 0, ARP_OP_REQUEST, ARP_OP_REPLY, ARP_OP_RARP };

    /* Every combination of the fields the last rules look at. */
    for (size_t d = 0; d < ARRAY_SIZE(macs); d++) {
        for (size_t o = 0; o < ARRAY_SIZE(ops); o++) {
            for (size_t s = 0; s < ARRAY_SIZE(ips); s++) {
                for (size_t p = 0; p < ARRAY_SIZE(ips); p++) {
                    struct frame_spec f = base_request();
                    f.dst = macs[d];
                    f.op = ops[o];
                    f.spa = ips[s];
                    f.tpa = ips[p];
                    compare_spec(view, &f, t);
                }
            }
        }
    }
    /* The sender, at both layers; the target hardware address. */
    for (size_t i = 0; i < ARRAY_SIZE(macs); i++) {
        for (size_t j = 0; j < ARRAY_SIZE(macs); j++) {
            struct frame_spec f = base_request();
            f.src = macs[i];
            f.sha = macs[j];
            compare_spec(view, &f, t);
            f = base_request();
            f.dst = macs[i];
            f.tha = macs[j];
            compare_spec(view, &f, t);
        }
    }
    /* The header's types and lengths, and other EtherTypes. */
    const struct { uint16_t hrd, pro; uint8_t hln, pln; } headers[] = {
        { 6, ETH_TYPE_IP, 6, 4 }, { 1, ETH_TYPE_IPV6, 6, 4 },
        { 1, ETH_TYPE_IP, 8, 4 }, { 1, ETH_TYPE_IP, 6, 16 },
        { 1, ETH_TYPE_IP, 0, 0 }, { 0, 0, 6, 4 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(headers); i++) {
        struct frame_spec f = base_request();
        f.hrd = headers[i].hrd;
        f.pro = headers[i].pro;
        f.hln = headers[i].hln;
        f.pln = headers[i].pln;
        compare_spec(view, &f, t);
    }
    const uint16_t types[] = {
        ETH_TYPE_RARP, ETH_TYPE_VLAN_8021Q, ETH_TYPE_VLAN_8021AD, ETH_TYPE_IP,
        ETH_TYPE_IPV6, 0x0805, 0x0000,
    };
    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        struct frame_spec f = base_request();
        f.eth_type = types[i];
        compare_spec(view, &f, t);
    }

    /* Every truncation of a request that is answered whole, and paddings
     * with bytes that are not zero (the reply must not carry them). */
    struct ofpbuf b;
    ofpbuf_init(&b, 64);
    struct frame_spec f = base_request();
    build(&b, &f);
    for (size_t len = 0; len <= b.size; len++) {
        compare(view, b.data, len, t);
    }
    const size_t paddings[] = { 1, 17, 18, 19, 22, 58, 1472, 3000 };
    for (size_t i = 0; i < ARRAY_SIZE(paddings); i++) {
        build(&b, &f);
        memset(ofpbuf_put_uninit(&b, paddings[i]), 0xa5, paddings[i]);
        compare(view, b.data, b.size, t);
    }
    ofpbuf_uninit(&b);
}

/* Every file of the ARP fuzz corpus, compared on 'view'. */
static void
compare_corpus(const struct arpp_port_view *view, struct tally *t)
{
    DIR *dir = opendir(FUZZ_CORPUS_DIR);
    assert_non_null(dir);
    size_t files = 0;
    for (struct dirent *de; (de = readdir(dir)) != NULL; ) {
        if (de->d_name[0] == '.') {
            continue;
        }
        char *name = xasprintf("%s/%s", FUZZ_CORPUS_DIR, de->d_name);
        FILE *f = fopen(name, "rb");
        assert_non_null(f);
        static uint8_t frame[MAX_FRAME + 1];
        size_t size = fread(frame, 1, sizeof frame, f);
        fclose(f);
        free(name);
        assert_true(size <= MAX_FRAME);
        compare(view, frame, size, t);
        files++;
    }
    closedir(dir);
    assert_true(files >= 10);
}

static void
test_generated_frames(void **state)
{
    struct arpp_port_view views[] = { fuzz_view(), full_view() };
    for (size_t i = 0; i < ARRAY_SIZE(views); i++) {
        struct tally t = { .frames = 0 };
        set_view(&views[i]);
        compare_generated(&views[i], &t);
        check_counters(&t);
        print_message("view %zu: %zu frames, %zu answered, %zu too short "
                      "to run\n", i, t.frames, t.replies, t.not_runnable);
        /* Every rule of the core was compared (the port is ours). */
        for (int v = 0; v < ARPP_N_VERDICTS; v++) {
            if (v != ARPP_NOT_VM_PORT && !t.verdicts[v]) {
                fail_msg("no generated frame gets the verdict %s",
                         arpp_verdict_name(v));
            }
        }
    }
    set_view(NULL);
}

static void
test_fuzz_corpus(void **state)
{
    struct arpp_port_view view = fuzz_view();
    struct tally t = { .frames = 0 };
    set_view(&view);
    compare_corpus(&view, &t);
    check_counters(&t);
    print_message("corpus: %zu frames, %zu answered\n", t.frames, t.replies);
    assert_true(t.replies > 0);
    set_view(NULL);
}

/* A port the program has no view for is none of ours: nothing is ever
 * answered, whatever the frame. */
static void
test_not_a_vm_port(void **state)
{
    struct tally t = { .frames = 0 };
    set_view(NULL);
    compare_corpus(NULL, &t);
    compare_generated(NULL, &t);
    assert_int_equal(t.replies, 0);
}

int
main(void)
{
    /* Skipped only for want of privilege.  Any other failure -- the
     * verifier refusing the program (-EACCES, -EINVAL), an embedded object
     * that does not match the loader (-ENOENT), ... -- is the program
     * being broken, and must fail "make check", not hide as a skip. */
    int error = arpp_fp_create(&fp);
    if (error == -EPERM || (error && geteuid() != 0)) {
        printf("SKIP: cannot load the eBPF program: %s (needs CAP_BPF; "
               "run as root)\n", ovs_strerror(-error));
        return 77;
    }
    if (error) {
        printf("FAIL: cannot load the eBPF program: %s\n",
               ovs_strerror(-error));
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_frames),
        cmocka_unit_test(test_fuzz_corpus),
        cmocka_unit_test(test_not_a_vm_port),
    };
    int failures = cmocka_run_group_tests(tests, NULL, NULL);
    arpp_fp_destroy(fp);
    return failures;
}
