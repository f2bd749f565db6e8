/* SPDX-License-Identifier: Apache-2.0
 *
 * migrate/driver against real QEMU: one test guest (tests/guest) booted
 * once under TCG, then migrated over unix sockets to fresh targets four
 * times: cancelled midway, stopped by the completion timeout, refused over
 * TLS by a target whose certificate another CA signed, and carried through
 * over TLS.  After each failure the guest must still run on the source;
 * after the last it must run, and answer on its console, on the target.
 * No network and no privileges needed; skipped when QEMU or the guest
 * kernel is missing.
 *
 *   test-migrate --cancel-race N
 *
 * runs instead N rounds of a cancel followed at once by a migration of the
 * same QEMU, with every other CPU kept busy: the driver must report a
 * cancel's end only once QEMU has ended its migration, or QEMU refuses the
 * next one ("There's a migration process in progress").
 *
 * Every QEMU the test starts dies with it, whatever the outcome: killed
 * at the end, and by the kernel (PR_SET_PDEATHSIG) if the test dies
 * first. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migrate/driver.h"
#include "migrate/monitor.h"
#include "migrate/policy.h"
#include "migrate/qemu-vm.h"
#include "migrate/qmp.h"
#include "openvswitch/json.h"
#include "openvswitch/shash.h"
#include "timeval.h"
#include "util.h"

#define QEMU "/usr/bin/qemu-system-x86_64"

struct vm {
    pid_t pid;
    char qmp_path[256], con_path[256], log_path[256];
    struct qmp *qmp;
};

static char dir[64];
static char guest[256];
static struct event_base *base;

/* Every child the test started and has not reaped yet (QEMUs and CPU
 * burners), killed at exit whatever the outcome. */
static pid_t children[32];

static void
child_add(pid_t pid)
{
    for (size_t i = 0; i < ARRAY_SIZE(children); i++) {
        if (!children[i]) {
            children[i] = pid;
            return;
        }
    }
    kill(pid, SIGKILL);
    fail_msg("more than %zu children", ARRAY_SIZE(children));
}

/* Kills and reaps child 'pid'. */
static void
child_kill(pid_t pid)
{
    for (size_t i = 0; i < ARRAY_SIZE(children); i++) {
        if (children[i] == pid) {
            children[i] = 0;
        }
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static void
children_kill(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(children); i++) {
        if (children[i]) {
            child_kill(children[i]);
        }
    }
}

/* In a child just forked: die with the test, even if it is killed. */
static void
die_with_parent(pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
        _exit(127);             /* The test already died. */
    }
}

/* The migration the source's QMP events go to, as ovnmigd forwards them
 * (the driver acts on MIGRATION events at once). */
static struct mig_source *events_to;

static void
forward_event(void *aux, const char *event, const struct json *data,
              double timestamp)
{
    mig_source_event(events_to, event, data, timestamp);
}

static const struct qmp_callbacks forward_cbs = { .event = forward_event };

/* The targets' first RESUME, ms since the epoch (0: none yet). */
static long long resumed_ms;

static void
on_target_event(void *aux, const char *event, const struct json *data,
                double timestamp)
{
    if (!strcmp(event, "RESUME") && !resumed_ms) {
        resumed_ms = (long long) (timestamp * 1000 + 0.5);
    }
}

static const struct qmp_callbacks target_cbs = { .event = on_target_event };

/* The console log may hold NULs: qvm_file_contains() searches each piece. */
static bool
log_contains(const char *path, const char *needle)
{
    return qvm_file_contains(path, needle, 65536);
}

static void
wait_log(const char *path, const char *needle, int seconds)
{
    for (int i = 0; i < seconds * 10; i++) {
        if (log_contains(path, needle)) {
            return;
        }
        usleep(100000);
    }
    fail_msg("\"%s\" did not appear in %s", needle, path);
}

