/* SPDX-License-Identifier: Apache-2.0
 *
 * cluster-db.h -- ovnmigd's client of the cluster database (the omrec_
 * IDL of daemon/ovnmig.ovsschema).
 *
 * Like ovn-hooks (docs/ovn-hooks.md), the IDL lives in a thread of its own
 * running an ordinary OVS poll loop; the caller's (libevent) thread sees
 * only copies.  The thread
 *   - monitors the VM rows whose "node" is this node (an IDL condition),
 *     and hands the caller a complete copy of them whenever they change;
 *   - keeps this node's Node row (chassis, migration address, memory) and
 *     its heartbeat up to date;
 *   - writes each VM's "status" column as the caller last asked, until the
 *     database holds exactly that (a lost transaction is simply redone).
 *
 * Only the caller's thread may call these functions.
 */
#ifndef OVNMIG_CLUSTER_DB_H
#define OVNMIG_CLUSTER_DB_H 1

#include <stdbool.h>
#include <stdint.h>
#include "migrate/policy.h"
#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"
#include "smap.h"
#include "sset.h"
#include "uuid.h"

/* A copy of one VM row. */
struct cdb_vm {
    struct hmap_node hmap_node;         /* In cdb_snapshot's 'vms'. */
    struct uuid uuid;
    char *name;
    char *namespace;
    char *node;
    char *mac;
    char *ipv4;                 /* "A.B.C.D/P", or NULL. */
    char *ipv6;                 /* or NULL. */
    char *eviction_strategy;
    int64_t memory;             /* Bytes. */
    int64_t cpus;
    struct smap labels;
    struct smap annotations;
    struct smap boot;           /* kernel, initrd, cmdline. */
    struct smap status;
};

/* A copy of one Migration row.  Optional columns are NULL (strings) or 0
 * (timestamps) when empty. */
struct cdb_migration {
    struct hmap_node hmap_node;         /* In cdb_snapshot's 'migrations'. */
    char *uid;
    char *vm, *namespace;
    char *source_node;
    char *target_node, *target_address;
    char *phase;
    char *abort_status;
    char *failure_reason;
    char *mode;
    char *policy;
    int64_t requested, start_time, end_time;    /* ms since the epoch */
    bool completed, failed;
    int64_t ram_total;          /* progress "total": the guest RAM QEMU
                                 * moves, bytes; 0 before it reported. */
    int64_t stopped_at;         /* progress "stoppedAt": ms since the epoch;
                                 * 0 before the source reported it. */
    int64_t resumed_at;         /* progress "resumedAt": ms since the epoch;
                                 * 0 before the target reported it. */
    struct smap external_ids;   /* The settings the source resolved. */
};

/* A copy of one Node row. */
struct cdb_node {
    struct hmap_node hmap_node;         /* In cdb_snapshot's 'nodes'. */
    char *name, *chassis, *migration_address;
    int64_t heartbeat;          /* ms since the epoch */
    int64_t memory;             /* bytes */
    int64_t memory_used;        /* bytes its VMs take */
    int64_t memory_seen;        /* The end_time of the last migration into
                                 * the node that 'memory_used' counts;
                                 * INT64_MAX if the node does not say. */
    bool schedulable;
    char *accel;                /* What its QEMUs run with ("kvm", "tcg"),
                                 * or NULL if it does not say. */
};

/* Node.external_ids keys: the memory this node's VMs take, in bytes, and
 * the end_time of the last Succeeded migration into the node it counts.
 * The node publishes them some time after the migration's source moved
 * the VM's row; until then, whoever schedules counts a Succeeded migration
 * into the node that ended later than CDB_NODE_MEMORY_SEEN itself, so
 * that two migrations in a row do not both see the node as empty.  (Both
 * are sources' clocks: a source whose clock lags another's may miss the
 * correction, but a migration is never counted twice for long, since its
 * own end_time soon is among those the node has seen.) */
#define CDB_NODE_MEMORY_USED "ovnmig-memory-used"
#define CDB_NODE_MEMORY_SEEN "ovnmig-memory-seen"
/* Node.external_ids key: the accelerator the node's QEMUs run with
 * ("kvm" or "tcg"), as its ovnmigd decided at start.  QEMU cannot migrate
 * a guest between accelerators, so neither does ovnmig. */
#define CDB_NODE_ACCEL "ovnmig-accel"

/* A copy of one Migration_Policy row, ready for mig_policy_select(). */
struct cdb_policy {
    struct mig_policy p;        /* Points into the members below. */
    char *name;
    struct smap namespace_selector, vmi_selector;
};

/* What the cluster database holds that this node needs:
 *   - its own VMs and those of migrations that target it, keyed by the
 *     hash of "<name>.<namespace>" (cdb_vm_hash()): a VM's 'node' says
 *     which it is;
 *   - every migration, node and policy, the namespaces' labels, the
 *     cluster's liveMigrationConfig and its Config row's external_ids
 *     (knobs that are not KubeVirt's, e.g. ovnmig-cutover). */
struct cdb_snapshot {
    struct hmap vms;
    struct hmap migrations;     /* By hash_string(uid, 0). */
    struct hmap nodes;          /* By hash_string(name, 0). */
    struct cdb_policy *policies;
    size_t n_policies;
    struct shash namespace_labels;      /* name -> struct smap * */
    struct smap live_migration;
    struct smap config_ids;     /* Config's external_ids. */
    /* True once the snapshot reflects the server's contents (connected,
     * condition acknowledged): only then may the caller conclude that a
     * VM it runs is gone from the database. */
    bool complete;
};

uint32_t cdb_vm_hash(const char *name, const char *namespace);
/* The accelerator 'vm' runs with: its status says, or else its node's row
 * (CDB_NODE_ACCEL).  NULL if neither does. */
