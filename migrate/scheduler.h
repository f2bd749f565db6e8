/* SPDX-License-Identifier: Apache-2.0
 *
 * scheduler.h -- which pending migrations may start now, and to which node.
 * Pure: the caller passes a snapshot of the cluster DB's Migration and Node
 * rows and the limits; nothing is read, written or remembered here, so
 * every daemon that runs it on the same snapshot reaches the same decision,
 * and a changed limit applies to the very next one.
 *
 * The rules (design.md §5, issue #7):
 *   - A migration is active from Scheduling to Running.  Each active one
 *     holds a slot of parallelMigrationsPerCluster and an outbound slot of
 *     its source node (parallelOutboundMigrationsPerNode).  A lowered limit
 *     stops new starts; it never stops a migration already running.
 *   - Pending ones are served in request order: 'requested', then 'uid'.
 *     Once the cluster is full, everyone behind waits.  One whose source
 *     node is full, or that has no target yet, waits without holding back
 *     those behind it from other nodes (or, for want of a target, smaller
 *     ones from its own node).
 *   - A target is a node that is up, schedulable, not the source, runs
 *     the VM's accelerator (QEMU cannot move a guest between KVM and TCG;
 *     unknown on either side passes), and has room for the VM's memory: capacity minus the VMs it runs minus the
 *     migrations already headed there (active, or started by this very
 *     decision).  Among those, the one with the most room, ties broken by
 *     name, so that a drain spreads its VMs by free capacity.  A target the
 *     request names must pass the same test.
 *   - A VM never has two migrations active at once.
 */
#ifndef OVNMIG_SCHEDULER_H
#define OVNMIG_SCHEDULER_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mig_config;

/* A migration's phase, as KubeVirt names them and the Migration table's
 * "phase" column spells them. */
enum mig_phase {
    MIG_PHASE_PENDING,
    MIG_PHASE_SCHEDULING,
    MIG_PHASE_SCHEDULED,
    MIG_PHASE_PREPARING_TARGET,
    MIG_PHASE_TARGET_READY,
    MIG_PHASE_RUNNING,
    MIG_PHASE_SUCCEEDED,
    MIG_PHASE_FAILED,
};

/* "Pending", "PreparingTarget", ...; "unknown" for a value out of range. */
const char *mig_phase_name(enum mig_phase);

/* Parses the database spelling.  Returns 0, or -EINVAL. */
int mig_phase_from_name(const char *, enum mig_phase *);

/* True from Scheduling to Running: the migration holds its slots. */
bool mig_phase_is_active(enum mig_phase);

/* One Migration row.  The strings stay the caller's. */
struct mig_sched_migration {
    const char *uid;
    const char *vm;
    const char *namespace;
    const char *source_node;
    const char *target_node;    /* NULL or "": the scheduler chooses. */
    enum mig_phase phase;
    int64_t requested;          /* When it was requested (ms); the queue. */
    uint64_t memory;            /* The VM's memory, bytes. */
    const char *accel;          /* What the VM runs with, or NULL. */
};

/* One Node row, with what the caller judged of it. */
struct mig_sched_node {
    const char *name;
    bool schedulable;
    bool up;                    /* Heartbeat fresh. */
    uint64_t memory;            /* Capacity for VMs, bytes. */
    uint64_t memory_used;       /* The VMs whose VM.node is this node, not
                                 * counting migrations headed here. */
    const char *accel;          /* What its QEMUs run with, or NULL. */
};

enum mig_sched_verdict {
    MIG_SCHED_START,            /* Claim the slots; go to 'target'. */
    MIG_SCHED_WAIT_CLUSTER,     /* parallelMigrationsPerCluster reached. */
    MIG_SCHED_WAIT_NODE,        /* parallelOutboundMigrationsPerNode
                                 * reached on the source node. */
    MIG_SCHED_WAIT_TARGET,      /* No node can take the VM now (or the
                                 * target the request names cannot). */
    MIG_SCHED_WAIT_SOURCE,      /* The source node is unknown or down. */
    MIG_SCHED_WAIT_VM,          /* Another migration of the VM is active. */
};

/* "start", "cluster-limit", "node-limit", ... */
const char *mig_sched_verdict_name(enum mig_sched_verdict);

/* The decision on one Pending migration. */
struct mig_sched_entry {
    size_t index;               /* Into the caller's migrations[]. */
    enum mig_sched_verdict verdict;
    const char *target;         /* START: the target's name (the caller's
                                 * string).  Otherwise NULL. */
    unsigned int place;         /* Waiting: 1 for the next in line, 2 ...
                                 * (among all that wait).  START: 0. */
};

struct mig_sched_result {
    struct mig_sched_entry *entries;  /* Every Pending one, queue order. */
    size_t n_entries;
    size_t n_starts;            /* Entries with MIG_SCHED_START. */
    unsigned int active;        /* Slots held before this decision. */
};

/* Decides, for the 'n' migrations and 'n_nodes' nodes given (in any
 * order), which Pending ones start now and where, under 'config''s
 * parallel_per_cluster and parallel_outbound_per_node.  Migrations in
 * other phases count only when active.  Fills 'result', which the caller
 * frees with mig_sched_result_destroy() (even on error, when it is empty).
 * Returns 0, or -EINVAL if a migration or node lacks its name, uid or
 * source.  Costs O(n log n + starts x n_nodes). */
int mig_schedule(const struct mig_sched_migration *migrations, size_t n,
                 const struct mig_sched_node *nodes, size_t n_nodes,
                 const struct mig_config *config,
                 struct mig_sched_result *result);

void mig_sched_result_destroy(struct mig_sched_result *);

#endif /* scheduler.h */
