/* SPDX-License-Identifier: Apache-2.0
 *
 * drain-sim -- simulates draining one node of a cluster with the real
 * scheduler (migrate/scheduler.c) and the real migration monitor
 * (migrate/monitor.c, KubeVirt's progress and completion timeouts), and a
 * simulated memory copy; compares the makespan with the lower bound
 *
 *     total guest memory / (parallelOutboundMigrationsPerNode x
 *                           bandwidthPerMigration)
 *
 * (issue #7: goal within 10 %).  Behind "make bench-drain".
 *
 * The copy model is QEMU's pre-copy: each pass sends what the previous one
 * left dirty at the capped bandwidth; what is dirty after a pass is the
 * guest's dirty rate times the pass's duration (at most its memory); when
 * that can be sent within the downtime limit the guest stops and the rest
 * goes.  Auto-converge throttles the guest as QEMU does (20 % after the
 * second pass that dirtied more than half of what it sent, then +10 % a
 * time, at most 99 %).  After a switch to post-copy what is left is sent
 * once.  Each migration also holds its slots while the target is prepared
 * (before the copy) and while the port is switched over and the source
 * cleaned up (after it).
 *
 * The "requested" order is how the drain writes its Pending records: by VM
 * name, or largest VM first (classic LPT list scheduling, which shortens
 * the tail where one slot idles while the other finishes a large VM).
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/quantity.h"
#include "migrate/monitor.h"
#include "migrate/policy.h"
#include "migrate/scheduler.h"
#include "util.h"

#define GIB (1024.0 * 1024 * 1024)
#define MIB (1024.0 * 1024)
#define TICK 0.01               /* Seconds: the engine's reaction time. */
#define SAMPLE_MS 100           /* The driver's query-migrate period. */

enum order { ORDER_NAME, ORDER_LARGEST_FIRST };

struct params {
    int n_vms;
    int n_nodes;
    unsigned int seed;
    double prep_s;              /* Target preparation. */
    double switch_s;            /* Switchover and source cleanup. */
    double min_dirty, max_dirty;/* Bytes/s, log-uniform. */
    int heavy_pct;              /* VMs dirtying faster than the cap. */
    enum order order;
    struct mig_config config;
};

struct vm {
    char name[16];
    double memory;              /* Bytes. */
    double dirty;               /* Bytes/s. */
    int node, target;
    enum mig_phase phase;
    int64_t requested;

    double t_start, t_copy, t_copied, t_end;
    bool copying;
    double pass_left, pass_elapsed, pass_sent, sent;
    unsigned int iterations;
    int throttle, high_count;
    bool last_pass;             /* Stop-and-copy or post-copy: no more
                                 * dirtying. */
    bool post_copy;
    bool throttled;             /* Converged only once throttled. */
    struct mig_monitor monitor;
};

struct node {
    char name[16];
    bool schedulable;
    double memory, used;
    int vms_in;
};

struct result {
    double makespan;            /* Last migration's end. */
    double bound;               /* Memory / (outbound limit x bandwidth). */
    double sent_bound;          /* The same with the bytes really sent. */
    double memory, sent;
    int succeeded, failed, post_copied, converged_by_throttle;
    int max_active;             /* Migrations at once, at most. */
    int min_in, max_in;         /* VMs received per target. */
};

/* A uniform double in [0, 1). */
static double
uniform(unsigned int *seed)
{
    return rand_r(seed) / (RAND_MAX + 1.0);
}

static void
make_cluster(const struct params *p, struct vm *vms, struct node *nodes)
{
    unsigned int seed = p->seed;
    double cap = p->config.bandwidth;

    for (int i = 0; i < p->n_nodes; i++) {
        struct node *n = &nodes[i];
        snprintf(n->name, sizeof n->name, "hv%02d", i);
        n->schedulable = i != 0;            /* hv00 is being drained. */
        n->memory = 256 * GIB;
        n->used = (64 + rand_r(&seed) % 97) * GIB;
        n->vms_in = 0;
    }
    nodes[0].memory = 4096 * GIB;
    nodes[0].used = 0;

    for (int i = 0; i < p->n_vms; i++) {
        struct vm *v = &vms[i];
        memset(v, 0, sizeof *v);
        snprintf(v->name, sizeof v->name, "vm%03d", i);
        v->memory = (1 + rand_r(&seed) % 16) * GIB;
        double r = uniform(&seed);
        v->dirty = p->min_dirty * pow(p->max_dirty / p->min_dirty, r);
        if (rand_r(&seed) % 100 < (unsigned) p->heavy_pct) {
            v->dirty = cap * (1.2 + uniform(&seed));
        }
        v->node = 0;
        v->target = -1;
        v->phase = MIG_PHASE_PENDING;
        nodes[0].used += v->memory;
    }
}

