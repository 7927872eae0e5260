/* Kata `clocks`: Lamport and vector clocks on a small system (module 001, Kata 1). Processes do local events,
 * send to random peers and deliver queued messages on a random interleaving; every event is stamped, and the
 * clock condition is judged from happens-before computed independently of the clocks (src/check/clockcond). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/clockcond.h"
#include "core/sim.h"
#include "core/units.h"
#include "katas/kata.h"
#include "report/svg.h"

#define MAXP 16
#define TICK_NS NS_PER_MS

extern const struct kata kata_clocks;

struct clk_msg {
    int64_t id;
    uint64_t lamport;
    uint32_t vc[MAXP];
};

struct clk_event {
    int proc, peer, tick;
    enum cc_kind kind;
    int64_t msg;
    uint64_t lamport;
    uint32_t vc[MAXP];
};

struct clk_proc {
    uint64_t lamport;
    uint32_t vc[MAXP];
    struct clk_msg *inbox; /* arrived, not yet delivered (FIFO) */
    size_t ninbox, inbox_cap;
};

struct clk_world {
    int nprocs, ticks, tick;
    bool bug_no_max, bug_send_no_inc, bug_no_merge;
    struct clk_proc procs[MAXP];
    struct clk_event *events;
    size_t nevents, events_cap;
    int64_t next_msg;
    struct rng script; /* which process acts, and how */
    struct trace *trace;
};

static void record(struct sim *s, struct clk_world *w, int p, enum cc_kind kind, int peer, int64_t msg)
{
    XGROW(w->events, w->events_cap, w->nevents + 1);
    struct clk_event *e = &w->events[w->nevents++];
    e->proc = p;
    e->peer = peer;
    e->tick = w->tick;
    e->kind = kind;
    e->msg = msg;
    e->lamport = w->procs[p].lamport;
    memcpy(e->vc, w->procs[p].vc, sizeof(e->vc));
    if (w->trace) {
        struct buf v;
        buf_init(&v);
        for (int i = 0; i < w->nprocs; i++)
            buf_printf(&v, "%s%u", i ? "," : "", e->vc[i]);
        static const char *kinds[] = {"local", "send", "recv"};
        trace_event(w->trace, s->now, p, kinds[kind], "\"peer\":%d,\"msg\":%lld,\"lamport\":%llu,\"vc\":[%s]", peer,
                    (long long)msg, (unsigned long long)e->lamport, v.data);
        buf_close(&v);
    }
}

/* The rules. local: tick both clocks. send: tick both, stamp the message. receive: L = max(L, L_m) + 1;
 * V = max(V, V_m) componentwise, then tick our own entry. */
static void do_local(struct sim *s, struct clk_world *w, int p)
{
    w->procs[p].lamport++;
    w->procs[p].vc[p]++;
    record(s, w, p, CC_LOCAL, -1, -1);
}

static void do_send(struct sim *s, struct clk_world *w, int p, int to)
{
    struct clk_proc *pr = &w->procs[p];
    if (!w->bug_send_no_inc) {
        pr->lamport++;
        pr->vc[p]++;
    }
    struct clk_msg m = {.id = ++w->next_msg, .lamport = pr->lamport};
    memcpy(m.vc, pr->vc, sizeof(m.vc));
    record(s, w, p, CC_SEND, to, m.id);
    net_send(s, p, to, 1, &m, sizeof(m));
}

static void do_deliver(struct sim *s, struct clk_world *w, int p)
{
    struct clk_proc *pr = &w->procs[p];
    struct clk_msg m = pr->inbox[0];
    memmove(pr->inbox, pr->inbox + 1, (pr->ninbox - 1) * sizeof(*pr->inbox));
    pr->ninbox--;
    if (w->bug_no_max)
        pr->lamport++;
    else
        pr->lamport = (pr->lamport > m.lamport ? pr->lamport : m.lamport) + 1;
    if (!w->bug_no_merge)
        for (int i = 0; i < w->nprocs; i++)
            if (m.vc[i] > pr->vc[i])
                pr->vc[i] = m.vc[i];
    pr->vc[p]++;
    int from = -1;
    for (size_t i = 0; i < w->nevents; i++)
        if (w->events[i].kind == CC_SEND && w->events[i].msg == m.id)
            from = w->events[i].proc;
    record(s, w, p, CC_RECV, from, m.id);
}

