/* Kata `fencing`: a lock service granting leases with monotonically increasing fencing tokens, a storage
 * resource and clients (module 003, snippet 2). The first holder checks its lease, pauses (GC-like) beyond it
 * with token 7, a second client acquires (tokens 8..12) and writes, the first wakes and writes with token 7.
 * The storage's check is the parameter; the fencing rules are judged from the history (src/check/fencing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/fencing.h"
#include "core/fault.h"
#include "core/sim.h"
#include "core/units.h"
#include "katas/kata.h"
#include "report/svg.h"

#define MAXC 8
#define MS NS_PER_MS
#define LOCK 0
#define STORE 1
#define CNODE(c) ((c) + 2)

extern const struct kata kata_fencing;

enum mode { M_NONE, M_LEASE_ONLY, M_AFTER_WRITE, M_BEFORE_WRITE, NMODES };
static const char *const mode_names[] = {"none", "lease-only", "after-write", "before-write", NULL};
static const char *const mode_help[] = {
    "no lease check, no token check", "client checks its lease; storage takes any token",
    "the snippet: write, then remember the token", "reject a token below the highest seen, then write"};
enum { ACQ = 1, GRANT, DENY, RELEASE, WRITE, WRITE_OK, WRITE_REJECT };
enum { T_ACQUIRE = 1, T_STEP, T_WRITE, T_TIMEOUT };
enum cstate { C_IDLE, C_ACQUIRING, C_HOLDING, C_WRITING, C_DONE };

struct fmsg {
    uint64_t token;
    int64_t step;
    int64_t lease_ns, retry_ns;
    uint32_t req;
};

struct fparams {
    int mode;
    int nclients;
    int64_t lease, work, idle, pause_at, pause, b_start, rpc_timeout, duration;
    long first_token, new_writes;
    struct dist latency;
    double loss, dup;
    int acquisitions[MAXC], steps[MAXC];
    int64_t start[MAXC];
};

struct client {
    enum cstate st;
    int acquisitions_left, steps_done;
    uint64_t token;
    int64_t expiry_clock, acq_sent_clock;
    int64_t next_step; /* durable: the client's step counter (steps are named c<client>.s<n>) */
    uint32_t req;
    int64_t leases_lost, fenced;
};

struct lockd {
    uint64_t counter; /* durable */
    int holder;       /* volatile: -1 free */
    uint64_t token;
    sim_time expiry, no_grant_before;
};

struct stored {
    uint64_t highest;            /* durable (unless --bug volatile-highest) */
    uint64_t highest_of[MAXC];   /* --bug per-client-highest */
    int value_client;            /* the register's value: the last applied step */
    int64_t value_step;
    uint64_t value_token;
};

struct fworld {
    const struct fparams *p;
    bool bug_reuse, bug_per_client, bug_volatile;
    struct client c[MAXC];
    struct lockd lock;
    struct stored store;
    /* the history the checker reads */
    struct fence_grant *grants;
    size_t ngrants, grants_cap;
    struct fence_write *writes;
    size_t nwrites, writes_cap;
    /* for people */
    struct kata_timeline timeline; /* for people; off in swarms */
};

#define tl(s, w, ...) kata_tl(&(w)->timeline, (s)->now, __VA_ARGS__)

static void send(struct sim *s, int from, int to, int type, const struct fmsg *m)
{
    net_send(s, from, to, type, m, sizeof(*m));
}

/* ---- the lock service: one lease at a time, a fresh token with every grant ---- */

