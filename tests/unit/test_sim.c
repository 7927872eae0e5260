/* Unit tests for the simulator core: rng streams, the event queue, timers, network, partitions, pause, crash,
 * clocks, fault schedules, distributions. Virtual times are asserted exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/dist.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/rng.h"
#include "core/sim.h"
#include "core/units.h"

#define MS NS_PER_MS

static void rng_is_deterministic_and_streams_are_independent(void **state)
{
    (void)state;
    struct rng a, b, c;
    rng_stream(&a, 42, "node", 1);
    rng_stream(&b, 42, "node", 1);
    rng_stream(&c, 42, "node", 2);
    for (int i = 0; i < 100; i++) {
        uint64_t x = rng_next(&a);
        assert_true(x == rng_next(&b));
        assert_true(x != rng_next(&c));
    }
    /* xoshiro256** first output for a known state (the reference implementation's arithmetic) */
    struct rng r = {{1, 2, 3, 4}};
    assert_true(rng_next(&r) == 11520ULL);
    /* rng_below stays in range and hits every value */
    int seen[7] = {0};
    for (int i = 0; i < 7000; i++) {
        uint64_t v = rng_below(&a, 7);
        assert_true(v < 7);
        seen[v]++;
    }
    for (int i = 0; i < 7; i++)
        assert_true(seen[i] > 800 && seen[i] < 1200);
    double sum = 0;
    for (int i = 0; i < 100000; i++)
        sum += rng_exponential(&a, 5.0);
    assert_true(fabs(sum / 100000 - 5.0) < 0.1);
}

struct log {
    char s[512];
    size_t n;
};

static void note(struct sim *s, void *ptr, uint64_t arg)
{
    struct log *l = ptr;
    l->n += (size_t)snprintf(l->s + l->n, sizeof(l->s) - l->n, "%c@%lld ", (char)arg, (long long)(s->now / MS));
}

static void queue_orders_by_time_then_insertion(void **state)
{
    (void)state;
    struct sim s;
    struct log l = {0};
    sim_init(&s, 1, 0, NULL, NULL);
    sim_at(&s, 20 * MS, note, &l, 'c');
    sim_at(&s, 10 * MS, note, &l, 'a');
    sim_at(&s, 10 * MS, note, &l, 'b');
    sim_timer_id d = sim_at(&s, 15 * MS, note, &l, 'd');
    sim_cancel(&s, d);
    sim_cancel(&s, d); /* twice is harmless */
    sim_run_until(&s, 100 * MS);
    assert_string_equal(l.s, "a@10 b@10 c@20 ");
    assert_int_equal(s.now, 100 * MS);
    sim_close(&s);
}

/* A little world for node tests: every node records what it saw. */
struct world {
    char log[4096];
    size_t n;
    int crashes, restarts;
};

static void w_msg(struct sim *s, node_id self, const struct sim_msg *m)
{
    struct world *w = s->user;
    w->n += (size_t)snprintf(w->log + w->n, sizeof(w->log) - w->n, "n%d<-n%d:%.*s@%lld ", self, m->from, (int)m->len,
                             (const char *)m->data, (long long)(s->now / MS));
}

static void w_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    (void)arg;
    struct world *w = s->user;
    w->n += (size_t)snprintf(w->log + w->n, sizeof(w->log) - w->n, "n%d:t%d@%lld ", self, kind,
                             (long long)(s->now / MS));
}

static void w_crash(struct sim *s, node_id self)
{
    (void)self;
    ((struct world *)s->user)->crashes++;
}

static void w_restart(struct sim *s, node_id self)
{
    (void)self;
    ((struct world *)s->user)->restarts++;
}

static const struct sim_node_ops w_ops = {w_msg, w_timer, w_crash, w_restart};

static void network_delivers_with_latency_and_copies_payload(void **state)
{
    (void)state;
    struct world w = {0};
    struct sim s;
    sim_init(&s, 7, 3, &w_ops, &w);
    struct dist d;
    dist_const(&d, 5 * MS);
    net_set_default(&s, &d, 0, 0);
    char payload[8] = "hi";
    net_send(&s, 0, 1, 1, payload, 2);
    payload[0] = 'X'; /* the network copied it */
    sim_run_until(&s, 3 * MS);
    net_send(&s, 1, 2, 1, "yo", 2);
    sim_run_until(&s, 100 * MS);
    assert_string_equal(w.log, "n1<-n0:hi@5 n2<-n1:yo@8 ");
    assert_int_equal(s.stats.delivered, 2);
    sim_close(&s);
}

