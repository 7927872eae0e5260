/* Kata `raft-election`: a toy Raft leader election (module 001, Kata 2; Raft paper, Figure 2 and section 5.2).
 * Scenario: elect; crash the leader; exactly one new leader within a bound; partition 2|3: the majority side
 * elects, the minority does not; heal: one leader. Election safety, one vote per node per term, terms never
 * decreasing and the up-to-date rule (a new leader holds every committed entry) are checked after every event. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fault.h"
#include "core/sim.h"
#include "core/units.h"
#include "katas/kata.h"
#include "katas/raft.h"
#include "report/svg.h"

#define MAXN 64
#define MAXLOG 16
#define MAXTERMS 4096
#define MS NS_PER_MS

extern const struct kata kata_raft_election;

enum { T_ELECTION = 1, T_HEARTBEAT = 2 };
enum { M_VOTE_REQ = 1, M_VOTE_RESP, M_APPEND, M_APPEND_RESP };

struct msg {
    int64_t term;
    int32_t last_index; /* RequestVote: candidate's last log index and term */
    int64_t last_term;
    int32_t granted; /* responses */
};

struct rnode {
    struct raft_server rs; /* term, votedFor durable (but see the bugs); role, votes not */
    /* durable */
    int loglen;
    int64_t log[MAXLOG]; /* the term of each entry, index 1..loglen stored at [0..loglen-1] */
    /* volatile */
    struct raft_timer timer; /* deadline < 0: no election timeout (a leader) */
};

/* A state interval, for the timeline picture. */
struct span {
    int node;
    sim_time from, to;
    int state; /* role, or 3 = crashed */
    int64_t term;
};

/* A moment for the picture: a heartbeat (node >= 0) or a scenario mark such as a partition (node < 0). */
struct mark {
    sim_time at;
    int node;
    char label[24];
};

struct vote_rec {
    sim_time at;
    int voter, cand;
    int64_t term;
};

struct world {
    int n;
    sim_time tmin, tmax, heartbeat;
    bool bug_vote_twice, bug_no_log_check, bug_forget_vote, bug_volatile_term;
    struct rnode nodes[MAXN];
    int committed; /* length of the prefix held by a majority at the start */
    int64_t committed_log[MAXLOG];
    /* checker state, built from events only */
    int8_t leader_of_term[MAXTERMS]; /* -1 none; a node id fits, as MAXN is 64 */
    int64_t last_term_seen[MAXN];
    int prev_role[MAXN];
    struct vote_rec *votes;
    size_t nvotes, votes_cap;
    char first_violation[256];
    int violations;
    /* figures */
    sim_time first_leader_at;
    int64_t elections, leaders_elected;
    /* timeline */
    bool record;
    struct kata_timeline timeline;
    struct span *spans;
    size_t nspans, spans_cap;
    struct mark *marks;
    size_t nmarks, marks_cap;
    sim_time span_start[MAXN];
    int span_state[MAXN];
    int64_t span_term[MAXN];
    struct kata_ctx *ctx;
};

#define tl(s, w, ...) kata_tl(&(w)->timeline, (s)->now, __VA_ARGS__)

static void violation(struct world *w, struct sim *s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void violation(struct world *w, struct sim *s, const char *fmt, ...)
{
    w->violations++;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!w->first_violation[0])
        snprintf(w->first_violation, sizeof(w->first_violation), "at %.3fms: %s", (double)s->now / 1e6, msg);
    tl(s, w, "VIOLATION: %s", msg);
    trace_event(s->trace, s->now, -1, "violation", "\"what\":\"%s\"", msg);
}

static void mark(struct sim *s, struct world *w, int node, const char *label)
{
    if (!w->record)
        return;
    XGROW(w->marks, w->marks_cap, w->nmarks + 1);
    struct mark *m = &w->marks[w->nmarks++];
    m->at = s->now;
    m->node = node;
    snprintf(m->label, sizeof(m->label), "%s", label);
}

static void reset_election_timer(struct sim *s, struct world *w, int id)
{
    raft_timer_reset(s, id, &w->nodes[id].timer, w->tmin, w->tmax, T_ELECTION);
}

static void send(struct sim *s, int from, int to, int type, const struct msg *m)
{
    net_send(s, from, to, type, m, sizeof(*m));
}

/* Figure 2, "All Servers" (raft_observe_term), with its timeline line and trace event. */
static void observe_term(struct sim *s, struct world *w, int id, int64_t term)
{
    struct raft_server *rs = &w->nodes[id].rs;
    struct raft_server was = *rs;
    if (!raft_observe_term(rs, term))
        return;
    if (was.role != RAFT_FOLLOWER)
        tl(s, w, "n%d steps down: saw term %lld > %lld", id, (long long)term, (long long)was.term);
    trace_event(s->trace, s->now, id, "term", "\"term\":%lld,\"role\":\"follower\"", (long long)term);
}

