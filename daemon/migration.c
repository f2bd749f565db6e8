/* SPDX-License-Identifier: Apache-2.0
 *
 * migration.c -- the migration engine (see migration.h): the migrations it
 * tracks, the helpers on their records that both roles use, the public API
 * with its hold points and stats, and the histograms.  The source's steps
 * are in migration-source.c, the target's in migration-target.c; what the
 * three files share is in migration-private.h.
 *
 * Every decision is taken from the latest copy of the record; every write
 * states the phase it expects to find, so a write that lost a race (the
 * record was cancelled, deleted, or moved on) is dropped by the database
 * client rather than undoing someone else's.
 */
#include <config.h>
#include "daemon/migration.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/cluster-db.h"
#include "daemon/config.h"
#include "daemon/migration-private.h"
#include "migrate/driver.h"
#include "migrate/monitor.h"
#include "migrate/policy.h"
#include "migrate/qmp.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/json.h"
#include "openvswitch/vlog.h"
#include "ovn-hooks/ovn-hooks.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(migration);

static void observe_snapshot(struct mige *, const struct cdb_snapshot *);
static void hists_init(struct mige_histograms *);

/* ------------------------------------------------------------ helpers */

const char *
mige_step_name(enum step step)
{
    static const char *const names[] = {
        "wait", "ovn-start", "connect", "copy", "cancel", "query",
        "resumed",
        "ovn-finish",
        "ovn-revert", "done", "prepare", "listen", "incoming", "done",
    };
    return names[step];
}

struct mig *
mige_find(const struct mige *e, const char *uid)
{
    struct mig *m;
    HMAP_FOR_EACH_WITH_HASH (m, hmap_node, hash_string(uid, 0), &e->migs) {
        if (!strcmp(m->uid, uid)) {
            return m;
        }
    }
    return NULL;
}

void
mige_set_step(struct mig *m, enum step step)
{
    VLOG_DBG("migration %s (%s): %s -> %s", m->uid, m->port,
             mige_step_name(m->step), mige_step_name(step));
    m->step = step;
    m->step_since = time_msec();
    pmove_cancel_retry(&m->pm);
}

int
mige_qmp_connect(struct mig *m, const char *run_dir, qmp_event_cb *event)
{
    const struct qmp_callbacks cbs = { .event = event, .aux = m };
    char *qmp_path = xasprintf("%s/qmp.sock", run_dir);
    int error = qmp_connect(m->e->base, qmp_path, &cbs, &m->qmp);
    free(qmp_path);
    return error;
}

/* Closes the stream socket and the QMP connection, stops the driver. */
void
mige_release_io(struct mig *m)
{
    if (m->msrc) {
        mig_source_destroy(m->msrc);
        m->msrc = NULL;
    }
    if (m->qmp) {
        qmp_destroy(m->qmp);
        m->qmp = NULL;
    }
    if (m->ev) {
        event_free(m->ev);
        m->ev = NULL;
    }
    if (m->fd >= 0) {
        close(m->fd);
        m->fd = -1;
    }
    if (m->listen_fd >= 0) {
        close(m->listen_fd);
        m->listen_fd = -1;
    }
}

static void
mig_free(struct mige *e, struct mig *m)
{
    mige_release_io(m);
    hmap_remove(&e->migs, &m->hmap_node);
    cdb_migration_destroy(m->rec);
    free(m->uid);
    pmove_destroy(&m->pm);
    free(m->dst_node);
    free(m->reason);
    free(m);
}

const char *
mige_phase(const struct mig *m)
{
    return m->rec ? m->rec->phase : "";
}

/* Writes 'w' expecting the record in one of the 'n' phases given. */
void
mige_write_if(struct mig *m, struct cdb_mig_write *w, size_t n,
              const char *const *phases)
{
    for (size_t i = 0; i < n; i++) {
        sset_add(&w->if_phases, phases[i]);
    }
    cdb_write_migration(m->e->cdb, w);
}

