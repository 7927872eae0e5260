/* dkata run: one seed of a kata (table, checks, figures, trace, picture), a determinism check, or a swarm of
 * seeds over all cores (forked workers; each simulation stays single-threaded) with the replay command of
 * every failing seed. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/trace.h"
#include "journal/journal.h"
#include "katas/kata.h"

#define MAX_PARAMS 32

struct run_opts {
    const struct kata *k;
    const char *values[MAX_PARAMS];
    bool given[MAX_PARAMS];
    uint64_t seed, seeds, seed_from;
    bool seed_given, seeds_given, json, check_det, random_faults, faults_given;
    enum journal_want log; /* --no-log: keep this run out of the journal; --log: log it even with DKATA_NO_JOURNAL */
    bool exercise, answers; /* --exercise / --answers: print the kata's exercise (and its key) for the seed */
    const char *bug, *nemesis, *trace_file, *svg_file;
    long jobs;
};

static void run_help(void)
{
    printf(
        "usage: dkata run KATA [options]\n\n"
        "Runs a kata on the deterministic simulator: one seed, one exact run.\n\n"
        "options:\n"
        "  --seed N               the seed (default 1); printed first, replays the run exactly\n"
        "  --param NAME=VALUE     set a kata parameter (see 'dkata help KATA'); repeatable\n"
        "  --bug NAME             plant a known bug; the kata's checkers must catch it (exit 1)\n"
        "  --nemesis 'STEPS'      replace the kata's fault schedule, e.g. '2s crash 0; 3s restart 0;\n"
        "                         4s partition 0,1|2,3,4; 6s heal; 1s pause 2; 1.5s resume 2; 0s skew 1 "
        "+50ms'\n"
        "  --faults random        draw a random fault schedule from the seed (what a swarm does)\n"
        "  --json                 one JSON object: checks, figures, verdict\n"
        "  --trace FILE           write the trace: canonical JSON lines, one event a line\n"
        "  --svg FILE             write the kata's picture (space-time diagram, timeline)\n"
        "  --check-determinism    run the seed twice and compare trace hashes and output (one seed; with\n"
        "                         --json, the \"determinism\" field)\n"
        "  --exercise             print an exercise generated from the seed, to solve by hand\n"
        "  --answers              the same exercise followed by its answer key\n"
        "  --seeds N              swarm: run N seeds (random faults from each seed unless --faults\n"
        "                         scripted), report every failure with its replay command\n"
        "  --seed-from S          swarm: first seed (default 1)\n"
        "  --jobs J               swarm: worker processes (default: all cores)\n"
        "  --memo, --card FILE    shorthands for --param memo=yes and --param card=FILE (katas with them)\n"
        "  --no-log               keep this run out of the journal (so does DKATA_NO_JOURNAL=1)\n"
        "  --log                  log this run even when DKATA_NO_JOURNAL=1 is set (logging is on by "
        "default)\n\n"
        "exit: 0 every check held, 1 a check failed (an invariant was violated), 2 bad usage.\n");
}

/* What the value of run's option opt is, or NULL when opt takes no value (or is not an option of run). */
static const char *value_what(const char *opt)
{
    static const char *const opts[][2] = {{"--seed", "an unsigned integer"},
                                          {"--seeds", "a number of seeds"},
                                          {"--seed-from", "the swarm's first seed"},
                                          {"--jobs", "a number of worker processes"},
                                          {"--bug", "a bug name from 'dkata help KATA'"},
                                          {"--nemesis", "fault steps such as '2s crash 0; 3s restart 0'"},
                                          {"--faults", "random, scripted or none"},
                                          {"--trace", "a file path"},
                                          {"--svg", "a file path"},
                                          {"--param", "NAME=VALUE"},
                                          {"-p", "NAME=VALUE"}};
    return cli_value_what(opts, sizeof(opts) / sizeof(opts[0]), opt);
}

