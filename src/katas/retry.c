/* Kata `retry`: thousands of callers retrying against a downstream with a capacity that blips (stops answering)
 * for 2 s under load (module 003, snippet 4: a fixed 1.0 s sleep, 6 attempts, no jitter, no budget). Policies
 * from Brooker's "Exponential Backoff And Jitter" (fixed, expo, full, equal and decorrelated jitter), an optional
 * retry budget (token bucket), and the load judged from the recorded calls by src/check/load. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/load.h"
#include "core/sim.h"
#include "core/units.h"
#include "katas/kata.h"
#include "katas/retry.h"
#include "report/svg.h"

#define MS NS_PER_MS
#define SERVER 0
#define FLEET 1
#define BUCKET RETRY_BUCKET_NS

extern const struct kata kata_retry;

const char *const retry_policy_names[] = {"fixed", "expo", "full-jitter", "equal-jitter", "decorrelated-jitter",
                                          NULL};
enum { M_CALL = 1, M_OK };
enum { T_DONE = 1, T_TIMEOUT, T_RETRY };

struct request {
    int64_t start, end;
    int64_t prev_sleep;
    uint32_t call; /* the call in flight */
    uint16_t attempt;
    bool ok, done;
};

struct qentry {
    uint32_t request, call;
};

struct rworld {
    const struct retry_params *p;
    bool bug_no_debit, bug_attempts_reset;
    struct rng arrivals, jitter, surge;
    struct request *reqs;
    size_t nreqs, reqs_cap;
    struct load_call *calls;
    size_t ncalls, calls_cap;
    /* the downstream: a FIFO served at `capacity` per second, bounded at `queue` worth of work */
    struct qentry *q;
    size_t qhead, qlen, qcap;
    bool busy;
    double tokens;
};

struct rmsg {
    uint32_t request, call, attempt;
};

static void send_call(struct sim *s, struct rworld *w, uint32_t i)
{
    struct request *r = &w->reqs[i];
    struct rmsg m = {i, ++r->call, r->attempt};
    net_send(s, FLEET, SERVER, M_CALL, &m, sizeof(m));
    sim_timer(s, FLEET, w->p->timeout, T_TIMEOUT, ((uint64_t)i << 32) | r->call);
}

/* A new request (arg 0: the steady fleet; 1: the surge, drawn from its own stream so the steady arrivals are
 * the same with or without it). */
static void arrival(struct sim *s, void *ptr, uint64_t arg)
{
    (void)ptr;
    struct rworld *w = s->user;
    XGROW(w->reqs, w->reqs_cap, w->nreqs + 1);
    uint32_t i = (uint32_t)w->nreqs++;
    w->reqs[i] = (struct request){.start = s->now, .end = -1, .prev_sleep = w->p->base, .attempt = 1};
    if (w->p->budget > 0) {
        double burst = w->p->budget * w->p->rate; /* one second's worth of retries */
        w->tokens = w->tokens + w->p->budget > burst ? burst : w->tokens + w->p->budget;
    }
    send_call(s, w, i);
    if (arg) {
        int64_t gap = (int64_t)rng_exponential(&w->surge, 1e9 / w->p->surge_rate);
        if (s->now + gap < w->p->surge_at + w->p->surge)
            sim_at(s, s->now + gap, arrival, NULL, 1);
        return;
    }
    int64_t gap = (int64_t)rng_exponential(&w->arrivals, 1e9 / w->p->rate);
    if (s->now + gap < w->p->duration)
        sim_at(s, s->now + gap, arrival, NULL, 0);
}

static void finish(struct rworld *w, struct sim *s, uint32_t i, bool ok)
{
    struct request *r = &w->reqs[i];
    r->done = true;
    r->ok = ok;
    r->end = s->now;
    trace_event(s->trace, s->now, FLEET, "done", "\"request\":%u,\"ok\":%d", i, ok);
}

/* Brooker's policies; n is the number of retries made so far (0 before the first); *prev is the last sleep
 * (decorrelated jitter). */
