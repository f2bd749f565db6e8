/* SPDX-License-Identifier: Apache-2.0
 *
 * migration-source.c -- the migration engine's source role (see
 * migration.h and migration-private.h): check a Pending record of this
 * node and claim its slots once the scheduler lets it start; attach the
 * target as the port's second chassis; connect to the target and hand the
 * stream to QEMU; publish progress; once QEMU completed, wait for the
 * target's guest to resume and finalize the port there, or on failure
 * revert it to the source; write how it ended.  The port's steps are
 * daemon/port-move.h's: this file decides when, the QEMU copy's progress
 * being what it follows.  A daemon that restarted picks up a migration of its own
 * that QEMU kept copying.
 */
#include <config.h>

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/cluster-db.h"
#include "daemon/config.h"
#include "daemon/migration-private.h"
#include "daemon/vm-manager.h"
#include "migrate/driver.h"
#include "migrate/monitor.h"
#include "migrate/policy.h"
#include "migrate/qmp.h"
#include "migrate/scheduler.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/json.h"
#include "openvswitch/vlog.h"
#include "ovn-hooks/ovn-hooks.h"
#include "socket-util.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(migration_source);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Progress is written to the record this often. */
#define PROGRESS_MS 1000
/* A node whose heartbeat is older than this is not a target. */
#define NODE_STALE_MS 20000
/* How long the source, its QEMU completed, waits for the target to report
 * its guest resumed before it moves the LSP to the target anyway. */
#define RESUMED_REPORT_MS 3000

static void
put_map_entry(struct ds *s, const char *key, const char *value)
{
    if (s->length > 1) {
        ds_put_cstr(s, ", ");
    }
    json_string_escape(key, s);
    ds_put_char(s, '=');
    json_string_escape(value, s);
}

static const char *
bool_text(bool b)
{
    return b ? "true" : "false";
}

static int
stream_error(int error)
{
    return error > 0 ? -error : error;
}

static uint64_t
next_cookie(struct mige *e)
{
    /* Distinct from the VM manager's small cookies. */
    return (UINT64_C(1) << 62) | ++e->next_cookie;
}

/* The record's progress and mode from the monitor's last sample (taken
 * at "sampledAt"); at the end ('final'), with QEMU's downtime and total
 * time. */
static void
set_progress(struct cdb_mig_write *w, const struct mig *m, bool final)
{
    const struct mig_monitor *mon = &m->monitor;
    bool ok = final && !m->error;

    /* Key by key: the target writes its own keys into the same map. */
    cdb_mig_write_set_progress(w, "total", mon->last.total);
    cdb_mig_write_set_progress(w, "transferred", mon->last.transferred);
    cdb_mig_write_set_progress(w, "remaining", ok ? 0 : mon->last.remaining);
    cdb_mig_write_set_progress(w, "throughput", mon->throughput);
    cdb_mig_write_set_progress(w, "dirtyRate", mon->last.dirty_rate);
    cdb_mig_write_set_progress(w, "iterations", mon->last.iterations);
    cdb_mig_write_set_progress(w, "permille",
                               ok ? 1000 : mig_monitor_permille(mon));
    if (mon->last.wall_ms > 0) {
        cdb_mig_write_set_progress(w, "sampledAt", mon->last.wall_ms);
    }
    long long int stopped = m->msrc ? mig_source_stop_ms(m->msrc) : 0;
    if (stopped > 0) {
        cdb_mig_write_set_progress(w, "stoppedAt", stopped);
    }
    if (m->copy_started_at) {
        cdb_mig_write_set_progress(w, "copyStartedAt", m->copy_started_at);
    }
    if (m->completed_at) {
        cdb_mig_write_set_progress(w, "completedAt", m->completed_at);
    }
    if (final) {
        cdb_mig_write_set_progress(w, "downtimeMs", m->downtime_ms);
        cdb_mig_write_set_progress(w, "totalMs", m->total_ms);
        cdb_mig_write_delete_progress(w, "etaS");
    } else {
        cdb_mig_write_set_progress(w, "etaS", mig_monitor_eta_s(mon));
    }
    cdb_mig_write_set_string(w, "mode", mon->post_copy ? "PostCopy"
                                                       : "PreCopy");
}

