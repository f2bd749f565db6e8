/* ovn-hooks -- the IDL thread: an ordinary OVS main loop around the NB and
 * SB IDLs.
 *
 * Copyright 2024 The ovnmig authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Each iteration: take the requests the caller queued, run both IDLs, look
 * at the transaction in flight, and if none is, build the next one from up
 * to max_batch queued requests; then look at the Southbound for migrations
 * waiting on it, and sleep in poll_block() until an IDL, the request latch,
 * the exit latch or a deadline wakes us.  No IDL row pointer ever leaves
 * this thread: answers carry copies (see ovnhook_complete()).
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "bitmap.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "ovn-hooks/ovn-hooks-private.h"
#include "ovn-hooks/ovn-nb-idl.h"
#include "ovn-hooks/ovn-sb-idl.h"
#include "ovsdb-idl.h"
#include "openvswitch/poll-loop.h"
#include "smap.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ovn_hooks_idl);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* external_ids keys ovnmig owns (namespaced, design.md §2). */
#define EXT_VM "ovnmig:vm"
#define EXT_NAMESPACE "ovnmig:namespace"
#define EXT_NODE "ovnmig:node"
#define EXT_ACL "ovnmig:acl"
#define EXT_OWNER "ovnmig:owner"
#define EXT_POD "ovnmig:pod"            /* "true": a pod's, by port_alloc */
#define EXT_MIGRATION "ovnmig:migration-uid"
#define ACL_ID "guest-to-local"
#define ACL_NAME "ovnmig_guest_to_local"

/* A transaction that the server refused is tried this often (each request
 * alone after the first failure) before the requests fail with -EIO. */
#define MAX_ATTEMPTS 3
#define RETRY_DELAY_MS 50
/* port_get: how long to wait for a new SB condition to take effect. */
#define GET_SB_WAIT_MS 2000

struct idl_state {
    struct ovnhook *h;
    struct ovsdb_idl *nb;
    struct ovsdb_idl *sb;       /* NULL: no Southbound */
    struct ovsdb_idl_index *lsp_by_name;
    struct ovsdb_idl_index *pg_by_name;
    struct ovsdb_idl_index *pb_by_port;

    struct ovs_list queue;      /* requests waiting for a transaction */
    struct ovs_list batch;      /* requests in the transaction in flight */
    struct ovs_list sb_waiters; /* migration starts waiting for the SB */
    struct ovs_list get_waiters;        /* port_gets waiting for the SB */
    struct ovsdb_idl_txn *txn;  /* in flight, or NULL */
    long long int retry_at;     /* no new transaction before */
    long long int txn_sent;     /* when 'txn' was sent */

    bool nb_connected, sb_connected, nb_ever_connected;
    struct sset watched;        /* Port_Binding rows monitored */
    bool watch_dirty;
    struct ovsdb_idl_condition cond;    /* the SB Port_Binding condition */
};

/* What one transaction being built needs to know once. */
struct txn_ctx {
    const struct nbrec_logical_switch *ls;
    bool ls_looked_up;
    const struct nbrec_port_group *pg;
    int infra_error;            /* 1: not done yet */
    struct sset ports;          /* ports in this batch */
    struct sset allocated;      /* IPv4 addresses port_alloc took in it */
};

static void
count(struct ovnhook *h, uint64_t *counter)
{
    ovs_mutex_lock(&h->mutex);
    (*counter)++;
    ovs_mutex_unlock(&h->mutex);
}

/* ------------------------------------------------------------ lookups */

static const struct nbrec_logical_switch_port *
lsp_find(struct idl_state *st, const char *name)
{
    struct nbrec_logical_switch_port *key
        = nbrec_logical_switch_port_index_init_row(st->lsp_by_name);
    nbrec_logical_switch_port_index_set_name(key, name);
    const struct nbrec_logical_switch_port *row
        = nbrec_logical_switch_port_index_find(st->lsp_by_name, key);
    nbrec_logical_switch_port_index_destroy_row(key);
    return row;
}

static const struct nbrec_port_group *
pg_find(struct idl_state *st)
{
    struct nbrec_port_group *key
        = nbrec_port_group_index_init_row(st->pg_by_name);
    nbrec_port_group_index_set_name(key, st->h->port_group);
    const struct nbrec_port_group *row
        = nbrec_port_group_index_find(st->pg_by_name, key);
    nbrec_port_group_index_destroy_row(key);
    return row;
}

static const struct sbrec_port_binding *
pb_find(struct idl_state *st, const char *port)
{
    if (!st->sb) {
        return NULL;
    }
    struct sbrec_port_binding *key
        = sbrec_port_binding_index_init_row(st->pb_by_port);
    sbrec_port_binding_index_set_logical_port(key, port);
    const struct sbrec_port_binding *row
        = sbrec_port_binding_index_find(st->pb_by_port, key);
    sbrec_port_binding_index_destroy_row(key);
    return row;
}

/* Logical_Switch has no name index in the schema: names need not be
 * unique.  A node's switch is found once per transaction. */
static const struct nbrec_logical_switch *
ls_find(struct idl_state *st, struct txn_ctx *ctx)
{
    if (!ctx->ls_looked_up) {
        const struct nbrec_logical_switch *ls;

        ctx->ls_looked_up = true;
        NBREC_LOGICAL_SWITCH_FOR_EACH (ls, st->nb) {
            if (!strcmp(ls->name, st->h->switch_name)) {
                ctx->ls = ls;
                break;
            }
        }
    }
    return ctx->ls;
}

static bool
pg_has_port(const struct nbrec_port_group *pg,
            const struct nbrec_logical_switch_port *lsp)
{
    for (size_t i = 0; i < pg->n_ports; i++) {
        if (pg->ports[i] == lsp) {
            return true;
        }
    }
    return false;
}

static bool
chassis_is(const struct sbrec_chassis *ch, const char *name)
{
    return ch && (!strcmp(ch->name, name)
                  || (ch->hostname && !strcmp(ch->hostname, name)));
}

