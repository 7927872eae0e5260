/* Kata `raft-log`: Raft log replication on top of the election (module 004, lane 4: "3 Raft traces with one
 * failure injection each (leader crash, follower crash, partition)"; Raft paper, Figure 2). Clients read and
 * write one register through the leader; entries are replicated by AppendEntries with the consistency check,
 * committed by a majority in the leader's term, applied in order, answered on apply. After every event the
 * Figure 3 properties and no committed entry lost are checked (src/check/logsafety.h); at the end the clients'
 * history is checked for linearizability (src/check/lin.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/history.h"
#include "check/lin.h"
#include "check/logsafety.h"
#include "core/fault.h"
#include "core/sim.h"
#include "core/units.h"
#include "katas/kata.h"
#include "katas/raft.h"

#define MAXN 15
#define MAXC 8
#define BATCH 16
#define MS NS_PER_MS
#define LIN_STEPS 20000000 /* search steps before the verdict is unknown */

extern const struct kata kata_raft_log;

enum ekind { E_NOOP, E_WRITE, E_READ };
enum { M_REQ = 1, M_RESP, M_VOTE_REQ, M_VOTE_RESP, M_APPEND, M_APPEND_RESP };
enum { T_ELECTION = 1, T_HEARTBEAT, T_NEXT, T_TIMEOUT, T_RETRY };

struct entry {
    int64_t term;
    int32_t kind, client;
    int64_t req, value;
};

struct msg { /* every message but AppendEntries */
    int64_t term, a, b; /* vote req: last index, last term; append resp: match, follower length */
    int64_t req, value;
    int32_t ok, has, hint;
};

struct append {
    int64_t term, prev_index, prev_term, commit;
    int32_t n;
    struct entry e[BATCH];
};

struct rnode {
    struct raft_server rs; /* term and votedFor are durable; role and votes are not */
    /* durable */
    struct entry *log; /* index i at log[i-1] */
    uint64_t *hash;    /* prefix hash of index i at hash[i-1] */
    size_t len, cap, hcap;
    /* volatile */
    int64_t commit, applied, value;
    bool has_value;
    int leader_hint;
    int64_t next[MAXN], match[MAXN];
    sim_timer_id election_timer;
};

struct client {
    int64_t req, value;
    int kind, target;
    bool pending;
    sim_timer_id timeout;
};

struct params {
    long n, clients;
    int64_t tmin, tmax, hb, think, ctimeout, fcrash, frestart, lcrash, lrestart, part, heal, duration, bound;
    double loss;
    struct dist latency;
};

struct world {
    const struct params *p;
    bool bug_no_prev, bug_ignore_log, bug_early_ack, bug_truncate_always;
    struct rnode nodes[MAXN];
    struct client cli[MAXC];
    struct history h;
    struct logsafety chk;
    int64_t next_value, elections, truncated, max_commit;
    sim_time last_ack;
    struct kata_timeline tlog;
};

#define tl(s, w, ...) kata_tl(&(w)->tlog, (s)->now, __VA_ARGS__)

static void note(struct sim *s, struct world *w, bool ok)
{
    if (!ok) {
        tl(s, w, "VIOLATION: %s", w->chk.last);
        trace_event(s->trace, s->now, -1, "violation", "\"what\":\"%s\"", w->chk.last);
    }
}

static int64_t last_term(const struct rnode *nd)
{
    return nd->len ? nd->log[nd->len - 1].term : 0;
}

static int64_t term_at(const struct rnode *nd, int64_t i)
{
    return i >= 1 && (size_t)i <= nd->len ? nd->log[i - 1].term : 0;
}

static uint64_t mix(uint64_t h, const struct entry *e)
{
    uint64_t x = h ^ ((uint64_t)e->term * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)e->kind << 56) ^
                 ((uint64_t)e->client << 40) ^ ((uint64_t)e->req * 0xbf58476d1ce4e5b9ULL) ^ (uint64_t)e->value;
    x ^= x >> 31;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 29);
}

/* Appends e at index len+1 and tells the checker. */
static void store(struct sim *s, struct world *w, int id, const struct entry *e)
{
    struct rnode *nd = &w->nodes[id];
    XGROW(nd->log, nd->cap, nd->len + 1);
    XGROW(nd->hash, nd->hcap, nd->len + 1);
    nd->log[nd->len] = *e;
    nd->hash[nd->len] = mix(nd->len ? nd->hash[nd->len - 1] : 0, e);
    nd->len++;
    note(s, w, logsafety_stored(&w->chk, id, (int64_t)nd->len, e->term, nd->hash[nd->len - 1]));
}

static void reset_election_timer(struct sim *s, struct world *w, int id)
{
    sim_cancel(s, w->nodes[id].election_timer);
    w->nodes[id].election_timer = sim_timer(s, id, rng_range(sim_rng(s, id), w->p->tmin, w->p->tmax), T_ELECTION, 0);
}

static void reply(struct sim *s, int from, int to, int64_t req, bool ok, int64_t value, bool has, int hint)
{
    struct msg m = {.req = req, .ok = ok, .value = value, .has = has, .hint = hint};
    net_send(s, from, to, M_RESP, &m, sizeof(m));
}

static void apply_committed(struct sim *s, struct world *w, int id)
{
    struct rnode *nd = &w->nodes[id];
    while (nd->applied < nd->commit) {
        int64_t i = ++nd->applied;
        const struct entry *e = &nd->log[i - 1];
        if (e->kind == E_WRITE) {
            nd->value = e->value;
            nd->has_value = true;
        }
        note(s, w, logsafety_applied(&w->chk, id, i, nd->hash[i - 1]));
        if (nd->rs.role == RAFT_LEADER && e->kind != E_NOOP && !(w->bug_early_ack && e->kind == E_WRITE))
            reply(s, id, (int)w->p->n + e->client, e->req, true, nd->value, nd->has_value, id);
    }
}