void
mige_write_final(struct mig *m)
{
    bool ok = !m->error;
    struct cdb_mig_write w;
    cdb_mig_write_init(&w, m->uid);
    cdb_mig_write_set_string(&w, "phase", ok ? "Succeeded" : "Failed");
    cdb_mig_write_set_bool(&w, ok ? "completed" : "failed", true);
    cdb_mig_write_set_int(&w, "end_time", time_wall_msec());
    if (!ok) {
        cdb_mig_write_set_string(&w, "failure_reason", m->reason);
    }
    if (m->aborting) {
        cdb_mig_write_set_string(&w, "abort_status",
                                 m->error == -ECANCELED ? "Succeeded"
                                                        : "Failed");
    }
    if (m->msrc || m->downtime_ms || m->total_ms) {
        set_progress(&w, m, true);
    }
    if (ok) {
        w.vm_node = xstrdup(m->dst_node);
        m->e->stats.succeeded++;
        VLOG_INFO("migration %s (%s): succeeded, now on %s (QEMU downtime "
                  "%"PRId64" ms)", m->uid, m->port, m->dst_node,
                  m->downtime_ms);
    } else {
        m->e->stats.failed++;
        m->e->stats.cancelled += m->error == -ECANCELED;
        VLOG_WARN("migration %s (%s): failed: %s", m->uid, m->port,
                  m->reason);
    }
    static const char *const from[] = {
        "Pending", "Scheduling", "Scheduled", "PreparingTarget",
        "TargetReady", "Running",
    };
    mige_write_if(m, &w, ARRAY_SIZE(from), from);
    mige_observe_final(m);
    mige_release_io(m);
    mige_set_step(m, S_DONE);
}

/* The cutover the record asks for: "multi-chassis" (the default),
 * "unblocked", "early-finish" or the benchmark's "naive". */
static const char *
cutover(const struct mig *m)
{
    return m->rec ? smap_get_def(&m->rec->external_ids, "cutover",
                                 "multi-chassis")
                  : "multi-chassis";
}

/* Whether the record asks for the benchmark's naive cutover. */
static bool
naive(const struct mig *m)
{
    return !strcmp(cutover(m), "naive");
}

/* Takes the step 'step' of the port's move (daemon/port-move.h):
 * S_HOOK_START attaches the target as a second chassis, S_FINISH
 * finalizes to the target, S_REVERT reverts to the source. */
void
mige_hook_request(struct mig *m, enum step step)
{
    uint64_t cookie = next_cookie(m->e);

    mige_set_step(m, step);
    switch (step) {
    case S_HOOK_START:
        pmove_attach(&m->pm, (!strcmp(cutover(m), "unblocked")
                              ? PMOVE_UNBLOCKED : PMOVE_RARP), cookie);
        break;
    case S_FINISH:
        pmove_finalize(&m->pm, cookie);
        break;
    case S_REVERT:
        pmove_revert(&m->pm, cookie);
        break;
    default:
        OVS_NOT_REACHED();
    }
}

/* Whether 'point' is held: the migration then waits there, before 'step',
 * until mige_release(). */
static bool
held_at(struct mig *m, unsigned int point, enum step step)
{
    if (m->e->holds & point) {
        if (!m->held) {
            VLOG_INFO("migration %s (%s): held before %s", m->uid, m->port,
                      mige_step_name(step));
        }
        m->held = point;
        return true;
    }
    m->held = 0;
    return false;
}

/* Takes the step 'step' through mige_hook_request() unless 'point' is held; a
 * held migration takes it at mige_release(). */
static void
hold_or(struct mig *m, unsigned int point, enum step step)
{
    if (!held_at(m, point, step)) {
        mige_hook_request(m, step);
    }
}

/* The SB shows the target bound (the answer to S_HOOK_START): once the
 * target is ready too, the stream starts, unless the "ready" hold point
 * is held (mige_release() goes on). */
void
mige_source_bound(struct mig *m)
{
    if (m->step == S_HOOK_START && !pmove_busy(&m->pm)
        && !strcmp(mige_phase(m), "TargetReady") && m->rec->target_address
        && !held_at(m, MIGE_HOLD_READY, S_CONNECT)) {
        mige_source_connect(m);
    }
}

/* The migration is over on the source, and failed: back to the source in
 * OVN if the LSP may have moved, then the record. */
static void
source_end_failed(struct mig *m)
{
    if (m->pm.spans) {
        mige_hook_request(m, S_REVERT);
    } else {
        mige_write_final(m);
    }
}

/* Ends the migration on the source, failed for 'format'.  If QEMU is
 * migrating, it is cancelled first, and the end waits for QEMU to end its
 * migration (S_CANCEL, then cancel_done()): until then QEMU refuses
 * another one, and a final record would let the next one start. */
