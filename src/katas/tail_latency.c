/* Kata `tail-latency`: the inescapable reality (module 004, lane 1): "3 timeout/tail-latency traces produced on a
 * small test bed (varying GC/pause injection)". A client fans each request out to `fanout` shards (each with
 * `replicas` servers) and completes it when every shard has answered; servers take a service time and suffer
 * GC-like pauses. p50/p99/p999 of the fan-in grow with the fan-out and the pause frequency ("The Tail at Scale",
 * Dean and Barroso 2013); hedged requests (a second copy to another replica after the p95 delay) cut the tail.
 * The checker (src/check/fanin) judges from the client's records: completion exactly at the last shard's first
 * answer, hedges only after the delay, only for silent shards, only to a replica not yet asked. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/fanin.h"
#include "core/sim.h"
#include "core/units.h"
#include "katas/kata.h"
#include "katas/lane.h"
#include "report/svg.h"

extern const struct kata kata_tail_latency;

#define MAXFAN 1000
enum { M_REQ = 1, M_REPLY = 2 };
enum { T_SERVE = 1 };

struct tl_msg {
    int64_t req;
    int32_t shard;
};

struct tl_cfg {
    long fanout, replicas, requests;
    int64_t gap, hedge_after; /* hedge_after < 0: off */
    struct dist latency, service, pause;
    int64_t pause_every; /* per server; 0: no pauses */
    int64_t slow_ns;     /* the exercise's threshold: the result counts requests slower than this */
    bool bug_count_replies, bug_hedge_at_once, bug_same_replica;
};

struct tl_world {
    const struct tl_cfg *c;
    struct fan_req *reqs;
    unsigned char *answered; /* req * fanout + shard */
    int *left, *replies_seen;
    struct fan_sub *subs;
    size_t nsubs, subs_cap;
    struct fan_reply *replies;
    size_t nreplies, replies_cap;
    struct rng *pauses; /* one stream per server */
    int64_t end;        /* pauses stop after the last request is sent */
    uint64_t pauses_done;
    struct trace *trace;
};

static int server_of(const struct tl_cfg *c, int shard, int replica)
{
    return 1 + shard * (int)c->replicas + replica;
}

static void send_sub(struct sim *s, struct tl_world *w, int64_t req, int shard, int replica, bool hedge)
{
    int server = server_of(w->c, shard, replica);
    XGROW(w->subs, w->subs_cap, w->nsubs + 1);
    w->subs[w->nsubs++] = (struct fan_sub){req, s->now, shard, server, hedge};
    struct tl_msg m = {req, shard};
    net_send(s, 0, server, M_REQ, &m, sizeof(m));
}

static void hedge(struct sim *s, void *ptr, uint64_t req)
{
    struct tl_world *w = ptr;
    if (w->reqs[req].done >= 0)
        return;
    for (int sh = 0; sh < w->c->fanout; sh++)
        if (!w->answered[req * (uint64_t)w->c->fanout + (uint64_t)sh]) {
            send_sub(s, w, (int64_t)req, sh, w->c->bug_same_replica ? 0 : 1, true);
            trace_event(w->trace, s->now, 0, "hedge", "\"req\":%llu,\"shard\":%d", (unsigned long long)req, sh);
        }
}

static void start_request(struct sim *s, void *ptr, uint64_t req)
{
    struct tl_world *w = ptr;
    w->reqs[req] = (struct fan_req){s->now, -1, (int)w->c->fanout};
    w->left[req] = (int)w->c->fanout;
    for (int sh = 0; sh < w->c->fanout; sh++)
        send_sub(s, w, (int64_t)req, sh, 0, false);
    if (w->c->hedge_after >= 0 && w->c->replicas > 1)
        sim_at(s, s->now + (w->c->bug_hedge_at_once ? 0 : w->c->hedge_after), hedge, w, req);
    if (req + 1 < (uint64_t)w->c->requests)
        sim_at(s, s->now + w->c->gap, start_request, w, req + 1);
}

