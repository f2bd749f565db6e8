/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for kube/client and kube/reflector against the Kubernetes API
 * stand-in (tests/kube/kube-standin: no real kube-apiserver runs on these
 * machines; the stand-in speaks its protocol, which tests/kube/
 * test-kube-standin.sh checks with kubectl).  Each test starts its own
 * stand-in on a free loopback port.  They need python3 and skip without.
 *
 * They check client-go's reflector semantics: list then watch from the
 * list's version with bookmarks; a 410 mid-watch makes a list from the
 * last version, which learns what the watch missed; a cut stream is
 * watched again from the last version without a list; a watch ended at
 * its timeout likewise; a server that lost its history (too large a
 * version) is listed afresh; selectors as a node agent uses them (pods by
 * spec.nodeName, VMIs by kubevirt.io/nodeName and
 * kubevirt.io/migrationTargetNodeName, VMIMs cluster-wide); the limits;
 * TLS with a CA and a rotating bearer token. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kube/client.h"
#include "kube/reflector.h"
#include "kube/stream.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/shash.h"
#include "timeval.h"
#include "util.h"

#define STANDIN TOP_SRCDIR "/tests/kube/kube-standin"

static struct event_base *base;
static char dir[64];
static const char *python;
static pid_t standin_pid;
static int standin_port;
static struct kube_client *client;

/* Test helpers: the stand-in. */

static bool
file_exists(const char *f)
{
    struct stat st;
    return !stat(f, &st);
}

/* Starts the stand-in on 'port' (0: any) with 'extra' arguments (NULL
 * terminated).  Returns its port. */
static int
standin_start(int port, const char *const *extra)
{
    char port_file[128], port_arg[16], log[128];
    const char *argv[32];
    int n = 0;

    snprintf(port_file, sizeof port_file, "%s/port", dir);
    snprintf(log, sizeof log, "%s/standin.log", dir);
    snprintf(port_arg, sizeof port_arg, "%d", port);
    unlink(port_file);
    argv[n++] = python;
    argv[n++] = STANDIN;
    argv[n++] = "--port";
    argv[n++] = port_arg;
    argv[n++] = "--port-file";
    argv[n++] = port_file;
    argv[n++] = "--bookmark-interval";
    argv[n++] = "0";
    argv[n++] = "--kubelet-delay";
    argv[n++] = "0.05";
    for (; extra && *extra; extra++) {
        argv[n++] = *extra;
    }
    argv[n] = NULL;

    standin_pid = fork();
    assert_true(standin_pid >= 0);
    if (!standin_pid) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execvp(argv[0], (char **) argv);
        _exit(127);
    }
    for (int i = 0; i < 200 && !file_exists(port_file); i++) {
        usleep(20000);
    }
    FILE *f = fopen(port_file, "r");
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%d", &standin_port), 1);
    fclose(f);
    return standin_port;
}

static void
standin_stop(void)
{
    if (standin_pid > 0) {
        kill(standin_pid, SIGTERM);
        waitpid(standin_pid, NULL, 0);
        standin_pid = 0;
    }
}

/* Runs the loop until 'cond' holds or 'ms' pass.  Returns cond(). */
static bool
run_until(bool (*cond)(void *), void *aux, int ms)
{
    long long int deadline = time_msec() + ms;

    while (!cond(aux) && time_msec() < deadline) {
        struct timeval tv = { 0, 10 * 1000 };
        event_base_loopexit(base, &tv);
        event_base_dispatch(base);
    }
    return cond(aux);
}

static bool
never(void *aux OVS_UNUSED)
{
    return false;
}

static void
run_for(int ms)
{
    run_until(never, NULL, ms);
}

struct call {
    bool done;
    int error;
    int status;
    struct json *reply;
    char *why;
};

static void
call_cb(void *call_, int error, int status, const struct json *body,
        const char *why)
{
    struct call *call = call_;
    call->done = true;
    call->error = error;
    call->status = status;
    call->reply = body ? json_clone(body) : NULL;
    call->why = nullable_xstrdup(why);
}

static bool
call_done(void *call_)
{
    return ((struct call *) call_)->done;
}

/* A request through 'c'; returns the HTTP status (or the negative
 * error), and the reply in '*reply' if not NULL. */
