/* SPDX-License-Identifier: Apache-2.0
 *
 * vm-manager.c -- reconciles this node's VMs with the cluster database
 * (see vm-manager.h).
 */
#include <config.h>
#include "daemon/vm-manager.h"
#include "daemon/vm-manager-private.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arpproxy/arp-proxy-io.h"
#include "daemon/cluster-db.h"
#include "daemon/config.h"
#include "daemon/flows.h"
#include "daemon/plumbing.h"
#include "arpproxy/ndp-io.h"
#include "dhcpd/dhcp-io.h"
#include "dhcpd/dhcp6-io.h"
#include "migrate/qemu-vm.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/json.h"
#include "openvswitch/vlog.h"
#include "ovn-hooks/ovn-hooks.h"
#include "packets.h"
#include "sset.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(vm_manager);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* A VM whose setup failed for a reason that may go away (netlink, QEMU,
 * OVN) is tried again after this long. */
#define RETRY_MS 10000
/* QEMU gets this long to stop on SIGTERM before SIGKILL. */
#define QEMU_STOP_GRACE_MS 3000

static void reconcile(struct vmm *, struct vm *);
static void teardown(struct vmm *, struct vm *);

/* ------------------------------------------------------------ helpers */

static uint32_t
port_hash(const char *port)
{
    return hash_string(port, 0);
}

struct vm *
vmm_find_vm(const struct vmm *vmm, const char *port)
{
    struct vm *vm;
    HMAP_FOR_EACH_WITH_HASH (vm, hmap_node, port_hash(port), &vmm->vms) {
        if (!strcmp(vm->port, port)) {
            return vm;
        }
    }
    return NULL;
}

static struct vm *
vm_new(struct vmm *vmm, const char *port)
{
    struct vm *vm = xzalloc(sizeof *vm);
    ovs_strzcpy(vm->port, port, sizeof vm->port);
    vm->run_dir = xasprintf("%s/%s", vmm->vms_dir, port);
    plumb_spec_init(&vm->plumb, vmm->cfg->netns_prefix, port, vmm->cfg->mtu);
    vm->phase = "Pending";
    smap_init(&vm->status_sent);
    hmap_insert(&vmm->vms, &vm->hmap_node, port_hash(port));
    return vm;
}

static void
vm_free(struct vmm *vmm, struct vm *vm)
{
    hmap_remove(&vmm->vms, &vm->hmap_node);
    cdb_vm_destroy(vm->spec);
    free(vm->run_dir);
    free(vm->reason);
    smap_destroy(&vm->status_sent);
    free(vm);
}

struct op *
vmm_op_new(struct vmm *vmm, enum op_kind kind, const char *port)
{
    struct op *op = xzalloc(sizeof *op);
    op->cookie = ++vmm->next_cookie;
    op->kind = kind;
    ovs_strzcpy(op->port, port, sizeof op->port);
    hmap_insert(&vmm->ops, &op->hmap_node, hash_uint64(op->cookie));
    return op;
}

struct op *
vmm_op_take(struct vmm *vmm, uint64_t cookie)
{
    struct op *op;
    HMAP_FOR_EACH_WITH_HASH (op, hmap_node, hash_uint64(cookie), &vmm->ops) {
        if (op->cookie == cookie) {
            hmap_remove(&vmm->ops, &op->hmap_node);
            return op;
        }
    }
    return NULL;
}

static void
set_phase(struct vm *vm, const char *phase, const char *reason)
{
    vm->phase = phase;
    free(vm->reason);
    vm->reason = reason ? xstrdup(reason) : NULL;
}

static void
fail(struct vm *vm, bool retry, const char *format, ...)
    OVS_PRINTF_FORMAT(3, 4);

static void
fail(struct vm *vm, bool retry, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *reason = xvasprintf(format, args);
    va_end(args);
    if (!vm->reason || strcmp(vm->reason, reason)) {
        VLOG_WARN_RL(&rl, "%s: %s", vm->port, reason);
    }
    set_phase(vm, "Failed", reason);
    free(reason);
    vm->retry_at = retry ? time_msec() + RETRY_MS : 0;
}

bool
vmm_migratable(const struct cdb_vm *spec)
{
    return smap_get(&spec->annotations, VMM_MIGRATABLE_ANNOTATION) != NULL;
}

static void
arp_port_cb(void *aux, const struct arpp_io_port_info *port)
{
    struct vmm_arp_port *f = aux;
    if (!strcmp(port->ifname, f->ifname)) {
        f->counters = *port->counters;
        f->found = true;
        f->path = (port->in_kernel ? xstrdup("kernel fast path")
                   : xasprintf("userspace (%s)", port->why_userspace));
        f->kernel_answered = port->kernel.answered;
    }
}

