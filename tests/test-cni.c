/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for cni/cni: the CNI_* environment, the network
 * configuration (versions, the fields ovnmig refuses, prevResult), results
 * in each version's format, chaining (merge) and CHECK, the error object
 * and ovnmigd's error answers. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cni/cni.h"
#include "openvswitch/json.h"
#include "util.h"

#define NETNS "/run/netns/cni-1234"

/* A 1.0.0 result as ovnmigd answers it. */
static const char ours_json[] =
    "{\"interfaces\":[{\"name\":\"eth0\",\"mac\":\"0a:58:0a:64:00:05\","
    "\"sandbox\":\"" NETNS "\"}],"
    "\"ips\":[{\"address\":\"10.100.0.5/24\",\"gateway\":\"169.254.1.1\","
    "\"interface\":0}],"
    "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"169.254.1.1\"}],"
    "\"dns\":{\"nameservers\":[\"10.100.0.2\"],\"search\":[\"ns.svc\"]}}";

static int
parse_env(const char *const *envp, struct cni_env *env,
          struct cni_error *err)
{
    return cni_env_parse(envp, env, err);
}

static void
test_env_add(void **state OVS_UNUSED)
{
    const char *envp[] = {
        "PATH=/bin", "CNI_COMMAND=ADD", "CNI_CONTAINERID=abc-123.x_y",
        "CNI_NETNS=" NETNS, "CNI_IFNAME=eth0", "CNI_PATH=/usr/lib/cni",
        "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=default;"
        "K8S_POD_NAME=virt-launcher-vm1-abcde;K8S_POD_UID=1-2-3;"
        "K8S_POD_INFRA_CONTAINER_ID=abc", NULL,
    };
    struct cni_env env;
    struct cni_error err = { 0 };

    assert_int_equal(parse_env(envp, &env, &err), 0);
    assert_int_equal(env.command, CNI_CMD_ADD);
    assert_string_equal(env.container_id, "abc-123.x_y");
    assert_string_equal(env.netns, NETNS);
    assert_string_equal(env.ifname, "eth0");
    assert_string_equal(env.pod_name, "virt-launcher-vm1-abcde");
    assert_string_equal(env.pod_namespace, "default");
    assert_string_equal(env.pod_uid, "1-2-3");
    cni_env_destroy(&env);

    /* podman's: the container's name alone, as K8S_POD_NAME. */
    const char *podman[] = {
        "CNI_COMMAND=ADD", "CNI_CONTAINERID=0123abc", "CNI_NETNS=" NETNS,
        "CNI_IFNAME=eth0", "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=My_ctr.1",
        NULL,
    };
    assert_int_equal(parse_env(podman, &env, &err), 0);
    assert_string_equal(env.pod_name, "My_ctr.1");
    assert_null(env.pod_namespace);
    cni_env_destroy(&env);
    cni_error_destroy(&err);
}