static int
api_on(struct kube_client *c, const char *method, const char *path,
       const char *ctype, const char *body, struct json **reply)
{
    struct json *json = body ? json_from_string(body) : NULL;
    struct kube_request *req;
    struct call call = { .done = false };

    assert_true(!json || json->type != JSON_STRING);
    assert_int_equal(kube_request_json(c, method, path, ctype, json, 10000,
                                       call_cb, &call, &req), 0);
    json_destroy(json);
    assert_true(run_until(call_done, &call, 15000));
    if (reply) {
        *reply = call.reply;
    } else {
        json_destroy(call.reply);
    }
    free(call.why);
    return call.error ? call.error : call.status;
}

static int
api(const char *method, const char *path, const char *ctype,
    const char *body, struct json **reply)
{
    return api_on(client, method, path, ctype, body, reply);
}

static void
create(const char *path, const char *body)
{
    assert_int_equal(api("POST", path, "application/json", body, NULL), 201);
}

static void
merge_patch(const char *path, const char *body)
{
    assert_int_equal(api("PATCH", path, "application/merge-patch+json", body,
                         NULL), 200);
}

static void
control(const char *what)
{
    assert_int_equal(api("POST", what, NULL, NULL, NULL), 200);
}

#define POD_BODY(NAME, NODE, LABELS) \
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" \
    NAME "\",\"labels\":{" LABELS "}},\"spec\":{\"nodeName\":\"" NODE \
    "\",\"containers\":[{\"name\":\"compute\",\"image\":\"virt-launcher\"}]}}"
#define LAUNCHER "\"kubevirt.io\":\"virt-launcher\""

static void
create_pod(const char *ns, const char *body)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/pods", ns);
    create(path, body);
}

/* The request log's queries for 'path' (one per line), since the last
 * clear. */
static char *
requests_to(const char *path)
{
    struct json *reply;
    struct ds s = DS_EMPTY_INITIALIZER;

    assert_int_equal(api("GET", "/standin/requests", NULL, NULL, &reply),
                     200);
    const struct json *list = kube_json_get(reply, "requests");
    assert_non_null(list);
    for (size_t i = 0; i < json_array(list)->n; i++) {
        const struct json *r = json_array(list)->elems[i];
        if (!strcmp(kube_json_string(r, "path"), path)) {
            ds_put_format(&s, "%s\n", kube_json_string(r, "query"));
        }
    }
    json_destroy(reply);
    return ds_steal_cstr(&s);
}

static char *
current_rv(void)
{
    struct json *reply;
    assert_int_equal(api("GET", "/standin/requests", NULL, NULL, &reply),
                     200);
    char *rv = xstrdup(kube_json_string(reply, "resourceVersion"));
    json_destroy(reply);
    return rv;
}

/* The test's own mirror, from the reflector's callbacks. */
struct mirror {
    struct shash objects;       /* "ns/name" -> resourceVersion. */
    int updates, removes;
    int removes_unknown;        /* Without the object (inferred). */
    int synced;
    struct kube_reflector *r;
    bool destroy_in_update;
};

static void
mirror_update(void *m_, const struct kube_meta *meta, const struct json *obj)
{
    struct mirror *m = m_;
    char *key = xasprintf("%s/%s", meta->namespace_, meta->name);

    assert_non_null(obj);
    assert_string_equal(kube_json_string(kube_json_get(obj, "metadata"),
                                         "name"), meta->name);
    free(shash_replace(&m->objects, key, xstrdup(meta->resource_version)));
    free(key);
    m->updates++;
    if (m->destroy_in_update) {
        kube_reflector_destroy(m->r);
        m->r = NULL;
    }
}

static void
mirror_remove(void *m_, const struct kube_meta *meta, const struct json *obj)
{
    struct mirror *m = m_;
    char *key = xasprintf("%s/%s", meta->namespace_, meta->name);

    free(shash_find_and_delete_assert(&m->objects, key));
    free(key);
    m->removes++;
    m->removes_unknown += !obj;
}

static void
mirror_synced(void *m_)
{
    ((struct mirror *) m_)->synced++;
}

static const struct kube_reflector_cbs mirror_cbs = {
    .update = mirror_update,
    .remove = mirror_remove,
    .synced = mirror_synced,
};

static void
mirror_start(struct mirror *m, const struct kube_reflector_spec *spec)
{
    memset(m, 0, sizeof *m);
    shash_init(&m->objects);
    m->r = kube_reflector_create(client, spec, &mirror_cbs, m);
}

static void
mirror_stop(struct mirror *m)
{
    kube_reflector_destroy(m->r);
    shash_destroy_free_data(&m->objects);
}