static int parse_args(int argc, char **argv, struct run_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->seed = 1;
    o->seed_from = 1;
    if (argc < 2)
        return cli_usage("usage: dkata run KATA [options] (see 'dkata run --help'; katas: 'dkata list')");
    if (cli_is_help(argv[1])) {
        run_help();
        return -1;
    }
    o->k = kata_find_or_complain(argv[1]);
    if (!o->k)
        return EXIT_USAGE;
    if (o->k->nparams > MAX_PARAMS)
        return cli_usage("kata '%s' has too many parameters", o->k->name);
    for (int i = 0; i < o->k->nparams; i++)
        o->values[i] = o->k->params[i].def;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;
        int lf;
        if (cli_is_help(a)) {
            run_help();
            return -1;
        } else if (!strcmp(a, "--json")) {
            o->json = takes = false;
            o->json = true;
        } else if ((!strcmp(a, "--memo") || !strcmp(a, "--card")) && kata_param_index(o->k, a + 2) >= 0) {
            /* shorthands of katas that have the parameter: --memo is memo=yes, --card X is card=X */
            int idx = kata_param_index(o->k, a + 2);
            if (a[2] == 'c' && !(v = cli_value(a, v, "a built-in card or a card file")))
                return EXIT_USAGE;
            o->values[idx] = a[2] == 'm' ? "yes" : v;
            o->given[idx] = true;
            takes = a[2] == 'c';
        } else if ((lf = cli_log_flag(a, &o->log))) {
            if (lf != 1)
                return EXIT_USAGE;
            takes = false;
        } else if (!strcmp(a, "--check-determinism")) {
            o->check_det = true;
            takes = false;
        } else if (!strcmp(a, "--exercise") || !strcmp(a, "--answers")) {
            o->exercise = true;
            o->answers |= !strcmp(a, "--answers");
            takes = false;
        } else if (!value_what(a)) {
            return cli_unexpected("run", a);
        } else if (!(v = cli_value(a, v, value_what(a)))) {
            return EXIT_USAGE;
        } else if (!strcmp(a, "--seed")) {
            if (!cli_parse_u64(v, &o->seed))
                return cli_usage("bad seed '%s': expected an unsigned integer", v);
            o->seed_given = true;
        } else if (!strcmp(a, "--seeds")) {
            if (!cli_parse_u64(v, &o->seeds) || o->seeds < 1 || o->seeds > 100000000)
                return cli_usage("bad --seeds '%s': expected an integer 1..100000000", v);
            o->seeds_given = true;
        } else if (!strcmp(a, "--seed-from")) {
            if (!cli_parse_u64(v, &o->seed_from))
                return cli_usage("bad --seed-from '%s': expected an unsigned integer", v);
        } else if (!strcmp(a, "--jobs")) {
            uint64_t j;
            if (!cli_parse_u64(v, &j) || j < 1 || j > 256)
                return cli_usage("bad --jobs '%s': expected an integer 1..256", v);
            o->jobs = (long)j;
        } else if (!strcmp(a, "--bug")) {
            int found = -1;
            const char *names[64];
            for (int b = 0; b < o->k->nbugs && b < 64; b++) {
                names[b] = o->k->bugs[b].name;
                if (!strcmp(v, names[b]))
                    found = b;
            }
            if (found < 0) {
                const char *near = cli_nearest(v, names, o->k->nbugs < 64 ? o->k->nbugs : 64);
                struct buf all;
                buf_init(&all);
                for (int b = 0; b < o->k->nbugs; b++)
                    buf_printf(&all, "%s%s", b ? ", " : "", names[b]);
                cli_usage("unknown bug '%s' for kata '%s'%s%s%s (bugs: %s)", v, o->k->name, near ? "; did you mean '" : "",
                          near ? near : "", near ? "'?" : "", all.data ? all.data : "none");
                buf_close(&all);
                return EXIT_USAGE;
            }
            o->bug = o->k->bugs[found].name;
        } else if (!strcmp(a, "--nemesis")) {
            o->nemesis = v;
        } else if (!strcmp(a, "--faults")) {
            if (strcmp(v, "random") && strcmp(v, "none") && strcmp(v, "scripted"))
                return cli_usage("bad --faults '%s': expected random, scripted or none", v);
            o->random_faults = !strcmp(v, "random");
            o->faults_given = true;
        } else if (!strcmp(a, "--trace")) {
            o->trace_file = v;
        } else if (!strcmp(a, "--svg")) {
            o->svg_file = v;
        } else if (!strcmp(a, "--param") || !strcmp(a, "-p")) {
            const char *eq = strchr(v, '=');
            char name[64];
            if (!eq || eq == v || (size_t)(eq - v) >= sizeof(name))
                return cli_usage("bad --param '%s': expected NAME=VALUE", v);
            memcpy(name, v, (size_t)(eq - v));
            name[eq - v] = 0;
            int idx = kata_param_index(o->k, name);
            if (idx < 0) {
                const char *names[MAX_PARAMS];
                struct buf all;
                buf_init(&all);
                for (int p = 0; p < o->k->nparams; p++) {
                    names[p] = o->k->params[p].name;
                    buf_printf(&all, "%s%s", p ? ", " : "", names[p]);
                }
                const char *near = cli_nearest(name, names, o->k->nparams);
                cli_usage("unknown parameter '%s' for kata '%s'%s%s%s (parameters: %s)", name, o->k->name,
                          near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "", all.data ? all.data : "none");
                buf_close(&all);
                return EXIT_USAGE;
            }
            o->values[idx] = eq + 1;
            o->given[idx] = true;
        }
        if (takes)
            i++;
    }
    if (o->seeds_given && o->seed_given)
        return cli_usage("--seed and --seeds do not go together: use --seeds N --seed-from S for a swarm");
    if (o->exercise && !o->k->exercise)
        return cli_usage("kata '%s' has no exercise (--exercise and --answers are for katas that list one in "
                         "'dkata help KATA')", o->k->name);
    if (o->exercise && (o->seeds_given || o->json || o->check_det || o->trace_file || o->svg_file))
        return cli_usage("--exercise and --answers go with --seed and --param only");
    if (o->svg_file && !o->k->picture)
        return cli_usage("kata '%s' draws no picture; drop --svg (--trace FILE writes every event)", o->k->name);
    if (o->seeds_given && o->check_det)
        return cli_usage("--check-determinism is for one seed (--seed N); a swarm's seeds are each run once");
    if (o->seeds_given && (o->trace_file || o->svg_file))
        return cli_usage("--trace and --svg are for one seed; replay a failing seed with --seed to get them");
    return 0;
}

