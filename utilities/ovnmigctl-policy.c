/* SPDX-License-Identifier: Apache-2.0
 *
 * ovnmigctl-policy.c -- "ovnmigctl policy ..." and "ovnmigctl namespace
 * ...": KubeVirt MigrationPolicy objects, and the namespaces whose labels
 * their namespaceSelector matches, as rows of the cluster database.
 */
#include <config.h>

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ovnmig-idl.h"
#include "lib/kubevirt-yaml.h"
#include "lib/quantity.h"
#include "migrate/policy.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "util.h"
#include "utilities/ovnmigctl.h"

static const struct omrec_migration_policy *
find_policy(const char *name)
{
    const struct omrec_migration_policy *row;
    OMREC_MIGRATION_POLICY_FOR_EACH (row, idl) {
        if (!strcmp(row->name, name)) {
            return row;
        }
    }
    return NULL;
}

static const struct omrec_namespace *
find_namespace(const char *name)
{
    const struct omrec_namespace *row;
    OMREC_NAMESPACE_FOR_EACH (row, idl) {
        if (!strcmp(row->name, name)) {
            return row;
        }
    }
    return NULL;
}

/* 'row' as mig_policy_select() takes it, pointing into the row.  A
 * bandwidth that is not a quantity (no writer of ours stores one) leaves
 * the cluster's. */
static void
policy_from_row(const struct omrec_migration_policy *row,
                struct mig_policy *p)
{
    memset(p, 0, sizeof *p);
    p->name = row->name;
    p->namespace_selector = &row->namespace_selector;
    p->vmi_selector = &row->vmi_selector;
    if (row->n_allow_auto_converge) {
        p->has_allow_auto_converge = true;
        p->allow_auto_converge = row->allow_auto_converge[0];
    }
    if (row->n_allow_post_copy) {
        p->has_allow_post_copy = true;
        p->allow_post_copy = row->allow_post_copy[0];
    }
    if (row->bandwidth_per_migration
        && !quantity_parse(row->bandwidth_per_migration, &p->bandwidth)) {
        p->has_bandwidth = true;
    }
    if (row->n_completion_timeout_per_gib
        && row->completion_timeout_per_gib[0] > 0
        && row->completion_timeout_per_gib[0] <= UINT_MAX) {
        p->has_completion_timeout_per_gib = true;
        p->completion_timeout_per_gib = row->completion_timeout_per_gib[0];
    }
}

static int
compare_policy_rows(const void *a_, const void *b_)
{
    const struct omrec_migration_policy *const *a = a_, *const *b = b_;
    return strcmp((*a)->name, (*b)->name);
}

/* The policy rows, sorted by name.  The caller frees the array. */
static const struct omrec_migration_policy **
sorted_policies(size_t *np)
{
    const struct omrec_migration_policy *row, **rows = NULL;
    size_t n = 0, allocated = 0;
    OMREC_MIGRATION_POLICY_FOR_EACH (row, idl) {
        if (n >= allocated) {
            rows = x2nrealloc(rows, &allocated, sizeof *rows);
        }
        rows[n++] = row;
    }
    if (n) {
        qsort(rows, n, sizeof *rows, compare_policy_rows);
    }
    *np = n;
    return rows;
}

size_t
load_policies(struct mig_policy **policiesp)
{
    size_t n;
    const struct omrec_migration_policy **rows = sorted_policies(&n);
    struct mig_policy *policies = xcalloc(n ? n : 1, sizeof *policies);
    for (size_t i = 0; i < n; i++) {
        policy_from_row(rows[i], &policies[i]);
    }
    free(rows);
    *policiesp = policies;
    return n;
}

/* "key=value,key=value" in key order, or "-". */
static void
put_labels(struct ds *s, const struct smap *labels)
{
    const struct smap_node **sorted = smap_sort(labels);
    size_t n = smap_count(labels);
    for (size_t i = 0; i < n; i++) {
        ds_put_format(s, "%s%s=%s", i ? "," : "", sorted[i]->key,
                      sorted[i]->value);
    }
    if (!n) {
        ds_put_char(s, '-');
    }
    free(sorted);
}