void
vmm_arp_port_find(const struct vmm *vmm, const struct vm *vm, bool kernel,
                  struct vmm_arp_port *port)
{
    *port = (struct vmm_arp_port) { .ifname = vm->plumb.node_if };
    arpp_io_for_each_port(vmm->arp, kernel, arp_port_cb, port);
}

/* Writes the status column if it changed since it was last written. */
static void
publish_status(struct vmm *vmm, struct vm *vm)
{
    if (!vm->spec || vm->incoming) {
        return;
    }
    struct smap st = SMAP_INITIALIZER(&st);
    smap_add(&st, "phase", vm->phase);
    if (vm->reason) {
        smap_add(&st, "reason", vm->reason);
    }
    smap_add(&st, "node", vmm->cfg->node);
    if (vmm_migratable(vm->spec)) {
        smap_add(&st, "liveMigratable", "true");
    } else {
        smap_add(&st, "liveMigratable", "false");
        smap_add(&st, "liveMigratableReason",
                 "InterfaceNotLiveMigratable: bridge binding on the pod "
                 "network needs the annotation "
                 VMM_MIGRATABLE_ANNOTATION);
    }
    if (vm->qemu_pid) {
        smap_add_format(&st, "qemuPid", "%ld", (long) vm->qemu_pid);
    }
    if (vm->accel_known) {
        smap_add(&st, "accel", qvm_accel_name(vm->accel));
    }
    smap_add(&st, "lsp", vm->port);
    smap_add(&st, "netns", vm->plumb.netns);
    smap_add(&st, "interface", vm->plumb.node_if);

    if (!vm->status_valid || !smap_equal(&st, &vm->status_sent)) {
        cdb_set_status(vmm->cdb, vm->spec->name, vm->spec->namespace, &st);
        smap_destroy(&vm->status_sent);
        smap_clone(&vm->status_sent, &st);
        vm->status_valid = true;
        vmm->stats.status_updates++;
    }
    smap_destroy(&st);
}

/* ------------------------------------------------------------ setup */

/* Parses the VM's IPv6 address 'text' ("ADDRESS" or "ADDRESS/PLEN") into
 * '*ip6' and checks it against the node's 'subnet6'.  Returns NULL or why
 * the VM cannot run (the caller frees it). */
static char *
check_ipv6(const struct ovnmigd_config *cfg, const char *text,
           struct in6_addr *ip6)
{
    unsigned int plen;
    char *error = ipv6_parse_cidr(text, ip6, &plen);
    if (error) {
        free(error);
        return xasprintf("ipv6 \"%s\" is not an IPv6 address", text);
    }
    if (!cfg->subnet6_plen) {
        return xasprintf("ipv6 %s: the node's ovnmigd.conf has no subnet6",
                         text);
    }
    struct in6_addr mask = ipv6_create_mask(cfg->subnet6_plen);
    struct in6_addr net = ipv6_addr_bitand(ip6, &mask);
    if (!ipv6_addr_equals(&net, &cfg->subnet6)
        || ipv6_addr_equals(ip6, &cfg->subnet6)) {
        return xasprintf("ipv6 %s is not a host address of subnet6", text);
    }
    return NULL;
}

/* Checks 'spec' and parses its addresses into 'vm'.  Returns NULL or why
 * the VM cannot run (the caller frees it). */
static char *
check_spec(const struct vmm *vmm, struct vm *vm, const struct cdb_vm *spec)
{
    if (!eth_addr_from_string(spec->mac, &vm->mac)
        || eth_addr_is_multicast(vm->mac) || eth_addr_is_zero(vm->mac)) {
        return xasprintf("mac \"%s\" is not a unicast MAC address",
                         spec->mac);
    }
    if (!spec->ipv4 || !strchr(spec->ipv4, '/')) {
        return xstrdup("no IPv4 address A.B.C.D/P");
    }
    char *error = ip_parse_cidr(spec->ipv4, &vm->ip, &vm->plen);
    if (error || !vm->plen || vm->plen > 32) {
        free(error);
        return xasprintf("ipv4 \"%s\" is not A.B.C.D/P", spec->ipv4);
    }
    vm->has_ip6 = false;
    if (spec->ipv6) {
        char *why = check_ipv6(vmm->cfg, spec->ipv6, &vm->ip6);
        if (why) {
            return why;
        }
        vm->has_ip6 = true;
    }
    const char *kernel = smap_get(&spec->boot, "kernel");
    if (!kernel) {
        return xstrdup("no kernel to boot (boot:kernel)");
    }
    if (access(kernel, R_OK)) {
        return xasprintf("kernel %s: %s", kernel, ovs_strerror(errno));
    }
    const char *initrd = smap_get(&spec->boot, "initrd");
    if (initrd && access(initrd, R_OK)) {
        return xasprintf("initrd %s: %s", initrd, ovs_strerror(errno));
    }
    return NULL;
}