static int64_t last_term(const struct rnode *nd)
{
    return nd->loglen ? nd->log[nd->loglen - 1] : 0;
}

/* An empty AppendEntries to every other node. */
static void heartbeat(struct sim *s, struct world *w, int id)
{
    struct msg hb = {.term = w->nodes[id].rs.term};
    raft_broadcast(s, id, w->n, M_APPEND, &hb, sizeof(hb));
}

static void become_leader(struct sim *s, struct world *w, int id)
{
    struct rnode *nd = &w->nodes[id];
    nd->rs.role = RAFT_LEADER;
    nd->timer.deadline = -1;
    w->leaders_elected++;
    if (!w->first_leader_at)
        w->first_leader_at = s->now;
    tl(s, w, "n%d becomes LEADER of term %lld (%d votes)", id, (long long)nd->rs.term,
       __builtin_popcountll(nd->rs.votes));
    trace_event(s->trace, s->now, id, "leader", "\"term\":%lld", (long long)nd->rs.term);
    heartbeat(s, w, id);
    sim_timer(s, id, w->heartbeat, T_HEARTBEAT, (uint64_t)nd->rs.term);
}

static void start_election(struct sim *s, struct world *w, int id)
{
    struct rnode *nd = &w->nodes[id];
    raft_become_candidate(&nd->rs, id);
    w->elections++;
    tl(s, w, "n%d times out, becomes candidate for term %lld", id, (long long)nd->rs.term);
    trace_event(s->trace, s->now, id, "candidate", "\"term\":%lld", (long long)nd->rs.term);
    reset_election_timer(s, w, id);
    struct msg rv = {.term = nd->rs.term, .last_index = nd->loglen, .last_term = last_term(nd)};
    raft_broadcast(s, id, w->n, M_VOTE_REQ, &rv, sizeof(rv));
    if (raft_majority(w->n) == 1)
        become_leader(s, w, id);
}

static void on_vote_request(struct sim *s, struct world *w, int id, int cand, const struct msg *m)
{
    struct rnode *nd = &w->nodes[id];
    observe_term(s, w, id, m->term);
    bool log_ok =
        raft_log_up_to_date(m->last_index, m->last_term, nd->loglen, last_term(nd)) || w->bug_no_log_check;
    bool grant = raft_may_grant(&nd->rs, m->term, cand, log_ok);
    if (w->bug_vote_twice) /* the bug: a vote already given in this term does not count */
        grant = m->term == nd->rs.term && log_ok;
    if (grant) {
        nd->rs.voted_for = cand;
        reset_election_timer(s, w, id);
        XGROW(w->votes, w->votes_cap, w->nvotes + 1);
        w->votes[w->nvotes++] = (struct vote_rec){s->now, id, cand, nd->rs.term};
        /* checker: at most one vote per node per term */
        for (size_t i = 0; i + 1 < w->nvotes; i++) {
            const struct vote_rec *v = &w->votes[i];
            if (v->voter == id && v->term == nd->rs.term && v->cand != cand)
                violation(w, s, "n%d voted twice in term %lld (for n%d and n%d)", id, (long long)nd->rs.term,
                          v->cand, cand);
        }
        tl(s, w, "n%d votes for n%d in term %lld", id, cand, (long long)nd->rs.term);
        trace_event(s->trace, s->now, id, "vote", "\"for\":%d,\"term\":%lld", cand, (long long)nd->rs.term);
    }
    struct msg r = {.term = nd->rs.term, .granted = grant};
    send(s, id, cand, M_VOTE_RESP, &r);
}

static void on_message(struct sim *s, node_id self, const struct sim_msg *sm)
{
    struct world *w = s->user;
    struct rnode *nd = &w->nodes[self];
    struct msg m;
    memcpy(&m, sm->data, sizeof(m));
    switch (sm->type) {
    case M_VOTE_REQ:
        on_vote_request(s, w, self, sm->from, &m);
        break;
    case M_VOTE_RESP:
        observe_term(s, w, self, m.term);
        if (raft_tally_vote(&nd->rs, m.term, sm->from, m.granted, w->n))
            become_leader(s, w, self);
        break;
    case M_APPEND: {
        observe_term(s, w, self, m.term);
        struct msg r = {.term = nd->rs.term, .granted = m.term == nd->rs.term};
        if (m.term == nd->rs.term) {
            if (nd->rs.role == RAFT_CANDIDATE) {
                tl(s, w, "n%d steps down: n%d is leader of term %lld", self, sm->from, (long long)m.term);
                nd->rs.role = RAFT_FOLLOWER;
            }
            reset_election_timer(s, w, self);
        }
        send(s, self, sm->from, M_APPEND_RESP, &r);
        break;
    }
    case M_APPEND_RESP:
        observe_term(s, w, self, m.term);
        break;
    }
}