static void on_message(struct sim *s, node_id self, const struct sim_msg *msg)
{
    struct tl_world *w = s->user;
    struct tl_msg m;
    memcpy(&m, msg->data, sizeof(m));
    if (self != 0) { /* a server: serve after a service time (waits out a pause, as the timer does) */
        sim_timer(s, self, dist_sample(&w->c->service, sim_rng(s, self)), T_SERVE,
                  (uint64_t)m.req * MAXFAN + (uint64_t)m.shard);
        return;
    }
    XGROW(w->replies, w->replies_cap, w->nreplies + 1);
    w->replies[w->nreplies++] = (struct fan_reply){m.req, s->now, m.shard, msg->from};
    size_t cell = (size_t)m.req * (size_t)w->c->fanout + (size_t)m.shard;
    bool fresh = !w->answered[cell];
    w->answered[cell] = 1;
    /* The rule: a request is complete when every shard has answered once. The bug counts replies instead. */
    if (w->c->bug_count_replies ? ++w->replies_seen[m.req] == w->c->fanout : fresh && --w->left[m.req] == 0) {
        w->reqs[m.req].done = s->now;
        trace_event(w->trace, s->now, 0, "done", "\"req\":%lld,\"latency_ns\":%lld", (long long)m.req,
                    (long long)(s->now - w->reqs[m.req].start));
    }
}

static void on_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    if (kind != T_SERVE)
        return;
    struct tl_msg m = {(int64_t)(arg / MAXFAN), (int32_t)(arg % MAXFAN)};
    net_send(s, self, 0, M_REPLY, &m, sizeof(m));
}

static void pause_step(struct sim *s, void *ptr, uint64_t arg)
{
    struct tl_world *w = ptr;
    int server = (int)(arg >> 1);
    struct rng *r = &w->pauses[server];
    if (arg & 1) {
        sim_resume(s, server);
    } else if (s->now < w->end) {
        sim_pause(s, server);
        w->pauses_done++;
        sim_at(s, s->now + dist_sample(&w->c->pause, r), pause_step, w, arg | 1);
        return;
    }
    if (s->now < w->end)
        sim_at(s, s->now + (int64_t)rng_exponential(r, (double)w->c->pause_every), pause_step, w,
               (uint64_t)server << 1);
}

struct tl_result {
    struct fan_report rep;
    double slow_share;     /* of completed requests, slower than cfg->slow_ns */
    double sub_slow_share; /* of shards' first answers, slower than cfg->slow_ns */
    size_t violations;
    uint64_t pauses;
};

/* One run of a configuration; the records stay in w when keep is set (the caller frees them). */
static void simulate(const struct tl_cfg *c, uint64_t seed, struct trace *trace, struct tl_result *out)
{
    struct tl_world w = {.c = c, .trace = trace};
    size_t nreq = (size_t)c->requests, nservers = (size_t)(c->fanout * c->replicas);
    w.reqs = xcalloc(nreq, sizeof(*w.reqs));
    w.answered = xcalloc(nreq * (size_t)c->fanout, 1);
    w.left = xcalloc(nreq, sizeof(int));
    w.replies_seen = xcalloc(nreq, sizeof(int));
    w.pauses = xcalloc(nservers + 1, sizeof(*w.pauses));
    w.end = c->gap * c->requests;
    static const struct sim_node_ops ops = {.on_message = on_message, .on_timer = on_timer};
    struct sim s;
    sim_init(&s, seed, (int)nservers + 1, &ops, &w);
    s.trace = trace;
    net_set_default(&s, &c->latency, 0, 0);
    for (size_t i = 1; c->pause_every > 0 && i <= nservers; i++) {
        rng_stream(&w.pauses[i], seed, "pauses", i);
        sim_at(&s, (int64_t)rng_exponential(&w.pauses[i], (double)c->pause_every), pause_step, &w,
               (uint64_t)i << 1);
    }
    sim_at(&s, 0, start_request, &w, 0);
    while (sim_step(&s))
        ;
    out->violations = fanin_judge(w.reqs, nreq, w.subs, w.nsubs, w.replies, w.nreplies,
                                  c->hedge_after >= 0 && c->replicas > 1 ? c->hedge_after : -1, &out->rep);
    out->pauses = w.pauses_done;
    size_t slow = 0, done = 0;
    for (size_t i = 0; i < nreq; i++)
        if (w.reqs[i].done >= 0) {
            done++;
            slow += w.reqs[i].done - w.reqs[i].start > c->slow_ns;
        }
    out->slow_share = done ? (double)slow / (double)done : 0;
    memset(w.answered, 0, nreq * (size_t)c->fanout);
    size_t subs = 0, sub_slow = 0;
    for (size_t i = 0; i < w.nreplies; i++) {
        size_t cell = (size_t)w.replies[i].req * (size_t)c->fanout + (size_t)w.replies[i].shard;
        if (w.answered[cell]++)
            continue;
        subs++;
        sub_slow += w.replies[i].at - w.reqs[w.replies[i].req].start > c->slow_ns;
    }
    out->sub_slow_share = subs ? (double)sub_slow / (double)subs : 0;
    sim_close(&s);
    free(w.reqs);
    free(w.answered);
    free(w.left);
    free(w.replies_seen);
    free(w.pauses);
    free(w.subs);
    free(w.replies);
}

