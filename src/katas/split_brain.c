/* Kata `split-brain`: the composed split-brain prevention design of module 004, lane 5 ("1 full split-brain
 * prevention design: quorum election, lease, fencing token, all composed"). Nodes elect a leader by majority
 * vote, one vote per term; the leader holds a lease its voters promise to respect (no vote for anyone else until
 * it expires, on their own clocks) and stops writing when it runs out on its own clock, with a margin; every
 * write to the resource carries the term as a fencing token and the resource refuses tokens below the highest it
 * has seen. The scripted run cuts the leader off from the voters (but not from the resource), then pauses the
 * next leader right after it decides a write (a GC pause between check and use), and runs the design with each
 * part removed: each removal produces two writers, all three together none. The checker (src/check/writers.h)
 * judges from the recorded elections, decisions to write and writes the resource accepted. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/writers.h"
#include "core/fault.h"
#include "core/sim.h"
#include "core/units.h"
#include "katas/kata.h"

#define MAXN 15
#define MS NS_PER_MS

extern const struct kata kata_split_brain;

enum role { FOLLOWER, CANDIDATE, LEADER };
enum { M_VOTE_REQ = 1, M_VOTE_RESP, M_WRITE };
enum { T_ELECTION = 1, T_RENEW, T_ACT, T_WORK };
enum variant { ALL_THREE, NO_QUORUM, NO_LEASE, NO_FENCING, NVARIANTS };
static const char *const variant_name[] = {"quorum + lease + fencing", "no quorum (a leader needs 1 vote)",
                                           "no lease", "no fencing token check"};

struct msg {
    int64_t term;
    int64_t req_clock; /* the candidate's clock when it asked: the start of the lease it will get */
    int32_t granted;
};

struct bnode {
    /* durable */
    int64_t term, voted_term;
    int voted_for;
    int64_t granted_until; /* on this node's clock: no vote for anyone but granted_to before then */
    int granted_to;
    /* volatile */
    enum role role;
    uint64_t votes;
    int64_t req_clock, lease_end;
    sim_timer_id election_timer;
};

struct params {
    long n;
    int64_t lease, renew, act_every, work, tmin, tmax, partition_at, heal_at, pause_at, pause_for, duration;
    double margin;
    struct dist latency;
};

struct world {
    const struct params *p;
    enum variant v;
    int q;
    struct bnode nodes[MAXN];
    int64_t max_token;
    struct writers chk;
    bool pause_armed;
    struct kata_timeline tlog;
    int64_t elections, leaders, writes_sent, rejected;
};

#define tl(s, w, ...) kata_tl(&(w)->tlog, (s)->now, __VA_ARGS__)

static void note(struct sim *s, struct world *w, bool ok)
{
    if (!ok) {
        tl(s, w, "TWO WRITERS: %s", w->chk.last);
        trace_event(s->trace, s->now, -1, "violation", "\"what\":\"%s\"", w->chk.last);
    }
}

static int storage(const struct world *w)
{
    return (int)w->p->n;
}

static void arm_election(struct sim *s, struct world *w, int id, sim_time extra)
{
    sim_cancel(s, w->nodes[id].election_timer);
    w->nodes[id].election_timer =
        sim_timer(s, id, extra + rng_range(sim_rng(s, id), w->p->tmin, w->p->tmax), T_ELECTION, 0);
}

static void step_down(struct sim *s, struct world *w, int id, const char *why)
{
    struct bnode *nd = &w->nodes[id];
    if (nd->role == LEADER)
        tl(s, w, "n%d steps down (%s)", id, why);
    nd->role = FOLLOWER;
    nd->votes = 0;
    arm_election(s, w, id, 0);
}

static void observe_term(struct sim *s, struct world *w, int id, int64_t term)
{
    if (term <= w->nodes[id].term)
        return;
    w->nodes[id].term = term;
    if (w->nodes[id].role != FOLLOWER)
        step_down(s, w, id, "saw a higher term");
}

static bool lease_live_for_other(const struct world *w, struct sim *s, int id, int cand)
{
    const struct bnode *nd = &w->nodes[id];
    return w->v != NO_LEASE && nd->granted_to != cand && nd->granted_until > sim_clock(s, id);
}

static void grant(struct sim *s, struct world *w, int id, int cand, int64_t term)
{
    struct bnode *nd = &w->nodes[id];
    nd->voted_term = term;
    nd->voted_for = cand;
    nd->granted_to = cand;
    nd->granted_until = sim_clock(s, id) + w->p->lease;
}

