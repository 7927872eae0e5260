/* Unit tests: the lab's pure parsers (lab.state, LSNs, history lines) and the lost-write check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/err.h"
#include "core/mem.h"
#include "lab/lab_hist.h"
#include "lab/lab_state.h"

static int parse(const char *text, struct lab_state *st, char *err)
{
    return lab_state_parse(text, strlen(text), st, err, 160);
}

static void state_round_trip(void **state)
{
    (void)state;
    struct lab_state st, back;
    char err[160];
    assert_int_equal(parse("dkata-lab-pg 1\nport_base 55432\nuser postgres\n# comment\n\n"
                           "node primary 55432 4242\nnode replica1 55433 0\nproc etcd 55442 77\n",
                           &st, err),
                     0);
    assert_int_equal(st.port_base, 55432);
    assert_string_equal(st.user, "postgres");
    assert_int_equal(st.nprocs, 3);
    assert_int_equal(lab_state_find(&st, "primary")->pid, 4242);
    assert_int_equal(lab_state_find(&st, "replica1")->port, 55433);
    assert_string_equal(lab_state_find(&st, "etcd")->kind, "proc");
    assert_null(lab_state_find(&st, "replica2"));
    struct buf b;
    buf_init(&b);
    lab_state_format(&st, &b);
    assert_int_equal(lab_state_parse(b.data, b.len, &back, err, sizeof err), 0);
    assert_memory_equal(&st, &back, sizeof st);
    buf_close(&b);
    assert_int_equal(lab_state_set(&st, "node", "primary", 55432, 99), 0);
    assert_int_equal(lab_state_find(&st, "primary")->pid, 99);
    assert_int_equal(st.nprocs, 3);
    assert_int_equal(lab_state_set(&st, "node", "Bad Name", 1, 1), ERR_INVAL);
}

static void state_rejects(void **state)
{
    (void)state;
    struct lab_state st;
    char err[160];
    assert_int_equal(parse("", &st, err), ERR_PARSE);
    assert_int_equal(parse("port_base 5\n", &st, err), ERR_PARSE);
    assert_non_null(strstr(err, "line 1"));
    assert_int_equal(parse("dkata-lab-pg 2\n", &st, err), ERR_PARSE);
    assert_int_equal(parse("dkata-lab-pg 1\nport_base 70000\nuser postgres\n", &st, err), ERR_PARSE);
    assert_non_null(strstr(err, "line 2"));
    assert_int_equal(parse("dkata-lab-pg 1\nport_base 1\nuser postgres\nnode a 1\n", &st, err), ERR_PARSE);
    assert_int_equal(parse("dkata-lab-pg 1\nport_base 1\nuser postgres\nnode a 1 -3\n", &st, err), ERR_PARSE);
    assert_int_equal(parse("dkata-lab-pg 1\nport_base 1\nuser postgres\nnode a 1 2\nnode a 1 2\n", &st, err),
                     ERR_PARSE);
    assert_non_null(strstr(err, "twice"));
    assert_int_equal(parse("dkata-lab-pg 1\nport_base 1\nuser ../etc\n", &st, err), ERR_PARSE);
    /* found by fuzz_lab_state: a second user line used to overwrite the first */
    assert_int_equal(parse("dkata-lab-pg 1\nport_base 1\nuser postgres\nuser pos\n", &st, err), ERR_PARSE);
    assert_int_equal(parse("dkata-lab-pg 1\nport_base 1\nport_base 2\nuser x\n", &st, err), ERR_PARSE);
    assert_int_equal(parse("dkata-lab-pg 1\nport_base 1\n", &st, err), ERR_PARSE);
    assert_int_equal(parse("dkata-lab-pg 1\nport_base 1\nuser x\nwho knows\n", &st, err), ERR_PARSE);
    assert_non_null(strstr(err, "unknown key"));
    /* more processes than fit */
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "dkata-lab-pg 1\nport_base 1\nuser x\n");
    for (int i = 0; i <= LAB_STATE_MAX_PROCS; i++)
        buf_printf(&b, "proc p%d 0 %d\n", i, i + 1);
    assert_int_equal(lab_state_parse(b.data, b.len, &st, err, sizeof err), ERR_PARSE);
    buf_close(&b);
    char nul[] = "dkata-lab-pg 1\nuser x\0y\nport_base 1\n";
    assert_int_equal(lab_state_parse(nul, sizeof nul - 1, &st, err, sizeof err), ERR_PARSE);
}

