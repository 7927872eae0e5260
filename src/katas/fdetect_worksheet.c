/* Kata `fdetect-worksheet`: the heartbeat-tuning worksheet of module 004, lane 3 ("given a workload, compute
 * heartbeat interval, timeout or phi threshold, and expected false positives"). From a workload (interval,
 * latency mean and deviation, loss, pause rate and mean duration) and a tolerated false-positive rate it computes
 * the timeout, the expected false positives and detection time, and the phi threshold that suspects at the same
 * moment; then it verifies the numbers on the heartbeat simulation: the false-positive model against counts
 * replayed from the recorded arrivals at several timeouts, the budget at the chosen timeout, the detection time of
 * a real crash. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/fdcheck.h"
#include "core/units.h"
#include "katas/fdetect.h"
#include "katas/fdetect_worksheet.h"
#include "katas/kata.h"
#include "katas/lane.h"

extern const struct kata kata_fdetect_worksheet;

#define WATCH_NS (5 * 60 * NS_PER_S)
#define NLADDER 4
static const double ladder_counts[NLADDER] = {1000, 300, 100, 30};

/* The workload, in seconds. Pauses: exponential durations of mean `pause_mean`, starting on average
 * `pause_every` after the previous one ended. */
struct workload {
    double interval, lat_mean, lat_sd, loss, pause_every, pause_mean, fp_per_day, min_std, pause_ok;
    double hours; /* verification run */
};

struct model_bugs {
    bool no_pauses, jitter_single, no_loss;
};

static double q_tail(double z)
{
    return 0.5 * erfc(z / sqrt(2.0));
}

/* Expected false suspicions per hour of a fixed timeout t >= interval, by cause. A gap between two arrivals is
 * I + (L2 - L1) without incident, normal with sd lat_sd * sqrt 2; k lost heartbeats make it (k+1) I; a pause
 * starting u after a send (u uniform in [0, I)) and lasting D > I - u defers the next heartbeat to its end, so
 * the gap is u + D, above t with probability (m/I) e^{-t/m} (e^{I/m} - 1) for D exponential of mean m. */
struct fp_terms {
    double jitter, loss, pauses, total;
};

static struct fp_terms fp_model(const struct workload *w, const struct model_bugs *b, double t)
{
    struct fp_terms f = {0};
    double i = w->interval, gap_sd = w->lat_sd * (b->jitter_single ? 1 : sqrt(2.0));
    double per_hour = 3600 / i;
    f.jitter = gap_sd > 0 ? per_hour * q_tail((t - i) / gap_sd) : (t < i ? per_hour : 0);
    if (!b->no_loss)
        for (int k = 1; k <= 3; k++)
            f.loss += per_hour * pow(w->loss, k) *
                      (gap_sd > 0 ? q_tail((t - (k + 1) * i) / gap_sd) : (t < (k + 1) * i ? 1 : 0));
    if (!b->no_pauses && w->pause_every > 0 && w->pause_mean > 0) {
        double m = w->pause_mean, rate = 3600 / (w->pause_every + m);
        double p = t >= i ? m / i * exp(-t / m) * expm1(i / m) : 1;
        f.pauses = rate * fmin(p, 1);
    }
    f.total = f.jitter + f.loss + f.pauses;
    return f;
}

