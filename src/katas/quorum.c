/* Kata `quorum`: a Dynamo-style replicated register with N replicas, W write acks and R read responses (module
 * 003, snippet 1: N=3, W=1, R=1), its staleness measured the way "Probabilistically Bounded Staleness" (Bailis et
 * al., VLDB 2012) does: WARS latencies (W write to replica, A ack, R read request, S read response), reads started
 * t after a write was confirmed, judged from the history by src/check/staleness. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/staleness.h"
#include "core/fault.h"
#include "core/sim.h"
#include "core/units.h"
#include "katas/kata.h"

#define MAXN 9
#define MAXT 16
#define MS NS_PER_MS
#define WRITER 0
#define READER 1
#define REPLICA(i) ((i) + 2)

extern const struct kata kata_quorum;

enum { M_WRITE = 1, M_ACK, M_READ, M_VALUE };
enum { T_RESEND = 1 };

struct qmsg {
    uint64_t version;
    uint64_t id; /* read id, or write id */
};

struct qparams {
    int n, w, r, writes, ntimes, sticky;
    int64_t times[MAXT];
    long trials;
    int64_t gap;
    struct dist lat_w, lat_a, lat_r, lat_s;
};

struct qread {
    int64_t start;
    uint64_t version;
    int tag;        /* index into times */
    int responses;  /* so far */
    int sticky;     /* the replica that must answer (session stickiness), or -1 */
    bool sticky_in, done;
};

struct qworld {
    const struct qparams *p;
    bool bug_ack_early, bug_first, bug_lww_arrival;
    uint64_t replica_version[MAXN];
    uint64_t pending_apply[MAXN]; /* --bug ack-before-apply: the version acked but not yet applied */
    /* the write in progress */
    uint64_t version, write_id;
    int acks, first_acker, writes_left;
    unsigned acked_mask;
    long trials_left;
    /* history */
    struct st_write *writes;
    size_t nwrites, writes_cap;
    struct qread *reads;
    size_t nreads, reads_cap;
};

static void start_write(struct sim *s, struct qworld *w);

static void send_write(struct sim *s, struct qworld *w, int i)
{
    struct qmsg m = {w->version, w->write_id};
    net_send(s, WRITER, REPLICA(i), M_WRITE, &m, sizeof(m));
}

static void start_read(struct sim *s, void *ptr, uint64_t tag)
{
    (void)ptr;
    struct qworld *w = s->user;
    XGROW(w->reads, w->reads_cap, w->nreads + 1);
    uint64_t id = w->nreads;
    w->reads[w->nreads++] = (struct qread){.start = s->now, .tag = (int)tag,
                                           .sticky = w->p->sticky ? w->first_acker : -1};
    struct qmsg m = {0, id};
    for (int i = 0; i < w->p->n; i++)
        net_send(s, READER, REPLICA(i), M_READ, &m, sizeof(m));
}

static void next_trial(struct sim *s, void *ptr, uint64_t arg)
{
    (void)ptr;
    (void)arg;
    struct qworld *w = s->user;
    if (w->trials_left-- <= 0)
        return;
    w->writes_left = w->p->writes;
    start_write(s, w);
}

/* A write is confirmed at its W-th ack: the history records it; the next write of the trial starts, or the
 * trial's reads are scheduled t after this confirmation. */
static void confirmed(struct sim *s, struct qworld *w)
{
    XGROW(w->writes, w->writes_cap, w->nwrites + 1);
    w->writes[w->nwrites++] = (struct st_write){s->now, w->version};
    trace_event(s->trace, s->now, WRITER, "confirmed", "\"version\":%llu", (unsigned long long)w->version);
    if (--w->writes_left > 0) {
        start_write(s, w);
        return;
    }
    for (int j = 0; j < w->p->ntimes; j++)
        sim_at(s, s->now + w->p->times[j], start_read, NULL, (uint64_t)j);
    sim_at(s, s->now + w->p->gap, next_trial, NULL, 0);
}

static void start_write(struct sim *s, struct qworld *w)
{
    w->version++;
    w->write_id++;
    w->acks = 0;
    w->acked_mask = 0;
    w->first_acker = -1;
    for (int i = 0; i < w->p->n; i++)
        send_write(s, w, i);
    /* a replica that was down or cut off gets the write again until W have acked */
    sim_timer(s, WRITER, 200 * MS, T_RESEND, w->write_id);
}

