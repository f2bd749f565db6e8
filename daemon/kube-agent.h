/* SPDX-License-Identifier: Apache-2.0
 *
 * kube-agent.h -- ovnmigd in Kubernetes mode (ovnmigd.conf "mode =
 * kubernetes"): a network-only node agent that follows a KubeVirt
 * cluster's objects and moves each VM's OVN port at the right moment.
 * KubeVirt (virt-handler, libvirt) runs QEMU and copies the guest; this
 * node only moves the port (daemon/port-move.h's attach and finalize).
 *
 * It watches, with client-go's reflector semantics (kube/reflector.h):
 *   - the virt-launcher pods on this node (spec.nodeName=<node>, label
 *     kubevirt.io=virt-launcher);
 *   - the VMIs on this node (label kubevirt.io/nodeName=<node>) and those
 *     migrating to it (kubevirt.io/migrationTargetNodeName=<node>);
 *   - the VMIMs, cluster-wide.
 * It keeps of each object only the facts kube/decide.h needs, and for
 * each VM those changed, reads its port from OVN (the truth: the API
 * server is only the trigger), asks kube_decide() and applies the action:
 * add this node as the port's second chassis with RARP activation,
 * recording the migration's UID on the port; put the port back on one
 * chassis only if it still records that UID (the NB transaction verifies
 * it); or remove the port.  Then it reads the port again and asks again,
 * until the answer is "nothing" -- level-triggered, so that a restart, a
 * relist or a replayed event leads to the same end.  Every VM is
 * reconciled again every KAGENT_RESYNC_MS.  It never writes a VMI's or a
 * VMIM's status.
 *
 * What it writes, for people and liveness: Events on the VMI
 * (TargetNetworkPrepared, by the target once the SB shows it bound;
 * PortActivated, on the target alone after a success; PortRolledBack, a
 * warning with the reason); on the VM's live pods on the node its port is
 * bound to, the annotation KAGENT_PORT_ANNOTATION ("<lsp> on
 * <chassis>"); and a Lease per node, "ovnmigd-<node>" in
 * KAGENT_LEASE_NAMESPACE, renewed every KAGENT_LEASE_RENEW_MS.
 *
 * Bounded: at most KAGENT_MAX_VMS VMs, and the reflectors' own bounds.
 * Runs on the daemon's libevent thread.
 */
#ifndef OVNMIG_KUBE_AGENT_H
#define OVNMIG_KUBE_AGENT_H 1

#include <stdbool.h>
#include <stdint.h>

struct ds;
struct event_base;
struct kagent;
struct ovnhook;
struct ovnhook_result;
struct ovnmigd_config;

#define KAGENT_MAX_VMS 65536
#define KAGENT_RESYNC_MS 30000
/* An action that failed is tried again (after reading the port again)
 * this much later. */
#define KAGENT_RETRY_MS 1000
#define KAGENT_WRITE_TIMEOUT_MS 10000
#define KAGENT_PORT_ANNOTATION "ovnmig.io/port"
#define KAGENT_LEASE_NAMESPACE "kube-node-lease"
#define KAGENT_LEASE_RENEW_MS 10000
#define KAGENT_LEASE_DURATION_S 40

#define KAGENT_STATS                                                    \
    KAGENT_STAT(decisions, "kube-decisions")                            \
    KAGENT_STAT(chassis_added, "kube-chassis-added")                    \
    KAGENT_STAT(finalized, "kube-finalized")                            \
    KAGENT_STAT(ports_removed, "kube-ports-removed")                    \
    KAGENT_STAT(action_errors, "kube-action-errors")                    \
    KAGENT_STAT(stale, "kube-finalize-stale")                           \
    KAGENT_STAT(bad_objects, "kube-objects-refused")                    \
    KAGENT_STAT(vms_refused, "kube-vms-refused")                        \
    KAGENT_STAT(writes, "kube-writes")                                  \
    KAGENT_STAT(write_errors, "kube-write-errors")                      \
    KAGENT_STAT(lease_renewals, "kube-lease-renewals")

struct kagent_stats {
#define KAGENT_STAT(MEMBER, NAME) uint64_t MEMBER;
    KAGENT_STATS
#undef KAGENT_STAT
    bool synced;                /* Every reflector has listed once. */
    unsigned int vms;
};

struct kagent_options {
    const struct ovnmigd_config *cfg;   /* Must outlive the agent. */
    struct event_base *base;
    struct ovnhook *hooks;
};

/* Reads the credentials the configuration names and starts the
 * reflectors.  Returns 0, or a negative errno with a message in '*errorp'
 * (the caller frees it). */
int kagent_create(const struct kagent_options *, struct kagent **,
                  char **errorp);
void kagent_destroy(struct kagent *);

/* An ovn-hooks answer.  Returns true if it was the agent's. */
bool kagent_hook_done(struct kagent *, const struct ovnhook_result *);

/* Retries and the periodic reconcile (call about once a second). */
void kagent_run(struct kagent *);

/* "kube/list": the VMs the agent follows, their port and last decision,
 * a line each, or JSON. */
void kagent_list(const struct kagent *, struct ds *, bool json);

void kagent_get_stats(const struct kagent *, struct kagent_stats *);

#endif /* daemon/kube-agent.h */
