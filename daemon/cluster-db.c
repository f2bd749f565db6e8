/* SPDX-License-Identifier: Apache-2.0
 *
 * cluster-db.c -- the cluster database client: the caller's side (copies
 * in, copies out) and the IDL thread (an ordinary OVS main loop).  The two
 * share only what is under cdb->mutex.  See cluster-db.h and, for the
 * pattern, docs/ovn-hooks.md.
 */
#include <config.h>
#include "daemon/cluster-db.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "daemon/ovnmig-idl.h"
#include "latch.h"
#include "lib/quantity.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/list.h"
#include "ovsdb-data.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "ovsdb-idl.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(cluster_db);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* After a transaction the server refused, wait this long before the next:
 * the refusal (e.g. a Node row another client inserted meanwhile) will
 * not go away by itself within microseconds. */
#define RETRY_DELAY_MS 500

struct cdb {
    /* Immutable after create. */
    char *remote, *node, *chassis, *migration_address;
    char *accel;                /* "": not published. */
    unsigned int heartbeat_ms;
    struct cdb_callbacks cb;

    pthread_t thread;
    struct latch exit_latch;
    struct latch request_latch;
    int fd;                     /* eventfd: something for cdb_run() */

    struct ovs_mutex mutex;
    struct cdb_snapshot *latest OVS_GUARDED;    /* not delivered yet */
    bool conn_event OVS_GUARDED;
    bool conn_up OVS_GUARDED;
    struct shash status_updates OVS_GUARDED;    /* "name.ns" -> smap | NULL */
    struct ovs_list mig_writes OVS_GUARDED;     /* struct mig_write_node */
    struct cdb_stats stats OVS_GUARDED;
};

/* ------------------------------------------------------------ copies */

uint32_t
cdb_vm_hash(const char *name, const char *namespace)
{
    return hash_string(namespace, hash_string(name, 0));
}

struct cdb_vm *
cdb_snapshot_find(const struct cdb_snapshot *snap, const char *name,
                  const char *namespace)
{
    struct cdb_vm *vm;
    HMAP_FOR_EACH_WITH_HASH (vm, hmap_node, cdb_vm_hash(name, namespace),
                             &snap->vms) {
        if (!strcmp(vm->name, name) && !strcmp(vm->namespace, namespace)) {
            return vm;
        }
    }
    return NULL;
}

static char *
nullable_strdup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

struct cdb_vm *
cdb_vm_clone(const struct cdb_vm *src)
{
    struct cdb_vm *vm = xzalloc(sizeof *vm);
    vm->uuid = src->uuid;
    vm->name = xstrdup(src->name);
    vm->namespace = xstrdup(src->namespace);
    vm->node = xstrdup(src->node);
    vm->mac = xstrdup(src->mac);
    vm->ipv4 = nullable_strdup(src->ipv4);
    vm->ipv6 = nullable_strdup(src->ipv6);
    vm->eviction_strategy = xstrdup(src->eviction_strategy);
    vm->memory = src->memory;
    vm->cpus = src->cpus;
    smap_clone(&vm->labels, &src->labels);
    smap_clone(&vm->annotations, &src->annotations);
    smap_clone(&vm->boot, &src->boot);
    smap_clone(&vm->status, &src->status);
    return vm;
}

void
cdb_vm_destroy(struct cdb_vm *vm)
{
    if (!vm) {
        return;
    }
    free(vm->name);
    free(vm->namespace);
    free(vm->node);
    free(vm->mac);
    free(vm->ipv4);
    free(vm->ipv6);
    free(vm->eviction_strategy);
    smap_destroy(&vm->labels);
    smap_destroy(&vm->annotations);
    smap_destroy(&vm->boot);
    smap_destroy(&vm->status);
    free(vm);
}

static bool
nullable_streq(const char *a, const char *b)
{
    return a && b ? !strcmp(a, b) : a == b;
}

bool
cdb_vm_spec_equal(const struct cdb_vm *a, const struct cdb_vm *b)
{
    return (!strcmp(a->name, b->name) && !strcmp(a->namespace, b->namespace)
            && !strcmp(a->node, b->node) && !strcmp(a->mac, b->mac)
            && nullable_streq(a->ipv4, b->ipv4)
            && nullable_streq(a->ipv6, b->ipv6)
            && !strcmp(a->eviction_strategy, b->eviction_strategy)
            && a->memory == b->memory && a->cpus == b->cpus
            && smap_equal(&a->labels, &b->labels)
            && smap_equal(&a->annotations, &b->annotations)
            && smap_equal(&a->boot, &b->boot));
}

const struct cdb_migration *
cdb_snapshot_find_migration(const struct cdb_snapshot *snap, const char *uid)
{
    const struct cdb_migration *m;
    HMAP_FOR_EACH_WITH_HASH (m, hmap_node, hash_string(uid, 0),
                             &snap->migrations) {
        if (!strcmp(m->uid, uid)) {
            return m;
        }
    }
    return NULL;
}

const char *
cdb_vm_accel(const struct cdb_snapshot *snap, const struct cdb_vm *vm)
{
    const char *accel = smap_get(&vm->status, "accel");
    if (!accel) {
        const struct cdb_node *node = cdb_snapshot_find_node(snap, vm->node);
        accel = node ? node->accel : NULL;
    }
    return accel;
}

