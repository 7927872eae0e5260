/* Shared helpers for the kata scenario tests: run one kata seed with parameter overrides and keep its trace. */
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
 * faults on or off. Close with kt_close. */
static inline void kt_run(struct kt_run *r, const struct kata *k, uint64_t seed, const char *const *overrides,
                          const char *bug, const char *nemesis, bool random_faults)
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
    r->ctx.trace = &tr;
    r->rc = k->run(&r->ctx);
    r->ctx.trace = NULL;
    r->trace_hash = tr.hash;
    trace_close(&tr);
    fclose(mem);
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

#endif
