/* SPDX-License-Identifier: Apache-2.0
 *
 * vm-views.c -- this node's VMs as "ovnmigctl vm list" and "vm show" print
 * them, in text and in JSON.
 */
#include <config.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/cluster-db.h"
#include "daemon/config.h"
#include "daemon/flows.h"
#include "daemon/vm-manager-private.h"
#include "arpproxy/ndp-io.h"
#include "dhcpd/dhcp-io.h"
#include "dhcpd/dhcp6-io.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "util.h"

static int
compare_vms(const void *a_, const void *b_)
{
    const struct vm *const *a = a_, *const *b = b_;
    return strcmp((*a)->port, (*b)->port);
}

static const struct vm **
sorted_vms(const struct vmm *vmm)
{
    const struct vm **list = xmalloc((hmap_count(&vmm->vms) + 1)
                                     * sizeof *list);
    const struct vm *vm;
    size_t n = 0;
    HMAP_FOR_EACH (vm, hmap_node, &vmm->vms) {
        list[n++] = vm;
    }
    qsort(list, n, sizeof *list, compare_vms);
    return list;
}

static struct json *
vm_summary_json(const struct vm *vm)
{
    struct json *o = json_object_create();
    json_object_put_string(o, "lsp", vm->port);
    if (vm->spec) {
        json_object_put_string(o, "name", vm->spec->name);
        json_object_put_string(o, "namespace", vm->spec->namespace);
        json_object_put_string(o, "mac", vm->spec->mac);
        json_object_put_string(o, "ipv4", vm->spec->ipv4 ? vm->spec->ipv4
                                                         : "");
        json_object_put(o, "liveMigratable",
                        json_boolean_create(vmm_migratable(vm->spec)));
    }
    json_object_put_string(o, "phase", vm->phase);
    if (vm->reason) {
        json_object_put_string(o, "reason", vm->reason);
    }
    json_object_put(o, "qemuPid", json_integer_create(vm->qemu_pid));
    json_object_put(o, "qemuAdopted", json_boolean_create(vm->qemu_adopted));
    json_object_put_string(o, "accel", (vm->accel_known
                                        ? qvm_accel_name(vm->accel) : ""));
    if (vm->qemu_pid && !vm->incoming) {
        json_object_put_string(o, "guest", (vm->alive ? "alive"
                                            : vm->boot_timed_out
                                            ? "no-sign-of-life" : "booting"));
        if (vm->alive) {
            json_object_put_string(o, "lifeSign", vm->life_sign);
        }
    }
    json_object_put_string(o, "netns", vm->plumb.netns);
    json_object_put_string(o, "interface", vm->plumb.node_if);
    return o;
}

void
vmm_list(const struct vmm *vmm, struct ds *s, bool json)
{
    const struct vm **list = sorted_vms(vmm);
    size_t n = hmap_count(&vmm->vms);

    if (json) {
        struct json *array = json_array_create_empty();
        for (size_t i = 0; i < n; i++) {
            json_array_add(array, vm_summary_json(list[i]));
        }
        char *text = json_to_string(array, JSSF_SORT);
        ds_put_format(s, "%s\n", text);
        free(text);
        json_destroy(array);
    } else {
        ds_put_format(s, "%-24s %-12s %-18s %-8s %s\n", "LSP", "PHASE",
                      "IPV4", "QEMU", "REASON");
        for (size_t i = 0; i < n; i++) {
            const struct vm *vm = list[i];
            ds_put_format(s, "%-24s %-12s %-18s %-8ld %s\n", vm->port,
                          vm->phase,
                          vm->spec && vm->spec->ipv4 ? vm->spec->ipv4 : "-",
                          (long) vm->qemu_pid, vm->reason ? vm->reason : "");
        }
    }
    free(list);
}

/* The VM port's OpenFlow flows on this node's integration bridge, found
 * by its iface-id and by the SB keys in 'info' (NULL: unknown).  Blocks
 * the loop for at most about FLOWS_DEFAULT_TIMEOUT_MS (daemon/flows.h).
 * The caller frees 'flows' with flows_result_destroy(). */
static void
show_flows(const struct vm *vm, const struct ovnhook_port_info *info,
           struct flows_result *flows)
{
    bool keys = info && info->sb_known && info->sb.exists;
    struct flows_query q = {
        .iface_id = vm->plumb.iface_id,
        .bridge = vm->plumb.ovs_bridge,
        .datapath_key = keys ? info->sb.datapath_key : 0,
        .port_key = keys ? info->sb.tunnel_key : 0,
    };
    flows_dump(&q, flows);
}

/* The VM's IPv6 service on this node, for "vm/show": its address, the
 * router's state on its port (unsolicited RAs active or not, the RAs sent
 * and the frames seen by verdict) and its DHCPv6 binding.  NULL when the
 * VM has no IPv6 address. */
