/* The kata registry, the help page every kata shares, and the parameter readers. */
#include "katas/kata.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/dist.h"
#include "core/fault.h"
#include "core/units.h"

extern const struct kata kata_clocks;
extern const struct kata kata_shard;
extern const struct kata kata_failover;
extern const struct kata kata_fencing;
extern const struct kata kata_quorum;
extern const struct kata kata_raft_election;
extern const struct kata kata_retry;
extern const struct kata kata_saga;
extern const struct kata kata_fdetect;
extern const struct kata kata_fdetect_worksheet;
extern const struct kata kata_rpc_outcomes;
extern const struct kata kata_tail_latency;
extern const struct kata kata_swim;
extern const struct kata kata_paxos;
extern const struct kata kata_lww_skew;
extern const struct kata kata_split_brain;
extern const struct kata kata_raft_log;
extern const struct kata kata_replag;

static const struct kata *const registry[] = {
    &kata_clocks,
    &kata_failover,
    &kata_fencing,
    &kata_quorum,
    &kata_raft_election,
    &kata_retry,
    &kata_saga,
    &kata_fdetect,
    &kata_fdetect_worksheet,
    &kata_rpc_outcomes,
    &kata_tail_latency,
    &kata_swim,
    &kata_paxos,
    &kata_lww_skew,
    &kata_split_brain,
    &kata_raft_log,
    &kata_shard,
    &kata_replag,
};
#define NKATAS ((int)(sizeof(registry) / sizeof(registry[0])))

const struct kata *const *kata_all(int *n)
{
    *n = NKATAS;
    return registry;
}

