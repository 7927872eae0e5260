/* Replay `cloudflare-2020`: Cloudflare's control-plane incident of 2 November 2020 rebuilt on the simulator
 * (001 Kata 4, 001 Kata 2). A three-node Raft cluster (etcd) with node3 leading and a client writing through
 * the leader. A failing switch cuts node1 from node3 in both directions while node2 still reaches both.
 * Figure 2 Raft (as-was): node1 hears no heartbeats, times out, and asks node2 for votes in a higher term;
 * node2 cannot vote for node1's stale log, but adopts the term, refuses the leader's next AppendEntries, and
 * the leader steps down; every leader node1 cannot hear is deposed the same way. The configurations that
 * would have prevented it are etcd's two options (Ongaro's thesis, 9.6 and 6.2 / 4.2.3): PreVote (a node asks
 * whether it could win before raising its term) and CheckQuorum (a follower that heard from its leader within
 * the election timeout ignores vote requests; a leader without a majority steps down). The judge reads the
 * recorded history: leaders elected after the fault began (a leader that reaches a majority should never be
 * deposed) and the longest time with writes offered and none committed. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dist.h"
#include "core/sim.h"
#include "core/trace.h"
#include "core/units.h"
#include "katas/kata.h"
#include "katas/raft.h"
#include "katas/replay.h"

#define N 3
#define CLIENT 3
#define BATCH 32
#define MS NS_PER_MS

extern const struct kata replay_cloudflare_2020_scenario;

static const char *const node_name[] = {"node1", "node2", "node3", "client"};
enum { M_WRITE = 1, M_COMMITTED, M_PREVOTE, M_PREVOTE_RESP, M_VOTE, M_VOTE_RESP, M_APPEND, M_APPEND_RESP };
enum { T_ELECTION = 1, T_HEARTBEAT, T_CHECKQ, T_WRITE };
enum config { AS_WAS, PREVOTE, CHECKQUORUM, BOTH, NCONFIGS };
static const char *const config_names[] = {"as-was", "prevote", "checkquorum", "prevote-checkquorum", NULL};

struct params {
    int64_t election, heartbeat, fault_at, fault, after, max_stall;
    long writes; /* per second */
    struct dist latency;
};

struct entry {
    int64_t term;
    uint64_t id; /* the client's write, 0 for a new leader's no-op */
};

struct msg {
    int64_t term, a, b, c; /* vote: a last index, b last term; append: a prev index, b prev term, c commit;
                              append resp: a match (ok) or a hint; prevote resp: a the term asked for */
    int32_t ok, n;
    struct entry e[BATCH];
};

struct rnode {
    struct raft_server rs;
    int leader;        /* -1: none */
    struct entry *log; /* index i at log[i - 1] */
    int64_t len, commit;
    size_t cap;
    int64_t next[N], match[N];
    sim_time heard[N]; /* leader: the last answer from each peer (CheckQuorum) */
    sim_time heard_leader;
    uint64_t prevotes;
    bool prevoting;
    struct raft_timer timer;
};

/* The recorded history the judge reads. */
struct event {
    sim_time at;
    int node;
    int64_t term;
};

struct world {
    const struct params *p;
    bool prevote, checkquorum;
    struct rnode nd[N];
    /* client */
    uint64_t next_id;
    unsigned char *acked; /* by write id */
    size_t acked_cap;
    sim_time *commits; /* when each write was first acknowledged, in time order */
    size_t ncommits, commits_cap;
    /* history */
    struct event *leaders, *stepdowns;
    size_t nleaders, leaders_cap, nstepdowns, stepdowns_cap;
    struct kata_timeline tl;
    int timeouts[N]; /* shown in the timeline: the first few of each node's, not the hundreds of a long fault
                      */
};

static int64_t term_at(const struct rnode *r, int64_t i)
{
    return i <= 0 || i > r->len ? 0 : r->log[i - 1].term;
}

static void push(struct rnode *r, struct entry e)
{
    XGROW(r->log, r->cap, (size_t)r->len + 1);
    r->log[r->len++] = e;
}

