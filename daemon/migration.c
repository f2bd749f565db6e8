/* SPDX-License-Identifier: Apache-2.0
 *
 * migration.c -- the migration engine (see migration.h).
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
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/cluster-db.h"
#include "daemon/config.h"
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

VLOG_DEFINE_THIS_MODULE(migration);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* How long the source waits for the target to be ready, and the target
 * for the source's stream, before failing the migration. */
#define TARGET_TIMEOUT_MS 60000
#define STREAM_TIMEOUT_MS 60000
/* A claim the database dropped (no free slot) is tried again after this;
 * an OVN request that failed, too. */
#define RETRY_MS 1000
/* Progress is written to the record this often. */
#define PROGRESS_MS 1000
/* A node whose heartbeat is older than this is not a target. */
#define NODE_STALE_MS 20000
/* How long the target listens for its guest's RESUME once the record says
 * Succeeded: the source sees "completed" when the last bytes leave, and
 * the target QEMU still has to load them. */
#define RESUME_WAIT_MS 10000
/* How long the source, its QEMU completed, waits for the target to report
 * its guest resumed before it moves the LSP to the target anyway. */
#define RESUMED_REPORT_MS 3000

enum role { ROLE_SOURCE, ROLE_TARGET };

enum step {
    /* Source. */
    S_WAIT,             /* For a slot, then for the target. */
    S_HOOK_START,       /* LSP on both chassis: waiting for the SB. */
    S_CONNECT,          /* TCP connect to the target. */
    S_COPY,             /* QEMU copies. */
    S_QUERY,            /* Completed: reading QEMU's downtime. */
    S_RESUMED,          /* Waiting for the target's guest to resume. */
    S_FINISH,           /* LSP to the target (retried until done). */
    S_REVERT,           /* LSP back to the source (retried until done). */
    S_DONE,             /* Final state written. */
    /* Target. */
    T_PREPARE,          /* The VM manager prepares the VM. */
    T_LISTEN,           /* Waiting for the source's stream. */
    T_INCOMING,         /* QEMU receives. */
    T_DONE,
};

static const char *
step_name(enum step step)
{
    static const char *const names[] = {
        "wait", "ovn-start", "connect", "copy", "query", "resumed",
        "ovn-finish",
        "ovn-revert", "done", "prepare", "listen", "incoming", "done",
    };
    return names[step];
}

struct mig {
    struct hmap_node hmap_node;         /* In 'migs', by uid. */
    struct mige *e;
    char *uid;
    char port[OVNHOOK_PORT_NAME_MAX];
    enum role role;
    enum step step;
    struct cdb_migration *rec;  /* The latest copy; NULL once deleted. */
    long long int step_since;   /* time_msec() when 'step' began. */
    long long int retry_at;     /* 0: nothing to retry. */
    uint64_t hook_cookie;

    /* Source. */
    bool checked;               /* Pending, and able to start. */
    const char *waiting;        /* Why the scheduler holds it, or NULL. */
    unsigned int held;          /* MIGE_HOLD_* point it waits at, or 0. */
    struct mig_config cfg;      /* Cluster config, then policy. */
    char *src_chassis, *dst_chassis, *dst_node;
    bool hook_started;          /* The LSP may name both chassis. */
    int fd;                     /* The stream's socket, or -1. */
    struct event *ev;           /* Connect (source) or accept (target). */
    struct qmp *qmp;
    struct mig_source *msrc;
    struct mig_monitor monitor;
    long long int next_progress;
    int error;                  /* Why it fails (negative errno), or 0. */
    char *reason;
    bool aborting;              /* Cancelled by the user. */
    int64_t downtime_ms;
    int64_t total_ms;

    /* Target. */
    int listen_fd;
    bool post_copy;             /* Capabilities must match the source's. */
    long long int resumed_at;   /* QEMU's RESUME, ms since the epoch, or 0. */
    bool pause_done;            /* The pause was worked out (or can't be). */
    long long int final_seen;   /* time_msec() the record was seen final. */
};