/* The smallest timeout whose expected false suspicions per hour are at most rate (bisection: decreasing in t). */
static double solve_timeout(const struct workload *w, const struct model_bugs *b, double rate)
{
    double lo = w->interval, hi = w->interval + 7 * 24 * 3600.0;
    if (fp_model(w, b, lo).total <= rate)
        return lo;
    for (int k = 0; k < 200 && hi - lo > 1e-7; k++) {
        double mid = (lo + hi) / 2;
        if (fp_model(w, b, mid).total <= rate)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

/* The window phi would learn: the mean and sd of the interval between arrivals under the same workload. A pause
 * hits an interval with probability I / (pause_every + m); given a hit, the interval is I + m h on average with
 * h = (m/I)(1 - e^{-I/m}), and its second moment I^2 + h (2 I m + 2 m^2). A loss makes one interval of 2I. */
static void window_model(const struct workload *w, const struct model_bugs *b, double *mean, double *sd)
{
    double i = w->interval, m = w->pause_mean;
    double hit = (!b->no_pauses && w->pause_every > 0 && m > 0) ? fmin(i / (w->pause_every + m), 1) : 0;
    double h = m > 0 ? m / i * -expm1(-i / m) : 0;
    double loss = b->no_loss ? 0 : w->loss;
    double gap_var = 2 * w->lat_sd * w->lat_sd;
    *mean = i + hit * m * h + loss * i;
    double second = i * i + gap_var + hit * h * (2 * i * m + 2 * m * m) + loss * 3 * i * i;
    double var = second - *mean * *mean;
    *sd = var > 0 ? sqrt(var) : 0;
}

struct sheet {
    double timeout, fp_hour, det_mean, det_lo, det_hi;
    struct fp_terms terms;
    double w_mean, w_sd, sd_used, theta; /* theta NAN: no threshold can suspect that early */
    double ladder_t[NLADDER];
};

static void compute(const struct workload *w, const struct model_bugs *b, struct sheet *s)
{
    s->timeout = solve_timeout(w, b, w->fp_per_day / 24);
    s->terms = fp_model(w, b, s->timeout);
    s->fp_hour = s->terms.total;
    s->det_mean = s->timeout + w->lat_mean - w->interval / 2;
    s->det_lo = s->timeout + w->lat_mean - w->interval;
    s->det_hi = s->timeout + w->lat_mean;
    window_model(w, b, &s->w_mean, &s->w_sd);
    s->sd_used = fmax(s->w_sd, w->min_std);
    double margin = s->timeout - s->w_mean - w->pause_ok;
    s->theta = margin > 0 ? fdcheck_phi(s->timeout, s->w_mean + w->pause_ok, s->sd_used) : NAN;
    if (s->theta > 300)
        s->theta = 300; /* beyond what a double's tail can say */
}

static bool read_workload(struct kata_ctx *ctx, struct workload *w)
{
    const struct kata *k = &kata_fdetect_worksheet;
    int64_t iv, lm, ls, pe, pm, ms, po, hours;
    if (!kata_get_duration(ctx, k, "interval", &iv) || !kata_get_duration(ctx, k, "latency_mean", &lm) ||
        !kata_get_duration(ctx, k, "latency_sd", &ls) || !kata_get_double(ctx, k, "loss", 0, 0.2, &w->loss) ||
        !kata_get_duration(ctx, k, "pause_every", &pe) || !kata_get_duration(ctx, k, "pause_mean", &pm) ||
        !kata_get_double(ctx, k, "fp_per_day", 1e-3, 1e4, &w->fp_per_day) ||
        !kata_get_duration(ctx, k, "min_std", &ms) || !kata_get_duration(ctx, k, "pause_ok", &po) ||
        !kata_get_duration(ctx, k, "verify", &hours))
        return false;
    w->interval = (double)iv / 1e9;
    w->lat_mean = (double)lm / 1e9;
    w->lat_sd = (double)ls / 1e9;
    w->pause_every = (double)pe / 1e9;
    w->pause_mean = (double)pm / 1e9;
    w->min_std = (double)ms / 1e9;
    w->pause_ok = (double)po / 1e9;
    w->hours = (double)hours / 3600e9;
    if (iv < 10 * NS_PER_MS || iv > 60 * NS_PER_S || (pe > 0 && pe < iv) || w->hours < 0.5 ||
        w->hours > 24 * 14 || w->hours * 3600 / w->interval > 1e6) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad workload: need 10ms <= interval <= 60s, pause_every 0 or >= interval, 30m <= verify <= "
                 "14 days "
                 "and at most 1e6 heartbeats to verify");
        return false;
    }
    return true;
}

/* A workload drawn from the seed: what the exercise gives, and what a swarm verifies. */
static void draw_workload(uint64_t seed, struct workload *w)
{
    static const double intervals[] = {0.5, 1, 2}, sds[] = {0.002, 0.005, 0.02}, every[] = {30, 60, 300},
                        pmean[] = {0.1, 0.3, 1}, loss[] = {0, 0.001, 0.01}, budget[] = {0.5, 1, 10, 100};
    struct rng r;
    rng_stream(&r, seed, "workload", 0);
    w->interval = intervals[rng_below(&r, 3)];
    w->lat_sd = sds[rng_below(&r, 3)];
    w->lat_mean = w->lat_sd * (double)rng_range(&r, 4, 10); /* far from 0: the normal is not clipped */
    w->pause_every = every[rng_below(&r, 3)];
    w->pause_mean = pmean[rng_below(&r, 3)];
    w->loss = loss[rng_below(&r, 3)];
    w->fp_per_day = budget[rng_below(&r, 4)];
}