/* The exact command that replays one seed of this configuration. */
static void replay_command(const struct run_opts *o, uint64_t seed, bool random_faults, struct buf *out)
{
    buf_printf(out, "dkata run %s --seed %llu", o->k->name, (unsigned long long)seed);
    for (int i = 0; i < o->k->nparams; i++)
        if (o->given[i])
            buf_printf(out, " --param %s=%s", o->k->params[i].name, o->values[i]);
    if (o->bug)
        buf_printf(out, " --bug %s", o->bug);
    if (o->nemesis)
        buf_printf(out, " --nemesis '%s'", o->nemesis);
    if (random_faults)
        buf_puts(out, " --faults random");
}

static void ctx_setup(struct kata_ctx *ctx, const struct run_opts *o, uint64_t seed)
{
    kata_ctx_init(ctx, seed, (const char **)o->values);
    ctx->bug = o->bug;
    ctx->nemesis = o->nemesis;
    ctx->random_faults = o->random_faults;
}

/* det: with --check-determinism, the hash of the second run and whether the two runs agreed; else NULL. */
struct det_result {
    uint64_t hash2;
    bool same;
};

static void print_json(const struct run_opts *o, const struct kata_ctx *ctx, uint64_t trace_hash,
                       const struct det_result *det)
{
    struct buf b;
    buf_init(&b);
    buf_printf(&b, "{\"kata\":\"%s\",\"seed\":%llu,\"params\":{", o->k->name, (unsigned long long)ctx->seed);
    for (int i = 0; i < o->k->nparams; i++) {
        buf_printf(&b, "%s\"%s\":", i ? "," : "", o->k->params[i].name);
        buf_json_str(&b, o->values[i]);
    }
    buf_puts(&b, "},\"bug\":");
    if (o->bug)
        buf_json_str(&b, o->bug);
    else
        buf_puts(&b, "null");
    buf_puts(&b, ",\"checks\":[");
    for (size_t i = 0; i < ctx->nchecks; i++) {
        buf_printf(&b, "%s{\"name\":\"%s\",\"passed\":%s,\"detail\":", i ? "," : "", ctx->checks[i].name,
                   ctx->checks[i].passed ? "true" : "false");
        buf_json_str(&b, ctx->checks[i].detail);
        buf_putc(&b, '}');
    }
    buf_puts(&b, "],\"figures\":{");
    for (size_t i = 0; i < ctx->nfigures; i++)
        buf_printf(&b, "%s\"%s\":%.17g", i ? "," : "", ctx->figures[i].name, ctx->figures[i].value);
    buf_printf(&b, "},\"trace_hash\":\"%016llx\",", (unsigned long long)trace_hash);
    if (det)
        buf_printf(&b, "\"determinism\":{\"second_hash\":\"%016llx\",\"identical\":%s},",
                   (unsigned long long)det->hash2, det->same ? "true" : "false");
    buf_printf(&b, "\"ok\":%s,\"replay\":", kata_failures(ctx) || (det && !det->same) ? "false" : "true");
    struct buf cmd;
    buf_init(&cmd);
    replay_command(o, ctx->seed, o->random_faults, &cmd);
    buf_json_str(&b, cmd.data);
    buf_close(&cmd);
    buf_puts(&b, ",\"text\":");
    buf_json_str(&b, ctx->text.data ? ctx->text.data : "");
    buf_puts(&b, "}\n");
    fputs(b.data, stdout);
    buf_close(&b);
}