static void set_commit(struct sim *s, struct world *w, int id, int64_t c)
{
    struct rnode *nd = &w->nodes[id];
    if (c <= nd->commit)
        return;
    nd->commit = c;
    note(s, w, logsafety_committed(&w->chk, id, nd->rs.term, nd->hash, c));
    if (c > w->max_commit)
        w->max_commit = c;
    trace_event(s->trace, s->now, id, "commit", "\"index\":%lld", (long long)c);
    apply_committed(s, w, id);
}

static void send_append(struct sim *s, struct world *w, int id, int p)
{
    struct rnode *nd = &w->nodes[id];
    struct append a = {.term = nd->rs.term, .prev_index = nd->next[p] - 1, .commit = nd->commit};
    a.prev_term = term_at(nd, a.prev_index);
    for (int64_t i = nd->next[p]; (size_t)i <= nd->len && a.n < BATCH; i++)
        a.e[a.n++] = nd->log[i - 1];
    net_send(s, id, p, M_APPEND, &a, (uint32_t)(offsetof(struct append, e) + (size_t)a.n * sizeof(struct entry)));
}

static void broadcast_append(struct sim *s, struct world *w, int id)
{
    for (int p = 0; p < w->p->n; p++)
        if (p != id)
            send_append(s, w, id, p);
}

/* Figure 2, "All Servers" (raft_observe_term), with its timeline line. */
static void observe_term(struct sim *s, struct world *w, int id, int64_t term)
{
    struct raft_server *rs = &w->nodes[id].rs;
    enum raft_role was = rs->role;
    if (raft_observe_term(rs, term) && was == RAFT_LEADER)
        tl(s, w, "n%d steps down: saw term %lld", id, (long long)term);
}

static void become_leader(struct sim *s, struct world *w, int id)
{
    struct rnode *nd = &w->nodes[id];
    nd->rs.role = RAFT_LEADER;
    nd->leader_hint = id;
    sim_cancel(s, nd->election_timer);
    nd->election_timer = 0;
    note(s, w, logsafety_leader(&w->chk, id, nd->rs.term, nd->hash, nd->len));
    tl(s, w, "n%d becomes LEADER of term %lld (log %zu entries, commit %lld)", id, (long long)nd->rs.term,
       nd->len, (long long)nd->commit);
    trace_event(s->trace, s->now, id, "leader", "\"term\":%lld", (long long)nd->rs.term);
    for (int p = 0; p < w->p->n; p++) {
        nd->next[p] = (int64_t)nd->len + 1;
        nd->match[p] = 0;
    }
    /* A no-op of its own term lets it commit what earlier leaders left (section 8). */
    struct entry noop = {.term = nd->rs.term, .kind = E_NOOP, .client = -1};
    store(s, w, id, &noop);
    nd->match[id] = (int64_t)nd->len;
    broadcast_append(s, w, id);
    sim_timer(s, id, w->p->hb, T_HEARTBEAT, (uint64_t)nd->rs.term);
}

static void start_election(struct sim *s, struct world *w, int id)
{
    struct rnode *nd = &w->nodes[id];
    raft_become_candidate(&nd->rs, id);
    nd->leader_hint = -1; /* it timed out on its leader: sending clients there would not help */
    w->elections++;
    trace_event(s->trace, s->now, id, "candidate", "\"term\":%lld", (long long)nd->rs.term);
    reset_election_timer(s, w, id);
    struct msg m = {.term = nd->rs.term, .a = (int64_t)nd->len, .b = last_term(nd)};
    raft_broadcast(s, id, (int)w->p->n, M_VOTE_REQ, &m, sizeof(m));
    if (raft_majority((int)w->p->n) == 1)
        become_leader(s, w, id);
}

static void on_vote_req(struct sim *s, struct world *w, int id, int cand, const struct msg *m)
{
    struct rnode *nd = &w->nodes[id];
    observe_term(s, w, id, m->term);
    bool up = raft_log_up_to_date(m->a, m->b, (int64_t)nd->len, last_term(nd));
    bool grant = raft_may_grant(&nd->rs, m->term, cand, up || w->bug_ignore_log);
    if (grant) {
        nd->rs.voted_for = cand;
        reset_election_timer(s, w, id);
    }
    struct msg r = {.term = nd->rs.term, .ok = grant};
    net_send(s, id, cand, M_VOTE_RESP, &r, sizeof(r));
}

static void advance_commit(struct sim *s, struct world *w, int id)
{
    struct rnode *nd = &w->nodes[id];
    /* Figure 2: the largest N > commitIndex held by a majority with log[N].term == currentTerm. */
    for (int64_t n = (int64_t)nd->len; n > nd->commit; n--) {
        if (term_at(nd, n) != nd->rs.term)
            break;
        if (raft_majority_holds(nd->match, (int)w->p->n, n)) {
            set_commit(s, w, id, n);
            break;
        }
    }
}

