/* Scenario tests for the fdetect kata: exact detection times on a steady stream, a pause that both detectors
 * falsely suspect, every --bug caught, determinism, the exercise's key replayed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "check/fdcheck.h"
#include "lane_test.h"

static const char *const steady[] = {"latency=const:10ms", "loss=0", "pause_every=0", "duration=60s", NULL};

/* Heartbeats sent at 1s, 2s, ... arrive 10 ms later; the crash at 60s comes before the 60s heartbeat, so the
 * last arrival is 59.010s. Fixed 4s: suspected at 63.010s. Phi: the window's sd (46ms) is below min_std, so
 * sd = 100ms, mean 1s + 3s acceptable pause: suspected y8 * 100ms later, y8 = 5.612. */
static void steady_stream_exact_detection(void **state)
{
    (void)state;
    struct lopts o = {.params = steady};
    struct lrun r;
    assert_int_equal(lrun(&r, "fdetect", 1, &o), 0);
    assert_int_equal(kata_failures(&r.ctx), 0);
    assert_int_equal(ltime(r.trace, "\"suspect\"", "\"detector\":0", 0), 63010000000LL);
    long long phi_at = 59010000000LL + 4000000000LL + (long long)ceil(fdcheck_phi_y(8) * 1e8);
    assert_int_equal(ltime(r.trace, "\"suspect\"", "\"detector\":1", 0), phi_at);
    assert_true(fabs(lfigure(&r.ctx, "fixed_detection_ms") - 3010.0) < 1e-6);
    assert_true(fabs(lfigure(&r.ctx, "phi_detection_ms") - (double)(phi_at - 60000000000LL) / 1e6) < 1e-6);
    assert_true(fabs(fdcheck_phi_y(8) - 5.612) < 1e-3);
    assert_true(lfigure(&r.ctx, "fixed_false_per_hour") == 0 && lfigure(&r.ctx, "phi_false_per_hour") == 0);
    lrun_free(&r);
}

/* A 6s pause from 10s: the last heartbeat before it arrives at 9.010s, the deferred one is sent at the resume
 * (16s) and arrives at 16.010s. Both detectors suspect the live node, and trust it again at 16.010s. */
static void pause_is_a_false_suspicion(void **state)
{
    (void)state;
    struct lopts o = {.params = steady, .nemesis = "10s pause 0; 16s resume 0"};
    struct lrun r;
    assert_int_equal(lrun(&r, "fdetect", 1, &o), 0);
    assert_int_equal(kata_failures(&r.ctx), 0);
    assert_int_equal(ltime(r.trace, "\"suspect\"", "\"detector\":0", 0), 13010000000LL);
    assert_int_equal(ltime(r.trace, "\"trust\"", "\"detector\":0", 0), 16010000000LL);
    assert_int_equal(ltime(r.trace, "\"trust\"", "\"detector\":1", 0), 16010000000LL);
    assert_true(lfigure(&r.ctx, "fixed_false_per_hour") > 0 && lfigure(&r.ctx, "phi_false_per_hour") > 0);
    lrun_free(&r);
    /* The same pause with a 7s timeout and phi threshold 16 is no suspicion at all for the fixed detector. */
    const char *const tolerant[] = {"latency=const:10ms", "loss=0", "pause_every=0", "duration=60s", "timeout=7.5s",
                                    NULL};
    o.params = tolerant;
    assert_int_equal(lrun(&r, "fdetect", 1, &o), 0);
    assert_int_equal(ltime(r.trace, "\"suspect\"", "\"detector\":0", 0), -1);
    lrun_free(&r);
}

static void bugs_are_caught(void **state)
{
    (void)state;
    static const char *bugs[] = {"check-on-arrival", "no-min-std", "no-pause-ok"};
    const char *const shorter[] = {"duration=10m", NULL};
    for (int b = 0; b < 3; b++) {
        struct lopts o = {.bug = bugs[b], .random_faults = true, .params = shorter};
        assert_true(lfailing("fdetect", 20, &o) > 0);
    }
    struct lopts ok = {.random_faults = true, .params = shorter};
    assert_int_equal(lfailing("fdetect", 200, &ok), 0);
    /* check-on-arrival misses the crash for good: completeness fails, not only the rule. */
    struct lopts o = {.bug = "check-on-arrival", .params = steady};
    struct lrun r;
    assert_int_equal(lrun(&r, "fdetect", 1, &o), 0);
    assert_false(lcheck(&r.ctx, "fixed-completeness"));
    assert_false(lcheck(&r.ctx, "phi-completeness"));
    assert_true(lcheck(&r.ctx, "fixed-timeout-rule") == false);
    lrun_free(&r);
}

static void determinism(void **state)
{
    (void)state;
    ldeterminism("fdetect", 42, NULL);
}

static void exercise_key_replays(void **state)
{
    (void)state;
    lexercise("fdetect", 200, "Answer key");
}

static void bad_parameters(void **state)
{
    (void)state;
    const char *const bad[] = {"threshold=0", "latency=gauss:1ms", "interval=0s", "window=1", "pause_every=10ms", NULL};
    lbad("fdetect", bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(steady_stream_exact_detection), cmocka_unit_test(pause_is_a_false_suspicion),
        cmocka_unit_test(bugs_are_caught),               cmocka_unit_test(determinism),
        cmocka_unit_test(exercise_key_replays),          cmocka_unit_test(bad_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
