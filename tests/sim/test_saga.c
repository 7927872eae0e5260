/* Scenario tests for the saga kata: the drill's lost refund response at exact virtual times with and without
 * the idempotency key, each planted bug caught, and determinism (two runs of a seed, one trace hash). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "katatest.h"

static const struct kata *K(void)
{
    const struct kata *k = kata_find("saga");
    assert_non_null(k);
    return k;
}

/* Latency 1 ms: charge at 3 ms; the customer cancels at 1 s; refund #1 at 1.001 s, its response lost; the
 * retry layer times out at 2 s, sleeps 1 s and calls again at 3 s: refund #2 at 3.001 s. */
static void snippet_refunds_twice(void **state)
{
    (void)state;
    const char *ov[] = {"latency=1ms", NULL};
    struct kt_run r;
    kt_run(&r, K(), 1, ov, NULL, NULL, false);
    assert_int_equal(r.rc, 0);
    assert_true(kt_traced(&r, "{\"t\":3000000,\"kind\":\"charged\",\"order\":0,\"amount\":10000}"));
    assert_true(kt_traced(&r, "{\"t\":1001000000,\"kind\":\"refunded\",\"order\":0,\"amount\":10000}"));
    assert_true(kt_traced(&r, "{\"t\":1001000000,\"node\":2,\"kind\":\"lost\",\"order\":0,\"what\":\"response\"}"));
    assert_true(kt_traced(&r, "{\"t\":3001000000,\"kind\":\"refunded\",\"order\":0,\"amount\":10000}"));
    assert_int_equal(kt_check(&r, "refunds-within-charges"), 0);
    assert_int_equal(kt_check(&r, "cancelled-refunded-once"), 0);
    assert_int_equal(kt_check(&r, "charged-at-most-once"), 1);
    assert_int_equal(kt_check(&r, "sagas-finish"), 1);
    assert_true(kt_figure(&r, "refunds") == 2);
    assert_true(kt_figure(&r, "excess_refunded") == 100);
    kt_close(&r);
}

static void key_on_dedupes_the_retry(void **state)
{
    (void)state;
    const char *ov[] = {"latency=1ms", "key=on", NULL};
    struct kt_run r;
    kt_run(&r, K(), 1, ov, NULL, NULL, false);
    assert_true(kt_traced(&r, "{\"t\":3001000000,\"node\":2,\"kind\":\"dedupe\",\"order\":0,\"step\":3}"));
    assert_false(kt_traced(&r, "{\"t\":3001000000,\"kind\":\"refunded\""));
    assert_int_equal(kata_failures(&r.ctx), 0);
    assert_true(kt_figure(&r, "refunds") == 1);
    assert_true(kt_figure(&r, "deduplicated") == 1);
    kt_close(&r);
}

/* A lost request is retried harmlessly even without a key: the retry layer cannot tell the two apart. */
static void lost_request_is_harmless(void **state)
{
    (void)state;
    const char *ov[] = {"latency=1ms", "lose=request", NULL};
    struct kt_run r;
    kt_run(&r, K(), 1, ov, NULL, NULL, false);
    assert_int_equal(kata_failures(&r.ctx), 0);
    assert_true(kt_traced(&r, "{\"t\":3001000000,\"kind\":\"refunded\",\"order\":0,\"amount\":10000}"));
    kt_close(&r);
}

static void bugs_are_caught(void **state)
{
    (void)state;
    const char *ov[] = {"latency=1ms", "key=on", NULL};
    struct kt_run r;
    kt_run(&r, K(), 1, ov, "key-per-attempt", NULL, false);
    assert_int_equal(kt_check(&r, "cancelled-refunded-once"), 0);
    kt_close(&r);
    /* the orchestrator crashes with the refund in flight; on restart it drives the refund again */
    const char *ov2[] = {"latency=1ms", "key=on", "lose=none", NULL};
    const char *crash = "1000.5ms crash 0; 1100ms restart 0";
    kt_run(&r, K(), 1, ov2, "volatile-key", crash, false);
    assert_int_equal(kt_check(&r, "refunds-within-charges"), 0);
    kt_close(&r);
    kt_run(&r, K(), 1, ov2, NULL, crash, false);
    assert_int_equal(kata_failures(&r.ctx), 0);
    assert_true(kt_figure(&r, "deduplicated") == 1);
    kt_close(&r);
    /* payments unreachable for longer than the retry budget: the sweep must drive the refund again */
    const char *cut = "999ms isolate 2; 20s heal";
    kt_run(&r, K(), 1, ov2, "give-up", cut, false);
    assert_int_equal(kt_check(&r, "cancelled-refunded-once"), 0);
    assert_int_equal(kt_check(&r, "sagas-finish"), 0);
    kt_close(&r);
    kt_run(&r, K(), 1, ov2, NULL, cut, false);
    assert_int_equal(kata_failures(&r.ctx), 0);
    kt_close(&r);
}

static void runs_are_deterministic(void **state)
{
    (void)state;
    const char *ov[] = {"key=on", NULL};
    kt_assert_deterministic(K(), ov, 20);
}

static void bad_parameters_are_refused(void **state)
{
    (void)state;
    kt_assert_refused(K(), "key=maybe", "expected off|on");
    kt_assert_refused(K(), "latency=warp:9", "parameter 'latency'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(snippet_refunds_twice),    cmocka_unit_test(key_on_dedupes_the_retry),
        cmocka_unit_test(lost_request_is_harmless), cmocka_unit_test(bugs_are_caught),
        cmocka_unit_test(runs_are_deterministic),   cmocka_unit_test(bad_parameters_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
