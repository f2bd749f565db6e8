/* SPDX-License-Identifier: Apache-2.0
 *
 * vm-ctl -- drives migrate/qemu-vm for the lab tests:
 *
 *   vm-ctl start RUN-DIR NETNS NAME MAC MEMORY-KIB KERNEL INITRD APPEND
 *   vm-ctl find|stop RUN-DIR
 *
 * "find" prints the PID of the VM's QEMU and exits 0, or exits 1. */
#include <config.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migrate/qemu-vm.h"
#include "openvswitch/vlog.h"
#include "util.h"

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_INFO);
    if (argc < 3) {
        fprintf(stderr, "usage: %s start|find|stop RUN-DIR ...\n", argv[0]);
        return 2;
    }
    struct qvm_spec spec = { .name = "vm", .run_dir = argv[2] };
    const char *cmd = argv[1];

    if (!strcmp(cmd, "find")) {
        pid_t pid = qvm_find(&spec);
        if (pid) {
            printf("%ld\n", (long) pid);
        }
        return pid ? 0 : 1;
    } else if (!strcmp(cmd, "stop")) {
        return qvm_stop(&spec, 5000) ? 1 : 0;
    } else if (!strcmp(cmd, "start") && argc == 10) {
        char path[256];
        snprintf(path, sizeof path, "/run/netns/%s", argv[3]);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            perror(path);
            return 1;
        }
        spec.name = argv[4];
        spec.mac = argv[5];
        spec.memory = strtoull(argv[6], NULL, 10) * 1024;
        spec.cpus = 1;
        spec.kernel = argv[7];
        spec.initrd = argv[8];
        spec.append = argv[9];
        spec.tap = "tap0";
        pid_t pid;
        int error = qvm_start(&spec, fd, &pid);
        close(fd);
        if (error) {
            fprintf(stderr, "start: %s\n", ovs_strerror(-error));
            return 1;
        }
        printf("%ld\n", (long) pid);
        return 0;
    }
    fprintf(stderr, "%s: bad command line\n", argv[0]);
    return 2;
}
