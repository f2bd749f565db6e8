/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for kube/objects: the facts ovnmigd reads from KubeVirt's
 * objects, on objects shaped as KubeVirt writes them (a migration's
 * target virt-launcher pod, a migrating VMI, a VMIM), and on objects of
 * the wrong shape, which are refused with a reason. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "kube/objects.h"
#include "openvswitch/json.h"
#include "util.h"

static struct json *
parse(const char *text)
{
    struct json *json = json_from_string(text);
    assert_int_not_equal(json->type, JSON_STRING);
    return json;
}

/* A migration's target pod, as virt-controller makes it. */
static const char target_pod[] =
    "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{"
    "\"name\":\"virt-launcher-vm1-x7b2q\",\"namespace\":\"ns\","
    "\"uid\":\"p-uid\",\"resourceVersion\":\"120\","
    "\"labels\":{\"kubevirt.io\":\"virt-launcher\","
    "\"kubevirt.io/created-by\":\"vmi-uid\","
    "\"kubevirt.io/migrationJobUID\":\"m1\",\"vm.kubevirt.io/name\":\"vm1\"},"
    "\"annotations\":{\"kubevirt.io/domain\":\"vm1\","
    "\"kubevirt.io/migrationJobName\":\"vm1-mig\","
    "\"kubevirt.io/allow-pod-bridge-network-live-migration\":\"\"},"
    "\"ownerReferences\":[{\"apiVersion\":\"kubevirt.io/v1\","
    "\"kind\":\"VirtualMachineInstance\",\"name\":\"vm1\","
    "\"uid\":\"vmi-uid\",\"controller\":true}]},"
    "\"spec\":{\"nodeName\":\"node2\",\"containers\":[]},"
    "\"status\":{\"phase\":\"Pending\"}}";

static void
test_pod(void **state)
{
    struct json *json = parse(target_pod);
    struct kube_pod_info pod;
    const char *why;

    assert_int_equal(kube_pod_info_parse(json, &pod, &why), 0);
    assert_string_equal(pod.meta.name, "virt-launcher-vm1-x7b2q");
    assert_string_equal(pod.meta.namespace_, "ns");
    assert_string_equal(pod.node, "node2");
    assert_string_equal(pod.phase, "Pending");
    assert_string_equal(pod.vmi_name, "vm1");
    assert_string_equal(pod.vmi_uid, "vmi-uid");
    assert_string_equal(pod.migration_uid, "m1");
    assert_true(pod.opted_in);
    assert_false(pod.terminated);
    json_destroy(json);

    /* The owner alone names the VMI; no node yet; terminating. */
    json = parse("{\"metadata\":{\"name\":\"p\",\"resourceVersion\":\"1\","
                 "\"deletionTimestamp\":\"2024-01-01T00:00:00Z\","
                 "\"labels\":{\"kubevirt.io\":\"virt-launcher\"},"
                 "\"ownerReferences\":[{\"kind\":\"ReplicaSet\",\"name\":"
                 "\"x\"},{\"kind\":\"VirtualMachineInstance\",\"name\":"
                 "\"vm2\",\"uid\":\"u2\"}]},\"spec\":{}}");
    assert_int_equal(kube_pod_info_parse(json, &pod, &why), 0);
    assert_string_equal(pod.vmi_name, "vm2");
    assert_string_equal(pod.vmi_uid, "u2");
    assert_null(pod.node);
    assert_null(pod.migration_uid);
    assert_false(pod.opted_in);
    assert_true(pod.terminated);
    json_destroy(json);

    /* A finished pod is terminated too. */
    json = parse("{\"metadata\":{\"name\":\"p\",\"resourceVersion\":\"1\","
                 "\"labels\":{\"kubevirt.io\":\"virt-launcher\"},"
                 "\"annotations\":{\"kubevirt.io/domain\":\"vm3\"}},"
                 "\"status\":{\"phase\":\"Succeeded\"}}");
    assert_int_equal(kube_pod_info_parse(json, &pod, &why), 0);
    assert_true(pod.terminated);
    json_destroy(json);
}

static void
test_pod_refused(void **state)
{
    static const char *bad[] = {
        /* Not a virt-launcher. */
        "{\"metadata\":{\"name\":\"p\",\"resourceVersion\":\"1\"}}",
        "{\"metadata\":{\"name\":\"p\",\"resourceVersion\":\"1\","
        "\"labels\":{\"kubevirt.io\":\"virt-handler\"}}}",
        /* No VMI named. */
        "{\"metadata\":{\"name\":\"p\",\"resourceVersion\":\"1\","
        "\"labels\":{\"kubevirt.io\":\"virt-launcher\"}}}",
        /* Wrong shapes. */
        "{\"metadata\":{\"name\":\"p\",\"resourceVersion\":\"1\","
        "\"labels\":[\"kubevirt.io\"]}}",
        "{\"metadata\":{\"name\":\"p\",\"resourceVersion\":\"1\","
        "\"labels\":{\"kubevirt.io\":\"virt-launcher\"},"
        "\"annotations\":{\"kubevirt.io/domain\":\"v\"}},"
        "\"spec\":{\"nodeName\":5}}",
        "{\"kind\":\"Service\",\"metadata\":{\"name\":\"p\","
        "\"resourceVersion\":\"1\",\"labels\":{\"kubevirt.io\":"
        "\"virt-launcher\"},\"annotations\":{\"kubevirt.io/domain\":\"v\"}}}",
        "{\"metadata\":{\"name\":\"p\"}}",
        "[]",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct json *json = parse(bad[i]);
        struct kube_pod_info pod;
        const char *why = NULL;
        assert_int_equal(kube_pod_info_parse(json, &pod, &why), -EPROTO);
        assert_non_null(why);
        json_destroy(json);
    }
}

