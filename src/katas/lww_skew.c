/* Kata `lww-skew`: a last-writer-wins register replicated on three nodes whose wall clocks are skewed (module 004,
 * lane 2: "1 written analysis of a production LWW design that breaks because of clock skew"). Clients write in
 * turn through any node; each node stamps the write, applies it if it beats what it holds, and replicates it.
 * The same workload runs with three stamps: the node's wall clock, a Lamport clock, and a hybrid logical clock
 * (Kulkarni et al. 2014), the last two also taking the client's last stamp. The lost-update checker judges from
 * the history (src/check/lostupdate.h): a write is lost when a write that finished before it began holds a
 * higher stamp, so the register silently keeps the older value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/history.h"
#include "check/lostupdate.h"
#include "core/fault.h"
#include "core/sim.h"
#include "core/units.h"
#include "katas/kata.h"

#define MAXN 16
#define MAXC 16
#define MAXSWEEP 16
#define MS NS_PER_MS
#define HLC_C_BITS 10

extern const struct kata kata_lww_skew;

enum scheme { WALL, LAMPORT, HLC, NSCHEMES };
static const char *const scheme_name[] = {"wall", "lamport", "hlc"};
enum { M_WRITE = 1, M_ACK, M_REPL };
enum { T_NEXT = 1, T_TIMEOUT, T_GOSSIP };

struct msg {
    int64_t value, version, token;
    int64_t op; /* the client's operation number */
};

struct server { /* all durable: the register, its stamp, the logical clock */
    int64_t value, version;
    int64_t lamport;
    int64_t hlc_l, hlc_c;
    int64_t wall_last; /* wall stamps never repeat on one node: two writes in one clock tick get tick + 1 */
};

struct client {
    int64_t token; /* the highest stamp it was acknowledged */
    int64_t op, done;
    bool pending;
    sim_timer_id timeout;
};

struct params {
    long n, clients, writes;
    int64_t think, timeout, gossip, skew, duration;
    struct dist latency;
    double loss;
    int64_t sweep[MAXSWEEP];
    int nsweep;
};

struct world {
    const struct params *p;
    enum scheme scheme;
    bool bug_no_max, bug_no_tiebreak;
    struct server srv[MAXN];
    struct client cli[MAXC];
    struct history h;
    int64_t hlc_ahead_max; /* max of (HLC physical part - true time), ns */
    int64_t next_value;
};

/* A stamp's order: the timestamp, then the node id, so equal timestamps still order every pair of writes
 * the same way on every replica. */
static int64_t encode(const struct world *w, int64_t ts, int node)
{
    return w->bug_no_tiebreak ? ts * 16 : ts * 16 + node;
}

static void hlc_recv(struct server *sv, int64_t pt, int64_t ml, int64_t mc)
{
    int64_t l_old = sv->hlc_l;
    int64_t l = l_old > ml ? l_old : ml;
    if (pt > l)
        l = pt;
    if (l == l_old && l == ml)
        sv->hlc_c = (sv->hlc_c > mc ? sv->hlc_c : mc) + 1;
    else if (l == l_old)
        sv->hlc_c++;
    else if (l == ml)
        sv->hlc_c = mc + 1;
    else
        sv->hlc_c = 0;
    sv->hlc_l = l;
}

/* Folds a stamp seen in a message (a replica's write, or a client's token) into the node's logical clock. */
static void observe(struct world *w, struct sim *s, int node, int64_t version)
{
    struct server *sv = &w->srv[node];
    if (version <= 0 || w->bug_no_max)
        return;
    int64_t ts = version / 16;
    if (w->scheme == LAMPORT && ts > sv->lamport)
        sv->lamport = ts;
    else if (w->scheme == HLC)
        hlc_recv(sv, sim_clock(s, node), ts >> HLC_C_BITS, ts & ((1 << HLC_C_BITS) - 1));
}

