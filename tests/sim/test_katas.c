/* Scenario tests for the clocks and raft-election katas: exact virtual times, named phases, every --bug caught,
 * and determinism (same seed, same trace bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"
#include "katas/kata.h"

#include "kata_run.h"

static void raft_single_node_elects_itself_at_its_timeout(void **state)
{
    (void)state;
    const char *o[] = {"nodes=1", "timeout_min=200ms", "timeout_max=200ms", NULL};
    struct run r;
    run_nemesis = "7s heal"; /* the scripted scenario needs 3 nodes; a schedule of our own takes any size */
    run_kata(&r, "raft-election", 1, NULL, false, o);
    run_nemesis = NULL;
    assert_int_equal(first_time(r.trace, "leader", 0), 200000000LL);
    run_free(&r);
}

static void raft_leader_two_latencies_after_candidacy(void **state)
{
    (void)state;
    /* Constant 5 ms latency: RequestVote out, vote back, so the first candidate leads exactly 10 ms later. */
    const char *o[] = {"latency=const:5ms", NULL};
    struct run r;
    run_kata(&r, "raft-election", 3, NULL, false, o);
    long long cand = first_time(r.trace, "candidate", -1);
    assert_true(cand >= 150000000LL && cand <= 300000000LL);
    long long lead = first_time(r.trace, "leader", -1);
    assert_int_equal(lead - cand, 10000000LL);
    assert_int_equal((long long)(figure(&r.ctx, "time_to_first_leader_ms") * 1e6 + 0.5), lead);
    run_free(&r);
}

static void raft_scenario_phases_hold(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        struct run r;
        run_kata(&r, "raft-election", seed, NULL, false, NULL);
        assert_true(check_passed(&r.ctx, "first-leader-within-bound"));
        assert_true(check_passed(&r.ctx, "one-new-leader-after-crash"));
        assert_true(check_passed(&r.ctx, "majority-side-elects"));
        assert_true(check_passed(&r.ctx, "minority-side-elects-none"));
        assert_true(check_passed(&r.ctx, "one-leader-after-heal"));
        assert_true(check_passed(&r.ctx, "election-safety"));
        /* the crash happens at 2 s: the replacement comes within one bound */
        assert_true(first_time(r.trace, "crash", -1) == 2000000000LL);
        double replace = figure(&r.ctx, "time_to_replace_leader_ms");
        assert_true(replace >= 100 && replace <= 1000); /* timeout_min - heartbeat: timers started at the last heartbeat */
        run_free(&r);
    }
}

/* Each bug must be caught somewhere in the first seeds of a swarm (random faults from the seed). */
static void raft_bugs_are_caught(void **state)
{
    (void)state;
    const char *bugs[] = {"vote-twice", "ignore-log", "forget-vote", "volatile-term"};
    for (size_t b = 0; b < 4; b++) {
        uint64_t caught_at = 0;
        for (uint64_t seed = 1; seed <= 3000 && !caught_at; seed++) {
            struct run r;
            run_kata(&r, "raft-election", seed, bugs[b], true, NULL);
            if (!check_passed(&r.ctx, "election-safety"))
                caught_at = seed;
            run_free(&r);
        }
        if (!caught_at)
            fail_msg("bug %s not caught in 3000 seeds", bugs[b]);
    }
}

static void raft_swarm_seeds_hold(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 300; seed++) {
        struct run r;
        run_kata(&r, "raft-election", seed, NULL, true, NULL);
        if (kata_failures(&r.ctx))
            fail_msg("seed %llu failed", (unsigned long long)seed);
        run_free(&r);
    }
}

static void determinism(void **state)
{
    (void)state;
    assert_deterministic("raft-election", 42, true, NULL);
    assert_deterministic("clocks", 42, false, NULL);
}

static void clocks_hold_and_bugs_are_caught(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 50; seed++) {
        struct run r;
        run_kata(&r, "clocks", seed, NULL, false, NULL);
        assert_int_equal(kata_failures(&r.ctx), 0);
        assert_int_equal((int)figure(&r.ctx, "events"), 50);
        run_free(&r);
    }
    const char *bugs[] = {"receive-no-max", "send-no-increment", "vc-no-merge"};
    const char *checks[] = {"lamport-clock-condition", "lamport-clock-condition", "vector-clock-condition"};
    for (int b = 0; b < 3; b++) {
        int caught = 0;
        for (uint64_t seed = 1; seed <= 20; seed++) {
            struct run r;
            run_kata(&r, "clocks", seed, bugs[b], false, NULL);
            caught += !check_passed(&r.ctx, checks[b]);
            run_free(&r);
        }
        assert_true(caught > 0);
    }
}

static void clocks_two_processes_one_message(void **state)
{
    (void)state;
    /* One tick per ms; the first event happens at exactly 1 ms. */
    const char *o[] = {"procs=2", "ticks=1", NULL};
    struct run r;
    run_kata(&r, "clocks", 5, NULL, false, o);
    assert_int_equal((int)figure(&r.ctx, "events"), 1);
    assert_non_null(strstr(r.trace, "{\"t\":1000000,"));
    assert_non_null(strstr(r.trace, "\"lamport\":1,"));
    run_free(&r);
}

static void bad_parameters_are_reported(void **state)
{
    (void)state;
    const struct kata *k = kata_find("raft-election");
    const char *values[MAXP];
    for (int i = 0; i < k->nparams; i++)
        values[i] = k->params[i].def;
    values[kata_param_index(k, "latency")] = "gaussian:3ms";
    struct kata_ctx ctx;
    kata_ctx_init(&ctx, 1, values);
    assert_int_equal(k->run(&ctx), -1);
    assert_non_null(strstr(ctx.error, "latency"));
    kata_ctx_close(&ctx);
    values[kata_param_index(k, "latency")] = k->params[kata_param_index(k, "latency")].def;
    values[kata_param_index(k, "heartbeat")] = "500ms";
    kata_ctx_init(&ctx, 1, values);
    assert_int_equal(k->run(&ctx), -1);
    assert_non_null(strstr(ctx.error, "heartbeat"));
    kata_ctx_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(raft_single_node_elects_itself_at_its_timeout),
        cmocka_unit_test(raft_leader_two_latencies_after_candidacy),
        cmocka_unit_test(raft_scenario_phases_hold),
        cmocka_unit_test(raft_bugs_are_caught),
        cmocka_unit_test(raft_swarm_seeds_hold),
        cmocka_unit_test(determinism),
        cmocka_unit_test(clocks_hold_and_bugs_are_caught),
        cmocka_unit_test(clocks_two_processes_one_message),
        cmocka_unit_test(bad_parameters_are_reported),
    };
    return cmocka_run_group_tests_name("katas", tests, NULL, NULL);
}
