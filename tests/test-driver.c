/* SPDX-License-Identifier: Apache-2.0
 *
 * migrate/driver against a scripted QMP peer: a unix socket in this
 * process that greets, answers each command as the test says, and sends
 * the events the test chooses, when it chooses.  What a real QEMU cannot
 * be made to do on cue: fail one step of a chain, hold a reply, send a
 * MIGRATION event while a poll is under way.  No QEMU, no privileges
 * (tests/test-migrate.c runs the driver against real QEMU). */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "migrate/driver.h"
#include "migrate/monitor.h"
#include "migrate/policy.h"
#include "migrate/qmp.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/shash.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"

/* The peer. */
struct peer {
    char dir[64], path[128];
    int listen_fd, fd;
    struct ds in;               /* Bytes read, not yet a whole command. */
    struct svec commands;       /* Every command received, in order. */

    const char *fail_command;   /* Answered with an error. */
    const char *status;         /* What query-migrate says. */
    bool hold_query;            /* Keep query-migrate replies back... */
    long long held_id;          /* ...this one (-1: none). */
    int n_queries;
    const char *event_on;       /* Before answering this command... */
    const char *event;          /* ...send this event... */
    const char *event_data;     /* ...with this data (or NULL). */
};

static struct event_base *base;

static void
peer_send(struct peer *p, const char *text)
{
    size_t n = strlen(text);
    assert_int_equal(write(p->fd, text, n), (ssize_t) n);
    assert_int_equal(write(p->fd, "\r\n", 2), 2);
}

static void
peer_reply_query(struct peer *p, long long id, const char *status)
{
    char *text = xasprintf(
        "{\"return\": {\"status\": \"%s\", \"ram\": {\"total\": 1000, "
        "\"transferred\": 500, \"remaining\": 500, \"dirty-sync-count\": 1},"
        " \"error-desc\": \"peer says no\"}, \"id\": %lld}", status, id);
    peer_send(p, text);
    free(text);
}

/* Sends event 'name' with 'data' (JSON text, or NULL) and QEMU's
 * timestamp 'seconds'.'usecs'. */
static void
peer_event(struct peer *p, const char *name, const char *data,
           long long seconds, long long usecs)
{
    char *text = xasprintf("{\"event\": \"%s\", %s%s%s\"timestamp\": "
                           "{\"seconds\": %lld, \"microseconds\": %lld}}",
                           name, data ? "\"data\": " : "", data ? data : "",
                           data ? ", " : "", seconds, usecs);
    peer_send(p, text);
    free(text);
}

static void
peer_answer(struct peer *p, const struct json *cmd)
{
    const struct json *exec = shash_find_data(json_object(cmd), "execute");
    const struct json *id = shash_find_data(json_object(cmd), "id");
    assert_non_null(exec);
    assert_non_null(id);
    const char *name = json_string(exec);
    long long n = json_integer(id);
    svec_add(&p->commands, name);
    if (p->event_on && !strcmp(name, p->event_on)) {
        peer_event(p, p->event, p->event_data, 100, 0);
    }

    if (p->fail_command && !strcmp(name, p->fail_command)) {
        char *text = xasprintf("{\"error\": {\"class\": \"GenericError\", "
                               "\"desc\": \"%s refused\"}, \"id\": %lld}",
                               name, n);
        peer_send(p, text);
        free(text);
    } else if (!strcmp(name, "query-migrate")) {
        p->n_queries++;
        if (p->hold_query) {
            p->held_id = n;
        } else {
            peer_reply_query(p, n, p->status);
        }
    } else {
        char *text = xasprintf("{\"return\": {}, \"id\": %lld}", n);
        peer_send(p, text);
        free(text);
    }
}

/* Reads and answers what the client sent. */
static void
peer_pump(struct peer *p)
{
    char buf[4096];
    ssize_t n;
    while ((n = read(p->fd, buf, sizeof buf)) > 0) {
        ds_put_buffer(&p->in, buf, n);
    }
    char *end;
    while ((end = strstr(ds_cstr(&p->in), "\r\n"))) {
        *end = '\0';
        struct json *cmd = json_from_string(ds_cstr(&p->in));
        assert_int_equal(cmd->type, JSON_OBJECT);
        peer_answer(p, cmd);
        json_destroy(cmd);
        size_t used = end + 2 - p->in.string;
        memmove(p->in.string, end + 2, p->in.length - used);
        p->in.length -= used;
        p->in.string[p->in.length] = '\0';
    }
}

