/* Kata `fdetect`: failure detection (module 004, lane 3): a fixed timeout and a phi accrual detector (Hayashibara
 * et al. 2004, configured as Akka's PhiAccrualFailureDetector: window of arrival intervals, min-std-deviation,
 * acceptable-heartbeat-pause) watch the same heartbeats, side by side, through latency jitter, lost heartbeats and
 * GC-like pauses of the monitored node, then a real crash. The checker replays each detector's rule from the
 * recorded arrivals; false suspicions per hour and detection time come from the records, and a sweep over the
 * threshold and the timeout gives the trade-off curve. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/fdcheck.h"
#include "core/units.h"
#include "katas/fdetect.h"
#include "katas/kata.h"
#include "katas/lane.h"
#include "report/svg.h"

extern const struct kata kata_fdetect;

#define WATCH_NS (5 * 60 * NS_PER_S) /* how long the monitor keeps watching after the crash */
#define TOL_NS 2000

static const double sweep_phi[] = {0.5, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16};
static const double sweep_timeout_s[] = {1.25, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 8, 10};
#define NSWEEP 11

struct fdk_params {
    struct fds_params sim;
    int64_t duration_ns;
};

static bool read_params(struct kata_ctx *ctx, struct fdk_params *p)
{
    const struct kata *k = &kata_fdetect;
    struct fds_params *s = &p->sim;
    long window;
    int64_t timeout, min_std, pause_ok, first;
    double threshold;
    memset(p, 0, sizeof(*p));
    if (!kata_get_duration(ctx, k, "interval", &s->interval_ns) || !lane_get_dist(ctx, k, "latency", &s->latency) ||
        !kata_get_double(ctx, k, "loss", 0, 0.5, &s->loss) ||
        !kata_get_duration(ctx, k, "pause_every", &s->pause_every_ns) || !lane_get_dist(ctx, k, "pause", &s->pause) ||
        !kata_get_duration(ctx, k, "timeout", &timeout) || !kata_get_double(ctx, k, "threshold", 0.5, 30, &threshold) ||
        !kata_get_duration(ctx, k, "min_std", &min_std) || !kata_get_duration(ctx, k, "pause_ok", &pause_ok) ||
        !kata_get_int(ctx, k, "window", 2, 100000, &window) ||
        !kata_get_duration(ctx, k, "first_estimate", &first) || !kata_get_duration(ctx, k, "duration", &p->duration_ns))
        return false;
    if (s->interval_ns < NS_PER_MS || timeout <= 0 || first <= 0 || p->duration_ns < 10 * s->interval_ns ||
        p->duration_ns > 30 * 24 * 3600 * NS_PER_S || p->duration_ns / s->interval_ns > 500000 ||
        (s->pause_every_ns > 0 && s->pause_every_ns < s->interval_ns)) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad timing: need interval >= 1ms, timeout > 0, first_estimate > 0, 10 intervals <= "
                 "duration <= 30 "
                 "days (at most 5e5 heartbeats), and pause_every 0 or >= interval");
        return false;
    }
    s->det[0] = (struct fd_config){.kind = FD_FIXED, .timeout_ns = timeout, .window = (int)window,
                                   .first_estimate_ns = first};
    s->det[1] = (struct fd_config){.kind = FD_PHI, .threshold = threshold, .min_std_ns = min_std,
                                   .pause_ok_ns = pause_ok, .first_estimate_ns = first, .window = (int)window};
    s->ndet = 2;
    s->crash_at_ns = p->duration_ns;
    s->end_ns = p->duration_ns + WATCH_NS;
    s->bug = kata_bug_is(ctx, "check-on-arrival") ? FDS_BUG_CHECK_ON_ARRIVAL
             : kata_bug_is(ctx, "no-min-std")     ? FDS_BUG_NO_MIN_STD
             : kata_bug_is(ctx, "no-pause-ok")    ? FDS_BUG_NO_PAUSE_OK
                                                  : FDS_BUG_NONE;
    return true;
}

