/* Kata `saga`: an order saga (reserve, charge, wait to ship; a cancellation compensates with refund, release)
 * driven by a retry layer with timeouts (module 003, snippet 3). The first refund succeeds but its response is
 * lost and the retry layer calls refund again: without an idempotency key threaded through, the customer is
 * refunded twice. The money invariants are judged from the history (src/check/saga). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/saga.h"
#include "core/fault.h"
#include "core/sim.h"
#include "core/units.h"
#include "katas/kata.h"

#define MAXO 64
#define MS NS_PER_MS
#define ORCH 0
#define INV 1
#define PAY 2

extern const struct kata kata_saga;

enum step { S_RESERVE, S_CHARGE, S_WAIT, S_REFUND, S_RELEASE, S_DONE };
static const char *const step_names[] = {"reserve", "charge", "wait-to-ship", "refund", "release", "done"};
enum { M_REQ = 1, M_RESP };
enum { T_TIMEOUT = 1, T_RETRY, T_SHIP, T_SWEEP };
enum lose { LOSE_RESPONSE, LOSE_REQUEST, LOSE_NONE };
static const char *const lose_names[] = {"response", "request", "none", NULL};
static const char *const key_names[] = {"off", "on", NULL};

struct smsg {
    int32_t order, step, attempt, pad;
    int64_t amount;
    uint64_t key;
    int64_t result; /* the service's id for the charge, refund, reservation or release */
};

struct sparams {
    int key, lose, norders, attempts;
    int64_t amount[MAXO], place_at[MAXO], cancel_at[MAXO]; /* cancel_at < 0: never */
    int64_t ship_after, timeout, retry_delay, sweep, duration;
    struct dist latency;
    double loss, dup;
};

/* The orchestrator's saga log: durable (a crash keeps it; on restart every unfinished saga is driven again). */
struct saga {
    int step;
    bool placed, cancel;
    bool parked;    /* the retry budget ran out, or the orchestrator could not act: the sweep drives it again */
    bool abandoned; /* --bug give-up */
    uint64_t cur;   /* the attempt in flight (timers and retries name it) */
    int attempt;
    int64_t ship_at;
    uint64_t vkey[S_DONE]; /* --bug volatile-key: keys kept in memory only */
};

struct keyrow {
    uint64_t key;
    int64_t result;
};

struct service { /* durable: what it did, and the keys it has seen */
    int64_t next_id;
    struct keyrow *keys;
    size_t nkeys, keys_cap;
};

struct sworld {
    const struct sparams *p;
    bool bug_per_attempt, bug_volatile, bug_give_up;
    struct saga sg[MAXO];
    struct service svc[3];
    uint64_t next_attempt;
    bool lose_pending;
    int64_t retries, dedupe_hits, calls, lost;
    struct saga_event *ev;
    size_t nev, ev_cap;
    struct kata_timeline timeline; /* for people; off in swarms */
};

#define tl(s, w, ...) kata_tl(&(w)->timeline, (s)->now, __VA_ARGS__)

static void history(struct sim *s, struct sworld *w, enum saga_op op, int order, int64_t amount)
{
    static const char *const ops[] = {"placed", "charged", "refunded", "cancelled", "finished"};
    XGROW(w->ev, w->ev_cap, w->nev + 1);
    w->ev[w->nev++] = (struct saga_event){s->now, op, order, amount};
    trace_event(s->trace, s->now, -1, ops[op], "\"order\":%d,\"amount\":%lld", order, (long long)amount);
}

static const char *money(char *out, size_t n, int64_t cents)
{
    snprintf(out, n, "%lld.%02lld", (long long)(cents / 100), (long long)(cents % 100));
    return out;
}

/* ---- the services: perform the effect, dedupe by key when one is given ---- */