static void lock_acquire(struct sim *s, struct fworld *w, int c, const struct fmsg *m)
{
    struct lockd *l = &w->lock;
    struct fmsg r = {.req = m->req, .lease_ns = w->p->lease};
    bool expired = l->holder >= 0 && s->now >= l->expiry;
    if (s->now < l->no_grant_before) {
        r.retry_ns = l->no_grant_before - s->now;
    } else if (l->holder < 0 || expired) {
        if (expired)
            tl(s, w, "lock: c%d's lease (token %llu) has expired", l->holder, (unsigned long long)l->token);
        /* The token must grow with every grant; --bug token-reuse hands an expired lease's token on. */
        if (!(w->bug_reuse && expired))
            l->token = ++l->counter;
        l->holder = c;
        l->expiry = s->now + w->p->lease;
        r.token = l->token;
        XGROW(w->grants, w->grants_cap, w->ngrants + 1);
        w->grants[w->ngrants++] = (struct fence_grant){s->now, c, l->token};
        trace_event(s->trace, s->now, LOCK, "grant", "\"client\":%d,\"token\":%llu", c, (unsigned long long)l->token);
        tl(s, w, "lock: grants c%d a %.0fms lease with token %llu", c, (double)w->p->lease / 1e6,
           (unsigned long long)l->token);
        send(s, LOCK, CNODE(c), GRANT, &r);
        return;
    } else {
        r.retry_ns = l->expiry - s->now;
    }
    send(s, LOCK, CNODE(c), DENY, &r);
}

static void lock_release(struct sim *s, struct fworld *w, int c, const struct fmsg *m)
{
    if (w->lock.holder == c && w->lock.token == m->token) {
        w->lock.holder = -1;
        tl(s, w, "lock: c%d releases token %llu", c, (unsigned long long)m->token);
    }
}

/* ---- the storage: the check under test ---- */

static void store_write(struct sim *s, struct fworld *w, int c, const struct fmsg *m)
{
    struct stored *st = &w->store;
    uint64_t seen = w->bug_per_client ? st->highest_of[c] : st->highest;
    bool apply = true;
    if (w->p->mode == M_BEFORE_WRITE && m->token < seen)
        apply = false; /* the fix: reject before writing */
    if (apply) {
        st->value_client = c;
        st->value_step = m->step;
        st->value_token = m->token;
    }
    if (w->p->mode == M_AFTER_WRITE || w->p->mode == M_BEFORE_WRITE) {
        /* the snippet: highest_token_seen = max(highest_token_seen, token), after write(step) */
        if (apply && m->token > st->highest)
            st->highest = m->token;
        if (apply && m->token > st->highest_of[c])
            st->highest_of[c] = m->token;
    }
    XGROW(w->writes, w->writes_cap, w->nwrites + 1);
    w->writes[w->nwrites++] = (struct fence_write){s->now, c, m->token, m->step, apply};
    trace_event(s->trace, s->now, STORE, apply ? "apply" : "reject", "\"client\":%d,\"token\":%llu,\"step\":%lld", c,
                (unsigned long long)m->token, (long long)m->step);
    tl(s, w, "storage: %s c%d.s%lld with token %llu (highest seen %llu)", apply ? "APPLIES" : "rejects", c,
       (long long)m->step, (unsigned long long)m->token, (unsigned long long)seen);
    struct fmsg r = {.req = m->req, .token = m->token};
    send(s, STORE, CNODE(c), apply ? WRITE_OK : WRITE_REJECT, &r);
}

/* ---- the clients: acquire, check the lease, work, write, release ---- */

static void client_wait(struct sim *s, struct fworld *w, int c)
{
    sim_timer(s, CNODE(c), w->p->rpc_timeout, T_TIMEOUT, w->c[c].req);
}

static void client_acquire(struct sim *s, struct fworld *w, int c)
{
    struct client *cl = &w->c[c];
    if (cl->acquisitions_left <= 0) {
        cl->st = C_DONE;
        return;
    }
    cl->st = C_ACQUIRING;
    cl->acq_sent_clock = sim_clock(s, CNODE(c));
    struct fmsg m = {.req = ++cl->req};
    send(s, CNODE(c), LOCK, ACQ, &m);
    client_wait(s, w, c);
}

static void client_idle(struct sim *s, struct fworld *w, int c)
{
    w->c[c].st = C_IDLE;
    sim_timer(s, CNODE(c), w->p->idle, T_ACQUIRE, 0);
}