/* What the policy overrides, as "allowPostCopy=true ...", or "-". */
static void
put_settings(struct ds *s, const struct omrec_migration_policy *row)
{
    size_t start = s->length;
    if (row->n_allow_auto_converge) {
        ds_put_format(s, " allowAutoConverge=%s",
                      row->allow_auto_converge[0] ? "true" : "false");
    }
    if (row->n_allow_post_copy) {
        ds_put_format(s, " allowPostCopy=%s",
                      row->allow_post_copy[0] ? "true" : "false");
    }
    if (row->bandwidth_per_migration) {
        ds_put_format(s, " bandwidthPerMigration=%s",
                      row->bandwidth_per_migration);
    }
    if (row->n_completion_timeout_per_gib) {
        ds_put_format(s, " completionTimeoutPerGiB=%"PRId64,
                      row->completion_timeout_per_gib[0]);
    }
    if (s->length == start) {
        ds_put_cstr(s, " -");
    }
}

static struct json *
policy_to_json(const struct omrec_migration_policy *row)
{
    struct json *o = json_object_create();
    json_object_put_string(o, "name", row->name);
    struct json *selectors = json_object_create();
    json_object_put(selectors, "namespaceSelector",
                    smap_to_json_object(&row->namespace_selector));
    json_object_put(selectors, "virtualMachineInstanceSelector",
                    smap_to_json_object(&row->vmi_selector));
    json_object_put(o, "selectors", selectors);
    if (row->n_allow_auto_converge) {
        json_object_put(o, "allowAutoConverge",
                        json_boolean_create(row->allow_auto_converge[0]));
    }
    if (row->n_allow_post_copy) {
        json_object_put(o, "allowPostCopy",
                        json_boolean_create(row->allow_post_copy[0]));
    }
    if (row->bandwidth_per_migration) {
        json_object_put_string(o, "bandwidthPerMigration",
                               row->bandwidth_per_migration);
    }
    if (row->n_completion_timeout_per_gib) {
        json_object_put(o, "completionTimeoutPerGiB", json_integer_create(
                            row->completion_timeout_per_gib[0]));
    }
    return o;
}

/* ------------------------------------------------------------ policy */

static void
policy_create(int argc, char *argv[])
{
    const char *file = NULL;
    for (int i = 0; i < argc; i++) {
        if ((!strcmp(argv[i], "-f") || !strcmp(argv[i], "--file"))
            && i + 1 < argc) {
            file = argv[++i];
        } else {
            usage_error("policy create: unexpected argument \"%s\"",
                        argv[i]);
        }
    }
    if (!file) {
        usage_error("policy create: -f FILE is required");
    }

    /* Everything is checked before the database is touched. */
    size_t size;
    char *text = read_file(file, &size);
    struct kvyaml_policy p;
    char *error;
    if (kvyaml_parse_policy(text, size, &p, &error)) {
        fail("%s: %s", file, error);
    }
    free(text);
    for (size_t i = 0; i < p.unknown.n; i++) {
        fprintf(stderr, "%s: warning: %s: field %s is not used by ovnmig\n",
                program_name, file, p.unknown.names[i]);
    }

    db_connect();
    for (;;) {
        if (find_policy(p.name)) {
            fail("policy %s already exists (delete it first)", p.name);
        }
        struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);
        ovsdb_idl_txn_add_comment(txn, "ovnmigctl: policy create %s",
                                  p.name);
        struct omrec_migration_policy *row
            = omrec_migration_policy_insert(txn);
        omrec_migration_policy_set_name(row, p.name);
        omrec_migration_policy_set_namespace_selector(
            row, &p.namespace_selector);
        omrec_migration_policy_set_vmi_selector(row, &p.vmi_selector);
        omrec_migration_policy_set_allow_auto_converge(
            row, &p.allow_auto_converge, p.has_allow_auto_converge);
        omrec_migration_policy_set_allow_post_copy(
            row, &p.allow_post_copy, p.has_allow_post_copy);
        omrec_migration_policy_set_bandwidth_per_migration(row, p.bandwidth);
        int64_t timeout = p.completion_timeout_per_gib;
        omrec_migration_policy_set_completion_timeout_per_gib(
            row, &timeout, p.has_completion_timeout_per_gib);
        if (db_commit(txn)) {
            break;
        }
    }
    printf("policy %s created\n", p.name);
    kvyaml_policy_destroy(&p);
}

