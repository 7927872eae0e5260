/* Unit tests for the fencing checker: each of its three rules fails on a history made to break it, and holds on
 * histories that only look suspicious (equal tokens from one holder, rejected stale writes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "check/fencing.h"

static const struct fence_grant grants[] = {{1, 0, 7}, {5, 1, 8}, {6, 1, 12}};

static void clean_history_holds(void **state)
{
    (void)state;
    const struct fence_write w[] = {{2, 0, 7, 1, true}, {6, 1, 8, 1, true}, {7, 1, 8, 2, true},
                                    {8, 1, 12, 3, true}, {9, 0, 7, 2, false}};
    struct fence_report r;
    assert_int_equal(fencing_check(grants, 3, w, 5, &r), 0);
    assert_int_equal(r.applied, 4);
    assert_int_equal(r.rejected, 1);
    assert_true(r.max_token == 12);
    assert_string_equal(r.first, "");
}

static void stale_write_applied_is_caught(void **state)
{
    (void)state;
    const struct fence_write w[] = {{6, 1, 8, 1, true}, {8, 1, 12, 2, true}, {9, 0, 7, 1, true}};
    struct fence_report r;
    assert_int_equal(fencing_check(grants, 3, w, 3, &r), 1);
    assert_int_equal(r.stale_applied, 1);
    assert_non_null(strstr(r.first, "token 7 was applied after token 12 (c1)"));
}

static void repeated_token_is_caught(void **state)
{
    (void)state;
    const struct fence_grant g[] = {{1, 0, 7}, {5, 1, 7}, {6, 1, 9}, {7, 0, 8}};
    struct fence_report r;
    assert_int_equal(fencing_check(g, 4, NULL, 0, &r), 2);
    assert_int_equal(r.grant_violations, 2);
    assert_non_null(strstr(r.first, "token 7 granted to c1 is not above token 7"));
}

static void forged_token_is_caught(void **state)
{
    (void)state;
    const struct fence_write w[] = {{6, 0, 8, 1, true}, {7, 1, 99, 1, false}};
    struct fence_report r;
    assert_int_equal(fencing_check(grants, 3, w, 2, &r), 1); /* token 8 was c1's, not c0's; 99 was rejected */
    assert_int_equal(r.unknown_tokens, 1);
}

static void empty_history_holds(void **state)
{
    (void)state;
    struct fence_report r;
    assert_int_equal(fencing_check(NULL, 0, NULL, 0, &r), 0);
    assert_int_equal(r.applied, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_history_holds),   cmocka_unit_test(stale_write_applied_is_caught),
        cmocka_unit_test(repeated_token_is_caught), cmocka_unit_test(forged_token_is_caught),
        cmocka_unit_test(empty_history_holds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