static void on_append(struct sim *s, struct world *w, int id, int from, const struct append *a)
{
    struct rnode *nd = &w->nodes[id];
    observe_term(s, w, id, a->term);
    struct msg r = {.term = nd->rs.term};
    if (a->term < nd->rs.term) {
        net_send(s, id, from, M_APPEND_RESP, &r, sizeof(r));
        return;
    }
    nd->rs.role = RAFT_FOLLOWER;
    nd->leader_hint = from;
    reset_election_timer(s, w, id);
    bool prev_ok =
        raft_prev_matches(a->prev_index, a->prev_term, (int64_t)nd->len, term_at(nd, a->prev_index)) ||
        (w->bug_no_prev && a->prev_index <= (int64_t)nd->len); /* the bug: no term comparison */
    if (!prev_ok) {
        r.b = a->prev_index <= (int64_t)nd->len ? a->prev_index - 1 : (int64_t)nd->len;
        net_send(s, id, from, M_APPEND_RESP, &r, sizeof(r));
        return;
    }
    for (int k = 0; k < a->n; k++) {
        int64_t idx = a->prev_index + 1 + k;
        if ((size_t)idx <= nd->len && term_at(nd, idx) == a->e[k].term)
            continue;
        if ((size_t)idx <= nd->len) { /* a conflict: drop it and all that follow (Figure 2, rule 3) */
            note(s, w, logsafety_truncating(&w->chk, id, nd->hash, nd->len, idx));
            tl(s, w, "n%d drops entries %lld-%zu (term %lld from index %lld): they conflict with leader n%d", id,
               (long long)idx, nd->len, (long long)term_at(nd, idx), (long long)idx, from);
            trace_event(s->trace, s->now, id, "truncate", "\"from\":%lld,\"len\":%zu", (long long)idx, nd->len);
            w->truncated += (int64_t)nd->len - idx + 1;
            nd->len = (size_t)idx - 1;
        }
        store(s, w, id, &a->e[k]);
    }
    int64_t last_new = a->prev_index + a->n;
    if (w->bug_truncate_always && (int64_t)nd->len > last_new) {
        note(s, w, logsafety_truncating(&w->chk, id, nd->hash, nd->len, last_new + 1));
        w->truncated += (int64_t)nd->len - last_new;
        nd->len = (size_t)last_new;
    }
    set_commit(s, w, id, a->commit < last_new ? a->commit : last_new);
    r.ok = 1;
    r.a = last_new;
    net_send(s, id, from, M_APPEND_RESP, &r, sizeof(r));
}

static void on_append_resp(struct sim *s, struct world *w, int id, int from, const struct msg *m)
{
    struct rnode *nd = &w->nodes[id];
    observe_term(s, w, id, m->term);
    if (nd->rs.role != RAFT_LEADER || m->term != nd->rs.term)
        return;
    if (m->ok) {
        if (m->a > nd->match[from])
            nd->match[from] = m->a;
        nd->next[from] = nd->match[from] + 1;
        advance_commit(s, w, id);
        if ((size_t)nd->next[from] <= nd->len)
            send_append(s, w, id, from);
        return;
    }
    int64_t next = nd->next[from] - 1 < m->b + 1 ? nd->next[from] - 1 : m->b + 1;
    nd->next[from] = next > nd->match[from] + 1 ? next : nd->match[from] + 1;
    send_append(s, w, id, from);
}

static void on_request(struct sim *s, struct world *w, int id, int from, const struct msg *m)
{
    struct rnode *nd = &w->nodes[id];
    int c = from - (int)w->p->n;
    if (nd->rs.role != RAFT_LEADER) {
        reply(s, id, from, m->req, false, 0, false, nd->leader_hint);
        return;
    }
    struct entry e = {
        .term = nd->rs.term, .kind = (int32_t)m->a, .client = c, .req = m->req, .value = m->value};
    store(s, w, id, &e);
    nd->match[id] = (int64_t)nd->len;
    if (w->bug_early_ack && e.kind == E_WRITE)
        reply(s, id, from, m->req, true, m->value, true, id);
    broadcast_append(s, w, id);
    if (raft_majority((int)w->p->n) == 1)
        advance_commit(s, w, id);
}

/* ---- clients ---- */

static void client_send(struct sim *s, struct world *w, int c)
{
    struct client *cl = &w->cli[c];
    struct msg m = {.req = cl->req, .a = cl->kind, .value = cl->value};
    net_send(s, (int)w->p->n + c, cl->target, M_REQ, &m, sizeof(m));
    trace_event(s->trace, s->now, (int)w->p->n + c, "request", "\"req\":%lld,\"to\":%d", (long long)cl->req,
                cl->target);
}

static void client_next(struct sim *s, struct world *w, int c)
{
    struct client *cl = &w->cli[c];
    int self = (int)w->p->n + c;
    if (s->now > w->p->duration - w->p->ctimeout)
        return;
    cl->req++;
    cl->kind = rng_chance(sim_rng(s, self), 0.5) ? E_WRITE : E_READ;
    cl->value = cl->kind == E_WRITE ? ++w->next_value : 0;
    cl->pending = true;
    history_invoke(&w->h, c, cl->kind == E_WRITE ? "write" : "read", NULL,
                   cl->kind == E_WRITE ? hist_int(cl->value) : (struct hist_val){0}, s->now);
    client_send(s, w, c);
    cl->timeout = sim_timer(s, self, w->p->ctimeout, T_TIMEOUT, (uint64_t)cl->req);
}

static void client_finish(struct sim *s, struct world *w, int c, enum hist_type t, struct hist_val v)
{
    struct client *cl = &w->cli[c];
    int self = (int)w->p->n + c;
    history_complete(&w->h, c, t, v, s->now);
    trace_event(s->trace, s->now, self, "done", "\"req\":%lld,\"type\":\"%s\"", (long long)cl->req,
                hist_type_name(t));
    cl->pending = false;
    sim_cancel(s, cl->timeout);
    sim_timer(s, self, rng_range(sim_rng(s, self), 0, 2 * w->p->think), T_NEXT, 0);
}

/* Try the next node after the one that did not answer: in n tries every node is asked once. */
static void other_target(struct world *w, int c)
{
    w->cli[c].target = (w->cli[c].target + 1) % (int)w->p->n;
}

static void on_response(struct sim *s, struct world *w, int c, const struct msg *m)
{
    struct client *cl = &w->cli[c];
    if (!cl->pending || m->req != cl->req)
        return;
    if (m->ok) {
        w->last_ack = s->now;
        client_finish(s, w, c, HIST_OK,
                      cl->kind == E_WRITE ? hist_int(cl->value) : m->has ? hist_int(m->value) : hist_nil());
        return;
    }
    /* not the leader: try its hint, or another node after a moment */
    if (m->hint >= 0 && m->hint != cl->target) {
        cl->target = m->hint;
        client_send(s, w, c);
    } else {
        other_target(w, c);
        sim_timer(s, (int)w->p->n + c, 10 * MS, T_RETRY, (uint64_t)cl->req);
    }
}

/* ---- dispatch ---- */

