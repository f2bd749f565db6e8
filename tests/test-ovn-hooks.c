/* Unit tests of ovn-hooks against a real ovsdb-server (NB and SB schemas on
 * one unix socket in a temporary directory, started and stopped here).
 * Skipped (exit 77) when ovsdb-server, ovsdb-tool, ovn-nbctl or ovn-sbctl
 * is missing.  ovn-nbctl/ovn-sbctl check what the library wrote, and play
 * ovn-controller's part in the Southbound.
 *
 * Copyright 2024 The ovnmig authors.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fatal-signal.h"
#include "openvswitch/vlog.h"
#include "ovn-hooks/ovn-hooks.h"
#include "timeval.h"
#include "util.h"

#define MAX_RESULTS 2048

static char dir[64];
static char remote[80];
static pid_t server_pid;

/* ------------------------------------------------------------ helpers */

struct results {
    struct ovnhook_result r[MAX_RESULTS];
    struct ovnhook_port_info info[4];
    size_t n, n_info;
};

static void
on_done(const struct ovnhook_result *r, void *res_)
{
    struct results *res = res_;

    if (res->n < MAX_RESULTS) {
        res->r[res->n] = *r;
        if (r->info && res->n_info < ARRAY_SIZE(res->info)) {
            res->info[res->n_info++] = *r->info;
        }
        res->r[res->n].info = NULL;
        res->n++;
    }
}

/* Runs 'h' until 'res' holds 'n' results or 'ms' passed.  Returns the
 * number held. */
static size_t
wait_results(struct ovnhook *h, struct results *res, size_t n, int ms)
{
    long long deadline = time_msec() + ms;

    while (res->n < n && time_msec() < deadline) {
        struct pollfd pfd = { .fd = ovnhook_get_fd(h), .events = POLLIN };
        poll(&pfd, 1, MAX(1, deadline - time_msec()));
        ovnhook_run(h);
    }
    return res->n;
}

/* Runs a shell command; returns its stdout with the trailing newline
 * removed (static buffer). */
static const char *
sh(const char *format, ...)
{
    static char out[65536];
    char cmd[4096];
    va_list args;

    va_start(args, format);
    vsnprintf(cmd, sizeof cmd, format, args);
    va_end(args);

    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    pclose(p);
    while (n && out[n - 1] == '\n') {
        out[--n] = '\0';
    }
    return out;
}

#define NBCTL "ovn-nbctl --db=%s --timeout=5 "
#define SBCTL "ovn-sbctl --db=%s --timeout=5 "

static const char *
lsp_get(const char *port, const char *column)
{
    return sh(NBCTL "--if-exists get Logical_Switch_Port %s '%s' 2>&1",
              remote, port, column);
}

static struct ovnhook *
hook(struct results *res, const char *chassis, const char *switch_name,
     unsigned int max_queue, unsigned int mig_timeout_ms)
{
    struct ovnhook_options o = {
        .nb_remote = remote, .sb_remote = remote, .chassis = chassis,
        .switch_name = switch_name,
        .gateways = { "169.254.1.1", "10.100.0.1", "fe80::1" },
        .n_gateways = 3, .max_queue = max_queue,
        .migration_timeout_ms = mig_timeout_ms,
        .request_timeout_ms = 5000,
        .cb = { .done = on_done, .aux = res },
    };
    memset(res, 0, sizeof *res);
    struct ovnhook *h = ovnhook_create(&o);
    assert_non_null(h);
    return h;
}

static struct ovnhook_port_spec
spec(const char *vm, const char *mac, const char *ip, const char *node)
{
    return (struct ovnhook_port_spec) {
        .vm = vm, .namespace = "ns1", .mac = mac, .ipv4 = ip, .node = node,
    };
}

static bool
have(const char *prog)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", prog);
    return system(cmd) == 0;
}

