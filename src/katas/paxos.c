/* Kata `paxos`: single-decree Paxos with competing proposers (module 004, lane 4; Lamport, "Paxos Made Simple").
 * The trace shows prepare/promise/accept/accepted with the quorum-intersection argument written out at every
 * proposal; duelling proposers preempt each other (livelock) until randomized backoff separates them. At most one
 * value chosen, proposals respecting the chosen value and learners agreeing are checked after every event, from
 * the recorded promises, accepts and decisions (src/check/chosen.h). */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/chosen.h"
#include "core/fault.h"
#include "core/sim.h"
#include "core/units.h"
#include "katas/kata.h"
#include "katas/paxos.h"
#include "report/svg.h"

#define MAXA PAXOS_EX_MAXA
#define MAXP PAXOS_EX_MAXP
#define MS NS_PER_MS

extern const struct kata kata_paxos;

enum { M_PREPARE = 1, M_PROMISE, M_ACCEPT, M_ACCEPTED };
enum { T_START = 1, T_RETRY, T_ROUND };
enum phase { IDLE, PREPARING, ACCEPTING, DECIDED };
enum backoff { BACKOFF_NONE, BACKOFF_RANDOM };

/* Ballot = round * 16 + proposer index: unique per proposer, totally ordered. */
#define BALLOT(round, p) ((round) * 16 + (p))
#define ROUND_OF(b) ((b) / 16)

struct msg {
    int64_t ballot;
    int32_t ok;
    int32_t value;       /* accept: the proposed value; promise: the value accepted at acc_ballot (-1 none) */
    int64_t acc_ballot;  /* promise: the highest ballot this acceptor accepted (0 none) */
    int64_t promised;    /* nacks: the ballot the acceptor promised */
};

struct acceptor { /* durable: Paxos acceptors write promised and accepted to stable storage before replying */
    int64_t promised, acc_ballot;
    int acc_value;
};

struct proposer {
    int64_t round; /* durable: a restarted proposer never reuses a ballot */
    int own;       /* its own value */
    /* volatile */
    enum phase phase;
    int64_t ballot;
    uint64_t promises, accepts;
    int64_t best_ballot;
    int best_value, value, decided;
    int attempts;
    sim_time decided_at;
    sim_timer_id round_timer;
};

/* One Paxos step, for the picture. */
struct step {
    sim_time sent, recv;
    int from, to, type;
    bool ok;
};

struct world {
    int na, np, q;
    sim_time round_timeout, backoff_base, start_spread;
    enum backoff backoff;
    bool bug_no_promise, bug_own_value;
    struct acceptor acc[MAXA];
    struct proposer prop[MAXP];
    struct chosen chk;
    sim_time chosen_at;
    int64_t prepares, preemptions;
    struct kata_timeline tlog;
    struct step *steps;
    size_t nsteps, steps_cap;
};

static void fmt_ballot(int64_t b, char *out, size_t len)
{
    snprintf(out, len, "%lld.%lld", (long long)ROUND_OF(b), (long long)(b % 16));
}

static char letter(int v)
{
    return v >= 0 && v < 26 ? (char)('a' + v) : '-';
}

#define tl(s, w, ...) kata_tl(&(w)->tlog, (s)->now, __VA_ARGS__)

static int pnode(const struct world *w, int p)
{
    return w->na + p;
}

static void send(struct sim *s, struct world *w, int from, int to, int type, const struct msg *m)
{
    net_send(s, from, to, type, m, sizeof(*m));
    if (w->tlog.on && w->nsteps < 4000) {
        XGROW(w->steps, w->steps_cap, w->nsteps + 1);
        w->steps[w->nsteps++] = (struct step){s->now, -1, from, to, type, m->ok != 0};
    }
}

static void mark_received(struct world *w, struct sim *s, const struct sim_msg *m)
{
    for (size_t i = w->nsteps; i-- > 0;) {
        struct step *st = &w->steps[i];
        if (st->from == m->from && st->to == m->to && st->type == m->type && st->sent == m->sent_at) {
            if (st->recv < 0)
                st->recv = s->now;
            return;
        }
    }
}

static void after_event(struct sim *s)
{
    (void)s; /* every check runs where its event is recorded (chosen_* calls in the handlers) */
}

static void note_violation(struct sim *s, struct world *w, int before)
{
    if (w->chk.violations > before) {
        tl(s, w, "VIOLATION: %s", w->chk.last);
        trace_event(s->trace, s->now, -1, "violation", "\"what\":\"%s\"", w->chk.last);
    }
}

/* ---- the proposer (Paxos Made Simple, section 2.2) ---- */