static void
vm_start(struct vm *vm, const char *name, bool incoming)
{
    snprintf(vm->qmp_path, sizeof vm->qmp_path, "%s/%s.qmp", dir, name);
    snprintf(vm->con_path, sizeof vm->con_path, "%s/%s.con", dir, name);
    snprintf(vm->log_path, sizeof vm->log_path, "%s/%s.log", dir, name);
    char qmp[300], chardev[600], kernel[300], initrd[300];
    snprintf(qmp, sizeof qmp, "unix:%s,server=on,wait=off", vm->qmp_path);
    snprintf(chardev, sizeof chardev,
             "socket,id=con,path=%s,server=on,wait=off,logfile=%s",
             vm->con_path, vm->log_path);
    snprintf(kernel, sizeof kernel, "%s/vmlinuz", guest);
    snprintf(initrd, sizeof initrd, "%s/initramfs.gz", guest);

    pid_t parent = getpid();
    vm->pid = fork();
    assert_true(vm->pid >= 0);
    if (!vm->pid) {
        die_with_parent(parent);
        int null = open("/dev/null", O_RDWR);
        dup2(null, STDIN_FILENO);
        /* RAM not a multiple of 256 KiB: Debian's QEMU 7.2 can corrupt
         * guest memory under TCG otherwise (design.md §6). */
        const char *argv[] = {
            QEMU, "-accel", "tcg", "-m", "262152K", "-nodefaults",
            "-display", "none", "-kernel", kernel, "-initrd", initrd,
            "-append", "console=ttyS0 panic=-1", "-chardev", chardev,
            "-serial", "chardev:con", "-qmp", qmp,
            incoming ? "-incoming" : NULL, "defer", NULL,
        };
        execv(QEMU, (char **) argv);
        _exit(127);
    }
    child_add(vm->pid);
    /* The socket file exists before QEMU listens: retry refusals. */
    int error = -ENOENT;
    for (int i = 0; i < 1000 && error; i++) {
        error = qmp_connect(base, vm->qmp_path,
                            incoming ? &target_cbs : &forward_cbs, &vm->qmp);
        if (error) {
            usleep(10000);
        }
    }
    assert_int_equal(error, 0);
}

static void
vm_kill(struct vm *vm)
{
    qmp_destroy(vm->qmp);
    vm->qmp = NULL;
    child_kill(vm->pid);
}

static char *
vm_status(struct vm *vm)
{
    struct json *result = NULL;
    char *status;
    if (qmp_execute_sync(base, vm->qmp, "query-status", NULL, 5000, &result,
                         NULL)) {
        return xstrdup("(no answer)");
    }
    const struct json *s = shash_find_data(json_object(result), "status");
    status = xstrdup(s ? json_string(s) : "?");
    json_destroy(result);
    return status;
}

struct outcome {
    bool done;
    int error;
    char message[256];
};

static void
on_done(void *o_, int error, const char *message)
{
    struct outcome *o = o_;
    o->done = true;
    o->error = error;
    snprintf(o->message, sizeof o->message, "%s", message ? message : "");
}

static void
run_until(struct outcome *o, int seconds)
{
    long long deadline = time_msec() + seconds * 1000LL;
    while (!o->done && time_msec() < deadline) {
        event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
        usleep(2000);
    }
    assert_true(o->done);
}

/* Starts a new target 'dst' named 'name' and has it listen, with TLS from
 * 'tls' (or none); its URI goes to 'uri'. */
static void
target_listen(struct vm *dst, const char *name,
              const struct mig_config *config, const char *tls,
              char *uri, size_t uri_size)
{
    snprintf(uri, uri_size, "unix:%s/%s.mig", dir, name);
    struct mig_params params;
    mig_params_from_config(&params, config, uri);
    params.tls_dir = tls;

    vm_start(dst, name, true);
    struct outcome listening = { .done = false };
    assert_int_equal(mig_target_prepare(dst->qmp, &params, on_done,
                                        &listening), 0);
    run_until(&listening, 10);
    assert_int_equal(listening.error, 0);
}

/* QEMU's migration status ("none", "active", "cancelling", ...).  The
 * caller frees it. */
static char *
migration_status(struct vm *vm)
{
    struct json *result = NULL;
    char *desc = NULL;
    if (qmp_execute_sync(base, vm->qmp, "query-migrate", NULL, 5000, &result,
                         &desc)) {
        char *status = xasprintf("(query-migrate: %s)", desc);
        free(desc);
        return status;
    }
    /* QEMU that never migrated answers {}. */
    const struct json *s = shash_find_data(json_object(result), "status");
    char *status = xstrdup(s && s->type == JSON_STRING ? json_string(s)
                                                       : "none");
    json_destroy(result);
    return status;
}

/* Migrates 'src' to the target listening on 'uri' under 'config', TLS
 * from 'tls' (or none), cancelling after 'cancel_after_ms' if nonnegative;
 * returns the outcome.  The source's STOP goes to '*stop_ms' if nonnull.
 * When the driver reports the end, QEMU has ended its migration: it
 * would accept another one. */