static bool
has_additional(const struct sbrec_port_binding *pb, const char *name)
{
    for (size_t i = 0; pb && i < pb->n_additional_chassis; i++) {
        if (chassis_is(pb->additional_chassis[i], name)) {
            return true;
        }
    }
    return false;
}

static void
binding_fill(const struct sbrec_port_binding *pb, const char *port,
             struct ovnhook_binding *b)
{
    memset(b, 0, sizeof *b);
    ovnhook_copy(b->port, sizeof b->port, port);
    if (!pb) {
        return;
    }
    b->exists = true;
    if (pb->chassis) {
        ovnhook_copy(b->chassis, sizeof b->chassis, pb->chassis->name);
    }
    for (size_t i = 0; i < pb->n_additional_chassis; i++) {
        if (pb->additional_chassis[i]
            && b->n_additional < OVNHOOK_MAX_ADDITIONAL) {
            ovnhook_copy(b->additional[b->n_additional++], OVNHOOK_NAME_MAX,
                         pb->additional_chassis[i]->name);
        }
    }
    b->up = pb->n_up && pb->up[0];
    b->tunnel_key = pb->tunnel_key;
    b->datapath_key = pb->datapath ? pb->datapath->tunnel_key : 0;
    ovnhook_copy(b->activated, sizeof b->activated,
                 smap_get_def(&pb->options, "additional-chassis-activated",
                              ""));
}

/* ------------------------------------------------------------ SB watches */

static bool
watch(struct idl_state *st, const char *port)
{
    if (!st->sb) {
        return false;
    }
    if (sset_contains(&st->watched, port)) {
        return true;
    }
    if (sset_count(&st->watched) >= st->h->max_watched) {
        VLOG_WARN_RL(&rl, "%s: not watched in the Southbound: %u ports are "
                     "(max_watched)", port, st->h->max_watched);
        return false;
    }
    sset_add(&st->watched, port);
    st->watch_dirty = true;
    return true;
}

static void
unwatch(struct idl_state *st, const char *port)
{
    if (sset_find_and_delete(&st->watched, port)) {
        st->watch_dirty = true;
    }
}

/* Monitors exactly the watched Port_Binding rows (none: no rows). */
static void
update_condition(struct idl_state *st)
{
    const char *port;

    if (!st->sb || !st->watch_dirty) {
        return;
    }
    ovsdb_idl_condition_destroy(&st->cond);
    ovsdb_idl_condition_init(&st->cond);
    SSET_FOR_EACH (port, &st->watched) {
        sbrec_port_binding_add_clause_logical_port(&st->cond, OVSDB_F_EQ,
                                                   port);
    }
    sbrec_port_binding_set_condition(st->sb, &st->cond);
    st->watch_dirty = false;

    ovs_mutex_lock(&st->h->mutex);
    st->h->stats.watched = sset_count(&st->watched);
    ovs_mutex_unlock(&st->h->mutex);
}

/* Whether the SB replica holds the rows of the current condition.  Setting
 * the same condition again changes nothing and returns the seqno at which
 * it is (or was) in effect; this also covers a condition that went out
 * with the first monitor request, for which no seqno change ever comes. */
static bool
condition_in_effect(struct idl_state *st)
{
    if (!st->sb || !st->sb_connected || st->watch_dirty) {
        return false;
    }
    unsigned int want = sbrec_port_binding_set_condition(st->sb, &st->cond);
    return (int) (ovsdb_idl_get_condition_seqno(st->sb) - want) >= 0;
}

/* Cancels the migration start waiting on 'port' (superseded). */
static void
cancel_waiters(struct idl_state *st, const char *port, const char *why)
{
    struct ovnhook_request *w;

    LIST_FOR_EACH_SAFE (w, node, &st->sb_waiters) {
        if (!strcmp(w->port, port)) {
            ovs_list_remove(&w->node);
            ovnhook_complete(st->h, w, NULL, -ECANCELED,
                             "migration start superseded by %s", why);
        }
    }
}

/* ------------------------------------------------------------ NB writes */

static void
set_option(const struct nbrec_logical_switch_port *lsp, const char *key,
           const char *value, bool *changed)
{
    const char *cur = smap_get(&lsp->options, key);

    if (!value) {
        if (cur) {
            nbrec_logical_switch_port_update_options_delkey(lsp, key);
            *changed = true;
        }
    } else if (!cur || strcmp(cur, value)) {
        nbrec_logical_switch_port_update_options_setkey(lsp, key, value);
        *changed = true;
    }
}

static void
set_ext_id(const struct nbrec_logical_switch_port *lsp, const char *key,
           const char *value, bool *changed)
{
    const char *cur = smap_get(&lsp->external_ids, key);

    if (!cur || strcmp(cur, value)) {
        nbrec_logical_switch_port_update_external_ids_setkey(lsp, key, value);
        *changed = true;
    }
}

static bool
acl_is_ours(const struct nbrec_acl *acl)
{
    return !strcmp(smap_get_def(&acl->external_ids, EXT_ACL, ""), ACL_ID);
}

static void
acl_fill(struct idl_state *st, const struct nbrec_acl *acl, bool is_new)
{
    if (is_new || acl->priority != OVNHOOK_ACL_PRIORITY) {
        nbrec_acl_set_priority(acl, OVNHOOK_ACL_PRIORITY);
    }
    if (is_new || strcmp(acl->direction, "from-lport")) {
        nbrec_acl_set_direction(acl, "from-lport");
    }
    if (is_new || strcmp(acl->action, "drop")) {
        nbrec_acl_set_action(acl, "drop");
    }
    if (is_new || strcmp(acl->match, st->h->acl_match)) {
        nbrec_acl_set_match(acl, st->h->acl_match);
    }
    if (is_new || !acl->name || strcmp(acl->name, ACL_NAME)) {
        nbrec_acl_set_name(acl, ACL_NAME);
    }
    if (is_new) {
        const struct smap ids = SMAP_CONST1(&ids, EXT_ACL, ACL_ID);
        nbrec_acl_set_external_ids(acl, &ids);
    }
}