static int
compare_largest(const void *a_, const void *b_)
{
    const struct vm *a = *(const struct vm *const *) a_;
    const struct vm *b = *(const struct vm *const *) b_;
    if (a->memory != b->memory) {
        return a->memory > b->memory ? -1 : 1;
    }
    return strcmp(a->name, b->name);
}

/* The drain writes one Pending record per VM, 1 ms apart, in 'order'. */
static void
request_all(const struct params *p, struct vm *vms)
{
    struct vm **sorted = xmalloc(p->n_vms * sizeof *sorted);
    for (int i = 0; i < p->n_vms; i++) {
        sorted[i] = &vms[i];
    }
    if (p->order == ORDER_LARGEST_FIRST) {
        qsort(sorted, p->n_vms, sizeof *sorted, compare_largest);
    }
    for (int i = 0; i < p->n_vms; i++) {
        sorted[i]->requested = i;
    }
    free(sorted);
}

/* Asks the scheduler, and starts what it says. */
static void
schedule(const struct params *p, struct vm *vms, struct node *nodes,
         double now)
{
    struct mig_sched_migration *migs = xcalloc(p->n_vms, sizeof *migs);
    struct mig_sched_node *snodes = xcalloc(p->n_nodes, sizeof *snodes);
    for (int i = 0; i < p->n_vms; i++) {
        struct vm *v = &vms[i];
        migs[i] = (struct mig_sched_migration) {
            .uid = v->name, .vm = v->name, .namespace = "default",
            .source_node = nodes[0].name,
            .target_node = v->target >= 0 ? nodes[v->target].name : NULL,
            .phase = v->phase, .requested = v->requested,
            .memory = v->memory,
        };
    }
    for (int i = 0; i < p->n_nodes; i++) {
        snodes[i] = (struct mig_sched_node) {
            .name = nodes[i].name, .schedulable = nodes[i].schedulable,
            .up = true, .memory = nodes[i].memory,
            .memory_used = nodes[i].used,
        };
    }

    struct mig_sched_result r;
    if (mig_schedule(migs, p->n_vms, snodes, p->n_nodes, &p->config, &r)) {
        ovs_fatal(0, "mig_schedule refused the snapshot");
    }
    for (size_t i = 0; i < r.n_entries; i++) {
        const struct mig_sched_entry *e = &r.entries[i];
        if (e->verdict != MIG_SCHED_START) {
            continue;
        }
        struct vm *v = &vms[e->index];
        v->phase = MIG_PHASE_SCHEDULING;
        v->target = -1;
        for (int j = 0; j < p->n_nodes; j++) {
            if (!strcmp(nodes[j].name, e->target)) {
                v->target = j;
            }
        }
        v->t_start = now;
        v->t_copy = now + p->prep_s;
    }
    mig_sched_result_destroy(&r);
    free(migs);
    free(snodes);
}

/* What can go while the guest is paused: QEMU's threshold. */
static double
threshold(const struct params *p)
{
    return p->config.bandwidth * (p->config.downtime_limit_ms / 1000.0);
}

/* QEMU syncs the dirty bitmap when what is left of a pass fits within the
 * downtime limit: what is dirty then is what is left plus what the guest
 * dirtied during the pass.  If that fits too, the guest stops and the rest
 * goes (stop-and-copy); otherwise the next pass begins. */
static void
end_pass(const struct params *p, struct vm *v)
{
    double dirty = v->dirty * (100 - v->throttle) / 100.0;
    double left = fmin(v->memory, v->pass_left + dirty * v->pass_elapsed);

    v->iterations++;
    if (p->config.allow_auto_converge
        && dirty * v->pass_elapsed > 0.5 * v->pass_sent
        && ++v->high_count >= 2) {
        v->high_count = 0;
        v->throttle = v->throttle ? MIN(99, v->throttle + 10) : 20;
    }
    v->pass_left = left;
    v->pass_elapsed = 0;
    v->pass_sent = 0;
    if (left <= threshold(p)) {
        v->last_pass = true;
        v->throttled = v->throttle > 0;
    }
}