const struct cdb_node *
cdb_snapshot_find_node(const struct cdb_snapshot *snap, const char *name)
{
    const struct cdb_node *n;
    HMAP_FOR_EACH_WITH_HASH (n, hmap_node, hash_string(name, 0),
                             &snap->nodes) {
        if (!strcmp(n->name, name)) {
            return n;
        }
    }
    return NULL;
}

struct cdb_migration *
cdb_migration_clone(const struct cdb_migration *src)
{
    struct cdb_migration *m = xzalloc(sizeof *m);
    m->uid = xstrdup(src->uid);
    m->vm = xstrdup(src->vm);
    m->namespace = xstrdup(src->namespace);
    m->source_node = xstrdup(src->source_node);
    m->target_node = nullable_strdup(src->target_node);
    m->target_address = nullable_strdup(src->target_address);
    m->phase = xstrdup(src->phase);
    m->abort_status = nullable_strdup(src->abort_status);
    m->failure_reason = nullable_strdup(src->failure_reason);
    m->mode = xstrdup(src->mode);
    m->policy = nullable_strdup(src->policy);
    m->requested = src->requested;
    m->start_time = src->start_time;
    m->end_time = src->end_time;
    m->completed = src->completed;
    m->failed = src->failed;
    m->ram_total = src->ram_total;
    m->stopped_at = src->stopped_at;
    m->resumed_at = src->resumed_at;
    smap_clone(&m->external_ids, &src->external_ids);
    return m;
}

void
cdb_migration_destroy(struct cdb_migration *m)
{
    if (!m) {
        return;
    }
    free(m->uid);
    free(m->vm);
    free(m->namespace);
    free(m->source_node);
    free(m->target_node);
    free(m->target_address);
    free(m->phase);
    free(m->abort_status);
    free(m->failure_reason);
    free(m->mode);
    free(m->policy);
    smap_destroy(&m->external_ids);
    free(m);
}

void
cdb_snapshot_destroy(struct cdb_snapshot *snap)
{
    if (!snap) {
        return;
    }
    struct cdb_vm *vm;
    HMAP_FOR_EACH_POP (vm, hmap_node, &snap->vms) {
        cdb_vm_destroy(vm);
    }
    hmap_destroy(&snap->vms);

    struct cdb_migration *m;
    HMAP_FOR_EACH_POP (m, hmap_node, &snap->migrations) {
        cdb_migration_destroy(m);
    }
    hmap_destroy(&snap->migrations);

    struct cdb_node *n;
    HMAP_FOR_EACH_POP (n, hmap_node, &snap->nodes) {
        free(n->name);
        free(n->chassis);
        free(n->migration_address);
        free(n->accel);
        free(n);
    }
    hmap_destroy(&snap->nodes);

    for (size_t i = 0; i < snap->n_policies; i++) {
        struct cdb_policy *p = &snap->policies[i];
        free(p->name);
        smap_destroy(&p->namespace_selector);
        smap_destroy(&p->vmi_selector);
    }
    free(snap->policies);

    struct shash_node *node;
    SHASH_FOR_EACH (node, &snap->namespace_labels) {
        smap_destroy(node->data);
        free(node->data);
    }
    shash_destroy(&snap->namespace_labels);
    smap_destroy(&snap->live_migration);
    smap_destroy(&snap->config_ids);
    free(snap);
}

/* ------------------------------------------------------------ writes */

bool
cdb_phase_is_active(const char *phase)
{
    return (!strcmp(phase, "Scheduling") || !strcmp(phase, "Scheduled")
            || !strcmp(phase, "PreparingTarget")
            || !strcmp(phase, "TargetReady") || !strcmp(phase, "Running"));
}

bool
cdb_phase_is_final(const char *phase)
{
    return !strcmp(phase, "Succeeded") || !strcmp(phase, "Failed");
}

void
cdb_mig_write_init(struct cdb_mig_write *w, const char *uid)
{
    memset(w, 0, sizeof *w);
    w->uid = xstrdup(uid);
    sset_init(&w->if_phases);
    smap_init(&w->set);
    smap_init(&w->progress_set);
    sset_init(&w->progress_delete);
}

void
cdb_mig_write_destroy(struct cdb_mig_write *w)
{
    free(w->uid);
    sset_destroy(&w->if_phases);
    smap_destroy(&w->set);
    smap_destroy(&w->progress_set);
    sset_destroy(&w->progress_delete);
    free(w->vm_node);
}

void
cdb_mig_write_set_string(struct cdb_mig_write *w, const char *column,
                         const char *value)
{
    struct ds q = DS_EMPTY_INITIALIZER;
    json_string_escape(value, &q);
    smap_replace(&w->set, column, ds_cstr(&q));
    ds_destroy(&q);
}

void
cdb_mig_write_set_bool(struct cdb_mig_write *w, const char *column,
                       bool value)
{
    smap_replace(&w->set, column, value ? "true" : "false");
}

static void
replace_int(struct smap *map, const char *key, long long int value)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", value);
    smap_replace(map, key, text);
}

