/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "migrate/qemu-accel.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(qemu_accel);

const char *
qvm_accel_name(enum qvm_accel accel)
{
    return accel == QVM_ACCEL_KVM ? "kvm" : "tcg";
}

const char *
qvm_accel_mode_name(enum qvm_accel_mode mode)
{
    return (mode == QVM_ACCEL_MODE_KVM ? "kvm"
            : mode == QVM_ACCEL_MODE_TCG ? "tcg" : "auto");
}

int
qvm_accel_from_name(const char *s, enum qvm_accel *accel)
{
    if (s && !strcmp(s, "kvm")) {
        *accel = QVM_ACCEL_KVM;
    } else if (s && !strcmp(s, "tcg")) {
        *accel = QVM_ACCEL_TCG;
    } else {
        return -EINVAL;
    }
    return 0;
}

int
qvm_accel_mode_from_name(const char *s, enum qvm_accel_mode *mode)
{
    if (s && !strcmp(s, "auto")) {
        *mode = QVM_ACCEL_AUTO;
    } else if (s && !strcmp(s, "kvm")) {
        *mode = QVM_ACCEL_MODE_KVM;
    } else if (s && !strcmp(s, "tcg")) {
        *mode = QVM_ACCEL_MODE_TCG;
    } else {
        return -EINVAL;
    }
    return 0;
}

/* ------------------------------------------------------------ the guest
 *
 * A 64 KiB BIOS, mapped by QEMU just below 1 MiB (and 4 GiB).  From the
 * reset vector it does what every kernel's entry does on the way to
 * 64 bits: load a GDT, set CR0.PE, far-jump into 32-bit code, build page
 * tables (identity map of the first 2 MiB, in RAM at 0x1000-0x3fff), set
 * CR4.PAE, CR3, EFER.LME, CR0.PG, and far-jump into 64-bit code.  It
 * writes '1' to the debug console (port 0xe9) once in protected mode and
 * '2' once in long mode, then writes 2 to the debug-exit device (port
 * 0xf4), which ends QEMU with status (2 << 1) | 1.  The descriptors are
 * marked accessed, so the CPU never writes to the ROM. */
#define PROBE_EXIT_STATUS 5

__asm__(
    ".pushsection .rodata.ovnmig_probe, \"a\"\n"
    ".globl ovnmig_probe_code\n"
    ".globl ovnmig_probe_code_end\n"
    ".set PROBE_BASE, 0xf0000\n"
    "ovnmig_probe_code:\n"
    ".code16\n"
    "    cli\n"
    "    lgdtl %cs:probe_gdtr - ovnmig_probe_code\n"
    "    movl %cr0, %eax\n"
    "    orl $1, %eax\n"
    "    movl %eax, %cr0\n"
    "    ljmpl $0x08, $PROBE_BASE + probe_pm32 - ovnmig_probe_code\n"
    ".code32\n"
    "probe_pm32:\n"
    "    movw $0x10, %ax\n"
    "    movw %ax, %ds\n"
    "    movw %ax, %es\n"
    "    movw %ax, %ss\n"
    "    movb $0x31, %al\n"
    "    outb %al, $0xe9\n"
    "    movl $0x2003, 0x1000\n"
    "    movl $0, 0x1004\n"
    "    movl $0x3003, 0x2000\n"
    "    movl $0, 0x2004\n"
    "    movl $0x83, 0x3000\n"
    "    movl $0, 0x3004\n"
    "    movl %cr4, %eax\n"
    "    orl $0x20, %eax\n"
    "    movl %eax, %cr4\n"
    "    movl $0x1000, %eax\n"
    "    movl %eax, %cr3\n"
    "    movl $0xc0000080, %ecx\n"
    "    rdmsr\n"
    "    orl $0x100, %eax\n"
    "    wrmsr\n"
    "    movl %cr0, %eax\n"
    "    orl $0x80000000, %eax\n"
    "    movl %eax, %cr0\n"
    "    ljmpl $0x18, $PROBE_BASE + probe_lm64 - ovnmig_probe_code\n"
    ".code64\n"
    "probe_lm64:\n"
    "    movb $0x32, %al\n"
    "    outb %al, $0xe9\n"
    "    movb $2, %al\n"
    "    outb %al, $0xf4\n"
    "1:  hlt\n"
    "    jmp 1b\n"
    ".p2align 3\n"
    "probe_gdt:\n"
    "    .quad 0\n"
    "    .quad 0x00cf9b000000ffff\n"   /* 0x08: 32-bit code */
    "    .quad 0x00cf93000000ffff\n"   /* 0x10: data */
    "    .quad 0x00af9b000000ffff\n"   /* 0x18: 64-bit code */
    "probe_gdtr:\n"
    "    .word probe_gdtr - probe_gdt - 1\n"
    "    .long PROBE_BASE + probe_gdt - ovnmig_probe_code\n"
    "ovnmig_probe_code_end:\n"
    ".popsection\n");

