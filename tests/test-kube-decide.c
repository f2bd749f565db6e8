/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for kube/decide: what a node does to a VM's port, on the
 * cases issue 15 lists -- KubeVirt's normal order seen from the source and
 * the target; a target pod still Pending, or without a node yet; a
 * restart mid-migration with old VMIMs replayed; events missed (410, a
 * cut watch) so that facts jump ahead; failure after the target domain
 * was ready; abort by deleting the VMIM; the source pod deleted while the
 * VM runs on the target; a VMI without the annotation -- and on the rules
 * under them: finalize only the migration the port records, never remove
 * a port while a pod of the VM lives here or the port is bound elsewhere.
 *
 * Nodes "src" and "dst"; the port "vm1.ns"; migrations "m1" (current) and
 * "m0" (an old one). */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "kube/decide.h"
#include "util.h"

/* A VM as KubeVirt shows it before any migration: running on "src", its
 * pod there, the port bound to "src". */
struct scene {
    struct kube_vm_facts f;
    struct kube_pod_fact pods[4];
    struct kube_vmim_fact vmims[4];
};

static void
scene_init(struct scene *s)
{
    memset(s, 0, sizeof *s);
    s->f.synced = true;
    s->f.opted_in = true;
    s->f.vmi_node = "src";
    s->f.pods = s->pods;
    s->f.vmims = s->vmims;
    s->f.port.exists = true;
    s->f.port.n_chassis = 1;
    s->f.port.chassis[0] = "src";
}

static struct kube_pod_fact *
add_pod(struct scene *s, const char *name, const char *migration_uid)
{
    struct kube_pod_fact *p = &s->pods[s->f.n_pods++];
    p->name = name;
    p->migration_uid = migration_uid;
    return p;
}

static struct kube_vmim_fact *
add_vmim(struct scene *s, const char *uid, const char *phase)
{
    struct kube_vmim_fact *v = &s->vmims[s->f.n_vmims++];
    v->uid = uid;
    v->phase = phase;
    return v;
}

/* The port as the target made it for migration 'uid'. */
static void
port_migrating(struct scene *s, const char *uid)
{
    s->f.port.n_chassis = 2;
    s->f.port.chassis[0] = "src";
    s->f.port.chassis[1] = "dst";
    s->f.port.migration_uid = uid;
}

static void
migration_state(struct scene *s, const char *uid)
{
    s->f.migration.uid = uid;
    s->f.migration.source_node = "src";
    s->f.migration.target_node = "dst";
}

static void
expect(const struct scene *s, const char *self, enum kube_action_type type,
       const char *chassis, const char *uid)
{
    struct kube_action a;

    kube_decide(&s->f, self, &a);
    assert_non_null(a.reason);
    if (a.type != type) {
        fail_msg("%s: %s (%s), not %s", self, kube_action_type_name(a.type),
                 a.reason, kube_action_type_name(type));
    }
    if (chassis) {
        assert_string_equal(a.chassis, chassis);
    }
    if (uid) {
        assert_string_equal(a.migration_uid, uid);
    }
}

/* The source node's view and the target node's, of the same VM. */
struct views {
    struct scene src, dst;
};

static void
views_init(struct views *v)
{
    scene_init(&v->src);
    add_pod(&v->src, "virt-launcher-vm1-aaaaa", NULL);
    scene_init(&v->dst);
}