void
cdb_mig_write_set_int(struct cdb_mig_write *w, const char *column,
                      long long int value)
{
    replace_int(&w->set, column, value);
}

void
cdb_mig_write_set_progress(struct cdb_mig_write *w, const char *key,
                           long long int value)
{
    replace_int(&w->progress_set, key, value);
    sset_find_and_delete(&w->progress_delete, key);
}

void
cdb_mig_write_delete_progress(struct cdb_mig_write *w, const char *key)
{
    smap_remove(&w->progress_set, key);
    sset_add(&w->progress_delete, key);
}

struct mig_write_node {
    struct ovs_list list_node;
    struct cdb_mig_write w;
};

/* ------------------------------------------------------------ IDL thread */

struct thread_state {
    struct cdb *cdb;
    struct ovsdb_idl *idl;
    struct ovsdb_idl_loop loop;
    struct shash wanted;        /* "name.ns" -> struct smap *: status */
    bool connected;
    bool ever_connected;
    bool complete_posted;
    long long int next_heartbeat;
    long long int retry_at;
    struct ovs_list mig_pending;        /* struct mig_write_node */
    struct ovs_list mig_in_flight;      /* ...in the committing txn */
    struct sset incoming;       /* VM names in the VM condition. */
};

static void
count(struct cdb *cdb, uint64_t *counter)
{
    ovs_mutex_lock(&cdb->mutex);
    (*counter)++;
    ovs_mutex_unlock(&cdb->mutex);
}

static void
wake_caller(struct cdb *cdb)
{
    uint64_t one = 1;
    if (write(cdb->fd, &one, sizeof one) < 0 && errno != EAGAIN) {
        VLOG_WARN_RL(&rl, "eventfd write: %s", ovs_strerror(errno));
    }
}

/* The replica holds the server's contents: the first monitor reply came
 * (the IDL's seqno is no longer 0).  The conditions are set once, before
 * the first connection, so that reply already honoured them. */
static bool
replica_complete(const struct thread_state *st)
{
    return st->connected && ovsdb_idl_has_ever_connected(st->idl);
}

static int64_t
optional_int(const int64_t *v, size_t n)
{
    return n ? v[0] : 0;
}

/* Everything but the VMs, into 'snap'. */
static void
copy_cluster(const struct thread_state *st, struct cdb_snapshot *snap)
{
    hmap_init(&snap->migrations);
    const struct omrec_migration *mr;
    OMREC_MIGRATION_FOR_EACH (mr, st->idl) {
        struct cdb_migration *m = xzalloc(sizeof *m);
        m->uid = xstrdup(mr->uid);
        m->vm = xstrdup(mr->vm);
        m->namespace = xstrdup(mr->namespace_);
        m->source_node = xstrdup(mr->source_node);
        m->target_node = nullable_strdup(mr->target_node);
        m->target_address = nullable_strdup(mr->target_address);
        m->phase = xstrdup(mr->phase);
        m->abort_status = nullable_strdup(mr->abort_status);
        m->failure_reason = nullable_strdup(mr->failure_reason);
        m->mode = xstrdup(mr->mode);
        m->policy = nullable_strdup(mr->policy);
        m->requested = mr->requested;
        m->start_time = optional_int(mr->start_time, mr->n_start_time);
        m->end_time = optional_int(mr->end_time, mr->n_end_time);
        m->completed = mr->completed;
        for (size_t i = 0; i < mr->n_progress; i++) {
            if (!strcmp(mr->key_progress[i], "total")) {
                m->ram_total = mr->value_progress[i];
            } else if (!strcmp(mr->key_progress[i], "stoppedAt")) {
                m->stopped_at = mr->value_progress[i];
            } else if (!strcmp(mr->key_progress[i], "resumedAt")) {
                m->resumed_at = mr->value_progress[i];
            }
        }
        m->failed = mr->failed;
        smap_clone(&m->external_ids, &mr->external_ids);
        hmap_insert(&snap->migrations, &m->hmap_node, hash_string(m->uid, 0));
    }

    hmap_init(&snap->nodes);
    const struct omrec_node *nr;
    OMREC_NODE_FOR_EACH (nr, st->idl) {
        struct cdb_node *n = xzalloc(sizeof *n);
        n->name = xstrdup(nr->name);
        n->chassis = xstrdup(nr->chassis);
        n->migration_address = xstrdup(nr->migration_address);
        n->heartbeat = nr->heartbeat;
        n->memory = nr->memory;
        n->memory_used = smap_get_ullong(&nr->external_ids,
                                         CDB_NODE_MEMORY_USED, 0);
        n->memory_seen = smap_get(&nr->external_ids, CDB_NODE_MEMORY_SEEN)
            ? smap_get_ullong(&nr->external_ids, CDB_NODE_MEMORY_SEEN, 0)
            : INT64_MAX;
        n->schedulable = nr->schedulable;
        const char *accel = smap_get(&nr->external_ids, CDB_NODE_ACCEL);
        n->accel = accel && *accel ? xstrdup(accel) : NULL;
        hmap_insert(&snap->nodes, &n->hmap_node, hash_string(n->name, 0));
    }

    const struct omrec_migration_policy *pr;
    size_t n = 0;
    OMREC_MIGRATION_POLICY_FOR_EACH (pr, st->idl) {
        n++;
    }
    snap->policies = xcalloc(n ? n : 1, sizeof *snap->policies);
    OMREC_MIGRATION_POLICY_FOR_EACH (pr, st->idl) {
        struct cdb_policy *p = &snap->policies[snap->n_policies++];
        p->name = xstrdup(pr->name);
        smap_clone(&p->namespace_selector, &pr->namespace_selector);
        smap_clone(&p->vmi_selector, &pr->vmi_selector);
        p->p.name = p->name;
        p->p.namespace_selector = &p->namespace_selector;
        p->p.vmi_selector = &p->vmi_selector;
        if (pr->n_allow_auto_converge) {
            p->p.has_allow_auto_converge = true;
            p->p.allow_auto_converge = pr->allow_auto_converge[0];
        }
        if (pr->n_allow_post_copy) {
            p->p.has_allow_post_copy = true;
            p->p.allow_post_copy = pr->allow_post_copy[0];
        }
        if (pr->bandwidth_per_migration) {
            if (!quantity_parse(pr->bandwidth_per_migration,
                                &p->p.bandwidth)) {
                p->p.has_bandwidth = true;
            } else {
                VLOG_WARN_RL(&rl, "policy %s: bandwidthPerMigration \"%s\" "
                             "is not a quantity: ignored", pr->name,
                             pr->bandwidth_per_migration);
            }
        }
        if (pr->n_completion_timeout_per_gib
            && pr->completion_timeout_per_gib[0] > 0
            && pr->completion_timeout_per_gib[0] <= UINT_MAX) {
            p->p.has_completion_timeout_per_gib = true;
            p->p.completion_timeout_per_gib
                = pr->completion_timeout_per_gib[0];
        }
    }

    shash_init(&snap->namespace_labels);
    const struct omrec_namespace *nsr;
    OMREC_NAMESPACE_FOR_EACH (nsr, st->idl) {
        struct smap *labels = xmalloc(sizeof *labels);
        smap_clone(labels, &nsr->labels);
        if (!shash_add_once(&snap->namespace_labels, nsr->name, labels)) {
            smap_destroy(labels);
            free(labels);
        }
    }

    const struct omrec_config *cr = omrec_config_first(st->idl);
    if (cr) {
        smap_clone(&snap->live_migration, &cr->live_migration);
        smap_clone(&snap->config_ids, &cr->external_ids);
    } else {
        smap_init(&snap->live_migration);
        smap_init(&snap->config_ids);
    }
}