/* The port group and its one ACL, once per transaction. */
static int
infra_apply(struct idl_state *st, struct ovsdb_idl_txn *txn,
            struct txn_ctx *ctx)
{
    if (ctx->infra_error != 1) {
        return ctx->infra_error;
    }
    const struct nbrec_port_group *pg = pg_find(st);
    const struct nbrec_acl *ours = NULL;

    if (!pg) {
        const struct smap ids = SMAP_CONST1(&ids, EXT_OWNER, "ovnmig");

        pg = nbrec_port_group_insert(txn);
        nbrec_port_group_set_name(pg, st->h->port_group);
        nbrec_port_group_set_external_ids(pg, &ids);
    }
    for (size_t i = 0; i < pg->n_acls; i++) {
        if (!acl_is_ours(pg->acls[i])) {
            continue;
        }
        if (!ours) {
            ours = pg->acls[i];
            acl_fill(st, ours, false);
        } else {
            /* Two nodes raced before verify existed: keep one. */
            nbrec_port_group_update_acls_delvalue(pg, pg->acls[i]);
        }
    }
    if (!ours) {
        struct nbrec_acl *acl = nbrec_acl_insert(txn);

        acl_fill(st, acl, true);
        /* Fails the transaction if another node added one meanwhile. */
        nbrec_port_group_verify_acls(pg);
        nbrec_port_group_update_acls_addvalue(pg, acl);
    }
    ctx->pg = pg;
    ctx->infra_error = 0;
    return 0;
}

/* Returns 0 when 'req' was applied to 'txn' (its answer waits for the
 * commit), or a negative errno to answer now (message in 'msg'). */
static int
port_set_apply(struct idl_state *st, struct ovsdb_idl_txn *txn,
               struct txn_ctx *ctx, struct ovnhook_request *req,
               char *msg, size_t msg_size)
{
    const struct nbrec_logical_switch *ls = ls_find(st, ctx);
    bool changed = false;
    char addr[3 * OVNHOOK_ADDR_MAX];

    if (!ls) {
        snprintf(msg, msg_size, "logical switch %s not found",
                 st->h->switch_name);
        return -ENOENT;
    }
    int error = infra_apply(st, txn, ctx);
    if (error) {
        snprintf(msg, msg_size, "port group %s: %s", st->h->port_group,
                 ovs_strerror(-error));
        return error;
    }

    const struct nbrec_logical_switch_port *lsp = lsp_find(st, req->port);
    if (!lsp) {
        struct nbrec_logical_switch_port *row
            = nbrec_logical_switch_port_insert(txn);

        nbrec_logical_switch_port_set_name(row, req->port);
        /* A mutation: the switch's other ports are not rewritten. */
        nbrec_logical_switch_update_ports_addvalue(ls, row);
        lsp = row;
        req->inserted = true;
    }
    /* The temporary UUID of an inserted row: needed after the commit to
     * ask for the permanent one. */
    req->row_uuid = lsp->header_.uuid;

    snprintf(addr, sizeof addr, "%s %s%s%s", req->mac, req->ipv4,
             req->ipv6[0] ? " " : "", req->ipv6);
    const char *addrs[] = { addr };
    if (lsp->n_addresses != 1 || strcmp(lsp->addresses[0], addr)) {
        nbrec_logical_switch_port_set_addresses(lsp, addrs, 1);
        changed = true;
    }
    /* With an IPv6 address, port security admits every link-local
     * source: a guest with stable-privacy addresses (RFC 7217) has no
     * EUI-64 one, which is all OVN would admit by itself, and would lose
     * its RS, NS and DHCPv6. */
    char ps[sizeof addr + sizeof " fe80::/64"];
    snprintf(ps, sizeof ps, "%s%s", addr, req->ipv6[0] ? " fe80::/64" : "");
    const char *pss[] = { ps };
    if (lsp->n_port_security != 1 || strcmp(lsp->port_security[0], ps)) {
        nbrec_logical_switch_port_set_port_security(lsp, pss, 1);
        changed = true;
    }
    if (req->inserted) {
        /* Whole columns for a new row: one "insert" operation, where
         * key-by-key updates would add a "mutate" per row. */
        struct smap options = SMAP_INITIALIZER(&options);
        struct smap ids = SMAP_INITIALIZER(&ids);

        smap_add(&options, "requested-chassis", req->chassis);
        smap_add(&ids, EXT_VM, req->vm);
        smap_add(&ids, EXT_NAMESPACE, req->namespace);
        smap_add(&ids, EXT_NODE, req->chassis);
        if (req->op == OVNHOOK_OP_PORT_ALLOC) {
            smap_add(&ids, EXT_POD, "true");
        }
        nbrec_logical_switch_port_set_options(lsp, &options);
        nbrec_logical_switch_port_set_external_ids(lsp, &ids);
        smap_destroy(&options);
        smap_destroy(&ids);
    } else {
        /* Key by key: options and external_ids others own stay. */
        set_option(lsp, "requested-chassis", req->chassis, &changed);
        set_option(lsp, "activation-strategy", NULL, &changed);
        set_ext_id(lsp, EXT_VM, req->vm, &changed);
        set_ext_id(lsp, EXT_NAMESPACE, req->namespace, &changed);
        set_ext_id(lsp, EXT_NODE, req->chassis, &changed);
    }
    if (req->inserted || !pg_has_port(ctx->pg, lsp)) {
        nbrec_port_group_update_ports_addvalue(ctx->pg, lsp);
        changed = true;
    }
    req->outcome = req->inserted ? "created" : changed ? "updated"
                                                       : "unchanged";
    cancel_waiters(st, req->port, "port_set");
    if (!strcmp(req->chassis, st->h->chassis)) {
        watch(st, req->port);
    }
    return 0;
}

/* Marks in 'used' (one bit per address of the request's subnet) every
 * address of 'text', an LSP's "addresses" or "dynamic_addresses" entry
 * ("MAC IP...", "router", "unknown", "dynamic"). */