static void print_human(const struct run_opts *o, const struct kata_ctx *ctx)
{
    if (ctx->text.data)
        fputs(ctx->text.data, stdout);
    printf("\nchecks:\n");
    for (size_t i = 0; i < ctx->nchecks; i++)
        printf("  %-6s %-34s %s\n", ctx->checks[i].passed ? "ok" : "FAILED", ctx->checks[i].name,
               ctx->checks[i].detail);
    if (ctx->nfigures) {
        printf("figures:\n");
        for (size_t i = 0; i < ctx->nfigures; i++)
            printf("  %-34s %g\n", ctx->figures[i].name, ctx->figures[i].value);
    }
    int failed = kata_failures(ctx);
    struct buf cmd;
    buf_init(&cmd);
    replay_command(o, ctx->seed, o->random_faults, &cmd);
    if (failed)
        printf("\nverdict: %d check(s) FAILED; replay: %s\n", failed, cmd.data);
    else
        printf("\nverdict: every check held (replay: %s)\n", cmd.data);
    buf_close(&cmd);
}

/* Writes the picture to f, opened before the run (so that a bad path is refused before the kata runs). */
static int write_svg(FILE *f, const char *path, const struct buf *svg)
{
    if (fwrite(svg->data, 1, svg->len, f) != svg->len || fclose(f) != 0) {
        int err = errno;
        return cli_usage("cannot write '%s': %s", path, strerror(err));
    }
    return 0;
}

/* One seed, once; returns the kata's rc and leaves the hash of trace + text in *hash. */
static int run_once(const struct run_opts *o, struct kata_ctx *ctx, FILE *trace_out, struct buf *svg, uint64_t *hash)
{
    struct trace tr;
    trace_init(&tr, trace_out);
    ctx_setup(ctx, o, o->seed);
    ctx->trace = &tr;
    ctx->svg = svg;
    int rc = o->k->run(ctx);
    uint64_t h = tr.hash;
    for (size_t i = 0; i < ctx->text.len; i++)
        h = (h ^ (unsigned char)ctx->text.data[i]) * 0x100000001b3ULL;
    *hash = h;
    trace_close(&tr);
    return rc;
}

