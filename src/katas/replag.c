/* Kata `replag`: a replication-lag read anomaly (module 000, Kata 2) and its fixes (002's tokens and sticky
 * sessions); every verdict comes from the session-guarantee checker (src/check/session) on the recorded
 * history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/history.h"
#include "check/session.h"
#include "core/dist.h"
#include "core/sim.h"
#include "core/units.h"
#include "katas/kata.h"
#include "report/svg.h"

#define MAXR 8
#define MAXU 16
#define RING_POINTS 16
#define NQ 20                        /* questions in the consistent-prefix scene */
#define WAIT_POLL_NS (5 * NS_PER_MS) /* lsn-wait polls pg_last_wal_replay_lsn() this often */

extern const struct kata kata_replag;

enum fix { FIX_NONE, FIX_PRIMARY, FIX_LSN_WAIT, FIX_STICKY, FIX_TOKEN, NFIX };
static const char *const fix_names[] = {"none", "read-primary", "lsn-wait", "sticky", "token-routing", NULL};

struct params {
    int fix;
    int nrep;
    int64_t delay_ns[MAXR];
    int64_t part_delay_ns[2];
    int users, rounds, reads, partitions;
    int64_t period_ns, bg_ns, fail_ns, router_poll_ns;
    struct dist net, ship;
    bool bug_before, bug_not_max, bug_received;
};

/* One replicated log: the primary's commits (LSN = index + 1) and, per replica, when each record arrived
 * (receive LSN) and when it was replayed: max(arrival, commit + recovery_min_apply_delay), in log order. */
struct replica {
    int64_t delay_ns, fail_ns; /* fail_ns < 0: never fails */
    int64_t *recv_ns, *apply_ns;
};

struct cluster {
    int64_t *commit_ns;
    int64_t
        *gseq; /* position in the order of all commits of the run (for consistent prefix across leaders) */
    size_t n, cap;
    int nrep;
    struct replica rep[MAXR];
    int node0; /* sim node of the primary; replica i is node0 + 1 + i */
};

/* One read as the table and the picture show it. */
struct readrec {
    int64_t t_ns, lat_ns, lag_ns, seen, own;
    int user, round, k, node; /* node 0: primary, i: replica i */
    bool miss;
};

struct user {
    int64_t write_lsn, token_write, seen_lsn, planned_ns, invoked_ns;
    int round, k;
    int64_t served_ns;
    int node;
};

struct world {
    const struct params *p;
    struct sim *s;
    struct history h;
    struct rng rnet;
    struct cluster c[2]; /* phase 1 uses c[0]; phase 2 one cluster per leader */
    struct user u[MAXU + 1];
    int fail_rep;
    int rr;
    int64_t end_ns;
    struct readrec *reads;
    size_t nreads, reads_cap;
    size_t primary_reads;
    bool failed; /* a replica failed during the run */
    /* phase 2: question i on leader A (local LSN q_lsn[i]), answer i on leader B (or both on one leader) */
    int nq, obs_node[2];
    int64_t q_lsn[NQ], a_lsn[NQ], obs_served[2];
    int gpart[2 * NQ];
    int64_t glocal[2 * NQ], gseq;
};

static void cluster_close(struct cluster *c)
{
    free(c->commit_ns);
    free(c->gseq);
    for (int i = 0; i < c->nrep; i++) {
        free(c->rep[i].recv_ns);
        free(c->rep[i].apply_ns);
    }
}

/* Commits one record at now and ships it to every replica. Returns its LSN. */
static int64_t cluster_commit(struct cluster *c, int64_t now, int64_t gseq, const struct dist *ship,
                              struct rng *r)
{
    size_t old = c->cap;
    XGROW(c->commit_ns, c->cap, c->n + 1);
    size_t cap = old;
    XGROW(c->gseq, cap, c->n + 1);
    for (int i = 0; i < c->nrep; i++) {
        cap = old;
        XGROW(c->rep[i].recv_ns, cap, c->n + 1);
        cap = old;
        XGROW(c->rep[i].apply_ns, cap, c->n + 1);
    }
    size_t n = c->n;
    c->commit_ns[n] = now;
    c->gseq[n] = gseq;
    for (int i = 0; i < c->nrep; i++) {
        struct replica *rp = &c->rep[i];
        int64_t recv = now + dist_sample(ship, r);
        if (n && recv < rp->recv_ns[n - 1])
            recv = rp->recv_ns[n - 1]; /* the WAL stream is in order */
        int64_t apply = recv > now + rp->delay_ns ? recv : now + rp->delay_ns;
        if (n && apply < rp->apply_ns[n - 1])
            apply = rp->apply_ns[n - 1];
        rp->recv_ns[n] = recv;
        rp->apply_ns[n] = apply;
    }
    c->n++;
    return (int64_t)c->n;
}