static void on_message(struct sim *s, node_id self, const struct sim_msg *sm)
{
    struct world *w = s->user;
    if (sm->type == M_APPEND) {
        struct append a;
        memset(&a, 0, sizeof(a));
        memcpy(&a, sm->data, sm->len < sizeof(a) ? sm->len : sizeof(a));
        on_append(s, w, self, sm->from, &a);
        return;
    }
    struct msg m;
    memcpy(&m, sm->data, sizeof(m));
    struct rnode *nd = &w->nodes[self];
    switch (sm->type) {
    case M_REQ:
        on_request(s, w, self, sm->from, &m);
        break;
    case M_RESP:
        on_response(s, w, self - (int)w->p->n, &m);
        break;
    case M_VOTE_REQ:
        on_vote_req(s, w, self, sm->from, &m);
        break;
    case M_VOTE_RESP:
        observe_term(s, w, self, m.term);
        if (raft_tally_vote(&nd->rs, m.term, sm->from, m.ok, (int)w->p->n))
            become_leader(s, w, self);
        break;
    case M_APPEND_RESP:
        on_append_resp(s, w, self, sm->from, &m);
        break;
    }
}

static void on_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    struct world *w = s->user;
    if (self >= w->p->n) {
        int c = self - (int)w->p->n;
        struct client *cl = &w->cli[c];
        if (kind == T_NEXT)
            client_next(s, w, c);
        else if (kind == T_RETRY && cl->pending && (int64_t)arg == cl->req)
            client_send(s, w, c);
        else if (kind == T_TIMEOUT && cl->pending && (int64_t)arg == cl->req) {
            /* a write may still commit later (unknown); a read changed nothing */
            other_target(w, c);
            client_finish(s, w, c, cl->kind == E_WRITE ? HIST_INFO : HIST_FAIL, (struct hist_val){0});
        }
        return;
    }
    struct rnode *nd = &w->nodes[self];
    if (kind == T_ELECTION) {
        nd->election_timer = 0;
        if (nd->rs.role != RAFT_LEADER)
            start_election(s, w, self);
    } else if (kind == T_HEARTBEAT && raft_heartbeat_due(&nd->rs, arg)) {
        broadcast_append(s, w, self);
        sim_timer(s, self, w->p->hb, T_HEARTBEAT, arg);
    }
}

static void on_crash(struct sim *s, node_id self)
{
    struct world *w = s->user;
    if (self < w->p->n)
        tl(s, w, "n%d CRASHES (%s of term %lld, log %zu, commit %lld)", self,
           w->nodes[self].rs.role == RAFT_LEADER ? "leader" : "follower", (long long)w->nodes[self].rs.term,
           w->nodes[self].len, (long long)w->nodes[self].commit);
}

static void on_restart(struct sim *s, node_id self)
{
    struct world *w = s->user;
    if (self >= w->p->n)
        return;
    struct rnode *nd = &w->nodes[self];
    nd->rs.role = RAFT_FOLLOWER;
    nd->commit = nd->applied = 0; /* volatile: relearned from the leader, then re-applied from the log */
    nd->has_value = false;
    nd->leader_hint = -1;
    nd->election_timer = 0;
    tl(s, w, "n%d restarts with its log of %zu entries, term %lld", self, nd->len, (long long)nd->rs.term);
    reset_election_timer(s, w, self);
}

/* ---- the scripted scenario: one failure injection per trace, as the lane asks ---- */

static int current_leader(struct sim *s, struct world *w)
{
    int best = -1;
    for (int i = 0; i < w->p->n; i++)
        if (sim_is_up(s, i) && w->nodes[i].rs.role == RAFT_LEADER &&
            (best < 0 || w->nodes[i].rs.term > w->nodes[best].rs.term))
            best = i;
    return best;
}

static void crash_follower(struct sim *s, void *ptr, uint64_t arg)
{
    (void)arg;
    struct world *w = ptr;
    int l = current_leader(s, w);
    int f = (l + 1) % (int)w->p->n;
    tl(s, w, "FAULT: crash follower n%d", f);
    sim_crash(s, f);
}

static void restart_all(struct sim *s, void *ptr, uint64_t arg)
{
    (void)ptr;
    (void)arg;
    for (int i = 0; i < s->nnodes; i++)
        sim_restart(s, i);
}

static void crash_leader(struct sim *s, void *ptr, uint64_t arg)
{
    (void)arg;
    struct world *w = ptr;
    int l = current_leader(s, w);
    if (l < 0)
        return;
    tl(s, w, "FAULT: crash leader n%d", l);
    sim_crash(s, l);
}

static void partition(struct sim *s, void *ptr, uint64_t arg)
{
    (void)arg;
    struct world *w = ptr;
    int l = current_leader(s, w);
    if (l < 0)
        l = 0;
    int groups[MAXN + MAXC] = {0};
    int minority = ((int)w->p->n - 1) / 2;
    for (int k = 0; k < minority; k++)
        groups[(l + k) % w->p->n] = 1;
    groups[w->p->n] = 1; /* client 0 stays with the old leader */
    net_partition(s, groups);
    tl(s, w, "FAULT: partition: leader n%d and %d other node(s) with client 0 | the rest", l, minority - 1);
    trace_event(s->trace, s->now, l, "partition", "\"minority\":%d", minority);
}

static void heal(struct sim *s, void *ptr, uint64_t arg)
{
    (void)arg;
    net_heal(s);
    tl(s, (struct world *)ptr, "HEAL");
}

/* When the first operation invoked after t (by client c, or any if c < 0) was acknowledged, if before
 * `before`; else -1. */
static sim_time first_ok_after(const struct history *h, sim_time t, int c, sim_time before)
{
    sim_time invoked[MAXC] = {0};
    for (size_t i = 0; i < h->n; i++) {
        const struct hist_event *e = &h->ev[i];
        if (e->process < 0 || e->process >= MAXC || (c >= 0 && e->process != c))
            continue;
        if (e->type == HIST_INVOKE)
            invoked[e->process] = e->time_ns;
        else if (e->type == HIST_OK && invoked[e->process] > t && e->time_ns < before)
            return e->time_ns;
    }
    return -1;
}

