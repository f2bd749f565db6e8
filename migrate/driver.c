/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "migrate/driver.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migrate/policy.h"
#include "migrate/qmp.h"
#include "openvswitch/json.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(mig_driver);

/* QEMU's announce defaults, set explicitly: the target's RARPs are what
 * activates its port in OVN.  QEMU sends the first as it resumes the
 * guest, then waits initial + k * step (at most max) before round k + 1:
 * +0, 50, 200, 450, 800 ms (captured on the port: +0, 50, 200).  The first
 * is the one that counts: make bench-migrate saw the port open a median
 * 14-20 ms after it (0-50 ms), while the guest, cold under TCG, took a
 * median 76-87 ms more to answer; an earlier second round gains nothing. */
#define ANNOUNCE_INITIAL_MS 50
#define ANNOUNCE_MAX_MS 550
#define ANNOUNCE_ROUNDS 5
#define ANNOUNCE_STEP_MS 100

/* The id of the TLS credentials object the driver adds to QEMU. */
#define TLS_OBJECT_ID "ovnmig-tls"

/* How long QEMU may stay in "cancelling" after migrate_cancel, unless the
 * caller says otherwise (mig_params.end_wait_ms).  QEMU 7.2 under TCG on
 * a busy 2-CPU machine took 37-500 ms (median 115, 26 cancels of
 * test-migrate): its migration thread sleeps out the bandwidth cap before
 * it sees the stream shut down, then cleans up.  The bound is for a QEMU
 * that hangs, not for a slow one. */
#define END_WAIT_MS 30000

void
mig_params_from_config(struct mig_params *p, const struct mig_config *c,
                       const char *uri)
{
    memset(p, 0, sizeof *p);
    p->uri = uri;
    p->bandwidth = c->bandwidth;
    p->downtime_limit_ms = c->downtime_limit_ms;
    p->auto_converge = c->allow_auto_converge;
    p->post_copy = c->allow_post_copy;
    p->poll_ms = 100;
    p->end_wait_ms = END_WAIT_MS;
}

static struct json *
capability(const char *name, bool state)
{
    struct json *c = json_object_create();
    json_object_put_string(c, "capability", name);
    json_object_put(c, "state", json_boolean_create(state));
    return c;
}

static struct json *
capabilities_args(const struct mig_params *p)
{
    struct json *caps = json_array_create_empty();
    json_array_add(caps, capability("events", true));
    json_array_add(caps, capability("auto-converge", p->auto_converge));
    json_array_add(caps, capability("postcopy-ram", p->post_copy));
    struct json *args = json_object_create();
    json_object_put(args, "capabilities", caps);
    return args;
}

/* A chain of QMP commands, each sent once the previous one succeeded:
 * "migrate" must never go out if setting TLS before it failed. */
struct chain_step {
    const char *command;
    struct json *args;
    int fd;                     /* Passed along, or -1. */
};

struct chain {
    struct qmp *qmp;
    struct chain_step steps[6];
    size_t n, next;
    void (*done)(struct chain *, int error, const char *message);
    void *owner;
    bool stopped;               /* Send nothing more. */
    bool all_sent;              /* The last step went out. */
};

static void chain_reply(void *, int, const struct json *, const char *);
static struct json *uri_args(const char *uri);

/* Forgets the steps not sent, closing the stream's socket if it is
 * among them. */
static void
chain_free_args(struct chain *c)
{
    for (size_t i = c->next; i < c->n; i++) {
        json_destroy(c->steps[i].args);
        c->steps[i].args = NULL;
        if (c->steps[i].fd >= 0) {
            close(c->steps[i].fd);
            c->steps[i].fd = -1;
        }
    }
    c->next = c->n;
}

