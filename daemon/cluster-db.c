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
    free(snap);
}

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
        if (strcmp(row->node, cdb->node)) {
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
    long long int memory = host_memory();
    if (mine->memory != memory) {
        omrec_node_set_memory(mine, memory);
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

static void
take_updates(struct thread_state *st)
{
    struct cdb *cdb = st->cdb;
    struct shash updates = SHASH_INITIALIZER(&updates);

    ovs_mutex_lock(&cdb->mutex);
    shash_swap(&updates, &cdb->status_updates);
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
    struct ovsdb_idl_condition cond;
    unsigned int last_seqno = 0;
    bool dirty = true;
    bool writing = false;       /* a transaction of ours is in flight */

    shash_init(&st.wanted);
    st.idl = ovsdb_idl_create(cdb->remote, &omrec_idl_class, true, true);
    st.loop = (struct ovsdb_idl_loop) OVSDB_IDL_LOOP_INITIALIZER(st.idl);

    /* Only this node's VMs and Node row. */
    ovsdb_idl_condition_init(&cond);
    omrec_vm_add_clause_node(&cond, OVSDB_F_EQ, cdb->node);
    omrec_vm_set_condition(st.idl, &cond);
    ovsdb_idl_condition_destroy(&cond);
    ovsdb_idl_condition_init(&cond);
    omrec_node_add_clause_name(&cond, OVSDB_F_EQ, cdb->node);
    omrec_node_set_condition(st.idl, &cond);
    ovsdb_idl_condition_destroy(&cond);

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
            if (beat) {
                st.next_heartbeat = now + cdb->heartbeat_ms;
            }
        }
        /* 1: committed (or nothing to commit), 0: failed or must be
         * tried again, -1: still in flight. */
        int rc = ovsdb_idl_loop_commit_and_wait(&st.loop);
        if (!rc) {
            count(cdb, &cdb->stats.txn_failed);
            VLOG_WARN_RL(&rl, "transaction failed; trying again");
            st.retry_at = time_msec() + RETRY_DELAY_MS;
            dirty = true;
            writing = false;
        } else if (rc > 0 && writing) {
            count(cdb, &cdb->stats.txn_committed);
            writing = false;
        }

        latch_wait(&cdb->exit_latch);
        latch_wait(&cdb->request_latch);
        if (complete) {
            poll_timer_wait_until(st.next_heartbeat);
            if (dirty) {
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
    cdb->heartbeat_ms = (opts->heartbeat_ms ? opts->heartbeat_ms
                         : CDB_DEFAULT_HEARTBEAT_MS);
    cdb->cb = opts->cb;
    ovs_mutex_init(&cdb->mutex);
    shash_init(&cdb->status_updates);
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
    latch_destroy(&cdb->exit_latch);
    latch_destroy(&cdb->request_latch);
    ovs_mutex_destroy(&cdb->mutex);
    close(cdb->fd);
    free(cdb->remote);
    free(cdb->node);
    free(cdb->chassis);
    free(cdb->migration_address);
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
cdb_get_stats(struct cdb *cdb, struct cdb_stats *stats)
{
    ovs_mutex_lock(&cdb->mutex);
    *stats = cdb->stats;
    ovs_mutex_unlock(&cdb->mutex);
}
