/* The Paxos drill: the quorum check of a Paxos trace with competing proposers (004 lane 4). The trace is kata
 * paxos's exercise for the seed (src/katas/paxos.c); the answers are graded against what that trace's
 * acceptors did and what check/chosen computed from it, never against a second Paxos. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/units.h"
#include "katas/paxos.h"
#include "practice/practice.h"

/* What one step asks. Prepare: promises, quorum, highest; accept: value, accepted, quorum, safe (with the
 * bug). */
enum item { I_PROMISES, I_QUORUM, I_HIGHEST, I_VALUE, I_ACCEPTED, I_SAFE, NITEMS };
static const char *const item_names[NITEMS] = {"promises", "quorum", "highest", "value", "accepted", "safe"};
static const char *const item_plural[NITEMS] = {"promise sets", "quorums",     "highest reports",
                                                "values",       "accept sets", "safety calls"};

struct round {
    struct paxos_ex x;
    bool bug; /* proposers ignore reported values: the trace shows the value sent and asks whether it is safe
               */
};

struct answer {
    bool given[NITEMS];
    uint64_t set[NITEMS]; /* promises, accepted */
    bool yes[NITEMS];     /* quorum, safe */
    int64_t ballot;       /* highest: 0 none */
    int value;            /* highest, value: -1 none */
};

static char letter(int v)
{
    return v >= 0 && v < 26 ? (char)('a' + v) : '-';
}

static void *paxos_make(uint64_t seed, const long *opt, const char *bug)
{
    struct round *r = xmalloc(sizeof(*r));
    r->bug = bug != NULL;
    paxos_ex_make(&r->x, seed, (int)opt[0], (int)opt[1], r->bug);
    return r;
}

static void set_words(uint64_t set, struct buf *out)
{
    if (!set)
        buf_puts(out, "none");
    for (int i = 0, first = 1; i < 64; i++)
        if ((set >> i) & 1) {
            buf_printf(out, "%sa%d", first ? "" : " ", i);
            first = 0;
        }
}

static bool asks(const struct round *r, const struct paxos_ex_step *st, enum item it)
{
    if (it == I_QUORUM)
        return true;
    if (!st->accept)
        return it == I_PROMISES || it == I_HIGHEST;
    return it == I_VALUE || it == I_ACCEPTED || (it == I_SAFE && r->bug);
}

static void paxos_print(const void *round, struct buf *out)
{
    const struct round *r = round;
    const struct paxos_ex *x = &r->x;
    buf_printf(
        out,
        "%d acceptors a0..a%d (a quorum is %d), %d proposers p0..p%d; p proposes its own value 'a'+p\n"
        "unless a promise reports an accepted one. Ballots are round.proposer. An acceptor promises a\n"
        "ballot higher than any it promised (and reports the highest proposal it accepted), accepts a\n"
        "ballot at least as high as its promise, refuses otherwise. Every message that reaches an\n"
        "acceptor is answered at once; nothing else happens in between.%s\n\n",
        x->na, x->na - 1, x->na / 2 + 1, x->np, x->np - 1,
        r->bug ? "\nThis trace's proposers are suspect: an accept shows the value actually sent." : "");
    for (int k = 0; k < x->nsteps; k++) {
        const struct paxos_ex_step *st = &x->step[k];
        char bs[32];
        paxos_fmt_ballot(st->ballot, bs, sizeof(bs));
        struct buf set;
        buf_init(&set);
        for (int i = 0, first = 1; i < x->na; i++)
            if ((st->reach >> i) & 1) {
                buf_printf(&set, "%sa%d", first ? "" : ",", i);
                first = 0;
            }
        if (!st->accept)
            buf_printf(out, "  %2d. p%d sends prepare(%s) to {%s}\n", k + 1, st->proposer, bs, set.data);
        else if (r->bug)
            buf_printf(out, "  %2d. p%d, holding promises for %s, sends accept(%s,'%c') to {%s}\n", k + 1,
                       st->proposer, bs, bs, letter(st->value), set.data);
        else
            buf_printf(out, "  %2d. p%d, holding promises for %s, sends accept to {%s}\n", k + 1,
                       st->proposer, bs, set.data);
        buf_close(&set);
    }
    buf_printf(
        out,
        "\nAnswer, for each prepare step N:\n"
        "  N promises a0 a2        the acceptors that promise (or: none)\n"
        "  N quorum yes|no         does the proposer now hold a promise quorum?\n"
        "  N highest 2.1 b         the highest accepted proposal the promises report (or: none)\n"
        "for each accept step N:\n"
        "  N value b               the value Paxos requires it to send\n"
        "  N accepted a0 a1        the acceptors that accept (or: none)\n"
        "  N quorum yes|no         did a majority accept this ballot (its value is chosen)?\n"
        "%s"
        "and last:\n"
        "  chosen b                the value chosen first (or: chosen none)\n",
        r->bug ? "  N safe yes|no           is sending the value shown safe (no chosen value overwritten)?\n"
               : "");
}

