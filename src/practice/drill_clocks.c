/* The clocks drill: a generated trace to stamp by hand with Lamport and vector clocks and its concurrent pairs,
 * graded against the rules applied by the machine. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/rng.h"
#include "core/units.h"
#include "practice/practice.h"

struct queued {
    int from, to, msg;
    unsigned lamport, vc[DRILL_MAXP];
};

void drill_clocks_make(struct drill_clocks *d, uint64_t seed, int nprocs, int n)
{
    memset(d, 0, sizeof(*d));
    d->nprocs = nprocs;
    struct rng r;
    rng_stream(&r, seed, "drill-clocks", 0);
    unsigned lam[DRILL_MAXP] = {0}, vc[DRILL_MAXP][DRILL_MAXP] = {{0}};
    struct queued q[DRILL_MAXE];
    int nq = 0, msgs = 0;
    while (d->n < n) {
        /* Deliver a queued message (the oldest, at its addressee) often enough that every message sent is
         * received within the trace: always when the events left are only enough for the deliveries. */
        int left = n - d->n, qi = -1, p, choice;
        if (nq && (left <= nq || rng_chance(&r, 0.45))) {
            qi = 0;
            p = q[0].to;
            choice = 2;
        } else {
            p = (int)rng_below(&r, (uint64_t)nprocs);
            choice = left - 1 > nq && rng_chance(&r, 0.6) ? 1 : 0; /* a send only if its receive still fits */
        }
        struct drill_event *e = &d->ev[d->n];
        e->proc = p;
        if (choice == 2) {
            struct queued m = q[qi];
            memmove(&q[qi], &q[qi + 1], sizeof(q[0]) * (size_t)(nq - qi - 1));
            nq--;
            lam[p] = (lam[p] > m.lamport ? lam[p] : m.lamport) + 1;
            for (int k = 0; k < nprocs; k++)
                vc[p][k] = vc[p][k] > m.vc[k] ? vc[p][k] : m.vc[k];
            vc[p][p]++;
            e->kind = DRILL_RECV;
            e->peer = m.from;
            e->msg = m.msg;
        } else {
            lam[p]++;
            vc[p][p]++;
            e->kind = choice == 1 ? DRILL_SEND : DRILL_LOCAL;
            if (choice == 1) {
                int to = (int)rng_below(&r, (uint64_t)(nprocs - 1));
                to += to >= p;
                e->peer = to;
                e->msg = ++msgs;
                struct queued *m = &q[nq++];
                m->from = p;
                m->to = to;
                m->msg = msgs;
                m->lamport = lam[p];
                memcpy(m->vc, vc[p], sizeof(m->vc));
            }
        }
        e->lamport = lam[p];
        memcpy(e->vc, vc[p], sizeof(e->vc));
        d->n++;
    }
    for (int a = 0; a < d->n; a++)
        for (int b = a + 1; b < d->n; b++) {
            bool le = true, ge = true;
            for (int k = 0; k < nprocs; k++) {
                le &= d->ev[a].vc[k] <= d->ev[b].vc[k];
                ge &= d->ev[a].vc[k] >= d->ev[b].vc[k];
            }
            if (!le && !ge) {
                d->conc[a][b] = d->conc[b][a] = 1;
                d->npairs++;
            }
        }
}

void drill_clocks_print(const struct drill_clocks *d, struct buf *out)
{
    buf_printf(out, "%d processes, %d events, every clock starts at 0. Rules: a local event or a send increments\n"
                    "the process's Lamport counter and its own vector entry; a receive sets Lamport to max(own,\n"
                    "message)+1 and the vector to the entrywise max, then increments its own entry.\n\n",
               d->nprocs, d->n);
    for (int i = 0; i < d->n; i++) {
        const struct drill_event *e = &d->ev[i];
        buf_printf(out, "  e%-3d P%d  ", i + 1, e->proc + 1);
        if (e->kind == DRILL_LOCAL)
            buf_puts(out, "local event\n");
        else if (e->kind == DRILL_SEND)
            buf_printf(out, "send m%d to P%d\n", e->msg, e->peer + 1);
        else
            buf_printf(out, "receive m%d from P%d\n", e->msg, e->peer + 1);
    }
    buf_puts(out, "\nAnswer: one line per event, then one line per concurrent pair (neither happened before the\n"
                  "other), e.g.\n  e1 L=1 V=1,0,0\n  concurrent e1 e2\n");
}