void
vmm_qvm_spec(const struct vmm *vmm, const struct vm *vm,
              struct qvm_spec *q)
{
    const struct cdb_vm *spec = vm->spec;
    *q = (struct qvm_spec) {
        .name = vm->port,
        .run_dir = vm->run_dir,
        .memory = spec ? spec->memory : 0,
        .cpus = spec ? spec->cpus : 0,
        .kernel = spec ? smap_get(&spec->boot, "kernel") : NULL,
        .initrd = spec ? smap_get(&spec->boot, "initrd") : NULL,
        .append = spec ? smap_get(&spec->boot, "cmdline") : NULL,
        .mac = spec ? spec->mac : NULL,
        .tap = PLUMB_TAP,
        .incoming = vm->incoming,
        .qemu = vmm->qemu,
        .accel = vmm->accel,
    };
}

/* A hostname is one DNS label (RFC 1035 §2.3.4); a VM name may not be. */
static bool
dns_label_ok(const char *s)
{
    size_t n = strlen(s);
    return n && n <= DHCP_MAX_HOSTNAME && s[0] != '-'
           && strspn(s, "abcdefghijklmnopqrstuvwxyz"
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

static int
setup_dhcp(struct vmm *vmm, struct vm *vm)
{
    const struct ovnmigd_config *cfg = vmm->cfg;
    struct dhcp_binding_config bc;
    struct dhcp_binding *binding;
    const char *why;

    dhcp_binding_config_init(&bc);
    bc.mac = vm->mac;
    bc.address = vm->ip;
    bc.plen = vm->plen;
    bc.hostname = dns_label_ok(vm->spec->name) ? vm->spec->name : NULL;
    bc.gateway = cfg->gateway_ip;
    bc.server_id = cfg->gateway_ip;
    for (size_t i = 0; i < cfg->dns.n && i < DHCP_MAX_DNS; i++) {
        ip_parse(cfg->dns.names[i], &bc.dns[bc.n_dns++]);
    }
    bc.domain_name = cfg->domain;
    for (size_t i = 0; i < cfg->search.n && i < DHCP_MAX_SEARCH; i++) {
        bc.search[bc.n_search++] = cfg->search.names[i];
    }
    bc.mtu = cfg->mtu;
    bc.lease_time = cfg->lease_time;
    int error = dhcp_binding_create(&bc, &binding, &why);
    if (error) {
        fail(vm, false, "DHCP binding: %s", why);
        return error;
    }
    if (!vm->dhcp_on) {
        error = dhcp_io_add_port(vmm->dhcp, vm->plumb.node_if);
        if (error < 0 && error != -EEXIST) {
            dhcp_binding_destroy(binding);
            fail(vm, true, "DHCP on %s: %s", vm->plumb.node_if,
                 ovs_strerror(-error));
            return error;
        }
        vm->dhcp_on = true;
    }
    /* Re-applied unchanged, a binding keeps the guest's DECLINE. */
    error = dhcp_io_set_binding(vmm->dhcp, vm->plumb.node_if, binding);
    if (error) {
        fail(vm, true, "DHCP binding: %s", ovs_strerror(-error));
    }
    return error;
}

static int
setup_arp(struct vmm *vmm, struct vm *vm)
{
    const struct ovnmigd_config *cfg = vmm->cfg;
    struct arpp_port_view view = {
        .vm_mac = vm->mac,
        .vm_ips = { vm->ip },
        .n_vm_ips = 1,
        .gateways = { cfg->gateway_ip },
        .n_gateways = 1,
        .gateway_mac = cfg->gateway_mac,
    };
    if (cfg->subnet_gateway) {
        view.gateways[view.n_gateways++] = cfg->subnet_gateway;
    }
    if (vm->arp_on) {
        const struct arpp_port_view *cur
            = arpp_io_find_port(vmm->arp, vm->plumb.node_if);
        if (cur && !memcmp(cur, &view, sizeof view)) {
            return 0;
        }
        arpp_io_remove_port(vmm->arp, vm->plumb.node_if);
        vm->arp_on = false;
    }
    int error = arpp_io_add_port(vmm->arp, vm->plumb.node_if, &view);
    if (error == -EEXIST) {
        arpp_io_remove_port(vmm->arp, vm->plumb.node_if);
        error = arpp_io_add_port(vmm->arp, vm->plumb.node_if, &view);
    }
    if (error < 0) {
        fail(vm, true, "ARP proxy on %s: %s", vm->plumb.node_if,
             ovs_strerror(-error));
        return error;
    }
    vm->arp_on = true;
    return 0;
}

/* The IPv6 router (RA and NA from fe80::1) and DHCPv6 for a VM with an
 * IPv6 address, on a node with subnet6; for others, nothing (and whatever
 * served the port before is removed).  Unsolicited RAs run while the VM
 * is active here: not while it is a migration's target, which sends its
 * first RA when the migration ends here (the guest sends no RS after a
 * move). */
static int
setup_ipv6(struct vmm *vmm, struct vm *vm)
{
    const char *ifname = vm->plumb.node_if;
    if (!vmm->ndp || !vm->has_ip6) {
        if (vm->nd_on) {
            ndp_io_remove_port(vmm->ndp, ifname);
            vm->nd_on = vm->ra_active = false;
        }
        if (vm->dhcp6_on) {
            dhcp6_io_remove_port(vmm->dhcp6, ifname);
            vm->dhcp6_on = false;
        }
        return 0;
    }

    const struct ovnmigd_config *cfg = vmm->cfg;
    struct dhcp6_binding_config bc;
    dhcp6_binding_config_init(&bc);
    bc.mac = vm->mac;
    bc.address = vm->ip6;
    if (cfg->preferred_lifetime6) {
        bc.preferred_lifetime = cfg->preferred_lifetime6;
    }
    if (cfg->valid_lifetime6) {
        bc.valid_lifetime = cfg->valid_lifetime6;
    }
    for (size_t i = 0; i < cfg->dns6.n && i < DHCP6_MAX_DNS; i++) {
        ipv6_parse(cfg->dns6.names[i], &bc.dns[bc.n_dns++]);
    }
    for (size_t i = 0; i < cfg->search.n && i < DHCP6_MAX_SEARCH; i++) {
        bc.search[bc.n_search++] = cfg->search.names[i];
    }
    struct dhcp6_binding *binding;
    const char *why;
    if (dhcp6_binding_create(&bc, &binding, &why)) {
        fail(vm, false, "DHCPv6 binding: %s", why);
        return -EINVAL;
    }
    if (!vm->dhcp6_on) {
        int error = dhcp6_io_add_port(vmm->dhcp6, ifname);
        if (error < 0 && error != -EEXIST) {
            dhcp6_binding_destroy(binding);
            fail(vm, true, "DHCPv6 on %s: %s", ifname, ovs_strerror(-error));
            return error;
        }
        vm->dhcp6_on = true;
    }
    const struct dhcp6_binding *cur = dhcp6_io_find_binding(vmm->dhcp6,
                                                            ifname);
    if (cur && dhcp6_binding_equal(cur, binding)) {
        dhcp6_binding_destroy(binding);
    } else {
        dhcp6_io_set_binding(vmm->dhcp6, ifname, binding);
        /* The router's view of the guest's addresses changes too. */
        if (vm->nd_on) {
            ndp_io_remove_port(vmm->ndp, ifname);
            vm->nd_on = vm->ra_active = false;
        }
    }

    if (!vm->nd_on) {
        int error = ndp_io_add_port(vmm->ndp, ifname, vm->mac, &vm->ip6, 1);
        if (error == -EEXIST) {
            ndp_io_remove_port(vmm->ndp, ifname);
            error = ndp_io_add_port(vmm->ndp, ifname, vm->mac, &vm->ip6, 1);
        }
        if (error < 0) {
            fail(vm, true, "IPv6 router on %s: %s", ifname,
                 ovs_strerror(-error));
            return error;
        }
        vm->nd_on = true;
        vm->ra_active = false;
    }
    if (vm->ra_active != !vm->incoming) {
        vm->ra_active = !vm->incoming;
        ndp_io_set_active(vmm->ndp, ifname, vm->ra_active);
    }
    return 0;
}

static void
request_lsp(struct vmm *vmm, struct vm *vm)
{
    char ip[INET_ADDRSTRLEN];
    char ip6[INET6_ADDRSTRLEN];
    snprintf(ip, sizeof ip, IP_FMT, IP_ARGS(vm->ip));
    struct ovnhook_port_spec ps = {
        .vm = vm->spec->name,
        .namespace = vm->spec->namespace,
        .mac = vm->spec->mac,
        .ipv4 = ip,
        .node = vmm->cfg->chassis,
    };
    if (vm->has_ip6) {
        ipv6_string_mapped(ip6, &vm->ip6);
        ps.ipv6 = ip6;
    }
    struct op *op = vmm_op_new(vmm, OP_SET, vm->port);
    int error = ovnhook_port_set(vmm->hooks, &ps, op->cookie);
    if (error) {
        free(vmm_op_take(vmm, op->cookie));
        vm->lsp = LSP_FAILED;
        snprintf(vm->lsp_error, sizeof vm->lsp_error, "port_set: %s",
                 ovs_strerror(-error));
        vmm->stats.lsp_errors++;
        vm->retry_at = time_msec() + RETRY_MS;
        return;
    }
    vm->lsp = LSP_PENDING;
    vm->lsp_cookie = op->cookie;
    vm->lsp_again = false;
}

static char *
first_line(const char *path)
{
    char buf[256];
    FILE *f = fopen(path, "r");
    if (!f) {
        return NULL;
    }
    char *line = fgets(buf, sizeof buf, f) ? xstrdup(buf) : NULL;
    fclose(f);
    if (line) {
        line[strcspn(line, "\n")] = '\0';
    }
    return line;
}

static int
start_qemu(struct vmm *vmm, struct vm *vm)
{
    struct qvm_spec q;
    vmm_qvm_spec(vmm, vm, &q);

    struct svec argv = SVEC_EMPTY_INITIALIZER;
    char *error_msg;
    int error = qvm_build_argv(&q, &argv, &error_msg);
    svec_destroy(&argv);
    if (error) {
        vmm->stats.spec_errors++;
        vm->spec_error = true;
        fail(vm, false, "QEMU: %s", error_msg);
        free(error_msg);
        return error;
    }
    int fd = plumb_open_netns(&vm->plumb);
    if (fd < 0) {
        fail(vm, true, "pod namespace %s: %s", vm->plumb.netns,
             ovs_strerror(-fd));
        return fd;
    }
    pid_t pid;
    error = qvm_start(&q, fd, &pid);
    close(fd);
    if (error) {
        char *path = xasprintf("%s/qemu.err", vm->run_dir);
        char *why = first_line(path);
        vmm->stats.qemu_errors++;
        fail(vm, true, "QEMU did not start: %s",
             why ? why : ovs_strerror(-error));
        free(why);
        free(path);
        return error;
    }
    vm->qemu_pid = pid;
    vm->qemu_adopted = false;
    vm->accel = vmm->accel;
    vm->accel_known = true;
    vmm_life_start(vm, false);
    vmm->stats.qemu_started++;
    VLOG_INFO("%s: QEMU started, pid %ld", vm->port, (long) pid);
    return 0;
}

/* The phase once the local steps are done, from QEMU and the LSP. */
void
vmm_update_phase(struct vmm *vmm, struct vm *vm)
{
    if (vm->setup_failed || vm->spec_error) {
        /* 'reason' already says what. */
    } else if (vm->qemu_exited) {
        fail(vm, false, "QEMU exited (see %s/console.log)", vm->run_dir);
    } else if (vm->boot_timed_out) {
        fail(vm, false, "the guest showed no sign of life within %u s of "
             "its QEMU's start: no console output, no DHCP or ARP from its "
             "port (accelerator %s; see %s/console.log)",
             vmm->cfg->boot_deadline,
             vm->accel_known ? qvm_accel_name(vm->accel) : "unknown",
             vm->run_dir);
    } else if (vm->incoming) {
        set_phase(vm, "Incoming", NULL);
    } else if (vm->outgoing) {
        set_phase(vm, "Running", NULL);
    } else if (vm->lsp == LSP_FAILED) {
        fail(vm, true, "OVN port: %s", vm->lsp_error);
    } else if (vm->lsp == LSP_OK) {
        set_phase(vm, "Running", NULL);
    } else {
        set_phase(vm, "Pending", "waiting for the OVN port");
    }
    publish_status(vmm, vm);
}

/* Brings 'vm' to its spec; every step reuses what exists. */
static void
reconcile(struct vmm *vmm, struct vm *vm)
{
    vmm->stats.reconciles++;
    vm->retry_at = 0;

    char *why = check_spec(vmm, vm, vm->spec);
    if (why) {
        if (!vm->spec_error) {
            vmm->stats.spec_errors++;
        }
        vm->spec_error = true;
        fail(vm, false, "%s", why);
        free(why);
        publish_status(vmm, vm);
        return;
    }
    vm->spec_error = false;

    if (mkdir(vm->run_dir, 0700) && errno != EEXIST) {
        fail(vm, true, "%s: %s", vm->run_dir, ovs_strerror(errno));
        goto out;
    }

    int error = plumb_create(&vm->plumb);
    if (error) {
        vmm->stats.plumb_errors++;
        fail(vm, true, "plumbing: %s", ovs_strerror(-error));
        goto out;
    }
    vm->plumbed = true;

    if (setup_arp(vmm, vm) || setup_dhcp(vmm, vm) || setup_ipv6(vmm, vm)) {
        goto out;
    }

    if (vm->incoming || vm->outgoing) {
        /* A migration owns the LSP until it ends. */
    } else if (vm->lsp == LSP_PENDING) {
        vm->lsp_again |= vm->lsp_dirty;
    } else if (vm->lsp != LSP_OK || vm->lsp_dirty) {
        request_lsp(vmm, vm);
    }
    if (!vm->incoming && !vm->outgoing) {
        vm->lsp_dirty = false;
    }

    if (!vm->qemu_pid && !vm->qemu_exited) {
        struct qvm_spec q;
        vmm_qvm_spec(vmm, vm, &q);
        pid_t pid = qvm_find(&q);
        if (pid) {
            vm->qemu_pid = pid;
            vm->qemu_adopted = true;
            vm->accel_known = !qvm_accel_of(pid, &vm->accel);
            vmm_life_start(vm, true);
            vmm->stats.qemu_adopted++;
            VLOG_INFO("%s: QEMU already running (pid %ld): adopted",
                      vm->port, (long) pid);
        } else if (start_qemu(vmm, vm)) {
            goto out;
        }
    }

    vm->setup_failed = false;
    vmm_update_phase(vmm, vm);
    return;

out:
    vm->setup_failed = true;
    publish_status(vmm, vm);
}

/* ------------------------------------------------------------ teardown */

static void
finish_teardown(struct vmm *vmm, struct vm *vm)
{
    int error = plumb_destroy(&vm->plumb);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: removing the plumbing: %s", vm->port,
                     ovs_strerror(-error));
        vm->retry_at = time_msec() + RETRY_MS;
        return;
    }
    static const char *files[] = {
        "qemu.pid", "qemu.err", "qmp.sock", "console.sock", "console.log",
        LIFE_FILE,
    };
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        char *path = xasprintf("%s/%s", vm->run_dir, files[i]);
        unlink(path);
        free(path);
    }
    if (rmdir(vm->run_dir) && errno != ENOENT) {
        VLOG_WARN_RL(&rl, "%s: %s", vm->run_dir, ovs_strerror(errno));
    }
    VLOG_INFO("%s: removed", vm->port);
    vmm->stats.removed++;
    vm_free(vmm, vm);
}