static int
server_start(void **state OVS_UNUSED)
{
    char cmd[4096];

    snprintf(dir, sizeof dir, "/tmp/omh-test-ovn-hooks.XXXXXX");
    if (!mkdtemp(dir)) {
        return -1;
    }
    snprintf(remote, sizeof remote, "unix:%s/db.sock", dir);
    snprintf(cmd, sizeof cmd,
             "ovsdb-tool create %1$s/nb.db /usr/share/ovn/ovn-nb.ovsschema"
             " && ovsdb-tool create %1$s/sb.db /usr/share/ovn/ovn-sb.ovsschema"
             " && ovsdb-server %1$s/nb.db %1$s/sb.db --remote=p%2$s"
             " --unixctl=%1$s/ctl --pidfile=%1$s/pid --log-file=%1$s/log"
             " --detach --no-chdir"
             " && ovn-nbctl --db=%2$s ls-add vmnet",
             dir, remote);
    if (system(cmd)) {
        return -1;
    }
    server_pid = atoi(sh("cat %s/pid", dir));
    return server_pid > 0 ? 0 : -1;
}

static int
server_stop(void **state OVS_UNUSED)
{
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        for (int i = 0; i < 100 && !kill(server_pid, 0); i++) {
            usleep(20000);
            waitpid(server_pid, NULL, WNOHANG);
        }
        server_pid = 0;
    }
    if (dir[0]) {
        sh("rm -rf %s", dir);
        dir[0] = '\0';
    }
    return 0;
}

/* ------------------------------------------------------------ tests */

static void
test_acl_match(void **state OVS_UNUSED)
{
    const char *gws[] = { "169.254.1.1", "10.100.0.1", "fe80::1" };
    char buf[512];

    assert_int_equal(ovnhook_acl_match("ovnmig_vms", gws, 3, buf, sizeof buf),
                     0);
    assert_string_equal(buf,
        "inport == @ovnmig_vms && (udp.dst == 67 || udp.dst == 547"
        " || (arp.op == 1 && arp.tpa == {169.254.1.1, 10.100.0.1})"
        " || (nd_ns && nd.target == {fe80::1}))");
    assert_int_equal(ovnhook_acl_match("ovnmig_vms", NULL, 0, buf,
                                       sizeof buf), 0);
    assert_non_null(strstr(buf, "arp.tpa == {169.254.1.1}"));
    const char *bad[] = { "nope" };
    assert_int_equal(ovnhook_acl_match("pg", bad, 1, buf, sizeof buf),
                     -EINVAL);
    assert_int_equal(ovnhook_acl_match("pg", gws, 3, buf, 20),
                     -ENAMETOOLONG);

    assert_int_equal(ovnhook_port_name("vm", "ns", buf, sizeof buf), 0);
    assert_string_equal(buf, "vm.ns");
    assert_int_equal(ovnhook_port_name("v m", "ns", buf, sizeof buf),
                     -EINVAL);
    assert_int_equal(ovnhook_port_name("vm", "ns", buf, 4), -ENAMETOOLONG);
}

static void
test_infra_idempotent(void **state OVS_UNUSED)
{
    struct results res;
    struct ovnhook *h = hook(&res, "hv1", "vmnet", 0, 0);

    assert_int_equal(ovnhook_ensure_infra(h, 1), 0);
    assert_int_equal(ovnhook_ensure_infra(h, 2), 0);
    assert_int_equal(wait_results(h, &res, 2, 5000), 2);
    assert_int_equal(res.r[0].error, 0);
    assert_int_equal(res.r[1].error, 0);
    assert_int_equal(res.r[0].op, OVNHOOK_OP_ENSURE_INFRA);
    ovnhook_destroy(h);

    /* A second client (another node) finds it all in place. */
    h = hook(&res, "hv2", "vmnet", 0, 0);
    assert_int_equal(ovnhook_ensure_infra(h, 3), 0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.r[0].error, 0);
    ovnhook_destroy(h);

    assert_string_equal(sh(NBCTL "--bare --columns=name list Port_Group",
                           remote), "ovnmig_vms");
    const char *acls = sh(NBCTL "acl-list ovnmig_vms", remote);
    assert_string_equal(acls,
        "from-lport 32000 (inport == @ovnmig_vms && (udp.dst == 67 || "
        "udp.dst == 547 || (arp.op == 1 && arp.tpa == {169.254.1.1, "
        "10.100.0.1}) || (nd_ns && nd.target == {fe80::1}))) drop");
    assert_string_equal(sh(NBCTL "--bare --columns=_uuid list ACL | wc -l",
                           remote), "1");
}

