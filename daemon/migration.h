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
#include <stdint.h>

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
 * this node must prepare as a migration's target (for vmm_update()). */
void mige_update(struct mige *, const struct cdb_snapshot *,
                 struct sset *incoming);

/* Moves every migration on as far as it can go now (after the VM manager
 * acted on an update, and periodically for timeouts). */
void mige_run(struct mige *);

/* An ovn-hooks answer.  Returns true if it was the engine's. */
bool mige_hook_done(struct mige *, const struct ovnhook_result *);

/* "migration/list": this node's migrations, a line each, or JSON. */
void mige_list(const struct mige *, struct ds *, bool json);

void mige_get_stats(const struct mige *, struct mige_stats *);

#endif /* migration.h */