/* Tears 'vm' down: the local parts now, then the LSP (once OVN confirms
 * it still names this node: a VM moved to another node keeps its port),
 * then plumbing and run directory. */
static void
teardown(struct vmm *vmm, struct vm *vm)
{
    vm->retry_at = 0;
    if (vm->spec) {
        cdb_set_status(vmm->cdb, vm->spec->name, vm->spec->namespace, NULL);
        cdb_vm_destroy(vm->spec);
        vm->spec = NULL;
    }
    set_phase(vm, "Terminating", NULL);

    struct qvm_spec q;
    vmm_qvm_spec(vmm, vm, &q);
    if (qvm_find(&q)) {
        qvm_stop(&q, QEMU_STOP_GRACE_MS);
        vmm->stats.qemu_stopped++;
    }
    vm->qemu_pid = 0;
    if (vm->arp_on || arpp_io_find_port(vmm->arp, vm->plumb.node_if)) {
        arpp_io_remove_port(vmm->arp, vm->plumb.node_if);
        vm->arp_on = false;
    }
    if (vm->dhcp_on) {
        dhcp_io_remove_port(vmm->dhcp, vm->plumb.node_if);
        vm->dhcp_on = false;
    }
    if (vm->nd_on) {
        ndp_io_remove_port(vmm->ndp, vm->plumb.node_if);
        vm->nd_on = vm->ra_active = false;
    }
    if (vm->dhcp6_on) {
        dhcp6_io_remove_port(vmm->dhcp6, vm->plumb.node_if);
        vm->dhcp6_on = false;
    }
    struct op *op = vmm_op_new(vmm, OP_TEARDOWN_GET, vm->port);
    int error = ovnhook_port_get(vmm->hooks, vm->port, op->cookie);
    if (error) {
        free(vmm_op_take(vmm, op->cookie));
        vm->retry_at = time_msec() + RETRY_MS;
    }
}

