/* Kata `swim`: SWIM membership (Das, Gupta, Motivala, DSN 2002) on 100 members (module 004, lane 3: "1 SWIM-style
 * membership walkthrough: draw how a membership update propagates across 100 nodes"). Every protocol period each
 * member pings the next member of its shuffled round-robin list; without an ack within the ping timeout it asks k
 * members to ping the target for it (ping-req); without any ack by the end of the period the target is suspected
 * (or, with suspicion off, declared dead at once). A suspected member that hears of it refutes with a higher
 * incarnation; a suspicion not refuted within the suspicion timeout becomes a death. Updates travel piggybacked on
 * pings and acks, each retransmitted retransmit_mult * ceil(log10(n + 1)) times (infection-style dissemination).
 * The checker (src/check/swimcheck) judges from the members' recorded view changes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/swimcheck.h"
#include "core/sim.h"
#include "core/units.h"
#include "katas/kata.h"
#include "katas/lane.h"
#include "report/svg.h"

extern const struct kata kata_swim;

#define MAXN 1000
#define MAXPB 8     /* updates piggybacked per message */
#define NRELAY 32   /* ping-reqs a member can relay at once */
enum { M_PING = 1, M_ACK, M_PING_REQ };
enum { T_PERIOD = 1, T_PING_TIMEOUT, T_SUSPICION };

struct update {
    int16_t subject;
    uint8_t status;
    uint32_t inc;
};

struct swim_msg {
    uint32_t seq;
    int16_t target; /* ping-req: whom to ping; ack: who answered */
    uint8_t nupd;
    struct update upd[MAXPB];
};

struct pending { /* an update waiting to be piggybacked */
    struct update u;
    int left;
};

struct relay {
    uint32_t my_seq, their_seq;
    int16_t requester;
    bool used;
};

struct member {
    uint8_t *status;  /* view of every member */
    uint32_t *inc;
    uint32_t own_inc;
    int16_t *order;   /* round-robin probe order */
    int next;
    int target;       /* this period's probe target, -1: none */
    uint32_t seq, probe_seq;
    bool acked;
    struct pending *pb;
    size_t npb, pb_cap;
    struct relay relay[NRELAY];
};

struct swim_cfg {
    long n, k, retransmit;
    int64_t period, ping_timeout, suspicion; /* suspicion 0: off */
    struct dist latency;
    double loss;
    int64_t crash_at, duration;
    bool bug_no_piggyback, bug_no_refute, bug_stale_suspect;
};

struct swim_world {
    const struct swim_cfg *c;
    struct member *m;
    int transmits; /* per update */
    struct swim_change *ch;
    size_t nch, ch_cap;
    struct swim_probe *probes;
    size_t nprobes, probes_cap;
    int64_t *crashed_at;
    uint64_t sent;
    struct trace *trace;
};

static void record(struct sim *s, struct swim_world *w, int obs, int subj, int status, uint32_t inc)
{
    XGROW(w->ch, w->ch_cap, w->nch + 1);
    w->ch[w->nch++] = (struct swim_change){s->now, obs, subj, (enum swim_status)status, inc};
    static const char *names[] = {"alive", "suspect", "dead"};
    trace_event(w->trace, s->now, obs, names[status], "\"subject\":%d,\"inc\":%u", subj, inc);
}

static void enqueue(struct swim_world *w, int who, struct update u)
{
    struct member *m = &w->m[who];
    for (size_t i = 0; i < m->npb; i++)
        if (m->pb[i].u.subject == u.subject) { /* a newer word about the same member replaces the old */
            m->pb[i] = (struct pending){u, w->transmits};
            return;
        }
    XGROW(m->pb, m->pb_cap, m->npb + 1);
    m->pb[m->npb++] = (struct pending){u, w->transmits};
}

static void start_suspicion(struct sim *s, struct swim_world *w, int who, int subj, uint32_t inc)
{
    if (w->c->suspicion > 0)
        sim_timer(s, who, w->c->suspicion, T_SUSPICION, (uint64_t)subj << 32 | inc);
}

/* SWIM section 4.2: alive(M, i) overrides suspect(M, j) and alive(M, j) when i > j; suspect(M, i) overrides
 * suspect(M, j) when i > j and alive(M, j) when i >= j; dead overrides everything and is final here. */
