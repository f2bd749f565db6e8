/* SPDX-License-Identifier: Apache-2.0
 *
 * bare-migrate -- the peer of "make bench-migrate" for total migration
 * time: the same guest, started with the same QEMU command line as
 * ovnmigd's (qvm_build_argv()), migrated QEMU to QEMU over the same
 * migration network with the same driver and parameters (migrate/driver.h:
 * TLS, max-bandwidth, downtime-limit, announce), back and forth between two
 * network namespaces -- and nothing else: no cluster database, no OVN, no
 * plumbing.  What ovnmigd adds on top of this is the engine's overhead.
 *
 * QEMU here lives in the node's namespace and opens the stream itself
 * ("tcp:ADDR:PORT"); its NIC is the tap --tap names in that namespace: a
 * tap of its own, or one the caller made persistent and put on a plain
 * Linux bridge, so that the guest can be pinged across the move on an
 * ideal L2 network -- the peer of "make bench-migrate" for the outage.
 *
 *   bare-migrate --dir DIR --kernel K --initrd I --append A --mac M
 *                --memory BYTES --tap NAME --runs N [--dirty COMMAND]
 *                [--downtime-limit MS] [--auto-converge] [--settle MS]
 *                [--accel auto|kvm|tcg] [--ready COMMAND]
 *                --side NETNS,ADDR,NAME,TLS-DIR --side NETNS,ADDR,NAME,TLS-DIR
 *
 * The accelerator is decided as ovnmigd decides it (migrate/qemu-accel.h),
 * auto by default; the bench passes what the nodes' ovnmigd chose, so
 * that both peers run the same.  Prints "bare accel=X (why)" first, then
 * one line per migration:
 *   bare run=N from=A to=B target_start_ms=.. migrate_ms=.. total_ms=..
 *        qemu_total_ms=.. downtime_ms=.. pause_ms=.. t_migrate=.. t_done=..
 * where migrate_ms runs from "migrate" to QEMU's "completed", total_ms
 * also counts starting and preparing the target, the qemu_ figures are
 * query-migrate's, pause_ms runs from the source's STOP event to the
 * target's RESUME (QEMU's own timestamps; -1 if one is missing), and
 * t_migrate and t_done are the wall clock (seconds since the epoch) when
 * "migrate" was sent and when the source reported completion.  --settle
 * waits that long after each migration, for a pinger's view of one run not
 * to run into the next.  Exit status 0 if every run completed and the guest
 * answered on its console afterwards with no kernel error.  --ready runs
 * COMMAND (with /bin/sh) until it succeeds before the first migration, for
 * at most a minute: the bench's check that its pinger reaches the guest,
 * so that no move starts before the guest answers on the network.  Needs
 * root.
 * Its QEMUs end with it, whatever the outcome: stopped at exit, killed on
 * SIGINT, SIGTERM or SIGHUP.
 */
#define _GNU_SOURCE
#include <config.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <unistd.h>

#include "migrate/driver.h"
#include "migrate/monitor.h"
#include "migrate/policy.h"
#include "migrate/qemu-accel.h"
#include "migrate/qemu-vm.h"
#include "migrate/qmp.h"
#include "openvswitch/json.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

#define MIGRATION_PORT 49152

struct side {
    char *netns, *addr, *name, *tls_dir;
    char run_dir[512];
    struct qvm_spec spec;
    struct qmp *qmp;
    double stopped, resumed;    /* Last STOP, RESUME event; 0: none. */
    bool got_resume;            /* 'resumed' is set. */
    struct mig_source *ms;      /* While migrating from this side. */
    pid_t pid;                  /* Its daemonized QEMU, or 0. */
};

static struct event_base *base;
static struct side sides[2];

static void OVS_PRINTF_FORMAT(1, 2) OVS_NO_RETURN
die(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fputs("bare-migrate: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    exit(1);
}

/* True if 'path' (a console log: it may hold NULs) contains 'needle'. */
static bool
log_contains(const char *path, const char *needle)
{
    return qvm_file_contains(path, needle, 1 << 20);
}

static bool
wait_log(const struct side *s, const char *needle, int seconds)
{
    char *path = qvm_console_path(&s->spec);
    bool found = false;
    for (int i = 0; i < seconds * 20 && !found; i++) {
        found = log_contains(path, needle);
        if (!found) {
            usleep(50000);
        }
    }
    free(path);
    return found;
}

/* Runs 'command' every 200 ms until it succeeds, for up to 'seconds'. */
static bool
wait_ready(const char *command, int seconds)
{
    for (int i = 0; i < seconds * 5; i++) {
        int status = system(command);
        if (status != -1 && WIFEXITED(status) && !WEXITSTATUS(status)) {
            return true;
        }
        usleep(200000);
    }
    return false;
}

static void
console_type(const struct side *s, const char *line)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int n = snprintf(sun.sun_path, sizeof sun.sun_path, "%s/console.sock",
                     s->run_dir);
    if (n >= (int) sizeof sun.sun_path) {
        die("%s: console socket path too long", s->run_dir);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *) &sun, sizeof sun)) {
        die("%s: console: %s", s->run_dir, ovs_strerror(errno));
    }
    char *text = xasprintf("%s\n", line);
    if (write(fd, text, strlen(text)) != (ssize_t) strlen(text)) {
        die("%s: console write failed", s->run_dir);
    }
    free(text);
    usleep(200000);             /* Let QEMU take it before the hang-up. */
    close(fd);
}

