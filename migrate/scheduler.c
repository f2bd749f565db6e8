/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "migrate/scheduler.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/policy.h"
#include "openvswitch/shash.h"
#include "sset.h"
#include "util.h"

static const char *const phase_names[] = {
    [MIG_PHASE_PENDING] = "Pending",
    [MIG_PHASE_SCHEDULING] = "Scheduling",
    [MIG_PHASE_SCHEDULED] = "Scheduled",
    [MIG_PHASE_PREPARING_TARGET] = "PreparingTarget",
    [MIG_PHASE_TARGET_READY] = "TargetReady",
    [MIG_PHASE_RUNNING] = "Running",
    [MIG_PHASE_SUCCEEDED] = "Succeeded",
    [MIG_PHASE_FAILED] = "Failed",
};

const char *
mig_phase_name(enum mig_phase phase)
{
    return (unsigned) phase < ARRAY_SIZE(phase_names)
           ? phase_names[phase] : "unknown";
}

int
mig_phase_from_name(const char *name, enum mig_phase *phase)
{
    for (size_t i = 0; name && i < ARRAY_SIZE(phase_names); i++) {
        if (!strcmp(name, phase_names[i])) {
            *phase = i;
            return 0;
        }
    }
    return -EINVAL;
}

bool
mig_phase_is_active(enum mig_phase phase)
{
    return phase >= MIG_PHASE_SCHEDULING && phase <= MIG_PHASE_RUNNING;
}

const char *
mig_sched_verdict_name(enum mig_sched_verdict verdict)
{
    switch (verdict) {
    case MIG_SCHED_START:
        return "start";
    case MIG_SCHED_WAIT_CLUSTER:
        return "cluster-limit";
    case MIG_SCHED_WAIT_NODE:
        return "node-limit";
    case MIG_SCHED_WAIT_TARGET:
        return "no-target";
    case MIG_SCHED_WAIT_SOURCE:
        return "source-down";
    case MIG_SCHED_WAIT_VM:
        return "vm-busy";
    }
    return "unknown";
}

/* What one decision knows of a node. */
struct node_state {
    const struct mig_sched_node *node;
    unsigned int outbound;      /* Active migrations leaving it. */
    uint64_t inbound;           /* Memory of migrations headed to it. */
};

static uint64_t
node_room(const struct node_state *ns)
{
    uint64_t taken = ns->node->memory_used + ns->inbound;
    return ns->node->memory > taken ? ns->node->memory - taken : 0;
}

static bool
target_ok(const struct node_state *ns, const struct mig_sched_migration *m)
{
    return ns && ns->node->up && ns->node->schedulable
           && strcmp(ns->node->name, m->source_node)
           && (!m->accel || !ns->node->accel
               || !strcmp(m->accel, ns->node->accel))
           && node_room(ns) >= m->memory;
}

/* The node with the most room that can take 'm', or NULL. */
static struct node_state *
pick_target(struct node_state *states, size_t n_nodes,
            const struct mig_sched_migration *m)
{
    struct node_state *best = NULL;
    for (size_t i = 0; i < n_nodes; i++) {
        struct node_state *ns = &states[i];
        if (!target_ok(ns, m)) {
            continue;
        }
        if (!best || node_room(ns) > node_room(best)
            || (node_room(ns) == node_room(best)
                && strcmp(ns->node->name, best->node->name) < 0)) {
            best = ns;
        }
    }
    return best;
}

static char *
vm_key(const struct mig_sched_migration *m)
{
    return xasprintf("%s/%s", m->namespace ? m->namespace : "",
                     m->vm ? m->vm : m->uid);
}

/* A place in the queue. */
struct queued {
    int64_t requested;
    const char *uid;
    size_t index;
};

static int
compare_queued(const void *a_, const void *b_)
{
    const struct queued *a = a_, *b = b_;
    if (a->requested != b->requested) {
        return a->requested < b->requested ? -1 : 1;
    }
    int c = strcmp(a->uid, b->uid);
    if (c) {
        return c;
    }
    /* The same uid twice: the caller's order, for a stable result. */
    return a->index < b->index ? -1 : a->index > b->index;
}

static bool
is_pending(const struct mig_sched_migration *m)
{
    return m->phase == MIG_PHASE_PENDING;
}

/* Decides the fate of pending migration 'm', updating the counts of what
 * it would take. */
