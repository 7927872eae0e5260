/* Fuzz target: the kata parameter readers (integers, numbers, durations, choices) and the list parser used by
 * quorum's `t` and retry's `experiment`, on arbitrary text. They must answer or refuse, never crash or overrun. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/dist.h"
#include "core/fault.h"
#include "katas/kata.h"

static const struct kata_param params[] = {{"x", "1", "fuzzed"}};
static const struct kata fake = {.name = "fuzz", .params = params, .nparams = 1};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    int64_t out[32];
    int n = kata_parse_list(text, NULL, true, 0, INT64_MAX, out, 16);
    if (n > 16)
        abort();
    n = kata_parse_list(text, "contention:", false, 2, 1000, out, 32);
    for (int i = 0; i < n; i++)
        if (out[i] < 2 || out[i] > 1000)
            abort();
    const char *values[] = {text};
    struct kata_ctx ctx;
    kata_ctx_init(&ctx, 1, values);
    long l;
    double d;
    int64_t ns;
    int c;
    static const char *const choices[] = {"none", "lease-only", "after-write", "before-write", NULL};
    if (kata_get_int(&ctx, &fake, "x", 1, 9, &l) && (l < 1 || l > 9))
        abort();
    if (kata_get_double(&ctx, &fake, "x", 0, 1, &d) && !(d >= 0 && d <= 1))
        abort();
    kata_get_duration(&ctx, &fake, "x", &ns);
    if (kata_get_choice(&ctx, &fake, "x", choices, &c) && strcmp(choices[c], text) != 0)
        abort();
    struct dist lat;
    kata_get_dist(&ctx, &fake, "x", &lat); /* the latency parameter of every simulated kata */
    ctx.nemesis = text;                    /* and --nemesis, through the kata helper */
    struct fault_plan plan;
    if (kata_nemesis_plan(&ctx, 4, &plan))
        fault_plan_close(&plan);
    if (!memchr(ctx.error, 0, sizeof(ctx.error)))
        abort();
    kata_ctx_close(&ctx);
    free(text);
    return 0;
}