static void start_round(struct sim *s, struct world *w, int p)
{
    struct proposer *pr = &w->prop[p];
    pr->round++;
    pr->ballot = BALLOT(pr->round, p);
    pr->phase = PREPARING;
    pr->promises = pr->accepts = 0;
    pr->best_ballot = 0;
    pr->best_value = -1;
    pr->attempts++;
    w->prepares++;
    char bs[32];
    fmt_ballot(pr->ballot, bs, sizeof(bs));
    tl(s, w, "p%d prepare(%s) to all %d acceptors", p, bs, w->na);
    trace_event(s->trace, s->now, pnode(w, p), "prepare", "\"ballot\":%lld", (long long)pr->ballot);
    struct msg m = {.ballot = pr->ballot, .value = -1};
    for (int a = 0; a < w->na; a++)
        send(s, w, pnode(w, p), a, M_PREPARE, &m);
    sim_cancel(s, pr->round_timer);
    pr->round_timer = sim_timer(s, pnode(w, p), w->round_timeout, T_ROUND, (uint64_t)pr->ballot);
}

/* Preempted (a nack, or no quorum in time): try again later with a higher ballot. Randomized backoff grows with
 * each attempt so one proposer's whole round can fit between the other's. */
static void retry(struct sim *s, struct world *w, int p, int64_t seen)
{
    struct proposer *pr = &w->prop[p];
    if (ROUND_OF(seen) > pr->round)
        pr->round = ROUND_OF(seen);
    pr->phase = IDLE;
    sim_cancel(s, pr->round_timer);
    pr->round_timer = 0;
    sim_time d = 0;
    if (w->backoff == BACKOFF_RANDOM) {
        int shift = pr->attempts < 6 ? pr->attempts : 6;
        d = rng_range(sim_rng(s, pnode(w, p)), 0, w->backoff_base << shift);
    }
    sim_timer(s, pnode(w, p), d, T_RETRY, 0);
}

/* A nack: acceptor a promised a higher ballot. */
static void preempted(struct sim *s, struct world *w, int p, int a, int64_t promised, const char *where)
{
    char ps[32], bs[32];
    fmt_ballot(promised, ps, sizeof(ps));
    fmt_ballot(w->prop[p].ballot, bs, sizeof(bs));
    w->preemptions++;
    tl(s, w, "p%d preempted%s: a%d promised %s > %s", p, where, a, ps, bs);
    retry(s, w, p, promised);
}

static void on_promise(struct sim *s, struct world *w, int p, int a, const struct msg *m)
{
    struct proposer *pr = &w->prop[p];
    if (pr->phase != PREPARING || m->ballot != pr->ballot)
        return;
    if (!m->ok) {
        preempted(s, w, p, a, m->promised, "");
        return;
    }
    char bs[32];
    fmt_ballot(pr->ballot, bs, sizeof(bs));
    pr->promises |= 1ULL << a;
    if (m->acc_ballot > pr->best_ballot) {
        pr->best_ballot = m->acc_ballot;
        pr->best_value = m->value;
    }
    if (__builtin_popcountll(pr->promises) < w->q)
        return;
    /* Phase 2a: the value of the highest-numbered proposal among the promises, or any value if none. */
    pr->value = pr->best_value >= 0 && !w->bug_own_value ? pr->best_value : pr->own;
    pr->phase = ACCEPTING;
    struct buf why;
    buf_init(&why);
    int before = w->chk.violations;
    chosen_proposal(&w->chk, pr->ballot, pr->promises, pr->value, &why);
    char best[48] = "none";
    if (pr->best_value >= 0) {
        char b2[32];
        fmt_ballot(pr->best_ballot, b2, sizeof(b2));
        snprintf(best, sizeof(best), "(%s,'%c')", b2, letter(pr->best_value));
    }
    tl(s, w, "p%d %s: %s; highest accepted reported %s -> accept(%s,'%c')", p, bs, why.data, best, bs,
       letter(pr->value));
    trace_event(s->trace, s->now, pnode(w, p), "propose", "\"ballot\":%lld,\"value\":%d,\"quorum\":%llu",
                (long long)pr->ballot, pr->value, (unsigned long long)pr->promises);
    note_violation(s, w, before);
    buf_close(&why);
    struct msg acc = {.ballot = pr->ballot, .value = pr->value};
    for (int i = 0; i < w->na; i++)
        send(s, w, pnode(w, p), i, M_ACCEPT, &acc);
}

static void on_accepted(struct sim *s, struct world *w, int p, int a, const struct msg *m)
{
    struct proposer *pr = &w->prop[p];
    if (pr->phase != ACCEPTING || m->ballot != pr->ballot)
        return;
    if (!m->ok) {
        preempted(s, w, p, a, m->promised, " in phase 2");
        return;
    }
    pr->accepts |= 1ULL << a;
    if (__builtin_popcountll(pr->accepts) < w->q)
        return;
    pr->phase = DECIDED;
    pr->decided = pr->value;
    pr->decided_at = s->now;
    sim_cancel(s, pr->round_timer);
    pr->round_timer = 0;
    struct buf set;
    buf_init(&set);
    chosen_format_set(pr->accepts, &set);
    tl(s, w, "p%d learns '%c': accepted by %s", p, letter(pr->value), set.data);
    buf_close(&set);
    trace_event(s->trace, s->now, pnode(w, p), "learn", "\"value\":%d", pr->value);
    int before = w->chk.violations;
    chosen_learned(&w->chk, p, pr->value);
    note_violation(s, w, before);
}