static void workload_line(struct buf *t, const struct workload *w)
{
    buf_printf(t, "heartbeat every %gms; latency mean %gms, sd %gms; loss %g; pauses: exponential, mean %gms, on "
               "average %gs apart; tolerated: %g false suspicions a day\n",
               w->interval * 1e3, w->lat_mean * 1e3, w->lat_sd * 1e3, w->loss, w->pause_mean * 1e3, w->pause_every,
               w->fp_per_day);
}

static void print_sheet(struct buf *t, const struct workload *w, const struct sheet *s)
{
    buf_printf(t, "1. timeout: the smallest T whose expected false suspicions per hour are at most %g/24 = %.5g:\n",
               w->fp_per_day, w->fp_per_day / 24);
    buf_printf(t, "   T = %.3fs  (jitter %.3g/h + loss %.3g/h + pauses %.3g/h = %.4g/h, %.3g a day)\n", s->timeout,
               s->terms.jitter, s->terms.loss, s->terms.pauses, s->fp_hour, s->fp_hour * 24);
    buf_printf(t, "2. detection time of a crash: T + latency - time since the last send: mean %.3fs, from %.3fs to "
               "%.3fs\n", s->det_mean, s->det_lo, s->det_hi);
    buf_printf(t, "3. phi: the window learns mean %.1fms, sd %.1fms; sd used max(sd, %gms) = %.1fms; acceptable "
               "pause %gms\n", s->w_mean * 1e3, s->w_sd * 1e3, w->min_std * 1e3, s->sd_used * 1e3, w->pause_ok * 1e3);
    if (isnan(s->theta))
        buf_printf(t, "   no threshold suspects at T: the mean plus the acceptable pause (%.3fs) is already past it\n",
                   s->w_mean + w->pause_ok);
    else
        buf_printf(t, "   threshold = phi(T) = %.2f%s (y = %.2f sd past the mean)\n", s->theta,
                   s->theta >= 300 ? ", capped: a normal fit of this window cannot put T in a sane tail" : "",
                   (s->timeout - s->w_mean - w->pause_ok) / s->sd_used);
}

static int64_t ns(double s)
{
    return (int64_t)llround(s * 1e9);
}

/* Counts false suspicions a fixed timeout would have raised on the recorded arrivals. */
static size_t replay_false(const struct fds_record *rec, double timeout, double *up_hours)
{
    struct fd_config c = {.kind = FD_FIXED, .timeout_ns = ns(timeout), .window = 2, .first_estimate_ns = 1};
    struct fd_span *sp;
    size_t n = fdcheck_expected(&c, rec->arrivals, rec->narrivals, rec->end_ns, &sp);
    struct fd_verdict v;
    fdcheck_score(sp, n, rec->down, rec->ndown, rec->end_ns, &v);
    free(sp);
    *up_hours = (double)v.up_ns / 3600e9;
    return v.false_suspicions;
}