extern const uint8_t ovnmig_probe_code[], ovnmig_probe_code_end[];

#define PROBE_BIOS_SIZE 65536

uint8_t *
qvm_probe_bios(size_t *size)
{
    size_t code_size = ovnmig_probe_code_end - ovnmig_probe_code;
    uint8_t *bios = xmalloc(PROBE_BIOS_SIZE);

    memset(bios, 0xf4, PROBE_BIOS_SIZE);        /* hlt */
    ovs_assert(code_size < PROBE_BIOS_SIZE - 16);
    memcpy(bios, ovnmig_probe_code, code_size);
    /* The reset vector, F000:FFF0: "ljmp $0xf000, $0". */
    static const uint8_t reset[] = { 0xea, 0x00, 0x00, 0x00, 0xf0 };
    memcpy(bios + PROBE_BIOS_SIZE - 16, reset, sizeof reset);
    *size = PROBE_BIOS_SIZE;
    return bios;
}

/* ------------------------------------------------------------ the probe */

static void
set_detail(struct qvm_probe *p, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3);

static void
set_detail(struct qvm_probe *p, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(p->detail, sizeof p->detail, format, args);
    va_end(args);
}

/* Whether 'dev' is a KVM device we may use.  Fills 'p' if not. */
static bool
kvm_device_usable(const char *dev, struct qvm_probe *p)
{
    int fd = open(dev, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int error = errno;
        p->status = (error == ENOENT || error == ENXIO || error == ENODEV
                     ? QVM_PROBE_ABSENT
                     : error == EACCES || error == EPERM
                     ? QVM_PROBE_NO_ACCESS : QVM_PROBE_BROKEN);
        set_detail(p, "%s: %s", dev, ovs_strerror(error));
        return false;
    }
    int version = ioctl(fd, KVM_GET_API_VERSION, 0);
    int error = errno;
    close(fd);
    if (version != KVM_API_VERSION) {
        p->status = QVM_PROBE_BROKEN;
        if (version < 0) {
            set_detail(p, "%s is no KVM device (KVM_GET_API_VERSION: %s)",
                       dev, ovs_strerror(error));
        } else {
            set_detail(p, "%s speaks KVM API %d, not %d", dev, version,
                       KVM_API_VERSION);
        }
        return false;
    }
    return true;
}

static int
write_file(const char *path, const void *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return -errno;
    }
    int error = 0;
    if (write(fd, data, size) != (ssize_t) size) {
        error = errno ? -errno : -EIO;
    }
    close(fd);
    return error;
}

/* The first line of 'path' (at most 'size' - 1 bytes), or "". */
static void
read_first_line(const char *path, char *buf, size_t size)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f) {
        if (!fgets(buf, size, f)) {
            buf[0] = '\0';
        }
        buf[strcspn(buf, "\n")] = '\0';
        fclose(f);
    }
}

static enum qvm_probe_stage
read_stage(const char *path)
{
    char buf[64];
    enum qvm_probe_stage stage = QVM_STAGE_NONE;
    FILE *f = fopen(path, "r");
    if (f) {
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        for (size_t i = 0; i < n; i++) {
            if (buf[i] == '2') {
                stage = QVM_STAGE_LONG;
            } else if (buf[i] == '1' && stage == QVM_STAGE_NONE) {
                stage = QVM_STAGE_PROTECTED;
            }
        }
    }
    return stage;
}

static const char *
stage_phrase(enum qvm_probe_stage stage)
{
    return (stage == QVM_STAGE_LONG ? "long mode"
            : stage == QVM_STAGE_PROTECTED
            ? "protected mode, not long mode"
            : "real mode only, not protected mode");
}

void
qvm_redirect_stdio(const char *err_path)
{
    int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
    }
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
    }
}

/* Waits up to 'ms' for 'pid'.  Returns true with '*status' if it ended. */
static bool
wait_bounded(pid_t pid, long long int ms, int *status)
{
    long long int deadline = time_msec() + ms;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR)) {
            return r == pid;
        }
        if (time_msec() >= deadline) {
            return false;
        }
        nanosleep(&(struct timespec) { .tv_nsec = 5 * 1000 * 1000 }, NULL);
    }
}

