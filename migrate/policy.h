/* SPDX-License-Identifier: Apache-2.0
 *
 * policy.h -- the cluster's live-migration configuration, MigrationPolicy
 * selection, Kubernetes quantities and the timeout arithmetic, as KubeVirt
 * defines them.  Pure: no I/O, no clock.
 */
#ifndef OVNMIG_POLICY_H
#define OVNMIG_POLICY_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ds;
struct smap;

/* The cluster's liveMigrationConfig, after defaults and any policy. */
struct mig_config {
    unsigned int parallel_per_cluster;        /* parallelMigrationsPerCluster */
    unsigned int parallel_outbound_per_node;  /* parallelOutboundMigrationsPerNode */
    uint64_t bandwidth;         /* bandwidthPerMigration, bytes/s; 0 = none. */
    unsigned int completion_timeout_per_gib;  /* Seconds. */
    unsigned int progress_timeout;            /* Seconds. */
    unsigned int downtime_limit_ms;           /* QEMU downtime-limit. */
    bool allow_auto_converge;
    bool allow_post_copy;
    bool disable_tls;           /* Plain TCP, only when asked for. */
    char network[64];           /* Migration interface; "" = node address. */
};

#define MIG_DEFAULT_PARALLEL_PER_CLUSTER 5
#define MIG_DEFAULT_PARALLEL_OUTBOUND_PER_NODE 2
#define MIG_DEFAULT_COMPLETION_TIMEOUT_PER_GIB 800
#define MIG_DEFAULT_PROGRESS_TIMEOUT 150
#define MIG_DEFAULT_DOWNTIME_LIMIT_MS 300

void mig_config_init(struct mig_config *);

/* Reads the Config table's live_migration map (KubeVirt's key names:
 * "parallelMigrationsPerCluster", "bandwidthPerMigration", ...) over the
 * defaults: a missing key keeps its default, so deleting a key restores
 * it.  Returns 0, or -EINVAL with a message naming the key and value in
 * '*errorp' (caller frees) and 'config' unchanged. */
int mig_config_from_smap(struct mig_config *config, const struct smap *map,
                         char **errorp);

/* A MigrationPolicy (migrations.kubevirt.io/v1alpha1).  An unset field
 * ('has_*' false) leaves the cluster's value alone. */
struct mig_policy {
    const char *name;
    const struct smap *namespace_selector;
    const struct smap *vmi_selector;
    bool has_allow_auto_converge, allow_auto_converge;
    bool has_allow_post_copy, allow_post_copy;
    bool has_bandwidth;
    uint64_t bandwidth;
    bool has_completion_timeout_per_gib;
    unsigned int completion_timeout_per_gib;
};

/* Returns the policy among 'policies' that applies to a VM with labels
 * 'vm_labels' in a namespace with labels 'ns_labels', or NULL.  A policy
 * applies when every label of both its selectors matches.  The one with
 * the most matching labels wins; among equals, the one whose matching
 * label keys, sorted, come first alphabetically.  If 'why' is nonnull,
 * appends an explanation for "vm show". */
const struct mig_policy *mig_policy_select(const struct mig_policy *policies,
                                           size_t n,
                                           const struct smap *ns_labels,
                                           const struct smap *vm_labels,
                                           struct ds *why);

void mig_config_apply_policy(struct mig_config *,
                             const struct mig_policy *);

/* completionTimeoutPerGiB times the data to move, in GiB (memory, plus
 * disks for block migration), in whole seconds rounded up: 800 s/GiB for
 * a 6 GiB VM is 4,800 s; for 256 MiB, 200 s. */
uint64_t mig_completion_timeout(unsigned int per_gib, uint64_t memory,
                                uint64_t disks);

#endif /* policy.h */