static void phase_check(struct kata_ctx *ctx, const struct world *w, const char *name, sim_time at, int c,
                        const char *figure)
{
    sim_time t = first_ok_after(&w->h, at, c, INT64_MAX);
    bool ok = t >= 0 && t - at <= w->p->bound;
    if (t >= 0)
        kata_check(ctx, name, ok,
                   "first operation invoked after %.0fms acknowledged %.1fms later (bound %.0fms)",
                   (double)at / 1e6, (double)(t - at) / 1e6, (double)w->p->bound / 1e6);
    else
        kata_check(ctx, name, false,
                   "no operation invoked after %.0fms was acknowledged by the end at %.0fms (bound %.0fms)",
                   (double)at / 1e6, (double)w->p->duration / 1e6, (double)w->p->bound / 1e6);
    if (t >= 0 && figure)
        kata_figure(ctx, figure, (double)(t - at) / 1e6);
}

static void scripted(struct sim *s, struct world *w, struct kata_ctx *ctx)
{
    const struct params *p = w->p;
    sim_at(s, p->fcrash, crash_follower, w, 0);
    sim_at(s, p->frestart, restart_all, w, 0);
    sim_at(s, p->lcrash, crash_leader, w, 0);
    sim_at(s, p->lrestart, restart_all, w, 0);
    sim_at(s, p->part, partition, w, 0);
    sim_at(s, p->heal, heal, w, 0);
    sim_run_until(s, p->duration);
    phase_check(ctx, w, "commits-with-a-follower-down", p->fcrash, -1, NULL);
    phase_check(ctx, w, "new-leader-commits-after-leader-crash", p->lcrash, -1, "unavailable_after_leader_crash_ms");
    phase_check(ctx, w, "majority-side-commits-in-partition", p->part, -1, NULL);
    sim_time t = first_ok_after(&w->h, p->part, 0, p->heal);
    kata_check(ctx, "minority-side-commits-nothing", t < 0,
               "client 0, cut off with the old leader, got %s acknowledged of what it asked from %.0fms to the heal",
               t < 0 ? "nothing" : "an operation", (double)p->part / 1e6);
    phase_check(ctx, w, "commits-after-heal", p->heal, -1, NULL);
}

static bool read_params(struct kata_ctx *ctx, struct params *p)
{
    const struct kata *k = &kata_raft_log;
    if (!kata_get_int(ctx, k, "nodes", 1, MAXN, &p->n) ||
        !kata_get_int(ctx, k, "clients", 1, MAXC, &p->clients) ||
        !kata_get_duration(ctx, k, "timeout_min", &p->tmin) ||
        !kata_get_duration(ctx, k, "timeout_max", &p->tmax) ||
        !kata_get_duration(ctx, k, "heartbeat", &p->hb) ||
        !kata_get_duration_in(ctx, k, "think", NS_PER_MS, 3600 * NS_PER_S, &p->think) ||
        !kata_get_duration(ctx, k, "client_timeout", &p->ctimeout) ||
        !kata_get_duration(ctx, k, "follower_crash_at", &p->fcrash) ||
        !kata_get_duration(ctx, k, "follower_restart_at", &p->frestart) ||
        !kata_get_duration(ctx, k, "leader_crash_at", &p->lcrash) ||
        !kata_get_duration(ctx, k, "leader_restart_at", &p->lrestart) ||
        !kata_get_duration(ctx, k, "partition_at", &p->part) ||
        !kata_get_duration(ctx, k, "heal_at", &p->heal) ||
        !kata_get_duration_in(ctx, k, "duration", 0, 3600 * NS_PER_S, &p->duration) ||
        !kata_get_duration(ctx, k, "bound", &p->bound) ||
        !kata_get_double(ctx, k, "loss", 0, 0.9, &p->loss) || !kata_get_dist(ctx, k, "latency", &p->latency))
        return false;
    if (p->n < 3 && !ctx->nemesis && !ctx->random_faults) {
        /* With 2 nodes the majority is both: a crashed follower stops every commit; with 1 nobody is left. A
         * --nemesis schedule may still use any size. */
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad value '%ld' for parameter 'nodes': expected an integer 3..%d (the scenario crashes a "
                 "follower "
                 "and then the leader, and the rest must still form a majority; use --nemesis for smaller "
                 "clusters)",
                 p->n, MAXN);
        return false;
    }
    if (p->tmin <= 0 || p->tmax < p->tmin || p->hb <= 0 || p->hb >= p->tmin || p->ctimeout <= 0) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad timeouts: need 0 < heartbeat < timeout_min <= timeout_max and client_timeout > 0");
        return false;
    }
    if (ctx->random_faults && p->duration <= 2 * p->bound) {
        /* random faults stop at duration - 2 x bound, leaving the cluster that long to serve again */
        snprintf(
            ctx->error, sizeof(ctx->error),
            "bad schedule: with random faults duration must be longer than 2 x bound (got %lldms and %lldms)",
            (long long)(p->duration / NS_PER_MS), (long long)(p->bound / NS_PER_MS));
        return false;
    }
    bool scripted_run = !ctx->random_faults && !ctx->nemesis;
    if (scripted_run && !(p->fcrash < p->frestart && p->frestart <= p->lcrash && p->lcrash < p->lrestart && p->lrestart <= p->part &&
          p->part < p->heal && p->heal < p->duration)) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad schedule: need follower_crash_at < follower_restart_at <= leader_crash_at < leader_restart_at "
                 "<= partition_at < heal_at < duration");
        return false;
    }
    /* The log grows with every operation and the linearizability check with the history: both cost more than
     * linearly, so operations get the tighter bound. */
    return kata_bound_work(ctx, (double)p->clients * (double)p->duration / (double)p->think, 5000,
                           "client operations (clients x duration / think)",
                           "lower clients or duration, or raise think") &&
           kata_bound_work(ctx,
                           (double)p->duration * (double)(p->n - 1) *
                               (1.0 / (double)p->hb + (double)p->n / (double)p->tmin),
                           4e6, "messages (duration x (nodes-1) x (1/heartbeat + nodes/timeout_min))",
                           "lower duration or nodes, or raise heartbeat or timeout_min");
}