static void
chain_advance(struct chain *c)
{
    struct chain_step *s = &c->steps[c->next++];
    int error = qmp_execute_fd(c->qmp, s->command, s->args, s->fd,
                               chain_reply, c);
    s->args = NULL;             /* qmp_execute() took it, either way. */
    if (s->fd >= 0) {
        /* QEMU has its copy (the fd went out with the command).  Ours must
         * not keep the connection open once QEMU's side is gone: a peer
         * killed mid-copy would leave the other QEMU waiting on a stream
         * that neither fails nor moves. */
        close(s->fd);
        s->fd = -1;
    }
    if (error) {
        char *msg = xasprintf("%s: %s", s->command, ovs_strerror(-error));
        chain_free_args(c);
        c->done(c, error, msg);
        free(msg);
    } else if (c->next == c->n) {
        c->all_sent = true;
    }
}

static void
chain_reply(void *c_, int error, const struct json *result, const char *desc)
{
    struct chain *c = c_;
    if (error) {
        char *msg = xasprintf("%s: %s", c->steps[c->next - 1].command,
                              desc ? desc : ovs_strerror(-error));
        chain_free_args(c);
        c->done(c, error, msg);
        free(msg);
    } else if (c->stopped && c->next < c->n) {
        /* Cancelled before "migrate" went out: it never will. */
        chain_free_args(c);
        c->done(c, -ECANCELED, "cancelled");
    } else if (c->next < c->n) {
        chain_advance(c);
    } else {
        c->done(c, 0, NULL);
    }
}

static void
chain_add(struct chain *c, const char *command, struct json *args)
{
    ovs_assert(c->n < ARRAY_SIZE(c->steps));
    c->steps[c->n++] = (struct chain_step) { command, args, -1 };
}

/* The name QEMU knows the migration stream's socket by, when passed. */
#define STREAM_FD_NAME "ovnmig-stream"

/* Adds the steps that start the stream: with a socket of ours, "getfd"
 * then 'command' on "fd:NAME"; otherwise 'command' on the URI. */
static void
chain_add_stream(struct chain *c, const struct mig_params *p,
                 const char *command)
{
    if (p->pass_fd) {
        struct json *a = json_object_create();
        json_object_put_string(a, "fdname", STREAM_FD_NAME);
        chain_add(c, "getfd", a);
        c->steps[c->n - 1].fd = p->fd;
        chain_add(c, command, uri_args("fd:" STREAM_FD_NAME));
    } else {
        chain_add(c, command, uri_args(p->uri));
    }
}

static struct json *
parameters_args(const struct mig_params *p, bool source)
{
    struct json *a = json_object_create();
    /* TLS off must be said too: "" clears creds left from before. */
    json_object_put_string(a, "tls-creds", p->tls_dir ? TLS_OBJECT_ID : "");
    if (source) {
        /* 0 means "unlimited" in the cluster config; QEMU's meaning of 0
         * has varied between versions, so say it with the largest value. */
        json_object_put(a, "max-bandwidth", json_integer_create(
                            p->bandwidth ? (long long) p->bandwidth
                                         : INT64_MAX));
        json_object_put(a, "downtime-limit",
                        json_integer_create(p->downtime_limit_ms));
        if (p->tls_dir && p->tls_hostname) {
            json_object_put_string(a, "tls-hostname", p->tls_hostname);
        }
    } else {
        json_object_put(a, "announce-initial",
                        json_integer_create(ANNOUNCE_INITIAL_MS));
        json_object_put(a, "announce-max",
                        json_integer_create(ANNOUNCE_MAX_MS));
        json_object_put(a, "announce-rounds",
                        json_integer_create(ANNOUNCE_ROUNDS));
        json_object_put(a, "announce-step",
                        json_integer_create(ANNOUNCE_STEP_MS));
    }
    return a;
}

/* Adds the TLS step to 'c', first removing an object left by an earlier
 * attempt (without waiting: QMP runs commands in order, and "not found"
 * is the usual answer). */
static void
chain_add_tls(struct chain *c, const struct mig_params *p, bool server)
{
    if (!p->tls_dir) {
        return;
    }
    struct json *del = json_object_create();
    json_object_put_string(del, "id", TLS_OBJECT_ID);
    qmp_execute(c->qmp, "object-del", del, NULL, NULL);

    struct json *a = json_object_create();
    json_object_put_string(a, "qom-type", "tls-creds-x509");
    json_object_put_string(a, "id", TLS_OBJECT_ID);
    json_object_put_string(a, "dir", p->tls_dir);
    json_object_put_string(a, "endpoint", server ? "server" : "client");
    json_object_put(a, "verify-peer", json_boolean_create(true));
    chain_add(c, "object-add", a);
}

