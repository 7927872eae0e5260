/* Unit tests for the saga checker: each of its four rules fails on a history made to break it, and holds on
 * clean completed and compensated sagas. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "check/saga.h"

static void clean_sagas_hold(void **state)
{
    (void)state;
    const struct saga_event ev[] = {
        {0, SAGA_PLACED, 0, 10000}, {1, SAGA_PLACED, 1, 500},  {2, SAGA_CHARGED, 0, 10000},
        {3, SAGA_CHARGED, 1, 500},  {4, SAGA_CANCELLED, 0, 0}, {5, SAGA_REFUNDED, 0, 10000},
        {6, SAGA_FINISHED, 0, 0},   {7, SAGA_FINISHED, 1, 0},  {8, SAGA_PLACED, 2, 700},
        {9, SAGA_CANCELLED, 2, 0},  {10, SAGA_FINISHED, 2, 0}, /* cancelled before any charge: no refund owed */
    };
    struct saga_report r;
    assert_int_equal(saga_check(ev, sizeof(ev) / sizeof(ev[0]), 3, &r), 0);
    assert_int_equal(r.orders, 3);
    assert_int_equal(r.cancelled, 2);
    assert_int_equal(r.refunds, 1);
    assert_true(r.charged_total == 10500 && r.refunded_total == 10000 && r.excess_refunded == 0);
}

static void double_refund_is_caught(void **state)
{
    (void)state;
    const struct saga_event ev[] = {{0, SAGA_PLACED, 0, 10000},    {1, SAGA_CHARGED, 0, 10000},
                                    {2, SAGA_CANCELLED, 0, 0},      {3, SAGA_REFUNDED, 0, 10000},
                                    {4, SAGA_REFUNDED, 0, 10000},   {5, SAGA_FINISHED, 0, 0}};
    struct saga_report r;
    assert_int_equal(saga_check(ev, 6, 1, &r), 2);
    assert_int_equal(r.over_refunds, 1);
    assert_int_equal(r.not_refunded_once, 1);
    assert_true(r.excess_refunded == 10000);
    assert_non_null(strstr(r.first[SAGA_RULE_WITHIN], "refunds reached 200.00, above the 100.00 charged"));
    assert_non_null(strstr(r.first[SAGA_RULE_ONCE], "refunded 2 time(s)"));
}

/* A refund before its charge exceeds the charge at that moment, even if the totals agree in the end. */
static void refund_before_charge_is_caught(void **state)
{
    (void)state;
    const struct saga_event ev[] = {{0, SAGA_PLACED, 0, 300}, {1, SAGA_CANCELLED, 0, 0}, {2, SAGA_REFUNDED, 0, 300},
                                    {3, SAGA_CHARGED, 0, 300}, {4, SAGA_FINISHED, 0, 0}};
    struct saga_report r;
    assert_int_equal(saga_check(ev, 5, 1, &r), 1);
    assert_int_equal(r.over_refunds, 1);
}

static void double_charge_missing_refund_and_unfinished_are_caught(void **state)
{
    (void)state;
    const struct saga_event ev[] = {{0, SAGA_PLACED, 0, 300}, {1, SAGA_CHARGED, 0, 300}, {2, SAGA_CHARGED, 0, 300},
                                    {3, SAGA_FINISHED, 0, 0}, {4, SAGA_PLACED, 1, 100}, {5, SAGA_CHARGED, 1, 100},
                                    {6, SAGA_CANCELLED, 1, 0}, {7, SAGA_PLACED, 2, 50}, {8, SAGA_CHARGED, 2, 50},
                                    {9, SAGA_REFUNDED, 2, 50}, {10, SAGA_FINISHED, 2, 0}};
    struct saga_report r;
    assert_int_equal(saga_check(ev, 11, 3, &r), 4);
    assert_int_equal(r.bad_charges, 1);       /* o0 charged twice */
    assert_int_equal(r.not_refunded_once, 2); /* o1 cancelled, never refunded; o2 refunded, never cancelled */
    assert_int_equal(r.unfinished, 1);        /* o1 */
    assert_non_null(strstr(r.first[SAGA_RULE_FINISHED], "o1"));
}

static void bad_order_is_refused(void **state)
{
    (void)state;
    const struct saga_event ev[] = {{0, SAGA_PLACED, 5, 300}};
    struct saga_report r;
    assert_int_equal(saga_check(ev, 1, 2, &r), -1);
    assert_int_equal(saga_check(NULL, 0, 0, &r), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_sagas_hold),
        cmocka_unit_test(double_refund_is_caught),
        cmocka_unit_test(refund_before_charge_is_caught),
        cmocka_unit_test(double_charge_missing_refund_and_unfinished_are_caught),
        cmocka_unit_test(bad_order_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