/* Swarm faults from the seed: more loss, a different crash time, and sometimes an earlier crash and restart. */
static void random_faults(struct kata_ctx *ctx, struct fdk_params *p, struct fault_plan *plan)
{
    struct rng r;
    rng_stream(&r, ctx->seed, "faults", 0);
    p->sim.loss = rng_unit(&r) * 0.02;
    p->sim.pause_every_ns = (int64_t)((double)p->sim.pause_every_ns * (0.5 + rng_unit(&r)));
    p->sim.crash_at_ns = rng_range(&r, p->duration_ns / 2, p->duration_ns);
    p->sim.end_ns = p->sim.crash_at_ns + WATCH_NS;
    if (rng_chance(&r, 0.5)) {
        int64_t c = rng_range(&r, p->duration_ns / 8, p->duration_ns / 4);
        struct fault f = {.at = c, .op = FAULT_CRASH, .node = 0};
        fault_add(plan, &f);
        f.at = c + rng_range(&r, NS_PER_S, 60 * NS_PER_S);
        f.op = FAULT_RESTART;
        fault_add(plan, &f);
    }
}

static const char *det_name(const struct fd_config *c, char *out, size_t n)
{
    char d[32];
    if (c->kind == FD_FIXED)
        snprintf(out, n, "fixed timeout %s", units_fmt_duration(d, sizeof(d), c->timeout_ns));
    else
        snprintf(out, n, "phi accrual, threshold %g", c->threshold);
    return out;
}

struct sweep_point {
    double x;            /* threshold or timeout (s) */
    double false_per_hour;
    double detection_s;  /* < 0: undetected */
};

/* Three series replayed on the same arrivals: the fixed timeout, phi as configured, and phi with no acceptable
 * pause (where the threshold alone sets the margin). */
#define NSERIES 3
struct sweep {
    struct sweep_point pt[NSERIES][NSWEEP];
};

static void sweep(const struct fds_params *sp, const struct fds_record *rec, struct sweep *out)
{
    for (int k = 0; k < NSERIES; k++)
        for (int i = 0; i < NSWEEP; i++) {
            struct fd_config c = sp->det[k ? 1 : 0];
            struct sweep_point *pt = &out->pt[k][i];
            if (k)
                c.threshold = pt->x = sweep_phi[i];
            else
                c.timeout_ns = (int64_t)((pt->x = sweep_timeout_s[i]) * 1e9);
            if (k == 2)
                c.pause_ok_ns = 0;
            struct fd_span *spans;
            size_t n = fdcheck_expected(&c, rec->arrivals, rec->narrivals, rec->end_ns, &spans);
            struct fd_verdict v;
            fdcheck_score(spans, n, rec->down, rec->ndown, rec->end_ns, &v);
            pt->false_per_hour = v.up_ns > 0 ? (double)v.false_suspicions * 3600e9 / (double)v.up_ns : 0;
            pt->detection_s = v.detection_ns < 0 ? -1 : (double)v.detection_ns / 1e9;
            free(spans);
        }
}

static double longest_gap(const struct fds_record *rec, int64_t until)
{
    int64_t g = 0;
    for (size_t i = 1; i < rec->narrivals && rec->arrivals[i] <= until; i++)
        if (rec->arrivals[i] - rec->arrivals[i - 1] > g)
            g = rec->arrivals[i] - rec->arrivals[i - 1];
    return (double)g;
}