/* The number of records whose time in arr (non-decreasing) is <= t: an LSN. */
static int64_t lsn_at(const int64_t *arr, size_t n, int64_t t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (arr[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (int64_t)lo;
}

/* What node (0 primary, i replica i) has replayed at t: pg_last_wal_replay_lsn(), or pg_current_wal_lsn(). */
static int64_t replay_lsn(const struct cluster *c, int node, int64_t t)
{
    return lsn_at(node ? c->rep[node - 1].apply_ns : c->commit_ns, c->n, t);
}

static bool rep_up(const struct cluster *c, int i, int64_t t)
{
    return c->rep[i].fail_ns < 0 || t < c->rep[i].fail_ns;
}

/* A node's lag at t: how long ago the oldest record it has not replayed was committed (0 if caught up). */
static int64_t lag_at(const struct cluster *c, int node, int64_t t)
{
    int64_t seen = replay_lsn(c, node, t), head = lsn_at(c->commit_ns, c->n, t);
    return seen < head ? t - c->commit_ns[seen] : 0;
}

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Sticky assignment by consistent hashing of the user id: RING_POINTS points per replica on a 64-bit ring; a
 * user goes to the first live replica clockwise from its hash. When that replica fails, only its users move
 * (to the next point's replica). Returns a replica index, or -1 if none is up. */
static int ring_pick(const struct cluster *c, int user, int64_t t)
{
    uint64_t h = mix64(mix64((uint64_t)user)), best = 0, first = UINT64_MAX;
    int pick = -1, wrap = -1;
    bool found = false;
    for (int i = 0; i < c->nrep; i++) {
        if (!rep_up(c, i, t))
            continue;
        for (uint64_t k = 0; k < RING_POINTS; k++) {
            uint64_t pt = mix64(((uint64_t)i << 32) | k);
            if (pt >= h && (!found || pt < best)) {
                best = pt;
                pick = i;
                found = true;
            }
            if (pt < first) {
                first = pt;
                wrap = i;
            }
        }
    }
    return found ? pick : wrap;
}

/* The load balancer: a live replica at random (from the run's network stream); -1 if none. */
static int lb_pick(struct world *w, const struct cluster *c, int64_t t)
{
    int live[MAXR], n = 0;
    for (int i = 0; i < c->nrep; i++)
        if (rep_up(c, i, t))
            live[n++] = i;
    return n ? live[rng_below(&w->rnet, (uint64_t)n)] : -1;
}

/* Routes a read issued at t by user u and returns where and when it is served (node 0: the primary). The
 * fixes: read-primary:  a session that has written reads from the primary; lsn-wait:      the load balancer's
 * replica is polled until it has replayed the session's token, max(commit LSN of its write, LSN its last read
 * saw); if the replica fails meanwhile the read goes to the primary; sticky:        the user's replica by
 * consistent hashing (re-hashed when it fails); token-routing: a router that polls every replica's replay LSN
 * sends the read to one that has replayed the token, else to the primary. */
static int route(struct world *w, const struct cluster *c, const struct user *u, int64_t t, bool wrote,
                 int64_t *served)
{
    const struct params *p = w->p;
    int64_t hop = dist_sample(&p->net, &w->rnet);
    int64_t token = p->bug_not_max || u->seen_lsn < u->token_write ? u->token_write : u->seen_lsn;
    *served = t + hop;
    int r = -1;
    switch (p->fix) {
    case FIX_PRIMARY:
        r = wrote ? -1 : lb_pick(w, c, t);
        break;
    case FIX_STICKY:
        r = ring_pick(c, u - w->u, t);
        break;
    case FIX_TOKEN: {
        int64_t tp = p->router_poll_ns ? t / p->router_poll_ns * p->router_poll_ns : t;
        for (int i = 0; i < c->nrep && r < 0; i++) {
            int cand = (w->rr + i) % c->nrep;
            const int64_t *known = p->bug_received ? c->rep[cand].recv_ns : c->rep[cand].apply_ns;
            if (rep_up(c, cand, t) && lsn_at(known, c->n, tp) >= token) {
                r = cand;
                w->rr = cand + 1;
            }
        }
        break;
    }
    default:
        r = lb_pick(w, c, t);
    }
    if (r < 0)
        return 0;
    if (p->fix == FIX_LSN_WAIT && token > 0 && replay_lsn(c, r + 1, *served) < token) {
        int64_t ready = c->rep[r].apply_ns[token - 1];
        *served += (ready - *served + WAIT_POLL_NS - 1) / WAIT_POLL_NS * WAIT_POLL_NS;
    }
    if (!rep_up(c, r, *served)) {
        *served = c->rep[r].fail_ns + dist_sample(&p->net, &w->rnet);
        return 0;
    }
    return r + 1;
}

static void set_version(struct history *h, size_t ev, int64_t v)
{
    h->ev[ev].version = v;
    h->ev[ev].version_is_lsn = true;
}

static void row_key(char *out, size_t n, int user, int round)
{
    snprintf(out, n, "u%d.%d", user, round);
}

/* ---- phase 1: users write a row, then read it back `reads` times, `period` apart ---- */

static void on_write(struct sim *s, void *ptr, uint64_t arg);

static void on_bg(struct sim *s, void *ptr, uint64_t arg)
{
    struct world *w = ptr;
    size_t i = history_invoke(&w->h, 0, "write", "bg", hist_int((int64_t)arg), s->now);
    int64_t lsn = cluster_commit(&w->c[0], s->now, 0, &w->p->ship, &w->rnet);
    set_version(&w->h, i, lsn);
    set_version(&w->h, history_complete(&w->h, 0, HIST_OK, hist_int((int64_t)arg), s->now), lsn);
    if (s->now + w->p->bg_ns < w->end_ns)
        sim_at(s, s->now + w->p->bg_ns, on_bg, w, arg + 1);
}

static void on_read(struct sim *s, void *ptr, uint64_t arg);

static void on_read_done(struct sim *s, void *ptr, uint64_t arg)
{
    struct world *w = ptr;
    struct user *u = &w->u[arg];
    int64_t seen = replay_lsn(&w->c[0], u->node, u->served_ns);
    bool miss = seen < u->write_lsn;
    size_t e = history_complete(&w->h, (int64_t)arg, HIST_OK, miss ? hist_nil() : hist_int(u->round), s->now);
    set_version(&w->h, e, seen);
    if (seen > u->seen_lsn)
        u->seen_lsn = seen;
    XGROW(w->reads, w->reads_cap, w->nreads + 1);
    w->reads[w->nreads++] = (struct readrec){.t_ns = u->invoked_ns,
                                             .lat_ns = s->now - u->invoked_ns,
                                             .lag_ns = lag_at(&w->c[0], u->node, u->served_ns),
                                             .seen = seen,
                                             .own = u->write_lsn,
                                             .user = (int)arg,
                                             .round = u->round,
                                             .k = u->k,
                                             .node = u->node,
                                             .miss = miss};
    if (u->node == 0)
        w->primary_reads++;
    if (s->trace)
        trace_event(s->trace, s->now, u->node, "read",
                    "\"user\":%d,\"round\":%d,\"read\":%d,\"lsn\":%lld,\"row_lsn\":%lld,\"miss\":%s",
                    (int)arg, u->round, u->k, (long long)seen, (long long)u->write_lsn,
                    miss ? "true" : "false");
    u->k++;
    int64_t next = u->planned_ns + u->k * w->p->period_ns;
    sim_fn fn = on_read;
    if (u->k >= w->p->reads) {
        if (++u->round >= w->p->rounds)
            return;
        fn = on_write;
    }
    sim_at(s, next > s->now ? next : s->now, fn, w, arg);
}

static void on_read(struct sim *s, void *ptr, uint64_t arg)
{
    struct world *w = ptr;
    struct user *u = &w->u[arg];
    char key[32];
    row_key(key, sizeof(key), (int)arg, u->round);
    history_invoke(&w->h, (int64_t)arg, "read", key, (struct hist_val){0}, s->now);
    u->invoked_ns = s->now;
    u->node = route(w, &w->c[0], u, s->now, true, &u->served_ns);
    sim_at(s, u->served_ns + dist_sample(&w->p->net, &w->rnet), on_read_done, w, arg);
}

static void on_write_done(struct sim *s, void *ptr, uint64_t arg)
{
    struct world *w = ptr;
    struct user *u = &w->u[arg];
    set_version(&w->h, history_complete(&w->h, (int64_t)arg, HIST_OK, hist_int(u->round), s->now),
                u->write_lsn);
    u->planned_ns = s->now;
    u->k = 0;
    on_read(s, w, arg);
}

static void on_commit(struct sim *s, void *ptr, uint64_t arg)
{
    struct world *w = ptr;
    struct user *u = &w->u[arg];
    u->write_lsn = cluster_commit(&w->c[0], s->now, 0, &w->p->ship, &w->rnet);
    if (!w->p->bug_before)
        u->token_write = u->write_lsn;
    if (s->trace)
        trace_event(s->trace, s->now, 0, "commit", "\"user\":%d,\"round\":%d,\"lsn\":%lld", (int)arg,
                    u->round, (long long)u->write_lsn);
    sim_at(s, s->now + dist_sample(&w->p->net, &w->rnet), on_write_done, w, arg);
}

static void on_write(struct sim *s, void *ptr, uint64_t arg)
{
    struct world *w = ptr;
    struct user *u = &w->u[arg];
    char key[32];
    row_key(key, sizeof(key), (int)arg, u->round);
    history_invoke(&w->h, (int64_t)arg, "write", key, hist_int(u->round), s->now);
    /* The bug captures pg_current_wal_lsn() before the INSERT has committed: an LSN short of the row. */
    u->token_write = (int64_t)w->c[0].n;
    sim_at(s, s->now + dist_sample(&w->p->net, &w->rnet), on_commit, w, arg);
}

static void on_fail(struct sim *s, void *ptr, uint64_t arg)
{
    struct world *w = ptr;
    w->failed = true;
    sim_crash(s, (node_id)arg + 1);
    if (s->trace)
        trace_event(s->trace, s->now, (int)arg + 1, "fail", "\"replica\":%d", (int)arg + 1);
}

static void world_close(struct world *w)
{
    history_close(&w->h);
    cluster_close(&w->c[0]);
    cluster_close(&w->c[1]);
    free(w->reads);
}

/* Runs the users' script; w is zeroed by the caller. */
static void run_sessions(struct world *w, const struct params *p, uint64_t seed, struct trace *trace,
                         bool random_faults)
{
    w->p = p;
    history_init(&w->h);
    rng_stream(&w->rnet, seed, "replag-net", 0);
    w->c[0].nrep = p->nrep;
    w->fail_rep = 0;
    for (int i = 0; i < p->nrep; i++) {
        w->c[0].rep[i] = (struct replica){.delay_ns = p->delay_ns[i], .fail_ns = -1};
        if (p->delay_ns[i] < p->delay_ns[w->fail_rep])
            w->fail_rep = i;
    }
    int64_t fail_ns = p->fail_ns;
    if (random_faults) {
        struct rng rf;
        rng_stream(&rf, seed, "replag-faults", 0);
        fail_ns = -1;
        if (rng_chance(&rf, 0.5)) {
            w->fail_rep = (int)rng_below(&rf, (uint64_t)p->nrep);
            fail_ns = rng_range(&rf, 0, (int64_t)p->rounds * p->reads * p->period_ns);
        }
    }
    w->c[0].rep[w->fail_rep].fail_ns = fail_ns;
    static const struct sim_node_ops ops = {0};
    struct sim s;
    sim_init(&s, seed, 1 + p->nrep, &ops, w);
    s.trace = trace;
    w->s = &s;
    int64_t round_ns = p->reads * p->period_ns;
    w->end_ns = NS_PER_S + p->users * 137 * NS_PER_MS + p->rounds * round_ns;
    if (p->bg_ns)
        sim_at(&s, 0, on_bg, w, 1);
    for (int u = 1; u <= p->users; u++)
        sim_at(&s, NS_PER_S + (u - 1) * 137 * NS_PER_MS, on_write, w, (uint64_t)u);
    if (fail_ns >= 0)
        sim_at(&s, fail_ns, on_fail, w, (uint64_t)w->fail_rep);
    sim_run_until(&s, w->end_ns + 3600 * NS_PER_S);
    sim_close(&s);
    w->s = NULL;
}

/* ---- phase 2: a question on leader A, its answer on leader B, and an observer reading replicas of both ----
 */

static int64_t commit_global(struct world *w, int part)
{
    struct cluster *c = &w->c[part];
    int64_t g = ++w->gseq;
    int64_t lsn = cluster_commit(c, w->s->now, g, &w->p->ship, &w->rnet);
    w->gpart[g - 1] = part;
    w->glocal[g - 1] = lsn;
    return lsn;
}

/* The observer's snapshot as a position in the order of all commits: the longest prefix of that order it can
 * see (seen[part] is the LSN it saw on each leader's log). */
static int64_t global_prefix(const struct world *w, const int64_t *seen)
{
    int64_t g = 0;
    while (g < w->gseq && w->glocal[g] <= seen[w->gpart[g]])
        g++;
    return g;
}

/* Mr. Poons asks (process 1, leader A); Mrs. Cake reads the question on leader A and answers (process 2, on
 * the answers' leader), 200 ms later. */
static void on_question(struct sim *s, void *ptr, uint64_t i)
{
    struct world *w = ptr;
    char key[16];
    snprintf(key, sizeof(key), "q%d", (int)i);
    history_invoke(&w->h, 1, "write", key, hist_int((int64_t)i), s->now);
    w->q_lsn[i] = commit_global(w, 0);
    set_version(&w->h, history_complete(&w->h, 1, HIST_OK, hist_int((int64_t)i), s->now), w->gseq);
    w->nq = (int)i + 1;
    if (i + 1 < NQ)
        sim_at(s, s->now + NS_PER_S, on_question, w, i + 1);
}

static void on_answer(struct sim *s, void *ptr, uint64_t i)
{
    struct world *w = ptr;
    int bpart = w->p->partitions == 2 ? 1 : 0;
    char key[16];
    snprintf(key, sizeof(key), "q%d", (int)i);
    history_invoke(&w->h, 2, "read", key, (struct hist_val){0}, s->now);
    int64_t seen[2] = {(int64_t)w->c[0].n, (int64_t)w->c[1].n};
    set_version(&w->h, history_complete(&w->h, 2, HIST_OK, hist_int((int64_t)i), s->now),
                global_prefix(w, seen));
    snprintf(key, sizeof(key), "a%d", (int)i);
    history_invoke(&w->h, 2, "write", key, hist_int((int64_t)i), s->now);
    w->a_lsn[i] = commit_global(w, bpart);
    set_version(&w->h, history_complete(&w->h, 2, HIST_OK, hist_int((int64_t)i), s->now), w->gseq);
    if (i + 1 < NQ)
        sim_at(s, s->now + NS_PER_S, on_answer, w, i + 1);
}

/* The observer (process 3) reads the thread: the newest answer it can see, routed by the fix like any read of
 * a session that has not written. */
static void on_observe_done(struct sim *s, void *ptr, uint64_t arg)
{
    (void)arg;
    struct world *w = ptr;
    int nparts = w->p->partitions;
    int64_t seen[2] = {0, 0};
    for (int pt = 0; pt < nparts; pt++)
        seen[pt] = replay_lsn(&w->c[pt], w->obs_node[pt], w->obs_served[pt]);
    int bpart = nparts == 2 ? 1 : 0;
    int newest = -1;
    for (int i = 0; i < w->nq; i++)
        if (w->a_lsn[i] && w->a_lsn[i] <= seen[bpart])
            newest = i;
    struct hist_event *inv = &w->h.ev[w->h.n - 1];
    for (size_t j = w->h.n; j-- > 0;)
        if (w->h.ev[j].process == 3) {
            inv = &w->h.ev[j];
            break;
        }
    char key[16];
    snprintf(key, sizeof(key), "a%d", newest < 0 ? 0 : newest);
    inv->key = xstrdup(key);
    int64_t v = global_prefix(w, seen);
    set_version(&w->h,
                history_complete(&w->h, 3, HIST_OK, newest < 0 ? hist_nil() : hist_int(newest), s->now), v);
}

static void on_observe(struct sim *s, void *ptr, uint64_t arg)
{
    struct world *w = ptr;
    struct user *o = &w->u[3];
    history_invoke(&w->h, 3, "read", NULL, (struct hist_val){0}, s->now);
    int64_t done = s->now;
    for (int pt = 0; pt < w->p->partitions; pt++) {
        w->obs_node[pt] = route(w, &w->c[pt], o, s->now, false, &w->obs_served[pt]);
        if (w->obs_served[pt] > done)
            done = w->obs_served[pt];
    }
    done += dist_sample(&w->p->net, &w->rnet);
    sim_at(s, done, on_observe_done, w, 0);
    int64_t next = s->now + 250 * NS_PER_MS;
    if (next < done)
        next = done;
    if (next < (NQ + 6) * NS_PER_S)
        sim_at(s, next, on_observe, w, arg + 1);
}

static void run_prefix(struct world *w, const struct params *p, uint64_t seed, struct trace *trace)
{
    w->p = p;
    history_init(&w->h);
    rng_stream(&w->rnet, seed, "replag-cp", 0);
    for (int pt = 0; pt < 2; pt++) {
        w->c[pt].nrep = 1;
        w->c[pt].rep[0] =
            (struct replica){.delay_ns = p->part_delay_ns[p->partitions == 2 ? pt : 0], .fail_ns = -1};
    }
    static const struct sim_node_ops ops = {0};
    struct sim s;
    sim_init(&s, seed, 4, &ops, w);
    s.trace = trace;
    w->s = &s;
    sim_at(&s, NS_PER_S, on_question, w, 0);
    sim_at(&s, NS_PER_S + 200 * NS_PER_MS, on_answer, w, 0);
    sim_at(&s, NS_PER_S, on_observe, w, 0);
    sim_run_until(&s, (NQ + 3600) * NS_PER_S);
    sim_close(&s);
    w->s = NULL;
}

/* ---- verdicts (from the checker), costs, and the report ---- */

struct outcome {
    size_t v[SESSION_N];   /* phase 1: violations per guarantee, from session_check */
    size_t cp, cp_checked; /* phase 2: consistent-prefix violations */
    size_t reads, misses, primary_reads, pairs;
    double mean_ms, p50_ms, p99_ms, shows_up_ms;
    bool failed;
    int fail_rep;
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Runs the checker on h, counts violations per guarantee into v, and appends to ex the first violation of
 * each guarantee (up to max lines). */
static void judge(struct history *h, size_t *v, size_t *checked, struct buf *ex, int max, const char *indent)
{
    struct session_result r;
    if (session_check(h, &r) != 0) {
        /* The kata builds well-formed histories: a pairing error is a bug of the kata. */
        fprintf(stderr, "replag: history rejected: %s\n", h->err);
        abort();
    }
    int shown = 0;
    bool named[SESSION_N] = {false};
    for (size_t i = 0; i < r.n; i++) {
        v[r.v[i].g]++;
        if (ex && shown < max && !named[r.v[i].g]) {
            named[r.v[i].g] = true;
            buf_puts(ex, indent);
            session_describe(h, &r, &r.v[i], ex);
            buf_putc(ex, '\n');
            shown++;
        }
    }
    if (checked)
        memcpy(checked, r.checked, sizeof(r.checked));
    session_result_close(&r);
}

static void fmt_node(char *out, size_t n, int node)
{
    if (node)
        snprintf(out, n, "replica%d", node);
    else
        snprintf(out, n, "primary");
}

static void print_reads(struct buf *t, const struct world *w)
{
    buf_printf(t, "%9s %5s %5s %4s  %-9s %10s %7s %8s  %s\n", "time", "user", "round", "read", "node",
               "replay_lsn", "row_lsn", "lag", "result");
    for (size_t i = 0; i < w->nreads; i++) {
        const struct readrec *r = &w->reads[i];
        char node[16];
        fmt_node(node, sizeof(node), r->node);
        buf_printf(t, "%8.3fs %5d %5d %4d  %-9s %10lld %7lld %7.3fs  %s\n", (double)r->t_ns / 1e9, r->user,
                   r->round + 1, r->k + 1, node, (long long)r->seen, (long long)r->own,
                   (double)r->lag_ns / 1e9, r->miss ? "empty" : "row");
    }
}

/* Per read: a mark in its node's lane at its time, its height the node's lag, red when it missed its row. */
static void draw(struct buf *b, const struct world *w, const struct params *p)
{
    int64_t end = 0, maxlag = 1;
    for (size_t i = 0; i < w->nreads; i++) {
        if (w->reads[i].t_ns + w->reads[i].lat_ns > end)
            end = w->reads[i].t_ns + w->reads[i].lat_ns;
        if (w->reads[i].lag_ns > maxlag)
            maxlag = w->reads[i].lag_ns;
    }
    int lanes = 1 + p->nrep, lane_h = 90, width = 1000;
    svg_begin(b, width, 70 + lanes * lane_h,
              "replag: per read, which node served it, its lag, and whether it missed");
    double x0 = 90, xs = (width - x0 - 20) / (double)(end ? end : 1);
    for (int l = 0; l < lanes; l++) {
        double y = 40 + (l + 1) * lane_h;
        char name[32];
        fmt_node(name, sizeof(name), l);
        svg_text(b, 10, y, 12, "start", "black", name);
        svg_line(b, x0, y, width - 20, y, "#444", 1, NULL);
    }
    if (w->c[0].nrep && w->failed) {
        int64_t f = w->c[0].rep[w->fail_rep].fail_ns;
        svg_line(b, x0 + f * xs, 30, x0 + f * xs, 40 + lanes * lane_h, "#d62728", 1, "stroke-dasharray=\"4,3\"");
        svg_text(b, x0 + f * xs + 3, 30, 10, "start", "#d62728", "replica fails; sticky users re-hashed");
    }
    for (size_t i = 0; i < w->nreads; i++) {
        const struct readrec *r = &w->reads[i];
        double x = x0 + r->t_ns * xs, y = 40 + (r->node + 1) * lane_h;
        double hgt = (lane_h - 20) * (double)r->lag_ns / (double)maxlag;
        char tip[160];
        snprintf(tip, sizeof(tip), "user %d round %d read %d at %.3fs: lsn %lld, row %lld, lag %.3fs, %s",
                 r->user, r->round + 1, r->k + 1, (double)r->t_ns / 1e9, (long long)r->seen,
                 (long long)r->own, (double)r->lag_ns / 1e9, r->miss ? "missed its row" : "saw its row");
        svg_rect(b, x - 2, y - hgt, 4, hgt > 1 ? hgt : 1, r->miss ? "#d62728" : "#2ca02c", tip);
        svg_circle(b, x, y, 3, r->miss ? "#d62728" : "#2ca02c", tip);
    }
    svg_text(b, 10, 60 + lanes * lane_h, 11, "start", "#555",
             "red: the read returned empty (missed the session's own row); green: it saw it; bar height: the "
             "node's lag");
    svg_end(b);
}

/* Runs both phases for one seed and fills o; text (NULL in swarms) gets the per-read table and the checker's
 * named violations, svg the picture. */
static void measure(const struct params *p, uint64_t seed, struct trace *trace, bool random_faults,
                    struct outcome *o, struct buf *text, struct buf *svg)
{
    memset(o, 0, sizeof(*o));
    struct world *w = xcalloc(1, sizeof(*w));
    run_sessions(w, p, seed, trace, random_faults);
    judge(&w->h, o->v, NULL, NULL, 0, "");
    o->reads = w->nreads;
    o->primary_reads = w->primary_reads;
    o->pairs = w->nreads > (size_t)p->users ? w->nreads - (size_t)p->users : 0;
    o->failed = w->failed;
    o->fail_rep = w->fail_rep;
    int64_t *lat = xcalloc(w->nreads + 1, sizeof(*lat));
    double sum = 0;
    for (size_t i = 0; i < w->nreads; i++) {
        lat[i] = w->reads[i].lat_ns;
        sum += (double)lat[i];
        o->misses += w->reads[i].miss;
    }
    qsort(lat, w->nreads, sizeof(*lat), cmp_i64);
    if (w->nreads) {
        o->mean_ms = sum / (double)w->nreads / 1e6;
        o->p50_ms = (double)lat[(w->nreads - 1) / 2] / 1e6;
        size_t i99 = (w->nreads * 99 + 99) / 100;
        o->p99_ms = (double)lat[(i99 ? i99 : 1) - 1] / 1e6;
    }
    free(lat);
    o->shows_up_ms = -1;
    if (p->nrep && w->u[1].write_lsn) {
        /* the first user's first row: from its commit to its replay on replica1 */
        for (size_t i = 0; i < w->h.n; i++)
            if (w->h.ev[i].process == 1 && w->h.ev[i].type == HIST_OK) {
                int64_t l = w->h.ev[i].version;
                o->shows_up_ms = (double)(w->c[0].rep[0].apply_ns[l - 1] - w->c[0].commit_ns[l - 1]) / 1e6;
                break;
            }
    }
    if (text) {
        print_reads(text, w);
        size_t dummy[SESSION_N] = {0};
        buf_puts(text, "\nthe checker (src/check/session) on this history:\n");
        judge(&w->h, dummy, NULL, text, SESSION_N, "  ");
    }
    if (svg)
        draw(svg, w, p);
    world_close(w);
    memset(w, 0, sizeof(*w));
    run_prefix(w, p, seed, trace);
    size_t v2[SESSION_N] = {0}, checked[SESSION_N] = {0};
    struct buf ex;
    buf_init(&ex);
    judge(&w->h, v2, checked, &ex, 1, "  e.g. ");
    o->cp = v2[SESSION_CP];
    o->cp_checked = checked[SESSION_CP];
    if (text) {
        if (p->partitions == 2)
            buf_printf(
                text,
                "\nconsistent prefix, data partitioned across two leaders: a question on leader A, its "
                "answer 200 ms later on leader B; an observer reads the newest answer every 250 ms "
                "(replica apply delays %.3gs and %.3gs):\n",
                (double)p->part_delay_ns[0] / 1e9, (double)p->part_delay_ns[1] / 1e9);
        else
            buf_printf(
                text,
                "\nconsistent prefix, one leader: a question, its answer 200 ms later on the same leader; "
                "an observer reads the newest answer every 250 ms (replica apply delay %.3gs):\n",
                (double)p->part_delay_ns[0] / 1e9);
        buf_printf(text, "  %zu consistent-prefix violations in %zu reads checked%s\n", o->cp, o->cp_checked,
                   o->cp ? " (an answer seen before its question)" : "");
        if (o->cp)
            buf_puts(text, ex.data);
    }
    buf_close(&ex);
    world_close(w);
    free(w);
}

static const char *yes_no(size_t violations)
{
    return violations ? "no" : "yes";
}

/* The pg lab's columns (docs/labs/pg.md), then the added latency's p50/p99 against fix=none on the same seed.
 */
static void print_summary_head(struct buf *t)
{
    buf_printf(t, "%-13s %5s %14s %15s %14s %10s %10s %10s %10s  %s\n", "fix", "reads", "ryw_violations",
               "mono_violations", "primary_share", "mean_read", "added", "added_p50", "added_p99", "verdict");
}

static void print_summary_row(struct buf *t, int fix, const struct outcome *o, const struct outcome *base)
{
    char ryw[24], mono[24];
    snprintf(ryw, sizeof(ryw), "%zu/%zu", o->v[SESSION_RYW], o->reads);
    snprintf(mono, sizeof(mono), "%zu/%zu", o->v[SESSION_MR], o->pairs);
    const char *verdict = o->v[SESSION_RYW] && o->v[SESSION_MR]
                              ? "violates read-your-writes and monotonic reads"
                          : o->v[SESSION_RYW] ? "violates read-your-writes"
                          : o->v[SESSION_MR]  ? "violates monotonic reads"
                                              : "read-your-writes and monotonic reads hold";
    buf_printf(t, "%-13s %5zu %14s %15s %13.0f%% %8.1fms %+8.1fms %+8.1fms %+8.1fms  %s\n", fix_names[fix],
               o->reads, ryw, mono, o->reads ? 100.0 * (double)o->primary_reads / (double)o->reads : 0,
               o->mean_ms, o->mean_ms - base->mean_ms, o->p50_ms - base->p50_ms, o->p99_ms - base->p99_ms,
               verdict);
}

/* compare=1: every fix on the same seed, on two replicas of different lag, then with the fresher replica
 * failing halfway (sticky users on it are re-hashed), then the two-leader thread; each cell is the checker's
 * verdict. */
static void compare(struct kata_ctx *ctx, const struct params *given)
{
    struct params p = *given;
    if (p.nrep < 2) {
        p.nrep = 2;
        p.delay_ns[1] = p.delay_ns[0] / 2;
    }
    if (p.users < 4)
        p.users = 4;
    p.partitions = 2;
    struct buf *t = &ctx->text;
    struct outcome o[NFIX], of[NFIX];
    for (int f = 0; f < NFIX; f++) {
        p.fix = f;
        p.fail_ns = -1;
        measure(&p, ctx->seed, NULL, false, &o[f], NULL, NULL);
        p.fail_ns = given->fail_ns >= 0 ? given->fail_ns : NS_PER_S + p.rounds * p.reads * p.period_ns / 2;
        measure(&p, ctx->seed, NULL, false, &of[f], NULL, NULL);
        char name[48];
        static const char *const g[] = {"ryw", "mr", "mr_failover", "cp"};
        size_t vals[] = {o[f].v[SESSION_RYW], o[f].v[SESSION_MR], of[f].v[SESSION_MR], o[f].cp};
        for (int i = 0; i < 4; i++) {
            snprintf(name, sizeof(name), "%s.%s_violations", fix_names[f], g[i]);
            kata_figure(ctx, name, (double)vals[i]);
        }
        snprintf(name, sizeof(name), "%s.primary_share", fix_names[f]);
        kata_figure(ctx, name, o[f].reads ? (double)o[f].primary_reads / (double)o[f].reads : 0);
        snprintf(name, sizeof(name), "%s.added_p99_ms", fix_names[f]);
        kata_figure(ctx, name, o[f].p99_ms - o[FIX_NONE].p99_ms);
    }
    /* What each fix claims must hold (the checker decides). Whether none shows every anomaly depends on the
     * parameters (equal lags give no monotonic-reads violation): the text says so, the tests pin the
     * defaults. */
    for (int f = FIX_PRIMARY; f < NFIX; f++) {
        bool ryw = f != FIX_STICKY, mr_fail = f != FIX_STICKY;
        char name[64];
        snprintf(name, sizeof(name), "%s-holds-its-guarantees", fix_names[f]);
        kata_check(ctx, name,
                   (!ryw || o[f].v[SESSION_RYW] == 0) && o[f].v[SESSION_MR] == 0 &&
                       (!mr_fail || of[f].v[SESSION_MR] == 0),
                   "%zu ryw, %zu monotonic-reads, %zu monotonic-reads across the failover",
                   o[f].v[SESSION_RYW], o[f].v[SESSION_MR], of[f].v[SESSION_MR]);
    }
    if (ctx->quiet)
        return;
    buf_printf(
        t,
        "replag compare: seed %llu; %d users, %d rounds of INSERT then %d SELECTs %.3gs apart; replica "
        "apply delays",
        (unsigned long long)ctx->seed, p.users, p.rounds, p.reads, (double)p.period_ns / 1e9);
    for (int i = 0; i < p.nrep; i++)
        buf_printf(t, " %.3gs", (double)p.delay_ns[i] / 1e9);
    buf_printf(t, "; failover: replica%d (the freshest) fails at %.3gs\n\n", of[0].fail_rep + 1,
               (double)p.fail_ns / 1e9);
    buf_printf(t, "%-13s %16s %16s %20s %18s %14s %10s %10s\n", "fix", "read-your-writes", "monotonic-reads",
               "mono-reads-failover", "consistent-prefix", "primary_share", "added_p50", "added_p99");
    for (int f = 0; f < NFIX; f++) {
        char c[4][32];
        size_t vals[] = {o[f].v[SESSION_RYW], o[f].v[SESSION_MR], of[f].v[SESSION_MR], o[f].cp};
        for (int i = 0; i < 4; i++)
            snprintf(c[i], sizeof(c[i]), "%s (%zu)", yes_no(vals[i]), vals[i]);
        buf_printf(t, "%-13s %16s %16s %20s %18s %13.0f%% %+8.1fms %+8.1fms\n", fix_names[f], c[0], c[1],
                   c[2], c[3], o[f].reads ? 100.0 * (double)o[f].primary_reads / (double)o[f].reads : 0,
                   o[f].p50_ms - o[0].p50_ms, o[f].p99_ms - o[0].p99_ms);
    }
    /* Who the failover moves: users whose consistent-hash replica is the one that fails. */
    struct cluster ring = {.nrep = p.nrep};
    for (int i = 0; i < p.nrep; i++)
        ring.rep[i].fail_ns = -1;
    int fr = of[FIX_STICKY].fail_rep, moved = 0;
    buf_printf(t, "\nsticky across the failover: replica%d (delay %.3gs) fails; re-hashed:", fr + 1,
               (double)p.delay_ns[fr] / 1e9);
    for (int u = 1; u <= p.users; u++) {
        int before = ring_pick(&ring, u, 0);
        ring.rep[fr].fail_ns = 0;
        int after = ring_pick(&ring, u, 1);
        ring.rep[fr].fail_ns = -1;
        if (before != after)
            buf_printf(t, "%s user %d -> replica%d (delay %.3gs)", moved++ ? "," : "", u, after + 1,
                       (double)p.delay_ns[after] / 1e9);
    }
    buf_printf(
        t,
        "%s; the other users keep their replica. The checker: %zu monotonic-reads violations after the "
        "re-hash (read-your-writes was never given: %zu violations).\n",
        moved ? "" : " nobody", of[FIX_STICKY].v[SESSION_MR], of[FIX_STICKY].v[SESSION_RYW]);
    buf_puts(t,
             "\neach cell: does the fix give the guarantee (the checker's violation count in brackets).\n");
    if (o[FIX_NONE].v[SESSION_MR] == 0)
        buf_puts(
            t,
            "none shows no monotonic-reads violation here: give the replicas different delays to see one.\n");
    if (o[FIX_PRIMARY].cp && o[FIX_TOKEN].cp)
        buf_puts(t, "consistent-prefix: data partitioned across two leaders; no read-routing fix gives it, "
                    "because the\n"
                    "observer's replicas of the two leaders lag differently (with partitions=1 every fix "
                    "gives it).\n");
    if (of[FIX_STICKY].v[SESSION_MR])
        buf_puts(t, "sticky keeps monotonic reads only while its replica lives: re-hashed users land on a "
                    "replica that\n"
                    "is further behind, and their reads go back in time.\n");
    buf_puts(t, "\nper-fix detail (the pg lab's columns; added: against fix=none on the same seed):\n");
    print_summary_head(t);
    for (int f = 0; f < NFIX; f++)
        print_summary_row(t, f, &o[f], &o[0]);
}

static bool read_params(struct kata_ctx *ctx, struct params *p)
{
    const struct kata *k = &kata_replag;
    memset(p, 0, sizeof(*p));
    long users, rounds, reads, parts;
    int64_t d[MAXR];
    if (!kata_get_choice(ctx, k, "fix", fix_names, &p->fix) ||
        !kata_get_int(ctx, k, "users", 1, MAXU, &users) || !kata_get_int(ctx, k, "rounds", 1, 100, &rounds) ||
        !kata_get_int(ctx, k, "reads", 1, 100, &reads) || !kata_get_int(ctx, k, "partitions", 1, 2, &parts) ||
        !kata_get_duration(ctx, k, "period", &p->period_ns) || !kata_get_duration(ctx, k, "bg", &p->bg_ns) ||
        !kata_get_duration(ctx, k, "router_poll", &p->router_poll_ns) ||
        !kata_get_dist(ctx, k, "net", &p->net) || !kata_get_dist(ctx, k, "ship", &p->ship))
        return false;
    const char *dl = kata_get_str(ctx, k, "delays");
    p->nrep = kata_parse_list(dl, NULL, true, 0, 600 * NS_PER_S, d, MAXR);
    if (p->nrep < 1) {
        snprintf(
            ctx->error, sizeof(ctx->error),
            "bad value '%s' for parameter 'delays': expected 1 to %d comma-separated durations up to 600s",
            dl, MAXR);
        return false;
    }
    memcpy(p->delay_ns, d, sizeof(d));
    const char *pd = kata_get_str(ctx, k, "partition_delays");
    if (kata_parse_list(pd, NULL, true, 0, 600 * NS_PER_S, p->part_delay_ns, 2) != 2) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad value '%s' for parameter 'partition_delays': expected two comma-separated durations",
                 pd);
        return false;
    }
    const char *fail = kata_get_str(ctx, k, "fail");
    p->fail_ns = -1;
    if (strcmp(fail, "none") != 0 && (units_parse_duration(fail, &p->fail_ns) || p->fail_ns < 0)) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad value '%s' for parameter 'fail': expected none or a duration", fail);
        return false;
    }
    const int64_t hour = 3600 * NS_PER_S;
    if (p->period_ns <= 0 || p->period_ns > hour || p->bg_ns < 0 || p->bg_ns > hour ||
        p->router_poll_ns < 0 || p->router_poll_ns > hour || p->fail_ns > 100 * hour) {
        snprintf(
            ctx->error, sizeof(ctx->error),
            "bad value for 'period', 'bg', 'router_poll' or 'fail': accepted are period in (0, 1h], bg and "
            "router_poll in [0, 1h], fail up to 100h");
        return false;
    }
    /* The background writer and the router's polls repeat over the whole script (rounds x reads x period,
     * plus the longest apply delay), once per replica. */
    int64_t longest = p->part_delay_ns[0] > p->part_delay_ns[1] ? p->part_delay_ns[0] : p->part_delay_ns[1];
    for (int i = 0; i < p->nrep; i++)
        longest = d[i] > longest ? d[i] : longest;
    double run_ns = (double)rounds * (double)reads * (double)p->period_ns + (double)longest;
    if (!kata_bound_work(ctx, p->bg_ns ? run_ns / (double)p->bg_ns * p->nrep : 0, 2e5,
                         "background commits (rounds x reads x period / bg, per replica)",
                         "lower rounds, reads or period, or raise bg (0: none)") ||
        !kata_bound_work(ctx, p->router_poll_ns ? run_ns / (double)p->router_poll_ns * p->nrep : 0, 2e5,
                         "router polls (rounds x reads x period / router_poll, per replica)",
                         "lower rounds, reads or period, or raise router_poll"))
        return false;
    p->users = (int)users;
    p->rounds = (int)rounds;
    p->reads = (int)reads;
    p->partitions = (int)parts;
    p->bug_before = kata_bug_is(ctx, "token-before-commit");
    p->bug_not_max = kata_bug_is(ctx, "token-not-max");
    p->bug_received = kata_bug_is(ctx, "router-receive-lsn");
    bool token_fix = p->fix == FIX_LSN_WAIT || p->fix == FIX_TOKEN;
    if ((p->bug_before && p->fix != FIX_LSN_WAIT) || (p->bug_not_max && !token_fix) ||
        (p->bug_received && p->fix != FIX_TOKEN)) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bug '%s' breaks a consistency token: use it with --param fix=%s", ctx->bug,
                 p->bug_received ? "token-routing"
                 : p->bug_before ? "lsn-wait"
                                 : "lsn-wait or token-routing");
        return false;
    }
    return true;
}

