/* Helpers for the exercise-lane kata scenario tests: run a kata in memory (parameters, bug, nemesis, random
 * faults), capture its trace, read checks, figures and trace times; run its exercise. Include after cmocka.h. */
#ifndef DKATA_TESTS_LANE_TEST_H
#define DKATA_TESTS_LANE_TEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"
#include "katas/kata.h"

struct lrun {
    struct kata_ctx ctx;
    const char *values[32];
    char *trace;
    size_t trace_len;
    uint64_t hash;
};

struct lopts {
    const char *bug, *nemesis;
    bool random_faults, quiet;
    const char *const *params; /* "name=value", NULL-terminated */
};

static inline void lane_values(const struct kata *k, const char **values, const char *const *params)
{
    for (int i = 0; i < k->nparams; i++)
        values[i] = k->params[i].def;
    for (int i = 0; params && params[i]; i++) {
        const char *eq = strchr(params[i], '=');
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(eq - params[i]), params[i]);
        int idx = kata_param_index(k, name);
        if (idx < 0)
            fail_msg("no parameter %s", name);
        values[idx] = eq + 1;
    }
}

/* Runs one seed; returns the kata's rc (0, or -1 on bad parameters). */
static inline int lrun(struct lrun *r, const char *kata, uint64_t seed, const struct lopts *o)
{
    const struct kata *k = kata_find(kata);
    assert_non_null(k);
    lane_values(k, r->values, o ? o->params : NULL);
    FILE *mem = open_memstream(&r->trace, &r->trace_len);
    struct trace tr;
    trace_init(&tr, mem);
    kata_ctx_init(&r->ctx, seed, r->values);
    if (o) {
        r->ctx.bug = o->bug;
        r->ctx.nemesis = o->nemesis;
        r->ctx.random_faults = o->random_faults;
        r->ctx.quiet = o->quiet;
    }
    r->ctx.trace = &tr;
    int rc = k->run(&r->ctx);
    r->hash = tr.hash;
    trace_close(&tr);
    fclose(mem);
    return rc;
}

static inline void lrun_free(struct lrun *r)
{
    kata_ctx_close(&r->ctx);
    free(r->trace);
}

static inline bool lcheck(const struct kata_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->nchecks; i++)
        if (!strcmp(ctx->checks[i].name, name))
            return ctx->checks[i].passed;
    fail_msg("no check named %s", name);
    return false;
}

static inline bool lhas_figure(const struct kata_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->nfigures; i++)
        if (!strcmp(ctx->figures[i].name, name))
            return true;
    return false;
}

static inline double lfigure(const struct kata_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->nfigures; i++)
        if (!strcmp(ctx->figures[i].name, name))
            return ctx->figures[i].value;
    fail_msg("no figure named %s", name);
    return 0;
}

/* The time of the nth (0-based) trace line containing every one of the two substrings (b may be NULL). */
static inline long long ltime(const char *trace, const char *a, const char *b, int nth)
{
    for (const char *line = trace; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char *copy = strndup(line, len);
        bool hit = strstr(copy, a) && (!b || strstr(copy, b));
        long long t = atoll(copy + 5);
        free(copy);
        if (hit && nth-- == 0)
            return t;
        line = end ? end + 1 : NULL;
    }
    return -1;
}

/* Seeds from 1..n (quiet, with o's bug and faults) that fail at least one check. */
static inline int lfailing(const char *kata, int n, const struct lopts *o)
{
    int failing = 0;
    for (int seed = 1; seed <= n; seed++) {
        struct lrun r;
        struct lopts q = *o;
        q.quiet = true;
        assert_int_equal(lrun(&r, kata, (uint64_t)seed, &q), 0);
        failing += kata_failures(&r.ctx) > 0;
        lrun_free(&r);
    }
    return failing;
}

/* Runs the kata's exercise for seeds 1..n with answers: every key check must hold, the text must be there, and
 * the exercise alone must not contain the key's heading. */
static inline void lexercise(const char *kata, int n, const char *key_heading)
{
    const struct kata *k = kata_find(kata);
    assert_non_null(k);
    assert_non_null(k->exercise);
    const char *values[32];
    lane_values(k, values, NULL);
    for (int seed = 1; seed <= n; seed++) {
        struct kata_ctx q, a;
        kata_ctx_init(&q, (uint64_t)seed, values);
        kata_ctx_init(&a, (uint64_t)seed, values);
        assert_int_equal(k->exercise(&q, false), 0);
        assert_int_equal(k->exercise(&a, true), 0);
        assert_non_null(q.text.data);
        assert_null(strstr(q.text.data, key_heading));
        assert_non_null(strstr(a.text.data, key_heading));
        assert_int_equal(strncmp(q.text.data, a.text.data, q.text.len), 0); /* same exercise, key appended */
        if (kata_failures(&a))
            for (size_t i = 0; i < a.nchecks; i++)
                if (!a.checks[i].passed)
                    fail_msg("seed %d: %s: %s", seed, a.checks[i].name, a.checks[i].detail);
        kata_ctx_close(&q);
        kata_ctx_close(&a);
    }
}

/* The same seed run twice (random faults, quiet, with params) gives byte-identical traces and tables. */
static inline void ldeterminism(const char *kata, uint64_t seed, const char *const *params)
{
    struct lopts o = {.random_faults = true, .quiet = true, .params = params};
    struct lrun a, b;
    assert_int_equal(lrun(&a, kata, seed, &o), 0);
    assert_int_equal(lrun(&b, kata, seed, &o), 0);
    assert_int_equal(a.hash, b.hash);
    assert_true(a.trace_len == b.trace_len && memcmp(a.trace, b.trace, a.trace_len) == 0);
    assert_string_equal(a.ctx.text.data ? a.ctx.text.data : "", b.ctx.text.data ? b.ctx.text.data : "");
    lrun_free(&a);
    lrun_free(&b);
}

/* Each "name=value" alone must be refused with a one-line error (run returns -1). */
static inline void lbad(const char *kata, const char *const *bad)
{
    for (int i = 0; bad[i]; i++) {
        const char *const one[] = {bad[i], NULL};
        struct lopts o = {.params = one};
        struct lrun r;
        if (lrun(&r, kata, 1, &o) != -1)
            fail_msg("%s: %s accepted", kata, bad[i]);
        assert_true(r.ctx.error[0] != 0);
        lrun_free(&r);
    }
}

#endif