static void on_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    struct world *w = s->user;
    struct rnode *nd = &w->nodes[self];
    if (kind == T_ELECTION) {
        bool live = nd->timer.deadline >= 0 && nd->rs.role != RAFT_LEADER;
        if (raft_timer_fired(s, self, &nd->timer, T_ELECTION, live))
            start_election(s, w, self);
    } else if (kind == T_HEARTBEAT && raft_heartbeat_due(&nd->rs, arg)) {
        heartbeat(s, w, self);
        mark(s, w, self, "");
        sim_timer(s, self, w->heartbeat, T_HEARTBEAT, arg);
    }
}

static void on_crash(struct sim *s, node_id self)
{
    struct world *w = s->user;
    tl(s, w, "n%d CRASHES (was %s of term %lld)", self, raft_role_name[w->nodes[self].rs.role],
       (long long)w->nodes[self].rs.term);
}

static void on_restart(struct sim *s, node_id self)
{
    struct world *w = s->user;
    struct rnode *nd = &w->nodes[self];
    nd->rs.role = RAFT_FOLLOWER;
    nd->rs.votes = 0;
    nd->timer = (struct raft_timer){.deadline = -1}; /* the crash dropped the old incarnation's timer */
    if (w->bug_forget_vote)
        nd->rs.voted_for = -1;
    if (w->bug_volatile_term) {
        nd->rs.term = 0;
        nd->rs.voted_for = -1;
    }
    tl(s, w, "n%d restarts as follower, term %lld", self, (long long)nd->rs.term);
    reset_election_timer(s, w, self);
}

/* Whether any node's term or role differs from what the checker last saw. Written with | rather than || so
 * that it has no branch on which node moved, which no branch predictor could learn. */
static bool any_moved(const struct world *w)
{
    bool moved = false;
    for (int i = 0; i < w->n; i++)
        moved |=
            (w->nodes[i].rs.term != w->last_term_seen[i]) | ((int)w->nodes[i].rs.role != w->prev_role[i]);
    return moved;
}

/* The checkers, after every event: election safety (at most one leader per term), terms never decrease, and a
 * new leader's log holds every committed entry. Votes are checked where they are granted. */
static void after_event(struct sim *s)
{
    struct world *w = s->user;
    /* Most events move no node's term or role; then there is nothing to check, and without a picture (a crash
     * changes only the picture's state) nothing to record either. */
    if (!w->record && !any_moved(w))
        return;
    for (int i = 0; i < w->n; i++) {
        struct rnode *nd = &w->nodes[i];
        int state = s->nodes[i].state == SIM_CRASHED ? 3 : (int)nd->rs.role;
        if (nd->rs.term < w->last_term_seen[i])
            violation(w, s, "n%d's term went back from %lld to %lld", i, (long long)w->last_term_seen[i],
                      (long long)nd->rs.term);
        w->last_term_seen[i] = nd->rs.term;
        if (nd->rs.role == RAFT_LEADER && w->prev_role[i] != RAFT_LEADER && state != 3) {
            int64_t t = nd->rs.term < MAXTERMS ? nd->rs.term : MAXTERMS - 1;
            if (w->leader_of_term[t] >= 0 && w->leader_of_term[t] != i)
                violation(w, s, "two leaders in term %lld: n%d and n%d", (long long)nd->rs.term,
                          w->leader_of_term[t], i);
            else
                w->leader_of_term[t] = (int8_t)i;
            bool complete = nd->loglen >= w->committed;
            for (int e = 0; complete && e < w->committed; e++)
                complete = nd->log[e] == w->committed_log[e];
            if (!complete)
                violation(w, s,
                          "n%d became leader of term %lld without the committed entries (its log has %d, "
                          "%d committed)",
                          i, (long long)nd->rs.term, nd->loglen, w->committed);
        }
        w->prev_role[i] = (int)nd->rs.role;
        if (w->record && (state != w->span_state[i] || nd->rs.term != w->span_term[i])) {
            XGROW(w->spans, w->spans_cap, w->nspans + 1);
            w->spans[w->nspans++] = (struct span){i, w->span_start[i], s->now, w->span_state[i], w->span_term[i]};
            w->span_start[i] = s->now;
            w->span_state[i] = state;
            w->span_term[i] = nd->rs.term;
        }
    }
}

