/* Unit tests: duration parsing and formatting, error strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/err.h"
#include "core/units.h"

static void parses_units(void **state)
{
    (void)state;
    int64_t ns;
    assert_int_equal(units_parse_duration("150ms", &ns), 0);
    assert_int_equal(ns, 150 * NS_PER_MS);
    assert_int_equal(units_parse_duration("2.5s", &ns), 0);
    assert_int_equal(ns, 2500 * NS_PER_MS);
    assert_int_equal(units_parse_duration("300us", &ns), 0);
    assert_int_equal(ns, 300 * NS_PER_US);
    assert_int_equal(units_parse_duration("7", &ns), 0);
    assert_int_equal(ns, 7 * NS_PER_MS);
    assert_int_equal(units_parse_duration("1m", &ns), 0);
    assert_int_equal(ns, 60 * NS_PER_S);
}

static void rejects_garbage(void **state)
{
    (void)state;
    int64_t ns;
    assert_int_equal(units_parse_duration("", &ns), ERR_PARSE);
    assert_int_equal(units_parse_duration("-5ms", &ns), ERR_PARSE);
    assert_int_equal(units_parse_duration("5 parsecs", &ns), ERR_PARSE);
    assert_int_equal(units_parse_duration("nan", &ns), ERR_PARSE);
    assert_int_equal(units_parse_duration("1e30s", &ns), ERR_RANGE);
}

static void formats(void **state)
{
    (void)state;
    char s[32];
    assert_string_equal(units_fmt_duration(s, sizeof(s), 150 * NS_PER_MS), "150ms");
    assert_string_equal(units_fmt_duration(s, sizeof(s), 1500 * NS_PER_MS), "1.5s");
    assert_string_equal(units_fmt_duration(s, sizeof(s), 20 * NS_PER_US), "20us");
    assert_string_equal(err_str(ERR_PARSE), "parse error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_units),
        cmocka_unit_test(rejects_garbage),
        cmocka_unit_test(formats),
    };
    return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
