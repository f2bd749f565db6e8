/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for daemon/port-move.h, the network half of a migration:
 * which OVN request each step makes, with which chassis; answers that
 * are not the move's (superseded, or another's); a failed attach that
 * must be reverted; finalize and revert asked again until OVN takes them,
 * and requests refused at once retried.  OVN's client is replaced by a
 * recorder of the requests (the functions below). */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/port-move.h"
#include "timeval.h"
#include "util.h"

/* ------------------------------------------------ OVN's client, faked */

static char last[256];          /* The last request, as text. */
static int refuse;              /* What the next request returns. */

static int
record(const char *op, const char *port, const char *a, const char *b,
       uint64_t cookie)
{
    snprintf(last, sizeof last, "%s %s %s%s%s #%"PRIu64, op, port, a,
             b ? " " : "", b ? b : "", cookie);
    int error = refuse;
    refuse = 0;
    return error;
}

int
ovnhook_migration_start(struct ovnhook *h OVS_UNUSED, const char *port,
                        const char *src, const char *dst, uint64_t cookie)
{
    return record("start", port, src, dst, cookie);
}

int
ovnhook_migration_start_unblocked(struct ovnhook *h OVS_UNUSED,
                                  const char *port, const char *src,
                                  const char *dst, uint64_t cookie)
{
    return record("start-unblocked", port, src, dst, cookie);
}

int
ovnhook_migration_finish(struct ovnhook *h OVS_UNUSED, const char *port,
                         const char *dst, uint64_t cookie)
{
    return record("finish", port, dst, NULL, cookie);
}

int
ovnhook_migration_revert(struct ovnhook *h OVS_UNUSED, const char *port,
                         const char *src, uint64_t cookie)
{
    return record("revert", port, src, NULL, cookie);
}

const char *
ovnhook_op_name(enum ovnhook_op op OVS_UNUSED)
{
    return "op";
}

static struct ovnhook_result
answer(uint64_t cookie, int error)
{
    struct ovnhook_result r;
    memset(&r, 0, sizeof r);
    r.cookie = cookie;
    r.error = error;
    snprintf(r.message, sizeof r.message, "%s", error ? "refused" : "ok");
    return r;
}

static void
new_move(struct pmove *pm)
{
    pmove_init(pm, NULL, "vm1.default");
    pmove_set_chassis(pm, "node-a", "node-b");
    last[0] = '\0';
}

/* ------------------------------------------------------------- tests */

static void
test_success(void **state OVS_UNUSED)
{
    struct pmove pm;
    new_move(&pm);
    assert_false(pm.spans);

    assert_int_equal(pmove_attach(&pm, PMOVE_RARP, 1), 0);
    assert_string_equal(last, "start vm1.default node-a node-b #1");
    assert_true(pm.spans);
    assert_true(pmove_busy(&pm));
    assert_int_equal(pm.state, PMOVE_ATTACHING);

    struct ovnhook_result r = answer(1, 0);
    assert_int_equal(pmove_done(&pm, &r), PMOVE_EV_ATTACHED);
    assert_true(pm.bound);
    assert_false(pmove_busy(&pm));

    assert_int_equal(pmove_finalize(&pm, 2), 0);
    assert_string_equal(last, "finish vm1.default node-b #2");
    r = answer(2, 0);
    assert_int_equal(pmove_done(&pm, &r), PMOVE_EV_FINALIZED);
    assert_int_equal(pm.state, PMOVE_FINALIZED);
    assert_false(pm.spans);
    pmove_destroy(&pm);
}

static void
test_unblocked(void **state OVS_UNUSED)
{
    struct pmove pm;
    new_move(&pm);
    pmove_attach(&pm, PMOVE_UNBLOCKED, 7);
    assert_string_equal(last, "start-unblocked vm1.default node-a node-b #7");
    pmove_destroy(&pm);
}

/* The chassis are set once: a later snapshot does not change them. */
static void
test_chassis_once(void **state OVS_UNUSED)
{
    struct pmove pm;
    new_move(&pm);
    pmove_set_chassis(&pm, "node-x", "node-y");
    pmove_revert(&pm, 3);
    assert_string_equal(last, "revert vm1.default node-a #3");
    pmove_destroy(&pm);
}

/* A failed attach leaves the LSP possibly on both chassis: the owner
 * reverts, and the revert supersedes whatever was in flight. */