static void print_table(struct kata_ctx *ctx, const struct fdk_params *p, const struct fds_record *rec,
                        const struct fd_verdict *v, const struct sweep *sw)
{
    struct buf *t = &ctx->text;
    char a[96], b[96], c[32], name[64];
    const struct fds_params *s = &p->sim;
    dist_format(&s->latency, a, sizeof(a));
    dist_format(&s->pause, b, sizeof(b));
    buf_printf(t, "fdetect: heartbeats every %s, latency %s, loss %g, a pause (%s) every %s on average, seed %llu%s%s\n",
               units_fmt_duration(c, sizeof(c), s->interval_ns), a, s->loss, b,
               units_fmt_duration(name, sizeof(name), s->pause_every_ns), (unsigned long long)ctx->seed,
               ctx->bug ? ", bug " : "", ctx->bug ? ctx->bug : "");
    buf_printf(t, "phi as Akka configures it: window %d, min_std %s, acceptable pause %s, first estimate %s\n",
               s->det[1].window, units_fmt_duration(a, sizeof(a), s->det[1].min_std_ns),
               units_fmt_duration(b, sizeof(b), s->det[1].pause_ok_ns),
               units_fmt_duration(c, sizeof(c), s->det[1].first_estimate_ns));
    int64_t paused_ns = 0;
    for (size_t i = 0; i < rec->npaused; i++)
        paused_ns += rec->paused[i].end - rec->paused[i].start;
    buf_printf(t, "%zu heartbeats arrived, %zu pauses (%s in all), longest gap between heartbeats %s\n",
               rec->narrivals, rec->npaused, lane_fmt_ns(b, sizeof(b), (double)paused_ns),
               lane_fmt_ns(a, sizeof(a), longest_gap(rec, rec->end_ns)));
    for (size_t i = 0; i < rec->ndown; i++)
        buf_printf(t, "node 0 CRASHES at %.3fs%s\n", (double)rec->down[i].start / 1e9,
                   rec->down[i].end < 0 ? " for good" : "");
    buf_printf(t, "\n%-34s %11s %8s %14s %12s\n", "detector", "suspicions", "false", "false/hour", "detection");
    for (int i = 0; i < s->ndet; i++) {
        buf_printf(t, "%-34s %11zu %8zu %14.3f %12s\n", det_name(&s->det[i], name, sizeof(name)), rec->nspans[i],
                   v[i].false_suspicions, v[i].up_ns ? (double)v[i].false_suspicions * 3600e9 / (double)v[i].up_ns : 0,
                   v[i].detection_ns < 0 ? "never" : lane_fmt_ns(a, sizeof(a), (double)v[i].detection_ns));
    }
    buf_printf(t, "\nfalse suspicions (node up; during a pause it is alive but silent):\n");
    size_t shown = 0;
    for (int i = 0; i < s->ndet; i++)
        for (size_t j = 0; j < rec->nspans[i] && shown < 12; j++) {
            const struct fd_span *sp = &rec->spans[i][j];
            bool down = false, paused = false;
            for (size_t d = 0; d < rec->ndown; d++)
                down |= sp->start >= rec->down[d].start && (rec->down[d].end < 0 || sp->start < rec->down[d].end);
            for (size_t d = 0; d < rec->npaused; d++)
                paused |= sp->start >= rec->paused[d].start && sp->start < rec->paused[d].end;
            if (down)
                continue;
            shown++;
            buf_printf(t, "  %-30s at %10.3fs for %s%s\n", det_name(&s->det[i], name, sizeof(name)),
                       (double)sp->start / 1e9, lane_fmt_ns(a, sizeof(a), (double)(sp->end - sp->start)),
                       paused ? " (node paused)" : " (heartbeat late or lost)");
        }
    if (!shown)
        buf_printf(t, "  none\n");
    char pz[32];
    buf_printf(t, "\nthe trade-off on these very heartbeats (each rule replayed by the checker):\n");
    buf_printf(t, "  %-9s %10s %10s   %-9s %10s %10s   %-9s %10s %10s\n", "timeout", "false/h", "detection",
               "phi", "false/h", "detection", "phi", "false/h", "detection");
    snprintf(pz, sizeof(pz), "pause_ok %s", units_fmt_duration(a, sizeof(a), s->det[1].pause_ok_ns));
    buf_printf(t, "  %-31s   %-31s   %s\n", "", pz, "pause_ok 0");
    for (int i = 0; i < NSWEEP; i++) {
        char tv[16];
        snprintf(tv, sizeof(tv), "%gs", sw->pt[0][i].x);
        buf_printf(t, "  %-9s", tv);
        for (int k = 0; k < NSERIES; k++) {
            const struct sweep_point *q = &sw->pt[k][i];
            if (k)
                buf_printf(t, "   %-9g", q->x);
            buf_printf(t, " %10.3f %9.2fs", q->false_per_hour, q->detection_s);
        }
        buf_putc(t, '\n');
    }
}

