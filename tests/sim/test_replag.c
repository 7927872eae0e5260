/* Scenario tests for the replag kata: the drill's "empty 5 times out of 6", every cell of the compare matrix
 * (fix by guarantee, judged by the session checker), the costs, each --bug caught, refusals, determinism. */
#include "kata_run.h"
#include "katatest.h"

static const char *const two[] = {"delays=5s,2.5s", "users=4", NULL};

/* The drill: one replica with recovery_min_apply_delay = 5s; a row read back once a second is missing from
 * the replica 5 times out of 6, and the checker names each such read a read-your-writes violation. */
static void empty_five_times_out_of_six(void **state)
{
    (void)state;
    struct run r;
    run_kata(&r, "replag", 1, NULL, false, NULL);
    assert_int_equal((int)figure(&r.ctx, "reads"), 30);
    assert_int_equal((int)figure(&r.ctx, "empty_reads"), 25);
    assert_int_equal((int)figure(&r.ctx, "ryw_violations"), 25);
    assert_int_equal((int)figure(&r.ctx, "mr_violations"), 0);
    assert_int_equal((int)figure(&r.ctx, "row_visible_after_ms"), 5000);
    assert_true(check_passed(&r.ctx, "read-your-writes-violation-named"));
    assert_non_null(strstr(r.ctx.text.data, "read-your-writes violation: 25 of 30 reads returned empty"));
    assert_non_null(strstr(r.ctx.text.data, "read-your-writes: process 1 write u1.0"));
    /* Per round: reads 1..5 empty, read 6 (5 s after the commit) sees the row. */
    for (int round = 0; round < 5; round++)
        for (int k = 0; k < 6; k++) {
            char pat[64];
            snprintf(pat, sizeof(pat), "\"round\":%d,\"read\":%d,", round, k);
            const char *line = strstr(r.trace, pat);
            assert_non_null(line);
            assert_true(line_has(line, k < 5 ? "\"miss\":true" : "\"miss\":false"));
        }
    run_free(&r);
}

static double cell(const struct run *r, const char *fix, const char *g)
{
    char name[64];
    snprintf(name, sizeof(name), "%s.%s_violations", fix, g);
    return figure(&r->ctx, name);
}

/* compare=1 on seeds 1..20: every "yes" cell of the matrix has no violation on any seed, every "no" cell has
 * violations on seed 1 (and on most seeds). */
static void compare_matrix_cells(void **state)
{
    (void)state;
    static const char *const fixes[] = {"none", "read-primary", "lsn-wait", "sticky", "token-routing"};
    static const char *const gs[] = {"ryw", "mr", "mr_failover", "cp"};
    /* 1: the fix gives the guarantee; 0: it does not. */
    static const int want[5][4] = {{0, 0, 0, 0}, {1, 1, 1, 0}, {1, 1, 1, 0}, {0, 1, 0, 0}, {1, 1, 1, 0}};
    int broken[5][4] = {{0}};
    const char *o[] = {"compare=1", NULL};
    for (uint64_t seed = 1; seed <= 20; seed++) {
        struct run r;
        run_kata(&r, "replag", seed, NULL, false, o);
        for (int f = 0; f < 5; f++)
            for (int g = 0; g < 4; g++) {
                double v = cell(&r, fixes[f], gs[g]);
                if (want[f][g])
                    assert_true(v == 0);
                else if (v > 0)
                    broken[f][g]++;
            }
        assert_int_equal(kata_failures(&r.ctx), 0);
        run_free(&r);
    }
    for (int f = 0; f < 5; f++)
        for (int g = 0; g < 4; g++)
            if (!want[f][g])
                assert_true(broken[f][g] >= 15);
}

/* The costs: read-primary puts every read on the primary; lsn-wait none, but its p99 read waits out the
 * replica's apply delay; sticky costs nothing. */
static void costs(void **state)
{
    (void)state;
    struct run r;
    const char *lw[] = {"fix=lsn-wait", NULL};
    run_kata(&r, "replag", 3, NULL, false, lw);
    assert_true(figure(&r.ctx, "primary_share") == 0);
    assert_true(figure(&r.ctx, "added_p99_ms") > 4900 && figure(&r.ctx, "added_p99_ms") < 5100);
    assert_int_equal((int)figure(&r.ctx, "ryw_violations"), 0);
    run_free(&r);
    const char *rp[] = {"fix=read-primary", NULL};
    run_kata(&r, "replag", 3, NULL, false, rp);
    assert_true(figure(&r.ctx, "primary_share") == 1);
    assert_true(figure(&r.ctx, "added_p99_ms") < 1);
    run_free(&r);
    const char *st[] = {"fix=sticky", "delays=5s,2.5s", "users=4", NULL};
    run_kata(&r, "replag", 3, NULL, false, st);
    assert_true(figure(&r.ctx, "primary_share") == 0);
    assert_true(figure(&r.ctx, "ryw_violations") > 0);
    assert_int_equal((int)figure(&r.ctx, "mr_violations"), 0);
    run_free(&r);
}

