/* SPDX-License-Identifier: Apache-2.0
 *
 * ovnmigctl-migration.c -- ovnmigctl's migration commands: vm migrate,
 * migration list/show/watch/cancel, node drain/uncordon (docs/ovnmigctl.8).
 * A migration is a Migration row; the nodes' daemons do the rest.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/ovnmig-idl.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "sset.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"
#include "utilities/ovnmigctl.h"
#include "uuid.h"

/* ------------------------------------------------------------ migrations */

static bool
migration_is_final(const struct omrec_migration *m)
{
    return !strcmp(m->phase, "Succeeded") || !strcmp(m->phase, "Failed");
}

static int64_t
progress_get(const struct omrec_migration *m, const char *key)
{
    for (size_t i = 0; i < m->n_progress; i++) {
        if (!strcmp(m->key_progress[i], key)) {
            return m->value_progress[i];
        }
    }
    return -1;
}

/* The guest's pause in ms, -1 if unknown: the target's figure, or, if it
 * did not write one (it stopped first), from the two timestamps. */
static int64_t
migration_pause_ms(const struct omrec_migration *m)
{
    int64_t pause = progress_get(m, "pauseMs");
    int64_t stopped = progress_get(m, "stoppedAt");
    int64_t resumed = progress_get(m, "resumedAt");
    if (pause < 0 && stopped > 0 && resumed >= stopped) {
        pause = resumed - stopped;
    }
    return pause;
}

/* UID, a unique prefix of one (8 characters or more), or a VM name (its
 * latest migration). */
static const struct omrec_migration *
find_migration(const char *arg, const char *namespace)
{
    const struct omrec_migration *m, *found = NULL;
    size_t n = strlen(arg);
    int matches = 0;

    OMREC_MIGRATION_FOR_EACH (m, idl) {
        if (!strcmp(m->uid, arg)) {
            return m;
        }
        if (n >= 8 && !strncmp(m->uid, arg, n)) {
            found = m;
            matches++;
        }
    }
    if (matches > 1) {
        fail("\"%s\" names %d migrations: give more of the UID", arg,
             matches);
    }
    if (found) {
        return found;
    }
    OMREC_MIGRATION_FOR_EACH (m, idl) {
        if (!strcmp(m->vm, arg) && !strcmp(m->namespace_, namespace)
            && (!found || m->requested > found->requested)) {
            found = m;
        }
    }
    if (!found) {
        fail("no migration %s (nor of a VM %s in namespace %s)", arg, arg,
             namespace);
    }
    return found;
}