static struct json *
show_ipv6(const struct vmm *vmm, const struct vm *vm, struct ds *s)
{
    if (!vm->has_ip6) {
        return NULL;
    }
    const char *ifname = vm->plumb.node_if;
    char ip6[INET6_ADDRSTRLEN];
    ipv6_string_mapped(ip6, &vm->ip6);
    struct json *o = json_object_create();
    json_object_put_string(o, "address", ip6);
    ds_put_format(s, "  ipv6: %s, router fe80::1 ", ip6);

    struct ndp_io_port_info nd;
    if (vm->nd_on && !ndp_io_get_port(vmm->ndp, ifname, &nd)) {
        struct json *router = json_object_create();
        json_object_put(router, "raActive", json_boolean_create(nd.active));
        struct json *ras = json_object_create();
        json_object_put(ras, "unsolicited",
                        json_integer_create(nd.ras.unsolicited));
        json_object_put(ras, "solicitedMulticast",
                        json_integer_create(nd.ras.solicited_multicast));
        json_object_put(ras, "solicitedUnicast",
                        json_integer_create(nd.ras.solicited_unicast));
        json_object_put(router, "raSent", ras);
        json_object_put(router, "frames", json_integer_create(nd.frames));
        ds_put_format(s, "(RAs %s; sent %"PRIu64" unsolicited, %"PRIu64
                      " solicited multicast, %"PRIu64" solicited unicast; "
                      "%"PRIu64" frame(s):",
                      nd.active ? "active" : "inactive", nd.ras.unsolicited,
                      nd.ras.solicited_multicast, nd.ras.solicited_unicast,
                      nd.frames);
        struct json *verdicts = json_object_create();
        for (int i = 0; i < NDP_N_VERDICTS; i++) {
            if (nd.counters.n[i]) {
                json_object_put(verdicts, ndp_verdict_name(i),
                                json_integer_create(nd.counters.n[i]));
                ds_put_format(s, " %s=%"PRIu64, ndp_verdict_name(i),
                              nd.counters.n[i]);
            }
        }
        json_object_put(router, "verdicts", verdicts);
        json_object_put(o, "router", router);
        ds_put_cstr(s, ")\n");
    } else {
        json_object_put(o, "router", json_null_create());
        ds_put_format(s, "not served%s\n", vmm->ndp ? ""
                      : " (no subnet6 in ovnmigd.conf)");
    }

    const struct dhcp6_binding *b = (vm->dhcp6_on
                                     ? dhcp6_io_find_binding(vmm->dhcp6,
                                                             ifname)
                                     : NULL);
    if (b) {
        struct dhcp6_binding_times t;
        dhcp6_binding_get_times(b, &t);
        uint64_t frames = dhcp6_io_port_frames(vmm->dhcp6, ifname);
        struct json *d = json_object_create();
        json_object_put_format(d, "address", "%s/128", ip6);
        json_object_put_format(d, "mac", ETH_ADDR_FMT,
                               ETH_ADDR_ARGS(dhcp6_binding_mac(b)));
        json_object_put(d, "preferredLifetime",
                        json_integer_create(t.preferred));
        json_object_put(d, "validLifetime", json_integer_create(t.valid));
        json_object_put(d, "t1", json_integer_create(t.t1));
        json_object_put(d, "t2", json_integer_create(t.t2));
        json_object_put(d, "frames", json_integer_create(frames));
        json_object_put(o, "dhcp6", d);
        ds_put_format(s, "  dhcp6: "ETH_ADDR_FMT" -> %s/128, preferred %"
                      PRIu32" s, valid %"PRIu32" s, T1 %"PRIu32" s, T2 %"
                      PRIu32" s; %"PRIu64" frame(s)\n",
                      ETH_ADDR_ARGS(dhcp6_binding_mac(b)), ip6, t.preferred,
                      t.valid, t.t1, t.t2, frames);
    } else {
        json_object_put(o, "dhcp6", json_null_create());
        ds_put_cstr(s, "  dhcp6: no binding\n");
    }
    return o;
}

