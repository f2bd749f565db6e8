/* SPDX-License-Identifier: Apache-2.0
 *
 * ovnmigctl-rbac.c -- "rbac ..." and "connection ...": the cluster
 * database's role-based access control (OVSDB's, see ovsdb-server(5)) and
 * the remotes its servers listen on, as ovn-sbctl's set-connection does for
 * the Southbound.
 *
 * The role "ovnmig-node" is what a node's certificate may change, and
 * nothing more: its own Node row, the VMs it hosts and the migrations it is
 * source or target of, each in the columns its ovnmigd writes
 * (daemon/cluster-db.c, daemon/migration*.c).  docs/architecture.md has
 * the same rules as a table; tests/rbac-cells.sh tests every cell.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ovnmig-idl.h"
#include "openvswitch/json.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "sset.h"
#include "util.h"
#include "utilities/ovnmigctl.h"

#define NODE_ROLE "ovnmig-node"

/* One table's permission: who may change a row (the client's certificate
 * CN must equal one of 'authorization''s columns of that row), whether it
 * may insert and delete such rows, and which columns it may update. */
struct rbac_rule {
    const char *table;
    const char *authorization[3];
    bool insert_delete;
    const char *update[16];
};

static const struct rbac_rule node_rules[] = {
    /* Its own row: made at its first start (name = CN), then its
     * heartbeat, address, memory and its external_ids (memory used,
     * accelerator); never "schedulable", the administrator's cordon. */
    { "Node", { "name" }, true,
      { "chassis", "migration_address", "memory", "heartbeat",
        "external_ids" } },
    /* The VMs it hosts: their status, and "node" to hand one over to the
     * target when its migration succeeds; never their spec. */
    { "VM", { "node" }, false, { "status", "node" } },
    /* The migrations it is source or target of: the engine's progress
     * through the phases, and the settings the source resolved for one
     * (external_ids); never the request (uid, vm, namespace, source,
     * requested). */
    { "Migration", { "source_node", "target_node" }, false,
      { "phase", "target_node", "target_address", "start_time", "end_time",
        "completed", "failed", "failure_reason", "abort_status", "mode",
        "policy", "progress", "external_ids" } },
    /* Config, Namespace, Migration_Policy, Connection, RBAC_Role,
     * RBAC_Permission: no rule, so every change is refused. */
};

static void
set_strings(const struct omrec_rbac_permission *perm,
            void (*set)(const struct omrec_rbac_permission *,
                        const char **, size_t),
            const char *const *strings, size_t max)
{
    size_t n = 0;
    while (n < max && strings[n]) {
        n++;
    }
    set(perm, CONST_CAST(const char **, strings), n);
}

static const struct omrec_rbac_role *
find_role(const char *name)
{
    const struct omrec_rbac_role *role;
    OMREC_RBAC_ROLE_FOR_EACH (role, idl) {
        if (!strcmp(role->name, name)) {
            return role;
        }
    }
    return NULL;
}

/* "rbac install": the role, made or made again to be exactly the rules
 * above (a role edited by hand is put back). */
static void
rbac_install(void)
{
    db_connect();
    for (;;) {
        struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);
        ovsdb_idl_txn_add_comment(txn, "ovnmigctl: rbac install");
        const struct omrec_rbac_role *role = find_role(NODE_ROLE);
        if (role) {
            omrec_rbac_role_verify_permissions(role);
            for (size_t i = 0; i < role->n_permissions; i++) {
                omrec_rbac_permission_delete(role->value_permissions[i]);
            }
        } else {
            struct omrec_rbac_role *new = omrec_rbac_role_insert(txn);
            omrec_rbac_role_set_name(new, NODE_ROLE);
            role = new;
        }
        size_t n = ARRAY_SIZE(node_rules);
        const char **tables = xmalloc(n * sizeof *tables);
        struct omrec_rbac_permission **perms = xmalloc(n * sizeof *perms);
        for (size_t i = 0; i < n; i++) {
            const struct rbac_rule *r = &node_rules[i];
            perms[i] = omrec_rbac_permission_insert(txn);
            omrec_rbac_permission_set_table(perms[i], r->table);
            set_strings(perms[i], omrec_rbac_permission_set_authorization,
                        r->authorization, ARRAY_SIZE(r->authorization));
            omrec_rbac_permission_set_insert_delete(perms[i],
                                                    r->insert_delete);
            set_strings(perms[i], omrec_rbac_permission_set_update,
                        r->update, ARRAY_SIZE(r->update));
            tables[i] = r->table;
        }
        omrec_rbac_role_set_permissions(role, tables, perms, n);
        free(tables);
        free(perms);
        if (db_commit(txn)) {
            break;
        }
    }
    printf("role %s: %"PRIuSIZE" tables it may change, every other change "
           "refused\n", NODE_ROLE, ARRAY_SIZE(node_rules));
}

static struct json *
strings_to_json(char **strings, size_t n)
{
    struct json *array = json_array_create_empty();
    for (size_t i = 0; i < n; i++) {
        json_array_add(array, json_string_create(strings[i]));
    }
    return array;
}

static char *
strings_join(char **strings, size_t n)
{
    struct sset set = SSET_INITIALIZER(&set);
    for (size_t i = 0; i < n; i++) {
        sset_add(&set, strings[i]);
    }
    char *joined = n ? sset_join(&set, ",", "") : xstrdup("-");
    sset_destroy(&set);
    return joined;
}

