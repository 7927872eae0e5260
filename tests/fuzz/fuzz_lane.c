/* libFuzzer target: the exercise-lane katas' own parameter parsers (off / pNN / duration) and the shared kata
 * parameter readers they go through must accept or reject any text with one line of error, never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "katas/kata.h"
#include "katas/lane.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct kata_param params[] = {{"x", "1", "fuzzed"}};
static const struct kata fake = {.name = "fuzz", .params = params, .nparams = 1};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    enum lane_when kind;
    double pct = -1;
    int64_t ns = -1;
    for (int allow = 0; allow < 2; allow++)
        if (lane_parse_when(s, allow, &kind, &pct, &ns) &&
            ((kind == LANE_PERCENTILE && !(pct >= 1 && pct < 100)) || (kind == LANE_DURATION && ns <= 0)))
            abort();
    const char *values[1] = {s};
    struct kata_ctx ctx;
    kata_ctx_init(&ctx, 1, values);
    long l;
    double d;
    int64_t t;
    struct dist dist;
    static const char *const choices[] = {"on", "off", NULL};
    int c;
    bool ok[5] = {kata_get_int(&ctx, &fake, "x", 0, 10, &l), true, true, true, true};
    for (int i = 0; i < 5; i++) {
        if (i == 1)
            ok[i] = kata_get_double(&ctx, &fake, "x", 0, 1, &d);
        else if (i == 2)
            ok[i] = kata_get_duration(&ctx, &fake, "x", &t);
        else if (i == 3)
            ok[i] = kata_get_choice(&ctx, &fake, "x", choices, &c);
        else if (i == 4)
            ok[i] = lane_get_dist(&ctx, &fake, "x", &dist);
        if (!ok[i] && !ctx.error[0])
            abort(); /* a rejection names the problem (cli_usage makes it one printable line) */
        ctx.error[0] = 0;
    }
    kata_ctx_close(&ctx);
    free(s);
    return 0;
}