static void verify(struct kata_ctx *ctx, const struct workload *w, const struct model_bugs *b,
                   const struct sheet *s)
{
    struct fds_params p = {0};
    p.interval_ns = ns(w->interval);
    char spec[96];
    snprintf(spec, sizeof(spec), "normal:%lldus,%lldus", (long long)(w->lat_mean * 1e6),
             (long long)(w->lat_sd * 1e6));
    dist_parse(&p.latency, spec, NULL, 0);
    p.loss = w->loss;
    p.pause_every_ns = ns(w->pause_every);
    snprintf(spec, sizeof(spec), "exp:%lldus", (long long)(w->pause_mean * 1e6));
    dist_parse(&p.pause, spec, NULL, 0);
    p.crash_at_ns = ns(w->hours * 3600);
    p.end_ns = p.crash_at_ns + WATCH_NS;
    p.det[0] = (struct fd_config){.kind = FD_FIXED, .timeout_ns = ns(s->timeout), .window = 1000,
                                  .first_estimate_ns = p.interval_ns};
    p.ndet = 1;
    if (!isnan(s->theta)) {
        p.det[1] = (struct fd_config){.kind = FD_PHI, .threshold = s->theta, .min_std_ns = ns(w->min_std),
                                      .pause_ok_ns = ns(w->pause_ok), .window = 1000,
                                      .first_estimate_ns = p.interval_ns};
        p.ndet = 2;
    }
    struct fds_record rec;
    fds_simulate(&p, ctx->seed, ctx->trace, &rec);
    struct buf *t = &ctx->text;
    bool q = ctx->quiet;
    if (!q)
        buf_printf(t, "\nverification: %.0f hours of heartbeats simulated (%zu arrived, %zu pauses), then a crash\n",
                   w->hours, rec.narrivals, rec.npaused);
    /* The false-positive model at several timeouts, where the counts are large enough to say something. */
    double up_hours = 0;
    int bad = 0;
    char first_bad[160] = "";
    if (!q)
        buf_printf(t, "  %-10s %10s %10s %12s\n", "timeout", "predicted", "observed", "allowed");
    for (int k = 0; k < NLADDER; k++) {
        double tk = solve_timeout(w, b, ladder_counts[k] / (w->hours ? w->hours : 1));
        size_t obs = replay_false(&rec, tk, &up_hours);
        double pred = fp_model(w, b, tk).total * up_hours, allow = 4.5 * sqrt(pred) + 0.1 * pred + 1;
        bool ok = fabs((double)obs - pred) <= allow;
        if (!ok && !bad++)
            snprintf(first_bad, sizeof(first_bad), "at T=%.3fs the model predicts %.1f, the run shows %zu", tk, pred,
                     obs);
        if (!q)
            buf_printf(t, "  %-10.3f %10.1f %10zu %9s%.1f%s\n", tk, pred, obs, "+-", allow, ok ? "" : "  WRONG");
    }
    kata_check(ctx, "false-positive-model", bad == 0, "%d of %d timeouts off the model%s%s", bad, NLADDER,
               bad ? ": " : "", first_bad);
    size_t obs = replay_false(&rec, s->timeout, &up_hours);
    double budget = w->fp_per_day / 24 * up_hours, cap = budget + 4.5 * sqrt(budget) + 2;
    kata_check(ctx, "budget-holds", (double)obs <= cap, "%zu false suspicions at T=%.3fs over %.1f hours; budget "
               "%.2f, at most %.1f by chance", obs, s->timeout, up_hours, budget, cap);
    /* The online detectors: their rules replayed, the real crash detected inside the predicted range. */
    struct fd_verdict v;
    fdcheck_judge(&p.det[0], rec.arrivals, rec.narrivals, rec.spans[0], rec.nspans[0], rec.down, rec.ndown,
                  rec.end_ns, 2000, &v);
    kata_check(ctx, "fixed-timeout-rule", v.wrong == 0 && v.undetected == 0, "%zu suspicions, %zu differ from the "
               "rule, %zu crash(es) undetected%s%s", v.recorded, v.wrong, v.undetected, v.wrong ? "; " : "",
               v.first_wrong);
    /* The range assumes the last heartbeat sent before the crash arrived; when it was lost, or the node was
     * paused just before, the last arrival is older and the detection shorter: then only the upper end holds. */
    double jit = 6 * w->lat_sd * sqrt(2.0) + 1e-3, lo = s->det_lo - jit, hi = s->det_hi + jit;
    double crash = w->hours * 3600, last = rec.narrivals ? (double)rec.arrivals[rec.narrivals - 1] / 1e9 : 0;
    bool normal_end = last >= crash - w->interval + w->lat_mean - jit;
    double det = (double)v.detection_ns / 1e9;
    kata_check(ctx, "detection-in-range", v.detection_ns >= 0 && (det >= lo || !normal_end) && det <= hi,
               "crash detected after %.3fs; predicted %.3fs..%.3fs%s", det, lo, hi,
               normal_end ? "" : " (last heartbeat lost or paused: the lower end does not apply)");
    kata_figure(ctx, "timeout_s", s->timeout);
    kata_figure(ctx, "detection_ms", det * 1e3);
    kata_figure(ctx, "false_per_day_observed", up_hours > 0 ? (double)obs * 24 / up_hours : 0);
    if (!q)
        buf_printf(t, "  chosen T=%.3fs: %zu false suspicions in %.1f hours (%.2f a day; budget %g)\n"
                   "  the crash was detected after %.3fs (predicted %.3fs..%.3fs)\n",
                   s->timeout, obs, up_hours, up_hours > 0 ? (double)obs * 24 / up_hours : 0, w->fp_per_day, det,
                   s->det_lo, s->det_hi);
    if (p.ndet == 2) {
        struct fd_verdict pv;
        fdcheck_judge(&p.det[1], rec.arrivals, rec.narrivals, rec.spans[1], rec.nspans[1], rec.down, rec.ndown,
                      rec.end_ns, 2000, &pv);
        kata_check(ctx, "phi-accrual-rule", pv.wrong == 0 && pv.undetected == 0, "%zu suspicions, %zu differ from "
                   "the rule, %zu crash(es) undetected", pv.recorded, pv.wrong, pv.undetected);
        double per_day = pv.up_ns ? (double)pv.false_suspicions * 24 * 3600e9 / (double)pv.up_ns : 0;
        kata_figure(ctx, "phi_false_per_day", per_day);
        if (pv.detection_ns >= 0)
            kata_figure(ctx, "phi_detection_ms", (double)pv.detection_ns / 1e6);
        if (!q)
            buf_printf(t, "  phi at threshold %.2f: %zu false suspicions (%.2f a day), crash detected after %.3fs\n"
                       "  (phi's window moves with every pause, so it only approximates the timeout it was fitted to)\n",
                       s->theta, pv.false_suspicions, per_day, (double)pv.detection_ns / 1e9);
    }
    fds_record_close(&rec);
}

