/* Scenario tests for the paxos kata and its checker (src/check/chosen.c): exact virtual times with constant
 * latency, the competing proposer adopting the chosen value, every --bug caught, swarms, determinism. */
#include "check/chosen.h"
#include "kata_run.h"

static void single_proposer_chooses_in_two_round_trips(void **state)
{
    (void)state;
    /* prepare at 0, promises back at 10ms, accepts land at 15ms (chosen), accepted acks back at 20ms. */
    const char *o[] = {"proposers=1", "latency=const:5ms", "start_spread=0ms", NULL};
    struct run r;
    run_kata(&r, "paxos", 1, NULL, false, o);
    assert_int_equal(kata_failures(&r.ctx), 0);
    assert_true(figure(&r.ctx, "time_to_choose_ms") == 15.0);
    assert_true(figure(&r.ctx, "time_all_learn_ms") == 20.0);
    assert_true(figure(&r.ctx, "rounds") == 1.0);
    assert_int_equal(first_time(r.trace, "propose", 3), 10000000LL);
    run_free(&r);
}

static void competing_proposer_adopts_the_chosen_value(void **state)
{
    (void)state;
    /* Both prepare at 0: every acceptor promises 1.0 then 1.1, so accept(1.0,'a') is refused at 15ms and
     * accept(1.1,'b') is chosen at 15ms. p0's next promise quorum must meet {a0,a1,a2} and carry 'b'. */
    const char *o[] = {"latency=const:5ms", "start_spread=0ms", NULL};
    for (uint64_t seed = 1; seed <= 10; seed++) {
        struct run r;
        run_kata(&r, "paxos", seed, NULL, false, o);
        assert_int_equal(kata_failures(&r.ctx), 0);
        assert_true(figure(&r.ctx, "time_to_choose_ms") == 15.0);
        const char *first = find_event(r.trace, "propose", 3, 0), *second = find_event(r.trace, "propose", 3, 1);
        assert_non_null(first);
        assert_non_null(second);
        assert_true(line_has(first, "\"value\":0"));  /* its own 'a', refused */
        assert_true(line_has(second, "\"value\":1")); /* then the chosen 'b' */
        assert_int_equal(count_events(r.trace, "learn", -1), 2);
        assert_true(line_has(find_event(r.trace, "learn", 3, 0), "\"value\":1"));
        run_free(&r);
    }
}

/* The checker alone: it must fail on two values chosen, a proposal missing a chosen quorum, a wrong learner. */
static void checker_catches_each_violation(void **state)
{
    (void)state;
    struct chosen c;
    chosen_init(&c, 3, NULL);
    assert_true(chosen_accepted(&c, 0, 10, 0));
    assert_true(chosen_accepted(&c, 1, 10, 0));
    assert_int_equal(c.value, 0);
    struct buf why;
    buf_init(&why);
    assert_true(chosen_proposal(&c, 20, 0x6, 0, &why)); /* {a1,a2} meets {a0,a1} in {a1} */
    assert_non_null(strstr(why.data, "in {a1}"));
    assert_false(chosen_proposal(&c, 21, 0x4, 0, NULL)); /* {a2} misses {a0,a1} */
    assert_false(chosen_proposal(&c, 22, 0x6, 1, NULL)); /* meets it, but carries another value */
    assert_true(chosen_learned(&c, 0, 0));
    assert_false(chosen_learned(&c, 1, 1));
    assert_true(chosen_accepted(&c, 1, 30, 1));
    assert_false(chosen_accepted(&c, 2, 30, 1)); /* 'b' reaches a majority too */
    assert_non_null(strstr(c.last, "two values chosen"));
    assert_false(chosen_accepted(&c, 0, 30, 0)); /* one ballot, two values */
    assert_int_equal(c.violations, 5);
    assert_non_null(strstr(c.first, "misses every acceptor"));
    buf_close(&why);
    chosen_close(&c);
}

static void bugs_are_caught_by_the_safety_check(void **state)
{
    (void)state;
    const char *bugs[] = {"accept-without-promise", "quorum-n-2", "ignore-promised-value"};
    for (size_t b = 0; b < 3; b++) {
        uint64_t caught_at = 0;
        for (uint64_t seed = 1; seed <= 200 && !caught_at; seed++) {
            struct run r;
            run_kata(&r, "paxos", seed, bugs[b], true, NULL);
            if (!check_passed(&r.ctx, "at-most-one-value-chosen")) {
                caught_at = seed;
                assert_non_null(find_event(r.trace, "violation", -1, 0));
            }
            run_free(&r);
        }
        if (!caught_at)
            fail_msg("bug %s not caught in 200 seeds", bugs[b]);
    }
}

static void swarm_seeds_hold_with_faults_loss_and_duplicates(void **state)
{
    (void)state;
    const char *o[] = {"loss=0.1", "duplicate=0.1", "proposers=3", "acceptors=5", NULL};
    for (uint64_t seed = 1; seed <= 300; seed++) {
        struct run r;
        run_kata(&r, "paxos", seed, NULL, true, o);
        if (kata_failures(&r.ctx))
            fail_msg("seed %llu failed", (unsigned long long)seed);
        run_free(&r);
    }
}

static void same_seed_same_trace(void **state)
{
    (void)state;
    assert_deterministic("paxos", 42, true, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(single_proposer_chooses_in_two_round_trips),
        cmocka_unit_test(competing_proposer_adopts_the_chosen_value),
        cmocka_unit_test(checker_catches_each_violation),
        cmocka_unit_test(bugs_are_caught_by_the_safety_check),
        cmocka_unit_test(swarm_seeds_hold_with_faults_loss_and_duplicates),
        cmocka_unit_test(same_seed_same_trace),
    };
    return cmocka_run_group_tests_name("paxos", tests, NULL, NULL);
}