const char *cdb_vm_accel(const struct cdb_snapshot *, const struct cdb_vm *);
const struct cdb_migration *cdb_snapshot_find_migration(
    const struct cdb_snapshot *, const char *uid);
const struct cdb_node *cdb_snapshot_find_node(const struct cdb_snapshot *,
                                              const char *name);
struct cdb_vm *cdb_snapshot_find(const struct cdb_snapshot *,
                                 const char *name, const char *namespace);
/* Deep copies; the caller frees them with cdb_migration_destroy(). */
struct cdb_migration *cdb_migration_clone(const struct cdb_migration *);
void cdb_migration_destroy(struct cdb_migration *);
/* Deep copies; the caller frees them with cdb_vm_destroy(). */
struct cdb_vm *cdb_vm_clone(const struct cdb_vm *);
void cdb_vm_destroy(struct cdb_vm *);
/* True if 'a' and 'b' ask for the same VM (status and UUID ignored). */
bool cdb_vm_spec_equal(const struct cdb_vm *a, const struct cdb_vm *b);
void cdb_snapshot_destroy(struct cdb_snapshot *);

struct cdb_callbacks {
    /* The VMs changed.  'snap' is valid during the call only. */
    void (*vms)(const struct cdb_snapshot *snap, void *aux);
    /* Optional: the connection went up or down. */
    void (*connection)(bool connected, void *aux);
    void *aux;
};

struct cdb_options {
    const char *remote;         /* "unix:PATH", "tcp:H:P[,tcp:...]" */
    const char *node;           /* This node's name. */
    const char *chassis;        /* Its OVN chassis. */
    const char *migration_address;      /* NULL: "". */
    const char *accel;          /* Published in the Node row; NULL: not. */
    unsigned int heartbeat_ms;  /* 0: CDB_DEFAULT_HEARTBEAT_MS. */
    struct cdb_callbacks cb;
};

#define CDB_DEFAULT_HEARTBEAT_MS 5000
/* VMs on one node beyond which rows are ignored (and a warning logged). */
#define CDB_MAX_VMS 4096

struct cdb_stats {
    bool connected;
    uint64_t snapshots;         /* delivered to the caller */
    uint64_t heartbeats;        /* Node rows written */
    uint64_t status_writes;     /* VM status columns written */
    uint64_t mig_writes;        /* Migration changes written */
    uint64_t mig_writes_dropped;        /* ...and dropped (condition) */
    uint64_t txn_committed, txn_failed;
    uint64_t reconnects;
    unsigned int vms;           /* in the last snapshot */
};

struct cdb;

/* Starts the thread.  Copies 'opts'.  Returns NULL (errno set) on bad
 * options.  The caller destroys the result with cdb_destroy(). */
struct cdb *cdb_create(const struct cdb_options *opts);
void cdb_destroy(struct cdb *);

/* Readable when cdb_run() has something to deliver. */
int cdb_get_fd(const struct cdb *);
/* Delivers the latest snapshot (if a new one came) and connection
 * changes through the callbacks. */
void cdb_run(struct cdb *);

/* Makes 'status' (copied) the wanted status column of VM name/namespace;
 * written as soon as possible, and again if the database differs.
 * NULL forgets the VM (it is no longer ours). */
void cdb_set_status(struct cdb *, const char *name, const char *namespace,
                    const struct smap *status);

/* A change to one Migration row, applied in the database's order of
 * requests, each in a transaction of its own or batched with others.
 *
 * 'set' maps column names to values in ovs-vsctl's syntax (strings
 * quoted: cdb_mig_write_set_string() does it).  The change applies only
 * while the row exists and, if 'if_phases' is not empty, its phase is one
 * of them; otherwise it is dropped.  A claim (cluster_limit nonzero) also
 * applies only while fewer than 'cluster_limit' migrations are active in
 * the whole cluster and fewer than 'node_limit' from the row's source
 * node; the transaction verifies every row's phase, so two nodes claiming
 * the last slot at once cannot both succeed: the loser's claim is
 * re-examined against the winner's and dropped.  With 'vm_node' nonnull,
 * the same transaction moves the migration's VM to that node. */
struct cdb_mig_write {
    char *uid;
    struct sset if_phases;
    unsigned int cluster_limit, node_limit;
    struct smap set;
    struct smap progress_set;   /* Keys of 'progress', each alone... */
    struct sset progress_delete;        /* ...and keys to remove. */
    char *vm_node;
};

/* Active migrations hold a slot: phases Scheduling .. Running. */
bool cdb_phase_is_active(const char *phase);
bool cdb_phase_is_final(const char *phase);

void cdb_mig_write_init(struct cdb_mig_write *, const char *uid);
void cdb_mig_write_destroy(struct cdb_mig_write *);
void cdb_mig_write_set_string(struct cdb_mig_write *, const char *column,
                              const char *value);
void cdb_mig_write_set_bool(struct cdb_mig_write *, const char *column,
                            bool value);
void cdb_mig_write_set_int(struct cdb_mig_write *, const char *column,
                           long long int value);

/* Sets key 'key' of the 'progress' map to 'value' (or removes it), alone:
 * the map's other keys stay as they are.  Two nodes write into that map,
 * each its own keys (ovnmigd(8)), so neither may write it whole. */
void cdb_mig_write_set_progress(struct cdb_mig_write *, const char *key,
                                long long int value);
void cdb_mig_write_delete_progress(struct cdb_mig_write *, const char *key);

/* Queues the change 'w' describes, and destroys 'w'. */
void cdb_write_migration(struct cdb *, struct cdb_mig_write *w);

void cdb_get_stats(struct cdb *, struct cdb_stats *);

#endif /* cluster-db.h */
