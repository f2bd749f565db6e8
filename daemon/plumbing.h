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
#include <stdint.h>

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

/* A CNI pod's interface (ovnmig-cni, daemon/cni-server.h): a veth whose
 * peer is created inside the pod's own network namespace (which the
 * runtime made) as 'pod_if', with the pod's MAC and address, up, and a
 * default route via 'gateway' (on-link: the link-local gateway), TX
 * checksum offload off on both ends; the node end is plugged into br-int
 * with external_ids:iface-id=<LSP> and ovnmig-cni=<container ID>.  The
 * node end's name derives from the container ID and the interface name,
 * so DEL finds it without the namespace.  Create replaces a veth left by
 * an earlier, partial ADD; destroy removes whatever is left (the pod's
 * end goes with the node's). */
struct plumb_pod_spec {
    char node_if[IF_NAMESIZE];
    char pod_if[IF_NAMESIZE];
    char container_id[128];
    char iface_id[128];
    char ovs_bridge[IF_NAMESIZE];
    uint8_t mac[6];
    uint32_t ip;                /* network byte order */
    unsigned int plen;
    uint32_t gateway;           /* network byte order */
    unsigned int mtu;           /* 0: the kernel's default */
};

/* Fills the names of 'spec' (and zeroes the rest).  Returns 0, or -EINVAL
 * for an interface name or container ID that does not fit. */
int plumb_pod_spec_init(struct plumb_pod_spec *spec,
                        const char *container_id, const char *pod_if);
/* 'netns_fd': the pod's network namespace (not taken over). */
int plumb_pod_create(const struct plumb_pod_spec *, int netns_fd);
int plumb_pod_destroy(const struct plumb_pod_spec *);
/* True if the node end of the pod's veth exists. */
bool plumb_pod_exists(const struct plumb_pod_spec *);

#endif /* plumbing.h */