/* ---- the acceptor ---- */

static void on_prepare(struct sim *s, struct world *w, int a, int from, const struct msg *m)
{
    struct acceptor *ac = &w->acc[a];
    char bs[32];
    fmt_ballot(m->ballot, bs, sizeof(bs));
    struct msg r = {.ballot = m->ballot, .promised = ac->promised, .value = ac->acc_value,
                    .acc_ballot = ac->acc_ballot};
    if (m->ballot > ac->promised) {
        ac->promised = m->ballot;
        r.ok = 1;
        char ab[48] = "nothing";
        if (ac->acc_ballot) {
            char b2[32];
            fmt_ballot(ac->acc_ballot, b2, sizeof(b2));
            snprintf(ab, sizeof(ab), "(%s,'%c')", b2, letter(ac->acc_value));
        }
        tl(s, w, "a%d promises %s to p%d, reports accepted %s", a, bs, from - w->na, ab);
        trace_event(s->trace, s->now, a, "promise", "\"ballot\":%lld,\"acc_ballot\":%lld,\"acc_value\":%d",
                    (long long)m->ballot, (long long)ac->acc_ballot, ac->acc_value);
    }
    send(s, w, a, from, M_PROMISE, &r);
}

static void on_accept(struct sim *s, struct world *w, int a, int from, const struct msg *m)
{
    struct acceptor *ac = &w->acc[a];
    struct msg r = {.ballot = m->ballot, .promised = ac->promised, .value = m->value};
    /* Phase 2b: accept unless it promised a higher ballot. */
    if (m->ballot >= ac->promised || w->bug_no_promise) {
        if (m->ballot > ac->promised)
            ac->promised = m->ballot;
        ac->acc_ballot = m->ballot;
        ac->acc_value = m->value;
        r.ok = 1;
        char bs[32];
        fmt_ballot(m->ballot, bs, sizeof(bs));
        tl(s, w, "a%d accepts (%s,'%c')", a, bs, letter(m->value));
        trace_event(s->trace, s->now, a, "accepted", "\"ballot\":%lld,\"value\":%d", (long long)m->ballot, m->value);
        int before = w->chk.violations;
        bool was = w->chk.value >= 0;
        chosen_accepted(&w->chk, a, m->ballot, m->value);
        if (!was && w->chk.value >= 0) {
            w->chosen_at = s->now;
            tl(s, w, "** '%c' is CHOSEN: a majority (%d of %d) accepted ballot %s", letter(m->value),
               w->na / 2 + 1, w->na, bs);
        }
        note_violation(s, w, before);
    }
    send(s, w, a, from, M_ACCEPTED, &r);
}

static void on_message(struct sim *s, node_id self, const struct sim_msg *sm)
{
    struct world *w = s->user;
    struct msg m;
    memcpy(&m, sm->data, sizeof(m));
    if (w->tlog.on)
        mark_received(w, s, sm);
    switch (sm->type) {
    case M_PREPARE:
        on_prepare(s, w, self, sm->from, &m);
        break;
    case M_ACCEPT:
        on_accept(s, w, self, sm->from, &m);
        break;
    case M_PROMISE:
        on_promise(s, w, self - w->na, sm->from, &m);
        break;
    case M_ACCEPTED:
        on_accepted(s, w, self - w->na, sm->from, &m);
        break;
    }
}

static void on_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    struct world *w = s->user;
    int p = self - w->na;
    struct proposer *pr = &w->prop[p];
    if (pr->phase == DECIDED)
        return;
    if (kind == T_START || kind == T_RETRY) {
        start_round(s, w, p);
    } else if (kind == T_ROUND && (int64_t)arg == pr->ballot && (pr->phase == PREPARING || pr->phase == ACCEPTING)) {
        tl(s, w, "p%d: no quorum within %.0fms, retries", p, (double)w->round_timeout / 1e6);
        pr->round_timer = 0;
        retry(s, w, p, 0);
    }
}

static void on_crash(struct sim *s, node_id self)
{
    struct world *w = s->user;
    tl(s, w, "%s%d CRASHES", self < w->na ? "a" : "p", self < w->na ? self : self - w->na);
}

