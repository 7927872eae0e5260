/* Scenario tests for the tail-latency kata: exact fan-in times with constant latencies, hedges that lose the race,
 * pauses that make the fan-in's tail grow with the fan-out, every --bug caught, determinism, the exercise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lane_test.h"

/* Request out 1ms, served 2ms, back 1ms: every request completes 4ms after it started. */
static void constant_fan_in(void **state)
{
    (void)state;
    const char *const p[] = {"fanout=2", "requests=10", "latency=const:1ms", "service=const:2ms", "pause_every=0",
                             "hedge=off", NULL};
    struct lopts o = {.params = p, .quiet = true};
    struct lrun r;
    assert_int_equal(lrun(&r, "tail-latency", 1, &o), 0);
    assert_int_equal(kata_failures(&r.ctx), 0);
    assert_int_equal(ltime(r.trace, "\"done\"", "\"req\":0,", 0), 4000000LL);
    assert_int_equal(ltime(r.trace, "\"done\"", "\"req\":9,", 0), 9 * 5000000LL + 4000000LL);
    assert_true(lfigure(&r.ctx, "p99_ms") == 4.0 && lfigure(&r.ctx, "hedges_per_request") == 0);
    lrun_free(&r);
    /* Hedging after 1ms: both shards are hedged (nothing answered yet); the hedges answer at 5ms and lose. */
    const char *const h[] = {"fanout=2", "requests=10", "latency=const:1ms", "service=const:2ms", "pause_every=0",
                             "hedge=1ms", NULL};
    o.params = h;
    assert_int_equal(lrun(&r, "tail-latency", 1, &o), 0);
    assert_int_equal(kata_failures(&r.ctx), 0);
    assert_int_equal(ltime(r.trace, "\"hedge\"", "\"req\":0,", 0), 1000000LL);
    assert_true(lfigure(&r.ctx, "p99_ms") == 4.0 && lfigure(&r.ctx, "hedges_per_request") == 2);
    lrun_free(&r);
}

/* With pauses, the p99 of the fan-in grows with the fan-out, and hedging brings it down. */
static void tail_grows_with_fanout_and_hedging_cuts_it(void **state)
{
    (void)state;
    double p99[3];
    const char *fans[3] = {"fanout=1", "fanout=30", "fanout=30"};
    const char *hedges[3] = {"hedge=off", "hedge=off", "hedge=p95"};
    for (int i = 0; i < 3; i++) {
        const char *const p[] = {fans[i], hedges[i], "requests=600", NULL};
        struct lopts o = {.params = p, .quiet = true};
        struct lrun r;
        assert_int_equal(lrun(&r, "tail-latency", 3, &o), 0);
        assert_int_equal(kata_failures(&r.ctx), 0);
        p99[i] = lfigure(&r.ctx, "p99_ms");
        lrun_free(&r);
    }
    assert_true(p99[1] > 3 * p99[0]);
    assert_true(p99[2] < p99[1] / 2);
}

static void bugs_are_caught_and_swarm_holds(void **state)
{
    (void)state;
    static const char *bugs[] = {"count-replies", "hedge-at-once", "hedge-same-replica"};
    const char *const p[] = {"requests=100", NULL};
    for (int b = 0; b < 3; b++) {
        struct lopts o = {.bug = bugs[b], .random_faults = true, .params = p};
        assert_true(lfailing("tail-latency", 20, &o) > 0);
    }
    struct lopts ok = {.random_faults = true, .params = p};
    assert_int_equal(lfailing("tail-latency", 60, &ok), 0);
}

static void determinism(void **state)
{
    (void)state;
    ldeterminism("tail-latency", 5, (const char *const[]){"requests=200", NULL});
}

static void exercise_key(void **state)
{
    (void)state;
    lexercise("tail-latency", 3, "Answer key");
}

static void bad_parameters(void **state)
{
    (void)state;
    const char *const bad[] = {"hedge=p0", "hedge=soon", "replicas=3", "fanout=0", NULL};
    lbad("tail-latency", bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(constant_fan_in),
        cmocka_unit_test(tail_grows_with_fanout_and_hedging_cuts_it),
        cmocka_unit_test(bugs_are_caught_and_swarm_holds),
        cmocka_unit_test(determinism),
        cmocka_unit_test(exercise_key),
        cmocka_unit_test(bad_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