static int run_single(const struct run_opts *o)
{
    FILE *trace_out = NULL, *svg_out = NULL;
    if (o->trace_file && !(trace_out = fopen(o->trace_file, "w")))
        return cli_usage("cannot write trace file '%s': %s", o->trace_file, strerror(errno));
    if (o->svg_file && !(svg_out = fopen(o->svg_file, "w"))) {
        int err = errno;
        if (trace_out)
            fclose(trace_out);
        return cli_usage("cannot write picture file '%s': %s", o->svg_file, strerror(err));
    }
    struct buf svg;
    buf_init(&svg);
    struct kata_ctx ctx;
    uint64_t hash;
    int rc = run_once(o, &ctx, trace_out, o->svg_file ? &svg : NULL, &hash);
    if (trace_out)
        fclose(trace_out);
    int exit_code = kata_failures(&ctx) ? EXIT_VIOLATION : EXIT_OKAY;
    if (rc) {
        exit_code = cli_usage("%s", ctx.error[0] ? ctx.error : "the kata could not run");
        goto done;
    }
    struct det_result det = {0};
    if (o->check_det) {
        struct kata_ctx again;
        run_once(o, &again, NULL, NULL, &det.hash2);
        det.same = hash == det.hash2 && kata_failures(&again) == kata_failures(&ctx);
        kata_ctx_close(&again);
        if (!o->json)
            printf("determinism: seed %llu run twice, trace+output hash %016llx vs %016llx: %s\n",
                   (unsigned long long)o->seed, (unsigned long long)hash, (unsigned long long)det.hash2,
                   det.same ? "identical" : "DIFFERENT");
        if (!det.same)
            exit_code = EXIT_VIOLATION;
    }
    if (o->json) {
        print_json(o, &ctx, hash, o->check_det ? &det : NULL);
    } else if (!o->check_det) {
        printf("dkata run %s, seed %llu\n\n", o->k->name, (unsigned long long)o->seed);
        print_human(o, &ctx);
    }
    if (svg_out && !svg.len) {
        exit_code = cli_usage("kata '%s' draws no picture", o->k->name);
    } else if (svg_out) {
        int wrc = write_svg(svg_out, o->svg_file, &svg);
        svg_out = NULL;
        if (wrc)
            exit_code = wrc;
        else if (!o->json)
            printf("picture: %s\n", o->svg_file);
    }
done:
    if (svg_out) { /* nothing was drawn: leave no empty file behind */
        fclose(svg_out);
        remove(o->svg_file);
    }
    kata_ctx_close(&ctx);
    buf_close(&svg);
    return exit_code;
}

/* ---- swarm ---- */

struct seed_failure {
    uint64_t i; /* the seed's index in the swarm */
    char check[64];
    char detail[200];
};

/* The parent's tally. It is allocated as lines arrive, after the fork: memory the workers share with the
 * parent would cost a copy-on-write fault a page when the parent first wrote to it. */
struct swarm {
    char names[64][48];
    double *fig[64]; /* fig[k][i]: figure names[k] of seed i, NAN when the seed did not report it */
    int nnames;
    struct seed_failure *failures; /* in arrival order until the report sorts them by seed */
    size_t failures_cap;
    uint64_t n, done, failed;
};

static int name_index(struct swarm *w, const char *name)
{
    for (int i = 0; i < w->nnames; i++)
        if (!strcmp(w->names[i], name))
            return i;
    if (w->nnames == 64)
        return -1;
    snprintf(w->names[w->nnames], sizeof(w->names[0]), "%s", name);
    w->fig[w->nnames] = xmalloc(sizeof(double) * w->n);
    for (uint64_t i = 0; i < w->n; i++)
        w->fig[w->nnames][i] = NAN;
    return w->nnames++;
}

/* A swarm draws random faults per seed unless told otherwise (--faults scripted, or a --nemesis). */
static bool swarm_faults(const struct run_opts *o)
{
    return o->faults_given ? o->random_faults : !o->nemesis;
}

/* Worker: runs seeds first+j, first+j+jobs, ... and writes one line per seed to fd. Figures go as hexadecimal
 * floats (%a): exact like %.17g, and much cheaper to print and to read back. */
static void worker(const struct run_opts *o, uint64_t j, uint64_t jobs, int fd)
{
    FILE *out = fdopen(fd, "w");
    for (uint64_t i = j; i < o->seeds; i += jobs) {
        struct kata_ctx ctx;
        ctx_setup(&ctx, o, o->seed_from + i);
        ctx.quiet = true;
        ctx.brief_passes = true; /* only a failed check's detail goes to the parent */
        ctx.random_faults = swarm_faults(o);
        o->k->run(&ctx);
        fprintf(out, "%llu", (unsigned long long)i);
        for (size_t f = 0; f < ctx.nfigures; f++)
            fprintf(out, " %s=%a", ctx.figures[f].name, ctx.figures[f].value);
        for (size_t c = 0; c < ctx.nchecks; c++)
            if (!ctx.checks[c].passed) {
                char detail[200];
                snprintf(detail, sizeof(detail), "%s", ctx.checks[c].detail);
                for (char *p = detail; *p; p++)
                    if (*p == '\t' || *p == '\n')
                        *p = ' ';
                fprintf(out, "\t%s\t%s", ctx.checks[c].name, detail);
                break;
            }
        fputc('\n', out);
        kata_ctx_close(&ctx);
    }
    fclose(out);
}

