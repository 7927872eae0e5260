/* dkata drill: a timed practice round with the drill's time limit, graded automatically; logged. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/err.h"
#include "core/units.h"
#include "journal/journal.h"
#include "practice/practice.h"

#define MAXOPTS 4

static int drill_help(void)
{
    printf(
        "usage: dkata drill NAME [--seed N] [--limit DURATION] [--answers FILE | --print | --key]\n"
        "                       [--log | --no-log] [the drill's own options]\n\n"
        "A timed practice round: prints an exercise generated from the seed, starts the timer, reads your\n"
        "answers from stdin (end with Ctrl-D or a line 'done'), grades them and logs the round in the "
        "journal.\n"
        "  --answers FILE  grade a text file of answers instead of reading stdin (no waiting)\n"
        "  --print         print the exercise only (for paper); --key prints its answer key\n"
        "  --limit         the time limit (default: the drill's)\n"
        "  --no-log        keep the round out of the journal; --log logs it even with DKATA_NO_JOURNAL=1\n\n"
        "drills:\n");
    for (int i = 0; drill_defs[i]; i++) {
        const struct drill_def *d = drill_defs[i];
        printf("  %-10s %s\n             limit %.0f min (%s)\n             answers: %s\n", d->name,
               d->summary, (double)d->limit_ns / 60e9, d->source, d->answer_help);
        for (int k = 0; k < d->nopts; k++)
            printf("             --%s N  %s (%ld..%ld, default %ld)\n", d->opts[k].name, d->opts[k].help,
                   d->opts[k].lo, d->opts[k].hi, d->opts[k].def);
        if (d->bug)
            printf("             --bug %s  %s\n", d->bug, d->bug_help);
    }
    printf(
        "\nexit: 0 every answer right within the limit, 1 a mistake or over time, 2 bad usage or input.\n");
    return EXIT_OKAY;
}

/* Reads all of f (at most 1 MiB of text) into b, stopping at a line "done"; name is for the error line. A
 * directory or a binary file is bad input, not an attempt with no right answers. */
static int read_answers(FILE *f, const char *name, struct buf *b)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (!rc && (n = getline(&line, &cap, f)) > 0) {
        if (!strcmp(line, "done\n") || !strcmp(line, "done"))
            break;
        for (ssize_t k = 0; k < n && !rc; k++) {
            unsigned char c = (unsigned char)line[k];
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
                rc = cli_usage("answers %s: not text (byte 0x%02x at offset %zu; expected one answer a line)",
                               name, c, b->len + (size_t)k);
        }
        buf_put(b, line, (size_t)n);
        if (!rc && b->len > (1 << 20))
            rc = cli_usage("answers %s: longer than 1 MiB", name);
    }
    if (!rc && ferror(f))
        rc = cli_usage("cannot read answers %s: %s (expected a text file, one answer a line)", name,
                       strerror(errno));
    free(line);
    return rc;
}

struct drill_args {
    const struct drill_def *d;
    const char *answers, *bug;
    uint64_t seed;
    long opt[MAXOPTS];
    int64_t limit_ns;
    bool print_only, key;
    enum journal_want log;
};

static void list_names(struct buf *b)
{
    for (int i = 0; drill_defs[i]; i++)
        buf_printf(b, "%s%s", i ? ", " : "", drill_defs[i]->name);
}

/* The drill's own option --name at argv[i]: 1 when it was one (value parsed), 0 when not, EXIT_USAGE. */
static int drill_option(struct drill_args *o, const char *a, const char *v)
{
    for (int k = 0; k < o->d->nopts; k++) {
        const struct drill_opt *op = &o->d->opts[k];
        if (strncmp(a, "--", 2) || strcmp(a + 2, op->name))
            continue;
        uint64_t n;
        if (!cli_parse_u64(v, &n) || n < (uint64_t)op->lo || n > (uint64_t)op->hi)
            return cli_usage("bad --%s '%s': expected an integer %ld..%ld", op->name, v, op->lo, op->hi);
        o->opt[k] = (long)n;
        return 1;
    }
    return 0;
}