/* "ns/a ns/b" for the mirror's keys, sorted. */
static char *
mirror_keys(const struct mirror *m)
{
    const struct shash_node **nodes = shash_sort(&m->objects);
    struct ds s = DS_EMPTY_INITIALIZER;

    for (size_t i = 0; i < shash_count(&m->objects); i++) {
        ds_put_format(&s, "%s%s", i ? " " : "", nodes[i]->name);
    }
    free(nodes);
    return ds_steal_cstr(&s);
}

static void
assert_mirror(const struct mirror *m, const char *keys)
{
    char *have = mirror_keys(m);
    assert_string_equal(have, keys);
    free(have);
}

struct mirror_wait {
    const struct mirror *m;
    const char *keys;
};

static bool
mirror_is(void *w_)
{
    struct mirror_wait *w = w_;
    char *have = mirror_keys(w->m);
    bool same = !strcmp(have, w->keys);
    free(have);
    return same;
}

static void
wait_mirror(const struct mirror *m, const char *keys)
{
    struct mirror_wait w = { m, keys };
    if (!run_until(mirror_is, &w, 10000)) {
        assert_mirror(m, keys);
    }
}

static struct kube_reflector_stats
stats_of(const struct mirror *m)
{
    struct kube_reflector_stats s;
    kube_reflector_get_stats(m->r, &s);
    return s;
}

static bool
is_synced(void *m_)
{
    return stats_of(m_).synced;
}

static bool
is_watching(void *m_)
{
    return stats_of(m_).watching;
}

/* Waits until the reflector has a watch open at the stand-in too. */
static void
wait_watching(struct mirror *m)
{
    assert_true(run_until(is_watching, m, 10000));
    for (int i = 0; i < 100; i++) {
        struct json *reply;
        assert_int_equal(api("GET", "/standin/watches", NULL, NULL, &reply),
                         200);
        size_t n = json_array(kube_json_get(reply, "watches"))->n;
        json_destroy(reply);
        if (n) {
            return;
        }
        run_for(20);
    }
    fail_msg("the stand-in never saw the watch");
}

/* Setup and teardown: a stand-in and a client for each test. */

static int
setup(void **state)
{
    if (!python) {
        return 0;
    }
    standin_start(0, NULL);
    char *url = xasprintf("http://127.0.0.1:%d", standin_port);
    struct kube_config config = { .server = url };
    char *error;
    assert_int_equal(kube_client_create(base, &config, &client, &error), 0);
    free(url);
    return 0;
}

static int
teardown(void **state)
{
    kube_client_destroy(client);
    client = NULL;
    standin_stop();
    return 0;
}

#define NEED_PYTHON() do { if (!python) { skip(); } } while (0)

/* Tests. */

static void
test_list_then_watch(void **state)
{
    NEED_PYTHON();
    create_pod("default", POD_BODY("a", "node1", LAUNCHER));
    create_pod("default", POD_BODY("b", "node1", LAUNCHER));
    create_pod("default", POD_BODY("c", "node2", LAUNCHER));
    create_pod("default", POD_BODY("d", "node1", "\"app\":\"other\""));
    create("/api/v1/namespaces", "{\"metadata\":{\"name\":\"ns2\"}}");
    create_pod("ns2", POD_BODY("e", "node1", LAUNCHER));

    struct kube_reflector_spec spec = {
        .name = "pods", .path = "/api/v1/pods",
        .field_selector = "spec.nodeName=node1",
        .label_selector = "kubevirt.io=virt-launcher",
    };
    struct mirror m;
    mirror_start(&m, &spec);
    assert_true(run_until(is_synced, &m, 10000));
    assert_mirror(&m, "default/a default/b ns2/e");
    assert_int_equal(m.synced, 1);

    /* As client-go: the first list at resourceVersion 0, paged; then a
     * watch from the list's version, with bookmarks. */
    wait_watching(&m);
    char *lists = requests_to("/api/v1/pods");
    assert_non_null(strstr(lists, "resourceVersion=0&limit=500&"
                           "labelSelector=kubevirt.io%3Dvirt-launcher&"
                           "fieldSelector=spec.nodeName%3Dnode1\n"));
    char *want = xasprintf("watch=1&allowWatchBookmarks=true&"
                           "timeoutSeconds=");
    assert_non_null(strstr(lists, want));
    free(want);
    want = xasprintf("&resourceVersion=%s&", kube_reflector_resource_version(
                         m.r));
    assert_non_null(strstr(lists, want));
    free(want);
    free(lists);

    /* Changes come through the watch. */
    create_pod("default", POD_BODY("f", "node1", LAUNCHER));
    wait_mirror(&m, "default/a default/b default/f ns2/e");
    merge_patch("/api/v1/namespaces/default/pods/d",
                "{\"metadata\":{\"labels\":{\"kubevirt.io\":"
                "\"virt-launcher\"}}}");
    wait_mirror(&m, "default/a default/b default/d default/f ns2/e");
    assert_int_equal(api("DELETE", "/api/v1/namespaces/default/pods/a", NULL,
                         NULL, NULL), 200);
    wait_mirror(&m, "default/b default/d default/f ns2/e");
    assert_int_equal(m.removes, 1);
    assert_int_equal(m.removes_unknown, 0);

    struct kube_reflector_stats s = stats_of(&m);
    assert_int_equal(s.lists, 1);
    assert_int_equal(s.watches, 1);
    assert_int_equal(s.objects, 4);
    char *rv = current_rv();
    assert_string_equal(kube_reflector_resource_version(m.r), rv);
    free(rv);
    mirror_stop(&m);
}