/* KubeVirt's normal order, step by step, from both nodes. */
static void
test_normal_order(void **state)
{
    struct views v;

    views_init(&v);
    expect(&v.src, "src", KUBE_ACTION_NONE, NULL, NULL);
    expect(&v.dst, "dst", KUBE_ACTION_NONE, NULL, NULL);

    /* 1. The VMIM, Pending: nothing yet (no target pod). */
    add_vmim(&v.src, "m1", "Pending");
    add_vmim(&v.dst, "m1", "Pending");
    expect(&v.dst, "dst", KUBE_ACTION_NONE, NULL, NULL);

    /* 2-3. The target pod with a node: the target adds itself. */
    v.src.vmims[0].phase = v.dst.vmims[0].phase = "Scheduling";
    add_pod(&v.dst, "virt-launcher-vm1-bbbbb", "m1");
    expect(&v.dst, "dst", KUBE_ACTION_ADD_CHASSIS, "dst", "m1");
    expect(&v.src, "src", KUBE_ACTION_NONE, NULL, NULL);

    /* Done: both see a migrating port, and leave it (4-5). */
    port_migrating(&v.src, "m1");
    port_migrating(&v.dst, "m1");
    migration_state(&v.src, "m1");
    migration_state(&v.dst, "m1");
    const char *phases[] = { "Scheduled", "PreparingTarget", "TargetReady",
                             "Running" };
    for (size_t i = 0; i < ARRAY_SIZE(phases); i++) {
        v.src.vmims[0].phase = v.dst.vmims[0].phase = phases[i];
        expect(&v.src, "src", KUBE_ACTION_NONE, NULL, NULL);
        expect(&v.dst, "dst", KUBE_ACTION_NONE, NULL, NULL);
    }

    /* 6. Completed: to the target alone, whoever sees it first. */
    v.src.f.migration.completed = v.dst.f.migration.completed = true;
    expect(&v.src, "src", KUBE_ACTION_FINALIZE, "dst", "m1");
    expect(&v.dst, "dst", KUBE_ACTION_FINALIZE, "dst", "m1");

    /* Finalized; the VMI moves, the source pod ends. */
    v.src.f.port = v.dst.f.port = (struct kube_port_fact) {
        .exists = true, .n_chassis = 1, .chassis = { "dst" },
    };
    v.src.f.vmi_node = v.dst.f.vmi_node = "dst";
    v.src.vmims[0].phase = v.dst.vmims[0].phase = "Succeeded";
    v.src.pods[0].terminated = true;
    expect(&v.src, "src", KUBE_ACTION_NONE, NULL, NULL);
    expect(&v.dst, "dst", KUBE_ACTION_NONE, NULL, NULL);
}

/* kube-ovn #7416: with hotplug volumes the target pod exists while still
 * Pending, before the VMIM reaches Scheduling.  Its phase does not
 * matter; its node does. */
static void
test_target_pod_pending(void **state)
{
    struct scene s;

    scene_init(&s);
    add_vmim(&s, "m1", "Pending");
    add_pod(&s, "virt-launcher-vm1-bbbbb", "m1");
    expect(&s, "dst", KUBE_ACTION_ADD_CHASSIS, "dst", "m1");
}

/* kube-ovn #6823: a target pod without a node is on no node's watch; the
 * target acts when the pod gets its node, whatever the VMIM's phase by
 * then. */
static void
test_target_pod_before_node(void **state)
{
    struct scene s;

    scene_init(&s);
    add_vmim(&s, "m1", "Scheduling");
    expect(&s, "dst", KUBE_ACTION_NONE, NULL, NULL);
    s.vmims[0].phase = "PreparingTarget";
    migration_state(&s, "m1");
    add_pod(&s, "virt-launcher-vm1-bbbbb", "m1");
    expect(&s, "dst", KUBE_ACTION_ADD_CHASSIS, "dst", "m1");
}

/* The target pod's label alone is not enough: the migration must be
 * known (a VMIM, or the VMI's migrationState) -- the VMIM's event may
 * come after the pod's. */
static void
test_target_pod_unknown_migration(void **state)
{
    struct scene s;

    scene_init(&s);
    add_pod(&s, "virt-launcher-vm1-bbbbb", "m1");
    expect(&s, "dst", KUBE_ACTION_NONE, NULL, NULL);
    add_vmim(&s, "m1", "Scheduling");
    expect(&s, "dst", KUBE_ACTION_ADD_CHASSIS, "dst", "m1");
}

/* kube-ovn #7419: after a restart, the VMIM watch replays old, finished
 * migrations.  Their outcome never touches a port that records another
 * migration, or none. */
static void
test_restart_replays_old_vmims(void **state)
{
    struct views v;

    views_init(&v);
    /* m0 brought the VM to src long ago: the pod it runs in still has
     * m0's label, and m0's VMIM says Succeeded. */
    v.src.pods[0].migration_uid = "m0";
    add_vmim(&v.src, "m0", "Succeeded");
    expect(&v.src, "src", KUBE_ACTION_NONE, NULL, NULL);
    add_vmim(&v.dst, "m0", "Failed");
    expect(&v.dst, "dst", KUBE_ACTION_NONE, NULL, NULL);

    /* Mid-migration m1: the old ones do not finalize it. */
    add_vmim(&v.src, "m1", "Running");
    add_vmim(&v.dst, "m1", "Running");
    add_pod(&v.dst, "virt-launcher-vm1-bbbbb", "m1");
    port_migrating(&v.src, "m1");
    port_migrating(&v.dst, "m1");
    migration_state(&v.src, "m1");
    migration_state(&v.dst, "m1");
    expect(&v.src, "src", KUBE_ACTION_NONE, NULL, NULL);
    expect(&v.dst, "dst", KUBE_ACTION_NONE, NULL, NULL);

    /* Nor does the source re-add itself for the pod's old label. */
    v.src.f.port.n_chassis = 1;
    v.src.f.port.chassis[0] = "dst";
    v.src.f.port.migration_uid = NULL;
    expect(&v.src, "src", KUBE_ACTION_NONE, NULL, NULL);
}

