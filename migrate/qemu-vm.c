/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <config.h>
#include "migrate/qemu-vm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "openvswitch/vlog.h"
#include "svec.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(qemu_vm);

char *
qvm_qmp_path(const struct qvm_spec *spec)
{
    return xasprintf("%s/qmp.sock", spec->run_dir);
}

char *
qvm_console_path(const struct qvm_spec *spec)
{
    return xasprintf("%s/console.log", spec->run_dir);
}

char *
qvm_pidfile_path(const struct qvm_spec *spec)
{
    return xasprintf("%s/qemu.pid", spec->run_dir);
}

/* A value QEMU reads as one argument of a "key=value,..." option: commas
 * would start a new key. */
static bool
option_safe(const char *s)
{
    return s && *s && !strchr(s, ',');
}

int
qvm_build_argv(const struct qvm_spec *spec, struct svec *argv,
               char **errorp)
{
    *errorp = NULL;
    if (!spec->name || !*spec->name || !option_safe(spec->run_dir)) {
        *errorp = xstrdup("a VM needs a name and a run directory "
                          "(without commas)");
    } else if (!spec->memory || spec->memory % 4096) {
        *errorp = xasprintf("memory %"PRIu64" is not a positive multiple "
                            "of 4 KiB", spec->memory);
    } else if (!spec->cpus || spec->cpus > 256) {
        *errorp = xasprintf("%u CPUs: must be 1 to 256", spec->cpus);
    } else if (!spec->kernel || !*spec->kernel) {
        *errorp = xstrdup("no kernel to boot");
    } else if (!option_safe(spec->mac) || !option_safe(spec->tap)) {
        *errorp = xstrdup("a VM needs a NIC MAC and a tap (without commas)");
    }
    if (*errorp) {
        return -EINVAL;
    }

    char *qmp = qvm_qmp_path(spec);
    char *console = qvm_console_path(spec);
    char *pidfile = qvm_pidfile_path(spec);

    svec_add(argv, spec->qemu ? spec->qemu : "qemu-system-x86_64");
    svec_add(argv, "-name");
    svec_add_nocopy(argv, xasprintf("%s,process=ovnmig-%s",
                                    spec->name, spec->name));
    /* One accelerator, decided by a probe (qemu-accel.h): with a list,
     * QEMU takes the first that initialises, even a KVM that cannot run
     * the guest. */
    svec_add(argv, "-accel");
    svec_add(argv, qvm_accel_name(spec->accel));
    svec_add(argv, "-m");
    svec_add_nocopy(argv, xasprintf("%"PRIu64"K", spec->memory / 1024));
    svec_add(argv, "-smp");
    svec_add_nocopy(argv, xasprintf("%u", spec->cpus));
    svec_add(argv, "-nodefaults");
    svec_add(argv, "-display");
    svec_add(argv, "none");
    svec_add(argv, "-no-user-config");
    svec_add(argv, "-kernel");
    svec_add(argv, spec->kernel);
    if (spec->initrd) {
        svec_add(argv, "-initrd");
        svec_add(argv, spec->initrd);
    }
    if (spec->append) {
        svec_add(argv, "-append");
        svec_add(argv, spec->append);
    }
    /* vnet_hdr=off: the guest then computes its own checksums, which the
     * userspace datapath behind the veth cannot do for it. */
    svec_add(argv, "-netdev");
    svec_add_nocopy(argv, xasprintf("tap,id=net0,ifname=%s,script=no,"
                                    "downscript=no,vnet_hdr=off",
                                    spec->tap));
    svec_add(argv, "-device");
    svec_add_nocopy(argv, xasprintf("virtio-net-pci,netdev=net0,mac=%s,"
                                    "romfile=", spec->mac));
    /* The serial console: a socket an operator (or a test) can type into,
     * every byte of it also appended to console.log. */
    char *console_sock = xasprintf("%s/console.sock", spec->run_dir);
    svec_add(argv, "-chardev");
    svec_add_nocopy(argv, xasprintf("socket,id=console,path=%s,server=on,"
                                    "wait=off,logfile=%s,logappend=on",
                                    console_sock, console));
    free(console_sock);
    svec_add(argv, "-serial");
    svec_add(argv, "chardev:console");
    svec_add(argv, "-qmp");
    svec_add_nocopy(argv, xasprintf("unix:%s,server=on,wait=off", qmp));
    svec_add(argv, "-pidfile");
    svec_add(argv, pidfile);
    svec_add(argv, "-daemonize");
    if (spec->incoming) {
        svec_add(argv, "-incoming");
        svec_add(argv, "defer");
    }
    svec_terminate(argv);

    free(qmp);
    free(console);
    free(pidfile);
    return 0;
}

