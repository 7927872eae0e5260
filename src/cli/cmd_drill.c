/* dkata drill: a timed practice round with the drill's time limit, graded automatically; logged. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/units.h"
#include "journal/journal.h"
#include "practice/practice.h"

static int drill_help(void)
{
    printf("usage: dkata drill clocks [--seed N] [--events N] [--procs N] [--limit DURATION]\n"
           "                          [--answers FILE | --print | --key]\n\n"
           "A timed practice round (001 Kata 1, 004 lane 2): prints a generated trace, starts the timer, reads\n"
           "your Lamport and vector stamps and concurrent pairs from stdin (end with Ctrl-D or a line 'done'),\n"
           "then grades them against the rules and logs the round in the journal.\n"
           "  --answers FILE  grade a file of answers instead of reading stdin (no waiting)\n"
           "  --print         print the trace only (for paper); --key prints its answer key\n"
           "  --limit         time limit (default 20m, the drill's); --events (default 12), --procs (default 3)\n"
           "exit: 0 every answer right within the limit, 1 a mistake or over time, 2 bad usage or input.\n");
    return EXIT_OKAY;
}

/* Reads all of f (at most 1 MiB) into b, stopping at a line "done". */
static int read_answers(FILE *f, struct buf *b)
{
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        if (!strcmp(line, "done\n") || !strcmp(line, "done"))
            break;
        buf_puts(b, line);
        if (b->len > (1 << 20))
            return cli_usage("answers longer than 1 MiB");
    }
    return 0;
}

int cmd_drill(int argc, char **argv)
{
    const char *kata = NULL, *answers = NULL;
    uint64_t seed = 1, events = 12, procs = 3;
    int64_t limit_ns = 20 * 60 * NS_PER_S;
    bool print_only = false, key = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a))
            return drill_help();
        if (!strcmp(a, "--print") || !strcmp(a, "--key")) {
            print_only |= a[2] == 'p';
            key |= a[2] == 'k';
        } else if (!kata && a[0] != '-') {
            kata = a;
        } else if (!v) {
            return cli_usage("option '%s' needs a value (see 'dkata drill --help')", a);
        } else if (!strcmp(a, "--seed") && ++i) {
            if (!cli_parse_u64(v, &seed))
                return cli_usage("bad seed '%s': expected an unsigned integer", v);
        } else if (!strcmp(a, "--events") && ++i) {
            if (!cli_parse_u64(v, &events) || events < 2 || events > DRILL_MAXE)
                return cli_usage("bad --events '%s': expected an integer 2..%d", v, DRILL_MAXE);
        } else if (!strcmp(a, "--procs") && ++i) {
            if (!cli_parse_u64(v, &procs) || procs < 2 || procs > DRILL_MAXP)
                return cli_usage("bad --procs '%s': expected an integer 2..%d", v, DRILL_MAXP);
        } else if (!strcmp(a, "--limit") && ++i) {
            if (units_parse_duration(v, &limit_ns) || limit_ns <= 0)
                return cli_usage("bad --limit '%s': expected a duration such as 20m or 90s", v);
        } else if (!strcmp(a, "--answers") && ++i) {
            answers = v;
        } else {
            return cli_usage("unknown option '%s' for 'drill' (see 'dkata drill --help')", a);
        }
    }
    if (!kata)
        return cli_usage("which drill? (available: clocks)");
    if (strcmp(kata, "clocks"))
        return cli_usage("no timed drill for '%s' yet (available: clocks; 'dkata run %s --exercise' prints an "
                         "exercise if the kata has one)", kata, kata);
    if (answers && (print_only || key))
        return cli_usage("--answers does not go with --print or --key");
    struct drill_clocks d;
    drill_clocks_make(&d, seed, (int)procs, (int)events);
    struct buf b;
    buf_init(&b);
    if (key) {
        drill_clocks_key(&d, &b);
        fputs(b.data, stdout);
        buf_close(&b);
        return EXIT_OKAY;
    }
    printf("drill clocks, seed %llu: time limit %.0f min (001 Kata 1: 20 minutes per run)\n\n", (unsigned long long)seed,
           (double)limit_ns / 60e9);
    drill_clocks_print(&d, &b);
    fputs(b.data, stdout);
    buf_reset(&b);
    if (print_only) {
        printf("\nkey: dkata drill clocks --seed %llu --events %llu --procs %llu --key\n", (unsigned long long)seed,
               (unsigned long long)events, (unsigned long long)procs);
        buf_close(&b);
        return EXIT_OKAY;
    }
    double start = journal_now();
    FILE *f = stdin;
    if (answers && !(f = fopen(answers, "r"))) {
        buf_close(&b);
        return cli_usage("cannot open answers '%s': %s", answers, strerror(errno));
    }
    if (!answers)
        printf("\ntimer started: type your answers, then Ctrl-D (or a line 'done')\n");
    fflush(stdout);
    int rc = read_answers(f, &b);
    if (answers)
        fclose(f);
    double secs = journal_now() - start;
    struct drill_grade g;
    struct buf fb;
    buf_init(&fb);
    char err[200];
    if (!rc && drill_clocks_grade(&d, b.data ? b.data : "", b.len, &g, &fb, err, sizeof(err)))
        rc = cli_usage("answers %s: %s", answers ? answers : "(stdin)", err);
    buf_close(&b);
    if (rc) {
        buf_close(&fb);
        return rc;
    }
    bool in_time = secs * 1e9 <= (double)limit_ns, all = g.score == g.total;
    printf("\ngrade: %d/%d (stamps %d/%d, concurrent pairs %d/%d, %d listed wrongly), %.0fs of %.0fs%s\n", g.score,
           g.total, g.stamps_right, g.stamps_total, g.pairs_right, g.pairs_total, g.pairs_wrong, secs,
           (double)limit_ns / 1e9, in_time ? "" : " (OVER TIME)");
    if (fb.len)
        printf("mistakes:\n%s", fb.data);
    printf("%s\n", all && in_time ? "passed: every stamp and pair right, within the limit"
                                   : "not yet: log what went wrong with 'dkata mistake add --tag vector-clock-compare "
                                     "\"...\"' and go again");
    buf_close(&fb);
    char params[64];
    snprintf(params, sizeof(params), "procs=%llu events=%llu", (unsigned long long)procs, (unsigned long long)events);
    journal_note(&(struct journal_entry){.kind = "drill", .name = "clocks", .params = params, .seed = seed,
                                         .seeds = 1, .outcome = all && in_time ? "passed" : "failed",
                                         .seconds = secs, .score = g.score, .total = g.total});
    return all && in_time ? EXIT_OKAY : EXIT_VIOLATION;
}