static void on_restart(struct sim *s, node_id self)
{
    struct world *w = s->user;
    tl(s, w, "%s%d restarts", self < w->na ? "a" : "p", self < w->na ? self : self - w->na);
    if (self < w->na)
        return; /* acceptors keep promised and accepted: they are durable */
    struct proposer *pr = &w->prop[self - w->na];
    pr->round_timer = 0;
    if (pr->phase != DECIDED) {
        pr->phase = IDLE;
        sim_timer(s, self, 0, T_START, 0);
    }
}

/* ---- the run ---- */

struct params {
    long na, np;
    int64_t timeout, base, spread, duration;
    int backoff;
    struct dist latency;
    double loss, dup;
};

static bool read_params(struct kata_ctx *ctx, struct params *p)
{
    const struct kata *k = &kata_paxos;
    static const char *const backoffs[] = {"none", "random", NULL};
    if (!kata_get_int(ctx, k, "acceptors", 1, MAXA, &p->na) ||
        !kata_get_int(ctx, k, "proposers", 1, MAXP, &p->np) ||
        !kata_get_choice(ctx, k, "backoff", backoffs, &p->backoff) ||
        !kata_get_duration(ctx, k, "backoff_base", &p->base) ||
        !kata_get_duration(ctx, k, "round_timeout", &p->timeout) ||
        !kata_get_duration(ctx, k, "start_spread", &p->spread) ||
        !kata_get_duration_in(ctx, k, "duration", 0, 3600 * NS_PER_S, &p->duration) ||
        !kata_get_double(ctx, k, "loss", 0, 0.9, &p->loss) ||
        !kata_get_double(ctx, k, "duplicate", 0, 0.9, &p->dup))
        return false;
    if (!kata_get_dist(ctx, k, "latency", &p->latency))
        return false;
    if (p->timeout <= 0 || p->base <= 0 || p->duration <= p->spread) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad times: need round_timeout > 0, backoff_base > 0 and duration > start_spread");
        return false;
    }
    /* Until a value is chosen every proposer starts a round, to every acceptor, each round_timeout (under
     * loss) or once preempted: a round trip later plus its backoff. Duplicates multiply requests and replies.
     */
    double round = 2 * dist_mean(&p->latency) + (p->backoff ? (double)p->base / 2 : 0);
    round = round < (double)NS_PER_US ? (double)NS_PER_US : round;
    round = round > (double)p->timeout ? (double)p->timeout : round;
    return kata_bound_work(
        ctx, (double)p->duration / round * (double)(p->np * p->na) * (1 + p->dup) * (1 + p->dup), 4e5,
        "messages (duration / min(round_timeout, round trip + backoff_base/2) x proposers x "
        "acceptors x (1+duplicate)^2)",
        "lower duration, proposers, acceptors or duplicate, or raise round_timeout");
}

static void draw(struct buf *b, const struct world *w, sim_time end)
{
    int n = w->na + w->np, lane = 40, top = 40, width = 1100;
    int height = top + n * lane + 50;
    double x0 = 60, scale = (width - x0 - 20) / (double)(end > 0 ? end : 1);
    svg_begin(b, width, height, "paxos: prepare, promise, accept, accepted over time");
    static const char *colors[] = {"", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd"};
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof(name), i < w->na ? "a%d" : "p%d", i < w->na ? i : i - w->na);
        svg_text(b, 10, top + i * lane + 4, 13, "start", "black", name);
        svg_line(b, x0, top + i * lane, width - 20, top + i * lane, "#cccccc", 1, NULL);
    }
    for (size_t i = 0; i < w->nsteps; i++) {
        const struct step *st = &w->steps[i];
        if (st->recv < 0)
            continue;
        const char *c = (st->type == M_PROMISE || st->type == M_ACCEPTED) && !st->ok ? "#d62728" : colors[st->type];
        svg_arrow(b, x0 + (double)st->sent * scale, top + st->from * lane, x0 + (double)st->recv * scale,
                  top + st->to * lane, c);
    }
    if (w->chosen_at)
        svg_line(b, x0 + (double)w->chosen_at * scale, top - 10, x0 + (double)w->chosen_at * scale,
                 top + n * lane - 20, "#000000", 2, NULL);
    int y = top + n * lane;
    static const char *names[] = {"", "prepare", "promise", "accept", "accepted"};
    for (int k = 1; k <= 4; k++) {
        svg_rect(b, x0 + (k - 1) * 120, y, 14, 14, colors[k], NULL);
        svg_text(b, x0 + (k - 1) * 120 + 20, y + 12, 12, "start", "black", names[k]);
    }
    svg_rect(b, x0 + 480, y, 14, 14, "#d62728", NULL);
    svg_text(b, x0 + 500, y + 12, 12, "start", "black", "nack (preempted); black bar: value chosen");
    svg_end(b);
}