int
qvm_start(const struct qvm_spec *spec, int netns_fd, pid_t *pidp)
{
    struct svec argv;
    char *error_msg;
    int error;

    *pidp = 0;
    if (qvm_find(spec)) {
        return -EEXIST;
    }
    svec_init(&argv);
    error = qvm_build_argv(spec, &argv, &error_msg);
    if (error) {
        VLOG_ERR("%s: %s", spec->name, error_msg);
        free(error_msg);
        svec_destroy(&argv);
        return error;
    }
    if (mkdir(spec->run_dir, 0700) && errno != EEXIST) {
        error = -errno;
        svec_destroy(&argv);
        return error;
    }
    char *err_path = xasprintf("%s/qemu.err", spec->run_dir);
    char *pidfile = qvm_pidfile_path(spec);
    unlink(pidfile);

    pid_t pid = fork();
    if (pid < 0) {
        error = -errno;
    } else if (!pid) {
        /* QEMU's own messages go to qemu.err; with -daemonize it exits
         * once the VM is up, so its status is QEMU's verdict. */
        qvm_redirect_stdio(err_path);
        if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET)) {
            fprintf(stderr, "setns: %s\n", strerror(errno));
            _exit(126);
        }
        execvp(argv.names[0], argv.names);
        fprintf(stderr, "%s: %s\n", argv.names[0], strerror(errno));
        _exit(127);
    } else {
        int status;
        if (waitpid(pid, &status, 0) < 0) {
            error = -errno;
        } else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
            VLOG_ERR("%s: QEMU failed to start (see %s)", spec->name,
                     err_path);
            error = -EIO;
        } else if (!(*pidp = qvm_find(spec))) {
            VLOG_ERR("%s: QEMU started but is gone", spec->name);
            error = -ESRCH;
        } else {
            VLOG_INFO("%s: QEMU running, pid %ld", spec->name,
                      (long) *pidp);
        }
    }
    free(pidfile);
    free(err_path);
    svec_destroy(&argv);
    return error;
}

/* True if process 'pid' is alive and not a zombie. */
static bool
process_alive(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long) pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        return false;
    }
    bool alive = false;
    if (fgets(buf, sizeof buf, f)) {
        /* "pid (comm) S ...": the state follows the last ')'. */
        char *paren = strrchr(buf, ')');
        alive = paren && paren[1] == ' ' && paren[2] != 'Z'
                && paren[2] != 'X';
    }
    fclose(f);
    return alive;
}

bool
qvm_file_contains(const char *path, const char *needle, size_t max)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        return false;
    }
    char *buf = xmalloc(max + 1);
    size_t n = fread(buf, 1, max, f);
    fclose(f);
    buf[n] = '\0';
    bool found = false;
    for (size_t i = 0; i < n && !found; i += strlen(buf + i) + 1) {
        found = strstr(buf + i, needle) != NULL;
    }
    free(buf);
    return found;
}

int
qvm_accel_of(pid_t pid, enum qvm_accel *accel)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/cmdline", (long) pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        return -ENOENT;
    }
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';

    int error = -ENOENT;
    for (size_t i = 0; i < n; i += strlen(buf + i) + 1) {
        if (!strcmp(buf + i, "-accel") && i + strlen(buf + i) + 1 < n) {
            const char *value = buf + i + strlen(buf + i) + 1;
            /* "-accel kvm" or "-accel kvm,prop=...": the name comes first. */
            char name[16];
            ovs_strzcpy(name, value, MIN(sizeof name, strcspn(value, ",") + 1));
            if (!qvm_accel_from_name(name, accel)) {
                error = 0;
            }
        }
    }
    return error;
}

/* True if the command line of 'pid' contains 'needle' in one argument. */
static bool
cmdline_contains(pid_t pid, const char *needle)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/cmdline", (long) pid);
    return qvm_file_contains(path, needle, 8192);
}

pid_t
qvm_find(const struct qvm_spec *spec)
{
    char *pidfile = qvm_pidfile_path(spec);
    FILE *f = fopen(pidfile, "r");
    free(pidfile);
    if (!f) {
        return 0;
    }
    long pid = 0;
    if (fscanf(f, "%ld", &pid) != 1 || pid <= 0) {
        pid = 0;
    }
    fclose(f);

    char *qmp = qvm_qmp_path(spec);
    bool ours = pid && process_alive(pid) && cmdline_contains(pid, qmp);
    free(qmp);
    return ours ? pid : 0;
}

int
qvm_stop(const struct qvm_spec *spec, int grace_ms)
{
    pid_t pid = qvm_find(spec);
    if (!pid) {
        return 0;
    }
    kill(pid, SIGTERM);
    for (int waited = 0; process_alive(pid); waited += 10) {
        if (waited >= grace_ms) {
            VLOG_WARN("%s: QEMU did not stop within %d ms: killing it",
                      spec->name, grace_ms);
            kill(pid, SIGKILL);
            grace_ms = INT_MAX;
        }
        nanosleep(&(struct timespec) { 0, 10 * 1000 * 1000 }, NULL);
    }
    char *pidfile = qvm_pidfile_path(spec);
    unlink(pidfile);
    free(pidfile);
    VLOG_INFO("%s: QEMU stopped", spec->name);
    return 0;
}
