/* The kata contract: every kata is a struct kata in one registry table (kata.c). A kata builds its nodes on a
 * seeded simulator, runs, and hands back a report (table text, figures, named checks, violations). It never
 * prints by itself and never decides pass/fail by itself: the CLI renders, the checkers judge. */
#ifndef DKATA_KATA_H
#define DKATA_KATA_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/mem.h"

struct trace;
struct dist;
struct fault_plan;

struct kata_param {
    const char *name;
    const char *def; /* the drill's own number */
    const char *help;
};

struct kata_bug {
    const char *name;
    const char *help;
};

/* One named figure of a run (e.g. "time_to_first_leader_ms"); aggregated over seeds by the swarm. */
struct kata_figure {
    char name[48];
    double value;
};

/* A named check of a scenario phase or an invariant; passed=false is a violation. */
struct kata_check {
    char name[64];
    bool passed;
    char *detail; /* owned; one line */
};

struct kata_ctx {
    /* inputs */
    uint64_t seed;
    const char **values;  /* one value per kata parameter, in the kata's order (defaults filled in) */
    const char *bug;      /* NULL, or one of the kata's bug names */
    const char *nemesis;  /* NULL, or a fault schedule from --nemesis that replaces the kata's own */
    bool quiet;           /* in a swarm: no table (figures and checks only) */
    bool brief_passes;    /* a swarm worker: a passing check's detail is left empty (only failures are shown) */
    bool random_faults;   /* draw a fault schedule from the seed (swarm testing; --faults random) */
    struct trace *trace;  /* NULL when no trace is wanted */
    struct buf *svg;      /* NULL when no picture is wanted; else the kata writes an SVG document into it */
    /* outputs */
    struct buf text; /* the kata's table and summary, for people */
    struct kata_figure *figures;
    size_t nfigures, figures_cap;
    struct kata_check *checks;
    size_t nchecks, checks_cap;
    char error[256]; /* a usage problem found while reading parameters (run returns -1) */
};

struct kata {
    const char *name;
    const char *summary;
    const char *drill;        /* the drill's title and where it is in the module */
    const char *time_limit;   /* the drill's own time limit */
    const char *repeat_until; /* the drill's "repeat until" */
    const char *what;         /* what it drills, in a few sentences */
    const char *reading;      /* how to read the output */
    const struct kata_param *params;
    int nparams;
    const struct kata_bug *bugs;
    int nbugs;
    /* Runs one seed. Returns 0 when it ran (violations are in checks), -1 with ctx->error set on bad
     * parameters. */
    int (*run)(struct kata_ctx *ctx);
    bool picture; /* run draws an SVG into ctx->svg when asked (--svg) */
    /* Optional (NULL: none). A pencil-and-paper exercise generated from ctx->seed and the parameters, written
     * into ctx->text; with answers, its answer key follows (and the kata may record checks that verify the key,
     * e.g. by simulation). Returns 0, or -1 with ctx->error set on bad parameters. Driven by
     * `dkata run KATA --exercise` and `--answers`. */
    int (*exercise)(struct kata_ctx *ctx, bool answers);
    const char *exercise_what; /* one line: what the exercise asks (shown by `dkata help`) */
};

/* The registry. */
const struct kata *const *kata_all(int *n);
const struct kata *kata_find(const char *name);
/* kata_find, or print one line naming the unknown kata and the nearest name to stderr and return NULL. */
const struct kata *kata_find_or_complain(const char *name);
/* `dkata help KATA`: kata_print_about, then example commands. */
void kata_print_help(const struct kata *k, FILE *out);
/* The kata's drill, parameters, bugs and how to read it, without the example commands (a replay's scenario
 * runs under `dkata replay`, not `dkata run`, and prints its own). */
void kata_print_about(const struct kata *k, FILE *out);
/* Index of a parameter by name, or -1. */
int kata_param_index(const struct kata *k, const char *name);

void kata_ctx_init(struct kata_ctx *ctx, uint64_t seed, const char **values);
void kata_ctx_close(struct kata_ctx *ctx);
void kata_figure(struct kata_ctx *ctx, const char *name, double value);
/* Records a check; returns passed. detail is printf-style. */
bool kata_check(struct kata_ctx *ctx, const char *name, bool passed, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Number of failed checks. */
int kata_failures(const struct kata_ctx *ctx);
bool kata_bug_is(const struct kata_ctx *ctx, const char *bug);

/* A kata's timeline for people: "  %9.3fms  text" lines, cut after max lines (then --trace has every event).
 * When on is false nothing is kept (swarms). */
struct kata_timeline {
    struct buf text;
    int lines, max;
    bool on;
};
void kata_timeline_init(struct kata_timeline *t, bool on, int max);
void kata_timeline_close(struct kata_timeline *t);
void kata_tl(struct kata_timeline *t, int64_t now_ns, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Parameter readers: on a bad value they set ctx->error (naming the parameter, the value and what is accepted)
 * and return false. */
bool kata_get_int(struct kata_ctx *ctx, const struct kata *k, const char *name, long lo, long hi, long *out);
bool kata_get_double(struct kata_ctx *ctx, const struct kata *k, const char *name, double lo, double hi,
                     double *out);
bool kata_get_duration(struct kata_ctx *ctx, const struct kata *k, const char *name, int64_t *out_ns);
/* kata_get_duration with the value bounded to lo..hi; the error names the parameter and the range. Every
 * duration that scales a run's work (how long it runs, how often something repeats) is read through it. */
bool kata_get_duration_in(struct kata_ctx *ctx, const struct kata *k, const char *name, int64_t lo,
                          int64_t hi, int64_t *out_ns);
/* Bounds the work of a run where parameters multiply (duration over a period, clients times writes...): count
 * is what they add up to, what names it and the parameters behind it ("duration / heartbeat (heartbeats)"),
 * fix says which to change. Returns false with ctx->error set when count > max. */
bool kata_bound_work(struct kata_ctx *ctx, double count, double max, const char *what, const char *fix);
/* choices is a NULL-terminated list; *out is the index of the value. */
bool kata_get_choice(struct kata_ctx *ctx, const struct kata *k, const char *name, const char *const *choices,
                     int *out);
const char *kata_get_str(const struct kata_ctx *ctx, const struct kata *k, const char *name);
/* Parses text as `prefix` (NULL: none) followed by 1..max comma-separated items into out: durations in ns
 * (units.h; a bare number is ms) when durations, else decimal integers; every item in lo..hi. Returns the number
 * of items, or -1 if text is anything else (text longer than 255 bytes included). */
int kata_parse_list(const char *text, const char *prefix, bool durations, int64_t lo, int64_t hi, int64_t *out,
                    int max);
/* A latency distribution parameter (see core/dist.h for the forms). */
bool kata_get_dist(struct kata_ctx *ctx, const struct kata *k, const char *name, struct dist *out);
/* Initializes plan and, if ctx->nemesis is set, parses it for nnodes nodes. On a bad schedule sets ctx->error,
 * closes plan and returns false. */
bool kata_nemesis_plan(struct kata_ctx *ctx, int nnodes, struct fault_plan *plan);

#endif