struct mige {
    unsigned int holds;         /* MIGE_HOLD_* bits. */
    const struct ovnmigd_config *cfg;
    struct event_base *base;
    struct ovnhook *hooks;
    struct cdb *cdb;
    struct vmm *vmm;
    char *address;              /* Migration address; "" if none. */
    struct hmap migs;
    uint64_t next_cookie;
    struct mige_stats stats;
    /* Metrics (mige_get_histograms(), mige_get_cluster_view()). */
    struct mige_histograms hists;
    struct mige_cluster_view view;
};

static void source_fail(struct mig *, int error, const char *format, ...)
    OVS_PRINTF_FORMAT(3, 4);
static void set_step(struct mig *, enum step);
static void observe_final(struct mig *);
static void observe_pause(struct mige *, long long int pause_ms);
static void observe_snapshot(struct mige *, const struct cdb_snapshot *);
static void hists_init(struct mige_histograms *);

/* ------------------------------------------------------------ helpers */

/* Takes the step 'step' through hook_request() unless 'point' is held; a
 * held migration takes it at mige_release(). */
static void hook_request(struct mig *, enum step);

static void
hold_or(struct mig *m, unsigned int point, enum step step)
{
    if (m->e->holds & point) {
        if (!m->held) {
            VLOG_INFO("migration %s (%s): held before %s", m->uid, m->port,
                      step_name(step));
        }
        m->held = point;
        return;
    }
    m->held = 0;
    hook_request(m, step);
}


static struct mig *
mig_find(const struct mige *e, const char *uid)
{
    struct mig *m;
    HMAP_FOR_EACH_WITH_HASH (m, hmap_node, hash_string(uid, 0), &e->migs) {
        if (!strcmp(m->uid, uid)) {
            return m;
        }
    }
    return NULL;
}

static void
set_step(struct mig *m, enum step step)
{
    VLOG_DBG("migration %s (%s): %s -> %s", m->uid, m->port,
             step_name(m->step), step_name(step));
    m->step = step;
    m->step_since = time_msec();
    m->retry_at = 0;
}

/* Closes the stream socket and the QMP connection, stops the driver. */
static void
release_io(struct mig *m)
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
    release_io(m);
    hmap_remove(&e->migs, &m->hmap_node);
    cdb_migration_destroy(m->rec);
    free(m->uid);
    free(m->src_chassis);
    free(m->dst_chassis);
    free(m->dst_node);
    free(m->reason);
    free(m);
}

static const char *
phase(const struct mig *m)
{
    return m->rec ? m->rec->phase : "";
}

/* Writes 'w' expecting the record in one of the 'n' phases given. */
static void
write_if(struct mig *m, struct cdb_mig_write *w, size_t n,
         const char *const *phases)
{
    for (size_t i = 0; i < n; i++) {
        sset_add(&w->if_phases, phases[i]);
    }
    cdb_write_migration(m->e->cdb, w);
}

static void
write_phase(struct mig *m, const char *from, const char *to)
{
    struct cdb_mig_write w;
    cdb_mig_write_init(&w, m->uid);
    cdb_mig_write_set_string(&w, "phase", to);
    write_if(m, &w, 1, &from);
}

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

/* ------------------------------------------------------------ target */

static void
target_cleanup(struct mig *m)
{
    release_io(m);
    set_step(m, T_DONE);
}

static void
target_fail(struct mig *m, const char *format, ...) OVS_PRINTF_FORMAT(2, 3);

static void
target_fail(struct mig *m, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *reason = xvasprintf(format, args);
    va_end(args);

    VLOG_WARN("migration %s (%s) as target: %s", m->uid, m->port, reason);
    static const char *const from[] = {
        "Scheduling", "Scheduled", "PreparingTarget", "TargetReady",
        "Running",
    };
    struct cdb_mig_write w;
    cdb_mig_write_init(&w, m->uid);
    cdb_mig_write_set_string(&w, "phase", "Failed");
    cdb_mig_write_set_bool(&w, "failed", true);
    cdb_mig_write_set_string(&w, "failure_reason", reason);
    cdb_mig_write_set_int(&w, "end_time", time_wall_msec());
    write_if(m, &w, ARRAY_SIZE(from), from);
    free(reason);
    target_cleanup(m);
}