static void record(struct event **v, size_t *n, size_t *cap, sim_time at, int node, int64_t term)
{
    XGROW(*v, *cap, *n + 1);
    (*v)[(*n)++] = (struct event){at, node, term};
}

/* The bytes of m that go on the wire: the header and its n entries. */
static uint32_t msg_len(const struct msg *m)
{
    return (uint32_t)(offsetof(struct msg, e) + (size_t)m->n * sizeof(struct entry));
}

static void send(struct sim *s, int from, int to, int type, const struct msg *m)
{
    net_send(s, from, to, type, m, msg_len(m));
}

static void arm(struct sim *s, struct world *w, int id)
{
    /* etcd draws the timeout from [election, 2 x election) */
    raft_timer_reset(s, id, &w->nd[id].timer, w->p->election, 2 * w->p->election - 1, T_ELECTION);
}

/* Thesis 4.2.3 (etcd's CheckQuorum): a server that heard from a current leader within the minimum election
 * timeout neither updates its term nor grants a vote. */
static bool in_lease(struct sim *s, const struct world *w, int id)
{
    const struct rnode *r = &w->nd[id];
    return w->checkquorum &&
           (r->rs.role == RAFT_LEADER || (r->leader >= 0 && s->now - r->heard_leader < w->p->election));
}

/* Figure 2, "All Servers" (raft_observe_term): a deposed leader is recorded for the judge and starts its
 * election timer again; the node forgets its leader and any pre-vote. */
static void observe_term(struct sim *s, struct world *w, int id, int64_t term)
{
    struct rnode *r = &w->nd[id];
    struct raft_server was = r->rs;
    if (!raft_observe_term(&r->rs, term))
        return;
    if (was.role == RAFT_LEADER) {
        record(&w->stepdowns, &w->nstepdowns, &w->stepdowns_cap, s->now, id, was.term);
        kata_tl(&w->tl, s->now, "%s steps down: term %lld is over (saw %lld)", node_name[id],
                (long long)was.term, (long long)term);
        trace_event(s->trace, s->now, id, "step-down", "\"term\":%lld", (long long)was.term);
        arm(s, w, id);
    } else if (r->leader >= 0 && r->leader != id) {
        kata_tl(&w->tl, s->now, "%s adopts term %lld: from now on it refuses %s's appends", node_name[id],
                (long long)term, node_name[r->leader]);
    }
    r->leader = -1;
    r->prevoting = false;
}

static void send_append(struct sim *s, struct world *w, int id, int p)
{
    const struct rnode *r = &w->nd[id];
    struct msg m = {.term = r->rs.term, .a = r->next[p] - 1, .c = r->commit};
    m.b = term_at(r, m.a);
    for (int64_t i = m.a + 1; i <= r->len && m.n < BATCH; i++)
        m.e[m.n++] = r->log[i - 1];
    send(s, id, p, M_APPEND, &m);
}

static void broadcast(struct sim *s, struct world *w, int id)
{
    for (int p = 0; p < N; p++)
        if (p != id)
            send_append(s, w, id, p);
}

static void become_leader(struct sim *s, struct world *w, int id)
{
    struct rnode *r = &w->nd[id];
    r->rs.role = RAFT_LEADER;
    r->leader = id;
    r->prevoting = false;
    push(r, (struct entry){r->rs.term, 0}); /* a no-op of its own term, so it can commit what came before */
    for (int p = 0; p < N; p++) {
        r->next[p] = r->len;
        r->match[p] = p == id ? r->len : 0;
        r->heard[p] = s->now;
    }
    record(&w->leaders, &w->nleaders, &w->leaders_cap, s->now, id, r->rs.term);
    kata_tl(&w->tl, s->now, "%s becomes leader of term %lld", node_name[id], (long long)r->rs.term);
    trace_event(s->trace, s->now, id, "leader", "\"term\":%lld", (long long)r->rs.term);
    broadcast(s, w, id);
    sim_timer(s, id, w->p->heartbeat, T_HEARTBEAT, (uint64_t)r->rs.term);
    if (w->checkquorum)
        sim_timer(s, id, w->p->election, T_CHECKQ, (uint64_t)r->rs.term);
}

