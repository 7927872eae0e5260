/* Scenario tests for the fencing kata: the drill's run at exact virtual times under every check, each planted
 * bug caught, and determinism (two runs of a seed give the same trace hash). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "katatest.h"

static const struct kata *K(void)
{
    const struct kata *k = kata_find("fencing");
    assert_non_null(k);
    return k;
}

/* With a constant 1 ms latency the drill's times are exact: c0 is granted token 7 at 1 ms and writes after its
 * 15 s pause at 15.5 s (applied at 15.501 s); c1 asks at 1 s, is told to retry when the lease ends (5.001 s),
 * asks at 5.002 s and is granted token 8 at 5.003 s. */
static void snippet_applies_the_stale_write(void **state)
{
    (void)state;
    const char *ov[] = {"latency=1ms", NULL};
    struct kt_run r;
    kt_run(&r, K(), 1, ov, NULL, NULL, false);
    assert_int_equal(r.rc, 0);
    assert_true(kt_traced(&r, "{\"t\":1000000,\"node\":0,\"kind\":\"grant\",\"client\":0,\"token\":7}"));
    assert_true(kt_traced(&r, "{\"t\":5003000000,\"node\":0,\"kind\":\"grant\",\"client\":1,\"token\":8}"));
    assert_true(kt_traced(&r, "\"kind\":\"grant\",\"client\":1,\"token\":12}"));
    assert_true(kt_traced(&r, "{\"t\":15501000000,\"node\":1,\"kind\":\"apply\",\"client\":0,\"token\":7,\"step\":1}"));
    assert_int_equal(kt_check(&r, "no-stale-write-applied"), 0);
    assert_int_equal(kt_check(&r, "tokens-increase"), 1);
    assert_int_equal(kt_check(&r, "new-holder-writes-applied"), 1);
    assert_true(kt_figure(&r, "stale_writes_applied") == 1);
    assert_true(kt_figure(&r, "highest_token_applied") == 12);
    assert_int_equal(kata_failures(&r.ctx), 1);
    kt_close(&r);
}

static void none_and_lease_only_fail_too(void **state)
{
    (void)state;
    const char *modes[] = {"check=none", "check=lease-only"};
    for (int m = 0; m < 2; m++) {
        const char *ov[] = {"latency=1ms", modes[m], NULL};
        struct kt_run r;
        kt_run(&r, K(), 1, ov, NULL, NULL, false);
        assert_int_equal(kt_check(&r, "no-stale-write-applied"), 0);
        assert_true(kt_traced(&r, "{\"t\":15501000000,\"node\":1,\"kind\":\"apply\",\"client\":0,\"token\":7,"));
        kt_close(&r);
    }
}

static void before_write_rejects_token_7(void **state)
{
    (void)state;
    const char *ov[] = {"latency=1ms", "check=before-write", NULL};
    struct kt_run r;
    kt_run(&r, K(), 1, ov, NULL, NULL, false);
    assert_true(kt_traced(&r, "{\"t\":15501000000,\"node\":1,\"kind\":\"reject\",\"client\":0,\"token\":7,"));
    /* fenced off, c0 acquires again and its step lands with a fresh token */
    assert_true(kt_traced(&r, "\"kind\":\"apply\",\"client\":0,\"token\":13,\"step\":1}"));
    assert_int_equal(kata_failures(&r.ctx), 0);
    assert_true(kt_figure(&r, "writes_rejected") == 1);
    kt_close(&r);
}

/* A lease alone holds when the pause ends before the lease does: the client's own check is enough then. */
static void lease_only_holds_for_a_short_pause(void **state)
{
    (void)state;
    const char *ov[] = {"latency=1ms", "check=lease-only", "pause=2s", NULL};
    struct kt_run r;
    kt_run(&r, K(), 1, ov, NULL, NULL, false);
    assert_int_equal(kata_failures(&r.ctx), 0);
    kt_close(&r);
}

static void bugs_are_caught(void **state)
{
    (void)state;
    const char *ov[] = {"check=before-write", NULL};
    struct kt_run r;
    kt_run(&r, K(), 1, ov, "per-client-highest", NULL, false);
    assert_int_equal(kt_check(&r, "no-stale-write-applied"), 0);
    kt_close(&r);
    kt_run(&r, K(), 1, ov, "token-reuse", NULL, false);
    assert_int_equal(kt_check(&r, "tokens-increase"), 0);
    kt_close(&r);
    /* the storage restarts during c0's pause and forgets token 12 */
    const char *nem = "500ms pause 2; 15.5s resume 2; 12s crash 1; 12.5s restart 1";
    kt_run(&r, K(), 1, ov, "volatile-highest", nem, false);
    assert_int_equal(kt_check(&r, "no-stale-write-applied"), 0);
    kt_close(&r);
    kt_run(&r, K(), 1, ov, NULL, nem, false);
    assert_int_equal(kata_failures(&r.ctx), 0);
    kt_close(&r);
}

static void runs_are_deterministic(void **state)
{
    (void)state;
    const char *ov[] = {"check=before-write", NULL};
    kt_assert_deterministic(K(), ov, 20);
}

static void bad_parameters_are_refused(void **state)
{
    (void)state;
    kt_assert_refused(K(), "check=sometimes", "none|lease-only|after-write|before-write");
    kt_assert_refused(K(), "latency=warp:9", "parameter 'latency'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(snippet_applies_the_stale_write), cmocka_unit_test(none_and_lease_only_fail_too),
        cmocka_unit_test(before_write_rejects_token_7),    cmocka_unit_test(lease_only_holds_for_a_short_pause),
        cmocka_unit_test(bugs_are_caught),                 cmocka_unit_test(runs_are_deterministic),
        cmocka_unit_test(bad_parameters_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
