/* SPDX-License-Identifier: Apache-2.0
 *
 * ovnmigctl.h -- what ovnmigctl's command files share: the cluster
 * database connection, output, and the way to fail.  See ovnmigctl.c.
 */
#ifndef OVNMIG_OVNMIGCTL_H
#define OVNMIG_OVNMIGCTL_H 1

#include <stdbool.h>
#include <stddef.h>
#include "openvswitch/compiler.h"

struct json;
struct mig_policy;
struct omrec_migration_policy;
struct ovsdb_idl;
struct ovsdb_idl_txn;
struct smap;

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

extern struct ovsdb_idl *idl;   /* After db_connect(). */
extern bool json_output;        /* --json. */

/* Both print "ovnmigctl: MESSAGE" and exit: 2 for a usage error, 1 for a
 * failure. */
OVS_NO_RETURN void usage_error(const char *format, ...)
    OVS_PRINTF_FORMAT(1, 2);
OVS_NO_RETURN void fail(const char *format, ...) OVS_PRINTF_FORMAT(1, 2);

/* utilities/ovnmigctl-conn.c: where to connect, and as whom. */
struct ctl_conn {
    char *db;                   /* The cluster database's remote(s). */
    char *socket;               /* A node's control socket. */
    char *private_key, *certificate, *ca_cert;  /* For ssl: (or NULL). */
};
/* Fills each setting of 'conn' still NULL from the environment, then from
 * the connection file ($OVNMIGCTL_CONF, else /etc/ovnmig/ovnmigctl.conf
 * if it exists), then the defaults.  Fails on a bad file. */
void conn_resolve(struct ctl_conn *, const char *default_db,
                  const char *default_socket);
/* Loads the TLS identity of 'conn', if any; fails if it is incomplete or
 * unreadable, or if an ssl: remote has none. */
void conn_setup_ssl(const struct ctl_conn *);

/* Connects to the cluster database and waits for a first replica, or
 * fails after --timeout. */
void db_connect(void);

/* Commits 'txn' (and destroys it).  Returns true on success, false if it
 * must be built again from a fresh replica; fails on an error. */
bool db_commit(struct ovsdb_idl_txn *);

/* Prints 'json' (sorted, pretty) and destroys it. */
void print_json(struct json *);
struct json *smap_to_json_object(const struct smap *);

/* The contents of 'path' ("-": stdin), at most KVYAML_MAX_SIZE bytes, or
 * fails.  The caller frees the result. */
char *read_file(const char *path, size_t *sizep);

/* ovnmigctl-policy.c: "policy ..." and "namespace ..." (ARGV holds the
 * subcommand and its arguments). */
struct omrec_node;
struct omrec_vm;
const struct omrec_vm *find_vm(const char *name, const char *namespace);
const struct omrec_node *find_node(const char *name);
/* Takes "--namespace NS" / "-n NS" out of argv; "default" without. */
const char *take_namespace(int *argc, char *argv[]);

/* utilities/ovnmigctl-migration.c */
void cmd_vm_migrate(int argc, char *argv[]);
void cmd_migration_list(int argc, char *argv[]);
void cmd_migration_show(int argc, char *argv[]);
void cmd_migration_watch(int argc, char *argv[]);
void cmd_migration_cancel(int argc, char *argv[]);
void cmd_node_drain(int argc, char *argv[]);
void cmd_node_uncordon(int argc, char *argv[]);

/* utilities/ovnmigctl-policy.c */
void cmd_policy(int argc, char *argv[]);
/* utilities/ovnmigctl-rbac.c: "rbac ..." and "connection ..." (ARGV holds
 * the subcommand and its arguments). */
void cmd_rbac(int argc, char *argv[]);
void cmd_connection(int argc, char *argv[]);
void cmd_namespace(int argc, char *argv[]);

/* The policies of the cluster database as mig_policy_select() takes them,
 * pointing into the IDL's rows (valid until the next ovsdb_idl_run()).
 * Returns the number of policies; the caller frees '*policiesp'. */
size_t load_policies(struct mig_policy **policiesp);

#endif /* ovnmigctl.h */