static void apply(struct sim *s, struct swim_world *w, int who, struct update u)
{
    struct member *m = &w->m[who];
    int subj = u.subject;
    if (subj == who) {
        if (u.status == SWIM_SUSPECT && !w->c->bug_no_refute && u.inc >= m->own_inc) {
            m->own_inc = u.inc + 1; /* refute: I am alive, with a higher incarnation */
            enqueue(w, who, (struct update){(int16_t)who, SWIM_ALIVE, m->own_inc});
            trace_event(w->trace, s->now, who, "refute", "\"inc\":%u", m->own_inc);
        }
        return;
    }
    uint8_t cur = m->status[subj];
    uint32_t ci = m->inc[subj];
    bool take = false;
    if (cur == SWIM_DEAD)
        take = false;
    else if (u.status == SWIM_DEAD)
        take = true;
    else if (u.status == SWIM_ALIVE)
        take = u.inc > ci;
    else /* suspect; the bug lets a stale suspicion beat a newer alive */
        take = cur == SWIM_SUSPECT ? u.inc > ci : (u.inc >= ci || w->c->bug_stale_suspect);
    if (!take)
        return;
    m->status[subj] = u.status;
    m->inc[subj] = u.status == SWIM_DEAD ? ci : u.inc;
    record(s, w, who, subj, u.status, u.inc);
    enqueue(w, who, u);
    if (u.status == SWIM_SUSPECT)
        start_suspicion(s, w, who, subj, u.inc);
}

static void send(struct sim *s, struct swim_world *w, int from, int to, int type, uint32_t seq, int target)
{
    struct member *m = &w->m[from];
    struct swim_msg msg = {.seq = seq, .target = (int16_t)target};
    /* Lifeguard's buddy system: a message to a member we suspect tells it so first, so it can refute at once. */
    if (!w->c->bug_no_piggyback && m->status[to] == SWIM_SUSPECT)
        msg.upd[msg.nupd++] = (struct update){(int16_t)to, SWIM_SUSPECT, m->inc[to]};
    if (!w->c->bug_no_piggyback) {
        /* the updates with the most transmissions left first (SWIM: prefer fresh gossip) */
        size_t room = (size_t)(MAXPB - msg.nupd), take = m->npb < room ? m->npb : room;
        for (size_t k = 0; k < take; k++) {
            size_t best = k;
            for (size_t i = k + 1; i < m->npb; i++)
                if (m->pb[i].left > m->pb[best].left)
                    best = i;
            struct pending tmp = m->pb[k];
            m->pb[k] = m->pb[best];
            m->pb[best] = tmp;
            msg.upd[msg.nupd++] = m->pb[k].u;
            m->pb[k].left--;
        }
        size_t j = 0;
        for (size_t i = 0; i < m->npb; i++)
            if (m->pb[i].left > 0)
                m->pb[j++] = m->pb[i];
        m->npb = j;
    }
    w->sent++;
    net_send(s, from, to, type, &msg, (uint32_t)(offsetof(struct swim_msg, upd) + msg.nupd * sizeof(struct update)));
}

static int pick_other(struct sim *s, struct swim_world *w, int who, int avoid)
{
    struct member *m = &w->m[who];
    for (int tries = 0; tries < 4 * (int)w->c->n; tries++) {
        int x = (int)rng_below(sim_rng(s, who), (uint64_t)w->c->n);
        if (x != who && x != avoid && m->status[x] != SWIM_DEAD)
            return x;
    }
    return -1;
}

static void shuffle(struct sim *s, struct swim_world *w, int who)
{
    struct member *m = &w->m[who];
    for (int i = (int)w->c->n - 1; i > 0; i--) {
        int j = (int)rng_below(sim_rng(s, who), (uint64_t)i + 1);
        int16_t t = m->order[i];
        m->order[i] = m->order[j];
        m->order[j] = t;
    }
    m->next = 0;
}

static void end_probe(struct sim *s, struct swim_world *w, int who)
{
    struct member *m = &w->m[who];
    if (m->target < 0)
        return;
    XGROW(w->probes, w->probes_cap, w->nprobes + 1);
    w->probes[w->nprobes++] = (struct swim_probe){s->now, who, m->target, !m->acked};
    int t = m->target;
    m->target = -1;
    if (m->acked || m->status[t] != SWIM_ALIVE)
        return;
    struct update u = {(int16_t)t, (uint8_t)(w->c->suspicion > 0 ? SWIM_SUSPECT : SWIM_DEAD), m->inc[t]};
    apply(s, w, who, u);
}

static void period(struct sim *s, struct swim_world *w, int who)
{
    struct member *m = &w->m[who];
    end_probe(s, w, who);
    sim_timer(s, who, w->c->period, T_PERIOD, 0);
    for (int tries = 0; tries < (int)w->c->n; tries++) {
        if (m->next >= (int)w->c->n)
            shuffle(s, w, who);
        int t = m->order[m->next++];
        if (t != who && m->status[t] != SWIM_DEAD) {
            m->target = t;
            m->acked = false;
            m->probe_seq = ++m->seq;
            send(s, w, who, t, M_PING, m->probe_seq, -1);
            sim_timer(s, who, w->c->ping_timeout, T_PING_TIMEOUT, m->probe_seq);
            return;
        }
    }
}

