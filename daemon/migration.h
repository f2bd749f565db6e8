/* SPDX-License-Identifier: Apache-2.0
 *
 * migration.h -- ovnmigd's migration engine: this node's part in every
 * Migration record of the cluster database (design.md §5).
 *
 * The records are the only thing the two nodes share.  Each daemon reads
 * them all and acts on those that name it:
 *
 *   source                               target
 *   Pending: resolve the policy, pick
 *   a target, claim a slot -> Scheduling
 *                                        -> PreparingTarget: plumbing, ARP,
 *                                        DHCP, QEMU -incoming defer (the VM
 *                                        manager, as an incoming VM); listen
 *                                        on the migration address
 *                                        -> TargetReady + target address
 *   LSP on both chassis, RARP activation,
 *   confirmed in the SB -> Running;
 *   connect, hand the socket to QEMU,
 *   migrate (TLS), publish progress
 *                                        accept, hand the socket to QEMU,
 *                                        migrate-incoming
 *   completed: LSP on the target only,
 *   -> Succeeded and the VM row moves to
 *   the target (one transaction); the VM
 *   manager then tears the source down   the VM manager adopts the VM
 *
 * Any failure, a timeout, or a cancel (abort status Aborting, or the
 * record deleted) before the guest runs on the target: migrate_cancel,
 * LSP back to the source alone, -> Failed with the reason; the target
 * then tears its copy down.  QEMU's sockets live in the pod's network
 * namespace, which cannot reach the migration network: the daemons open
 * the stream's socket in the node's namespace and pass it to QEMU.
 *
 * Runs on the daemon's libevent thread.
 */
#ifndef OVNMIG_MIGRATION_H
#define OVNMIG_MIGRATION_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "migrate/scheduler.h"

struct cdb;
struct cdb_snapshot;
struct ds;
struct event_base;
struct ovnhook;
struct ovnhook_result;
struct ovnmigd_config;
struct sset;
struct vmm;

struct mige_options {
    const struct ovnmigd_config *cfg;   /* Must outlive the engine. */
    struct event_base *base;
    struct ovnhook *hooks;
    struct cdb *cdb;
    struct vmm *vmm;
    const char *migration_address;      /* This node's, for streams. */
};

#define MIGE_STATS                                                      \
    MIGE_STAT(claims, "migration-claims")                               \
    MIGE_STAT(started, "migrations-started")                            \
    MIGE_STAT(succeeded, "migrations-succeeded")                        \
    MIGE_STAT(failed, "migrations-failed")                              \
    MIGE_STAT(cancelled, "migrations-cancelled")                        \
    MIGE_STAT(targets_prepared, "migration-targets-prepared")           \
    MIGE_STAT(streams_accepted, "migration-streams-accepted")

struct mige_stats {
#define MIGE_STAT(MEMBER, NAME) uint64_t MEMBER;
    MIGE_STATS
#undef MIGE_STAT
};

struct mige;

struct mige *mige_create(const struct mige_options *);
/* Closes sockets and QMP connections; QEMU runs on. */
void mige_destroy(struct mige *);

/* The cluster database changed.  Adds to 'incoming' the ports of the VMs
 * this node must prepare as a migration's target, and to 'outgoing' those
 * of its VMs migrating away (for vmm_update()). */
void mige_update(struct mige *, const struct cdb_snapshot *,
                 struct sset *incoming, struct sset *outgoing);

/* Moves every migration on as far as it can go now (after the VM manager
 * acted on an update, and periodically for timeouts). */
void mige_run(struct mige *);

/* An ovn-hooks answer.  Returns true if it was the engine's. */
bool mige_hook_done(struct mige *, const struct ovnhook_result *);

/* "migration/list": this node's migrations, a line each, or JSON. */
void mige_list(const struct mige *, struct ds *, bool json);

void mige_get_stats(const struct mige *, struct mige_stats *);

/* ------------------------------------------------------------ metrics */

/* A fixed-bucket histogram, in milliseconds: buckets[i] counts the values
 * at most bounds[i] and above bounds[i - 1] (not cumulative); the last,
 * buckets[n_bounds], those above every bound. */
#define MIGE_HIST_MAX_BOUNDS 16
struct mige_hist {
    const uint64_t *bounds;     /* Ascending; static storage. */
    size_t n_bounds;            /* At most MIGE_HIST_MAX_BOUNDS. */
    uint64_t buckets[MIGE_HIST_MAX_BOUNDS + 1];
    uint64_t count;
    uint64_t sum;
};

static inline void
mige_hist_observe(struct mige_hist *h, uint64_t value)
{
    size_t i = 0;
    while (i < h->n_bounds && value > h->bounds[i]) {
        i++;
    }
    h->buckets[i]++;
    h->count++;
    h->sum += value;
}

/* How a migration this node was the source of ended.  Disjoint: a
 * cancelled one is not also "failed" here (unlike mige_stats). */
enum mige_outcome {
    MIGE_OUTCOME_SUCCEEDED,
    MIGE_OUTCOME_FAILED,
    MIGE_OUTCOME_CANCELLED,
    MIGE_N_OUTCOMES
};

/* "succeeded", "failed", "cancelled". */
static inline const char *
mige_outcome_name(enum mige_outcome outcome)
{
    return (outcome == MIGE_OUTCOME_SUCCEEDED ? "succeeded"
            : outcome == MIGE_OUTCOME_FAILED ? "failed"
            : outcome == MIGE_OUTCOME_CANCELLED ? "cancelled"
            : "unknown");
}

/* Since the daemon started: every migration this node finished as the
 * source, but for 'pause', which the target counts. */
struct mige_histograms {
    /* QEMU's downtime, of those that succeeded: the source's view, short
     * of what the guest sees (the target still loads the last state). */
    struct mige_hist downtime;
    /* The guest's pause, from QEMU's STOP on the source to its RESUME on
     * the target: counted by the target (the node that sees both ends),
     * for the migrations this node was the target of. */
    struct mige_hist pause;
    /* From the slot's claim to the final state, by outcome; those that
     * never claimed a slot are not counted. */
    struct mige_hist duration[MIGE_N_OUTCOMES];
};

void mige_get_histograms(const struct mige *, struct mige_histograms *);

#define MIGE_N_PHASES (MIG_PHASE_FAILED + 1)

/* The cluster's Migration records as the engine's last snapshot showed
 * them. */
struct mige_cluster_view {
    bool valid;                 /* False until the first snapshot. */
    uint64_t phases[MIGE_N_PHASES];     /* Records, by enum mig_phase. */
    uint64_t unknown_phase;     /* Records with a phase not known here. */
    unsigned int active;        /* Holding a slot of the cluster... */
    unsigned int cluster_limit; /* ...of parallelMigrationsPerCluster. */
    unsigned int outbound;      /* Active ones from this node... */
    unsigned int node_limit;    /* ...of parallelOutboundMigrationsPerNode. */
};

void mige_get_cluster_view(const struct mige *, struct mige_cluster_view *);

/* Hold points, for tests that must act at a given phase (the fault
 * matrix): while a point is held, migrations stop there; released, they
 * go on.  "prepare": the target, before it listens (PreparingTarget);
 * "ready": the source, before moving the LSP (TargetReady); "finish": the
 * source, after QEMU completed, before the LSP moves to the target. */
#define MIGE_HOLD_PREPARE 0x1
#define MIGE_HOLD_READY 0x2
#define MIGE_HOLD_FINISH 0x4
int mige_hold_point(const char *name, unsigned int *point);
void mige_hold(struct mige *, unsigned int point);
void mige_release(struct mige *, unsigned int point);

#endif /* migration.h */
