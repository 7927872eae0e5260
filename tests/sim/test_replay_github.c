/* Scenario tests: the github-2018 replay. Exact virtual times of detection and promotion; as-was diverges (acked
 * writes only in east and only in west, the east tail lost on the final primary); no-cross-region and semi-sync
 * keep one history; the knobs move the figures the way the postmortem says; runs are deterministic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "katatest.h"
#include "katas/replay.h"

static const struct kata *scenario(void)
{
    return replay_find("github-2018")->scenario;
}

static void test_as_was_diverges(void **state)
{
    (void)state;
    struct kt_run r;
    kt_run(&r, scenario(), 1, NULL, NULL, NULL, false);
    assert_int_equal(r.rc, 0);
    assert_int_equal(kt_check(&r, "acked-writes-on-final-primary"), 0);
    assert_int_equal(kt_check(&r, "one-history"), 0);
    assert_int_equal(kt_check(&r, "no-deposed-writes"), 1);
    /* partition at 60s; pings every 1s (orch-west's at 1s+3ms offsets); suspected once 10s pass without a pong:
     * 70.003s; orch-cloud 70.004s, hears west's suspicion 30ms later and promotes; west-db gets it 30ms later */
    assert_true(kt_traced(&r, "\"t\":70003000000"));
    assert_true(kt_figure(&r, "promoted_after_s") > 10.0 && kt_figure(&r, "promoted_after_s") < 10.1);
    /* 2s of lag at 100 writes/s: about 200 acknowledged writes never reach west */
    assert_true(kt_figure(&r, "east_only_writes") >= 200 && kt_figure(&r, "east_only_writes") <= 215);
    assert_true(kt_figure(&r, "west_only_writes") > 9000);
    assert_true(kt_figure(&r, "lost_on_final_primary") == kt_figure(&r, "east_only_writes"));
    kt_close(&r);
}

static void test_prevented(void **state)
{
    (void)state;
    const char *ov[] = {"config=no-cross-region", NULL};
    struct kt_run r;
    kt_run(&r, scenario(), 1, ov, NULL, NULL, false);
    assert_int_equal(kata_failures(&r.ctx), 0);
    assert_true(kt_traced(&r, "refuse-cross-region"));
    assert_false(kt_traced(&r, "\"promoted\""));
    assert_true(kt_figure(&r, "promoted_after_s") == -1);
    assert_true(kt_figure(&r, "longest_write_gap_s") >= 43.0); /* the cost: writes wait out the partition */
    kt_close(&r);
    const char *ov2[] = {"config=semi-sync", NULL};
    kt_run(&r, scenario(), 1, ov2, NULL, NULL, false);
    assert_int_equal(kata_failures(&r.ctx), 0);
    assert_true(kt_figure(&r, "east_only_writes") == 0);
    assert_true(kt_figure(&r, "west_only_writes") > 9000);
    kt_close(&r);
}

/* No lag, no east tail: async with repl_lag ~0 loses (almost) nothing; a detector slower than the partition never
 * promotes, so as-was keeps one history. */
static void test_knobs(void **state)
{
    (void)state;
    const char *slow[] = {"detect=50s", NULL};
    struct kt_run r;
    kt_run(&r, scenario(), 1, slow, NULL, NULL, false);
    assert_int_equal(kata_failures(&r.ctx), 0);
    assert_true(kt_figure(&r, "promoted_after_s") == -1);
    kt_close(&r);
    const char *lag[] = {"repl_lag=10s", NULL};
    kt_run(&r, scenario(), 1, lag, NULL, NULL, false);
    assert_true(kt_figure(&r, "east_only_writes") >= 1000);
    kt_close(&r);
    kt_assert_refused(scenario(), "detect=0s", "bad times");
    kt_assert_refused(scenario(), "config=maybe", "config");
}

static void test_deterministic(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct kt_run a, b;
        kt_run(&a, scenario(), seed, NULL, NULL, NULL, false);
        kt_run(&b, scenario(), seed, NULL, NULL, NULL, false);
        assert_true(a.trace_len > 0 && a.trace_hash == b.trace_hash);
        kt_close(&a);
        kt_close(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_as_was_diverges),
        cmocka_unit_test(test_prevented),
        cmocka_unit_test(test_knobs),
        cmocka_unit_test(test_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