static void take_line(struct swarm *w, char *line)
{
    char *tab = strchr(line, '\t');
    if (tab)
        *tab++ = 0;
    char *save = NULL;
    char *tok = strtok_r(line, " ", &save);
    uint64_t i;
    if (!tok || !cli_parse_u64(tok, &i) || i >= w->n)
        return;
    while ((tok = strtok_r(NULL, " ", &save))) {
        char *eq = strchr(tok, '=');
        if (!eq)
            continue;
        *eq = 0;
        int k = name_index(w, tok);
        if (k >= 0)
            w->fig[k][i] = strtod(eq + 1, NULL);
    }
    if (tab) {
        char *detail = strchr(tab, '\t');
        if (detail)
            *detail++ = 0;
        XGROW(w->failures, w->failures_cap, w->failed + 1);
        struct seed_failure *f = &w->failures[w->failed++];
        f->i = i;
        snprintf(f->check, sizeof(f->check), "%s", tab);
        snprintf(f->detail, sizeof(f->detail), "%s", detail ? detail : "");
    }
    w->done++;
}

static void progress(const struct swarm *w, bool final)
{
    int width = 30, filled = (int)(w->n ? w->done * (uint64_t)width / w->n : 0);
    fprintf(stderr, "\r[");
    for (int i = 0; i < width; i++)
        fputc(i < filled ? '#' : '.', stderr);
    fprintf(stderr, "] %llu/%llu seeds, %llu failing", (unsigned long long)w->done, (unsigned long long)w->n,
            (unsigned long long)w->failed);
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_failure(const void *a, const void *b)
{
    uint64_t x = ((const struct seed_failure *)a)->i, y = ((const struct seed_failure *)b)->i;
    return (x > y) - (x < y);
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Figure name k over the seeds that reported it: min, median, p99, max, mean, count. False if none did. */
static bool figure_stats(const struct swarm *w, int k, double *v, double out[6])
{
    size_t m = 0;
    double sum = 0;
    for (uint64_t i = 0; i < w->n; i++)
        if (!isnan(w->fig[k][i])) {
            v[m++] = w->fig[k][i];
            sum += w->fig[k][i];
        }
    if (!m)
        return false;
    qsort(v, m, sizeof(double), cmp_double);
    out[0] = v[0];
    out[1] = v[m / 2];
    out[2] = v[(size_t)ceil(0.99 * (double)m) - 1];
    out[3] = v[m - 1];
    out[4] = sum / (double)m;
    out[5] = (double)m;
    return true;
}

static void swarm_report(const struct run_opts *o, const struct swarm *w, long jobs, double secs)
{
    double *v = xmalloc(sizeof(double) * (w->n ? w->n : 1)), st[6];
    struct buf b, cmd;
    buf_init(&b);
    buf_init(&cmd);
    if (o->json) {
        buf_printf(&b, "{\"kata\":\"%s\",\"seeds\":%llu,\"seed_from\":%llu,\"jobs\":%ld,\"seconds\":%.3f,"
                       "\"random_faults\":%s,\"bug\":",
                   o->k->name, (unsigned long long)w->n, (unsigned long long)o->seed_from, jobs, secs,
                   swarm_faults(o) ? "true" : "false");
        if (o->bug)
            buf_json_str(&b, o->bug);
        else
            buf_puts(&b, "null");
        buf_puts(&b, ",\"figures\":{");
        for (int k = 0, first = 1; k < w->nnames; k++)
            if (figure_stats(w, k, v, st)) {
                buf_printf(&b, "%s\"%s\":{\"min\":%.17g,\"median\":%.17g,\"p99\":%.17g,\"max\":%.17g,"
                               "\"mean\":%.17g,\"seeds\":%.0f}",
                           first ? "" : ",", w->names[k], st[0], st[1], st[2], st[3], st[4], st[5]);
                first = 0;
            }
        buf_printf(&b, "},\"failing_count\":%llu,\"failing\":[", (unsigned long long)w->failed);
    } else {
        buf_printf(&b, "swarm: %s, %llu seeds from %llu, %ld jobs, %.2fs (%.0f seeds/s)%s%s%s\n", o->k->name,
                   (unsigned long long)w->n, (unsigned long long)o->seed_from, jobs, secs, (double)w->done / secs,
                   o->bug ? ", bug " : "", o->bug ? o->bug : "",
                   swarm_faults(o) ? ", random faults per seed" : ", the kata's own scenario");
        if (w->nnames)
            buf_printf(&b, "\n%-34s %10s %10s %10s %10s %10s %8s\n", "figure", "min", "median", "p99", "max", "mean",
                       "seeds");
        for (int k = 0; k < w->nnames; k++)
            if (figure_stats(w, k, v, st))
                buf_printf(&b, "%-34s %10.4g %10.4g %10.4g %10.4g %10.4g %8.0f\n", w->names[k], st[0], st[1], st[2],
                           st[3], st[4], st[5]);
        buf_printf(&b, "\nfailing seeds: %llu of %llu\n", (unsigned long long)w->failed, (unsigned long long)w->done);
    }
    uint64_t shown = 0;
    for (uint64_t f = 0; f < w->failed; f++) {
        const struct seed_failure *fail = &w->failures[f];
        uint64_t i = fail->i;
        buf_reset(&cmd);
        replay_command(o, o->seed_from + i, swarm_faults(o), &cmd);
        if (o->json) { /* every failing seed: scripts want them all */
            buf_printf(&b, "%s{\"seed\":%llu,\"check\":", shown++ ? "," : "", (unsigned long long)(o->seed_from + i));
            buf_json_str(&b, fail->check);
            buf_puts(&b, ",\"detail\":");
            buf_json_str(&b, fail->detail);
            buf_puts(&b, ",\"replay\":");
            buf_json_str(&b, cmd.data);
            buf_putc(&b, '}');
        } else if (shown++ < 20) {
            buf_printf(&b, "  seed %llu: %s: %s\n    replay: %s\n", (unsigned long long)(o->seed_from + i),
                       fail->check, fail->detail, cmd.data);
        }
    }
    if (o->json)
        buf_puts(&b, "]}\n");
    else if (shown > 20)
        buf_printf(&b, "  ... and %llu more (--json lists every one)\n", (unsigned long long)(shown - 20));
    fputs(b.data, stdout);
    buf_close(&b);
    buf_close(&cmd);
    free(v);
}

static int run_swarm(const struct run_opts *o)
{
    /* Validate the parameters once before forking. */
    struct kata_ctx probe;
    ctx_setup(&probe, o, o->seed_from);
    probe.quiet = true;
    probe.random_faults = swarm_faults(o); /* as the workers will run: a kata may check a script only without */
    if (o->k->run(&probe)) {
        cli_usage("%s", probe.error[0] ? probe.error : "the kata could not run");
        kata_ctx_close(&probe);
        return EXIT_USAGE;
    }
    kata_ctx_close(&probe);
    long jobs = o->jobs ? o->jobs : sysconf(_SC_NPROCESSORS_ONLN);
    if (jobs < 1)
        jobs = 1;
    if ((uint64_t)jobs > o->seeds)
        jobs = (long)o->seeds;
    struct swarm w = {.n = o->seeds};
    double start = wall_seconds();
    struct pollfd *fds = xcalloc((size_t)jobs, sizeof(*fds));
    pid_t *pids = xcalloc((size_t)jobs, sizeof(*pids));
    struct buf *pending = xcalloc((size_t)jobs, sizeof(*pending));
    fflush(stdout);
    fflush(stderr);
    for (long j = 0; j < jobs; j++) {
        int p[2];
        if (pipe(p) != 0) {
            perror("dkata: pipe");
            exit(EXIT_USAGE);
        }
        pids[j] = fork();
        if (pids[j] == 0) {
            close(p[0]);
            for (long k = 0; k < j; k++)
                close(fds[k].fd);
            worker(o, (uint64_t)j, (uint64_t)jobs, p[1]);
            _exit(0);
        }
        close(p[1]);
        fds[j].fd = p[0];
        fds[j].events = POLLIN;
        buf_init(&pending[j]);
    }
    bool tty = cli_stderr_tty();
    long open_fds = jobs;
    double last_draw = 0;
    while (open_fds > 0) {
        if (poll(fds, (nfds_t)jobs, 200) < 0 && errno != EINTR)
            break;
        for (long j = 0; j < jobs; j++) {
            if (fds[j].fd < 0 || !(fds[j].revents & (POLLIN | POLLHUP)))
                continue;
            char chunk[65536];
            ssize_t got = read(fds[j].fd, chunk, sizeof(chunk));
            if (got <= 0) {
                close(fds[j].fd);
                fds[j].fd = -1;
                open_fds--;
                continue;
            }
            buf_put(&pending[j], chunk, (size_t)got);
            char *nl, *start_line = pending[j].data;
            while ((nl = memchr(start_line, '\n', pending[j].len - (size_t)(start_line - pending[j].data)))) {
                *nl = 0;
                take_line(&w, start_line);
                start_line = nl + 1;
            }
            size_t rest = pending[j].len - (size_t)(start_line - pending[j].data);
            memmove(pending[j].data, start_line, rest);
            pending[j].len = rest;
        }
        double now = wall_seconds();
        if (tty && now - last_draw > 0.1) {
            progress(&w, false);
            last_draw = now;
        }
    }
    int crashed = 0;
    for (long j = 0; j < jobs; j++) {
        int status;
        waitpid(pids[j], &status, 0);
        crashed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        buf_close(&pending[j]);
    }
    if (tty)
        progress(&w, true);
    double secs = wall_seconds() - start;

    if (w.failed) /* qsort may not be given NULL, even for no elements */
        qsort(w.failures, w.failed, sizeof(*w.failures), cmp_failure);
    swarm_report(o, &w, jobs, secs);
    if (crashed || w.done != w.n)
        fprintf(stderr, "dkata: %d swarm worker(s) died; %llu of %llu seeds reported\n", crashed,
                (unsigned long long)w.done, (unsigned long long)w.n);
    bool bad = w.failed || crashed || w.done != w.n;
    for (int k = 0; k < w.nnames; k++)
        free(w.fig[k]);
    free(w.failures);
    free(fds);
    free(pids);
    free(pending);
    return bad ? EXIT_VIOLATION : EXIT_OKAY;
}

/* The kata's exercise for one seed; with --answers its key, and any checks the kata made of the key. */
static int run_exercise(const struct run_opts *o)
{
    struct kata_ctx ctx;
    ctx_setup(&ctx, o, o->seed);
    int rc = o->k->exercise(&ctx, o->answers);
    if (rc) {
        cli_usage("%s", ctx.error[0] ? ctx.error : "the kata could not make an exercise");
        kata_ctx_close(&ctx);
        return EXIT_USAGE;
    }
    printf("dkata run %s --seed %llu %s\n\n", o->k->name, (unsigned long long)o->seed,
           o->answers ? "--answers" : "--exercise");
    if (ctx.text.data)
        fputs(ctx.text.data, stdout);
    if (ctx.nchecks) {
        printf("\nchecks of the answer key:\n");
        for (size_t i = 0; i < ctx.nchecks; i++)
            printf("  %-6s %-34s %s\n", ctx.checks[i].passed ? "ok" : "FAILED", ctx.checks[i].name,
                   ctx.checks[i].detail);
    }
    if (!o->answers)
        printf("\nanswers: dkata run %s --seed %llu --answers\n", o->k->name, (unsigned long long)o->seed);
    int exit_code = kata_failures(&ctx) ? EXIT_VIOLATION : EXIT_OKAY;
    kata_ctx_close(&ctx);
    return exit_code;
}

/* The journal hook: one entry per run, or one per swarm. */
static void log_run(const struct run_opts *o, int rc, double secs)
{
    struct buf params;
    buf_init(&params);
    for (int i = 0; i < o->k->nparams; i++)
        buf_printf(&params, "%s%s=%s", i ? " " : "", o->k->params[i].name, o->values[i]);
    journal_note_want(&(struct journal_entry){.kind = o->seeds_given ? "swarm" : "run", .name = o->k->name,
                                         .params = params.data, .bug = o->bug,
                                         .seed = o->seeds_given ? o->seed_from : o->seed,
                                         .seeds = o->seeds_given ? o->seeds : 1,
                                         .outcome = rc ? "violated" : "ok", .seconds = secs},
                      o->log);
    buf_close(&params);
}

int cmd_run(int argc, char **argv)
{
    struct run_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OKAY : rc;
    if (o.exercise)
        return run_exercise(&o);
    double start = journal_now();
    rc = o.seeds_given ? run_swarm(&o) : run_single(&o);
    if (rc != EXIT_USAGE)
        log_run(&o, rc, journal_now() - start);
    return rc;
}