void
mige_source_fail(struct mig *m, int error, const char *format, ...)
{
    if (m->step == S_REVERT || m->step == S_DONE || m->step == S_FINISH
        || m->step == S_CANCEL) {
        return;
    }
    va_list args;
    va_start(args, format);
    free(m->reason);
    m->reason = xvasprintf(format, args);
    va_end(args);
    m->error = error ? error : -EIO;

    if (m->msrc && !mig_source_is_over(m->msrc)) {
        mige_set_step(m, S_CANCEL);
        mig_source_cancel(m->msrc);
    } else {
        source_end_failed(m);
    }
}

/* QEMU completed.  With the multi-chassis cutover the port already
 * reaches the target, so moving the LSP there is not urgent, and it costs
 * a recompute on every chassis: it waits until the target reports its
 * guest resumed (progress:resumedAt), RESUMED_REPORT_MS at most, so that
 * the recompute does not compete with the target QEMU loading the last of
 * the guest's state.  On a 2-CPU lab that made the guest's pause (source
 * STOP to target RESUME) 20-40 ms shorter: measured by holding the finish
 * back in make bench-migrate's runs, then in the bench itself (30 ms, as
 * short as a bare QEMU-to-QEMU migration's).
 * The naive cutover, the benchmark's peer, moves the LSP at once, and so
 * does "early-finish", the multi-chassis cutover that does not wait. */
static void
source_completed(struct mig *m)
{
    if (naive(m) || !strcmp(cutover(m), "early-finish")) {
        hold_or(m, MIGE_HOLD_FINISH, S_FINISH);
    } else {
        mige_set_step(m, S_RESUMED);
        mige_source_run(m, NULL);
    }
}

static void
query_final(void *m_, int error, const struct json *result,
            const char *desc OVS_UNUSED)
{
    struct mig *m = m_;
    if (!error && result->type == JSON_OBJECT) {
        const struct json *d = shash_find_data(json_object(result),
                                               "downtime");
        const struct json *t = shash_find_data(json_object(result),
                                               "total-time");
        m->downtime_ms = d && d->type == JSON_INTEGER ? json_integer(d) : 0;
        m->total_ms = t && t->type == JSON_INTEGER ? json_integer(t) : 0;
    }
    if (m->step == S_QUERY) {
        source_completed(m);
    }
}

/* QEMU is done with its migration: query its figures, then go on. */
static void
source_qemu_completed(struct mig *m)
{
    /* The guest runs on the target: from here on, only forward. */
    m->completed_at = time_wall_msec();
    mige_set_step(m, S_QUERY);
    if (qmp_execute(m->qmp, "query-migrate", NULL, query_final, m)) {
        source_completed(m);
    }
}

/* QEMU ended the migration that mige_source_fail() cancelled. */
static void
cancel_done(struct mig *m, int error, const char *message)
{
    if (!error) {
        VLOG_WARN("migration %s (%s): QEMU completed before the cancel "
                  "(%s) took effect: the guest runs on %s", m->uid, m->port,
                  m->reason, m->dst_node);
        free(m->reason);
        m->reason = NULL;
        m->error = 0;           /* abort_status: Failed. */
        source_qemu_completed(m);
        return;
    }
    if (error == -EBUSY) {
        /* QEMU did not say it ended: the next migration of this VM may be
         * refused, and the record says why. */
        char *reason = xasprintf("%s; %s", m->reason, message);
        free(m->reason);
        m->reason = reason;
        m->error = error;
    } else if (error != -ECANCELED) {
        VLOG_WARN("migration %s (%s): while cancelling: %s", m->uid, m->port,
                  message ? message : ovs_strerror(-error));
    }
    source_end_failed(m);
}

static void
copy_done(void *m_, int error, const char *message)
{
    struct mig *m = m_;
    if (m->step == S_CANCEL) {
        cancel_done(m, error, message);
        return;
    }
    if (error) {
        mige_source_fail(m, error, "%s", message ? message
                                                 : ovs_strerror(-error));
        return;
    }
    source_qemu_completed(m);
}

/* The source QEMU's events, to the driver: it acts on a MIGRATION event
 * at once rather than at its next poll. */
static void
source_qmp_event(void *m_, const char *event, const struct json *data,
                 double timestamp)
{
    struct mig *m = m_;
    mig_source_event(m->msrc, event, data, timestamp);
}