static void report(struct kata_ctx *ctx, struct world *w, struct sim *s, const struct params *p,
                   const struct fault_plan *plan)
{
    char lat[96];
    dist_format(&p->latency, lat, sizeof(lat));
    buf_printf(&ctx->text,
               "paxos: %d acceptors (quorum %d), %d proposers, latency %s, loss %g, duplicate %g, backoff %s%s%s\n",
               w->na, w->q, w->np, lat, p->loss, p->dup, p->backoff ? "random" : "none", ctx->bug ? ", bug " : "",
               ctx->bug ? ctx->bug : "");
    buf_puts(&ctx->text, "ballots are round.proposer; values: proposer p proposes its own letter ('a' + p)\n");
    if (plan->n) {
        struct buf f;
        buf_init(&f);
        fault_format(plan, w->na + w->np, &f);
        buf_printf(&ctx->text, "faults (nodes 0..%d are a0.., then p0..): %s\n", w->na + w->np - 1, f.data);
        buf_close(&f);
    }
    buf_printf(&ctx->text, "\ntrace:\n%s", w->tlog.text.data ? w->tlog.text.data : "");
    buf_printf(&ctx->text, "\nfinal state at %.0fms:\n", (double)s->now / 1e6);
    for (int a = 0; a < w->na; a++) {
        char pb[32], ab[32];
        fmt_ballot(w->acc[a].promised, pb, sizeof(pb));
        fmt_ballot(w->acc[a].acc_ballot, ab, sizeof(ab));
        buf_printf(&ctx->text, "  a%d  promised %-6s accepted (%s,'%c')\n", a, pb, ab, letter(w->acc[a].acc_value));
    }
    for (int i = 0; i < w->np; i++) {
        buf_printf(&ctx->text, "  p%d  %d round(s), ", i, w->prop[i].attempts);
        if (w->prop[i].phase == DECIDED)
            buf_printf(&ctx->text, "learned '%c' at %.3fms\n", letter(w->prop[i].decided),
                       (double)w->prop[i].decided_at / 1e6);
        else
            buf_puts(&ctx->text, "undecided\n");
    }
}

static int paxos_run(struct kata_ctx *ctx)
{
    struct params p;
    if (!read_params(ctx, &p))
        return -1;
    int nn = (int)(p.na + p.np);
    struct fault_plan plan;
    if (!kata_nemesis_plan(ctx, nn, &plan))
        return -1;
    struct world *w = xcalloc(1, sizeof(*w));
    w->na = (int)p.na;
    w->np = (int)p.np;
    w->q = kata_bug_is(ctx, "quorum-n-2") ? (w->na / 2 > 0 ? w->na / 2 : 1) : w->na / 2 + 1;
    w->bug_no_promise = kata_bug_is(ctx, "accept-without-promise");
    w->bug_own_value = kata_bug_is(ctx, "ignore-promised-value");
    w->round_timeout = p.timeout;
    w->backoff_base = p.base;
    w->backoff = (enum backoff)p.backoff;
    kata_timeline_init(&w->tlog, !ctx->quiet, 600);
    chosen_init(&w->chk, w->na, fmt_ballot);
    for (int a = 0; a < w->na; a++)
        w->acc[a].acc_value = -1;
    static const struct sim_node_ops ops = {on_message, on_timer, on_crash, on_restart};
    struct sim s;
    sim_init(&s, ctx->seed, nn, &ops, w);
    s.trace = ctx->trace;
    s.after_event = after_event;
    net_set_default(&s, &p.latency, p.loss, p.dup);
    for (int i = 0; i < w->np; i++) {
        w->prop[i].own = i;
        w->prop[i].decided = -1;
        sim_timer(&s, pnode(w, i), rng_range(sim_rng(&s, pnode(w, i)), 0, p.spread), T_START, 0);
    }
    sim_time faults_end = p.duration / 2;
    if (ctx->random_faults) {
        struct rng fr;
        rng_stream(&fr, ctx->seed, "faults", 0);
        fault_random(&plan, &fr, nn, 0, faults_end, (w->na - 1) / 2);
    }
    fault_schedule(&plan, &s);
    sim_run_until(&s, p.duration);
    int decided = 0;
    sim_time last = 0;
    for (int i = 0; i < w->np; i++)
        if (w->prop[i].phase == DECIDED) {
            decided++;
            if (w->prop[i].decided_at > last)
                last = w->prop[i].decided_at;
        }
    kata_check(ctx, "at-most-one-value-chosen", w->chk.violations == 0, "%s",
               w->chk.violations ? w->chk.first
                                 : "one value at most reached a majority, every proposal after it carried it, every "
                                   "learner learned it (checked at every promise quorum, accept and learn)");
    bool faulty = ctx->random_faults || ctx->nemesis;
    kata_check(ctx, faulty ? "every-proposer-learns-after-heal" : "every-proposer-learns", decided == w->np,
               "%d of %d proposers learned a value by %.0fms%s", decided, w->np, (double)p.duration / 1e6,
               faulty ? " (faults end halfway)" : "");
    int64_t rounds = 0;
    for (int i = 0; i < w->np; i++)
        rounds += w->prop[i].attempts;
    if (w->chosen_at)
        kata_figure(ctx, "time_to_choose_ms", (double)w->chosen_at / 1e6);
    if (decided == w->np)
        kata_figure(ctx, "time_all_learn_ms", (double)last / 1e6);
    kata_figure(ctx, "rounds", (double)rounds);
    kata_figure(ctx, "preemptions", (double)w->preemptions);
    kata_figure(ctx, "messages", (double)s.stats.sent);
    if (!ctx->quiet)
        report(ctx, w, &s, &p, &plan);
    if (ctx->svg)
        draw(ctx->svg, w, s.now < p.duration ? s.now : (last ? last + 20 * MS : p.duration));
    sim_close(&s);
    fault_plan_close(&plan);
    chosen_close(&w->chk);
    kata_timeline_close(&w->tlog);
    free(w->steps);
    free(w);
    return 0;
}