static void client_step(struct sim *s, struct fworld *w, int c)
{
    struct client *cl = &w->c[c];
    if (cl->st != C_HOLDING)
        return;
    /* Every mode but `none` checks the lease here, and then works for `work` before writing: a pause in that gap
     * is what a lease alone cannot see. */
    if (w->p->mode != M_NONE && sim_clock(s, CNODE(c)) >= cl->expiry_clock) {
        cl->leases_lost++;
        tl(s, w, "c%d: its lease (token %llu) has expired; acquires again", c, (unsigned long long)cl->token);
        trace_event(s->trace, s->now, CNODE(c), "lease_lost", "\"token\":%llu", (unsigned long long)cl->token);
        client_idle(s, w, c);
        return;
    }
    tl(s, w, "c%d: lease valid (token %llu, %.0fms left); works %.0fms, then writes c%d.s%lld", c,
       (unsigned long long)cl->token, (double)(cl->expiry_clock - sim_clock(s, CNODE(c))) / 1e6,
       (double)w->p->work / 1e6, c, (long long)cl->next_step);
    sim_timer(s, CNODE(c), w->p->work, T_WRITE, cl->req);
}

static void client_write(struct sim *s, struct fworld *w, int c)
{
    struct client *cl = &w->c[c];
    if (cl->st != C_HOLDING)
        return;
    cl->st = C_WRITING;
    struct fmsg m = {.req = ++cl->req, .token = cl->token, .step = cl->next_step};
    tl(s, w, "c%d: sends write c%d.s%lld with token %llu", c, c, (long long)m.step, (unsigned long long)m.token);
    send(s, CNODE(c), STORE, WRITE, &m);
    client_wait(s, w, c);
}

static void on_client_message(struct sim *s, struct fworld *w, int c, int type, const struct fmsg *m)
{
    struct client *cl = &w->c[c];
    if (m->req != cl->req)
        return; /* an answer to a request we gave up on */
    switch (type) {
    case GRANT:
        if (cl->st != C_ACQUIRING)
            return;
        cl->st = C_HOLDING;
        cl->token = m->token;
        cl->expiry_clock = cl->acq_sent_clock + m->lease_ns; /* counted from the request: conservative */
        cl->steps_done = 0;
        client_step(s, w, c);
        break;
    case DENY:
        if (cl->st == C_ACQUIRING) {
            cl->st = C_IDLE;
            sim_timer(s, CNODE(c), m->retry_ns > MS ? m->retry_ns : MS, T_ACQUIRE, 0);
        }
        break;
    case WRITE_OK:
        if (cl->st != C_WRITING)
            return;
        cl->next_step++;
        cl->st = C_HOLDING;
        if (++cl->steps_done < w->p->steps[c]) {
            client_step(s, w, c);
        } else {
            struct fmsg r = {.token = cl->token};
            send(s, CNODE(c), LOCK, RELEASE, &r);
            cl->acquisitions_left--;
            client_idle(s, w, c);
        }
        break;
    case WRITE_REJECT:
        if (cl->st != C_WRITING)
            return;
        cl->fenced++;
        tl(s, w, "c%d: fenced off (token %llu is stale); drops the lease", c, (unsigned long long)cl->token);
        client_idle(s, w, c);
        break;
    }
}

static void on_message(struct sim *s, node_id self, const struct sim_msg *sm)
{
    struct fworld *w = s->user;
    struct fmsg m;
    memcpy(&m, sm->data, sizeof(m));
    int from = sm->from - 2;
    if (self == LOCK && sm->type == ACQ)
        lock_acquire(s, w, from, &m);
    else if (self == LOCK && sm->type == RELEASE)
        lock_release(s, w, from, &m);
    else if (self == STORE && sm->type == WRITE)
        store_write(s, w, from, &m);
    else if (self >= 2)
        on_client_message(s, w, self - 2, sm->type, &m);
}

static void on_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    struct fworld *w = s->user;
    int c = self - 2;
    struct client *cl = &w->c[c];
    switch (kind) {
    case T_ACQUIRE:
        if (cl->st == C_IDLE)
            client_acquire(s, w, c);
        break;
    case T_WRITE:
        if (arg == cl->req)
            client_write(s, w, c);
        break;
    case T_TIMEOUT:
        if (arg != cl->req)
            break;
        if (cl->st == C_ACQUIRING) {
            client_acquire(s, w, c);
        } else if (cl->st == C_WRITING) { /* unknown outcome: check the lease again and resend the same step */
            cl->st = C_HOLDING;
            client_step(s, w, c);
        }
        break;
    }
}