static int64_t backoff(const struct retry_params *p, struct rng *jitter, int64_t *prev, int n)
{
    double exp = (double)p->base * ldexp(1.0, n > 60 ? 60 : n);
    double v = exp < (double)p->cap ? exp : (double)p->cap;
    switch (p->policy) {
    case RETRY_FIXED:
        return p->fixed;
    case RETRY_EXPO:
        return (int64_t)v;
    case RETRY_FULL:
        return (int64_t)(rng_unit(jitter) * v);
    case RETRY_EQUAL:
        return (int64_t)(v / 2 + rng_unit(jitter) * v / 2);
    default: { /* decorrelated: sleep = min(cap, random_between(base, sleep * 3)) */
        double hi = (double)*prev * 3;
        double d = (double)p->base + rng_unit(jitter) * (hi - (double)p->base);
        *prev = (int64_t)(d < (double)p->cap ? d : (double)p->cap);
        return *prev;
    }
    }
}

static void on_timeout(struct sim *s, struct rworld *w, uint32_t i)
{
    struct request *r = &w->reqs[i];
    if (r->attempt >= w->p->attempts) {
        finish(w, s, i, false); /* the snippet's final `raise` */
        return;
    }
    if (w->p->budget > 0) {
        if (w->tokens < 1) {
            finish(w, s, i, false); /* out of budget: fail fast instead of retrying */
            return;
        }
        if (!w->bug_no_debit)
            w->tokens -= 1;
    }
    sim_timer(s, FLEET, backoff(w->p, &w->jitter, &r->prev_sleep, r->attempt - 1), T_RETRY, i);
}

static void serve_next(struct sim *s, struct rworld *w)
{
    if (w->qlen == 0) {
        w->busy = false;
        return;
    }
    w->busy = true;
    sim_timer(s, SERVER, (int64_t)(1e9 / w->p->capacity), T_DONE, 0);
}

static void on_message(struct sim *s, node_id self, const struct sim_msg *sm)
{
    struct rworld *w = s->user;
    struct rmsg m;
    memcpy(&m, sm->data, sizeof(m));
    if (self == SERVER) {
        XGROW(w->calls, w->calls_cap, w->ncalls + 1);
        w->calls[w->ncalls++] = (struct load_call){s->now, m.request, (uint16_t)m.attempt};
        trace_event(s->trace, s->now, SERVER, "call", "\"request\":%u,\"attempt\":%u", m.request, m.attempt);
        bool blip = s->now >= w->p->blip_at && s->now < w->p->blip_at + w->p->blip;
        size_t limit = (size_t)((double)w->p->queue / 1e9 * w->p->capacity);
        if (blip || w->qlen >= limit)
            return; /* hung, or overloaded beyond its queue: the caller will time out */
        if (w->qlen == w->qcap) {
            size_t ncap = w->qcap ? w->qcap * 2 : 1024;
            struct qentry *nq = xmalloc(ncap * sizeof(*nq));
            for (size_t k = 0; k < w->qlen; k++)
                nq[k] = w->q[(w->qhead + k) % w->qcap];
            free(w->q);
            w->q = nq;
            w->qhead = 0;
            w->qcap = ncap;
        }
        w->q[(w->qhead + w->qlen++) % w->qcap] = (struct qentry){m.request, m.call};
        if (!w->busy)
            serve_next(s, w);
    } else if (sm->type == M_OK) {
        struct request *r = &w->reqs[m.request];
        if (!r->done && m.call == r->call)
            finish(w, s, m.request, true);
    }
}

static void on_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    struct rworld *w = s->user;
    (void)self;
    if (kind == T_DONE) {
        /* the work is done even when its caller has long given up: wasted work under overload */
        struct qentry e = w->q[w->qhead];
        w->qhead = (w->qhead + 1) % w->qcap;
        w->qlen--;
        struct rmsg m = {e.request, e.call, 0};
        net_send(s, SERVER, FLEET, M_OK, &m, sizeof(m));
        serve_next(s, w);
    } else if (kind == T_TIMEOUT) {
        uint32_t i = (uint32_t)(arg >> 32);
        if (!w->reqs[i].done && w->reqs[i].call == (uint32_t)arg)
            on_timeout(s, w, i);
    } else if (kind == T_RETRY) {
        struct request *r = &w->reqs[arg];
        if (r->done)
            return;
        if (!w->bug_attempts_reset)
            r->attempt++;
        send_call(s, w, (uint32_t)arg);
    }
}