/* The p-quantile of one sub-request's response time without pauses, estimated by sampling: the hedge delay. */
static int64_t estimate_quantile(const struct tl_cfg *c, uint64_t seed, double q)
{
    enum { N = 5000 };
    static double v[N];
    struct rng r;
    rng_stream(&r, seed, "hedge-estimate", 0);
    for (int i = 0; i < N; i++)
        v[i] = (double)(dist_sample(&c->latency, &r) + dist_sample(&c->service, &r) + dist_sample(&c->latency, &r));
    return (int64_t)lane_quantile(v, N, q);
}

static bool read_cfg(struct kata_ctx *ctx, struct tl_cfg *c)
{
    const struct kata *k = &kata_tail_latency;
    memset(c, 0, sizeof(*c));
    if (!kata_get_int(ctx, k, "fanout", 1, MAXFAN, &c->fanout) || !kata_get_int(ctx, k, "replicas", 1, 2, &c->replicas) ||
        !kata_get_int(ctx, k, "requests", 10, 1000000, &c->requests) || !kata_get_duration(ctx, k, "gap", &c->gap) ||
        !lane_get_dist(ctx, k, "latency", &c->latency) || !lane_get_dist(ctx, k, "service", &c->service) ||
        !lane_get_dist(ctx, k, "pause", &c->pause) || !kata_get_duration(ctx, k, "pause_every", &c->pause_every))
        return false;
    /* Every request goes to fanout shards (and may be hedged to the other replica); every server pauses about
     * once per pause_every over the whole run. */
    double servers = (double)(c->fanout * c->replicas), run_ns = (double)c->requests * (double)c->gap;
    if (!kata_bound_work(ctx, servers * (double)c->requests, 2e6,
                         "sub-requests (fanout x replicas x requests)",
                         "lower fanout, replicas or requests") ||
        !kata_bound_work(ctx, c->pause_every > 0 ? servers * run_ns / (double)c->pause_every : 0, 2e6,
                         "pauses (fanout x replicas x requests x gap / pause_every)",
                         "lower fanout, requests or gap, or raise pause_every (0: none)"))
        return false;
    const char *h = kata_get_str(ctx, k, "hedge");
    enum lane_when kind;
    double pct = 0;
    if (!lane_parse_when(h, true, &kind, &pct, &c->hedge_after)) {
        snprintf(ctx->error, sizeof(ctx->error), "bad value '%.60s' for parameter 'hedge': expected off, a percentile "
                 "such as p95, or a duration such as 10ms", h ? h : "");
        return false;
    }
    if (kind == LANE_OFF)
        c->hedge_after = -1;
    else if (kind == LANE_PERCENTILE)
        c->hedge_after = estimate_quantile(c, ctx->seed, pct / 100);
    c->bug_count_replies = kata_bug_is(ctx, "count-replies");
    c->bug_hedge_at_once = kata_bug_is(ctx, "hedge-at-once");
    c->bug_same_replica = kata_bug_is(ctx, "hedge-same-replica");
    return true;
}