static struct json *
uri_args(const char *uri)
{
    struct json *a = json_object_create();
    json_object_put_string(a, "uri", uri);
    return a;
}

/* Closes the stream's socket that 'p' hands over, when the driver cannot
 * take it. */
static void
close_stream(const struct mig_params *p)
{
    if (p->pass_fd && p->fd >= 0) {
        close(p->fd);
    }
}

/* The target. */

struct target_prep {
    struct chain chain;
    mig_done_cb *done;
    void *aux;
};

static void
target_done(struct chain *c, int error, const char *message)
{
    struct target_prep *t = c->owner;
    t->done(t->aux, error, message);
    free(t);
}

int
mig_target_prepare(struct qmp *qmp, const struct mig_params *p,
                   mig_done_cb *done, void *aux)
{
    if (!p->uri) {
        close_stream(p);
        return -EINVAL;
    }
    struct target_prep *t = xzalloc(sizeof *t);
    t->done = done;
    t->aux = aux;
    t->chain.qmp = qmp;
    t->chain.owner = t;
    t->chain.done = target_done;
    chain_add_tls(&t->chain, p, true);
    chain_add(&t->chain, "migrate-set-capabilities", capabilities_args(p));
    chain_add(&t->chain, "migrate-set-parameters", parameters_args(p, false));
    chain_add_stream(&t->chain, p, "migrate-incoming");
    chain_advance(&t->chain);
    return 0;
}

/* The source. */

struct mig_source {
    struct chain chain;
    char *uri;
    struct qmp *qmp;
    struct event *timer;
    struct mig_monitor *monitor;
    unsigned int poll_ms;
    mig_done_cb *done;
    void *aux;

    unsigned int n_pending;     /* QMP replies still to come to us. */
    bool polling;               /* A query-migrate is outstanding. */
    bool poll_again;            /* ...and an event came after it went. */
    bool attached;              /* mig_source_attach(): no chain. */
    long long int stop_ms;          /* QEMU's STOP at the switchover, or 0. */
    bool finished;              /* 'done' was called. */
    bool destroyed;             /* Free once n_pending drops to 0. */

    /* Once cancelling (source_cancel()), 'done' waits for QEMU to end its
     * migration (a "cancelled", "failed" or "completed" status): until
     * then QEMU refuses to start another one.  It then reports
     * 'end_error' and 'end_message', the cancel's reason (or 0 if QEMU
     * completed after all); -EBUSY if 'end_timer' fires first. */
    bool cancelling;
    int end_error;
    char *end_message;
    unsigned int end_wait_ms;
    struct event *end_timer;
    long long int cancel_ms;    /* time_msec() of migrate_cancel, or 0. */
    char last_status[32];       /* QEMU's, from the last query-migrate. */
};

static void
source_maybe_free(struct mig_source *s)
{
    if (s->destroyed && !s->n_pending) {
        chain_free_args(&s->chain);
        if (s->timer) {
            event_free(s->timer);
        }
        if (s->end_timer) {
            event_free(s->end_timer);
        }
        free(s->end_message);
        free(s->uri);
        free(s);
    }
}

static void
source_finish(struct mig_source *s, int error, const char *message)
{
    if (s->finished) {
        return;
    }
    s->finished = true;
    if (s->timer) {
        evtimer_del(s->timer);
    }
    if (s->end_timer) {
        evtimer_del(s->end_timer);
    }
    if (error) {
        VLOG_WARN("migration to %s: %s", s->uri,
                  message ? message : ovs_strerror(-error));
    }
    s->done(s->aux, error, message);
}

static void
fire_and_forget_reply(void *s_, int error, const struct json *result,
                      const char *desc)
{
    struct mig_source *s = s_;
    if (error) {
        VLOG_WARN("migration: %s", desc ? desc : ovs_strerror(-error));
    }
    s->n_pending--;
    source_maybe_free(s);
}