static void on_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    struct swim_world *w = s->user;
    struct member *m = &w->m[self];
    if (kind == T_PERIOD) {
        period(s, w, self);
    } else if (kind == T_PING_TIMEOUT && m->target >= 0 && m->probe_seq == arg && !m->acked) {
        for (int i = 0; i < w->c->k; i++) { /* indirect probes through k members */
            int helper = pick_other(s, w, self, m->target);
            if (helper >= 0)
                send(s, w, self, helper, M_PING_REQ, m->probe_seq, m->target);
        }
    } else if (kind == T_SUSPICION) {
        int subj = (int)(arg >> 32);
        uint32_t inc = (uint32_t)arg;
        if (m->status[subj] == SWIM_SUSPECT && m->inc[subj] == inc)
            apply(s, w, self, (struct update){(int16_t)subj, SWIM_DEAD, inc});
    }
}

static void on_message(struct sim *s, node_id self, const struct sim_msg *raw)
{
    struct swim_world *w = s->user;
    struct member *m = &w->m[self];
    struct swim_msg msg = {0};
    memcpy(&msg, raw->data, raw->len < sizeof(msg) ? raw->len : sizeof(msg));
    for (int i = 0; i < msg.nupd && i < MAXPB; i++)
        apply(s, w, self, msg.upd[i]);
    int from = raw->from;
    if (raw->type == M_PING) {
        send(s, w, self, from, M_ACK, msg.seq, self);
    } else if (raw->type == M_PING_REQ) {
        for (int i = 0; i < NRELAY; i++)
            if (!m->relay[i].used) {
                m->relay[i] = (struct relay){++m->seq, msg.seq, (int16_t)from, true};
                send(s, w, self, msg.target, M_PING, m->seq, -1);
                break;
            }
    } else if (raw->type == M_ACK) {
        if (m->target >= 0 && msg.seq == m->probe_seq && msg.target == m->target) {
            m->acked = true;
            return;
        }
        for (int i = 0; i < NRELAY; i++)
            if (m->relay[i].used && m->relay[i].my_seq == msg.seq) {
                m->relay[i].used = false;
                send(s, w, self, m->relay[i].requester, M_ACK, m->relay[i].their_seq, msg.target);
            }
    }
}

static void on_crash(struct sim *s, node_id self)
{
    struct swim_world *w = s->user;
    w->crashed_at[self] = s->now;
}

static bool read_cfg(struct kata_ctx *ctx, struct swim_cfg *c)
{
    const struct kata *k = &kata_swim;
    memset(c, 0, sizeof(*c));
    const char *susp = kata_get_str(ctx, k, "suspicion");
    if (!kata_get_int(ctx, k, "nodes", 3, MAXN, &c->n) || !kata_get_int(ctx, k, "k", 0, 10, &c->k) ||
        !kata_get_int(ctx, k, "retransmit_mult", 1, 20, &c->retransmit) ||
        !kata_get_duration(ctx, k, "period", &c->period) || !kata_get_duration(ctx, k, "ping_timeout", &c->ping_timeout) ||
        !lane_get_dist(ctx, k, "latency", &c->latency) || !kata_get_double(ctx, k, "loss", 0, 0.5, &c->loss) ||
        !kata_get_duration(ctx, k, "crash_at", &c->crash_at) || !kata_get_duration(ctx, k, "duration", &c->duration))
        return false;
    enum lane_when kind;
    if (!lane_parse_when(susp, false, &kind, NULL, &c->suspicion)) {
        snprintf(ctx->error, sizeof(ctx->error), "bad value '%.60s' for parameter 'suspicion': expected off or a "
                 "duration such as 5s", susp ? susp : "");
        return false;
    }
    if (kind == LANE_OFF)
        c->suspicion = 0;
    if (c->period <= 0 || c->ping_timeout <= 0 || c->ping_timeout >= c->period || c->crash_at >= c->duration ||
        c->duration / c->period > 100000) {
        snprintf(ctx->error, sizeof(ctx->error), "bad timing: need 0 < ping_timeout < period, crash_at < duration, "
                 "and at most 100000 periods");
        return false;
    }
    /* Every member probes once a period (and may ask k others), and every message carries and merges
     * membership updates about the others: measured, the cost grows with nodes^2 x periods x (1 + k). */
    if (!kata_bound_work(ctx,
                         (double)c->n * (double)c->n * (double)(c->duration / c->period) * (double)(1 + c->k),
                         1e8, "membership work (nodes^2 x duration / period x (1 + k))",
                         "lower nodes, duration or k, or raise period"))
        return false;
    c->bug_no_piggyback = kata_bug_is(ctx, "no-piggyback");
    c->bug_no_refute = kata_bug_is(ctx, "no-refute");
    c->bug_stale_suspect = kata_bug_is(ctx, "stale-suspect");
    return true;
}