static void paxos_key(const void *round, struct buf *out)
{
    const struct round *r = round;
    const struct paxos_ex *x = &r->x;
    for (int k = 0; k < x->nsteps; k++) {
        const struct paxos_ex_step *st = &x->step[k];
        if (!st->accept) {
            buf_printf(out, "%d promises ", k + 1);
            set_words(st->yes, out);
            buf_printf(out, "\n%d quorum %s\n%d highest ", k + 1, st->quorum ? "yes" : "no", k + 1);
            if (st->best_value >= 0) {
                char bs[32];
                paxos_fmt_ballot(st->best_ballot, bs, sizeof(bs));
                buf_printf(out, "%s %c\n", bs, letter(st->best_value));
            } else {
                buf_puts(out, "none\n");
            }
        } else {
            buf_printf(out, "%d value %c\n%d accepted ", k + 1, letter(st->must), k + 1);
            set_words(st->yes, out);
            buf_printf(out, "\n%d quorum %s\n", k + 1, st->quorum ? "yes" : "no");
            if (r->bug)
                buf_printf(out, "%d safe %s\n", k + 1, st->safe ? "yes" : "no");
        }
    }
    if (x->chosen >= 0)
        buf_printf(out, "chosen %c\n", letter(x->chosen));
    else
        buf_puts(out, "chosen none\n");
}

/* ---- reading answers ---- */

static bool parse_yes(const char *w, bool *out)
{
    static const char *const yes[] = {"yes", "y", "true"}, *const no[] = {"no", "n", "false"};
    for (int i = 0; i < 3; i++) {
        if (!strcasecmp(w, yes[i]))
            return (*out = true);
        if (!strcasecmp(w, no[i]))
            return !(*out = false);
    }
    return false;
}

/* A value letter a.. of one of the np proposers. */
static bool parse_value(const char *w, int np, int *out)
{
    int c = tolower((unsigned char)w[0]);
    if (w[1] || c < 'a' || c >= 'a' + np)
        return false;
    *out = c - 'a';
    return true;
}

/* "none" or "-" alone, else acceptors "aN". */
static bool parse_set(char **w, int nw, int na, uint64_t *out)
{
    *out = 0;
    if (nw == 1 && (!strcasecmp(w[0], "none") || !strcmp(w[0], "-")))
        return true;
    for (int i = 0; i < nw; i++) {
        char *end;
        if (tolower((unsigned char)w[i][0]) != 'a' || !isdigit((unsigned char)w[i][1]))
            return false;
        long v = strtol(w[i] + 1, &end, 10);
        if (*end || v < 0 || v >= na)
            return false;
        *out |= 1ULL << v;
    }
    return true;
}

/* "R.P" with P a proposer. */
static bool parse_ballot(const char *w, int np, int64_t *out)
{
    char *end;
    if (!isdigit((unsigned char)w[0]))
        return false;
    long round = strtol(w, &end, 10);
    if (*end != '.' || !isdigit((unsigned char)end[1]) || round < 1 || round > 1000000)
        return false;
    long p = strtol(end + 1, &end, 10);
    if (*end || p < 0 || p >= np)
        return false;
    *out = round * 16 + p;
    return true;
}

