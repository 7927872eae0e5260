/* Unit tests for the load checker: buckets, goodput and amplification, over-long retry loops, budget breaches,
 * recovery (in time, late, never) with a smoothing window, and the optimistic-concurrency rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "check/load.h"

#define MS 1000000LL

static struct load_spec spec(void)
{
    return (struct load_spec){.bucket_ns = 100 * MS, .capacity = 2, .blip_end = 200 * MS, .end = 1000 * MS,
                              .bound_ns = 300 * MS, .window = 1, .max_attempts = 3};
}

static void buckets_amplification_and_latency(void **state)
{
    (void)state;
    const struct load_call c[] = {{10 * MS, 0, 1}, {20 * MS, 1, 1}, {150 * MS, 0, 2}, {950 * MS, 2, 1}};
    const struct load_request q[] = {{0, 160 * MS, true}, {15 * MS, 25 * MS, true}, {940 * MS, -1, false}};
    struct load_spec s = spec();
    struct load_report r;
    assert_int_equal(load_check(c, 4, q, 3, &s, &r), 0);
    assert_int_equal(r.nbuckets, 10);
    assert_int_equal(r.per_bucket[0], 2);
    assert_int_equal(r.per_bucket[1], 1);
    assert_int_equal(r.per_bucket[9], 1);
    assert_int_equal(r.ok_per_bucket[0], 1); /* goodput by end time: request 1 at 25 ms, request 0 at 160 ms */
    assert_int_equal(r.ok_per_bucket[1], 1);
    assert_int_equal(r.ok_per_bucket[9], 0); /* request 2 never finished */
    assert_true(r.peak == 2 && r.peak_over_capacity == 1.0);
    assert_true(r.amplification > 1.33 && r.amplification < 1.34);
    assert_int_equal(r.retries, 1);
    assert_true(r.success_rate > 0.66 && r.success_rate < 0.67);
    assert_true(r.p50_ms == 10 && r.p99_ms == 10); /* finished: 160 ms and 10 ms; the lower median */
    assert_true(r.recovered && r.recovery_ns == 0);
    load_report_close(&r);
}

static void too_many_attempts_and_budget_breach(void **state)
{
    (void)state;
    struct load_call c[6];
    for (int i = 0; i < 4; i++)
        c[i] = (struct load_call){(10 + i) * MS, 0, (uint16_t)(i + 1)};
    c[4] = (struct load_call){20 * MS, 1, 1};
    c[5] = (struct load_call){21 * MS, 1, 2};
    const struct load_request q[] = {{0, 30 * MS, false}, {0, 30 * MS, true}};
    struct load_spec s = spec();
    s.capacity = 100;
    s.budget_ratio = 0.5;
    s.budget_burst = 1;
    struct load_report r;
    assert_int_equal(load_check(c, 6, q, 2, &s, &r), 2);
    assert_int_equal(r.over_attempts, 1);
    assert_true(r.budget_breaches >= 1); /* the second retry: 2 > 0.5 x 1 + 1 */
    assert_non_null(strstr(r.first, "exceed 0.50 x 1 first calls + 1"));
    load_report_close(&r);
}

static void recovery_late_and_never(void **state)
{
    (void)state;
    /* 3 calls (over capacity 2) in the bucket 400-500 ms: back at 500 ms, 300 ms after the blip: in bound */
    struct load_call c[8];
    for (int i = 0; i < 3; i++)
        c[i] = (struct load_call){450 * MS, (uint32_t)i, 1};
    const struct load_request q[] = {{0, -1, false}, {0, -1, false}, {0, -1, false}, {0, -1, false}};
    struct load_spec s = spec();
    struct load_report r;
    assert_int_equal(load_check(c, 3, q, 4, &s, &r), 0);
    assert_true(r.recovered && r.recovery_ns == 300 * MS);
    load_report_close(&r);
    s.bound_ns = 200 * MS;
    assert_int_equal(load_check(c, 3, q, 4, &s, &r), 1);
    assert_non_null(strstr(r.first, "too late"));
    load_report_close(&r);
    /* a window of 2 buckets smooths 3 calls into 1.5 per bucket: under capacity */
    s.window = 2;
    assert_int_equal(load_check(c, 3, q, 4, &s, &r), 0);
    load_report_close(&r);
    /* over capacity in the run's last bucket: never recovered */
    s.window = 1;
    for (int i = 0; i < 3; i++)
        c[i].at = 990 * MS;
    assert_int_equal(load_check(c, 3, q, 4, &s, &r), 1);
    assert_true(!r.recovered && r.recovery_ns == -1);
    assert_non_null(strstr(r.first, "never"));
    load_report_close(&r);
    /* a call naming an unknown request */
    c[0].request = 9;
    assert_int_equal(load_check(c, 1, q, 4, &s, &r), -1);
}

static void occ_rules(void **state)
{
    (void)state;
    const struct occ_commit ok[] = {{1, 2, 0}, {2, 0, 1}, {3, 1, 2}};
    int missing;
    char why[160];
    assert_int_equal(load_occ_check(ok, 3, 3, &missing, why, sizeof(why)), 0);
    assert_int_equal(missing, 0);
    assert_int_equal(load_occ_check(ok, 2, 3, &missing, why, sizeof(why)), 0);
    assert_int_equal(missing, 1);
    const struct occ_commit lost[] = {{1, 0, 0}, {2, 1, 0}, {3, 1, 2}};
    assert_int_equal(load_occ_check(lost, 3, 3, &missing, why, sizeof(why)), 2);
    assert_non_null(strstr(why, "moved version 0, expected 1"));
    assert_int_equal(missing, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buckets_amplification_and_latency),
        cmocka_unit_test(too_many_attempts_and_budget_breach),
        cmocka_unit_test(recovery_late_and_never),
        cmocka_unit_test(occ_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