struct swim_out {
    struct swim_report rep;
    size_t violations;
    double msgs_per_member_s;
    int64_t *know_dead;    /* for the picture: when each member learned the victim was dead, -1: never */
    int64_t *know_suspect; /* ... that it was suspected */
};

/* pauses: (member, at, length) triples, or NULL */
static void simulate(const struct swim_cfg *c, uint64_t seed, struct trace *trace, const int64_t *pauses,
                     int npauses, bool judge_accuracy, struct swim_out *out, bool want_know)
{
    struct swim_world w = {.c = c, .trace = trace};
    int n = (int)c->n;
    w.transmits = (int)c->retransmit * (int)ceil(log10((double)n + 1));
    w.m = xcalloc((size_t)n, sizeof(*w.m));
    w.crashed_at = xmalloc((size_t)n * sizeof(int64_t));
    static const struct sim_node_ops ops = {.on_message = on_message, .on_timer = on_timer, .on_crash = on_crash};
    struct sim s;
    sim_init(&s, seed, n, &ops, &w);
    s.trace = trace;
    net_set_default(&s, &c->latency, c->loss, 0);
    for (int i = 0; i < n; i++) {
        w.crashed_at[i] = -1;
        w.m[i].status = xcalloc((size_t)n, 1);
        w.m[i].inc = xcalloc((size_t)n, sizeof(uint32_t));
        w.m[i].order = xmalloc((size_t)n * sizeof(int16_t));
        for (int j = 0; j < n; j++)
            w.m[i].order[j] = (int16_t)j;
        w.m[i].target = -1;
        shuffle(&s, &w, i);
        sim_timer(&s, i, rng_range(sim_rng(&s, i), 1, c->period), T_PERIOD, 0);
    }
    struct fault_plan plan;
    fault_plan_init(&plan);
    for (int i = 0; i < npauses; i++) {
        struct fault f = {.at = pauses[3 * i + 1], .op = FAULT_PAUSE, .node = (node_id)pauses[3 * i]};
        fault_add(&plan, &f);
        f.at += pauses[3 * i + 2];
        f.op = FAULT_RESUME;
        fault_add(&plan, &f);
    }
    struct fault crash = {.at = c->crash_at, .op = FAULT_CRASH, .node = 0};
    fault_add(&plan, &crash);
    fault_schedule(&plan, &s);
    sim_run_until(&s, c->duration);
    struct swim_truth t = {n, w.crashed_at, judge_accuracy};
    out->violations = swimcheck_judge(&t, w.ch, w.nch, w.probes, w.nprobes, c->duration, &out->rep);
    out->msgs_per_member_s = (double)w.sent / (double)n / ((double)c->duration / 1e9);
    out->know_dead = out->know_suspect = NULL;
    if (want_know) {
        out->know_dead = xmalloc((size_t)n * sizeof(int64_t));
        out->know_suspect = xmalloc((size_t)n * sizeof(int64_t));
        for (int i = 0; i < n; i++)
            out->know_dead[i] = out->know_suspect[i] = -1;
        for (size_t i = 0; i < w.nch; i++) {
            int64_t *k = w.ch[i].status == SWIM_DEAD ? out->know_dead : out->know_suspect;
            if (w.ch[i].subject == 0 && w.ch[i].status != SWIM_ALIVE && k[w.ch[i].observer] < 0)
                k[w.ch[i].observer] = w.ch[i].at;
        }
    }
    for (int i = 0; i < n; i++) {
        free(w.m[i].status);
        free(w.m[i].inc);
        free(w.m[i].order);
        free(w.m[i].pb);
    }
    free(w.m);
    free(w.crashed_at);
    free(w.ch);
    free(w.probes);
    fault_plan_close(&plan);
    sim_close(&s);
}

/* Swarm faults: either loss (false declarations are then counted, not judged), or no loss and a few short pauses
 * that suspicion must absorb (then no member may be declared dead while up). */
static int random_faults(uint64_t seed, struct swim_cfg *c, int64_t *pauses, bool *judge)
{
    struct rng r;
    rng_stream(&r, seed, "faults", 0);
    int np = 0;
    if (rng_chance(&r, 0.5)) {
        c->loss = rng_unit(&r) * 0.1;
        *judge = false;
        return 0;
    }
    /* SWIM's accuracy under suspicion is probabilistic: the refutation must reach every suspecting member
     * before its timer fires. Doubling the timeout makes the promise safe enough to judge over a swarm (at the
     * configured one, about 1 seed in 100 sees a live member declared dead: see docs/katas/swim.md). */
    c->loss = 0;
    c->suspicion *= 2;
    *judge = true;
    np = (int)rng_range(&r, 1, 5);
    int64_t last = c->duration - c->suspicion - 3 * c->period;
    for (int i = 0; i < np; i++) {
        pauses[3 * i] = rng_range(&r, 1, c->n - 1);
        pauses[3 * i + 1] = rng_range(&r, 0, last > 0 ? last : 0);
        /* With suspicion: up to a quarter of the timeout, so a refutation has time to spread; without: well
         * inside the ping timeout, so no probe can fail. */
        pauses[3 * i + 2] = c->suspicion > 0 ? rng_range(&r, c->period, c->period + c->suspicion / 4)
                                             : rng_range(&r, 1, c->ping_timeout / 3);
    }
    return np;
}