static void
source_command(struct mig_source *s, const char *command)
{
    if (!qmp_execute(s->qmp, command, NULL, fire_and_forget_reply, s)) {
        s->n_pending++;
    }
}

static uint64_t
ram_get(const struct json *ram, const char *name)
{
    const struct json *v = ram && ram->type == JSON_OBJECT
                           ? shash_find_data(json_object(ram), name) : NULL;
    return v && v->type == JSON_INTEGER && json_integer(v) > 0
           ? json_integer(v) : 0;
}

static void poll_timer(evutil_socket_t, short, void *);

/* Whether "migrate" went out (or, attached, the migration was already
 * QEMU's): before, QEMU's status and events are an earlier migration's. */
static bool
source_migrating(const struct mig_source *s)
{
    return s->attached || s->chain.all_sent;
}

/* Records why the migration stops: 'done' will report 'error' and
 * 'message' once QEMU has ended it, and no command of the chain goes out
 * any more. */
static void
source_stop(struct mig_source *s, int error, const char *message)
{
    s->cancelling = true;
    s->end_error = error;
    free(s->end_message);
    s->end_message = xstrdup(message);
    s->chain.stopped = true;
}

/* Like source_stop() for a migration QEMU runs: 'done' waits for QEMU to
 * end it, 'end_wait_ms' at most. */
static void
source_wait_end(struct mig_source *s, int error, const char *message)
{
    source_stop(s, error, message);
    s->cancel_ms = time_msec();
    struct timeval tv = { s->end_wait_ms / 1000,
                          (s->end_wait_ms % 1000) * 1000 };
    evtimer_add(s->end_timer, &tv);
}

/* Stops the migration for 'message': migrate_cancel, or "migrate" never
 * goes out if it has not yet (the reply to the step under way then ends
 * the chain, and source_started() reports: QEMU has nothing to end). */
static void
source_cancel(struct mig_source *s, int error, const char *message)
{
    if (!source_migrating(s)) {
        source_stop(s, error, message);
    } else {
        source_command(s, "migrate_cancel");
        source_wait_end(s, error, message);
    }
}

static void
end_timer_fired(evutil_socket_t fd OVS_UNUSED, short what OVS_UNUSED,
                void *s_)
{
    struct mig_source *s = s_;
    char *msg = xasprintf("QEMU's migration still \"%s\" %u ms after "
                          "migrate_cancel (%s): QEMU refuses another "
                          "migration until it ends",
                          s->last_status[0] ? s->last_status : "(unknown)",
                          s->end_wait_ms, s->end_message);
    source_finish(s, -EBUSY, msg);
    free(msg);
}

/* Whether QEMU's 'status' ends a migration that is being cancelled: it
 * then accepts another one. */
static bool
status_ends_cancel(const char *status)
{
    return (!strcmp(status, "cancelled") || !strcmp(status, "failed")
            || !strcmp(status, "none"));
}