static void
test_paged_list(void **state)
{
    NEED_PYTHON();
    for (int i = 0; i < 5; i++) {
        char body[512];
        snprintf(body, sizeof body, "{\"metadata\":{\"name\":\"vm%d\","
                 "\"labels\":{\"kubevirt.io/nodeName\":\"node1\"}},"
                 "\"spec\":{}}", i);
        create("/apis/kubevirt.io/v1/namespaces/default/"
               "virtualmachineinstances", body);
    }
    /* A list at a given version is paged (at 0 the server ignores the
     * limit, as the watch cache does): start from one. */
    struct kube_reflector_spec spec = {
        .name = "vmis", .path = "/apis/kubevirt.io/v1/virtualmachineinstances",
        .label_selector = "kubevirt.io/nodeName=node1",
        .list_page_size = 2,
    };
    struct mirror m;
    mirror_start(&m, &spec);
    assert_true(run_until(is_synced, &m, 10000));
    assert_mirror(&m, "default/vm0 default/vm1 default/vm2 default/vm3 "
                  "default/vm4");

    /* Relist after a 410: from the last version, so paged. */
    wait_watching(&m);
    assert_int_equal(api("DELETE", "/standin/requests", NULL, NULL, NULL),
                     200);
    control("/standin/watches/expire");
    struct kube_reflector_stats s;
    for (int i = 0; i < 500 && (s = stats_of(&m)).lists < 2; i++) {
        run_for(10);
    }
    assert_int_equal(s.lists, 2);
    char *q = requests_to("/apis/kubevirt.io/v1/virtualmachineinstances");
    assert_non_null(strstr(q, "continue="));
    assert_non_null(strstr(q, "&limit=2"));
    free(q);
    assert_int_equal(m.updates, 5);     /* Unchanged objects not again. */
    mirror_stop(&m);
}

/* A 410 in the middle of a watch: list again, from the last version,
 * after a back-off; what changed meanwhile comes from that list,
 * deletions included (inferred: no last state). */
static void
test_expired_mid_watch(void **state)
{
    NEED_PYTHON();
    create_pod("default", POD_BODY("a", "node1", LAUNCHER));
    create_pod("default", POD_BODY("b", "node1", LAUNCHER));
    struct kube_reflector_spec spec = {
        .name = "pods", .path = "/api/v1/pods",
        .field_selector = "spec.nodeName=node1",
        .backoff_initial_ms = 1000,
    };
    struct mirror m;
    mirror_start(&m, &spec);
    assert_true(run_until(is_synced, &m, 10000));
    wait_watching(&m);
    char *rv_before = xstrdup(kube_reflector_resource_version(m.r));

    control("/standin/compact");
    control("/standin/watches/expire");
    struct kube_reflector_stats s;
    for (int i = 0; i < 500 && !(s = stats_of(&m)).watch_failures; i++) {
        run_for(5);
    }
    assert_int_equal(s.watch_failures, 1);
    assert_int_equal(s.relists_expired, 1);
    assert_false(s.watching);

    /* Within the back-off, with no watch open: only a list can tell. */
    assert_int_equal(api("DELETE", "/api/v1/namespaces/default/pods/a"
                         "?gracePeriodSeconds=0", NULL, NULL, NULL), 200);
    create_pod("default", POD_BODY("c", "node1", LAUNCHER));
    assert_int_equal(api("DELETE", "/standin/requests", NULL, NULL, NULL),
                     200);
    wait_mirror(&m, "default/b default/c");
    assert_int_equal(m.removes_unknown, 1);
    s = stats_of(&m);
    assert_int_equal(s.lists, 2);

    /* The list asked for the last version seen, not 0 nor "". */
    char *q = requests_to("/api/v1/pods");
    char *want = xasprintf("resourceVersion=%s&limit=500", rv_before);
    assert_non_null(strstr(q, want));
    free(want);
    free(q);
    free(rv_before);

    /* And the watch goes on. */
    wait_watching(&m);
    create_pod("default", POD_BODY("d", "node1", LAUNCHER));
    wait_mirror(&m, "default/b default/c default/d");
    mirror_stop(&m);
}