static void service_request(struct sim *s, struct sworld *w, int self, const struct smsg *m)
{
    struct service *sv = &w->svc[self];
    struct smsg r = *m;
    char a[32];
    if (m->step == S_REFUND && w->lose_pending && w->p->lose == LOSE_REQUEST) {
        w->lose_pending = false;
        w->lost++;
        tl(s, w, "network: LOSES refund request for o%d (attempt %d)", m->order, m->attempt);
        trace_event(s->trace, s->now, self, "lost", "\"order\":%d,\"what\":\"request\"", m->order);
        return;
    }
    for (size_t i = 0; m->key && i < sv->nkeys; i++)
        if (sv->keys[i].key == m->key) {
            w->dedupe_hits++;
            r.result = sv->keys[i].result;
            tl(s, w, "%s: %s o%d attempt %d: key %016llx seen, returns the stored result #%lld", self == PAY ? "payments" : "inventory",
               step_names[m->step], m->order, m->attempt, (unsigned long long)m->key, (long long)r.result);
            trace_event(s->trace, s->now, self, "dedupe", "\"order\":%d,\"step\":%d", m->order, m->step);
            net_send(s, self, ORCH, M_RESP, &r, sizeof(r));
            return;
        }
    r.result = ++sv->next_id;
    if (m->key) {
        XGROW(sv->keys, sv->keys_cap, sv->nkeys + 1);
        sv->keys[sv->nkeys++] = (struct keyrow){m->key, r.result};
    }
    if (m->step == S_CHARGE)
        history(s, w, SAGA_CHARGED, m->order, m->amount);
    else if (m->step == S_REFUND)
        history(s, w, SAGA_REFUNDED, m->order, m->amount);
    tl(s, w, "%s: %s o%d attempt %d -> creates #%lld%s%s", self == PAY ? "payments" : "inventory",
       step_names[m->step], m->order, m->attempt, (long long)r.result, self == PAY ? " for " : "",
       self == PAY ? money(a, sizeof(a), m->amount) : "");
    if (m->step == S_REFUND && w->lose_pending && w->p->lose == LOSE_RESPONSE) {
        w->lose_pending = false;
        w->lost++;
        tl(s, w, "network: LOSES the response to o%d's refund #%lld", m->order, (long long)r.result);
        trace_event(s->trace, s->now, self, "lost", "\"order\":%d,\"what\":\"response\"", m->order);
        return;
    }
    net_send(s, self, ORCH, M_RESP, &r, sizeof(r));
}

/* ---- the orchestrator and its retry layer ---- */

static uint64_t key_for(struct sim *s, struct sworld *w, int order, int step)
{
    struct saga *g = &w->sg[order];
    if (!w->p->key)
        return 0; /* the snippet: no idempotency key threaded in */
    if (w->bug_per_attempt)
        return (w->next_attempt << 16) | ((uint64_t)order << 4) | (uint64_t)step | 1ULL << 63;
    if (w->bug_volatile) {
        if (!g->vkey[step])
            g->vkey[step] = rng_next(sim_rng(s, ORCH)) | 1;
        return g->vkey[step];
    }
    return ((uint64_t)(order + 1) << 8) | (uint64_t)(step + 1); /* derived from the saga log: survives a crash */
}

static void send_attempt(struct sim *s, struct sworld *w, int order)
{
    struct saga *g = &w->sg[order];
    g->cur = ++w->next_attempt;
    struct smsg m = {.order = order, .step = g->step, .attempt = g->attempt, .amount = w->p->amount[order]};
    m.key = key_for(s, w, order, g->step);
    int to = g->step == S_CHARGE || g->step == S_REFUND ? PAY : INV;
    w->calls++;
    if (g->attempt > 1)
        w->retries++;
    tl(s, w, "orchestrator: %s o%d, attempt %d%s", step_names[g->step], order, g->attempt,
       m.key ? ", with its idempotency key" : ", no key");
    net_send(s, ORCH, to, M_REQ, &m, sizeof(m));
    sim_timer(s, ORCH, w->p->timeout, T_TIMEOUT, ((uint64_t)order << 48) | g->cur);
}

static void drive(struct sim *s, struct sworld *w, int order);

static void finish(struct sim *s, struct sworld *w, int order, const char *how)
{
    w->sg[order].step = S_DONE;
    tl(s, w, "orchestrator: o%d %s", order, how);
    history(s, w, SAGA_FINISHED, order, 0);
}

