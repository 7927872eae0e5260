/* Unit tests: POST /payments header checks, body validation, the canonical hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "serve/payreq.h"

static int parse(const char *s, struct payreq *r)
{
    char msg[200];
    return payreq_parse(s, strlen(s), r, msg, sizeof(msg));
}

static void uuids(void **state)
{
    (void)state;
    assert_true(payreq_uuid_ok("123e4567-e89b-12d3-a456-426614174000"));
    assert_true(payreq_uuid_ok("123E4567-E89B-12D3-A456-426614174000"));
    assert_false(payreq_uuid_ok("123e4567e89b12d3a456426614174000"));
    assert_false(payreq_uuid_ok("123e4567-e89b-12d3-a456-42661417400"));
    assert_false(payreq_uuid_ok("123e4567-e89b-12d3-a456-4266141740000"));
    assert_false(payreq_uuid_ok("g23e4567-e89b-12d3-a456-426614174000"));
    assert_false(payreq_uuid_ok(""));
    assert_false(payreq_uuid_ok(NULL));
}

static void content_types(void **state)
{
    (void)state;
    assert_true(payreq_content_type_ok("application/json"));
    assert_true(payreq_content_type_ok("Application/JSON; charset=utf-8"));
    assert_false(payreq_content_type_ok("application/jsonp"));
    assert_false(payreq_content_type_ok("text/plain"));
    assert_false(payreq_content_type_ok(NULL));
}

static void valid_body(void **state)
{
    (void)state;
    struct payreq r;
    assert_int_equal(parse("{\"amount\": 100, \"currency\": \"USD\", \"card_token\": \"tok_1\"}", &r), 0);
    assert_int_equal(r.amount, 100);
    assert_string_equal(r.currency, "USD");
    assert_string_equal(r.card_token, "tok_1");
}

static void canonical_hash_ignores_order_and_spacing(void **state)
{
    (void)state;
    struct payreq a, b, c;
    char ha[PAYREQ_HASH_HEX], hb[PAYREQ_HASH_HEX], hc[PAYREQ_HASH_HEX];
    assert_int_equal(parse("{\"amount\":100,\"currency\":\"USD\",\"card_token\":\"tok_1\"}", &a), 0);
    assert_int_equal(parse(" { \"card_token\" : \"tok\\u005f1\",\n\"currency\":\"USD\", \"amount\":100 } ", &b), 0);
    assert_int_equal(parse("{\"amount\":101,\"currency\":\"USD\",\"card_token\":\"tok_1\"}", &c), 0);
    payreq_hash(&a, ha);
    payreq_hash(&b, hb);
    payreq_hash(&c, hc);
    assert_string_equal(ha, hb);
    assert_string_not_equal(ha, hc);
    assert_int_equal(strlen(ha), 64);
}

static void malformed_is_400(void **state)
{
    (void)state;
    struct payreq r;
    assert_int_equal(parse("", &r), 400);
    assert_int_equal(parse("{", &r), 400);
    assert_int_equal(parse("{\"amount\":1,\"amount\":2,\"currency\":\"USD\",\"card_token\":\"t\"}", &r), 400);
    assert_int_equal(parse("{\"amount\":1} trailing", &r), 400);
}

static void invalid_is_422(void **state)
{
    (void)state;
    struct payreq r;
    assert_int_equal(parse("[]", &r), 422);
    assert_int_equal(parse("{\"amount\":0,\"currency\":\"USD\",\"card_token\":\"t\"}", &r), 422);
    assert_int_equal(parse("{\"amount\":-5,\"currency\":\"USD\",\"card_token\":\"t\"}", &r), 422);
    assert_int_equal(parse("{\"amount\":1.5,\"currency\":\"USD\",\"card_token\":\"t\"}", &r), 422);
    assert_int_equal(parse("{\"amount\":\"100\",\"currency\":\"USD\",\"card_token\":\"t\"}", &r), 422);
    assert_int_equal(parse("{\"amount\":1000000000001,\"currency\":\"USD\",\"card_token\":\"t\"}", &r), 422);
    assert_int_equal(parse("{\"amount\":1,\"currency\":\"XYZ\",\"card_token\":\"t\"}", &r), 422);
    assert_int_equal(parse("{\"amount\":1,\"currency\":\"usd\",\"card_token\":\"t\"}", &r), 422);
    assert_int_equal(parse("{\"amount\":1,\"currency\":\"USD\",\"card_token\":\"\"}", &r), 422);
    assert_int_equal(parse("{\"amount\":1,\"currency\":\"USD\",\"card_token\":\"a b\"}", &r), 422);
    assert_int_equal(parse("{\"amount\":1,\"currency\":\"USD\",\"card_token\":\"t\",\"x\":1}", &r), 422);
    assert_int_equal(parse("{\"amount\":1,\"currency\":\"USD\"}", &r), 422);
}

static void too_big_is_413(void **state)
{
    (void)state;
    static char big[PAYREQ_BODY_MAX + 10];
    memset(big, ' ', sizeof(big) - 1);
    struct payreq r;
    assert_int_equal(parse(big, &r), 413);
}

static void error_json(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    payreq_error_json(&b, "bad", "a \"quoted\" word");
    assert_string_equal(b.data, "{\"error\":{\"code\":\"bad\",\"message\":\"a \\\"quoted\\\" word\"}}");
    buf_close(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uuids),
        cmocka_unit_test(content_types),
        cmocka_unit_test(valid_body),
        cmocka_unit_test(canonical_hash_ignores_order_and_spacing),
        cmocka_unit_test(malformed_is_400),
        cmocka_unit_test(invalid_is_422),
        cmocka_unit_test(too_big_is_413),
        cmocka_unit_test(error_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