static int replag_run(struct kata_ctx *ctx)
{
    struct params p;
    long cmp;
    if (ctx->nemesis) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "kata 'replag' takes its replica failure from --param fail=TIME, not --nemesis");
        return -1;
    }
    if (!read_params(ctx, &p) || !kata_get_int(ctx, &kata_replag, "compare", 0, 1, &cmp))
        return -1;
    if (cmp) {
        compare(ctx, &p);
        return 0;
    }
    struct outcome o, base;
    struct buf detail;
    buf_init(&detail);
    measure(&p, ctx->seed, ctx->trace, ctx->random_faults, &o, ctx->quiet ? NULL : &detail, ctx->svg);
    struct params pb = p;
    pb.fix = FIX_NONE;
    pb.bug_before = pb.bug_not_max = pb.bug_received = false;
    if (p.fix == FIX_NONE)
        base = o;
    else
        measure(&pb, ctx->seed, NULL, ctx->random_faults, &base, NULL, NULL);

    if (p.fix == FIX_NONE)
        kata_check(ctx, "read-your-writes-violation-named", o.v[SESSION_RYW] == o.misses,
                   "the checker named %zu read-your-writes violations for %zu reads that returned empty",
                   o.v[SESSION_RYW], o.misses);
    else if (p.fix != FIX_STICKY)
        kata_check(ctx, "read-your-writes", o.v[SESSION_RYW] == 0, "%zu violations in %zu reads",
                   o.v[SESSION_RYW], o.reads);
    if (p.fix != FIX_NONE && !(p.fix == FIX_STICKY && o.failed))
        kata_check(ctx, "monotonic-reads", o.v[SESSION_MR] == 0, "%zu violations in %zu read pairs",
                   o.v[SESSION_MR], o.pairs);
    kata_check(ctx, "monotonic-writes", o.v[SESSION_MW] == 0, "%zu violations (writes go to the primary)",
               o.v[SESSION_MW]);
    kata_check(ctx, "writes-follow-reads", o.v[SESSION_WFR] == 0, "%zu violations", o.v[SESSION_WFR]);
    if (p.partitions == 1)
        kata_check(ctx, "consistent-prefix-one-leader", o.cp == 0, "%zu violations with one leader", o.cp);
    kata_figure(ctx, "reads", (double)o.reads);
    kata_figure(ctx, "empty_reads", (double)o.misses);
    kata_figure(ctx, "ryw_violations", (double)o.v[SESSION_RYW]);
    kata_figure(ctx, "mr_violations", (double)o.v[SESSION_MR]);
    kata_figure(ctx, "cp_violations", (double)o.cp);
    kata_figure(ctx, "primary_share", o.reads ? (double)o.primary_reads / (double)o.reads : 0);
    kata_figure(ctx, "read_p50_ms", o.p50_ms);
    kata_figure(ctx, "read_p99_ms", o.p99_ms);
    kata_figure(ctx, "added_p50_ms", o.p50_ms - base.p50_ms);
    kata_figure(ctx, "added_p99_ms", o.p99_ms - base.p99_ms);
    if (o.shows_up_ms >= 0)
        kata_figure(ctx, "row_visible_after_ms", o.shows_up_ms);

    if (!ctx->quiet) {
        struct buf *t = &ctx->text;
        buf_printf(t, "replag: primary and %d replica%s (recovery_min_apply_delay", p.nrep,
                   p.nrep > 1 ? "s" : "");
        for (int i = 0; i < p.nrep; i++)
            buf_printf(t, " replica%d %.3gs", i + 1, (double)p.delay_ns[i] / 1e9);
        buf_printf(t,
                   "), fix %s, %d user%s x %d rounds of INSERT on the primary then %d SELECTs %.3gs apart, "
                   "seed %llu%s%s\n",
                   fix_names[p.fix], p.users, p.users > 1 ? "s" : "", p.rounds, p.reads,
                   (double)p.period_ns / 1e9, (unsigned long long)ctx->seed, ctx->bug ? ", bug " : "",
                   ctx->bug ? ctx->bug : "");
        if (o.failed)
            buf_printf(t, "replica%d fails at %.3fs\n", o.fail_rep + 1,
                       p.fail_ns >= 0 ? (double)p.fail_ns / 1e9 : -1.0);
        buf_putc(t, '\n');
        buf_puts(t, detail.data ? detail.data : "");
        buf_putc(t, '\n');
        if (o.misses)
            buf_printf(
                t,
                "read-your-writes violation: %zu of %zu reads returned empty (the session's own row was "
                "not there yet)\n",
                o.misses, o.reads);
        else
            buf_printf(t, "no read returned empty: every read saw the session's own row\n");
        if (o.shows_up_ms >= 0)
            buf_printf(t, "a row written on the primary showed up on replica1 after %.0f ms\n",
                       o.shows_up_ms);
        buf_putc(t, '\n');
        print_summary_head(t);
        if (p.fix != FIX_NONE)
            print_summary_row(t, FIX_NONE, &base, &base);
        print_summary_row(t, p.fix, &o, &base);
    }
    buf_close(&detail);
    return 0;
}

