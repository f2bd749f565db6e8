/* SPDX-License-Identifier: Apache-2.0
 *
 * vm-manager-private.h -- what the VM manager's three files share, and
 * nothing else includes: a VM as the manager tracks it, the manager, and
 * the functions one file calls in another.  vm-manager.c brings VMs to
 * their spec and tears them down (the API of vm-manager.h); vm-life.c
 * watches a new guest for a sign of life and holds it to its boot
 * deadline; vm-views.c renders "vm list" and "vm show".
 */
#ifndef OVNMIG_VM_MANAGER_PRIVATE_H
#define OVNMIG_VM_MANAGER_PRIVATE_H 1

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "arpproxy/arp-proxy-io.h"
#include "daemon/plumbing.h"
#include "daemon/vm-manager.h"
#include "migrate/qemu-accel.h"
#include "openvswitch/hmap.h"
#include "openvswitch/types.h"
#include "ovn-hooks/ovn-hooks.h"
#include "smap.h"

struct cdb_vm;
struct qvm_spec;

/* In a VM's run directory once its guest showed a sign of life: a
 * restarted daemon that adopts its QEMU, or a node that received the
 * running guest by migration, then does not wait for another. */
#define LIFE_FILE "guest-alive"

enum lsp_state { LSP_NONE, LSP_PENDING, LSP_OK, LSP_FAILED };

struct vm {
    struct hmap_node hmap_node;         /* In vmm's 'vms', by port. */
    char port[OVNHOOK_PORT_NAME_MAX];   /* "<vm>.<namespace>" */
    struct cdb_vm *spec;        /* Wanted; NULL: being torn down. */
    char *run_dir;
    struct plumb_spec plumb;

    /* Parsed from 'spec'. */
    struct eth_addr mac;
    ovs_be32 ip;
    unsigned int plen;
    bool has_ip6;               /* 'ip6' is the guest's IPv6 address. */
    struct in6_addr ip6;

    bool plumbed, arp_on, dhcp_on;
    bool nd_on, dhcp6_on;       /* IPv6 router and DHCPv6 serve the port. */
    bool ra_active;             /* Its unsolicited RAs run. */
    enum lsp_state lsp;
    uint64_t lsp_cookie;
    bool lsp_again;             /* Spec changed while a port_set ran. */
    bool lsp_dirty;             /* Spec changed: port_set again. */
    bool setup_failed;          /* A local step failed: 'reason' says. */
    char lsp_error[OVNHOOK_MESSAGE_MAX];
    bool incoming;              /* A migration's target copy: QEMU waits
                                 * for the stream, the LSP is the
                                 * source's, the status is not ours. */
    bool outgoing;              /* Migrating away: the LSP is the
                                 * migration's to move. */
    pid_t qemu_pid;
    bool qemu_adopted;          /* Found running, not started by us. */
    bool qemu_exited;           /* Was running, is gone: not restarted. */
    bool accel_known;           /* 'accel' is what QEMU runs with. */
    enum qvm_accel accel;
    long long int qemu_since;   /* time_msec() when QEMU was started or
                                 * adopted: the boot deadline counts from
                                 * there. */
    bool alive;                 /* The guest showed a sign of life... */
    char life_sign[32];         /* ...this one ("console output", ...). */
    bool boot_timed_out;        /* None by the deadline (yet). */

    const char *phase;          /* Pending, Running, Failed, Terminating */
    char *reason;               /* Why not Running, or NULL. */
    bool spec_error;            /* 'reason' is the spec's fault. */
    long long int retry_at;     /* 0: no retry scheduled */
    struct smap status_sent;
    bool status_valid;          /* 'status_sent' was sent */
};

enum op_kind { OP_SET, OP_TEARDOWN_GET, OP_TEARDOWN_DEL, OP_SHOW };

struct op {
    struct hmap_node hmap_node;         /* In vmm's 'ops', by cookie. */
    uint64_t cookie;
    enum op_kind kind;
    char port[OVNHOOK_PORT_NAME_MAX];
    vmm_show_cb *show_cb;
    void *show_aux;
    bool show_json;
};

struct vmm {
    const struct ovnmigd_config *cfg;
    struct ovnhook *hooks;
    struct arpp_io *arp;
    struct dhcp_io *dhcp;
    struct ndp_io *ndp;
    struct dhcp6_io *dhcp6;
    struct cdb *cdb;
    char *qemu;
    enum qvm_accel accel;
    char *vms_dir;              /* <run_dir>/vms */
    struct hmap vms;
    struct hmap ops;
    uint64_t next_cookie;
    bool orphans_checked;
    struct vmm_stats stats;
};

/* vm-manager.c */
struct vm *vmm_find_vm(const struct vmm *, const char *port);
/* The caller frees an op taken with vmm_op_take(). */
struct op *vmm_op_new(struct vmm *, enum op_kind, const char *port);
struct op *vmm_op_take(struct vmm *, uint64_t cookie);
bool vmm_migratable(const struct cdb_vm *);
void vmm_qvm_spec(const struct vmm *, const struct vm *, struct qvm_spec *);
void vmm_update_phase(struct vmm *, struct vm *);

/* What the ARP proxy knows of a VM's port.  The caller frees 'path'. */
struct vmm_arp_port {
    const char *ifname;
    struct arpp_counters counters;
    bool found;
    char *path;                 /* "kernel fast path", "userspace (...)":
                                 * as ovnmig-arpproxy --per-port says. */
    uint64_t kernel_answered;
};
void vmm_arp_port_find(const struct vmm *, const struct vm *, bool kernel,
                       struct vmm_arp_port *);

/* vm-life.c */
void vmm_life_start(struct vm *, bool adopted);
void vmm_life_mark(struct vmm *, struct vm *, const char *sign);
void vmm_life_check(struct vmm *, struct vm *, long long int now);

/* vm-views.c */
void vmm_show_answer(struct vmm *, const struct op *,
                     const struct ovnhook_result *);

#endif /* daemon/vm-manager-private.h */