static void
test_port_set(void **state OVS_UNUSED)
{
    struct results res;
    struct ovnhook *h = hook(&res, "hv1", "vmnet", 0, 0);
    struct ovnhook_port_spec s = spec("vm1", "0A:58:0A:64:00:05",
                                      "10.100.0.5", "hv1");

    assert_int_equal(ovnhook_port_set(h, &s, 7), 0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.r[0].error, 0);
    assert_int_equal(res.r[0].cookie, 7);
    assert_string_equal(res.r[0].port, "vm1.ns1");
    assert_non_null(strstr(res.r[0].message, "created"));
    assert_string_equal(res.r[0].lsp_uuid,
                        sh(NBCTL "get Logical_Switch_Port vm1.ns1 _uuid",
                           remote));

    assert_string_equal(lsp_get("vm1.ns1", "addresses"),
                        "[\"0a:58:0a:64:00:05 10.100.0.5\"]");
    assert_string_equal(lsp_get("vm1.ns1", "port_security"),
                        "[\"0a:58:0a:64:00:05 10.100.0.5\"]");
    assert_string_equal(lsp_get("vm1.ns1", "options"),
                        "{requested-chassis=hv1}");
    assert_string_equal(lsp_get("vm1.ns1", "external_ids"),
                        "{\"ovnmig:namespace\"=ns1, \"ovnmig:node\"=hv1, "
                        "\"ovnmig:vm\"=vm1}");
    assert_non_null(strstr(sh(NBCTL "get Port_Group ovnmig_vms ports",
                              remote), res.r[0].lsp_uuid));
    assert_non_null(strstr(sh(NBCTL "show vmnet", remote), "vm1.ns1"));

    /* Options others set survive; the same request changes nothing. */
    sh(NBCTL "set Logical_Switch_Port vm1.ns1 options:foo=bar", remote);
    res.n = 0;
    assert_int_equal(ovnhook_port_set(h, &s, 8), 0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.r[0].error, 0);
    assert_non_null(strstr(res.r[0].message, "unchanged"));
    assert_string_equal(lsp_get("vm1.ns1", "options"),
                        "{foo=bar, requested-chassis=hv1}");

    /* A new address and dual stack: updated in place. */
    s.mac = "0a:58:0a:64:00:06";
    s.ipv6 = "fd00::6";
    res.n = 0;
    assert_int_equal(ovnhook_port_set(h, &s, 9), 0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_non_null(strstr(res.r[0].message, "updated"));
    assert_string_equal(lsp_get("vm1.ns1", "addresses"),
                        "[\"0a:58:0a:64:00:06 10.100.0.5 fd00::6\"]");

    /* A switch that does not exist. */
    ovnhook_destroy(h);
    h = hook(&res, "hv1", "nosuchswitch", 0, 0);
    assert_int_equal(ovnhook_port_set(h, &s, 10), 0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.r[0].error, -ENOENT);
    ovnhook_destroy(h);
}

static void
test_batching(void **state OVS_UNUSED)
{
    struct results *res = xmalloc(sizeof *res);
    struct ovnhook *h = hook(res, "hv1", "vmnet", 0, 0);
    struct ovnhook_stats before, after;
    enum { N = 500 };

    /* Let the connection settle, then offer N requests at once. */
    assert_int_equal(ovnhook_ensure_infra(h, 0), 0);
    assert_int_equal(wait_results(h, res, 1, 5000), 1);
    ovnhook_get_stats(h, &before);
    res->n = 0;
    for (int i = 0; i < N; i++) {
        char vm[16], mac[32], ip[32];

        snprintf(vm, sizeof vm, "b%d", i);
        snprintf(mac, sizeof mac, "0a:58:0a:65:%02x:%02x", i >> 8, i & 255);
        snprintf(ip, sizeof ip, "10.101.%d.%d", i >> 8, i & 255);
        struct ovnhook_port_spec s = spec(vm, mac, ip, "hv2");
        assert_int_equal(ovnhook_port_set(h, &s, i), 0);
    }
    assert_int_equal(wait_results(h, res, N, 20000), N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(res->r[i].error, 0);
    }
    ovnhook_get_stats(h, &after);
    uint64_t txns = after.txn_committed - before.txn_committed;
    print_message("%d port_set requests in %"PRIu64" transaction(s)\n", N,
                  txns);
    assert_true(txns >= 1 && txns <= 10);
    assert_int_equal(after.queued, 0);
    assert_string_equal(sh(NBCTL "--bare --columns=name find "
                           "Logical_Switch_Port 'external_ids:\"ovnmig:node\"=hv2'"
                           " | grep -c .", remote), "500");

    /* Ten deletes of one port: all answered, in order. */
    res->n = 0;
    for (int i = 0; i < 10; i++) {
        assert_int_equal(ovnhook_port_delete(h, "b0.ns1", i), 0);
    }
    assert_int_equal(wait_results(h, res, 10, 5000), 10);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(res->r[i].error, 0);
        assert_int_equal(res->r[i].cookie, i);   /* in order */
    }
    ovnhook_destroy(h);
    free(res);
}