static void partitions_cut_and_heal(void **state)
{
    (void)state;
    struct world w = {0};
    struct sim s;
    sim_init(&s, 7, 4, &w_ops, &w);
    int groups[4] = {0, 0, 1, 1};
    net_partition(&s, groups);
    assert_true(net_connected(&s, 0, 1));
    assert_false(net_connected(&s, 0, 2));
    net_send(&s, 0, 2, 1, "a", 1); /* dropped */
    net_send(&s, 2, 3, 1, "b", 1); /* same side */
    sim_run_until(&s, 10 * MS);
    net_heal(&s);
    net_cut(&s, 0, 1); /* one way only */
    net_send(&s, 0, 1, 1, "c", 1);
    net_send(&s, 1, 0, 1, "d", 1);
    sim_run_until(&s, 20 * MS);
    /* a message in flight when a partition starts is lost too */
    net_heal(&s);
    net_send(&s, 3, 2, 1, "e", 1);
    net_isolate(&s, 2);
    sim_run_until(&s, 30 * MS);
    assert_string_equal(w.log, "n3<-n2:b@1 n0<-n1:d@11 ");
    assert_int_equal(s.stats.dropped_partition, 3);
    sim_close(&s);
}

static void loss_and_duplication_follow_probabilities(void **state)
{
    (void)state;
    struct world w = {0};
    struct sim s;
    sim_init(&s, 3, 2, NULL, &w);
    struct dist d;
    dist_const(&d, MS);
    net_set_default(&s, &d, 0.25, 0.1);
    for (int i = 0; i < 20000; i++)
        net_send(&s, 0, 1, 1, "x", 1);
    sim_run_until(&s, 10 * MS);
    assert_true(s.stats.dropped_loss > 4700 && s.stats.dropped_loss < 5300);
    assert_true(s.stats.duplicated > 1300 && s.stats.duplicated < 1700);
    assert_int_equal(s.stats.delivered, 20000 - s.stats.dropped_loss + s.stats.duplicated);
    sim_close(&s);
}

static void pause_defers_and_crash_discards(void **state)
{
    (void)state;
    struct world w = {0};
    struct sim s;
    sim_init(&s, 7, 2, &w_ops, &w);
    struct dist d;
    dist_const(&d, 5 * MS);
    net_set_default(&s, &d, 0, 0);
    sim_timer(&s, 0, 10 * MS, 1, 0);
    net_send(&s, 1, 0, 1, "m", 1); /* due at 5 */
    sim_pause(&s, 0);
    sim_run_until(&s, 50 * MS);
    assert_string_equal(w.log, "");
    sim_resume(&s, 0);
    sim_run_until(&s, 60 * MS); /* both run at resume time, in the order they came due */
    assert_string_equal(w.log, "n0<-n1:m@50 n0:t1@50 ");
    w.n = 0;
    w.log[0] = 0;
    sim_timer(&s, 1, 10 * MS, 2, 0);
    sim_crash(&s, 1);
    net_send(&s, 0, 1, 1, "lost", 4);
    sim_run_until(&s, 65 * MS);
    sim_restart(&s, 1);
    sim_run_until(&s, 100 * MS); /* the old incarnation's timer never fires */
    assert_string_equal(w.log, "");
    assert_int_equal(w.crashes, 1);
    assert_int_equal(w.restarts, 1);
    assert_int_equal(s.stats.dropped_down, 1);
    sim_close(&s);
}

static void clocks_skew_but_virtual_time_does_not(void **state)
{
    (void)state;
    struct sim s;
    sim_init(&s, 1, 2, NULL, NULL);
    sim_set_clock(&s, 1, 50 * MS, 1000); /* +50 ms and 1000 ppm fast */
    sim_run_until(&s, 1000 * MS);
    assert_int_equal(s.now, 1000 * MS);
    assert_int_equal(sim_clock(&s, 0), 1000 * MS);
    assert_int_equal(sim_clock(&s, 1), 1051 * MS);
    sim_close(&s);
}

