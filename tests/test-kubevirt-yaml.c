/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for lib/kubevirt-yaml: a full VirtualMachine and a full
 * MigrationPolicy, unknown fields reported, every refused input with the
 * field it names, and hostile documents. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/kubevirt-yaml.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

static char *
read_data(const char *name)
{
    char *path = xasprintf("%s/tests/data/%s", TOP_SRCDIR, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    struct ds s = DS_EMPTY_INITIALIZER;
    assert_int_equal(ds_get_preprocessed_line(&s, f, NULL), 0);
    ds_clear(&s);
    rewind(f);
    int ch;
    while ((ch = getc(f)) != EOF) {
        ds_put_char(&s, ch);
    }
    fclose(f);
    free(path);
    return ds_steal_cstr(&s);
}

static void
test_full_vm(void **state)
{
    char *text = read_data("vm1.yaml");
    struct kvyaml_vm vm;
    char *error;

    assert_int_equal(kvyaml_parse_vm(text, strlen(text), &vm, &error), 0);
    assert_null(error);
    assert_string_equal(vm.name, "vm1");
    assert_string_equal(vm.namespace, "team-a");
    assert_int_equal(vm.memory, UINT64_C(262152) * 1024);
    assert_int_equal(vm.cpus, 2);
    assert_string_equal(vm.mac, "0a:58:0a:64:00:05");   /* Normalized. */
    assert_string_equal(vm.eviction_strategy, "LiveMigrate");
    assert_string_equal(vm.kernel, "/var/lib/ovnmig/guest/vmlinuz");
    assert_string_equal(vm.initrd, "/var/lib/ovnmig/guest/initramfs.gz");
    assert_string_equal(vm.kernel_args, "console=ttyS0");
    assert_string_equal(smap_get(&vm.labels, "app"), "web");
    assert_string_equal(smap_get(&vm.labels, "kubevirt.io/environment"),
                        "production");
    assert_string_equal(smap_get(&vm.annotations, "kubevirt.io/allow-pod-"
                                 "bridge-network-live-migration"), "");
    /* Volumes are not read: reported, not dropped silently. */
    assert_int_equal(vm.unknown.n, 1);
    assert_string_equal(vm.unknown.names[0], "spec.template.spec.volumes");
    kvyaml_vm_destroy(&vm);
    free(text);
}

/* Parses 'text' as 'file' holds; returns the error (caller frees), NULL
 * on success, and checks that nothing is left half-filled on failure. */
static char *
parse_as(const char *file, const char *text, size_t size, int *rcp)
{
    char *error;
    if (!strncmp(file, "policy", 6)) {
        struct kvyaml_policy policy;
        *rcp = kvyaml_parse_policy(text, size, &policy, &error);
        if (*rcp) {
            assert_null(policy.name);
        }
        kvyaml_policy_destroy(&policy);
    } else {
        struct kvyaml_vm vm;
        *rcp = kvyaml_parse_vm(text, size, &vm, &error);
        if (*rcp) {
            assert_null(vm.name);
        }
        kvyaml_vm_destroy(&vm);
    }
    return error;
}

/* Replaces the first 'from' in 'file' with 'to', parses, and checks the
 * error, which must mention 'field'. */
static void
expect_file_error(const char *file, const char *from, const char *to,
                  const char *field)
{
    char *text = read_data(file);
    char *at = strstr(text, from);
    assert_non_null(at);
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_buffer(&s, text, at - text);
    ds_put_cstr(&s, to);
    ds_put_cstr(&s, at + strlen(from));

    int rc;
    char *error = parse_as(file, ds_cstr(&s), s.length, &rc);
    if (rc != -EINVAL || !error || !strstr(error, field)) {
        fail_msg("%s: replacing \"%s\" by \"%s\": rc %d, error \"%s\", "
                 "expected one naming \"%s\"", file, from, to, rc,
                 error ? error : "(none)", field);
    }
    free(error);
    ds_destroy(&s);
    free(text);
}

static void
expect_error(const char *from, const char *to, const char *field)
{
    expect_file_error("vm1.yaml", from, to, field);
}

static void
test_refused(void **state)
{
    expect_error("  name: vm1\n", "", "metadata.name: missing");
    expect_error("name: vm1", "name: VM_1", "metadata.name");
    expect_error("namespace: team-a", "namespace: a.b", "metadata.namespace");
    expect_error("0A:58:0A:64:00:05", "0A:58:0A:64:00", "macAddress");
    expect_error("0A:58:0A:64:00:05", "01:00:5e:00:00:01", "macAddress");
    expect_error("memory: 262152Ki", "memory: 256MB", "memory");
    expect_error("memory: 262152Ki", "memory: 1000", "multiple of 4 KiB");
    expect_error("memory: 262152Ki", "memory: [1]", "memory");
    expect_error("        resources:\n          requests:\n"
                 "            memory: 262152Ki\n", "", "memory: missing");
    expect_error("            memory: 262152Ki\n", "",
                 "requests: expected a mapping");
    expect_error("bridge: {}", "masquerade: {}", "binding \"masquerade\"");
    expect_error("bridge: {}", "sriov: {}", "binding \"sriov\"");
    expect_error("        pod: {}", "        multus: {networkName: x}",
                 "pod network");
    expect_error("evictionStrategy: LiveMigrate", "evictionStrategy: Maybe",
                 "evictionStrategy");
    expect_error("cores: 2", "cores: 0", "cpu.cores");
    expect_error("cores: 2", "cores: -1", "cpu.cores");
    expect_error("kind: VirtualMachine", "kind: Pod", "kind");
    expect_error("apiVersion: kubevirt.io/v1", "apiVersion: v1",
                 "apiVersion");
    expect_error("\n              kernelPath: /var/lib/ovnmig/guest/vmlinuz", "",
                 "kernelPath: missing");
    expect_error("          - name: default\n            bridge: {}",
                 "          - name: default\n            bridge: {}\n"
                 "          - name: second\n            bridge: {}",
                 "exactly one interface");
    expect_error("spec:\n  running", "spec: [1]\nx:\n  running", "spec");
    expect_error("  labels:\n    app: web", "  labels:\n    app: [web]",
                 "metadata.labels");
}

static void
parse_text(const char *text, int expected)
{
    static const char *const files[] = { "vm1.yaml", "policy1.yaml" };
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        int rc;
        char *error = parse_as(files[i], text, strlen(text), &rc);
        assert_int_equal(rc, expected);
        assert_non_null(error);
        free(error);
    }
}