void
mige_write_phase(struct mig *m, const char *from, const char *to)
{
    struct cdb_mig_write w;
    cdb_mig_write_init(&w, m->uid);
    cdb_mig_write_set_string(&w, "phase", to);
    mige_write_if(m, &w, 1, &from);
}

/* ------------------------------------------------------------ API */

struct mige *
mige_create(const struct mige_options *opts)
{
    struct mige *e = xzalloc(sizeof *e);
    e->cfg = opts->cfg;
    e->base = opts->base;
    e->hooks = opts->hooks;
    e->cdb = opts->cdb;
    e->vmm = opts->vmm;
    e->address = xstrdup(opts->migration_address ? opts->migration_address
                                                 : "");
    hmap_init(&e->migs);
    hists_init(&e->hists);
    return e;
}

void
mige_destroy(struct mige *e)
{
    if (!e) {
        return;
    }
    struct mig *m;
    HMAP_FOR_EACH_SAFE (m, hmap_node, &e->migs) {
        mig_free(e, m);
    }
    hmap_destroy(&e->migs);
    free(e->address);
    free(e);
}

static struct mig *
mig_new(struct mige *e, const struct cdb_migration *r, enum role role)
{
    struct mig *m = xzalloc(sizeof *m);
    m->e = e;
    m->uid = xstrdup(r->uid);
    m->role = role;
    m->fd = m->listen_fd = -1;
    ovnhook_port_name(r->vm, r->namespace, m->port, sizeof m->port);
    pmove_init(&m->pm, e->hooks, m->port);
    mige_set_step(m, role == ROLE_SOURCE ? S_WAIT : T_PREPARE);
    hmap_insert(&e->migs, &m->hmap_node, hash_string(m->uid, 0));
    return m;
}

void
mige_update(struct mige *e, const struct cdb_snapshot *snap,
            struct sset *incoming, struct sset *outgoing)
{
    const char *me = e->cfg->node;
    const struct cdb_migration *r;

    observe_snapshot(e, snap);
    HMAP_FOR_EACH (r, hmap_node, &snap->migrations) {
        bool source = !strcmp(r->source_node, me);
        bool target = !source && r->target_node
                      && !strcmp(r->target_node, me);
        struct mig *m = mige_find(e, r->uid);
        if (!source && !target) {
            if (m) {
                mig_free(e, m);         /* Re-targeted elsewhere. */
            }
            continue;
        }
        if (!m) {
            if (cdb_phase_is_final(r->phase)) {
                continue;       /* Over before we saw it. */
            }
            m = mig_new(e, r, source ? ROLE_SOURCE : ROLE_TARGET);
        }
        cdb_migration_destroy(m->rec);
        m->rec = cdb_migration_clone(r);
        if (target) {
            mige_target_settings(m);
            if (cdb_phase_is_active(r->phase) && m->step != T_DONE) {
                sset_add(incoming, m->port);
            }
        }
        if (source) {
            mige_source_run(m, snap);
            /* Until the record says how it ended: once it does, a
             * success has moved the VM's row in the same transaction. */
            if (cdb_phase_is_active(r->phase)) {
                sset_add(outgoing, m->port);
            }
        }
    }

    mige_schedule(e, snap);

    if (snap->complete) {
        struct mig *m;
        HMAP_FOR_EACH_SAFE (m, hmap_node, &e->migs) {
            if (!cdb_snapshot_find_migration(snap, m->uid)) {
                cdb_migration_destroy(m->rec);
                m->rec = NULL;
                if (m->role == ROLE_SOURCE) {
                    mige_source_run(m, snap);
                }
            }
        }
    }
}

void
mige_run(struct mige *e)
{
    struct mig *m;
    HMAP_FOR_EACH_SAFE (m, hmap_node, &e->migs) {
        if (m->role == ROLE_TARGET) {
            mige_target_run(m);
            if (m->step == T_DONE && (!m->rec
                                      || cdb_phase_is_final(mige_phase(m)))) {
                mig_free(e, m);
            }
        } else {
            mige_source_run(m, NULL);
            if (m->step == S_DONE && (!m->rec
                                      || cdb_phase_is_final(mige_phase(m)))) {
                mig_free(e, m);
            }
        }
    }
}