static void random_cfg(uint64_t seed, struct tl_cfg *c)
{
    struct rng r;
    rng_stream(&r, seed, "swarm", 0);
    c->fanout = rng_range(&r, 1, 30);
    c->pause_every = (int64_t)((double)c->pause_every * (0.25 + 3.75 * rng_unit(&r)));
    if (rng_chance(&r, 0.3))
        c->hedge_after = -1;
}

/* The sweep: fan-out 1, 10, 100 x pauses none / as configured / four times as often x hedging off / on. */
static const int sweep_fan[] = {1, 10, 100};
struct tl_sweep {
    double p[3][3][2][3]; /* [fan][pause][hedge][p50, p99, p999] in ms */
    double hedges[3][3];  /* hedges per request, hedging on */
};

static void sweep(const struct tl_cfg *base, uint64_t seed, struct tl_sweep *sw)
{
    for (int f = 0; f < 3; f++)
        for (int p = 0; p < 3; p++)
            for (int h = 0; h < 2; h++) {
                struct tl_cfg c = *base;
                c.bug_count_replies = c.bug_hedge_at_once = c.bug_same_replica = false;
                c.fanout = sweep_fan[f];
                c.replicas = 2;
                c.requests = base->requests < 2000 ? base->requests : 2000;
                c.pause_every = p == 0 ? 0 : p == 1 ? base->pause_every : base->pause_every / 4;
                if (!h)
                    c.hedge_after = -1;
                else if (c.hedge_after < 0)
                    c.hedge_after = estimate_quantile(&c, seed, 0.95);
                struct tl_result res;
                simulate(&c, seed, NULL, &res);
                sw->p[f][p][h][0] = res.rep.p50_ns / 1e6;
                sw->p[f][p][h][1] = res.rep.p99_ns / 1e6;
                sw->p[f][p][h][2] = res.rep.p999_ns / 1e6;
                if (h)
                    sw->hedges[f][p] = (double)res.rep.hedges / (double)c.requests;
            }
}

static void print_sweep(struct buf *t, const struct tl_cfg *c, const struct tl_sweep *sw)
{
    char a[32], b[32];
    buf_printf(t, "\nthe sweep (%ld requests each; hedge after the p95 of one sub-request when off in the "
               "configuration):\n", c->requests < 2000 ? c->requests : 2000);
    buf_printf(t, "  %-6s %-16s %28s   %28s %10s\n", "fanout", "pauses", "no hedging: p50 / p99 / p999 ms",
               "hedged: p50 / p99 / p999 ms", "hedges/req");
    for (int f = 0; f < 3; f++)
        for (int p = 0; p < 3; p++) {
            const char *pn = p == 0 ? "none" : p == 1 ? units_fmt_duration(a, sizeof(a), c->pause_every)
                                                      : units_fmt_duration(b, sizeof(b), c->pause_every / 4);
            char label[40];
            snprintf(label, sizeof(label), "%s%s", p ? "every " : "", pn);
            buf_printf(t, "  %-6d %-16s %8.2f / %7.2f / %7.2f   %8.2f / %7.2f / %7.2f %10.2f\n", sweep_fan[f], label,
                       sw->p[f][p][0][0], sw->p[f][p][0][1], sw->p[f][p][0][2], sw->p[f][p][1][0], sw->p[f][p][1][1],
                       sw->p[f][p][1][2], sw->hedges[f][p]);
        }
}