const struct kata *kata_find(const char *name)
{
    for (int i = 0; i < NKATAS; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[65];
    if (la > 64 || lb > 64)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const struct kata *kata_find_or_complain(const char *name)
{
    const struct kata *k = kata_find(name);
    if (k)
        return k;
    const struct kata *best = NULL;
    size_t best_d = 99;
    for (int i = 0; i < NKATAS; i++) {
        size_t d = strstr(registry[i]->name, name) ? 1 : distance(name, registry[i]->name);
        if (d < best_d) {
            best_d = d;
            best = registry[i];
        }
    }
    fprintf(stderr, "dkata: unknown kata '%s'", name);
    if (best && best_d <= strlen(name) / 2 + 1)
        fprintf(stderr, "; did you mean '%s'?", best->name);
    fprintf(stderr, " (katas:");
    for (int i = 0; i < NKATAS; i++)
        fprintf(stderr, " %s", registry[i]->name);
    fprintf(stderr, ")\n");
    return NULL;
}

void kata_print_about(const struct kata *k, FILE *out)
{
    fprintf(out, "%s: %s\n\n", k->name, k->summary);
    fprintf(out, "Drill: %s\nTime limit: %s\nRepeat until: %s\n\n", k->drill, k->time_limit, k->repeat_until);
    fprintf(out, "What it drills:\n  %s\n\n", k->what);
    fprintf(out, "Parameters (--param NAME=VALUE; defaults are the drill's own numbers):\n");
    for (int i = 0; i < k->nparams; i++)
        fprintf(out, "  %-18s default %-12s %s\n", k->params[i].name, k->params[i].def, k->params[i].help);
    if (k->nbugs) {
        fprintf(out, "\nBugs to plant (--bug NAME; the checkers must catch each):\n");
        for (int i = 0; i < k->nbugs; i++)
            fprintf(out, "  %-18s %s\n", k->bugs[i].name, k->bugs[i].help);
    }
    if (k->exercise)
        fprintf(out, "\nExercise (--exercise; --answers adds the key; a new one per --seed):\n  %s\n",
                k->exercise_what ? k->exercise_what : "generated from the seed");
    fprintf(out, "\nHow to read the output:\n  %s\n", k->reading);
}

void kata_print_help(const struct kata *k, FILE *out)
{
    kata_print_about(k, out);
    fprintf(out, "\nExamples:\n  dkata run %s\n", k->name);
    if (k->picture)
        fprintf(out, "  dkata run %s --seed 7 --svg %s.svg\n", k->name, k->name);
    else
        fprintf(out, "  dkata run %s --seed 7 --json\n", k->name);
    fprintf(out, "  dkata run %s --seeds 10000\n", k->name);
    if (k->nbugs)
        fprintf(out, "  dkata run %s --bug %s --seeds 2000\n", k->name, k->bugs[0].name);
}

int kata_param_index(const struct kata *k, const char *name)
{
    for (int i = 0; i < k->nparams; i++)
        if (strcmp(k->params[i].name, name) == 0)
            return i;
    return -1;
}

void kata_ctx_init(struct kata_ctx *ctx, uint64_t seed, const char **values)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->seed = seed;
    ctx->values = values;
    buf_init(&ctx->text);
}

void kata_ctx_close(struct kata_ctx *ctx)
{
    for (size_t i = 0; i < ctx->nchecks; i++)
        free(ctx->checks[i].detail);
    free(ctx->checks);
    free(ctx->figures);
    buf_close(&ctx->text);
}

void kata_figure(struct kata_ctx *ctx, const char *name, double value)
{
    XGROW(ctx->figures, ctx->figures_cap, ctx->nfigures + 1);
    struct kata_figure *f = &ctx->figures[ctx->nfigures++];
    snprintf(f->name, sizeof(f->name), "%s", name);
    f->value = value;
}

bool kata_check(struct kata_ctx *ctx, const char *name, bool passed, const char *fmt, ...)
{
    XGROW(ctx->checks, ctx->checks_cap, ctx->nchecks + 1);
    struct kata_check *c = &ctx->checks[ctx->nchecks++];
    snprintf(c->name, sizeof(c->name), "%s", name);
    c->passed = passed;
    if (passed && ctx->brief_passes) {
        c->detail = xstrdup("");
        return passed;
    }
    struct buf b;
    buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    c->detail = buf_take(&b);
    return passed;
}

int kata_failures(const struct kata_ctx *ctx)
{
    int n = 0;
    for (size_t i = 0; i < ctx->nchecks; i++)
        n += !ctx->checks[i].passed;
    return n;
}

bool kata_bug_is(const struct kata_ctx *ctx, const char *bug)
{
    return ctx->bug && strcmp(ctx->bug, bug) == 0;
}

const char *kata_get_str(const struct kata_ctx *ctx, const struct kata *k, const char *name)
{
    int i = kata_param_index(k, name);
    return i < 0 ? NULL : ctx->values[i];
}

bool kata_get_int(struct kata_ctx *ctx, const struct kata *k, const char *name, long lo, long hi, long *out)
{
    const char *v = kata_get_str(ctx, k, name);
    char *end;
    errno = 0;
    long x = v ? strtol(v, &end, 10) : 0;
    if (!v || !*v || errno || *end || x < lo || x > hi) {
        snprintf(ctx->error, sizeof(ctx->error), "bad value '%s' for parameter '%s': expected an integer %ld..%ld",
                 v ? v : "", name, lo, hi);
        return false;
    }
    *out = x;
    return true;
}

bool kata_get_double(struct kata_ctx *ctx, const struct kata *k, const char *name, double lo, double hi,
                     double *out)
{
    const char *v = kata_get_str(ctx, k, name);
    char *end;
    errno = 0;
    double x = v ? strtod(v, &end) : 0;
    if (!v || !*v || errno || *end || !isfinite(x) || x < lo || x > hi) {
        snprintf(ctx->error, sizeof(ctx->error), "bad value '%s' for parameter '%s': expected a number %g..%g",
                 v ? v : "", name, lo, hi);
        return false;
    }
    *out = x;
    return true;
}

bool kata_get_duration(struct kata_ctx *ctx, const struct kata *k, const char *name, int64_t *out_ns)
{
    const char *v = kata_get_str(ctx, k, name);
    if (!v || units_parse_duration(v, out_ns) != 0) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad value '%s' for parameter '%s': expected a duration such as 150ms, 2.5s or 300us",
                 v ? v : "", name);
        return false;
    }
    return true;
}

