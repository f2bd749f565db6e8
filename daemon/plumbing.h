/* SPDX-License-Identifier: Apache-2.0
 *
 * plumbing.h -- a VM's bridge-binding network, as KubeVirt's launcher
 * builds it:
 *
 *   node netns                     pod netns (one per VM)
 *   br-int (OVS) -- <node_if> ==veth== eth0 -- k6t-eth0 (bridge) -- tap0 -- QEMU
 *
 * The node end of the veth is plugged into br-int with
 * external_ids:iface-id=<LSP name>, so OVN binds the VM's logical port to
 * this chassis.  The pod side carries no IP address and no IPv6 (it must
 * not speak on the VM's port with a MAC of its own), and its transmit
 * checksum offload is off: the userspace datapath reads frames with
 * AF_PACKET and cannot finish a partial checksum.
 *
 * Every call is idempotent: create reuses what already exists (so a
 * restarted daemon re-adopts a running VM's network without touching it),
 * destroy removes whatever is left.  Returns 0 or a negative errno; the
 * details of a failure are logged.  Needs CAP_NET_ADMIN and CAP_SYS_ADMIN.
 *
 * The pod namespace is a bind mount in /run/netns, like "ip netns add"
 * makes: the caller must run in the node's own mount namespace, or the
 * mount is seen by nobody else.  Under "ip netns exec", which unshares the
 * mount namespace, it is not; enter a node's network namespace alone
 * (nsenter --net=...) instead.
 */
#ifndef OVNMIG_PLUMBING_H
#define OVNMIG_PLUMBING_H 1

#include <net/if.h>
#include <stdbool.h>

struct plumb_spec {
    char netns[64];             /* Pod network namespace, in /run/netns. */
    char node_if[IF_NAMESIZE];  /* Node end of the veth. */
    char iface_id[128];         /* OVN logical switch port name. */
    char ovs_bridge[IF_NAMESIZE];   /* Integration bridge: "br-int". */
    unsigned int mtu;           /* 0: leave the kernel's default. */
};

/* The fixed names inside the pod namespace (KubeVirt's). */
#define PLUMB_POD_IF "eth0"
#define PLUMB_BRIDGE "k6t-eth0"
#define PLUMB_TAP "tap0"

/* Fills 'spec' for the VM whose logical port is 'lsp', with the pod
 * namespace named '<netns_prefix><lsp>' and a node interface name derived
 * from a hash of both (stable, at most 15 characters). */
void plumb_spec_init(struct plumb_spec *spec, const char *netns_prefix,
                     const char *lsp, unsigned int mtu);

int plumb_create(const struct plumb_spec *);
int plumb_destroy(const struct plumb_spec *);

/* True if the pod namespace and the node end of the veth both exist. */
bool plumb_exists(const struct plumb_spec *);

/* Opens the pod namespace (for a process to enter with setns()).
 * Returns a descriptor the caller closes, or a negative errno. */
int plumb_open_netns(const struct plumb_spec *);

#endif /* plumbing.h */