static double periods(int64_t ns, const struct swim_cfg *c)
{
    return ns < 0 ? -1 : (double)ns / (double)c->period;
}

struct swim_sweep {
    double loss[3];
    size_t fp[3][2];    /* [loss][suspicion on, off]: members falsely declared dead */
    double fail[3];     /* failed-probe rate of live members (suspicion off) */
    int sizes[3];
    double first_dead[3], spread[3];
};

static void sweep(const struct swim_cfg *base, uint64_t seed, struct swim_sweep *sw)
{
    static const double losses[3] = {0.01, 0.05, 0.1};
    for (int i = 0; i < 3; i++)
        for (int on = 0; on < 2; on++) {
            struct swim_cfg c = *base;
            c.bug_no_piggyback = c.bug_no_refute = c.bug_stale_suspect = false;
            c.loss = sw->loss[i] = losses[i];
            if (on == 1)
                c.suspicion = 0;
            else if (!c.suspicion)
                c.suspicion = 8 * c.period;
            struct swim_out o;
            simulate(&c, seed, NULL, NULL, 0, false, &o, false);
            sw->fp[i][on] = o.rep.false_dead_subjects;
            if (on)
                sw->fail[i] = o.rep.probes_of_live ? (double)o.rep.failed_probes_of_live / (double)o.rep.probes_of_live : 0;
        }
    static const int sizes[3] = {10, 30, 100};
    for (int i = 0; i < 3; i++) {
        struct swim_cfg c = *base;
        c.bug_no_piggyback = c.bug_no_refute = c.bug_stale_suspect = false;
        c.n = sw->sizes[i] = sizes[i];
        struct swim_out o;
        simulate(&c, seed, NULL, NULL, 0, false, &o, false);
        sw->first_dead[i] = periods(o.rep.first_dead, &c);
        sw->spread[i] = o.rep.all_dead >= 0 && o.rep.first_dead >= 0 ? periods(o.rep.all_dead - o.rep.first_dead, &c) : -1;
    }
}

/* Sorted times since the crash at which members learned something (know[i] >= 0), into t; returns how many. */
static int learned(const struct swim_cfg *c, const int64_t *know, int64_t *t)
{
    int m = 0;
    for (int i = 1; i < c->n; i++)
        if (know[i] >= 0)
            t[m++] = know[i] - c->crash_at;
    for (int i = 1; i < m; i++) /* insertion sort: n is small */
        for (int j = i; j > 0 && t[j] < t[j - 1]; j--) {
            int64_t x = t[j];
            t[j] = t[j - 1];
            t[j - 1] = x;
        }
    return m;
}

static void draw(struct buf *b, const struct swim_cfg *c, const int64_t *know_dead, const int64_t *know_suspect)
{
    int w = 760, h = 460, l = 70, r = 30, top = 50, bottom = 70, n = (int)c->n;
    svg_begin(b, w, h, "swim: how the news of member 0 spreads");
    int64_t *t[2] = {xmalloc((size_t)n * sizeof(int64_t)), xmalloc((size_t)n * sizeof(int64_t))};
    int m[2] = {learned(c, know_suspect, t[0]), learned(c, know_dead, t[1])};
    double xmax = 10;
    for (int k = 0; k < 2; k++)
        if (m[k])
            xmax = fmax(xmax, (double)t[k][m[k] - 1] / (double)c->period + 1);
    double pw = w - l - r, ph = h - top - bottom;
#define X(v) (l + (v) / xmax * pw)
#define Y(v) (top + ph - (double)(v) / (double)(n - 1) * ph)
    svg_line(b, l, top + ph, l + pw, top + ph, "black", 1, NULL);
    svg_line(b, l, top, l, top + ph, "black", 1, NULL);
    char lab[96];
    int step = xmax > 40 ? 10 : xmax > 15 ? 5 : 1;
    for (int i = 0; i <= (int)xmax; i += step) {
        snprintf(lab, sizeof(lab), "%d", i);
        svg_text(b, X(i), top + ph + 16, 11, "middle", "#333", lab);
    }
    for (int v = 0; v <= n - 1; v += (n - 1) / 4 ? (n - 1) / 4 : 1) {
        snprintf(lab, sizeof(lab), "%d", v);
        svg_line(b, l, Y(v), l + pw, Y(v), "#eee", 1, NULL);
        svg_text(b, l - 6, Y(v) + 4, 11, "end", "#333", lab);
    }
    static const char *colors[2] = {"#1f77b4", "#d62728"};
    for (int k = 0; k < 2; k++) {
        double px = 0;
        int prev = 0;
        for (int i = 0; i < m[k]; i++) {
            double x = (double)t[k][i] / (double)c->period;
            svg_line(b, X(px), Y(prev), X(x), Y(prev), colors[k], 2, NULL);
            svg_line(b, X(x), Y(prev), X(x), Y(i + 1), colors[k], 2, NULL);
            px = x;
            prev = i + 1;
        }
        free(t[k]);
    }
    svg_text(b, l + pw / 2, h - 40, 12, "middle", "black", "protocol periods since member 0 crashed");
    svg_text(b, l, h - 12, 11, "start", colors[0], "blue: members that have heard member 0 is suspected");
    svg_text(b, l + 380, h - 12, 11, "start", colors[1], "red: members that hold member 0 dead");
    snprintf(lab, sizeof(lab), "members (of %d) that know", n - 1);
    svg_text(b, 14, top - 18, 12, "start", "black", lab);
#undef X
#undef Y
    svg_end(b);
}