static struct model_bugs read_bugs(const struct kata_ctx *ctx)
{
    return (struct model_bugs){.no_pauses = kata_bug_is(ctx, "forget-pauses"),
                               .jitter_single = kata_bug_is(ctx, "jitter-not-doubled"),
                               .no_loss = kata_bug_is(ctx, "forget-loss")};
}

static int worksheet_run(struct kata_ctx *ctx)
{
    struct workload w;
    if (!read_workload(ctx, &w))
        return -1;
    if (ctx->nemesis) {
        snprintf(ctx->error, sizeof(ctx->error), "fdetect-worksheet takes no --nemesis: its faults are the "
                 "workload's pauses and losses (see 'dkata help fdetect-worksheet')");
        return -1;
    }
    if (ctx->random_faults)
        draw_workload(ctx->seed, &w);
    struct model_bugs b = read_bugs(ctx);
    struct sheet s;
    compute(&w, &b, &s);
    if (!ctx->quiet) {
        buf_printf(&ctx->text, "fdetect-worksheet, seed %llu%s%s\n", (unsigned long long)ctx->seed,
                   ctx->bug ? ", bug " : "", ctx->bug ? ctx->bug : "");
        workload_line(&ctx->text, &w);
        buf_putc(&ctx->text, '\n');
        print_sheet(&ctx->text, &w, &s);
    }
    verify(ctx, &w, &b, &s);
    return 0;
}

static int worksheet_exercise(struct kata_ctx *ctx, bool answers)
{
    struct workload w;
    if (!read_workload(ctx, &w))
        return -1;
    draw_workload(ctx->seed, &w);
    struct buf *t = &ctx->text;
    buf_printf(t, "Exercise (heartbeat-tuning worksheet, seed %llu)\n\n", (unsigned long long)ctx->seed);
    workload_line(t, &w);
    buf_printf(t, "phi: min-std-deviation %gms, acceptable-heartbeat-pause %gms\n\n", w.min_std * 1e3,
               w.pause_ok * 1e3);
    buf_printf(t, "1. The fixed timeout that keeps false suspicions within the budget, and the expected false "
                  "suspicions per hour from jitter, from loss and from pauses at that timeout.\n"
                  "2. The detection time of a crash with that timeout: mean, shortest, longest.\n"
                  "3. The mean and sd of the interval window phi learns, and the phi threshold that suspects at the "
                  "same moment as the timeout.\n\n");
    buf_printf(t, "Hints: a gap without incident is normal, mean I, sd latency_sd*sqrt(2); a pause starting u after a "
                  "send (u uniform in [0, I)) and lasting D defers the next heartbeat, making a gap u + D; for D "
                  "exponential of mean m, P(u + D > T) = (m/I) e^(-T/m) (e^(I/m) - 1).\n");
    if (!answers)
        return 0;
    struct model_bugs none = {0};
    struct sheet s;
    compute(&w, &none, &s);
    buf_printf(t, "\nAnswer key\n\n");
    print_sheet(t, &w, &s);
    verify(ctx, &w, &none, &s);
    return 0;
}

