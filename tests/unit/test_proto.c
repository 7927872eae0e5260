/* Unit tests: the harness's protocol parser (what it accepts leniently, what it rejects and how it says so),
 * endpoint names, error codes, and building lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "harness/proto.h"

static int parse(const char *s, struct proto_msg *m, char *err)
{
    return proto_parse(m, s, strlen(s), err, 256);
}

static void accepts_messages(void **state)
{
    (void)state;
    struct proto_msg m;
    char err[256];
    assert_int_equal(parse("{\"src\":\"n1\",\"dest\":\"c3\",\"body\":{\"type\":\"echo_ok\",\"msg_id\":0,"
                           "\"in_reply_to\":7,\"echo\":\"hi\"}}", &m, err), 0);
    assert_string_equal(m.src, "n1");
    assert_string_equal(m.dest, "c3");
    assert_string_equal(m.type, "echo_ok");
    assert_true(m.has_msg_id);
    assert_int_equal(m.msg_id, 0); /* ids may start at 0 */
    assert_true(m.has_reply);
    assert_int_equal(m.in_reply_to, 7);
    proto_msg_close(&m);
    /* no msg_id at all, and an integer written as a real: both fine */
    assert_int_equal(parse("{\"src\":\"n1\",\"dest\":\"n2\",\"body\":{\"type\":\"x\",\"in_reply_to\":3.0}}", &m, err),
                     0);
    assert_false(m.has_msg_id);
    assert_int_equal(m.in_reply_to, 3);
    proto_msg_close(&m);
}

static void rejects_with_reasons(void **state)
{
    (void)state;
    struct proto_msg m;
    char err[256];
    assert_int_equal(parse("hello", &m, err), ERR_PARSE);
    assert_non_null(strstr(err, "not JSON"));
    assert_null(m.root);
    assert_int_equal(parse("[1,2]", &m, err), ERR_PARSE);
    assert_non_null(strstr(err, "not a JSON object"));
    assert_int_equal(parse("{\"dest\":\"n1\",\"body\":{\"type\":\"x\"}}", &m, err), ERR_PARSE);
    assert_non_null(strstr(err, "\"src\""));
    assert_int_equal(parse("{\"src\":\"n0\",\"body\":{\"type\":\"x\"}}", &m, err), ERR_PARSE);
    assert_non_null(strstr(err, "\"dest\""));
    assert_int_equal(parse("{\"src\":\"n0\",\"dest\":\"n1\",\"body\":3}", &m, err), ERR_PARSE);
    assert_non_null(strstr(err, "\"body\""));
    assert_int_equal(parse("{\"src\":\"n0\",\"dest\":\"n1\",\"body\":{}}", &m, err), ERR_PARSE);
    assert_non_null(strstr(err, "\"type\""));
    assert_int_equal(parse("{\"src\":\"n0\",\"dest\":\"n1\",\"body\":{\"type\":\"x\",\"msg_id\":\"7\"}}", &m, err),
                     ERR_PARSE);
    assert_non_null(strstr(err, "msg_id"));
    assert_int_equal(parse("{\"src\":\"n0\",\"dest\":\"n1\",\"body\":{\"type\":\"x\",\"in_reply_to\":-1}}", &m, err),
                     ERR_PARSE);
    assert_non_null(strstr(err, "in_reply_to"));
}

static void names_and_codes(void **state)
{
    (void)state;
    assert_int_equal(proto_node_index("n0"), 0);
    assert_int_equal(proto_node_index("n12"), 12);
    assert_int_equal(proto_node_index("n"), -1);
    assert_int_equal(proto_node_index("n01"), -1);
    assert_int_equal(proto_node_index("n1x"), -1);
    assert_int_equal(proto_node_index("c1"), -1);
    assert_int_equal(proto_client_index("c7"), 7);
    assert_int_equal(proto_client_index("lin-kv"), -1);
    assert_string_equal(proto_error_name(20), "key-does-not-exist");
    assert_string_equal(proto_error_name(1001), "user");
    assert_false(proto_error_definite(PROTO_TIMEOUT));
    assert_false(proto_error_definite(PROTO_CRASH));
    assert_true(proto_error_definite(PROTO_PRECONDITION));
    assert_true(proto_error_definite(PROTO_TEMP_UNAVAILABLE));
    assert_false(proto_error_definite(1000));
}

static void builds_lines(void **state)
{
    (void)state;
    json_t *body = json_pack("{s:s, s:i}", "type", "init", "msg_id", 1);
    size_t len;
    char *line = proto_line("c0", "n0", body, &len);
    assert_int_equal(line[len - 1], '\n');
    struct proto_msg m;
    char err[256];
    assert_int_equal(proto_parse(&m, line, len - 1, err, sizeof(err)), 0);
    assert_string_equal(m.src, "c0");
    assert_string_equal(m.type, "init");
    proto_msg_close(&m);
    free(line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_messages),
        cmocka_unit_test(rejects_with_reasons),
        cmocka_unit_test(names_and_codes),
        cmocka_unit_test(builds_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