static void
test_hostile(void **state)
{
    parse_text("", -EINVAL);
    parse_text("key: [unclosed", -EINVAL);
    parse_text("- a\n- b\n", -EINVAL);
    parse_text("just a string", -EINVAL);
    parse_text("metadata: {name: \"a\\0b\"}\n", -EINVAL);

    /* Aliases to one node, many times over ("billion laughs"): bounded. */
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&s, "a: &a {x: 1}\n");
    for (int level = 1; level < 12; level++) {
        ds_put_format(&s, "l%d: &l%d [", level, level);
        for (int i = 0; i < 10; i++) {
            ds_put_format(&s, "%s*%s%d", i ? ", " : "",
                          level == 1 ? "a" : "l",
                          level == 1 ? 0 : level - 1);
        }
        ds_put_cstr(&s, "]\n");
    }
    /* ("*a0" is no anchor: fix the first level to use "a".) */
    char *text = ds_steal_cstr(&s);
    for (char *p = text; (p = strstr(p, "*a0")); ) {
        memmove(p + 2, p + 3, strlen(p + 3) + 1);
    }
    parse_text(text, -EINVAL);
    free(text);

    /* Over the size limit. */
    char *big = xmalloc(KVYAML_MAX_SIZE + 2);
    memset(big, '#', KVYAML_MAX_SIZE + 1);
    big[KVYAML_MAX_SIZE + 1] = '\0';
    parse_text(big, -EFBIG);
    free(big);
}