static void advance(struct sim *s, struct sworld *w, int order)
{
    struct saga *g = &w->sg[order];
    static const int next[] = {S_CHARGE, S_WAIT, S_WAIT, S_RELEASE, S_DONE, S_DONE};
    if (g->step == S_RELEASE) {
        finish(s, w, order, "compensated (refunded, stock released)");
        return;
    }
    g->step = next[g->step];
    drive(s, w, order);
}

/* Drives a saga from its log: a fresh retry budget for the step it is at. */
static void drive(struct sim *s, struct sworld *w, int order)
{
    struct saga *g = &w->sg[order];
    g->parked = false;
    if (g->step == S_DONE || g->abandoned)
        return;
    if (g->step == S_WAIT) {
        if (g->cancel) {
            g->step = S_REFUND;
        } else {
            sim_timer(s, ORCH, g->ship_at > s->now ? g->ship_at - s->now : 0, T_SHIP, (uint64_t)order);
            return;
        }
    }
    g->attempt = 1;
    send_attempt(s, w, order);
}

static void on_response(struct sim *s, struct sworld *w, const struct smsg *m)
{
    struct saga *g = &w->sg[m->order];
    if (g->step != m->step || g->abandoned)
        return; /* a late answer for a step already past */
    g->cur = 0; /* no timeout or retry of this step may fire now */
    advance(s, w, m->order);
}

static void on_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    struct sworld *w = s->user;
    (void)self;
    int order = (int)(arg >> 48);
    uint64_t id = arg & ((1ULL << 48) - 1);
    struct saga *g = &w->sg[order];
    switch (kind) {
    case T_TIMEOUT:
        if (id != g->cur)
            break;
        if (g->attempt < w->p->attempts) {
            tl(s, w, "orchestrator: %s o%d timed out; retries in %.0fms", step_names[g->step], order,
               (double)w->p->retry_delay / 1e6);
            sim_timer(s, ORCH, w->p->retry_delay, T_RETRY, arg);
        } else if (w->bug_give_up) {
            g->abandoned = true;
            tl(s, w, "orchestrator: %s o%d out of retries; GIVES UP", step_names[g->step], order);
        } else {
            g->parked = true;
            tl(s, w, "orchestrator: %s o%d out of retries; parked for the sweep", step_names[g->step], order);
        }
        break;
    case T_RETRY:
        if (id == g->cur) {
            g->attempt++;
            send_attempt(s, w, order);
        }
        break;
    case T_SHIP:
        if (w->sg[arg].step == S_WAIT && !w->sg[arg].cancel)
            finish(s, w, (int)arg, "shipped: completed");
        break;
    case T_SWEEP:
        for (int o = 0; o < w->p->norders; o++)
            if (w->sg[o].parked)
                drive(s, w, o);
        sim_timer(s, ORCH, w->p->sweep, T_SWEEP, 0);
        break;
    }
}

static void on_message(struct sim *s, node_id self, const struct sim_msg *sm)
{
    struct sworld *w = s->user;
    struct smsg m;
    memcpy(&m, sm->data, sizeof(m));
    if (m.order < 0 || m.order >= w->p->norders)
        return;
    if (self == ORCH && sm->type == M_RESP)
        on_response(s, w, &m);
    else if (self != ORCH && sm->type == M_REQ)
        service_request(s, w, self, &m);
}

static void on_crash(struct sim *s, node_id self)
{
    struct sworld *w = s->user;
    if (self != ORCH)
        return;
    for (int o = 0; o < w->p->norders; o++) {
        w->sg[o].cur = 0;
        memset(w->sg[o].vkey, 0, sizeof(w->sg[o].vkey));
    }
    tl(s, w, "orchestrator CRASHES (its saga log is durable)");
}

static void on_restart(struct sim *s, node_id self)
{
    struct sworld *w = s->user;
    if (self != ORCH)
        return;
    tl(s, w, "orchestrator restarts: drives every unfinished saga from its log");
    for (int o = 0; o < w->p->norders; o++)
        if (w->sg[o].placed)
            drive(s, w, o);
    sim_timer(s, ORCH, w->p->sweep, T_SWEEP, 0);
}