/* Two replicas of different lag behind a load balancer: a user's reads go back in time. */
static void monotonic_reads_violated_with_two_replicas(void **state)
{
    (void)state;
    struct run r;
    run_kata(&r, "replag", 1, NULL, false, two);
    assert_true(figure(&r.ctx, "mr_violations") > 0);
    assert_non_null(strstr(r.ctx.text.data, "monotonic reads: process "));
    run_free(&r);
}

/* One leader: the replica replays a prefix of one log, so every fix gives consistent prefix; two leaders:
 * none. */
static void consistent_prefix_needs_one_log(void **state)
{
    (void)state;
    static const char *const fixes[] = {"fix=none", "fix=read-primary", "fix=lsn-wait", "fix=sticky",
                                        "fix=token-routing"};
    for (int f = 0; f < 5; f++) {
        const char *one[] = {fixes[f], "partitions=1", NULL};
        const char *twol[] = {fixes[f], NULL};
        struct run r;
        run_kata(&r, "replag", 2, NULL, false, one);
        assert_int_equal((int)figure(&r.ctx, "cp_violations"), 0);
        assert_true(check_passed(&r.ctx, "consistent-prefix-one-leader"));
        run_free(&r);
        run_kata(&r, "replag", 2, NULL, false, twol);
        assert_true(figure(&r.ctx, "cp_violations") > 0);
        run_free(&r);
    }
}

/* Sticky by consistent hashing: with the fresher replica failing, its users are re-hashed onto the laggier
 * one and monotonic reads break; the other fixes keep it across the same failure. */
static void sticky_loses_monotonic_reads_on_failover(void **state)
{
    (void)state;
    const char *st[] = {"fix=sticky", "delays=5s,2.5s", "users=4", "fail=16s", NULL};
    struct run r;
    run_kata(&r, "replag", 1, NULL, false, st);
    assert_true(figure(&r.ctx, "mr_violations") > 0);
    assert_non_null(find_event(r.trace, "fail", 2, 0));
    run_free(&r);
    const char *lw[] = {"fix=lsn-wait", "delays=5s,2.5s", "users=4", "fail=16s", NULL};
    run_kata(&r, "replag", 1, NULL, false, lw);
    assert_int_equal((int)figure(&r.ctx, "mr_violations"), 0);
    assert_true(check_passed(&r.ctx, "monotonic-reads"));
    run_free(&r);
}

static int failing_seeds(const char *bug, const char *const *o, uint64_t seeds, const char *check)
{
    int bad = 0;
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        struct run r;
        run_kata(&r, "replag", seed, bug, false, o);
        bad += !check_passed(&r.ctx, check);
        run_free(&r);
    }
    return bad;
}

static void bugs_are_caught(void **state)
{
    (void)state;
    const char *lw[] = {"fix=lsn-wait", "delays=5s,2.5s", "users=4", NULL};
    const char *tr[] = {"fix=token-routing", "delays=5s,2.5s", "users=4", NULL};
    assert_int_equal(failing_seeds(NULL, lw, 10, "read-your-writes"), 0);
    assert_int_equal(failing_seeds(NULL, lw, 10, "monotonic-reads"), 0);
    assert_int_equal(failing_seeds(NULL, tr, 10, "read-your-writes"), 0);
    assert_int_equal(failing_seeds("token-before-commit", lw, 10, "read-your-writes"), 10);
    assert_true(failing_seeds("token-not-max", lw, 10, "monotonic-reads") >= 5);
    assert_int_equal(failing_seeds("router-receive-lsn", tr, 10, "read-your-writes"), 10);
}

static void refusals(void **state)
{
    (void)state;
    const struct kata *k = kata_find("replag");
    kt_assert_refused(k, "fix=sometimes", "fix");
    kt_assert_refused(k, "delays=5s,fast", "'5s,fast' for parameter 'delays'");
    kt_assert_refused(k, "fail=soon", "'soon' for parameter 'fail'");
    kt_assert_refused(k, "partitions=3", "partitions");
    struct kt_run r;
    kt_run_ex(&r, k, 1, NULL, "router-receive-lsn", NULL, false, true);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.ctx.error, "fix=token-routing"));
    kt_close(&r);
}

static void determinism(void **state)
{
    (void)state;
    const char *st[] = {"fix=sticky", "delays=5s,2.5s", "users=3", NULL};
    assert_deterministic("replag", 7, true, st);
    kt_assert_deterministic(kata_find("replag"), two, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_five_times_out_of_six),
        cmocka_unit_test(compare_matrix_cells),
        cmocka_unit_test(costs),
        cmocka_unit_test(monotonic_reads_violated_with_two_replicas),
        cmocka_unit_test(consistent_prefix_needs_one_log),
        cmocka_unit_test(sticky_loses_monotonic_reads_on_failover),
        cmocka_unit_test(bugs_are_caught),
        cmocka_unit_test(refusals),
        cmocka_unit_test(determinism),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
