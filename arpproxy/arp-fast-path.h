/* SPDX-License-Identifier: Apache-2.0
 *
 * arp-fast-path.h -- the ARP proxy's kernel fast path: the core's rules as
 * one eBPF program (arp-fast-path.bpf.c) on tc ingress of each VM port,
 * answering in softirq what arpp_handle() would answer, and leaving
 * everything else to the userspace path.  docs/architecture.md, "Kernel
 * fast path for ARP", says why and how.
 *
 * One arpp_fp a process: it loads the program and its two maps (the
 * ports' views and their per-CPU counters, keyed by ifindex) from the
 * object embedded at build time, through libbpf.  A port is answered in
 * the kernel once it has a map entry (arpp_fp_add_port()) and the filter
 * (arpp_fp_attach()); it stops with arpp_fp_detach(), then
 * arpp_fp_remove_port().  Needs CAP_BPF and CAP_NET_ADMIN (root); every
 * failure is returned, for the caller to fall back to userspace. */
#ifndef OVNMIG_ARP_FAST_PATH_H
#define OVNMIG_ARP_FAST_PATH_H 1

#include "arpproxy/arp-fast-path-abi.h"

struct arpp_fp;
struct arpp_port_view;

/* Loads the program and creates its maps.  Returns 0 and stores the new
 * fast path in '*fpp' (the caller frees it with arpp_fp_destroy()), or a
 * negative errno: -EPERM without CAP_BPF, -EINVAL or -ENOTSUPP if the
 * kernel refuses the program, ...  libbpf's own messages go to the log at
 * debug level. */
int arpp_fp_create(struct arpp_fp **fpp);
/* Closes the program and the maps.  Filters still attached keep the
 * program running with the last views: detach every port first. */
void arpp_fp_destroy(struct arpp_fp *);

/* Stores a copy of 'view' as the view of port 'ifindex', with zeroed
 * counters.  Returns 0 or a negative errno: -EINVAL for a NULL 'fp' or
 * 'view', a view arpp_port_view_check() rejects, or 'ifindex' <= 0;
 * -E2BIG beyond ARPP_FP_MAX_PORTS ports. */
int arpp_fp_add_port(struct arpp_fp *, int ifindex,
                     const struct arpp_port_view *);
/* Reads port 'ifindex''s counters, summed over the CPUs, into '*c' (if
 * not NULL) and deletes its entries.  Returns 0 or -ENOENT. */
int arpp_fp_remove_port(struct arpp_fp *, int ifindex,
                        struct arpp_fp_counters *c);
/* Port 'ifindex''s counters, summed over the CPUs.  Returns 0 or
 * -ENOENT. */
int arpp_fp_get_counters(const struct arpp_fp *, int ifindex,
                         struct arpp_fp_counters *);

/* Attaches the program on tc ingress of 'ifindex' (adding the clsact
 * qdisc if there is none), replacing the filter of an earlier process if
 * one is left (ARPP_FP_TC_HANDLE and _PRIORITY).  Returns 0 or a negative
 * errno. */
int arpp_fp_attach(struct arpp_fp *, int ifindex);
/* Removes ovnmig's filter from tc ingress of 'ifindex', whichever process
 * attached it; leaves the clsact qdisc and any other filter.  Returns 0,
 * -ENOENT if there was none, or another negative errno. */
int arpp_fp_detach(int ifindex);

/* Adds 'b' to 'a', counter by counter: the one place that knows the
 * fields, for summing CPUs and ports alike. */
void arpp_fp_counters_add(struct arpp_fp_counters *a,
                          const struct arpp_fp_counters *b);

/* The program's file descriptor, e.g. for bpf_prog_test_run_opts(). */
int arpp_fp_prog_fd(const struct arpp_fp *);
/* Bytes of kernel memory the maps hold now (their "memlock" in fdinfo), or
 * 0 if unknown. */
unsigned long long arpp_fp_map_memory(const struct arpp_fp *);

#endif /* arp-fast-path.h */