static void
mark_used(const struct ovnhook_request *req, const char *text,
          unsigned long *used, uint32_t n)
{
    char *copy = xstrdup(text), *save = NULL;
    for (char *tok = strtok_r(copy, " ", &save); tok;
         tok = strtok_r(NULL, " ", &save)) {
        ovs_be32 ip;
        if (ip_parse(tok, &ip) && (ip & req->subnet_mask) == req->subnet) {
            uint32_t off = ntohl(ip) - ntohl(req->subnet);
            if (off < n) {
                bitmap_set1(used, off);
            }
        }
    }
    free(copy);
}

/* port_alloc: the existing port's address, or a free one; then as
 * port_set. */
static int
port_alloc_apply(struct idl_state *st, struct ovsdb_idl_txn *txn,
                 struct txn_ctx *ctx, struct ovnhook_request *req,
                 char *msg, size_t msg_size)
{
    const struct nbrec_logical_switch *ls = ls_find(st, ctx);
    if (!ls) {
        snprintf(msg, msg_size, "logical switch %s not found",
                 st->h->switch_name);
        return -ENOENT;
    }

    const struct nbrec_logical_switch_port *lsp = lsp_find(st, req->port);
    if (lsp && !smap_get(&lsp->external_ids, EXT_VM)) {
        snprintf(msg, msg_size, "LSP %s exists and is not ovnmig's",
                 req->port);
        return -EPERM;
    }
    if (lsp && !smap_get_bool(&lsp->external_ids, EXT_POD, false)) {
        snprintf(msg, msg_size, "LSP %s is a VM's: a pod of that name "
                 "would take its address", req->port);
        return -EEXIST;
    }
    if (lsp && lsp->n_addresses == 1) {
        struct eth_addr mac;
        ovs_be32 ip;
        char ip_text[INET_ADDRSTRLEN + 1];
        if (ovs_scan(lsp->addresses[0], ETH_ADDR_SCAN_FMT" %16s",
                     ETH_ADDR_SCAN_ARGS(mac), ip_text)
            && ip_parse(ip_text, &ip)) {
            snprintf(req->mac, sizeof req->mac, ETH_ADDR_FMT,
                     ETH_ADDR_ARGS(mac));
            snprintf(req->ipv4, sizeof req->ipv4, IP_FMT, IP_ARGS(ip));
            return port_set_apply(st, txn, ctx, req, msg, msg_size);
        }
    }

    uint32_t n = ~ntohl(req->subnet_mask) + 1;   /* at most 65536 */
    unsigned long *used = bitmap_allocate(n);
    bitmap_set1(used, 0);                       /* the network */
    bitmap_set1(used, 1);                       /* its router */
    bitmap_set1(used, n - 1);                   /* broadcast */
    for (size_t i = 0; i < ls->n_ports; i++) {
        const struct nbrec_logical_switch_port *p = ls->ports[i];
        for (size_t j = 0; j < p->n_addresses; j++) {
            mark_used(req, p->addresses[j], used, n);
        }
    }
    const char *taken;
    SSET_FOR_EACH (taken, &ctx->allocated) {
        mark_used(req, taken, used, n);
    }
    size_t off = bitmap_scan(used, false, 0, n);
    bitmap_free(used);
    if (off >= n) {
        snprintf(msg, msg_size, "no free address in "IP_FMT"/%d",
                 IP_ARGS(req->subnet),
                 ip_count_cidr_bits(req->subnet_mask));
        return -ENOSPC;
    }
    ovs_be32 ip = htonl(ntohl(req->subnet) + off);
    uint8_t *b = (uint8_t *) &ip;
    snprintf(req->ipv4, sizeof req->ipv4, IP_FMT, IP_ARGS(ip));
    snprintf(req->mac, sizeof req->mac, "0a:58:%02x:%02x:%02x:%02x",
             b[0], b[1], b[2], b[3]);
    sset_add(&ctx->allocated, req->ipv4);
    /* Another node allocating at once changes the ports: the transaction
     * then fails with "try again", and this allocates anew. */
    nbrec_logical_switch_verify_ports(ls);
    return port_set_apply(st, txn, ctx, req, msg, msg_size);
}

static int
port_delete_apply(struct idl_state *st, struct txn_ctx *ctx,
                  struct ovnhook_request *req, char *msg, size_t msg_size)
{
    const struct nbrec_logical_switch_port *lsp = lsp_find(st, req->port);

    if (lsp && !smap_get(&lsp->external_ids, EXT_VM)) {
        snprintf(msg, msg_size, "LSP %s has no %s: not ovnmig's to delete",
                 req->port, EXT_VM);
        return -EPERM;
    }
    cancel_waiters(st, req->port, "port_delete");
    unwatch(st, req->port);
    if (!lsp) {
        req->outcome = "already absent";
        return 0;
    }
    const struct nbrec_logical_switch *ls = ls_find(st, ctx);
    if (ls) {
        nbrec_logical_switch_update_ports_delvalue(ls, lsp);
    }
    const struct nbrec_port_group *pg = pg_find(st);
    if (pg) {
        nbrec_port_group_update_ports_delvalue(pg, lsp);
    }
    nbrec_logical_switch_port_delete(lsp);
    req->outcome = "deleted";
    return 0;
}