static int64_t stamp(struct world *w, struct sim *s, int node, int64_t token)
{
    struct server *sv = &w->srv[node];
    switch (w->scheme) {
    case WALL: {
        int64_t t = sim_clock(s, node);
        sv->wall_last = t > sv->wall_last ? t : sv->wall_last + 1;
        return encode(w, sv->wall_last, node);
    }
    case LAMPORT:
        observe(w, s, node, token);
        return encode(w, ++sv->lamport, node);
    default:
        if (token > 0 && !w->bug_no_max) {
            int64_t ts = token / 16;
            hlc_recv(sv, sim_clock(s, node), ts >> HLC_C_BITS, ts & ((1 << HLC_C_BITS) - 1));
        } else {
            int64_t pt = sim_clock(s, node), l_old = sv->hlc_l;
            sv->hlc_l = pt > l_old ? pt : l_old;
            sv->hlc_c = sv->hlc_l == l_old ? sv->hlc_c + 1 : 0;
        }
        if (sv->hlc_l - s->now > w->hlc_ahead_max)
            w->hlc_ahead_max = sv->hlc_l - s->now;
        return encode(w, (sv->hlc_l << HLC_C_BITS) | (sv->hlc_c & ((1 << HLC_C_BITS) - 1)), node);
    }
}

static void apply(struct world *w, int node, int64_t version, int64_t value)
{
    struct server *sv = &w->srv[node];
    if (version > sv->version) {
        sv->version = version;
        sv->value = value;
    }
}

static void send(struct sim *s, int from, int to, int type, const struct msg *m)
{
    net_send(s, from, to, type, m, sizeof(*m));
}

static void client_next(struct sim *s, struct world *w, int c)
{
    struct client *cl = &w->cli[c];
    int self = (int)w->p->n + c;
    if (cl->op >= w->p->writes)
        return;
    int node = (int)rng_below(sim_rng(s, self), (uint64_t)w->p->n);
    cl->op++;
    cl->pending = true;
    int64_t value = ++w->next_value;
    history_invoke(&w->h, c, "write", NULL, hist_int(value), s->now);
    trace_event(s->trace, s->now, self, "write", "\"value\":%lld,\"via\":%d", (long long)value, node);
    struct msg m = {.value = value, .token = w->scheme == WALL ? 0 : cl->token, .op = cl->op};
    send(s, self, node, M_WRITE, &m);
    cl->timeout = sim_timer(s, self, w->p->timeout, T_TIMEOUT, (uint64_t)cl->op);
}

static void client_done(struct sim *s, struct world *w, int c, enum hist_type type, int64_t version)
{
    struct client *cl = &w->cli[c];
    size_t i = history_complete(&w->h, c, type, hist_nil(), s->now);
    w->h.ev[i].version = version;
    cl->pending = false;
    cl->done++;
    sim_cancel(s, cl->timeout);
    int self = (int)w->p->n + c;
    sim_timer(s, self, rng_range(sim_rng(s, self), 0, 2 * w->p->think), T_NEXT, 0);
}

static void on_message(struct sim *s, node_id self, const struct sim_msg *sm)
{
    struct world *w = s->user;
    struct msg m;
    memcpy(&m, sm->data, sizeof(m));
    if (sm->type == M_WRITE) {
        int64_t v = stamp(w, s, self, m.token);
        apply(w, self, v, m.value);
        struct msg ack = {.value = m.value, .version = v, .op = m.op};
        send(s, self, sm->from, M_ACK, &ack);
        struct msg r = {.value = m.value, .version = v};
        for (int p = 0; p < w->p->n; p++)
            if (p != self)
                send(s, self, p, M_REPL, &r);
    } else if (sm->type == M_REPL) {
        observe(w, s, self, m.version);
        apply(w, self, m.version, m.value);
    } else if (sm->type == M_ACK) {
        int c = self - (int)w->p->n;
        struct client *cl = &w->cli[c];
        if (!cl->pending || m.op != cl->op)
            return;
        if (m.version > cl->token)
            cl->token = m.version;
        client_done(s, w, c, HIST_OK, m.version);
    }
}

static void on_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    struct world *w = s->user;
    if (kind == T_GOSSIP) { /* anti-entropy: repairs what loss, crashes and partitions dropped */
        struct msg r = {.value = w->srv[self].value, .version = w->srv[self].version};
        for (int p = 0; p < w->p->n; p++)
            if (p != self && r.version)
                send(s, self, p, M_REPL, &r);
        sim_timer(s, self, w->p->gossip, T_GOSSIP, 0);
        return;
    }
    int c = self - (int)w->p->n;
    if (kind == T_NEXT)
        client_next(s, w, c);
    else if (kind == T_TIMEOUT && w->cli[c].pending && (int64_t)arg == w->cli[c].op)
        client_done(s, w, c, HIST_INFO, HIST_NO_VERSION);
}

static void on_restart(struct sim *s, node_id self)
{
    struct world *w = s->user;
    if (self < w->p->n)
        sim_timer(s, self, w->p->gossip, T_GOSSIP, 0);
}