static void print_table(struct kata_ctx *ctx, const struct swim_cfg *c, const struct swim_out *o, int np,
                        const struct swim_sweep *sw)
{
    struct buf *t = &ctx->text;
    char a[32], b[32], d[96];
    dist_format(&c->latency, d, sizeof(d));
    buf_printf(t, "swim: %ld members, period %s, ping timeout %s, k=%ld, suspicion %s, each update piggybacked %ld x "
               "ceil(log10(n+1)) times; latency %s, loss %g; member 0 crashes at %.1fs; seed %llu%s%s\n",
               c->n, units_fmt_duration(a, sizeof(a), c->period), units_fmt_duration(b, sizeof(b), c->ping_timeout),
               c->k, c->suspicion ? "on" : "off", c->retransmit, d, c->loss, (double)c->crash_at / 1e9,
               (unsigned long long)ctx->seed, ctx->bug ? ", bug " : "", ctx->bug ? ctx->bug : "");
    if (np)
        buf_printf(t, "%d member(s) paused briefly (see the trace)\n", np);
    if (c->suspicion)
        buf_printf(t, "suspicion timeout %s\n", units_fmt_duration(a, sizeof(a), c->suspicion));
    const struct swim_report *r = &o->rep;
    buf_printf(t, "\nafter the crash (protocol periods): first suspicion %.2f, first declared dead %.2f, every member "
               "knows %.2f\n", periods(r->first_suspect, c), periods(r->first_dead, c), periods(r->all_dead, c));
    buf_printf(t, "dissemination of the death: %.2f periods from the first declaration to the last member (log2 n = "
               "%.2f, ln n = %.2f)\n", r->all_dead >= 0 && r->first_dead >= 0 ? periods(r->all_dead - r->first_dead, c) : -1,
               log2((double)c->n), log((double)c->n));
    buf_printf(t, "false declarations: %zu member(s) declared dead while up; %zu of %zu probes of live members "
               "failed; %.2f messages per member per second\n", r->false_dead_subjects, r->failed_probes_of_live,
               r->probes_of_live, o->msgs_per_member_s);
    if (!sw)
        return;
    buf_printf(t, "\nfalse positives under loss (members declared dead while up, same seed, %ld members, %.0fs):\n",
               c->n, (double)c->duration / 1e9);
    buf_printf(t, "  %-6s %16s %16s %22s %22s\n", "loss", "suspicion on", "suspicion off", "failed probes (off)",
               "predicted per probe");
    for (int i = 0; i < 3; i++) {
        double p = sw->loss[i], pred = (1 - pow(1 - p, 2)) * pow(1 - pow(1 - p, 4), (double)c->k);
        buf_printf(t, "  %-6g %16zu %16zu %21.4f%% %21.4f%%\n", p, sw->fp[i][0], sw->fp[i][1], sw->fail[i] * 100,
                   pred * 100);
    }
    buf_printf(t, "\nspread with the cluster size (loss %g, suspicion %s; periods after the crash):\n", c->loss,
               c->suspicion ? "on" : "off");
    buf_printf(t, "  %-6s %18s %26s %8s\n", "nodes", "first declared", "then all know (periods)", "log2 n");
    for (int i = 0; i < 3; i++)
        buf_printf(t, "  %-6d %18.2f %26.2f %8.2f\n", sw->sizes[i], sw->first_dead[i], sw->spread[i],
                   log2((double)sw->sizes[i]));
}