/* Initial logs: a committed prefix on a majority (random terms, ascending), shorter or divergent logs elsewhere,
 * so that the up-to-date rule decides who may win. */
static void make_logs(struct world *w, struct rng *r)
{
    w->committed = (int)rng_range(r, 1, 4);
    int64_t term = 0;
    for (int e = 0; e < w->committed; e++) {
        term += rng_range(r, 0, 1);
        w->committed_log[e] = term ? term : 1;
        term = w->committed_log[e];
    }
    uint64_t holders = 0;
    while (__builtin_popcountll(holders) < raft_majority(w->n))
        holders |= 1ULL << rng_below(r, (uint64_t)w->n);
    for (int i = 0; i < w->n; i++) {
        struct rnode *nd = &w->nodes[i];
        bool holds = (holders >> i) & 1;
        nd->loglen = holds ? w->committed + (int)rng_range(r, 0, 2) : (int)rng_range(r, 0, w->committed - 1);
        for (int e = 0; e < nd->loglen; e++)
            nd->log[e] = e < w->committed ? w->committed_log[e] : term; /* uncommitted tail: same last term */
        nd->rs.term = nd->loglen ? nd->log[nd->loglen - 1] : 0;
        int64_t max_term = term;
        if (nd->rs.term < max_term)
            nd->rs.term = max_term; /* every node has seen the latest term */
        nd->rs.voted_for = -1;
        w->last_term_seen[i] = nd->rs.term;
    }
}

/* ---- the scripted scenario ---- */

static int count_leaders(struct sim *s, struct world *w, uint64_t mask, int64_t min_term, int *who)
{
    int c = 0;
    for (int i = 0; i < w->n; i++)
        if (((mask >> i) & 1) && s->nodes[i].state != SIM_CRASHED && w->nodes[i].rs.role == RAFT_LEADER &&
            w->nodes[i].rs.term >= min_term) {
            c++;
            *who = i;
        }
    return c;
}

static bool has_leader(struct sim *s, void *ctx)
{
    int who;
    return count_leaders(s, s->user, ~0ULL, *(int64_t *)ctx, &who) > 0;
}

static int64_t max_term(const struct world *w)
{
    int64_t t = 0;
    for (int i = 0; i < w->n; i++)
        if (w->nodes[i].rs.term > t)
            t = w->nodes[i].rs.term;
    return t;
}

struct params {
    long n;
    int64_t tmin, tmax, hb, crash_at, restart_at, partition_at, heal_at, duration, bound;
    struct dist latency;
    double loss;
};

