/* libFuzzer target: the kata parameter readers (integers, numbers, durations, duration lists, choices, latency
 * distributions, --nemesis schedules) must accept or reject any value with one error line, never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/dist.h"
#include "core/fault.h"
#include "katas/kata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct kata_param params[] = {
    {"n", "3", ""}, {"x", "0.5", ""}, {"d", "10ms", ""}, {"list", "0ms,1ms", ""}, {"c", "none", ""}, {"lat", "", ""},
};
static const struct kata fake = {.name = "fuzz", .params = params, .nparams = 6};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    const char *values[6] = {s, s, s, s, s, s};
    struct kata_ctx ctx;
    kata_ctx_init(&ctx, 1, values);
    long n;
    double x;
    int64_t d, list[16];
    int count, choice;
    static const char *const choices[] = {"none", "random", NULL};
    struct dist lat;
    if (kata_get_int(&ctx, &fake, "n", 0, 100, &n) && (n < 0 || n > 100))
        abort();
    if (kata_get_double(&ctx, &fake, "x", 0, 1, &x) && !(x >= 0 && x <= 1))
        abort();
    kata_get_duration(&ctx, &fake, "d", &d);
    if (kata_get_durations(&ctx, &fake, "list", list, 16, &count) && (count < 1 || count > 16))
        abort();
    if (kata_get_choice(&ctx, &fake, "c", choices, &choice) && (choice < 0 || choice > 1))
        abort();
    kata_get_dist(&ctx, &fake, "lat", &lat);
    if (!memchr(ctx.error, 0, sizeof(ctx.error)))
        abort();
    ctx.nemesis = s;
    struct fault_plan plan;
    if (kata_nemesis_plan(&ctx, 4, &plan))
        fault_plan_close(&plan);
    kata_ctx_close(&ctx);
    free(s);
    return 0;
}
