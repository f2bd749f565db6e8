/* SPDX-License-Identifier: Apache-2.0
 *
 * vm-life.c -- a new guest's signs of life, and its boot deadline.
 * Without an agent in the guest, the node sees three: output on the serial
 * console, a DHCP request and an ARP frame from the VM's port.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/vm-manager-private.h"
#include "dhcpd/dhcp-io.h"
#include "migrate/qemu-vm.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(vm_life);

static char *
life_file(const struct vm *vm)
{
    return xasprintf("%s/"LIFE_FILE, vm->run_dir);
}

/* A new QEMU ('adopted': found running) starts its boot deadline now.  An
 * adopted one whose guest was seen alive before keeps that. */
void
vmm_life_start(struct vm *vm, bool adopted)
{
    char *path = life_file(vm);
    vm->qemu_since = time_msec();
    vm->boot_timed_out = false;
    vm->alive = false;
    vm->life_sign[0] = '\0';
    if (!adopted) {
        unlink(path);
    } else {
        FILE *f = fopen(path, "r");
        if (f) {
            vm->alive = true;
            if (!fgets(vm->life_sign, sizeof vm->life_sign, f)) {
                ovs_strlcpy(vm->life_sign, "seen before",
                            sizeof vm->life_sign);
            }
            vm->life_sign[strcspn(vm->life_sign, "\n")] = '\0';
            fclose(f);
        }
    }
    free(path);
}

void
vmm_life_mark(struct vmm *vmm, struct vm *vm, const char *sign)
{
    vm->alive = true;
    ovs_strlcpy(vm->life_sign, sign, sizeof vm->life_sign);
    vmm->stats.guests_alive++;
    char *path = life_file(vm);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%s\n", sign);
        fclose(f);
    }
    free(path);
    long long int after = time_msec() - vm->qemu_since;
    if (vm->boot_timed_out) {
        vm->boot_timed_out = false;
        VLOG_WARN("%s: the guest came to life after all (%s), %lld ms "
                  "after its QEMU started", vm->port, sign, after);
    } else {
        VLOG_INFO("%s: the guest is alive (%s), %lld ms after its QEMU "
                  "started", vm->port, sign, after);
    }
}

/* How many frames the ARP proxy saw on 'vm''s port. */
static uint64_t
arp_frames(const struct vmm *vmm, const struct vm *vm)
{
    struct vmm_arp_port port;
    vmm_arp_port_find(vmm, vm, false, &port);
    free(port.path);
    uint64_t n = 0;
    for (int i = 0; port.found && i < ARPP_N_VERDICTS; i++) {
        n += port.counters.n[i];
    }
    return n;
}

/* The guest's first sign of life on its port or console, or NULL. */
static const char *
find_life_sign(const struct vmm *vmm, const struct vm *vm)
{
    struct qvm_spec q;
    vmm_qvm_spec(vmm, vm, &q);
    char *console = qvm_console_path(&q);
    struct stat st;
    bool output = !stat(console, &st) && st.st_size > 0;
    free(console);
    if (output) {
        return "console output";
    } else if (vm->dhcp_on
               && dhcp_io_port_frames(vmm->dhcp, vm->plumb.node_if)) {
        return "DHCP";
    } else if (vm->arp_on && arp_frames(vmm, vm)) {
        return "ARP";
    }
    return NULL;
}

/* Looks for 'vm''s sign of life, and holds it to its boot deadline. */
void
vmm_life_check(struct vmm *vmm, struct vm *vm, long long int now)
{
    if (!vm->spec || !vm->qemu_pid || vm->incoming || vm->alive) {
        return;
    }
    const char *sign = find_life_sign(vmm, vm);
    if (sign) {
        vmm_life_mark(vmm, vm, sign);
        vmm_update_phase(vmm, vm);
    } else if (vmm->cfg->boot_deadline && !vm->boot_timed_out
               && now - vm->qemu_since
                  >= vmm->cfg->boot_deadline * 1000LL) {
        vm->boot_timed_out = true;
        vmm->stats.boot_timeouts++;
        vmm_update_phase(vmm, vm);
    }
}