static void replica_message(struct sim *s, struct qworld *w, int i, int type, const struct qmsg *m)
{
    if (type == M_WRITE) {
        bool newer = m->version > w->replica_version[i];
        if (w->bug_ack_early) {
            /* acks at once and applies only when the next message reaches this replica */
            if (w->pending_apply[i] > w->replica_version[i])
                w->replica_version[i] = w->pending_apply[i];
            if (m->version > w->pending_apply[i])
                w->pending_apply[i] = m->version;
        } else if (newer || w->bug_lww_arrival) {
            w->replica_version[i] = m->version; /* keep the newest version (the bug: whatever arrived last) */
        }
        net_send(s, REPLICA(i), WRITER, M_ACK, m, sizeof(*m));
    } else if (type == M_READ) {
        struct qmsg r = {w->replica_version[i], m->id};
        if (w->bug_ack_early && w->pending_apply[i] > w->replica_version[i])
            w->replica_version[i] = w->pending_apply[i]; /* applied after the read was answered */
        net_send(s, REPLICA(i), READER, M_VALUE, &r, sizeof(r));
    }
}

static void on_message(struct sim *s, node_id self, const struct sim_msg *sm)
{
    struct qworld *w = s->user;
    struct qmsg m;
    memcpy(&m, sm->data, sizeof(m));
    if (self >= 2) {
        replica_message(s, w, self - 2, sm->type, &m);
    } else if (self == WRITER && sm->type == M_ACK) {
        int i = sm->from - 2;
        if (m.id != w->write_id || (w->acked_mask >> i & 1))
            return;
        w->acked_mask |= 1u << i;
        if (w->first_acker < 0)
            w->first_acker = i;
        if (++w->acks == w->p->w)
            confirmed(s, w);
    } else if (self == READER && sm->type == M_VALUE && m.id < w->nreads) {
        struct qread *rd = &w->reads[m.id];
        if (rd->done)
            return;
        int i = sm->from - 2;
        bool take = !(w->bug_first && rd->responses > 0);
        if (take && m.version > rd->version)
            rd->version = m.version;
        rd->responses++;
        rd->sticky_in |= i == rd->sticky;
        if (rd->responses >= w->p->r && (rd->sticky < 0 || rd->sticky_in)) {
            rd->done = true;
            trace_event(s->trace, s->now, READER, "read", "\"id\":%llu,\"version\":%llu",
                        (unsigned long long)m.id, (unsigned long long)rd->version);
        }
    }
}

static void on_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    struct qworld *w = s->user;
    (void)self;
    if (kind != T_RESEND || arg != w->write_id || w->acks >= w->p->w)
        return;
    for (int i = 0; i < w->p->n; i++)
        if (!(w->acked_mask >> i & 1))
            send_write(s, w, i);
    sim_timer(s, WRITER, 200 * MS, T_RESEND, arg);
}

/* ---- one configuration ---- */

struct qresult {
    uint64_t reads[MAXT], fresh[MAXT], within[MAXT][4]; /* within[j][k]: staleness < k (k = 1..3) */
    uint64_t total_reads, stale_reads, unfinished;
    bool unconfirmed; /* the last write never gathered W acks (writes unavailable) */
    long checker; /* staleness_check's answer */
};