/* ---- the exercise: a Paxos trace to fill in by hand (lane 4: "3 Paxos traces with quorum-intersection check, at
 * least one with a competing proposer") ---- */

struct ex_prop {
    int64_t round, ballot, best_ballot;
    int best_value;
    uint64_t promises;
    bool ready; /* holds a promise quorum for ballot */
};

/* The exercise's state between steps. */
struct ex_world {
    int na, np;
    bool own_value; /* the bug ignore-promised-value (the drill's variant) */
    struct rng r;
    struct acceptor acc[MAXA];
    struct ex_prop pr[MAXP];
    int64_t top;
    struct chosen chk;
};

static void set_str(uint64_t set, struct buf *out)
{
    chosen_format_set(set, out);
}

/* Phase 1: p prepares a new ballot; the acceptors in reach answer at once. */
static void ex_prepare(struct ex_world *e, int k, int p, struct buf *set, struct paxos_ex_step *st, struct buf *q,
                       struct buf *a)
{
    struct ex_prop *x = &e->pr[p];
    char bs[32];
    x->round = (e->top > x->round ? e->top : x->round) + 1;
    e->top = x->round;
    x->ballot = BALLOT(x->round, p);
    x->promises = 0;
    x->best_ballot = 0;
    x->best_value = -1;
    fmt_ballot(x->ballot, bs, sizeof(bs));
    buf_printf(q, "%2d. p%d sends prepare(%s); it reaches %s. Who promises, and what does each report?\n", k, p, bs,
               set->data);
    buf_printf(a, "%2d.", k);
    for (int i = 0; i < e->na; i++) {
        struct acceptor *ac = &e->acc[i];
        if (!((st->reach >> i) & 1))
            continue;
        if (x->ballot > ac->promised) {
            ac->promised = x->ballot;
            x->promises |= 1ULL << i;
            if (ac->acc_ballot > x->best_ballot) {
                x->best_ballot = ac->acc_ballot;
                x->best_value = ac->acc_value;
            }
            char ab[32];
            fmt_ballot(ac->acc_ballot, ab, sizeof(ab));
            if (ac->acc_ballot)
                buf_printf(a, " a%d promises, reports (%s,'%c');", i, ab, letter(ac->acc_value));
            else
                buf_printf(a, " a%d promises, reports nothing;", i);
        } else {
            char pb[32];
            fmt_ballot(ac->promised, pb, sizeof(pb));
            buf_printf(a, " a%d refuses (promised %s);", i, pb);
        }
    }
    x->ready = __builtin_popcountll(x->promises) >= e->na / 2 + 1;
    buf_printf(a, " p%d %s.\n", p, x->ready ? "has a promise quorum" : "has no quorum: it must prepare again");
    st->ballot = x->ballot;
    st->yes = x->promises;
    st->quorum = x->ready;
    st->best_ballot = x->best_ballot;
    st->best_value = x->best_value;
}