static void on_message(struct sim *s, node_id self, const struct sim_msg *msg)
{
    struct clk_world *w = s->user;
    struct clk_proc *pr = &w->procs[self];
    XGROW(pr->inbox, pr->inbox_cap, pr->ninbox + 1);
    memcpy(&pr->inbox[pr->ninbox++], msg->data, sizeof(struct clk_msg));
}

static void on_tick(struct sim *s, void *ptr, uint64_t arg)
{
    (void)ptr;
    struct clk_world *w = s->user;
    w->tick = (int)arg;
    int p = (int)rng_below(&w->script, (uint64_t)w->nprocs);
    int choices = w->procs[p].ninbox ? 3 : 2;
    switch (rng_below(&w->script, (uint64_t)choices)) {
    case 0:
        do_local(s, w, p);
        break;
    case 1: {
        int to = (int)rng_below(&w->script, (uint64_t)(w->nprocs - 1));
        do_send(s, w, p, to >= p ? to + 1 : to);
        break;
    }
    default:
        do_deliver(s, w, p);
    }
    if ((int)arg < w->ticks)
        sim_at(s, s->now + TICK_NS, on_tick, NULL, arg + 1);
}

static void fmt_vc(char *out, size_t n, const uint32_t *vc, int nprocs)
{
    size_t used = (size_t)snprintf(out, n, "[");
    for (int i = 0; i < nprocs && used < n; i++)
        used += (size_t)snprintf(out + used, n - used, "%s%u", i ? "," : "", vc[i]);
    if (used < n)
        snprintf(out + used, n - used, "]");
}

static void print_table(struct kata_ctx *ctx, const struct clk_world *w, const struct cc_report *r)
{
    struct buf *t = &ctx->text;
    buf_printf(t, "clocks: %d processes, %d ticks, seed %llu%s%s\n\n", w->nprocs, w->ticks,
               (unsigned long long)ctx->seed, ctx->bug ? ", bug " : "", ctx->bug ? ctx->bug : "");
    buf_printf(t, "%-5s %4s  %-4s %-6s %-12s %5s  %s\n", "event", "tick", "proc", "kind", "message", "L", "V");
    for (size_t i = 0; i < w->nevents; i++) {
        const struct clk_event *e = &w->events[i];
        char detail[32] = "", vc[128];
        if (e->kind == CC_SEND)
            snprintf(detail, sizeof(detail), "m%lld -> P%d", (long long)e->msg, e->peer + 1);
        else if (e->kind == CC_RECV)
            snprintf(detail, sizeof(detail), "m%lld <- P%d", (long long)e->msg, e->peer + 1);
        fmt_vc(vc, sizeof(vc), e->vc, w->nprocs);
        static const char *kinds[] = {"local", "send", "recv"};
        buf_printf(t, "e%-4zu %4d  P%-3d %-6s %-12s %5llu  %s\n", i + 1, e->tick, e->proc + 1, kinds[e->kind], detail,
                   (unsigned long long)e->lamport, vc);
    }
    buf_printf(t, "\nconcurrent pairs (by happens-before; vector clocks must agree): %zu\n", r->concurrent_pairs);
    size_t col = 0;
    for (size_t i = 0; i < r->concurrent_pairs; i++) {
        char pair[32];
        int len = snprintf(pair, sizeof(pair), "e%zu||e%zu", r->concurrent[2 * i] + 1, r->concurrent[2 * i + 1] + 1);
        if (col + (size_t)len + 2 > 100) {
            buf_putc(t, '\n');
            col = 0;
        }
        buf_printf(t, "%s%s", col ? "  " : "  ", pair);
        col += (size_t)len + 2;
    }
    buf_printf(t, "\n\nverification over %zu happens-before pairs and all %zu ordered pairs:\n", r->hb_pairs,
               w->nevents * (w->nevents ? w->nevents - 1 : 0));
    for (size_t i = 0; i < r->nviolations && i < 10; i++) {
        const struct cc_violation *v = &r->violations[i];
        char va[128], vb[128];
        fmt_vc(va, sizeof(va), w->events[v->a].vc, w->nprocs);
        fmt_vc(vb, sizeof(vb), w->events[v->b].vc, w->nprocs);
        buf_printf(t, "  VIOLATION a=e%zu b=e%zu: %s (L %llu vs %llu, V %s vs %s)\n", v->a + 1, v->b + 1, v->what,
                   (unsigned long long)w->events[v->a].lamport, (unsigned long long)w->events[v->b].lamport, va, vb);
    }
    if (r->nviolations > 10)
        buf_printf(t, "  ... and %zu more\n", r->nviolations - 10);
}

