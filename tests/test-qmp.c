/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for migrate/qmp: the message classifier on good and hostile
 * JSON, then the client against a real QEMU (-machine none, which needs no
 * privileges and starts at once); those tests skip when QEMU is missing. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migrate/qmp.h"
#include "openvswitch/json.h"
#include "openvswitch/shash.h"

#define QEMU "/usr/bin/qemu-system-x86_64"

static enum qmp_msg_type
classify(const char *text, struct qmp_msg *msg)
{
    struct json *json = json_from_string(text);
    enum qmp_msg_type type = qmp_classify(json, msg);
    json_destroy(json);
    return type;
}

static void
test_classify(void **state)
{
    struct qmp_msg m;
    struct json *json;

    assert_int_equal(classify("{\"QMP\": {\"version\": {}}}", &m),
                     QMP_MSG_GREETING);

    json = json_from_string("{\"return\": {\"status\": \"running\"}, "
                            "\"id\": 7}");
    assert_int_equal(qmp_classify(json, &m), QMP_MSG_RETURN);
    assert_int_equal(m.id, 7);
    assert_int_equal(m.value->type, JSON_OBJECT);
    json_destroy(json);

    json = json_from_string("{\"error\": {\"class\": \"GenericError\", "
                            "\"desc\": \"no\"}, \"id\": 3}");
    assert_int_equal(qmp_classify(json, &m), QMP_MSG_ERROR);
    assert_string_equal(m.error_class, "GenericError");
    assert_string_equal(m.error_desc, "no");
    assert_int_equal(m.id, 3);
    json_destroy(json);

    json = json_from_string("{\"event\": \"RESUME\", \"timestamp\": "
                            "{\"seconds\": 10, \"microseconds\": 500000}}");
    assert_int_equal(qmp_classify(json, &m), QMP_MSG_EVENT);
    assert_string_equal(m.event, "RESUME");
    assert_null(m.value);
    assert_true(m.timestamp > 10.49 && m.timestamp < 10.51);
    json_destroy(json);
}

static void
test_classify_hostile(void **state)
{
    struct qmp_msg m;
    static const char *bad[] = {
        "[1, 2]", "\"return\"", "42", "null", "{}",
        "{\"error\": {\"class\": \"X\"}, \"id\": 1}",
        "{\"error\": \"oops\", \"id\": 1}",
        "{\"event\": 5}",
        "{\"event\": [\"STOP\"]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(classify(bad[i], &m), QMP_MSG_INVALID);
    }
    assert_int_equal(qmp_classify(NULL, &m), QMP_MSG_INVALID);

    /* A non-integer id is no id; the message still classifies. */
    assert_int_equal(classify("{\"return\": {}, \"id\": \"x\"}", &m),
                     QMP_MSG_RETURN);
    assert_int_equal(m.id, -1);
    /* A timestamp of the wrong shape is ignored, not trusted. */
    assert_int_equal(classify("{\"event\": \"STOP\", \"timestamp\": "
                              "{\"seconds\": \"1\"}}", &m), QMP_MSG_EVENT);
    assert_true(m.timestamp == 0);
}

/* A real QEMU with nothing but its QMP monitor. */
struct qemu {
    pid_t pid;
    char dir[64];
    char sock[128];
    struct event_base *base;
    struct qmp *qmp;
    int n_events;
    char last_event[32];
    int closed;
};

static void
on_event(void *q_, const char *event, const struct json *data, double ts)
{
    struct qemu *q = q_;
    q->n_events++;
    snprintf(q->last_event, sizeof q->last_event, "%s", event);
    assert_true(ts > 0);
}

static void
on_close(void *q_, int error)
{
    struct qemu *q = q_;
    q->closed = error;
}

static int
qemu_setup(void **state)
{
    if (access(QEMU, X_OK)) {
        return 0;
    }
    struct qemu *q = calloc(1, sizeof *q);
    strcpy(q->dir, "/tmp/ovnmig-test-qmp-XXXXXX");
    assert_non_null(mkdtemp(q->dir));
    snprintf(q->sock, sizeof q->sock, "%s/qmp.sock", q->dir);

    q->pid = fork();
    if (!q->pid) {
        char arg[256];
        snprintf(arg, sizeof arg, "unix:%s,server=on,wait=off", q->sock);
        execl(QEMU, QEMU, "-machine", "none", "-nodefaults", "-display",
              "none", "-S", "-qmp", arg, (char *) NULL);
        _exit(127);
    }
    /* QEMU makes the socket file before it listens on it: a connection
     * in between is refused, so try until it is accepted (a loaded
     * machine may take seconds). */
    q->base = event_base_new();
    struct qmp_callbacks cbs = { on_event, on_close, q };
    int error = -ENOENT;
    for (int i = 0; i < 1000 && error; i++) {
        error = qmp_connect(q->base, q->sock, &cbs, &q->qmp);
        if (error) {
            usleep(10000);
        }
    }
    assert_int_equal(error, 0);
    *state = q;
    return 0;
}

