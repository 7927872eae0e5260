/* Unit tests: the clocks drill. Generated traces obey the clock condition against happens-before computed from
 * program order and send->receive alone; every message sent is received; the key scores full marks; each kind of
 * mistake costs exactly its point with a feedback line; bad answer lines are refused with their line number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "practice/practice.h"

/* hb[a][b]: a happened before b, from the trace's structure only (transitive closure). */
static void happens_before(const struct drill_clocks *d, unsigned char hb[DRILL_MAXE][DRILL_MAXE])
{
    memset(hb, 0, DRILL_MAXE * DRILL_MAXE);
    for (int b = 0; b < d->n; b++)
        for (int a = 0; a < b; a++)
            if (d->ev[a].proc == d->ev[b].proc ||
                (d->ev[a].kind == DRILL_SEND && d->ev[b].kind == DRILL_RECV && d->ev[a].msg == d->ev[b].msg))
                hb[a][b] = 1;
    for (int k = 0; k < d->n; k++)
        for (int a = 0; a < d->n; a++)
            for (int b = 0; b < d->n; b++)
                if (hb[a][k] && hb[k][b])
                    hb[a][b] = 1;
}

static void test_traces_obey_the_rules(void **state)
{
    (void)state;
    static struct drill_clocks d;
    static unsigned char hb[DRILL_MAXE][DRILL_MAXE];
    for (uint64_t seed = 1; seed <= 200; seed++) {
        int procs = 2 + (int)(seed % 5), n = 2 + (int)(seed % 40);
        drill_clocks_make(&d, seed, procs, n);
        assert_int_equal(d.n, n);
        happens_before(&d, hb);
        int sends = 0, recvs = 0, pairs = 0;
        for (int a = 0; a < d.n; a++) {
            sends += d.ev[a].kind == DRILL_SEND;
            recvs += d.ev[a].kind == DRILL_RECV;
            for (int b = 0; b < d.n; b++) {
                if (a == b)
                    continue;
                if (hb[a][b]) {
                    assert_true(d.ev[a].lamport < d.ev[b].lamport);
                    bool le = true, lt = false;
                    for (int k = 0; k < procs; k++) {
                        le &= d.ev[a].vc[k] <= d.ev[b].vc[k];
                        lt |= d.ev[a].vc[k] < d.ev[b].vc[k];
                    }
                    assert_true(le && lt);
                }
                bool conc = !hb[a][b] && !hb[b][a];
                assert_int_equal(d.conc[a][b], conc);
                pairs += conc && a < b;
            }
        }
        assert_int_equal(sends, recvs);
        assert_int_equal(pairs, d.npairs);
    }
}

static void test_grading(void **state)
{
    (void)state;
    static struct drill_clocks d;
    drill_clocks_make(&d, 2, 3, 12);
    struct buf key, fb;
    buf_init(&key);
    buf_init(&fb);
    drill_clocks_key(&d, &key);
    struct drill_grade g;
    char err[200];
    assert_int_equal(drill_clocks_grade(&d, key.data, key.len, &g, &fb, err, sizeof(err)), 0);
    assert_int_equal(g.score, g.total);
    assert_int_equal(g.total, 24 + d.npairs);
    assert_int_equal(fb.len, 0);
    /* e1 is P3's first event: L=1 V=0,0,1. Answer L=2 and a wrong vector, drop one pair, add a false one. */
    char *text = strdup(key.data);
    char *e1 = strstr(text, "e1 L=1 V=0,0,1\n");
    assert_non_null(e1);
    memcpy(e1, "e1 L=2 V=0,1,1\n", 15);
    struct buf ans;
    buf_init(&ans);
    buf_puts(&ans, text);
    char *first_pair = strstr(ans.data, "concurrent ");
    assert_non_null(first_pair);
    char *nl = strchr(first_pair, '\n');
    memmove(first_pair, nl + 1, strlen(nl + 1) + 1);
    ans.len = strlen(ans.data);
    buf_puts(&ans, "e2 || e4\n"); /* P1's first and its receive: ordered */
    assert_int_equal(drill_clocks_grade(&d, ans.data, ans.len, &g, &fb, err, sizeof(err)), 0);
    assert_int_equal(g.score, g.total - 4);
    assert_int_equal(g.pairs_wrong, 1);
    assert_non_null(strstr(fb.data, "e1: Lamport 2, expected 1"));
    assert_non_null(strstr(fb.data, "e1: vector wrong, expected 0,0,1"));
    assert_non_null(strstr(fb.data, "missed concurrent pair"));
    assert_non_null(strstr(fb.data, "e2 and e4 are not concurrent"));
    /* spacing and brackets are forgiven */
    buf_reset(&fb);
    const char *loose = "# my answers\n  e1  L = 1  V = (0, 0, 1)\n";
    assert_int_equal(drill_clocks_grade(&d, loose, strlen(loose), &g, &fb, err, sizeof(err)), 0);
    assert_int_equal(g.stamps_right, 2);
    const char *bad[][2] = {
        {"e1 L=1 V=0,0\n", "line 1: bad vector stamp"},
        {"e99 L=1\n", "line 1: expected 'eN"},
        {"\nconcurrent e1\n", "line 2: expected 'concurrent eA eB'"},
        {"e1 X=3\n", "line 1: unexpected 'X=3'"},
        {"e1 L=abc\n", "line 1: bad Lamport stamp"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(drill_clocks_grade(&d, bad[i][0], strlen(bad[i][0]), &g, &fb, err, sizeof(err)), ERR_PARSE);
        if (!strstr(err, bad[i][1]))
            fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i][1]);
    }
    free(text);
    buf_close(&ans);
    buf_close(&key);
    buf_close(&fb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_traces_obey_the_rules),
        cmocka_unit_test(test_grading),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
