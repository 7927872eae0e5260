/* Scenario tests: the shard kata. The default design holds; each planted design mistake is caught by its check
 * (rack-unaware placement loses quorum with a rack, hash mod N reshuffles ~N/(N+1) of keys, range on a monotonic
 * key puts the whole current traffic on one node); schemes move the keys theory says; the card parser; the memo
 * holds every field of the drill's template; determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/err.h"
#include "katas/shard.h"
#include "katatest.h"

extern const struct kata kata_shard;

static void test_default_holds(void **state)
{
    (void)state;
    struct kt_run r;
    kt_run(&r, &kata_shard, 1, NULL, NULL, NULL, false);
    assert_int_equal(r.rc, 0);
    assert_int_equal(kata_failures(&r.ctx), 0);
    /* consistent hashing, 6 nodes: adding one moves about 1/7 of the keys */
    assert_true(kt_figure(&r, "moved_on_add") > 0.10 && kt_figure(&r, "moved_on_add") < 0.20);
    assert_true(kt_figure(&r, "rack_loss_no_quorum_aware") == 0);
    assert_true(kt_figure(&r, "rack_loss_no_quorum_unaware") > 0);
    /* social feed: home-timeline (55%) and trending-hashtags (10%) scatter */
    assert_true(kt_figure(&r, "scatter_query_share") > 0.649 && kt_figure(&r, "scatter_query_share") < 0.651);
    kt_close(&r);
}

static void test_bugs_caught(void **state)
{
    (void)state;
    struct kt_run r;
    kt_run(&r, &kata_shard, 1, NULL, "rack-unaware", NULL, false);
    assert_int_equal(kt_check(&r, "rack-loss-keeps-quorum"), 0);
    assert_int_equal(kt_check(&r, "balanced"), 1);
    kt_close(&r);
    kt_run(&r, &kata_shard, 1, NULL, "mod-n", NULL, false);
    assert_int_equal(kt_check(&r, "cheap-rebalance"), 0);
    assert_true(kt_figure(&r, "moved_on_add") > 0.80); /* ~6/7 of keys change node going 6 -> 7 */
    kt_close(&r);
    kt_run(&r, &kata_shard, 1, NULL, "time-key", NULL, false);
    assert_int_equal(kt_check(&r, "balanced"), 0);
    /* every write of the current window lands past the last split point: one node takes it all (6x the mean) */
    assert_true(kt_figure(&r, "load_max_over_mean") > 5.99 && kt_figure(&r, "load_max_over_mean") < 6.01);
    kt_close(&r);
}

/* Fixed partitions: the new node steals floor(64/7) = 9 of 64 partitions, so about 9/64 of keys move. */
static void test_schemes(void **state)
{
    (void)state;
    const char *fixed[] = {"scheme=fixed", NULL};
    struct kt_run r;
    kt_run(&r, &kata_shard, 1, fixed, NULL, NULL, false);
    assert_true(kt_figure(&r, "moved_on_add") > 0.09 && kt_figure(&r, "moved_on_add") < 0.20);
    kt_close(&r);
    const char *comp[] = {"card=iot", "scheme=composite", "key=device+time", NULL};
    kt_run(&r, &kata_shard, 1, comp, NULL, NULL, false);
    assert_int_equal(kata_failures(&r.ctx), 0);
    kt_close(&r);
    const char *tenant[] = {"card=saas", "max_skew=1.2", NULL}; /* a huge tenant: its node is hot */
    kt_run(&r, &kata_shard, 1, tenant, NULL, NULL, false);
    assert_int_equal(kt_check(&r, "balanced"), 0);
    assert_true(kt_figure(&r, "hottest_key_share") > 0.05);
    kt_close(&r);
    const char *rf2[] = {"rf=2", NULL}; /* two replicas cannot keep a majority when a rack holding one goes */
    kt_run(&r, &kata_shard, 1, rf2, NULL, NULL, false);
    assert_int_equal(kt_check(&r, "rack-loss-keeps-quorum"), 0);
    kt_close(&r);
    const char *comp1[] = {"scheme=composite", "key=user", NULL};
    kt_run(&r, &kata_shard, 1, comp1, NULL, NULL, false);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.ctx.error, "needs key=FIELD+FIELD"));
    kt_close(&r);
    kt_assert_refused(&kata_shard, "key=user+user", "bad key 'user+user'");
    kt_assert_refused(&kata_shard, "key=nope", "bad key 'nope'");
    kt_assert_refused(&kata_shard, "card=nope", "bad card 'nope'");
    kt_assert_refused(&kata_shard, "rf=7", "rf 7 is more than the 6 nodes");
}