static void
post_snapshot(struct thread_state *st)
{
    struct cdb *cdb = st->cdb;
    struct cdb_snapshot *snap = xzalloc(sizeof *snap);
    const struct omrec_vm *row;
    size_t n = 0;

    hmap_init(&snap->vms);
    snap->complete = replica_complete(st);
    OMREC_VM_FOR_EACH (row, st->idl) {
        if (strcmp(row->node, cdb->node)
            && !sset_contains(&st->incoming, row->name)) {
            continue;           /* Left over from before the condition. */
        }
        if (n++ >= CDB_MAX_VMS) {
            VLOG_WARN_RL(&rl, "more than %d VMs on this node: ignoring %s.%s",
                         CDB_MAX_VMS, row->name, row->namespace_);
            continue;
        }
        struct cdb_vm *vm = xzalloc(sizeof *vm);
        vm->uuid = row->header_.uuid;
        vm->name = xstrdup(row->name);
        vm->namespace = xstrdup(row->namespace_);
        vm->node = xstrdup(row->node);
        vm->mac = xstrdup(row->mac);
        vm->ipv4 = nullable_strdup(row->ipv4);
        vm->ipv6 = nullable_strdup(row->ipv6);
        vm->eviction_strategy = xstrdup(row->eviction_strategy);
        vm->memory = row->memory;
        vm->cpus = row->cpus;
        smap_clone(&vm->labels, &row->labels);
        smap_clone(&vm->annotations, &row->annotations);
        smap_clone(&vm->boot, &row->boot);
        smap_clone(&vm->status, &row->status);
        hmap_insert(&snap->vms, &vm->hmap_node,
                    cdb_vm_hash(vm->name, vm->namespace));
    }
    copy_cluster(st, snap);

    ovs_mutex_lock(&cdb->mutex);
    cdb_snapshot_destroy(cdb->latest);
    cdb->latest = snap;
    cdb->stats.vms = hmap_count(&snap->vms);
    ovs_mutex_unlock(&cdb->mutex);
    wake_caller(cdb);
}

static long long int
host_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (long long int) pages * size : 0;
}

/* Keeps this node's Node row and its heartbeat.  Returns true if it wrote
 * something. */