/* ---- one run ---- */

void retry_simulate(const struct retry_params *p, const struct kata_ctx *ctx, struct trace *trace,
                    struct retry_result *out)
{
    struct rworld w = {.p = p};
    w.bug_no_debit = kata_bug_is(ctx, "no-budget-debit");
    w.bug_attempts_reset = kata_bug_is(ctx, "attempts-reset");
    w.tokens = p->budget * p->rate;
    rng_stream(&w.arrivals, ctx->seed, "arrivals", 0);
    rng_stream(&w.jitter, ctx->seed, "jitter", (uint64_t)p->policy);
    static const struct sim_node_ops ops = {.on_message = on_message, .on_timer = on_timer};
    struct sim s;
    sim_init(&s, ctx->seed, 2, &ops, &w);
    s.trace = trace;
    net_set_default(&s, &p->latency, 0, 0);
    sim_at(&s, 0, arrival, NULL, 0);
    if (p->surge_rate > 0 && p->surge > 0) {
        rng_stream(&w.surge, ctx->seed, "surge", 0);
        sim_at(&s, p->surge_at, arrival, NULL, 1);
    }
    sim_run_until(&s, p->duration);
    int64_t trigger_end = p->blip_at + p->blip;
    if (p->surge_rate > 0 && p->surge_at + p->surge > trigger_end)
        trigger_end = p->surge_at + p->surge;
    struct load_spec spec = {.bucket_ns = BUCKET, .capacity = p->capacity * BUCKET / 1e9,
                             .blip_end = trigger_end, .end = p->duration, .bound_ns = p->bound,
                             .window = 10, .max_attempts = p->attempts, .budget_ratio = p->budget,
                             .budget_burst = p->budget * p->rate};
    struct load_request *lr = xcalloc(w.nreqs + 1, sizeof(*lr));
    for (size_t i = 0; i < w.nreqs; i++)
        lr[i] = (struct load_request){w.reqs[i].start, w.reqs[i].done ? w.reqs[i].end : -1, w.reqs[i].ok};
    out->violations = load_check(w.calls, w.ncalls, lr, w.nreqs, &spec, &out->rep);
    trace_event(trace, s.now, -1, "summary", "\"calls\":%zu,\"requests\":%zu,\"peak\":%u", w.ncalls, w.nreqs,
                out->rep.peak);
    free(lr);
    free(w.reqs);
    free(w.calls);
    free(w.q);
    sim_close(&s);
}

/* ---- Brooker's contention experiment: N clients, one resource, optimistic concurrency ---- */

enum { C_READ = 1, C_VERSION, C_CAS, C_RESULT };
enum { T_BACKOFF = 1 };

struct cworld {
    const struct retry_params *p;
    struct rng jitter;
    uint64_t version; /* the resource */
    int64_t *prev;    /* per client: last sleep */
    int *retries;
    uint64_t cas_calls;
    int remaining;
    struct occ_commit *commits;
    size_t ncommits, commits_cap;
};

static void c_message(struct sim *s, node_id self, const struct sim_msg *sm)
{
    struct cworld *w = s->user;
    uint64_t v;
    memcpy(&v, sm->data, sizeof(v));
    if (self == SERVER) {
        if (sm->type == C_READ) {
            net_send(s, SERVER, sm->from, C_VERSION, &w->version, sizeof(w->version));
        } else if (sm->type == C_CAS) {
            uint64_t ok = v == w->version;
            if (ok) {
                XGROW(w->commits, w->commits_cap, w->ncommits + 1);
                w->commits[w->ncommits++] = (struct occ_commit){s->now, sm->from - 1, w->version};
                w->version++;
            }
            net_send(s, SERVER, sm->from, C_RESULT, &ok, sizeof(ok));
        }
    } else if (sm->type == C_VERSION) {
        w->cas_calls++;
        net_send(s, self, SERVER, C_CAS, &v, sizeof(v));
    } else if (sm->type == C_RESULT) {
        int c = self - 1;
        if (v) {
            w->remaining--;
            if (!w->remaining)
                sim_stop(s);
        } else {
            sim_timer(s, self, backoff(w->p, &w->jitter, &w->prev[c], w->retries[c]++), T_BACKOFF, 0);
        }
    }
}

