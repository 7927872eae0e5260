/* Unit tests for the availability checker on small hand-made histories: outages are runs of failures closed by
 * the next success (or the end), kinds are judged apart, and a capacity history below its minimum is caught. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "check/avail.h"

enum { GET, PUT };

static void all_served_is_no_outage(void **state)
{
    (void)state;
    const struct avail_req r[] = {{10, GET, true}, {20, PUT, true}, {30, GET, true}};
    struct avail_report a;
    avail_judge(r, 3, -1, 100, &a);
    assert_int_equal(a.total, 3);
    assert_int_equal(a.failed, 0);
    assert_int_equal(a.outages, 0);
    assert_int_equal(a.unavailable_ns, 0);
    assert_int_equal(a.longest_from, -1);
}

static void an_outage_runs_from_the_first_failure_to_the_next_success(void **state)
{
    (void)state;
    const struct avail_req r[] = {{10, GET, true}, {20, GET, false}, {25, PUT, false}, {30, GET, false},
                                  {50, GET, true}, {60, PUT, false}, {70, GET, false}};
    struct avail_report a;
    avail_judge(r, 7, -1, 100, &a);
    assert_int_equal(a.failed, 5);
    assert_int_equal(a.outages, 2);
    assert_int_equal(a.unavailable_ns, (50 - 20) + (100 - 60)); /* the second is still open at the end */
    assert_int_equal(a.longest_ns, 40);
    assert_int_equal(a.longest_from, 60);
    /* PUT alone: never answered after 25, so one outage from 25 to the end */
    avail_judge(r, 7, PUT, 100, &a);
    assert_int_equal(a.total, 2);
    assert_int_equal(a.outages, 1);
    assert_int_equal(a.unavailable_ns, 75);
    /* GET alone: 20..50, then 70..end */
    avail_judge(r, 7, GET, 100, &a);
    assert_int_equal(a.outages, 2);
    assert_int_equal(a.unavailable_ns, 30 + 30);
}

static void capacity_below_its_minimum_is_caught(void **state)
{
    (void)state;
    const struct avail_cap c[] = {{5, 0, 3}, {6, 1, 23}, {7, 1, 22}, {8, 1, 15}, {9, 1, 0}, {50, 1, 24}};
    int lowest;
    assert_int_equal(avail_below_min(c, 6, 0, 2, 4, &lowest), -1);
    assert_int_equal(lowest, 3);
    assert_int_equal(avail_below_min(c, 6, 1, 16, 24, &lowest), 3);
    assert_int_equal(lowest, 0);
    assert_int_equal(avail_below_min(c, 6, 2, 9, 12, &lowest), -1);
    assert_int_equal(lowest, 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_served_is_no_outage),
        cmocka_unit_test(an_outage_runs_from_the_first_failure_to_the_next_success),
        cmocka_unit_test(capacity_below_its_minimum_is_caught),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