static void
incoming_done(void *m_, int error, const char *message)
{
    struct mig *m = m_;
    if (error) {
        /* 'message' names the step that failed: the chain sent none after
         * it, so it may not be migrate-incoming. */
        target_fail(m, "preparing QEMU to receive: %s", message);
    } else {
        VLOG_INFO("migration %s (%s): QEMU receives", m->uid, m->port);
    }
}

static void
target_accept(evutil_socket_t fd OVS_UNUSED, short what OVS_UNUSED,
              void *m_)
{
    struct mig *m = m_;
    int conn = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0) {
        if (errno != EAGAIN && errno != EINTR) {
            target_fail(m, "accept: %s", ovs_strerror(errno));
        }
        return;
    }
    m->e->stats.streams_accepted++;
    /* One stream a migration: nobody else gets in. */
    event_free(m->ev);
    m->ev = NULL;
    close(m->listen_fd);
    m->listen_fd = -1;
    m->fd = conn;

    struct mig_params p;
    struct mig_config c;
    mig_config_init(&c);
    c.allow_post_copy = m->post_copy;
    mig_params_from_config(&p, &c, "fd");
    p.pass_fd = true;
    p.fd = conn;
    p.tls_dir = smap_get_bool(&m->rec->external_ids, "tls", true)
                ? m->e->cfg->tls_dir : NULL;
    set_step(m, T_INCOMING);
    m->fd = -1;                 /* The driver's from here on. */
    int error = mig_target_prepare(m->qmp, &p, incoming_done, m);
    if (error) {
        target_fail(m, "migrate-incoming: %s", ovs_strerror(-error));
    }
}

/* The guest's pause: from QEMU's STOP on the source (the record's
 * progress:stoppedAt, which the source writes with its end) to its RESUME
 * here, each by its own node's clock.  The target is the one to have both,
 * once: it writes progress:pauseMs and counts it. */
static void
target_pause(struct mig *m)
{
    if (m->pause_done || !m->resumed_at || !m->rec || !m->rec->stopped_at) {
        return;
    }
    m->pause_done = true;
    long long int pause = m->resumed_at - m->rec->stopped_at;
    if (pause < 0) {
        VLOG_WARN("migration %s (%s): the guest resumed here %lld ms before "
                  "it stopped on the source: the nodes' clocks differ",
                  m->uid, m->port, -pause);
        return;
    }
    VLOG_INFO("migration %s (%s): the guest paused %lld ms (STOP on the "
              "source to RESUME here)", m->uid, m->port, pause);
    struct cdb_mig_write w;
    cdb_mig_write_init(&w, m->uid);
    cdb_mig_write_set_progress(&w, "pauseMs", pause);
    cdb_write_migration(m->e->cdb, &w);
    observe_pause(m->e, pause);
}

/* The target QEMU's events: the RESUME after migrate-incoming is the
 * guest starting here (QEMU, started with -incoming defer, ran nothing
 * before).  Written at once, in any phase: the record may already say
 * Succeeded. */
static void
target_qmp_event(void *m_, const char *event,
                 const struct json *data OVS_UNUSED, double timestamp)
{
    struct mig *m = m_;
    if (strcmp(event, "RESUME") || m->step != T_INCOMING || m->resumed_at
        || timestamp <= 0) {
        return;
    }
    m->resumed_at = (long long int) (timestamp * 1000 + 0.5);
    struct cdb_mig_write w;
    cdb_mig_write_init(&w, m->uid);
    cdb_mig_write_set_progress(&w, "resumedAt", m->resumed_at);
    cdb_write_migration(m->e->cdb, &w);
    target_pause(m);
}