bool kata_get_duration_in(struct kata_ctx *ctx, const struct kata *k, const char *name, int64_t lo,
                          int64_t hi, int64_t *out_ns)
{
    const char *v = kata_get_str(ctx, k, name);
    int64_t x;
    if (!v || units_parse_duration(v, &x) != 0 || x < lo || x > hi) {
        char a[32], b[32];
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad value '%.60s' for parameter '%s': expected a duration %s..%s", v ? v : "", name,
                 units_fmt_duration(a, sizeof(a), lo), units_fmt_duration(b, sizeof(b), hi));
        return false;
    }
    *out_ns = x;
    return true;
}

bool kata_bound_work(struct kata_ctx *ctx, double count, double max, const char *what, const char *fix)
{
    if (count <= max)
        return true;
    snprintf(ctx->error, sizeof(ctx->error), "too much work: %s would be %.6g, at most %.3g accepted; %s",
             what, count, max, fix);
    return false;
}

bool kata_get_choice(struct kata_ctx *ctx, const struct kata *k, const char *name, const char *const *choices,
                     int *out)
{
    const char *v = kata_get_str(ctx, k, name);
    for (int i = 0; v && choices[i]; i++)
        if (strcmp(v, choices[i]) == 0) {
            *out = i;
            return true;
        }
    struct buf b;
    buf_init(&b);
    for (int i = 0; choices[i]; i++)
        buf_printf(&b, "%s%s", i ? "|" : "", choices[i]);
    snprintf(ctx->error, sizeof(ctx->error), "bad value '%s' for parameter '%s': expected %s", v ? v : "", name,
             b.data);
    buf_close(&b);
    return false;
}

int kata_parse_list(const char *text, const char *prefix, bool durations, int64_t lo, int64_t hi, int64_t *out,
                    int max)
{
    size_t plen = prefix ? strlen(prefix) : 0;
    if (!text || strlen(text) > 255 || (plen && strncmp(text, prefix, plen) != 0))
        return -1;
    char tmp[256];
    snprintf(tmp, sizeof(tmp), "%s", text + plen);
    int n = 0;
    char *p = tmp;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = 0;
        int64_t v;
        if (n == max || !*p)
            return -1;
        if (durations) {
            if (units_parse_duration(p, &v))
                return -1;
        } else {
            char *end;
            errno = 0;
            long long x = strtoll(p, &end, 10);
            if (errno || *end || end == p)
                return -1;
            v = x;
        }
        if (v < lo || v > hi)
            return -1;
        out[n++] = v;
        if (!comma)
            return n;
        p = comma + 1;
    }
}

bool kata_get_dist(struct kata_ctx *ctx, const struct kata *k, const char *name, struct dist *out)
{
    char err[256];
    if (dist_parse(out, kata_get_str(ctx, k, name), err, sizeof(err)) == 0)
        return true;
    snprintf(ctx->error, sizeof(ctx->error), "parameter '%s': %.200s", name, err);
    return false;
}

bool kata_nemesis_plan(struct kata_ctx *ctx, int nnodes, struct fault_plan *plan)
{
    fault_plan_init(plan);
    char err[256];
    if (!ctx->nemesis || fault_parse(plan, ctx->nemesis, nnodes, err, sizeof(err)) == 0)
        return true;
    snprintf(ctx->error, sizeof(ctx->error), "%s", err);
    fault_plan_close(plan);
    return false;
}

void kata_timeline_init(struct kata_timeline *t, bool on, int max)
{
    buf_init(&t->text);
    t->lines = 0;
    t->max = max;
    t->on = on;
}

void kata_timeline_close(struct kata_timeline *t)
{
    buf_close(&t->text);
}

void kata_tl(struct kata_timeline *t, int64_t now_ns, const char *fmt, ...)
{
    if (!t->on || t->lines >= t->max)
        return;
    if (++t->lines == t->max) {
        buf_printf(&t->text, "  ... (timeline cut at %d lines; --trace has every event)\n", t->max);
        return;
    }
    buf_printf(&t->text, "  %9.3fms  ", (double)now_ns / 1e6);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&t->text, fmt, ap);
    va_end(ap);
    buf_putc(&t->text, '\n');
}