static void ask_votes(struct sim *s, struct world *w, int id, int type, int64_t term)
{
    const struct rnode *r = &w->nd[id];
    struct msg m = {.term = term, .a = r->len, .b = term_at(r, r->len)};
    raft_broadcast(s, id, N, type, &m, msg_len(&m));
}

/* Whether this timeout goes into the timeline: a node's first three do, then one line says it goes on. */
static bool shown(struct sim *s, struct world *w, int id)
{
    if (++w->timeouts[id] == 4)
        kata_tl(&w->tl, s->now, "%s keeps timing out every %.0f-%.0fs (not shown further)", node_name[id],
                (double)w->p->election / 1e9, 2 * (double)w->p->election / 1e9);
    return w->timeouts[id] < 4;
}

static void start_election(struct sim *s, struct world *w, int id)
{
    struct rnode *r = &w->nd[id];
    raft_become_candidate(&r->rs, id);
    r->leader = -1;
    r->prevoting = false;
    if (shown(s, w, id))
        kata_tl(&w->tl, s->now, "%s times out: candidate for term %lld", node_name[id],
                (long long)r->rs.term);
    trace_event(s->trace, s->now, id, "candidate", "\"term\":%lld", (long long)r->rs.term);
    arm(s, w, id);
    ask_votes(s, w, id, M_VOTE, r->rs.term);
}

/* Thesis 9.6: before raising its term a node asks whether a majority would vote for it; the term stays put.
 */
static void start_prevote(struct sim *s, struct world *w, int id)
{
    struct rnode *r = &w->nd[id];
    r->prevoting = true;
    r->prevotes = 1ULL << id;
    if (shown(s, w, id))
        kata_tl(&w->tl, s->now, "%s times out: pre-vote for term %lld (its own term stays %lld)",
                node_name[id], (long long)r->rs.term + 1, (long long)r->rs.term);
    trace_event(s->trace, s->now, id, "pre-candidate", "\"term\":%lld", (long long)r->rs.term + 1);
    arm(s, w, id);
    ask_votes(s, w, id, M_PREVOTE, r->rs.term + 1);
}

static bool log_ok(const struct rnode *r, const struct msg *m)
{
    return raft_log_up_to_date(m->a, m->b, r->len, term_at(r, r->len));
}

static void on_vote(struct sim *s, struct world *w, int id, int from, const struct msg *m, bool pre)
{
    struct rnode *r = &w->nd[id];
    if (m->term > r->rs.term && in_lease(s, w, id))
        return; /* CheckQuorum: the leader is alive, the request is ignored and the term kept */
    struct msg resp = {.a = m->term};
    if (pre) {
        resp.ok = raft_prevote_ok(&r->rs, m->term, log_ok(r, m));
    } else {
        observe_term(s, w, id, m->term);
        resp.ok = raft_may_grant(&r->rs, m->term, from, log_ok(r, m));
        if (resp.ok) {
            r->rs.voted_for = from;
            arm(s, w, id);
        }
    }
    resp.term = r->rs.term;
    send(s, id, from, pre ? M_PREVOTE_RESP : M_VOTE_RESP, &resp);
}

static void on_vote_resp(struct sim *s, struct world *w, int id, int from, const struct msg *m, bool pre)
{
    struct rnode *r = &w->nd[id];
    if (!pre || !m->ok)
        observe_term(s, w, id, m->term);
    if (pre) {
        if (r->prevoting && m->ok && m->a == r->rs.term + 1 && raft_add_voter(&r->prevotes, from, N))
            start_election(s, w, id);
    } else if (raft_tally_vote(&r->rs, m->term, from, m->ok, N)) {
        become_leader(s, w, id);
    }
}