static void draw(struct buf *b, const struct clk_world *w)
{
    int width = 120 + w->ticks * 22, height = 60 + w->nprocs * 90;
    svg_begin(b, width, height, "clocks: space-time diagram");
    double x0 = 60, dx = 22;
    for (int p = 0; p < w->nprocs; p++) {
        double y = 50 + p * 90;
        char name[16];
        snprintf(name, sizeof(name), "P%d", p + 1);
        svg_text(b, 20, y + 4, 14, "start", "black", name);
        svg_line(b, x0, y, x0 + dx * (w->ticks + 1), y, "#444", 1.5, NULL);
    }
    for (size_t i = 0; i < w->nevents; i++) {
        const struct clk_event *e = &w->events[i];
        if (e->kind != CC_RECV)
            continue;
        for (size_t j = 0; j < i; j++)
            if (w->events[j].kind == CC_SEND && w->events[j].msg == e->msg)
                svg_arrow(b, x0 + dx * w->events[j].tick, 50 + w->events[j].proc * 90, x0 + dx * e->tick,
                          50 + e->proc * 90, "#1f77b4");
    }
    for (size_t i = 0; i < w->nevents; i++) {
        const struct clk_event *e = &w->events[i];
        double x = x0 + dx * e->tick, y = 50 + e->proc * 90;
        char vc[128], tip[200], label[16];
        fmt_vc(vc, sizeof(vc), e->vc, w->nprocs);
        snprintf(tip, sizeof(tip), "e%zu L=%llu V=%s", i + 1, (unsigned long long)e->lamport, vc);
        static const char *colors[] = {"#777", "#2ca02c", "#d62728"};
        svg_circle(b, x, y, 4.5, colors[e->kind], tip);
        snprintf(label, sizeof(label), "%llu", (unsigned long long)e->lamport);
        svg_text(b, x, y - 9, 10, "middle", "black", label);
        svg_text(b, x, y + 18 + (i % 2) * 11, 8, "middle", "#555", vc);
    }
    svg_text(b, 20, height - 10, 11, "start", "#555",
             "grey: local, green: send, red: receive; number above: Lamport; below: vector clock");
    svg_end(b);
}