static void draw(struct buf *b, const struct sweep *sw, double hours)
{
    int w = 780, h = 500, l = 80, r = 30, top = 50, bottom = 80;
    svg_begin(b, w, h, "fdetect: false suspicions per hour against detection time");
    double xmax = 0, ymax = 0;
    for (int k = 0; k < NSERIES; k++)
        for (int i = 0; i < NSWEEP; i++) {
            xmax = fmax(xmax, sw->pt[k][i].detection_s);
            ymax = fmax(ymax, sw->pt[k][i].false_per_hour);
        }
    xmax = ceil(xmax + 0.5);
    /* Log scale on y from half of one event in the run to twice the max; zero sits on the axis. */
    double ylo = 1.0 / (hours > 0 ? hours : 1) / 2, yhi = fmax(ymax * 2, ylo * 10);
    double pw = w - l - r, ph = h - top - bottom;
#define X(v) (l + (v) / xmax * pw)
#define Y(v) ((v) <= 0 ? top + ph : top + ph - (log10(v) - log10(ylo)) / (log10(yhi) - log10(ylo)) * ph)
    svg_line(b, l, top + ph, l + pw, top + ph, "black", 1, NULL);
    svg_line(b, l, top, l, top + ph, "black", 1, NULL);
    char lab[80];
    for (int i = 0; i <= (int)xmax; i += xmax > 20 ? 5 : 1) {
        snprintf(lab, sizeof(lab), "%ds", i);
        svg_text(b, X(i), top + ph + 16, 11, "middle", "#333", lab);
    }
    for (double y = pow(10, ceil(log10(ylo))); y <= yhi; y *= 10) {
        snprintf(lab, sizeof(lab), "%g", y);
        svg_line(b, l, Y(y), l + pw, Y(y), "#ddd", 1, NULL);
        svg_text(b, l - 6, Y(y) + 4, 11, "end", "#333", lab);
    }
    svg_text(b, l + pw / 2, h - 45, 12, "middle", "black", "detection time after the crash (s)");
    svg_text(b, 14, top - 14, 12, "start", "black", "false suspicions per hour (log; 0 on the axis)");
    static const char *colors[NSERIES] = {"#d62728", "#1f77b4", "#2ca02c"};
    static const char *names[NSERIES] = {"timeout %gs: %.3f/h, %.2fs", "phi %g: %.3f/h, %.2fs",
                                         "phi %g, no acceptable pause: %.3f/h, %.2fs"};
    for (int k = 0; k < NSERIES; k++) {
        double lx = -1e9, ly = -1e9;
        for (int i = 0; i < NSWEEP; i++) {
            const struct sweep_point *pt = &sw->pt[k][i];
            if (pt->detection_s < 0)
                continue;
            double x = X(pt->detection_s), y = Y(pt->false_per_hour);
            if (i + 1 < NSWEEP && sw->pt[k][i + 1].detection_s >= 0)
                svg_line(b, x, y, X(sw->pt[k][i + 1].detection_s), Y(sw->pt[k][i + 1].false_per_hour), colors[k],
                         1.5, NULL);
            snprintf(lab, sizeof(lab), names[k], pt->x, pt->false_per_hour, pt->detection_s);
            svg_circle(b, x, y, 4, colors[k], lab);
            if (fabs(x - lx) + fabs(y - ly) < 28)
                continue; /* crowded: the tooltip still says it */
            snprintf(lab, sizeof(lab), k ? "%g" : "%gs", pt->x);
            svg_text(b, x + 5, y - 6 - 10 * (k == 1), 9, "start", colors[k], lab);
            lx = x;
            ly = y;
        }
    }
#undef X
#undef Y
    svg_text(b, l, h - 24, 11, "start", "#d62728", "red: fixed timeout (label: timeout)");
    svg_text(b, l + 330, h - 24, 11, "start", "#1f77b4", "blue: phi as configured (label: threshold)");
    svg_text(b, l + 330, h - 8, 11, "start", "#2ca02c", "green: phi with no acceptable pause");
    svg_end(b);
}

