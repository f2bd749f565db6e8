/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "migrate/monitor.h"

#include <string.h>

#include "migrate/policy.h"

const char *
mig_verdict_name(enum mig_verdict v)
{
    switch (v) {
    case MIG_CONTINUE:
        return "continue";
    case MIG_SWITCH_TO_POSTCOPY:
        return "switch-to-postcopy";
    case MIG_ABORT_NO_PROGRESS:
        return "no-progress";
    case MIG_ABORT_TOO_SLOW:
        return "completion-timeout";
    }
    return "unknown";
}

void
mig_monitor_init(struct mig_monitor *m, const struct mig_config *config,
                 uint64_t memory, uint64_t disks, long long start_ms)
{
    memset(m, 0, sizeof *m);
    m->start_ms = start_ms;
    m->progress_timeout_ms = config->progress_timeout * 1000LL;
    m->completion_timeout_ms = mig_completion_timeout(
        config->completion_timeout_per_gib, memory, disks) * 1000LL;
    m->allow_post_copy = config->allow_post_copy;
    m->pass = UINT64_MAX;
    m->best_dirty_set = UINT64_MAX;
    m->last_progress_ms = start_ms;
}

/* The dirty set pass 's' began with: what it still has to send, plus what
 * it already sent since the previous sample, which first finished the
 * previous pass ('prev->remaining'). */
static uint64_t
pass_dirty_set(const struct mig_sample *prev, const struct mig_sample *s)
{
    if (!prev->now_ms || s->transferred < prev->transferred) {
        return s->remaining;
    }
    uint64_t sent = s->transferred - prev->transferred;
    return s->remaining + (sent > prev->remaining ? sent - prev->remaining
                                                  : 0);
}

/* Whether 's' shows progress (see monitor.h). */
static bool
made_progress(struct mig_monitor *m, const struct mig_sample *s)
{
    if (s->iterations != m->pass) {
        uint64_t set = pass_dirty_set(&m->last, s);
        m->pass = s->iterations;
        m->pass_lowest = s->remaining;
        m->pass_shrinks = m->best_dirty_set == UINT64_MAX
                          || set < m->best_dirty_set
                                   - m->best_dirty_set / 16;
        if (m->pass_shrinks) {
            m->best_dirty_set = set;
        }
        return m->pass_shrinks;
    }
    if (s->remaining < m->pass_lowest) {
        m->pass_lowest = s->remaining;
        return m->pass_shrinks;
    }
    return false;
}

enum mig_verdict
mig_monitor_sample(struct mig_monitor *m, const struct mig_sample *s)
{
    if (m->last.now_ms && s->now_ms > m->last.now_ms
        && s->transferred >= m->last.transferred) {
        m->throughput = (s->transferred - m->last.transferred) * 1000
                        / (s->now_ms - m->last.now_ms);
    }
    if (made_progress(m, s)) {
        m->last_progress_ms = s->now_ms;
    }
    m->last = *s;
    if (m->post_copy) {
        return MIG_CONTINUE;
    }

    enum mig_verdict v = MIG_CONTINUE;
    if (s->now_ms - m->start_ms > m->completion_timeout_ms) {
        v = MIG_ABORT_TOO_SLOW;
    } else if (s->now_ms - m->last_progress_ms > m->progress_timeout_ms) {
        v = MIG_ABORT_NO_PROGRESS;
    }
    if (v != MIG_CONTINUE && m->allow_post_copy) {
        m->post_copy = true;
        return MIG_SWITCH_TO_POSTCOPY;
    }
    return v;
}

unsigned int
mig_monitor_permille(const struct mig_monitor *m)
{
    const struct mig_sample *s = &m->last;
    if (!s->total) {
        return 0;
    }
    uint64_t left = s->remaining > s->total ? s->total : s->remaining;
    return (s->total - left) * 1000 / s->total;
}

long long
mig_monitor_eta_s(const struct mig_monitor *m)
{
    if (!m->throughput || !m->last.now_ms) {
        return -1;
    }
    return (m->last.remaining + m->throughput - 1) / m->throughput;
}