static void
source_copy(struct mig *m)
{
    struct mige *e = m->e;
    bool incoming;
    const char *run_dir;
    if (!vmm_vm_ready(e->vmm, m->port, &incoming, &run_dir) || incoming) {
        mige_source_fail(m, -ENOENT, "the VM no longer runs on this node");
        return;
    }
    int error = mige_qmp_connect(m, run_dir, source_qmp_event);
    if (error) {
        mige_source_fail(m, error, "QMP: %s", ovs_strerror(-error));
        return;
    }

    struct mig_params p;
    mig_params_from_config(&p, &m->cfg, m->rec->target_address);
    p.pass_fd = true;
    p.fd = m->fd;
    if (!m->cfg.disable_tls) {
        p.tls_dir = e->cfg->tls_dir;
        p.tls_hostname = m->dst_node;
    }
    mig_monitor_init(&m->monitor, &m->cfg, vmm_vm_memory(e->vmm, m->port),
                     0, time_msec());
    mige_set_step(m, S_COPY);
    m->next_progress = time_msec() + PROGRESS_MS;
    e->stats.started++;
    m->fd = -1;                 /* The driver's from here on. */
    m->copy_started_at = time_wall_msec();
    error = mig_source_start(e->base, m->qmp, &p, &m->monitor, copy_done, m,
                             &m->msrc);
    if (error) {
        mige_source_fail(m, error, "migrate: %s", ovs_strerror(-error));
    }
}

static void
source_connected(evutil_socket_t fd, short what OVS_UNUSED, void *m_)
{
    struct mig *m = m_;
    int error = check_connection_completion(fd);
    if (error == EAGAIN) {
        return;
    }
    event_free(m->ev);
    m->ev = NULL;
    if (error) {
        mige_source_fail(m, -error, "connecting to %s: %s",
                         m->rec->target_address, ovs_strerror(error));
    } else {
        source_copy(m);
    }
}

/* The target is ready (and, unless the cutover is naive, the SB shows it
 * bound): the record says Running, and the stream starts. */
void
mige_source_connect(struct mig *m)
{
    static const char *const from = "TargetReady";
    mige_write_phase(m, from, "Running");

    int fd;
    int error = inet_open_active(SOCK_STREAM, m->rec->target_address, -1,
                                 NULL, &fd, 0);
    if (error && error != EAGAIN) {
        mige_source_fail(m, stream_error(error), "connecting to %s: %s",
                         m->rec->target_address, ovs_strerror(error));
        return;
    }
    m->fd = fd;
    mige_set_step(m, S_CONNECT);
    if (!error) {
        source_copy(m);
        return;
    }
    m->ev = event_new(m->e->base, fd, EV_WRITE | EV_PERSIST,
                      source_connected, m);
    struct timeval tv = { STREAM_TIMEOUT_MS / 1000, 0 };
    event_add(m->ev, &tv);
}

static void
publish_progress(struct mig *m)
{
    struct cdb_mig_write w;

    cdb_mig_write_init(&w, m->uid);
    set_progress(&w, m, false);
    static const char *const from = "Running";
    mige_write_if(m, &w, 1, &from);
}

/* Resolves the VM's settings: the cluster's, then its policy's (whose
 * name, valid as long as 'snap', goes to '*policy'). */
static void
resolve_config(const struct cdb_snapshot *snap, const struct cdb_vm *vm,
               struct mig_config *c, const char **policy)
{
    char *error = NULL;
    if (mig_config_from_smap(c, &snap->live_migration, &error)) {
        VLOG_WARN_RL(&rl, "liveMigrationConfig: %s (defaults used)",
                     error);
        free(error);
        mig_config_init(c);
    }

    static const struct smap no_labels = SMAP_INITIALIZER(&no_labels);
    const struct smap *ns_labels = shash_find_data(&snap->namespace_labels,
                                                   vm->namespace);
    struct mig_policy *policies = xmalloc((snap->n_policies + 1)
                                          * sizeof *policies);
    for (size_t i = 0; i < snap->n_policies; i++) {
        policies[i] = snap->policies[i].p;
    }
    const struct mig_policy *p = mig_policy_select(
        policies, snap->n_policies, ns_labels ? ns_labels : &no_labels,
        &vm->labels, NULL);
    *policy = NULL;
    if (p) {
        mig_config_apply_policy(c, p);
        *policy = snap->policies[p - policies].name;
    }
    free(policies);
}

/* The cutover knob (docs/ovnmigd.8): Config's external_ids:ovnmig-cutover.
 * "multi-chassis" (the default) binds the LSP to both chassis with
 * activation-strategy=rarp; "unblocked" binds it to both without one, so
 * that OVN delivers to both until the finish; "early-finish" moves it to
 * the target as soon as QEMU completed, without waiting for the target's
 * report that its guest resumed; the benchmark's "naive"
 * leaves the LSP on the source alone during the copy, and moves it to the
 * target only once QEMU reports completion -- the cutover ovnmig exists to
 * avoid, for "make bench-migrate" to measure against.  Read when a
 * migration is claimed, and recorded in it as "cutover" (NULL: the
 * default, not recorded). */