/* KubeVirt's documented example, read whole. */
static void
test_full_policy(void **state)
{
    char *text = read_data("policy1.yaml");
    struct kvyaml_policy p;
    char *error;

    assert_int_equal(kvyaml_parse_policy(text, strlen(text), &p, &error), 0);
    assert_null(error);
    assert_string_equal(p.name, "my-awesome-policy");
    assert_true(p.has_allow_auto_converge && p.allow_auto_converge);
    assert_true(p.has_allow_post_copy && !p.allow_post_copy);
    assert_string_equal(p.bandwidth, "217Ki");
    assert_int_equal(p.bandwidth_bytes, 217 * 1024);
    assert_true(p.has_completion_timeout_per_gib);
    assert_int_equal(p.completion_timeout_per_gib, 23);
    assert_int_equal(smap_count(&p.namespace_selector), 2);
    assert_string_equal(smap_get(&p.namespace_selector, "hpc-workloads"),
                        "True");
    assert_string_equal(smap_get(&p.namespace_selector,
                                 "xyz-workloads-type"), "");
    assert_int_equal(smap_count(&p.vmi_selector), 3);
    assert_string_equal(smap_get(&p.vmi_selector, "kubevirt.io/environment"),
                        "production");
    /* The policy's own labels are not used: reported. */
    assert_int_equal(p.unknown.n, 1);
    assert_string_equal(p.unknown.names[0], "metadata.labels");
    kvyaml_policy_destroy(&p);
    kvyaml_policy_destroy(NULL);
    free(text);

    /* The smallest policy: a name; nothing set, no selector. */
    static const char minimal[] =
        "apiVersion: migrations.kubevirt.io/v1alpha1\n"
        "kind: MigrationPolicy\n"
        "metadata: {name: all.vms}\n"
        "spec: {bandwidthPerMigration: 0, futureKnob: 1, "
        "selectors: {nodeSelector: {a: b}}}\n";
    assert_int_equal(kvyaml_parse_policy(minimal, strlen(minimal), &p,
                                         &error), 0);
    assert_string_equal(p.name, "all.vms");
    assert_false(p.has_allow_auto_converge || p.has_allow_post_copy
                 || p.has_completion_timeout_per_gib);
    assert_string_equal(p.bandwidth, "0");
    assert_int_equal(p.bandwidth_bytes, 0);
    assert_true(smap_is_empty(&p.namespace_selector)
                && smap_is_empty(&p.vmi_selector));
    assert_int_equal(p.unknown.n, 2);
    assert_string_equal(p.unknown.names[0], "spec.futureKnob");
    assert_string_equal(p.unknown.names[1], "spec.selectors.nodeSelector");
    kvyaml_policy_destroy(&p);
}

static void
expect_policy_error(const char *from, const char *to, const char *field)
{
    expect_file_error("policy1.yaml", from, to, field);
}

static void
test_policy_refused(void **state)
{
    expect_policy_error("  name: my-awesome-policy\n", "",
                        "metadata.name: missing");
    expect_policy_error("name: my-awesome-policy", "name: My_Policy",
                        "metadata.name");
    expect_policy_error("name: my-awesome-policy", "name: a..b",
                        "metadata.name");
    expect_policy_error("kind: MigrationPolicy", "kind: VirtualMachine",
                        "kind");
    expect_policy_error("v1alpha1", "v1", "apiVersion");
    expect_policy_error("allowAutoConverge: true", "allowAutoConverge: yes",
                        "spec.allowAutoConverge");
    expect_policy_error("allowAutoConverge: true",
                        "allowAutoConverge: \"true\"",
                        "spec.allowAutoConverge: expected true or false");
    expect_policy_error("allowPostCopy: false", "allowPostCopy: {}",
                        "spec.allowPostCopy");
    expect_policy_error("bandwidthPerMigration: 217Ki",
                        "bandwidthPerMigration: 217KB",
                        "spec.bandwidthPerMigration");
    expect_policy_error("bandwidthPerMigration: 217Ki",
                        "bandwidthPerMigration: -1Mi",
                        "spec.bandwidthPerMigration");
    expect_policy_error("completionTimeoutPerGiB: 23",
                        "completionTimeoutPerGiB: 0",
                        "spec.completionTimeoutPerGiB");
    expect_policy_error("completionTimeoutPerGiB: 23",
                        "completionTimeoutPerGiB: 2.5",
                        "spec.completionTimeoutPerGiB");
    expect_policy_error("completionTimeoutPerGiB: 23",
                        "completionTimeoutPerGiB: 99999999999999999999",
                        "spec.completionTimeoutPerGiB");
    expect_policy_error("completionTimeoutPerGiB: 23",
                        "completionTimeoutPerGiB: \"23\"",
                        "spec.completionTimeoutPerGiB");
    expect_policy_error("      workload-type: db",
                        "      workload-type: [db]",
                        "spec.selectors.virtualMachineInstanceSelector");
    expect_policy_error("      workload-type: db", "      -bad-: db",
                        "\"-bad-\" is not a label key");
    expect_policy_error("      workload-type: db", "      a/b/c: db",
                        "is not a label key");
    expect_policy_error("      workload-type: db", "      Bad.Prefix/x: db",
                        "is not a label key");
    expect_policy_error("      workload-type: db",
                        "      workload-type: has space",
                        "workload-type: \"has space\" is not a label value");
    expect_policy_error("    namespaceSelector:\n", "    namespaceSelector: 1\n"
                        "    x:\n", "namespaceSelector: expected a mapping");
    expect_policy_error("spec:\n", "spec: []\nx:\n", "spec");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_vm),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_full_policy),
        cmocka_unit_test(test_policy_refused),
    };
    return cmocka_run_group_tests_name("kubevirt-yaml", tests, NULL, NULL);
}