/* Customer events arrive in a durable queue: recorded even while the orchestrator is down or paused, acted on
 * now if it is up, else by its sweep or its restart. */
static void place_order(struct sim *s, void *ptr, uint64_t order)
{
    (void)ptr;
    struct sworld *w = s->user;
    struct saga *g = &w->sg[order];
    g->placed = true;
    g->step = S_RESERVE;
    g->ship_at = s->now + w->p->ship_after;
    char a[32];
    tl(s, w, "customer: places o%d for %s", (int)order, money(a, sizeof(a), w->p->amount[order]));
    history(s, w, SAGA_PLACED, (int)order, w->p->amount[order]);
    if (sim_is_up(s, ORCH))
        drive(s, w, (int)order);
    else
        g->parked = true;
}

static void cancel_order(struct sim *s, void *ptr, uint64_t order)
{
    (void)ptr;
    struct sworld *w = s->user;
    struct saga *g = &w->sg[order];
    if (g->step == S_DONE) {
        tl(s, w, "customer: cancels o%d: too late, it has shipped", (int)order);
        return;
    }
    g->cancel = true;
    tl(s, w, "customer: CANCELS o%d", (int)order);
    history(s, w, SAGA_CANCELLED, (int)order, 0);
    if (g->step == S_WAIT) {
        if (sim_is_up(s, ORCH))
            drive(s, w, (int)order);
        else
            g->parked = true;
    }
}

/* ---- one run ---- */

struct outcome {
    struct saga_report rep;
    long violations;
    int64_t retries, dedupe_hits, calls, lost;
};

static void simulate(struct sworld *w, const struct sparams *p, const struct kata_ctx *ctx, struct trace *trace,
                     const struct fault_plan *plan, struct outcome *out)
{
    w->p = p;
    w->bug_per_attempt = kata_bug_is(ctx, "key-per-attempt");
    w->bug_volatile = kata_bug_is(ctx, "volatile-key");
    w->bug_give_up = kata_bug_is(ctx, "give-up");
    w->lose_pending = p->lose != LOSE_NONE;
    static const struct sim_node_ops ops = {on_message, on_timer, on_crash, on_restart};
    struct sim s;
    sim_init(&s, ctx->seed, 3, &ops, w);
    s.trace = trace;
    net_set_default(&s, &p->latency, p->loss, p->dup);
    for (int o = 0; o < p->norders; o++) {
        sim_at(&s, p->place_at[o], place_order, NULL, (uint64_t)o);
        if (p->cancel_at[o] >= 0)
            sim_at(&s, p->cancel_at[o], cancel_order, NULL, (uint64_t)o);
    }
    sim_timer(&s, ORCH, p->sweep, T_SWEEP, 0);
    fault_schedule(plan, &s);
    sim_run_until(&s, p->duration);
    out->violations = saga_check(w->ev, w->nev, p->norders, &out->rep);
    out->retries = w->retries;
    out->dedupe_hits = w->dedupe_hits;
    out->calls = w->calls;
    out->lost = w->lost;
    sim_close(&s);
}

static void world_close(struct sworld *w)
{
    for (int i = 0; i < 3; i++)
        free(w->svc[i].keys);
    free(w->ev);
    kata_timeline_close(&w->timeline);
}