void
vmm_show_answer(struct vmm *vmm, const struct op *op,
            const struct ovnhook_result *r)
{
    const struct vm *vm = vmm_find_vm(vmm, op->port);
    if (!vm) {
        op->show_cb(op->show_aux, false, "the VM is gone");
        return;
    }
    const struct ovnhook_port_info *info = r->error ? NULL : r->info;

    struct vmm_arp_port arp;
    vmm_arp_port_find(vmm, vm, true, &arp);
    const struct dhcp_binding *binding = NULL;
    if (vm->dhcp_on) {
        binding = dhcp_io_find_binding(vmm->dhcp, vm->plumb.node_if,
                                       vm->mac);
    }
    bool plumbed = plumb_exists(&vm->plumb);

    struct json *o = vm_summary_json(vm);
    if (vm->spec) {
        json_object_put(o, "memory", json_integer_create(vm->spec->memory));
        json_object_put(o, "cpus", json_integer_create(vm->spec->cpus));
    }
    json_object_put_format(o, "runDir", "%s", vm->run_dir);
    json_object_put(o, "plumbed", json_boolean_create(plumbed));

    struct json *lsp = json_object_create();
    if (info) {
        json_object_put(lsp, "exists", json_boolean_create(info->exists));
        json_object_put_string(lsp, "uuid", info->lsp_uuid);
        json_object_put_string(lsp, "addresses", info->addresses);
        json_object_put_string(lsp, "requestedChassis",
                               info->requested_chassis);
        json_object_put_string(lsp, "activationStrategy",
                               info->activation_strategy);
        json_object_put_string(lsp, "node", info->node);
        json_object_put(lsp, "inPortGroup",
                        json_boolean_create(info->in_port_group));
        json_object_put(lsp, "up", json_boolean_create(info->nb_up));
        struct json *sb = json_object_create();
        json_object_put(sb, "known", json_boolean_create(info->sb_known));
        json_object_put(sb, "exists", json_boolean_create(info->sb.exists));
        json_object_put_string(sb, "chassis", info->sb.chassis);
        struct json *add = json_array_create_empty();
        for (size_t i = 0; i < info->sb.n_additional; i++) {
            json_array_add(add, json_string_create(info->sb.additional[i]));
        }
        json_object_put(sb, "additionalChassis", add);
        json_object_put(sb, "up", json_boolean_create(info->sb.up));
        json_object_put_string(sb, "activated", info->sb.activated);
        json_object_put(lsp, "binding", sb);
    } else {
        json_object_put_string(lsp, "error", r->message);
    }
    json_object_put(o, "ovn", lsp);

    struct json *dhcp = json_object_create();
    if (binding) {
        ovs_be32 a = dhcp_binding_address(binding);
        json_object_put_format(dhcp, "address", IP_FMT"/%u", IP_ARGS(a),
                               vm->plen);
        json_object_put_format(dhcp, "serverId", IP_FMT,
                               IP_ARGS(dhcp_binding_server_id(binding)));
        json_object_put(dhcp, "declined", json_boolean_create(
                            dhcp_binding_is_declined(binding, NULL)));
        json_object_put(dhcp, "leaseTime",
                        json_integer_create(vmm->cfg->lease_time));
        json_object_put(dhcp, "mtu", json_integer_create(vmm->cfg->mtu));
    }
    json_object_put(o, "dhcp", dhcp);

    struct json *arpj = json_object_create();
    if (arp.found) {
        for (int i = 0; i < ARPP_N_VERDICTS; i++) {
            if (arp.counters.n[i]) {
                json_object_put(arpj, arpp_verdict_name(i),
                                json_integer_create(arp.counters.n[i]));
            }
        }
        json_object_put_string(arpj, "path", arp.path);
        json_object_put(arpj, "kernel-answered",
                        json_integer_create(arp.kernel_answered));
    }
    json_object_put(o, "arp", arpj);

    struct ds ipv6_text = DS_EMPTY_INITIALIZER;
    struct json *ipv6 = show_ipv6(vmm, vm, &ipv6_text);
    json_object_put(o, "ipv6", ipv6 ? ipv6 : json_null_create());

    struct flows_result flows;
    show_flows(vm, info, &flows);
    json_object_put(o, "openflow", flows_query_json(&flows));
    json_object_put(o, "flows", flows_to_json(&flows));

    struct ds s = DS_EMPTY_INITIALIZER;
    if (op->show_json) {
        char *text = json_to_string(o, JSSF_SORT | JSSF_PRETTY);
        ds_put_format(&s, "%s\n", text);
        free(text);
    } else {
        ds_put_format(&s, "%s: %s%s%s\n", vm->port, vm->phase,
                      vm->reason ? " -- " : "", vm->reason ? vm->reason : "");
        if (vm->spec) {
            ds_put_format(&s, "  vm: %s in %s, %lld KiB, %lld CPU(s), "
                          "mac %s, ipv4 %s\n", vm->spec->name,
                          vm->spec->namespace,
                          (long long) vm->spec->memory / 1024,
                          (long long) vm->spec->cpus, vm->spec->mac,
                          vm->spec->ipv4 ? vm->spec->ipv4 : "-");
            ds_put_format(&s, "  live-migratable: %s\n",
                          vmm_migratable(vm->spec) ? "yes"
                          : "no (InterfaceNotLiveMigratable: needs the "
                            "annotation " VMM_MIGRATABLE_ANNOTATION ")");
        }
        ds_put_format(&s, "  qemu: pid %ld%s, accel %s, run dir %s\n",
                      (long) vm->qemu_pid,
                      vm->qemu_adopted ? " (adopted)" : "",
                      vm->accel_known ? qvm_accel_name(vm->accel) : "unknown",
                      vm->run_dir);
        if (vm->qemu_pid && !vm->incoming) {
            long long int s_since = (time_msec() - vm->qemu_since) / 1000;
            if (vm->alive) {
                ds_put_format(&s, "  guest: alive (%s)\n", vm->life_sign);
            } else if (vm->boot_timed_out) {
                ds_put_format(&s, "  guest: NO SIGN OF LIFE within the "
                              "boot deadline (%u s)\n",
                              vmm->cfg->boot_deadline);
            } else {
                ds_put_format(&s, "  guest: booting, no sign of life yet "
                              "(%lld s, deadline %u s)\n", s_since,
                              vmm->cfg->boot_deadline);
            }
        }
        ds_put_format(&s, "  plumbing: netns %s, node interface %s: %s\n",
                      vm->plumb.netns, vm->plumb.node_if,
                      plumbed ? "present" : "MISSING");
        if (info) {
            ds_put_format(&s, "  lsp: %s %s, addresses \"%s\", "
                          "requested-chassis %s, activation-strategy %s, "
                          "port group %s, up %s\n",
                          info->exists ? "exists" : "MISSING",
                          info->lsp_uuid, info->addresses,
                          info->requested_chassis[0]
                          ? info->requested_chassis : "-",
                          info->activation_strategy[0]
                          ? info->activation_strategy : "-",
                          info->in_port_group ? "yes" : "no",
                          info->nb_up ? "true" : "false");
            ds_put_format(&s, "  sb binding: chassis %s, additional [",
                          info->sb.chassis[0] ? info->sb.chassis : "-");
            for (size_t i = 0; i < info->sb.n_additional; i++) {
                ds_put_format(&s, "%s%s", i ? "," : "",
                              info->sb.additional[i]);
            }
            ds_put_format(&s, "], up %s%s\n", info->sb.up ? "true" : "false",
                          info->sb_known ? "" : " (SB not reachable)");
        } else {
            ds_put_format(&s, "  lsp: unknown (%s)\n", r->message);
        }
        if (binding) {
            ds_put_format(&s, "  dhcp: %s -> "IP_FMT"/%u, server-id "IP_FMT
                          ", lease %u s, mtu %u%s\n", vm->spec->mac,
                          IP_ARGS(dhcp_binding_address(binding)), vm->plen,
                          IP_ARGS(dhcp_binding_server_id(binding)),
                          vmm->cfg->lease_time, vmm->cfg->mtu,
                          dhcp_binding_is_declined(binding, NULL)
                          ? ", DECLINED by the guest" : "");
        } else {
            ds_put_cstr(&s, "  dhcp: no binding\n");
        }
        ds_put_cstr(&s, ds_cstr(&ipv6_text));
        ds_put_cstr(&s, "  arp:");
        for (int i = 0; arp.found && i < ARPP_N_VERDICTS; i++) {
            if (arp.counters.n[i]) {
                ds_put_format(&s, " %s=%"PRIu64, arpp_verdict_name(i),
                              arp.counters.n[i]);
            }
        }
        if (arp.found) {
            ds_put_format(&s, " (%s", arp.path);
            if (arp.kernel_answered) {
                ds_put_format(&s, ", %"PRIu64" answered in the kernel",
                              arp.kernel_answered);
            }
            ds_put_cstr(&s, ")\n");
        } else {
            ds_put_cstr(&s, " not served\n");
        }
        flows_format(&flows, 2, &s);
    }
    flows_result_destroy(&flows);
    ds_destroy(&ipv6_text);
    json_destroy(o);
    free(arp.path);
    op->show_cb(op->show_aux, true, ds_cstr(&s));
    ds_destroy(&s);
}

void
vmm_show(struct vmm *vmm, const char *name, const char *namespace,
         bool json, vmm_show_cb *cb, void *aux)
{
    char port[OVNHOOK_PORT_NAME_MAX];
    if (ovnhook_port_name(name, namespace, port, sizeof port)
        || !vmm_find_vm(vmm, port)) {
        char *msg = xasprintf("no VM %s in namespace %s on this node", name,
                              namespace);
        cb(aux, false, msg);
        free(msg);
        return;
    }
    struct op *op = vmm_op_new(vmm, OP_SHOW, port);
    op->show_cb = cb;
    op->show_aux = aux;
    op->show_json = json;
    int error = ovnhook_port_get(vmm->hooks, port, op->cookie);
    if (error) {
        struct ovnhook_result r = { .cookie = op->cookie, .error = error };
        snprintf(r.message, sizeof r.message, "port_get: %s",
                 ovs_strerror(-error));
        op = vmm_op_take(vmm, op->cookie);
        vmm_show_answer(vmm, op, &r);
        free(op);
    }
}