static void
format_time(int64_t ms, char *buf, size_t size)
{
    if (ms <= 0) {
        snprintf(buf, size, "-");
        return;
    }
    time_t t = ms / 1000;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The place of each Pending migration in the queue (1 = next), in request
 * order; 0 for the others. */
static int
queue_place(const struct omrec_migration *m)
{
    if (strcmp(m->phase, "Pending")) {
        return 0;
    }
    int place = 1;
    const struct omrec_migration *o;
    OMREC_MIGRATION_FOR_EACH (o, idl) {
        if (o != m && !strcmp(o->phase, "Pending")
            && (o->requested < m->requested
                || (o->requested == m->requested
                    && strcmp(o->uid, m->uid) < 0))) {
            place++;
        }
    }
    return place;
}

static struct json *
migration_to_json(const struct omrec_migration *m)
{
    struct json *o = json_object_create();
    json_object_put_string(o, "uid", m->uid);
    json_object_put_string(o, "vm", m->vm);
    json_object_put_string(o, "namespace", m->namespace_);
    json_object_put_string(o, "sourceNode", m->source_node);
    json_object_put_string(o, "targetNode",
                           m->target_node ? m->target_node : "");
    json_object_put_string(o, "targetNodeAddress",
                           m->target_address ? m->target_address : "");
    json_object_put_string(o, "phase", m->phase);
    json_object_put_string(o, "abortStatus",
                           m->abort_status ? m->abort_status : "");
    json_object_put_string(o, "mode", m->mode);
    json_object_put(o, "completed", json_boolean_create(m->completed));
    json_object_put(o, "failed", json_boolean_create(m->failed));
    json_object_put_string(o, "failureReason",
                           m->failure_reason ? m->failure_reason : "");
    json_object_put_string(o, "policy", m->policy ? m->policy : "");
    json_object_put(o, "requested", json_integer_create(m->requested));
    json_object_put(o, "startTimestamp", json_integer_create(
                        m->n_start_time ? m->start_time[0] : 0));
    json_object_put(o, "endTimestamp", json_integer_create(
                        m->n_end_time ? m->end_time[0] : 0));
    json_object_put(o, "queuePlace", json_integer_create(queue_place(m)));
    struct json *p = json_object_create();
    for (size_t i = 0; i < m->n_progress; i++) {
        json_object_put(p, m->key_progress[i],
                        json_integer_create(m->value_progress[i]));
    }
    json_object_put(p, "pauseMs", json_integer_create(migration_pause_ms(m)));
    json_object_put(o, "progress", p);
    json_object_put(o, "settings", smap_to_json_object(&m->external_ids));
    return o;
}

static int
compare_migrations(const void *a_, const void *b_)
{
    const struct omrec_migration *const *a = a_, *const *b = b_;
    if ((*a)->requested != (*b)->requested) {
        return (*a)->requested < (*b)->requested ? -1 : 1;
    }
    return strcmp((*a)->uid, (*b)->uid);
}

void
cmd_vm_migrate(int argc, char *argv[])
{
    const char *ns = take_namespace(&argc, argv);
    const char *to = NULL;
    int j = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--to") && i + 1 < argc) {
            to = argv[++i];
        } else if (!strncmp(argv[i], "--to=", 5)) {
            to = argv[i] + 5;
        } else {
            argv[j++] = argv[i];
        }
    }
    argc = j;
    if (argc != 1) {
        usage_error("vm migrate: want NAME [--namespace NS] [--to NODE]");
    }
    db_connect();

    struct uuid u;
    uuid_generate(&u);
    char uid[UUID_LEN + 1];
    snprintf(uid, sizeof uid, UUID_FMT, UUID_ARGS(&u));
    for (;;) {
        const struct omrec_vm *vm = find_vm(argv[0], ns);
        if (!vm) {
            fail("no VM %s in namespace %s", argv[0], ns);
        }
        if (to && !find_node(to)) {
            fail("no node %s", to);
        }
        if (to && !strcmp(to, vm->node)) {
            fail("VM %s already runs on %s", vm->name, to);
        }
        const struct omrec_migration *m;
        OMREC_MIGRATION_FOR_EACH (m, idl) {
            if (!strcmp(m->vm, vm->name) && !strcmp(m->namespace_, ns)
                && !migration_is_final(m)) {
                fail("VM %s is already migrating (%s, %s)", vm->name,
                     m->uid, m->phase);
            }
        }

        struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);
        ovsdb_idl_txn_add_comment(txn, "ovnmigctl: vm migrate %s", vm->name);
        /* Two requests racing for one VM: only one may win. */
        OMREC_MIGRATION_FOR_EACH (m, idl) {
            omrec_migration_verify_phase(m);
        }
        struct omrec_migration *row = omrec_migration_insert(txn);
        omrec_migration_set_uid(row, uid);
        omrec_migration_set_vm(row, vm->name);
        omrec_migration_set_namespace_(row, ns);
        omrec_migration_set_source_node(row, vm->node);
        if (to) {
            omrec_migration_set_target_node(row, to);
        }
        omrec_migration_set_phase(row, "Pending");
        omrec_migration_set_mode(row, "PreCopy");
        omrec_migration_set_requested(row, time_wall_msec());
        if (db_commit(txn)) {
            break;
        }
    }
    if (json_output) {
        struct json *o = json_object_create();
        json_object_put_string(o, "uid", uid);
        print_json(o);
    } else {
        printf("%s\n", uid);
    }
}