static bool read_params(struct kata_ctx *ctx, struct sparams *p)
{
    const struct kata *k = &kata_saga;
    long orders, attempts;
    double amount;
    int64_t cancel_at, every;
    char err[256];
    memset(p, 0, sizeof(*p));
    if (!kata_get_choice(ctx, k, "key", key_names, &p->key) ||
        !kata_get_choice(ctx, k, "lose", lose_names, &p->lose) ||
        !kata_get_int(ctx, k, "orders", 1, MAXO, &orders) ||
        !kata_get_double(ctx, k, "amount", 0.01, 1e9, &amount) ||
        !kata_get_duration(ctx, k, "cancel_at", &cancel_at) || !kata_get_duration(ctx, k, "every", &every) ||
        !kata_get_duration(ctx, k, "ship_after", &p->ship_after) ||
        !kata_get_duration(ctx, k, "timeout", &p->timeout) ||
        !kata_get_duration(ctx, k, "retry_delay", &p->retry_delay) ||
        !kata_get_int(ctx, k, "attempts", 1, 100, &attempts) ||
        !kata_get_duration(ctx, k, "sweep", &p->sweep) ||
        !kata_get_duration_in(ctx, k, "duration", 0, 3600 * NS_PER_S, &p->duration))
        return false;
    if (dist_parse(&p->latency, kata_get_str(ctx, k, "latency"), err, sizeof(err))) {
        snprintf(ctx->error, sizeof(ctx->error), "parameter 'latency': %.220s", err);
        return false;
    }
    if (p->timeout <= 0 || p->sweep <= 0) {
        snprintf(ctx->error, sizeof(ctx->error), "bad timeout or sweep: both must be above 0");
        return false;
    }
    /* Every sweep drives each parked saga again (up to attempts calls per step). */
    if (!kata_bound_work(ctx, (double)p->duration / (double)p->sweep * (double)orders * (double)attempts, 1e6,
                         "sweep calls (duration / sweep x orders x attempts)",
                         "lower duration, orders or attempts, or raise sweep"))
        return false;
    p->norders = (int)orders;
    p->attempts = (int)attempts;
    for (int o = 0; o < p->norders; o++) {
        p->amount[o] = (int64_t)(amount * 100 + 0.5);
        p->place_at[o] = o * every;
        p->cancel_at[o] = cancel_at + o * every;
    }
    return true;
}

/* Swarm testing: orders, amounts, cancellations, timeouts, budgets, latency, loss, duplicates and crashes,
 * pauses and partitions of every node come from the seed; faults stop at 15 s, then the sagas must finish. */
static void draw_params(struct sparams *p, struct fault_plan *plan, uint64_t seed)
{
    struct rng r;
    rng_stream(&r, seed, "shape", 0);
    p->norders = (int)rng_range(&r, 1, 20);
    p->timeout = rng_range(&r, 20, 500) * MS;
    p->retry_delay = rng_range(&r, 10, 500) * MS;
    p->attempts = (int)rng_range(&r, 1, 6);
    p->sweep = 2000 * MS;
    p->ship_after = rng_range(&r, 100, 3000) * MS;
    p->duration = 60000 * MS;
    p->loss = rng_chance(&r, 0.7) ? rng_unit(&r) * 0.2 : 0;
    p->dup = rng_chance(&r, 0.5) ? rng_unit(&r) * 0.1 : 0;
    static const char *const lats[] = {"1ms", "uniform:1ms,30ms", "exp:10ms", "mix:0.9*exp:5ms+0.1*pareto:50ms,1.5"};
    char err[128];
    dist_parse(&p->latency, lats[rng_below(&r, 4)], err, sizeof(err));
    for (int o = 0; o < p->norders; o++) {
        p->amount[o] = rng_range(&r, 100, 50000);
        p->place_at[o] = rng_range(&r, 0, 10000) * MS;
        p->cancel_at[o] = rng_chance(&r, 0.6) ? p->place_at[o] + rng_range(&r, 0, p->ship_after / MS + 1000) * MS : -1;
    }
    struct rng fr;
    rng_stream(&fr, seed, "faults", 0);
    fault_random(plan, &fr, 3, 0, 15000 * MS, 1);
}