/* Both sides run until 'cond' holds or 'ms' pass.  Returns 'cond'. */
#define RUN_UNTIL(P, COND, MS)                                          \
    ({                                                                  \
        long long deadline_ = time_msec() + (MS);                       \
        while (!(COND) && time_msec() < deadline_) {                    \
            event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);       \
            peer_pump(P);                                               \
            usleep(1000);                                               \
        }                                                               \
        (COND);                                                         \
    })

/* The index of the first command 'name' the peer received, or -1. */
static int
find_command(const struct peer *p, const char *name)
{
    for (size_t i = 0; i < p->commands.n; i++) {
        if (!strcmp(p->commands.names[i], name)) {
            return i;
        }
    }
    return -1;
}

static int
count_command(const struct peer *p, const char *name)
{
    int n = 0;
    for (size_t i = 0; i < p->commands.n; i++) {
        n += !strcmp(p->commands.names[i], name);
    }
    return n;
}

/* A peer and a client connected to it: the client in '*qmpp', its
 * events to 'cbs'. */
static struct peer *
peer_create(const struct qmp_callbacks *cbs, struct qmp **qmpp)
{
    struct peer *p = xzalloc(sizeof *p);
    strcpy(p->dir, "/tmp/ovnmig-test-driver-XXXXXX");
    assert_non_null(mkdtemp(p->dir));
    snprintf(p->path, sizeof p->path, "%s/qmp.sock", p->dir);
    ds_init(&p->in);
    svec_init(&p->commands);
    p->status = "active";
    p->held_id = -1;

    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    strcpy(sun.sun_path, p->path);
    p->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(bind(p->listen_fd, (struct sockaddr *) &sun,
                          sizeof sun), 0);
    assert_int_equal(listen(p->listen_fd, 1), 0);
    /* A unix socket's connect completes from the backlog. */
    assert_int_equal(qmp_connect(base, p->path, cbs, qmpp), 0);
    p->fd = accept4(p->listen_fd, NULL, NULL, SOCK_NONBLOCK);
    assert_true(p->fd >= 0);
    peer_send(p, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}");
    return p;
}

static void
peer_destroy(struct peer *p)
{
    close(p->fd);
    close(p->listen_fd);
    unlink(p->path);
    rmdir(p->dir);
    ds_destroy(&p->in);
    svec_destroy(&p->commands);
    free(p);
}

struct outcome {
    int n_done;
    int error;
    char message[256];
};

static void
on_done(void *o_, int error, const char *message)
{
    struct outcome *o = o_;
    o->n_done++;
    o->error = error;
    snprintf(o->message, sizeof o->message, "%s", message ? message : "");
}

static void
params_init(struct mig_params *params, struct mig_config *config)
{
    mig_config_init(config);
    mig_params_from_config(params, config, "unix:/nonexistent");
}

/* ------------------------------------------------------------ the chain */

/* The target's chain stops at the first step QEMU refuses, and says
 * which: migrate-incoming never goes out after a failed step. */
static void
test_target_chain_stops(void **state OVS_UNUSED)
{
    static const char *const steps[] = {
        "object-add", "migrate-set-capabilities", "migrate-set-parameters",
        "migrate-incoming",
    };
    for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
        struct qmp *qmp;
        struct peer *p = peer_create(NULL, &qmp);
        struct mig_params params;
        struct mig_config config;
        params_init(&params, &config);
        params.tls_dir = "/nonexistent/pki";
        p->fail_command = steps[i];

        struct outcome o = { 0 };
        assert_int_equal(mig_target_prepare(qmp, &params, on_done, &o), 0);
        assert_true(RUN_UNTIL(p, o.n_done, 5000));
        RUN_UNTIL(p, false, 100);   /* Would anything else go out? */

        assert_int_equal(o.n_done, 1);
        assert_int_equal(o.error, -EPROTO);
        char *want = xasprintf("%s: GenericError: %s refused", steps[i],
                               steps[i]);
        assert_string_equal(o.message, want);
        free(want);
        for (size_t j = 0; j < ARRAY_SIZE(steps); j++) {
            assert_int_equal(count_command(p, steps[j]), j <= i);
        }
        qmp_destroy(qmp);
        peer_destroy(p);
    }
}