static void check_history(struct kata_ctx *ctx, struct world *w)
{
    struct lin_opts o = {.model = LIN_REGISTER};
    struct lin_problem lp;
    int rc = lin_init(&lp, &w->h, &o);
    enum lin_verdict v = LIN_UNKNOWN;
    if (!rc) { /* a bounded search: a broken run's history can make it explode; give up as unknown */
        for (size_t i = 0; i < lp.nparts; i++)
            lin_check_part(&lp, i, LIN_STEPS);
        v = lin_verdict(&lp);
    }
    struct buf why;
    buf_init(&why);
    if (rc)
        buf_printf(&why, "the history could not be read: %s", lp.err);
    else if (v != LIN_OK)
        lin_explain(&lp, &why);
    /* the explanation's last line names the operation that cannot be placed */
    const char *last = why.data ? why.data : "";
    size_t n = why.len;
    while (n && last[n - 1] == '\n')
        n--;
    const char *from = last + n;
    while (from > last && from[-1] != '\n')
        from--;
    while (*from == ' ')
        from++;
    kata_check(ctx, "linearizable", v == LIN_OK, "%s%.*s", v == LIN_OK ? "the clients' history is linearizable" : "",
               (int)(last + n - from), from);
    if (!ctx->quiet && v != LIN_OK)
        buf_printf(&ctx->text, "\nlinearizability: %s\n%s", lin_verdict_name(v), why.data ? why.data : "");
    buf_close(&why);
    lin_close(&lp);
}

static void report(struct kata_ctx *ctx, struct world *w, struct sim *s, const struct fault_plan *plan)
{
    char lat[96];
    dist_format(&w->p->latency, lat, sizeof(lat));
    buf_printf(&ctx->text, "raft-log: %ld nodes, %ld clients (read or write one register through the leader), latency "
                           "%s, loss %g%s%s\n",
               w->p->n, w->p->clients, lat, w->p->loss, ctx->bug ? ", bug " : "", ctx->bug ? ctx->bug : "");
    if (plan->n) {
        struct buf f;
        buf_init(&f);
        fault_format(plan, (int)w->p->n, &f);
        buf_printf(&ctx->text, "faults: %s\n", f.data);
        buf_close(&f);
    }
    buf_printf(&ctx->text, "\ntimeline:\n%s", w->tlog.text.data ? w->tlog.text.data : "");
    buf_printf(&ctx->text, "\nlogs at %.0fms (length, commit index, terms of the last entries):\n", (double)s->now / 1e6);
    for (int i = 0; i < w->p->n; i++) {
        const struct rnode *nd = &w->nodes[i];
        buf_printf(&ctx->text, "  n%d %-8s len %-4zu commit %-4lld ...", i,
                   !sim_is_up(s, i)             ? "down"
                   : nd->rs.role == RAFT_LEADER ? "leader"
                                                : "follower",
                   nd->len, (long long)nd->commit);
        for (size_t e = nd->len > 12 ? nd->len - 12 : 0; e < nd->len; e++)
            buf_printf(&ctx->text, " %lld", (long long)nd->log[e].term);
        buf_puts(&ctx->text, "\n");
    }
    size_t ok = 0, fail = 0, info = 0;
    for (size_t i = 0; i < w->h.n; i++)
        ok += w->h.ev[i].type == HIST_OK, fail += w->h.ev[i].type == HIST_FAIL, info += w->h.ev[i].type == HIST_INFO;
    buf_printf(&ctx->text, "\nclient history: %zu operations acknowledged, %zu reads timed out, %zu writes unknown "
                           "(timed out)\n",
               ok, fail, info);
}

static int raft_log_run(struct kata_ctx *ctx)
{
    struct params p;
    if (!read_params(ctx, &p))
        return -1;
    struct fault_plan plan;
    if (!kata_nemesis_plan(ctx, (int)(p.n + p.clients), &plan))
        return -1;
    struct world *w = xcalloc(1, sizeof(*w));
    w->p = &p;
    w->bug_no_prev = kata_bug_is(ctx, "no-prev-check");
    w->bug_ignore_log = kata_bug_is(ctx, "ignore-log");
    w->bug_early_ack = kata_bug_is(ctx, "ack-before-commit");
    w->bug_truncate_always = kata_bug_is(ctx, "truncate-always");
    kata_timeline_init(&w->tlog, !ctx->quiet, 300);
    history_init(&w->h);
    logsafety_init(&w->chk);
    static const struct sim_node_ops ops = {on_message, on_timer, on_crash, on_restart};
    struct sim s;
    sim_init(&s, ctx->seed, (int)(p.n + p.clients), &ops, w);
    s.trace = ctx->trace;
    net_set_default(&s, &p.latency, p.loss, 0);
    for (int i = 0; i < p.n; i++) {
        w->nodes[i].rs.voted_for = w->nodes[i].leader_hint = -1;
        reset_election_timer(&s, w, i);
    }
    for (int c = 0; c < p.clients; c++) {
        int self = (int)p.n + c;
        w->cli[c].target = (int)rng_below(sim_rng(&s, self), (uint64_t)p.n);
        sim_timer(&s, self, rng_range(sim_rng(&s, self), 0, 2 * p.think), T_NEXT, 0);
    }
    if (ctx->random_faults || ctx->nemesis) {
        sim_time faults_end = p.duration - 2 * p.bound;
        if (ctx->random_faults) {
            struct rng fr;
            rng_stream(&fr, ctx->seed, "faults", 0);
            fault_random(&plan, &fr, (int)p.n, 0, faults_end, (int)(p.n - 1) / 2);
        }
        fault_schedule(&plan, &s);
        sim_run_until(&s, p.duration);
        if (ctx->random_faults)
            phase_check(ctx, w, "commits-after-faults-heal", faults_end, -1, NULL);
    } else {
        scripted(&s, w, ctx);
    }
    for (int c = 0; c < p.clients; c++) /* still waiting at the end: unknown */
        if (w->cli[c].pending)
            history_complete(&w->h, c, w->cli[c].kind == E_WRITE ? HIST_INFO : HIST_FAIL, (struct hist_val){0},
                             s.now);
    kata_check(ctx, "raft-safety", w->chk.violations == 0, "%s",
               w->chk.violations ? w->chk.first
                                 : "election safety, log matching, leader completeness, state machine safety and no "
                                   "committed entry lost held after every event");
    check_history(ctx, w);
    kata_figure(ctx, "committed_entries", (double)w->max_commit);
    kata_figure(ctx, "elections", (double)w->elections);
    kata_figure(ctx, "entries_truncated", (double)w->truncated);
    kata_figure(ctx, "client_ops", (double)(w->h.n / 2));
    kata_figure(ctx, "messages", (double)s.stats.sent);
    if (!ctx->quiet)
        report(ctx, w, &s, &plan);
    sim_close(&s);
    fault_plan_close(&plan);
    for (int i = 0; i < p.n; i++) {
        free(w->nodes[i].log);
        free(w->nodes[i].hash);
    }
    history_close(&w->h);
    logsafety_close(&w->chk);
    kata_timeline_close(&w->tlog);
    free(w);
    return 0;
}