/* A stream cut mid-way (no terminating chunk): watch again from the last
 * version -- no list -- and lose nothing. */
static void
test_cut_stream(void **state)
{
    NEED_PYTHON();
    struct kube_reflector_spec spec = {
        .name = "vmims",
        .path = "/apis/kubevirt.io/v1/virtualmachineinstancemigrations",
    };
    struct mirror m;
    mirror_start(&m, &spec);
    assert_true(run_until(is_synced, &m, 10000));
    wait_watching(&m);

    /* A bookmark first: the watch is then not "very short". */
    create("/api/v1/namespaces", "{\"metadata\":{\"name\":\"other\"}}");
    control("/standin/watches/bookmark");
    struct kube_reflector_stats s;
    for (int i = 0; i < 500 && !(s = stats_of(&m)).bookmarks; i++) {
        run_for(5);
    }
    assert_int_equal(s.bookmarks, 1);
    char *rv = current_rv();
    assert_string_equal(kube_reflector_resource_version(m.r), rv);
    free(rv);

    control("/standin/watches/cut");
    create("/apis/kubevirt.io/v1/namespaces/default/"
           "virtualmachineinstancemigrations",
           "{\"metadata\":{\"name\":\"mig1\"},"
           "\"spec\":{\"vmiName\":\"vm1\"}}");
    create("/apis/kubevirt.io/v1/namespaces/other/"
           "virtualmachineinstancemigrations",
           "{\"metadata\":{\"name\":\"mig2\"},"
           "\"spec\":{\"vmiName\":\"vm2\"}}");
    wait_mirror(&m, "default/mig1 other/mig2");
    s = stats_of(&m);
    assert_int_equal(s.lists, 1);
    assert_int_equal(s.watches, 2);
    assert_int_equal(s.watch_ends, 1);
    assert_int_equal(s.watch_failures, 0);
    mirror_stop(&m);
}

/* The server ends the watch at timeoutSeconds: watch again, no list. */
static void
test_watch_timeout(void **state)
{
    NEED_PYTHON();
    struct kube_reflector_spec spec = {
        .name = "leases",
        .path = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/"
                "leases",
        .watch_timeout_s = 1,
    };
    struct mirror m;
    mirror_start(&m, &spec);
    assert_true(run_until(is_synced, &m, 10000));
    run_for(3500);
    struct kube_reflector_stats s = stats_of(&m);
    assert_int_equal(s.lists, 1);
    assert_true(s.watches >= 3);
    assert_true(s.watch_ends >= 2);
    mirror_stop(&m);
}

/* What a node agent watches: VMIs on this node and VMIs migrating to it,
 * by the labels virt-handler uses.  A VMI that loses the target label
 * leaves the target watch (DELETED, with its last state). */
static void
test_vmi_selectors(void **state)
{
    NEED_PYTHON();
    static const char *vmis =
        "/apis/kubevirt.io/v1/namespaces/default/virtualmachineinstances";
    create(vmis, "{\"metadata\":{\"name\":\"vm1\",\"labels\":"
           "{\"kubevirt.io/nodeName\":\"node1\"}},\"spec\":{}}");
    create(vmis, "{\"metadata\":{\"name\":\"vm2\",\"labels\":"
           "{\"kubevirt.io/nodeName\":\"node2\"}},\"spec\":{}}");

    struct kube_reflector_spec on_node = {
        .name = "vmis", .path = "/apis/kubevirt.io/v1/virtualmachineinstances",
        .label_selector = "kubevirt.io/nodeName=node2",
    };
    struct kube_reflector_spec to_node = {
        .name = "vmis-target",
        .path = "/apis/kubevirt.io/v1/virtualmachineinstances",
        .label_selector = "kubevirt.io/migrationTargetNodeName=node2",
    };
    struct mirror on, to;
    mirror_start(&on, &on_node);
    mirror_start(&to, &to_node);
    assert_true(run_until(is_synced, &on, 10000));
    assert_true(run_until(is_synced, &to, 10000));
    wait_watching(&on);
    wait_watching(&to);
    assert_mirror(&on, "default/vm2");
    assert_mirror(&to, "");

    /* vm1 migrates from node1 to node2. */
    merge_patch("/apis/kubevirt.io/v1/namespaces/default/"
                "virtualmachineinstances/vm1",
                "{\"metadata\":{\"labels\":{"
                "\"kubevirt.io/migrationTargetNodeName\":\"node2\"}}}");
    wait_mirror(&to, "default/vm1");
    merge_patch("/apis/kubevirt.io/v1/namespaces/default/"
                "virtualmachineinstances/vm1",
                "{\"metadata\":{\"labels\":{"
                "\"kubevirt.io/migrationTargetNodeName\":null,"
                "\"kubevirt.io/nodeName\":\"node2\"}}}");
    wait_mirror(&to, "");
    wait_mirror(&on, "default/vm1 default/vm2");
    assert_int_equal(to.removes, 1);
    assert_int_equal(to.removes_unknown, 0);
    mirror_stop(&on);
    mirror_stop(&to);
}