void drill_clocks_key(const struct drill_clocks *d, struct buf *out)
{
    for (int i = 0; i < d->n; i++) {
        buf_printf(out, "e%d L=%u V=", i + 1, d->ev[i].lamport);
        for (int k = 0; k < d->nprocs; k++)
            buf_printf(out, "%s%u", k ? "," : "", d->ev[i].vc[k]);
        buf_putc(out, '\n');
    }
    for (int a = 0; a < d->n; a++)
        for (int b = a + 1; b < d->n; b++)
            if (d->conc[a][b])
                buf_printf(out, "concurrent e%d e%d\n", a + 1, b + 1);
}

/* "eN" -> N-1 within the trace, else -1. */
static int event_ref(const struct drill_clocks *d, const char *w)
{
    if ((w[0] != 'e' && w[0] != 'E') || !isdigit((unsigned char)w[1]))
        return -1;
    char *end;
    long v = strtol(w + 1, &end, 10);
    if (*end || v < 1 || v > d->n)
        return -1;
    return (int)v - 1;
}

/* "V=1,0,0", "V=(1,0,0)", "V=[1, 0, 0]" (spaces already gone): nprocs numbers. */
static bool parse_vc(const char *s, int nprocs, unsigned *out)
{
    if (*s == '(' || *s == '[' || *s == '<')
        s++;
    for (int k = 0; k < nprocs; k++) {
        if (!isdigit((unsigned char)*s))
            return false;
        char *end;
        unsigned long v = strtoul(s, &end, 10);
        if (v > 1000000)
            return false;
        out[k] = (unsigned)v;
        s = end;
        if (k < nprocs - 1 && *s++ != ',')
            return false;
    }
    if (*s == ')' || *s == ']' || *s == '>')
        s++;
    return *s == 0;
}

#define FAIL(...)                                                                                                     \
    do {                                                                                                              \
        int n_ = snprintf(err, errlen, "line %d: ", line);                                                            \
        if (n_ > 0 && (size_t)n_ < errlen)                                                                            \
            snprintf(err + n_, errlen - (size_t)n_, __VA_ARGS__);                                                     \
        return ERR_PARSE;                                                                                             \
    } while (0)