static int fdetect_run(struct kata_ctx *ctx)
{
    struct fdk_params p;
    struct fault_plan plan;
    if (!read_params(ctx, &p) ||
        !lane_nemesis(ctx, 2, 0, "node 0, the monitored one (node 1 is the monitor; faults there would make its "
                     "own timers late)", &plan))
        return -1;
    if (ctx->nemesis) {
        p.sim.crash_at_ns = -1; /* the nemesis decides what happens */
    } else if (ctx->random_faults) {
        random_faults(ctx, &p, &plan);
    }
    p.sim.plan = &plan;
    struct fds_record rec;
    fds_simulate(&p.sim, ctx->seed, ctx->trace, &rec);
    struct fd_verdict v[FDS_MAXDET];
    static const char *rule[] = {"fixed-timeout-rule", "phi-accrual-rule"};
    static const char *complete[] = {"fixed-completeness", "phi-completeness"};
    static const char *fig_false[] = {"fixed_false_per_hour", "phi_false_per_hour"};
    static const char *fig_det[] = {"fixed_detection_ms", "phi_detection_ms"};
    for (int i = 0; i < p.sim.ndet; i++) {
        fdcheck_judge(&p.sim.det[i], rec.arrivals, rec.narrivals, rec.spans[i], rec.nspans[i], rec.down, rec.ndown,
                      rec.end_ns, TOL_NS, &v[i]);
        kata_check(ctx, rule[i], v[i].wrong == 0, "%zu suspicions recorded, %zu by the rule replayed from %zu "
                   "arrivals, %zu differ%s%s", v[i].recorded, v[i].expected, rec.narrivals, v[i].wrong,
                   v[i].wrong ? "; first: " : "", v[i].first_wrong);
        kata_check(ctx, complete[i], v[i].undetected == 0, "%zu crash(es), %zu not suspected for good", v[i].crashes,
                   v[i].undetected);
        kata_figure(ctx, fig_false[i], v[i].up_ns ? (double)v[i].false_suspicions * 3600e9 / (double)v[i].up_ns : 0);
        if (v[i].detection_ns >= 0)
            kata_figure(ctx, fig_det[i], (double)v[i].detection_ns / 1e6);
    }
    kata_figure(ctx, "pauses", (double)rec.npaused);
    kata_figure(ctx, "longest_gap_ms", longest_gap(&rec, rec.end_ns) / 1e6);
    if (!ctx->quiet || ctx->svg) {
        struct sweep sw;
        sweep(&p.sim, &rec, &sw);
        if (!ctx->quiet)
            print_table(ctx, &p, &rec, v, &sw);
        if (ctx->svg)
            draw(ctx->svg, &sw, (double)v[1].up_ns / 3600e9);
    }
    fds_record_close(&rec);
    fault_plan_close(&plan);
    return 0;
}

/* A pencil-and-paper phi exercise: a window of intervals, a configuration, and the questions a tuning session
 * asks. The key is verified by replaying the same arrivals through the checker's rule. */
