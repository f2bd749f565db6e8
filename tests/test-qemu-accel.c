/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for migrate/qemu-accel: the decision (working, missing,
 * closed and broken-but-present KVM, for each mode), and the probe itself.
 * The probe's guest is booted for real by QEMU under TCG, which proves the
 * guest reaches long mode, so that on a KVM host a failure means KVM.  The
 * ways a probe fails (no device, a device that is no KVM, a QEMU that
 * hangs, exits or resets its guest half-way) are played by stand-in QEMU
 * scripts, since this machine has no broken KVM to show them. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate/qemu-accel.h"
#include "util.h"

static struct qvm_probe
probe_with(enum qvm_probe_status status, const char *detail)
{
    struct qvm_probe p = { .status = status };
    snprintf(p.detail, sizeof p.detail, "%s", detail);
    return p;
}

static void
test_names(void **state OVS_UNUSED)
{
    enum qvm_accel a;
    enum qvm_accel_mode m;

    assert_int_equal(qvm_accel_from_name("kvm", &a), 0);
    assert_int_equal(a, QVM_ACCEL_KVM);
    assert_int_equal(qvm_accel_from_name("tcg", &a), 0);
    assert_int_equal(a, QVM_ACCEL_TCG);
    assert_int_equal(qvm_accel_from_name("auto", &a), -EINVAL);
    assert_int_equal(qvm_accel_from_name(NULL, &a), -EINVAL);
    assert_int_equal(qvm_accel_mode_from_name("auto", &m), 0);
    assert_int_equal(m, QVM_ACCEL_AUTO);
    assert_int_equal(qvm_accel_mode_from_name("KVM", &m), -EINVAL);
    assert_int_equal(qvm_accel_mode_from_name("", &m), -EINVAL);
    assert_string_equal(qvm_accel_name(QVM_ACCEL_KVM), "kvm");
    assert_string_equal(qvm_accel_mode_name(QVM_ACCEL_MODE_TCG), "tcg");
}