void
cmd_migration_list(int argc, char *argv[])
{
    if (argc) {
        usage_error("migration list: unexpected argument \"%s\"", argv[0]);
    }
    db_connect();
    const struct omrec_migration *m, **rows = NULL;
    size_t n = 0, allocated = 0;
    OMREC_MIGRATION_FOR_EACH (m, idl) {
        if (n >= allocated) {
            rows = x2nrealloc(rows, &allocated, sizeof *rows);
        }
        rows[n++] = m;
    }
    if (n) {
        qsort(rows, n, sizeof *rows, compare_migrations);
    }
    if (json_output) {
        struct json *array = json_array_create_empty();
        for (size_t i = 0; i < n; i++) {
            json_array_add(array, migration_to_json(rows[i]));
        }
        print_json(array);
    } else {
        printf("%-36s %-20s %-8s %-8s %-15s %-6s %s\n", "UID", "VM", "SOURCE",
               "TARGET", "PHASE", "DONE", "NOTE");
        for (size_t i = 0; i < n; i++) {
            m = rows[i];
            char vm[64], done[24] = "-", note[128] = "";
            snprintf(vm, sizeof vm, "%s/%s", m->namespace_, m->vm);
            int64_t permille = progress_get(m, "permille");
            if (permille >= 0) {
                snprintf(done, sizeof done, "%"PRId64"%%", permille / 10);
            }
            int place = queue_place(m);
            if (place) {
                snprintf(note, sizeof note, "queued, #%d", place);
            } else if (m->failure_reason) {
                snprintf(note, sizeof note, "%s", m->failure_reason);
            }
            printf("%-36s %-20s %-8s %-8s %-15s %-6s %s\n", m->uid, vm,
                   m->source_node, m->target_node ? m->target_node : "-",
                   m->phase, done, note);
        }
    }
    free(rows);
}

/* The arguments of "migration show|watch|cancel": ID [--namespace NS].
 * Connects to the database; returns ID, with the namespace in '*nsp'. */
static const char *
migration_args(const char *command, int *argc, char *argv[],
               const char **nsp)
{
    *nsp = take_namespace(argc, argv);
    if (*argc != 1) {
        usage_error("migration %s: want UID|VM [--namespace NS]", command);
    }
    db_connect();
    return argv[0];
}

void
cmd_migration_show(int argc, char *argv[])
{
    const char *ns;
    const char *id = migration_args("show", &argc, argv, &ns);
    const struct omrec_migration *m = find_migration(id, ns);
    if (json_output) {
        print_json(migration_to_json(m));
        return;
    }
    char start[32], end[32];
    format_time(m->n_start_time ? m->start_time[0] : 0, start, sizeof start);
    format_time(m->n_end_time ? m->end_time[0] : 0, end, sizeof end);
    printf("Migration State:\n");
    printf("  Completed:            %s\n", m->completed ? "true" : "false");
    printf("  Failed:               %s\n", m->failed ? "true" : "false");
    if (m->failure_reason) {
        printf("  Failure Reason:       %s\n", m->failure_reason);
    }
    if (m->abort_status) {
        printf("  Abort Status:         %s\n", m->abort_status);
    }
    printf("  Phase:                %s\n", m->phase);
    printf("  Start Timestamp:      %s\n", start);
    printf("  End Timestamp:        %s\n", end);
    printf("  Migration UID:        %s\n", m->uid);
    printf("  VM:                   %s/%s\n", m->namespace_, m->vm);
    printf("  Source Node:          %s\n", m->source_node);
    printf("  Target Node:          %s\n",
           m->target_node ? m->target_node : "");
    printf("  Target Node Address:  %s\n",
           m->target_address ? m->target_address : "");
    printf("  Mode:                 %s\n", m->mode);
    int64_t pause = migration_pause_ms(m);
    int64_t downtime = progress_get(m, "downtimeMs");
    if (pause >= 0 && downtime >= 0) {
        printf("  Guest Pause:          %"PRId64" ms (QEMU downtime %"PRId64
               " ms)\n", pause, downtime);
    } else if (pause >= 0) {
        printf("  Guest Pause:          %"PRId64" ms\n", pause);
    }
    if (m->policy) {
        printf("  Migration Policy:     %s\n", m->policy);
    }
    if (smap_count(&m->external_ids)) {
        printf("  Settings:\n");
        const struct smap_node **sorted = smap_sort(&m->external_ids);
        for (size_t i = 0; i < smap_count(&m->external_ids); i++) {
            printf("    %s: %s\n", sorted[i]->key, sorted[i]->value);
        }
        free(sorted);
    }
    if (m->n_progress) {
        printf("  Progress:\n");
        for (size_t i = 0; i < m->n_progress; i++) {
            printf("    %s: %"PRId64"\n", m->key_progress[i],
                   m->value_progress[i]);
        }
    }
}