static void c_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    (void)kind;
    (void)arg;
    uint64_t zero = 0;
    net_send(s, self, SERVER, C_READ, &zero, sizeof(zero));
}

struct cresult {
    int unfinished; /* clients that never wrote within the run */
    uint64_t calls;
    int64_t done_ns; /* -1: not all done within the limit */
    int violations;
    char why[160];
};

static void contend(const struct retry_params *p, const struct kata_ctx *ctx, int n, struct cresult *out)
{
    struct cworld w = {.p = p, .remaining = n};
    w.prev = xcalloc((size_t)n, sizeof(*w.prev));
    w.retries = xcalloc((size_t)n, sizeof(*w.retries));
    for (int c = 0; c < n; c++)
        w.prev[c] = p->base;
    rng_stream(&w.jitter, ctx->seed, "contention", (uint64_t)p->policy * 1000 + (uint64_t)n);
    static const struct sim_node_ops ops = {.on_message = c_message, .on_timer = c_timer};
    struct sim s;
    sim_init(&s, ctx->seed, n + 1, &ops, &w);
    net_set_default(&s, &p->latency, 0, 0);
    for (int c = 0; c < n; c++)
        sim_timer(&s, c + 1, 0, T_BACKOFF, 0); /* everyone starts at once */
    sim_run_until(&s, p->duration);
    out->calls = w.cas_calls;
    out->done_ns = w.remaining ? -1 : s.now;
    int missing;
    out->violations = load_occ_check(w.commits, w.ncommits, n, &missing, out->why, sizeof(out->why));
    out->unfinished = missing;
    free(w.prev);
    free(w.retries);
    free(w.commits);
    sim_close(&s);
}

static void contention_run(struct kata_ctx *ctx, struct retry_params *p, const int *ns, int nn)
{
    struct buf *t = &ctx->text;
    char lat[96];
    dist_format(&p->latency, lat, sizeof(lat));
    if (!ctx->quiet)
        buf_printf(t, "contention: N clients start together, each must write once to one resource with optimistic "
                      "concurrency (read the version, compare-and-set it); a lost race backs off and tries again. "
                      "base %.0fms, cap %.0fms, latency %s\n\n  %5s",
                   (double)p->base / 1e6, (double)p->cap / 1e6, lat, "N");
    for (int k = 0; k < RETRY_NPOLICIES && !ctx->quiet; k++)
        buf_printf(t, " %20.20s", retry_policy_names[k]);
    if (!ctx->quiet)
        buf_puts(t, "\n        (compare-and-set calls in all / time until every client has written)\n");
    int broken = 0;
    char first[200] = "";
    for (int i = 0; i < nn; i++) {
        if (!ctx->quiet)
            buf_printf(t, "  %5d", ns[i]);
        for (int k = 0; k < RETRY_NPOLICIES; k++) {
            struct retry_params q = *p;
            q.policy = k;
            struct cresult r;
            contend(&q, ctx, ns[i], &r);
            if (r.violations && !broken++)
                snprintf(first, sizeof(first), "N=%d %s: %s", ns[i], retry_policy_names[k], r.why);
            char cell[40], d[24];
            char left[24];
            snprintf(left, sizeof(left), "%d left", r.unfinished);
            snprintf(cell, sizeof(cell), "%llu / %s", (unsigned long long)r.calls,
                     r.done_ns < 0 ? left : units_fmt_duration(d, sizeof(d), r.done_ns));
            if (!ctx->quiet)
                buf_printf(t, " %20s", cell);
            if (k == p->policy) {
                char name[48];
                snprintf(name, sizeof(name), "cas_calls_n%d", ns[i]);
                kata_figure(ctx, name, (double)r.calls);
            }
        }
        if (!ctx->quiet)
            buf_putc(t, '\n');
    }
    kata_check(ctx, "occ-no-lost-update", broken == 0, "%s",
               broken ? first : "every successful compare-and-set moved the version by one; no client wrote twice");
}

/* ---- parameters ---- */