static void on_append(struct sim *s, struct world *w, int id, int from, const struct msg *m)
{
    struct rnode *r = &w->nd[id];
    struct msg resp = {0};
    if (m->term < r->rs.term) {
        resp.term = r->rs.term; /* Figure 2: reply false with the current term; the old leader steps down */
        send(s, id, from, M_APPEND_RESP, &resp);
        return;
    }
    observe_term(s, w, id, m->term);
    r->rs.role = RAFT_FOLLOWER;
    r->prevoting = false;
    r->leader = from;
    r->heard_leader = s->now;
    arm(s, w, id);
    resp.term = r->rs.term;
    if (!raft_prev_matches(m->a, m->b, r->len, term_at(r, m->a))) {
        resp.a = m->a - 1 < r->len ? m->a - 1 : r->len;
        send(s, id, from, M_APPEND_RESP, &resp);
        return;
    }
    for (int i = 0; i < m->n; i++) {
        int64_t idx = m->a + 1 + i;
        if (idx <= r->len && term_at(r, idx) != m->e[i].term)
            r->len = idx - 1; /* a conflicting suffix is dropped */
        if (idx > r->len)
            push(r, m->e[i]);
    }
    int64_t last = m->a + m->n;
    if (m->c > r->commit)
        r->commit = m->c < last ? m->c : last;
    resp.ok = 1;
    resp.a = last;
    send(s, id, from, M_APPEND_RESP, &resp);
}

static void advance_commit(struct sim *s, struct world *w, int id)
{
    struct rnode *r = &w->nd[id];
    for (int64_t n = r->len; n > r->commit && term_at(r, n) == r->rs.term; n--) {
        if (!raft_majority_holds(r->match, N, n))
            continue;
        for (int64_t i = r->commit + 1; i <= n; i++)
            if (r->log[i - 1].id) {
                struct msg c = {.a = (int64_t)r->log[i - 1].id};
                send(s, id, CLIENT, M_COMMITTED, &c);
            }
        r->commit = n;
        return;
    }
}

static void on_append_resp(struct sim *s, struct world *w, int id, int from, const struct msg *m)
{
    struct rnode *r = &w->nd[id];
    observe_term(s, w, id, m->term);
    if (r->rs.role != RAFT_LEADER || m->term != r->rs.term)
        return;
    r->heard[from] = s->now;
    if (m->ok) {
        if (m->a > r->match[from])
            r->match[from] = m->a;
        r->next[from] = r->match[from] + 1;
        advance_commit(s, w, id);
    } else {
        r->next[from] = m->a + 1 < r->next[from] - 1 ? m->a + 1 : r->next[from] - 1;
        if (r->next[from] < 1)
            r->next[from] = 1;
        send_append(s, w, id, from);
    }
}

static void on_client(struct sim *s, struct world *w, const struct msg *m)
{
    uint64_t id = (uint64_t)m->a;
    if (id >= w->acked_cap || w->acked[id])
        return;
    w->acked[id] = 1;
    XGROW(w->commits, w->commits_cap, w->ncommits + 1);
    w->commits[w->ncommits++] = s->now;
}

static void on_message(struct sim *s, node_id self, const struct sim_msg *sm)
{
    struct world *w = s->user;
    struct msg m;
    memset(&m, 0, sizeof(m));
    memcpy(&m, sm->data, sm->len < sizeof(m) ? sm->len : sizeof(m));
    if (self == CLIENT) {
        on_client(s, w, &m);
        return;
    }
    struct rnode *r = &w->nd[self];
    switch (sm->type) {
    case M_WRITE:
        if (r->rs.role == RAFT_LEADER) {
            push(r, (struct entry){r->rs.term, (uint64_t)m.a});
            r->match[self] = r->len;
            broadcast(s, w, self);
        }
        break;
    case M_PREVOTE:
    case M_VOTE:
        on_vote(s, w, self, sm->from, &m, sm->type == M_PREVOTE);
        break;
    case M_PREVOTE_RESP:
    case M_VOTE_RESP:
        on_vote_resp(s, w, self, sm->from, &m, sm->type == M_PREVOTE_RESP);
        break;
    case M_APPEND:
        on_append(s, w, self, sm->from, &m);
        break;
    case M_APPEND_RESP:
        on_append_resp(s, w, self, sm->from, &m);
        break;
    }
}