static const struct kata_param params[] = {
    {"fix", "none", "none | read-primary | lsn-wait | sticky | token-routing"},
    {"delays", "5s",
     "recovery_min_apply_delay per replica, comma-separated (one replica per value, up to 8)"},
    {"users", "1", "sessions running the script (1..16)"},
    {"rounds", "5", "rounds per user: INSERT a row on the primary, then `reads` SELECTs of it"},
    {"reads", "6", "SELECTs per round"},
    {"period", "1s", "time between a round's SELECTs (the first one right after the INSERT is acknowledged)"},
    {"bg", "100ms", "a background writer commits a row this often (0: none)"},
    {"net", "uniform:500us,1500us", "one-way client-to-node latency"},
    {"ship", "uniform:1ms,3ms", "time for a WAL record to reach a replica"},
    {"router_poll", "100ms", "token-routing: how often the router polls the replicas' replay LSN"},
    {"fail", "none",
     "none, or when the replica with the shortest delay fails (its sticky users are re-hashed)"},
    {"partitions", "2", "consistent-prefix scene: 2 = question and answer on two leaders, 1 = one leader"},
    {"partition_delays", "5s,500ms", "replica apply delays of leader A's and leader B's replica"},
    {"compare", "0",
     "1: every fix on the same seed (two replicas, a failover, two leaders): the fix-by-guarantee "
     "matrix"},
};