/* Copies for 'budget' seconds from 'now'. */
static void
copy(const struct params *p, struct vm *v, double now, double budget)
{
    double cap = p->config.bandwidth;
    while (budget > 0 && !v->t_copied) {
        /* This pass ends at the threshold; the last one at zero. */
        double until = v->last_pass ? 0 : fmin(threshold(p), v->pass_left);
        double need = (v->pass_left - until) / cap;
        double step = fmin(need, budget);
        v->pass_left -= cap * step;
        v->pass_sent += cap * step;
        v->sent += cap * step;
        v->pass_elapsed += step;
        now += step;
        budget -= step;
        if (step < need) {
            return;
        }
        if (v->last_pass) {
            v->t_copied = now;
        } else {
            end_pass(p, v);
        }
    }
}

/* Feeds the monitor a sample, as the driver does every SAMPLE_MS, and
 * acts on its verdict.  Returns true if the migration failed. */
static bool
sample(struct vm *v, double now)
{
    struct mig_sample s = {
        .now_ms = llround(now * 1000),
        .total = v->memory,
        .transferred = v->sent,
        .remaining = v->pass_left,
        .dirty_rate = v->dirty / 4096,
        .iterations = v->iterations,
    };
    switch (mig_monitor_sample(&v->monitor, &s)) {
    case MIG_CONTINUE:
        return false;
    case MIG_SWITCH_TO_POSTCOPY:
        /* The guest moves; what it dirtied during this pass goes too. */
        v->pass_left = fmin(v->memory, v->pass_left + v->dirty
                            * (100 - v->throttle) / 100.0 * v->pass_elapsed);
        v->post_copy = v->last_pass = true;
        return false;
    case MIG_ABORT_NO_PROGRESS:
    case MIG_ABORT_TOO_SLOW:
        v->phase = MIG_PHASE_FAILED;
        v->t_end = now;
        return true;
    }
    return false;
}

static void
simulate(const struct params *p, struct result *res)
{
    struct vm *vms = xcalloc(p->n_vms, sizeof *vms);
    struct node *nodes = xcalloc(p->n_nodes, sizeof *nodes);
    make_cluster(p, vms, nodes);
    request_all(p, vms);
    memset(res, 0, sizeof *res);

    double now = 0;
    bool changed = true;
    int done = 0;
    int *active = xmalloc(p->n_vms * sizeof *active), n_active = 0;
    for (long tick = 0; done < p->n_vms; tick++) {
        if (changed) {
            schedule(p, vms, nodes, now);
            changed = false;

            /* The scheduler must have kept the limits. */
            n_active = 0;
            for (int i = 0; i < p->n_vms; i++) {
                if (mig_phase_is_active(vms[i].phase)) {
                    active[n_active++] = i;
                }
            }
            if (n_active > (int) p->config.parallel_per_cluster
                || n_active > (int) p->config.parallel_outbound_per_node) {
                ovs_fatal(0, "%d migrations active: over a limit", n_active);
            }
            if (!n_active) {
                ovs_fatal(0, "stalled at %.0f s with %d VMs left: no "
                          "target can take them", now, p->n_vms - done);
            }
            res->max_active = MAX(res->max_active, n_active);
        }

        bool sample_now = (tick + 1) % (int) (SAMPLE_MS / 1000.0 / TICK) == 0;
        for (int i = 0; i < n_active; i++) {
            struct vm *v = &vms[active[i]];
            if (!mig_phase_is_active(v->phase) || v->t_copied
                || now + TICK <= v->t_copy) {
                continue;
            }
            if (!v->copying) {
                v->copying = true;
                v->phase = MIG_PHASE_RUNNING;
                v->pass_left = v->memory;
                mig_monitor_init(&v->monitor, &p->config, v->memory, 0,
                                 llround(v->t_copy * 1000));
            }
            double from = fmax(now, v->t_copy);
            copy(p, v, from, now + TICK - from);
            if (!v->t_copied && sample_now && sample(v, now + TICK)) {
                done++;
                changed = true;
            }
        }
        now += TICK;

        for (int i = 0; i < n_active; i++) {
            struct vm *v = &vms[active[i]];
            if (mig_phase_is_active(v->phase) && v->t_copied
                && now >= v->t_copied + p->switch_s) {
                v->phase = MIG_PHASE_SUCCEEDED;
                v->t_end = v->t_copied + p->switch_s;
                nodes[0].used -= v->memory;
                nodes[v->target].used += v->memory;
                nodes[v->target].vms_in++;
                done++;
                changed = true;
            }
        }
    }

    double rate = p->config.parallel_outbound_per_node
                  * (double) p->config.bandwidth;
    res->min_in = INT_MAX;
    for (int i = 1; i < p->n_nodes; i++) {
        res->min_in = MIN(res->min_in, nodes[i].vms_in);
        res->max_in = MAX(res->max_in, nodes[i].vms_in);
    }
    for (int i = 0; i < p->n_vms; i++) {
        const struct vm *v = &vms[i];
        res->makespan = fmax(res->makespan, v->t_end);
        res->memory += v->memory;
        res->sent += v->sent;
        res->succeeded += v->phase == MIG_PHASE_SUCCEEDED;
        res->failed += v->phase == MIG_PHASE_FAILED;
        res->post_copied += v->post_copy;
        res->converged_by_throttle += v->throttled;
    }
    res->bound = res->memory / rate;
    res->sent_bound = res->sent / rate;
    free(active);
    free(vms);
    free(nodes);
}

