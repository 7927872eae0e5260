/* Unit tests for the lost-writes checker and the fencing proof, on small hand-made histories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "check/lostwrites.h"
#include "core/err.h"

static const struct lw_write writes[] = {
    {1, 0, 10, 12}, /* acked */
    {2, 0, 11, 13}, /* acked */
    {3, 0, 12, -1}, /* never acked: indeterminate, never "lost" */
    {4, 1, 13, 15}, /* acked, another client */
};

static void nothing_lost_when_the_log_holds_every_ack(void **state)
{
    (void)state;
    const uint64_t log[] = {1, 2, 4};
    struct lw_report r;
    assert_int_equal(lostwrites_check(writes, 4, log, 3, &r), 0);
    assert_int_equal(r.acked, 3);
    assert_int_equal(r.nlost, 0);
    lw_report_close(&r);
    /* the unacknowledged write may or may not be there */
    const uint64_t log2[] = {1, 2, 3, 4};
    assert_int_equal(lostwrites_check(writes, 4, log2, 4, &r), 0);
    lw_report_close(&r);
}

static void names_each_lost_acknowledged_write(void **state)
{
    (void)state;
    const uint64_t log[] = {1}; /* the new primary only had the first write */
    struct lw_report r;
    assert_int_equal(lostwrites_check(writes, 4, log, 1, &r), 2);
    assert_int_equal(r.nlost, 2);
    assert_int_equal(r.lost[0], 1); /* write 2 */
    assert_int_equal(r.lost[1], 3); /* write 4 */
    lw_report_close(&r);
    /* an empty log loses every acknowledged write */
    assert_int_equal(lostwrites_check(writes, 4, NULL, 0, &r), 3);
    lw_report_close(&r);
}

static void finds_phantoms_and_duplicates(void **state)
{
    (void)state;
    const uint64_t log[] = {1, 2, 2, 4, 99};
    struct lw_report r;
    assert_int_equal(lostwrites_check(writes, 4, log, 5, &r), 2);
    assert_int_equal(r.nlost, 0);
    assert_int_equal(r.duplicate, 1);
    assert_int_equal(r.phantom, 1);
    lw_report_close(&r);
    const struct lw_write twice[] = {{7, 0, 1, 2}, {7, 1, 3, 4}};
    assert_int_equal(lostwrites_check(twice, 2, log, 5, &r), ERR_INVAL);
}

static const struct lw_term terms[] = {{1, 0, 0}, {2, 1, 1000}, {3, 2, 5000}};

static void fencing_holds_when_old_terms_stop_before_new_ones_start(void **state)
{
    (void)state;
    const struct lw_accept acc[] = {
        {1, 0, 1, 10}, {2, 0, 1, 999}, {3, 1, 2, 1000}, {4, 1, 2, 4999}, {5, 2, 3, 5000},
    };
    struct lw_fence_report r;
    assert_int_equal(lostwrites_fencing(acc, 5, terms, 3, &r), 0);
}

static void fencing_names_the_first_write_of_a_deposed_primary(void **state)
{
    (void)state;
    const struct lw_accept acc[] = {
        {1, 0, 1, 10},   {2, 1, 2, 1500},
        {3, 1, 2, 6000}, /* term 2's primary still writing after term 3 started at 5000 */
        {4, 0, 1, 1000}, /* the old primary, exactly when term 2 started: deposed */
    };
    struct lw_fence_report r;
    assert_int_equal(lostwrites_fencing(acc, 4, terms, 3, &r), 2);
    assert_int_equal(r.first, 3);
    assert_int_equal(r.first_superseded_by, 2);
    assert_int_equal(r.first_started_at, 1000);
    /* no later term: nothing to violate */
    assert_int_equal(lostwrites_fencing(acc, 4, terms, 1, &r), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nothing_lost_when_the_log_holds_every_ack),
        cmocka_unit_test(names_each_lost_acknowledged_write),
        cmocka_unit_test(finds_phantoms_and_duplicates),
        cmocka_unit_test(fencing_holds_when_old_terms_stop_before_new_ones_start),
        cmocka_unit_test(fencing_names_the_first_write_of_a_deposed_primary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