static bool
write_node(struct thread_state *st, struct ovsdb_idl_txn *txn, bool beat)
{
    struct cdb *cdb = st->cdb;
    const struct omrec_node *row, *mine = NULL;

    OMREC_NODE_FOR_EACH (row, st->idl) {
        if (!strcmp(row->name, cdb->node)) {
            mine = row;
            break;
        }
    }
    if (!mine) {
        struct omrec_node *new = omrec_node_insert(txn);
        omrec_node_set_name(new, cdb->node);
        omrec_node_set_schedulable(new, true);
        mine = new;
        beat = true;
    }
    bool wrote = beat;
    if (strcmp(mine->chassis, cdb->chassis)) {
        omrec_node_set_chassis(mine, cdb->chassis);
        wrote = true;
    }
    if (strcmp(mine->migration_address, cdb->migration_address)) {
        omrec_node_set_migration_address(mine, cdb->migration_address);
        wrote = true;
    }
    if (*cdb->accel
        && strcmp(smap_get_def(&mine->external_ids, CDB_NODE_ACCEL, ""),
                  cdb->accel)) {
        omrec_node_update_external_ids_setkey(mine, CDB_NODE_ACCEL,
                                              cdb->accel);
        wrote = true;
    }
    long long int memory = host_memory();
    if (mine->memory != memory) {
        omrec_node_set_memory(mine, memory);
        wrote = true;
    }
    /* What this node's VMs take of it, for the scheduler's choice of
     * targets (other nodes do not see this node's VM rows). */
    long long int used = 0;
    const struct omrec_vm *vm;
    OMREC_VM_FOR_EACH (vm, st->idl) {
        if (!strcmp(vm->node, cdb->node)) {
            used += vm->memory;
        }
    }
    if (smap_get_ullong(&mine->external_ids, CDB_NODE_MEMORY_USED, 0)
        != (unsigned long long) used) {
        char text[32];
        snprintf(text, sizeof text, "%lld", used);
        omrec_node_update_external_ids_setkey(mine, CDB_NODE_MEMORY_USED,
                                              text);
        wrote = true;
    }
    /* The VM row's move and its migration's Succeeded come in one
     * transaction: the migrations this replica has seen end are in 'used'
     * (cluster-db.h, CDB_NODE_MEMORY_SEEN). */
    long long int seen = 0;
    const struct omrec_migration *mr;
    OMREC_MIGRATION_FOR_EACH (mr, st->idl) {
        if (mr->target_node && !strcmp(mr->target_node, cdb->node)
            && !strcmp(mr->phase, "Succeeded") && mr->n_end_time) {
            seen = MAX(seen, mr->end_time[0]);
        }
    }
    char seen_text[32];
    snprintf(seen_text, sizeof seen_text, "%lld", seen);
    const char *old_seen = smap_get(&mine->external_ids,
                                    CDB_NODE_MEMORY_SEEN);
    if (!old_seen || strcmp(old_seen, seen_text)) {
        omrec_node_update_external_ids_setkey(mine, CDB_NODE_MEMORY_SEEN,
                                              seen_text);
        wrote = true;
    }
    if (beat) {
        omrec_node_set_heartbeat(mine, time_wall_msec());
        count(cdb, &cdb->stats.heartbeats);
    }
    return wrote;
}

static void
write_statuses(struct thread_state *st)
{
    const struct omrec_vm *row;

    OMREC_VM_FOR_EACH (row, st->idl) {
        char *key = xasprintf("%s.%s", row->name, row->namespace_);
        const struct smap *want = shash_find_data(&st->wanted, key);
        free(key);
        if (want && !smap_equal(&row->status, want)) {
            omrec_vm_set_status(row, want);
            count(st->cdb, &st->cdb->stats.status_writes);
        }
    }
}

/* The VM condition: this node's VMs, and those migrating to it (by name:
 * the caller matches the namespace). */
static void
update_vm_condition(struct thread_state *st, bool force)
{
    struct sset incoming = SSET_INITIALIZER(&incoming);
    const struct omrec_migration *m;
    OMREC_MIGRATION_FOR_EACH (m, st->idl) {
        if (m->target_node && !strcmp(m->target_node, st->cdb->node)
            && !cdb_phase_is_final(m->phase)) {
            sset_add(&incoming, m->vm);
        }
    }
    if (!force && sset_equals(&incoming, &st->incoming)) {
        sset_destroy(&incoming);
        return;
    }
    sset_swap(&incoming, &st->incoming);
    sset_destroy(&incoming);

    struct ovsdb_idl_condition cond;
    ovsdb_idl_condition_init(&cond);
    omrec_vm_add_clause_node(&cond, OVSDB_F_EQ, st->cdb->node);
    const char *name;
    SSET_FOR_EACH (name, &st->incoming) {
        omrec_vm_add_clause_name(&cond, OVSDB_F_EQ, name);
    }
    omrec_vm_set_condition(st->idl, &cond);
    ovsdb_idl_condition_destroy(&cond);
}

static const struct omrec_migration *
find_migration_row(const struct thread_state *st, const char *uid)
{
    const struct omrec_migration *row;
    OMREC_MIGRATION_FOR_EACH (row, st->idl) {
        if (!strcmp(row->uid, uid)) {
            return row;
        }
    }
    return NULL;
}

static const struct ovsdb_idl_column *
migration_column(const char *name)
{
    for (size_t i = 0; i < OMREC_MIGRATION_N_COLUMNS; i++) {
        if (!strcmp(omrec_migration_columns[i].name, name)) {
            return &omrec_migration_columns[i];
        }
    }
    return NULL;
}