static void draw(struct buf *b, const struct tl_cfg *c, const struct tl_sweep *sw)
{
    int w = 760, h = 500, l = 80, r = 200, top = 50, bottom = 60;
    svg_begin(b, w, h, "tail-latency: p99 of the fan-in against fan-out");
    double ymax = 1, ymin = 1e9;
    for (int f = 0; f < 3; f++)
        for (int p = 0; p < 3; p++)
            for (int hh = 0; hh < 2; hh++) {
                ymax = fmax(ymax, sw->p[f][p][hh][2]);
                ymin = fmin(ymin, sw->p[f][p][hh][1]);
            }
    double ylo = pow(10, floor(log10(fmax(ymin, 0.01)))), yhi = pow(10, ceil(log10(ymax)));
    double pw = w - l - r, ph = h - top - bottom;
#define X(f) (l + (f) * pw / 2)
#define Y(v) (top + ph - (log10(fmax(v, ylo)) - log10(ylo)) / (log10(yhi) - log10(ylo)) * ph)
    svg_line(b, l, top + ph, l + pw, top + ph, "black", 1, NULL);
    svg_line(b, l, top, l, top + ph, "black", 1, NULL);
    char lab[96];
    for (int f = 0; f < 3; f++) {
        snprintf(lab, sizeof(lab), "%d", sweep_fan[f]);
        svg_text(b, X(f), top + ph + 16, 11, "middle", "#333", lab);
    }
    for (double y = ylo; y <= yhi * 1.01; y *= 10) {
        snprintf(lab, sizeof(lab), "%gms", y);
        svg_line(b, l, Y(y), l + pw, Y(y), "#ddd", 1, NULL);
        svg_text(b, l - 6, Y(y) + 4, 11, "end", "#333", lab);
    }
    svg_text(b, l + pw / 2, h - 25, 12, "middle", "black", "fan-out (shards per request)");
    svg_text(b, 14, top - 18, 12, "start", "black", "latency of the fan-in (log): p99 solid, p999 dotted");
    static const char *colors[3] = {"#2ca02c", "#1f77b4", "#d62728"};
    char a[32];
    for (int p = 0; p < 3; p++)
        for (int hh = 0; hh < 2; hh++)
            for (int q = 1; q <= 2; q++) {
                for (int f = 0; f < 2; f++)
                    svg_line(b, X(f), Y(sw->p[f][p][hh][q]), X(f + 1), Y(sw->p[f + 1][p][hh][q]), colors[p],
                             hh ? 1.2 : 2.2, q == 2 ? "stroke-dasharray=\"2,3\"" : (hh ? "stroke-dasharray=\"7,4\"" : NULL));
                for (int f = 0; f < 3; f++) {
                    snprintf(lab, sizeof(lab), "fanout %d, pauses %d, %s: p%s %.2fms", sweep_fan[f], p,
                             hh ? "hedged" : "not hedged", q == 1 ? "99" : "99.9", sw->p[f][p][hh][q]);
                    svg_circle(b, X(f), Y(sw->p[f][p][hh][q]), 3, colors[p], lab);
                }
            }
    for (int p = 0; p < 3; p++) {
        snprintf(lab, sizeof(lab), "pauses: %s%s", p ? "every " : "", p == 0 ? "none" : units_fmt_duration(a, sizeof(a),
                 p == 1 ? c->pause_every : c->pause_every / 4));
        svg_text(b, l + pw + 15, top + 20 + 18 * p, 11, "start", colors[p], lab);
    }
    svg_text(b, l + pw + 15, top + 90, 11, "start", "#333", "thick: no hedging");
    svg_text(b, l + pw + 15, top + 108, 11, "start", "#333", "thin dashed: hedged");
#undef X
#undef Y
    svg_end(b);
}