static void simulate(const struct qparams *p, const struct kata_ctx *ctx, struct trace *trace,
                     const struct fault_plan *plan, struct qresult *out)
{
    struct qworld w = {.p = p, .trials_left = p->trials};
    w.bug_ack_early = kata_bug_is(ctx, "ack-before-apply");
    w.bug_first = kata_bug_is(ctx, "first-response");
    w.bug_lww_arrival = kata_bug_is(ctx, "last-arrival-wins");
    static const struct sim_node_ops ops = {.on_message = on_message, .on_timer = on_timer};
    struct sim s;
    sim_init(&s, ctx->seed, p->n + 2, &ops, &w);
    s.trace = trace;
    for (int i = 0; i < p->n; i++) {
        net_set_link(&s, WRITER, REPLICA(i), &p->lat_w, 0, 0);
        net_set_link(&s, REPLICA(i), WRITER, &p->lat_a, 0, 0);
        net_set_link(&s, READER, REPLICA(i), &p->lat_r, 0, 0);
        net_set_link(&s, REPLICA(i), READER, &p->lat_s, 0, 0);
    }
    if (plan)
        fault_schedule(plan, &s);
    sim_at(&s, 0, next_trial, NULL, 0);
    /* Bounded: a write that cannot gather W acks (W replicas unreachable) stalls its trial for good. */
    sim_run_until(&s, (int64_t)p->trials * p->gap * 2 + 60 * NS_PER_S);
    memset(out, 0, sizeof(*out));
    out->unconfirmed = w.acks < p->w && w.write_id > 0;
    struct st_read *rd = xcalloc(w.nreads + 1, sizeof(*rd));
    uint32_t *stale = xcalloc(w.nreads + 1, sizeof(*stale));
    size_t n = 0;
    for (size_t i = 0; i < w.nreads; i++)
        if (w.reads[i].done)
            rd[n++] = (struct st_read){w.reads[i].start, w.reads[i].version};
    out->checker = staleness_check(w.writes, w.nwrites, rd, n, stale);
    for (size_t i = 0, k = 0; i < w.nreads; i++) {
        if (!w.reads[i].done) {
            out->unfinished++;
            continue;
        }
        int j = w.reads[i].tag;
        out->reads[j]++;
        out->fresh[j] += stale[k] == 0;
        for (uint32_t kk = 1; kk <= 3; kk++)
            out->within[j][kk] += stale[k] < kk;
        out->stale_reads += stale[k] > 0;
        out->total_reads++;
        k++;
    }
    free(rd);
    free(stale);
    free(w.writes);
    free(w.reads);
    sim_close(&s);
}

/* ---- parameters ---- */

static bool parse_times(struct kata_ctx *ctx, const char *text, struct qparams *p)
{
    p->ntimes = kata_parse_list(text, NULL, true, 0, 3600 * NS_PER_S, p->times, MAXT);
    if (p->ntimes < 1) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad value '%.80s' for parameter 't': expected 1 to %d durations separated by commas (a bare number "
                 "is ms), e.g. 0,1,5,10ms",
                 text ? text : "", MAXT);
        return false;
    }
    return true;
}

static bool parse_lat(struct kata_ctx *ctx, const char *name, struct dist *d)
{
    char err[256];
    if (dist_parse(d, kata_get_str(ctx, &kata_quorum, name), err, sizeof(err))) {
        snprintf(ctx->error, sizeof(ctx->error), "parameter '%s': %.220s", name, err);
        return false;
    }
    return true;
}

static bool read_params(struct kata_ctx *ctx, struct qparams *p, bool *compare)
{
    const struct kata *k = &kata_quorum;
    long n, w, r, writes, cmp;
    static const char *const sessions[] = {"none", "sticky", NULL};
    memset(p, 0, sizeof(*p));
    if (!kata_get_int(ctx, k, "N", 1, MAXN, &n) || !kata_get_int(ctx, k, "W", 1, MAXN, &w) ||
        !kata_get_int(ctx, k, "R", 1, MAXN, &r) || !kata_get_int(ctx, k, "trials", 1, 1000000, &p->trials) ||
        !kata_get_int(ctx, k, "writes", 1, 10, &writes) || !kata_get_int(ctx, k, "compare", 0, 1, &cmp) ||
        !kata_get_choice(ctx, k, "session", sessions, &p->sticky) || !kata_get_duration(ctx, k, "gap", &p->gap) ||
        !parse_times(ctx, kata_get_str(ctx, k, "t"), p) || !parse_lat(ctx, "lat_w", &p->lat_w) ||
        !parse_lat(ctx, "lat_a", &p->lat_a) || !parse_lat(ctx, "lat_r", &p->lat_r) ||
        !parse_lat(ctx, "lat_s", &p->lat_s))
        return false;
    /* Each trial writes `writes` versions and reads at every t, on N replicas; compare redoes it for every
     * W,R. */
    if (!kata_bound_work(
            ctx, (double)p->trials * (double)(writes + p->ntimes) * (double)n * (cmp ? (double)(n * n) : 1.0),
            1e7, "replica messages (trials x (writes + reads) x N, x N^2 with compare=1)",
            "lower trials, writes, t, N or compare"))
        return false;
    if (w > n || r > n) {
        snprintf(ctx->error, sizeof(ctx->error), "bad quorum W=%ld R=%ld for N=%ld: expected 1 <= W, R <= N", w, r, n);
        return false;
    }
    p->n = (int)n;
    p->w = (int)w;
    p->r = (int)r;
    p->writes = (int)writes;
    *compare = cmp;
    int64_t last = 0;
    for (int j = 0; j < p->ntimes; j++)
        last = p->times[j] > last ? p->times[j] : last;
    if (p->gap <= last) {
        snprintf(ctx->error, sizeof(ctx->error), "bad gap: it must be longer than the largest t");
        return false;
    }
    return true;
}