static int fdetect_exercise(struct kata_ctx *ctx, bool answers)
{
    static const int64_t intervals_ms[] = {500, 1000, 2000};
    static const double jitter_ms[] = {5, 20, 80, 300};
    static const int64_t min_std_ms[] = {50, 100, 200};
    static const int64_t pause_ok_ms[] = {0, 500, 1000, 3000};
    static const double thresholds[] = {1, 2, 3, 5, 8};
    struct rng r;
    rng_stream(&r, ctx->seed, "exercise", 0);
    int64_t iv = intervals_ms[rng_below(&r, 3)];
    double jit = jitter_ms[rng_below(&r, 4)];
    struct fd_config c = {.kind = FD_PHI, .threshold = thresholds[rng_below(&r, 5)],
                          .min_std_ns = min_std_ms[rng_below(&r, 3)] * NS_PER_MS,
                          .pause_ok_ns = pause_ok_ms[rng_below(&r, 4)] * NS_PER_MS, .window = 6,
                          .first_estimate_ns = iv * NS_PER_MS};
    struct fd_config fixed = {.kind = FD_FIXED, .timeout_ns = iv * (2 + (int64_t)rng_below(&r, 4)) * NS_PER_MS,
                              .window = 6, .first_estimate_ns = iv * NS_PER_MS};
    int64_t ms[6], arrivals[7] = {0};
    int gc = rng_chance(&r, 0.5) ? (int)rng_below(&r, 6) : -1;
    double sum = 0, sumsq = 0;
    for (int i = 0; i < 6; i++) {
        ms[i] = iv + (int64_t)llround(rng_normal(&r, 0, jit));
        if (i == gc)
            ms[i] += rng_range(&r, 1000, 3000);
        if (ms[i] < 1)
            ms[i] = 1;
        arrivals[i + 1] = arrivals[i] + ms[i] * NS_PER_MS;
        sum += (double)ms[i];
        sumsq += (double)ms[i] * (double)ms[i];
    }
    double mean = sum / 6, sd = sqrt(fmax(sumsq / 6 - mean * mean, 0));
    double sd_used = fmax(sd, (double)c.min_std_ns / 1e6), mean_used = mean + (double)c.pause_ok_ns / 1e6;
    double e1 = round((mean_used + rng_unit(&r) * 4 * sd_used) / 10) * 10;
    double phi1 = fdcheck_phi(e1, mean_used, sd_used), y = fdcheck_phi_y(c.threshold);
    double when = mean_used + y * sd_used;
    struct buf *t = &ctx->text;
    char a[32], b[32], c2[32];
    buf_printf(t, "Exercise (phi accrual tuning, seed %llu)\n\n", (unsigned long long)ctx->seed);
    buf_printf(t, "A monitor receives heartbeats every %lldms. Its window holds the last 6 intervals between arrivals "
               "(ms):\n  ", (long long)iv);
    for (int i = 0; i < 6; i++)
        buf_printf(t, "%s%lld", i ? ", " : "", (long long)ms[i]);
    buf_printf(t, "\nPhi accrual as Akka configures it: threshold %g, min-std-deviation %s, acceptable-heartbeat-pause "
               "%s.\nA fixed-timeout detector beside it suspects %s after the last heartbeat.\n\n",
               c.threshold, units_fmt_duration(a, sizeof(a), c.min_std_ns),
               units_fmt_duration(b, sizeof(b), c.pause_ok_ns), units_fmt_duration(c2, sizeof(c2), fixed.timeout_ns));
    buf_printf(t, "1. The mean and (population) standard deviation of the window.\n"
               "2. The mean and standard deviation phi uses (acceptable pause added; sd at least the minimum).\n"
               "3. phi %gms after the last heartbeat. Is the node suspected then?\n"
               "4. How long after the last heartbeat does phi reach the threshold?\n"
               "5. The node crashes right after its last heartbeat: which detector suspects first, and how much "
               "earlier?\n\n", e1);
    buf_printf(t, "Hints: phi(t) = -log10(1 - F(t)), F the normal CDF; 1 - F = 0.5 erfc(y / sqrt 2) with y = (t - mean) "
               "/ sd;\n       phi = %g is reached at y = %.4f.\n", c.threshold, y);
    if (!answers)
        return 0;
    buf_printf(t, "\nAnswer key\n\n");
    buf_printf(t, "1. mean %.1fms, sd %.1fms\n", mean, sd);
    buf_printf(t, "2. mean %.1fms + %lldms = %.1fms; sd max(%.1f, %lld) = %.1fms%s\n", mean,
               (long long)(c.pause_ok_ns / NS_PER_MS), mean_used, sd, (long long)(c.min_std_ns / NS_PER_MS), sd_used,
               sd < (double)c.min_std_ns / 1e6 ? " (the minimum rules: the jitter is smaller)" : "");
    buf_printf(t, "3. y = (%g - %.1f) / %.1f = %.3f, phi = %.3f: %s\n", e1, mean_used, sd_used,
               (e1 - mean_used) / sd_used, phi1, phi1 >= c.threshold ? "suspected" : "not suspected");
    buf_printf(t, "4. %.1f + %.4f * %.1f = %.1fms after the last heartbeat\n", mean_used, y, sd_used, when);
    double tf = (double)fixed.timeout_ns / 1e6;
    buf_printf(t, "5. %s first, %.1fms earlier (phi at %.1fms, timeout at %.0fms)\n",
               when < tf ? "phi accrual" : when > tf ? "the fixed timeout" : "both together", fabs(when - tf), when, tf);
    /* The key against the checker's own replay of both rules over these arrivals. */
    struct fd_span *sp;
    int64_t end = arrivals[6] + 3600 * NS_PER_S;
    size_t n = fdcheck_expected(&c, arrivals, 7, end, &sp);
    double got = n && sp[n - 1].end < 0 ? (double)(sp[n - 1].start - arrivals[6]) / 1e6 : -1;
    kata_check(ctx, "phi-answer-replayed", fabs(got - when) < 0.01, "the rule replayed on these arrivals first "
               "suspects %.3fms after the last heartbeat; the key says %.3fms", got, when);
    free(sp);
    n = fdcheck_expected(&fixed, arrivals, 7, end, &sp);
    got = n && sp[n - 1].end < 0 ? (double)(sp[n - 1].start - arrivals[6]) / 1e6 : -1;
    kata_check(ctx, "timeout-answer-replayed", fabs(got - tf) < 0.01, "replayed: %.3fms; key: %.3fms", got, tf);
    free(sp);
    return 0;
}

