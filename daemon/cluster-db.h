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
#include "openvswitch/hmap.h"
#include "smap.h"
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

/* This node's VMs, as the database holds them.  Keyed by the hash of
 * "<name>.<namespace>" (cdb_vm_hash()). */
struct cdb_snapshot {
    struct hmap vms;
    /* True once the snapshot reflects the server's contents (connected,
     * condition acknowledged): only then may the caller conclude that a
     * VM it runs is gone from the database. */
    bool complete;
};

uint32_t cdb_vm_hash(const char *name, const char *namespace);
struct cdb_vm *cdb_snapshot_find(const struct cdb_snapshot *,
                                 const char *name, const char *namespace);
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

void cdb_get_stats(struct cdb *, struct cdb_stats *);

#endif /* cluster-db.h */