static void
test_vmi(void **state)
{
    struct json *json = parse(
        "{\"apiVersion\":\"kubevirt.io/v1\","
        "\"kind\":\"VirtualMachineInstance\",\"metadata\":{"
        "\"name\":\"vm1\",\"namespace\":\"ns\",\"uid\":"
        "\"vmi-uid\",\"resourceVersion\":\"130\",\"labels\":{"
        "\"kubevirt.io/nodeName\":\"node1\","
        "\"kubevirt.io/migrationTargetNodeName\":\"node2\"},"
        "\"annotations\":{"
        "\"kubevirt.io/allow-pod-bridge-network-live-migration\":\"\"}},"
        "\"spec\":{},\"status\":{\"nodeName\":\"node1\",\"phase\":\"Running\","
        "\"migrationState\":{\"migrationUid\":\"m1\",\"sourceNode\":\"node1\","
        "\"targetNode\":\"node2\",\"targetNodeDomainReadyTimestamp\":"
        "\"2024-01-01T00:00:01Z\",\"completed\":true,\"failed\":false,"
        "\"abortStatus\":\"Failed\"}}}");
    struct kube_vmi_info vmi;
    const char *why;

    assert_int_equal(kube_vmi_info_parse(json, &vmi, &why), 0);
    assert_string_equal(vmi.meta.uid, "vmi-uid");
    assert_string_equal(vmi.node, "node1");
    assert_true(vmi.opted_in);
    assert_false(vmi.deleting);
    assert_string_equal(vmi.migration.uid, "m1");
    assert_string_equal(vmi.migration.source_node, "node1");
    assert_string_equal(vmi.migration.target_node, "node2");
    assert_true(vmi.migration.completed);
    assert_false(vmi.migration.failed);
    assert_false(vmi.migration.abort_succeeded);
    json_destroy(json);

    /* No status yet; deleting; a migrationState of the wrong shape. */
    json = parse("{\"metadata\":{\"name\":\"vm\",\"resourceVersion\":\"1\","
                 "\"deletionTimestamp\":\"2024-01-01T00:00:00Z\"}}");
    assert_int_equal(kube_vmi_info_parse(json, &vmi, &why), 0);
    assert_null(vmi.node);
    assert_null(vmi.migration.uid);
    assert_true(vmi.deleting);
    assert_false(vmi.opted_in);
    json_destroy(json);
    json = parse("{\"metadata\":{\"name\":\"vm\",\"resourceVersion\":\"1\"},"
                 "\"status\":{\"migrationState\":{\"migrationUid\":[]}}}");
    assert_int_equal(kube_vmi_info_parse(json, &vmi, &why), -EPROTO);
    json_destroy(json);
}

static void
test_vmim(void **state)
{
    struct json *json = parse(
        "{\"apiVersion\":\"kubevirt.io/v1\",\"kind\":"
        "\"VirtualMachineInstanceMigration\",\"metadata\":{\"name\":"
        "\"vm1-mig\",\"namespace\":\"ns\",\"uid\":\"m1\",\"resourceVersion\":"
        "\"140\"},\"spec\":{\"vmiName\":\"vm1\"},\"status\":{\"phase\":"
        "\"Scheduling\"}}");
    struct kube_vmim_info vmim;
    const char *why;

    assert_int_equal(kube_vmim_info_parse(json, &vmim, &why), 0);
    assert_string_equal(vmim.meta.uid, "m1");
    assert_string_equal(vmim.vmi_name, "vm1");
    assert_string_equal(vmim.phase, "Scheduling");
    json_destroy(json);

    json = parse("{\"metadata\":{\"name\":\"m\",\"resourceVersion\":\"1\"},"
                 "\"spec\":{\"vmiName\":\"vm1\"}}");
    assert_int_equal(kube_vmim_info_parse(json, &vmim, &why), 0);
    assert_string_equal(vmim.phase, "");
    json_destroy(json);

    json = parse("{\"metadata\":{\"name\":\"m\",\"resourceVersion\":\"1\"},"
                 "\"spec\":{}}");
    assert_int_equal(kube_vmim_info_parse(json, &vmim, &why), -EPROTO);
    json_destroy(json);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pod),
        cmocka_unit_test(test_pod_refused),
        cmocka_unit_test(test_vmi),
        cmocka_unit_test(test_vmim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