/* One step's line: "N ITEM ARGS". */
static int read_item(const struct round *r, struct drill_lines *l, char **w, int nw, struct answer *ans,
                     char *err, size_t errlen)
{
    const struct paxos_ex *x = &r->x;
    char *end;
    long k = strtol(w[0], &end, 10);
    if ((*end && strcmp(end, ".")) || k < 1 || k > x->nsteps)
        return drill_fail(l, err, errlen, "expected a step number 1..%d or 'chosen', got '%.20s'", x->nsteps,
                          w[0]);
    const struct paxos_ex_step *st = &x->step[k - 1];
    int it = NITEMS;
    for (int i = 0; i < NITEMS && nw > 1; i++)
        if (!strcasecmp(w[1], item_names[i]) || (i == I_PROMISES && !strcasecmp(w[1], "promised")) ||
            (i == I_ACCEPTED && !strcasecmp(w[1], "accepts")))
            it = i;
    if (it == NITEMS || !asks(r, st, (enum item)it))
        return drill_fail(l, err, errlen, "step %ld is %s: expected '%ld %s' (got '%.20s')", k,
                          st->accept ? "an accept" : "a prepare", k,
                          st->accept
                              ? (r->bug ? "value|accepted|quorum|safe ..." : "value|accepted|quorum ...")
                              : "promises|quorum|highest ...",
                          nw > 1 ? w[1] : "");
    struct answer *a = &ans[k - 1];
    char **args = w + 2;
    int na = nw - 2;
    bool ok = na >= 1;
    switch (it) {
    case I_PROMISES:
    case I_ACCEPTED:
        ok = ok && parse_set(args, na, x->na, &a->set[it]);
        break;
    case I_QUORUM:
    case I_SAFE:
        ok = na == 1 && parse_yes(args[0], &a->yes[it]);
        break;
    case I_HIGHEST:
        a->ballot = 0;
        a->value = -1;
        ok = (na == 1 && (!strcasecmp(args[0], "none") || !strcmp(args[0], "-"))) ||
             (na == 2 && parse_ballot(args[0], x->np, &a->ballot) && parse_value(args[1], x->np, &a->value));
        break;
    case I_VALUE:
        ok = na == 1 && parse_value(args[0], x->np, &a->value);
        break;
    }
    if (!ok)
        return drill_fail(l, err, errlen, "bad %s for step %ld: expected %s", item_names[it], k,
                          it == I_PROMISES || it == I_ACCEPTED ? "acceptors a0..a<N-1> or none"
                          : it == I_HIGHEST                    ? "a ballot and a value (2.1 b) or none"
                          : it == I_VALUE                      ? "a proposer's value letter"
                                                               : "yes or no");
    a->given[it] = true;
    return 0;
}

/* ---- grading ---- */

struct tally {
    int right[NITEMS], asked[NITEMS];
};

static void mark(struct tally *t, struct drill_grade *g, enum item it, bool right)
{
    t->asked[it]++;
    g->total++;
    if (right) {
        t->right[it]++;
        g->score++;
    }
}

/* "missing", "none" or the letter. */
static const char *value_str(bool given, int v, char out[16])
{
    snprintf(out, 16, "%s", !given ? "missing" : v < 0 ? "none" : "");
    if (given && v >= 0)
        snprintf(out, 16, "%c", letter(v));
    return out;
}

/* "missing", "none" or "2.1 b". */
static void proposal_str(bool given, int64_t ballot, int v, char *out, size_t n)
{
    if (!given || !ballot) {
        snprintf(out, n, "%s", given ? "none" : "missing");
        return;
    }
    char bs[32];
    paxos_fmt_ballot(ballot, bs, sizeof(bs));
    snprintf(out, n, "%s %c", bs, letter(v));
}

static void wrote_set(struct buf *fb, int k, const char *what, const struct answer *a, enum item it,
                      uint64_t want)
{
    buf_printf(fb, "  %d %s: ", k, what);
    if (a->given[it])
        set_words(a->set[it], fb);
    else
        buf_puts(fb, "missing");
    buf_puts(fb, ", expected ");
    set_words(want, fb);
    buf_putc(fb, '\n');
}

static void grade_step(const struct round *r, int k, const struct answer *a, struct tally *t,
                       struct drill_grade *g, struct buf *fb)
{
    const struct paxos_ex_step *st = &r->x.step[k - 1];
    enum item set_item = st->accept ? I_ACCEPTED : I_PROMISES;
    bool ok = a->given[set_item] && a->set[set_item] == st->yes;
    mark(t, g, set_item, ok);
    if (!ok)
        wrote_set(fb, k, item_names[set_item], a, set_item, st->yes);
    ok = a->given[I_QUORUM] && a->yes[I_QUORUM] == st->quorum;
    mark(t, g, I_QUORUM, ok);
    if (!ok)
        buf_printf(fb, "  %d quorum: %s, expected %s (%d of %d %s, a quorum is %d)\n", k,
                   a->given[I_QUORUM] ? (a->yes[I_QUORUM] ? "yes" : "no") : "missing",
                   st->quorum ? "yes" : "no", __builtin_popcountll(st->yes), r->x.na,
                   st->accept ? "accepted" : "promised", r->x.na / 2 + 1);
    if (!st->accept) {
        int64_t want_b = st->best_value >= 0 ? st->best_ballot : 0;
        ok = a->given[I_HIGHEST] && a->ballot == want_b && a->value == st->best_value;
        mark(t, g, I_HIGHEST, ok);
        if (!ok) {
            char wrote[48], want[48];
            proposal_str(a->given[I_HIGHEST], a->ballot ? a->ballot : 0, a->value, wrote, sizeof(wrote));
            proposal_str(true, want_b, st->best_value, want, sizeof(want));
            buf_printf(fb, "  %d highest: %s, expected %s\n", k, wrote, want);
        }
        return;
    }
    char vs[16];
    ok = a->given[I_VALUE] && a->value == st->must;
    mark(t, g, I_VALUE, ok);
    if (!ok)
        buf_printf(fb, "  %d value: %s, expected %c (%s)\n", k, value_str(a->given[I_VALUE], a->value, vs),
                   letter(st->must),
                   st->best_value >= 0 ? "the highest accepted proposal the promises reported"
                                       : "nothing reported: the proposer's own");
    if (r->bug) {
        ok = a->given[I_SAFE] && a->yes[I_SAFE] == st->safe;
        mark(t, g, I_SAFE, ok);
        if (!ok)
            buf_printf(fb, "  %d safe: %s, expected %s (check/chosen: %s)\n", k,
                       a->given[I_SAFE] ? (a->yes[I_SAFE] ? "yes" : "no") : "missing",
                       st->safe ? "yes" : "no", st->why);
    }
}

