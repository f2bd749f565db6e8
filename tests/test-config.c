/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for ovnmigd's configuration file: a full file, the defaults,
 * and every kind of error, each reported with its line, all at once. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "daemon/config.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

static const char full[] =
    "# ovnmigd on hv1\n"
    "node = hv1\n"
    "chassis = hv1-chassis\n"
    "cluster-db = tcp:10.0.0.1:6645,tcp:10.0.0.2:6645\n"
    "ovn-nb = unix:/run/ovn/ovnnb_db.sock\n"
    "ovn-sb = ssl:10.0.0.1:6642\n"
    "ssl-private-key = /etc/ovnmig/pki/hv1/client-key.pem\n"
    "ssl-certificate = /etc/ovnmig/pki/hv1/client-cert.pem\n"
    "ssl-ca-cert = /etc/ovnmig/pki/hv1/ca-cert.pem\n"
    "logical-switch = vmnet   # the VM subnet\n"
    "gateway-ip = 169.254.1.1\n"
    "gateway-mac = 0A:58:A9:FE:01:01\n"
    "subnet-gateway = 10.100.0.1\n"
    "dns = 10.96.0.10, 10.96.0.11\n"
    "domain = cluster.local\n"
    "search = default.svc.cluster.local,svc.cluster.local\n"
    "mtu = 1400\n"
    "lease-time = 3600\n"
    "run-dir = /run/ovnmig-test\n"
    "metrics-address = 127.0.0.1:9476\n"
    "migration-interface = eth1\n"
    "arp-kernel-fast-path = no\n"
    "accel = tcg\n"
    "boot-deadline = 0\n"
    "subnet6 = fd00:10::/64\n"
    "dns6 = fd00::53, fd00::54\n"
    "preferred-lifetime6 = 20\n"
    "valid-lifetime6 = 40\n"
    "\n";

static void
test_full(void **state)
{
    struct ovnmigd_config c;
    struct ds errors = DS_EMPTY_INITIALIZER;

    assert_int_equal(ovnmigd_config_parse("f", full, strlen(full), &c,
                                          &errors), 0);
    assert_string_equal(ds_cstr(&errors), "");
    assert_string_equal(c.node, "hv1");
    assert_string_equal(c.chassis, "hv1-chassis");
    assert_string_equal(c.cluster_db, "tcp:10.0.0.1:6645,tcp:10.0.0.2:6645");
    assert_string_equal(c.logical_switch, "vmnet");
    assert_string_equal(c.ssl_private_key,
                        "/etc/ovnmig/pki/hv1/client-key.pem");
    assert_string_equal(c.ssl_certificate,
                        "/etc/ovnmig/pki/hv1/client-cert.pem");
    assert_string_equal(c.ssl_ca_cert, "/etc/ovnmig/pki/hv1/ca-cert.pem");
    struct svec plain = SVEC_EMPTY_INITIALIZER;
    ovnmigd_config_plain_tcp(&c, &plain);
    assert_int_equal(plain.n, 1);
    assert_string_equal(plain.names[0],
                        "cluster-db=tcp:10.0.0.1:6645,tcp:10.0.0.2:6645");
    svec_destroy(&plain);
    assert_int_equal(ntohl(c.subnet_gateway), 0x0a640001);
    assert_true(eth_addr_equals(c.gateway_mac,
                                (struct eth_addr) ETH_ADDR_C(0a, 58, a9,
                                                             fe, 01, 01)));
    assert_int_equal(c.dns.n, 2);
    assert_string_equal(c.dns.names[1], "10.96.0.11");
    assert_int_equal(c.search.n, 2);
    assert_int_equal(c.mtu, 1400);
    assert_int_equal(c.lease_time, 3600);
    assert_string_equal(c.control_socket, "/run/ovnmig-test/ovnmigd.ctl");
    assert_string_equal(c.migration_interface, "eth1");
    assert_false(c.arp_kernel_fast_path);
    assert_int_equal(c.accel, QVM_ACCEL_MODE_TCG);
    assert_int_equal(c.boot_deadline, 0);
    struct in6_addr subnet6;
    assert_true(ipv6_parse("fd00:10::", &subnet6));
    assert_true(ipv6_addr_equals(&c.subnet6, &subnet6));
    assert_int_equal(c.subnet6_plen, 64);
    assert_int_equal(c.dns6.n, 2);
    assert_string_equal(c.dns6.names[1], "fd00::54");
    assert_int_equal(c.preferred_lifetime6, 20);
    assert_int_equal(c.valid_lifetime6, 40);
    ovnmigd_config_destroy(&c);
    ds_destroy(&errors);
}