static void
policy_list(int argc, char *argv[])
{
    if (argc) {
        usage_error("policy list: unexpected argument \"%s\"", argv[0]);
    }
    db_connect();
    size_t n;
    const struct omrec_migration_policy **rows = sorted_policies(&n);
    if (json_output) {
        struct json *array = json_array_create_empty();
        for (size_t i = 0; i < n; i++) {
            json_array_add(array, policy_to_json(rows[i]));
        }
        print_json(array);
    } else {
        printf("%-24s %-32s %-32s %s\n", "NAME", "NAMESPACE-SELECTOR",
               "VMI-SELECTOR", "SETTINGS");
        struct ds ns = DS_EMPTY_INITIALIZER, vmi = DS_EMPTY_INITIALIZER;
        struct ds settings = DS_EMPTY_INITIALIZER;
        for (size_t i = 0; i < n; i++) {
            ds_clear(&ns);
            ds_clear(&vmi);
            ds_clear(&settings);
            put_labels(&ns, &rows[i]->namespace_selector);
            put_labels(&vmi, &rows[i]->vmi_selector);
            put_settings(&settings, rows[i]);
            printf("%-24s %-32s %-32s%s\n", rows[i]->name, ds_cstr(&ns),
                   ds_cstr(&vmi), ds_cstr(&settings));
        }
        ds_destroy(&ns);
        ds_destroy(&vmi);
        ds_destroy(&settings);
    }
    free(rows);
}

static void
policy_show(int argc, char *argv[])
{
    if (argc != 1) {
        usage_error("policy show: want NAME");
    }
    db_connect();
    const struct omrec_migration_policy *row = find_policy(argv[0]);
    if (!row) {
        fail("no policy %s", argv[0]);
    }

    /* The VMs it governs: those where it wins the selection. */
    struct mig_policy *policies;
    size_t n = load_policies(&policies);
    struct smap no_labels = SMAP_INITIALIZER(&no_labels);
    struct json *governs = json_array_create_empty();
    const struct omrec_vm *vm;
    OMREC_VM_FOR_EACH (vm, idl) {
        const struct omrec_namespace *ns = find_namespace(vm->namespace_);
        const struct mig_policy *winner = mig_policy_select(
            policies, n, ns ? &ns->labels : &no_labels, &vm->labels, NULL);
        if (winner && !strcmp(winner->name, row->name)) {
            json_array_add(governs, json_string_create_nocopy(
                               xasprintf("%s/%s", vm->namespace_,
                                         vm->name)));
        }
    }
    free(policies);

    if (json_output) {
        struct json *o = policy_to_json(row);
        json_object_put(o, "appliesTo", governs);
        print_json(o);
        return;
    }
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "policy %s\n  namespaceSelector: ", row->name);
    put_labels(&s, &row->namespace_selector);
    ds_put_cstr(&s, "\n  virtualMachineInstanceSelector: ");
    put_labels(&s, &row->vmi_selector);
    ds_put_cstr(&s, "\n  overrides:");
    put_settings(&s, row);
    ds_put_cstr(&s, "\n  applies to:");
    const struct json_array *a = json_array(governs);
    for (size_t i = 0; i < a->n; i++) {
        ds_put_format(&s, " %s", json_string(a->elems[i]));
    }
    ds_put_cstr(&s, a->n ? "\n" : " no VM\n");
    fputs(ds_cstr(&s), stdout);
    ds_destroy(&s);
    json_destroy(governs);
}

/* Removes "--if-exists" from the arguments; returns whether it was
 * there. */
static bool
take_if_exists(int *argc, char *argv[])
{
    bool found = false;
    int j = 0;
    for (int i = 0; i < *argc; i++) {
        if (!strcmp(argv[i], "--if-exists")) {
            found = true;
        } else {
            argv[j++] = argv[i];
        }
    }
    *argc = j;
    return found;
}

static void
policy_delete(int argc, char *argv[])
{
    bool if_exists = take_if_exists(&argc, argv);
    if (argc != 1) {
        usage_error("policy delete: want NAME [--if-exists]");
    }
    db_connect();
    for (;;) {
        const struct omrec_migration_policy *row = find_policy(argv[0]);
        if (!row) {
            if (if_exists) {
                return;
            }
            fail("no policy %s", argv[0]);
        }
        struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);
        ovsdb_idl_txn_add_comment(txn, "ovnmigctl: policy delete %s",
                                  argv[0]);
        omrec_migration_policy_delete(row);
        if (db_commit(txn)) {
            break;
        }
    }
    printf("policy %s deleted\n", argv[0]);
}

void
cmd_policy(int argc, char *argv[])
{
    const char *sub = argc ? argv[0] : "";
    if (!strcmp(sub, "create")) {
        policy_create(argc - 1, argv + 1);
    } else if (!strcmp(sub, "list")) {
        policy_list(argc - 1, argv + 1);
    } else if (!strcmp(sub, "show")) {
        policy_show(argc - 1, argv + 1);
    } else if (!strcmp(sub, "delete")) {
        policy_delete(argc - 1, argv + 1);
    } else {
        usage_error("policy: want create, list, show or delete");
    }
}

