/* The heartbeat simulation behind the fdetect katas: a sender with GC-like pauses, a monitor running fixed-timeout
 * and phi-accrual detectors online (timers at the exact crossing time), and the records the checkers read. */
#include "katas/fdetect.h"

#include <math.h>
#include <string.h>

#include "core/mem.h"
#include "core/sim.h"

enum { HB_MSG = 1, TIMER_HB = 1, TIMER_DUE = 2 };

/* One online detector. The window of intervals is a ring; its sums are exact integers (ns, ns^2). */
struct det {
    struct fd_config cfg;
    int64_t *ring;
    int nring, head;
    __int128 sum, sumsq;
    int64_t last, due;
    double y; /* phi's threshold as a distance from the mean, in standard deviations */
    bool have_last, suspected;
    sim_timer_id timer;
};

struct fds_world {
    const struct fds_params *p;
    struct fds_record *rec;
    struct det det[FDS_MAXDET];
    struct rng pauses;
    uint64_t seq;
    struct trace *trace;
};

static void push(struct det *d, int64_t x)
{
    if (d->nring == d->cfg.window) {
        int64_t old = d->ring[d->head];
        d->sum -= old;
        d->sumsq -= (__int128)old * old;
        d->ring[d->head] = x;
        d->head = (d->head + 1) % d->cfg.window;
    } else {
        d->ring[(d->head + d->nring++) % d->cfg.window] = x;
    }
    d->sum += x;
    d->sumsq += (__int128)x * x;
}

/* The time after the last arrival at which the detector suspects: phi(t) >= threshold where phi is from the
 * normal fit of the window (Akka: mean + acceptable pause, sd at least min_std). */
static int64_t after(const struct det *d, enum fds_bug bug)
{
    if (d->cfg.kind == FD_FIXED)
        return d->cfg.timeout_ns;
    long double n = d->nring, mean = (long double)d->sum / n;
    long double var = (long double)d->sumsq / n - mean * mean;
    double sd = var > 0 ? sqrt((double)var) : 0;
    if (bug != FDS_BUG_NO_MIN_STD && sd < (double)d->cfg.min_std_ns)
        sd = (double)d->cfg.min_std_ns;
    double t = (double)mean + (bug == FDS_BUG_NO_PAUSE_OK ? 0 : (double)d->cfg.pause_ok_ns) + d->y * sd;
    return t > 0 ? (int64_t)ceil(t) : 0;
}

static void add_span(struct fds_record *rec, int i, int64_t start, int64_t end)
{
    XGROW(rec->spans[i], rec->spans_cap[i], rec->nspans[i] + 1);
    rec->spans[i][rec->nspans[i]++] = (struct fd_span){start, end};
}

static void on_arrival(struct sim *s, struct fds_world *w)
{
    XGROW(w->rec->arrivals, w->rec->arrivals_cap, w->rec->narrivals + 1);
    w->rec->arrivals[w->rec->narrivals++] = s->now;
    for (int i = 0; i < w->p->ndet; i++) {
        struct det *d = &w->det[i];
        enum fds_bug bug = d->cfg.kind == FD_PHI || w->p->bug == FDS_BUG_CHECK_ON_ARRIVAL ? w->p->bug : FDS_BUG_NONE;
        if (d->suspected) {
            w->rec->spans[i][w->rec->nspans[i] - 1].end = s->now;
            d->suspected = false;
            trace_event(w->trace, s->now, 1, "trust", "\"detector\":%d", i);
        } else if (bug == FDS_BUG_CHECK_ON_ARRIVAL && d->have_last && s->now >= d->due) {
            add_span(w->rec, i, s->now, s->now); /* noticed only now, and cleared by this very heartbeat */
        }
        if (d->have_last) {
            push(d, s->now - d->last);
        } else {
            int64_t fe = d->cfg.first_estimate_ns;
            push(d, fe - fe / 4);
            push(d, fe + fe / 4);
        }
        d->have_last = true;
        d->last = s->now;
        d->due = s->now + after(d, bug);
        sim_cancel(s, d->timer);
        if (bug != FDS_BUG_CHECK_ON_ARRIVAL)
            d->timer = sim_timer(s, 1, d->due - s->now, TIMER_DUE, (uint64_t)i);
    }
}

static void on_message(struct sim *s, node_id self, const struct sim_msg *m)
{
    if (self == 1 && m->type == HB_MSG) {
        struct fds_world *w = s->user;
        trace_event(w->trace, s->now, 1, "heartbeat", "\"seq\":%llu,\"sent\":%lld",
                    (unsigned long long)m->id, (long long)m->sent_at);
        on_arrival(s, w);
    }
}