static bool read_params(struct kata_ctx *ctx, struct retry_params *p)
{
    const struct kata *k = &kata_retry;
    long attempts;
    char err[256];
    memset(p, 0, sizeof(*p));
    if (!kata_get_choice(ctx, k, "policy", retry_policy_names, &p->policy) ||
        !kata_get_int(ctx, k, "attempts", 1, 100, &attempts) ||
        !kata_get_duration(ctx, k, "delay", &p->fixed) || !kata_get_duration(ctx, k, "base", &p->base) ||
        !kata_get_duration(ctx, k, "cap", &p->cap) || !kata_get_double(ctx, k, "budget", 0, 10, &p->budget) ||
        !kata_get_int(ctx, k, "callers", 1, 1000000, &p->callers) ||
        !kata_get_double(ctx, k, "rate", 0.001, 1000, &p->rate) ||
        !kata_get_double(ctx, k, "capacity", 1, 1e7, &p->capacity) ||
        !kata_get_duration(ctx, k, "timeout", &p->timeout) ||
        !kata_get_duration(ctx, k, "queue", &p->queue) ||
        !kata_get_duration(ctx, k, "blip_at", &p->blip_at) || !kata_get_duration(ctx, k, "blip", &p->blip) ||
        !kata_get_duration_in(ctx, k, "duration", 0, 3600 * NS_PER_S, &p->duration) ||
        !kata_get_duration(ctx, k, "recovery", &p->bound))
        return false;
    if (dist_parse(&p->latency, kata_get_str(ctx, k, "latency"), err, sizeof(err))) {
        snprintf(ctx->error, sizeof(ctx->error), "parameter 'latency': %.220s", err);
        return false;
    }
    p->attempts = (int)attempts;
    p->rate *= (double)p->callers; /* per caller -> all callers */
    if (p->timeout <= 0 || p->base <= 0 || p->cap < p->base || p->blip_at + p->blip >= p->duration ||
        p->rate > 200000) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad settings: need timeout > 0, 0 < base <= cap, blip_at + blip < duration and callers x rate <= "
                 "200000 per second");
        return false;
    }
    /* The herd table replays the run once per policy; each request makes up to attempts calls. */
    return kata_bound_work(ctx, p->rate * (double)p->duration / 1e9 * (double)p->attempts, 1e6,
                           "calls (callers x rate x duration x attempts)",
                           "lower callers, rate, duration or attempts");
}

/* Swarm testing: fleet size, capacity headroom, the blip, the timeout and latency come from the seed; the
 * policy, its attempts, base, cap and budget stay the caller's. */
static void draw_params(struct retry_params *p, uint64_t seed)
{
    struct rng r;
    rng_stream(&r, seed, "shape", 0);
    p->callers = (long)rng_range(&r, 100, 200);
    p->rate = (double)p->callers;
    p->capacity = p->rate * (1.5 + rng_unit(&r));
    p->blip_at = rng_range(&r, 1000, 3000) * MS;
    p->blip = rng_range(&r, 500, 2000) * MS;
    p->timeout = rng_range(&r, 100, 1000) * MS;
    p->queue = rng_range(&r, 100, 2000) * MS;
    p->duration = p->blip_at + p->blip + 4000 * MS;
    static const char *const lats[] = {"1ms", "uniform:1ms,10ms", "exp:5ms", "mix:0.95*exp:2ms+0.05*pareto:20ms,1.5"};
    char err[128];
    dist_parse(&p->latency, lats[rng_below(&r, 4)], err, sizeof(err));
}

/* ---- report ---- */

static const char *secs(char *out, size_t n, int64_t ns)
{
    if (ns < 0)
        snprintf(out, n, "never");
    else
        snprintf(out, n, "%.1fs", (double)ns / 1e9);
    return out;
}

struct row {
    char name[40], label[16]; /* label: a short name for the load columns */
    struct retry_params p;
    struct retry_result res;
};