static const struct kata_param params[] = {
    {"interval", "1s", "heartbeat interval (Akka heartbeat-interval)"},
    {"latency", "mix:0.99*normal:20ms,5ms+0.01*exp:200ms", "heartbeat latency distribution (see src/core/dist.h)"},
    {"loss", "0.001", "probability a heartbeat is lost"},
    {"pause_every", "1m", "mean time between GC-like pauses of the monitored node (exponential; 0: none)"},
    {"pause", "lognormal:200ms,1.2", "pause duration distribution (median 200ms, a heavy tail)"},
    {"timeout", "4s", "the fixed-timeout detector's timeout"},
    {"threshold", "8", "phi threshold (Akka cluster default 8)"},
    {"min_std", "100ms", "phi min-std-deviation (Akka default 100ms)"},
    {"pause_ok", "3s", "phi acceptable-heartbeat-pause (Akka cluster default 3s)"},
    {"window", "1000", "phi max-sample-size (Akka default 1000)"},
    {"first_estimate", "1s", "phi expected first heartbeat interval (Akka default 1s)"},
    {"duration", "1h", "monitoring time before the real crash (false suspicions are counted over it)"},
};

static const struct kata_bug bugs[] = {
    {"check-on-arrival", "detectors evaluate only when a heartbeat arrives: a silent crash is never suspected"},
    {"no-min-std", "phi ignores min-std-deviation: a steady stream makes it trigger-happy"},
    {"no-pause-ok", "phi leaves the acceptable pause out of the mean"},
};

const struct kata kata_fdetect = {
    .name = "fdetect",
    .summary = "fixed timeout vs phi accrual: false suspicions per hour, detection time, the threshold trade-off",
    .drill = "Lane 3 (failure detection and membership): compare fixed timeout and phi accrual (module 004)",
    .time_limit = "one lane session",
    .repeat_until = "you can pick a threshold from the curve and say what it costs in detection time",
    .what = "Node 0 sends heartbeats through a jittery network and stops for GC-like pauses; node 1 runs a fixed "
            "timeout and a phi accrual detector (Akka's configuration: window, min std, acceptable pause) on the same "
            "heartbeats. After `duration` node 0 really crashes. False suspicions per hour are counted while the node "
            "is alive, detection time after the crash; the checker replays both rules from the recorded arrivals "
            "and a sweep over the threshold and the timeout gives the trade-off curve.",
    .reading = "The header gives the workload, then one row per detector: suspicions, false ones, false per hour, "
               "detection time. The false suspicions are listed with their cause (a pause, or a late or lost "
               "heartbeat). The sweep table replays each threshold and timeout on the same heartbeats; --svg draws it "
               "as false suspicions per hour (log) against detection time: lower-left is better. Checks: each rule "
               "replayed from the arrivals must match what the monitor did (to 2us), and a crash must be suspected "
               "for good.",
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .bugs = bugs,
    .nbugs = sizeof(bugs) / sizeof(bugs[0]),
    .run = fdetect_run,
    .picture = true,
    .exercise = fdetect_exercise,
    .exercise_what = "a window of heartbeat intervals and an Akka phi configuration: compute mean, sd, phi at a "
                     "given moment, when it suspects, and how it compares with a fixed timeout",
};