static void
teardown_answer(struct vmm *vmm, struct vm *vm, const struct op *op,
                const struct ovnhook_result *r)
{
    if (r->error) {
        VLOG_WARN_RL(&rl, "%s: %s: %s", vm->port, ovnhook_op_name(r->op),
                     r->message);
        vm->retry_at = time_msec() + RETRY_MS;
        return;
    }
    if (op->kind == OP_TEARDOWN_GET) {
        const struct ovnhook_port_info *info = r->info;
        if (info && info->exists && !strcmp(info->node, vmm->cfg->chassis)) {
            struct op *del = vmm_op_new(vmm, OP_TEARDOWN_DEL, vm->port);
            int error = ovnhook_port_delete(vmm->hooks, vm->port,
                                            del->cookie);
            if (error) {
                free(vmm_op_take(vmm, del->cookie));
                vm->retry_at = time_msec() + RETRY_MS;
            }
            return;
        }
        if (info && info->exists) {
            VLOG_INFO("%s: LSP now belongs to %s: kept", vm->port,
                      info->node);
            vmm->stats.lsp_kept++;
        }
    } else {
        vmm->stats.lsp_deleted++;
    }
    finish_teardown(vmm, vm);
}

/* ------------------------------------------------------------ orphans */

/* VMs with a run directory but no row: deleted while the daemon was
 * away.  Checked once, on the first complete snapshot. */