static void print_report(struct kata_ctx *ctx, const struct retry_params *p, struct row *rows, int nrows)
{
    struct buf *t = &ctx->text;
    char lat[96], a[24], b[24], c[24], d[24];
    dist_format(&p->latency, lat, sizeof(lat));
    buf_printf(t, "retry: %ld callers, %.0f requests/s in all, downstream capacity %.0f calls/s (%.0f per 100ms), "
                  "queue %s; the downstream stops answering from %s for %s; client timeout %s; latency %s\n\n",
               p->callers, p->rate, p->capacity, p->capacity / 10, secs(a, sizeof(a), p->queue),
               secs(b, sizeof(b), p->blip_at), units_fmt_duration(c, sizeof(c), p->blip),
               units_fmt_duration(d, sizeof(d), p->timeout), lat);
    buf_printf(t, "  %-28s %9s %9s %7s %8s %11s %9s %9s  %s\n", "policy", "peak/cap", "calls", "ampl.", "success",
               "back <cap", "p50", "p99", "checker");
    for (int i = 0; i < nrows; i++) {
        const struct load_report *r = &rows[i].res.rep;
        char rec[24];
        buf_printf(t, "  %-28s %9.2f %9llu %7.2f %7.1f%% %11s %7.0fms %7.0fms  %s\n", rows[i].name,
                   r->peak_over_capacity, (unsigned long long)r->calls, r->amplification, 100 * r->success_rate,
                   secs(rec, sizeof(rec), r->recovery_ns), r->p50_ms, r->p99_ms,
                   rows[i].res.violations ? "VIOLATED" : "holds");
    }
    buf_printf(t, "\noffered load on the downstream (calls per 100ms, the peak bucket of each 500ms; capacity %.0f):\n"
                  "  %6s",
               p->capacity / 10, "t");
    for (int i = 0; i < nrows; i++)
        buf_printf(t, " %12.12s", rows[i].label);
    buf_putc(t, '\n');
    size_t nb = rows[0].res.rep.nbuckets;
    for (size_t b0 = 0; b0 < nb; b0 += 5) {
        buf_printf(t, "  %5.1fs", (double)b0 / 10);
        for (int i = 0; i < nrows; i++) {
            uint32_t peak = 0;
            for (size_t k = b0; k < b0 + 5 && k < rows[i].res.rep.nbuckets; k++)
                peak = rows[i].res.rep.per_bucket[k] > peak ? rows[i].res.rep.per_bucket[k] : peak;
            buf_printf(t, " %11u%s", peak, peak > p->capacity / 10 ? "*" : " ");
        }
        buf_putc(t, '\n');
    }
    buf_puts(t, "  (* above capacity)\n");
}

static void draw(struct buf *b, const struct retry_params *p, struct row *rows, int nrows)
{
    int width = 1100, height = 520, x0 = 70, y0 = 40, ph = 380;
    size_t nb = rows[0].res.rep.nbuckets;
    uint32_t top = (uint32_t)(p->capacity / 10);
    for (int i = 0; i < nrows; i++)
        top = rows[i].res.rep.peak > top ? rows[i].res.rep.peak : top;
    double sx = (double)(width - x0 - 20) / (double)nb, sy = ph / (top * 1.1);
    svg_begin(b, width, height, "retry: offered load on the downstream per 100ms, by policy");
    double blip_x0 = x0 + (double)(p->blip_at / BUCKET) * sx, blip_x1 = x0 + (double)((p->blip_at + p->blip) / BUCKET) * sx;
    svg_rect(b, blip_x0, y0, blip_x1 - blip_x0, ph, "#f2f2f2", "the blip");
    double cy = y0 + ph - p->capacity / 10 * sy;
    svg_line(b, x0, cy, width - 20, cy, "black", 1.5, "stroke-dasharray=\"6,4\"");
    svg_text(b, width - 22, cy - 4, 11, "end", "black", "capacity");
    static const char *colors[] = {"#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#1f77b4", "#17becf"};
    for (int i = 0; i < nrows; i++) {
        const uint32_t *v = rows[i].res.rep.per_bucket;
        for (size_t k = 1; k < nb; k++)
            svg_line(b, x0 + (double)(k - 1) * sx, y0 + ph - v[k - 1] * sy, x0 + (double)k * sx, y0 + ph - v[k] * sy,
                     colors[i % 7], i == 0 ? 2.0 : 1.2, NULL);
        svg_rect(b, x0 + 10 + i * 150, height - 50, 12, 12, colors[i % 7], NULL);
        svg_text(b, x0 + 26 + i * 150, height - 40, 11, "start", "black", rows[i].name);
    }
    for (int s = 0; s <= 10; s++) {
        char label[16];
        snprintf(label, sizeof(label), "%.0fs", (double)p->duration / 1e9 * s / 10);
        svg_text(b, x0 + (width - x0 - 20) * s / 10.0, y0 + ph + 16, 10, "middle", "#555", label);
    }
    char label[32];
    snprintf(label, sizeof(label), "%u", (unsigned)(top * 1.1));
    svg_text(b, x0 - 6, y0 + 8, 10, "end", "#555", label);
    svg_text(b, x0 - 6, y0 + ph, 10, "end", "#555", "0");
    svg_end(b);
}

