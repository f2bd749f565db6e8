/* SPDX-License-Identifier: Apache-2.0
 *
 * migration-target.c -- the migration engine's target role (see
 * migration.h and migration-private.h): once the VM manager has prepared
 * the VM to receive, listen on the migration address and say so in the
 * record; accept the source's one stream and hand it to QEMU
 * (migrate-incoming); report when the guest resumed here and how long it
 * paused; tear down when the record is final, or fail it.
 */
#include <config.h>

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/cluster-db.h"
#include "daemon/config.h"
#include "daemon/migration-private.h"
#include "daemon/vm-manager.h"
#include "migrate/driver.h"
#include "migrate/policy.h"
#include "migrate/qmp.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/vlog.h"
#include "socket-util.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(migration_target);

/* How long the target listens for its guest's RESUME once the record says
 * Succeeded: the source sees "completed" when the last bytes leave, and
 * the target QEMU still has to load them. */
#define RESUME_WAIT_MS 10000

static void
target_cleanup(struct mig *m)
{
    mige_release_io(m);
    mige_set_step(m, T_DONE);
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
    mige_write_if(m, &w, ARRAY_SIZE(from), from);
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
    mige_set_step(m, T_INCOMING);
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
    mige_observe_pause(m->e, pause);
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
            && !strcmp(mige_phase(m), "Succeeded")
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

    int error = mige_qmp_connect(m, run_dir, target_qmp_event);
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
    mige_write_if(m, &w, 1, &from);
    ds_destroy(&addr);
    e->stats.targets_prepared++;
    mige_set_step(m, T_LISTEN);
}

void
mige_target_run(struct mig *m)
{
    const char *ph = mige_phase(m);
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
        mige_write_phase(m, "Scheduling", "PreparingTarget");
        mige_set_step(m, T_PREPARE);         /* The timeout starts now. */
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

/* Settings the source resolved that the target needs too. */
void
mige_target_settings(struct mig *m)
{
    m->post_copy = smap_get_bool(&m->rec->external_ids, "allowPostCopy",
                                 false);
}
