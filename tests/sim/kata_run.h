/* Shared by the kata scenario tests: run a kata for one seed with parameter overrides, capturing its trace in
 * memory, and read its checks, figures and trace events back. Static functions: include once per test file. */
#ifndef DKATA_TEST_KATA_RUN_H
#define DKATA_TEST_KATA_RUN_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"
#include "katas/kata.h"

#define MAXP 32

struct run {
    struct kata_ctx ctx;
    const char *values[MAXP];
    char *trace;
    size_t trace_len;
    uint64_t hash;
};

/* Runs kata with "name=value" overrides (NULL-terminated), capturing the trace in memory. */
/* A --nemesis schedule for the next run_kata calls (NULL: the kata's own scenario). */
__attribute__((unused)) static const char *run_nemesis;

__attribute__((unused)) static void run_kata(struct run *r, const char *kata, uint64_t seed, const char *bug, bool random_faults,
                     const char *const *overrides)
{
    const struct kata *k = kata_find(kata);
    assert_non_null(k);
    for (int i = 0; i < k->nparams; i++)
        r->values[i] = k->params[i].def;
    for (int i = 0; overrides && overrides[i]; i++) {
        const char *eq = strchr(overrides[i], '=');
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(eq - overrides[i]), overrides[i]);
        int idx = kata_param_index(k, name);
        assert_true(idx >= 0);
        r->values[idx] = eq + 1;
    }
    FILE *mem = open_memstream(&r->trace, &r->trace_len);
    struct trace tr;
    trace_init(&tr, mem);
    kata_ctx_init(&r->ctx, seed, r->values);
    r->ctx.bug = bug;
    r->ctx.random_faults = random_faults;
    r->ctx.nemesis = run_nemesis;
    r->ctx.quiet = random_faults;
    r->ctx.trace = &tr;
    assert_int_equal(k->run(&r->ctx), 0);
    r->hash = tr.hash;
    trace_close(&tr);
    fclose(mem);
}

__attribute__((unused)) static void run_free(struct run *r)
{
    kata_ctx_close(&r->ctx);
    free(r->trace);
}

__attribute__((unused)) static bool check_passed(const struct kata_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->nchecks; i++)
        if (!strcmp(ctx->checks[i].name, name))
            return ctx->checks[i].passed;
    fail_msg("no check named %s", name);
    return false;
}

__attribute__((unused)) static double figure(const struct kata_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->nfigures; i++)
        if (!strcmp(ctx->figures[i].name, name))
            return ctx->figures[i].value;
    fail_msg("no figure named %s", name);
    return 0;
}

/* The nth (from 0) trace line with this kind (and node, if node >= 0), or NULL; count_events counts them. */
__attribute__((unused)) static const char *find_event(const char *trace, const char *kind, int node, int nth)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"kind\":\"%s\"", kind);
    for (const char *line = trace; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        const char *end = strchr(line, '\n');
        const char *hit = strstr(line, pat);
        if (!hit || (end && hit > end))
            continue;
        const char *np = strstr(line, "\"node\":");
        int n = np && (!end || np < end) ? atoi(np + 7) : -1;
        if ((node < 0 || n == node) && nth-- == 0)
            return line;
    }
    return NULL;
}

/* The time of the first trace line with this kind (and node, if node >= 0), or -1. */
__attribute__((unused)) static long long first_time(const char *trace, const char *kind, int node)
{
    const char *line = find_event(trace, kind, node, 0);
    return line ? atoll(line + 5) : -1;
}

/* Two runs of one seed give byte-identical traces; the next seed gives another. */
__attribute__((unused)) static void assert_deterministic(const char *kata, uint64_t seed, bool random_faults,
                                                         const char *const *overrides)
{
    struct run a, b, c;
    run_kata(&a, kata, seed, NULL, random_faults, overrides);
    run_kata(&c, kata, seed + 1, NULL, random_faults, overrides);
    run_kata(&b, kata, seed, NULL, random_faults, overrides);
    assert_true(a.hash == b.hash);
    assert_int_equal(a.trace_len, b.trace_len);
    assert_memory_equal(a.trace, b.trace, a.trace_len);
    assert_true(a.hash != c.hash);
    run_free(&a);
    run_free(&b);
    run_free(&c);
}

__attribute__((unused)) static int count_events(const char *trace, const char *kind, int node)
{
    int n = 0;
    while (find_event(trace, kind, node, n))
        n++;
    return n;
}

/* Whether the trace line starting at line holds text before its end. */
__attribute__((unused)) static bool line_has(const char *line, const char *text)
{
    const char *end = strchr(line, '\n');
    const char *hit = strstr(line, text);
    return hit && (!end || hit < end);
}

#endif