/* A 410 mid-migration, or the watch cut between Running and Succeeded:
 * the node learns the end from a relist, without the steps between.  The
 * facts decide, not the events. */
static void
test_missed_events(void **state)
{
    struct scene s;

    scene_init(&s);
    add_pod(&s, "virt-launcher-vm1-bbbbb", "m1");
    port_migrating(&s, "m1");
    /* The VMIM was deleted meanwhile (KubeVirt's GC); the VMI tells. */
    migration_state(&s, "m1");
    s.f.migration.completed = true;
    s.f.vmi_node = "dst";
    expect(&s, "dst", KUBE_ACTION_FINALIZE, "dst", "m1");

    /* Or only the VMIM tells (the VMI's status not yet updated). */
    scene_init(&s);
    add_pod(&s, "virt-launcher-vm1-bbbbb", "m1");
    port_migrating(&s, "m1");
    add_vmim(&s, "m1", "Succeeded");
    expect(&s, "dst", KUBE_ACTION_FINALIZE, "dst", "m1");
}

/* Failure after the target domain was ready: back to the source. */
static void
test_failure_after_domain_ready(void **state)
{
    struct views v;

    views_init(&v);
    for (struct scene *s = &v.src; s <= &v.dst; s++) {
        add_vmim(s, "m1", "Failed");
        port_migrating(s, "m1");
        migration_state(s, "m1");
        s->f.migration.failed = true;
    }
    add_pod(&v.dst, "virt-launcher-vm1-bbbbb", "m1");
    expect(&v.src, "src", KUBE_ACTION_FINALIZE, "src", "m1");
    expect(&v.dst, "dst", KUBE_ACTION_FINALIZE, "src", "m1");

    /* migrationState says failed even if the VMIM still says Running. */
    v.dst.vmims[0].phase = "Running";
    expect(&v.dst, "dst", KUBE_ACTION_FINALIZE, "src", "m1");
}

/* Abort by deleting the VMIM. */
static void
test_abort_by_deleting_vmim(void **state)
{
    struct scene s;

    /* Early: no migrationState yet; KubeVirt deletes the target pod. */
    scene_init(&s);
    port_migrating(&s, "m1");
    add_pod(&s, "virt-launcher-vm1-bbbbb", "m1")->terminated = true;
    expect(&s, "dst", KUBE_ACTION_FINALIZE, "src", "m1");
    /* The source cannot tell from its facts; it waits. */
    expect(&s, "src", KUBE_ACTION_NONE, NULL, NULL);

    /* Later: the abort succeeded. */
    scene_init(&s);
    port_migrating(&s, "m1");
    migration_state(&s, "m1");
    s.f.migration.abort_succeeded = true;
    add_pod(&s, "virt-launcher-vm1-bbbbb", "m1");
    expect(&s, "src", KUBE_ACTION_FINALIZE, "src", "m1");
    expect(&s, "dst", KUBE_ACTION_FINALIZE, "src", "m1");

    /* Too late: the abort failed and the migration completed. */
    scene_init(&s);
    port_migrating(&s, "m1");
    migration_state(&s, "m1");
    s.f.migration.completed = true;
    add_pod(&s, "virt-launcher-vm1-bbbbb", "m1");
    expect(&s, "src", KUBE_ACTION_FINALIZE, "dst", "m1");
}

/* kube-ovn #6665: the finished source pod is deleted (and garbage
 * collected) while the VM runs on the target; the port, shared, keeps its
 * options and its port groups. */
static void
test_source_pod_deleted(void **state)
{
    struct scene s;

    scene_init(&s);
    add_pod(&s, "virt-launcher-vm1-aaaaa", NULL)->terminated = true;
    s.f.port.chassis[0] = "dst";
    s.f.vmi_node = "dst";
    expect(&s, "src", KUBE_ACTION_NONE, NULL, NULL);
    s.f.n_pods = 0;             /* Gone altogether. */
    expect(&s, "src", KUBE_ACTION_NONE, NULL, NULL);
    /* Even if the VMI is then deleted, src does not own the port. */
    s.f.vmi_deleting = true;
    expect(&s, "src", KUBE_ACTION_NONE, NULL, NULL);

    /* Mid-migration, the source pod's end changes nothing either. */
    scene_init(&s);
    add_pod(&s, "virt-launcher-vm1-aaaaa", NULL)->terminated = true;
    port_migrating(&s, "m1");
    add_vmim(&s, "m1", "Running");
    expect(&s, "src", KUBE_ACTION_NONE, NULL, NULL);
}