/* QEMU's events: the source's driver acts on its MIGRATION events at
 * once, as ovnmigd's does, so that neither waits for a poll. */
static void
on_event(void *s_, const char *event, const struct json *data,
         double timestamp)
{
    struct side *s = s_;
    if (s->ms) {
        mig_source_event(s->ms, event, data, timestamp);
    }
    if (!strcmp(event, "STOP") && !s->stopped) {
        /* The first after "migrate", as ovnmigd's driver takes it. */
        s->stopped = timestamp;
    } else if (!strcmp(event, "RESUME")) {
        s->resumed = timestamp;
        s->got_resume = true;
    }
}

/* At exit, whatever the outcome (die() too): no QEMU outlives us. */
static void
stop_all_qemu(void)
{
    for (int i = 0; i < 2; i++) {
        if (sides[i].pid) {
            qvm_stop(&sides[i].spec, 3000);
            sides[i].pid = 0;
        }
    }
}

/* On a signal: only what is async-signal-safe. */
static void
kill_all_qemu(int sig)
{
    for (int i = 0; i < 2; i++) {
        if (sides[i].pid > 0) {
            kill(sides[i].pid, SIGKILL);
        }
    }
    _exit(128 + sig);
}

static void
start_qemu(struct side *s, bool incoming)
{
    char path[600];
    snprintf(path, sizeof path, "/run/netns/%s", s->netns);
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    if (ns < 0) {
        die("%s: %s", path, ovs_strerror(errno));
    }
    /* A fresh console log each time: the checks read this run's only. */
    char *log = qvm_console_path(&s->spec);
    unlink(log);
    free(log);
    s->spec.incoming = incoming;
    pid_t pid;
    int error = qvm_start(&s->spec, ns, &pid);
    close(ns);
    s->pid = error ? 0 : pid;
    if (error) {
        char *err = xasprintf("%s/qemu.err", s->run_dir);
        FILE *f = fopen(err, "r");
        char said[512] = "";
        if (f) {
            size_t n = fread(said, 1, sizeof said - 1, f);
            said[n] = '\0';
            fclose(f);
        }
        die("QEMU in %s: %s: %s", s->netns, ovs_strerror(-error), said);
    }
    char *qmp = qvm_qmp_path(&s->spec);
    const struct qmp_callbacks cbs = { .event = on_event, .aux = s };
    s->stopped = s->resumed = 0;
    s->got_resume = false;
    error = qmp_connect(base, qmp, &cbs, &s->qmp);
    free(qmp);
    if (error) {
        die("QMP in %s: %s", s->run_dir, ovs_strerror(-error));
    }
}

static void
stop_qemu(struct side *s)
{
    qmp_destroy(s->qmp);
    s->qmp = NULL;
    qvm_stop(&s->spec, 3000);
    s->pid = 0;
}

struct outcome {
    bool done;
    int error;
    char message[256];
    long long int at;           /* Monotonic. */
    long long int wall;         /* The same instant, wall clock. */
};

static void
on_done(void *o_, int error, const char *message)
{
    struct outcome *o = o_;
    o->done = true;
    o->error = error;
    o->at = time_msec();
    o->wall = time_wall_msec();
    snprintf(o->message, sizeof o->message, "%s", message ? message : "");
}

/* Runs the event loop until '*flag' or 'seconds' pass. */
static void
run_while_not(const bool *flag, int seconds)
{
    long long int deadline = time_msec() + seconds * 1000LL;
    while (!*flag && time_msec() < deadline) {
        event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
        usleep(1000);
    }
}

static void
run_until(struct outcome *o, int seconds)
{
    run_while_not(&o->done, seconds);
}