static void
query_reply(void *s_, int error, const struct json *result, const char *desc)
{
    struct mig_source *s = s_;
    s->n_pending--;
    s->polling = false;
    if (s->destroyed || s->finished) {
        source_maybe_free(s);
        return;
    }
    if (error) {
        source_finish(s, error, desc);
        return;
    }

    const struct json *st = result->type == JSON_OBJECT
                            ? shash_find_data(json_object(result), "status")
                            : NULL;
    const char *status = st && st->type == JSON_STRING ? json_string(st)
                                                       : "";
    snprintf(s->last_status, sizeof s->last_status, "%s", status);
    const struct json *ram = shash_find_data(json_object(result), "ram");
    struct mig_sample sample = {
        .now_ms = time_msec(),
        .wall_ms = time_wall_msec(),
        .total = ram_get(ram, "total"),
        .transferred = ram_get(ram, "transferred"),
        .remaining = ram_get(ram, "remaining"),
        .dirty_rate = ram_get(ram, "dirty-pages-rate"),
        .iterations = ram_get(ram, "dirty-sync-count"),
    };

    VLOG_DBG("migration to %s: %s, remaining %"PRIu64", transferred "
             "%"PRIu64", pass %"PRIu64", dirty %"PRIu64" pages/s", s->uri,
             status, sample.remaining, sample.transferred, sample.iterations,
             sample.dirty_rate);
    if (!strcmp(status, "completed")) {
        if (s->cancelling) {
            VLOG_INFO("migration to %s: QEMU completed before the cancel "
                      "(%s) took effect", s->uri, s->end_message);
        }
        source_finish(s, 0, NULL);
    } else if (s->cancelling && status_ends_cancel(status)) {
        VLOG_INFO("migration to %s: QEMU's migration %s %lld ms after "
                  "migrate_cancel", s->uri, status,
                  time_msec() - s->cancel_ms);
        source_finish(s, s->end_error, s->end_message);
    } else if (!strcmp(status, "failed")) {
        const struct json *d = shash_find_data(json_object(result),
                                               "error-desc");
        source_finish(s, -EIO, d && d->type == JSON_STRING
                               ? json_string(d) : "QEMU reports failure");
    } else if (!strcmp(status, "cancelled")) {
        source_finish(s, -ECANCELED, "cancelled");
    } else if (!strcmp(status, "none")) {
        source_finish(s, -EIO, "QEMU has no migration (restarted?)");
    } else if (!strcmp(status, "cancelling")) {
        if (!s->cancelling) {
            /* Not by us (by a daemon before it restarted, or by hand):
             * the end is still QEMU's to say. */
            source_wait_end(s, -ECANCELED, "cancelled");
        }
    } else if (!strncmp(status, "postcopy", 8)) {
        s->monitor->post_copy = true;   /* Past cancelling. */
    } else if (ram && !s->cancelling) {
        enum mig_verdict verdict = mig_monitor_sample(s->monitor, &sample);
        if (verdict == MIG_SWITCH_TO_POSTCOPY) {
            VLOG_INFO("migration to %s not converging: switching to "
                      "post-copy", s->uri);
            source_command(s, "migrate-start-postcopy");
        } else if (verdict != MIG_CONTINUE) {
            source_cancel(s, -ETIMEDOUT, verdict == MIG_ABORT_NO_PROGRESS
                          ? "no progress within progressTimeout"
                          : "not completed within completionTimeoutPerGiB");
        }
    }
    if (s->finished) {
        /* Done. */
    } else if (s->poll_again) {
        /* This answer may predate the event: ask again, now. */
        s->poll_again = false;
        poll_timer(0, 0, s);
    } else {
        struct timeval tv = { s->poll_ms / 1000, (s->poll_ms % 1000) * 1000 };
        evtimer_add(s->timer, &tv);
    }
}

static void
poll_timer(evutil_socket_t fd, short what, void *s_)
{
    struct mig_source *s = s_;
    if (s->finished || s->polling) {
        return;
    }
    if (!qmp_execute(s->qmp, "query-migrate", NULL, query_reply, s)) {
        s->n_pending++;
        s->polling = true;
    } else {
        source_finish(s, -ENOTCONN, "QMP connection lost");
    }
}

static void
source_started(struct chain *c, int error, const char *message)
{
    struct mig_source *s = c->owner;
    s->n_pending--;
    if (s->destroyed) {
        source_maybe_free(s);
    } else if (error == -ECANCELED && s->cancelling) {
        /* Stopped before "migrate" went out: QEMU has nothing to end. */
        source_finish(s, s->end_error, s->end_message);
    } else if (error) {
        source_finish(s, error, message);
    } else {
        poll_timer(0, 0, s);
    }
}

