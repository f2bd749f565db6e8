/* SPDX-License-Identifier: Apache-2.0
 *
 * monitor.h -- watches a running migration's memory copy and decides, at
 * each sample of QEMU's query-migrate, whether it goes on.  Pure: the
 * caller passes the sample and the time.
 *
 * KubeVirt's two limits (design.md §5):
 *   - progressTimeout: the copy fails when it has made no progress for
 *     that many seconds.  Progress is the set of pages to send shrinking.
 *     QEMU copies in passes: each begins with the pages dirtied during the
 *     last one, and its "remaining" falls to almost nothing by its end,
 *     whether the copy converges or not.  So a pass whose dirty set is
 *     smaller than that of every earlier pass (by 1/16 at least, more than
 *     the noise of a guest rewriting the same pages) is progress, and so is
 *     every page it sends, however long it lasts; a pass that only resends
 *     as much as before is not, however low its "remaining" goes.  The
 *     first pass, the bulk copy, counts as shrinking;
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
    long long wall_ms;          /* The same instant, ms since the epoch, for
                                 * the record (the monitor ignores it). */
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

    uint64_t pass;              /* QEMU's dirty-sync count of the pass
                                 * under way; UINT64_MAX before any. */
    uint64_t best_dirty_set;    /* Smallest dirty set a pass began with
                                 * (that counted as progress). */
    bool pass_shrinks;          /* This pass began with a smaller set. */
    uint64_t pass_lowest;       /* Lowest remaining in this pass. */
    long long last_progress_ms;

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
