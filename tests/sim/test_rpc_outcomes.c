/* Scenario tests for the rpc-outcomes kata: exact times of one clean call, crashes placed before the apply and
 * between the apply and the reply (with the key, without it, and with a volatile table), every --bug caught,
 * determinism, the exercise's key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lane_test.h"

#define MS 1000000LL

static const char *const clean[] = {"latency=const:10ms", "process=const:5ms", "respond=const:1ms", "loss=0",
                                    "duplicate=0", "crash=0", NULL};

static void clean_call_exact_times(void **state)
{
    (void)state;
    struct lopts o = {.params = clean};
    struct lrun r;
    assert_int_equal(lrun(&r, "rpc-outcomes", 1, &o), 0);
    assert_int_equal(kata_failures(&r.ctx), 0);
    assert_int_equal(ltime(r.trace, "\"apply\"", NULL, 0), 15 * MS);
    assert_int_equal(ltime(r.trace, "\"reply-sent\"", NULL, 0), 16 * MS);
    assert_int_equal(ltime(r.trace, "\"ok\"", NULL, 0), 26 * MS);
    assert_true(lfigure(&r.ctx, "ok_once") == 1 && lfigure(&r.ctx, "attempts_per_call") == 1);
    lrun_free(&r);
}

/* Crash at 12ms, after the request arrived (10ms) and before the apply (15ms); down until 200ms: the attempts at
 * 50ms and 100ms are dropped, the caller gives up at 150ms: timeout, never applied. */
static void crash_before_apply(void **state)
{
    (void)state;
    struct lopts o = {.params = clean, .nemesis = "12ms crash 1; 200ms restart 1"};
    struct lrun r;
    assert_int_equal(lrun(&r, "rpc-outcomes", 1, &o), 0);
    assert_int_equal(kata_failures(&r.ctx), 0);
    assert_int_equal(ltime(r.trace, "\"give-up\"", NULL, 0), 150 * MS);
    assert_true(lfigure(&r.ctx, "timeout_never_applied") == 1);
    assert_int_equal(ltime(r.trace, "\"apply\"", NULL, 0), -1);
    lrun_free(&r);
}

/* Crash at 15.5ms: applied at 15ms, the reply (due at 16ms) is lost with the process. Restart at 70ms (the retry of
 * 50ms is dropped at 60ms); the retry at 100ms reaches the server at 110ms, which finds the call in its durable table and replays the reply: the
 * caller sees it at 120ms, applied once. Without a key the retry is applied again; with the table in memory too. */
static void crash_between_apply_and_reply(void **state)
{
    (void)state;
    struct lopts o = {.params = clean, .nemesis = "15.5ms crash 1; 70ms restart 1"};
    struct lrun r;
    assert_int_equal(lrun(&r, "rpc-outcomes", 1, &o), 0);
    assert_int_equal(kata_failures(&r.ctx), 0);
    assert_int_equal(ltime(r.trace, "\"ok\"", NULL, 0), 120 * MS);
    assert_int_equal(ltime(r.trace, "\"apply\"", NULL, 1), -1);
    assert_true(lfigure(&r.ctx, "ok_once") == 1);
    lrun_free(&r);
    const char *const nokey[] = {"latency=const:10ms", "process=const:5ms", "respond=const:1ms", "loss=0",
                                 "duplicate=0", "crash=0", "key=off", NULL};
    o.params = nokey;
    assert_int_equal(lrun(&r, "rpc-outcomes", 1, &o), 0);
    assert_int_equal(kata_failures(&r.ctx), 0); /* no key: nothing promised, the duplicate is an outcome */
    assert_int_equal(ltime(r.trace, "\"apply\"", NULL, 1), 115 * MS);
    assert_true(lfigure(&r.ctx, "ok_applied_twice") == 1);
    lrun_free(&r);
    o.params = clean;
    o.bug = "volatile-dedup";
    assert_int_equal(lrun(&r, "rpc-outcomes", 1, &o), 0);
    assert_false(lcheck(&r.ctx, "at-most-once"));
    lrun_free(&r);
    /* Crash at the same moment with the reply going out first: the caller sees a reply that was never applied. */
    o.bug = "ack-before-apply";
    o.nemesis = "12ms crash 1; 60ms restart 1";
    assert_int_equal(lrun(&r, "rpc-outcomes", 1, &o), 0);
    assert_false(lcheck(&r.ctx, "reply-means-applied"));
    lrun_free(&r);
}

static void bugs_are_caught_and_swarm_holds(void **state)
{
    (void)state;
    static const char *bugs[] = {"ack-before-apply", "volatile-dedup", "key-per-attempt"};
    const char *const many[] = {"calls=200", NULL};
    for (int b = 0; b < 3; b++) {
        struct lopts o = {.bug = bugs[b], .random_faults = true, .params = many};
        assert_true(lfailing("rpc-outcomes", 10, &o) > 0);
    }
    struct lopts ok = {.random_faults = true, .params = many};
    assert_int_equal(lfailing("rpc-outcomes", 50, &ok), 0);
}

static void determinism(void **state)
{
    (void)state;
    ldeterminism("rpc-outcomes", 11, (const char *const[]){"calls=50", NULL});
}

static void exercise_key(void **state)
{
    (void)state;
    lexercise("rpc-outcomes", 100, "Answer key");
}

static void bad_parameters(void **state)
{
    (void)state;
    const char *const bad[] = {"key=maybe", "timeout=0s", "calls=0", "loss=2", NULL};
    lbad("rpc-outcomes", bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_call_exact_times),          cmocka_unit_test(crash_before_apply),
        cmocka_unit_test(crash_between_apply_and_reply),   cmocka_unit_test(bugs_are_caught_and_swarm_holds),
        cmocka_unit_test(determinism),                     cmocka_unit_test(exercise_key),
        cmocka_unit_test(bad_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