/* So does the source's: "migrate" never goes out after a failed step. */
static void
test_source_chain_stops(void **state OVS_UNUSED)
{
    struct qmp *qmp;
    struct peer *p = peer_create(NULL, &qmp);
    struct mig_params params;
    struct mig_config config;
    params_init(&params, &config);
    p->fail_command = "migrate-set-parameters";

    struct mig_monitor monitor;
    mig_monitor_init(&monitor, &config, 1 << 20, 0, time_msec());
    struct outcome o = { 0 };
    struct mig_source *s;
    assert_int_equal(mig_source_start(base, qmp, &params, &monitor, on_done,
                                      &o, &s), 0);
    assert_true(RUN_UNTIL(p, o.n_done, 5000));
    RUN_UNTIL(p, false, 100);
    assert_int_equal(o.n_done, 1);
    assert_int_equal(o.error, -EPROTO);
    assert_non_null(strstr(o.message, "migrate-set-parameters: "));
    assert_int_equal(count_command(p, "migrate"), 0);
    assert_int_equal(count_command(p, "query-migrate"), 0);
    mig_source_destroy(s);
    qmp_destroy(qmp);
    peer_destroy(p);
}

/* ------------------------------------------------------------ events */

/* The migration the client's events go to, as ovnmigd forwards them. */
static struct mig_source *events_to;

static void
forward_event(void *aux OVS_UNUSED, const char *event,
              const struct json *data, double timestamp)
{
    mig_source_event(events_to, event, data, timestamp);
}

static const struct qmp_callbacks forward_cbs = { .event = forward_event };

/* A source migration against a new peer, run until the first poll went
 * out and its answer is in. */
struct source_run {
    struct peer *p;
    struct qmp *qmp;
    struct mig_config config;
    struct mig_monitor monitor;
    struct mig_source *s;
    struct outcome o;
};

struct run_opts {
    bool post_copy;
    void (*configure)(struct peer *);   /* Sets the peer up, or NULL. */
    unsigned int poll_ms;       /* 0: a minute, which no test waits for. */
    unsigned int end_wait_ms;   /* 0: the driver's default. */
};

static void
source_run_start(struct source_run *r, const struct run_opts *opts)
{
    static const struct run_opts defaults;
    if (!opts) {
        opts = &defaults;
    }
    memset(r, 0, sizeof *r);
    r->p = peer_create(&forward_cbs, &r->qmp);
    if (opts->configure) {
        opts->configure(r->p);
    }
    struct mig_params params;
    params_init(&params, &r->config);
    r->config.allow_post_copy = opts->post_copy;
    params.post_copy = opts->post_copy;
    params.poll_ms = opts->poll_ms ? opts->poll_ms : 60000;
    if (opts->end_wait_ms) {
        params.end_wait_ms = opts->end_wait_ms;
    }
    mig_monitor_init(&r->monitor, &r->config, 1 << 20, 0, time_msec());
    assert_int_equal(mig_source_start(base, r->qmp, &params, &r->monitor,
                                      on_done, &r->o, &r->s), 0);
    events_to = r->s;
    assert_true(RUN_UNTIL(r->p, r->p->n_queries == 1, 5000));
    RUN_UNTIL(r->p, false, 50);     /* Its answer is in. */
}

static void
source_run_finish(struct source_run *r)
{
    events_to = NULL;
    mig_source_destroy(r->s);
    qmp_destroy(r->qmp);
    peer_destroy(r->p);
}

/* QEMU says "completed": the driver asks at once, ends once, and an
 * event after the end changes nothing. */
static void
test_event_completes_at_once(void **state OVS_UNUSED)
{
    struct source_run r;
    source_run_start(&r, NULL);
    assert_int_equal(r.o.n_done, 0);

    r.p->status = "completed";
    peer_event(r.p, "MIGRATION", "{\"status\": \"completed\"}", 200, 0);
    assert_true(RUN_UNTIL(r.p, r.o.n_done, 2000));
    assert_int_equal(r.o.error, 0);
    assert_int_equal(r.p->n_queries, 2);

    peer_event(r.p, "MIGRATION", "{\"status\": \"completed\"}", 201, 0);
    peer_event(r.p, "MIGRATION", "{\"status\": \"failed\"}", 202, 0);
    RUN_UNTIL(r.p, false, 200);
    assert_int_equal(r.o.n_done, 1);
    assert_int_equal(r.p->n_queries, 2);
    source_run_finish(&r);
}

