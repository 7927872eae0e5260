/* Scenario tests for the swim kata: the suspicion timer's exact delay, detection and spread on 100 members,
 * false declarations under loss with and without suspicion, every --bug caught, determinism, the exercise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lane_test.h"

/* The first member to suspect member 0 declares it dead exactly one suspicion timeout later, and the crash is
 * suspected within a few periods and known to all soon after. */
static void suspicion_timeout_is_exact(void **state)
{
    (void)state;
    const char *const p[] = {"latency=const:5ms", NULL};
    struct lopts o = {.params = p};
    struct lrun r;
    assert_int_equal(lrun(&r, "swim", 1, &o), 0);
    assert_int_equal(kata_failures(&r.ctx), 0);
    long long s = ltime(r.trace, "\"kind\":\"suspect\",\"subject\":0,", NULL, 0);
    long long d = ltime(r.trace, "\"kind\":\"dead\",\"subject\":0,", NULL, 0);
    assert_true(s > 10000000000LL && s < 16000000000LL);
    assert_int_equal(d - s, 8000000000LL);
    assert_true(lfigure(&r.ctx, "spread_periods") < 10);
    assert_true(lfigure(&r.ctx, "msgs_per_member_s") > 1.5 && lfigure(&r.ctx, "msgs_per_member_s") < 3);
    lrun_free(&r);
}

/* At 10% loss, without suspicion live members get declared dead; with suspicion they refute in time. */
static void suspicion_prevents_false_declarations(void **state)
{
    (void)state;
    const char *const off[] = {"loss=0.1", "suspicion=off", NULL};
    const char *const on[] = {"loss=0.1", NULL};
    struct lopts o = {.params = off, .quiet = true};
    struct lrun r;
    assert_int_equal(lrun(&r, "swim", 2, &o), 0);
    assert_int_equal(kata_failures(&r.ctx), 0); /* loss: false declarations are counted, not judged */
    double without = lfigure(&r.ctx, "false_dead_members");
    lrun_free(&r);
    o.params = on;
    assert_int_equal(lrun(&r, "swim", 2, &o), 0);
    double with = lfigure(&r.ctx, "false_dead_members");
    lrun_free(&r);
    assert_true(without >= 10);
    assert_true(with <= without / 10);
}

static void bugs_are_caught_and_swarm_holds(void **state)
{
    (void)state;
    static const char *bugs[] = {"no-piggyback", "no-refute", "stale-suspect"};
    for (int b = 0; b < 3; b++) {
        struct lopts o = {.bug = bugs[b], .random_faults = true};
        assert_true(lfailing("swim", 12, &o) > 0);
    }
    struct lopts ok = {.random_faults = true};
    assert_int_equal(lfailing("swim", 60, &ok), 0);
}

static void determinism(void **state)
{
    (void)state;
    ldeterminism("swim", 9, NULL);
}

static void exercise_key(void **state)
{
    (void)state;
    lexercise("swim", 10, "Answer key");
}

static void bad_parameters(void **state)
{
    (void)state;
    const char *const bad[] = {"suspicion=never", "ping_timeout=2s", "nodes=2", "crash_at=60s", NULL};
    lbad("swim", bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(suspicion_timeout_is_exact),      cmocka_unit_test(suspicion_prevents_false_declarations),
        cmocka_unit_test(bugs_are_caught_and_swarm_holds), cmocka_unit_test(determinism),
        cmocka_unit_test(exercise_key),                    cmocka_unit_test(bad_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
