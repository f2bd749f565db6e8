/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for migrate/qemu-vm's command line: what a VM row turns into,
 * and the specs it must refuse.  Starting and stopping a real QEMU is
 * tested in the lab (tests/lab/plumbing-vm.sh), where the tap exists. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/qemu-vm.h"
#include "svec.h"

static const struct qvm_spec good = {
    .name = "vm1",
    .run_dir = "/run/ovnmig/vms/vm1.default",
    .memory = 262152 * 1024,        /* Not a multiple of 256 KiB. */
    .cpus = 1,
    .kernel = "/k/vmlinuz",
    .initrd = "/k/initramfs.gz",
    .append = "console=ttyS0",
    .mac = "0a:58:0a:64:00:05",
    .tap = "tap0",
};

/* The argument after 'option' in 'argv', or NULL. */
static const char *
arg_after(const struct svec *argv, const char *option)
{
    for (size_t i = 0; i + 1 < argv->n; i++) {
        if (!strcmp(argv->names[i], option)) {
            return argv->names[i + 1];
        }
    }
    return NULL;
}

static void
test_command_line(void **state)
{
    struct svec argv;
    char *error;

    svec_init(&argv);
    assert_int_equal(qvm_build_argv(&good, &argv, &error), 0);
    assert_null(error);
    assert_string_equal(argv.names[0], "qemu-system-x86_64");
    assert_null(argv.names[argv.n]);            /* Ready for exec. */
    assert_string_equal(arg_after(&argv, "-m"), "262152K");
    /* Exactly one accelerator, the one decided: never a list for QEMU to
     * take the first that initialises from. */
    assert_string_equal(arg_after(&argv, "-accel"), "tcg");
    size_t n_accel = 0;
    for (size_t i = 0; i < argv.n; i++) {
        n_accel += !strcmp(argv.names[i], "-accel");
    }
    assert_int_equal(n_accel, 1);
    assert_string_equal(arg_after(&argv, "-smp"), "1");
    assert_string_equal(arg_after(&argv, "-kernel"), "/k/vmlinuz");
    assert_string_equal(arg_after(&argv, "-initrd"), "/k/initramfs.gz");
    assert_string_equal(arg_after(&argv, "-netdev"),
                        "tap,id=net0,ifname=tap0,script=no,downscript=no,"
                        "vnet_hdr=off");
    assert_string_equal(arg_after(&argv, "-device"),
                        "virtio-net-pci,netdev=net0,mac=0a:58:0a:64:00:05,"
                        "romfile=");
    assert_string_equal(arg_after(&argv, "-qmp"),
                        "unix:/run/ovnmig/vms/vm1.default/qmp.sock,"
                        "server=on,wait=off");
    assert_string_equal(arg_after(&argv, "-pidfile"),
                        "/run/ovnmig/vms/vm1.default/qemu.pid");
    assert_true(svec_contains_unsorted(&argv, "-daemonize"));
    assert_null(arg_after(&argv, "-incoming"));
    svec_destroy(&argv);

    /* A migration target waits for its stream. */
    struct qvm_spec target = good;
    target.incoming = true;
    svec_init(&argv);
    assert_int_equal(qvm_build_argv(&target, &argv, &error), 0);
    assert_string_equal(arg_after(&argv, "-incoming"), "defer");
    svec_destroy(&argv);
}

static void
test_refused(void **state)
{
    struct qvm_spec bad[8];
    for (size_t i = 0; i < 8; i++) {
        bad[i] = good;
    }
    bad[0].memory = 262152 * 1024 + 512;    /* Not page-sized. */
    bad[1].memory = 0;
    bad[2].cpus = 0;
    bad[3].kernel = NULL;
    bad[4].mac = "0a:58:0a:64:00:05,bootindex=1";   /* Option injection. */
    bad[5].tap = NULL;
    bad[6].name = "";
    bad[7].run_dir = "/run/x,server=off";

    for (size_t i = 0; i < 8; i++) {
        struct svec argv;
        char *error;
        svec_init(&argv);
        assert_int_equal(qvm_build_argv(&bad[i], &argv, &error), -EINVAL);
        assert_non_null(error);
        free(error);
        svec_destroy(&argv);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_line),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests_name("qemu-vm", tests, NULL, NULL);
}