/* A round of asking: a new term (election) or the same term (lease renewal). The lease will run from the
 * moment of asking, on the asker's clock. */
static void ask(struct sim *s, struct world *w, int id)
{
    struct bnode *nd = &w->nodes[id];
    nd->req_clock = sim_clock(s, id);
    nd->votes = 1ULL << id;
    grant(s, w, id, id, nd->term);
    struct msg m = {.term = nd->term, .req_clock = nd->req_clock};
    for (int p = 0; p < w->p->n; p++)
        if (p != id)
            net_send(s, id, p, M_VOTE_REQ, &m, sizeof(m));
}

static void won_round(struct sim *s, struct world *w, int id)
{
    struct bnode *nd = &w->nodes[id];
    nd->lease_end = nd->req_clock + (int64_t)((double)w->p->lease * (1 - w->p->margin));
    if (nd->role == LEADER)
        return;
    nd->role = LEADER;
    w->leaders++;
    sim_cancel(s, nd->election_timer);
    nd->election_timer = 0;
    tl(s, w, "n%d elected leader of term %lld by %d vote(s); lease until %.3fms on its clock", id, (long long)nd->term,
       __builtin_popcountll(nd->votes), (double)nd->lease_end / 1e6);
    trace_event(s->trace, s->now, id, "leader", "\"term\":%lld", (long long)nd->term);
    writers_elected(&w->chk, id, nd->term, s->now);
    sim_timer(s, id, w->p->renew, T_RENEW, (uint64_t)nd->term);
    sim_timer(s, id, w->p->act_every, T_ACT, (uint64_t)nd->term);
}

static void start_election(struct sim *s, struct world *w, int id)
{
    struct bnode *nd = &w->nodes[id];
    if (lease_live_for_other(w, s, id, id)) { /* it promised someone else: wait until that lease runs out */
        arm_election(s, w, id, nd->granted_until - sim_clock(s, id));
        return;
    }
    nd->term++;
    nd->role = CANDIDATE;
    w->elections++;
    tl(s, w, "n%d asks for votes in term %lld", id, (long long)nd->term);
    trace_event(s->trace, s->now, id, "candidate", "\"term\":%lld", (long long)nd->term);
    ask(s, w, id);
    arm_election(s, w, id, 0);
    if (__builtin_popcountll(nd->votes) >= w->q)
        won_round(s, w, id);
}

static void on_vote_req(struct sim *s, struct world *w, int id, int cand, const struct msg *m)
{
    struct bnode *nd = &w->nodes[id];
    observe_term(s, w, id, m->term);
    bool ok = m->term == nd->term && (nd->voted_term < m->term || nd->voted_for == cand) &&
              !lease_live_for_other(w, s, id, cand);
    if (ok) {
        grant(s, w, id, cand, m->term);
        if (nd->role == FOLLOWER)
            arm_election(s, w, id, 0);
    }
    struct msg r = {.term = nd->term, .req_clock = m->req_clock, .granted = ok};
    net_send(s, id, cand, M_VOTE_RESP, &r, sizeof(r));
}

static void on_vote_resp(struct sim *s, struct world *w, int id, int from, const struct msg *m)
{
    struct bnode *nd = &w->nodes[id];
    observe_term(s, w, id, m->term);
    if (!m->granted || m->term != nd->term || m->req_clock != nd->req_clock || nd->role == FOLLOWER)
        return;
    nd->votes |= 1ULL << from;
    if (__builtin_popcountll(nd->votes) >= w->q)
        won_round(s, w, id);
}

static bool lease_valid(struct sim *s, const struct world *w, int id)
{
    return w->v == NO_LEASE || sim_clock(s, id) < w->nodes[id].lease_end;
}

static void on_storage_write(struct sim *s, struct world *w, int from, const struct msg *m)
{
    if (w->v != NO_FENCING && m->term < w->max_token) {
        w->rejected++;
        tl(s, w, "resource refuses n%d's write: token %lld < %lld", from, (long long)m->term, (long long)w->max_token);
        return;
    }
    if (m->term > w->max_token)
        w->max_token = m->term;
    trace_event(s->trace, s->now, storage(w), "accepted", "\"from\":%d,\"token\":%lld", from, (long long)m->term);
    note(s, w, writers_accepted(&w->chk, from, m->term, s->now));
}

