/* SPDX-License-Identifier: Apache-2.0
 *
 * monitor.h -- watches a running migration's memory copy and decides, at
 * each sample of QEMU's query-migrate, whether it goes on.  Pure: the
 * caller passes the sample and the time.
 *
 * KubeVirt's two limits (design.md §5):
 *   - progressTimeout: the copy fails when the memory still to send has
 *     not shrunk below its lowest value for that many seconds;
 *   - completionTimeoutPerGiB: the copy fails when it has run longer than
 *     that many seconds per GiB of data to move (memory, plus disks for a
 *     block migration).
 * When allowPostCopy is set, either limit switches the migration to
 * post-copy instead (once): the guest then runs on the target and pulls
 * what is left, which always converges.
 */
#ifndef OVNMIG_MONITOR_H
#define OVNMIG_MONITOR_H 1

#include <stdbool.h>
#include <stdint.h>

struct mig_config;

/* One sample of query-migrate's "ram" section. */
struct mig_sample {
    long long now_ms;
    uint64_t total;             /* Bytes of guest RAM. */
    uint64_t transferred;       /* Bytes sent so far. */
    uint64_t remaining;         /* Bytes still to send. */
    uint64_t dirty_rate;        /* Pages dirtied per second. */
    uint64_t iterations;        /* Dirty-sync passes over memory. */
};

enum mig_verdict {
    MIG_CONTINUE,
    MIG_SWITCH_TO_POSTCOPY,
    MIG_ABORT_NO_PROGRESS,
    MIG_ABORT_TOO_SLOW,         /* The completion timeout. */
};

const char *mig_verdict_name(enum mig_verdict);

struct mig_monitor {
    long long start_ms;
    long long progress_timeout_ms;
    long long completion_timeout_ms;
    bool allow_post_copy;
    bool post_copy;             /* Already switched. */

    uint64_t lowest_remaining;  /* UINT64_MAX before the first sample. */
    long long last_progress_ms; /* When 'lowest_remaining' last fell. */

    /* For progress reports. */
    struct mig_sample last;
    uint64_t throughput;        /* Bytes/s, over the last two samples. */
};

/* Starts watching a migration begun at 'start_ms' of a VM with 'memory'
 * and 'disks' bytes to move, under 'config'. */
void mig_monitor_init(struct mig_monitor *, const struct mig_config *config,
                      uint64_t memory, uint64_t disks, long long start_ms);

/* Feeds one sample; returns what to do.  After MIG_SWITCH_TO_POSTCOPY the
 * limits no longer apply: post-copy cannot be cancelled without losing
 * the guest, and it finishes on its own. */
enum mig_verdict mig_monitor_sample(struct mig_monitor *,
                                    const struct mig_sample *);

/* Progress in tenths of a percent (0..1000), and the estimated seconds
 * left at the current throughput (-1 when unknown). */
unsigned int mig_monitor_permille(const struct mig_monitor *);
long long mig_monitor_eta_s(const struct mig_monitor *);

#endif /* monitor.h */