static void scripted(struct sim *s, struct world *w, struct kata_ctx *ctx, const struct params *p)
{
    uint64_t all = (w->n >= 64) ? ~0ULL : ((1ULL << w->n) - 1);
    int64_t zero = 0;
    /* Phase 1: elect. */
    bool elected = sim_run_until_pred(s, has_leader, &zero, p->bound);
    if (elected)
        kata_check(ctx, "first-leader-within-bound", true, "first leader at %.1fms (bound %.0fms)",
                   (double)w->first_leader_at / 1e6, (double)p->bound / 1e6);
    else
        kata_check(ctx, "first-leader-within-bound", false, "no leader within the bound (%.0fms)",
                   (double)p->bound / 1e6);
    if (elected)
        kata_figure(ctx, "time_to_first_leader_ms", (double)w->first_leader_at / 1e6);
    sim_run_until(s, p->crash_at);
    /* Phase 2: crash the leader (its heartbeats stop); exactly one new leader within the bound. */
    int old = -1;
    count_leaders(s, w, all, 0, &old);
    if (old >= 0) {
        int64_t old_term = w->nodes[old].rs.term;
        int64_t elected_before = w->leaders_elected;
        sim_crash(s, old);
        mark(s, w, -1, "crash leader");
        int64_t next = old_term + 1;
        bool ok = sim_run_until_pred(s, has_leader, &next, p->crash_at + p->bound);
        int who = -1;
        int n = count_leaders(s, w, all, next, &who);
        bool one = ok && n == 1 && w->leaders_elected - elected_before == 1;
        if (ok && who >= 0)
            kata_check(
                ctx, "one-new-leader-after-crash", one,
                "n%d crashed at %.0fms; %lld leader(s) elected after it, n%d leads term %lld %.1fms later",
                old, (double)p->crash_at / 1e6, (long long)(w->leaders_elected - elected_before), who,
                (long long)w->nodes[who].rs.term, (double)(s->now - p->crash_at) / 1e6);
        else
            kata_check(ctx, "one-new-leader-after-crash", false,
                       "n%d crashed at %.0fms; no new leader within the bound (%.0fms)", old,
                       (double)p->crash_at / 1e6, (double)p->bound / 1e6);
        if (ok)
            kata_figure(ctx, "time_to_replace_leader_ms", (double)(s->now - p->crash_at) / 1e6);
        sim_run_until(s, p->restart_at);
        sim_restart(s, old);
    }
    /* Phase 3: partition 2|3 with the current leader on the minority side. */
    sim_run_until(s, p->partition_at);
    int lead = -1;
    count_leaders(s, w, all, 0, &lead);
    int groups[MAXN];
    int minority = (w->n - 1) / 2;
    uint64_t minority_mask = 0;
    for (int i = 0, placed = 0; i < w->n; i++) {
        int id = (lead >= 0 ? lead : 0) + i;
        id %= w->n;
        groups[id] = placed < minority ? 1 : 0;
        if (placed++ < minority)
            minority_mask |= 1ULL << id;
    }
    char side[128] = "";
    for (int i = 0, used = 0; i < w->n && used < 100; i++)
        if ((minority_mask >> i) & 1)
            used += snprintf(side + used, sizeof(side) - (size_t)used, "%sn%d", used ? "," : "", i);
    tl(s, w, "PARTITION: {%s} cut off from the other %d nodes", side, w->n - minority);
    net_partition(s, groups);
    mark(s, w, -1, "partition");
    int64_t part_term = max_term(w);
    int64_t elected_before = w->leaders_elected;
    sim_run_until(s, p->heal_at - 1);
    int who = -1, who2 = -1;
    int maj = count_leaders(s, w, all & ~minority_mask, part_term + 1, &who);
    int min_new = count_leaders(s, w, minority_mask, part_term + 1, &who2);
    kata_check(ctx, "majority-side-elects", maj == 1, "%d leader(s) elected on the %d-node side during the partition",
               maj, w->n - minority);
    if (lead >= 0)
        kata_check(ctx, "minority-side-elects-none", min_new == 0,
                   "%d new leader(s) on the %d-node side (n%d kept its stale term %lld)", min_new, minority,
                   lead, (long long)w->nodes[lead].rs.term);
    else
        kata_check(ctx, "minority-side-elects-none", min_new == 0,
                   "%d new leader(s) on the %d-node side (no leader when the partition began)", min_new,
                   minority);
    (void)elected_before;
    /* Phase 4: heal; one leader. */
    sim_run_until(s, p->heal_at);
    net_heal(s);
    mark(s, w, -1, "heal");
    tl(s, w, "HEAL");
    sim_run_until(s, p->duration);
    int final = count_leaders(s, w, all, max_term(w), &who);
    int stale = count_leaders(s, w, all, 0, &who2) - final;
    kata_check(ctx, "one-leader-after-heal", final == 1 && stale == 0,
               "%d leader(s) of the highest term %lld and %d stale leader(s) at %.0fms", final, (long long)max_term(w),
               stale, (double)p->duration / 1e6);
}

static void swarm_run(struct sim *s, struct world *w, struct kata_ctx *ctx, const struct params *p,
                      struct fault_plan *plan)
{
    int64_t zero = 0;
    sim_time faults_end = p->duration - 3 * p->bound;
    if (faults_end < p->duration / 2)
        faults_end = p->duration / 2;
    if (ctx->random_faults) {
        struct rng fr;
        rng_stream(&fr, ctx->seed, "faults", 0);
        fault_random(plan, &fr, w->n, 0, faults_end, (w->n - 1) / 2);
    }
    fault_schedule(plan, s);
    sim_run_until(s, faults_end);
    /* Liveness after every fault has healed: one leader within three bounds. */
    bool ok = sim_run_until_pred(s, has_leader, &zero, faults_end);
    (void)ok;
    int64_t t0 = max_term(w) + 1;
    (void)t0;
    sim_run_until(s, p->duration);
    int who = -1;
    uint64_t all = (w->n >= 64) ? ~0ULL : ((1ULL << w->n) - 1);
    int final = count_leaders(s, w, all, max_term(w), &who);
    kata_check(ctx, "one-leader-after-faults-heal", final == 1, "%d leader(s) of the highest term at %.0fms, %.0fms "
               "after the last fault healed",
               final, (double)p->duration / 1e6, (double)(p->duration - faults_end) / 1e6);
    if (w->first_leader_at)
        kata_figure(ctx, "time_to_first_leader_ms", (double)w->first_leader_at / 1e6);
}

