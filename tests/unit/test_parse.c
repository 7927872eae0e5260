/* Unit tests: the Jepsen log and EDN parsers, format detection, and what each format's conventions become. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "check/edn.h"
#include "check/parse.h"
#include "core/err.h"

#include <string.h>

static void parse_ok(struct history *h, const char *text, enum hist_format f)
{
    history_init(h);
    int rc = history_parse(h, text, strlen(text), f);
    if (rc)
        fail_msg("parse failed: %s", h->err);
}

static void parse_err(const char *text, enum hist_format f, const char *err)
{
    struct history h;
    history_init(&h);
    assert_int_equal(history_parse(&h, text, strlen(text), f), ERR_PARSE);
    assert_string_equal(h.err, err);
    history_close(&h);
}

static void detects_formats(void **state)
{
    (void)state;
    assert_int_equal(hist_format_detect("  {\"process\":1}", 15), HIST_FMT_JSONL);
    assert_int_equal(hist_format_detect("\n{:process 1}", 13), HIST_FMT_EDN);
    assert_int_equal(hist_format_detect("[{:process 1}]", 14), HIST_FMT_EDN);
    const char *log = "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n";
    assert_int_equal(hist_format_detect(log, strlen(log)), HIST_FMT_JEPSEN_LOG);
    assert_int_equal(hist_format_detect("", 0), HIST_FMT_JSONL);
    assert_int_equal(hist_format_detect("hello", 5), HIST_FMT_AUTO);
    assert_int_equal(hist_format_parse("edn"), HIST_FMT_EDN);
    assert_int_equal(hist_format_parse("xml"), -1);
}

static void jepsen_log_conventions(void **state)
{
    (void)state;
    struct history h;
    parse_ok(&h,
             "2015-04-20 16:46:36 INFO jepsen.core: starting\n"
             "INFO  jepsen.util - 3\t:invoke\t:cas\t[4 2]\n"
             "INFO  jepsen.util - 3   :fail   :cas    [4 2]\n"
             "INFO  jepsen.util - 1\t:invoke\t:read\tnil\n"
             "INFO  jepsen.util - 1   :fail   :read   :timed-out\n"
             "INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n"
             "INFO  jepsen.util - 2\t:invoke\t:write\t7\n"
             "INFO  jepsen.util - 2\t:info\t:write\t:timed-out\n"
             "INFO  jepsen.util - 4\t:invoke\t:read\tnil\n"
             "INFO  jepsen.util - 4\t:ok\t:read\tnil\n",
             HIST_FMT_JEPSEN_LOG);
    assert_int_equal(h.n, 8); /* the log noise and the nemesis are not operations */
    assert_int_equal(h.ev[0].line, 2);
    assert_int_equal(h.ev[0].value.kind, HIST_LIST);
    assert_int_equal(h.ev[0].value.items[1].i, 2);
    assert_int_equal(h.ev[1].type, HIST_FAIL); /* a compare that saw another value */
    assert_string_equal(h.ev[1].error, "cas-mismatch");
    assert_int_equal(h.ev[3].type, HIST_INFO); /* :fail :read :timed-out: unknown */
    assert_int_equal(h.ev[3].value.kind, HIST_NONE);
    assert_int_equal(h.ev[5].type, HIST_INFO);
    assert_string_equal(h.ev[5].error, "timed-out");
    assert_int_equal(h.ev[7].value.kind, HIST_NIL); /* here nil is the empty register */
    history_close(&h);
    parse_err("INFO  jepsen.util - 0\t:invoke\n", HIST_FMT_JEPSEN_LOG,
              "line 1: expected the operation (:read, :write, :cas, ...) after :invoke");
    parse_err("x\nINFO  jepsen.util - 0 :done :read nil\n", HIST_FMT_JEPSEN_LOG,
              "line 2: expected :invoke, :ok, :fail or :info after the process");
    parse_err("INFO  jepsen.util - 0 :ok :read [1 2\n", HIST_FMT_JEPSEN_LOG,
              "line 1: expected ']' to close the collection opened on line 1");
}

static void edn_conventions(void **state)
{
    (void)state;
    struct history h;
    parse_ok(&h,
             "; a history\n"
             "[{:process 0, :type :invoke, :f :read, :value nil, :time 10}\n"
             " #_{:process 9, :type :invoke, :f :read}\n"
             " {:process :nemesis, :type :info, :f :start, :value nil}\n"
             " #jepsen.history.Op{:process 0, :type :ok, :f :read, :value nil, :time 20}\n"
             " {:process 1, :type :invoke, :f :add, :key 3, :value #{2 1}}\n"
             " {:process 1, :type :fail, :f :add, :key 3, :value :x, :error :unavailable}]\n",
             HIST_FMT_EDN);
    assert_int_equal(h.n, 4);
    assert_int_equal(h.ev[0].time_ns, 10);
    assert_int_equal(h.ev[0].line, 2);
    assert_int_equal(h.ev[1].value.kind, HIST_NONE); /* Knossos: a read of nil told nothing */
    assert_int_equal(h.ev[1].line, 5);
    assert_string_equal(h.ev[2].key, "3");
    assert_int_equal(h.ev[2].value.n, 2);
    assert_string_equal(h.ev[3].value.s, "x"); /* keywords become strings */
    assert_string_equal(h.ev[3].error, "unavailable");
    history_close(&h);
    parse_err("{:process 0, :type :invoke, :f :read}\n{:process 0 :type :ok}\n", HIST_FMT_EDN,
              "line 2: expected :f to name the operation (:read, :write, :cas, ...)");
    parse_err("[{:process 0, :type :invoke, :f :read}\n 7]\n", HIST_FMT_EDN,
              "line 2: expected a map like {:process 0, :type :invoke, :f :read, :value nil}");
    parse_err("{:process 0, :type :invoke, :f :read, :value {:a 1}}\n", HIST_FMT_EDN,
              "line 1: a value must be nil, an integer, a string, a keyword or a collection of those");
    parse_err("{:process 0, :type :invoke,\n :f \"read}\n", HIST_FMT_EDN,
              "line 2: expected '\"' to close a string");
    parse_err("{:process 0 :type}\n", HIST_FMT_EDN, "line 1: a map on line 1 has a key without a value");
}

static void edn_reader_bounds(void **state)
{
    (void)state;
    char deep[300];
    memset(deep, '[', sizeof(deep) - 1);
    deep[sizeof(deep) - 1] = 0;
    struct edn_reader r;
    edn_reader_init(&r, deep, strlen(deep), 1);
    struct edn e;
    assert_int_equal(edn_read(&r, &e), ERR_PARSE);
    assert_string_equal(r.err, "line 1: nested deeper than 64");
    const char *bad = "\"a\xff\xc0z\"";
    edn_reader_init(&r, bad, strlen(bad), 1);
    assert_int_equal(edn_read(&r, &e), 0);
    assert_string_equal(e.s, "a??z"); /* invalid UTF-8 never reaches JSON output */
    edn_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(detects_formats),
        cmocka_unit_test(jepsen_log_conventions),
        cmocka_unit_test(edn_conventions),
        cmocka_unit_test(edn_reader_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