static void
test_attach_fails(void **state OVS_UNUSED)
{
    struct pmove pm;
    new_move(&pm);
    pmove_attach(&pm, PMOVE_RARP, 1);
    struct ovnhook_result r = answer(1, -ETIMEDOUT);
    assert_int_equal(pmove_done(&pm, &r), PMOVE_EV_ATTACH_FAILED);
    assert_false(pm.bound);
    assert_true(pm.spans);

    pmove_revert(&pm, 2);
    r = answer(2, 0);
    assert_int_equal(pmove_done(&pm, &r), PMOVE_EV_REVERTED);
    assert_false(pm.spans);
    pmove_destroy(&pm);
}

/* The answer to a superseded request, or another's, is not the move's. */
static void
test_superseded(void **state OVS_UNUSED)
{
    struct pmove pm;
    new_move(&pm);
    pmove_attach(&pm, PMOVE_RARP, 1);
    pmove_revert(&pm, 2);
    struct ovnhook_result r = answer(1, -ECANCELED);
    assert_false(pmove_owns(&pm, &r));
    assert_int_equal(pmove_done(&pm, &r), PMOVE_EV_NONE);
    assert_true(pmove_busy(&pm));
    r = answer(99, 0);
    assert_int_equal(pmove_done(&pm, &r), PMOVE_EV_NONE);
    r = answer(2, 0);
    assert_int_equal(pmove_done(&pm, &r), PMOVE_EV_REVERTED);
    /* Twice: the second is nobody's. */
    assert_int_equal(pmove_done(&pm, &r), PMOVE_EV_NONE);
    pmove_destroy(&pm);
}

/* A finalize that OVN refused is asked again, PMOVE_RETRY_MS later, the
 * same request, until it goes through. */
static void
test_finalize_retried(void **state OVS_UNUSED)
{
    struct pmove pm;
    new_move(&pm);
    pmove_set_spanning(&pm);
    pmove_finalize(&pm, 1);
    struct ovnhook_result r = answer(1, -EIO);
    long long int now = time_msec();
    assert_int_equal(pmove_done(&pm, &r), PMOVE_EV_RETRYING);
    assert_true(pm.spans);
    assert_false(pmove_retry_due(&pm, now));
    assert_true(pmove_retry_due(&pm, now + PMOVE_RETRY_MS + 1000));

    last[0] = '\0';
    assert_int_equal(pmove_retry(&pm, 2), 0);
    assert_string_equal(last, "finish vm1.default node-b #2");
    assert_false(pmove_retry_due(&pm, now + 10 * PMOVE_RETRY_MS));
    r = answer(2, 0);
    assert_int_equal(pmove_done(&pm, &r), PMOVE_EV_FINALIZED);
    pmove_destroy(&pm);
}

/* A request OVN's client refused at once (full queue) is nothing in
 * flight, and is retried with its own activation. */
static void
test_refused_at_once(void **state OVS_UNUSED)
{
    struct pmove pm;
    new_move(&pm);
    refuse = -ENOBUFS;
    assert_int_equal(pmove_attach(&pm, PMOVE_UNBLOCKED, 1), -ENOBUFS);
    assert_false(pmove_busy(&pm));
    assert_true(pm.spans);      /* It may still go through: revert. */
    long long int now = time_msec();
    assert_true(pmove_retry_due(&pm, now + PMOVE_RETRY_MS + 1000));
    pmove_retry(&pm, 2);
    assert_string_equal(last, "start-unblocked vm1.default node-a node-b #2");
    assert_true(pmove_busy(&pm));

    /* A retry cancelled (the owner moved on) is not due any more. */
    refuse = -ENOBUFS;
    pmove_revert(&pm, 3);
    pmove_cancel_retry(&pm);
    assert_false(pmove_retry_due(&pm, now + 10 * PMOVE_RETRY_MS));
    pmove_destroy(&pm);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success),
        cmocka_unit_test(test_unblocked),
        cmocka_unit_test(test_chassis_once),
        cmocka_unit_test(test_attach_fails),
        cmocka_unit_test(test_superseded),
        cmocka_unit_test(test_finalize_retried),
        cmocka_unit_test(test_refused_at_once),
    };
    return cmocka_run_group_tests_name("ovnmigd-port-move", tests, NULL,
                                       NULL);
}