/* Adds 'w' to 'txn' if its conditions hold.  Returns false if they do
 * not: the write is then dropped. */
static bool
apply_mig_write(const struct thread_state *st, const struct cdb_mig_write *w)
{
    const struct omrec_migration *row = find_migration_row(st, w->uid);
    if (!row) {
        return false;
    }
    if (!sset_is_empty(&w->if_phases)
        && !sset_contains(&w->if_phases, row->phase)) {
        return false;
    }
    if (w->cluster_limit) {
        unsigned int active = 0, from_source = 0;
        const struct omrec_migration *m;
        OMREC_MIGRATION_FOR_EACH (m, st->idl) {
            omrec_migration_verify_phase(m);
            if (m != row && cdb_phase_is_active(m->phase)) {
                active++;
                from_source += !strcmp(m->source_node, row->source_node);
            }
        }
        if (active >= w->cluster_limit
            || (w->node_limit && from_source >= w->node_limit)) {
            return false;
        }
    }

    struct smap_node *node;
    SMAP_FOR_EACH (node, &w->set) {
        const struct ovsdb_idl_column *column = migration_column(node->key);
        struct ovsdb_datum datum;
        char *error = (column
                       ? ovsdb_datum_from_string(&datum, &column->type,
                                                 node->value, NULL)
                       : xstrdup("no such column"));
        if (error) {
            VLOG_WARN_RL(&rl, "migration %s: %s=%s: %s", w->uid, node->key,
                         node->value, error);
            free(error);
            continue;
        }
        ovsdb_idl_txn_write(&row->header_, column, &datum);
    }
    /* Mutations: keys another node wrote meanwhile stay. */
    SMAP_FOR_EACH (node, &w->progress_set) {
        omrec_migration_update_progress_setkey(row, node->key,
                                               strtoll(node->value, NULL,
                                                       10));
    }
    const char *key;
    SSET_FOR_EACH (key, &w->progress_delete) {
        omrec_migration_update_progress_delkey(row, key);
    }
    if (w->vm_node) {
        const struct omrec_vm *vm;
        OMREC_VM_FOR_EACH (vm, st->idl) {
            if (!strcmp(vm->name, row->vm)
                && !strcmp(vm->namespace_, row->namespace_)) {
                omrec_vm_set_node(vm, w->vm_node);
            }
        }
    }
    return true;
}

/* Moves the pending writes into the open transaction: one per migration
 * (a second one may depend on the phase the first sets, so it waits for
 * the next) and one claim. */
static bool
apply_mig_writes(struct thread_state *st)
{
    struct sset touched = SSET_INITIALIZER(&touched);
    struct mig_write_node *wn;
    bool any = false;

    bool claimed = false;

    LIST_FOR_EACH_SAFE (wn, list_node, &st->mig_pending) {
        /* Two claims in one transaction would both count the slots the
         * replica shows, neither seeing the other's. */
        if (sset_contains(&touched, wn->w.uid)
            || (claimed && wn->w.cluster_limit)) {
            continue;
        }
        ovs_list_remove(&wn->list_node);
        if (apply_mig_write(st, &wn->w)) {
            sset_add(&touched, wn->w.uid);
            claimed |= wn->w.cluster_limit != 0;
            ovs_list_push_back(&st->mig_in_flight, &wn->list_node);
            any = true;
        } else {
            VLOG_DBG("migration %s: a change no longer applies: dropped",
                     wn->w.uid);
            count(st->cdb, &st->cdb->stats.mig_writes_dropped);
            cdb_mig_write_destroy(&wn->w);
            free(wn);
        }
    }
    sset_destroy(&touched);
    return any;
}

static void
free_mig_writes(struct ovs_list *list)
{
    struct mig_write_node *wn;
    LIST_FOR_EACH_POP (wn, list_node, list) {
        cdb_mig_write_destroy(&wn->w);
        free(wn);
    }
}

static void
take_updates(struct thread_state *st)
{
    struct cdb *cdb = st->cdb;
    struct shash updates = SHASH_INITIALIZER(&updates);

    ovs_mutex_lock(&cdb->mutex);
    shash_swap(&updates, &cdb->status_updates);
    ovs_list_splice(&st->mig_pending, cdb->mig_writes.next,
                    &cdb->mig_writes);
    ovs_mutex_unlock(&cdb->mutex);

    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &updates) {
        struct smap *old = shash_find_and_delete(&st->wanted, node->name);
        if (old) {
            smap_destroy(old);
            free(old);
        }
        if (node->data) {
            shash_add(&st->wanted, node->name, node->data);
        }
    }
    shash_destroy(&updates);
}