/* ---- the exercise: logs like Figure 7 of the Raft paper, to read by hand ---- */

#define EXN 5
#define EXLEN 24

struct exlogs {
    int n, len[EXN];
    int64_t t[EXN][EXLEN];
    int64_t committed[EXLEN]; /* the committed entries' terms, as the committing leader held them */
};

static bool ex_up_to_date(const struct exlogs *x, int cand, int voter)
{
    int64_t ct = x->len[cand] ? x->t[cand][x->len[cand] - 1] : 0, vt = x->len[voter] ? x->t[voter][x->len[voter] - 1] : 0;
    return raft_log_up_to_date(x->len[cand], ct, x->len[voter], vt);
}

static uint64_t ex_voters(const struct exlogs *x, int cand)
{
    uint64_t v = 0;
    for (int i = 0; i < x->n; i++)
        if (ex_up_to_date(x, cand, i))
            v |= 1ULL << i;
    return v;
}

static int ex_common(const struct exlogs *x, int a, int b)
{
    int c = 0;
    while (c < x->len[a] && c < x->len[b] && x->t[a][c] == x->t[b][c])
        c++;
    return c;
}

/* Terms 1..T, each with a leader elected by the up-to-date rule, appending entries and replicating some of them
 * to some followers; commit when an entry of the leader's term is on a majority. */
static int64_t ex_generate(struct rng *r, struct exlogs *x, int *commit)
{
    int64_t terms = rng_range(r, 4, 6);
    *commit = 0;
    for (int64_t term = 1; term <= terms; term++) {
        int cands[EXN] = {0}, nc = 0; /* never empty: the most up-to-date log gets every vote */
        for (int i = 0; i < x->n; i++)
            if (__builtin_popcountll(ex_voters(x, i)) >= raft_majority(x->n))
                cands[nc++] = i;
        int l = cands[rng_below(r, (uint64_t)nc)];
        int k = (int)rng_range(r, 1, 3);
        for (int e = 0; e < k && x->len[l] < EXLEN - 2; e++)
            x->t[l][x->len[l]++] = term;
        for (int f = 0; f < x->n; f++) {
            if (f == l || !rng_chance(r, 0.65))
                continue;
            int c = ex_common(x, l, f);
            int upto = (int)rng_range(r, c, x->len[l]);
            memcpy(x->t[f], x->t[l], sizeof(x->t[l][0]) * (size_t)upto);
            if (upto > c || x->len[f] > upto)
                x->len[f] = upto > c ? upto : x->len[f];
        }
        for (int idx = x->len[l]; idx > *commit; idx--) {
            int held = 0;
            for (int f = 0; f < x->n; f++)
                held += x->len[f] >= idx && ex_common(x, l, f) >= idx;
            if (x->t[l][idx - 1] == term && held >= raft_majority(x->n)) {
                *commit = idx;
                memcpy(x->committed, x->t[l], sizeof(x->committed[0]) * (size_t)idx);
                break;
            }
        }
    }
    return terms;
}

static void ex_set(uint64_t set, struct buf *b)
{
    buf_putc(b, '{');
    for (int i = 0, first = 1; i < 64; i++)
        if ((set >> i) & 1) {
            buf_printf(b, "%sn%d", first ? "" : ",", i);
            first = 0;
        }
    buf_putc(b, '}');
}