static void
test_defaults(void **state)
{
    static const char minimal[] =
        "node=hv2\ncluster-db=unix:/c.sock\novn-nb=unix:/nb.sock\n"
        "ovn-sb=unix:/sb.sock\nlogical-switch=vmnet";   /* No final \n. */
    struct ovnmigd_config c;
    struct ds errors = DS_EMPTY_INITIALIZER;

    assert_int_equal(ovnmigd_config_parse("f", minimal, strlen(minimal), &c,
                                          &errors), 0);
    assert_string_equal(c.chassis, "hv2");
    assert_int_equal(ntohl(c.gateway_ip), 0xa9fe0101);
    assert_int_equal(c.lease_time, 999 * 24 * 3600);
    assert_int_equal(c.mtu, 0);
    assert_int_equal(c.subnet_gateway, 0);
    assert_string_equal(c.run_dir, "/run/ovnmig");
    assert_string_equal(c.netns_prefix, "ovnmig-");
    assert_null(c.metrics_address);
    assert_true(c.arp_kernel_fast_path);
    assert_int_equal(c.accel, QVM_ACCEL_AUTO);
    assert_int_equal(c.boot_deadline, 300);
    assert_int_equal(c.subnet6_plen, 0);
    assert_int_equal(c.dns6.n, 0);
    assert_int_equal(c.preferred_lifetime6, 0);   /* DHCPv6's defaults. */
    assert_int_equal(c.valid_lifetime6, 0);
    assert_null(c.ssl_private_key);
    struct svec plain = SVEC_EMPTY_INITIALIZER;
    ovnmigd_config_plain_tcp(&c, &plain);
    assert_int_equal(plain.n, 0);
    svec_destroy(&plain);
    ovnmigd_config_destroy(&c);
    ds_destroy(&errors);
}

/* The three ssl-* keys go together; an ssl: remote needs them; every
 * remote of a list is checked. */