static void on_message(struct sim *s, node_id self, const struct sim_msg *sm)
{
    struct world *w = s->user;
    struct msg m;
    memcpy(&m, sm->data, sizeof(m));
    if (sm->type == M_VOTE_REQ)
        on_vote_req(s, w, self, sm->from, &m);
    else if (sm->type == M_VOTE_RESP)
        on_vote_resp(s, w, self, sm->from, &m);
    else if (sm->type == M_WRITE)
        on_storage_write(s, w, sm->from, &m);
}

static void on_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    struct world *w = s->user;
    struct bnode *nd = &w->nodes[self];
    if (kind == T_ELECTION) {
        nd->election_timer = 0;
        if (nd->role != LEADER)
            start_election(s, w, self);
        return;
    }
    if (kind == T_WORK) { /* the write decided `work` ago goes out now, whatever happened since */
        struct msg m = {.term = (int64_t)arg};
        net_send(s, self, storage(w), M_WRITE, &m, sizeof(m));
        w->writes_sent++;
        return;
    }
    if (nd->role != LEADER || (int64_t)arg != nd->term)
        return;
    if (kind == T_RENEW) {
        ask(s, w, self);
        sim_timer(s, self, w->p->renew, T_RENEW, arg);
    } else if (kind == T_ACT) {
        if (!lease_valid(s, w, self)) {
            step_down(s, w, self, "its lease ran out");
            return;
        }
        trace_event(s->trace, s->now, self, "act", "\"term\":%lld", (long long)nd->term);
        note(s, w, writers_act(&w->chk, self, nd->term, s->now));
        sim_timer(s, self, w->p->work, T_WORK, arg);
        sim_timer(s, self, w->p->act_every, T_ACT, arg);
        if (w->pause_armed) {
            w->pause_armed = false;
            tl(s, w, "n%d decides a write in term %lld, then PAUSES for %.0fms before sending it", self,
               (long long)nd->term, (double)w->p->pause_for / 1e6);
            sim_pause(s, self);
        }
    }
}

static void on_restart(struct sim *s, node_id self)
{
    struct world *w = s->user;
    if (self >= w->p->n)
        return;
    w->nodes[self].role = FOLLOWER;
    w->nodes[self].votes = 0;
    w->nodes[self].election_timer = 0;
    arm_election(s, w, self, 0);
}

static void on_crash(struct sim *s, node_id self)
{
    struct world *w = s->user;
    if (self < w->p->n)
        tl(s, w, "n%d CRASHES", self);
}

/* ---- the scripted faults ---- */

static int current_leader(struct world *w, struct sim *s)
{
    int best = -1;
    for (int i = 0; i < w->p->n; i++)
        if (w->nodes[i].role == LEADER && sim_is_up(s, i) && (best < 0 || w->nodes[i].term > w->nodes[best].term))
            best = i;
    return best;
}

static void do_partition(struct sim *s, void *ptr, uint64_t arg)
{
    (void)arg;
    struct world *w = ptr;
    int l = current_leader(w, s);
    if (l < 0)
        return;
    for (int i = 0; i < w->p->n; i++)
        if (i != l) {
            net_cut(s, l, i);
            net_cut(s, i, l);
        }
    tl(s, w, "PARTITION: leader n%d cut off from the other nodes (it still reaches the resource)", l);
    trace_event(s->trace, s->now, l, "cut-off", NULL);
}

static void do_heal(struct sim *s, void *ptr, uint64_t arg)
{
    (void)arg;
    net_heal(s);
    tl(s, (struct world *)ptr, "HEAL");
}

static void do_arm_pause(struct sim *s, void *ptr, uint64_t arg)
{
    (void)arg;
    (void)s;
    ((struct world *)ptr)->pause_armed = true;
}

static void resume_all(struct sim *s, void *ptr, uint64_t arg)
{
    (void)ptr;
    (void)arg;
    for (int i = 0; i < s->nnodes; i++)
        if (s->nodes[i].state == SIM_PAUSED) {
            sim_resume(s, i);
            tl(s, (struct world *)s->user, "n%d resumes", i);
        }
}

struct result {
    int violations, overlap, regress;
    int64_t leaders, acts, accepted, rejected;
    char first[256];
};