static int clocks_run(struct kata_ctx *ctx)
{
    const struct kata *k = &kata_clocks;
    long nprocs, ticks, delay;
    if (ctx->nemesis) {
        snprintf(ctx->error, sizeof(ctx->error), "kata 'clocks' has no faults to schedule: drop --nemesis");
        return -1;
    }
    if (!kata_get_int(ctx, k, "procs", 2, MAXP, &nprocs) || !kata_get_int(ctx, k, "ticks", 1, 5000, &ticks) ||
        !kata_get_int(ctx, k, "delay", 0, 1000, &delay))
        return -1;
    struct clk_world *w = xcalloc(1, sizeof(*w));
    w->nprocs = (int)nprocs;
    w->ticks = (int)ticks;
    w->bug_no_max = kata_bug_is(ctx, "receive-no-max");
    w->bug_send_no_inc = kata_bug_is(ctx, "send-no-increment");
    w->bug_no_merge = kata_bug_is(ctx, "vc-no-merge");
    w->trace = ctx->trace;
    rng_stream(&w->script, ctx->seed, "script", 0);
    static const struct sim_node_ops ops = {.on_message = on_message};
    struct sim s;
    sim_init(&s, ctx->seed, w->nprocs, &ops, w);
    s.trace = ctx->trace;
    /* A message may be delivered from the next tick on, or up to `delay` ticks later. */
    struct dist lat = {.nparts = 1};
    lat.parts[0] = (struct dist_part){.kind = DIST_UNIFORM, .a = TICK_NS / 2.0,
                                      .b = TICK_NS / 2.0 + (double)delay * TICK_NS, .weight = 1};
    net_set_default(&s, &lat, 0, 0);
    sim_at(&s, TICK_NS, on_tick, NULL, 1);
    sim_run_until(&s, (w->ticks + 1) * TICK_NS);

    struct cc_event *ev = xcalloc(w->nevents ? w->nevents : 1, sizeof(*ev));
    for (size_t i = 0; i < w->nevents; i++)
        ev[i] = (struct cc_event){w->events[i].proc, w->events[i].kind, w->events[i].msg, w->events[i].lamport,
                                  w->events[i].vc};
    struct cc_report r;
    clockcond_check(ev, w->nevents, w->nprocs, &r);
    size_t lam = 0, vec = 0, rev = 0;
    for (size_t i = 0; i < r.nviolations; i++) {
        if (strstr(r.violations[i].what, "L(a)"))
            lam++;
        else if (strstr(r.violations[i].what, "but not a -> b"))
            rev++;
        else
            vec++;
    }
    kata_check(ctx, "lamport-clock-condition", lam == 0, "a -> b implies L(a) < L(b): %zu violations", lam);
    kata_check(ctx, "vector-clock-condition", vec == 0, "a -> b implies V(a) < V(b): %zu violations", vec);
    kata_check(ctx, "vector-implies-causality", rev == 0, "V(a) < V(b) implies a -> b: %zu violations", rev);
    kata_figure(ctx, "events", (double)w->nevents);
    kata_figure(ctx, "messages", (double)w->next_msg);
    kata_figure(ctx, "happens_before_pairs", (double)r.hb_pairs);
    kata_figure(ctx, "concurrent_pairs", (double)r.concurrent_pairs);
    if (!ctx->quiet)
        print_table(ctx, w, &r);
    if (ctx->svg)
        draw(ctx->svg, w);
    cc_report_close(&r);
    free(ev);
    for (int p = 0; p < w->nprocs; p++)
        free(w->procs[p].inbox);
    free(w->events);
    free(w);
    sim_close(&s);
    return 0;
}

static const struct kata_param params[] = {
    {"procs", "3", "number of processes (2..16)"},
    {"ticks", "50", "ticks to run; each tick one random process acts"},
    {"delay", "0", "extra random delivery delay, in ticks (0: a message can be delivered from the next tick)"},
};

static const struct kata_bug bugs[] = {
    {"receive-no-max", "on receive, L = L + 1 instead of max(L, L_msg) + 1"},
    {"send-no-increment", "send stamps the message without ticking the clocks first"},
    {"vc-no-merge", "on receive, tick our own vector entry without merging the message's vector"},
};

const struct kata kata_clocks = {
    .name = "clocks",
    .summary = "Lamport and vector clocks on a small system; the clock condition checked",
    .drill = "Simulate Lamport and Vector Clocks on a Small System (module 001, Kata 1)",
    .time_limit = "20 minutes per run",
    .repeat_until = "you can write the update rules without looking them up and your verification never fails",
    .what = "Each tick a random process does a local event, sends to a random peer, or delivers one queued "
            "message. Every event gets a Lamport and a vector timestamp. Happens-before is computed from the "
            "history alone (program order + send/receive, transitively) and the clocks are judged against it.",
    .reading = "The table lists every event (e1, e2, ...) with its tick, process, kind, message, Lamport stamp L and "
               "vector stamp V. 'ei||ej' pairs are concurrent. The verification checks a -> b => L(a) < L(b) and "
               "V(a) < V(b), and V(a) < V(b) => a -> b, over all ordered pairs; any VIOLATION names the two events. "
               "--svg draws the space-time diagram: a line per process, an arrow per message.",
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .bugs = bugs,
    .nbugs = sizeof(bugs) / sizeof(bugs[0]),
    .run = clocks_run,
    .picture = true,
};