static int
migration_apply(struct idl_state *st, struct ovnhook_request *req,
                char *msg, size_t msg_size)
{
    const struct nbrec_logical_switch_port *lsp = lsp_find(st, req->port);
    bool changed = false;

    if (!lsp) {
        snprintf(msg, msg_size, "LSP %s not found", req->port);
        return -ENOENT;
    }
    if (req->op == OVNHOOK_OP_MIGRATION_START) {
        char both[2 * OVNHOOK_NAME_MAX];

        if (!st->sb) {
            snprintf(msg, msg_size, "no Southbound configured: cannot see "
                     "%s bound", req->dst);
            return -ENOTCONN;
        }
        if (!watch(st, req->port)) {
            snprintf(msg, msg_size, "cannot watch the Southbound binding "
                     "(max_watched %u reached)", st->h->max_watched);
            return -ENOSPC;
        }
        snprintf(both, sizeof both, "%s,%s", req->chassis, req->dst);
        set_option(lsp, "requested-chassis", both, &changed);
        set_option(lsp, "activation-strategy",
                   req->no_activation ? NULL : "rarp", &changed);
        if (req->migration_uid[0]) {
            set_ext_id(lsp, EXT_MIGRATION, req->migration_uid, &changed);
        }
    } else {
        /* finish (node = dst) or revert (node = src): one chassis again. */
        const char *why = req->op == OVNHOOK_OP_MIGRATION_FINISH
                          ? "migration_finish" : "migration_revert";
        const char *recorded = smap_get_def(&lsp->external_ids,
                                            EXT_MIGRATION, "");

        if (req->if_migration) {
            /* Another node may act on the same facts at once: the
             * transaction fails if the LSP's external_ids changed. */
            nbrec_logical_switch_port_verify_external_ids(lsp);
            if (strcmp(recorded, req->migration_uid)) {
                snprintf(msg, msg_size, "LSP %s records migration \"%s\", "
                         "not \"%s\": left as it is", req->port, recorded,
                         req->migration_uid);
                return -ESTALE;
            }
        }
        if (recorded[0]) {
            nbrec_logical_switch_port_update_external_ids_delkey(
                lsp, EXT_MIGRATION);
            changed = true;
        }

        set_option(lsp, "requested-chassis", req->chassis, &changed);
        set_option(lsp, "activation-strategy", NULL, &changed);
        set_ext_id(lsp, EXT_NODE, req->chassis, &changed);
        cancel_waiters(st, req->port, why);
        if (strcmp(req->chassis, st->h->chassis)) {
            unwatch(st, req->port);
        } else {
            watch(st, req->port);
        }
    }
    req->outcome = changed ? "updated" : "unchanged";
    return 0;
}

/* ------------------------------------------------------------ port_get */

static void
info_fill(struct idl_state *st, const char *port,
          struct ovnhook_port_info *info)
{
    const struct nbrec_logical_switch_port *lsp = lsp_find(st, port);
    const struct nbrec_port_group *pg = pg_find(st);

    memset(info, 0, sizeof *info);
    ovnhook_copy(info->name, sizeof info->name, port);
    if (lsp) {
        info->exists = true;
        snprintf(info->lsp_uuid, sizeof info->lsp_uuid, UUID_FMT,
                 UUID_ARGS(&lsp->header_.uuid));
        ovnhook_copy(info->addresses, sizeof info->addresses,
                     lsp->n_addresses ? lsp->addresses[0] : "");
        ovnhook_copy(info->requested_chassis, sizeof info->requested_chassis,
                     smap_get_def(&lsp->options, "requested-chassis", ""));
        ovnhook_copy(info->activation_strategy,
                     sizeof info->activation_strategy,
                     smap_get_def(&lsp->options, "activation-strategy", ""));
        ovnhook_copy(info->vm, sizeof info->vm,
                     smap_get_def(&lsp->external_ids, EXT_VM, ""));
        ovnhook_copy(info->namespace, sizeof info->namespace,
                     smap_get_def(&lsp->external_ids, EXT_NAMESPACE, ""));
        ovnhook_copy(info->node, sizeof info->node,
                     smap_get_def(&lsp->external_ids, EXT_NODE, ""));
        ovnhook_copy(info->migration_uid, sizeof info->migration_uid,
                     smap_get_def(&lsp->external_ids, EXT_MIGRATION, ""));
        info->in_port_group = pg && pg_has_port(pg, lsp);
        info->nb_up = lsp->n_up && lsp->up[0];
    }
    info->sb_known = st->sb && st->sb_connected
                     && sset_contains(&st->watched, port)
                     && condition_in_effect(st);
    binding_fill(info->sb_known ? pb_find(st, port) : NULL, port, &info->sb);
}

/* Answers a port_get now if the SB can answer, or parks it. */
static void
port_get_answer(struct idl_state *st, struct ovnhook_request *req)
{
    struct ovnhook_port_info info;

    /* Wait (bounded) for the SB to connect and monitor this row. */
    if (st->sb && watch(st, req->port)
        && !condition_in_effect(st)) {
        req->deadline = time_msec() + GET_SB_WAIT_MS;
        ovs_list_push_back(&st->get_waiters, &req->node);
        return;
    }
    info_fill(st, req->port, &info);
    ovnhook_complete(st->h, req, &info, 0, "%s", info.exists
                     ? "port found" : "no such LSP");
}

/* ------------------------------------------------------------ txns */

static void
requeue_front(struct idl_state *st, struct ovs_list *list)
{
    ovs_list_splice(st->queue.next, list->next, list);
}