static void add_row(struct row *rows, int *n, const struct retry_params *base, const struct kata_ctx *ctx, int policy,
                    double budget, const char *suffix)
{
    struct row *r = &rows[(*n)++];
    r->p = *base;
    r->p.policy = policy;
    r->p.budget = budget;
    static const char *const short_names[] = {"fixed", "expo", "full", "equal", "decorr"};
    snprintf(r->name, sizeof(r->name), "%s%s", retry_policy_names[policy], suffix);
    snprintf(r->label, sizeof(r->label), "%s%s", short_names[policy], budget > 0 ? "+budget" : "");
    retry_simulate(&r->p, ctx, NULL, &r->res);
}

static int retry_run(struct kata_ctx *ctx)
{
    struct retry_params p;
    if (!read_params(ctx, &p))
        return -1;
    if (ctx->nemesis) {
        snprintf(ctx->error, sizeof(ctx->error), "kata 'retry' takes no --nemesis: its fault is the blip "
                                                 "(--param blip_at=..., blip=...)");
        return -1;
    }
    const char *exp = kata_get_str(ctx, &kata_retry, "experiment");
    if (strcmp(exp, "herd") != 0) {
        int ns[32], nn = 0;
        int64_t v[32];
        if (strcmp(exp, "contention") == 0) {
            for (int n = 10; n <= 190; n += 20)
                ns[nn++] = n;
        } else {
            nn = kata_parse_list(exp, "contention:", false, 2, 1000, v, 32);
            if (nn < 1) {
                snprintf(ctx->error, sizeof(ctx->error), "bad value '%.80s' for parameter 'experiment': expected herd, "
                         "contention, or contention:N,N,... (2..1000 clients, up to 32 sizes)", exp);
                return -1;
            }
            for (int i = 0; i < nn; i++)
                ns[i] = (int)v[i];
        }
        if (ctx->random_faults) {
            ns[0] = 2 + (int)(ctx->seed % 60);
            nn = 1;
        }
        contention_run(ctx, &p, ns, nn);
        return 0;
    }
    if (ctx->random_faults)
        draw_params(&p, ctx->seed);
    struct retry_result mine;
    retry_simulate(&p, ctx, ctx->trace, &mine);
    const struct load_report *r = &mine.rep;
    char rec[24];
    kata_check(ctx, "attempts-bounded", r->over_attempts == 0, "%zu request(s) made more than %d calls",
               r->over_attempts, p.attempts);
    if (p.budget > 0)
        kata_check(ctx, "retry-budget-respected", r->budget_breaches == 0,
                   "%zu call(s) beyond %.0f%% retries of first calls (+ one second's worth)", r->budget_breaches,
                   100 * p.budget);
    kata_check(ctx, "load-recovers-after-blip", r->recovered && r->recovery_ns <= p.bound,
               "offered load back under capacity %s after the blip (bound %.1fs); peak %.2fx capacity",
               secs(rec, sizeof(rec), r->recovery_ns), (double)p.bound / 1e9, r->peak_over_capacity);
    kata_figure(ctx, "peak_over_capacity", r->peak_over_capacity);
    kata_figure(ctx, "calls", (double)r->calls);
    kata_figure(ctx, "amplification", r->amplification);
    kata_figure(ctx, "success_rate", r->success_rate);
    kata_figure(ctx, "recovery_s", r->recovery_ns < 0 ? NAN : (double)r->recovery_ns / 1e9);
    kata_figure(ctx, "latency_p50_ms", r->p50_ms);
    kata_figure(ctx, "latency_p99_ms", r->p99_ms);
    if (!ctx->quiet || ctx->svg) {
        struct row rows[8];
        int n = 0;
        for (int k = 0; k < RETRY_NPOLICIES; k++)
            add_row(rows, &n, &p, ctx, k, 0, "");
        add_row(rows, &n, &p, ctx, RETRY_FULL, 0.1, " + 10% budget");
        if (p.budget > 0 && !(p.policy == RETRY_FULL && p.budget == 0.1))
            add_row(rows, &n, &p, ctx, p.policy, p.budget, " + budget");
        if (!ctx->quiet)
            print_report(ctx, &p, rows, n);
        if (ctx->svg)
            draw(ctx->svg, &p, rows, n);
        for (int i = 0; i < n; i++)
            load_report_close(&rows[i].res.rep);
    }
    load_report_close(&mine.rep);
    return 0;
}