/* Whether the target, its record final (first seen at 'final_seen'),
 * still waits for its guest's RESUME (RESUME_WAIT_MS at most) before
 * letting QMP go. */
static bool
target_awaits_resume(const struct mig *m)
{
    return (!m->resumed_at && m->qmp && m->step == T_INCOMING && m->rec
            && !strcmp(phase(m), "Succeeded")
            && time_msec() - m->final_seen < RESUME_WAIT_MS);
}

/* The VM manager has the VM ready: listen and say so ('from': the phase
 * the record is in, PreparingTarget, or TargetReady when this daemon
 * restarted after saying so and lost its listening socket). */
static void
target_listen(struct mig *m, const char *run_dir, const char *from)
{
    struct mige *e = m->e;
    if (!e->address[0]) {
        target_fail(m, "this node has no migration address "
                    "(migration-interface in ovnmigd.conf)");
        return;
    }
    bool tls = smap_get_bool(&m->rec->external_ids, "tls", true);
    if (tls && !e->cfg->tls_dir) {
        target_fail(m, "TLS is required but this node has no certificates "
                    "(tls-dir in ovnmigd.conf)");
        return;
    }

    const struct qmp_callbacks cbs = { .event = target_qmp_event, .aux = m };
    char *qmp_path = xasprintf("%s/qmp.sock", run_dir);
    int error = qmp_connect(e->base, qmp_path, &cbs, &m->qmp);
    free(qmp_path);
    if (error) {
        target_fail(m, "QMP: %s", ovs_strerror(-error));
        return;
    }

    char *target = xasprintf("0:%s", e->address);
    struct sockaddr_storage ss;
    int fd = inet_open_passive(SOCK_STREAM, target, 0, &ss, 0, true);
    free(target);
    if (fd < 0) {
        target_fail(m, "listening on %s: %s", e->address,
                    ovs_strerror(-fd));
        return;
    }
    m->listen_fd = fd;
    m->ev = event_new(e->base, fd, EV_READ | EV_PERSIST, target_accept, m);
    event_add(m->ev, NULL);

    struct ds addr = DS_EMPTY_INITIALIZER;
    ss_format_address(&ss, &addr);
    ds_put_format(&addr, ":%"PRIu16, ss_get_port(&ss));
    VLOG_INFO("migration %s (%s): target ready, listening on %s", m->uid,
              m->port, ds_cstr(&addr));

    struct cdb_mig_write w;
    cdb_mig_write_init(&w, m->uid);
    cdb_mig_write_set_string(&w, "phase", "TargetReady");
    cdb_mig_write_set_string(&w, "target_address", ds_cstr(&addr));
    write_if(m, &w, 1, &from);
    ds_destroy(&addr);
    e->stats.targets_prepared++;
    set_step(m, T_LISTEN);
}

static void
target_run(struct mig *m)
{
    const char *ph = phase(m);
    if (!m->rec || cdb_phase_is_final(ph)) {
        if (!m->final_seen) {
            m->final_seen = time_msec();
        }
        if (m->step != T_DONE && !target_awaits_resume(m)) {
            target_pause(m);
            target_cleanup(m);
        }
        return;
    }
    if (!strcmp(ph, "Scheduling")) {
        write_phase(m, "Scheduling", "PreparingTarget");
        set_step(m, T_PREPARE);         /* The timeout starts now. */
        return;
    }
    long long int now = time_msec();
    if (m->step == T_PREPARE && (!strcmp(ph, "PreparingTarget")
                                 || !strcmp(ph, "TargetReady"))) {
        bool incoming;
        const char *run_dir;
        if (m->e->holds & MIGE_HOLD_PREPARE) {
            m->held = MIGE_HOLD_PREPARE;
        } else if (vmm_vm_ready(m->e->vmm, m->port, &incoming, &run_dir)
                   && incoming) {
            m->held = 0;
            target_listen(m, run_dir, ph);
        } else if (now - m->step_since > TARGET_TIMEOUT_MS) {
            target_fail(m, "the VM was not ready here within %d s",
                        TARGET_TIMEOUT_MS / 1000);
        }
    } else if (m->step == T_LISTEN && now - m->step_since > STREAM_TIMEOUT_MS
               && strcmp(ph, "TargetReady")) {
        target_fail(m, "no stream from the source within %d s",
                    STREAM_TIMEOUT_MS / 1000);
    }
}