static void *
cdb_thread_main(void *cdb_)
{
    struct cdb *cdb = cdb_;
    struct thread_state st = { .cdb = cdb };
    unsigned int last_seqno = 0;
    bool dirty = true;
    bool writing = false;       /* a transaction of ours is in flight */

    shash_init(&st.wanted);
    ovs_list_init(&st.mig_pending);
    ovs_list_init(&st.mig_in_flight);
    sset_init(&st.incoming);
    st.idl = ovsdb_idl_create(cdb->remote, &omrec_idl_class, true, true);
    st.loop = (struct ovsdb_idl_loop) OVSDB_IDL_LOOP_INITIALIZER(st.idl);

    /* Only this node's VMs (and later those migrating to it); every
     * migration and node: they are few, and scheduling needs them all. */
    update_vm_condition(&st, true);

    while (!latch_is_set(&cdb->exit_latch)) {
        if (latch_poll(&cdb->request_latch)) {
            take_updates(&st);
            dirty = true;
        }
        struct ovsdb_idl_txn *txn = ovsdb_idl_loop_run(&st.loop);

        bool connected = ovsdb_idl_is_connected(st.idl);
        if (connected != st.connected) {
            st.connected = connected;
            VLOG_INFO("%s: %s", cdb->remote,
                      connected ? "connected" : "connection lost");
            ovs_mutex_lock(&cdb->mutex);
            cdb->conn_event = true;
            cdb->conn_up = connected;
            cdb->stats.connected = connected;
            cdb->stats.reconnects += connected && st.ever_connected;
            ovs_mutex_unlock(&cdb->mutex);
            st.ever_connected |= connected;
            wake_caller(cdb);
            dirty = true;
            st.next_heartbeat = 0;
        }

        unsigned int seqno = ovsdb_idl_get_seqno(st.idl);
        bool complete = replica_complete(&st);
        if (seqno != last_seqno || complete != st.complete_posted) {
            last_seqno = seqno;
            st.complete_posted = complete;
            update_vm_condition(&st, false);
            if (connected) {
                /* Not while disconnected: the replica is stale then, and
                 * a stale "no VMs" must never tear anything down. */
                post_snapshot(&st);
            }
            dirty = true;
        }

        long long int now = time_msec();
        if (txn && complete && now >= st.retry_at) {
            bool beat = now >= st.next_heartbeat;
            if (beat || dirty) {
                write_node(&st, txn, beat);
                write_statuses(&st);
                dirty = false;
                writing = true;
            }
            writing |= apply_mig_writes(&st);
            if (beat) {
                st.next_heartbeat = now + cdb->heartbeat_ms;
            }
        }
        /* The server's reason for refusing the transaction in flight, if
         * it did: the loop destroys the transaction with it. */
        char *refusal = NULL;
        if (st.loop.committing_txn) {
            const char *error = ovsdb_idl_txn_get_error(st.loop.committing_txn);
            if (strstr(error, "permission error")) {
                refusal = xstrdup(error);
            }
        }
        /* 1: committed (or nothing to commit), 0: failed or must be
         * tried again, -1: still in flight. */
        int rc = ovsdb_idl_loop_commit_and_wait(&st.loop);
        if (!rc && refusal) {
            /* Its role-based access control: this node's certificate is
             * not this node's (its CN must be the node's name), or the
             * role lacks what ovnmigd writes (docs/architecture.md). */
            static struct vlog_rate_limit refused_rl
                = VLOG_RATE_LIMIT_INIT(1, 5);
            VLOG_ERR_RL(&refused_rl, "%s: the cluster DB refused this "
                        "node's change: %s; trying again (is the CN of "
                        "ssl-certificate \"%s\", and the server's role "
                        "the one \"ovnmigctl rbac install\" makes?)",
                        cdb->remote, refusal, cdb->node);
        }
        free(refusal);
        if (!rc) {
            count(cdb, &cdb->stats.txn_failed);
            VLOG_WARN_RL(&rl, "transaction failed; trying again");
            st.retry_at = time_msec() + RETRY_DELAY_MS;
            dirty = true;
            writing = false;
            /* Tried again, first, against the database as it is now. */
            ovs_list_splice(st.mig_pending.next, st.mig_in_flight.next,
                            &st.mig_in_flight);
        } else if (rc > 0 && writing) {
            count(cdb, &cdb->stats.txn_committed);
            writing = false;
            ovs_mutex_lock(&cdb->mutex);
            cdb->stats.mig_writes += ovs_list_size(&st.mig_in_flight);
            ovs_mutex_unlock(&cdb->mutex);
            free_mig_writes(&st.mig_in_flight);
        }

        latch_wait(&cdb->exit_latch);
        latch_wait(&cdb->request_latch);
        if (complete) {
            poll_timer_wait_until(st.next_heartbeat);
            if (dirty || !ovs_list_is_empty(&st.mig_pending)) {
                poll_timer_wait_until(st.retry_at);
            }
        }
        poll_block();
    }

    struct shash_node *node;
    SHASH_FOR_EACH (node, &st.wanted) {
        smap_destroy(node->data);
        free(node->data);
    }
    shash_destroy(&st.wanted);
    free_mig_writes(&st.mig_pending);
    free_mig_writes(&st.mig_in_flight);
    sset_destroy(&st.incoming);
    ovsdb_idl_loop_destroy(&st.loop);
    ovsdb_idl_destroy(st.idl);
    return NULL;
}

/* ------------------------------------------------------------ caller */