static const char *
order_name(enum order order)
{
    return order == ORDER_NAME ? "by name" : "largest first";
}

static void
print_header(void)
{
    printf("  %-14s %9s %9s %6s %10s %9s %9s %5s %s\n", "order",
           "makespan", "bound", "ratio", "sent/mem", "vs-sent", "ok/fail",
           "post", "per-target");
}

static void
print_row(const struct params *p, const struct result *r)
{
    printf("  %-14s %8.0fs %8.0fs %6.3f %10.3f %9.3f %4d/%-4d %5d %d-%d\n",
           order_name(p->order), r->makespan, r->bound,
           r->makespan / r->bound, r->sent / r->memory,
           r->makespan / r->sent_bound, r->succeeded, r->failed,
           r->post_copied, r->min_in, r->max_in);
}

static void
run_orders(struct params *p, struct result r[2])
{
    for (int o = 0; o < 2; o++) {
        p->order = o;
        simulate(p, &r[o]);
        print_row(p, &r[o]);
    }
}

static char *
bytes_text(double b)
{
    return b >= GIB ? xasprintf("%gGi", b / GIB) : xasprintf("%gMi", b / MIB);
}

static void
usage(void)
{
    printf("\
drain-sim: simulate draining a node with ovnmig's scheduler\n\
usage: drain-sim [OPTIONS]\n\
  --vms N            VMs on the drained node (200), 1 to 16 GiB each\n\
  --nodes N          nodes in the cluster, the drained one included (20)\n\
  --bandwidth Q      bandwidthPerMigration (128Mi)\n\
  --dirty MIN:MAX    dirty rates, log-uniform, MiB/s (1:32)\n\
  --prep S           target preparation per migration, seconds (1)\n\
  --switch S         switchover and source cleanup, seconds (0.2)\n\
  --seed N           the cluster's random seed (1)\n\
");
    exit(0);
}