/* Phase 2: p, holding a promise quorum, sends accept; check/chosen judges the proposal and every accept. */
static void ex_accept(struct ex_world *e, int k, int p, struct buf *set, struct paxos_ex_step *st, struct buf *q,
                      struct buf *a)
{
    struct ex_prop *x = &e->pr[p];
    struct chosen *chk = &e->chk;
    char bs[32];
    int must = x->best_value >= 0 ? x->best_value : p, v = e->own_value ? p : must;
    fmt_ballot(x->ballot, bs, sizeof(bs));
    buf_printf(q, "%2d. p%d, holding promises for %s, sends accept to %s. Which value must it send, which "
                  "acceptors accept, and is a value chosen now?\n",
               k, p, bs, set->data);
    struct buf why;
    buf_init(&why);
    int before = chk->violations;
    chosen_proposal(chk, x->ballot, x->promises, v, &why);
    buf_printf(a, "%2d. value '%c' (%s; %s). ", k, letter(v),
               x->best_value >= 0 ? "the highest accepted proposal among the promises" : "nothing reported: its own",
               why.data);
    snprintf(st->why, sizeof(st->why), "%s", why.data);
    buf_close(&why);
    for (int i = 0; i < e->na; i++) {
        struct acceptor *ac = &e->acc[i];
        if (!((st->reach >> i) & 1))
            continue;
        if (x->ballot >= ac->promised) {
            ac->promised = x->ballot;
            ac->acc_ballot = x->ballot;
            ac->acc_value = v;
            st->yes |= 1ULL << i;
            buf_printf(a, "a%d accepts; ", i);
            bool was = chk->value >= 0;
            chosen_accepted(chk, i, x->ballot, v);
            if (!was && chk->value >= 0)
                buf_printf(a, "now '%c' is CHOSEN (a majority accepted %s); ", letter(v), bs);
        } else {
            char pb[32];
            fmt_ballot(ac->promised, pb, sizeof(pb));
            buf_printf(a, "a%d refuses (promised %s); ", i, pb);
        }
    }
    buf_puts(a, "\n");
    x->ready = false; /* its next turn starts a higher ballot */
    st->ballot = x->ballot;
    st->must = must;
    st->value = v;
    st->safe = chk->violations == before;
    if (!st->safe)
        snprintf(st->why, sizeof(st->why), "%s", chk->last);
    for (size_t i = 0; i < chk->nb; i++)
        if (chk->b[i].ballot == x->ballot)
            st->quorum = __builtin_popcountll(chk->b[i].accepted) >= chk->majority;
}

/* One step drawn from the rng: a proposer prepares (a new ballot) or, holding a promise quorum, sends accept. The
 * acceptors it reaches answer at once. The question goes to q, the answer to a, the facts to st. */
static void ex_step(struct ex_world *e, int k, struct paxos_ex_step *st, struct buf *q, struct buf *a)
{
    int p = (int)rng_below(&e->r, (uint64_t)e->np);
    uint64_t reach = 0;
    while (__builtin_popcountll(reach) < (int)rng_range(&e->r, e->na / 2 + 1, e->na))
        reach |= 1ULL << rng_below(&e->r, (uint64_t)e->na);
    struct buf set;
    buf_init(&set);
    set_str(reach, &set);
    *st = (struct paxos_ex_step){.proposer = p, .accept = e->pr[p].ready, .reach = reach, .best_value = -1,
                                 .must = -1, .value = -1};
    if (st->accept)
        ex_accept(e, k, p, &set, st, q, a);
    else
        ex_prepare(e, k, p, &set, st, q, a);
    buf_close(&set);
}

/* The whole trace for seed: questions into q, answers into a, facts into x; e->chk is left open for the caller. */
static void ex_generate(struct ex_world *e, uint64_t seed, int na, int np, bool own_value, struct paxos_ex *x,
                        struct buf *q, struct buf *a)
{
    memset(e, 0, sizeof(*e));
    e->na = na;
    e->np = np;
    e->own_value = own_value;
    rng_stream(&e->r, seed, "exercise", 0);
    for (int i = 0; i < na; i++)
        e->acc[i] = (struct acceptor){0, 0, -1};
    chosen_init(&e->chk, na, fmt_ballot);
    memset(x, 0, sizeof(*x));
    x->na = na;
    x->np = np;
    x->nsteps = (int)rng_range(&e->r, 7, PAXOS_EX_MAXSTEPS);
    for (int k = 1; k <= x->nsteps; k++)
        ex_step(e, k, &x->step[k - 1], q, a);
    x->chosen = e->chk.value;
    x->chosen_ballot = e->chk.ballot;
    x->chosen_quorum = e->chk.quorum;
    x->violations = e->chk.violations;
}

void paxos_ex_make(struct paxos_ex *x, uint64_t seed, int na, int np, bool own_value)
{
    assert(na >= 1 && na <= MAXA && np >= 2 && np <= MAXP);
    struct ex_world *e = xmalloc(sizeof(*e));
    struct buf q, a;
    buf_init(&q);
    buf_init(&a);
    ex_generate(e, seed, na, np, own_value, x, &q, &a);
    chosen_close(&e->chk);
    buf_close(&q);
    buf_close(&a);
    free(e);
}

void paxos_fmt_ballot(int64_t ballot, char *out, size_t len)
{
    fmt_ballot(ballot, out, len);
}

