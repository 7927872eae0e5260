/* Scenario tests for the fdetect-worksheet kata: the worksheet's numbers for the default workload, the model
 * verified in simulation, every --bug caught, determinism, the exercise's key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "lane_test.h"

/* Default workload, by hand: pauses dominate; (0.3/1) e^{-T/0.3} (e^{1/0.3} - 1) * 3600/60.3 + loss terms
 * = 1/24 per hour gives T = 2.835s; detection T + 20ms - 500ms on average. */
static void default_workload_numbers(void **state)
{
    (void)state;
    struct lrun r;
    const char *const p[] = {"verify=3h", NULL};
    struct lopts o = {.params = p};
    assert_int_equal(lrun(&r, "fdetect-worksheet", 1, &o), 0);
    assert_int_equal(kata_failures(&r.ctx), 0);
    double t = lfigure(&r.ctx, "timeout_s");
    assert_true(fabs(t - 2.835) < 0.001);
    double det = lfigure(&r.ctx, "detection_ms");
    assert_true(det >= (t + 0.02 - 1) * 1e3 - 50 && det <= (t + 0.02) * 1e3 + 50);
    assert_non_null(strstr(r.ctx.text.data, "threshold = phi(T) = 74.6"));
    lrun_free(&r);
    /* No pauses, no loss: only jitter. Q((T - 1s) / (5ms sqrt 2)) * 3600 = 1/24 gives T = 1s + 5.42 sd. */
    const char *const calm[] = {"verify=2h", "pause_every=0", "loss=0", NULL};
    o.params = calm;
    assert_int_equal(lrun(&r, "fdetect-worksheet", 1, &o), 0);
    assert_int_equal(kata_failures(&r.ctx), 0);
    double z = (lfigure(&r.ctx, "timeout_s") - 1) / (0.005 * sqrt(2.0));
    assert_true(fabs(0.5 * erfc(z / sqrt(2.0)) * 3600 - 1.0 / 24) < 1e-6);
    lrun_free(&r);
}

static void model_holds_over_random_workloads(void **state)
{
    (void)state;
    const char *const p[] = {"verify=1h", NULL};
    struct lopts o = {.random_faults = true, .params = p};
    assert_int_equal(lfailing("fdetect-worksheet", 30, &o), 0);
}

static void bugs_are_caught(void **state)
{
    (void)state;
    static const char *bugs[] = {"forget-pauses", "jitter-not-doubled", "forget-loss"};
    const char *const p[] = {"verify=1h", NULL};
    for (int b = 0; b < 3; b++) {
        struct lopts o = {.bug = bugs[b], .random_faults = true, .params = p};
        assert_true(lfailing("fdetect-worksheet", 20, &o) > 0);
    }
    /* forget-pauses on the default workload over two hours: the model is off. */
    const char *const two[] = {"verify=2h", NULL};
    struct lopts o = {.bug = "forget-pauses", .params = two};
    struct lrun r;
    assert_int_equal(lrun(&r, "fdetect-worksheet", 1, &o), 0);
    assert_false(lcheck(&r.ctx, "false-positive-model"));
    lrun_free(&r);
}

static void determinism(void **state)
{
    (void)state;
    ldeterminism("fdetect-worksheet", 7, (const char *const[]){"verify=1h", NULL});
}

static void exercise_key_verified(void **state)
{
    (void)state;
    lexercise("fdetect-worksheet", 3, "Answer key"); /* each verifies a simulated day */
}

static void bad_parameters(void **state)
{
    (void)state;
    const char *const bad[] = {"interval=1ms", "fp_per_day=0", "verify=1m", "latency_sd=x", NULL};
    lbad("fdetect-worksheet", bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_workload_numbers), cmocka_unit_test(model_holds_over_random_workloads),
        cmocka_unit_test(bugs_are_caught),          cmocka_unit_test(determinism),
        cmocka_unit_test(exercise_key_verified),    cmocka_unit_test(bad_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