/* The event comes while a poll is out: that poll's answer, older than
 * the event, says "active"; the driver asks again at once and ends once. */
static void
test_event_during_poll(void **state OVS_UNUSED)
{
    struct source_run r;
    source_run_start(&r, NULL);
    r.p->hold_query = true;

    /* Events that decide nothing ask nothing. */
    mig_source_event(r.s, "MIGRATION", NULL, 0);
    peer_event(r.p, "MIGRATION", "{\"status\": \"cancelling\"}", 200, 0);
    peer_event(r.p, "STOP", NULL, 200, 0);
    RUN_UNTIL(r.p, false, 50);
    assert_int_equal(r.p->n_queries, 1);

    /* One that does: a query goes out, and the peer holds it. */
    r.p->status = "completed";
    peer_event(r.p, "MIGRATION", "{\"status\": \"postcopy-active\"}", 200,
               0);
    assert_true(RUN_UNTIL(r.p, r.p->held_id >= 0, 2000));
    assert_int_equal(r.p->n_queries, 2);
    peer_event(r.p, "MIGRATION", "{\"status\": \"completed\"}", 201, 0);
    RUN_UNTIL(r.p, false, 50);
    assert_int_equal(r.p->n_queries, 2);        /* One query at a time. */

    r.p->hold_query = false;
    peer_reply_query(r.p, r.p->held_id, "active");
    assert_true(RUN_UNTIL(r.p, r.o.n_done, 2000));
    assert_int_equal(r.o.error, 0);
    assert_int_equal(r.p->n_queries, 3);
    RUN_UNTIL(r.p, false, 200);
    assert_int_equal(r.o.n_done, 1);
    source_run_finish(&r);
}

static void
test_event_failed(void **state OVS_UNUSED)
{
    struct source_run r;
    source_run_start(&r, NULL);
    r.p->status = "failed";
    peer_event(r.p, "MIGRATION", "{\"status\": \"failed\"}", 200, 0);
    assert_true(RUN_UNTIL(r.p, r.o.n_done, 2000));
    assert_int_equal(r.o.error, -EIO);
    assert_string_equal(r.o.message, "peer says no");
    source_run_finish(&r);
}

static void
test_event_post_copy(void **state OVS_UNUSED)
{
    struct source_run r;
    source_run_start(&r, &(struct run_opts) { .post_copy = true });
    assert_false(mig_source_in_post_copy(r.s));
    r.p->status = "postcopy-active";
    peer_event(r.p, "MIGRATION", "{\"status\": \"postcopy-active\"}", 200,
               0);
    assert_true(RUN_UNTIL(r.p, mig_source_in_post_copy(r.s), 2000));
    assert_int_equal(r.o.n_done, 0);
    source_run_finish(&r);
}

/* A status a MIGRATION event reports before "migrate" went out is an
 * earlier migration's: no query for it (it would see that one's end). */
static void
early_completed(struct peer *p)
{
    p->event_on = "migrate-set-parameters";
    p->event = "MIGRATION";
    p->event_data = "{\"status\": \"completed\"}";
}

static void
test_event_before_migrate(void **state OVS_UNUSED)
{
    struct source_run r;
    source_run_start(&r, &(struct run_opts) {
                         .configure = early_completed });
    assert_true(find_command(r.p, "query-migrate")
                > find_command(r.p, "migrate"));
    assert_int_equal(r.o.n_done, 0);
    source_run_finish(&r);
}

/* The guest's stop at the switchover: the first STOP once "migrate" went
 * out, not one before (the guest paused for something else), nor later. */
static void
early_stop(struct peer *p)
{
    p->event_on = "migrate-set-capabilities";
    p->event = "STOP";
}

static void
test_stop_timestamp(void **state OVS_UNUSED)
{
    struct source_run r;
    source_run_start(&r, &(struct run_opts) { .configure = early_stop });
    assert_int_equal(mig_source_stop_ms(r.s), 0);
    peer_event(r.p, "STOP", NULL, 200, 500000);
    peer_event(r.p, "STOP", NULL, 300, 0);
    RUN_UNTIL(r.p, false, 100);
    assert_int_equal(mig_source_stop_ms(r.s), 200500);
    source_run_finish(&r);
}

/* ------------------------------------------------------------ cancel */