int
mig_source_start(struct event_base *base, struct qmp *qmp,
                 const struct mig_params *p, struct mig_monitor *monitor,
                 mig_done_cb *done, void *aux, struct mig_source **srcp)
{
    *srcp = NULL;
    if (!p->uri || !monitor || !done) {
        close_stream(p);
        return -EINVAL;
    }
    struct mig_source *s = xzalloc(sizeof *s);
    s->qmp = qmp;
    s->uri = xstrdup(p->uri);
    s->monitor = monitor;
    s->poll_ms = p->poll_ms ? p->poll_ms : 100;
    s->done = done;
    s->aux = aux;
    s->timer = evtimer_new(base, poll_timer, s);
    s->end_timer = evtimer_new(base, end_timer_fired, s);
    s->end_wait_ms = p->end_wait_ms ? p->end_wait_ms : END_WAIT_MS;

    s->chain.qmp = qmp;
    s->chain.owner = s;
    s->chain.done = source_started;
    chain_add_tls(&s->chain, p, false);
    chain_add(&s->chain, "migrate-set-capabilities", capabilities_args(p));
    chain_add(&s->chain, "migrate-set-parameters", parameters_args(p, true));
    chain_add_stream(&s->chain, p, "migrate");
    s->n_pending++;             /* The chain, until source_started(). */
    *srcp = s;                  /* 'done' may run at once, and use it. */
    chain_advance(&s->chain);
    return 0;
}

int
mig_source_attach(struct event_base *base, struct qmp *qmp,
                  unsigned int poll_ms, struct mig_monitor *monitor,
                  mig_done_cb *done, void *aux, struct mig_source **srcp)
{
    *srcp = NULL;
    if (!monitor || !done) {
        return -EINVAL;
    }
    struct mig_source *s = xzalloc(sizeof *s);
    s->qmp = qmp;
    s->uri = xstrdup("(attached)");
    s->monitor = monitor;
    s->poll_ms = poll_ms ? poll_ms : 100;
    s->done = done;
    s->aux = aux;
    s->timer = evtimer_new(base, poll_timer, s);
    s->end_timer = evtimer_new(base, end_timer_fired, s);
    s->end_wait_ms = END_WAIT_MS;
    s->attached = true;
    *srcp = s;
    poll_timer(0, 0, s);
    return 0;
}

/* The statuses of a MIGRATION event that the poll acts on: the end, or
 * the switch to post-copy (past cancelling). */
static bool
status_is_decisive(const char *status)
{
    return (!strcmp(status, "completed") || !strcmp(status, "failed")
            || !strcmp(status, "cancelled")
            || !strcmp(status, "postcopy-active"));
}

void
mig_source_event(struct mig_source *s, const char *event,
                 const struct json *data, double timestamp)
{
    if (!s || s->destroyed || !source_migrating(s)) {
        return;
    }
    if (!strcmp(event, "STOP")) {
        /* The first once migrating: QEMU stops the guest to send the
         * last of its state (or to go post-copy). */
        if (!s->stop_ms && timestamp > 0) {
            s->stop_ms = (long long int) (timestamp * 1000 + 0.5);
        }
        return;
    }
    if (s->finished || strcmp(event, "MIGRATION")) {
        return;
    }
    const struct json *st = (data && data->type == JSON_OBJECT
                             ? shash_find_data(json_object(data), "status")
                             : NULL);
    if (!st || st->type != JSON_STRING
        || !status_is_decisive(json_string(st))) {
        return;
    }
    /* Query now, not at the next tick, and let query_reply() act as for
     * any sample: whichever answer shows the end first ends it, once
     * (source_finish()).  With a query out, its answer may predate the
     * event: ask again as soon as it is in. */
    if (s->polling) {
        s->poll_again = true;
    } else {
        evtimer_del(s->timer);
        poll_timer(0, 0, s);
    }
}

void
mig_source_cancel(struct mig_source *s)
{
    if (s->finished || s->cancelling || s->monitor->post_copy) {
        return;
    }
    source_cancel(s, -ECANCELED, "cancelled");
}

bool
mig_source_is_over(const struct mig_source *s)
{
    return s->finished;
}

void
mig_source_destroy(struct mig_source *s)
{
    if (!s) {
        return;
    }
    if (s->timer) {
        evtimer_del(s->timer);
    }
    if (s->end_timer) {
        evtimer_del(s->end_timer);
    }
    s->chain.stopped = true;
    s->finished = true;
    s->destroyed = true;
    source_maybe_free(s);
}

const struct mig_sample *
mig_source_last(const struct mig_source *s)
{
    return &s->monitor->last;
}

long long int
mig_source_stop_ms(const struct mig_source *s)
{
    return s->stop_ms;
}

bool
mig_source_in_post_copy(const struct mig_source *s)
{
    return s->monitor->post_copy;
}