static void distributions_parse_and_sample(void **state)
{
    (void)state;
    struct dist d;
    char err[256];
    struct rng r;
    rng_seed(&r, 9);
    assert_int_equal(dist_parse(&d, "uniform:1ms,5ms", err, sizeof(err)), 0);
    for (int i = 0; i < 1000; i++) {
        int64_t v = dist_sample(&d, &r);
        assert_true(v >= MS && v <= 5 * MS);
    }
    assert_int_equal(dist_parse(&d, "mix:0.9*exp:1ms+0.1*pareto:10ms,1.5", err, sizeof(err)), 0);
    assert_int_equal(d.nparts, 2);
    assert_true(fabs(dist_mean(&d) - (0.9 * 1e6 + 0.1 * 30e6)) < 1);
    const char *good[] = {"10ms", "const:3ms", "exp:5ms", "normal:10ms,2ms", "lognormal:10ms,0.5", "pareto:1ms,1.5"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(dist_parse(&d, good[i], err, sizeof(err)), 0);
    const char *badv[] = {"", "exp", "exp:", "uniform:5ms,1ms", "pareto:1ms", "gauss:1ms", "mix:", "mix:exp:1ms",
                          "normal:1ms,2ms,3ms"};
    for (size_t i = 0; i < sizeof(badv) / sizeof(badv[0]); i++) {
        err[0] = 0;
        assert_int_equal(dist_parse(&d, badv[i], err, sizeof(err)), ERR_PARSE);
        assert_non_null(strstr(err, "expected"));
    }
    char out[128];
    dist_parse(&d, "normal:10ms,2ms", err, sizeof(err));
    dist_format(&d, out, sizeof(out));
    assert_string_equal(out, "normal:10ms,2ms");
}

static void fault_plans_parse_and_apply(void **state)
{
    (void)state;
    struct fault_plan p;
    fault_plan_init(&p);
    char err[256];
    assert_int_equal(fault_parse(&p, "20ms partition 0,1|2; 10ms crash 0; 15ms restart 0; 30ms heal", 3, err,
                                 sizeof(err)),
                     0);
    assert_int_equal(p.n, 4);
    assert_int_equal(p.steps[0].op, FAULT_CRASH); /* sorted by time */
    struct buf b;
    buf_init(&b);
    fault_format(&p, 3, &b);
    assert_string_equal(b.data, "10ms crash 0; 15ms restart 0; 20ms partition 0,1|2; 30ms heal");
    buf_close(&b);
    struct world w = {0};
    struct sim s;
    sim_init(&s, 1, 3, &w_ops, &w);
    fault_schedule(&p, &s);
    sim_run_until(&s, 12 * MS);
    assert_false(sim_is_up(&s, 0));
    sim_run_until(&s, 25 * MS);
    assert_true(sim_is_up(&s, 0));
    assert_false(net_connected(&s, 0, 2));
    sim_run_until(&s, 35 * MS);
    assert_true(net_connected(&s, 0, 2));
    sim_close(&s);
    fault_plan_close(&p);
    const char *badv[] = {"crash 0", "10s crash 9", "10s explode 0", "10s partition 0,1", "10s cut 0-1",
                          "10s skew 0 fast", "x heal"};
    for (size_t i = 0; i < sizeof(badv) / sizeof(badv[0]); i++) {
        fault_plan_init(&p);
        assert_int_equal(fault_parse(&p, badv[i], 3, err, sizeof(err)), ERR_PARSE);
        assert_non_null(strstr(err, "accepted"));
        fault_plan_close(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rng_is_deterministic_and_streams_are_independent),
        cmocka_unit_test(queue_orders_by_time_then_insertion),
        cmocka_unit_test(network_delivers_with_latency_and_copies_payload),
        cmocka_unit_test(partitions_cut_and_heal),
        cmocka_unit_test(loss_and_duplication_follow_probabilities),
        cmocka_unit_test(pause_defers_and_crash_discards),
        cmocka_unit_test(clocks_skew_but_virtual_time_does_not),
        cmocka_unit_test(distributions_parse_and_sample),
        cmocka_unit_test(fault_plans_parse_and_apply),
    };
    return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
