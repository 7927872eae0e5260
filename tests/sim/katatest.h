/* Shared helpers for the kata scenario tests (include after cmocka.h): run one kata seed with parameter overrides
 * and keep its trace; determinism and refusal assertions. */
#ifndef DKATA_KATATEST_H
#define DKATA_KATATEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"
#include "katas/kata.h"

struct kt_run {
    struct kata_ctx ctx;
    const char *values[32];
    char *trace_text; /* every trace line, owned */
    size_t trace_len;
    uint64_t trace_hash;
    int rc;
};

/* Runs kata k at seed with "name=value" overrides (NULL-terminated), bug (or NULL), nemesis (or NULL), random
 * faults on or off; quiet as in a swarm (no table, no side-by-side runs) or not. Close with kt_close. */
static inline void kt_run_ex(struct kt_run *r, const struct kata *k, uint64_t seed, const char *const *overrides,
                             const char *bug, const char *nemesis, bool random_faults, bool quiet)
{
    memset(r, 0, sizeof(*r));
    for (int i = 0; i < k->nparams; i++)
        r->values[i] = k->params[i].def;
    for (int i = 0; overrides && overrides[i]; i++) {
        const char *eq = strchr(overrides[i], '=');
        for (int p = 0; eq && p < k->nparams; p++)
            if (strlen(k->params[p].name) == (size_t)(eq - overrides[i]) &&
                !strncmp(k->params[p].name, overrides[i], (size_t)(eq - overrides[i])))
                r->values[p] = eq + 1;
    }
    FILE *mem = open_memstream(&r->trace_text, &r->trace_len);
    struct trace tr;
    trace_init(&tr, mem);
    kata_ctx_init(&r->ctx, seed, r->values);
    r->ctx.bug = bug;
    r->ctx.nemesis = nemesis;
    r->ctx.random_faults = random_faults;
    r->ctx.quiet = quiet;
    r->ctx.trace = &tr;
    r->rc = k->run(&r->ctx);
    r->ctx.trace = NULL;
    r->trace_hash = tr.hash;
    trace_close(&tr);
    fclose(mem);
}

/* kt_run_ex, quiet. */
static inline void kt_run(struct kt_run *r, const struct kata *k, uint64_t seed, const char *const *overrides,
                          const char *bug, const char *nemesis, bool random_faults)
{
    kt_run_ex(r, k, seed, overrides, bug, nemesis, random_faults, true);
}

static inline void kt_close(struct kt_run *r)
{
    kata_ctx_close(&r->ctx);
    free(r->trace_text);
}

/* The named check's verdict: 1 passed, 0 failed, -1 not recorded. */
static inline int kt_check(const struct kt_run *r, const char *name)
{
    for (size_t i = 0; i < r->ctx.nchecks; i++)
        if (!strcmp(r->ctx.checks[i].name, name))
            return r->ctx.checks[i].passed;
    return -1;
}

/* The named figure, or -1. */
static inline double kt_figure(const struct kt_run *r, const char *name)
{
    for (size_t i = 0; i < r->ctx.nfigures; i++)
        if (!strcmp(r->ctx.figures[i].name, name))
            return r->ctx.figures[i].value;
    return -1;
}

/* Whether the trace holds a line containing needle. */
static inline bool kt_traced(const struct kt_run *r, const char *needle)
{
    return r->trace_text && strstr(r->trace_text, needle) != NULL;
}

/* Runs seeds 1..nseeds twice each with random faults: the trace hashes agree, the trace is not empty, and every
 * check holds. */
static inline void kt_assert_deterministic(const struct kata *k, const char *const *overrides, uint64_t nseeds)
{
    for (uint64_t seed = 1; seed <= nseeds; seed++) {
        struct kt_run a, b;
        kt_run(&a, k, seed, overrides, NULL, NULL, true);
        kt_run(&b, k, seed, overrides, NULL, NULL, true);
        assert_true(a.trace_hash == b.trace_hash);
        assert_true(a.trace_len > 0 && a.trace_len == b.trace_len);
        assert_int_equal(kata_failures(&a.ctx), 0);
        kt_close(&a);
        kt_close(&b);
    }
}

/* The kata refuses the override with an error that contains expect. */
static inline void kt_assert_refused(const struct kata *k, const char *override, const char *expect)
{
    const char *ov[] = {override, NULL};
    struct kt_run r;
    kt_run(&r, k, 1, ov, NULL, NULL, false);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.ctx.error, expect));
    kt_close(&r);
}

#endif
