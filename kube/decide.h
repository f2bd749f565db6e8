/* SPDX-License-Identifier: Apache-2.0
 *
 * decide.h -- what a node does to a VM's OVN port in Kubernetes mode,
 * from the facts it has: the VMI, its virt-launcher pods on this node,
 * its migrations (VMIMs), and the port as OVN has it.  A pure function:
 * facts in, at most one action out, with the reason.  The caller applies
 * the action and asks again when a fact changes, until the answer is
 * "nothing" -- level-triggered, so a missed or replayed event, a relist
 * or a restart changes nothing: the same facts give the same action on
 * every node.
 *
 * The rules act on facts, not phases (design.md §9, issue 15), which is
 * where kube-ovn went wrong:
 *
 *   - a live target pod (label kubevirt.io/migrationJobUID) on this node
 *     whose migration is known and not over -- whatever the pod's phase,
 *     Pending included (kube-ovn #7416) -- makes this node an additional
 *     chassis of the port, which records the migration's UID; a target
 *     pod without a node is not on any node yet, and is acted on once it
 *     has one (#6823);
 *   - the port goes back to one chassis only for the migration whose UID
 *     it records: to the target when that migration succeeded, to the
 *     source when it failed or was aborted, or when its target pod went
 *     away before the end (the target node sees that); an old migration's
 *     outcome, replayed after a restart, changes nothing (#7419);
 *   - a pod's deletion never removes the port, nor its port groups, while
 *     a pod of the VM lives here or the port is bound elsewhere: the port
 *     is removed only by the node it is bound to alone, once the VMI is
 *     being deleted and none of its pods lives there (#6665).  The actions
 *     never touch port groups: they set options only, or remove the port.
 */
#ifndef OVNMIG_KUBE_DECIDE_H
#define OVNMIG_KUBE_DECIDE_H 1

#include <stdbool.h>
#include <stddef.h>

/* A virt-launcher pod of the VMI on this node. */
struct kube_pod_fact {
    const char *name;
    const char *migration_uid;  /* Label kubevirt.io/migrationJobUID. */
    bool terminated;            /* Deleting, or phase Succeeded/Failed. */
};

/* The VMI's status.migrationState (its latest migration). */
struct kube_migration_state {
    const char *uid;            /* migrationUid; NULL if none. */
    const char *source_node;
    const char *target_node;
    bool completed;
    bool failed;
    bool abort_succeeded;       /* abortStatus "Succeeded". */
};

/* A VMIM of the VMI. */
struct kube_vmim_fact {
    const char *uid;
    const char *phase;          /* Pending ... Succeeded, Failed; or "". */
};

/* The VM's logical switch port, as OVN has it (the truth). */
struct kube_port_fact {
    bool exists;
    size_t n_chassis;           /* In options:requested-chassis. */
    const char *chassis[2];     /* The main one first, then the added. */
    const char *migration_uid;  /* Recorded on the port, or NULL. */
};

struct kube_vm_facts {
    bool synced;                /* Every list has completed once. */
    bool opted_in;              /* The VMI asks for ovnmig (annotation). */
    bool vmi_deleting;          /* Its deletionTimestamp was seen. */
    const char *vmi_node;       /* status.nodeName, or NULL. */
    struct kube_migration_state migration;
    const struct kube_pod_fact *pods;   /* The VMI's pods on this node. */
    size_t n_pods;
    const struct kube_vmim_fact *vmims; /* The VMI's VMIMs. */
    size_t n_vmims;
    struct kube_port_fact port;
};

enum kube_action_type {
    KUBE_ACTION_NONE,
    /* requested-chassis=<port's chassis>,<chassis>, activation-strategy
     * rarp, and 'migration_uid' recorded on the port. */
    KUBE_ACTION_ADD_CHASSIS,
    /* requested-chassis=<chassis>, activation-strategy and the recorded
     * migration removed -- only if the port still records
     * 'migration_uid' (NULL: records none), which the write verifies. */
    KUBE_ACTION_FINALIZE,
    /* The port (and with it its port-group memberships) removed, if it is
     * still bound to this node alone. */
    KUBE_ACTION_REMOVE_PORT,
};

struct kube_action {
    enum kube_action_type type;
    const char *chassis;        /* ADD_CHASSIS, FINALIZE. */
    const char *migration_uid;  /* ADD_CHASSIS, FINALIZE. */
    const char *reason;         /* For logs and Events; static. */
};

const char *kube_action_type_name(enum kube_action_type);

/* Decides what node 'self' does next to the port of the VM 'facts'
 * describe.  Pointers in 'action' point into 'facts' or 'self'. */
void kube_decide(const struct kube_vm_facts *facts, const char *self,
                 struct kube_action *action);

#endif /* kube/decide.h */