int
qvm_accel_probe(const char *qemu, enum qvm_accel accel, const char *kvm_dev,
                const char *tmp_dir, int timeout_ms, struct qvm_probe *p)
{
    long long int start = time_msec();

    memset(p, 0, sizeof *p);
    p->status = QVM_PROBE_BROKEN;
    if (accel == QVM_ACCEL_KVM
        && !kvm_device_usable(kvm_dev ? kvm_dev : "/dev/kvm", p)) {
        p->elapsed_ms = time_msec() - start;
        return 0;
    }

    if (!tmp_dir) {
        tmp_dir = getenv("TMPDIR");
        tmp_dir = tmp_dir && *tmp_dir ? tmp_dir : "/tmp";
    }
    char *dir = xasprintf("%s/ovnmig-accel-probe.XXXXXX", tmp_dir);
    if (!mkdtemp(dir)) {
        int error = -errno;
        set_detail(p, "scratch directory in %s: %s", tmp_dir,
                   ovs_strerror(errno));
        free(dir);
        return error;
    }
    char *bios_path = xasprintf("%s/bios.bin", dir);
    char *stages_path = xasprintf("%s/stages", dir);
    char *err_path = xasprintf("%s/qemu.err", dir);
    char *debugcon = xasprintf("file,id=stages,path=%s", stages_path);
    size_t bios_size;
    uint8_t *bios = qvm_probe_bios(&bios_size);
    int error = write_file(bios_path, bios, bios_size);
    free(bios);
    if (error) {
        set_detail(p, "%s: %s", bios_path, ovs_strerror(-error));
        goto out;
    }

    const char *bin = qemu ? qemu : "qemu-system-x86_64";
    const char *argv[] = {
        bin, "-accel", qvm_accel_name(accel), "-machine", "pc", "-m", "16",
        "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
        "-bios", bios_path, "-chardev", debugcon,
        "-device", "isa-debugcon,iobase=0xe9,chardev=stages",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=1", NULL,
    };
    pid_t pid = fork();
    if (pid < 0) {
        error = -errno;
        set_detail(p, "fork: %s", ovs_strerror(errno));
        goto out;
    } else if (!pid) {
        qvm_redirect_stdio(err_path);
        execvp(bin, (char **) argv);
        fprintf(stderr, "%s: %s\n", bin, strerror(errno));
        _exit(127);
    }

    int status;
    bool ended = wait_bounded(pid, timeout_ms, &status);
    if (!ended) {
        kill(pid, SIGKILL);
        /* A process stuck in the kernel may not die at once: never hang
         * for it.  Left unreaped, it is a zombie until we exit. */
        if (!wait_bounded(pid, 500, &status)) {
            VLOG_WARN("accelerator probe: QEMU (pid %ld) did not die on "
                      "SIGKILL within 500 ms", (long) pid);
        }
    }
    p->stage = read_stage(stages_path);
    char qemu_says[160];
    read_first_line(err_path, qemu_says, sizeof qemu_says);
    const char *sep = qemu_says[0] ? "; QEMU: " : "";

    if (ended && WIFEXITED(status)
        && WEXITSTATUS(status) == PROBE_EXIT_STATUS
        && p->stage == QVM_STAGE_LONG) {
        p->status = QVM_PROBE_OK;
        set_detail(p, "a guest reached long mode");
    } else if (!ended) {
        set_detail(p, "no guest reached long mode within %d ms (it ran in "
                   "%s)%s%s", timeout_ms, stage_phrase(p->stage), sep,
                   qemu_says);
    } else if (WIFEXITED(status) && !WEXITSTATUS(status)) {
        set_detail(p, "the guest reset (triple fault) in %s%s%s",
                   stage_phrase(p->stage), sep, qemu_says);
    } else if (WIFEXITED(status)) {
        set_detail(p, "QEMU exited with status %d (the guest ran in %s)%s%s",
                   WEXITSTATUS(status), stage_phrase(p->stage), sep,
                   qemu_says);
    } else {
        set_detail(p, "QEMU died of signal %d (the guest ran in %s)%s%s",
                   WIFSIGNALED(status) ? WTERMSIG(status) : 0,
                   stage_phrase(p->stage), sep, qemu_says);
    }

out:
    unlink(bios_path);
    unlink(stages_path);
    unlink(err_path);
    rmdir(dir);
    free(debugcon);
    free(err_path);
    free(stages_path);
    free(bios_path);
    free(dir);
    p->elapsed_ms = time_msec() - start;
    return error;
}

int
qvm_accel_decide(enum qvm_accel_mode mode, const struct qvm_probe *kvm,
                 enum qvm_accel *accel, char **note)
{
    *note = NULL;
    *accel = QVM_ACCEL_TCG;
    if (mode == QVM_ACCEL_MODE_TCG) {
        return 0;
    }
    if (kvm && kvm->status == QVM_PROBE_OK) {
        *accel = QVM_ACCEL_KVM;
        return 0;
    }

    char *why = (!kvm ? xstrdup("KVM was not probed")
                 : xasprintf("%s (%s)",
                             kvm->status == QVM_PROBE_ABSENT ? "no KVM here"
                             : kvm->status == QVM_PROBE_NO_ACCESS
                             ? "KVM is here but closed to this process"
                             : "KVM is here but cannot run a guest",
                             kvm->detail));
    int error = 0;
    if (mode == QVM_ACCEL_MODE_KVM) {
        *note = xasprintf("accel = kvm, but %s", why);
        error = -ENODEV;
    } else {
        *note = xasprintf("%s: guests run under TCG, software emulation "
                          "(set accel = tcg to say so and skip the probe)",
                          why);
    }
    free(why);
    return error;
}