static const char *
cutover_config(const struct cdb_snapshot *snap)
{
    const char *mode = smap_get(&snap->config_ids, "ovnmig-cutover");
    if (!mode || !strcmp(mode, "multi-chassis")) {
        return NULL;
    } else if (!strcmp(mode, "naive") || !strcmp(mode, "unblocked")
               || !strcmp(mode, "early-finish")) {
        return mode;
    }
    VLOG_WARN_RL(&rl, "Config external_ids:ovnmig-cutover=%s: want "
                 "multi-chassis, unblocked, early-finish or naive "
                 "(multi-chassis used)", mode);
    return NULL;
}

/* Why 'vm' cannot move to node 'target' for want of a common accelerator
 * (QEMU's stream holds the accelerator's CPU state: KVM and TCG guests
 * cannot move between each other), or NULL.  Unknown on either side
 * passes.  The caller frees the result. */
static char *
accel_mismatch(const struct cdb_snapshot *snap, const struct cdb_vm *vm,
               const char *target)
{
    const struct cdb_node *dst = target ? cdb_snapshot_find_node(snap, target)
                                        : NULL;
    const char *accel = cdb_vm_accel(snap, vm);
    if (!dst || !dst->accel || !accel || !strcmp(dst->accel, accel)) {
        return NULL;
    }
    return xasprintf("AcceleratorMismatch: the VM runs under %s on %s, "
                     "target node %s runs %s: QEMU cannot migrate a guest "
                     "between accelerators", accel, vm->node, dst->name,
                     dst->accel);
}

/* Fails a Pending record of this node that can never start.  Returns
 * false if it did. */
static bool
source_check(struct mig *m, const struct cdb_snapshot *snap)
{
    struct mige *e = m->e;
    const struct cdb_migration *r = m->rec;
    const struct cdb_vm *vm = cdb_snapshot_find(snap, r->vm, r->namespace);
    char *reason = NULL;

    if (!vm || strcmp(vm->node, e->cfg->node)) {
        m->error = -ENOENT;
        reason = xasprintf("VM %s in %s does not run on %s", r->vm,
                           r->namespace, e->cfg->node);
    } else if (!smap_get(&vm->annotations, VMM_MIGRATABLE_ANNOTATION)) {
        m->error = -EPERM;
        reason = xstrdup("InterfaceNotLiveMigratable: bridge binding on the "
                         "pod network needs the annotation "
                         VMM_MIGRATABLE_ANNOTATION);
    } else if (r->target_node && (!strcmp(r->target_node, e->cfg->node)
                                  || !cdb_snapshot_find_node(
                                      snap, r->target_node))) {
        m->error = -EINVAL;
        reason = xasprintf("target node %s %s", r->target_node,
                           strcmp(r->target_node, e->cfg->node)
                           ? "does not exist" : "is the source");
    } else if ((reason = accel_mismatch(snap, vm, r->target_node))) {
        m->error = -EINVAL;
    } else {
        resolve_config(snap, vm, &m->cfg, &(const char *) { NULL });
        if (!m->cfg.disable_tls && !e->cfg->tls_dir) {
            m->error = -EPERM;
            reason = xstrdup("TLS is required but this node has no "
                             "certificates (tls-dir in ovnmigd.conf)");
        }
    }
    if (reason) {
        free(m->reason);
        m->reason = reason;
        mige_write_final(m);
        return false;
    }
    return true;
}

/* The scheduler let a Pending record of this node start, towards 'target':
 * claim its slots (the database checks the limits again, against every
 * other node's claims). */