static void print_report(struct kata_ctx *ctx, const struct sparams *p, const struct sworld *w,
                         const struct outcome *mine, const struct outcome *both)
{
    struct buf *t = &ctx->text;
    char lat[96], a[32], b[32];
    dist_format(&p->latency, lat, sizeof(lat));
    buf_printf(t, "saga: %d order(s); key %s; first refund's %s lost; retry layer: timeout %.0fms, %d attempt(s), "
               "%.0fms apart, sweep every %.0fms; latency %s%s%s\n",
               p->norders, key_names[p->key], p->lose == LOSE_NONE ? "nothing" : lose_names[p->lose],
               (double)p->timeout / 1e6, p->attempts, (double)p->retry_delay / 1e6, (double)p->sweep / 1e6, lat,
               ctx->bug ? ", bug " : "", ctx->bug ? ctx->bug : "");
    buf_printf(t, "\ntimeline (key=%s):\n%s", key_names[p->key], w->timeline.text.data ? w->timeline.text.data : "");
    buf_printf(t, "\nledger (from the history):\n  %-6s %10s %10s %10s %8s %9s %8s\n", "order", "amount", "charged",
               "refunded", "refunds", "cancelled", "finished");
    for (int o = 0; o < p->norders && o < 30; o++) {
        int64_t charged = 0, refunded = 0;
        int refunds = 0;
        bool cancelled = false, finished = false;
        for (size_t i = 0; i < w->nev; i++) {
            const struct saga_event *e = &w->ev[i];
            if (e->order != o)
                continue;
            charged += e->op == SAGA_CHARGED ? e->amount : 0;
            refunded += e->op == SAGA_REFUNDED ? e->amount : 0;
            refunds += e->op == SAGA_REFUNDED;
            cancelled |= e->op == SAGA_CANCELLED;
            finished |= e->op == SAGA_FINISHED;
        }
        char c[32];
        buf_printf(t, "  o%-5d %10s %10s %10s %8d %9s %8s\n", o, money(a, sizeof(a), p->amount[o]),
                   money(b, sizeof(b), charged), money(c, sizeof(c), refunded), refunds, cancelled ? "yes" : "no",
                   finished ? "yes" : "no");
    }
    buf_printf(t, "\nthe same seed with and without the key (the snippet is key=off; the fix is key=on):\n");
    buf_printf(t, "  %-4s %6s %7s %7s %10s %10s %10s %7s  %s\n", "key", "calls", "retries", "refunds", "charged",
               "refunded", "excess", "deduped", "checker");
    for (int k = 0; k < 2; k++) {
        const struct outcome *o = &both[k];
        char c[32], v[48];
        snprintf(v, sizeof(v), o->violations ? "VIOLATED (%ld)" : "holds", o->violations);
        buf_printf(t, "  %-4s %6lld %7lld %7zu %10s %10s %10s %7lld  %s\n", key_names[k], (long long)o->calls,
                   (long long)o->retries, o->rep.refunds, money(a, sizeof(a), o->rep.charged_total),
                   money(b, sizeof(b), o->rep.refunded_total), money(c, sizeof(c), o->rep.excess_refunded),
                   (long long)o->dedupe_hits, v);
    }
    (void)mine;
}

static int saga_run(struct kata_ctx *ctx)
{
    struct sparams p;
    if (!read_params(ctx, &p))
        return -1;
    struct fault_plan plan;
    if (!kata_nemesis_plan(ctx, 3, &plan))
        return -1;
    /* a schedule from the command line (read above) replaces the kata's own */
    if (!ctx->nemesis && ctx->random_faults) {
        draw_params(&p, &plan, ctx->seed);
    }
    struct sworld w = {0};
    kata_timeline_init(&w.timeline, !ctx->quiet, 300);
    struct outcome mine = {0};
    simulate(&w, &p, ctx, ctx->trace, &plan, &mine);
    const struct saga_report *r = &mine.rep;
    char a[32], b[32];
    kata_check(ctx, "refunds-within-charges", r->over_refunds == 0,
               "%zu order(s) refunded beyond their charge (%s refunded in all, %s charged)%s%s", r->over_refunds,
               money(a, sizeof(a), r->refunded_total), money(b, sizeof(b), r->charged_total),
               r->over_refunds ? "; first: " : "", r->first[SAGA_RULE_WITHIN]);
    kata_check(ctx, "charged-at-most-once", r->bad_charges == 0, "%zu order(s) charged twice or wrongly%s%s",
               r->bad_charges, r->bad_charges ? "; first: " : "", r->first[SAGA_RULE_CHARGE]);
    kata_check(ctx, "cancelled-refunded-once", r->not_refunded_once == 0,
               "%zu of %zu cancelled order(s) not refunded exactly once in the end%s%s", r->not_refunded_once,
               r->cancelled, r->not_refunded_once ? "; first: " : "", r->first[SAGA_RULE_ONCE]);
    kata_check(ctx, "sagas-finish", r->unfinished == 0, "%zu of %zu saga(s) unfinished at %.0fms%s%s",
               r->unfinished, r->orders, (double)p.duration / 1e6, r->unfinished ? "; first: " : "",
               r->first[SAGA_RULE_FINISHED]);
    kata_figure(ctx, "orders", (double)r->orders);
    kata_figure(ctx, "cancelled", (double)r->cancelled);
    kata_figure(ctx, "refunds", (double)r->refunds);
    kata_figure(ctx, "excess_refunded", (double)r->excess_refunded / 100);
    kata_figure(ctx, "calls", (double)mine.calls);
    kata_figure(ctx, "retries", (double)mine.retries);
    kata_figure(ctx, "deduplicated", (double)mine.dedupe_hits);
    if (!ctx->quiet) {
        struct outcome both[2];
        for (int k = 0; k < 2; k++) {
            struct sparams q = p;
            q.key = k;
            struct sworld o = {0};
            memset(&both[k], 0, sizeof(both[k]));
            simulate(&o, &q, ctx, NULL, &plan, &both[k]);
            world_close(&o);
        }
        print_report(ctx, &p, &w, &mine, both);
    }
    world_close(&w);
    fault_plan_close(&plan);
    return 0;
}