/* What the value of option a is, or NULL when the drill (if named yet) has no such option. */
static const char *value_what(const struct drill_args *o, const char *a)
{
    if (!strcmp(a, "--seed"))
        return "an unsigned integer";
    if (!strcmp(a, "--limit"))
        return "a duration such as 20m";
    if (!strcmp(a, "--answers"))
        return "a file path";
    if (!strcmp(a, "--bug") && o->d && o->d->bug)
        return "a bug name from 'dkata drill --help'";
    for (int k = 0; o->d && k < o->d->nopts; k++)
        if (!strncmp(a, "--", 2) && !strcmp(a + 2, o->d->opts[k].name))
            return "an integer";
    return NULL;
}

static int parse_args(int argc, char **argv, struct drill_args *o)
{
    memset(o, 0, sizeof(*o));
    o->seed = 1;
    o->limit_ns = -1;
    struct buf names;
    buf_init(&names);
    list_names(&names);
    int rc = 0;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL, *what;
        int r;
        if (cli_is_help(a)) {
            drill_help();
            rc = -1;
        } else if (!strcmp(a, "--print") || !strcmp(a, "--key")) {
            o->print_only |= a[2] == 'p';
            o->key |= a[2] == 'k';
        } else if ((r = cli_log_flag(a, &o->log))) {
            rc = r == 1 ? 0 : r;
        } else if (!o->d && a[0] != '-') {
            if (!(o->d = drill_find(a)))
                rc = cli_usage(
                    "no timed drill '%s' (drills: %s; 'dkata run %s --exercise' prints an exercise if "
                    "the kata has one)",
                    a, names.data, a);
            for (int k = 0; o->d && k < o->d->nopts; k++)
                o->opt[k] = o->d->opts[k].def;
        } else if (a[0] != '-' || !(what = value_what(o, a))) {
            rc = cli_unexpected("drill", a);
        } else if (!(v = cli_value(a, v, what))) {
            rc = EXIT_USAGE;
        } else if (!strcmp(a, "--seed") && ++i) {
            if (!cli_parse_u64(v, &o->seed))
                rc = cli_usage("bad seed '%s': expected an unsigned integer", v);
        } else if (!strcmp(a, "--limit") && ++i) {
            if (units_parse_duration(v, &o->limit_ns) || o->limit_ns <= 0)
                rc = cli_usage("bad --limit '%s': expected a duration such as 20m or 90s", v);
        } else if (!strcmp(a, "--answers") && ++i) {
            o->answers = v;
        } else if (!strcmp(a, "--bug") && ++i) {
            if (strcmp(v, o->d->bug))
                rc = cli_usage("unknown bug '%s' for drill %s (accepted: %s)", v, o->d->name, o->d->bug);
            o->bug = o->d->bug;
        } else {
            rc = drill_option(o, a, v);
            rc = rc == 1 ? 0 : rc;
            i++;
        }
    }
    if (!rc && !o->d)
        rc = cli_usage("which drill? (drills: %s)", names.data);
    if (!rc && o->answers && (o->print_only || o->key))
        rc = cli_usage("--answers does not go with --print or --key");
    FILE *f = !rc && o->answers ? fopen(o->answers, "r") : NULL;
    if (!rc && o->answers && !f) /* before the exercise is printed: it would scroll the line away */
        rc = cli_usage("cannot open answers '%s': %s", o->answers, strerror(errno));
    struct stat st;
    if (f && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode))
        rc = cli_usage("answers '%s' is a directory (expected a text file, one answer a line)", o->answers);
    if (f)
        fclose(f);
    if (!rc && o->limit_ns < 0)
        o->limit_ns = o->d->limit_ns;
    buf_close(&names);
    return rc;
}

/* "procs=3 events=12" */
static void opt_words(const struct drill_args *o, const char *sep, struct buf *out)
{
    for (int k = 0; k < o->d->nopts; k++)
        buf_printf(out, "%s%s%s=%ld", k ? " " : "", sep, o->d->opts[k].name, o->opt[k]);
}