static const struct kata_bug bugs[] = {
    {"token-before-commit", "lsn-wait: the token is pg_current_wal_lsn() taken before the INSERT "
                            "committed (misses read-your-writes)"},
    {"token-not-max",
     "lsn-wait/token-routing: the token is the write's LSN only, not max with what the last read "
     "saw (misses monotonic reads with replicas of different lag)"},
    {"router-receive-lsn",
     "token-routing: the router trusts pg_last_wal_receive_lsn() (received) instead of "
     "pg_last_wal_replay_lsn() (replayed), so it routes to replicas still holding the row back"},
};

const struct kata kata_replag = {
    .name = "replag",
    .summary =
        "replication-lag read anomalies (read-your-writes, monotonic reads, consistent prefix) and fixes",
    .drill = "Diagnose a Replication-Lag Read Anomaly (module 000, Kata 2; routing from module 002)",
    .time_limit = "30 minutes",
    .repeat_until =
        "you can map each of the three guarantees (RYW, monotonic, consistent-prefix) to a concrete "
        "Postgres implementation detail from memory",
    .what = "A primary streams its WAL to replicas that replay it recovery_min_apply_delay late. Each user "
            "INSERTs a "
            "row on the primary and SELECTs it once a second; reads are routed by the fix. The history "
            "(sessions, "
            "real-time bounds, LSNs observed) goes to the session-guarantee checker, which names every "
            "read-your-writes, monotonic-reads and consistent-prefix violation.",
    .reading =
        "One row per read: when, which user/round/read, which node served it, the LSN it had replayed, the "
        "row's LSN, the node's lag, and whether the row was there. Then the checker's named violations, the "
        "consistent-prefix scene (question and answer on two leaders), and the pg lab's columns "
        "(`dkata lab pg replag`) for the fix and for none. compare=1 prints the fix-by-guarantee matrix.",
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .bugs = bugs,
    .nbugs = sizeof(bugs) / sizeof(bugs[0]),
    .run = replag_run,
    .picture = true,
};
