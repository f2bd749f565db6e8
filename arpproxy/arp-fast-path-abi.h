/* SPDX-License-Identifier: Apache-2.0
 *
 * arp-fast-path-abi.h -- what the ARP fast path's eBPF program
 * (arp-fast-path.bpf.c) and its loader (arp-fast-path.c) share: the limits
 * of a port's view and the layout of the program's maps.  Included by both
 * sides, so it uses only the kernel's UAPI types. */
#ifndef OVNMIG_ARP_FAST_PATH_ABI_H
#define OVNMIG_ARP_FAST_PATH_ABI_H 1

#include <linux/types.h>

/* Hard limits on a port's view.  A VM port has one IPv4 address in
 * practice; a few more cover secondary addresses.  The gateways are
 * 169.254.1.1 plus the subnet's gateway, and room for a second subnet. */
#define ARPP_MAX_VM_IPS 8
#define ARPP_MAX_GATEWAYS 4

/* Entries in each map: ports answered in the kernel by one process.  A
 * port beyond it is served from userspace (arpp_fp_add_port() returns
 * -E2BIG).  The maps are not preallocated: a port costs its entries only. */
#define ARPP_FP_MAX_PORTS 4096

/* The tc filter's handle and priority on a port's clsact ingress hook:
 * fixed, so that a restarted process replaces (and a stopped one removes)
 * exactly its own filter.  Priority 1 runs it before anything else. */
#define ARPP_FP_TC_HANDLE 0x0a9fe
#define ARPP_FP_TC_PRIORITY 1

/* Value of the map "arpp_ports", keyed by the port's ifindex (__u32): the
 * port's view, as struct arpp_port_view has it, in network byte order. */
struct arpp_fp_port {
    __u8 vm_mac[6];
    __u8 gateway_mac[6];
    __u32 n_vm_ips;
    __u32 n_gateways;
    __be32 vm_ips[ARPP_MAX_VM_IPS];
    __be32 gateways[ARPP_MAX_GATEWAYS];
};

/* Value of the per-CPU map "arpp_counters", keyed by ifindex. */
struct arpp_fp_counters {
    __u64 answered;     /* Requests answered in the kernel. */
    __u64 passed;       /* ARP frames left to userspace (not answered). */
    __u64 failed;       /* To answer, but the rewrite failed (no memory):
                         * dropped. */
};

#endif /* arp-fast-path-abi.h */