static void
remove_orphans(struct vmm *vmm, const struct sset *incoming)
{
    DIR *dir = opendir(vmm->vms_dir);
    if (!dir) {
        return;
    }
    struct svec orphans = SVEC_EMPTY_INITIALIZER;
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (de->d_name[0] != '.' && !vmm_find_vm(vmm, de->d_name)
            && !sset_contains(incoming, de->d_name)
            && strlen(de->d_name) < OVNHOOK_PORT_NAME_MAX) {
            svec_add(&orphans, de->d_name);
        }
    }
    closedir(dir);

    const char *port;
    size_t i;
    SVEC_FOR_EACH (i, port, &orphans) {
        VLOG_INFO("%s: no longer in the cluster database: tearing down",
                  port);
        vmm->stats.orphans++;
        struct vm *vm = vm_new(vmm, port);
        vm->dhcp_on = vm->arp_on = false;
        teardown(vmm, vm);
    }
    svec_destroy(&orphans);
}

/* ------------------------------------------------------------ API */

struct vmm *
vmm_create(const struct vmm_options *opts)
{
    struct vmm *vmm = xzalloc(sizeof *vmm);
    vmm->cfg = opts->cfg;
    vmm->hooks = opts->hooks;
    vmm->arp = opts->arp;
    vmm->dhcp = opts->dhcp;
    vmm->ndp = opts->ndp;
    vmm->dhcp6 = opts->dhcp6;
    vmm->cdb = opts->cdb;
    vmm->qemu = opts->qemu ? xstrdup(opts->qemu) : NULL;
    vmm->accel = opts->accel;
    vmm->vms_dir = xasprintf("%s/vms", opts->cfg->run_dir);
    mkdir(opts->cfg->run_dir, 0700);
    mkdir(vmm->vms_dir, 0700);
    hmap_init(&vmm->vms);
    hmap_init(&vmm->ops);
    return vmm;
}