int drill_clocks_grade(const struct drill_clocks *d, const char *answers, size_t len, struct drill_grade *g,
                       struct buf *feedback, char *err, size_t errlen)
{
    memset(g, 0, sizeof(*g));
    bool lam_given[DRILL_MAXE] = {0}, vc_given[DRILL_MAXE] = {0};
    unsigned char listed[DRILL_MAXE][DRILL_MAXE] = {{0}};
    unsigned lam[DRILL_MAXE] = {0}, vc[DRILL_MAXE][DRILL_MAXP] = {{0}};
    int line = 0;
    for (size_t pos = 0; pos < len;) {
        size_t end = pos;
        while (end < len && answers[end] != '\n')
            end++;
        line++;
        char buf[256];
        if (end - pos >= sizeof(buf))
            FAIL("longer than %zu bytes", sizeof(buf) - 1);
        if (memchr(answers + pos, 0, end - pos))
            FAIL("NUL byte");
        /* copy without spaces inside V=(...) and around '=': split on spaces only between tokens we know */
        size_t o = 0;
        for (size_t i = pos; i < end; i++)
            buf[o++] = answers[i] == '\t' || answers[i] == '\r' ? ' ' : answers[i];
        buf[o] = 0;
        pos = end + 1;
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = 0;
        /* join "V= 1, 0, 0" style: drop spaces after '=' or ',' and before ',' */
        char tidy[256];
        size_t t = 0;
        for (size_t i = 0; buf[i]; i++) {
            if (buf[i] == ' ' && t && (tidy[t - 1] == '=' || tidy[t - 1] == ',' || tidy[t - 1] == '(' ||
                                       tidy[t - 1] == '[' || buf[i + 1] == ',' || buf[i + 1] == '=' ||
                                       buf[i + 1] == ')' || buf[i + 1] == ']'))
                continue;
            tidy[t++] = buf[i];
        }
        tidy[t] = 0;
        char *w[8];
        int nw = 0;
        for (char *save = NULL, *tok = strtok_r(tidy, " ", &save); tok && nw < 8; tok = strtok_r(NULL, " ", &save))
            w[nw++] = tok;
        if (!nw)
            continue;
        if (!strcmp(w[0], "concurrent") || (nw == 3 && !strcmp(w[1], "||"))) {
            int a = event_ref(d, nw == 3 && !strcmp(w[1], "||") ? w[0] : (nw > 1 ? w[1] : "")),
                b = event_ref(d, nw == 3 ? w[2] : "");
            if (nw != 3 || a < 0 || b < 0 || a == b)
                FAIL("expected 'concurrent eA eB' with two different events e1..e%d", d->n);
            if (listed[a][b])
                continue;
            listed[a][b] = listed[b][a] = 1;
            if (d->conc[a][b]) {
                g->pairs_right++;
            } else {
                g->pairs_wrong++;
                buf_printf(feedback, "  e%d and e%d are not concurrent: e%d happened before e%d\n", a + 1, b + 1,
                           (a < b ? a : b) + 1, (a < b ? b : a) + 1);
            }
            continue;
        }
        int e = event_ref(d, w[0]);
        if (e < 0 || nw < 2)
            FAIL("expected 'eN L=x V=a,b,...' (N 1..%d) or 'concurrent eA eB'", d->n);
        for (int i = 1; i < nw; i++) {
            if ((w[i][0] == 'L' || w[i][0] == 'l') && w[i][1] == '=') {
                char *endp;
                unsigned long v = strtoul(w[i] + 2, &endp, 10);
                if (!isdigit((unsigned char)w[i][2]) || *endp || v > 1000000)
                    FAIL("bad Lamport stamp '%.20s': expected L=N", w[i]);
                lam[e] = (unsigned)v;
                lam_given[e] = true;
            } else if ((w[i][0] == 'V' || w[i][0] == 'v') && w[i][1] == '=') {
                if (!parse_vc(w[i] + 2, d->nprocs, vc[e]))
                    FAIL("bad vector stamp '%.30s': expected V=%d comma-separated numbers", w[i], d->nprocs);
                vc_given[e] = true;
            } else {
                FAIL("unexpected '%.20s' (expected L=N and V=a,b,...)", w[i]);
            }
        }
    }
    for (int e = 0; e < d->n; e++) {
        if (lam_given[e] && lam[e] == d->ev[e].lamport)
            g->stamps_right++;
        else
            buf_printf(feedback, "  e%d: Lamport %s%u, expected %u\n", e + 1, lam_given[e] ? "" : "missing; ",
                       lam_given[e] ? lam[e] : 0, d->ev[e].lamport);
        if (vc_given[e] && !memcmp(vc[e], d->ev[e].vc, sizeof(unsigned) * (size_t)d->nprocs)) {
            g->stamps_right++;
        } else {
            buf_printf(feedback, "  e%d: vector %s, expected ", e + 1, vc_given[e] ? "wrong" : "missing");
            for (int k = 0; k < d->nprocs; k++)
                buf_printf(feedback, "%s%u", k ? "," : "", d->ev[e].vc[k]);
            buf_putc(feedback, '\n');
        }
    }
    for (int a = 0; a < d->n; a++)
        for (int b = a + 1; b < d->n; b++)
            if (d->conc[a][b] && !listed[a][b])
                buf_printf(feedback, "  missed concurrent pair e%d e%d\n", a + 1, b + 1);
    g->stamps_total = 2 * d->n;
    g->pairs_total = d->npairs;
    g->total = g->stamps_total + g->pairs_total;
    g->score = g->stamps_right + g->pairs_right - g->pairs_wrong;
    if (g->score < 0)
        g->score = 0;
    snprintf(g->summary, sizeof(g->summary), "stamps %d/%d, concurrent pairs %d/%d, %d listed wrongly",
             g->stamps_right, g->stamps_total, g->pairs_right, g->pairs_total, g->pairs_wrong);
    return 0;
}

/* ---- the drill's entry in the table ---- */

static const struct drill_opt clocks_opts[] = {
    {"procs", 2, DRILL_MAXP, 3, "processes"},
    {"events", 2, DRILL_MAXE, 12, "events (every message sent is received within the trace)"},
};

static void *clocks_make(uint64_t seed, const long *opt, const char *bug)
{
    (void)bug;
    struct drill_clocks *d = xmalloc(sizeof(*d));
    drill_clocks_make(d, seed, (int)opt[0], (int)opt[1]);
    return d;
}

static void clocks_print(const void *round, struct buf *out)
{
    drill_clocks_print(round, out);
}

static void clocks_key(const void *round, struct buf *out)
{
    drill_clocks_key(round, out);
}

static int clocks_grade(const void *round, const char *answers, size_t len, struct drill_grade *g,
                        struct buf *feedback, char *err, size_t errlen)
{
    return drill_clocks_grade(round, answers, len, g, feedback, err, errlen);
}

const struct drill_def drill_clocks_def = {
    .name = "clocks",
    .summary = "stamp a generated trace with Lamport and vector clocks, list its concurrent pairs",
    .source = "001 Kata 1: 20 minutes per run; 004 lane 2",
    .limit_ns = 20 * 60 * NS_PER_S,
    .tag = "vector-clock-compare",
    .answer_help = "one line per event 'eN L=x V=a,b,c', one per concurrent pair 'concurrent eA eB'",
    .opts = clocks_opts,
    .nopts = 2,
    .make = clocks_make,
    .release = free,
    .print = clocks_print,
    .key = clocks_key,
    .grade = clocks_grade,
};