static void
human_bytes(int64_t bytes, char *buf, size_t size)
{
    if (bytes < 0) {
        snprintf(buf, size, "-");
    } else if (bytes >= 1 << 30) {
        snprintf(buf, size, "%.1f GiB", bytes / 1073741824.0);
    } else {
        snprintf(buf, size, "%.1f MiB", bytes / 1048576.0);
    }
}

/* One progress report: a bar redrawn in place on a terminal, a line
 * otherwise. */
static void
print_progress(const struct omrec_migration *m, bool tty)
{
    int64_t permille = progress_get(m, "permille");
    char rate[32], left[32], dirty[32], eta[32] = "-";
    human_bytes(progress_get(m, "throughput"), rate, sizeof rate);
    human_bytes(progress_get(m, "remaining"), left, sizeof left);
    int64_t dirty_pages = progress_get(m, "dirtyRate");
    snprintf(dirty, sizeof dirty, "%"PRId64" pages/s",
             dirty_pages < 0 ? 0 : dirty_pages);
    int64_t eta_s = progress_get(m, "etaS");
    if (eta_s >= 0) {
        snprintf(eta, sizeof eta, "%"PRId64"s", eta_s);
    }
    int pct = permille < 0 ? 0 : permille / 10;
    if (tty) {
        char bar[31];
        int filled = pct * 30 / 100;
        memset(bar, '#', filled);
        memset(bar + filled, '.', 30 - filled);
        bar[30] = '\0';
        printf("\r\033[K%-15s [%s] %3d%%  %s/s  left %s  dirty %s  eta %s",
               m->phase, bar, pct, rate, left, dirty, eta);
    } else {
        printf("phase=%s percent=%d throughput=%s/s remaining=%s dirty=%s "
               "eta=%s\n", m->phase, pct, rate, left, dirty, eta);
    }
    fflush(stdout);
}

void
cmd_migration_watch(int argc, char *argv[])
{
    const char *ns;
    const char *id = migration_args("watch", &argc, argv, &ns);
    char *uid = xstrdup(find_migration(id, ns)->uid);
    bool tty = isatty(STDOUT_FILENO) && !json_output;
    unsigned int seqno = 0;
    char *last = NULL;

    for (;;) {
        ovsdb_idl_run(idl);
        if (!ovsdb_idl_is_connected(idl)) {
            fail("lost the cluster database");
        }
        if (ovsdb_idl_get_seqno(idl) != seqno) {
            seqno = ovsdb_idl_get_seqno(idl);
            const struct omrec_migration *m = NULL, *o;
            OMREC_MIGRATION_FOR_EACH (o, idl) {
                if (!strcmp(o->uid, uid)) {
                    m = o;
                }
            }
            if (!m) {
                if (tty) {
                    putchar('\n');
                }
                fail("migration %s was deleted", uid);
            }
            struct json *j = migration_to_json(m);
            char *text = json_to_string(j, JSSF_SORT);
            json_destroy(j);
            if (!last || strcmp(text, last)) {
                if (json_output) {
                    puts(text);
                    fflush(stdout);
                } else {
                    print_progress(m, tty);
                }
                free(last);
                last = text;
            } else {
                free(text);
            }
            if (migration_is_final(m)) {
                bool ok = !strcmp(m->phase, "Succeeded");
                if (!json_output) {
                    printf("%s%s: %s%s%s\n", tty ? "\n" : "", uid, m->phase,
                           m->failure_reason ? ": " : "",
                           m->failure_reason ? m->failure_reason : "");
                }
                free(last);
                free(uid);
                exit(ok ? EXIT_OK : EXIT_FAIL);
            }
        }
        ovsdb_idl_wait(idl);
        poll_block();
    }
}