bool
mige_hook_done(struct mige *e, const struct ovnhook_result *r)
{
    struct mig *m;
    HMAP_FOR_EACH (m, hmap_node, &e->migs) {
        if (pmove_owns(&m->pm, r)) {
            break;
        }
    }
    if (!m) {
        return (r->cookie >> 62) == 1;
    }
    enum pmove_event ev = pmove_done(&m->pm, r);
    switch (m->step) {
    case S_HOOK_START:
        if (ev == PMOVE_EV_ATTACH_FAILED) {
            mige_source_fail(m, r->error, "OVN: %s", r->message);
        } else if (ev == PMOVE_EV_ATTACHED) {
            VLOG_INFO("migration %s (%s): SB shows %s bound (%lld ms)",
                      m->uid, m->port, m->pm.dst_chassis, r->elapsed_ms);
            mige_source_bound(m);
        }
        break;
    case S_FINISH:
    case S_REVERT:
        if (ev == PMOVE_EV_FINALIZED || ev == PMOVE_EV_REVERTED) {
            mige_write_final(m);
        }
        break;
    default:
        break;                  /* Superseded. */
    }
    return true;
}

void
mige_list(const struct mige *e, struct ds *s, bool json)
{
    struct json *array = json ? json_array_create_empty() : NULL;
    const struct mig *m;

    if (!json) {
        ds_put_format(s, "%-38s %-24s %-7s %-16s %-10s %s\n", "UID", "VM",
                      "ROLE", "PHASE", "STEP", "PROGRESS");
    }
    HMAP_FOR_EACH (m, hmap_node, &e->migs) {
        unsigned int permille = m->msrc ? mig_monitor_permille(&m->monitor)
                                        : 0;
        if (json) {
            struct json *o = json_object_create();
            json_object_put_string(o, "uid", m->uid);
            json_object_put_string(o, "lsp", m->port);
            json_object_put_string(o, "role", m->role == ROLE_SOURCE
                                              ? "source" : "target");
            json_object_put_string(o, "phase", mige_phase(m));
            json_object_put_string(o, "step", mige_step_name(m->step));
            if (m->held) {
                json_object_put(o, "held", json_boolean_create(true));
            }
            if (m->waiting) {
                json_object_put_string(o, "waiting", m->waiting);
            }
            json_object_put(o, "permille", json_integer_create(permille));
            json_array_add(array, o);
        } else {
            ds_put_format(s, "%-38s %-24s %-7s %-16s %-10s %u.%u%%\n",
                          m->uid, m->port,
                          m->role == ROLE_SOURCE ? "source" : "target",
                          mige_phase(m), mige_step_name(m->step),
                          permille / 10, permille % 10);
        }
    }
    if (json) {
        char *text = json_to_string(array, JSSF_SORT);
        ds_put_format(s, "%s\n", text);
        free(text);
        json_destroy(array);
    }
}

int
mige_hold_point(const char *name, unsigned int *point)
{
    static const struct { const char *name; unsigned int point; } points[]
        = {
        { "prepare", MIGE_HOLD_PREPARE },
        { "ready", MIGE_HOLD_READY },
        { "finish", MIGE_HOLD_FINISH },
    };
    for (size_t i = 0; i < ARRAY_SIZE(points); i++) {
        if (!strcmp(name, points[i].name)) {
            *point = points[i].point;
            return 0;
        }
    }
    return -EINVAL;
}

void
mige_hold(struct mige *e, unsigned int point)
{
    e->holds |= point;
}

void
mige_release(struct mige *e, unsigned int point)
{
    e->holds &= ~point;
    struct mig *m;
    HMAP_FOR_EACH_SAFE (m, hmap_node, &e->migs) {
        if (!(m->held & point)) {
            continue;
        }
        m->held = 0;
        if (point == MIGE_HOLD_READY && m->step == S_HOOK_START) {
            mige_source_bound(m);
        } else if (point == MIGE_HOLD_FINISH
                   && (m->step == S_QUERY || m->step == S_RESUMED)) {
            mige_hook_request(m, S_FINISH);
        }
    }
    mige_run(e);
}