/* Each case: an environment and the code it must get. */
static void
test_env_errors(void **state OVS_UNUSED)
{
    static const struct {
        const char *envp[6];
        int code;
        const char *in_msg;
    } cases[] = {
        { { "CNI_CONTAINERID=a", NULL }, CNI_ERR_INVALID_ENV,
          "CNI_COMMAND" },
        { { "CNI_COMMAND=GC", NULL }, CNI_ERR_INVALID_ENV, "\"GC\"" },
        { { "CNI_COMMAND=ADD", "CNI_NETNS=/x", "CNI_IFNAME=eth0", NULL },
          CNI_ERR_INVALID_ENV, "CNI_CONTAINERID" },
        { { "CNI_COMMAND=ADD", "CNI_CONTAINERID=-a", "CNI_NETNS=/x",
            "CNI_IFNAME=eth0", NULL }, CNI_ERR_INVALID_ENV,
          "CNI_CONTAINERID" },
        { { "CNI_COMMAND=ADD", "CNI_CONTAINERID=a/b", "CNI_NETNS=/x",
            "CNI_IFNAME=eth0", NULL }, CNI_ERR_INVALID_ENV,
          "CNI_CONTAINERID" },
        { { "CNI_COMMAND=ADD", "CNI_CONTAINERID=a", "CNI_IFNAME=eth0",
            NULL }, CNI_ERR_INVALID_ENV, "CNI_NETNS is not set" },
        { { "CNI_COMMAND=ADD", "CNI_CONTAINERID=a", "CNI_NETNS=",
            "CNI_IFNAME=eth0", NULL }, CNI_ERR_INVALID_ENV,
          "CNI_NETNS is not set" },
        { { "CNI_COMMAND=CHECK", "CNI_CONTAINERID=a", "CNI_NETNS=rel/x",
            "CNI_IFNAME=eth0", NULL }, CNI_ERR_INVALID_ENV,
          "absolute" },
        { { "CNI_COMMAND=ADD", "CNI_CONTAINERID=a", "CNI_NETNS=/x", NULL },
          CNI_ERR_INVALID_ENV, "CNI_IFNAME" },
        { { "CNI_COMMAND=ADD", "CNI_CONTAINERID=a", "CNI_NETNS=/x",
            "CNI_IFNAME=sixteen-chars-xx", NULL }, CNI_ERR_INVALID_ENV,
          "CNI_IFNAME" },
        { { "CNI_COMMAND=ADD", "CNI_CONTAINERID=a", "CNI_NETNS=/x",
            "CNI_IFNAME=eth:0", NULL }, CNI_ERR_INVALID_ENV, "CNI_IFNAME" },
        { { "CNI_COMMAND=ADD", "CNI_CONTAINERID=a", "CNI_NETNS=/x",
            "CNI_IFNAME=eth0", "CNI_ARGS=K8S_POD_NAME=a b;K8S_POD_NAMESPACE=n",
            NULL }, CNI_ERR_INVALID_ENV, "not a valid name" },
        { { "CNI_COMMAND=ADD", "CNI_CONTAINERID=a", "CNI_NETNS=/x",
            "CNI_IFNAME=eth0", "CNI_ARGS=novalue", NULL },
          CNI_ERR_INVALID_ENV, "KEY=VALUE" },
        { { "CNI_COMMAND=ADD", "CNI_CONTAINERID=a", "CNI_NETNS=/x",
            "CNI_IFNAME=eth0",
            "CNI_ARGS=K8S_POD_NAME=a;K8S_POD_NAME=b;K8S_POD_NAMESPACE=n",
            NULL }, CNI_ERR_INVALID_ENV, "twice" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct cni_env env;
        struct cni_error err = { 0 };
        int code = parse_env(cases[i].envp, &env, &err);
        if (code != cases[i].code || !strstr(err.msg, cases[i].in_msg)) {
            fail_msg("case %zu: code %d (%s), want %d with \"%s\"", i, code,
                     err.msg ? err.msg : "", cases[i].code, cases[i].in_msg);
        }
        cni_env_destroy(&env);
        cni_error_destroy(&err);
    }
}

static void
test_env_del_without_netns(void **state OVS_UNUSED)
{
    const char *envp[] = {
        "CNI_COMMAND=DEL", "CNI_CONTAINERID=a", "CNI_IFNAME=eth0", NULL,
    };
    struct cni_env env;
    struct cni_error err = { 0 };
    assert_int_equal(parse_env(envp, &env, &err), 0);
    assert_null(env.netns);
    cni_env_destroy(&env);

    const char *version[] = { "CNI_COMMAND=VERSION", NULL };
    assert_int_equal(parse_env(version, &env, &err), 0);
    assert_int_equal(env.command, CNI_CMD_VERSION);
    cni_env_destroy(&env);
    cni_error_destroy(&err);
}

static int
parse_config(const char *text, enum cni_command cmd, struct cni_config *c,
             struct cni_error *err)
{
    return cni_config_parse(text, strlen(text), cmd, c, err);
}

static void
test_config_ok(void **state OVS_UNUSED)
{
    struct cni_config c;
    struct cni_error err = { 0 };

    assert_int_equal(parse_config(
        "{\"cniVersion\":\"1.0.0\",\"name\":\"ovnmig\",\"type\":\"ovnmig-cni\","
        "\"runtimeConfig\":{\"x\":1},\"args\":{},\"capabilities\":{},"
        "\"dns\":{}}  \n", CNI_CMD_ADD, &c, &err), 0);
    assert_string_equal(c.cni_version, "1.0.0");
    assert_string_equal(c.name, "ovnmig");
    assert_string_equal(c.socket, CNI_DEFAULT_SOCKET);
    assert_false(c.has_prev_result);
    cni_config_destroy(&c);

    assert_int_equal(parse_config(
        "{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"type\":\"ovnmig\","
        "\"socket\":\"/tmp/x.ctl\",\"prevResult\":{\"cniVersion\":\"0.4.0\","
        "\"interfaces\":[{\"name\":\"eth0\",\"mac\":\"0a:58:0a:64:00:05\","
        "\"sandbox\":\"" NETNS "\"}],\"ips\":[{\"version\":\"4\","
        "\"address\":\"10.100.0.5/24\",\"interface\":0}]}}",
        CNI_CMD_CHECK, &c, &err), 0);
    assert_string_equal(c.socket, "/tmp/x.ctl");
    assert_true(c.has_prev_result);
    assert_int_equal(c.prev_result.n_interfaces, 1);
    assert_int_equal(c.prev_result.ips[0].interface, 0);
    cni_config_destroy(&c);
    cni_error_destroy(&err);
}

static void
test_config_errors(void **state OVS_UNUSED)
{
    static const struct {
        const char *text;
        enum cni_command cmd;
        int code;
        const char *in_msg;
    } cases[] = {
        { "", CNI_CMD_ADD, CNI_ERR_DECODE, "not JSON" },
        { "{\"cniVersion\":", CNI_CMD_ADD, CNI_ERR_DECODE, "not JSON" },
        { "{} x", CNI_CMD_ADD, CNI_ERR_DECODE, "not JSON" },
        { "[1]", CNI_CMD_ADD, CNI_ERR_DECODE, "not a JSON object" },
        { "{\"name\":\"n\",\"type\":\"t\"}", CNI_CMD_ADD,
          CNI_ERR_INVALID_CONFIG, "cniVersion" },
        { "{\"cniVersion\":1,\"name\":\"n\",\"type\":\"t\"}", CNI_CMD_ADD,
          CNI_ERR_DECODE, "cniVersion" },
        { "{\"cniVersion\":\"9.9.9\",\"name\":\"n\",\"type\":\"t\"}",
          CNI_CMD_ADD, CNI_ERR_INCOMPATIBLE_VERSION, "9.9.9" },
        { "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"t\"}",
          CNI_CMD_DEL, CNI_ERR_INCOMPATIBLE_VERSION, "1.1.0" },
        { "{\"cniVersion\":\"0.3.1\",\"name\":\"n\",\"type\":\"t\","
          "\"prevResult\":{}}", CNI_CMD_CHECK,
          CNI_ERR_INCOMPATIBLE_VERSION, "CHECK" },
        { "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
          "\"ipam\":{\"type\":\"host-local\"}}", CNI_CMD_ADD,
          CNI_ERR_UNSUPPORTED_FIELD, "ipam" },
        { "{\"cniVersion\":\"1.0.0\",\"type\":\"t\"}", CNI_CMD_ADD,
          CNI_ERR_INVALID_CONFIG, "\"name\" is missing" },
        { "{\"cniVersion\":\"1.0.0\",\"name\":\"a b\",\"type\":\"t\"}",
          CNI_CMD_ADD, CNI_ERR_INVALID_CONFIG, "network name" },
        { "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}", CNI_CMD_ADD,
          CNI_ERR_INVALID_CONFIG, "\"type\" is missing" },
        { "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
          "\"socket\":\"rel.ctl\"}", CNI_CMD_ADD, CNI_ERR_INVALID_CONFIG,
          "socket" },
        { "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\"}",
          CNI_CMD_CHECK, CNI_ERR_INVALID_CONFIG, "prevResult" },
        { "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
          "\"prevResult\":{\"ips\":[{\"address\":\"10.0.0.1\"}]}}",
          CNI_CMD_ADD, CNI_ERR_INVALID_CONFIG, "prefix length" },
        { "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
          "\"prevResult\":{\"ips\":[{\"address\":\"10.0.0.1/24\","
          "\"interface\":0}]}}", CNI_CMD_ADD, CNI_ERR_INVALID_CONFIG,
          "index" },
        { "{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"type\":\"t\","
          "\"prevResult\":{\"ips\":[{\"address\":\"10.0.0.1/24\"}]}}",
          CNI_CMD_ADD, CNI_ERR_INVALID_CONFIG, "version" },
        { "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
          "\"prevResult\":{\"interfaces\":[{\"name\":\"e\","
          "\"mac\":\"zz:58:0a:64:00:05\"}]}}", CNI_CMD_ADD,
          CNI_ERR_INVALID_CONFIG, "MAC" },
        { "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
          "\"prevResult\":{\"routes\":[{\"dst\":\"0.0.0.0/0\","
          "\"gw\":\"fe80::1\"}]}}", CNI_CMD_ADD, CNI_ERR_INVALID_CONFIG,
          "IPv4" },
        { "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
          "\"prevResult\":{\"dns\":{\"nameservers\":[\"x\"]}}}",
          CNI_CMD_ADD, CNI_ERR_INVALID_CONFIG, "IP address" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct cni_config c;
        struct cni_error err = { 0 };
        int code = parse_config(cases[i].text, cases[i].cmd, &c, &err);
        if (code != cases[i].code || !err.msg
            || !strstr(err.msg, cases[i].in_msg)) {
            fail_msg("case %zu: code %d (%s), want %d with \"%s\"", i, code,
                     err.msg ? err.msg : "", cases[i].code, cases[i].in_msg);
        }
        cni_config_destroy(&c);
        cni_error_destroy(&err);
    }

    /* Larger than the limit. */
    size_t n = CNI_MAX_CONFIG + 2;
    char *big = xmalloc(n);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    struct cni_config c;
    struct cni_error err = { 0 };
    assert_int_equal(cni_config_parse(big, n, CNI_CMD_ADD, &c, &err),
                     CNI_ERR_DECODE);
    assert_non_null(strstr(err.msg, "larger"));
    cni_config_destroy(&c);
    cni_error_destroy(&err);
    free(big);
}

static void
read_result(const char *text, const char *version, struct cni_result *r)
{
    struct cni_error err = { 0 };
    struct json *json = json_from_string(text);
    assert_int_equal(cni_result_from_json(json, version, r, &err), 0);
    json_destroy(json);
    cni_error_destroy(&err);
}

static void
test_result_formats(void **state OVS_UNUSED)
{
    struct cni_result r;
    read_result(ours_json, "1.0.0", &r);
    assert_int_equal(r.n_interfaces, 1);
    assert_int_equal(r.n_ips, 1);
    assert_int_equal(r.n_routes, 1);
    assert_int_equal(r.dns.n_nameservers, 1);

    char *s = cni_result_to_string(&r, "1.0.0");
    assert_string_equal(s,
        "{\"cniVersion\":\"1.0.0\",\"dns\":{\"nameservers\":[\"10.100.0.2\"],"
        "\"search\":[\"ns.svc\"]},\"interfaces\":[{\"mac\":"
        "\"0a:58:0a:64:00:05\",\"name\":\"eth0\",\"sandbox\":\"" NETNS "\"}],"
        "\"ips\":[{\"address\":\"10.100.0.5/24\",\"gateway\":\"169.254.1.1\","
        "\"interface\":0}],\"routes\":[{\"dst\":\"0.0.0.0/0\","
        "\"gw\":\"169.254.1.1\"}]}");
    free(s);

    /* 0.4.0 and 0.3.x carry each IP's version; the output reads back. */
    s = cni_result_to_string(&r, "0.4.0");
    assert_non_null(strstr(s, "\"version\":\"4\""));
    struct cni_result back;
    read_result(s, "0.4.0", &back);
    assert_string_equal(back.ips[0].address, "10.100.0.5/24");
    cni_result_destroy(&back);
    free(s);
    cni_result_destroy(&r);

    /* An empty result still has its "dns". */
    cni_result_init(&r);
    s = cni_result_to_string(&r, "1.0.0");
    assert_string_equal(s, "{\"cniVersion\":\"1.0.0\",\"dns\":{}}");
    free(s);
}

static void
test_merge(void **state OVS_UNUSED)
{
    struct cni_result prev, ours;
    struct cni_error err = { 0 };

    read_result("{\"interfaces\":[{\"name\":\"lo\",\"sandbox\":\"" NETNS
                "\"}],\"ips\":[{\"address\":\"fd00::1/64\",\"interface\":0}],"
                "\"dns\":{\"domain\":\"prev\"}}", "1.0.0", &prev);
    read_result(ours_json, "1.0.0", &ours);
    assert_int_equal(cni_result_merge(&prev, &ours, &err), 0);
    assert_int_equal(prev.n_interfaces, 2);
    assert_int_equal(prev.n_ips, 2);
    assert_int_equal(prev.ips[1].interface, 1);       /* renumbered */
    assert_true(prev.ips[0].ipv6);
    assert_string_equal(prev.dns.domain, "prev");      /* kept */
    assert_int_equal(prev.dns.n_nameservers, 0);

    /* Twice: the interface is there already. */
    assert_int_equal(cni_result_merge(&prev, &ours, &err),
                     CNI_ERR_INVALID_CONFIG);
    assert_non_null(strstr(err.msg, "eth0"));

    /* CHECK: the merged result holds ours; a prevResult without it, or
     * with another MAC, does not. */
    assert_int_equal(cni_result_check(&prev, &ours, &err), 0);
    free(prev.interfaces[1].mac);
    prev.interfaces[1].mac = xstrdup("0a:58:0a:64:00:06");
    assert_int_equal(cni_result_check(&prev, &ours, &err),
                     CNI_ERR_CHECK_FAILED);
    assert_non_null(strstr(err.msg, "MAC"));
    cni_result_destroy(&prev);

    cni_result_init(&prev);
    assert_int_equal(cni_result_check(&prev, &ours, &err),
                     CNI_ERR_CHECK_FAILED);
    assert_non_null(strstr(err.msg, "no interface eth0"));

    /* An empty prevResult takes our DNS. */
    assert_int_equal(cni_result_merge(&prev, &ours, &err), 0);
    assert_string_equal(prev.dns.nameservers[0], "10.100.0.2");
    cni_result_destroy(&prev);
    cni_result_destroy(&ours);
    cni_error_destroy(&err);
}

static void
test_errors_and_versions(void **state OVS_UNUSED)
{
    struct cni_error err = { 0 };

    cni_error_set(&err, CNI_ERR_TRY_AGAIN, "/run/x.ctl", "not running");
    char *s = cni_error_to_string(&err, "0.4.0");
    assert_string_equal(s, "{\"cniVersion\":\"0.4.0\",\"code\":11,"
                        "\"details\":\"/run/x.ctl\",\"msg\":\"not running\"}");
    free(s);
    s = cni_error_to_string(&err, "7.7.7");       /* not ours: newest */
    assert_non_null(strstr(s, "\"cniVersion\":\"1.0.0\""));
    free(s);

    /* ovnmigd's answers: an error object, or plain text. */
    assert_int_equal(cni_error_from_text(
        "{\"code\":101,\"msg\":\"10.100.0.5 is in use\",\"details\":\"x\"}",
        &err), CNI_ERR_ADDRESS_IN_USE);
    assert_string_equal(err.msg, "10.100.0.5 is in use");
    assert_string_equal(err.details, "x");
    assert_int_equal(cni_error_from_text("boom", &err), CNI_ERR_OVNMIGD);
    assert_string_equal(err.msg, "ovnmigd: boom");
    assert_int_equal(cni_error_from_text("{\"code\":0,\"msg\":\"m\"}", &err),
                     CNI_ERR_OVNMIGD);
    cni_error_destroy(&err);

    s = cni_version_result("0.4.0");
    assert_string_equal(s, "{\"cniVersion\":\"0.4.0\",\"supportedVersions\":"
                        "[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\"]}");
    free(s);

    const char cfg[] = "{\"cniVersion\":\"0.3.1\", \"name\": 5}";
    s = cni_config_peek_version(cfg, strlen(cfg));
    assert_string_equal(s, "0.3.1");
    free(s);
    assert_null(cni_config_peek_version("{", 1));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_env_add),
        cmocka_unit_test(test_env_errors),
        cmocka_unit_test(test_env_del_without_netns),
        cmocka_unit_test(test_config_ok),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_result_formats),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_errors_and_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