void fdetect_worksheet_key(uint64_t seed, struct buf *text, struct fdetect_worksheet_key *k)
{
    const struct kata *kt = &kata_fdetect_worksheet;
    const char *values[16];
    assert(kt->nparams <= 16);
    for (int i = 0; i < kt->nparams; i++)
        values[i] = kt->params[i].def;
    struct kata_ctx ctx;
    kata_ctx_init(&ctx, seed, values);
    struct workload w;
    bool ok = read_workload(&ctx, &w);
    assert(ok); /* the defaults are valid */
    (void)ok;
    draw_workload(seed, &w);
    struct model_bugs none = {0};
    struct sheet s;
    compute(&w, &none, &s);
    *k = (struct fdetect_worksheet_key){w.fp_per_day, s.timeout, s.terms.jitter, s.terms.loss, s.terms.pauses,
                                        s.det_mean, s.det_lo, s.det_hi, s.w_mean, s.w_sd, s.theta};
    if (text && !worksheet_exercise(&ctx, false))
        buf_puts(text, ctx.text.data ? ctx.text.data : "");
    kata_ctx_close(&ctx);
}

static const struct kata_param params[] = {
    {"interval", "1s", "heartbeat interval"},
    {"latency_mean", "20ms", "heartbeat latency mean (normal)"},
    {"latency_sd", "5ms", "heartbeat latency standard deviation"},
    {"loss", "0.001", "probability a heartbeat is lost"},
    {"pause_every", "1m", "mean time between GC-like pauses (exponential; 0: none)"},
    {"pause_mean", "300ms", "mean pause duration (exponential)"},
    {"fp_per_day", "1", "tolerated false suspicions a day"},
    {"min_std", "100ms", "phi min-std-deviation (Akka default)"},
    {"pause_ok", "0s", "phi acceptable-heartbeat-pause (Akka's cluster default is 3s; 0 keeps the threshold "
                       "meaningful)"},
    {"verify", "24h", "simulated time to verify the numbers over"},
};

static const struct kata_bug bugs[] = {
    {"forget-pauses", "the worksheet ignores GC pauses in the false-positive model"},
    {"jitter-not-doubled", "the gap between arrivals is given the latency's sd instead of sd * sqrt 2"},
    {"forget-loss", "the worksheet ignores lost heartbeats"},
};

const struct kata kata_fdetect_worksheet = {
    .name = "fdetect-worksheet",
    .summary = "heartbeat-tuning worksheet: timeout, phi threshold, false positives, detection time, verified",
    .drill = "Lane 3: \"1 heartbeat-tuning worksheet: given a workload, compute heartbeat interval, timeout or phi "
             "threshold, and expected false positives\" (module 004)",
    .time_limit = "one worksheet",
    .repeat_until = "your numbers for a new workload match the simulation",
    .what = "From a workload (interval, latency mean and sd, loss, pause rate and mean duration) and a tolerated "
            "false-positive rate, the worksheet derives a false-positive model by cause (jitter, loss, pauses), "
            "solves it for the timeout, predicts the detection time, and computes the phi threshold that suspects "
            "at the same moment from the window phi would learn. Then the heartbeat simulation runs the workload "
            "and the model is judged against counts replayed from the recorded arrivals.",
    .reading = "Steps 1-3 are the worksheet. The verification table compares predicted and observed false "
               "suspicions at timeouts chosen for 1000, 300, 100 and 30 expected events (so that a count says "
               "something), then the budget at the chosen timeout, the detection of a real crash, and phi at the "
               "computed threshold. --faults random (what a swarm does) draws the workload from the seed.",
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .bugs = bugs,
    .nbugs = sizeof(bugs) / sizeof(bugs[0]),
    .run = worksheet_run,
    .exercise = worksheet_exercise,
    .exercise_what = "a workload drawn from the seed: compute the timeout for the budget, the false positives by "
                     "cause, the detection time and the equivalent phi threshold; the key is verified in simulation",
};