static void on_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    struct fds_world *w = s->user;
    if (self == 0 && kind == TIMER_HB) {
        net_send(s, 0, 1, HB_MSG, &w->seq, sizeof(w->seq));
        w->seq++;
        sim_timer(s, 0, w->p->interval_ns, TIMER_HB, 0);
    } else if (self == 1 && kind == TIMER_DUE) {
        struct det *d = &w->det[arg];
        d->suspected = true;
        d->timer = 0;
        add_span(w->rec, (int)arg, s->now, -1);
        trace_event(w->trace, s->now, 1, "suspect", "\"detector\":%d,\"since_last_ns\":%lld", (int)arg,
                    (long long)(s->now - d->last));
    }
}

static void on_crash(struct sim *s, node_id self)
{
    struct fds_world *w = s->user;
    if (self == 0) {
        XGROW(w->rec->down, w->rec->down_cap, w->rec->ndown + 1);
        w->rec->down[w->rec->ndown++] = (struct fd_span){s->now, -1};
    } else { /* the monitor itself lost its detectors' state */
        for (int i = 0; i < w->p->ndet; i++) {
            struct det *d = &w->det[i];
            if (d->suspected)
                w->rec->spans[i][w->rec->nspans[i] - 1].end = s->now;
            d->suspected = d->have_last = false;
            d->nring = d->head = 0;
            d->sum = d->sumsq = 0;
        }
    }
}

static void on_restart(struct sim *s, node_id self)
{
    struct fds_world *w = s->user;
    if (self == 0) {
        w->rec->down[w->rec->ndown - 1].end = s->now;
        sim_timer(s, 0, 0, TIMER_HB, 0);
    }
}

static void pause_step(struct sim *s, void *ptr, uint64_t resume)
{
    struct fds_world *w = ptr;
    if (resume) {
        if (s->nodes[0].state == SIM_PAUSED) {
            sim_resume(s, 0);
            w->rec->paused[w->rec->npaused - 1].end = s->now;
        }
        sim_at(s, s->now + (int64_t)rng_exponential(&w->pauses, (double)w->p->pause_every_ns), pause_step, w, 0);
        return;
    }
    if (s->nodes[0].state == SIM_UP) {
        sim_pause(s, 0);
        XGROW(w->rec->paused, w->rec->paused_cap, w->rec->npaused + 1);
        w->rec->paused[w->rec->npaused++] = (struct fd_span){s->now, -1};
    }
    sim_at(s, s->now + dist_sample(&w->p->pause, &w->pauses), pause_step, w, 1);
}

static void crash_step(struct sim *s, void *ptr, uint64_t arg)
{
    (void)ptr;
    (void)arg;
    sim_crash(s, 0);
}

void fds_simulate(const struct fds_params *p, uint64_t seed, struct trace *trace, struct fds_record *rec)
{
    memset(rec, 0, sizeof(*rec));
    struct fds_world w = {.p = p, .rec = rec, .trace = trace};
    for (int i = 0; i < p->ndet; i++) {
        w.det[i].cfg = p->det[i];
        w.det[i].ring = xcalloc((size_t)p->det[i].window, sizeof(int64_t));
        w.det[i].y = p->det[i].kind == FD_PHI ? fdcheck_phi_y(p->det[i].threshold) : 0;
    }
    rng_stream(&w.pauses, seed, "pauses", 0);
    static const struct sim_node_ops ops = {on_message, on_timer, on_crash, on_restart};
    struct sim s;
    sim_init(&s, seed, 2, &ops, &w);
    s.trace = trace;
    net_set_default(&s, &p->latency, p->loss, 0);
    sim_timer(&s, 0, p->interval_ns, TIMER_HB, 0);
    if (p->pause_every_ns > 0)
        sim_at(&s, (int64_t)rng_exponential(&w.pauses, (double)p->pause_every_ns), pause_step, &w, 0);
    if (p->crash_at_ns >= 0)
        sim_at(&s, p->crash_at_ns, crash_step, NULL, 0);
    if (p->plan)
        fault_schedule(p->plan, &s);
    sim_run_until(&s, p->end_ns);
    rec->end_ns = p->end_ns;
    for (size_t i = 0; i < rec->npaused; i++)
        if (rec->paused[i].end < 0)
            rec->paused[i].end = p->end_ns;
    for (int i = 0; i < p->ndet; i++)
        free(w.det[i].ring);
    sim_close(&s);
}

void fds_record_close(struct fds_record *rec)
{
    free(rec->arrivals);
    for (int i = 0; i < FDS_MAXDET; i++)
        free(rec->spans[i]);
    free(rec->down);
    free(rec->paused);
    memset(rec, 0, sizeof(*rec));
}
