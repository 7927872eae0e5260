/* Shared body of the drill grader fuzzers (drill paxos, drill heartbeat): the contract of struct drill_def's
 * grade (practice.h) on one round, checked on arbitrary answers and on the round's own key. */
#ifndef DKATA_FUZZ_DRILL_H
#define DKATA_FUZZ_DRILL_H
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "practice/practice.h"

/* Number of lines in s[0..len) as the answer reader counts them (a last line without '\n' counts). */
static int fuzz_drill_lines(const char *s, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < len; i++)
        n += s[i] == '\n';
    return n + (len && s[len - 1] != '\n');
}

/* The answer reader: every word it hands out is non-empty and free of separators, comments and newlines, at
 * most max a line, from line numbers that only grow; it ends at 0, or at -1 with "line N: ..." for a line it
 * refuses. */
static void fuzz_drill_reader(const char *answers, size_t len)
{
    struct drill_lines l;
    drill_lines_init(&l, answers, len);
    char *w[6], err[120];
    int nw, last = 0, lines = fuzz_drill_lines(answers, len);
    while ((nw = drill_lines_next(&l, w, 6, err, sizeof(err))) > 0) {
        if (nw > 6 || l.line <= last || l.line > lines)
            abort();
        last = l.line;
        for (int i = 0; i < nw; i++)
            if (!w[i][0] || strpbrk(w[i], " \t\r\n,{}()[]=:'\"#"))
                abort();
    }
    if (nw < 0 && (strncmp(err, "line ", 5) || atoi(err + 5) != l.line || strchr(err, '\n')))
        abort();
}

/* Grades answers and aborts unless: ERR_PARSE with one line "line N: <what>" (1 <= N <= the lines given), or
 * 0 with 0 <= score <= total, a one-line summary and exactly one feedback line ("  ...\n") per point missed.
 * Returns the grade's rc; *g is filled on 0. */
static int fuzz_drill_grade(const struct drill_def *d, const void *round, const char *answers, size_t len,
                            struct drill_grade *g)
{
    struct buf fb;
    buf_init(&fb);
    char err[240];
    memset(err, 'x', sizeof(err));
    int rc = d->grade(round, answers, len, g, &fb, err, sizeof(err));
    if (rc) {
        char *end;
        long line = strncmp(err, "line ", 5) ? 0 : strtol(err + 5, &end, 10);
        if (rc != ERR_PARSE || !memchr(err, 0, sizeof(err)) || strchr(err, '\n') || line < 1 ||
            line > fuzz_drill_lines(answers, len) || strncmp(end, ": ", 2) || !end[2])
            abort();
        if (fb.len) /* a refused answer sheet is not graded */
            abort();
    } else {
        int missed = 0;
        for (size_t i = 0; i < fb.len; i++)
            missed += fb.data[i] == '\n';
        if (g->total < 1 || g->score < 0 || g->score > g->total || missed != g->total - g->score ||
            (fb.len && (strncmp(fb.data, "  ", 2) || fb.data[fb.len - 1] != '\n')) ||
            !memchr(g->summary, 0, sizeof(g->summary)) || !g->summary[0] || strchr(g->summary, '\n'))
            abort();
    }
    buf_close(&fb);
    return rc;
}

/* One input on one round: the reader's contract on the answers; the round's key grades full marks with one
 * point a line, the same twice; the answers grade or are refused (fuzz_drill_grade) and a grade is out of the
 * key's total. */
static void fuzz_drill_round(const struct drill_def *d, const void *round, const char *answers, size_t len)
{
    fuzz_drill_reader(answers, len);
    struct buf key;
    buf_init(&key);
    d->key(round, &key);
    struct drill_grade want, g;
    if (fuzz_drill_grade(d, round, key.data ? key.data : "", key.len, &want) || want.score != want.total ||
        want.total != fuzz_drill_lines(key.data, key.len))
        abort();
    if (fuzz_drill_grade(d, round, key.data, key.len, &g) || memcmp(&g, &want, sizeof(g)))
        abort();
    if (!fuzz_drill_grade(d, round, answers, len, &g) && g.total != want.total)
        abort();
    buf_close(&key);
}

#endif
