/* Unit tests for kata_parse_list: durations and integers, the prefix, bounds, empty items and overlong input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/units.h"
#include "katas/kata.h"

static void durations(void **state)
{
    (void)state;
    int64_t v[4];
    assert_int_equal(kata_parse_list("0,1,2.5s", NULL, true, 0, INT64_MAX, v, 4), 3);
    assert_true(v[0] == 0 && v[1] == NS_PER_MS && v[2] == 2500 * NS_PER_MS);
    assert_int_equal(kata_parse_list("0,1,2,3,4", NULL, true, 0, INT64_MAX, v, 4), -1); /* too many */
    assert_int_equal(kata_parse_list("0,,1", NULL, true, 0, INT64_MAX, v, 4), -1);
    assert_int_equal(kata_parse_list("", NULL, true, 0, INT64_MAX, v, 4), -1);
    assert_int_equal(kata_parse_list("1,", NULL, true, 0, INT64_MAX, v, 4), -1);
    assert_int_equal(kata_parse_list("soon", NULL, true, 0, INT64_MAX, v, 4), -1);
}

static void integers_with_prefix(void **state)
{
    (void)state;
    int64_t v[4];
    assert_int_equal(kata_parse_list("contention:10,190", "contention:", false, 2, 1000, v, 4), 2);
    assert_true(v[0] == 10 && v[1] == 190);
    assert_int_equal(kata_parse_list("contention:1", "contention:", false, 2, 1000, v, 4), -1);
    assert_int_equal(kata_parse_list("contention:5x", "contention:", false, 2, 1000, v, 4), -1);
    assert_int_equal(kata_parse_list("content:5", "contention:", false, 2, 1000, v, 4), -1);
    assert_int_equal(kata_parse_list("contention:99999999999999999999", "contention:", false, 2, 1000, v, 4), -1);
    char big[400];
    memset(big, '1', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    assert_int_equal(kata_parse_list(big, NULL, false, 0, INT64_MAX, v, 4), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(durations), cmocka_unit_test(integers_with_prefix)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