void
cmd_migration_cancel(int argc, char *argv[])
{
    const char *ns;
    const char *id = migration_args("cancel", &argc, argv, &ns);
    for (;;) {
        const struct omrec_migration *m = find_migration(id, ns);
        if (migration_is_final(m)) {
            fail("migration %s is over (%s)", m->uid, m->phase);
        }
        struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);
        ovsdb_idl_txn_add_comment(txn, "ovnmigctl: migration cancel %s",
                                  m->uid);
        omrec_migration_verify_phase(m);
        omrec_migration_set_abort_status(m, "Aborting");
        if (db_commit(txn)) {
            printf("migration %s: abort requested\n", m->uid);
            return;
        }
    }
}

/* Sets 'node's schedulable column. */
static void
set_schedulable(const char *name, bool schedulable)
{
    for (;;) {
        const struct omrec_node *node = find_node(name);
        if (!node) {
            fail("no node %s", name);
        }
        struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);
        ovsdb_idl_txn_add_comment(txn, "ovnmigctl: node %s %s", name,
                                  schedulable ? "uncordon" : "drain");
        omrec_node_set_schedulable(node, schedulable);
        if (db_commit(txn)) {
            return;
        }
    }
}

static const struct omrec_migration *
active_migration_of(const struct omrec_vm *vm)
{
    const struct omrec_migration *m;
    OMREC_MIGRATION_FOR_EACH (m, idl) {
        if (!strcmp(m->vm, vm->name) && !strcmp(m->namespace_, vm->namespace_)
            && !migration_is_final(m)) {
            return m;
        }
    }
    return NULL;
}

/* Waits until no VM is left on 'name', reporting each change; fails if a
 * migration of the drain fails. */
static void
drain_wait(const char *name, const struct sset *uids)
{
    bool tty = isatty(STDOUT_FILENO) && !json_output;
    unsigned int seqno = 0;
    char *last = NULL;
    for (;;) {
        ovsdb_idl_run(idl);
        if (!ovsdb_idl_is_connected(idl)) {
            fail("lost the cluster database");
        }
        if (ovsdb_idl_get_seqno(idl) != seqno) {
            seqno = ovsdb_idl_get_seqno(idl);
            int left = 0, running = 0, queued = 0, done = 0, failed = 0;
            const struct omrec_vm *vm;
            OMREC_VM_FOR_EACH (vm, idl) {
                left += !strcmp(vm->node, name);
            }
            const struct omrec_migration *m;
            OMREC_MIGRATION_FOR_EACH (m, idl) {
                if (!sset_contains(uids, m->uid)) {
                    continue;
                }
                if (!strcmp(m->phase, "Succeeded")) {
                    done++;
                } else if (!strcmp(m->phase, "Failed")) {
                    failed++;
                } else if (!strcmp(m->phase, "Pending")) {
                    queued++;
                } else {
                    running++;
                }
            }
            char *line = xasprintf("drain %s: %d VM(s) left; migrations: %d "
                                   "done, %d running, %d queued, %d failed",
                                   name, left, done, running, queued, failed);
            if (!last || strcmp(line, last)) {
                printf(tty ? "\r\033[K%s" : "%s\n", line);
                fflush(stdout);
            }
            free(last);
            last = line;
            if (!running && !queued) {
                if (tty) {
                    putchar('\n');
                }
                free(last);
                if (failed || left) {
                    fail("drain %s: %d migration(s) failed, %d VM(s) left",
                         name, failed, left);
                }
                return;
            }
        }
        ovsdb_idl_wait(idl);
        poll_block();
    }
}