static void run_variant(struct kata_ctx *ctx, const struct params *p, enum variant v, bool detail,
                        const struct fault_plan *plan, struct result *out)
{
    struct world *w = xcalloc(1, sizeof(*w));
    w->p = p;
    w->v = v;
    w->q = v == NO_QUORUM ? 1 : (int)p->n / 2 + 1;
    w->max_token = -1;
    kata_timeline_init(&w->tlog, detail && !ctx->quiet, 300);
    writers_init(&w->chk);
    for (int i = 0; i < p->n; i++)
        w->nodes[i].voted_for = w->nodes[i].granted_to = -1;
    static const struct sim_node_ops ops = {on_message, on_timer, on_crash, on_restart};
    struct sim s;
    sim_init(&s, ctx->seed, (int)p->n + 1, &ops, w);
    s.trace = detail ? ctx->trace : NULL;
    net_set_default(&s, &p->latency, 0, 0);
    for (int i = 0; i < p->n; i++)
        arm_election(&s, w, i, 0);
    if (ctx->random_faults || ctx->nemesis) {
        fault_schedule(plan, &s);
    } else {
        sim_at(&s, p->partition_at, do_partition, w, 0);
        sim_at(&s, p->heal_at, do_heal, w, 0);
        sim_at(&s, p->pause_at, do_arm_pause, w, 0);
        sim_at(&s, p->pause_at + p->act_every + p->pause_for, resume_all, w, 0);
    }
    sim_run_until(&s, p->duration);
    *out = (struct result){w->chk.violations, w->chk.overlap, w->chk.regress, w->leaders, w->chk.acts,
                           w->chk.accepted, w->rejected, ""};
    snprintf(out->first, sizeof(out->first), "%s", w->chk.first);
    if (w->tlog.on)
        buf_printf(&ctx->text, "\ntimeline (%s):\n%s", variant_name[v], w->tlog.text.data ? w->tlog.text.data : "");
    sim_close(&s);
    writers_close(&w->chk);
    kata_timeline_close(&w->tlog);
    free(w);
}

static bool read_params(struct kata_ctx *ctx, struct params *p)
{
    const struct kata *k = &kata_split_brain;
    if (!kata_get_int(ctx, k, "nodes", 2, MAXN - 1, &p->n) ||
        !kata_get_duration(ctx, k, "lease", &p->lease) || !kata_get_duration(ctx, k, "renew", &p->renew) ||
        !kata_get_double(ctx, k, "margin", 0, 0.9, &p->margin) ||
        !kata_get_duration(ctx, k, "act_every", &p->act_every) ||
        !kata_get_duration(ctx, k, "work", &p->work) || !kata_get_duration(ctx, k, "timeout_min", &p->tmin) ||
        !kata_get_duration(ctx, k, "timeout_max", &p->tmax) ||
        !kata_get_duration(ctx, k, "partition_at", &p->partition_at) ||
        !kata_get_duration(ctx, k, "heal_at", &p->heal_at) ||
        !kata_get_duration(ctx, k, "pause_at", &p->pause_at) ||
        !kata_get_duration(ctx, k, "pause_for", &p->pause_for) ||
        !kata_get_duration_in(ctx, k, "duration", 0, 3600 * NS_PER_S, &p->duration))
        return false;
    if (!kata_get_dist(ctx, k, "latency", &p->latency))
        return false;
    if (p->lease <= 0 || p->renew <= 0 || p->renew >= p->lease || p->act_every <= 0 || p->tmin <= 0 ||
        p->tmax < p->tmin) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad times: need 0 < renew < lease, act_every > 0 and 0 < timeout_min <= timeout_max");
        return false;
    }
    /* Renewals go to every node, writes to the resource; leaderless, every node may campaign every
     * timeout_min. */
    double n = (double)p->n, d = (double)p->duration;
    return kata_bound_work(ctx,
                           d * (n / (double)p->renew + 1.0 / (double)p->act_every + n * n / (double)p->tmin),
                           4e6, "messages (duration x (nodes/renew + 1/act_every + nodes^2/timeout_min))",
                           "lower duration or nodes, or raise renew, act_every or timeout_min");
}

