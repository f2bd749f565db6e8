/* SPDX-License-Identifier: Apache-2.0
 *
 * cni-server.h -- ovnmigd's side of ovnmig-cni (docs/ovnmig-cni.8): the
 * control commands the CNI plugin sends.
 *
 *   cni/add   CONTAINER_ID IFNAME NETWORK NETNS NETNS_FD_PATH POD_NS POD
 *   cni/del   (the same; NETNS and NETNS_FD_PATH may be empty)
 *   cni/check (the same)
 *
 * POD_NS and POD (CNI_ARGS' K8S_POD_NAMESPACE and K8S_POD_NAME) name the
 * pod's logical switch port "<POD>.<POD_NS>"; an empty POD is the
 * container ID (cut to 63 bytes), an empty POD_NS the network's name.  NETNS_FD_PATH
 * (/proc/PID/fd/N of the plugin) opens the pod's network namespace, NETNS
 * is what the result reports.
 *
 * ADD: the port, with an address allocated from the cluster DB's
 * Config external_ids:ovnmig-pod-subnet (ovn-hooks' port_alloc), then the
 * veth into the pod (daemon/plumbing.h), the ARP proxy and the DHCP server
 * on its node end; answers a CNI 1.0.0 result.  DEL undoes it, whatever
 * is left, and answers "" (also for a container never added).  CHECK
 * answers the result again if the node end and the record are there.  A
 * refusal is answered as a CNI error object {"code", "msg"} (cni/cni.h's
 * codes), which the plugin passes on.
 *
 * Each pod has a record, <run_dir>/cni/<CONTAINER_ID>.<IFNAME>, written
 * before the port is made (so that DEL after a crash mid-ADD still finds
 * the port to delete) and completed with the address once it is known.  A
 * restarted daemon serves ARP and DHCP again on every recorded pod whose
 * veth is still there.
 */
#ifndef OVNMIG_CNI_SERVER_H
#define OVNMIG_CNI_SERVER_H 1

#include <stdbool.h>
#include <stdint.h>

struct arpp_io;
struct cdb_snapshot;
struct ctl_server;
struct dhcp_io;
struct ovnhook;
struct ovnhook_result;
struct ovnmigd_config;

/* Config external_ids key: the pods' subnet, "A.B.C.D/P". */
#define CNIS_POD_SUBNET_KEY "ovnmig-pod-subnet"

struct cnis_options {
    const struct ovnmigd_config *cfg;   /* Must outlive the server. */
    struct ovnhook *hooks;
    struct arpp_io *arp;
    struct dhcp_io *dhcp;
    struct ctl_server *ctl;     /* The commands are registered there. */
};

struct cnis_stats {
    uint64_t adds, add_errors, dels, checks;
    unsigned int pods;          /* recorded on this node */
};

struct cnis;

/* The caller frees the result with cnis_destroy(), which leaves the pods'
 * networks as they are (and answers requests in flight with an error). */
struct cnis *cnis_create(const struct cnis_options *);
void cnis_destroy(struct cnis *);

/* The cluster DB's contents changed (the pod subnet may have). */
void cnis_update(struct cnis *, const struct cdb_snapshot *);

/* An ovn-hooks answer.  Returns true if it was one of the server's. */
bool cnis_hook_done(struct cnis *, const struct ovnhook_result *);

void cnis_get_stats(const struct cnis *, struct cnis_stats *);

#endif /* cni-server.h */
