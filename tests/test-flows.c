/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for daemon/flows.h: which of br-int's flows concern a VM
 * port (canned flows, as ovn-controller installs them for a port with
 * ofport 2, port key 2 on the switch with datapath key 1), the views of a
 * result, and the time bound of the dump when nobody answers. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "byte-order.h"
#include "daemon/flows.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/shash.h"
#include "timeval.h"
#include "util.h"

static const struct flows_port vm_port = {
    .ofports = { 2 },
    .n_ofports = 1,
    .datapath_key = 1,
    .port_key = 2,
};

/* Whether the flow in ovs-ofctl syntax concerns 'port'. */
static bool
concerns(const struct flows_port *port, const char *text)
{
    struct ofputil_flow_mod fm;
    enum ofputil_protocol usable;
    char *error = parse_ofp_str(&fm, OFPFC_ADD, text, NULL, NULL, &usable);
    if (error) {
        fail_msg("%s: %s", text, error);
    }
    struct match match;
    minimatch_expand(&fm.match, &match);
    bool verdict = flows_concern_port(port, &match, fm.ofpacts,
                                      fm.ofpacts_len);
    minimatch_destroy(&fm.match);
    free(fm.ofpacts);
    return verdict;
}

static void
test_port_flows(void **state OVS_UNUSED)
{
    static const char *const yes[] = {
        /* The physical ingress: ofport -> logical inport. */
        "table=0,priority=100,in_port=2 actions=load:0x4->NXM_NX_REG13[],"
        "load:0x1->OXM_OF_METADATA[],load:0x2->NXM_NX_REG14[],resubmit(,8)",
        /* The ACL's drops and port security on the logical inport. */
        "table=16,priority=33000,arp,reg14=0x2,metadata=0x1,"
        "arp_tpa=169.254.1.1,arp_op=1 actions=drop",
        "table=16,priority=33000,udp,reg14=0x2,metadata=0x1,tp_dst=67 "
        "actions=drop",
        "table=73,priority=80,reg14=0x2,metadata=0x1 "
        "actions=load:0x1->NXM_NX_REG10[12]",
        /* The logical outport and the physical egress. */
        "table=40,priority=100,reg15=0x2,metadata=0x1 actions=resubmit(,41)",
        "table=65,priority=100,reg15=0x2,metadata=0x1 actions=output:2",
        "table=41,priority=100,reg10=0/0x1,reg14=0x2,reg15=0x2,metadata=0x1 "
        "actions=drop",
        /* L2 lookup to the port's MAC, and the flood to it (OF1.0 load
         * and OF1.5 set_field spellings). */
        "table=33,priority=50,metadata=0x1,dl_dst=0a:58:0a:64:00:32 "
        "actions=load:0x2->NXM_NX_REG15[],resubmit(,37)",
        "table=40,priority=100,reg15=0x8000,metadata=0x1 "
        "actions=set_field:0x2->reg15,resubmit(,41),"
        "set_field:0x8000->reg15",
        /* Output nested in clone(). */
        "table=50,priority=10,ip actions=clone(output:2)",
    };
    static const char *const no[] = {
        "table=0,priority=100,in_port=3 actions=load:0x3->NXM_NX_REG14[],"
        "resubmit(,8)",
        "table=65,priority=100,reg15=0x3,metadata=0x1 actions=output:3",
        /* The same port key on another datapath (the router's port). */
        "table=16,priority=50,reg14=0x2,metadata=0x2 actions=resubmit(,17)",
        /* A port key without its datapath, or under a partial mask. */
        "table=16,priority=50,reg14=0x2 actions=resubmit(,17)",
        "table=16,priority=50,reg14=0x2/0xff,metadata=0x1 actions=drop",
        "table=16,priority=50,reg14=0x2,metadata=0x1/0xff actions=drop",
        /* Another port's MAC, another flood member, a partial load. */
        "table=33,priority=50,metadata=0x1,dl_dst=0a:58:0a:64:00:33 "
        "actions=load:0x3->NXM_NX_REG15[],resubmit(,37)",
        "table=40,priority=100,reg15=0x8000,metadata=0x2 "
        "actions=set_field:0x2->reg15,resubmit(,41)",
        "table=73,priority=80,metadata=0x1 actions=load:0x2->NXM_NX_REG15[0..7]",
        /* The tunnel's ingress: the key is moved from the packet. */
        "table=0,priority=100,in_port=1 actions=move:NXM_NX_TUN_ID[0..23]->"
        "OXM_OF_METADATA[0..23],move:NXM_NX_TUN_METADATA0[16..30]->"
        "NXM_NX_REG14[0..14],resubmit(,40)",
        "table=8,priority=0 actions=drop",
    };

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (!concerns(&vm_port, yes[i])) {
            fail_msg("should concern the port: %s", yes[i]);
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(no); i++) {
        if (concerns(&vm_port, no[i])) {
            fail_msg("should not concern the port: %s", no[i]);
        }
    }
}

/* What is not known is not guessed: without the SB keys only the ofport
 * counts, without an ofport only the keys. */