static int swim_run(struct kata_ctx *ctx)
{
    struct swim_cfg c;
    if (!read_cfg(ctx, &c))
        return -1;
    if (ctx->nemesis) {
        snprintf(ctx->error, sizeof(ctx->error), "swim takes no --nemesis: member 0 crashes at crash_at; --faults "
                 "random adds loss or short pauses");
        return -1;
    }
    int64_t pauses[15];
    int np = 0;
    bool judge = c.loss == 0;
    if (ctx->random_faults)
        np = random_faults(ctx->seed, &c, pauses, &judge);
    struct swim_out o;
    simulate(&c, ctx->seed, ctx->trace, pauses, np, judge, &o, ctx->svg != NULL || !ctx->quiet);
    const struct swim_report *r = &o.rep;
    kata_check(ctx, "completeness", r->incomplete == 0, "%zu (member up, crashed member) pair(s) not dead at the end%s%s",
               r->incomplete, r->incomplete ? "; first: " : "", r->incomplete ? r->first : "");
    if (judge)
        kata_check(ctx, "accuracy", r->false_dead == 0, "no loss%s: %zu declaration(s) of a member that was up%s%s",
                   np ? " and pauses the suspicion timeout covers" : "", r->false_dead, r->false_dead ? "; first: " : "",
                   r->false_dead ? r->first : "");
    if (r->first_suspect >= 0)
        kata_figure(ctx, "first_suspect_periods", periods(r->first_suspect, &c));
    if (r->first_dead >= 0)
        kata_figure(ctx, "first_dead_periods", periods(r->first_dead, &c));
    if (r->all_dead >= 0)
        kata_figure(ctx, "all_know_periods", periods(r->all_dead, &c));
    if (r->all_dead >= 0 && r->first_dead >= 0)
        kata_figure(ctx, "spread_periods", periods(r->all_dead - r->first_dead, &c));
    kata_figure(ctx, "false_dead_members", (double)r->false_dead_subjects);
    kata_figure(ctx, "msgs_per_member_s", o.msgs_per_member_s);
    if (!ctx->quiet) {
        struct swim_sweep sw;
        sweep(&c, ctx->seed, &sw);
        print_table(ctx, &c, &o, np, &sw);
        int64_t *t = xmalloc((size_t)c.n * sizeof(int64_t));
        static const char *what[2] = {"suspicion", "death"};
        for (int k = 0; k < 2; k++) {
            int m = learned(&c, k ? o.know_dead : o.know_suspect, t);
            if (m)
                buf_printf(&ctx->text, "%s%s of member 0 (periods after the crash): first member %.2f, half of the "
                           "%ld others %.2f, all %d that heard it %.2f\n", k ? "" : "\nhow the news spread: ", what[k],
                           (double)t[0] / (double)c.period, c.n - 1,
                           m >= (c.n - 1) / 2 ? (double)t[(c.n - 1) / 2 - 1] / (double)c.period : -1, m,
                           (double)t[m - 1] / (double)c.period);
        }
        free(t);
    }
    if (ctx->svg)
        draw(ctx->svg, &c, o.know_dead, o.know_suspect);
    free(o.know_dead);
    free(o.know_suspect);
    return 0;
}

/* The SWIM numbers by hand: detection, false positives per probe, spread; the false-positive key is checked
 * against the failed-probe rate of a run with suspicion off. */
