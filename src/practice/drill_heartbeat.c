/* The heartbeat drill: the heartbeat-tuning worksheet's numbers (004 lane 3) for a workload drawn from the
 * seed. The workload, the questions and the key are kata fdetect-worksheet's exercise
 * (src/katas/fdetect_worksheet.c); each number is graded within a tolerance stated with it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/units.h"
#include "katas/fdetect_worksheet.h"
#include "practice/practice.h"

struct round {
    struct fdetect_worksheet_key k;
    struct buf text;
};

enum unit { U_S, U_MS, U_RATE, U_NONE };

/* The numbers asked, in the worksheet's order; tolerance: |answer - key| <= rel * key + abs (see
 * tolerance()). */
struct number {
    const char *name;
    enum unit unit;
    const char *help;
};

enum { N_TIMEOUT, N_JITTER, N_LOSS, N_PAUSES, N_DMEAN, N_DMIN, N_DMAX, N_WMEAN, N_WSD, N_THETA, NNUM };
static const struct number numbers[NNUM] = {
    {"timeout", U_S, "1. the timeout (s)"},
    {"jitter", U_RATE, "   false suspicions per hour at it from jitter"},
    {"loss", U_RATE, "   ... from loss"},
    {"pauses", U_RATE, "   ... from pauses"},
    {"detect-mean", U_S, "2. detection time of a crash (s): mean"},
    {"detect-min", U_S, "   shortest"},
    {"detect-max", U_S, "   longest"},
    {"window-mean", U_MS, "3. the interval window phi learns (ms): mean"},
    {"window-sd", U_MS, "   sd"},
    {"threshold", U_NONE,
     "   the phi threshold that suspects at the timeout (phi is capped at 300; or: none)"},
};

static double key_of(const struct fdetect_worksheet_key *k, int i)
{
    const double v[NNUM] = {k->timeout, k->jitter, k->loss,         k->pauses,     k->det_mean,
                            k->det_lo,  k->det_hi, k->w_mean * 1e3, k->w_sd * 1e3, k->theta};
    return v[i];
}

/* How far an answer may be from the key, and the rule in words. Rates: 10% or 1% of the hourly budget (a term
 * below that is negligible, 0 is right); detection times move with the timeout: 2% of it plus 5 ms; phi moves
 * fast with the timeout (about 3% per 1% of T near the defaults): 10%. */
static double tolerance(const struct fdetect_worksheet_key *k, int i, char *rule, size_t n)
{
    double key = fabs(key_of(k, i)), budget = k->fp_per_day / 24;
    switch (i) {
    case N_TIMEOUT:
        snprintf(rule, n, "within 2%%");
        return 0.02 * key;
    case N_JITTER:
    case N_LOSS:
    case N_PAUSES:
        snprintf(rule, n, "within 10%% or %.3g/h, 1%% of the budget", 0.01 * budget);
        return fmax(0.1 * key, 0.01 * budget);
    case N_DMEAN:
    case N_DMIN:
    case N_DMAX:
        snprintf(rule, n, "within 2%% of the timeout + 5ms");
        return 0.02 * k->timeout + 0.005;
    case N_WMEAN:
        snprintf(rule, n, "within 1%%");
        return 0.01 * key;
    case N_WSD:
        snprintf(rule, n, "within 10%% or 1ms");
        return fmax(0.1 * key, 1);
    default:
        snprintf(rule, n, "within 10%%");
        return 0.1 * key;
    }
}

static void *heartbeat_make(uint64_t seed, const long *opt, const char *bug)
{
    (void)opt;
    (void)bug;
    struct round *r = xmalloc(sizeof(*r));
    buf_init(&r->text);
    fdetect_worksheet_key(seed, &r->text, &r->k);
    return r;
}

static void heartbeat_release(void *round)
{
    struct round *r = round;
    buf_close(&r->text);
    free(r);
}

static void heartbeat_print(const void *round, struct buf *out)
{
    const struct round *r = round;
    buf_puts(out, r->text.data ? r->text.data : "");
    buf_puts(out,
             "\nAnswer one line per number (a bare number is in the unit shown; 's', 'ms', 'us' and '/h' are "
             "read):\n");
    for (int i = 0; i < NNUM; i++)
        buf_printf(out, "  %-12s %s\n", numbers[i].name, numbers[i].help);
}

static const char *unit_str(enum unit u)
{
    return u == U_S ? "s" : u == U_MS ? "ms" : u == U_RATE ? "/h" : "";
}

static void heartbeat_key(const void *round, struct buf *out)
{
    const struct round *r = round;
    for (int i = 0; i < NNUM; i++) {
        double v = key_of(&r->k, i);
        if (isnan(v))
            buf_printf(out, "%s none\n", numbers[i].name);
        else
            buf_printf(out, "%s %.6g%s\n", numbers[i].name, v, unit_str(numbers[i].unit));
    }
}

