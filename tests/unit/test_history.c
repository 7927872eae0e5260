/* Unit tests: building a history, writing it as JSON lines, reading it back, pairing operations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "check/history.h"
#include "core/err.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

static void round_trip(void **state)
{
    (void)state;
    struct history h;
    history_init(&h);
    history_invoke(&h, 0, "write", "x", hist_int(3), 10);
    history_invoke(&h, 1, "read", "x", hist_nil(), 11);
    history_complete(&h, 0, HIST_OK, hist_int(3), 20);
    size_t r = history_complete(&h, 1, HIST_OK, hist_int(3), 25);
    h.ev[r].version = 7;
    struct hist_val cas[2] = {hist_int(3), hist_int(4)};
    history_invoke(&h, 0, "cas", NULL, hist_list(cas, 2), 30);
    size_t c = history_complete(&h, 0, HIST_FAIL, hist_list(cas, 2), 40);
    h.ev[c].error = xstrdup("cas-mismatch");
    struct hist_event s = {.process = 2,
                           .type = HIST_INVOKE,
                           .f = "write",
                           .value = hist_str("a\"b"),
                           .time_ns = HIST_NO_TIME,
                           .session = "alice",
                           .version = HIST_NO_VERSION};
    history_add(&h, &s);

    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < h.n; i++)
        history_event_json(&b, &h.ev[i]);
    assert_non_null(strstr(b.data, "{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"key\":\"x\",\"value\":3,"
                                   "\"time\":25,\"version\":7}\n"));
    struct history g;
    history_init(&g);
    assert_int_equal(history_read_jsonl(&g, b.data, b.len), 0);
    assert_int_equal(g.n, h.n);
    for (size_t i = 0; i < h.n; i++) {
        assert_string_equal(g.ev[i].f, h.ev[i].f);
        assert_int_equal(g.ev[i].type, h.ev[i].type);
        assert_true(hist_val_equal(&g.ev[i].value, &h.ev[i].value));
        assert_int_equal(g.ev[i].time_ns, h.ev[i].time_ns);
        assert_int_equal(g.ev[i].version, h.ev[i].version);
        assert_int_equal(g.ev[i].line, (int)i + 1);
    }
    assert_string_equal(g.ev[5].error, "cas-mismatch");
    assert_string_equal(g.ev[6].session, "alice");
    assert_string_equal(g.ev[6].value.s, "a\"b");
    assert_null(g.ev[4].key);

    struct hist_op *ops;
    size_t n;
    assert_int_equal(history_pair(&g, &ops, &n), 0);
    assert_int_equal(n, 4);
    assert_int_equal(ops[0].invoke, 0);
    assert_int_equal(ops[0].complete, 2);
    assert_int_equal(ops[1].complete, 3);
    assert_int_equal(hist_op_type(&g, &ops[2]), HIST_FAIL);
    assert_int_equal(hist_op_type(&g, &ops[3]), HIST_INFO);
    free(ops);
    history_close(&g);
    history_close(&h);
    buf_close(&b);
}

static void lsn_and_nemesis(void **state)
{
    (void)state;
    const char *t = "{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"start\"}\n\n"
                    "{\"process\":3,\"type\":\"ok\",\"f\":\"read\",\"lsn\":\"1/10\",\"session\":9}\n";
    struct history h;
    history_init(&h);
    assert_int_equal(history_read_jsonl(&h, t, strlen(t)), 0);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ev[0].version, (int64_t)((1LL << 32) | 16));
    assert_true(h.ev[0].version_is_lsn);
    assert_string_equal(h.ev[0].session, "9");
    assert_int_equal(h.ev[0].line, 3);
    struct hist_op *ops;
    size_t n;
    assert_int_equal(history_pair(&h, &ops, &n), ERR_PARSE);
    assert_string_equal(h.err, "line 3: process 3 completes read but invoked nothing");
    history_close(&h);
}

static void rejects_bad_lines(void **state)
{
    (void)state;
    static const struct {
        const char *in, *err;
    } cases[] = {
        {"{\"process\":0,\"type\":\"done\",\"f\":\"read\"}",
         "line 1: \"type\" must be invoke, ok, fail or info"},
        {"{\"process\":0,\"type\":\"ok\"}",
         "line 1: \"f\" must be a string naming the operation (read, write, cas, ...)"},
        {"[1,2]", "line 1: expected a JSON object {\"process\":..,\"type\":..,\"f\":..}"},
        {"{\"process\":0,\"type\":\"ok\",\"f\":\"r\",\"value\":1.5}",
         "line 1: \"value\" must be null, an integer, a string or an array of those"},
        {"{\"process\":0,\"type\":\"ok\",\"f\":\"r\",\"lsn\":\"zz\"}",
         "line 1: \"lsn\" must be an integer >= 0 or a pg_lsn like \"0/16B3748\""},
        {"\n{\"process\":-1,\"type\":\"ok\",\"f\":\"r\"}",
         "line 2: \"process\" is -1; expected an integer >= 0"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct history h;
        history_init(&h);
        assert_int_equal(history_read_jsonl(&h, cases[i].in, strlen(cases[i].in)), ERR_PARSE);
        assert_string_equal(h.err, cases[i].err);
        history_close(&h);
    }
    struct history h;
    history_init(&h);
    const char *t = "{}{";
    assert_int_equal(history_read_jsonl(&h, t, strlen(t)), ERR_PARSE);
    assert_non_null(strstr(h.err, "line 1: expected one JSON object per line"));
    history_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(lsn_and_nemesis),
        cmocka_unit_test(rejects_bad_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