static void
test_delete(void **state OVS_UNUSED)
{
    struct results res;
    struct ovnhook *h = hook(&res, "hv1", "vmnet", 0, 0);
    struct ovnhook_port_spec s = spec("del", "0a:58:0a:64:00:09",
                                      "10.100.0.9", "hv1");

    assert_int_equal(ovnhook_port_set(h, &s, 1), 0);
    assert_int_equal(ovnhook_port_delete(h, "del.ns1", 2), 0);
    assert_int_equal(ovnhook_port_delete(h, "del.ns1", 3), 0);
    assert_int_equal(wait_results(h, &res, 3, 5000), 3);
    assert_int_equal(res.r[0].error, 0);
    assert_int_equal(res.r[1].error, 0);
    assert_non_null(strstr(res.r[1].message, "deleted"));
    assert_int_equal(res.r[2].error, 0);
    assert_non_null(strstr(res.r[2].message, "already absent"));
    assert_string_equal(lsp_get("del.ns1", "name"), "");
    assert_null(strstr(sh(NBCTL "show vmnet", remote), "del.ns1"));

    /* Not ovnmig's: refused. */
    sh(NBCTL "lsp-add vmnet foreign", remote);
    res.n = 0;
    assert_int_equal(ovnhook_port_delete(h, "foreign", 4), 0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.r[0].error, -EPERM);
    assert_string_equal(lsp_get("foreign", "name"), "foreign");
    ovnhook_destroy(h);
}

/* Plays ovn-northd and ovn-controller: a Port_Binding for 'port'. */
static void
sb_binding(const char *port)
{
    sh(SBCTL "chassis-add hv1 geneve 127.0.0.1 2>/dev/null; "
       SBCTL "chassis-add hv2 geneve 127.0.0.2 2>/dev/null; "
       "dp=$(" SBCTL "--bare --columns=_uuid list Datapath_Binding | head -1);"
       " [ -n \"$dp\" ] || dp=$(" SBCTL "create Datapath_Binding tunnel_key=1);"
       SBCTL "create Port_Binding logical_port=%s datapath=$dp tunnel_key=$$ "
       "chassis=$(" SBCTL "--bare --columns=_uuid find Chassis name=hv1)",
       remote, remote, remote, remote, remote, port, remote);
}