static void draw(struct buf *b, struct world *w, sim_time end)
{
    int width = 1100, lane = 36, top = 40;
    int height = top + w->n * lane + 75;
    double x0 = 60, scale = (width - x0 - 20) / (double)end;
    svg_begin(b, width, height, "raft-election: node states and terms over time");
    static const char *colors[] = {"#d9d9d9", "#ffb347", "#5cb85c", "#333333"};
    static const char *names[] = {"follower", "candidate", "leader", "crashed"};
    for (size_t i = 0; i < w->nspans; i++) {
        const struct span *sp = &w->spans[i];
        double x = x0 + (double)sp->from * scale, wd = (double)(sp->to - sp->from) * scale;
        char tip[96];
        snprintf(tip, sizeof(tip), "n%d %s term %lld, %.1f-%.1fms", sp->node, names[sp->state], (long long)sp->term,
                 (double)sp->from / 1e6, (double)sp->to / 1e6);
        svg_rect(b, x, top + sp->node * lane, wd > 0.5 ? wd : 0.5, lane - 8, colors[sp->state], tip);
        if (wd > 18) {
            char t[16];
            snprintf(t, sizeof(t), "%lld", (long long)sp->term);
            svg_text(b, x + 3, top + sp->node * lane + 18, 10, "start", sp->state == 3 ? "white" : "black", t);
        }
    }
    for (int i = 0; i < w->n; i++) {
        char name[16];
        snprintf(name, sizeof(name), "n%d", i);
        svg_text(b, 10, top + i * lane + 18, 13, "start", "black", name);
    }
    for (size_t i = 0; i < w->nvotes; i++) {
        const struct vote_rec *v = &w->votes[i];
        double x = x0 + (double)v->at * scale;
        svg_arrow(b, x, top + v->voter * lane + 14, x, top + v->cand * lane + 14, "#1f77b4");
    }
    for (size_t i = 0; i < w->nmarks; i++) {
        const struct mark *m = &w->marks[i];
        double x = x0 + (double)m->at * scale;
        if (m->node >= 0) { /* a heartbeat: a short tick above the leader's band */
            svg_line(b, x, top + m->node * lane - 3, x, top + m->node * lane + 2, "#2c6e2c", 1, NULL);
        } else {
            svg_line(b, x, top - 4, x, top + w->n * lane - 8, "#d62728", 1.5, "stroke-dasharray=\"4,3\"");
            svg_text(b, x + 3, top + w->n * lane + 4, 11, "start", "#d62728", m->label);
        }
    }
    for (int t = 0; t <= 10; t++) {
        double x = x0 + (double)end * t / 10 * scale;
        char label[32];
        snprintf(label, sizeof(label), "%.0fms", (double)end * t / 10 / 1e6);
        svg_line(b, x, top - 6, x, top + w->n * lane - 8, "#eeeeee", 1, NULL);
        svg_text(b, x, top - 10, 10, "middle", "#555", label);
    }
    int y = top + w->n * lane + 30;
    for (int k = 0; k < 4; k++) {
        svg_rect(b, x0 + k * 120, y, 14, 14, colors[k], NULL);
        svg_text(b, x0 + k * 120 + 20, y + 12, 12, "start", "black", names[k]);
    }
    svg_text(b, x0 + 500, y + 12, 12, "start", "#1f77b4",
             "arrows: votes (voter to candidate); numbers: terms; ticks: heartbeats");
    svg_end(b);
}