/* ------------------------------------------------------------ source */

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

static void
write_final(struct mig *m)
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
    write_if(m, &w, ARRAY_SIZE(from), from);
    observe_final(m);
    release_io(m);
    set_step(m, S_DONE);
}

static void
hook_request(struct mig *m, enum step step)
{
    struct mige *e = m->e;
    int error;

    m->hook_cookie = next_cookie(e);
    switch (step) {
    case S_HOOK_START:
        error = ovnhook_migration_start(e->hooks, m->port, m->src_chassis,
                                        m->dst_chassis, m->hook_cookie);
        m->hook_started = true;
        break;
    case S_FINISH:
        error = ovnhook_migration_finish(e->hooks, m->port, m->dst_chassis,
                                         m->hook_cookie);
        break;
    case S_REVERT:
        error = ovnhook_migration_revert(e->hooks, m->port, m->src_chassis,
                                         m->hook_cookie);
        break;
    default:
        OVS_NOT_REACHED();
    }
    set_step(m, step);
    if (error) {
        VLOG_WARN_RL(&rl, "migration %s: OVN request: %s", m->uid,
                     ovs_strerror(-error));
        m->hook_cookie = 0;
        m->retry_at = time_msec() + RETRY_MS;
    }
}

/* Ends the migration on the source: back to the source in OVN if the LSP
 * may have moved, then the record. */
static void
source_fail(struct mig *m, int error, const char *format, ...)
{
    if (m->step == S_REVERT || m->step == S_DONE || m->step == S_FINISH) {
        return;
    }
    va_list args;
    va_start(args, format);
    free(m->reason);
    m->reason = xvasprintf(format, args);
    va_end(args);
    m->error = error ? error : -EIO;

    if (m->msrc) {
        mig_source_cancel(m->msrc);     /* Nothing if already over. */
    }
    if (m->hook_started) {
        hook_request(m, S_REVERT);
    } else {
        write_final(m);
    }
}

/* Whether the record asks for the benchmark's naive cutover. */
static bool
naive(const struct mig *m)
{
    return m->rec && !strcmp(smap_get_def(&m->rec->external_ids, "cutover",
                                          ""), "naive");
}

static void source_run(struct mig *, const struct cdb_snapshot *);

/* QEMU completed.  With the multi-chassis cutover the port already
 * reaches the target, so moving the LSP there is not urgent, and it costs
 * a recompute on every chassis: it waits until the target reports its
 * guest resumed (progress:resumedAt), RESUMED_REPORT_MS at most, so that
 * the recompute does not compete with the target QEMU loading the last of
 * the guest's state.  On a 2-CPU lab that made the guest's pause (source
 * STOP to target RESUME) 20-40 ms shorter: measured by holding the finish
 * back in make bench-migrate's runs, then in the bench itself (30 ms, as
 * short as a bare QEMU-to-QEMU migration's).
 * The naive cutover, the benchmark's peer, moves the LSP at once. */
