/* Unit tests for the staleness checker: staleness counted from confirmed writes only (at or before the read's
 * start), unsorted histories refused, Wilson intervals and PBS's closed form against hand-computed values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "check/staleness.h"

static void staleness_counts_newer_confirmed_versions(void **state)
{
    (void)state;
    const struct st_write w[] = {{10, 1}, {20, 2}, {30, 3}};
    const struct st_read r[] = {{25, 1}, {30, 2}, {5, 0}, {35, 3}, {29, 3}, {35, 0}};
    uint32_t out[6];
    assert_int_equal(staleness_check(w, 3, r, 6, out), 3);
    assert_int_equal(out[0], 1); /* version 2 was confirmed at 20 */
    assert_int_equal(out[1], 1); /* confirmed at the very start counts */
    assert_int_equal(out[2], 0); /* nothing confirmed yet */
    assert_int_equal(out[3], 0);
    assert_int_equal(out[4], 0); /* returned a version not yet confirmed: fresh */
    assert_int_equal(out[5], 3);
}

static void unsorted_history_is_refused(void **state)
{
    (void)state;
    const struct st_write w[] = {{10, 2}, {20, 1}};
    uint32_t out[1];
    const struct st_read r[] = {{25, 1}};
    assert_int_equal(staleness_check(w, 2, r, 1, out), -1);
    const struct st_write w2[] = {{20, 1}, {10, 2}};
    assert_int_equal(staleness_check(w2, 2, r, 1, out), -1);
    assert_int_equal(staleness_check(NULL, 0, NULL, 0, out), 0);
}

static void wilson_interval(void **state)
{
    (void)state;
    double lo, hi;
    staleness_wilson(50, 100, 1.96, &lo, &hi);
    assert_true(fabs(lo - 0.4038) < 1e-3 && fabs(hi - 0.5962) < 1e-3);
    staleness_wilson(100, 100, 1.96, &lo, &hi);
    assert_true(hi > 1 - 1e-9 && fabs(lo - 0.9630) < 1e-3);
    staleness_wilson(0, 0, 1.96, &lo, &hi);
    assert_true(lo == 0 && hi == 1);
}

static void pbs_closed_form(void **state)
{
    (void)state;
    assert_true(fabs(staleness_pbs_closed_form(3, 1, 1, 1) - 2.0 / 3) < 1e-12);
    assert_true(fabs(staleness_pbs_closed_form(3, 1, 1, 2) - 4.0 / 9) < 1e-12);
    assert_true(fabs(staleness_pbs_closed_form(5, 2, 2, 1) - 3.0 / 10) < 1e-12);
    assert_true(staleness_pbs_closed_form(3, 2, 2, 1) == 0);
    assert_true(staleness_pbs_closed_form(3, 1, 3, 1) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(staleness_counts_newer_confirmed_versions),
        cmocka_unit_test(unsorted_history_is_refused),
        cmocka_unit_test(wilson_interval),
        cmocka_unit_test(pbs_closed_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