static bool read_params(struct kata_ctx *ctx, struct params *p)
{
    const struct kata *k = &kata_raft_election;
    if (!kata_get_int(ctx, k, "nodes", 1, MAXN, &p->n) ||
        !kata_get_duration(ctx, k, "timeout_min", &p->tmin) ||
        !kata_get_duration(ctx, k, "timeout_max", &p->tmax) ||
        !kata_get_duration(ctx, k, "heartbeat", &p->hb) ||
        !kata_get_duration(ctx, k, "crash_at", &p->crash_at) ||
        !kata_get_duration(ctx, k, "restart_at", &p->restart_at) ||
        !kata_get_duration(ctx, k, "partition_at", &p->partition_at) ||
        !kata_get_duration(ctx, k, "heal_at", &p->heal_at) ||
        !kata_get_duration_in(ctx, k, "duration", 0, 3600 * NS_PER_S, &p->duration) ||
        !kata_get_duration(ctx, k, "bound", &p->bound) || !kata_get_double(ctx, k, "loss", 0, 0.9, &p->loss))
        return false;
    if (p->n < 3 && !ctx->nemesis && !ctx->random_faults) {
        /* The scripted scenario crashes the leader and expects a successor: that needs a majority without it,
         * which 2 nodes (majority 2) or 1 cannot have. A --nemesis schedule may still use any size. */
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad value '%ld' for parameter 'nodes': expected an integer 3..%d (the scenario crashes the "
                 "leader "
                 "and the others must still form a majority; use --nemesis for smaller clusters)",
                 p->n, MAXN);
        return false;
    }
    if (!kata_get_dist(ctx, k, "latency", &p->latency))
        return false;
    if (p->tmin <= 0 || p->tmax < p->tmin || p->hb <= 0 || p->hb >= p->tmin) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad timeouts: need 0 < heartbeat < timeout_min <= timeout_max (got %lldms, %lldms, %lldms)",
                 (long long)(p->hb / MS), (long long)(p->tmin / MS), (long long)(p->tmax / MS));
        return false;
    }
    if (!(p->crash_at < p->restart_at && p->restart_at <= p->partition_at && p->partition_at < p->heal_at &&
          p->heal_at < p->duration)) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad schedule: need crash_at < restart_at <= partition_at < heal_at < duration");
        return false;
    }
    /* Heartbeats go to n-1 followers; in a leaderless stretch every node may campaign every timeout_min. */
    double msgs =
        (double)p->duration * (double)(p->n - 1) * (1.0 / (double)p->hb + (double)p->n / (double)p->tmin);
    return kata_bound_work(ctx, msgs, 4e6,
                           "messages (duration x (nodes-1) x (1/heartbeat + nodes/timeout_min))",
                           "lower duration or nodes, or raise heartbeat or timeout_min");
}

static int raft_run(struct kata_ctx *ctx)
{
    struct params p;
    if (!read_params(ctx, &p))
        return -1;
    struct fault_plan plan;
    if (!kata_nemesis_plan(ctx, (int)p.n, &plan))
        return -1;
    struct world *w = xcalloc(1, sizeof(*w));
    w->ctx = ctx;
    w->n = (int)p.n;
    w->tmin = p.tmin;
    w->tmax = p.tmax;
    w->heartbeat = p.hb;
    w->bug_vote_twice = kata_bug_is(ctx, "vote-twice");
    w->bug_no_log_check = kata_bug_is(ctx, "ignore-log");
    w->bug_forget_vote = kata_bug_is(ctx, "forget-vote");
    w->bug_volatile_term = kata_bug_is(ctx, "volatile-term");
    w->record = !ctx->quiet;
    kata_timeline_init(&w->timeline, w->record, 400);
    memset(w->leader_of_term, -1, sizeof(w->leader_of_term));
    struct rng lr;
    rng_stream(&lr, ctx->seed, "logs", 0);
    make_logs(w, &lr);
    static const struct sim_node_ops ops = {on_message, on_timer, on_crash, on_restart};
    struct sim s;
    sim_init(&s, ctx->seed, w->n, &ops, w);
    s.trace = ctx->trace;
    s.after_event = after_event;
    net_set_default(&s, &p.latency, p.loss, 0);
    for (int i = 0; i < w->n; i++) {
        w->span_term[i] = w->nodes[i].rs.term;
        reset_election_timer(&s, w, i);
    }
    if (ctx->random_faults || ctx->nemesis)
        swarm_run(&s, w, ctx, &p, &plan);
    else
        scripted(&s, w, ctx, &p);
    after_event(&s); /* close the picture's spans */
    for (int i = 0; w->record && i < w->n; i++) {
        XGROW(w->spans, w->spans_cap, w->nspans + 1);
        w->spans[w->nspans++] = (struct span){i, w->span_start[i], s.now, w->span_state[i], w->span_term[i]};
    }
    kata_check(ctx, "election-safety", w->violations == 0, "%s",
               w->violations ? w->first_violation
                             : "at most one leader per term, one vote per node per term, terms never decrease, every "
                               "new leader holds the committed entries (checked after every event)");
    kata_figure(ctx, "elections", (double)w->elections);
    kata_figure(ctx, "split_votes", (double)(w->elections - w->leaders_elected));
    kata_figure(ctx, "messages", (double)s.stats.sent);
    if (!ctx->quiet) {
        char lat[96];
        dist_format(&p.latency, lat, sizeof(lat));
        buf_printf(&ctx->text,
                   "raft-election: %d nodes, election timeout %lld-%lldms, heartbeat %lldms, latency %s, loss %g%s%s\n",
                   w->n, (long long)(p.tmin / MS), (long long)(p.tmax / MS), (long long)(p.hb / MS), lat, p.loss,
                   ctx->bug ? ", bug " : "", ctx->bug ? ctx->bug : "");
        buf_printf(&ctx->text, "initial logs (entry terms; the first %d entries are committed on a majority):\n",
                   w->committed);
        for (int i = 0; i < w->n; i++) {
            buf_printf(&ctx->text, "  n%d: [", i);
            for (int e = 0; e < w->nodes[i].loglen; e++)
                buf_printf(&ctx->text, "%s%lld", e ? " " : "", (long long)w->nodes[i].log[e]);
            buf_puts(&ctx->text, "]\n");
        }
        if (plan.n) {
            struct buf f;
            buf_init(&f);
            fault_format(&plan, w->n, &f);
            buf_printf(&ctx->text, "faults: %s\n", f.data);
            buf_close(&f);
        }
        buf_printf(&ctx->text, "\ntimeline:\n%s", w->timeline.text.data ? w->timeline.text.data : "");
        buf_printf(&ctx->text, "\nfinal state at %.0fms:\n", (double)s.now / 1e6);
        for (int i = 0; i < w->n; i++)
            buf_printf(&ctx->text, "  n%d  %-9s term %-4lld voted_for %-3d %s\n", i,
                       s.nodes[i].state == SIM_CRASHED ? "crashed" : raft_role_name[w->nodes[i].rs.role],
                       (long long)w->nodes[i].rs.term, w->nodes[i].rs.voted_for, "");
    }
    if (ctx->svg)
        draw(ctx->svg, w, s.now);
    sim_close(&s);
    fault_plan_close(&plan);
    kata_timeline_close(&w->timeline);
    free(w->votes);
    free(w->spans);
    free(w->marks);
    free(w);
    return 0;
}