static int swim_exercise(struct kata_ctx *ctx, bool answers)
{
    struct swim_cfg c;
    if (!read_cfg(ctx, &c))
        return -1;
    static const long sizes[] = {20, 50, 100};
    static const double losses[] = {0.02, 0.05, 0.1, 0.15};
    struct rng r;
    rng_stream(&r, ctx->seed, "exercise", 0);
    c.n = sizes[rng_below(&r, 3)];
    c.loss = losses[rng_below(&r, 4)];
    c.k = rng_range(&r, 1, 4);
    c.suspicion = 0;
    struct buf *t = &ctx->text;
    char a[32];
    buf_printf(t, "Exercise (SWIM, seed %llu)\n\n%ld members, protocol period %s, k = %ld indirect probes, every "
               "message lost with probability %g, no suspicion (a failed probe declares the target dead).\n\n",
               (unsigned long long)ctx->seed, c.n, units_fmt_duration(a, sizeof(a), c.period), c.k, c.loss);
    buf_printf(t, "1. A member crashes. Each period every member probes one other at random: what is the chance that "
                  "nobody probes it in a given period, and the expected number of periods until the first probe?\n"
                  "2. The chance that a probe of a live member fails (direct: ping and ack; each indirect path: "
                  "ping-req, ping, ack, ack).\n"
                  "3. How many live members a minute get declared dead (false positives), and why suspicion fixes "
                  "this.\n");
    if (!answers)
        return 0;
    double q = pow(1 - 1.0 / (double)(c.n - 1), (double)(c.n - 1));
    double p = c.loss, fail = (1 - pow(1 - p, 2)) * pow(1 - pow(1 - p, 4), (double)c.k);
    buf_printf(t, "\nAnswer key\n\n1. (1 - 1/(n-1))^(n-1) = %.4f (about 1/e); expected periods to the first probe "
               "1/(1 - %.4f) = %.3f (SWIM: e/(e-1) = 1.582)\n", q, q, 1 / (1 - q));
    buf_printf(t, "2. (1 - (1-p)^2) * (1 - (1-p)^4)^k = %.3f * %.3f^%ld = %.5f%%\n", 1 - pow(1 - p, 2),
               1 - pow(1 - p, 4), c.k, fail * 100);
    buf_printf(t, "3. %ld probes a period x %.5f%% = %.2f false declarations a period, %.0f a minute; with suspicion "
               "the target gets a suspicion timeout to refute, which a live member almost always does\n",
               c.n, fail * 100, (double)c.n * fail, (double)c.n * fail * 60e9 / (double)c.period);
    c.crash_at = c.duration - 1;
    struct swim_out o;
    simulate(&c, ctx->seed, NULL, NULL, 0, false, &o, false);
    double got = o.rep.probes_of_live ? (double)o.rep.failed_probes_of_live / (double)o.rep.probes_of_live : 0;
    double tol = 4 * sqrt(fail * (1 - fail) / (double)(o.rep.probes_of_live ? o.rep.probes_of_live : 1)) + 0.2 * fail;
    buf_printf(t, "\nsimulated: %zu of %zu probes of live members failed: %.5f%%\n", o.rep.failed_probes_of_live,
               o.rep.probes_of_live, got * 100);
    kata_check(ctx, "failed-probe-rate-matches", fabs(got - fail) <= tol, "predicted %.5f%%, simulated %.5f%% "
               "(allowed +-%.5f%%)", fail * 100, got * 100, tol * 100);
    return 0;
}

static const struct kata_param params[] = {
    {"nodes", "100", "members"},
    {"period", "1s", "protocol period (memberlist's probe interval)"},
    {"ping_timeout", "200ms", "wait for a direct ack before asking k members"},
    {"k", "3", "members asked to ping the target indirectly (ping-req)"},
    {"suspicion", "8s", "suspicion timeout (memberlist: 4 x log10(n) x period), or off"},
    {"retransmit_mult", "4", "each update is piggybacked retransmit_mult x ceil(log10(n+1)) times"},
    {"latency", "normal:5ms,1ms", "one-way latency"},
    {"loss", "0", "probability a message is lost"},
    {"crash_at", "10s", "member 0 crashes then"},
    {"duration", "50s", "simulated time"},
};

static const struct kata_bug bugs[] = {
    {"no-piggyback", "updates are never piggybacked: each member must find the failure itself"},
    {"no-refute", "a suspected member never refutes with a higher incarnation"},
    {"stale-suspect", "a suspicion with an older incarnation overrides a newer alive"},
};

const struct kata kata_swim = {
    .name = "swim",
    .summary = "SWIM membership on 100 members: ping, ping-req, suspicion, piggybacked dissemination",
    .drill = "Lane 3: \"1 SWIM-style membership walkthrough: draw how a membership update propagates across 100 "
             "nodes\" (module 004)",
    .time_limit = "one lane session",
    .repeat_until = "you can say how many periods detection and dissemination take, and what suspicion buys",
    .what = "Each protocol period every member probes another: ping, then ping-req through k members, then a "
            "suspicion (or a death, with suspicion off). Updates ride on pings and acks, infection style. Member "
            "0 crashes; the kata measures the periods until the first suspicion, the first declaration and until "
            "every member knows, the false declarations under loss with and without suspicion, and the messages "
            "per member per second. The checker replays every member's view from the recorded changes.",
    .reading = "The first block is this run: detection and spread in protocol periods, false declarations, message "
               "rate. The loss table runs the same seed at 1%, 5% and 10% loss with suspicion on and off, and "
               "compares the failed-probe rate with (1-(1-p)^2)(1-(1-p)^4)^k. The size table shows the spread for "
               "10, 30 and 100 members against log2 n. --svg draws how many members hold member 0 dead, period "
               "by period. Checks: completeness; accuracy where the run promises it (no loss).",
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .bugs = bugs,
    .nbugs = sizeof(bugs) / sizeof(bugs[0]),
    .run = swim_run,
    .picture = true,
    .exercise = swim_exercise,
    .exercise_what = "n members, loss p, k indirect probes: the periods to the first probe of a crashed member, the "
                     "failure chance of a probe of a live one, false positives a minute; the key is checked in "
                     "simulation",
};