/* One run of the workload with one stamping scheme; out gets the checker's verdict. */
struct outcome {
    struct lost_update lu;
    bool converged;
    int64_t hlc_ahead_max, final_version;
    int unconverged_node;
    char example[200];
};

static void run_scheme(struct kata_ctx *ctx, const struct params *p, enum scheme scheme, int64_t skew,
                       const struct fault_plan *plan, struct trace *tr, struct outcome *out)
{
    struct world *w = xcalloc(1, sizeof(*w));
    w->p = p;
    w->scheme = scheme;
    w->bug_no_max = kata_bug_is(ctx, "no-max") && scheme != WALL;
    w->bug_no_tiebreak = kata_bug_is(ctx, "no-tiebreak");
    history_init(&w->h);
    int nn = (int)(p->n + p->clients);
    static const struct sim_node_ops ops = {on_message, on_timer, NULL, on_restart};
    struct sim s;
    sim_init(&s, ctx->seed, nn, &ops, w);
    s.trace = tr;
    trace_event(tr, 0, -1, "scheme", "\"name\":\"%s\",\"skew_ns\":%lld", scheme_name[scheme], (long long)skew);
    net_set_default(&s, &p->latency, p->loss, 0);
    /* Node 0's clock is true time, node 1 runs skew ahead, the others in between: the largest skew between two
     * nodes is exactly skew. */
    struct rng cr;
    rng_stream(&cr, ctx->seed, "clocks", 0);
    for (int i = 0; i < p->n; i++) {
        int64_t off = i == 0 ? 0 : i == 1 ? skew : rng_range(&cr, 0, skew);
        sim_set_clock(&s, i, off, 0);
        sim_timer(&s, i, p->gossip, T_GOSSIP, 0);
    }
    for (int c = 0; c < p->clients; c++)
        sim_timer(&s, (int)p->n + c, rng_range(sim_rng(&s, (int)p->n + c), 0, 2 * p->think), T_NEXT, 0);
    fault_schedule(plan, &s);
    sim_run_until(&s, p->duration);
    lost_update_check(&w->h, NULL, &out->lu); /* the history is built here, so it always pairs */
    out->converged = true;
    out->unconverged_node = -1;
    for (int i = 1; i < p->n; i++)
        if (w->srv[i].version != w->srv[0].version || w->srv[i].value != w->srv[0].value) {
            out->converged = false;
            out->unconverged_node = i;
        }
    out->final_version = w->srv[0].version;
    out->hlc_ahead_max = w->hlc_ahead_max;
    out->example[0] = 0;
    if (out->lu.example != HIST_NONE_IDX) {
        const struct hist_event *a = &w->h.ev[out->lu.example], *b = &w->h.ev[out->lu.example_by];
        snprintf(out->example, sizeof(out->example),
                 "client %lld's write of %lld at %.3fms lost to client %lld's write of %lld, which finished before "
                 "it began",
                 (long long)a->process, (long long)a->value.i, (double)a->time_ns / 1e6, (long long)b->process,
                 (long long)b->value.i);
    }
    int done = 0;
    for (int c = 0; c < p->clients; c++)
        done += w->cli[c].done == p->writes;
    if (done != p->clients)
        snprintf(out->example + strlen(out->example), sizeof(out->example) - strlen(out->example),
                 "%s(%d of %ld clients finished their writes by the end)", out->example[0] ? "; " : "", done,
                 p->clients);
    sim_close(&s);
    history_close(&w->h);
    free(w);
}

