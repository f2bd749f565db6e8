/* SPDX-License-Identifier: Apache-2.0
 *
 * qemu-vm.h -- a VM's QEMU process: its command line, start, re-adoption
 * and stop.  The migration engine and ovnmigd's VM lifecycle share it.
 *
 * QEMU runs daemonized inside the VM's pod network namespace, with its
 * QMP socket, serial console (console.sock, logged to console.log) and
 * pidfile in the VM's run directory,
 * so it outlives ovnmigd: a stopped or crashed daemon leaves its VMs
 * running, and a restarted one finds each QEMU again from the pidfile,
 * checked against /proc so that a recycled PID is never taken for it.
 */
#ifndef OVNMIG_QEMU_VM_H
#define OVNMIG_QEMU_VM_H 1

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "migrate/qemu-accel.h"

struct svec;

struct qvm_spec {
    const char *name;           /* VM name, shown as QEMU's -name. */
    const char *run_dir;        /* qmp.sock, console.log, qemu.pid. */
    uint64_t memory;            /* Bytes; a multiple of 4 KiB. */
    unsigned int cpus;
    const char *kernel;         /* Direct kernel boot (the test guests). */
    const char *initrd;         /* May be NULL. */
    const char *append;         /* Kernel command line; may be NULL. */
    const char *mac;            /* The VM's NIC MAC: the LSP's. */
    const char *tap;            /* In the pod namespace: "tap0". */
    bool incoming;              /* Migration target: -incoming defer. */
    const char *qemu;           /* NULL: qemu-system-x86_64 on the PATH. */
    enum qvm_accel accel;       /* Decided by qvm_accel_decide(): QEMU is
                                 * never left to pick one itself. */
};

/* Checks 'spec' and appends QEMU's command line to 'argv'.  Returns 0 or
 * -EINVAL with a message in '*errorp' (caller frees). */
int qvm_build_argv(const struct qvm_spec *, struct svec *argv,
                   char **errorp);

/* The paths of the VM's QMP socket, console log and pidfile.  The caller
 * frees the result. */
char *qvm_qmp_path(const struct qvm_spec *);
char *qvm_console_path(const struct qvm_spec *);
char *qvm_pidfile_path(const struct qvm_spec *);

/* Whether the first 'max' bytes of the file 'path' contain 'needle' within
 * one of their NUL-separated pieces: a console log (which may hold NULs) or
 * /proc/PID/cmdline.  False if the file cannot be read. */
bool qvm_file_contains(const char *path, const char *needle, size_t max);

/* Starts QEMU in the network namespace 'netns_fd' (-1: the caller's),
 * and returns once it has daemonized: 0 with its PID in '*pidp', or a
 * negative errno (details logged, and QEMU's own error in the run
 * directory's qemu.err). */
int qvm_start(const struct qvm_spec *, int netns_fd, pid_t *pidp);

/* The PID of the VM's running QEMU, or 0 if none runs.  Reads the pidfile
 * and checks /proc: the process must be alive (not a zombie) and its
 * command line must name this VM's QMP socket. */
pid_t qvm_find(const struct qvm_spec *);

/* The accelerator the running QEMU 'pid' was started with (its "-accel"),
 * in '*accel'.  Returns 0, or -ENOENT if its command line names none it
 * knows (or cannot be read). */
int qvm_accel_of(pid_t pid, enum qvm_accel *accel);

/* Stops the VM's QEMU: SIGTERM, then SIGKILL after 'grace_ms'.  Returns 0
 * (also when none was running) or a negative errno. */
int qvm_stop(const struct qvm_spec *, int grace_ms);

#endif /* qemu-vm.h */
