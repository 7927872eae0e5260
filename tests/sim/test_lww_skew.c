/* Scenario tests for the lww-skew kata and the lost-update checker: no skew loses nothing, skew loses more as it
 * grows, logical clocks never lose a client's own writes, both bugs caught, determinism. */
#include "check/lostupdate.h"
#include "kata_run.h"

static void add_write(struct history *h, int64_t proc, int64_t value, int64_t start, int64_t end, int64_t version,
                      enum hist_type type)
{
    history_invoke(h, proc, "write", NULL, hist_int(value), start);
    size_t i = history_complete(h, proc, type, hist_nil(), end);
    h->ev[i].version = version;
}

static void checker_counts_lost_writes(void **state)
{
    (void)state;
    struct history h;
    history_init(&h);
    add_write(&h, 0, 1, 0, 10, 50, HIST_OK);   /* stamped high */
    add_write(&h, 1, 2, 20, 30, 40, HIST_OK);  /* after it in real time, lower stamp: lost */
    add_write(&h, 0, 3, 40, 50, 45, HIST_OK);  /* lost too, to client 0's own first write: causal */
    add_write(&h, 1, 4, 60, 70, 60, HIST_OK);  /* beats everything before it */
    add_write(&h, 2, 5, 65, 90, 55, HIST_OK);  /* overlaps write 4: concurrent, not lost (55 > 50 before it) */
    add_write(&h, 0, 6, 95, 99, 1, HIST_INFO); /* unknown outcome: ignored */
    struct lost_update lu;
    assert_int_equal(lost_update_check(&h, NULL, &lu), 0);
    assert_int_equal(lu.writes, 5);
    assert_int_equal(lu.lost, 2);
    assert_int_equal(lu.lost_same_process, 1);
    assert_int_equal(h.ev[lu.example].value.i, 2);
    assert_int_equal(h.ev[lu.example_by].value.i, 1);
    history_close(&h);
}

static double run_figure(const char *fig, uint64_t seed, const char *bug, const char *const *o)
{
    struct run r;
    run_kata(&r, "lww-skew", seed, bug, false, o);
    double v = figure(&r.ctx, fig);
    run_free(&r);
    return v;
}

static void no_skew_loses_nothing_and_skew_loses_more_as_it_grows(void **state)
{
    (void)state;
    const char *zero[] = {"skew=0ms", "sweep=0ms", NULL}, *small[] = {"skew=5ms", "sweep=0ms", NULL},
               *large[] = {"skew=100ms", "sweep=0ms", NULL};
    for (uint64_t seed = 1; seed <= 5; seed++) {
        assert_true(run_figure("lost_wall", seed, NULL, zero) == 0);
        double s = run_figure("lost_wall", seed, NULL, small), l = run_figure("lost_wall", seed, NULL, large);
        assert_true(l > s);
        assert_true(l >= 100); /* a third of the 300 writes, at least */
        assert_true(run_figure("lost_causal_lamport", seed, NULL, large) == 0);
        assert_true(run_figure("lost_causal_hlc", seed, NULL, large) == 0);
        assert_true(run_figure("lost_causal_wall", seed, NULL, large) > 0);
    }
}

/* One client, two replicas, n1's clock a whole second ahead: every write through n0 within a second of a write
 * through n1 is lost, and each is lost to the client's own earlier write. */
static void one_client_loses_only_its_own_writes(void **state)
{
    (void)state;
    const char *o[] = {"nodes=2", "clients=1", "writes=50", "skew=1s", "latency=const:2ms", "sweep=0ms", NULL};
    struct run r;
    run_kata(&r, "lww-skew", 3, NULL, false, o);
    assert_int_equal(kata_failures(&r.ctx), 0);
    double lost = figure(&r.ctx, "lost_wall");
    assert_true(lost > 10);
    assert_true(figure(&r.ctx, "lost_causal_wall") == lost);
    assert_true(figure(&r.ctx, "lost_lamport") == 0);
    assert_true(figure(&r.ctx, "lost_hlc") == 0);
    assert_true(figure(&r.ctx, "writes_acked") == 50);
    /* The HLC carries n1's clock: a full second ahead of true time, never more. */
    assert_true(figure(&r.ctx, "hlc_ahead_max_ms") == 1000);
    run_free(&r);
}

static void bugs_are_caught(void **state)
{
    (void)state;
    const char *o[] = {"sweep=0ms", NULL};
    struct run r;
    run_kata(&r, "lww-skew", 1, "no-max", true, o);
    assert_false(check_passed(&r.ctx, "lamport_keeps_causal_writes"));
    assert_false(check_passed(&r.ctx, "hlc_keeps_causal_writes"));
    run_free(&r);
    uint64_t caught_at = 0;
    for (uint64_t seed = 1; seed <= 300 && !caught_at; seed++) {
        run_kata(&r, "lww-skew", seed, "no-tiebreak", true, o);
        if (!check_passed(&r.ctx, "lamport_replicas_converge"))
            caught_at = seed;
        run_free(&r);
    }
    assert_true(caught_at > 0);
}

static void swarm_seeds_hold(void **state)
{
    (void)state;
    const char *o[] = {"writes=40", "loss=0.05", "sweep=0ms", NULL};
    for (uint64_t seed = 1; seed <= 200; seed++) {
        struct run r;
        run_kata(&r, "lww-skew", seed, NULL, true, o);
        if (kata_failures(&r.ctx))
            fail_msg("seed %llu failed", (unsigned long long)seed);
        run_free(&r);
    }
}

static void same_seed_same_trace(void **state)
{
    (void)state;
    const char *o[] = {"sweep=0ms", NULL};
    assert_deterministic("lww-skew", 42, true, o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(checker_counts_lost_writes),
        cmocka_unit_test(no_skew_loses_nothing_and_skew_loses_more_as_it_grows),
        cmocka_unit_test(one_client_loses_only_its_own_writes),
        cmocka_unit_test(bugs_are_caught),
        cmocka_unit_test(swarm_seeds_hold),
        cmocka_unit_test(same_seed_same_trace),
    };
    return cmocka_run_group_tests_name("lww-skew", tests, NULL, NULL);
}