/* Thesis 6.2 (CheckQuorum): a leader that has not heard from a majority within an election timeout steps
 * down. */
static void check_quorum(struct sim *s, struct world *w, int id)
{
    struct rnode *r = &w->nd[id];
    if (raft_heard_quorum(r->heard, N, id, s->now, w->p->election)) {
        sim_timer(s, id, w->p->election, T_CHECKQ, (uint64_t)r->rs.term);
        return;
    }
    record(&w->stepdowns, &w->nstepdowns, &w->stepdowns_cap, s->now, id, r->rs.term);
    kata_tl(&w->tl, s->now, "%s steps down: no majority heard within the election timeout", node_name[id]);
    r->rs.role = RAFT_FOLLOWER;
    r->leader = -1;
    arm(s, w, id);
}

static void on_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    struct world *w = s->user;
    if (kind == T_WRITE) {
        uint64_t id = ++w->next_id;
        XGROW(w->acked, w->acked_cap, id + 1);
        w->acked[id] = 0;
        struct msg m = {.a = (int64_t)id};
        for (int p = 0; p < N; p++)
            send(s, CLIENT, p, M_WRITE, &m);
        sim_timer(s, CLIENT, NS_PER_S / w->p->writes, T_WRITE, 0);
        return;
    }
    struct rnode *r = &w->nd[self];
    if (kind == T_HEARTBEAT || kind == T_CHECKQ) {
        if (!raft_heartbeat_due(&r->rs, arg))
            return;
        if (kind == T_CHECKQ) {
            check_quorum(s, w, self);
            return;
        }
        broadcast(s, w, self);
        sim_timer(s, self, w->p->heartbeat, T_HEARTBEAT, arg);
        return;
    }
    if (!raft_timer_fired(s, self, &r->timer, T_ELECTION, r->rs.role != RAFT_LEADER))
        return;
    if (w->prevote)
        start_prevote(s, w, self);
    else
        start_election(s, w, self);
}

static void cut(struct sim *s, void *ptr, uint64_t arg)
{
    struct world *w = ptr;
    (void)arg;
    net_cut(s, 0, 2);
    net_cut(s, 2, 0);
    trace_event(s->trace, s->now, -1, "fault", "\"cut\":\"node1<->node3\"");
    kata_tl(&w->tl, s->now, "fault: the switch drops node1<->node3 both ways; node2 still reaches both");
}

static void heal(struct sim *s, void *ptr, uint64_t arg)
{
    struct world *w = ptr;
    (void)arg;
    net_heal(s);
    trace_event(s->trace, s->now, -1, "heal", NULL);
    kata_tl(&w->tl, s->now, "fault healed (node1's term %lld, node3's %lld)", (long long)w->nd[0].rs.term,
            (long long)w->nd[2].rs.term);
}

static void boot(struct sim *s, void *ptr, uint64_t arg)
{
    struct world *w = ptr;
    (void)arg;
    /* a running cluster: node3 leads term 1, the others follow it */
    for (int i = 0; i < N; i++) {
        w->nd[i] = (struct rnode){.rs = {.term = 1, .voted_for = 2, .role = RAFT_FOLLOWER}, .leader = 2};
        if (i != 2)
            arm(s, w, i);
    }
    become_leader(s, w, 2);
    if (w->p->writes > 0)
        sim_timer(s, CLIENT, NS_PER_S / w->p->writes, T_WRITE, 0);
}

/* ---- the judge: reads only the recorded history ---- */

struct outcome {
    size_t leader_changes, stepdowns;
    int64_t max_term;
    sim_time longest_stall, stalled; /* stalled: the sum of the commit gaps longer than max_stall */
    size_t writes, committed;
};