/* "rbac show": every role and what it may change, as the servers hold it. */
static void
rbac_show(void)
{
    db_connect();
    struct json *roles = json_output ? json_object_create() : NULL;
    if (!json_output) {
        printf("%-14s %-18s %-26s %-7s %s\n", "ROLE", "TABLE",
               "ROWS WHOSE ... IS THE CN", "INS/DEL", "COLUMNS IT MAY UPDATE");
    }
    const struct omrec_rbac_role *role;
    OMREC_RBAC_ROLE_FOR_EACH (role, idl) {
        struct json *tables = json_output ? json_object_create() : NULL;
        for (size_t i = 0; i < role->n_permissions; i++) {
            const struct omrec_rbac_permission *p = role->value_permissions[i];
            if (json_output) {
                struct json *o = json_object_create();
                json_object_put(o, "authorization",
                                strings_to_json(p->authorization,
                                                p->n_authorization));
                json_object_put(o, "insertDelete",
                                json_boolean_create(p->insert_delete));
                json_object_put(o, "update",
                                strings_to_json(p->update, p->n_update));
                json_object_put(tables, role->key_permissions[i], o);
                continue;
            }
            char *auth = strings_join(p->authorization, p->n_authorization);
            char *update = strings_join(p->update, p->n_update);
            printf("%-14s %-18s %-26s %-7s %s\n", role->name,
                   role->key_permissions[i], auth,
                   p->insert_delete ? "yes" : "no", update);
            free(auth);
            free(update);
        }
        if (roles) {
            json_object_put(roles, role->name, tables);
        }
    }
    if (roles) {
        print_json(roles);
    }
}

void
cmd_rbac(int argc, char *argv[])
{
    const char *sub = argc ? argv[0] : "";
    if (argc > 1) {
        usage_error("rbac %s: unexpected argument \"%s\"", sub, argv[1]);
    }
    if (!strcmp(sub, "install")) {
        rbac_install();
    } else if (!strcmp(sub, "show")) {
        rbac_show();
    } else {
        usage_error("rbac: want install or show");
    }
}

/* ------------------------------------------------------------ connection */

static bool
target_ok(const char *t)
{
    return (!strncmp(t, "pssl:", 5) || !strncmp(t, "ptcp:", 5)
            || (!strncmp(t, "punix:", 6) && t[6] == '/'));
}

/* "connection set [role=ROLE] [read-only] TARGET...": the servers listen
 * on exactly these (ovsdb-server --remote=db:OVN_Migration,Config,
 * connections), each with that role. */
static void
connection_set(int argc, char *argv[])
{
    const char *role = "";
    bool read_only = false;
    int i = 0;
    for (; i < argc; i++) {
        if (!strncmp(argv[i], "role=", 5)) {
            role = argv[i] + 5;
        } else if (!strcmp(argv[i], "read-only")) {
            read_only = true;
        } else if (!strcmp(argv[i], "read-write")) {
            read_only = false;
        } else {
            break;
        }
    }
    if (i >= argc) {
        usage_error("connection set: want [role=ROLE] [read-only] TARGET...");
    }
    for (int j = i; j < argc; j++) {
        if (!target_ok(argv[j])) {
            fail("\"%s\" is not a listening remote (pssl:PORT[:IP], "
                 "ptcp:PORT[:IP], punix:PATH)", argv[j]);
        }
    }
    db_connect();
    if (*role && !find_role(role)) {
        fprintf(stderr, "%s: warning: no role \"%s\" in the database yet: "
                "every change through these is refused until there is one "
                "(rbac install)\n", program_name, role);
    }
    for (;;) {
        struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);
        ovsdb_idl_txn_add_comment(txn, "ovnmigctl: connection set");
        const struct omrec_config *config = omrec_config_first(idl);
        if (!config) {
            config = omrec_config_insert(txn);
        } else {
            omrec_config_verify_connections(config);
        }
        size_t n = argc - i;
        struct omrec_connection **conns = xmalloc(n * sizeof *conns);
        for (size_t j = 0; j < n; j++) {
            conns[j] = omrec_connection_insert(txn);
            omrec_connection_set_target(conns[j], argv[i + j]);
            omrec_connection_set_role(conns[j], role);
            omrec_connection_set_read_only(conns[j], read_only);
        }
        omrec_config_set_connections(config, conns, n);
        free(conns);
        if (db_commit(txn)) {
            break;
        }
    }
}

static void
connection_list(void)
{
    db_connect();
    const struct omrec_config *config = omrec_config_first(idl);
    struct json *array = json_output ? json_array_create_empty() : NULL;
    for (size_t i = 0; config && i < config->n_connections; i++) {
        const struct omrec_connection *c = config->connections[i];
        if (array) {
            struct json *o = json_object_create();
            json_object_put_string(o, "target", c->target);
            json_object_put_string(o, "role", c->role);
            json_object_put(o, "readOnly", json_boolean_create(c->read_only));
            json_array_add(array, o);
        } else {
            printf("%s%s%s%s\n", c->target, *c->role ? " role=" : "",
                   c->role, c->read_only ? " read-only" : "");
        }
    }
    if (array) {
        print_json(array);
    }
}

void
cmd_connection(int argc, char *argv[])
{
    const char *sub = argc ? argv[0] : "";
    if (!strcmp(sub, "set")) {
        connection_set(argc - 1, argv + 1);
    } else if (!strcmp(sub, "list")) {
        if (argc > 1) {
            usage_error("connection list: unexpected argument \"%s\"",
                        argv[1]);
        }
        connection_list();
    } else {
        usage_error("connection: want set or list");
    }
}