static int
qemu_teardown(void **state)
{
    struct qemu *q = *state;
    if (q) {
        qmp_destroy(q->qmp);
        event_base_free(q->base);
        kill(q->pid, SIGKILL);
        waitpid(q->pid, NULL, 0);
        unlink(q->sock);
        rmdir(q->dir);
        free(q);
    }
    return 0;
}

static void
test_real_qemu_commands(void **state)
{
    struct qemu *q = *state;
    struct json *result = NULL;
    char *desc = NULL;

    if (!q) {
        skip();
    }
    /* Issued before the greeting arrived: queued behind capabilities. */
    assert_int_equal(qmp_execute_sync(q->base, q->qmp, "query-status", NULL,
                                      5000, &result, &desc), 0);
    assert_true(qmp_is_ready(q->qmp));
    const struct json *status = shash_find_data(json_object(result),
                                                "status");
    assert_non_null(status);
    assert_string_equal(json_string(status), "prelaunch");
    json_destroy(result);

    assert_int_equal(qmp_execute_sync(q->base, q->qmp, "no-such-command",
                                      NULL, 5000, NULL, &desc), -EPROTO);
    assert_non_null(strstr(desc, "CommandNotFound"));
    free(desc);

    /* An event arrives through the callback. */
    assert_int_equal(qmp_execute_sync(q->base, q->qmp, "cont", NULL, 5000,
                                      NULL, NULL), 0);
    for (int i = 0; i < 100 && !q->n_events; i++) {
        event_base_loop(q->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
        usleep(10000);
    }
    assert_string_equal(q->last_event, "RESUME");
}

static void
reply_counter(void *n_, int error, const struct json *result,
              const char *desc)
{
    int *n = n_;
    (*n)++;
    assert_int_equal(error, -ECONNRESET);
}

static void
test_real_qemu_gone(void **state)
{
    struct qemu *q = *state;
    int n_failed = 0;

    if (!q) {
        skip();
    }
    assert_int_equal(qmp_execute_sync(q->base, q->qmp, "query-status", NULL,
                                      5000, NULL, NULL), 0);
    /* QEMU dies with commands outstanding: each fails once, then close. */
    kill(q->pid, SIGKILL);
    waitpid(q->pid, NULL, 0);
    for (int i = 0; i < 3; i++) {
        qmp_execute(q->qmp, "query-status", NULL, reply_counter, &n_failed);
    }
    for (int i = 0; i < 200 && !q->closed; i++) {
        event_base_loop(q->base, EVLOOP_ONCE);
    }
    assert_true(q->closed < 0);
    assert_int_equal(n_failed, 3);
    assert_int_equal(qmp_execute(q->qmp, "query-status", NULL, NULL, NULL),
                     -ENOTCONN);
}

static void
test_pending_limit(void **state)
{
    struct qemu *q = *state;
    if (!q) {
        skip();
    }
    /* Nothing is read meanwhile, so nothing completes. */
    int i;
    for (i = 0; i < QMP_MAX_PENDING; i++) {
        if (qmp_execute(q->qmp, "query-status", NULL, NULL, NULL)) {
            break;
        }
    }
    /* One slot went to qmp_capabilities once the greeting was read, or
     * none if it was not read yet: either way the limit holds. */
    assert_true(i >= QMP_MAX_PENDING - 1);
    assert_int_equal(qmp_execute(q->qmp, "query-status", NULL, NULL, NULL),
                     -ENOBUFS);
}

int
main(void)
{
    /* As every program of the tree does (qmp.h): a peer that goes away
     * must be an error to handle, not a signal that kills us. */
    signal(SIGPIPE, SIG_IGN);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_classify_hostile),
        cmocka_unit_test_setup_teardown(test_real_qemu_commands,
                                        qemu_setup, qemu_teardown),
        cmocka_unit_test_setup_teardown(test_real_qemu_gone,
                                        qemu_setup, qemu_teardown),
        cmocka_unit_test_setup_teardown(test_pending_limit,
                                        qemu_setup, qemu_teardown),
    };
    return cmocka_run_group_tests_name("qmp", tests, NULL, NULL);
}