static struct outcome
source_migrate(struct vm *src, const char *uri,
               const struct mig_config *config, int cancel_after_ms,
               const char *tls, long long *stop_ms)
{
    struct mig_params params;
    mig_params_from_config(&params, config, uri);
    params.tls_hostname = "target.ovnmig";
    params.tls_dir = tls;

    struct mig_monitor monitor;
    mig_monitor_init(&monitor, config, 262152 * 1024, 0, time_msec());
    struct outcome o = { .done = false };
    struct mig_source *s;
    assert_int_equal(mig_source_start(base, src->qmp, &params, &monitor,
                                      on_done, &o, &s), 0);
    events_to = s;
    if (cancel_after_ms >= 0) {
        long long until = time_msec() + cancel_after_ms;
        while (!o.done && time_msec() < until) {
            event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
            usleep(2000);
        }
        mig_source_cancel(s);
    }
    run_until(&o, 60);
    events_to = NULL;
    if (stop_ms) {
        *stop_ms = mig_source_stop_ms(s);
    }
    mig_source_destroy(s);

    char *status = migration_status(src);
    if (strcmp(status, "none") && strcmp(status, "completed")
        && strcmp(status, "failed") && strcmp(status, "cancelled")) {
        fail_msg("the driver reported the end (%s) while QEMU's migration "
                 "is still \"%s\"", o.error ? o.message : "completed",
                 status);
    }
    free(status);
    return o;
}

/* Migrates 'src' to a new target named 'name' under 'config'; returns the
 * outcome, and the target in '*dst' (still running or not).  The source's
 * STOP goes to '*stop_ms' if nonnull. */
static struct outcome
migrate(struct vm *src, struct vm *dst, const char *name,
        const struct mig_config *config, int cancel_after_ms,
        const char *src_tls, const char *dst_tls, long long *stop_ms)
{
    char uri[300];
    target_listen(dst, name, config, dst_tls, uri, sizeof uri);
    return source_migrate(src, uri, config, cancel_after_ms, src_tls,
                          stop_ms);
}

static void
wait_status(struct vm *vm, const char *want)
{
    char *status = NULL;
    for (int i = 0; i < 100; i++) {
        free(status);
        status = vm_status(vm);
        if (!strcmp(status, want)) {
            break;
        }
        usleep(50000);
    }
    assert_string_equal(status, want);
    free(status);
}