/* A port is removed only by its node, for a VMI being deleted, once none
 * of its pods lives there. */
static void
test_remove_port(void **state)
{
    struct scene s;

    scene_init(&s);
    struct kube_pod_fact *p = add_pod(&s, "virt-launcher-vm1-aaaaa", NULL);
    s.f.vmi_deleting = true;
    expect(&s, "src", KUBE_ACTION_NONE, NULL, NULL);
    p->terminated = true;
    expect(&s, "src", KUBE_ACTION_REMOVE_PORT, NULL, NULL);

    /* Two pods of the VM here (a migration's source and target on one
     * node): one ends, the other lives. */
    scene_init(&s);
    add_pod(&s, "virt-launcher-vm1-aaaaa", NULL)->terminated = true;
    add_pod(&s, "virt-launcher-vm1-bbbbb", "m0");
    s.f.vmi_deleting = true;
    expect(&s, "src", KUBE_ACTION_NONE, NULL, NULL);

    /* A pod's end alone, the VMI not deleted: the port stays. */
    scene_init(&s);
    add_pod(&s, "virt-launcher-vm1-aaaaa", NULL)->terminated = true;
    expect(&s, "src", KUBE_ACTION_NONE, NULL, NULL);
}

/* A VMI without the annotation is left to the cluster's CNI, whatever
 * happens to it; so is everything before the first lists complete. */
static void
test_not_opted_in_or_not_synced(void **state)
{
    struct scene s;

    scene_init(&s);
    add_vmim(&s, "m1", "Scheduling");
    add_pod(&s, "virt-launcher-vm1-bbbbb", "m1");
    s.f.opted_in = false;
    expect(&s, "dst", KUBE_ACTION_NONE, NULL, NULL);
    s.f.opted_in = true;
    s.f.synced = false;
    expect(&s, "dst", KUBE_ACTION_NONE, NULL, NULL);
    s.f.synced = true;
    s.f.port.exists = false;
    expect(&s, "dst", KUBE_ACTION_NONE, NULL, NULL);
}

/* A port left migrating by a migration nobody finished (a crash), when a
 * newer one starts: settle the old one where the VM runs first. */
static void
test_superseded_migration(void **state)
{
    struct scene s;

    scene_init(&s);
    s.f.port.n_chassis = 2;
    s.f.port.chassis[0] = "src";
    s.f.port.chassis[1] = "old";
    s.f.port.migration_uid = "m0";
    migration_state(&s, "m1");
    add_vmim(&s, "m1", "Scheduling");
    add_pod(&s, "virt-launcher-vm1-bbbbb", "m1");
    expect(&s, "dst", KUBE_ACTION_FINALIZE, "src", "m0");
    /* Once settled, the new one goes ahead. */
    s.f.port.n_chassis = 1;
    s.f.port.migration_uid = NULL;
    expect(&s, "dst", KUBE_ACTION_ADD_CHASSIS, "dst", "m1");
}

/* Already done: nothing again. */
static void
test_idempotent(void **state)
{
    struct scene s;

    scene_init(&s);
    add_vmim(&s, "m1", "Scheduling");
    add_pod(&s, "virt-launcher-vm1-bbbbb", "m1");
    port_migrating(&s, "m1");
    for (int i = 0; i < 3; i++) {
        expect(&s, "dst", KUBE_ACTION_NONE, NULL, NULL);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal_order),
        cmocka_unit_test(test_target_pod_pending),
        cmocka_unit_test(test_target_pod_before_node),
        cmocka_unit_test(test_target_pod_unknown_migration),
        cmocka_unit_test(test_restart_replays_old_vmims),
        cmocka_unit_test(test_missed_events),
        cmocka_unit_test(test_failure_after_domain_ready),
        cmocka_unit_test(test_abort_by_deleting_vmim),
        cmocka_unit_test(test_source_pod_deleted),
        cmocka_unit_test(test_remove_port),
        cmocka_unit_test(test_not_opted_in_or_not_synced),
        cmocka_unit_test(test_superseded_migration),
        cmocka_unit_test(test_idempotent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