static bool read_params(struct kata_ctx *ctx, struct params *p)
{
    const struct kata *k = &kata_lww_skew;
    if (!kata_get_int(ctx, k, "nodes", 2, MAXN, &p->n) ||
        !kata_get_int(ctx, k, "clients", 1, MAXC, &p->clients) ||
        !kata_get_int(ctx, k, "writes", 1, 100000, &p->writes) ||
        !kata_get_duration(ctx, k, "think", &p->think) ||
        !kata_get_duration(ctx, k, "timeout", &p->timeout) ||
        !kata_get_duration(ctx, k, "gossip", &p->gossip) || !kata_get_duration(ctx, k, "skew", &p->skew) ||
        !kata_get_duration_in(ctx, k, "duration", 0, 3600 * NS_PER_S, &p->duration) ||
        !kata_get_double(ctx, k, "loss", 0, 0.9, &p->loss) || !kata_get_dist(ctx, k, "latency", &p->latency))
        return false;
    p->nsweep = kata_parse_list(kata_get_str(ctx, k, "sweep"), NULL, true, 0, INT64_MAX, p->sweep, MAXSWEEP);
    if (p->nsweep < 0) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad value '%.100s' for parameter 'sweep': expected up to %d durations separated by commas",
                 kata_get_str(ctx, k, "sweep"), MAXSWEEP);
        return false;
    }
    if (p->timeout <= 0 || p->gossip <= 0 || p->duration <= 0) {
        snprintf(ctx->error, sizeof(ctx->error), "bad times: need timeout, gossip and duration > 0");
        return false;
    }
    /* The sweep table reruns the workload once per skew and scheme; gossip goes from every replica to the
     * others. */
    double per_run = (double)p->clients * (double)p->writes +
                     (double)p->duration / (double)p->gossip * (double)p->n * (double)(p->n - 1);
    return kata_bound_work(
        ctx, (1.0 + NSCHEMES * p->nsweep) * per_run, 4e6,
        "messages over the runs ((1 + 3 x sweep skews) x (clients x writes + duration / gossip x "
        "nodes x (nodes-1)))",
        "lower clients, writes, duration, nodes or the sweep, or raise gossip");
}

static void sweep_table(struct kata_ctx *ctx, const struct params *p, const struct fault_plan *plan)
{
    buf_printf(&ctx->text, "\nlost updates per skew (same workload and seed; 'causal' = lost to the same client's "
                           "earlier write):\n");
    buf_printf(&ctx->text, "  %-10s", "skew");
    for (int sc = 0; sc < NSCHEMES; sc++)
        buf_printf(&ctx->text, " %8s lost  causal", scheme_name[sc]);
    buf_puts(&ctx->text, "\n");
    for (int i = 0; i < p->nsweep; i++) {
        char d[32];
        snprintf(d, sizeof(d), "%.3gms", (double)p->sweep[i] / 1e6);
        buf_printf(&ctx->text, "  %-10s", d);
        for (int sc = 0; sc < NSCHEMES; sc++) {
            struct outcome o;
            run_scheme(ctx, p, (enum scheme)sc, p->sweep[i], plan, NULL, &o);
            buf_printf(&ctx->text, " %13zu  %6zu", o.lu.lost, o.lu.lost_same_process);
        }
        buf_puts(&ctx->text, "\n");
    }
}

static int lww_run(struct kata_ctx *ctx)
{
    struct params p;
    if (!read_params(ctx, &p))
        return -1;
    struct fault_plan plan;
    if (!kata_nemesis_plan(ctx, (int)(p.n + p.clients), &plan))
        return -1;
    if (ctx->random_faults) { /* servers only; clients are the observers */
        struct rng fr;
        rng_stream(&fr, ctx->seed, "faults", 0);
        fault_random(&plan, &fr, (int)p.n, 0, p.duration / 2, (int)(p.n - 1) / 2);
    }
    struct outcome o[NSCHEMES];
    for (int sc = 0; sc < NSCHEMES; sc++) {
        run_scheme(ctx, &p, (enum scheme)sc, p.skew, &plan, ctx->trace, &o[sc]);
        char name[48];
        snprintf(name, sizeof(name), "%s_replicas_converge", scheme_name[sc]);
        kata_check(ctx, name, o[sc].converged, "%s", o[sc].converged
                   ? "every replica ends with the same stamp and value"
                   : "replicas differ at the end (anti-entropy cannot settle two writes with equal stamps)");
        snprintf(name, sizeof(name), "lost_%s", scheme_name[sc]);
        kata_figure(ctx, name, (double)o[sc].lu.lost);
        snprintf(name, sizeof(name), "lost_causal_%s", scheme_name[sc]);
        kata_figure(ctx, name, (double)o[sc].lu.lost_same_process);
    }
    for (int sc = LAMPORT; sc <= HLC; sc++) {
        char name[48];
        snprintf(name, sizeof(name), "%s_keeps_causal_writes", scheme_name[sc]);
        kata_check(ctx, name, o[sc].lu.lost_same_process == 0,
                   "%zu of %zu acknowledged writes lost to the same client's earlier write%s%s",
                   o[sc].lu.lost_same_process, o[sc].lu.writes, o[sc].lu.lost_same_process ? "; first lost: " : "",
                   o[sc].lu.lost_same_process ? o[sc].example : "");
    }
    /* The bound: the fastest clock, including any a --nemesis skews (offset plus its drift over the run). */
    int64_t bound = p.skew;
    for (size_t i = 0; i < plan.n; i++)
        if (plan.steps[i].op == FAULT_SKEW) {
            int64_t b = plan.steps[i].skew_ns + (int64_t)((double)p.duration * plan.steps[i].drift_ppm / 1e6) + 1;
            bound = b > bound ? b : bound;
        }
    kata_check(ctx, "hlc_within_skew", o[HLC].hlc_ahead_max <= bound,
               "HLC physical part at most %.3fms ahead of true time (fastest clock %.3fms ahead)",
               (double)o[HLC].hlc_ahead_max / 1e6, (double)bound / 1e6);
    kata_figure(ctx, "writes_acked", (double)o[WALL].lu.writes);
    kata_figure(ctx, "hlc_ahead_max_ms", (double)o[HLC].hlc_ahead_max / 1e6);
    if (!ctx->quiet) {
        char lat[96];
        dist_format(&p.latency, lat, sizeof(lat));
        buf_printf(&ctx->text,
                   "lww-skew: %ld replicas, %ld clients x %ld writes (think 0-%.0fms), latency %s, loss %g, gossip "
                   "%.0fms%s%s\n",
                   p.n, p.clients, p.writes, 2 * (double)p.think / 1e6, lat, p.loss, (double)p.gossip / 1e6,
                   ctx->bug ? ", bug " : "", ctx->bug ? ctx->bug : "");
        if (plan.n) {
            struct buf f;
            buf_init(&f);
            fault_format(&plan, (int)p.n, &f);
            buf_printf(&ctx->text, "faults: %s\n", f.data);
            buf_close(&f);
        }
        buf_printf(&ctx->text, "\nat skew %.3gms (n1 runs that far ahead of n0):\n", (double)p.skew / 1e6);
        for (int sc = 0; sc < NSCHEMES; sc++)
            buf_printf(&ctx->text, "  %-8s %4zu of %zu acknowledged writes lost (%zu to the same client's earlier "
                                   "write)%s%s\n",
                       scheme_name[sc], o[sc].lu.lost, o[sc].lu.writes, o[sc].lu.lost_same_process,
                       o[sc].example[0] ? "\n           e.g. " : "", o[sc].example);
        sweep_table(ctx, &p, &plan);
    }
    fault_plan_close(&plan);
    return 0;
}