static int raft_log_exercise(struct kata_ctx *ctx, bool answers)
{
    struct rng r;
    rng_stream(&r, ctx->seed, "exercise", 0);
    struct exlogs x = {.n = EXN};
    int commit;
    int64_t terms = ex_generate(&r, &x, &commit);
    struct buf *t = &ctx->text;
    int width = 0;
    for (int i = 0; i < x.n; i++)
        width = x.len[i] > width ? x.len[i] : width;
    buf_printf(t, "Exercise (Raft logs after %lld terms, seed %llu)\n\nThe term of each entry, by index:\n\n  index ",
               (long long)terms, (unsigned long long)ctx->seed);
    for (int e = 1; e <= width; e++)
        buf_printf(t, "%3d", e);
    buf_puts(t, "\n");
    for (int i = 0; i < x.n; i++) {
        buf_printf(t, "  n%d    ", i);
        for (int e = 0; e < x.len[i]; e++)
            buf_printf(t, "%3lld", (long long)x.t[i][e]);
        buf_puts(t, "\n");
    }
    char cm[96];
    if (commit)
        snprintf(cm, sizeof(cm), "The entries up to index %d are committed", commit);
    else
        snprintf(cm, sizeof(cm), "No entry is committed yet (none of a leader's own term reached a majority)");
    buf_printf(t, "\n%s. Every node is up and connected; term %lld begins.\n\n"
                  "1. Which nodes can win the election for term %lld, and whose votes can each get (section 5.4.1)?\n"
                  "2. Does every node that can win hold entries 1..%d? Why must it?\n"
                  "3. The lowest-numbered node that can win does win. For every other node: which entries does it "
                  "keep, which does it drop, and how many does it receive?\n",
               cm, (long long)terms + 1, (long long)terms + 1, commit);
    if (!answers)
        return 0;
    buf_puts(t, "\nAnswer key\n\n1.");
    int winner = -1;
    bool complete = true;
    for (int i = 0; i < x.n; i++) {
        uint64_t v = ex_voters(&x, i);
        bool can = __builtin_popcountll(v) >= raft_majority(x.n);
        buf_printf(t, "%s n%d %s: its log is at least as up-to-date as that of ", i ? "\n  " : "", i,
                   can ? "CAN win" : "cannot win");
        ex_set(v, t);
        buf_printf(t, " (%d of %d)", __builtin_popcountll(v), x.n);
        if (can) {
            winner = winner < 0 ? i : winner;
            complete = complete && x.len[i] >= commit &&
                       memcmp(x.t[i], x.committed, sizeof(x.committed[0]) * (size_t)commit) == 0;
        }
    }
    buf_printf(t, "\n2. %s: the committed entries are on a majority, and a candidate needs a majority of votes; the two "
                  "majorities share a node, which votes only for a log at least as up-to-date as its own, so it "
                  "holds them all.\n3.",
               complete ? "yes" : "NO (the key found a winner without them)");
    for (int i = 0; i < x.n; i++) {
        if (i == winner)
            continue;
        int c = ex_common(&x, winner, i);
        buf_printf(t, "%s n%d keeps ", i == (winner == 0) ? "" : "  ", i);
        if (c)
            buf_printf(t, "1..%d", c);
        else
            buf_puts(t, "nothing");
        buf_printf(t, ", drops %d entr%s, receives %d\n", x.len[i] - c, x.len[i] - c == 1 ? "y" : "ies",
                   x.len[winner] - c);
    }
    kata_check(ctx, "key-winners-hold-committed-entries", complete,
               "every node that can win holds entries 1..%d (leader completeness on the generated logs)", commit);
    return 0;
}

static const struct kata_param params[] = {
    {"nodes", "5", "cluster size"},
    {"clients", "3", "clients, each reading or writing the register one operation at a time"},
    {"timeout_min", "150ms", "election timeout, lower end"},
    {"timeout_max", "300ms", "election timeout, upper end"},
    {"heartbeat", "50ms", "leader AppendEntries interval when idle"},
    {"think", "10ms", "a client waits uniform 0..2*think between operations"},
    {"client_timeout", "300ms", "a client gives up on an operation (a write's outcome is then unknown)"},
    {"latency", "uniform:1ms,10ms", "one-way message latency distribution"},
    {"loss", "0", "probability a message is lost"},
    {"follower_crash_at", "1s", "trace 1: a follower crashes"},
    {"follower_restart_at", "1.5s", "... and restarts"},
    {"leader_crash_at", "2.5s", "trace 2: the leader crashes"},
    {"leader_restart_at", "3s", "... and restarts"},
    {"partition_at", "4s", "trace 3: the leader and one follower (with client 0) are cut off from the other three"},
    {"heal_at", "5s", "... until here"},
    {"duration", "6s", "virtual time to run"},
    {"bound", "2s", "after each fault an operation must be acknowledged within this bound"},
};

static const struct kata_bug bugs[] = {
    {"no-prev-check", "a follower appends without checking that its entry at prevLogIndex has prevLogTerm"},
    {"ignore-log", "votes are granted without the up-to-date log check"},
    {"ack-before-commit", "the leader acknowledges a write when it appends it, before it commits"},
    {"truncate-always", "a follower drops every entry after the ones an AppendEntries carries, even without a "
                        "conflict (a late, reordered AppendEntries then removes acknowledged entries)"},
};

const struct kata kata_raft_log = {
    .name = "raft-log",
    .summary = "Raft log replication: follower crash, leader crash, partition; Figure 3 safety and linearizability",
    .drill = "Book Exercise Lanes, lane 4 (Consensus): 3 Raft traces with one failure injection each (leader crash, "
             "follower crash, partition) (module 004)",
    .time_limit = "one trace by hand per sitting",
    .repeat_until = "you can say, at each fault, which entries are committed, which a new leader must hold and which "
                    "a rejoining node will drop",
    .what = "Five nodes run Raft (Figure 2): the election of raft-election plus AppendEntries with the "
            "prevLogIndex/prevLogTerm check, conflict truncation, commit by a majority in the leader's term (a no-op "
            "starts every term) and in-order apply. Clients read and write one register through the leader, "
            "answered when their entry is applied. The scripted run crashes a follower, then the leader, then cuts "
            "the leader and one follower off; swarms draw faults from the seed.",
    .reading = "The timeline shows faults, elections, step-downs and truncations (entries a rejoining node drops). "
               "The logs table gives each node's length, commit index and the terms of its last entries. Checks: one "
               "per fault (an operation acknowledged within the bound; nothing acknowledged on the minority side), "
               "raft-safety after every event (src/check/logsafety.c), linearizable for the clients' history "
               "(src/check/lin.c).",
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .bugs = bugs,
    .nbugs = sizeof(bugs) / sizeof(bugs[0]),
    .run = raft_log_run,
    .exercise = raft_log_exercise,
    .exercise_what = "Raft logs like the paper's Figure 7: who can be elected, do they hold the committed entries, "
                     "what each follower keeps, drops and receives",
};