static void judge(const struct world *w, sim_time from, sim_time end, sim_time max_stall, struct outcome *o)
{
    memset(o, 0, sizeof(*o));
    for (size_t i = 0; i < w->nleaders; i++)
        o->leader_changes += w->leaders[i].at > from;
    for (size_t i = 0; i < w->nstepdowns; i++)
        o->stepdowns += w->stepdowns[i].at > from;
    sim_time prev = from;
    for (size_t i = 0; i <= w->ncommits; i++) {
        sim_time t = i < w->ncommits ? w->commits[i] : end;
        if (t < from)
            continue;
        if (t - prev > o->longest_stall)
            o->longest_stall = t - prev;
        if (t - prev > max_stall)
            o->stalled += t - prev;
        prev = t;
    }
    o->writes = w->next_id;
    o->committed = w->ncommits;
    for (int i = 0; i < N; i++)
        o->max_term = w->nd[i].rs.term > o->max_term ? w->nd[i].rs.term : o->max_term;
}

static void run_config(struct kata_ctx *ctx, const struct params *p, enum config c, bool detail,
                       struct outcome *o)
{
    struct world *w = xcalloc(1, sizeof(*w));
    w->p = p;
    w->prevote = c == PREVOTE || c == BOTH;
    w->checkquorum = c == CHECKQUORUM || c == BOTH;
    kata_timeline_init(&w->tl, detail && !ctx->quiet, 40);
    static const struct sim_node_ops ops = {.on_message = on_message, .on_timer = on_timer};
    struct sim s;
    sim_init(&s, ctx->seed, N + 1, &ops, w);
    s.trace = detail ? ctx->trace : NULL;
    net_set_default(&s, &p->latency, 0, 0);
    sim_at(&s, 0, boot, w, 0);
    sim_at(&s, p->fault_at, cut, w, 0);
    sim_at(&s, p->fault_at + p->fault, heal, w, 0);
    sim_time end = p->fault_at + p->fault + p->after;
    sim_run_until(&s, end);
    judge(w, p->fault_at, end, p->writes > 0 ? p->max_stall : end, o);
    if (!p->writes)
        o->longest_stall = o->stalled = 0; /* nothing offered, nothing to wait for */
    if (w->tl.on)
        buf_printf(&ctx->text,
                   "\nsimulated timeline (%s; the switch fails at %.0fs and is fixed at %.0fs):\n%s",
                   config_names[c], (double)p->fault_at / 1e9, (double)(p->fault_at + p->fault) / 1e9,
                   w->tl.text.data ? w->tl.text.data : "");
    sim_close(&s);
    kata_timeline_close(&w->tl);
    for (int i = 0; i < N; i++)
        free(w->nd[i].log);
    free(w->acked);
    free(w->commits);
    free(w->leaders);
    free(w->stepdowns);
    free(w);
}

static bool read_params(struct kata_ctx *ctx, struct params *p, int *c)
{
    const struct kata *k = &replay_cloudflare_2020_scenario;
    if (!kata_get_choice(ctx, k, "config", config_names, c) ||
        !kata_get_duration(ctx, k, "election", &p->election) ||
        !kata_get_duration(ctx, k, "heartbeat", &p->heartbeat) ||
        !kata_get_duration(ctx, k, "fault_at", &p->fault_at) ||
        !kata_get_duration(ctx, k, "fault", &p->fault) || !kata_get_duration(ctx, k, "after", &p->after) ||
        !kata_get_duration(ctx, k, "max_stall", &p->max_stall) ||
        !kata_get_int(ctx, k, "writes", 0, 1000, &p->writes) ||
        !kata_get_dist(ctx, k, "latency", &p->latency))
        return false;
    /* In floating point: each duration may be up to 9e18 ns, and their sum must not wrap. */
    double run = (double)p->fault_at + (double)p->fault + (double)p->after;
    if (p->heartbeat < NS_PER_MS || (double)p->election < 2.0 * (double)p->heartbeat || p->fault <= 0 ||
        p->fault_at < p->election || p->max_stall <= 0 || run > 3600.0 * NS_PER_S) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad times: need heartbeat >= 1ms, election >= 2 x heartbeat, fault > 0, fault_at >= election, "
                 "max_stall > 0 and a run (fault_at + fault + after) of at most 1h");
        return false;
    }
    if (run / (double)p->heartbeat > 1e6 || (double)p->writes * run / NS_PER_S > 2e6) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "run too long for its rates: at most a million heartbeats (run / heartbeat) and two million "
                 "writes (writes x run in seconds)");
        return false;
    }
    return true;
}