static void
test_ssl(void **state)
{
    static const struct {
        const char *text, *error;
    } cases[] = {
        { "cluster-db = ssl:10.0.0.1:6645\n",
          "f: cluster-db has an ssl: remote: it needs ssl-private-key" },
        { "cluster-db = unix:/c.sock, ssl:10.0.0.1:6645\n",
          "f: cluster-db has an ssl: remote" },
        { "cluster-db = unix:/c.sock\nssl-certificate = /c.pem\n",
          "go together:  ssl-private-key ssl-ca-cert missing" },
        { "cluster-db = ssl:10.0.0.1:6645,http://x\n",
          "cluster-db: \"ssl:10.0.0.1:6645,http://x\" is not an OVSDB" },
        { "cluster-db = unix:,tcp:10.0.0.1:6645\n",
          "is not an OVSDB remote" },
        { "cluster-db = unix:/c.sock\nssl-ca-cert = relative.pem\n",
          "f:6: ssl-ca-cert: \"relative.pem\" is not an absolute path" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct ds text = DS_EMPTY_INITIALIZER;
        struct ds errors = DS_EMPTY_INITIALIZER;
        struct ovnmigd_config c;

        ds_put_format(&text, "node=hv1\novn-nb=unix:/nb.sock\n"
                      "ovn-sb=unix:/sb.sock\nlogical-switch=vmnet\n%s",
                      cases[i].text);
        assert_int_equal(ovnmigd_config_parse("f", text.string, text.length,
                                              &c, &errors), -EINVAL);
        if (!strstr(ds_cstr(&errors), cases[i].error)) {
            fail_msg("case %zu: missing \"%s\" in:\n%s", i, cases[i].error,
                     ds_cstr(&errors));
        }
        ovnmigd_config_destroy(&c);
        ds_destroy(&errors);
        ds_destroy(&text);
    }
}

static void
test_errors(void **state)
{
    static const char bad[] =
        "node = hv1\n"                          /* 1 */
        "gatway-ip = 169.254.1.1\n"             /* 2: unknown key */
        "gateway-mac = 01:00:5e:00:00:01\n"     /* 3: multicast */
        "mtu = 100\n"                           /* 4: out of range */
        "dns = 10.96.0.10, ten\n"               /* 5: bad item */
        "node = hv2\n"                          /* 6: twice */
        "ovn-nb = http://x\n"                   /* 7: not a remote */
        "just words\n"                          /* 8: no '=' */
        "run-dir = relative/path\n"             /* 9 */
        "lease-time =\n"                        /* 10: empty */
        "metrics-address = localhost\n"         /* 11: no port */
        "subnet-gateway = 0.0.0.0\n"           /* 12 */
        "arp-kernel-fast-path = maybe\n"        /* 13 */
        "accel = hvf\n"                         /* 14 */
        "boot-deadline = 86401\n"               /* 15 */
        "subnet6 = fd00:10::1/64\n"             /* 16: host bits */
        "dns6 = fd00::53, fe80::1\n"            /* 17: link-local */
        "preferred-lifetime6 = 9\n"             /* 18: too short */
        "valid-lifetime6 = 3000\n";             /* < default preferred */
    struct ovnmigd_config c;
    struct ds errors = DS_EMPTY_INITIALIZER;

    assert_int_equal(ovnmigd_config_parse("ovnmigd.conf", bad, strlen(bad),
                                          &c, &errors), -EINVAL);
    const char *e = ds_cstr(&errors);
    static const char *expected[] = {
        "ovnmigd.conf:2: unknown key \"gatway-ip\"",
        "ovnmigd.conf:3: gateway-mac: \"01:00:5e:00:00:01\" is not a unicast",
        "ovnmigd.conf:4: mtu: \"100\" is not a number from 576",
        "ovnmigd.conf:5: dns:",
        "ovnmigd.conf:6: node: given twice",
        "ovnmigd.conf:7: ovn-nb:",
        "ovnmigd.conf:8: expected \"key = value\"",
        "ovnmigd.conf:9: run-dir:",
        "ovnmigd.conf:10: lease-time: no value",
        "ovnmigd.conf:11: metrics-address:",
        "ovnmigd.conf:12: subnet-gateway:",
        "ovnmigd.conf:13: arp-kernel-fast-path: \"maybe\" is not yes or no",
        "ovnmigd.conf:14: accel: \"hvf\" is not auto, kvm or tcg",
        "ovnmigd.conf:15: boot-deadline: \"86401\" is not a number of "
        "seconds from 0 (no deadline) to 86400",
        "ovnmigd.conf:16: subnet6: \"fd00:10::1/64\" is not a unicast IPv6 "
        "prefix",
        "ovnmigd.conf:17: dns6:",
        "is not a comma-separated list of unicast IPv6 addresses",
        "ovnmigd.conf:18: preferred-lifetime6: \"9\" is not a number of "
        "seconds from 10 to 4294967294",
        "ovnmigd.conf: preferred-lifetime6 3600 exceeds valid-lifetime6 3000",
        "required key \"cluster-db\" is missing",
        "required key \"ovn-sb\" is missing",
        "required key \"logical-switch\" is missing",
    };
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++) {
        if (!strstr(e, expected[i])) {
            fail_msg("missing \"%s\" in:\n%s", expected[i], e);
        }
    }
    ovnmigd_config_destroy(&c);
    ds_destroy(&errors);
}