struct cdb *
cdb_create(const struct cdb_options *opts)
{
    if (!opts || !opts->remote || !*opts->remote || !opts->node
        || !*opts->node || !opts->chassis || !opts->cb.vms) {
        errno = EINVAL;
        return NULL;
    }
    struct cdb *cdb = xzalloc(sizeof *cdb);
    cdb->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (cdb->fd < 0) {
        int error = errno;
        free(cdb);
        errno = error;
        return NULL;
    }
    cdb->remote = xstrdup(opts->remote);
    cdb->node = xstrdup(opts->node);
    cdb->chassis = xstrdup(opts->chassis);
    cdb->migration_address = xstrdup(opts->migration_address
                                     ? opts->migration_address : "");
    cdb->accel = xstrdup(opts->accel ? opts->accel : "");
    cdb->heartbeat_ms = (opts->heartbeat_ms ? opts->heartbeat_ms
                         : CDB_DEFAULT_HEARTBEAT_MS);
    cdb->cb = opts->cb;
    ovs_mutex_init(&cdb->mutex);
    shash_init(&cdb->status_updates);
    ovs_list_init(&cdb->mig_writes);
    latch_init(&cdb->exit_latch);
    latch_init(&cdb->request_latch);
    cdb->thread = ovs_thread_create("cluster_db", cdb_thread_main, cdb);
    return cdb;
}

static void
free_updates(struct shash *updates)
{
    struct shash_node *node;
    SHASH_FOR_EACH (node, updates) {
        if (node->data) {
            smap_destroy(node->data);
            free(node->data);
        }
    }
    shash_destroy(updates);
}

void
cdb_destroy(struct cdb *cdb)
{
    if (!cdb) {
        return;
    }
    latch_set(&cdb->exit_latch);
    xpthread_join(cdb->thread, NULL);
    cdb_snapshot_destroy(cdb->latest);
    free_updates(&cdb->status_updates);
    free_mig_writes(&cdb->mig_writes);
    latch_destroy(&cdb->exit_latch);
    latch_destroy(&cdb->request_latch);
    ovs_mutex_destroy(&cdb->mutex);
    close(cdb->fd);
    free(cdb->remote);
    free(cdb->node);
    free(cdb->chassis);
    free(cdb->migration_address);
    free(cdb->accel);
    free(cdb);
}

int
cdb_get_fd(const struct cdb *cdb)
{
    return cdb->fd;
}

void
cdb_run(struct cdb *cdb)
{
    uint64_t n;
    if (read(cdb->fd, &n, sizeof n) < 0 && errno != EAGAIN) {
        VLOG_WARN_RL(&rl, "eventfd read: %s", ovs_strerror(errno));
    }

    ovs_mutex_lock(&cdb->mutex);
    struct cdb_snapshot *snap = cdb->latest;
    cdb->latest = NULL;
    bool conn_event = cdb->conn_event, conn_up = cdb->conn_up;
    cdb->conn_event = false;
    if (snap) {
        cdb->stats.snapshots++;
    }
    ovs_mutex_unlock(&cdb->mutex);

    if (conn_event && cdb->cb.connection) {
        cdb->cb.connection(conn_up, cdb->cb.aux);
    }
    if (snap) {
        cdb->cb.vms(snap, cdb->cb.aux);
        cdb_snapshot_destroy(snap);
    }
}

void
cdb_set_status(struct cdb *cdb, const char *name, const char *namespace,
               const struct smap *status)
{
    char *key = xasprintf("%s.%s", name, namespace);
    struct smap *copy = NULL;
    if (status) {
        copy = xmalloc(sizeof *copy);
        smap_clone(copy, status);
    }

    ovs_mutex_lock(&cdb->mutex);
    struct smap *old = shash_replace_nocopy(&cdb->status_updates, key, copy);
    if (old) {
        smap_destroy(old);
        free(old);
    }
    ovs_mutex_unlock(&cdb->mutex);
    latch_set(&cdb->request_latch);
}

void
cdb_write_migration(struct cdb *cdb, struct cdb_mig_write *w)
{
    /* Moved, not copied: an sset or smap points into itself. */
    struct mig_write_node *wn = xmalloc(sizeof *wn);
    cdb_mig_write_init(&wn->w, w->uid);
    sset_swap(&wn->w.if_phases, &w->if_phases);
    hmap_swap(&wn->w.set.map, &w->set.map);
    hmap_swap(&wn->w.progress_set.map, &w->progress_set.map);
    sset_swap(&wn->w.progress_delete, &w->progress_delete);
    wn->w.cluster_limit = w->cluster_limit;
    wn->w.node_limit = w->node_limit;
    wn->w.vm_node = w->vm_node;
    w->vm_node = NULL;
    cdb_mig_write_destroy(w);

    ovs_mutex_lock(&cdb->mutex);
    ovs_list_push_back(&cdb->mig_writes, &wn->list_node);
    ovs_mutex_unlock(&cdb->mutex);
    latch_set(&cdb->request_latch);
}

void
cdb_get_stats(struct cdb *cdb, struct cdb_stats *stats)
{
    ovs_mutex_lock(&cdb->mutex);
    *stats = cdb->stats;
    ovs_mutex_unlock(&cdb->mutex);
}