/* Builds and sends the next transaction from the queue. */
static void
txn_start(struct idl_state *st)
{
    struct ovnhook *h = st->h;

    if (st->txn || ovs_list_is_empty(&st->queue) || !st->nb_connected
        || time_msec() < st->retry_at) {
        return;
    }

    struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(st->nb);
    struct txn_ctx ctx = { .infra_error = 1 };
    struct ovnhook_request *req;
    unsigned int n = 0;
    char msg[OVNHOOK_MESSAGE_MAX];

    ovsdb_idl_txn_add_comment(txn, "ovnmig %s", h->chassis);
    sset_init(&ctx.ports);
    sset_init(&ctx.allocated);
    LIST_FOR_EACH_SAFE (req, node, &st->queue) {
        /* A request that failed in a batch is retried alone. */
        if (req->solo && n) {
            break;
        }
        /* One request per port per transaction keeps them in order. */
        const char *key = req->op == OVNHOOK_OP_ENSURE_INFRA ? "" : req->port;
        if (sset_contains(&ctx.ports, key)) {
            continue;
        }
        sset_add(&ctx.ports, key);
        ovs_list_remove(&req->node);

        int error = 0;
        msg[0] = '\0';
        switch (req->op) {
        case OVNHOOK_OP_PORT_SET:
            error = port_set_apply(st, txn, &ctx, req, msg, sizeof msg);
            break;
        case OVNHOOK_OP_PORT_DELETE:
            error = port_delete_apply(st, &ctx, req, msg, sizeof msg);
            break;
        case OVNHOOK_OP_PORT_ALLOC:
            error = port_alloc_apply(st, txn, &ctx, req, msg, sizeof msg);
            break;
        case OVNHOOK_OP_MIGRATION_START:
        case OVNHOOK_OP_MIGRATION_FINISH:
        case OVNHOOK_OP_MIGRATION_REVERT:
            error = migration_apply(st, req, msg, sizeof msg);
            break;
        case OVNHOOK_OP_ENSURE_INFRA:
            error = infra_apply(st, txn, &ctx);
            if (error) {
                snprintf(msg, sizeof msg, "%s", ovs_strerror(-error));
            }
            req->outcome = "ensured";
            break;
        case OVNHOOK_OP_PORT_GET:
            /* Reads ride along: answered once the writes before them are
             * committed and visible. */
            break;
        }
        if (error) {
            ovnhook_complete(h, req, NULL, error, "%s", msg);
            continue;
        }
        ovs_list_push_back(&st->batch, &req->node);
        if (++n >= h->max_batch || req->solo) {
            break;
        }
    }
    sset_destroy(&ctx.ports);
    sset_destroy(&ctx.allocated);

    if (ovs_list_is_empty(&st->batch)) {
        ovsdb_idl_txn_destroy(txn);
        return;
    }
    st->txn = txn;
    st->txn_sent = time_msec();
    ovsdb_idl_txn_commit(txn);          /* non-blocking: sends it */
    VLOG_DBG("transaction of %u request(s) sent (built in %lld ms)", n,
             time_msec() - st->txn_sent);
}

static void
txn_succeeded(struct idl_state *st, enum ovsdb_idl_txn_status status)
{
    struct ovnhook_request *req;

    VLOG_DBG("transaction of %"PRIuSIZE" request(s) %s in %lld ms",
             ovs_list_size(&st->batch), ovsdb_idl_txn_status_to_string(status),
             time_msec() - st->txn_sent);
    count(st->h, status == TXN_UNCHANGED ? &st->h->stats.txn_unchanged
                                         : &st->h->stats.txn_committed);
    LIST_FOR_EACH_POP (req, node, &st->batch) {
        if (req->inserted) {
            const struct uuid *u = ovsdb_idl_txn_get_insert_uuid(
                st->txn, &req->row_uuid);
            req->row_uuid = u ? *u : UUID_ZERO;
        }
        switch (req->op) {
        case OVNHOOK_OP_MIGRATION_START:
            req->sb_deadline = time_msec() + st->h->migration_timeout_ms;
            ovs_list_push_back(&st->sb_waiters, &req->node);
            break;
        case OVNHOOK_OP_PORT_GET:
            port_get_answer(st, req);
            break;
        case OVNHOOK_OP_PORT_SET:
        case OVNHOOK_OP_PORT_ALLOC:
        case OVNHOOK_OP_PORT_DELETE:
        case OVNHOOK_OP_MIGRATION_FINISH:
        case OVNHOOK_OP_MIGRATION_REVERT:
        case OVNHOOK_OP_ENSURE_INFRA:
        default:
            ovnhook_complete(st->h, req, NULL, 0, "%s %s",
                             ovnhook_op_name(req->op), req->outcome);
            break;
        }
    }
}

static void
txn_failed(struct idl_state *st, enum ovsdb_idl_txn_status status)
{
    struct ovnhook_request *req;
    const char *error = ovsdb_idl_txn_get_error(st->txn);
    bool several = ovs_list_size(&st->batch) > 1;

    if (status == TXN_TRY_AGAIN) {
        /* The database changed under us (a verify failed) or the
         * connection dropped: rebuild from the fresh contents. */
        count(st->h, &st->h->stats.txn_retried);
        LIST_FOR_EACH (req, node, &st->batch) {
            req->inserted = false;
        }
        requeue_front(st, &st->batch);
        return;
    }

    count(st->h, &st->h->stats.txn_failed);
    VLOG_WARN_RL(&rl, "NB transaction of %"PRIuSIZE" request(s) failed: %s",
                 ovs_list_size(&st->batch), error);
    LIST_FOR_EACH_SAFE (req, node, &st->batch) {
        req->inserted = false;
        if (several) {
            /* Find the culprit: each request alone, next time. */
            req->solo = true;
        } else if (++req->attempts >= MAX_ATTEMPTS) {
            ovs_list_remove(&req->node);
            ovnhook_complete(st->h, req, NULL, -EIO, "NB refused: %s",
                             error);
        }
    }
    requeue_front(st, &st->batch);
    st->retry_at = time_msec() + RETRY_DELAY_MS;
}

static void
txn_check(struct idl_state *st)
{
    if (!st->txn) {
        return;
    }
    enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit(st->txn);
    switch (status) {
    case TXN_INCOMPLETE:
        return;
    case TXN_SUCCESS:
    case TXN_UNCHANGED:
        txn_succeeded(st, status);
        break;
    case TXN_UNCOMMITTED:
    case TXN_ABORTED:
    case TXN_TRY_AGAIN:
    case TXN_ERROR:
    case TXN_NOT_LOCKED:
    default:
        txn_failed(st, status);
        break;
    }
    ovsdb_idl_txn_destroy(st->txn);
    st->txn = NULL;
}

/* ------------------------------------------------------------ SB side */

