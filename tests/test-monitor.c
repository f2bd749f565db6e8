/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for migrate/monitor: KubeVirt's progress and completion
 * timeouts, post-copy instead of failing when allowed, and the figures a
 * progress bar shows. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "migrate/monitor.h"
#include "migrate/policy.h"

#define MIB (UINT64_C(1) << 20)

static struct mig_sample
sample(long long now_ms, uint64_t transferred, uint64_t remaining)
{
    return (struct mig_sample) {
        .now_ms = now_ms, .total = 256 * MIB,
        .transferred = transferred, .remaining = remaining,
    };
}

static void
test_converging(void **state)
{
    struct mig_config c;
    struct mig_monitor m;

    mig_config_init(&c);
    mig_monitor_init(&m, &c, 256 * MIB, 0, 1000);
    /* 64 MiB/s, remaining shrinking: goes on, with progress and ETA. */
    for (int i = 1; i <= 3; i++) {
        struct mig_sample s = sample(1000 + i * 1000, i * 64 * MIB,
                                     (256 - i * 64) * MIB);
        assert_int_equal(mig_monitor_sample(&m, &s), MIG_CONTINUE);
    }
    assert_int_equal(mig_monitor_permille(&m), 750);
    assert_int_equal(m.throughput, 64 * MIB);
    assert_int_equal(mig_monitor_eta_s(&m), 1);
}

static void
test_progress_timeout(void **state)
{
    struct mig_config c;
    struct mig_monitor m;

    mig_config_init(&c);
    c.progress_timeout = 10;
    mig_monitor_init(&m, &c, 256 * MIB, 0, 0);

    /* The guest dirties memory as fast as it is sent: remaining hovers
     * around 100 MiB, never below its first low. */
    struct mig_sample s = sample(1000, 100 * MIB, 100 * MIB);
    assert_int_equal(mig_monitor_sample(&m, &s), MIG_CONTINUE);
    for (long long t = 2000; t <= 11000; t += 1000) {
        s = sample(t, t * MIB / 10, (t % 2000 ? 101 : 100) * MIB);
        assert_int_equal(mig_monitor_sample(&m, &s), MIG_CONTINUE);
    }
    s = sample(11001, 1200 * MIB, 102 * MIB);
    assert_int_equal(mig_monitor_sample(&m, &s), MIG_ABORT_NO_PROGRESS);

    /* Any new low restarts the clock. */
    mig_monitor_init(&m, &c, 256 * MIB, 0, 0);
    s = sample(1000, 0, 100 * MIB);
    mig_monitor_sample(&m, &s);
    s = sample(10000, 0, 99 * MIB);
    assert_int_equal(mig_monitor_sample(&m, &s), MIG_CONTINUE);
    s = sample(19000, 0, 120 * MIB);
    assert_int_equal(mig_monitor_sample(&m, &s), MIG_CONTINUE);
    s = sample(20001, 0, 120 * MIB);
    assert_int_equal(mig_monitor_sample(&m, &s), MIG_ABORT_NO_PROGRESS);
}

/* A copy at 8 MiB/s of a 256 MiB guest, in passes: QEMU's samples, every
 * 100 ms from 'start_ms', of pass 'pass', which begins with 'set' bytes to
 * send and whose last sample shows 'end' left.  Every sample must give
 * MIG_CONTINUE, except that if 'abort_at' is nonzero, the first one at or
 * after it must give MIG_ABORT_NO_PROGRESS.  Returns the time of the next
 * sample, or -1 after that abort. */
static long long
run_pass(struct mig_monitor *m, uint64_t pass, long long start_ms,
         uint64_t set, uint64_t end, uint64_t *transferred,
         long long abort_at)
{
    const uint64_t per_sample = 8 * MIB / 10;
    long long t = start_ms;
    for (uint64_t left = set; ; t += 100) {
        struct mig_sample s = {
            .now_ms = t, .total = 256 * MIB, .transferred = *transferred,
            .remaining = left, .iterations = pass,
        };
        enum mig_verdict v = mig_monitor_sample(m, &s);
        if (abort_at && t >= abort_at) {
            assert_int_equal(v, MIG_ABORT_NO_PROGRESS);
            return -1;
        }
        assert_int_equal(v, MIG_CONTINUE);
        if (left == end) {
            return t + 100;
        }
        *transferred += per_sample;
        left = left - end > per_sample ? left - per_sample : end;
    }
}

/* Starts watching at 0 with a progress timeout of 10 s. */
static void
start_10s(struct mig_monitor *m)
{
    struct mig_config c;
    mig_config_init(&c);
    c.progress_timeout = 10;
    mig_monitor_init(m, &c, 256 * MIB, 0, 0);
}

static void
test_long_converging_passes(void **state)
{
    struct mig_monitor m;
    uint64_t tx = 0;

    /* Passes that each take longer than the progress timeout, each with
     * fewer pages than the last: converging.  Their "remaining" stays above
     * the low the bulk copy reached at its end for all but their last
     * moments, yet this is progress all along. */
    start_10s(&m);
    long long t = run_pass(&m, 1, 100, 200 * MIB, MIB, &tx, 0);
    t = run_pass(&m, 2, t, 160 * MIB, MIB, &tx, 0);     /* 20 s */
    t = run_pass(&m, 3, t, 120 * MIB, MIB, &tx, 0);     /* 15 s */
    assert_true(t > 45000);
}