/* Swarm testing: latencies (exponential, Pareto, mixtures, constant), crashes, pauses and partitions of the
 * replicas come from the seed, with a few hundred trials; N, W, R and the session mode stay the caller's. */
static void draw_params(struct qparams *p, struct fault_plan *plan, uint64_t seed)
{
    struct rng r;
    rng_stream(&r, seed, "shape", 0);
    static const char *const lats[] = {"exp:1ms",      "exp:10ms", "pareto:1ms,1.5", "mix:0.9*exp:1ms+0.1*pareto:20ms,1.2",
                                       "uniform:0,5ms", "2ms",      "lognormal:3ms,1"};
    struct dist *d[] = {&p->lat_w, &p->lat_a, &p->lat_r, &p->lat_s};
    char err[128];
    for (int i = 0; i < 4; i++)
        dist_parse(d[i], lats[rng_below(&r, 7)], err, sizeof(err));
    p->trials = 100;
    struct rng fr;
    rng_stream(&fr, seed, "faults", 0);
    struct fault_plan raw;
    fault_plan_init(&raw);
    fault_random(&raw, &fr, p->n, 0, (int64_t)p->trials * p->gap / 2, (p->n - 1) / 2);
    for (size_t i = 0; i < raw.n; i++) { /* faults name replicas 0..N-1: shift them past the writer and reader */
        struct fault f = raw.steps[i];
        f.node += 2;
        f.node2 += 2;
        if (f.op == FAULT_PARTITION) {
            int8_t g[FAULT_MAX_NODES] = {0};
            for (int k = 0; k < p->n && k + 2 < FAULT_MAX_NODES; k++)
                g[k + 2] = raw.steps[i].group_of[k];
            memcpy(f.group_of, g, sizeof(g));
        }
        fault_add(plan, &f);
    }
    fault_plan_close(&raw);
}

/* ---- report ---- */

static const char *ms_label(char *out, size_t n, int64_t ns)
{
    snprintf(out, n, "%gms", (double)ns / 1e6);
    return out;
}

static void row(struct buf *t, const struct qparams *p, const struct qresult *q, int k)
{
    for (int j = 0; j < p->ntimes; j++) {
        uint64_t good = k == 1 ? q->fresh[j] : q->within[j][k];
        buf_printf(t, " %11.4f", q->reads[j] ? (double)good / (double)q->reads[j] : NAN);
    }
}