static void on_restart(struct sim *s, node_id self)
{
    struct fworld *w = s->user;
    if (self == LOCK) {
        /* The lease table was volatile: wait out any lease granted before the crash. */
        w->lock.holder = -1;
        w->lock.no_grant_before = s->now + w->p->lease;
    } else if (self == STORE) {
        if (w->bug_volatile) {
            w->store.highest = 0;
            memset(w->store.highest_of, 0, sizeof(w->store.highest_of));
        }
    } else {
        int c = self - 2;
        w->c[c].st = C_IDLE;
        w->c[c].req++;
        if (w->c[c].acquisitions_left > 0)
            sim_timer(s, self, w->p->idle, T_ACQUIRE, 0);
    }
}

/* A line in the timeline for each fault of the plan (scheduled in every run, so runs stay alike). */
static void note_fault(struct sim *s, void *ptr, uint64_t arg)
{
    (void)arg;
    const struct fault *f = ptr;
    static const char *const ops[] = {"CRASHES", "restarts", "PAUSES (GC-like)", "resumes", "partition", "isolated",
                                      "cut", "heal", "clock skewed"};
    struct fworld *w = s->user;
    if (f->op == FAULT_PARTITION || f->op == FAULT_HEAL || f->op == FAULT_CUT)
        tl(s, w, "network: %s", ops[f->op]);
    else if (f->node >= 2)
        tl(s, w, "c%d %s", f->node - 2, ops[f->op]);
    else
        tl(s, w, "%s %s", f->node == LOCK ? "lock" : "storage", ops[f->op]);
}

/* ---- one run of one mode ---- */

struct outcome {
    struct fence_report rep;
    size_t violations;
    int64_t leases_lost, fenced, new_holder_applied, new_holder_writes;
    int final_client;
    int64_t final_step;
    uint64_t final_token;
};

/* Runs the world for p (mode included) and the fault plan; fills out. The caller closes w's arrays. */
static void simulate(struct fworld *w, const struct fparams *p, const struct kata_ctx *ctx, struct trace *trace,
                     const struct fault_plan *plan, struct outcome *out)
{
    w->p = p;
    w->bug_reuse = kata_bug_is(ctx, "token-reuse");
    w->bug_per_client = kata_bug_is(ctx, "per-client-highest");
    w->bug_volatile = kata_bug_is(ctx, "volatile-highest");
    w->lock.counter = (uint64_t)p->first_token - 1;
    w->lock.holder = -1;
    w->store.value_client = -1;
    static const struct sim_node_ops ops = {on_message, on_timer, NULL, on_restart};
    struct sim s;
    sim_init(&s, ctx->seed, p->nclients + 2, &ops, w);
    s.trace = trace;
    net_set_default(&s, &p->latency, p->loss, p->dup);
    for (int c = 0; c < p->nclients; c++) {
        w->c[c].acquisitions_left = p->acquisitions[c];
        w->c[c].next_step = 1;
        sim_timer(&s, CNODE(c), p->start[c], T_ACQUIRE, 0);
    }
    for (size_t i = 0; i < plan->n; i++)
        sim_at(&s, plan->steps[i].at, note_fault, &plan->steps[i], 0);
    fault_schedule(plan, &s);
    sim_run_until(&s, p->duration);
    out->violations = fencing_check(w->grants, w->ngrants, w->writes, w->nwrites, &out->rep);
    for (int c = 0; c < p->nclients; c++) {
        out->leases_lost += w->c[c].leases_lost;
        out->fenced += w->c[c].fenced;
    }
    for (size_t i = 0; i < w->nwrites; i++)
        if (w->writes[i].client == 1) {
            out->new_holder_writes++;
            out->new_holder_applied += w->writes[i].applied;
        }
    out->final_client = w->store.value_client;
    out->final_step = w->store.value_step;
    out->final_token = w->store.value_token;
    sim_close(&s);
}