static void
source_claim(struct mig *m, const struct cdb_snapshot *snap,
             const char *target)
{
    struct mige *e = m->e;
    const struct cdb_migration *r = m->rec;
    const struct cdb_vm *vm = cdb_snapshot_find(snap, r->vm, r->namespace);
    bool incoming;
    const char *run_dir;

    if (!vm || !vmm_vm_ready(e->vmm, m->port, &incoming, &run_dir)
        || incoming) {
        return;                 /* Not running yet: wait. */
    }
    const char *policy;
    resolve_config(snap, vm, &m->cfg, &policy);
    if (m->cfg.disable_tls) {
        VLOG_WARN("migration %s (%s): TLS disabled by the cluster's "
                  "configuration: the stream is plain TCP", m->uid, m->port);
    }

    struct cdb_mig_write w;
    cdb_mig_write_init(&w, m->uid);
    w.cluster_limit = m->cfg.parallel_per_cluster;
    w.node_limit = m->cfg.parallel_outbound_per_node;
    cdb_mig_write_set_string(&w, "phase", "Scheduling");
    cdb_mig_write_set_string(&w, "target_node", target);
    cdb_mig_write_set_int(&w, "start_time", time_wall_msec());
    if (policy) {
        cdb_mig_write_set_string(&w, "policy", policy);
    }

    struct ds ids = DS_EMPTY_INITIALIZER;
    char num[32];
    ds_put_char(&ids, '{');
    snprintf(num, sizeof num, "%"PRIu64, m->cfg.bandwidth);
    put_map_entry(&ids, "bandwidth", num);
    snprintf(num, sizeof num, "%u", m->cfg.completion_timeout_per_gib);
    put_map_entry(&ids, "completionTimeoutPerGiB", num);
    snprintf(num, sizeof num, "%u", m->cfg.progress_timeout);
    put_map_entry(&ids, "progressTimeout", num);
    snprintf(num, sizeof num, "%u", m->cfg.downtime_limit_ms);
    put_map_entry(&ids, "downtimeLimitMs", num);
    put_map_entry(&ids, "allowAutoConverge",
                  bool_text(m->cfg.allow_auto_converge));
    put_map_entry(&ids, "allowPostCopy", bool_text(m->cfg.allow_post_copy));
    put_map_entry(&ids, "tls", bool_text(!m->cfg.disable_tls));
    const char *mode = cutover_config(snap);
    if (mode) {
        put_map_entry(&ids, "cutover", mode);
    }
    ds_put_char(&ids, '}');
    smap_replace(&w.set, "external_ids", ds_cstr(&ids));
    ds_destroy(&ids);

    static const char *const from = "Pending";
    mige_write_if(m, &w, 1, &from);
    e->stats.claims++;
}

/* The settings the source resolved when it claimed the slots, as the
 * record keeps them: a restarted source goes on with those. */
static void
settings_from_record(struct mig *m)
{
    const struct smap *ids = &m->rec->external_ids;
    struct mig_config *c = &m->cfg;

    mig_config_init(c);
    c->bandwidth = smap_get_ullong(ids, "bandwidth", c->bandwidth);
    c->completion_timeout_per_gib = smap_get_uint(
        ids, "completionTimeoutPerGiB", c->completion_timeout_per_gib);
    c->progress_timeout = smap_get_uint(ids, "progressTimeout",
                                        c->progress_timeout);
    c->downtime_limit_ms = smap_get_uint(ids, "downtimeLimitMs",
                                         c->downtime_limit_ms);
    c->allow_auto_converge = smap_get_bool(ids, "allowAutoConverge", false);
    c->allow_post_copy = smap_get_bool(ids, "allowPostCopy", false);
    c->disable_tls = !smap_get_bool(ids, "tls", true);
}

/* The source and target nodes' names and chassis, once, and the
 * settings.  Returns false
 * (the migration failed) if the target is gone. */
static bool
source_nodes(struct mig *m, const struct cdb_snapshot *snap)
{
    struct mige *e = m->e;
    if (pmove_has_chassis(&m->pm)) {
        return true;
    }
    const struct cdb_node *dst = snap && m->rec->target_node
        ? cdb_snapshot_find_node(snap, m->rec->target_node) : NULL;
    if (!dst) {
        mige_source_fail(m, -ENOENT, "target node %s is gone",
                         m->rec->target_node ? m->rec->target_node : "(none)");
        return false;
    }
    const struct cdb_node *src = cdb_snapshot_find_node(snap, e->cfg->node);
    settings_from_record(m);
    pmove_set_chassis(&m->pm, (src && src->chassis[0] ? src->chassis
                                                      : e->cfg->chassis),
                      dst->chassis[0] ? dst->chassis : dst->name);
    m->dst_node = xstrdup(dst->name);
    return true;
}

/* A Running record of ours that this daemon did not start (it restarted
 * meanwhile): QEMU went on copying through the socket it was given, so
 * watch it to the end.  Completed: finish; still copying: go on; failed,
 * cancelled, or no migration at all: revert. */
static void
source_attach(struct mig *m, const char *run_dir)
{
    struct mige *e = m->e;

    pmove_set_spanning(&m->pm);     /* The LSP names both chassis. */
    int error = mige_qmp_connect(m, run_dir, source_qmp_event);
    if (error) {
        mige_source_fail(m, error, "QMP: %s", ovs_strerror(-error));
        return;
    }
    VLOG_INFO("migration %s (%s): found running after a restart: watching "
              "it", m->uid, m->port);
    mig_monitor_init(&m->monitor, &m->cfg, vmm_vm_memory(e->vmm, m->port),
                     0, time_msec());
    mige_set_step(m, S_COPY);
    m->next_progress = time_msec() + PROGRESS_MS;
    error = mig_source_attach(e->base, m->qmp, 0, &m->monitor, copy_done, m,
                              &m->msrc);
    if (error) {
        mige_source_fail(m, error, "attach: %s", ovs_strerror(-error));
    }
}