static const struct kata_param params[] = {
    {"policy", "fixed", "fixed (the snippet) | expo | full-jitter | equal-jitter | decorrelated-jitter"},
    {"attempts", "6", "calls per request at most (the first and its retries)"},
    {"delay", "1s", "the fixed policy's sleep between attempts"},
    {"base", "100ms", "backoff base (expo and jitter policies)"},
    {"cap", "10s", "backoff cap"},
    {"budget", "0", "retry budget: retries at most this fraction of first calls (token bucket; 0: none)"},
    {"callers", "5000", "callers"},
    {"rate", "1", "requests per second per caller (Poisson arrivals)"},
    {"capacity", "6000", "calls per second the downstream serves"},
    {"queue", "2s", "the downstream's queue bound, in seconds of work; beyond it calls are dropped"},
    {"timeout", "1s", "the caller's timeout per call"},
    {"blip_at", "5s", "when the downstream stops answering"},
    {"blip", "2s", "for how long"},
    {"latency", "uniform:1ms,5ms", "one-way network latency"},
    {"duration", "30s", "virtual time to run"},
    {"experiment", "herd", "herd (the blip) | contention (Brooker's N=10..190 clients on one resource) | "
                           "contention:N,N,..."},
    {"recovery", "1s", "the load must be back under capacity within this bound after the blip"},
};

static const struct kata_bug bugs[] = {
    {"no-budget-debit", "a retry passes the budget check without spending a token"},
    {"attempts-reset", "the attempt counter is not advanced on a retry (the loop never gives up)"},
};

const struct kata kata_retry = {
    .name = "retry",
    .summary = "5000 callers, a 2 s downstream blip, fixed 1.0 s retries vs backoff, jitter and a retry budget",
    .drill = "Distributed capstone: code and config reading, snippet 4, the retry policy (module 003)",
    .time_limit = "14 minutes for the four snippets",
    .repeat_until = "you can say what the fixed sleep does to the downstream and your policy recovers over 2,000 "
                    "seeds",
    .what = "Requests arrive from 5000 callers (1 per second each); each call has a timeout and, on timeout, is "
            "retried by the policy. The downstream serves 6000 calls/s from a bounded FIFO queue (work whose caller "
            "gave up is still done) and stops answering for 2 s from t=5s. Policies: fixed (the snippet: sleep 1.0 s, "
            "6 attempts, no jitter, no budget), expo, full-jitter, equal-jitter, decorrelated-jitter (Brooker), with "
            "an optional retry budget. Every call reaching the downstream is recorded and src/check/load.c judges "
            "the load: attempts bounded, the budget respected, the load back under capacity within a bound.",
    .reading = "The table runs the same seed under every policy: peak offered load over capacity, total calls, calls "
               "per request (amplification), requests that succeeded, time from the blip's end until the load is "
               "back under capacity for good ('never' within the run), client latency p50/p99, the checker's "
               "verdict. Below, the load per 100ms over time (* above capacity). --svg draws the load curves.",
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .bugs = bugs,
    .nbugs = sizeof(bugs) / sizeof(bugs[0]),
    .run = retry_run,
    .picture = true,
};