/* Prints the exercise (or its key) for --print and --key. */
static int print_round(const struct drill_args *o, const void *round, struct buf *b)
{
    if (o->key) {
        o->d->key(round, b);
        fputs(b->data ? b->data : "", stdout);
        return EXIT_OKAY;
    }
    fputs(b->data ? b->data : "", stdout);
    struct buf w;
    buf_init(&w);
    opt_words(o, "--", &w);
    for (char *p = w.data; p && (p = strchr(p, '='));)
        *p = ' ';
    printf("\nkey: dkata drill %s --seed %llu%s%s%s%s --key\n", o->d->name, (unsigned long long)o->seed,
           w.len ? " " : "", w.len ? w.data : "", o->bug ? " --bug " : "", o->bug ? o->bug : "");
    buf_close(&w);
    return EXIT_OKAY;
}

/* Reads the answers (timed) and grades them: 0 with g and fb filled, or EXIT_USAGE. */
static int take_answers(const struct drill_args *o, const void *round, struct drill_grade *g, struct buf *fb,
                        double *secs)
{
    double start = journal_now();
    FILE *f = stdin;
    if (o->answers && !(f = fopen(o->answers, "r")))
        return cli_usage("cannot open answers '%s': %s", o->answers, strerror(errno));
    if (!o->answers)
        printf("\ntimer started: type your answers, then Ctrl-D (or a line 'done')\n");
    fflush(stdout);
    struct buf b;
    buf_init(&b);
    int rc = read_answers(f, o->answers ? o->answers : "(stdin)", &b);
    if (o->answers)
        fclose(f);
    *secs = journal_now() - start;
    char err[240];
    if (!rc && o->d->grade(round, b.data ? b.data : "", b.len, g, fb, err, sizeof(err)))
        rc = cli_usage("answers %s: %s", o->answers ? o->answers : "(stdin)", err);
    buf_close(&b);
    return rc;
}

int cmd_drill(int argc, char **argv)
{
    struct drill_args o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OKAY : rc;
    void *round = o.d->make(o.seed, o.opt, o.bug);
    struct buf b;
    buf_init(&b);
    if (!o.key) {
        printf("drill %s, seed %llu%s%s: time limit %.0f min (%s)\n\n", o.d->name, (unsigned long long)o.seed,
               o.bug ? ", bug " : "", o.bug ? o.bug : "", (double)o.limit_ns / 60e9, o.d->source);
        o.d->print(round, &b);
    }
    if (o.key || o.print_only) {
        rc = print_round(&o, round, &b);
        buf_close(&b);
        o.d->release(round);
        return rc;
    }
    fputs(b.data ? b.data : "", stdout);
    buf_close(&b);
    struct drill_grade g;
    struct buf fb;
    buf_init(&fb);
    double secs = 0;
    rc = take_answers(&o, round, &g, &fb, &secs);
    o.d->release(round);
    if (rc) {
        buf_close(&fb);
        return rc;
    }
    bool in_time = secs * 1e9 <= (double)o.limit_ns, all = g.score == g.total;
    printf("\ngrade: %d/%d (%s), %.0fs of %.0fs%s\n", g.score, g.total, g.summary, secs,
           (double)o.limit_ns / 1e9, in_time ? "" : " (OVER TIME)");
    if (fb.len)
        printf("mistakes:\n%s", fb.data);
    if (all && in_time)
        printf("passed: every answer right, within the limit\n");
    else
        printf("not yet: log what went wrong with 'dkata mistake add --tag %s \"...\"' and go again\n",
               o.d->tag);
    buf_close(&fb);
    struct buf params;
    buf_init(&params);
    opt_words(&o, "", &params);
    journal_note_want(&(struct journal_entry){.kind = "drill",
                                              .name = o.d->name,
                                              .params = params.data,
                                              .bug = o.bug,
                                              .seed = o.seed,
                                              .seeds = 1,
                                              .outcome = all && in_time ? "passed" : "failed",
                                              .seconds = secs,
                                              .score = g.score,
                                              .total = g.total},
                      o.log);
    buf_close(&params);
    return all && in_time ? EXIT_OKAY : EXIT_VIOLATION;
}