/* mode = kubernetes: no cluster DB needed, credentials from a kubeconfig
 * or in-cluster; the Kubernetes keys make no sense in standalone mode. */
static void
test_mode(void **state OVS_UNUSED)
{
    static const char base[] =
        "node=hv1\novn-nb=unix:/nb.sock\novn-sb=unix:/sb.sock\n"
        "logical-switch=vmnet\n";
    struct ovnmigd_config c;
    struct ds errors = DS_EMPTY_INITIALIZER;
    struct ds text = DS_EMPTY_INITIALIZER;

    /* In-cluster: nothing more to say. */
    ds_put_format(&text, "%smode = kubernetes\n", base);
    assert_int_equal(ovnmigd_config_parse("f", text.string, text.length, &c,
                                          &errors), 0);
    assert_int_equal(c.mode, OVNMIGD_KUBERNETES);
    assert_null(c.cluster_db);
    assert_null(c.kubeconfig);
    ovnmigd_config_destroy(&c);

    ds_clear(&text);
    ds_put_format(&text, "%smode = kubernetes\nkubeconfig = /etc/k.conf\n"
                  "kube-context = lab\n", base);
    assert_int_equal(ovnmigd_config_parse("f", text.string, text.length, &c,
                                          &errors), 0);
    assert_string_equal(c.kubeconfig, "/etc/k.conf");
    assert_string_equal(c.kube_context, "lab");
    ovnmigd_config_destroy(&c);

    /* The default is standalone, which needs the cluster DB. */
    static const struct { const char *extra, *error; } bad[] = {
        { "", "required key \"cluster-db\" is missing (mode = standalone)" },
        { "mode = cluster\n", "mode: \"cluster\" is not standalone or "
          "kubernetes" },
        { "cluster-db = unix:/c.sock\nkubeconfig = /k\n",
          "need mode = kubernetes" },
        { "mode = kubernetes\nkube-context = lab\n",
          "kube-context needs kubeconfig" },
        { "mode = kubernetes\nkubeconfig = /k\n"
          "kube-service-account-dir = /sa\n", "exclude each other" },
        { "mode = kubernetes\nkubeconfig = k.conf\n",
          "kubeconfig: \"k.conf\" is not an absolute path" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        ds_clear(&text);
        ds_clear(&errors);
        ds_put_format(&text, "%s%s", base, bad[i].extra);
        assert_int_equal(ovnmigd_config_parse("f", text.string, text.length,
                                              &c, &errors), -EINVAL);
        if (!strstr(ds_cstr(&errors), bad[i].error)) {
            fail_msg("missing \"%s\" in:\n%s", bad[i].error,
                     ds_cstr(&errors));
        }
        ovnmigd_config_destroy(&c);
    }
    ds_destroy(&text);
    ds_destroy(&errors);
}

static void
test_hostile(void **state)
{
    struct ovnmigd_config c;
    struct ds errors = DS_EMPTY_INITIALIZER;
    static const char nul[] = "node = hv1\0extra\n";

    assert_int_equal(ovnmigd_config_parse("f", nul, sizeof nul - 1, &c,
                                          &errors), -EINVAL);
    assert_non_null(strstr(ds_cstr(&errors), "f:1: line contains a NUL"));
    ovnmigd_config_destroy(&c);

    struct ds long_line = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&long_line, "domain = ");
    for (int i = 0; i < 5000; i++) {
        ds_put_char(&long_line, 'a');
    }
    ds_clear(&errors);
    assert_int_equal(ovnmigd_config_parse("f", long_line.string,
                                          long_line.length, &c, &errors),
                     -EINVAL);
    assert_non_null(strstr(ds_cstr(&errors), "f:1: line longer"));
    ovnmigd_config_destroy(&c);
    ovnmigd_config_destroy(NULL);
    ds_destroy(&long_line);
    ds_destroy(&errors);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_ssl),
        cmocka_unit_test(test_mode),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests_name("ovnmigd-config", tests, NULL, NULL);
}