static void world_close(struct fworld *w)
{
    free(w->grants);
    free(w->writes);
    kata_timeline_close(&w->timeline);
}

/* ---- parameters: the drill's scenario, or one drawn from the seed for swarms ---- */

static bool read_params(struct kata_ctx *ctx, struct fparams *p)
{
    const struct kata *k = &kata_fencing;
    long clients;
    char err[256];
    memset(p, 0, sizeof(*p));
    if (!kata_get_choice(ctx, k, "check", mode_names, &p->mode) ||
        !kata_get_duration(ctx, k, "lease", &p->lease) ||
        !kata_get_duration(ctx, k, "pause_at", &p->pause_at) ||
        !kata_get_duration(ctx, k, "pause", &p->pause) || !kata_get_duration(ctx, k, "work", &p->work) ||
        !kata_get_duration(ctx, k, "b_start", &p->b_start) || !kata_get_duration(ctx, k, "idle", &p->idle) ||
        !kata_get_duration_in(ctx, k, "duration", 0, 3600 * NS_PER_S, &p->duration) ||
        !kata_get_int(ctx, k, "first_token", 1, 1000000000, &p->first_token) ||
        !kata_get_int(ctx, k, "new_writes", 1, 1000, &p->new_writes) ||
        !kata_get_int(ctx, k, "clients", 2, MAXC, &clients))
        return false;
    if (dist_parse(&p->latency, kata_get_str(ctx, k, "latency"), err, sizeof(err))) {
        snprintf(ctx->error, sizeof(ctx->error), "parameter 'latency': %.220s", err);
        return false;
    }
    if (p->lease <= 0 || p->duration <= 0) {
        snprintf(ctx->error, sizeof(ctx->error), "bad lease or duration: both must be above 0");
        return false;
    }
    /* Every client may ask for the lock again each time a lease runs out. */
    if (!kata_bound_work(ctx, (double)p->duration / (double)p->lease * (double)clients, 1e6,
                         "lease grants (duration / lease x clients)",
                         "lower duration or clients, or raise lease"))
        return false;
    p->nclients = (int)clients;
    p->rpc_timeout = 1000 * MS;
    /* c0 takes the lease first (token first_token) and is paused; c1 acquires new_writes times, one write each;
     * any further client idles. */
    p->acquisitions[0] = 1;
    p->acquisitions[1] = (int)p->new_writes;
    for (int c = 0; c < p->nclients; c++) {
        p->steps[c] = 1;
        p->start[c] = c == 0 ? 0 : p->b_start;
    }
    return true;
}

/* Swarm testing: the shape of the run comes from the seed (clients, leases, work, latency, loss, duplicates,
 * GC-like pauses beyond the lease, crashes and partitions of every node); the check mode stays the caller's. */
static void draw_params(struct fparams *p, struct fault_plan *plan, uint64_t seed)
{
    struct rng r;
    rng_stream(&r, seed, "shape", 0);
    p->nclients = (int)rng_range(&r, 2, 4);
    p->lease = rng_range(&r, 200, 2000) * MS;
    p->work = rng_range(&r, 0, p->lease / MS / 2) * MS;
    p->idle = rng_range(&r, 5, 200) * MS;
    p->first_token = (long)rng_range(&r, 1, 100);
    p->rpc_timeout = rng_range(&r, 50, 500) * MS;
    p->duration = 20000 * MS;
    p->loss = rng_chance(&r, 0.5) ? rng_unit(&r) * 0.05 : 0;
    p->dup = rng_chance(&r, 0.5) ? rng_unit(&r) * 0.05 : 0;
    static const char *const lats[] = {"1ms", "uniform:1ms,20ms", "exp:5ms", "mix:0.9*exp:2ms+0.1*pareto:20ms,1.5"};
    char err[128];
    dist_parse(&p->latency, lats[rng_below(&r, 4)], err, sizeof(err));
    for (int c = 0; c < p->nclients; c++) {
        p->acquisitions[c] = (int)rng_range(&r, 1, 6);
        p->steps[c] = (int)rng_range(&r, 1, 3);
        p->start[c] = rng_range(&r, 0, 1000) * MS;
    }
    struct rng fr;
    rng_stream(&fr, seed, "faults", 0);
    fault_random(plan, &fr, p->nclients + 2, 0, 14000 * MS, 1);
    int pauses = (int)rng_range(&r, 1, 3);
    for (int i = 0; i < pauses; i++) {
        struct fault f = {.at = rng_range(&r, 0, 12000) * MS, .op = FAULT_PAUSE};
        f.node = CNODE((int)rng_below(&r, (uint64_t)p->nclients));
        fault_add(plan, &f);
        sim_time from = f.at;
        f.at += rng_range(&r, p->lease / MS, 3 * p->lease / MS) * MS;
        f.op = FAULT_RESUME;
        fault_add(plan, &f);
        if (rng_chance(&r, 0.5)) { /* the storage restarts while the client sleeps: its fence must be durable */
            struct fault g = {.at = rng_range(&r, from, f.at - 1), .op = FAULT_CRASH, .node = STORE};
            fault_add(plan, &g);
            g.at += rng_range(&r, 1, 300) * MS;
            g.op = FAULT_RESTART;
            fault_add(plan, &g);
        }
    }
}