void
cmd_node_drain(int argc, char *argv[])
{
    bool force = false, wait = false;
    int j = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--force")) {
            force = true;
        } else if (!strcmp(argv[i], "--wait")) {
            wait = true;
        } else {
            argv[j++] = argv[i];
        }
    }
    if (j != 1) {
        usage_error("node drain: want NODE [--force] [--wait]");
    }
    const char *name = argv[0];
    db_connect();
    set_schedulable(name, false);

    struct sset uids = SSET_INITIALIZER(&uids);
    struct svec blocking = SVEC_EMPTY_INITIALIZER;
    for (;;) {
        struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(idl);
        ovsdb_idl_txn_add_comment(txn, "ovnmigctl: node drain %s", name);
        sset_clear(&uids);
        svec_clear(&blocking);
        long long int now = time_wall_msec();
        const struct omrec_vm *vm;
        const struct omrec_migration *m;
        OMREC_MIGRATION_FOR_EACH (m, idl) {
            omrec_migration_verify_phase(m);
        }
        OMREC_VM_FOR_EACH (vm, idl) {
            if (strcmp(vm->node, name)) {
                continue;
            }
            if (strcmp(vm->eviction_strategy, "LiveMigrate")) {
                char *who = xasprintf("%s/%s", vm->namespace_, vm->name);
                svec_add_nocopy(&blocking, who);
                if (force) {
                    omrec_vm_delete(vm);
                }
                continue;
            }
            if ((m = active_migration_of(vm))) {
                sset_add(&uids, m->uid);
                continue;
            }
            struct uuid u;
            uuid_generate(&u);
            char uid[UUID_LEN + 1];
            snprintf(uid, sizeof uid, UUID_FMT, UUID_ARGS(&u));
            struct omrec_migration *row = omrec_migration_insert(txn);
            omrec_migration_set_uid(row, uid);
            omrec_migration_set_vm(row, vm->name);
            omrec_migration_set_namespace_(row, vm->namespace_);
            omrec_migration_set_source_node(row, name);
            omrec_migration_set_phase(row, "Pending");
            omrec_migration_set_mode(row, "PreCopy");
            /* Distinct times keep the queue in the order listed. */
            omrec_migration_set_requested(row, now + sset_count(&uids));
            sset_add(&uids, uid);
        }
        if (!force && blocking.n) {
            ovsdb_idl_txn_destroy(txn);
            break;
        }
        if (db_commit(txn)) {
            break;
        }
    }

    svec_sort(&blocking);
    if (!force && blocking.n) {
        fprintf(stderr, "%s: node %s cordoned, but these VMs block the "
                "drain (evictionStrategy is not LiveMigrate; --force stops "
                "them):\n", program_name, name);
        for (size_t i = 0; i < blocking.n; i++) {
            fprintf(stderr, "  %s\n", blocking.names[i]);
        }
        exit(EXIT_FAIL);
    }
    for (size_t i = 0; i < blocking.n; i++) {
        printf("stopped %s (not live-migratable by its evictionStrategy)\n",
               blocking.names[i]);
    }
    printf("node %s cordoned; %"PRIuSIZE" migration(s)\n", name,
           sset_count(&uids));
    if (wait) {
        drain_wait(name, &uids);
    }
    sset_destroy(&uids);
    svec_destroy(&blocking);
}

void
cmd_node_uncordon(int argc, char *argv[])
{
    if (argc != 1) {
        usage_error("node uncordon: want NODE");
    }
    db_connect();
    set_schedulable(argv[0], true);
    printf("node %s schedulable\n", argv[0]);
}
