/* Scenario tests for the retry kata: one request's retries through a blip at exact virtual times, the herd of
 * the fixed policy against full jitter with a budget, each planted bug caught, Brooker's contention experiment,
 * determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "katatest.h"

static const struct kata *K(void)
{
    const struct kata *k = kata_find("retry");
    assert_non_null(k);
    return k;
}

/* One request at t=0, latency 1 ms, timeout 1 s, fixed 1 s sleep, the downstream silent until 2.5 s: calls reach
 * it at 1 ms, 2.001 s and 4.001 s; the third is served in 1/6000 s and answered at 4.002166666 s. */
static void one_request_through_the_blip(void **state)
{
    (void)state;
    const char *ov[] = {"callers=1", "rate=0.001", "blip_at=0", "blip=2.5s", "latency=1ms", NULL};
    struct kt_run r;
    kt_run(&r, K(), 1, ov, NULL, NULL, false);
    assert_int_equal(r.rc, 0);
    assert_true(kt_traced(&r, "{\"t\":1000000,\"node\":0,\"kind\":\"call\",\"request\":0,\"attempt\":1}"));
    assert_true(kt_traced(&r, "{\"t\":2001000000,\"node\":0,\"kind\":\"call\",\"request\":0,\"attempt\":2}"));
    assert_true(kt_traced(&r, "{\"t\":4001000000,\"node\":0,\"kind\":\"call\",\"request\":0,\"attempt\":3}"));
    assert_true(kt_traced(&r, "{\"t\":4002166666,\"node\":1,\"kind\":\"done\",\"request\":0,\"ok\":1}"));
    assert_true(kt_figure(&r, "calls") == 3);
    assert_true(kt_figure(&r, "success_rate") == 1);
    kt_close(&r);
}

#define SMALL "callers=500", "capacity=600"

static void fixed_policy_herds_and_budget_recovers(void **state)
{
    (void)state;
    const char *snippet[] = {SMALL, NULL};
    struct kt_run r;
    kt_run(&r, K(), 1, snippet, NULL, NULL, false);
    assert_int_equal(kt_check(&r, "load-recovers-after-blip"), 0);
    assert_int_equal(kt_check(&r, "attempts-bounded"), 1);
    assert_true(kt_figure(&r, "peak_over_capacity") > 1.5);
    double fixed_calls = kt_figure(&r, "calls");
    kt_close(&r);
    const char *fix[] = {SMALL, "policy=full-jitter", "budget=0.1", NULL};
    kt_run(&r, K(), 1, fix, NULL, NULL, false);
    assert_int_equal(kata_failures(&r.ctx), 0);
    assert_int_equal(kt_check(&r, "retry-budget-respected"), 1);
    assert_true(kt_figure(&r, "recovery_s") <= 1.0);
    assert_true(kt_figure(&r, "amplification") < 1.05);
    assert_true(kt_figure(&r, "calls") < fixed_calls);
    kt_close(&r);
}

static void bugs_are_caught(void **state)
{
    (void)state;
    const char *ov[] = {SMALL, "policy=full-jitter", "budget=0.1", NULL};
    struct kt_run r;
    kt_run(&r, K(), 1, ov, "no-budget-debit", NULL, false);
    assert_int_equal(kt_check(&r, "retry-budget-respected"), 0);
    kt_close(&r);
    const char *two[] = {SMALL, "policy=full-jitter", "budget=0.1", "attempts=2", NULL};
    kt_run(&r, K(), 1, two, "attempts-reset", NULL, false);
    assert_int_equal(kt_check(&r, "attempts-bounded"), 0);
    kt_close(&r);
    kt_run(&r, K(), 1, two, NULL, NULL, false);
    assert_int_equal(kata_failures(&r.ctx), 0);
    kt_close(&r);
}

/* Brooker's result: with clients starting together, jitter needs far fewer calls than plain exponential backoff. */
static void contention_jitter_needs_fewer_calls(void **state)
{
    (void)state;
    const char *expo[] = {"experiment=contention:50", "policy=expo", NULL};
    const char *full[] = {"experiment=contention:50", "policy=full-jitter", NULL};
    struct kt_run a, b;
    kt_run(&a, K(), 1, expo, NULL, NULL, false);
    kt_run(&b, K(), 1, full, NULL, NULL, false);
    assert_int_equal(kt_check(&a, "occ-no-lost-update"), 1);
    assert_int_equal(kt_check(&b, "occ-no-lost-update"), 1);
    assert_true(kt_figure(&b, "cas_calls_n50") >= 50);
    assert_true(kt_figure(&b, "cas_calls_n50") < kt_figure(&a, "cas_calls_n50"));
    kt_close(&a);
    kt_close(&b);
}

static void runs_are_deterministic(void **state)
{
    (void)state;
    const char *ov[] = {"policy=full-jitter", "budget=0.1", NULL};
    kt_assert_deterministic(K(), ov, 10);
}

static void bad_parameters_are_refused(void **state)
{
    (void)state;
    kt_assert_refused(K(), "policy=random", "expected fixed|expo|full-jitter|equal-jitter|decorrelated-jitter");
    kt_assert_refused(K(), "experiment=contention:1", "parameter 'experiment'");
    kt_assert_refused(K(), "blip_at=40s", "bad settings");
    kt_assert_refused(K(), "budget=-1", "parameter 'budget'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_request_through_the_blip),
        cmocka_unit_test(fixed_policy_herds_and_budget_recovers),
        cmocka_unit_test(bugs_are_caught),
        cmocka_unit_test(contention_jitter_needs_fewer_calls),
        cmocka_unit_test(runs_are_deterministic),
        cmocka_unit_test(bad_parameters_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
