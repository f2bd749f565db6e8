/* SPDX-License-Identifier: Apache-2.0
 *
 * vm-manager.h -- ovnmigd's VMs: makes what runs on this node match the
 * VM rows the cluster database assigns to it.
 *
 * For each VM, idempotently and in this order: its run directory; its
 * bridge-binding plumbing (daemon/plumbing.h); the ARP proxy and the DHCP
 * server on the node end of its veth; its OVN logical switch port
 * (ovn-hooks, asynchronous); its QEMU (migrate/qemu-vm.h).  What exists
 * already is reused, so a restarted daemon re-adopts running VMs without
 * touching them.  A VM that leaves the database (deleted, or assigned to
 * another node) is torn down completely: QEMU stopped, ARP and DHCP no
 * longer served, the LSP deleted (only while it still names this node),
 * plumbing and run directory removed.
 *
 * Each VM's status column (phase, reason, liveMigratable, accel ...) is
 * written back through the cluster DB client whenever it changes.
 *
 * A QEMU that runs is not yet a guest that runs: each VM must show a sign
 * of life (console output, or a DHCP or ARP frame from its port) within
 * the configured boot deadline of its QEMU's start, or it is reported
 * Failed with the reason (and recovers if it shows one later).
 *
 * Runs on the daemon's libevent thread; blocking steps (plumbing over
 * netlink, QEMU's start and stop) are short and local.
 */
#ifndef OVNMIG_VM_MANAGER_H
#define OVNMIG_VM_MANAGER_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "migrate/qemu-accel.h"

struct arpp_io;
struct cdb;
struct cdb_snapshot;
struct dhcp_io;
struct ds;
struct ovnhook;
struct ovnhook_result;
struct ovnmigd_config;
struct sset;

/* The annotation that makes a bridge-binding VM live-migratable. */
#define VMM_MIGRATABLE_ANNOTATION \
    "kubevirt.io/allow-pod-bridge-network-live-migration"

struct vmm_options {
    const struct ovnmigd_config *cfg;   /* Must outlive the manager. */
    struct ovnhook *hooks;
    struct arpp_io *arp;
    struct dhcp_io *dhcp;
    struct ndp_io *ndp;         /* IPv6 router and DHCPv6: both NULL */
    struct dhcp6_io *dhcp6;     /* without subnet6 in the config. */
    struct cdb *cdb;
    const char *qemu;           /* NULL: qemu-system-x86_64. */
    enum qvm_accel accel;       /* What QEMUs started here run with. */
};

#define VMM_STATS                                                       \
    VMM_STAT(reconciles, "vm-reconciles")                               \
    VMM_STAT(created, "vm-created")                                     \
    VMM_STAT(removed, "vm-removed")                                     \
    VMM_STAT(orphans, "vm-orphans-removed")                             \
    VMM_STAT(spec_errors, "vm-spec-errors")                             \
    VMM_STAT(plumb_errors, "plumbing-errors")                           \
    VMM_STAT(qemu_started, "qemu-started")                              \
    VMM_STAT(qemu_adopted, "qemu-adopted")                              \
    VMM_STAT(qemu_errors, "qemu-start-errors")                          \
    VMM_STAT(qemu_exited, "qemu-exited")                                \
    VMM_STAT(qemu_stopped, "qemu-stopped")                              \
    VMM_STAT(lsp_set, "lsp-set")                                        \
    VMM_STAT(lsp_errors, "lsp-errors")                                  \
    VMM_STAT(lsp_deleted, "lsp-deleted")                                \
    VMM_STAT(lsp_kept, "lsp-kept-other-node")                           \
    VMM_STAT(status_updates, "status-updates")                         \
    VMM_STAT(guests_alive, "guest-signs-of-life")                       \
    VMM_STAT(boot_timeouts, "guest-boot-timeouts")

struct vmm_stats {
#define VMM_STAT(MEMBER, NAME) uint64_t MEMBER;
    VMM_STATS
#undef VMM_STAT
};

struct vmm;

/* The caller frees the result with vmm_destroy(), which leaves every VM
 * running (a graceful stop of the daemon). */
struct vmm *vmm_create(const struct vmm_options *);
void vmm_destroy(struct vmm *);

/* The database's VMs for this node changed.  'incoming' holds the ports
 * ("<vm>.<namespace>") of VMs migrating here: they are prepared as a
 * migration's target (QEMU waiting for the stream, the LSP left alone)
 * until their row names this node, or torn down once they leave the set
 * without doing so.  'outgoing' holds those of this node's VMs migrating
 * away: their LSP is the migration's, never set back by the manager (a
 * restarted daemon would otherwise undo the multi-chassis binding). */
void vmm_update(struct vmm *, const struct cdb_snapshot *,
                const struct sset *incoming, const struct sset *outgoing);

/* Whether VM 'port' runs here with all of its parts (for an incoming VM:
 * plumbing, ARP, DHCP and a QEMU waiting for the stream), whether it is
 * incoming, and its run directory (valid until the next update). */
bool vmm_vm_ready(const struct vmm *, const char *port, bool *incoming,
                  const char **run_dir);
/* Its memory in bytes (0 if unknown). */
uint64_t vmm_vm_memory(const struct vmm *, const char *port);

/* Periodic work (call about once a second): QEMU liveness, retries. */
void vmm_tick(struct vmm *);

/* An ovn-hooks answer.  Returns true if it was one of the manager's. */
bool vmm_hook_done(struct vmm *, const struct ovnhook_result *);

/* "vm/list": one line a VM, or a JSON array. */
void vmm_list(const struct vmm *, struct ds *, bool json);

/* "vm/show": calls 'cb' once with the text (or JSON) or an error, now or
 * after the LSP and its binding were read from OVN. */
typedef void vmm_show_cb(void *aux, bool ok, const char *body);
void vmm_show(struct vmm *, const char *name, const char *namespace,
              bool json, vmm_show_cb *, void *aux);

void vmm_get_stats(const struct vmm *, struct vmm_stats *);

/* One VM with a QEMU on this node, for the metrics. */
struct vmm_vm_info {
    char port[128];             /* "<vm>.<namespace>" */
    const char *accel;          /* "kvm", "tcg", or "unknown" (static). */
    bool boot_failed;           /* No sign of life by the boot deadline. */
};

/* Fills '*infos' with an array of the VMs that have a QEMU here, and '*n'
 * with its length.  The caller frees '*infos' with free(). */
void vmm_get_vm_infos(const struct vmm *, struct vmm_vm_info **infos,
                      size_t *n);

#endif /* vm-manager.h */
