/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for migrate/policy: Kubernetes quantities, the cluster's
 * liveMigrationConfig, MigrationPolicy selection (with the examples of
 * KubeVirt's documentation) and the completion timeout. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "lib/quantity.h"
#include "migrate/policy.h"
#include "openvswitch/dynamic-string.h"
#include "smap.h"

static uint64_t
quantity(const char *s)
{
    uint64_t v = 12345;
    assert_int_equal(quantity_parse(s, &v), 0);
    return v;
}

static void
test_quantities(void **state)
{
    assert_int_equal(quantity("64Mi"), 64 * 1024 * 1024);
    assert_int_equal(quantity("2048Mi"), UINT64_C(2048) * 1024 * 1024);
    assert_int_equal(quantity("1Gi"), UINT64_C(1) << 30);
    assert_int_equal(quantity("0"), 0);
    assert_int_equal(quantity("217Ki"), 217 * 1024);
    assert_int_equal(quantity("500k"), 500000);
    assert_int_equal(quantity("1.5Gi"), UINT64_C(3) << 29);
    assert_int_equal(quantity("1e3"), 1000);
    assert_int_equal(quantity("+7"), 7);
    assert_int_equal(quantity("1500m"), 2);       /* Rounded up. */
    assert_int_equal(quantity("15Ei"), UINT64_C(15) << 60);

    static const char *bad[] = {
        "", "Mi", "-1Mi", "64MB", "64 Mi", "1..5", "0x10", "1e", "1e3Mi",
        "abc", ".", "64mi", "1Mi ",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        uint64_t v;
        assert_int_equal(quantity_parse(bad[i], &v), -EINVAL);
    }
    uint64_t v;
    assert_int_equal(quantity_parse("16Ei", &v), -ERANGE);
    assert_int_equal(quantity_parse("99999999999999999999", &v),
                     -ERANGE);
    assert_int_equal(quantity_parse("1e19", &v), -ERANGE);
}

static void
test_completion_timeout(void **state)
{
    /* The source documents' example: 800 s/GiB × 6 GiB. */
    assert_int_equal(mig_completion_timeout(800, UINT64_C(6) << 30, 0), 4800);
    assert_int_equal(mig_completion_timeout(800, UINT64_C(256) << 20, 0),
                     200);
    /* Block migration adds the disks. */
    assert_int_equal(mig_completion_timeout(800, UINT64_C(1) << 30,
                                            UINT64_C(3) << 30), 3200);
    /* A fraction of a second is rounded up, never down to zero. */
    assert_int_equal(mig_completion_timeout(1, 1, 0), 1);
}

static void
test_config(void **state)
{
    struct mig_config c;
    struct smap map = SMAP_INITIALIZER(&map);
    char *error;

    mig_config_init(&c);
    assert_int_equal(c.parallel_per_cluster, 5);
    assert_int_equal(c.parallel_outbound_per_node, 2);
    assert_int_equal(c.completion_timeout_per_gib, 800);
    assert_int_equal(c.progress_timeout, 150);
    assert_int_equal(c.bandwidth, 0);
    assert_false(c.disable_tls);

    smap_add(&map, "parallelMigrationsPerCluster", "1");
    smap_add(&map, "bandwidthPerMigration", "64Mi");
    smap_add(&map, "allowPostCopy", "true");
    smap_add(&map, "network", "eth1");
    assert_int_equal(mig_config_from_smap(&c, &map, &error), 0);
    assert_int_equal(c.parallel_per_cluster, 1);
    assert_int_equal(c.bandwidth, 64 << 20);
    assert_true(c.allow_post_copy);
    assert_string_equal(c.network, "eth1");

    /* Deleting a key restores its default. */
    smap_remove(&map, "parallelMigrationsPerCluster");
    assert_int_equal(mig_config_from_smap(&c, &map, &error), 0);
    assert_int_equal(c.parallel_per_cluster, 5);

    /* Bad values and unknown keys: a message, and nothing changes. */
    static const char *bad[][2] = {
        { "parallelMigrationsPerCluster", "0" },
        { "parallelMigrationsPerCluster", "-3" },
        { "parallelOutboundMigrationsPerNode", "two" },
        { "bandwidthPerMigration", "64MB" },
        { "progressTimeout", "" },
        { "allowAutoConverge", "yes" },
        { "parallelMigrationPerCluster", "3" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct smap b = SMAP_INITIALIZER(&b);
        struct mig_config before = c;
        smap_add(&b, bad[i][0], bad[i][1]);
        assert_int_equal(mig_config_from_smap(&c, &b, &error), -EINVAL);
        assert_non_null(error);
        assert_non_null(strstr(error, bad[i][0]));
        assert_memory_equal(&before, &c, sizeof c);
        free(error);
        smap_destroy(&b);
    }
    smap_destroy(&map);
}

static struct smap *
labels(const char *a, const char *b)
{
    /* "k=v" pairs, up to two. */
    struct smap *m = malloc(sizeof *m);
    smap_init(m);
    const char *kv[] = { a, b };
    for (int i = 0; i < 2; i++) {
        if (kv[i]) {
            char *copy = strdup(kv[i]), *eq = strchr(copy, '=');
            *eq = '\0';
            smap_add(m, copy, eq + 1);
            free(copy);
        }
    }
    return m;
}

static void
free_labels(struct smap *m)
{
    smap_destroy(m);
    free(m);
}

static void
test_policy_documented_example(void **state)
{
    /* KubeVirt's example policy: namespaces labelled hpc-workloads "True"
     * and xyz-workloads-type "", VMs labelled workload-type db and
     * operating-system "". */
    struct smap *ns_sel = labels("hpc-workloads=True", "xyz-workloads-type=");
    struct smap *vm_sel = labels("workload-type=db", "operating-system=");
    struct mig_policy p = {
        .name = "my-awesome-policy",
        .namespace_selector = ns_sel, .vmi_selector = vm_sel,
        .has_allow_auto_converge = true, .allow_auto_converge = true,
        .has_bandwidth = true, .bandwidth = 217 * 1024,
        .has_completion_timeout_per_gib = true,
        .completion_timeout_per_gib = 23,
        .has_allow_post_copy = true, .allow_post_copy = false,
    };

    struct smap *ns = labels("hpc-workloads=True", "xyz-workloads-type=");
    struct smap *vm = labels("workload-type=db", "operating-system=");
    struct ds why = DS_EMPTY_INITIALIZER;
    assert_ptr_equal(mig_policy_select(&p, 1, ns, vm, &why), &p);
    assert_non_null(strstr(ds_cstr(&why), "4 matching labels"));

    struct mig_config c;
    mig_config_init(&c);
    mig_config_apply_policy(&c, &p);
    assert_true(c.allow_auto_converge);
    assert_int_equal(c.bandwidth, 217 * 1024);
    assert_int_equal(c.completion_timeout_per_gib, 23);
    assert_int_equal(c.progress_timeout, 150);      /* Not in the policy. */

    /* "True" is a string: "true" does not match it. */
    struct smap *ns2 = labels("hpc-workloads=true", "xyz-workloads-type=");
    assert_null(mig_policy_select(&p, 1, ns2, vm, NULL));
    /* One VM label missing: not all match, so it does not apply. */
    struct smap *vm2 = labels("workload-type=db", NULL);
    ds_clear(&why);
    assert_null(mig_policy_select(&p, 1, ns, vm2, &why));
    assert_non_null(strstr(ds_cstr(&why), "no policy"));

    ds_destroy(&why);
    free_labels(ns_sel); free_labels(vm_sel); free_labels(ns);
    free_labels(vm); free_labels(ns2); free_labels(vm2);
}

static void
test_policy_precedence(void **state)
{
    /* A VM labelled kubevirt.io/environment=production and
     * kubevirt.io/workload=db in a namespace labelled
     * kubevirt.io/department=hr. */
    struct smap *vm = labels("kubevirt.io/environment=production",
                             "kubevirt.io/workload=db");
    struct smap *ns = labels("kubevirt.io/department=hr", NULL);

    struct smap *env = labels("kubevirt.io/environment=production", NULL);
    struct smap *dept = labels("kubevirt.io/department=hr", NULL);
    struct smap *work = labels("kubevirt.io/workload=db", NULL);
    struct smap *env_work = labels("kubevirt.io/environment=production",
                                   "kubevirt.io/workload=db");

    /* The most matching labels wins. */
    struct mig_policy most[] = {
        { .name = "a", .vmi_selector = env },
        { .name = "b", .namespace_selector = dept, .vmi_selector = work },
    };
    assert_string_equal(mig_policy_select(most, 2, ns, vm, NULL)->name, "b");

    /* Equals: the first by sorted matching keys ("department" <
     * "environment" < "workload"), whatever the list order. */
    struct mig_policy tie[] = {
        { .name = "by-env", .vmi_selector = env },
        { .name = "by-dept", .namespace_selector = dept },
        { .name = "by-work", .vmi_selector = work },
    };
    assert_string_equal(mig_policy_select(tie, 3, ns, vm, NULL)->name,
                        "by-dept");
    assert_string_equal(mig_policy_select(tie + 2, 1, ns, vm, NULL)->name,
                        "by-work");
    struct mig_policy tie2[] = { tie[2], tie[0] };
    assert_string_equal(mig_policy_select(tie2, 2, ns, vm, NULL)->name,
                        "by-env");

    /* Two labels beat one, even when the one sorts first. */
    struct mig_policy two[] = {
        { .name = "one", .namespace_selector = dept },
        { .name = "two", .vmi_selector = env_work },
    };
    assert_string_equal(mig_policy_select(two, 2, ns, vm, NULL)->name,
                        "two");

    free_labels(vm); free_labels(ns); free_labels(env); free_labels(dept);
    free_labels(work); free_labels(env_work);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantities),
        cmocka_unit_test(test_completion_timeout),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_policy_documented_example),
        cmocka_unit_test(test_policy_precedence),
    };
    return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
