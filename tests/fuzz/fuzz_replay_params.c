/* Fuzz target: the replays' parameter reading. The first byte picks a replay (one with check_params) and a
 * base clock; each further line is a `--param NAME=VALUE` (replay_set_param) or a `--config C`, and then the
 * replay checks the set as its run would (check_params, without running). Each step accepts, or refuses with
 * one line naming the problem; nothing crashes or wraps (UBSan). Every value is also read as a wall-clock
 * parameter (replay_get_clock): accepted only as HH:MM or HH:MM:SS, landing within a day, printed back the
 * same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "katas/replay.h"

#define MAXP 32

/* err holds one line that says something. */
static void one_line(const char *err, size_t size)
{
    if (!memchr(err, 0, size) || strlen(err) < 10 || strchr(err, '\n'))
        abort();
}

/* The clock reader on one value, from base_s. */
static void clock_value(const char *v, int base_s)
{
    static const struct kata_param p[] = {{"at", "00:00", "fuzzed"}};
    static const struct kata k = {.name = "fuzz", .params = p, .nparams = 1};
    const char *values[] = {v};
    struct kata_ctx ctx;
    kata_ctx_init(&ctx, 1, values);
    int64_t at;
    if (replay_get_clock(&ctx, &k, "at", base_s, &at)) {
        char back[9];
        size_t n = strlen(v);
        if (ctx.error[0] || at < 0 || at >= 86400 * NS_PER_S || at % NS_PER_S ||
            strncmp(replay_clock(back, base_s, at), v, n) || (n == 5 && strcmp(back + 5, ":00")) ||
            (n != 5 && n != 8))
            abort();
    } else {
        one_line(ctx.error, sizeof(ctx.error));
    }
    kata_ctx_close(&ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int n, nchecked = 0;
    const struct replay *const *all = replay_all(&n);
    const struct replay *checked[16];
    for (int i = 0; i < n; i++)
        if (all[i]->check_params && nchecked < 16)
            checked[nchecked++] = all[i];
    if (size < 1 || !nchecked)
        return 0;
    const struct replay *r = checked[data[0] % nchecked];
    int base_s = data[0] * 337; /* 0..85935: a clock anywhere in the day */
    const struct kata *k = r->scenario;
    if (k->nparams > MAXP)
        abort();
    const char *values[MAXP];
    for (int i = 0; i < k->nparams; i++)
        values[i] = k->params[i].def;
    int cfg = kata_param_index(k, "config");
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        if (!strncmp(line, "--config ", 9)) {
            values[cfg] = line + 9;
            continue;
        }
        const char *before[MAXP];
        memcpy(before, values, sizeof(before));
        char err[256];
        memset(err, 'x', sizeof(err));
        if (replay_set_param(r, values, line, err, sizeof(err))) {
            one_line(err, sizeof(err));
            if (memcmp(before, values, sizeof(before)))
                abort();
        } else { /* exactly the named parameter took the text after '=' */
            const char *eq = strchr(line, '=');
            int i = 0;
            while (i < k->nparams && values[i] == before[i])
                i++;
            if (!eq || i == k->nparams || i == cfg || values[i] != eq + 1 ||
                strlen(k->params[i].name) != (size_t)(eq - line) ||
                strncmp(k->params[i].name, line, (size_t)(eq - line)))
                abort();
            clock_value(eq + 1, base_s);
        }
    }
    struct kata_ctx ctx;
    kata_ctx_init(&ctx, 1, values);
    if (r->check_params(&ctx) ? ctx.error[0] != 0
                              : strncmp(ctx.error, "bad ", 4) && strncmp(ctx.error, "parameter '", 11))
        abort();
    one_line(ctx.error[0] ? ctx.error : "accepted, no message", sizeof(ctx.error));
    kata_ctx_close(&ctx);
    free(text);
    return 0;
}