/* Every mode against every probe outcome. */
static void
test_decide(void **state OVS_UNUSED)
{
    static const struct {
        enum qvm_accel_mode mode;
        int status;             /* enum qvm_probe_status, -1: not probed */
        int ret;
        enum qvm_accel accel;
        const char *note;       /* Substring of the note, or NULL: none. */
    } cases[] = {
        { QVM_ACCEL_MODE_TCG, -1, 0, QVM_ACCEL_TCG, NULL },
        { QVM_ACCEL_MODE_TCG, QVM_PROBE_OK, 0, QVM_ACCEL_TCG, NULL },
        { QVM_ACCEL_AUTO, QVM_PROBE_OK, 0, QVM_ACCEL_KVM, NULL },
        { QVM_ACCEL_AUTO, QVM_PROBE_ABSENT, 0, QVM_ACCEL_TCG,
          "no KVM here (the detail)" },
        { QVM_ACCEL_AUTO, QVM_PROBE_NO_ACCESS, 0, QVM_ACCEL_TCG,
          "closed to this process" },
        { QVM_ACCEL_AUTO, QVM_PROBE_BROKEN, 0, QVM_ACCEL_TCG,
          "KVM is here but cannot run a guest (the detail): guests run "
          "under TCG" },
        { QVM_ACCEL_AUTO, -1, 0, QVM_ACCEL_TCG, "KVM was not probed: " },
        { QVM_ACCEL_MODE_KVM, QVM_PROBE_OK, 0, QVM_ACCEL_KVM, NULL },
        { QVM_ACCEL_MODE_KVM, QVM_PROBE_BROKEN, -ENODEV, QVM_ACCEL_TCG,
          "accel = kvm, but KVM is here but cannot run a guest" },
        { QVM_ACCEL_MODE_KVM, QVM_PROBE_ABSENT, -ENODEV, QVM_ACCEL_TCG,
          "accel = kvm, but no KVM here" },
        { QVM_ACCEL_MODE_KVM, -1, -ENODEV, QVM_ACCEL_TCG,
          "accel = kvm, but KVM was not probed" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct qvm_probe p = probe_with(cases[i].status < 0 ? QVM_PROBE_OK
                                        : cases[i].status, "the detail");
        enum qvm_accel accel = QVM_ACCEL_KVM + QVM_ACCEL_TCG + 7;
        char *note = (char *) "untouched";
        int ret = qvm_accel_decide(cases[i].mode,
                                   cases[i].status < 0 ? NULL : &p,
                                   &accel, &note);
        print_message("case %zu: %s, ret %d, %s\n", i,
                      qvm_accel_mode_name(cases[i].mode), ret,
                      note ? note : "(no note)");
        assert_int_equal(ret, cases[i].ret);
        if (!ret) {
            assert_int_equal(accel, cases[i].accel);
        }
        if (cases[i].note) {
            assert_non_null(note);
            assert_non_null(strstr(note, cases[i].note));
        } else {
            assert_null(note);
        }
        free(note);
    }
}

static void
test_bios(void **state OVS_UNUSED)
{
    size_t size;
    uint8_t *bios = qvm_probe_bios(&size);
    static const uint8_t reset[] = { 0xea, 0x00, 0x00, 0x00, 0xf0 };

    assert_int_equal(size, 65536);
    assert_memory_equal(bios + size - 16, reset, sizeof reset);
    assert_int_equal(bios[0], 0xfa);                   /* cli */
    free(bios);
}

static bool
have_qemu(void)
{
    return !system("command -v qemu-system-x86_64 >/dev/null 2>&1");
}

/* The real thing: QEMU boots the probe's guest into long mode.  TCG here,
 * whatever the machine has, with room for a loaded machine. */
static void
test_probe_boots_under_tcg(void **state OVS_UNUSED)
{
    if (!have_qemu()) {
        print_message("qemu-system-x86_64 not found\n");
        skip();
    }
    struct qvm_probe p;
    assert_int_equal(qvm_accel_probe(NULL, QVM_ACCEL_TCG, NULL, NULL, 20000,
                                     &p), 0);
    print_message("tcg: %s in %lld ms\n", p.detail, p.elapsed_ms);
    assert_int_equal(p.status, QVM_PROBE_OK);
    assert_int_equal(p.stage, QVM_STAGE_LONG);
}

static void
test_probe_no_device(void **state OVS_UNUSED)
{
    struct qvm_probe p;
    assert_int_equal(qvm_accel_probe("/nonexistent/qemu", QVM_ACCEL_KVM,
                                     "/nonexistent/kvm", NULL, 1000, &p), 0);
    assert_int_equal(p.status, QVM_PROBE_ABSENT);
    assert_non_null(strstr(p.detail, "/nonexistent/kvm"));
}

/* Present, opens, but no KVM: the API version question fails. */
static void
test_probe_not_kvm(void **state OVS_UNUSED)
{
    struct qvm_probe p;
    assert_int_equal(qvm_accel_probe("/nonexistent/qemu", QVM_ACCEL_KVM,
                                     "/dev/null", NULL, 1000, &p), 0);
    assert_int_equal(p.status, QVM_PROBE_BROKEN);
    assert_non_null(strstr(p.detail, "is no KVM device"));
}

/* A stand-in QEMU: a shell script with 'body', in a fresh directory. */
static char *
fake_qemu(const char *body)
{
    char *dir = xstrdup("/tmp/test-qemu-accel.XXXXXX");
    assert_non_null(mkdtemp(dir));
    char *path = xasprintf("%s/qemu", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    /* The debug console's file: the "path=" of "-chardev file,...". */
    fprintf(f, "#!/bin/sh\n"
            "for a; do case $a in file,id=stages,path=*) "
            "stages=${a#file,id=stages,path=};; esac; done\n%s\n", body);
    fclose(f);
    assert_int_equal(chmod(path, 0700), 0);
    free(dir);
    return path;
}

static void
remove_fake(char *path)
{
    unlink(path);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    rmdir(path);
    free(path);
}

/* What broke on the kvm_pvm hosts: QEMU runs, the guest never gets out of
 * real mode.  The probe gives up at its deadline. */
static void
test_probe_hang_is_bounded(void **state OVS_UNUSED)
{
    char *qemu = fake_qemu("exec sleep 30");
    struct qvm_probe p;
    assert_int_equal(qvm_accel_probe(qemu, QVM_ACCEL_TCG, NULL, NULL, 300,
                                     &p), 0);
    print_message("hang: %s in %lld ms\n", p.detail, p.elapsed_ms);
    assert_int_equal(p.status, QVM_PROBE_BROKEN);
    assert_int_equal(p.stage, QVM_STAGE_NONE);
    assert_non_null(strstr(p.detail, "no guest reached long mode within "
                           "300 ms (it ran in real mode only"));
    assert_true(p.elapsed_ms < 1500);
    remove_fake(qemu);
}

/* QEMU ends early, in each way the probe tells apart: never a pass. */
static void
test_probe_ends_early(void **state OVS_UNUSED)
{
    static const struct {
        const char *script;
        enum qvm_probe_stage stage;
        const char *detail;
    } cases[] = {
        /* Protected mode reached, then a reset (-no-reboot: exit 0). */
        { "printf 1 >\"$stages\"; exit 0", QVM_STAGE_PROTECTED,
          "reset (triple fault) in protected mode, not long mode" },
        /* QEMU refuses the accelerator: its own words reach the detail. */
        { "echo 'Could not access KVM kernel module' >&2; exit 1",
          QVM_STAGE_NONE,
          "QEMU exited with status 1 (the guest ran in real mode only, not "
          "protected mode); QEMU: Could not access KVM kernel module" },
        /* Long mode claimed, but QEMU did not leave through the exit
         * device. */
        { "printf 12 >\"$stages\"; exit 0", QVM_STAGE_LONG,
          "reset (triple fault) in long mode" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *qemu = fake_qemu(cases[i].script);
        struct qvm_probe p;
        assert_int_equal(qvm_accel_probe(qemu, QVM_ACCEL_TCG, NULL, NULL,
                                         5000, &p), 0);
        print_message("case %zu: %s\n", i, p.detail);
        assert_int_equal(p.status, QVM_PROBE_BROKEN);
        assert_int_equal(p.stage, cases[i].stage);
        assert_non_null(strstr(p.detail, cases[i].detail));
        remove_fake(qemu);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_decide),
        cmocka_unit_test(test_bios),
        cmocka_unit_test(test_probe_boots_under_tcg),
        cmocka_unit_test(test_probe_no_device),
        cmocka_unit_test(test_probe_not_kvm),
        cmocka_unit_test(test_probe_hang_is_bounded),
        cmocka_unit_test(test_probe_ends_early),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