static void lsn(void **state)
{
    (void)state;
    uint64_t v;
    char out[24];
    assert_int_equal(lab_lsn_parse("0/3000148", &v), 0);
    assert_true(v == 0x3000148u);
    assert_int_equal(lab_lsn_parse("16/B374D848", &v), 0);
    assert_true(v == ((uint64_t)0x16 << 32 | 0xB374D848u));
    assert_string_equal(lab_lsn_format(v, out, sizeof out), "16/B374D848");
    assert_string_equal(lab_lsn_format(0, out, sizeof out), "0/0");
    assert_int_equal(lab_lsn_parse("FFFFFFFF/FFFFFFFF", &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(lab_lsn_parse("", &v), ERR_PARSE);
    assert_int_equal(lab_lsn_parse("0/", &v), ERR_PARSE);
    assert_int_equal(lab_lsn_parse("/1", &v), ERR_PARSE);
    assert_int_equal(lab_lsn_parse("1/2/3", &v), ERR_PARSE);
    assert_int_equal(lab_lsn_parse("100000000/0", &v), ERR_PARSE);
    assert_int_equal(lab_lsn_parse("0/-1", &v), ERR_PARSE);
    assert_int_equal(lab_lsn_parse(NULL, &v), ERR_PARSE);
}

static void history_round_trip(void **state)
{
    (void)state;
    struct lab_op op = {.type = LAB_OP_INFO, .f = "write", .id = 18, .time_ns = 10240000, .node = "primary",
                        .process = 3, .value = -1, .error = "server closed the connection \"unexpectedly\""};
    struct buf b;
    buf_init(&b);
    lab_hist_format(&op, &b);
    assert_true(b.data[b.len - 1] == '\n');
    struct lab_op back;
    char err[128];
    assert_int_equal(lab_hist_parse(b.data, b.len - 1, &back, err, sizeof err), 0);
    assert_int_equal(back.type, LAB_OP_INFO);
    assert_int_equal(back.id, 18);
    assert_int_equal(back.time_ns, 10240000);
    assert_int_equal(back.process, 3);
    assert_string_equal(back.node, "primary");
    assert_string_equal(back.error, op.error);
    buf_reset(&b);
    struct lab_op rd = {.type = LAB_OP_OK, .f = "read", .id = 5, .node = "replica1", .value = 0};
    lab_hist_format(&rd, &b);
    assert_int_equal(lab_hist_parse(b.data, b.len, &back, err, sizeof err), 0);
    assert_int_equal(back.value, 0);
    buf_close(&b);
    const char *bad[] = {"", "[]", "{\"type\":\"ok\"}", "{\"type\":\"maybe\",\"f\":\"write\",\"id\":1,\"time_ns\":1,"
                         "\"node\":\"a\",\"process\":0}",
                         "{\"type\":\"ok\",\"f\":\"cas\",\"id\":1,\"time_ns\":1,\"node\":\"a\",\"process\":0}",
                         "{\"type\":\"ok\",\"f\":\"write\",\"id\":\"1\",\"time_ns\":1,\"node\":\"a\",\"process\":0}",
                         "{\"type\":\"ok\",\"f\":\"write\",\"id\":1,\"time_ns\":-1,\"node\":\"a\",\"process\":0}",
                         "{\"type\":\"ok\",\"type\":\"ok\",\"f\":\"write\",\"id\":1,\"time_ns\":1,\"node\":\"a\",\"process\":0}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(lab_hist_parse(bad[i], strlen(bad[i]), &back, err, sizeof err), ERR_PARSE);
}

static void lost_writes(void **state)
{
    (void)state;
    int64_t acked[] = {5, 1, 3, 9, 3, 7};
    int64_t present[] = {7, 1, 2, 5};
    int64_t lost[6];
    size_t n = lab_hist_lost(acked, 6, present, 4, lost);
    assert_int_equal(n, 2);
    assert_true(lost[0] == 3 && lost[1] == 9);
    assert_int_equal(lab_hist_lost(acked, 6, acked, 6, lost), 0);
    assert_int_equal(lab_hist_lost(acked, 6, NULL, 0, lost), 5);
    assert_int_equal(lab_hist_lost(NULL, 0, present, 4, lost), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(state_round_trip), cmocka_unit_test(state_rejects), cmocka_unit_test(lsn),
        cmocka_unit_test(history_round_trip), cmocka_unit_test(lost_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
