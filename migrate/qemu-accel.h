/* SPDX-License-Identifier: Apache-2.0
 *
 * qemu-accel.h -- which accelerator QEMU runs guests with, decided on
 * purpose.
 *
 * A /dev/kvm that opens is no proof that KVM runs a guest: on some hosts
 * (nested clouds, CI runners, the kvm_pvm module) KVM_CREATE_VM and a few
 * real-mode instructions work, yet a Linux guest hangs as it leaves real
 * mode.  QEMU, told "-accel kvm -accel tcg", takes KVM there and the guest
 * never boots.  So the accelerator is chosen by a probe that boots a tiny
 * guest the way a kernel does: from the reset vector in real mode, into
 * protected mode, into long mode, reporting each stage on QEMU's debug
 * console and leaving through QEMU's debug-exit device.  The probe runs the
 * same QEMU binary, with the accelerator it judges, and is bounded in time.
 */
#ifndef OVNMIG_QEMU_ACCEL_H
#define OVNMIG_QEMU_ACCEL_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What QEMU runs a guest with. */
enum qvm_accel {
    QVM_ACCEL_TCG,              /* Software emulation: works everywhere. */
    QVM_ACCEL_KVM,
};

/* What the configuration asks for (ovnmigd.conf "accel"). */
enum qvm_accel_mode {
    QVM_ACCEL_AUTO,             /* KVM if the probe passes, else TCG. */
    QVM_ACCEL_MODE_KVM,         /* KVM, or fail to start. */
    QVM_ACCEL_MODE_TCG,         /* TCG; /dev/kvm is never touched. */
};

/* "tcg", "kvm"; "auto", "kvm", "tcg". */
const char *qvm_accel_name(enum qvm_accel);
const char *qvm_accel_mode_name(enum qvm_accel_mode);
/* Parses "tcg"/"kvm" or "auto"/"kvm"/"tcg".  Returns 0 or -EINVAL. */
int qvm_accel_from_name(const char *, enum qvm_accel *);
int qvm_accel_mode_from_name(const char *, enum qvm_accel_mode *);

/* The outcome of one probe. */
enum qvm_probe_status {
    QVM_PROBE_OK,               /* The guest reached long mode. */
    QVM_PROBE_ABSENT,           /* No KVM device. */
    QVM_PROBE_NO_ACCESS,        /* The device exists; we may not open it. */
    QVM_PROBE_BROKEN,           /* It opens, but no guest reached long
                                 * mode: 'detail' says how far it came. */
};

/* How far the probe's guest came (QVM_PROBE_BROKEN). */
enum qvm_probe_stage {
    QVM_STAGE_NONE,             /* Not even protected mode. */
    QVM_STAGE_PROTECTED,        /* Protected mode, not long mode. */
    QVM_STAGE_LONG,             /* Long mode: the guest runs. */
};

struct qvm_probe {
    enum qvm_probe_status status;
    enum qvm_probe_stage stage;
    long long int elapsed_ms;
    char detail[256];           /* One line, for the log and the CLI. */
};

/* A probe never takes longer than this (plus QEMU's reaping). */
#define QVM_PROBE_TIMEOUT_MS 2000

/* Probes whether 'qemu' (NULL: qemu-system-x86_64 on the PATH) runs a
 * guest into long mode with 'accel', within 'timeout_ms'.  For KVM, the
 * device 'kvm_dev' (NULL: /dev/kvm) is first opened and asked its API
 * version: a device that is missing, closed to us, or no KVM device ends
 * the probe there, without QEMU.  Uses a scratch directory under 'tmp_dir'
 * (NULL: $TMPDIR or /tmp), removed before return.  Fills 'probe' and
 * returns 0; a negative errno only if the probe itself could not run (no
 * scratch directory, no fork), with 'probe->detail' saying why. */
int qvm_accel_probe(const char *qemu, enum qvm_accel accel,
                    const char *kvm_dev, const char *tmp_dir, int timeout_ms,
                    struct qvm_probe *probe);

/* Decides the accelerator for 'mode' from 'kvm_probe' (the KVM probe's
 * outcome; ignored, and may be NULL, for QVM_ACCEL_MODE_TCG).  Pure.
 * Returns 0 with '*accel' set and, in '*note', a line worth one warning
 * (auto fell back to TCG) or NULL; or -ENODEV when 'mode' asks for KVM
 * and the probe failed, with the reason in '*note'.  The caller frees
 * '*note'. */
int qvm_accel_decide(enum qvm_accel_mode mode,
                     const struct qvm_probe *kvm_probe,
                     enum qvm_accel *accel, char **note);

/* In a child about to exec QEMU: stdout and stderr to 'err_path' (created
 * or truncated; left alone if it cannot be), stdin from /dev/null. */
void qvm_redirect_stdio(const char *err_path);

/* The guest image the probe boots: a 64 KiB BIOS for QEMU's "-bios".  The
 * caller frees the result.  Exposed for the tests. */
uint8_t *qvm_probe_bios(size_t *size);

#endif /* qemu-accel.h */