static void test_memo_and_svg(void **state)
{
    (void)state;
    const char *memo[] = {"memo=yes", NULL};
    struct kt_run r;
    struct buf svg;
    buf_init(&svg);
    kt_run_ex(&r, &kata_shard, 1, memo, NULL, NULL, false, false);
    const char *t = r.ctx.text.data;
    const char *fields[] = {"Partition key:", "Scheme:", "Replication factor:", "Consistency target:",
                            "Hotspot risk:", "Rebalancing plan:", "Failure-domain analysis:", "Slow queries:",
                            "`home-timeline` (55% of queries) scatters", "What breaks first:"};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        assert_non_null(strstr(t, fields[i]));
    kt_close(&r);
    struct kata_ctx ctx;
    const char *values[32];
    for (int i = 0; i < kata_shard.nparams; i++)
        values[i] = kata_shard.params[i].def;
    kata_ctx_init(&ctx, 1, values);
    ctx.svg = &svg;
    assert_int_equal(kata_shard.run(&ctx), 0);
    assert_non_null(strstr(svg.data, "routing tier"));
    assert_non_null(strstr(svg.data, "partition 0, primary"));
    kata_ctx_close(&ctx);
    buf_close(&svg);
}

static void test_card_parser(void **state)
{
    (void)state;
    struct shard_card c;
    char err[200];
    const char *ok = "card x\ntitle X\nfield a zipf 1.1 100\nfield t monotonic\nquery q 50 eq=a range=t\n"
                     "query s 50 fanout eq=a remedy=denormalization # comment\n";
    assert_int_equal(shard_card_parse(ok, strlen(ok), &c, err, sizeof(err)), 0);
    assert_int_equal(c.nf, 2);
    assert_int_equal(c.nq, 2);
    assert_true(c.q[1].fanout);
    assert_string_equal(c.q[1].remedy, "denormalization");
    const char *bad[][2] = {
        {"card x\nfield a zipf 9 10\nquery q 1 eq=a\n", "line 2: bad field 'a'"},
        {"card x\nfield a uniform 10\nquery q 1 eq=b\n", "line 3: query 'q' names unknown field 'b'"},
        {"card x\nfield a uniform 10\n", "the card declares no query"},
        {"field a uniform 10\nquery q 1 eq=a\n", "no 'card NAME' line"},
        {"card x\nfield a uniform 10\nquery q 0 eq=a\n", "bad share '0'"},
        {"card x\nfield a uniform 10\nbogus\n", "unknown line 'bogus'"},
        {"card x\nfield a uniform 10\nquery q 5 remedy=magic\n", "bad remedy 'magic'"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(shard_card_parse(bad[i][0], strlen(bad[i][0]), &c, err, sizeof(err)), ERR_PARSE);
        if (!strstr(err, bad[i][1]))
            fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i][1]);
    }
    for (int i = 0; shard_card_names[i]; i++)
        assert_int_equal(shard_card_builtin(shard_card_names[i], &c), 0);
}

static void test_deterministic(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct kt_run a, b;
        kt_run_ex(&a, &kata_shard, seed, NULL, NULL, NULL, false, false);
        kt_run_ex(&b, &kata_shard, seed, NULL, NULL, NULL, false, false);
        assert_string_equal(a.ctx.text.data, b.ctx.text.data);
        assert_true(kt_figure(&a, "load_max_over_mean") == kt_figure(&b, "load_max_over_mean"));
        kt_close(&a);
        kt_close(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_holds), cmocka_unit_test(test_bugs_caught),
        cmocka_unit_test(test_schemes),       cmocka_unit_test(test_memo_and_svg),
        cmocka_unit_test(test_card_parser),   cmocka_unit_test(test_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