static int split_run(struct kata_ctx *ctx)
{
    struct params p;
    if (!read_params(ctx, &p))
        return -1;
    struct fault_plan plan;
    if (!kata_nemesis_plan(ctx, (int)p.n + 1, &plan))
        return -1;
    if (!ctx->nemesis && ctx->random_faults) { /* the resource itself never fails: it is what the design protects */
        struct rng fr;
        rng_stream(&fr, ctx->seed, "faults", 0);
        fault_random(&plan, &fr, (int)p.n, 0, p.duration - 2 * p.lease, (int)(p.n - 1) / 2);
    }
    enum variant v = kata_bug_is(ctx, "no-quorum") ? NO_QUORUM
                     : kata_bug_is(ctx, "no-lease") ? NO_LEASE
                     : kata_bug_is(ctx, "no-fencing") ? NO_FENCING
                                                      : ALL_THREE;
    if (!ctx->quiet) {
        buf_printf(&ctx->text,
                   "split-brain: %ld nodes and one resource, lease %.0fms (renewed every %.0fms, leader counts it "
                   "%.0f%% short), a write every %.0fms taking %.0fms\n",
                   p.n, (double)p.lease / 1e6, (double)p.renew / 1e6, p.margin * 100, (double)p.act_every / 1e6,
                   (double)p.work / 1e6);
        if (plan.n) {
            struct buf f;
            buf_init(&f);
            fault_format(&plan, (int)p.n + 1, &f);
            buf_printf(&ctx->text, "faults (n%ld is the resource): %s\n", p.n, f.data);
            buf_close(&f);
        } else {
            buf_printf(&ctx->text, "faults: at %.0fms the leader is cut off from the other nodes, healed at %.0fms; "
                                   "at %.0fms the leader pauses %.0fms right after deciding a write\n",
                       (double)p.partition_at / 1e6, (double)p.heal_at / 1e6, (double)p.pause_at / 1e6,
                       (double)p.pause_for / 1e6);
        }
        buf_puts(&ctx->text, "\neach design under the same faults (same seed):\n");
        for (int i = 0; i < NVARIANTS; i++) {
            struct result r;
            run_variant(ctx, &p, (enum variant)i, false, &plan, &r);
            buf_printf(&ctx->text, "  %-36s %s\n", variant_name[i], r.violations ? "TWO WRITERS" : "one writer");
            if (r.violations)
                buf_printf(&ctx->text, "  %-36s   first: %s\n", "", r.first);
        }
    }
    struct result r;
    run_variant(ctx, &p, v, true, &plan, &r);
    kata_check(ctx, "one-writer", r.violations == 0, "%s",
               r.violations ? r.first
                            : "no node wrote while another held a newer (or the same) term, and the resource never "
                              "accepted a write from a deposed leader");
    kata_figure(ctx, "leaders_elected", (double)r.leaders);
    kata_figure(ctx, "writes_decided", (double)r.acts);
    kata_figure(ctx, "writes_accepted", (double)r.accepted);
    kata_figure(ctx, "writes_fenced_off", (double)r.rejected);
    kata_figure(ctx, "overlapping_leader_writes", (double)r.overlap);
    kata_figure(ctx, "deposed_writes_accepted", (double)r.regress);
    fault_plan_close(&plan);
    return 0;
}


/* ---- the exercise: predict, for a fault schedule drawn from the seed, which designs see two writers ---- */

static int split_exercise(struct kata_ctx *ctx, bool answers)
{
    struct params p;
    if (!read_params(ctx, &p))
        return -1;
    struct rng r;
    rng_stream(&r, ctx->seed, "exercise", 0);
    static const int64_t cut_ms[] = {100, 300, 800}, pause_ms[] = {100, 150, 600, 900};
    p.partition_at = rng_range(&r, 5, 15) * 100 * MS;
    p.heal_at = p.partition_at + cut_ms[rng_below(&r, 3)] * MS;
    p.pause_at = p.heal_at + rng_range(&r, 5, 10) * 100 * MS;
    p.pause_for = pause_ms[rng_below(&r, 4)] * MS;
    p.duration = p.pause_at + p.pause_for + 1500 * MS;
    struct fault_plan none;
    fault_plan_init(&none);
    buf_printf(&ctx->text,
               "Exercise (split brain, seed %llu)\n\n"
               "%ld nodes elect a leader by majority; a vote promises no other vote for %.0fms (the lease, on the "
               "voter's clock); the leader renews every %.0fms, counts its lease %.0f%% short, and decides a write "
               "every %.0fms, sent %.0fms later with its term as fencing token. Elections time out after "
               "%.0f-%.0fms.\n\n"
               "Faults: at %.0fms the leader is cut off from the other nodes (not from the resource) until %.0fms; "
               "at %.0fms the leader pauses for %.0fms right after deciding a write.\n\n"
               "For each design, one writer or two? If two, which fault, and what happens?\n",
               (unsigned long long)ctx->seed, p.n, (double)p.lease / 1e6, (double)p.renew / 1e6, p.margin * 100,
               (double)p.act_every / 1e6, (double)p.work / 1e6, (double)p.tmin / 1e6, (double)p.tmax / 1e6,
               (double)p.partition_at / 1e6, (double)p.heal_at / 1e6, (double)p.pause_at / 1e6,
               (double)p.pause_for / 1e6);
    for (int i = 0; i < NVARIANTS; i++)
        buf_printf(&ctx->text, "  %c. %s\n", 'a' + i, variant_name[i]);
    if (answers) {
        buf_puts(&ctx->text, "\nAnswer key (each design run on the simulator with these faults)\n\n");
        struct kata_ctx sub;
        kata_ctx_init(&sub, ctx->seed, ctx->values);
        sub.quiet = true;
        for (int i = 0; i < NVARIANTS; i++) {
            struct result res;
            run_variant(&sub, &p, (enum variant)i, false, &none, &res);
            buf_printf(&ctx->text, "  %c. %-36s %s%s%s\n", 'a' + i, variant_name[i],
                       res.violations ? "TWO WRITERS: " : "one writer", res.first, "");
            if (i == ALL_THREE)
                kata_check(ctx, "key-all-three-hold", res.violations == 0, "%s",
                           res.violations ? res.first : "the composed design kept one writer under these faults");
        }
        kata_ctx_close(&sub);
        buf_printf(&ctx->text, "\nA cut shorter than the lease (%.0fms) elects nobody new; a pause shorter than what "
                               "is left of the lease lets the old leader write in time.\n",
                   (double)p.lease / 1e6);
    }
    fault_plan_close(&none);
    return 0;
}