static int tail_run(struct kata_ctx *ctx)
{
    struct tl_cfg c;
    if (!read_cfg(ctx, &c))
        return -1;
    if (ctx->nemesis) {
        snprintf(ctx->error, sizeof(ctx->error), "tail-latency takes no --nemesis: its faults are the servers' pauses "
                 "(parameters pause and pause_every)");
        return -1;
    }
    if (ctx->random_faults)
        random_cfg(ctx->seed, &c);
    struct tl_result res;
    simulate(&c, ctx->seed, ctx->trace, &res);
    const struct fan_report *r = &res.rep;
    kata_check(ctx, "fan-in-waits-for-every-shard", r->early + r->late + r->incomplete == 0,
               "%zu request(s) completed early, %zu late, %zu never%s%s", r->early, r->late, r->incomplete,
               r->early + r->late + r->incomplete ? "; first: " : "", r->first);
    kata_check(ctx, "hedge-rule", r->hedge_early + r->hedge_needless + r->hedge_same_server == 0,
               "%zu hedge(s): %zu before the delay, %zu for a shard that had answered, %zu to a server already asked",
               r->hedges, r->hedge_early, r->hedge_needless, r->hedge_same_server);
    kata_figure(ctx, "p50_ms", r->p50_ns / 1e6);
    kata_figure(ctx, "p99_ms", r->p99_ns / 1e6);
    kata_figure(ctx, "p999_ms", r->p999_ns / 1e6);
    kata_figure(ctx, "hedges_per_request", (double)r->hedges / (double)c.requests);
    if (!ctx->quiet) {
        char a[96], b[96], d[32], e[32];
        dist_format(&c.service, a, sizeof(a));
        dist_format(&c.pause, b, sizeof(b));
        buf_printf(&ctx->text, "tail-latency: %ld requests, one every %s, each fanned out to %ld shard(s) of %ld "
                   "replica(s); service %s; pauses %s every %s per server; hedge %s; seed %llu%s%s\n",
                   c.requests, units_fmt_duration(d, sizeof(d), c.gap), c.fanout, c.replicas, a, b,
                   units_fmt_duration(e, sizeof(e), c.pause_every),
                   c.hedge_after < 0 ? "off" : units_fmt_duration(d, sizeof(d), c.hedge_after),
                   (unsigned long long)ctx->seed, ctx->bug ? ", bug " : "", ctx->bug ? ctx->bug : "");
        buf_printf(&ctx->text, "\nthis configuration: p50 %.2fms, p99 %.2fms, p999 %.2fms, max %.2fms; %zu hedges "
                   "(%.2f per request); %llu pauses\n", r->p50_ns / 1e6, r->p99_ns / 1e6, r->p999_ns / 1e6,
                   r->max_ns / 1e6, r->hedges, (double)r->hedges / (double)c.requests,
                   (unsigned long long)res.pauses);
    }
    if (!ctx->quiet || ctx->svg) {
        struct tl_sweep sw;
        sweep(&c, ctx->seed, &sw);
        if (!ctx->quiet)
            print_sweep(&ctx->text, &c, &sw);
        if (ctx->svg)
            draw(ctx->svg, &c, &sw);
    }
    return 0;
}

/* The tail at scale by hand: one server's slow share p is measured, the fan-in's is 1 - (1 - p)^N; the key is
 * checked against a run at that fan-out. */
static int tail_exercise(struct kata_ctx *ctx, bool answers)
{
    struct tl_cfg c;
    if (!read_cfg(ctx, &c))
        return -1;
    static const int fans[] = {5, 10, 20, 50, 100};
    static const int64_t slow_ms[] = {15, 25, 50};
    static const int64_t every_s[] = {1, 2, 5};
    struct rng r;
    rng_stream(&r, ctx->seed, "exercise", 0);
    int n = fans[rng_below(&r, 5)];
    c.slow_ns = slow_ms[rng_below(&r, 3)] * NS_PER_MS;
    c.pause_every = every_s[rng_below(&r, 3)] * NS_PER_S;
    c.hedge_after = -1;
    c.fanout = 20; /* one server's share, measured over many servers so that many pauses are seen */
    c.requests = 10000;
    struct tl_result one;
    simulate(&c, ctx->seed, NULL, &one);
    double p = one.sub_slow_share, pred = 1 - pow(1 - p, n);
    double half = p > 0 && p < 1 ? log(0.5) / log(1 - p) : INFINITY;
    struct buf *t = &ctx->text;
    char a[96], b[32];
    dist_format(&c.pause, a, sizeof(a));
    buf_printf(t, "Exercise (the tail at scale, seed %llu)\n\n", (unsigned long long)ctx->seed);
    buf_printf(t, "Each server pauses (%s) on average every %s. Measured over 200000 answers of such servers: %.3f%% "
               "of its answers take longer than %lldms.\nA request fans out to %d such servers and waits for all of "
               "them.\n\n", a, units_fmt_duration(b, sizeof(b), c.pause_every), p * 100,
               (long long)(c.slow_ns / NS_PER_MS), n);
    buf_printf(t, "1. What share of requests takes longer than %lldms?\n2. From how many servers on is half of the "
               "requests that slow?\n3. A hedge to an independent replica after the p95: roughly what share of "
               "shards is still slow, and of requests?\n", (long long)(c.slow_ns / NS_PER_MS));
    if (!answers)
        return 0;
    double hedged = 1 - pow(1 - p * p, n);
    buf_printf(t, "\nAnswer key\n\n1. 1 - (1 - %.5f)^%d = %.2f%%\n2. ln 0.5 / ln(1 - p) = %.1f servers\n"
               "3. a shard stays slow only if both copies are: about p^2 = %.5f%%; requests 1 - (1 - p^2)^%d = %.3f%% "
               "(an upper bound on the gain: the hedge starts late and pauses can overlap)\n",
               p, n, pred * 100, half, p * p * 100, n, hedged * 100);
    c.fanout = n;
    c.requests = 4000;
    struct tl_result many;
    simulate(&c, ctx->seed + 1, NULL, &many);
    /* Both shares are driven by how many pauses the runs saw, not by how many requests: the noise is Poisson in
     * the pause counts of the measuring run (20 servers) and of this one (n servers). */
    double k1 = 20.0 * 10000 * (double)c.gap / (double)c.pause_every, k2 = (double)n * 4000 * (double)c.gap /
                                                                           (double)c.pause_every;
    double tol = 0.02 + 4 * sqrt(pred * (1 - pred) / (double)c.requests) + 3 * fmax(pred, 0.02) * sqrt(1 / k1 + 1 / k2);
    buf_printf(t, "\nmeasured at %d servers over %ld requests: %.2f%% (allowed %.2f%% +- %.2f%%)\n", n, c.requests,
               many.slow_share * 100, pred * 100, tol * 100);
    kata_check(ctx, "prediction-matches-simulation", fabs(many.slow_share - pred) <= tol,
               "predicted %.2f%%, simulated %.2f%%", pred * 100, many.slow_share * 100);
    return 0;
}