static bool check_params(struct kata_ctx *ctx)
{
    struct params p;
    int c;
    return read_params(ctx, &p, &c);
}

static int cloudflare_run(struct kata_ctx *ctx)
{
    struct params p;
    int c;
    if (!read_params(ctx, &p, &c))
        return -1;
    struct outcome o;
    if (!ctx->quiet) {
        buf_printf(
            &ctx->text,
            "the same fault under each configuration (node1<->node3 cut for %.0fs; election timeout %.0f-"
            "%.0fms, heartbeat %.0fms, %ld writes/s):\n  %-20s %8s %9s %9s %12s %12s\n",
            (double)p.fault / 1e9, (double)p.election / 1e6, 2 * (double)p.election / 1e6,
            (double)p.heartbeat / 1e6, p.writes, "config", "leaders", "deposed", "max_term", "longest_s",
            "stalled_s");
        for (int i = 0; i < NCONFIGS; i++) {
            run_config(ctx, &p, (enum config)i, false, &o);
            buf_printf(&ctx->text, "  %-20s %8zu %9zu %9lld %12.2f %12.2f  %s\n", config_names[i],
                       o.leader_changes, o.stepdowns, (long long)o.max_term, (double)o.longest_stall / 1e9,
                       (double)o.stalled / 1e9, o.leader_changes ? "LEADER LOST" : "leader stays");
        }
        buf_printf(
            &ctx->text,
            "  (leaders: elected after the fault began; deposed: leaders that stepped down; longest_s: "
            "longest "
            "time with writes offered and none committed; stalled_s: the sum of such gaps over %.1fs)\n",
            (double)p.max_stall / 1e9);
    }
    run_config(ctx, &p, (enum config)c, true, &o);
    kata_check(ctx, "leader-stays", o.leader_changes == 0,
               "%zu leader(s) elected and %zu deposed after the fault began, though every node could reach a "
               "majority (node2)",
               o.leader_changes, o.stepdowns);
    kata_check(ctx, "writes-keep-committing", o.longest_stall <= p.max_stall,
               "longest time with writes offered and none committed: %.2fs (bound %.2fs); %zu of %zu writes "
               "committed",
               (double)o.longest_stall / 1e9, (double)p.max_stall / 1e9, o.committed, o.writes);
    kata_figure(ctx, "leaders_elected", (double)o.leader_changes);
    kata_figure(ctx, "leaders_deposed", (double)o.stepdowns);
    kata_figure(ctx, "max_term", (double)o.max_term);
    kata_figure(ctx, "longest_stall_s", (double)o.longest_stall / 1e9);
    kata_figure(ctx, "stalled_s", (double)o.stalled / 1e9);
    return 0;
}

static const struct kata_param params[] = {
    {"config", "as-was",
     "as-was (Raft as in Figure 2) | prevote (etcd --pre-vote alone) | checkquorum (etcd CheckQuorum alone) "
     "| "
     "prevote-checkquorum (both)"},
    {"election", "1000ms",
     "minimum election timeout; each timeout is drawn from [election, 2 x election) (etcd's "
     "default)"},
    {"heartbeat", "100ms", "leader heartbeat interval (etcd's default)"},
    {"fault_at", "10s", "when the switch starts dropping node1<->node3 (14:43 UTC in the postmortem)"},
    {"fault", "60s", "how long it drops them (the model's figure)"},
    {"after", "20s", "how long the run goes on after the switch is fixed"},
    {"writes", "10", "client writes per second (0: an idle cluster)"},
    {"max_stall", "500ms",
     "writes-keep-committing: the longest allowed time with writes offered and none committed"},
    {"latency", "uniform:1ms,2ms", "one-way latency between any two nodes"},
};