void
mige_get_stats(const struct mige *e, struct mige_stats *stats)
{
    *stats = e->stats;
}

/* ------------------------------------------------------------ metrics */

/* Milliseconds.  QEMU's downtime-limit defaults to 300 ms; a migration
 * of a small VM takes seconds, a large or busy one many minutes. */
static const uint64_t downtime_bounds[] = {
    10, 25, 50, 100, 200, 300, 500, 1000, 2500, 5000, 10000,
};
static const uint64_t duration_bounds[] = {
    1000, 2500, 5000, 10000, 30000, 60000, 120000, 300000, 600000,
    1800000, 3600000,
};
BUILD_ASSERT_DECL(ARRAY_SIZE(downtime_bounds) <= MIGE_HIST_MAX_BOUNDS);
BUILD_ASSERT_DECL(ARRAY_SIZE(duration_bounds) <= MIGE_HIST_MAX_BOUNDS);

static void
hists_init(struct mige_histograms *h)
{
    memset(h, 0, sizeof *h);
    h->downtime.bounds = downtime_bounds;
    h->downtime.n_bounds = ARRAY_SIZE(downtime_bounds);
    h->pause.bounds = downtime_bounds;
    h->pause.n_bounds = ARRAY_SIZE(downtime_bounds);
    for (size_t i = 0; i < MIGE_N_OUTCOMES; i++) {
        h->duration[i].bounds = duration_bounds;
        h->duration[i].n_bounds = ARRAY_SIZE(duration_bounds);
    }
}

/* mige_write_final() wrote 'm''s end. */
void
mige_observe_final(struct mig *m)
{
    struct mige_histograms *h = &m->e->hists;
    enum mige_outcome outcome = (!m->error ? MIGE_OUTCOME_SUCCEEDED
                                 : m->error == -ECANCELED
                                 ? MIGE_OUTCOME_CANCELLED
                                 : MIGE_OUTCOME_FAILED);
    if (outcome == MIGE_OUTCOME_SUCCEEDED && m->downtime_ms >= 0) {
        mige_hist_observe(&h->downtime, m->downtime_ms);
    }
    /* The source wrote start_time with its own clock (source_claim()). */
    int64_t start = m->rec ? m->rec->start_time : 0;
    int64_t elapsed = time_wall_msec() - start;
    if (start > 0 && elapsed >= 0) {
        mige_hist_observe(&h->duration[outcome], elapsed);
    }
}

void
mige_observe_pause(struct mige *e, long long int pause_ms)
{
    mige_hist_observe(&e->hists.pause, pause_ms);
}

static void
observe_snapshot(struct mige *e, const struct cdb_snapshot *snap)
{
    struct mige_cluster_view *v = &e->view;
    const struct cdb_migration *r;

    memset(v, 0, sizeof *v);
    v->valid = true;
    HMAP_FOR_EACH (r, hmap_node, &snap->migrations) {
        enum mig_phase ph;
        if (mig_phase_from_name(r->phase, &ph) || ph >= MIGE_N_PHASES) {
            v->unknown_phase++;
            continue;
        }
        v->phases[ph]++;
        if (mig_phase_is_active(ph)) {
            v->active++;
            v->outbound += !strcmp(r->source_node, e->cfg->node);
        }
    }

    struct mig_config c;
    char *error = NULL;
    if (mig_config_from_smap(&c, &snap->live_migration, &error)) {
        free(error);            /* resolve_config() logs it. */
        mig_config_init(&c);
    }
    v->cluster_limit = c.parallel_per_cluster;
    v->node_limit = c.parallel_outbound_per_node;
}

void
mige_get_histograms(const struct mige *e, struct mige_histograms *h)
{
    *h = e->hists;
}

void
mige_get_cluster_view(const struct mige *e, struct mige_cluster_view *v)
{
    *v = e->view;
}