static void
sb_set_additional(const char *port, const char *chassis)
{
    if (chassis) {
        sh(SBCTL "set Port_Binding %s additional_chassis=$(" SBCTL
           "--bare --columns=_uuid find Chassis name=%s)", remote, port,
           remote, chassis);
    } else {
        sh(SBCTL "clear Port_Binding %s additional_chassis", remote, port);
    }
}

static void
test_migration(void **state OVS_UNUSED)
{
    struct results res;
    struct ovnhook *h = hook(&res, "hv1", "vmnet", 0, 5000);
    struct ovnhook_port_spec s = spec("mig", "0a:58:0a:64:00:0a",
                                      "10.100.0.10", "hv1");

    assert_int_equal(ovnhook_port_set(h, &s, 1), 0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    sb_binding("mig.ns1");

    res.n = 0;
    assert_int_equal(ovnhook_migration_start(h, "mig.ns1", "hv1", "hv2", 2),
                     0);
    /* The NB changes at once; the answer waits for the Southbound. */
    assert_int_equal(wait_results(h, &res, 1, 400), 0);
    assert_string_equal(lsp_get("mig.ns1", "options"),
                        "{activation-strategy=rarp, "
                        "requested-chassis=\"hv1,hv2\"}");
    sb_set_additional("mig.ns1", "hv2");
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.r[0].error, 0);
    assert_int_equal(res.r[0].op, OVNHOOK_OP_MIGRATION_START);

    /* Idempotent: again, and the SB already shows it. */
    res.n = 0;
    assert_int_equal(ovnhook_migration_start(h, "mig.ns1", "hv1", "hv2", 3),
                     0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.r[0].error, 0);

    /* Unblocked: both chassis, no activation strategy; then back. */
    res.n = 0;
    assert_int_equal(ovnhook_migration_start_unblocked(h, "mig.ns1", "hv1",
                                                       "hv2", 3), 0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.r[0].error, 0);
    assert_string_equal(lsp_get("mig.ns1", "options"),
                        "{requested-chassis=\"hv1,hv2\"}");
    assert_int_equal(ovnhook_migration_start_unblocked(h, "mig.ns1", "hv1",
                                                       "hv1", 0), -EINVAL);
    res.n = 0;
    assert_int_equal(ovnhook_migration_start(h, "mig.ns1", "hv1", "hv2", 3),
                     0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.r[0].error, 0);

    /* port_get sees both sides. */
    res.n = 0;
    assert_int_equal(ovnhook_port_get(h, "mig.ns1", 4), 0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.n_info, 1);
    const struct ovnhook_port_info *i = &res.info[0];
    assert_true(i->exists);
    assert_true(i->in_port_group);
    assert_string_equal(i->requested_chassis, "hv1,hv2");
    assert_string_equal(i->activation_strategy, "rarp");
    assert_string_equal(i->vm, "mig");
    assert_true(i->sb_known);
    assert_true(i->sb.exists);
    assert_string_equal(i->sb.chassis, "hv1");
    assert_int_equal(i->sb.n_additional, 1);
    assert_string_equal(i->sb.additional[0], "hv2");

    /* finish: the target alone. */
    res.n = 0;
    assert_int_equal(ovnhook_migration_finish(h, "mig.ns1", "hv2", 5), 0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.r[0].error, 0);
    assert_string_equal(lsp_get("mig.ns1", "options"),
                        "{requested-chassis=hv2}");
    assert_string_equal(lsp_get("mig.ns1", "external_ids:\"ovnmig:node\""),
                        "hv2");

    /* revert: back to the source. */
    res.n = 0;
    assert_int_equal(ovnhook_migration_revert(h, "mig.ns1", "hv1", 6), 0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.r[0].error, 0);
    assert_string_equal(lsp_get("mig.ns1", "options"),
                        "{requested-chassis=hv1}");

    /* A start superseded by a revert before the SB showed the target. */
    sb_set_additional("mig.ns1", NULL);
    res.n = 0;
    assert_int_equal(ovnhook_migration_start(h, "mig.ns1", "hv1", "hv2", 7),
                     0);
    assert_int_equal(wait_results(h, &res, 1, 300), 0);
    assert_int_equal(ovnhook_migration_revert(h, "mig.ns1", "hv1", 8), 0);
    assert_int_equal(wait_results(h, &res, 2, 5000), 2);
    assert_int_equal(res.r[0].cookie, 7);
    assert_int_equal(res.r[0].error, -ECANCELED);
    assert_int_equal(res.r[1].error, 0);

    /* Missing LSP, same chassis twice. */
    res.n = 0;
    assert_int_equal(ovnhook_migration_start(h, "nope.ns1", "hv1", "hv2", 9),
                     0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.r[0].error, -ENOENT);
    assert_int_equal(ovnhook_migration_start(h, "mig.ns1", "hv1", "hv1", 0),
                     -EINVAL);
    ovnhook_destroy(h);

    /* The target never binds: timeout, NB left for the engine to revert. */
    h = hook(&res, "hv1", "vmnet", 0, 300);
    assert_int_equal(ovnhook_migration_start(h, "mig.ns1", "hv1", "hv2", 10),
                     0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.r[0].error, -ETIMEDOUT);
    assert_true(res.r[0].elapsed_ms >= 300);
    assert_string_equal(lsp_get("mig.ns1", "options:requested-chassis"),
                        "\"hv1,hv2\"");
    ovnhook_destroy(h);
}