static void
test_dirty_set_not_shrinking(void **state)
{
    struct mig_monitor m;
    uint64_t tx = 0;

    /* A guest that rewrites the same 18 MiB faster than they are sent
     * (as seen here: 25 MiB dirtied during the bulk copy, then 19, then
     * about 18 at every pass): from then on every pass resends about as
     * much (within 1/16), and the lows at their ends, even new ones, are
     * not progress.  The clock started when the last shrinking pass (the
     * third) had sent its last page. */
    start_10s(&m);
    long long t = run_pass(&m, 1, 100, 100 * MIB, 2 * MIB, &tx, 0);
    t = run_pass(&m, 2, t, 25 * MIB, 2 * MIB, &tx, 0);
    t = run_pass(&m, 3, t, 19 * MIB, 2 * MIB, &tx, 0);
    long long last_progress = t - 100;
    uint64_t low = 2 * MIB;
    for (uint64_t pass = 4; ; pass++) {
        uint64_t set = (pass % 2 ? 18 : 19) * MIB - pass * 16 * 1024;
        low -= 64 * 1024;       /* A new low at each end. */
        t = run_pass(&m, pass, t, set, low, &tx, last_progress + 10001);
        if (t < 0) {
            break;
        }
        assert_true(pass < 10);
    }
    assert_int_equal(m.last_progress_ms, last_progress);

    /* Throttled (auto-converge), the set shrinks again: progress. */
    start_10s(&m);
    tx = 0;
    t = run_pass(&m, 1, 100, 100 * MIB, 2 * MIB, &tx, 0);
    for (uint64_t pass = 2; pass < 6; pass++) {
        t = run_pass(&m, pass, t, 18 * MIB, 2 * MIB, &tx, 0);
    }
    t = run_pass(&m, 6, t, 12 * MIB, 2 * MIB, &tx, 0);
    assert_int_equal(m.last_progress_ms, t - 100);
}

static void
test_completion_timeout(void **state)
{
    struct mig_config c;
    struct mig_monitor m;

    /* 800 s/GiB for 256 MiB: 200 s, even while progress is made. */
    mig_config_init(&c);
    mig_monitor_init(&m, &c, 256 * MIB, 0, 0);
    assert_int_equal(m.completion_timeout_ms, 200000);
    uint64_t remaining = 256 * MIB;
    for (long long t = 1000; t <= 200000; t += 1000) {
        struct mig_sample s = sample(t, 0, --remaining);
        assert_int_equal(mig_monitor_sample(&m, &s), MIG_CONTINUE);
    }
    struct mig_sample s = sample(200001, 0, --remaining);
    assert_int_equal(mig_monitor_sample(&m, &s), MIG_ABORT_TOO_SLOW);
}

static void
test_post_copy_instead(void **state)
{
    struct mig_config c;
    struct mig_monitor m;

    mig_config_init(&c);
    c.progress_timeout = 5;
    c.allow_post_copy = true;
    mig_monitor_init(&m, &c, 256 * MIB, 0, 0);
    struct mig_sample s = sample(1000, 0, 100 * MIB);
    mig_monitor_sample(&m, &s);
    s = sample(6001, 0, 100 * MIB);
    assert_int_equal(mig_monitor_sample(&m, &s), MIG_SWITCH_TO_POSTCOPY);
    /* Once in post-copy, no limit applies any more. */
    s = sample(900000, 0, 100 * MIB);
    assert_int_equal(mig_monitor_sample(&m, &s), MIG_CONTINUE);
}

static void
test_odd_samples(void **state)
{
    struct mig_config c;
    struct mig_monitor m;

    mig_config_init(&c);
    mig_monitor_init(&m, &c, 256 * MIB, 0, 0);
    assert_int_equal(mig_monitor_permille(&m), 0);      /* No sample. */
    assert_int_equal(mig_monitor_eta_s(&m), -1);
    /* QEMU reporting more remaining than total, or counters going back
     * (a restarted copy): no division by zero, no wrap-around. */
    struct mig_sample s = sample(1000, 10 * MIB, 300 * MIB);
    mig_monitor_sample(&m, &s);
    assert_int_equal(mig_monitor_permille(&m), 0);
    s = sample(1000, 5 * MIB, 10 * MIB);                /* Same instant. */
    mig_monitor_sample(&m, &s);
    s = sample(2000, 1 * MIB, 10 * MIB);                /* Went back. */
    mig_monitor_sample(&m, &s);
    /* Neither pair gave a rate: no throughput is invented. */
    assert_int_equal(m.throughput, 0);
    assert_int_equal(mig_monitor_eta_s(&m), -1);
    assert_int_equal(mig_monitor_permille(&m), 960);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_converging),
        cmocka_unit_test(test_progress_timeout),
        cmocka_unit_test(test_long_converging_passes),
        cmocka_unit_test(test_dirty_set_not_shrinking),
        cmocka_unit_test(test_completion_timeout),
        cmocka_unit_test(test_post_copy_instead),
        cmocka_unit_test(test_odd_samples),
    };
    return cmocka_run_group_tests_name("monitor", tests, NULL, NULL);
}