void
vmm_destroy(struct vmm *vmm)
{
    if (!vmm) {
        return;
    }
    struct vm *vm;
    HMAP_FOR_EACH_SAFE (vm, hmap_node, &vmm->vms) {
        vm_free(vmm, vm);
    }
    hmap_destroy(&vmm->vms);
    struct op *op;
    HMAP_FOR_EACH_POP (op, hmap_node, &vmm->ops) {
        if (op->kind == OP_SHOW) {
            op->show_cb(op->show_aux, false, "ovnmigd is stopping");
        }
        free(op);
    }
    hmap_destroy(&vmm->ops);
    free(vmm->vms_dir);
    free(vmm->qemu);
    free(vmm);
}

/* Whether 'spec' is to run here: this node's, or migrating to it. */
static bool
wanted_here(const struct vmm *vmm, const struct cdb_vm *spec,
            const struct sset *incoming, bool *is_incoming)
{
    char port[OVNHOOK_PORT_NAME_MAX];
    *is_incoming = false;
    if (!strcmp(spec->node, vmm->cfg->node)) {
        return true;
    }
    if (!ovnhook_port_name(spec->name, spec->namespace, port, sizeof port)
        && sset_contains(incoming, port)) {
        *is_incoming = true;
        return true;
    }
    return false;
}

void
vmm_update(struct vmm *vmm, const struct cdb_snapshot *snap,
           const struct sset *incoming, const struct sset *outgoing)
{
    const struct cdb_vm *spec;
    HMAP_FOR_EACH (spec, hmap_node, &snap->vms) {
        bool is_incoming;
        if (!wanted_here(vmm, spec, incoming, &is_incoming)) {
            continue;
        }
        char port[OVNHOOK_PORT_NAME_MAX];
        if (ovnhook_port_name(spec->name, spec->namespace, port,
                              sizeof port)) {
            VLOG_WARN_RL(&rl, "VM %s in %s: unusable name", spec->name,
                         spec->namespace);
            continue;
        }
        struct vm *vm = vmm_find_vm(vmm, port);
        if (vm && !vm->spec) {
            continue;           /* Still being torn down: next tick. */
        }
        bool is_outgoing = !is_incoming && sset_contains(outgoing, port);
        if (!vm) {
            vm = vm_new(vmm, port);
            vm->spec = cdb_vm_clone(spec);
            vm->incoming = is_incoming;
            vm->outgoing = is_outgoing;
            vmm->stats.created++;
            reconcile(vmm, vm);
        } else if (!cdb_vm_spec_equal(vm->spec, spec)
                   || vm->incoming != is_incoming
                   || vm->outgoing != is_outgoing) {
            if (vm->incoming && !is_incoming) {
                VLOG_INFO("%s: migrated here: now this node's", vm->port);
                vm->status_valid = false;
                if (vm->qemu_pid && !vm->alive) {
                    vmm_life_mark(vmm, vm, "migrated here");
                }
            }
            cdb_vm_destroy(vm->spec);
            vm->spec = cdb_vm_clone(spec);
            vm->incoming = is_incoming;
            vm->outgoing = is_outgoing;
            vm->lsp_dirty = true;
            reconcile(vmm, vm);
        } else if (!smap_equal(&spec->status, &vm->status_sent)) {
            /* Someone else wrote our status column: write it again. */
            vm->status_valid = false;
            publish_status(vmm, vm);
        }
    }

    if (!snap->complete) {
        return;                 /* Never remove on a partial view. */
    }
    struct vm *vm;
    HMAP_FOR_EACH_SAFE (vm, hmap_node, &vmm->vms) {
        if (!vm->spec) {
            continue;
        }
        const struct cdb_vm *now = cdb_snapshot_find(snap, vm->spec->name,
                                                     vm->spec->namespace);
        bool is_incoming;
        if (!now && vm->incoming && sset_contains(incoming, vm->port)) {
            continue;   /* Its row is on its way (a new VM condition). */
        }
        if (!now || !wanted_here(vmm, now, incoming, &is_incoming)) {
            VLOG_INFO("%s: gone from this node in the cluster database: "
                      "tearing down", vm->port);
            teardown(vmm, vm);
        }
    }
    if (!vmm->orphans_checked) {
        vmm->orphans_checked = true;
        remove_orphans(vmm, incoming);
    }
}