/* The stand-in restarts with no history (as an API server whose etcd was
 * restored): the watch from our version is refused as too large, and so
 * is a list at it; a list without a version brings the mirror back in
 * line, removing what the new server does not have. */
static void
test_server_lost_history(void **state)
{
    NEED_PYTHON();
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "old%d", i);
        char *body = xasprintf(POD_BODY("%s", "node1", LAUNCHER), name);
        create_pod("default", body);
        free(body);
    }
    struct kube_reflector_spec spec = {
        .name = "pods", .path = "/api/v1/pods",
        .backoff_initial_ms = 50, .backoff_max_ms = 200,
    };
    struct mirror m;
    mirror_start(&m, &spec);
    assert_true(run_until(is_synced, &m, 10000));
    wait_watching(&m);

    int port = standin_port;
    standin_stop();
    run_for(300);               /* Refused while it is down. */
    standin_start(port, NULL);
    create_pod("default", POD_BODY("new", "node1", LAUNCHER));
    wait_mirror(&m, "default/new");
    struct kube_reflector_stats s = stats_of(&m);
    assert_true(s.relists_expired >= 1);
    assert_true(s.watch_failures >= 1);
    assert_int_equal(m.removes_unknown, 5);
    wait_watching(&m);
    create_pod("default", POD_BODY("newer", "node1", LAUNCHER));
    wait_mirror(&m, "default/new default/newer");
    mirror_stop(&m);
}

/* At most max_objects: a new one beyond is refused and counted; an
 * oversize object is skipped and counted; the others are followed. */
static void
test_limits(void **state)
{
    NEED_PYTHON();
    struct ds big = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&big, "{\"metadata\":{\"name\":\"big\",\"annotations\":"
                "{\"a\":\"");
    for (int i = 0; i < 2000; i++) {
        ds_put_char(&big, 'x');
    }
    ds_put_cstr(&big, "\"}},\"spec\":{\"containers\":[{\"name\":\"c\","
                "\"image\":\"i\"}]}}");
    create_pod("default", ds_cstr(&big));
    create_pod("default", POD_BODY("a", "node1", LAUNCHER));
    create_pod("default", POD_BODY("b", "node1", LAUNCHER));

    struct kube_reflector_spec spec = {
        .name = "pods", .path = "/api/v1/namespaces/default/pods",
        .max_objects = 2, .max_object_size = 1500,
    };
    struct mirror m;
    mirror_start(&m, &spec);
    assert_true(run_until(is_synced, &m, 10000));
    assert_mirror(&m, "default/a default/b");
    struct kube_reflector_stats s = stats_of(&m);
    assert_int_equal(s.oversize, 1);
    assert_int_equal(s.refused, 0);

    wait_watching(&m);
    create_pod("default", POD_BODY("c", "node1", LAUNCHER));
    merge_patch("/api/v1/namespaces/default/pods/big",
                "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}");
    merge_patch("/api/v1/namespaces/default/pods/a",
                "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}");
    for (int i = 0; i < 500 && stats_of(&m).modified < 1; i++) {
        run_for(10);
    }
    s = stats_of(&m);
    assert_int_equal(s.refused, 1);
    assert_int_equal(s.oversize, 2);
    assert_int_equal(s.modified, 1);
    assert_mirror(&m, "default/a default/b");
    mirror_stop(&m);
    ds_destroy(&big);
}