static const struct kata_param params[] = {
    {"key", "off", "off (the snippet: no idempotency key) | on (one key per saga step, threaded through retries)"},
    {"lose", "response", "what the network loses of the first refund call: response|request|none"},
    {"orders", "1", "orders placed (every `every`), each cancelled `cancel_at` after it was placed"},
    {"amount", "100.00", "each order's amount"},
    {"every", "100ms", "time between two orders"},
    {"cancel_at", "1s", "when the customer cancels (before shipping: the saga compensates)"},
    {"ship_after", "5s", "an order not cancelled by then ships and completes"},
    {"timeout", "1s", "the retry layer's timeout per call"},
    {"retry_delay", "1s", "the retry layer's sleep before the next attempt"},
    {"attempts", "3", "attempts per call before the step is parked for the sweep"},
    {"sweep", "5s", "how often the orchestrator drives parked sagas again"},
    {"latency", "uniform:1ms,5ms", "one-way message latency distribution"},
    {"duration", "30s", "virtual time to run"},
};

static const struct kata_bug bugs[] = {
    {"key-per-attempt", "with key=on, a fresh key for every retry (the payment API cannot dedupe)"},
    {"volatile-key", "with key=on, the key lives in the orchestrator's memory: a crash mints a new one"},
    {"give-up", "a compensation whose retry budget runs out is abandoned, never driven again"},
};

const struct kata kata_saga = {
    .name = "saga",
    .summary = "order saga whose refund response is lost and retried: double refund without an idempotency key",
    .drill = "Distributed capstone: code and config reading, snippet 3, the saga compensation (module 003)",
    .time_limit = "14 minutes for the four snippets",
    .repeat_until = "you can say what the retry does to the refund and your fix holds over 2,000 seeds",
    .what = "An orchestrator runs each order's saga: reserve (inventory), charge (payments), wait to ship; a "
            "cancellation compensates with refund (payments) and release (inventory). A retry layer calls each step "
            "with a timeout and a fixed sleep; its saga log is durable, and a sweep drives parked sagas again. The "
            "first refund succeeds but its response is lost, so the retry layer calls refund again: with key=off "
            "the payment API creates a second refund; with key=on (one key per saga step) it returns the first.",
    .reading = "The timeline shows each call and attempt, what the services created or deduplicated, lost messages, "
               "timeouts and retries. The ledger is computed from the history: charged, refunded and refund count "
               "per order. The table runs the same seed with key=off and key=on: calls, retries, refunds, money "
               "charged/refunded/refunded in excess, deduplicated calls and the checker's verdict "
               "(src/check/saga.c: refunds never exceed charges, one charge per order, every cancelled order "
               "refunded exactly once in the end, every saga finishes).",
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .bugs = bugs,
    .nbugs = sizeof(bugs) / sizeof(bugs[0]),
    .run = saga_run,
};