static void
console_send(struct vm *vm, const char *line)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    assert_true(strlen(vm->con_path) < sizeof sun.sun_path);
    memcpy(sun.sun_path, vm->con_path, strlen(vm->con_path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(connect(fd, (struct sockaddr *) &sun, sizeof sun), 0);
    assert_int_equal(write(fd, line, strlen(line)), (ssize_t) strlen(line));
    usleep(500000);
    close(fd);
}

static void
test_migrations(void **state OVS_UNUSED)
{
    struct vm src, dst;
    struct mig_config config;

    vm_start(&src, "src", false);
    wait_log(src.log_path, "OVNMIG-BOOTED", 60);

    /* 1. Cancelled midway (a bandwidth low enough to still be copying).
     * No case is held back by the one before: source_migrate() checks
     * that QEMU's migration had ended when the driver said so. */
    mig_config_init(&config);
    config.bandwidth = 256 * 1024;
    struct outcome o = migrate(&src, &dst, "t1", &config, 300, NULL, NULL,
                               NULL);
    assert_int_equal(o.error, -ECANCELED);
    wait_status(&src, "running");
    vm_kill(&dst);

    /* 2. Past completionTimeoutPerGiB (1 s/GiB: 1 s here). */
    config.completion_timeout_per_gib = 1;
    o = migrate(&src, &dst, "t2", &config, -1, NULL, NULL, NULL);
    assert_int_equal(o.error, -ETIMEDOUT);
    assert_non_null(strstr(o.message, "completionTimeoutPerGiB"));
    wait_status(&src, "running");
    vm_kill(&dst);

    /* 3. Over TLS, to a target whose certificate another CA signed: the
     * source refuses it and keeps the guest. */
    mig_config_init(&config);
    char *ours = xasprintf("%s/pki/source.ovnmig", dir);
    char *foreign = xasprintf("%s/other-pki/target.ovnmig", dir);
    char *good = xasprintf("%s/pki/target.ovnmig", dir);
    o = migrate(&src, &dst, "t3", &config, -1, ours, foreign, NULL);
    assert_int_equal(o.error, -EIO);
    wait_status(&src, "running");
    vm_kill(&dst);

    /* 4. Carried through over TLS, unlimited bandwidth, a 50 ms downtime
     * limit. */
    config.downtime_limit_ms = 50;
    long long stop_ms = 0;
    resumed_ms = 0;
    o = migrate(&src, &dst, "t4", &config, -1, ours, good, &stop_ms);
    free(ours);
    free(foreign);
    free(good);
    assert_int_equal(o.error, 0);

    /* It really went over TLS. */
    struct json *result = NULL;
    assert_int_equal(qmp_execute_sync(base, src.qmp,
                                      "query-migrate-parameters", NULL, 5000,
                                      &result, NULL), 0);
    const struct json *creds = shash_find_data(json_object(result),
                                               "tls-creds");
    assert_non_null(creds);
    assert_string_equal(json_string(creds), "ovnmig-tls");
    json_destroy(result);
    assert_int_equal(o.error, 0);
    wait_status(&dst, "running");
    wait_status(&src, "postmigrate");

    /* The guest stopped on the source at the switchover and resumed on
     * the target after it (one clock here; generous on a loaded machine). */
    assert_true(stop_ms > 0);
    assert_true(resumed_ms >= stop_ms);
    assert_true(resumed_ms - stop_ms < 10000);
    printf("guest paused %lld ms\n", resumed_ms - stop_ms);

    /* The guest runs on the target: its shell answers, and its kernel
     * said nothing alarming (QEMU 7.2 under TCG can corrupt memory). */
    console_send(&dst, "echo MIGRATED-$((6*7))\n");
    wait_log(dst.log_path, "MIGRATED-42", 10);
    assert_false(log_contains(dst.log_path, "BUG:"));
    assert_false(log_contains(dst.log_path, "Oops"));
    assert_false(log_contains(dst.log_path, "Kernel panic"));

    vm_kill(&dst);
    vm_kill(&src);
}

/* Keeps every CPU but one busy (at least one), as on a loaded node: a
 * child each that spins until the test kills it.  Returns how many. */
static int
burners_start(pid_t *pids, int max)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN) - 1;
    n = MAX(1, MIN(n, max));
    pid_t parent = getpid();
    for (int i = 0; i < n; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (!pids[i]) {
            die_with_parent(parent);
            for (volatile unsigned long spin = 0; ; spin++) {
                continue;
            }
        }
        child_add(pids[i]);
    }
    return n;
}

static int race_rounds;

/* Rounds of a cancelled migration followed at once by one that completes,
 * of the same QEMU, both targets listening before it starts: nothing
 * between the cancel's end and the next "migrate-set-capabilities" gives
 * QEMU time.  Odd rounds cancel by hand, at points from before "migrate"
 * went out to mid-copy; even rounds by the completion timeout.  The guest
 * then moves on to the completed target, for the next round to start
 * from there. */