/* ---- report ---- */

static void draw(struct buf *b, const struct fworld *w, const struct fparams *p, const struct fault_plan *plan)
{
    int width = 1100, lane = 44, top = 50, n = p->nclients + 1;
    int height = top + n * lane + 70;
    double x0 = 90, scale = (width - x0 - 20) / (double)p->duration;
    svg_begin(b, width, height, "fencing: leases, pauses and writes over time");
    for (int c = 0; c < n; c++) {
        char name[32];
        if (c < p->nclients)
            snprintf(name, sizeof(name), "client c%d", c);
        else
            snprintf(name, sizeof(name), "storage");
        svg_text(b, 8, top + c * lane + 20, 12, "start", "black", name);
        svg_line(b, x0, top + c * lane + 16, width - 20, top + c * lane + 16, "#ccc", 1, NULL);
    }
    for (size_t i = 0; i < w->ngrants; i++) {
        const struct fence_grant *g = &w->grants[i];
        char tip[64];
        snprintf(tip, sizeof(tip), "lease of c%d, token %llu", g->client, (unsigned long long)g->token);
        svg_rect(b, x0 + (double)g->at * scale, top + g->client * lane + 4, (double)p->lease * scale, 10, "#9ecae1",
                 tip);
        char t[24];
        snprintf(t, sizeof(t), "%llu", (unsigned long long)g->token);
        svg_text(b, x0 + (double)g->at * scale + 2, top + g->client * lane + 2, 9, "start", "#08519c", t);
    }
    for (size_t i = 0; i < plan->n; i++) {
        const struct fault *f = &plan->steps[i];
        if (f->op != FAULT_PAUSE || f->node < 2)
            continue;
        sim_time end = p->duration;
        for (size_t j = i + 1; j < plan->n; j++)
            if (plan->steps[j].op == FAULT_RESUME && plan->steps[j].node == f->node) {
                end = plan->steps[j].at;
                break;
            }
        svg_rect(b, x0 + (double)f->at * scale, top + (f->node - 2) * lane + 18, (double)(end - f->at) * scale, 10,
                 "#fdae6b", "paused (GC-like)");
    }
    int srow = p->nclients;
    uint64_t high = 0;
    for (size_t i = 0; i < w->nwrites; i++) {
        const struct fence_write *wr = &w->writes[i];
        bool stale = wr->applied && wr->token < high;
        const char *color = !wr->applied ? "#999" : stale ? "#d62728" : "#2ca02c";
        double x = x0 + (double)wr->at * scale;
        char tip[96];
        snprintf(tip, sizeof(tip), "c%d.s%lld token %llu %s", wr->client, (long long)wr->step,
                 (unsigned long long)wr->token, !wr->applied ? "rejected" : stale ? "STALE, applied" : "applied");
        svg_arrow(b, x, top + wr->client * lane + 16, x, top + srow * lane + 12, color);
        svg_circle(b, x, top + srow * lane + 16, 5, color, tip);
        if (wr->applied && wr->token > high)
            high = wr->token;
    }
    for (int t = 0; t <= 10; t++) {
        double x = x0 + (double)p->duration * t / 10 * scale;
        char label[32];
        snprintf(label, sizeof(label), "%.1fs", (double)p->duration * t / 10 / 1e9);
        svg_text(b, x, top - 18, 10, "middle", "#555", label);
    }
    svg_text(b, x0, height - 20, 11, "start", "#555",
             "blue: lease (number = token); orange: pause; writes: green applied, red applied with a stale token, "
             "grey rejected");
    svg_end(b);
}