static void
test_unknown_keys(void **state OVS_UNUSED)
{
    struct flows_port no_keys = { .ofports = { 2 }, .n_ofports = 1 };
    assert_true(concerns(&no_keys, "table=0,in_port=2 actions=drop"));
    assert_false(concerns(&no_keys,
                          "table=16,reg14=0x2,metadata=0x1 actions=drop"));
    assert_false(concerns(&no_keys,
                          "table=16,reg14=0,metadata=0 actions=drop"));

    struct flows_port no_ofport = { .datapath_key = 1, .port_key = 2 };
    assert_false(concerns(&no_ofport, "table=0,in_port=2 actions=drop"));
    assert_true(concerns(&no_ofport,
                         "table=16,reg14=0x2,metadata=0x1 actions=drop"));

    struct flows_port two = { .ofports = { 2, 7 }, .n_ofports = 2 };
    assert_true(concerns(&two, "table=0,in_port=7 actions=drop"));
    assert_true(concerns(&two, "table=65,reg15=0x9 actions=output:7"));
}

static void
test_views(void **state OVS_UNUSED)
{
    struct flows_flow flows[] = {
        { .table_id = 0, .priority = 100, .cookie = htonll(0xab),
          .packets = 3, .bytes = 180,
          .text = "cookie=0xab, duration=1.0s, table=0, n_packets=3, "
                  "n_bytes=180, priority=100,in_port=2 actions=drop",
          .flow = "cookie=0xab, priority=100,in_port=2 actions=drop",
          .match = "priority=100,in_port=2", .actions = "drop" },
    };
    struct flows_result r = {
        .bridge = "br-int",
        .port = vm_port,
        .ifaces = { "ovm1" },
        .n_ifaces = 1,
        .flows = flows,
        .n_flows = 1,
        .n_scanned = 288,
        .elapsed_ms = 5,
    };
    struct ds s = DS_EMPTY_INITIALIZER;
    flows_format(&r, 2, &s);
    assert_string_equal(ds_cstr(&s),
        "  flows: 1 on br-int (ofport 2 (ovm1), metadata 0x1, port key 0x2;"
        " 288 scanned in 5 ms)\n"
        "    cookie=0xab, duration=1.0s, table=0, n_packets=3, n_bytes=180,"
        " priority=100,in_port=2 actions=drop\n");

    struct json *j = flows_to_json(&r);
    char *text = json_to_string(j, JSSF_SORT);
    assert_string_equal(text,
        "[{\"actions\":\"drop\",\"bytes\":180,\"cookie\":\"0xab\","
        "\"flow\":\"cookie=0xab, priority=100,in_port=2 actions=drop\","
        "\"match\":\"priority=100,in_port=2\",\"packets\":3,\"priority\":100,"
        "\"table\":0,\"text\":\"cookie=0xab, duration=1.0s, table=0, "
        "n_packets=3, n_bytes=180, priority=100,in_port=2 actions=drop\"}]");
    free(text);
    json_destroy(j);

    r.n_flows = 0;
    r.error = -ECONNREFUSED;
    ovs_strlcpy(r.message, "unix:/x/br-int.mgmt: Connection refused",
                sizeof r.message);
    ds_clear(&s);
    flows_format(&r, 2, &s);
    assert_string_equal(ds_cstr(&s), "  flows: unknown (unix:/x/br-int.mgmt:"
                        " Connection refused)\n");
    j = flows_query_json(&r);
    assert_string_equal(json_string(shash_find_data(json_object(j),
                                                    "error")),
                        r.message);
    json_destroy(j);
    ds_destroy(&s);
}

static char *
make_tmpdir(void)
{
    char *dir = xstrdup("/tmp/test-flows.XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

/* No Open vSwitch there: an error at once, no flows. */
static void
test_no_switch(void **state OVS_UNUSED)
{
    char *dir = make_tmpdir();
    struct flows_query q = { .iface_id = "vm1.ns", .bridge = "br-int",
                             .rundir = dir, .timeout_ms = 2000 };
    struct flows_result r;
    long long int start = time_msec();
    assert_int_equal(flows_dump(&q, &r), -ENOENT);
    assert_true(time_msec() - start < 1000);
    assert_non_null(strstr(r.message, "db.sock"));
    assert_int_equal(r.n_flows, 0);
    flows_result_destroy(&r);

    q.iface_id = "";
    assert_int_equal(flows_dump(&q, &r), -EINVAL);
    flows_result_destroy(&r);
    rmdir(dir);
    free(dir);
}

/* A database that accepts the connection and never answers costs the
 * caller the timeout, not more. */
static void
test_silent_database(void **state OVS_UNUSED)
{
    char *dir = make_tmpdir();
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s/db.sock", dir);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *) &sun, sizeof sun), 0);
    assert_int_equal(listen(fd, 4), 0);

    struct flows_query q = { .iface_id = "vm1.ns", .bridge = "br-int",
                             .rundir = dir, .timeout_ms = 300 };
    struct flows_result r;
    long long int start = time_msec();
    assert_int_equal(flows_dump(&q, &r), -ETIMEDOUT);
    long long int elapsed = time_msec() - start;
    assert_true(elapsed >= 250);
    assert_true(elapsed < 2000);        /* 300 ms, slack for a busy host. */
    flows_result_destroy(&r);

    close(fd);
    unlink(sun.sun_path);
    rmdir(dir);
    free(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_port_flows),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_views),
        cmocka_unit_test(test_no_switch),
        cmocka_unit_test(test_silent_database),
    };
    return cmocka_run_group_tests_name("ovnmigd-flows", tests, NULL, NULL);
}