void
vmm_tick(struct vmm *vmm)
{
    long long int now = time_msec();
    struct vm *vm;
    HMAP_FOR_EACH_SAFE (vm, hmap_node, &vmm->vms) {
        if (vm->spec && vm->qemu_pid) {
            struct qvm_spec q;
            vmm_qvm_spec(vmm, vm, &q);
            if (qvm_find(&q) != vm->qemu_pid) {
                VLOG_WARN("%s: QEMU (pid %ld) exited", vm->port,
                          (long) vm->qemu_pid);
                vm->qemu_pid = 0;
                vm->qemu_exited = true;
                vmm->stats.qemu_exited++;
                vmm_update_phase(vmm, vm);
            }
        }
        vmm_life_check(vmm, vm, now);
        if (vm->retry_at && now >= vm->retry_at) {
            if (vm->spec) {
                reconcile(vmm, vm);
            } else {
                teardown(vmm, vm);
            }
        }
    }
}

bool
vmm_hook_done(struct vmm *vmm, const struct ovnhook_result *r)
{
    struct op *op = vmm_op_take(vmm, r->cookie);
    if (!op) {
        return false;
    }
    struct vm *vm = vmm_find_vm(vmm, op->port);
    switch (op->kind) {
    case OP_SET:
        if (!vm || !vm->spec || vm->lsp_cookie != op->cookie) {
            break;              /* Superseded. */
        }
        if (r->error) {
            vm->lsp = LSP_FAILED;
            ovs_strzcpy(vm->lsp_error, r->message, sizeof vm->lsp_error);
            vmm->stats.lsp_errors++;
        } else {
            vm->lsp = LSP_OK;
            vmm->stats.lsp_set++;
        }
        if (vm->lsp_again) {
            request_lsp(vmm, vm);
        }
        vmm_update_phase(vmm, vm);
        break;
    case OP_TEARDOWN_GET:
    case OP_TEARDOWN_DEL:
        if (vm && !vm->spec) {
            teardown_answer(vmm, vm, op, r);
        }
        break;
    case OP_SHOW:
        vmm_show_answer(vmm, op, r);
        break;
    }
    free(op);
    return true;
}

bool
vmm_vm_ready(const struct vmm *vmm, const char *port, bool *incoming,
             const char **run_dir)
{
    const struct vm *vm = vmm_find_vm(vmm, port);
    if (!vm || !vm->spec) {
        return false;
    }
    *incoming = vm->incoming;
    *run_dir = vm->run_dir;
    return (vm->qemu_pid && !vm->setup_failed && !vm->spec_error
            && (vm->incoming || !strcmp(vm->phase, "Running")));
}

uint64_t
vmm_vm_memory(const struct vmm *vmm, const char *port)
{
    const struct vm *vm = vmm_find_vm(vmm, port);
    return vm && vm->spec ? vm->spec->memory : 0;
}

void
vmm_get_stats(const struct vmm *vmm, struct vmm_stats *stats)
{
    *stats = vmm->stats;
}

void
vmm_get_vm_infos(const struct vmm *vmm, struct vmm_vm_info **infos,
                 size_t *n)
{
    *infos = xcalloc(hmap_count(&vmm->vms) + 1, sizeof **infos);
    *n = 0;
    const struct vm *vm;
    HMAP_FOR_EACH (vm, hmap_node, &vmm->vms) {
        if (vm->spec && vm->qemu_pid) {
            struct vmm_vm_info *info = &(*infos)[(*n)++];
            ovs_strlcpy(info->port, vm->port, sizeof info->port);
            info->accel = (vm->accel_known ? qvm_accel_name(vm->accel)
                           : "unknown");
            info->boot_failed = vm->boot_timed_out;
        }
    }
}