/* ------------------------------------------------------------ namespace */

/* "namespace label NAME KEY=VALUE... KEY-...": sets and removes labels,
 * creating the namespace's row if needed.  All checked first. */
static void
namespace_label(int argc, char *argv[])
{
    if (argc < 2) {
        usage_error("namespace label: want NAME KEY=VALUE... [KEY-]...");
    }
    const char *name = argv[0];
    if (!kvyaml_dns_label_ok(name)) {
        fail("\"%s\" is not a namespace name (a DNS label: a-z, 0-9, '-')",
             name);
    }
    for (int i = 1; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        size_t n = strlen(argv[i]);
        if (!eq && n > 1 && argv[i][n - 1] == '-') {
            continue;
        } else if (!eq) {
            usage_error("namespace label: \"%s\" is neither KEY=VALUE nor "
                        "KEY-", argv[i]);
        }
        char *key = xmemdup0(argv[i], eq - argv[i]);
        char *error = kvyaml_check_label(key, eq + 1);
        free(key);
        if (error) {
            fail("%s (nothing changed)", error);
        }
    }

    db_connect();
    for (;;) {
        const struct omrec_namespace *row = find_namespace(name);
        struct smap labels = SMAP_INITIALIZER(&labels);
        if (row) {
            smap_clone(&labels, &row->labels);
        }
        for (int i = 1; i < argc; i++) {
            const char *eq = strchr(argv[i], '=');
            if (eq) {
                char *key = xmemdup0(argv[i], eq - argv[i]);
                smap_replace(&labels, key, eq + 1);
                free(key);
            } else {
                char *key = xmemdup0(argv[i], strlen(argv[i]) - 1);
                smap_remove(&labels, key);
                free(key);
            }
        }
        struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);
        ovsdb_idl_txn_add_comment(txn, "ovnmigctl: namespace label %s",
                                  name);
        if (!row) {
            row = omrec_namespace_insert(txn);
            omrec_namespace_set_name(row, name);
        } else {
            omrec_namespace_verify_labels(row);
        }
        omrec_namespace_set_labels(row, &labels);
        smap_destroy(&labels);
        if (db_commit(txn)) {
            break;
        }
    }
}

static int
compare_namespace_rows(const void *a_, const void *b_)
{
    const struct omrec_namespace *const *a = a_, *const *b = b_;
    return strcmp((*a)->name, (*b)->name);
}

static void
namespace_list(int argc, char *argv[])
{
    if (argc) {
        usage_error("namespace list: unexpected argument \"%s\"", argv[0]);
    }
    db_connect();
    const struct omrec_namespace *row, **rows = NULL;
    size_t n = 0, allocated = 0;
    OMREC_NAMESPACE_FOR_EACH (row, idl) {
        if (n >= allocated) {
            rows = x2nrealloc(rows, &allocated, sizeof *rows);
        }
        rows[n++] = row;
    }
    if (n) {
        qsort(rows, n, sizeof *rows, compare_namespace_rows);
    }
    struct json *array = json_output ? json_array_create_empty() : NULL;
    if (!json_output) {
        printf("%-24s %-5s %s\n", "NAME", "VMS", "LABELS");
    }
    struct ds labels = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < n; i++) {
        int n_vms = 0;
        const struct omrec_vm *vm;
        OMREC_VM_FOR_EACH (vm, idl) {
            n_vms += !strcmp(vm->namespace_, rows[i]->name);
        }
        if (array) {
            struct json *o = json_object_create();
            json_object_put_string(o, "name", rows[i]->name);
            json_object_put(o, "labels",
                            smap_to_json_object(&rows[i]->labels));
            json_object_put(o, "vms", json_integer_create(n_vms));
            json_array_add(array, o);
        } else {
            ds_clear(&labels);
            put_labels(&labels, &rows[i]->labels);
            printf("%-24s %-5d %s\n", rows[i]->name, n_vms,
                   ds_cstr(&labels));
        }
    }
    ds_destroy(&labels);
    if (array) {
        print_json(array);
    }
    free(rows);
}

void
cmd_namespace(int argc, char *argv[])
{
    const char *sub = argc ? argv[0] : "";
    if (!strcmp(sub, "label")) {
        namespace_label(argc - 1, argv + 1);
    } else if (!strcmp(sub, "list")) {
        namespace_list(argc - 1, argv + 1);
    } else {
        usage_error("namespace: want label or list");
    }
}