static enum mig_sched_verdict
decide(const struct mig_sched_migration *m, const struct mig_config *config,
       unsigned int *active, struct shash *by_name, struct node_state *states,
       size_t n_nodes, struct sset *busy_vms, const char **target)
{
    *target = NULL;
    if (*active >= config->parallel_per_cluster) {
        return MIG_SCHED_WAIT_CLUSTER;
    }
    struct node_state *source = shash_find_data(by_name, m->source_node);
    if (!source || !source->node->up) {
        return MIG_SCHED_WAIT_SOURCE;
    }
    if (source->outbound >= config->parallel_outbound_per_node) {
        return MIG_SCHED_WAIT_NODE;
    }
    char *key = vm_key(m);
    bool busy = sset_contains(busy_vms, key);
    if (busy) {
        free(key);
        return MIG_SCHED_WAIT_VM;
    }

    struct node_state *dst;
    if (m->target_node && *m->target_node) {
        dst = shash_find_data(by_name, m->target_node);
        if (!target_ok(dst, m)) {
            dst = NULL;
        }
    } else {
        dst = pick_target(states, n_nodes, m);
    }
    if (!dst) {
        free(key);
        return MIG_SCHED_WAIT_TARGET;
    }

    (*active)++;
    source->outbound++;
    dst->inbound += m->memory;
    sset_add_and_free(busy_vms, key);
    *target = dst->node->name;
    return MIG_SCHED_START;
}

int
mig_schedule(const struct mig_sched_migration *migrations, size_t n,
             const struct mig_sched_node *nodes, size_t n_nodes,
             const struct mig_config *config,
             struct mig_sched_result *result)
{
    memset(result, 0, sizeof *result);
    if (!config || (n && !migrations) || (n_nodes && !nodes)) {
        return -EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!migrations[i].uid || !migrations[i].source_node) {
            return -EINVAL;
        }
    }
    for (size_t i = 0; i < n_nodes; i++) {
        if (!nodes[i].name) {
            return -EINVAL;
        }
    }

    struct node_state *states = xcalloc(n_nodes ? n_nodes : 1,
                                        sizeof *states);
    struct shash by_name = SHASH_INITIALIZER(&by_name);
    for (size_t i = 0; i < n_nodes; i++) {
        states[i].node = &nodes[i];
        /* A name listed twice: the first row counts. */
        shash_add_once(&by_name, nodes[i].name, &states[i]);
    }

    /* What the active migrations hold. */
    struct sset busy_vms = SSET_INITIALIZER(&busy_vms);
    unsigned int active = 0;
    size_t n_pending = 0;
    for (size_t i = 0; i < n; i++) {
        const struct mig_sched_migration *m = &migrations[i];
        if (is_pending(m)) {
            n_pending++;
        }
        if (!mig_phase_is_active(m->phase)) {
            continue;
        }
        active++;
        struct node_state *src = shash_find_data(&by_name, m->source_node);
        if (src) {
            src->outbound++;
        }
        struct node_state *dst = m->target_node
                                 ? shash_find_data(&by_name, m->target_node)
                                 : NULL;
        if (dst) {
            dst->inbound += m->memory;
        }
        sset_add_and_free(&busy_vms, vm_key(m));
    }
    result->active = active;

    /* The queue, in request order. */
    struct queued *queue = xmalloc((n_pending ? n_pending : 1)
                                   * sizeof *queue);
    for (size_t i = 0, j = 0; i < n; i++) {
        const struct mig_sched_migration *m = &migrations[i];
        if (is_pending(m)) {
            queue[j++] = (struct queued) { m->requested, m->uid, i };
        }
    }
    qsort(queue, n_pending, sizeof *queue, compare_queued);

    result->entries = xcalloc(n_pending ? n_pending : 1,
                              sizeof *result->entries);
    result->n_entries = n_pending;
    unsigned int place = 0;
    for (size_t i = 0; i < n_pending; i++) {
        struct mig_sched_entry *e = &result->entries[i];
        e->index = queue[i].index;
        e->verdict = decide(&migrations[e->index], config, &active,
                            &by_name, states, n_nodes, &busy_vms,
                            &e->target);
        if (e->verdict == MIG_SCHED_START) {
            result->n_starts++;
        } else {
            e->place = ++place;
        }
    }

    free(queue);
    sset_destroy(&busy_vms);
    shash_destroy(&by_name);
    free(states);
    return 0;
}

void
mig_sched_result_destroy(struct mig_sched_result *result)
{
    if (result) {
        free(result->entries);
        memset(result, 0, sizeof *result);
    }
}