/* A number with an optional unit (attached or the next word), converted to the number's unit. */
static bool parse_number(char **w, int nw, enum unit u, double *out)
{
    char *end;
    double v = strtod(w[0], &end);
    if (end == w[0] || !isfinite(v) || fabs(v) > 1e12)
        return false;
    const char *suffix = *end ? end : nw > 1 ? w[1] : "";
    if (*end && nw > 1)
        return false;
    if (nw > 2)
        return false;
    double scale = 1;
    if (!*suffix || (u == U_RATE && !strcmp(suffix, "/h")))
        scale = 1;
    else if (u == U_S || u == U_MS) {
        double to = u == U_S ? 1 : 1e-3;
        if (!strcmp(suffix, "s"))
            scale = 1 / to;
        else if (!strcmp(suffix, "ms"))
            scale = 1e-3 / to;
        else if (!strcmp(suffix, "us"))
            scale = 1e-6 / to;
        else
            return false;
    } else {
        return false;
    }
    *out = v * scale;
    return true;
}

static int heartbeat_grade(const void *round, const char *answers, size_t len, struct drill_grade *g,
                           struct buf *fb, char *err, size_t errlen)
{
    const struct round *r = round;
    memset(g, 0, sizeof(*g));
    bool given[NNUM] = {0}, none[NNUM] = {0};
    double val[NNUM] = {0};
    struct drill_lines l;
    drill_lines_init(&l, answers, len);
    char *w[4];
    int nw;
    while ((nw = drill_lines_next(&l, w, 4, err, errlen)) > 0) {
        int i = 0;
        while (i < NNUM && strcasecmp(w[0], numbers[i].name))
            i++;
        if (i == NNUM)
            return drill_fail(&l, err, errlen,
                              "unknown number '%.20s' (expected timeout, jitter, loss, pauses, "
                              "detect-mean, detect-min, detect-max, window-mean, window-sd or threshold)",
                              w[0]);
        none[i] = i == N_THETA && nw == 2 && !strcasecmp(w[1], "none");
        if (nw < 2 || (!none[i] && !parse_number(w + 1, nw - 1, numbers[i].unit, &val[i])))
            return drill_fail(&l, err, errlen, "bad %s: expected a number%s%s", numbers[i].name,
                              numbers[i].unit == U_NONE ? " or none" : " in ",
                              numbers[i].unit == U_S      ? "s (or with ms, us)"
                              : numbers[i].unit == U_MS   ? "ms (or with s, us)"
                              : numbers[i].unit == U_RATE ? "false suspicions per hour"
                                                          : "");
        given[i] = true;
    }
    if (nw < 0)
        return ERR_PARSE;
    int groups[4][2] = {{0}}; /* timeout, false positives, detection, phi (window and threshold) */
    for (int i = 0; i < NNUM; i++) {
        int grp = i == N_TIMEOUT ? 0 : i <= N_PAUSES ? 1 : i <= N_DMAX ? 2 : 3;
        double key = key_of(&r->k, i);
        char rule[96];
        double tol = tolerance(&r->k, i, rule, sizeof(rule));
        bool ok = given[i] && (isnan(key) ? none[i] : !none[i] && fabs(val[i] - key) <= tol);
        groups[grp][1]++;
        g->total++;
        if (ok) {
            groups[grp][0]++;
            g->score++;
            continue;
        }
        const char *u = unit_str(numbers[i].unit);
        buf_printf(fb, "  %s: ", numbers[i].name);
        if (!given[i])
            buf_puts(fb, "missing");
        else if (none[i])
            buf_puts(fb, "none");
        else
            buf_printf(fb, "%.4g%s", val[i], u);
        if (isnan(key))
            buf_puts(fb,
                     ", expected none (the mean plus the acceptable pause is already past the timeout)\n");
        else
            buf_printf(fb, ", expected %.4g%s (%s: %.4g..%.4g)\n", key, u, rule, key - tol, key + tol);
    }
    snprintf(g->summary, sizeof(g->summary),
             "timeout %d/%d, false positives %d/%d, detection %d/%d, phi %d/%d", groups[0][0], groups[0][1],
             groups[1][0], groups[1][1], groups[2][0], groups[2][1], groups[3][0], groups[3][1]);
    return 0;
}

const struct drill_def drill_heartbeat_def = {
    .name = "heartbeat",
    .summary = "the heartbeat-tuning worksheet's numbers: timeout, false positives by cause, detection, phi",
    .source =
        "004 lane 3, \"1 heartbeat-tuning worksheet\"; the module sets no time for lane work: 30 minutes is "
        "dkata's",
    .limit_ns = 30 * 60 * NS_PER_S,
    .tag = "phi-too-tight",
    .answer_help =
        "one line per number: 'timeout 2.8s', 'jitter 0', 'loss 0.004', 'pauses 0.04', 'detect-mean "
        "2.4s', 'detect-min', 'detect-max', 'window-mean 1002ms', 'window-sd 44ms', 'threshold 75'",
    .make = heartbeat_make,
    .release = heartbeat_release,
    .print = heartbeat_print,
    .key = heartbeat_key,
    .grade = heartbeat_grade,
};