static int64_t
result_int(const struct json *result, const char *name)
{
    const struct json *v = result && result->type == JSON_OBJECT
                           ? shash_find_data(json_object(result), name)
                           : NULL;
    return v && v->type == JSON_INTEGER ? json_integer(v) : -1;
}

/* Parses "NETNS,ADDR,NAME[,TLS-DIR]". */
static void
parse_side(struct side *s, const char *arg)
{
    char *copy = xstrdup(arg), *save = NULL;
    s->netns = strtok_r(copy, ",", &save);
    s->addr = strtok_r(NULL, ",", &save);
    s->name = strtok_r(NULL, ",", &save);
    s->tls_dir = strtok_r(NULL, ",", &save);
    if (!s->name) {
        die("--side %s: want NETNS,ADDR,NAME[,TLS-DIR]", arg);
    }
}

int
main(int argc, char *argv[])
{
    const char *dir = NULL, *dirty = NULL, *ready = NULL;
    struct qvm_spec spec = { .cpus = 1 };
    int runs = 10, n_sides = 0, settle_ms = 0;
    enum qvm_accel_mode accel_mode = QVM_ACCEL_AUTO;
    struct mig_config config;
    mig_config_init(&config);   /* The cluster's defaults, as ovnmigd's. */

    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_WARN);
    signal(SIGPIPE, SIG_IGN);
    static const struct option options[] = {
        {"dir", required_argument, NULL, 'd'},
        {"kernel", required_argument, NULL, 'k'},
        {"initrd", required_argument, NULL, 'i'},
        {"append", required_argument, NULL, 'a'},
        {"mac", required_argument, NULL, 'm'},
        {"memory", required_argument, NULL, 'M'},
        {"cpus", required_argument, NULL, 'c'},
        {"tap", required_argument, NULL, 't'},
        {"runs", required_argument, NULL, 'r'},
        {"dirty", required_argument, NULL, 'D'},
        {"side", required_argument, NULL, 's'},
        {"downtime-limit", required_argument, NULL, 'L'},
        {"auto-converge", no_argument, NULL, 'A'},
        {"settle", required_argument, NULL, 'S'},
        {"accel", required_argument, NULL, 'X'},
        {"ready", required_argument, NULL, 'R'},
        {NULL, 0, NULL, 0},
    };
    for (int c; (c = getopt_long(argc, argv, "", options, NULL)) != -1;) {
        switch (c) {
        case 'd': dir = optarg; break;
        case 'k': spec.kernel = optarg; break;
        case 'i': spec.initrd = optarg; break;
        case 'a': spec.append = optarg; break;
        case 'm': spec.mac = optarg; break;
        case 'M': spec.memory = strtoull(optarg, NULL, 10); break;
        case 'c': spec.cpus = atoi(optarg); break;
        case 't': spec.tap = optarg; break;
        case 'r': runs = atoi(optarg); break;
        case 'D': dirty = optarg; break;
        case 'L': config.downtime_limit_ms = atoi(optarg); break;
        case 'A': config.allow_auto_converge = true; break;
        case 'S': settle_ms = atoi(optarg); break;
        case 'R': ready = optarg; break;
        case 'X':
            if (qvm_accel_mode_from_name(optarg, &accel_mode)) {
                die("--accel %s: want auto, kvm or tcg", optarg);
            }
            break;
        case 's':
            if (n_sides >= 2) {
                die("two --side only");
            }
            parse_side(&sides[n_sides++], optarg);
            break;
        default:
            exit(2);
        }
    }
    if (!dir || n_sides != 2 || runs < 1) {
        die("want --dir, two --side and --runs >= 1 (see the source)");
    }

    struct qvm_probe kvm_probe;
    bool probed = accel_mode != QVM_ACCEL_MODE_TCG;
    if (probed) {
        qvm_accel_probe(NULL, QVM_ACCEL_KVM, NULL, NULL, QVM_PROBE_TIMEOUT_MS,
                        &kvm_probe);
    }
    char *note;
    if (qvm_accel_decide(accel_mode, probed ? &kvm_probe : NULL, &spec.accel,
                         &note)) {
        die("%s", note);
    }
    printf("bare accel=%s (%s)\n", qvm_accel_name(spec.accel),
           note ? note : probed ? kvm_probe.detail : "accel = tcg");
    fflush(stdout);
    free(note);

    base = event_base_new();
    atexit(stop_all_qemu);
    signal(SIGINT, kill_all_qemu);
    signal(SIGTERM, kill_all_qemu);
    signal(SIGHUP, kill_all_qemu);
    for (int i = 0; i < 2; i++) {
        struct side *s = &sides[i];
        snprintf(s->run_dir, sizeof s->run_dir, "%s/%s", dir, s->name);
        s->spec = spec;
        s->spec.name = s->name;
        s->spec.run_dir = s->run_dir;
    }

    struct side *src = &sides[0];
    start_qemu(src, false);
    if (!wait_log(src, "OVNMIG-BOOTED", 120)) {
        die("the guest did not boot (see %s/console.log)", src->run_dir);
    }
    console_type(src, "echo BARE-SHELL-$((6*7))");
    if (!wait_log(src, "BARE-SHELL-42", 60)) {
        die("the guest's shell does not answer");
    }
    if (dirty) {
        console_type(src, dirty);
        sleep(3);
    }
    if (ready && !wait_ready(ready, 60)) {
        die("the guest does not answer on the network: \"%s\" failed "
            "for 60 s", ready);
    }

    int failures = 0;
    for (int run = 1; run <= runs; run++) {
        struct side *dst = &sides[run % 2];
        src = &sides[(run + 1) % 2];
        long long int t0 = time_msec();
        start_qemu(dst, true);

        char uri[300];
        snprintf(uri, sizeof uri, "tcp:%s:%d", dst->addr, MIGRATION_PORT);
        struct mig_params p;
        mig_params_from_config(&p, &config, uri);
        p.tls_dir = dst->tls_dir;
        struct outcome listening = { .done = false };
        int error = mig_target_prepare(dst->qmp, &p, on_done, &listening);
        if (!error) {
            run_until(&listening, 30);
            error = listening.done ? listening.error : -ETIMEDOUT;
        }
        if (error) {
            die("run %d: target: %s", run, listening.message);
        }
        long long int t_ready = time_msec();

        p.tls_dir = src->tls_dir;
        p.tls_hostname = dst->name;
        struct mig_monitor monitor;
        mig_monitor_init(&monitor, &config, spec.memory, 0, time_msec());
        struct outcome o = { .done = false };
        long long int t_migrate = time_msec();
        long long int t_migrate_wall = time_wall_msec();
        src->stopped = dst->resumed = 0;
        dst->got_resume = false;
        error = mig_source_start(base, src->qmp, &p, &monitor, on_done, &o,
                                 &src->ms);
        if (error) {
            die("run %d: migrate: %s", run, ovs_strerror(-error));
        }
        run_until(&o, 600);
        mig_source_destroy(src->ms);
        src->ms = NULL;
        if (!o.done || o.error) {
            die("run %d: %s", run, o.done ? o.message : "no end in 600 s");
        }
        /* The target's RESUME may come after the source's "completed". */
        run_while_not(&dst->got_resume, 2);
        long long int pause = src->stopped && dst->got_resume
            ? llround((dst->resumed - src->stopped) * 1000) : -1;

        struct json *result = NULL;
        qmp_execute_sync(base, src->qmp, "query-migrate", NULL, 5000,
                         &result, NULL);
        int64_t qemu_total = result_int(result, "total-time");
        int64_t downtime = result_int(result, "downtime");
        json_destroy(result);

        printf("bare run=%d from=%s to=%s target_start_ms=%lld "
               "migrate_ms=%lld total_ms=%lld qemu_total_ms=%"PRId64" "
               "downtime_ms=%"PRId64" pause_ms=%lld t_migrate=%.3f "
               "t_done=%.3f\n", run, src->name, dst->name,
               t_ready - t0, o.at - t_migrate, o.at - t0, qemu_total,
               downtime, pause, t_migrate_wall / 1000.0, o.wall / 1000.0);
        fflush(stdout);
        stop_qemu(src);

        /* The guest must run on, whole (design.md §6). */
        char *probe = xasprintf("echo BARE-OK-%d-$((%d*2))", run, run);
        char *want = xasprintf("BARE-OK-%d-%d", run, run * 2);
        console_type(dst, probe);
        bool alive = wait_log(dst, want, 30);
        char *log = qvm_console_path(&dst->spec);
        bool clean = !log_contains(log, "BUG:") && !log_contains(log, "Oops")
                     && !log_contains(log, "Kernel panic");
        free(log);
        free(probe);
        free(want);
        if (!alive || !clean) {
            fprintf(stderr, "bare-migrate: run %d: the guest %s (see "
                    "%s/console.log)\n", run, alive ? "logged a kernel error"
                    : "does not answer", dst->run_dir);
            failures++;
            break;
        }
        if (settle_ms > 0) {
            usleep(settle_ms * 1000);
        }
    }
    for (int i = 0; i < 2; i++) {
        stop_qemu(&sides[i]);
    }
    event_base_free(base);
    return failures ? 1 : 0;
}