static void
sb_run(struct idl_state *st)
{
    struct ovnhook_request *req;

    if (!st->sb) {
        return;
    }
    if (st->h->cb.binding) {
        const struct sbrec_port_binding *pb;

        SBREC_PORT_BINDING_FOR_EACH_TRACKED (pb, st->sb) {
            if (!sset_contains(&st->watched, pb->logical_port)) {
                continue;
            }
            struct ovnhook_completion *c = xzalloc(sizeof *c);
            c->is_binding = true;
            binding_fill(sbrec_port_binding_is_deleted(pb) ? NULL : pb,
                         pb->logical_port, &c->binding);
            ovnhook_post(st->h, c);
        }
    }

    LIST_FOR_EACH_SAFE (req, node, &st->sb_waiters) {
        const struct sbrec_port_binding *pb = pb_find(st, req->port);

        if (has_additional(pb, req->dst)) {
            ovs_list_remove(&req->node);
            ovnhook_complete(st->h, req, NULL, 0, "%s bound on %s as "
                             "additional chassis (blocked until RARP)",
                             req->port, req->dst);
        }
    }
    LIST_FOR_EACH_SAFE (req, node, &st->get_waiters) {
        if (condition_in_effect(st)) {
            ovs_list_remove(&req->node);
            port_get_answer(st, req);
        }
    }
}

/* Answers what waited too long; returns the next deadline (LLONG_MAX if
 * none). */
static long long int
expire(struct idl_state *st)
{
    long long int now = time_msec();
    long long int next = LLONG_MAX;
    struct ovnhook_request *req;

    LIST_FOR_EACH_SAFE (req, node, &st->queue) {
        if (req->deadline <= now) {
            ovs_list_remove(&req->node);
            ovnhook_complete(st->h, req, NULL, -ETIMEDOUT,
                             "not committed within %u ms (NB %s)",
                             st->h->request_timeout_ms,
                             st->nb_connected ? "connected"
                                              : "not connected");
        } else {
            next = MIN(next, req->deadline);
        }
    }
    LIST_FOR_EACH_SAFE (req, node, &st->sb_waiters) {
        if (req->sb_deadline <= now) {
            struct ovnhook_binding b;

            binding_fill(pb_find(st, req->port), req->port, &b);
            ovs_list_remove(&req->node);
            ovnhook_complete(st->h, req, NULL, -ETIMEDOUT,
                             "%s not bound on %s within %u ms (SB: %s, "
                             "chassis '%s', %"PRIuSIZE" additional)",
                             req->port, req->dst,
                             st->h->migration_timeout_ms,
                             b.exists ? "binding found" : "no binding",
                             b.chassis, b.n_additional);
        } else {
            next = MIN(next, req->sb_deadline);
        }
    }
    LIST_FOR_EACH_SAFE (req, node, &st->get_waiters) {
        if (req->deadline <= now) {
            struct ovnhook_port_info info;

            ovs_list_remove(&req->node);
            info_fill(st, req->port, &info);
            ovnhook_complete(st->h, req, &info, 0, "Southbound did not "
                             "answer within %d ms", GET_SB_WAIT_MS);
        } else {
            next = MIN(next, req->deadline);
        }
    }
    if (st->retry_at > now && !ovs_list_is_empty(&st->queue)) {
        next = MIN(next, st->retry_at);
    }
    return next;
}

/* ------------------------------------------------------------ setup */

static void
take_pending(struct idl_state *st)
{
    ovs_mutex_lock(&st->h->mutex);
    ovs_list_push_back_all(&st->queue, &st->h->pending);
    ovs_mutex_unlock(&st->h->mutex);
}

static void
check_connections(struct idl_state *st)
{
    struct ovnhook *h = st->h;
    bool nb = (ovsdb_idl_is_connected(st->nb)
               && ovsdb_idl_has_ever_connected(st->nb));
    bool sb = st->sb && ovsdb_idl_is_connected(st->sb)
              && ovsdb_idl_has_ever_connected(st->sb);

    if (nb == st->nb_connected && sb == st->sb_connected) {
        return;
    }
    if (nb && !st->nb_connected) {
        /* Every (re)connection checks the port group and ACL. */
        struct ovnhook_request *req = xzalloc(sizeof *req);

        req->op = OVNHOOK_OP_ENSURE_INFRA;
        req->internal = true;
        req->submitted = time_msec();
        req->deadline = LLONG_MAX;
        ovs_list_push_front(&st->queue, &req->node);
        if (st->nb_ever_connected) {
            count(h, &h->stats.nb_reconnects);
        }
        st->nb_ever_connected = true;
    }
    VLOG_INFO("NB %s, SB %s", nb ? "connected" : "not connected",
              !st->sb ? "not configured" : sb ? "connected"
                                              : "not connected");
    st->nb_connected = nb;
    st->sb_connected = sb;
    ovs_mutex_lock(&h->mutex);
    h->stats.nb_connected = nb;
    h->stats.sb_connected = sb;
    ovs_mutex_unlock(&h->mutex);
    if (h->cb.connection) {
        struct ovnhook_completion *c = xzalloc(sizeof *c);

        c->is_connection = true;
        c->nb_connected = nb;
        c->sb_connected = sb;
        ovnhook_post(h, c);
    }
}