void
mige_source_run(struct mig *m, const struct cdb_snapshot *snap)
{
    struct mige *e = m->e;
    long long int now = time_msec();
    const char *ph = mige_phase(m);

    if (m->step == S_DONE) {
        return;
    }
    bool cancel = !m->rec || (m->rec->abort_status
                              && !strcmp(m->rec->abort_status, "Aborting"));
    if (cancel && !m->aborting && m->step <= S_COPY
        && !(m->msrc && mig_source_in_post_copy(m->msrc))) {
        m->aborting = true;
        VLOG_INFO("migration %s (%s): cancelled", m->uid, m->port);
        mige_source_fail(m, -ECANCELED, "cancelled by the user");
        return;
    }
    if (m->rec && cdb_phase_is_final(ph) && m->step <= S_CONNECT) {
        /* The target gave up (or someone else ended it). */
        if (m->pm.spans) {
            free(m->reason);
            m->reason = xstrdup(m->rec->failure_reason
                                ? m->rec->failure_reason : "failed");
            m->error = -EIO;
            mige_hook_request(m, S_REVERT);
        } else {
            mige_set_step(m, S_DONE);
        }
        return;
    }

    if (pmove_retry_due(&m->pm, now)
        && (m->step == S_FINISH || m->step == S_REVERT
            || m->step == S_HOOK_START)) {
        mige_hook_request(m, m->step);
        return;
    }

    switch (m->step) {
    case S_WAIT:
        if (!strcmp(ph, "Pending")) {
            if (snap && !m->checked) {
                m->checked = source_check(m, snap);
            }
        } else if (snap && !naive(m) && cdb_phase_is_active(ph)
                   && strcmp(ph, "Running") && m->rec->target_node) {
            /* Claimed: the LSP goes on both chassis now, while the target
             * prepares -- its port is plumbed long before its QEMU is up,
             * so that the SB shows it bound by the time it is ready. */
            if (source_nodes(m, snap)) {
                mige_hook_request(m, S_HOOK_START);
            }
        } else if (!strcmp(ph, "TargetReady") && m->rec->target_address) {
            if (source_nodes(m, snap)) {
                VLOG_INFO("migration %s (%s): naive cutover (benchmark): "
                          "the port moves to %s after the copy", m->uid,
                          m->port, m->pm.dst_chassis);
                mige_source_connect(m);
            }
        } else if (!strcmp(ph, "Running")) {
            /* Ours, started before this daemon (re)started: once the VM
             * manager has found the VM again. */
            bool incoming;
            const char *run_dir;
            if (snap) {
                source_nodes(m, snap);
            }
            if (pmove_has_chassis(&m->pm)
                && vmm_vm_ready(e->vmm, m->port, &incoming, &run_dir)) {
                source_attach(m, run_dir);
            } else if (now - m->step_since > TARGET_TIMEOUT_MS) {
                mige_source_fail(m, -ENOENT, "the VM no longer runs here");
            }
        } else if (cdb_phase_is_active(ph)
                   && now - m->step_since > TARGET_TIMEOUT_MS) {
            mige_source_fail(m, -ETIMEDOUT, "target not ready within %d s",
                             TARGET_TIMEOUT_MS / 1000);
        }
        break;
    case S_HOOK_START:
        if (m->pm.bound) {
            mige_source_bound(m);
        }
        if (m->step == S_HOOK_START && !m->held && cdb_phase_is_active(ph)
            && strcmp(ph, "Running")
            && now - m->step_since > TARGET_TIMEOUT_MS) {
            mige_source_fail(m, -ETIMEDOUT, "target not ready within %d s",
                             TARGET_TIMEOUT_MS / 1000);
        }
        break;
    case S_COPY:
        if (now >= m->next_progress) {
            m->next_progress = now + PROGRESS_MS;
            publish_progress(m);
        }
        break;
    case S_RESUMED:
        if (m->held) {
            /* At the finish hold point: mige_release() goes on. */
        } else if (m->rec && m->rec->resumed_at) {
            hold_or(m, MIGE_HOLD_FINISH, S_FINISH);
        } else if (now - m->step_since >= RESUMED_REPORT_MS) {
            VLOG_WARN("migration %s (%s): %s did not report the guest "
                      "resumed within %d ms: the port moves there anyway",
                      m->uid, m->port, m->dst_node, RESUMED_REPORT_MS);
            hold_or(m, MIGE_HOLD_FINISH, S_FINISH);
        }
        break;
    default:
        break;
    }
}