static const struct kata_param params[] = {
    {"nodes", "3", "nodes electing a leader (the resource is one more node)"},
    {"lease", "200ms", "a lease lasts this long from the moment the leader asked for it"},
    {"renew", "50ms", "the leader renews its lease this often"},
    {"margin", "0.1", "the leader counts its lease this much shorter (clock drift)"},
    {"act_every", "20ms", "the leader decides a write this often while its lease is valid"},
    {"work", "5ms", "time between deciding a write and sending it (a pause here is the fencing case)"},
    {"latency", "uniform:1ms,10ms", "one-way message latency distribution"},
    {"timeout_min", "100ms", "election timeout, lower end"},
    {"timeout_max", "200ms", "election timeout, upper end"},
    {"partition_at", "1s", "scripted: the leader is cut off from the other nodes"},
    {"heal_at", "2s", "scripted: the cut heals"},
    {"pause_at", "3s", "scripted: the leader pauses right after its next decision to write"},
    {"pause_for", "600ms", "scripted: how long that pause lasts"},
    {"duration", "5s", "virtual time to run"},
};

static const struct kata_bug bugs[] = {
    {"no-quorum", "a candidate needs one vote (its own): both sides of a partition elect"},
    {"no-lease", "voters vote again at once and leaders never check a lease: a cut-off leader keeps writing"},
    {"no-fencing", "the resource accepts any token: a paused leader's late write lands after its successor's"},
};

const struct kata kata_split_brain = {
    .name = "split-brain",
    .summary = "quorum election + lease + fencing token: remove any one and a fault schedule makes two writers",
    .drill = "Book Exercise Lanes, lane 5 (Distributed Patterns): 1 full split-brain prevention design: quorum "
             "election, lease, fencing token, all composed (module 004)",
    .time_limit = "one design per sitting",
    .repeat_until = "you can name, for each of the three parts, the fault it covers and the schedule that breaks the "
                    "design without it",
    .what = "Leader election by majority, one vote per term; a lease the voters respect and the leader lets run out "
            "on its own clock; the term as a fencing token checked by the resource. The scripted faults cut the "
            "leader off from the voters but not from the resource, then pause a leader between deciding a write and "
            "sending it. The same run is repeated with each part removed.",
    .reading = "First the four designs under the same faults: one writer or TWO WRITERS with the first violation. "
               "Then the timeline of the design chosen with --bug (all three without): elections, lease expiries, "
               "fenced-off writes, the pause. one-writer is judged by src/check/writers.c from elections, decisions "
               "to write and accepted writes. Figures: leaders elected, writes decided, accepted, fenced off.",
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .bugs = bugs,
    .nbugs = sizeof(bugs) / sizeof(bugs[0]),
    .run = split_run,
    .exercise = split_exercise,
    .exercise_what = "a cut and a pause drawn from the seed: predict which of the four designs (all three parts, or one "
                     "removed) ends with two writers",
};