static const struct kata_param params[] = {
    {"fanout", "10", "shards each request goes to (1..1000)"},
    {"replicas", "2", "servers per shard (2: a hedge has somewhere to go)"},
    {"requests", "2000", "requests to send"},
    {"gap", "5ms", "time between two requests"},
    {"latency", "normal:500us,100us", "one-way network latency"},
    {"service", "lognormal:2ms,0.5", "server time per sub-request"},
    {"pause", "lognormal:30ms,0.8", "GC-like pause duration"},
    {"pause_every", "2s", "mean time between pauses of one server (exponential; 0: none)"},
    {"hedge", "p95", "hedge a silent shard to its other replica after this: off, pNN (of one sub-request's time "
                     "without pauses) or a duration"},
};

static const struct kata_bug bugs[] = {
    {"count-replies", "the client counts replies instead of distinct shards: a hedged shard answers twice"},
    {"hedge-at-once", "hedges go out with the request instead of after the delay"},
    {"hedge-same-replica", "the hedge goes to the server already asked"},
};

const struct kata kata_tail_latency = {
    .name = "tail-latency",
    .summary = "fan-out requests with GC pauses: p50/p99/p999 of the fan-in, and hedged requests",
    .drill = "Lane 1 (the inescapable reality): \"3 timeout/tail-latency traces produced on a small test bed (varying "
             "GC/pause injection)\" (module 004)",
    .time_limit = "one lane session",
    .repeat_until = "you can predict how the p99 moves with the fan-out before you run it",
    .what = "A client sends requests that fan out to many shards and waits for all of them; every server pauses "
            "now and then like a garbage collector. The slowest shard decides: the more shards, the more likely "
            "one is paused, so the fan-in's p99 climbs toward the pause length as the fan-out grows. Hedged "
            "requests send a second copy to the other replica of a shard that is still silent after the p95 "
            "delay, and take whichever answers first.",
    .reading = "The first line is this configuration's quantiles. The sweep runs fan-out 1, 10 and 100 with no "
               "pauses, the configured pause rate and four times that, without and with hedging, on the same "
               "seed: p50 / p99 / p999 in ms and hedges per request. --svg plots p99 (solid) and p999 (dotted) "
               "against the fan-out. The checks come from the client's records.",
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .bugs = bugs,
    .nbugs = sizeof(bugs) / sizeof(bugs[0]),
    .run = tail_run,
    .picture = true,
    .exercise = tail_exercise,
    .exercise_what = "one server's slow share, measured: predict the fan-in's slow share at N servers, the fan-out "
                     "where half the requests are slow, and what hedging buys; the key is checked in simulation",
};