/* The peer's migration goes to 'status': query-migrate says so from now
 * on, and a MIGRATION event tells. */
static void
peer_report(struct peer *p, const char *status)
{
    p->status = status;
    char *data = xasprintf("{\"status\": \"%s\"}", status);
    peer_event(p, "MIGRATION", data, 200, 0);
    free(data);
}

/* A run (source_run_start()) that the caller cancels at once: 'done' does
 * not run from within mig_source_cancel(). */
static void
source_run_cancel(struct source_run *r, const struct run_opts *opts)
{
    source_run_start(r, opts);
    mig_source_cancel(r->s);
    assert_int_equal(r->o.n_done, 0);
}

/* After migrate_cancel QEMU stays "cancelling" for a while, and refuses
 * another migration until it says "cancelled": the end is reported only
 * then, whatever the polls saw before. */
static void
test_cancel_waits_for_cancelled(void **state OVS_UNUSED)
{
    struct source_run r;
    source_run_cancel(&r, &(struct run_opts) { .poll_ms = 10 });
    peer_report(r.p, "cancelling");
    int before = r.p->n_queries;
    RUN_UNTIL(r.p, r.o.n_done, 500);
    assert_int_equal(r.o.n_done, 0);
    assert_true(r.p->n_queries >= before + 5);  /* It kept asking. */
    assert_int_equal(count_command(r.p, "migrate_cancel"), 1);
    mig_source_cancel(r.s);                     /* Once is enough. */

    r.p->status = "cancelled";
    assert_true(RUN_UNTIL(r.p, r.o.n_done, 2000));
    assert_int_equal(r.o.error, -ECANCELED);
    assert_string_equal(r.o.message, "cancelled");
    assert_true(mig_source_is_over(r.s));
    int at_end = r.p->n_queries;
    RUN_UNTIL(r.p, false, 100);
    assert_int_equal(r.p->n_queries, at_end);   /* No poll after the end. */
    assert_int_equal(r.o.n_done, 1);
    assert_int_equal(count_command(r.p, "migrate_cancel"), 1);
    source_run_finish(&r);
}

/* The same with no poll to see it: QEMU's MIGRATION event "cancelled"
 * ends it at once, its "cancelling" does not. */
static void
test_cancel_event_ends_it(void **state OVS_UNUSED)
{
    struct source_run r;
    source_run_cancel(&r, NULL);
    peer_report(r.p, "cancelling");
    RUN_UNTIL(r.p, false, 200);
    assert_int_equal(r.o.n_done, 0);
    assert_false(mig_source_is_over(r.s));

    peer_report(r.p, "cancelled");
    assert_true(RUN_UNTIL(r.p, r.o.n_done, 2000));
    assert_int_equal(r.o.error, -ECANCELED);
    source_run_finish(&r);
}

/* The monitor's limits cancel the same way: the end, with their reason,
 * comes once QEMU says "cancelled" (here the completion timeout: 1 s for
 * the peer's 1 MiB guest, rounded up). */
static void
test_timeout_waits_for_cancelled(void **state OVS_UNUSED)
{
    struct source_run r;
    source_run_start(&r, &(struct run_opts) { .poll_ms = 20 });
    assert_true(RUN_UNTIL(r.p, count_command(r.p, "migrate_cancel"), 5000));
    r.p->status = "cancelling";
    RUN_UNTIL(r.p, r.o.n_done, 300);
    assert_int_equal(r.o.n_done, 0);

    r.p->status = "cancelled";
    assert_true(RUN_UNTIL(r.p, r.o.n_done, 2000));
    assert_int_equal(r.o.error, -ETIMEDOUT);
    assert_string_equal(r.o.message,
                        "not completed within completionTimeoutPerGiB");
    assert_int_equal(count_command(r.p, "migrate_cancel"), 1);
    source_run_finish(&r);
}

/* A QEMU that never ends its migration: an error that says so, within
 * the bound, not a hang. */
static void
test_cancel_bounded(void **state OVS_UNUSED)
{
    struct source_run r;
    source_run_cancel(&r, &(struct run_opts) { .poll_ms = 20,
                                               .end_wait_ms = 300 });
    long long start = time_msec();              /* Just after the cancel. */
    r.p->status = "cancelling";
    assert_true(RUN_UNTIL(r.p, r.o.n_done, 5000));
    long long took = time_msec() - start;
    assert_true(took >= 250 && took < 2000);    /* libevent's cached clock. */
    assert_int_equal(r.o.error, -EBUSY);
    assert_string_equal(r.o.message,
                        "QEMU's migration still \"cancelling\" 300 ms "
                        "after migrate_cancel (cancelled): QEMU refuses "
                        "another migration until it ends");
    source_run_finish(&r);
}