/* A reflector destroyed from its own callback. */
static void
test_destroy_in_callback(void **state)
{
    NEED_PYTHON();
    create_pod("default", POD_BODY("a", "node1", LAUNCHER));
    create_pod("default", POD_BODY("b", "node1", LAUNCHER));
    struct kube_reflector_spec spec = {
        .name = "pods", .path = "/api/v1/pods",
    };
    struct mirror m;
    mirror_start(&m, &spec);
    m.destroy_in_update = true;
    run_for(1000);
    assert_int_equal(m.updates, 1);
    assert_null(m.r);
    shash_destroy_free_data(&m.objects);
}

static bool
run_openssl(const char *args)
{
    char *cmd = xasprintf("cd %s && openssl %s >>openssl.log 2>&1", dir,
                          args);
    bool ok = !system(cmd);
    free(cmd);
    return ok;
}

static void
write_file(const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(path);
}

/* TLS with the cluster's CA, and a bearer token read at each request. */
static void
test_tls_and_token(void **state)
{
    NEED_PYTHON();
    if (!run_openssl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
                     "-nodes -days 1 -subj /CN=kube-standin -keyout key.pem "
                     "-out cert.pem -addext subjectAltName=IP:127.0.0.1")) {
        skip();
    }
    teardown(state);
    write_file("token", "token-1\n");
    char *cert = xasprintf("%s/cert.pem", dir);
    char *key = xasprintf("%s/key.pem", dir);
    char *token = xasprintf("%s/token", dir);
    const char *args[] = { "--tls-cert", cert, "--tls-key", key,
                           "--token", token, NULL };
    standin_start(0, args);

    struct kube_config config = {
        .server = xasprintf("https://127.0.0.1:%d", standin_port),
        .ca_file = xstrdup(cert),
        .token_file = xasprintf("%s/client-token", dir),
    };
    char *error;
    write_file("client-token", "token-1");
    assert_int_equal(kube_client_create(base, &config, &client, &error), 0);
    assert_int_equal(api("GET", "/api/v1/namespaces/default/pods", NULL,
                         NULL, NULL), 200);

    /* Rotated on both sides: the next request carries the new one. */
    write_file("token", "token-2");
    assert_int_equal(api("GET", "/api/v1/pods", NULL, NULL, NULL), 401);
    write_file("client-token", "token-2\n");
    assert_int_equal(api("GET", "/api/v1/pods", NULL, NULL, NULL), 200);

    struct kube_reflector_spec spec = {
        .name = "pods", .path = "/api/v1/pods",
    };
    struct mirror m;
    mirror_start(&m, &spec);
    assert_true(run_until(is_synced, &m, 10000));
    wait_watching(&m);
    create_pod("default", POD_BODY("a", "node1", LAUNCHER));
    wait_mirror(&m, "default/a");
    mirror_stop(&m);

    /* The same through a kubeconfig: CA and token inline. */
    assert_true(run_openssl("base64 -A -in cert.pem -out cert.b64"));
    char *b64_path = xasprintf("%s/cert.b64", dir);
    FILE *f = fopen(b64_path, "r");
    char b64[8192] = "";
    assert_non_null(f);
    assert_non_null(fgets(b64, sizeof b64, f));
    fclose(f);
    free(b64_path);
    char *kubeconfig = xasprintf(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters:\n- name: s\n  cluster:\n"
        "    server: https://127.0.0.1:%d\n"
        "    certificate-authority-data: %s\n"
        "contexts:\n- name: c\n  context: {cluster: s, user: u}\n"
        "users:\n- name: u\n  user: {token: token-2}\n",
        standin_port, b64);
    struct kube_config from_file;
    assert_int_equal(kube_kubeconfig_parse(kubeconfig, strlen(kubeconfig),
                                           NULL, dir, &from_file, &error),
                     0);
    free(kubeconfig);
    struct kube_client *by_kubeconfig;
    assert_int_equal(kube_client_create(base, &from_file, &by_kubeconfig,
                                        &error), 0);
    assert_int_equal(api_on(by_kubeconfig, "GET", "/api/v1/pods", NULL, NULL,
                            NULL), 200);
    kube_client_destroy(by_kubeconfig);
    kube_config_destroy(&from_file);

    /* The system's CAs do not know the stand-in's: refused. */
    struct kube_client *untrusting;
    free(config.ca_file);
    config.ca_file = NULL;
    assert_int_equal(kube_client_create(base, &config, &untrusting, &error),
                     0);
    int rc = api_on(untrusting, "GET", "/api/v1/pods", NULL, NULL, NULL);
    assert_int_equal(rc, -EPROTO);
    kube_client_destroy(untrusting);

    /* Nor does a trusted certificate for another name. */
    assert_true(run_openssl("req -x509 -newkey ec -pkeyopt "
                            "ec_paramgen_curve:P-256 -nodes -days 1 "
                            "-subj /CN=other -keyout key2.pem -out cert2.pem "
                            "-addext subjectAltName=DNS:other.example"));
    teardown(state);
    char *cert2 = xasprintf("%s/cert2.pem", dir);
    char *key2 = xasprintf("%s/key2.pem", dir);
    const char *args2[] = { "--tls-cert", cert2, "--tls-key", key2, NULL };
    standin_start(0, args2);
    kube_config_destroy(&config);
    config.server = xasprintf("https://127.0.0.1:%d", standin_port);
    config.ca_file = xstrdup(cert2);
    assert_int_equal(kube_client_create(base, &config, &client, &error), 0);
    rc = api("GET", "/api/v1/pods", NULL, NULL, NULL);
    assert_int_equal(rc, -EPROTO);
    free(cert2);
    free(key2);

    kube_config_destroy(&config);
    free(cert);
    free(key);
    free(token);
}