/* Kubernetes mode's move: the migration's UID recorded with the second
 * chassis, and a finalize that applies only for that UID (an old
 * migration's outcome replayed, or a node acting on stale facts, changes
 * nothing: -ESTALE). */
static void
test_migration_uid(void **state OVS_UNUSED)
{
    struct results res;
    struct ovnhook *h = hook(&res, "hv2", "vmnet", 0, 5000);
    struct ovnhook_port_spec s = spec("kmig", "0a:58:0a:64:00:0b",
                                      "10.100.0.11", "hv1");

    assert_int_equal(ovnhook_port_set(h, &s, 1), 0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    sb_binding("kmig.ns1");
    sb_set_additional("kmig.ns1", "hv2");
    assert_int_equal(ovnhook_migration_start_uid(h, "kmig.ns1", "hv1", "hv2",
                                                 "", 2), -EINVAL);

    res.n = 0;
    assert_int_equal(ovnhook_migration_start_uid(h, "kmig.ns1", "hv1", "hv2",
                                                 "uid-new", 2), 0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.r[0].error, 0);
    assert_string_equal(lsp_get("kmig.ns1",
                                "external_ids:\"ovnmig:migration-uid\""),
                        "uid-new");
    res.n = 0;
    assert_int_equal(ovnhook_port_get(h, "kmig.ns1", 3), 0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_string_equal(res.info[0].migration_uid, "uid-new");

    /* Another migration's outcome: refused, nothing changed. */
    res.n = 0;
    assert_int_equal(ovnhook_migration_end_if(h, "kmig.ns1", "hv1",
                                              "uid-old", 4), 0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.r[0].error, -ESTALE);
    assert_non_null(strstr(res.r[0].message, "uid-new"));
    assert_string_equal(lsp_get("kmig.ns1", "options:requested-chassis"),
                        "\"hv1,hv2\"");

    /* Its own: the target alone, the UID gone. */
    res.n = 0;
    assert_int_equal(ovnhook_migration_end_if(h, "kmig.ns1", "hv2",
                                              "uid-new", 5), 0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.r[0].error, 0);
    assert_string_equal(lsp_get("kmig.ns1", "options"),
                        "{requested-chassis=hv2}");
    assert_string_equal(lsp_get("kmig.ns1",
                                "external_ids:\"ovnmig:migration-uid\""),
                        "");

    /* Again (another node on the same facts): no UID recorded now. */
    res.n = 0;
    assert_int_equal(ovnhook_migration_end_if(h, "kmig.ns1", "hv2",
                                              "uid-new", 6), 0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.r[0].error, -ESTALE);
    ovnhook_destroy(h);
}

static void
test_limits(void **state OVS_UNUSED)
{
    struct results res;
    struct ovnhook *h = hook(&res, "hv1", "vmnet", 4, 0);
    struct ovnhook_port_spec s = spec("lim", "0a:58:0a:64:00:0b",
                                      "10.100.0.11", "hv1");
    int accepted = 0, full = 0;

    /* Nothing is answered while we do not run: the 5th is refused. */
    for (int i = 0; i < 10; i++) {
        int error = ovnhook_port_set(h, &s, i);
        accepted += !error;
        full += error == -ENOBUFS;
    }
    assert_true(accepted <= 4);
    assert_int_equal(accepted + full, 10);
    struct ovnhook_stats st;
    ovnhook_get_stats(h, &st);
    assert_int_equal(st.rejected_full, full);
    assert_int_equal(wait_results(h, &res, accepted, 5000), accepted);

    /* Bad arguments are refused at once. */
    struct ovnhook_port_spec bad = s;
    bad.mac = "zz";
    assert_int_equal(ovnhook_port_set(h, &bad, 0), -EINVAL);
    bad = s;
    bad.ipv4 = "10.0.0.300";
    assert_int_equal(ovnhook_port_set(h, &bad, 0), -EINVAL);
    bad = s;
    bad.ipv6 = "fd00::zz";
    assert_int_equal(ovnhook_port_set(h, &bad, 0), -EINVAL);
    bad = s;
    bad.node = "hv1,hv2";
    assert_int_equal(ovnhook_port_set(h, &bad, 0), -EINVAL);
    char longname[200];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    bad = s;
    bad.vm = longname;
    assert_int_equal(ovnhook_port_set(h, &bad, 0), -ENAMETOOLONG);
    assert_int_equal(ovnhook_port_delete(h, "", 0), -EINVAL);
    ovnhook_destroy(h);

    /* create refuses incomplete options. */
    struct ovnhook_options o = { .nb_remote = remote };
    assert_null(ovnhook_create(&o));
    assert_int_equal(errno, EINVAL);
    ovnhook_destroy(NULL);
}

static void
test_nb_unreachable(void **state OVS_UNUSED)
{
    struct results res = { .n = 0 };
    struct ovnhook_options o = {
        .nb_remote = "unix:/nonexistent/omh.sock", .chassis = "hv1",
        .switch_name = "vmnet", .request_timeout_ms = 300,
        .cb = { .done = on_done, .aux = &res },
    };
    struct ovnhook *h = ovnhook_create(&o);
    assert_non_null(h);
    assert_int_equal(ovnhook_ensure_infra(h, 1), 0);
    assert_int_equal(wait_results(h, &res, 1, 5000), 1);
    assert_int_equal(res.r[0].error, -ETIMEDOUT);
    assert_non_null(strstr(res.r[0].message, "not connected"));
    ovnhook_destroy(h);
}

int
main(void)
{
    static const char *const tools[] = {
        "ovsdb-server", "ovsdb-tool", "ovn-nbctl", "ovn-sbctl",
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acl_match),
        cmocka_unit_test(test_infra_idempotent),
        cmocka_unit_test(test_port_set),
        cmocka_unit_test(test_batching),
        cmocka_unit_test(test_delete),
        cmocka_unit_test(test_migration),
        cmocka_unit_test(test_migration_uid),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_nb_unreachable),
    };

    set_program_name("test-ovn-hooks");
    fatal_ignore_sigpipe();
    fatal_signal_init();
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_OFF);
    for (size_t i = 0; i < ARRAY_SIZE(tools); i++) {
        if (!have(tools[i])) {
            printf("SKIP: %s not found (apt-get install openvswitch-common "
                   "ovn-common)\n", tools[i]);
            return 77;
        }
    }
    return cmocka_run_group_tests(tests, server_start, server_stop);
}