/* A cancel that comes too late: QEMU completed, the guest runs on the
 * target, and that is what 'done' says. */
static void
test_cancel_too_late(void **state OVS_UNUSED)
{
    struct source_run r;
    source_run_cancel(&r, NULL);
    peer_report(r.p, "completed");
    assert_true(RUN_UNTIL(r.p, r.o.n_done, 2000));
    assert_int_equal(r.o.error, 0);
    source_run_finish(&r);
}

/* Cancelled before "migrate" went out: it never does, QEMU has nothing to
 * cancel, and the end comes with the reply to the step under way. */
static void
test_cancel_before_migrate(void **state OVS_UNUSED)
{
    struct qmp *qmp;
    struct peer *p = peer_create(NULL, &qmp);
    struct mig_params params;
    struct mig_config config;
    params_init(&params, &config);
    struct mig_monitor monitor;
    mig_monitor_init(&monitor, &config, 1 << 20, 0, time_msec());
    struct outcome o = { 0 };
    struct mig_source *s;
    assert_int_equal(mig_source_start(base, qmp, &params, &monitor, on_done,
                                      &o, &s), 0);
    mig_source_cancel(s);
    assert_int_equal(o.n_done, 0);
    assert_true(RUN_UNTIL(p, o.n_done, 5000));
    RUN_UNTIL(p, false, 100);
    assert_int_equal(o.n_done, 1);
    assert_int_equal(o.error, -ECANCELED);
    assert_int_equal(count_command(p, "migrate"), 0);
    assert_int_equal(count_command(p, "migrate_cancel"), 0);
    assert_int_equal(count_command(p, "query-migrate"), 0);
    mig_source_destroy(s);
    qmp_destroy(qmp);
    peer_destroy(p);
}

/* A restarted daemon attaching to a QEMU that is cancelling: its end is
 * still to come. */
static void
test_attach_cancelling(void **state OVS_UNUSED)
{
    struct qmp *qmp;
    struct peer *p = peer_create(&forward_cbs, &qmp);
    struct mig_config config;
    mig_config_init(&config);
    struct mig_monitor monitor;
    mig_monitor_init(&monitor, &config, 1 << 20, 0, time_msec());
    p->status = "cancelling";
    struct outcome o = { 0 };
    struct mig_source *s;
    assert_int_equal(mig_source_attach(base, qmp, 10, &monitor, on_done, &o,
                                       &s), 0);
    events_to = s;
    RUN_UNTIL(p, o.n_done, 300);
    assert_int_equal(o.n_done, 0);
    assert_true(p->n_queries >= 3);
    p->status = "cancelled";
    assert_true(RUN_UNTIL(p, o.n_done, 2000));
    assert_int_equal(o.error, -ECANCELED);
    events_to = NULL;
    mig_source_destroy(s);
    qmp_destroy(qmp);
    peer_destroy(p);
}

int
main(void)
{
    signal(SIGPIPE, SIG_IGN);
    set_program_name("test-driver");
    base = event_base_new();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target_chain_stops),
        cmocka_unit_test(test_source_chain_stops),
        cmocka_unit_test(test_event_completes_at_once),
        cmocka_unit_test(test_event_during_poll),
        cmocka_unit_test(test_event_failed),
        cmocka_unit_test(test_event_post_copy),
        cmocka_unit_test(test_event_before_migrate),
        cmocka_unit_test(test_stop_timestamp),
        cmocka_unit_test(test_cancel_waits_for_cancelled),
        cmocka_unit_test(test_cancel_event_ends_it),
        cmocka_unit_test(test_timeout_waits_for_cancelled),
        cmocka_unit_test(test_cancel_bounded),
        cmocka_unit_test(test_cancel_too_late),
        cmocka_unit_test(test_cancel_before_migrate),
        cmocka_unit_test(test_attach_cancelling),
    };
    int rc = cmocka_run_group_tests_name("driver", tests, NULL, NULL);
    event_base_free(base);
    return rc;
}