static void outcome_verdict(const struct outcome *o, char *out, size_t n)
{
    if (o->violations)
        snprintf(out, n, "VIOLATED (%zu)", o->violations);
    else
        snprintf(out, n, "holds");
}

static void print_report(struct kata_ctx *ctx, const struct fparams *p, const struct fworld *w,
                         const struct outcome *mine, const struct outcome *all)
{
    struct buf *t = &ctx->text;
    char lat[96];
    dist_format(&p->latency, lat, sizeof(lat));
    buf_printf(t, "fencing: lock service + storage + %d clients; lease %.0fms, check %s, latency %s%s%s\n",
               p->nclients, (double)p->lease / 1e6, mode_names[p->mode], lat, ctx->bug ? ", bug " : "",
               ctx->bug ? ctx->bug : "");
    buf_printf(t, "\ntimeline (%s):\n%s", mode_names[p->mode], w->timeline.text.data ? w->timeline.text.data : "");
    buf_printf(t, "\nstorage ends holding c%d.s%lld written with token %llu; highest token applied %llu\n",
               mine->final_client, (long long)mine->final_step, (unsigned long long)mine->final_token,
               (unsigned long long)mine->rep.max_token);
    if (!all)
        return;
    buf_printf(t, "\nthe same seed under every check (the snippet is after-write; the fix is before-write):\n");
    buf_printf(t, "  %-13s %-50s %7s %8s %6s %7s  %s\n", "check", "what it does", "applied", "rejected", "stale",
               "fenced", "checker");
    for (int m = 0; m < NMODES; m++) {
        char v[32];
        outcome_verdict(&all[m], v, sizeof(v));
        buf_printf(t, "  %-13s %-50s %7zu %8zu %6zu %7lld  %s\n", mode_names[m], mode_help[m], all[m].rep.applied,
                   all[m].rep.rejected, all[m].rep.stale_applied, (long long)all[m].fenced, v);
    }
}

static int fencing_run(struct kata_ctx *ctx)
{
    struct fparams p;
    if (!read_params(ctx, &p))
        return -1;
    struct fault_plan plan;
    if (!kata_nemesis_plan(ctx, p.nclients + 2, &plan))
        return -1;
    /* a schedule from the command line (read above) replaces the kata's own */
    if (!ctx->nemesis && ctx->random_faults) {
        draw_params(&p, &plan, ctx->seed);
    } else if (!ctx->nemesis) {
        struct fault f = {.at = p.pause_at, .op = FAULT_PAUSE, .node = CNODE(0)};
        fault_add(&plan, &f);
        f.at += p.pause;
        f.op = FAULT_RESUME;
        fault_add(&plan, &f);
    }
    struct fworld w = {0};
    kata_timeline_init(&w.timeline, !ctx->quiet, 300);
    struct outcome mine = {0};
    simulate(&w, &p, ctx, ctx->trace, &plan, &mine);
    const struct fence_report *r = &mine.rep;
    kata_check(ctx, "tokens-increase", r->grant_violations == 0, "%s",
               r->grant_violations ? r->first : "every grant's token is above every earlier grant's");
    kata_check(ctx, "no-stale-write-applied", r->stale_applied == 0, "%zu stale write(s) applied%s%s",
               r->stale_applied, r->stale_applied ? "; first: " : "", r->stale_applied ? r->first : "");
    kata_check(ctx, "applied-tokens-granted", r->unknown_tokens == 0,
               "%zu applied write(s) with a token never granted to their writer", r->unknown_tokens);
    if (!ctx->random_faults && !ctx->nemesis)
        kata_check(ctx, "new-holder-writes-applied", mine.new_holder_applied == p.new_writes,
                   "c1 (the new holder) had %lld of its %ld writes applied", (long long)mine.new_holder_applied,
                   p.new_writes);
    kata_figure(ctx, "writes_applied", (double)r->applied);
    kata_figure(ctx, "writes_rejected", (double)r->rejected);
    kata_figure(ctx, "stale_writes_applied", (double)r->stale_applied);
    kata_figure(ctx, "leases_granted", (double)w.ngrants);
    kata_figure(ctx, "leases_lost", (double)mine.leases_lost);
    kata_figure(ctx, "highest_token_applied", (double)r->max_token);
    if (!ctx->quiet) {
        struct outcome all[NMODES];
        for (int m = 0; m < NMODES; m++) {
            struct fparams q = p;
            q.mode = m;
            struct fworld o = {0};
            memset(&all[m], 0, sizeof(all[m]));
            simulate(&o, &q, ctx, NULL, &plan, &all[m]);
            world_close(&o);
        }
        print_report(ctx, &p, &w, &mine, all);
    }
    if (ctx->svg)
        draw(ctx->svg, &w, &p, &plan);
    world_close(&w);
    fault_plan_close(&plan);
    return 0;
}