/* ---- the exercise: stamp writes by hand with skewed clocks and find the lost ones ---- */

static int lww_exercise(struct kata_ctx *ctx, bool answers)
{
    struct params p;
    if (!read_params(ctx, &p))
        return -1;
    struct rng r;
    rng_stream(&r, ctx->seed, "exercise", 0);
    int n = 3, nw = (int)rng_range(&r, 5, 7);
    int64_t off[3] = {0, rng_range(&r, 5, 60), rng_range(&r, 0, 40)}; /* ms */
    int64_t at[8], stamp[8];
    int node[8], client[8];
    int64_t t = rng_range(&r, 100, 200);
    struct history h;
    history_init(&h);
    for (int i = 0; i < nw; i++) {
        t += rng_range(&r, 3, 25);
        at[i] = t;
        node[i] = (int)rng_below(&r, (uint64_t)n);
        client[i] = (int)rng_below(&r, 2);
        stamp[i] = (at[i] + off[node[i]]) * 16 + node[i]; /* ms, then node id */
        history_invoke(&h, client[i], "write", NULL, hist_int(i + 1), at[i] * MS);
        size_t e = history_complete(&h, client[i], HIST_OK, hist_nil(), at[i] * MS + 1);
        h.ev[e].version = stamp[i];
    }
    buf_printf(&ctx->text,
               "Exercise (last-writer-wins with skewed clocks, seed %llu)\n\n"
               "Three replicas; their wall clocks read true time plus n0 +0ms, n1 +%lldms, n2 +%lldms. A write is "
               "stamped with the wall clock of the replica that takes it (ties: the higher node id wins), applied, "
               "acknowledged at once and replicated; a replica keeps the highest stamp. The writes, one after "
               "another in real time:\n\n",
               (unsigned long long)ctx->seed, (long long)off[1], (long long)off[2]);
    for (int i = 0; i < nw; i++)
        buf_printf(&ctx->text, "  w%d  at %lldms  client %d writes %d through n%d\n", i + 1, (long long)at[i],
                   client[i], i + 1, node[i]);
    buf_puts(&ctx->text, "\n1. What stamp does each write get?\n2. Which acknowledged writes are lost (beaten by a "
                         "write that finished before them)? Which of those by the same client's own earlier write?\n"
                         "3. What value do the replicas hold at the end?\n4. What would Lamport stamps be if every "
                         "write reached every replica before the next one began, and what would be lost?\n");
    if (answers) {
        buf_puts(&ctx->text, "\nAnswer key\n\n1.");
        int64_t best = -1;
        int best_i = -1, lost = 0;
        for (int i = 0; i < nw; i++)
            buf_printf(&ctx->text, " w%d %lldms%s", i + 1, (long long)(stamp[i] / 16), i + 1 < nw ? "," : "\n2.");
        for (int i = 0; i < nw; i++) {
            if (best >= 0 && stamp[best_i] > stamp[i]) {
                lost++;
                buf_printf(&ctx->text, " w%d (beaten by w%d%s);", i + 1, best_i + 1,
                           client[best_i] == client[i] ? ", the same client" : "");
            }
            if (stamp[i] > best) {
                best = stamp[i];
                best_i = i;
            }
        }
        if (!lost)
            buf_puts(&ctx->text, " none");
        buf_printf(&ctx->text, "\n3. %d (w%d, stamp %lldms)\n4. 1, 2, ..., %d in order: nothing lost, whatever "
                               "the clocks say\n",
                   best_i + 1, best_i + 1, (long long)(stamp[best_i] / 16), nw);
        struct lost_update lu;
        lost_update_check(&h, NULL, &lu);
        kata_check(ctx, "key-matches-the-checker", lu.lost == (size_t)lost,
                   "src/check/lostupdate.c counts %zu lost writes in the same history, the key %d", lu.lost, lost);
    }
    history_close(&h);
    return 0;
}

