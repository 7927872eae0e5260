/* Scenario tests for the quorum kata: exact virtual times with constant WARS latencies, a replica cut off from
 * writes (stale for R+W<=N, fresh for R+W>N), PBS figures in range, each planted bug caught, determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "katatest.h"

static const struct kata *K(void)
{
    const struct kata *k = kata_find("quorum");
    assert_non_null(k);
    return k;
}

#define CONST_WARS "lat_w=10ms", "lat_a=1ms", "lat_r=1ms", "lat_s=1ms", "trials=1", "writes=1", "t=0"

/* W 10 ms + A 1 ms: the write is confirmed at 11 ms; the read starts then and returns at 13 ms. */
static void exact_times_with_constant_latencies(void **state)
{
    (void)state;
    const char *ov[] = {CONST_WARS, NULL};
    struct kt_run r;
    kt_run(&r, K(), 1, ov, NULL, NULL, false);
    assert_int_equal(r.rc, 0);
    assert_true(kt_traced(&r, "{\"t\":11000000,\"node\":0,\"kind\":\"confirmed\",\"version\":1}"));
    assert_true(kt_traced(&r, "{\"t\":13000000,\"node\":1,\"kind\":\"read\",\"id\":0,\"version\":1}"));
    assert_int_equal(kata_failures(&r.ctx), 0);
    kt_close(&r);
}

/* Replica 0 (node 2) never gets the write; its answer ties with the others and comes first: R=1 reads it. */
static void cut_replica_is_read_stale_unless_quorums_overlap(void **state)
{
    (void)state;
    const char *nem = "0s cut 0>2";
    const char *ov[] = {CONST_WARS, NULL};
    struct kt_run r;
    kt_run(&r, K(), 1, ov, NULL, nem, false);
    assert_true(kt_traced(&r, "{\"t\":13000000,\"node\":1,\"kind\":\"read\",\"id\":0,\"version\":0}"));
    assert_int_equal(kt_check(&r, "read-your-writes"), 0);
    assert_true(kt_figure(&r, "stale_reads") == 1);
    kt_close(&r);
    const char *fixes[][2] = {{"R=2", "W=1"}, {"W=2", "R=2"}};
    for (int i = 0; i < 2; i++) {
        const char *ov2[] = {CONST_WARS, fixes[i][0], fixes[i][1], NULL};
        kt_run(&r, K(), 1, ov2, NULL, nem, false);
        assert_int_equal(kata_failures(&r.ctx), 0);
        kt_close(&r);
    }
    /* W=3 cannot gather its acks: no stale read, because no write is ever confirmed (availability is the price) */
    const char *all[] = {CONST_WARS, "W=3", NULL};
    kt_run(&r, K(), 1, all, NULL, nem, false);
    assert_true(kt_figure(&r, "write_stalled") == 1);
    assert_true(kt_figure(&r, "reads") == 0);
    kt_close(&r);
    const char *sticky[] = {CONST_WARS, "session=sticky", NULL};
    kt_run(&r, K(), 1, sticky, NULL, nem, false);
    assert_int_equal(kata_failures(&r.ctx), 0);
    kt_close(&r);
}

/* The snippet's default: stale reads happen, freshness rises with t, and stays above PBS's closed-form bound. */
static void snippet_is_stale_and_fix_is_exact(void **state)
{
    (void)state;
    const char *ov[] = {"trials=2000", NULL};
    struct kt_run r;
    kt_run(&r, K(), 1, ov, NULL, NULL, false);
    assert_int_equal(kt_check(&r, "read-your-writes"), 0);
    double p0 = kt_figure(&r, "p_fresh_at_0ms"), p10 = kt_figure(&r, "p_fresh_at_10ms");
    double p100 = kt_figure(&r, "p_fresh_at_100ms");
    assert_true(p0 > 1.0 / 3 && p0 < 0.6);
    assert_true(p0 < p10 && p10 <= p100 && p100 > 0.99);
    kt_close(&r);
    const char *fix[] = {"trials=2000", "W=2", "R=2", "compare=1", NULL};
    kt_run_ex(&r, K(), 1, fix, NULL, NULL, false, false); /* the compare table runs only for people */
    assert_int_equal(kata_failures(&r.ctx), 0);
    assert_int_equal(kt_check(&r, "strict-quorums-always-fresh"), 1);
    assert_true(kt_figure(&r, "p_fresh_at_0ms") == 1.0);
    kt_close(&r);
}

static void bugs_are_caught(void **state)
{
    (void)state;
    const char *ov[] = {"trials=2000", "W=2", "R=2", NULL};
    const char *bugs[] = {"ack-before-apply", "first-response", "last-arrival-wins"};
    for (int i = 0; i < 3; i++) {
        struct kt_run r;
        kt_run(&r, K(), 1, ov, bugs[i], NULL, false);
        assert_int_equal(kt_check(&r, "read-your-writes"), 0);
        kt_close(&r);
    }
}

static void runs_are_deterministic(void **state)
{
    (void)state;
    const char *ov[] = {"W=2", "R=2", NULL};
    kt_assert_deterministic(K(), ov, 20);
}

static void bad_parameters_are_refused(void **state)
{
    (void)state;
    kt_assert_refused(K(), "W=4", "bad quorum W=4 R=1 for N=3");
    kt_assert_refused(K(), "t=0,soon", "parameter 't'");
    kt_assert_refused(K(), "lat_s=pareto:1ms", "parameter 'lat_s'");
    kt_assert_refused(K(), "gap=50ms", "bad gap");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_times_with_constant_latencies),
        cmocka_unit_test(cut_replica_is_read_stale_unless_quorums_overlap),
        cmocka_unit_test(snippet_is_stale_and_fix_is_exact),
        cmocka_unit_test(bugs_are_caught),
        cmocka_unit_test(runs_are_deterministic),
        cmocka_unit_test(bad_parameters_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