/* Whether another migration of 'm''s VM still waits for QEMU to end its
 * migration (its record deleted meanwhile): QEMU would refuse this one. */
static bool
qemu_still_migrating(const struct mige *e, const struct mig *m)
{
    const struct mig *other;
    HMAP_FOR_EACH (other, hmap_node, &e->migs) {
        if (other != m && other->role == ROLE_SOURCE
            && other->step == S_CANCEL && !strcmp(other->port, m->port)) {
            return true;
        }
    }
    return false;
}

/* Which Pending migrations may start now, and where to: every node takes
 * the same decision from the same records (migrate/scheduler.h), and
 * claims its own. */
void
mige_schedule(struct mige *e, const struct cdb_snapshot *snap)
{
    size_t n = hmap_count(&snap->migrations);
    size_t n_nodes = hmap_count(&snap->nodes);
    struct mig_sched_migration *ms = xcalloc(n + 1, sizeof *ms);
    struct mig_sched_node *nodes = xcalloc(n_nodes + 1, sizeof *nodes);
    const struct cdb_migration *r;
    size_t i = 0;

    HMAP_FOR_EACH (r, hmap_node, &snap->migrations) {
        enum mig_phase ph;
        if (mig_phase_from_name(r->phase, &ph)) {
            continue;
        }
        const struct cdb_vm *vm = cdb_snapshot_find(snap, r->vm,
                                                    r->namespace);
        ms[i++] = (struct mig_sched_migration) {
            .uid = r->uid, .vm = r->vm, .namespace = r->namespace,
            .source_node = r->source_node, .target_node = r->target_node,
            .phase = ph, .requested = r->requested,
            .memory = vm && vm->memory > 0 ? vm->memory : 0,
            .accel = vm ? cdb_vm_accel(snap, vm) : NULL,
        };
    }
    n = i;
    i = 0;
    long long int now = time_wall_msec();
    const struct cdb_node *node;
    HMAP_FOR_EACH (node, hmap_node, &snap->nodes) {
        nodes[i++] = (struct mig_sched_node) {
            .name = node->name,
            .schedulable = node->schedulable,
            .up = now - node->heartbeat <= NODE_STALE_MS,
            .memory = node->memory > 0 ? node->memory : 0,
            .memory_used = node->memory_used > 0 ? node->memory_used : 0,
            .accel = node->accel,
        };
    }
    /* A VM that just moved to a node that has not counted it yet (see
     * CDB_NODE_MEMORY_SEEN) still takes its room there. */
    HMAP_FOR_EACH (r, hmap_node, &snap->migrations) {
        if (strcmp(r->phase, "Succeeded") || !r->target_node) {
            continue;
        }
        const struct cdb_node *dst = cdb_snapshot_find_node(snap,
                                                            r->target_node);
        if (!dst || r->end_time <= dst->memory_seen) {
            continue;
        }
        const struct cdb_vm *vm = cdb_snapshot_find(snap, r->vm,
                                                    r->namespace);
        int64_t memory = vm && vm->memory > 0 ? vm->memory : r->ram_total;
        for (size_t j = 0; j < i; j++) {
            if (nodes[j].name == dst->name && memory > 0) {
                nodes[j].memory_used += memory;
            }
        }
    }

    struct mig_config c;
    char *error = NULL;
    if (mig_config_from_smap(&c, &snap->live_migration, &error)) {
        free(error);
        mig_config_init(&c);
    }
    struct mig_sched_result result;
    if (!mig_schedule(ms, n, nodes, n_nodes, &c, &result)) {
        for (i = 0; i < result.n_entries; i++) {
            const struct mig_sched_entry *en = &result.entries[i];
            const struct mig_sched_migration *sm = &ms[en->index];
            struct mig *m = mige_find(e, sm->uid);
            if (!m || m->role != ROLE_SOURCE || m->step != S_WAIT
                || !m->checked) {
                continue;
            }
            if (en->verdict == MIG_SCHED_START
                && qemu_still_migrating(e, m)) {
                m->waiting = "qemu-busy";   /* Its QEMU still cancels. */
            } else if (en->verdict == MIG_SCHED_START) {
                m->waiting = NULL;
                source_claim(m, snap, en->target);
            } else {
                m->waiting = mig_sched_verdict_name(en->verdict);
            }
        }
        mig_sched_result_destroy(&result);
    }
    free(ms);
    free(nodes);
}