static void print_report(struct kata_ctx *ctx, const struct qparams *p, const struct qresult *q)
{
    struct buf *t = &ctx->text;
    char lw[96], la[96], lr[96], ls[96];
    dist_format(&p->lat_w, lw, sizeof(lw));
    dist_format(&p->lat_a, la, sizeof(la));
    dist_format(&p->lat_r, lr, sizeof(lr));
    dist_format(&p->lat_s, ls, sizeof(ls));
    buf_printf(t, "quorum: N=%d W=%d R=%d%s; %ld trials of %d write(s), then a read t after the last was confirmed\n",
               p->n, p->w, p->r, p->sticky ? ", sticky session" : "", p->trials, p->writes);
    buf_printf(t, "WARS latencies: W %s | A %s | R %s | S %s\n\n", lw, la, lr, ls);
    buf_printf(t, "%-28s", "t after the write confirmed");
    for (int j = 0; j < p->ntimes; j++) {
        char d[24];
        buf_printf(t, " %11s", ms_label(d, sizeof(d), p->times[j]));
    }
    buf_printf(t, "\n%-28s", "P(read returns the write)");
    row(t, p, q, 1);
    buf_printf(t, "\n%-28s", "  95% interval (Wilson)");
    for (int j = 0; j < p->ntimes; j++) {
        double lo, hi;
        staleness_wilson(q->fresh[j], q->reads[j], 1.96, &lo, &hi);
        char iv[32];
        snprintf(iv, sizeof(iv), "%.3f-%.3f", lo, hi);
        buf_printf(t, " %11s", p->r + p->w > p->n && q->fresh[j] == q->reads[j] ? "exact" : iv);
    }
    for (int k = 2; k <= 3 && k <= p->writes; k++) {
        char label[40];
        snprintf(label, sizeof(label), "P(one of the last %d)", k);
        buf_printf(t, "\n%-28s", label);
        row(t, p, q, k);
    }
    buf_printf(t, "\n%-28s", "reads");
    for (int j = 0; j < p->ntimes; j++)
        buf_printf(t, " %11llu", (unsigned long long)q->reads[j]);
    double cf = staleness_pbs_closed_form(p->n, p->w, p->r, 1);
    buf_printf(t, "\n\nclosed form (PBS, quorums chosen at random, only the W acking replicas hold the write, i.e. "
                  "t=0 with no propagation):\n  P(fresh) >= 1 - C(N-W,R)/C(N,R) = %.4f", 1 - cf);
    for (int k = 2; k <= 3; k++)
        buf_printf(t, "; P(one of the last %d) >= 1 - (C(N-W,R)/C(N,R))^%d = %.4f", k, k,
                   1 - staleness_pbs_closed_form(p->n, p->w, p->r, k));
    buf_printf(t, "\n\nguarantee: ");
    if (p->r + p->w > p->n)
        buf_printf(t, "R+W=%d > N=%d: every read quorum overlaps every write quorum, so a read that starts after a "
                      "write was confirmed returns it or a newer one (checked on all %llu reads above).\n",
                   p->r + p->w, p->n, (unsigned long long)q->total_reads);
    else if (p->sticky)
        buf_printf(t, "R+W=%d <= N=%d, but the session waits for the replica that acknowledged its last write: "
                      "read-your-writes for this client (not for other clients).\n",
                   p->r + p->w, p->n);
    else
        buf_printf(t, "R+W=%d <= N=%d: a read may miss the confirmed write entirely (no quorum overlap); it returns "
                      "it only with the probability above, rising with t as the write propagates. No read-your-"
                      "writes. Fix: R+W > N (W=%d R=%d, or W=1 R=%d for cheap writes, or W=%d R=1 for cheap reads), "
                      "or session stickiness (session=sticky: read from the replica that acknowledged your write).\n",
                   p->r + p->w, p->n, p->n / 2 + 1, p->n - p->n / 2, p->n, p->n);
}

static void compare_all(struct kata_ctx *ctx, const struct qparams *p)
{
    struct buf *t = &ctx->text;
    buf_printf(t, "\nevery W,R for N=%d (P(read returns the write), %ld trials each):\n  %-3s %-3s %-7s", p->n,
               p->trials < 2000 ? p->trials : 2000L, "W", "R", "R+W>N");
    for (int j = 0; j < p->ntimes; j++) {
        char d[24];
        buf_printf(t, " %11s", ms_label(d, sizeof(d), p->times[j]));
    }
    buf_putc(t, '\n');
    uint64_t strict_reads = 0, strict_stale = 0;
    for (int w = 1; w <= p->n; w++)
        for (int r = 1; r <= p->n; r++) {
            struct qparams q = *p;
            q.w = w;
            q.r = r;
            q.sticky = 0;
            q.trials = p->trials < 2000 ? p->trials : 2000;
            struct qresult res;
            simulate(&q, ctx, NULL, NULL, &res);
            buf_printf(t, "  %-3d %-3d %-7s", w, r, r + w > p->n ? "yes" : "no");
            row(t, &q, &res, 1);
            buf_putc(t, '\n');
            if (r + w > p->n) {
                strict_reads += res.total_reads;
                strict_stale += res.stale_reads;
            }
        }
    kata_check(ctx, "strict-quorums-always-fresh", strict_stale == 0,
               "%llu stale of %llu reads over every W,R with R+W>N", (unsigned long long)strict_stale,
               (unsigned long long)strict_reads);
}