static const struct kata_param params[] = {
    {"check", "after-write", "none|lease-only|after-write (the snippet)|before-write (the fix)"},
    {"lease", "5s", "lease length granted by the lock service"},
    {"first_token", "7", "the token of the first grant (the paused holder's)"},
    {"pause_at", "500ms", "when c0 pauses (after its lease check, before its write)"},
    {"pause", "15s", "how long c0 stays paused (GC-like; beyond the lease)"},
    {"work", "1s", "time between a client's lease check and its write"},
    {"b_start", "1s", "when c1 starts asking for the lock"},
    {"new_writes", "5", "c1's acquisitions, one write each (tokens 8..12 by default)"},
    {"idle", "100ms", "a client's pause between releasing and acquiring again"},
    {"clients", "2", "clients (2..8); clients after c1 stay idle in the scripted run"},
    {"latency", "uniform:1ms,5ms", "one-way message latency distribution"},
    {"duration", "30s", "virtual time to run"},
};

static const struct kata_bug bugs[] = {
    {"per-client-highest", "the storage compares a token with the highest seen from the same client only"},
    {"token-reuse", "the lock service re-grants an expired lease with the same token"},
    {"volatile-highest", "the storage forgets the highest token when it restarts (caught under --faults random)"},
};

const struct kata kata_fencing = {
    .name = "fencing",
    .summary = "leases with fencing tokens: a paused holder with token 7 wakes after token 12; checked",
    .drill = "Distributed capstone: code and config reading, snippet 2, the fencing check (module 003)",
    .time_limit = "14 minutes for the four snippets",
    .repeat_until = "you can say what the code does with token 7 after 12, and your fix holds over 2,000 seeds",
    .what = "A lock service grants leases with monotonically increasing fencing tokens; a storage guards a saga "
            "step. c0 takes the lease (token 7), checks it, and pauses (GC-like) for longer than the lease before "
            "its write. c1 acquires after the lease expires (tokens 8..12) and writes; then c0 wakes and writes "
            "with token 7. The storage's check is the parameter: none, lease-only, the snippet's after-write "
            "(write, then remember the token) and the fix, before-write (reject a token below the highest seen).",
    .reading = "The timeline shows grants with their tokens, lease checks, the pause, every write the storage "
               "applies or rejects with the highest token it had seen. The table below runs the same seed under "
               "every check: writes applied, rejected, stale ones applied (token below one already applied), "
               "clients fenced off, and the checker's verdict. The checks are judged from the recorded history "
               "(grants and writes) by src/check/fencing.c. --svg draws leases, pauses and writes.",
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .bugs = bugs,
    .nbugs = sizeof(bugs) / sizeof(bugs[0]),
    .run = fencing_run,
    .picture = true,
};