static void
test_config_errors(void **state)
{
    static const char *bad[] = {
        "http://10.96.0.1",             /* Plain HTTP, not loopback. */
        "ftp://127.0.0.1",
        "https://",
        "https://[::1",
        "https://host:0",
        "https://host:65536",
        "https://host:x",
        "https://host?x",
        "",
    };
    struct kube_client *c;
    char *error;

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct kube_config config = { .server = CONST_CAST(char *, bad[i]) };
        assert_int_equal(kube_client_create(base, &config, &c, &error),
                         -EINVAL);
        assert_non_null(error);
        assert_null(c);
        free(error);
    }
    struct kube_config config = {
        .server = CONST_CAST(char *, "https://127.0.0.1:6443"),
        .ca_file = CONST_CAST(char *, "/nonexistent/ca.crt"),
    };
    assert_int_equal(kube_client_create(base, &config, &c, &error), -EINVAL);
    assert_non_null(strstr(error, "/nonexistent/ca.crt"));
    free(error);

    /* In a pod. */
    char *sa = xasprintf("%s/sa", dir);
    mkdir(sa, 0700);
    unsetenv("KUBERNETES_SERVICE_HOST");
    assert_int_equal(kube_config_in_cluster(sa, &config, &error), -ENOENT);
    free(error);
    setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    assert_int_equal(kube_config_in_cluster(sa, &config, &error), -ENOENT);
    assert_non_null(strstr(error, "/sa/token"));
    free(error);
    write_file("sa/token", "t");
    write_file("sa/ca.crt", "c");
    assert_int_equal(kube_config_in_cluster(sa, &config, &error), 0);
    assert_string_equal(config.server, "https://[fd00::1]:443");
    kube_config_destroy(&config);
    free(sa);
}

/* A server that is not there: refused, with a reason. */
static void
test_connection_refused(void **state)
{
    NEED_PYTHON();
    standin_stop();
    struct kube_request *req;
    struct call call = { .done = false };
    assert_int_equal(kube_request_json(client, "GET", "/api", NULL, NULL,
                                       5000, call_cb, &call, &req), 0);
    assert_true(run_until(call_done, &call, 10000));
    assert_int_equal(call.error, -ECONNREFUSED);
    assert_non_null(strstr(call.why, "refused"));
    free(call.why);
}

int
main(void)
{
    static const char *const pythons[] = { "/usr/bin/python3", "python3" };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_then_watch, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_paged_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_mid_watch, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cut_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vmi_selectors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_lost_history, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_in_callback, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tls_and_token, setup, teardown),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test_setup_teardown(test_connection_refused, setup,
                                        teardown),
    };

    signal(SIGPIPE, SIG_IGN);
    for (size_t i = 0; i < ARRAY_SIZE(pythons) && !python; i++) {
        char *cmd = xasprintf("%s -c 'import http.server' >/dev/null 2>&1",
                              pythons[i]);
        if (!system(cmd)) {
            python = pythons[i];
        }
        free(cmd);
    }
    if (!python) {
        printf("python3 not found (apt-get install python3): the tests "
               "against the Kubernetes API stand-in are skipped\n");
    }
    snprintf(dir, sizeof dir, "/tmp/test-kube-reflector.XXXXXX");
    assert_non_null(mkdtemp(dir));
    base = event_base_new();
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    event_base_free(base);
    char *cmd = xasprintf("rm -rf %s", dir);
    if (system(cmd)) {
        rc = rc ? rc : 1;
    }
    free(cmd);
    if (!python) {
        printf("SKIP: python3 not found (apt-get install python3)\n");
        return 77;
    }
    return rc;
}