int
main(int argc, char *argv[])
{
    static const struct option options[] = {
        {"vms", required_argument, NULL, 'v'},
        {"nodes", required_argument, NULL, 'n'},
        {"bandwidth", required_argument, NULL, 'b'},
        {"dirty", required_argument, NULL, 'd'},
        {"prep", required_argument, NULL, 'p'},
        {"switch", required_argument, NULL, 's'},
        {"seed", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct params p = {
        .n_vms = 200, .n_nodes = 20, .seed = 1, .prep_s = 1.0,
        .switch_s = 0.2, .min_dirty = 1 * MIB, .max_dirty = 32 * MIB,
    };
    mig_config_init(&p.config);
    p.config.bandwidth = 128 * MIB;

    set_program_name(argv[0]);
    int c;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        uint64_t q;
        double lo, hi;
        switch (c) {
        case 'v':
            p.n_vms = atoi(optarg);
            if (p.n_vms < 1 || p.n_vms > 100000) {
                ovs_fatal(0, "--vms: 1 to 100000");
            }
            break;
        case 'n':
            p.n_nodes = atoi(optarg);
            if (p.n_nodes < 2 || p.n_nodes > 10000) {
                ovs_fatal(0, "--nodes: 2 to 10000");
            }
            break;
        case 'b':
            if (quantity_parse(optarg, &q) || !q) {
                ovs_fatal(0, "--bandwidth: not a quantity (e.g. 128Mi)");
            }
            p.config.bandwidth = q;
            break;
        case 'd':
            if (sscanf(optarg, "%lf:%lf", &lo, &hi) != 2 || lo <= 0
                || hi < lo) {
                ovs_fatal(0, "--dirty: want MIN:MAX in MiB/s");
            }
            p.min_dirty = lo * MIB;
            p.max_dirty = hi * MIB;
            break;
        case 'p':
            p.prep_s = atof(optarg);
            break;
        case 's':
            p.switch_s = atof(optarg);
            break;
        case 'S':
            p.seed = atoi(optarg);
            break;
        case 'h':
            usage();
            break;
        default:
            exit(2);
        }
    }
    if (p.prep_s < 0 || p.switch_s < 0) {
        ovs_fatal(0, "--prep and --switch cannot be negative");
    }

    char *bw = bytes_text(p.config.bandwidth);
    printf("drain-sim: %d VMs of 1-16 GiB leave hv00 of a %d-node cluster; "
           "dirty rates %g-%g MiB/s (log-uniform); seed %u\n", p.n_vms,
           p.n_nodes, p.min_dirty / MIB, p.max_dirty / MIB, p.seed);
    printf("limits: parallelMigrationsPerCluster %u, "
           "parallelOutboundMigrationsPerNode %u; bandwidthPerMigration %s; "
           "downtime %u ms; per migration %.1f s target preparation + "
           "%.1f s switchover\n", p.config.parallel_per_cluster,
           p.config.parallel_outbound_per_node, bw,
           p.config.downtime_limit_ms, p.prep_s, p.switch_s);
    printf("bound = guest memory / (%u x %s/s); ratio = makespan / bound; "
           "vs-sent = makespan / (bytes sent / (%u x %s/s))\n\n",
           p.config.parallel_outbound_per_node, bw,
           p.config.parallel_outbound_per_node, bw);

    struct result head[2];
    printf("The drain (default limits and policy):\n");
    print_header();
    run_orders(&p, head);
    printf("  (at most %d migrations at once)\n",
           MAX(head[0].max_active, head[1].max_active));

    printf("\nOver ten clusters (seeds %u-%u), ratio mean / worst:\n",
           p.seed, p.seed + 9);
    struct params q = p;
    for (int o = 0; o < 2; o++) {
        double sum = 0, worst = 0;
        q.order = o;
        for (int s = 0; s < 10; s++) {
            struct result r;
            q.seed = p.seed + s;
            simulate(&q, &r);
            sum += r.makespan / r.bound;
            worst = fmax(worst, r.makespan / r.bound);
        }
        printf("  %-14s %.3f / %.3f\n", order_name(o), sum / 10, worst);
    }

    printf("\nOther bandwidth caps:\n");
    static const double caps[] = { 64 * MIB, 512 * MIB, 1 * GIB };
    for (size_t i = 0; i < ARRAY_SIZE(caps); i++) {
        struct result r[2];
        q = p;
        q.config.bandwidth = caps[i];
        char *text = bytes_text(caps[i]);
        printf(" bandwidthPerMigration %s:\n", text);
        free(text);
        print_header();
        run_orders(&q, r);
    }

    printf("\nWith 5 %% of the VMs dirtying faster than the cap "
           "(by name):\n");
    static const char *policies[] = {
        "defaults", "allowAutoConverge", "allowPostCopy",
    };
    for (size_t i = 0; i < ARRAY_SIZE(policies); i++) {
        struct result r;
        q = p;
        q.heavy_pct = 5;
        q.order = ORDER_NAME;
        q.config.allow_auto_converge = i == 1;
        q.config.allow_post_copy = i == 2;
        simulate(&q, &r);
        printf("  %-18s makespan %6.0f s, ratio %.3f, %d ok, %d failed, "
               "%d post-copy, %d converged once throttled\n", policies[i],
               r.makespan, r.makespan / r.bound, r.succeeded, r.failed,
               r.post_copied, r.converged_by_throttle);
    }

    const struct result *best = &head[0];
    if (head[1].makespan < best->makespan) {
        best = &head[1];
    }
    printf("\nRESULT vms=%d bandwidth=%s makespan=%.0fs bound=%.0fs "
           "ratio=%.3f (by name %.3f, largest first %.3f; goal <= 1.10)\n",
           p.n_vms, bw, best->makespan, best->bound,
           best->makespan / best->bound, head[0].makespan / head[0].bound,
           head[1].makespan / head[1].bound);
    free(bw);
    return 0;
}