const struct kata replay_cloudflare_2020_scenario = {
    .name = "cloudflare-2020",
    .summary =
        "Cloudflare, 2 November 2020: a switch cuts one etcd node from the leader; Raft without PreVote and "
        "CheckQuorum keeps losing its leader",
    .drill = "001 Kata 4 (outage postmortem analysis); 001 Kata 2 (leader election)",
    .time_limit = "60 minutes per postmortem",
    .repeat_until = "you can spot a distributed-systems concept in any outage narrative without rereading",
    .what = "A partial partition: node1 cannot reach the leader while node2 reaches both. Raft as in Figure "
            "2 lets "
            "node1's timeouts depose a leader that a majority can reach; PreVote and CheckQuorum keep it.",
    .reading = "The table runs the same fault under each configuration; the timeline follows the chosen one.",
    .params = params,
    .nparams = (int)(sizeof(params) / sizeof(params[0])),
    .run = cloudflare_run,
};

const struct replay replay_cloudflare_2020 = {
    .name = "cloudflare-2020",
    .title = "Cloudflare, 2 November 2020: API and dashboard impaired for 6 hours 33 minutes",
    .source =
        "Cloudflare's \"A Byzantine failure in the real world\" (blog.cloudflare.com, 27 November 2020)",
    .timeline =
        "14:43 UTC  a switch in a control-plane rack half fails: it keeps running its routing protocols "
        "while\n"
        "           dropping part of the traffic it should forward, so nothing declares it down\n"
        "           etcd node 1 can no longer reach node 3, the leader; node 2 still reaches both\n"
        "           node 1, hearing no leader, keeps calling elections in ever higher terms; node 2 keeps\n"
        "           backing the leader it can still see; leadership is lost again and again and never\n"
        "           settles, and etcd stops accepting writes (reads still work)\n"
        "           the database cluster manager, which keeps its state in etcd, cannot update it and\n"
        "           fails the primary database over to a replica\n"
        "           a defect in the cluster manager makes every replica rebuild from scratch after a\n"
        "           promotion: the new primary serves all traffic alone and the authentication\n"
        "           database, among others, is overloaded; API success dips as low as 75 percent and the\n"
        "           dashboard runs up to 80 times slower than normal\n"
        "           engineers shed non-critical load and send API reads to replicas in the other\n"
        "           data centre, which helps most\n"
        "evening    the first rebuilt replica takes load and performance is normal again: 6 hours\n"
        "           33 minutes of API and dashboard impact; Cloudflare's edge was not affected\n"
        "after      automatic promotion is made less eager, the full-rebuild defect is fixed, and the\n"
        "           session system is redesigned so it can serve from either data centre\n",
    .concepts =
        "partial network failure (a gray failure: the switch is up for its neighbours and down for some "
        "traffic); nodes with different views of who is reachable (the postmortem calls it Byzantine; in "
        "the model it is an omission fault); Raft leader election and its liveness under partial "
        "partitions; PreVote and CheckQuorum (leader stickiness); a coordination service as a shared "
        "dependency whose loss cascades into database failover",
    .prevented =
        "etcd with PreVote and CheckQuorum (Ongaro's thesis 9.6, 6.2 and 4.2.3): node1 cannot win a "
        "pre-vote while node2 still hears its leader, so it never raises the term and node3 keeps "
        "leading; writes go on. Either option alone falls short in the model: CheckQuorum alone lets "
        "node1's term run up and depose the leader the moment the switch is fixed; PreVote alone depends "
        "on node1's log falling behind (try --param writes=0). The cost: an election waits for a pre-vote "
        "round trip.",
    .prevent_config = "prevote-checkquorum",
    .scenario = &replay_cloudflare_2020_scenario,
    .check_params = check_params,
};