static void
source_completed(struct mig *m)
{
    if (naive(m)) {
        hold_or(m, MIGE_HOLD_FINISH, S_FINISH);
    } else {
        set_step(m, S_RESUMED);
        source_run(m, NULL);
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

static void
copy_done(void *m_, int error, const char *message)
{
    struct mig *m = m_;
    if (error) {
        source_fail(m, error, "%s", message ? message
                                            : ovs_strerror(-error));
        return;
    }
    /* The guest runs on the target: from here on, only forward. */
    set_step(m, S_QUERY);
    if (qmp_execute(m->qmp, "query-migrate", NULL, query_final, m)) {
        source_completed(m);
    }
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

static int
source_qmp_connect(struct mig *m, const char *run_dir)
{
    const struct qmp_callbacks cbs = { .event = source_qmp_event, .aux = m };
    char *qmp_path = xasprintf("%s/qmp.sock", run_dir);
    int error = qmp_connect(m->e->base, qmp_path, &cbs, &m->qmp);
    free(qmp_path);
    return error;
}

static void
source_copy(struct mig *m)
{
    struct mige *e = m->e;
    bool incoming;
    const char *run_dir;
    if (!vmm_vm_ready(e->vmm, m->port, &incoming, &run_dir) || incoming) {
        source_fail(m, -ENOENT, "the VM no longer runs on this node");
        return;
    }
    int error = source_qmp_connect(m, run_dir);
    if (error) {
        source_fail(m, error, "QMP: %s", ovs_strerror(-error));
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
    set_step(m, S_COPY);
    m->next_progress = time_msec() + PROGRESS_MS;
    e->stats.started++;
    m->fd = -1;                 /* The driver's from here on. */
    error = mig_source_start(e->base, m->qmp, &p, &m->monitor, copy_done, m,
                             &m->msrc);
    if (error) {
        source_fail(m, error, "migrate: %s", ovs_strerror(-error));
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
        source_fail(m, -error, "connecting to %s: %s",
                    m->rec->target_address, ovs_strerror(error));
    } else {
        source_copy(m);
    }
}

/* The SB shows the target bound: the record says Running, and the
 * stream starts. */
static void
source_connect(struct mig *m)
{
    static const char *const from = "TargetReady";
    write_phase(m, from, "Running");

    int fd;
    int error = inet_open_active(SOCK_STREAM, m->rec->target_address, -1,
                                 NULL, &fd, 0);
    if (error && error != EAGAIN) {
        source_fail(m, stream_error(error), "connecting to %s: %s",
                    m->rec->target_address, ovs_strerror(error));
        return;
    }
    m->fd = fd;
    set_step(m, S_CONNECT);
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
    write_if(m, &w, 1, &from);
}

/* Resolves the VM's settings: the cluster's, then its policy's (whose
 * name, valid as long as 'snap', goes to '*policy'). */
static void
resolve_config(const struct cdb_snapshot *snap, const struct cdb_vm *vm,
               struct mig_config *c, const char **policy)
{
    char *error = NULL;
    if (mig_config_from_smap(c, &snap->live_migration, &error)) {
        VLOG_WARN_RL(&rl, "liveMigrationConfig: %s (defaults used)", error);
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

/* The benchmark's knob (docs/ovnmigd.8): Config's
 * external_ids:ovnmig-cutover=naive leaves the LSP on the source alone
 * during the copy, and moves it to the target only once QEMU reports
 * completion -- the cutover ovnmig exists to avoid, for "make
 * bench-migrate" to measure against.  Read when a migration is claimed,
 * and recorded in it as "cutover". */
static bool
cutover_naive(const struct cdb_snapshot *snap)
{
    const char *mode = smap_get(&snap->config_ids, "ovnmig-cutover");
    if (!mode || !strcmp(mode, "multi-chassis")) {
        return false;
    } else if (!strcmp(mode, "naive")) {
        return true;
    }
    VLOG_WARN_RL(&rl, "Config external_ids:ovnmig-cutover=%s: want naive "
                 "or multi-chassis (multi-chassis used)", mode);
    return false;
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
        write_final(m);
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
    if (cutover_naive(snap)) {
        put_map_entry(&ids, "cutover", "naive");
    }
    ds_put_char(&ids, '}');
    smap_replace(&w.set, "external_ids", ds_cstr(&ids));
    ds_destroy(&ids);

    static const char *const from = "Pending";
    write_if(m, &w, 1, &from);
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
    if (m->dst_chassis) {
        return true;
    }
    const struct cdb_node *dst = snap && m->rec->target_node
        ? cdb_snapshot_find_node(snap, m->rec->target_node) : NULL;
    if (!dst) {
        source_fail(m, -ENOENT, "target node %s is gone",
                    m->rec->target_node ? m->rec->target_node : "(none)");
        return false;
    }
    const struct cdb_node *src = cdb_snapshot_find_node(snap, e->cfg->node);
    settings_from_record(m);
    m->dst_chassis = xstrdup(dst->chassis[0] ? dst->chassis : dst->name);
    m->dst_node = xstrdup(dst->name);
    m->src_chassis = xstrdup(src && src->chassis[0] ? src->chassis
                                                    : e->cfg->chassis);
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

    m->hook_started = true;     /* The LSP names both chassis. */
    int error = source_qmp_connect(m, run_dir);
    if (error) {
        source_fail(m, error, "QMP: %s", ovs_strerror(-error));
        return;
    }
    VLOG_INFO("migration %s (%s): found running after a restart: watching "
              "it", m->uid, m->port);
    mig_monitor_init(&m->monitor, &m->cfg, vmm_vm_memory(e->vmm, m->port),
                     0, time_msec());
    set_step(m, S_COPY);
    m->next_progress = time_msec() + PROGRESS_MS;
    error = mig_source_attach(e->base, m->qmp, 0, &m->monitor, copy_done, m,
                              &m->msrc);
    if (error) {
        source_fail(m, error, "attach: %s", ovs_strerror(-error));
    }
}

static void
source_run(struct mig *m, const struct cdb_snapshot *snap)
{
    struct mige *e = m->e;
    long long int now = time_msec();
    const char *ph = phase(m);

    if (m->step == S_DONE) {
        return;
    }
    bool cancel = !m->rec || (m->rec->abort_status
                              && !strcmp(m->rec->abort_status, "Aborting"));
    if (cancel && !m->aborting && m->step <= S_COPY
        && !(m->msrc && mig_source_in_post_copy(m->msrc))) {
        m->aborting = true;
        VLOG_INFO("migration %s (%s): cancelled", m->uid, m->port);
        source_fail(m, -ECANCELED, "cancelled by the user");
        return;
    }
    if (m->rec && cdb_phase_is_final(ph) && m->step <= S_CONNECT) {
        /* The target gave up (or someone else ended it). */
        if (m->hook_started) {
            free(m->reason);
            m->reason = xstrdup(m->rec->failure_reason
                                ? m->rec->failure_reason : "failed");
            m->error = -EIO;
            hook_request(m, S_REVERT);
        } else {
            set_step(m, S_DONE);
        }
        return;
    }

    if (m->retry_at && now >= m->retry_at
        && (m->step == S_FINISH || m->step == S_REVERT
            || m->step == S_HOOK_START)) {
        hook_request(m, m->step);
        return;
    }

    switch (m->step) {
    case S_WAIT:
        if (!strcmp(ph, "Pending")) {
            if (snap && !m->checked) {
                m->checked = source_check(m, snap);
            }
        } else if (!strcmp(ph, "TargetReady") && m->rec->target_address) {
            if (!source_nodes(m, snap)) {
                /* Failed. */
            } else if (naive(m)) {
                VLOG_INFO("migration %s (%s): naive cutover (benchmark): "
                          "the port moves to %s after the copy", m->uid,
                          m->port, m->dst_chassis);
                source_connect(m);
            } else {
                hold_or(m, MIGE_HOLD_READY, S_HOOK_START);
            }
        } else if (!strcmp(ph, "Running")) {
            /* Ours, started before this daemon (re)started: once the VM
             * manager has found the VM again. */
            bool incoming;
            const char *run_dir;
            if (snap) {
                source_nodes(m, snap);
            }
            if (m->dst_chassis
                && vmm_vm_ready(e->vmm, m->port, &incoming, &run_dir)) {
                source_attach(m, run_dir);
            } else if (now - m->step_since > TARGET_TIMEOUT_MS) {
                source_fail(m, -ENOENT, "the VM no longer runs here");
            }
        } else if (cdb_phase_is_active(ph)
                   && now - m->step_since > TARGET_TIMEOUT_MS) {
            source_fail(m, -ETIMEDOUT, "target not ready within %d s",
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

/* Settings the source resolved that the target needs too. */
static void
target_settings(struct mig *m)
{
    m->post_copy = smap_get_bool(&m->rec->external_ids, "allowPostCopy",
                                 false);
}

/* Which Pending migrations may start now, and where to: every node takes
 * the same decision from the same records (migrate/scheduler.h), and
 * claims its own. */
static void
schedule(struct mige *e, const struct cdb_snapshot *snap)
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
            struct mig *m = mig_find(e, sm->uid);
            if (!m || m->role != ROLE_SOURCE || m->step != S_WAIT
                || !m->checked) {
                continue;
            }
            if (en->verdict == MIG_SCHED_START) {
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
    set_step(m, role == ROLE_SOURCE ? S_WAIT : T_PREPARE);
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
        struct mig *m = mig_find(e, r->uid);
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
            target_settings(m);
            if (cdb_phase_is_active(r->phase) && m->step != T_DONE) {
                sset_add(incoming, m->port);
            }
        }
        if (source) {
            source_run(m, snap);
            /* Until the record says how it ended: once it does, a
             * success has moved the VM's row in the same transaction. */
            if (cdb_phase_is_active(r->phase)) {
                sset_add(outgoing, m->port);
            }
        }
    }

    schedule(e, snap);

    if (snap->complete) {
        struct mig *m;
        HMAP_FOR_EACH_SAFE (m, hmap_node, &e->migs) {
            if (!cdb_snapshot_find_migration(snap, m->uid)) {
                cdb_migration_destroy(m->rec);
                m->rec = NULL;
                if (m->role == ROLE_SOURCE) {
                    source_run(m, snap);
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
            target_run(m);
            if (m->step == T_DONE && (!m->rec
                                      || cdb_phase_is_final(phase(m)))) {
                mig_free(e, m);
            }
        } else {
            source_run(m, NULL);
            if (m->step == S_DONE && (!m->rec
                                      || cdb_phase_is_final(phase(m)))) {
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
        if (m->hook_cookie && m->hook_cookie == r->cookie) {
            break;
        }
    }
    if (!m) {
        return (r->cookie >> 62) == 1;
    }
    m->hook_cookie = 0;
    switch (m->step) {
    case S_HOOK_START:
        if (r->error) {
            source_fail(m, r->error, "OVN: %s", r->message);
        } else {
            VLOG_INFO("migration %s (%s): SB shows %s bound, waiting for "
                      "RARP (%lld ms)", m->uid, m->port, m->dst_chassis,
                      r->elapsed_ms);
            source_connect(m);
        }
        break;
    case S_FINISH:
    case S_REVERT:
        if (r->error) {
            VLOG_WARN_RL(&rl, "migration %s: %s: %s (trying again)", m->uid,
                         ovnhook_op_name(r->op), r->message);
            m->retry_at = time_msec() + RETRY_MS;
        } else {
            write_final(m);
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
            json_object_put_string(o, "phase", phase(m));
            json_object_put_string(o, "step", step_name(m->step));
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
                          phase(m), step_name(m->step), permille / 10,
                          permille % 10);
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
        if (point == MIGE_HOLD_READY && m->step == S_WAIT) {
            hook_request(m, S_HOOK_START);
        } else if (point == MIGE_HOLD_FINISH
                   && (m->step == S_QUERY || m->step == S_RESUMED)) {
            hook_request(m, S_FINISH);
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

/* write_final() wrote 'm''s end. */
static void
observe_final(struct mig *m)
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

static void
observe_pause(struct mige *e, long long int pause_ms)
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