static int paxos_exercise(struct kata_ctx *ctx, bool answers)
{
    struct params p;
    if (!read_params(ctx, &p))
        return -1;
    if (p.np < 2) {
        snprintf(ctx->error, sizeof(ctx->error), "the exercise needs at least 2 proposers (got %ld)", p.np);
        return -1;
    }
    struct ex_world *e = xmalloc(sizeof(*e));
    struct paxos_ex *x = xmalloc(sizeof(*x));
    struct buf q, a;
    buf_init(&q);
    buf_init(&a);
    ex_generate(e, ctx->seed, (int)p.na, (int)p.np, false, x, &q, &a);
    struct chosen *chk = &e->chk;
    buf_printf(&ctx->text,
               "Exercise (a Paxos trace with competing proposers, seed %llu)\n\n"
               "%ld acceptors a0..a%ld (a quorum is %ld), %ld proposers; p proposes its own value 'a'+p unless a "
               "promise reports an accepted one. Ballots are round.proposer. Every message that reaches an acceptor "
               "is answered at once; nothing else happens in between. For each step, answer the question; at every "
               "accept, write the quorum-intersection argument.\n\n%s",
               (unsigned long long)ctx->seed, p.na, p.na - 1, p.na / 2 + 1, p.np, q.data);
    buf_puts(&ctx->text, "\nFinally: which value is chosen at the end, if any, and by which acceptors?\n");
    if (answers) {
        buf_printf(&ctx->text, "\nAnswer key\n\n%s", a.data);
        if (chk->value >= 0) {
            struct buf set;
            buf_init(&set);
            chosen_format_set(chk->quorum, &set);
            char bs[32];
            fmt_ballot(chk->ballot, bs, sizeof(bs));
            buf_printf(&ctx->text, "\nChosen: '%c', first by %s in ballot %s.\n", letter(chk->value), set.data, bs);
            buf_close(&set);
        } else {
            buf_puts(&ctx->text, "\nChosen: nothing yet (no ballot reached a majority of accepts).\n");
        }
        kata_check(ctx, "key-at-most-one-value-chosen", chk->violations == 0, "%s",
                   chk->violations ? chk->first : "src/check/chosen.c finds the key's trace safe");
    }
    chosen_close(chk);
    buf_close(&q);
    buf_close(&a);
    free(x);
    free(e);
    return 0;
}

static const struct kata_param params[] = {
    {"acceptors", "3", "number of acceptors (a quorum is a majority)"},
    {"proposers", "2", "competing proposers, each with its own value"},
    {"latency", "uniform:1ms,10ms", "one-way message latency distribution"},
    {"loss", "0", "probability a message is lost"},
    {"duplicate", "0", "probability a message is delivered twice"},
    {"backoff", "random", "after a preemption: none (retry at once: duelling proposers) or random (exponential)"},
    {"backoff_base", "10ms", "randomized backoff: uniform in [0, base * 2^attempt], attempt capped at 6"},
    {"round_timeout", "100ms", "a round without a quorum by then is retried (lost messages, crashed acceptors)"},
    {"start_spread", "5ms", "proposers start at uniform times in [0, start_spread]"},
    {"duration", "2s", "virtual time to run (swarm faults end halfway)"},
};

static const struct kata_bug bugs[] = {
    {"accept-without-promise", "an acceptor accepts a ballot lower than the one it promised"},
    {"quorum-n-2", "quorums of N/2 (rounded down, at least 1) instead of a majority: two quorums may not meet"},
    {"ignore-promised-value", "the proposer proposes its own value even when a promise reports an accepted one"},
};

const struct kata kata_paxos = {
    .name = "paxos",
    .summary = "single-decree Paxos, competing proposers: quorum intersection at each step, livelock and backoff",
    .drill = "Book Exercise Lanes, lane 4 (Consensus): 3 Paxos traces with quorum-intersection check, at least one "
             "with a competing proposer (module 004)",
    .time_limit = "one trace by hand per sitting",
    .repeat_until = "you can predict every promise, the value each proposal must carry and the chosen value before "
                    "reading the trace",
    .what = "Acceptors keep promised and accepted (durable); proposers run prepare/promise then accept/accepted with "
            "ballots round.proposer. At every promise quorum the trace writes out the quorum-intersection argument: "
            "the quorum meets every quorum that chose a value below its ballot, so it must carry that value. "
            "Duelling proposers preempt each other; backoff=none retries at once, backoff=random waits a random, "
            "growing time. Swarms add crashes, pauses, partitions from the seed (and loss or duplication if set).",
    .reading = "The trace lists each prepare, promise (with what the acceptor had accepted), the proposal with its "
               "quorum-intersection argument, accepts, preemptions (nacks), the moment a value is CHOSEN, and what "
               "each proposer learns. at-most-one-value-chosen is checked at every event by src/check/chosen.c. "
               "Figures: time to choose, rounds (prepares), preemptions, messages. --svg draws the message "
               "diagram.",
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .bugs = bugs,
    .nbugs = sizeof(bugs) / sizeof(bugs[0]),
    .run = paxos_run,
    .picture = true,
    .exercise = paxos_exercise,
    .exercise_what = "a Paxos trace with competing proposers: fill in promises, proposed values, accepts and the "
                     "chosen value, with the quorum-intersection argument",
};