static int paxos_grade(const void *round, const char *answers, size_t len, struct drill_grade *g,
                       struct buf *fb, char *err, size_t errlen)
{
    const struct round *r = round;
    const struct paxos_ex *x = &r->x;
    memset(g, 0, sizeof(*g));
    struct answer ans[PAXOS_EX_MAXSTEPS];
    memset(ans, 0, sizeof(ans));
    bool chosen_given = false;
    int chosen = -1;
    struct drill_lines l;
    drill_lines_init(&l, answers, len);
    char *w[24];
    int nw;
    while ((nw = drill_lines_next(&l, w, 24, err, errlen)) > 0) {
        if (!strcasecmp(w[0], "chosen")) {
            chosen = -1;
            if (nw != 2 || (strcasecmp(w[1], "none") && !parse_value(w[1], x->np, &chosen)))
                return drill_fail(&l, err, errlen,
                                  "expected 'chosen V' (a proposer's value letter) or 'chosen none'");
            chosen_given = true;
        } else if (read_item(r, &l, w, nw, ans, err, errlen)) {
            return ERR_PARSE;
        }
    }
    if (nw < 0)
        return ERR_PARSE;
    struct tally t = {0};
    for (int k = 1; k <= x->nsteps; k++)
        grade_step(r, k, &ans[k - 1], &t, g, fb);
    g->total++;
    char gv[16], wv[16];
    if (chosen_given && chosen == x->chosen)
        g->score++;
    else
        buf_printf(fb, "  chosen: %s, expected %s\n", value_str(chosen_given, chosen, gv),
                   value_str(true, x->chosen, wv));
    size_t o = 0;
    for (int i = 0; i < NITEMS; i++)
        if (t.asked[i] && o < sizeof(g->summary))
            o += (size_t)snprintf(g->summary + o, sizeof(g->summary) - o, "%s %d/%d, ", item_plural[i],
                                  t.right[i], t.asked[i]);
    if (o < sizeof(g->summary))
        snprintf(g->summary + o, sizeof(g->summary) - o, "chosen value %d/1",
                 chosen_given && chosen == x->chosen);
    return 0;
}

static const struct drill_opt paxos_opts[] = {
    {"acceptors", 1, PAXOS_EX_MAXA, 3, "acceptors (a quorum is a majority)"},
    {"proposers", 2, PAXOS_EX_MAXP, 2, "competing proposers, each with its own value"},
};

const struct drill_def drill_paxos_def = {
    .name = "paxos",
    .summary =
        "the quorum check of a Paxos trace: promises, quorums, reported values, accepts, the chosen value",
    .source = "004 lane 4, \"3 Paxos traces with quorum-intersection check\"; the module sets no time for "
              "lane work: "
              "20 minutes is dkata's, as for the clocks trace",
    .limit_ns = 20 * 60 * NS_PER_S,
    .tag = "quorum-miscounted",
    .answer_help =
        "per step 'N promises a0 a2', 'N quorum yes|no', 'N highest 2.1 b' (prepare) or 'N value b', "
        "'N accepted a0 a1', 'N quorum yes|no' (accept); last 'chosen b'",
    .opts = paxos_opts,
    .nopts = 2,
    .bug = "ignore-promised-value",
    .bug_help = "proposers send their own value: each accept shows it, 'N safe yes|no' asks if it is safe",
    .make = paxos_make,
    .release = free,
    .print = paxos_print,
    .key = paxos_key,
    .grade = paxos_grade,
};