static int quorum_run(struct kata_ctx *ctx)
{
    struct qparams p;
    bool compare;
    if (!read_params(ctx, &p, &compare))
        return -1;
    struct fault_plan plan;
    fault_plan_init(&plan);
    if (ctx->nemesis) {
        char err[256];
        if (fault_parse(&plan, ctx->nemesis, p.n + 2, err, sizeof(err))) {
            snprintf(ctx->error, sizeof(ctx->error), "%s", err);
            fault_plan_close(&plan);
            return -1;
        }
    } else if (ctx->random_faults) {
        draw_params(&p, &plan, ctx->seed);
    }
    struct qresult q;
    simulate(&p, ctx, ctx->trace, &plan, &q);
    kata_check(ctx, "history-well-formed", q.checker >= 0, "confirmed writes are ordered by time and version");
    kata_check(ctx, "read-your-writes", q.stale_reads == 0,
               "%llu of %llu reads started after a write was confirmed returned an older version (N=%d W=%d R=%d%s)",
               (unsigned long long)q.stale_reads, (unsigned long long)q.total_reads, p.n, p.w, p.r,
               p.sticky ? ", sticky" : "");
    for (int j = 0; j < p.ntimes; j++) {
        char name[48], d[24];
        snprintf(name, sizeof(name), "p_fresh_at_%s", ms_label(d, sizeof(d), p.times[j]));
        kata_figure(ctx, name, q.reads[j] ? (double)q.fresh[j] / (double)q.reads[j] : NAN);
    }
    kata_figure(ctx, "stale_reads", (double)q.stale_reads);
    kata_figure(ctx, "write_stalled", q.unconfirmed ? 1 : 0);
    kata_figure(ctx, "reads", (double)q.total_reads);
    if (!ctx->quiet) {
        print_report(ctx, &p, &q);
        if (compare)
            compare_all(ctx, &p);
    }
    fault_plan_close(&plan);
    return 0;
}

static const struct kata_param params[] = {
    {"N", "3", "replicas per key"},
    {"W", "1", "acks required to confirm a write"},
    {"R", "1", "replicas whose answers a read waits for (it asks all N, keeps the newest of the first R)"},
    {"t", "0,1,2,5,10,20,50,100", "read start times after the write is confirmed (a bare number is ms)"},
    {"trials", "10000", "trials; each writes `writes` versions back to back, then reads once at every t"},
    {"writes", "3", "writes per trial (k-staleness needs several)"},
    {"session", "none", "none | sticky (a read also waits for the replica that acknowledged the client's write)"},
    {"compare", "0", "1: also the table over every W,R in 1..N"},
    {"lat_w", "mix:0.38*pareto:1.05ms,1.51+0.62*exp:5.46ms", "W: write request, coordinator to replica"},
    {"lat_a", "mix:0.9122*pareto:0.235ms,10+0.0878*exp:0.6ms", "A: write ack, replica to coordinator"},
    {"lat_r", "mix:0.9122*pareto:0.235ms,10+0.0878*exp:0.6ms", "R: read request, coordinator to replica"},
    {"lat_s", "mix:0.9122*pareto:0.235ms,10+0.0878*exp:0.6ms", "S: read response, replica to coordinator"},
    {"gap", "1s", "time between trials (longer than the largest t)"},
};

static const struct kata_bug bugs[] = {
    {"ack-before-apply", "a replica acks a write before applying it (applies on its next message)"},
    {"first-response", "a read returns the first answer instead of the newest of the R it waited for"},
    {"last-arrival-wins", "a replica keeps whatever version arrived last, even an older one"},
};

const struct kata kata_quorum = {
    .name = "quorum",
    .summary = "N=3 W=1 R=1: probability a read returns a just-confirmed write (PBS, WARS latencies); R+W>N checked",
    .drill = "Distributed capstone: code and config reading, snippet 1, the quorum config (module 003)",
    .time_limit = "14 minutes for the four snippets",
    .repeat_until = "you can state what N/W/R guarantees and your fix gives read-your-writes over 2,000 seeds",
    .what = "A Dynamo-style register: a write goes to all N replicas and is confirmed after W acks; a read asks all N "
            "and returns the newest version among the first R answers. Each trial writes versions back to back, "
            "then reads t after the last one was confirmed, for every t in the list. Latencies follow PBS's WARS "
            "model, each its own distribution (defaults shaped like the paper's LinkedIn disk fit: Pareto + "
            "exponential mixtures). Staleness is judged from the history of confirmed writes and reads.",
    .reading = "The table gives, for each t, the probability that a read returned the confirmed write with its 95% "
               "Wilson interval ('exact' when R+W>N and every read was fresh), and the k-staleness probabilities "
               "(one of the last 2 or 3 versions). Below: PBS's closed form for random partial quorums, the "
               "guarantee in words and the fix. compare=1 adds every W,R in 1..N.",
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .bugs = bugs,
    .nbugs = sizeof(bugs) / sizeof(bugs[0]),
    .run = quorum_run,
};