static void
test_cancel_race(void **state OVS_UNUSED)
{
    static const int cancel_at_ms[] = { 0, 30, 100, 300, 600 };
    pid_t burners[8];
    int n_burners = burners_start(burners, ARRAY_SIZE(burners));
    printf("%d CPU(s) kept busy\n", n_burners);

    struct vm vms[3];
    struct vm *src = &vms[0], *cancelled = &vms[1], *next = &vms[2];
    vm_start(src, "r0", false);
    wait_log(src->log_path, "OVNMIG-BOOTED", 120);

    struct mig_config slow, timeout, fast;
    mig_config_init(&slow);
    slow.bandwidth = 256 * 1024;
    timeout = slow;
    timeout.completion_timeout_per_gib = 1;     /* 1 s here. */
    mig_config_init(&fast);
    for (int round = 1; round <= race_rounds; round++) {
        char name[32], uri_cancelled[300], uri_next[300];
        snprintf(name, sizeof name, "r%d-cancelled", round);
        target_listen(cancelled, name, &slow, NULL, uri_cancelled,
                      sizeof uri_cancelled);
        snprintf(name, sizeof name, "r%d", round);
        target_listen(next, name, &fast, NULL, uri_next, sizeof uri_next);

        long long start = time_msec();
        struct outcome o;
        int at = -1;
        if (round % 2) {
            at = cancel_at_ms[round / 2 % ARRAY_SIZE(cancel_at_ms)];
            o = source_migrate(src, uri_cancelled, &slow, at, NULL, NULL);
            assert_int_equal(o.error, -ECANCELED);
        } else {
            o = source_migrate(src, uri_cancelled, &timeout, -1, NULL, NULL);
            assert_int_equal(o.error, -ETIMEDOUT);
        }
        long long ended = time_msec();
        o = source_migrate(src, uri_next, &fast, -1, NULL, NULL);
        if (o.error) {
            fail_msg("round %d: the migration after the %s: %s", round,
                     at >= 0 ? "cancel" : "timeout", o.message);
        }
        wait_status(next, "running");
        printf("round %d: %s at %lld ms, then migrated in %lld ms\n", round,
               at >= 0 ? "cancelled" : "timed out", ended - start,
               time_msec() - ended);
        fflush(stdout);
        vm_kill(cancelled);
        vm_kill(src);
        struct vm *t = src;
        src = next;
        next = t;
    }

    /* The guest ran on through every move. */
    console_send(src, "echo RACED-$((6*7))\n");
    wait_log(src->log_path, "RACED-42", 10);
    assert_false(log_contains(src->log_path, "BUG:"));
    assert_false(log_contains(src->log_path, "Oops"));
    assert_false(log_contains(src->log_path, "Kernel panic"));
    vm_kill(src);
    for (int i = 0; i < n_burners; i++) {
        child_kill(burners[i]);
    }
}

/* Builds the test guest and the certificates; NULL or why the test cannot
 * run. */
static const char *
prepare(void)
{
    if (access(QEMU, X_OK)) {
        return QEMU " not found (apt-get install qemu-system-x86)";
    }
    snprintf(guest, sizeof guest, "%s/tests/guest/out", TOP_BUILDDIR);
    char *build = xasprintf("%s/tests/guest/build-guest.sh %s >/dev/null",
                            TOP_SRCDIR, guest);
    int error = system(build);
    free(build);
    char *k = xasprintf("%s/vmlinuz", guest);
    bool no_kernel = access(k, R_OK);
    free(k);
    if (error || no_kernel) {
        return "cannot build the test guest (tests/guest/build-guest.sh: "
               "needs linux-image-cloud-amd64 and busybox-static)";
    }

    /* Two certificate authorities: ours, and another one. */
    char *pki = xasprintf(
        "set -e; p=%s/utilities/ovnmig-pki; d=%s; exec >/dev/null; "
        "$p init $d/pki; $p node $d/pki source.ovnmig; "
        "$p node $d/pki target.ovnmig; "
        "$p init $d/other-pki; $p node $d/other-pki target.ovnmig",
        TOP_SRCDIR, dir);
    error = system(pki);
    free(pki);
    return error ? "cannot make certificates (utilities/ovnmig-pki: needs "
                   "openssl)" : NULL;
}

static void
remove_dir(void)
{
    char *rm = xasprintf("rm -rf %s", dir);
    if (system(rm)) {
        /* Nothing to do: a leftover directory in /tmp. */
    }
    free(rm);
}

int
main(int argc, char *argv[])
{
    signal(SIGPIPE, SIG_IGN);
    set_program_name("test-migrate");
    if (argc == 3 && !strcmp(argv[1], "--cancel-race")) {
        race_rounds = atoi(argv[2]);
    }
    if (argc != 1 && race_rounds <= 0) {
        fprintf(stderr, "usage: %s [--cancel-race ROUNDS]\n", argv[0]);
        return 2;
    }
    strcpy(dir, "/tmp/ovnmig-test-migrate-XXXXXX");
    assert_non_null(mkdtemp(dir));
    atexit(remove_dir);
    atexit(children_kill);      /* Runs first. */
    const char *why_not = prepare();
    if (why_not) {
        printf("SKIP: %s\n", why_not);
        return 77;
    }
    base = event_base_new();

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrations),
    };
    const struct CMUnitTest race[] = {
        cmocka_unit_test(test_cancel_race),
    };
    int rc = (race_rounds
              ? cmocka_run_group_tests_name("cancel-race", race, NULL, NULL)
              : cmocka_run_group_tests_name("migrate", tests, NULL, NULL));
    children_kill();            /* A failed test left its QEMUs. */
    event_base_free(base);
    return rc;
}