static const struct kata_param params[] = {
    {"nodes", "3", "replicas of the register"},
    {"clients", "3", "clients, each writing in turn through a random replica"},
    {"writes", "100", "writes per client"},
    {"think", "20ms", "a client waits uniform 0..2*think between writes"},
    {"latency", "uniform:1ms,10ms", "one-way message latency distribution"},
    {"loss", "0", "probability a message is lost"},
    {"timeout", "100ms", "a client gives up on an unacknowledged write (outcome unknown)"},
    {"gossip", "100ms", "anti-entropy: every replica sends what it holds to the others this often"},
    {"skew", "20ms", "the largest difference between two replicas' wall clocks (n1 ahead of n0)"},
    {"sweep", "0ms,1ms,2ms,5ms,10ms,20ms,50ms,100ms", "skews for the table of lost updates"},
    {"duration", "5s", "virtual time to run (swarm faults end halfway)"},
};

static const struct kata_bug bugs[] = {
    {"no-max", "Lamport and HLC stamps ignore the client's token and replicated stamps (no max on receive)"},
    {"no-tiebreak", "stamps without the node id: equal timestamps order differently on different replicas"},
};

const struct kata kata_lww_skew = {
    .name = "lww-skew",
    .summary = "last-writer-wins under clock skew: lost updates with wall clocks, Lamport clocks and HLC",
    .drill = "Book Exercise Lanes, lane 2 (Clocks and Ordering): 1 written analysis of a production LWW design that "
             "breaks because of clock skew (module 004)",
    .time_limit = "one analysis per sitting",
    .repeat_until = "you can say, for a given skew and write rate, which writes a wall-clock LWW store drops and why "
                    "a logical clock does not drop a client's own",
    .what = "Three replicas of one register; clients write in turn through a random replica, which stamps the write, "
            "keeps it if its stamp beats the one it holds, and replicates it (plus periodic anti-entropy). Stamps: "
            "the replica's wall clock (skewed), a Lamport clock, or a hybrid logical clock; the logical ones also "
            "take the client's last acknowledged stamp. A write is lost when a write that finished before it began "
            "holds a higher stamp: the store keeps the older value without telling anyone.",
    .reading = "For the configured skew: lost writes per scheme out of the acknowledged ones, with one example, then "
               "a table over the sweep of skews. 'causal' counts writes lost to the same client's earlier write. "
               "Checks: every scheme converges, Lamport and HLC never lose a client's own later write, and the HLC's "
               "physical part stays within the skew of true time. Figures: lost_wall, lost_lamport, lost_hlc and "
               "their causal parts, hlc_ahead_max_ms.",
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .bugs = bugs,
    .nbugs = sizeof(bugs) / sizeof(bugs[0]),
    .run = lww_run,
    .exercise = lww_exercise,
    .exercise_what = "stamp a few writes with skewed replica clocks by hand and find the ones last-writer-wins loses",
};