static const struct kata_param params[] = {
    {"nodes", "5", "cluster size"},
    {"timeout_min", "150ms", "election timeout, lower end (drawn uniformly per reset)"},
    {"timeout_max", "300ms", "election timeout, upper end; try 151ms to see split votes pile up"},
    {"heartbeat", "50ms", "leader heartbeat (empty AppendEntries) interval"},
    {"latency", "uniform:1ms,10ms", "one-way message latency distribution (see docs: exp, normal, pareto, mix...)"},
    {"loss", "0", "probability a message is lost"},
    {"crash_at", "2s", "when the leader is crashed (its heartbeats stop)"},
    {"restart_at", "3s", "when the crashed node comes back"},
    {"partition_at", "4s", "when the cluster splits 2|3, the leader on the small side"},
    {"heal_at", "6s", "when the partition heals"},
    {"duration", "8s", "virtual time to run"},
    {"bound", "1s", "a new leader must be elected within this bound"},
};

static const struct kata_bug bugs[] = {
    {"vote-twice", "grant a vote even after voting for another candidate in the same term"},
    {"ignore-log", "grant votes without the up-to-date log check (section 5.4.1)"},
    {"forget-vote", "votedFor is not durable: a restarted node may vote again in the same term"},
    {"volatile-term", "currentTerm is not durable: a restarted node starts again at term 0"},
};

const struct kata kata_raft_election = {
    .name = "raft-election",
    .summary = "toy Raft leader election: crash the leader, partition 2|3, heal; election safety checked",
    .drill = "Implement a Toy Raft Leader Election (module 001, Kata 2)",
    .time_limit = "45-60 minutes per run",
    .repeat_until = "you can write the state machine from scratch and your test never sees two leaders in the same "
                    "term",
    .what = "Nodes with currentTerm, votedFor, role and a log; RequestVote with the term and up-to-date rules; "
            "randomized election timeouts and heartbeats. The scenario elects, crashes the leader, checks exactly one "
            "new leader within the bound, partitions 2|3 with the leader on the small side (the 3-side elects, the "
            "2-side does not), heals, and checks one leader. Swarms replace the script with random crashes, pauses "
            "and partitions drawn from each seed.",
    .reading = "The timeline lists timeouts, votes, new leaders, step-downs, crashes and VIOLATIONs in virtual time. "
               "Each named check is a phase of the scenario; election-safety is checked after every event. Figures: "
               "time to first leader, time to replace a crashed leader, split votes (elections that elected nobody), "
               "messages. --svg draws a lane per node coloured by role, with terms and vote arrows.",
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .bugs = bugs,
    .nbugs = sizeof(bugs) / sizeof(bugs[0]),
    .run = raft_run,
    .picture = true,
};
