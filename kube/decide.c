/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "kube/decide.h"

#include <string.h>

#include "util.h"

enum outcome { OUTCOME_UNKNOWN, OUTCOME_SUCCEEDED, OUTCOME_FAILED };

static bool
same(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

const char *
kube_action_type_name(enum kube_action_type type)
{
    switch (type) {
    case KUBE_ACTION_NONE: return "none";
    case KUBE_ACTION_ADD_CHASSIS: return "add-chassis";
    case KUBE_ACTION_FINALIZE: return "finalize";
    case KUBE_ACTION_REMOVE_PORT: return "remove-port";
    }
    return "?";
}

/* How migration 'uid' ended, as far as the facts tell.  The VMI's
 * migrationState (virt-handler's word) first, then the VMIM's phase. */
static enum outcome
outcome(const struct kube_vm_facts *f, const char *uid)
{
    const struct kube_migration_state *m = &f->migration;

    if (!uid) {
        return OUTCOME_UNKNOWN;
    }
    if (same(m->uid, uid)) {
        if (m->failed || m->abort_succeeded) {
            return OUTCOME_FAILED;
        }
        if (m->completed) {
            return OUTCOME_SUCCEEDED;
        }
    }
    for (size_t i = 0; i < f->n_vmims; i++) {
        if (same(f->vmims[i].uid, uid)) {
            if (same(f->vmims[i].phase, "Succeeded")) {
                return OUTCOME_SUCCEEDED;
            }
            if (same(f->vmims[i].phase, "Failed")) {
                return OUTCOME_FAILED;
            }
        }
    }
    return OUTCOME_UNKNOWN;
}

/* Is migration 'uid' known to be under way: the VMI's current migration,
 * or a VMIM of the VMI, not over?  A target pod's label alone is not
 * enough: the pod a VM runs in after a migration keeps the label of the
 * migration that brought it, long after. */
static bool
live(const struct kube_vm_facts *f, const char *uid)
{
    if (!uid || outcome(f, uid) != OUTCOME_UNKNOWN) {
        return false;
    }
    if (same(f->migration.uid, uid)) {
        return true;
    }
    for (size_t i = 0; i < f->n_vmims; i++) {
        if (same(f->vmims[i].uid, uid)) {
            return true;
        }
    }
    return false;
}

static bool
has_live_pod(const struct kube_vm_facts *f, const char *migration_uid,
             bool any)
{
    for (size_t i = 0; i < f->n_pods; i++) {
        const struct kube_pod_fact *p = &f->pods[i];
        if (!p->terminated
            && (any || same(p->migration_uid, migration_uid))) {
            return true;
        }
    }
    return false;
}

/* The live target pod on this node of a migration under way, preferring
 * the VMI's current migration; NULL if none. */
static const struct kube_pod_fact *
live_target_pod(const struct kube_vm_facts *f)
{
    const struct kube_pod_fact *found = NULL;

    for (size_t i = 0; i < f->n_pods; i++) {
        const struct kube_pod_fact *p = &f->pods[i];
        if (!p->terminated && live(f, p->migration_uid)
            && (!found || same(p->migration_uid, f->migration.uid))) {
            found = p;
        }
    }
    return found;
}

static void
act(struct kube_action *a, enum kube_action_type type, const char *chassis,
    const char *uid, const char *reason)
{
    a->type = type;
    a->chassis = chassis;
    a->migration_uid = uid;
    a->reason = reason;
}

void
kube_decide(const struct kube_vm_facts *f, const char *self,
            struct kube_action *a)
{
    const struct kube_port_fact *port = &f->port;
    const struct kube_pod_fact *target;

    act(a, KUBE_ACTION_NONE, NULL, NULL, NULL);
    if (!f->synced) {
        a->reason = "waiting for the first lists";
        return;
    }
    if (!f->opted_in) {
        a->reason = "not opted in: left to the cluster's network";
        return;
    }
    if (!port->exists) {
        a->reason = "no port";
        return;
    }
    target = live_target_pod(f);

    if (port->n_chassis >= 2) {
        const char *uid = port->migration_uid;

        switch (outcome(f, uid)) {
        case OUTCOME_SUCCEEDED:
            act(a, KUBE_ACTION_FINALIZE, port->chassis[1], uid,
                "the migration succeeded: to the target alone");
            return;
        case OUTCOME_FAILED:
            act(a, KUBE_ACTION_FINALIZE, port->chassis[0], uid,
                "the migration failed or was aborted: back to the source");
            return;
        case OUTCOME_UNKNOWN:
        default:
            break;
        }
        if (same(port->chassis[1], self) && !has_live_pod(f, uid, false)) {
            act(a, KUBE_ACTION_FINALIZE, port->chassis[0], uid,
                "the target pod went away before the migration ended: "
                "back to the source");
            return;
        }
        if (target && !same(target->migration_uid, uid)) {
            /* KubeVirt runs one migration of a VMI at a time: a newer one
             * under way means the recorded one is over, and the VM runs
             * where the VMI says. */
            act(a, KUBE_ACTION_FINALIZE,
                f->vmi_node ? f->vmi_node : port->chassis[0], uid,
                "a newer migration supersedes the one on the port");
            return;
        }
        a->reason = "migration under way";
        return;
    }

    if (port->n_chassis == 1 && !same(port->chassis[0], self)) {
        if (target) {
            act(a, KUBE_ACTION_ADD_CHASSIS, self, target->migration_uid,
                "a target pod is on this node: add it as a chassis");
            return;
        }
        a->reason = "bound to another node";
        return;
    }

    if (port->n_chassis == 1) {
        if (has_live_pod(f, NULL, true)) {
            a->reason = "the VM runs here";
        } else if (f->vmi_deleting) {
            act(a, KUBE_ACTION_REMOVE_PORT, NULL, NULL,
                "the VMI is deleted and none of its pods lives here");
        } else {
            a->reason = "no pod here yet, and the VMI is not deleted";
        }
        return;
    }
    a->reason = "the port is bound to no chassis";
}