static void
idl_open(struct idl_state *st)
{
    struct ovnhook *h = st->h;

    /* NB: only what ovnmig reads or writes. */
    st->nb = ovsdb_idl_create(h->nb_remote, &nbrec_idl_class, false, true);
    ovsdb_idl_set_write_changed_only_all(st->nb, true);
    ovsdb_idl_add_column(st->nb, &nbrec_logical_switch_col_name);
    ovsdb_idl_add_column(st->nb, &nbrec_logical_switch_col_ports);
    ovsdb_idl_add_column(st->nb, &nbrec_logical_switch_port_col_name);
    ovsdb_idl_add_column(st->nb, &nbrec_logical_switch_port_col_addresses);
    ovsdb_idl_add_column(st->nb,
                         &nbrec_logical_switch_port_col_port_security);
    ovsdb_idl_add_column(st->nb, &nbrec_logical_switch_port_col_options);
    ovsdb_idl_add_column(st->nb, &nbrec_logical_switch_port_col_external_ids);
    ovsdb_idl_add_column(st->nb, &nbrec_logical_switch_port_col_up);
    ovsdb_idl_add_column(st->nb, &nbrec_port_group_col_name);
    ovsdb_idl_add_column(st->nb, &nbrec_port_group_col_ports);
    ovsdb_idl_add_column(st->nb, &nbrec_port_group_col_acls);
    ovsdb_idl_add_column(st->nb, &nbrec_port_group_col_external_ids);
    ovsdb_idl_add_column(st->nb, &nbrec_acl_col_name);
    ovsdb_idl_add_column(st->nb, &nbrec_acl_col_priority);
    ovsdb_idl_add_column(st->nb, &nbrec_acl_col_direction);
    ovsdb_idl_add_column(st->nb, &nbrec_acl_col_match);
    ovsdb_idl_add_column(st->nb, &nbrec_acl_col_action);
    ovsdb_idl_add_column(st->nb, &nbrec_acl_col_external_ids);
    st->lsp_by_name = ovsdb_idl_index_create1(
        st->nb, &nbrec_logical_switch_port_col_name);
    st->pg_by_name = ovsdb_idl_index_create1(st->nb,
                                             &nbrec_port_group_col_name);

    if (!h->sb_remote) {
        return;
    }
    /* SB: read-only, any cluster member will do; only watched bindings. */
    st->sb = ovsdb_idl_create(h->sb_remote, &sbrec_idl_class, false, true);
    ovsdb_idl_set_leader_only(st->sb, false);
    ovsdb_idl_add_column(st->sb, &sbrec_chassis_col_name);
    ovsdb_idl_add_column(st->sb, &sbrec_chassis_col_hostname);
    ovsdb_idl_add_column(st->sb, &sbrec_port_binding_col_logical_port);
    ovsdb_idl_add_column(st->sb, &sbrec_port_binding_col_chassis);
    ovsdb_idl_add_column(st->sb, &sbrec_port_binding_col_additional_chassis);
    ovsdb_idl_add_column(st->sb, &sbrec_port_binding_col_up);
    ovsdb_idl_add_column(st->sb, &sbrec_port_binding_col_options);
    ovsdb_idl_add_column(st->sb, &sbrec_port_binding_col_tunnel_key);
    ovsdb_idl_add_column(st->sb, &sbrec_port_binding_col_datapath);
    /* The datapath key, for "vm show"'s flows: only the VM switch's row
     * (northd names it in external_ids). */
    ovsdb_idl_add_column(st->sb, &sbrec_datapath_binding_col_tunnel_key);
    ovsdb_idl_add_column(st->sb, &sbrec_datapath_binding_col_external_ids);
    struct ovsdb_idl_condition dp_cond;
    struct smap dp_name = SMAP_INITIALIZER(&dp_name);
    smap_add(&dp_name, "name", h->switch_name);
    ovsdb_idl_condition_init(&dp_cond);
    sbrec_datapath_binding_add_clause_external_ids(&dp_cond, OVSDB_F_INCLUDES,
                                                   &dp_name);
    sbrec_datapath_binding_set_condition(st->sb, &dp_cond);
    ovsdb_idl_condition_destroy(&dp_cond);
    smap_destroy(&dp_name);
    ovsdb_idl_track_add_column(st->sb, &sbrec_port_binding_col_logical_port);
    ovsdb_idl_track_add_column(st->sb, &sbrec_port_binding_col_chassis);
    ovsdb_idl_track_add_column(st->sb,
                               &sbrec_port_binding_col_additional_chassis);
    ovsdb_idl_track_add_column(st->sb, &sbrec_port_binding_col_up);
    ovsdb_idl_track_add_column(st->sb, &sbrec_port_binding_col_options);
    st->pb_by_port = ovsdb_idl_index_create1(
        st->sb, &sbrec_port_binding_col_logical_port);
    ovsdb_idl_condition_init(&st->cond);
    st->watch_dirty = true;     /* start with no rows at all */
    update_condition(st);
}

static void
free_requests(struct ovs_list *list)
{
    struct ovnhook_request *req;

    LIST_FOR_EACH_POP (req, node, list) {
        free(req);
    }
}

void *
ovnhook_idl_main(void *h_)
{
    struct idl_state st = { .h = h_ };

    ovs_list_init(&st.queue);
    ovs_list_init(&st.batch);
    ovs_list_init(&st.sb_waiters);
    ovs_list_init(&st.get_waiters);
    sset_init(&st.watched);
    idl_open(&st);

    while (!latch_is_set(&st.h->exit_latch)) {
        latch_poll(&st.h->request_latch);
        take_pending(&st);

        ovsdb_idl_run(st.nb);
        if (st.sb) {
            ovsdb_idl_run(st.sb);
        }
        check_connections(&st);
        txn_check(&st);
        txn_start(&st);
        sb_run(&st);
        update_condition(&st);
        long long int next = expire(&st);

        /* Tracked changes were looked at (or are of no interest): drop
         * them every iteration, or they pile up. */
        ovsdb_idl_track_clear(st.nb);
        if (st.sb) {
            ovsdb_idl_track_clear(st.sb);
        }

        latch_wait(&st.h->exit_latch);
        latch_wait(&st.h->request_latch);
        ovsdb_idl_wait(st.nb);
        if (st.sb) {
            ovsdb_idl_wait(st.sb);
            /* A condition change made while the IDL had a request
             * outstanding is sent by a later ovsdb_idl_run(), and nothing
             * in ovsdb_idl_wait() wakes us for it: poll until it is in
             * effect. */
            if (st.sb_connected && !condition_in_effect(&st)) {
                poll_timer_wait(20);
            }
        }
        if (st.txn) {
            ovsdb_idl_txn_wait(st.txn);
        } else if (!ovs_list_is_empty(&st.queue) && st.nb_connected
                   && time_msec() >= st.retry_at) {
            poll_immediate_wake();
        }
        if (next != LLONG_MAX) {
            poll_timer_wait_until(next);
        }
        poll_block();
    }

    if (st.txn) {
        ovsdb_idl_txn_destroy(st.txn);
    }
    free_requests(&st.queue);
    free_requests(&st.batch);
    free_requests(&st.sb_waiters);
    free_requests(&st.get_waiters);
    sset_destroy(&st.watched);
    if (st.sb) {
        ovsdb_idl_condition_destroy(&st.cond);
    }
    ovsdb_idl_destroy(st.nb);
    ovsdb_idl_destroy(st.sb);
    return NULL;
}
