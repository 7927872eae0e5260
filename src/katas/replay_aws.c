/* Replay `aws-2021`: AWS us-east-1, 7 December 2021, rebuilt on the retry-storm simulator (src/katas/retry.h;
 * 003 snippet 4, 001 Kata 4). A fleet of clients calls through a device of finite capacity with a bounded
 * queue; each call has a timeout. For a few seconds a surge of new connections (the automated scaling
 * activity) arrives on top of the steady load; the queue fills, calls time out, and the clients retry. The
 * question is what happens after the surge is over: clients that retry at once without backing off (the
 * "latent issue" of the postmortem) keep the device above capacity on their own, and every call it serves has
 * already been given up on (a metastable failure: the trigger is gone, the overload stays); full-jitter
 * backoff with a retry budget lets the queue drain. Judged from the recorded calls and requests by
 * src/check/load.h. */
#include <stdio.h>
#include <string.h>

#include "core/units.h"
#include "katas/kata.h"
#include "katas/replay.h"
#include "katas/retry.h"

/* A run's calls at most, counting every attempt: the defaults make 6e5; near the bound (--param rate=2000
 * --param duration=800s, 9.7e6) a replay takes 16 s and 273 MB. */
#define MAX_CALLS 1e7

extern const struct kata replay_aws_2021_scenario;

enum config { AS_WAS, BACKOFF, BACKOFF_BUDGET, NCONFIGS };
static const char *const config_names[] = {"as-was", "backoff", "backoff-budget", NULL};

struct params {
    struct retry_params r;
    int64_t tail; /* goodput is judged over the run's last `tail` */
    double budget;
};

struct outcome {
    struct retry_result res;
    double goodput_tail; /* requests finished ok per second over the last `tail` */
    double offered_tail; /* calls per second reaching the device over the last `tail` */
};

static void run_config(struct kata_ctx *ctx, const struct params *p, enum config c, bool detail,
                       struct outcome *o)
{
    struct retry_params r = p->r;
    r.policy = c == AS_WAS ? RETRY_FIXED : RETRY_FULL;
    r.fixed = 0; /* as-was: the next attempt right after a timeout */
    r.budget = c == BACKOFF_BUDGET ? p->budget : 0;
    retry_simulate(&r, ctx, detail ? ctx->trace : NULL, &o->res);
    const struct load_report *rep = &o->res.rep;
    size_t nb = rep->nbuckets, k = (size_t)(p->tail / RETRY_BUCKET_NS);
    uint64_t ok = 0, calls = 0;
    for (size_t b = nb > k ? nb - k : 0; b < nb; b++) {
        ok += rep->ok_per_bucket[b];
        calls += rep->per_bucket[b];
    }
    o->goodput_tail = (double)ok / ((double)p->tail / 1e9);
    o->offered_tail = (double)calls / ((double)p->tail / 1e9);
    if (!detail || ctx->quiet)
        return;
    /* The simulated timeline, read back from the record: offered load and goodput per second, every 5 s. */
    buf_printf(
        &ctx->text,
        "\nsimulated timeline (%s; the surge is %.0f-%.0fs; capacity %.0f calls/s; * above capacity):\n"
        "  %6s %12s %12s\n",
        config_names[c], (double)r.surge_at / 1e9, (double)(r.surge_at + r.surge) / 1e9, r.capacity, "t",
        "offered/s", "goodput/s");
    size_t per_s = (size_t)(1000000000LL / RETRY_BUCKET_NS);
    for (size_t b0 = 0; b0 + per_s <= nb; b0 += 5 * per_s) {
        uint64_t in = 0, good = 0;
        for (size_t b = b0; b < b0 + per_s; b++) {
            in += rep->per_bucket[b];
            good += rep->ok_per_bucket[b];
        }
        int64_t at = (int64_t)b0 * RETRY_BUCKET_NS;
        const char *note = at >= r.surge_at && at < r.surge_at + r.surge ? "  surge" : "";
        buf_printf(&ctx->text, "  %5.0fs %11llu%s %12llu%s\n", (double)at / 1e9, (unsigned long long)in,
                   (double)in > r.capacity ? "*" : " ", (unsigned long long)good, note);
    }
}

static const char *recovery(char *out, size_t n, const struct load_report *rep)
{
    if (rep->recovery_ns < 0)
        snprintf(out, n, "never");
    else
        snprintf(out, n, "%.1fs", (double)rep->recovery_ns / 1e9);
    return out;
}

static bool read_params(struct kata_ctx *ctx, struct params *p, int *c)
{
    const struct kata *k = &replay_aws_2021_scenario;
    struct retry_params *r = &p->r;
    long attempts;
    memset(p, 0, sizeof(*p));
    if (!kata_get_choice(ctx, k, "config", config_names, c) ||
        !kata_get_double(ctx, k, "rate", 1, 20000, &r->rate) ||
        !kata_get_double(ctx, k, "capacity", 1, 100000, &r->capacity) ||
        !kata_get_duration(ctx, k, "queue", &r->queue) ||
        !kata_get_duration(ctx, k, "timeout", &r->timeout) ||
        !kata_get_int(ctx, k, "attempts", 1, 100, &attempts) ||
        !kata_get_duration(ctx, k, "surge_at", &r->surge_at) ||
        !kata_get_duration(ctx, k, "surge", &r->surge) ||
        !kata_get_double(ctx, k, "surge_rate", 0, 100000, &r->surge_rate) ||
        !kata_get_duration(ctx, k, "base", &r->base) || !kata_get_duration(ctx, k, "cap", &r->cap) ||
        !kata_get_double(ctx, k, "budget", 0.001, 10, &p->budget) ||
        !kata_get_dist(ctx, k, "latency", &r->latency) ||
        !kata_get_duration(ctx, k, "duration", &r->duration) ||
        !kata_get_duration(ctx, k, "recovery", &r->bound) || !kata_get_duration(ctx, k, "tail", &p->tail))
        return false;
    r->attempts = (int)attempts;
    r->callers = 1;
    r->blip_at = 0; /* no blip: the surge is the trigger */
    /* in double: each time may be up to 9e18ns, and their sum must not wrap */
    double span = (double)r->surge_at + (double)r->surge + (double)r->bound + (double)p->tail;
    double calls = (r->rate * (double)r->duration + r->surge_rate * (double)r->surge) / NS_PER_S * attempts;
    if (r->timeout <= 0 || r->base <= 0 || r->cap < r->base || r->surge <= 0 || span > (double)r->duration ||
        p->tail < NS_PER_S || r->duration > 3600 * NS_PER_S || calls > MAX_CALLS) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad times: need timeout > 0, 0 < base <= cap, surge > 0, tail >= 1s, surge_at + surge + "
                 "recovery + tail <= duration <= 1h and at most 1e7 calls ((rate x duration + surge_rate x "
                 "surge) x attempts)");
        return false;
    }
    return true;
}

static bool check_params(struct kata_ctx *ctx)
{
    struct params p;
    int c;
    return read_params(ctx, &p, &c);
}

static int aws_run(struct kata_ctx *ctx)
{
    struct params p;
    int c;
    if (!read_params(ctx, &p, &c))
        return -1;
    const struct retry_params *r = &p.r;
    struct outcome o;
    char rec[24];
    if (!ctx->quiet) {
        buf_printf(
            &ctx->text,
            "the same surge under each configuration (%.0f requests/s steady, +%.0f/s for %.0fs from %.0fs; "
            "capacity %.0f calls/s, queue %.0fs of work, timeout %.1fs, %d attempts):\n"
            "  %-16s %9s %9s %8s %11s %11s %11s\n",
            r->rate, r->surge_rate, (double)r->surge / 1e9, (double)r->surge_at / 1e9, r->capacity,
            (double)r->queue / 1e9, (double)r->timeout / 1e9, r->attempts, "config", "peak/cap", "ampl.",
            "success", "back <cap", "offered/s*", "goodput/s*");
        for (int i = 0; i < NCONFIGS; i++) {
            run_config(ctx, &p, (enum config)i, false, &o);
            const struct load_report *rep = &o.res.rep;
            bool healthy = rep->recovered && rep->recovery_ns <= r->bound && o.goodput_tail >= 0.9 * r->rate;
            buf_printf(&ctx->text, "  %-16s %9.2f %9.2f %7.1f%% %11s %11.0f %11.0f  %s\n", config_names[i],
                       rep->peak_over_capacity, rep->amplification, 100 * rep->success_rate,
                       recovery(rec, sizeof(rec), rep), o.offered_tail, o.goodput_tail,
                       healthy ? "recovers" : "STAYS DOWN");
            load_report_close(&o.res.rep);
        }
        buf_printf(
            &ctx->text,
            "  (ampl.: calls per request; back <cap: from the surge's end until the offered load stays under "
            "capacity; * over the run's last %.0fs)\n",
            (double)p.tail / 1e9);
    }
    run_config(ctx, &p, (enum config)c, true, &o);
    const struct load_report *rep = &o.res.rep;
    char when[80];
    snprintf(when, sizeof(when), rep->recovered ? "%s after the surge ended" : "never, after the surge ended",
             recovery(rec, sizeof(rec), rep));
    kata_check(ctx, "load-recovers-after-surge", rep->recovered && rep->recovery_ns <= r->bound,
               "offered load under capacity for good: %s (bound %.1fs)%s", when, (double)r->bound / 1e9,
               rep->recovered ? "" : "; the trigger is gone and the retries keep the device overloaded");
    kata_check(
        ctx, "goodput-recovers", o.goodput_tail >= 0.9 * r->rate,
        "%.0f requests/s succeed over the last %.0fs against %.0f/s offered by the clients (need 90%%)",
        o.goodput_tail, (double)p.tail / 1e9, r->rate);
    kata_figure(ctx, "peak_over_capacity", rep->peak_over_capacity);
    kata_figure(ctx, "amplification", rep->amplification);
    kata_figure(ctx, "success_rate", rep->success_rate);
    kata_figure(ctx, "recovery_s", rep->recovery_ns < 0 ? -1 : (double)rep->recovery_ns / 1e9);
    kata_figure(ctx, "offered_tail_per_s", o.offered_tail);
    kata_figure(ctx, "goodput_tail_per_s", o.goodput_tail);
    load_report_close(&o.res.rep);
    return 0;
}

static const struct kata_param params[] = {
    {"config", "as-was",
     "as-was (a timed-out call is retried at once, no backoff, no budget) | backoff (full-jitter exponential "
     "backoff) | backoff-budget (full jitter plus a retry budget)"},
    {"rate", "1000", "steady requests per second from the clients (the model's figure)"},
    {"capacity", "1500", "calls per second the device between the networks forwards (the model's figure)"},
    {"queue", "2s", "the device's queue, in seconds of work; beyond it calls are dropped"},
    {"timeout", "1s", "the client's timeout per call"},
    {"attempts", "6", "calls per request at most"},
    {"surge_at", "20s", "when the scaling activity's surge begins (7:30 AM PST in the postmortem)"},
    {"surge", "5s", "how long the surge lasts"},
    {"surge_rate", "2000", "extra requests per second during the surge"},
    {"base", "100ms", "backoff base (backoff configurations)"},
    {"cap", "10s", "backoff cap"},
    {"budget", "0.1", "backoff-budget: retries at most this fraction of first calls"},
    {"latency", "uniform:1ms,5ms", "one-way network latency"},
    {"duration", "90s", "virtual time to run"},
    {"recovery", "15s", "the offered load must be back under capacity within this bound after the surge"},
    {"tail", "20s", "goodput is judged over the run's last stretch of this length"},
};

const struct kata replay_aws_2021_scenario = {
    .name = "aws-2021",
    .summary =
        "AWS us-east-1, 7 December 2021: a connection surge, clients that do not back off, congestion that "
        "outlives its trigger",
    .drill = "001 Kata 4 (outage postmortem analysis); 003 snippet 4 (the retry policy)",
    .time_limit = "60 minutes per postmortem",
    .repeat_until = "you can spot a distributed-systems concept in any outage narrative without rereading",
    .what = "A metastable failure: a short surge pushes a device past its capacity, calls time out, and "
            "clients that "
            "retry at once keep it past capacity after the surge is over; the device serves only calls whose "
            "clients have given up, so goodput stays near zero with the trigger gone.",
    .reading =
        "The table runs the same surge under each configuration; the timeline shows the chosen one's offered "
        "load and goodput per second, read back from the recorded calls.",
    .params = params,
    .nparams = (int)(sizeof(params) / sizeof(params[0])),
    .run = aws_run,
};

const struct replay replay_aws_2021 = {
    .name = "aws-2021",
    .title = "AWS us-east-1, 7 December 2021: internal network congestion for most of a working day",
    .source = "\"Summary of the AWS Service Event in the Northern Virginia (US-EAST-1) Region\" "
              "(aws.amazon.com/message/12721, 10 December 2021)",
    .timeline =
        "07:30 PST  an automated job scaling one service in the main AWS network sets off a large number of\n"
        "           clients in the internal network at once: a surge of new connections swamps the devices\n"
        "           that route and translate traffic between the internal network and the main one\n"
        "           the devices answer late; late answers cause more connection attempts and retries, which\n"
        "           keep the devices congested: the congestion feeds itself\n"
        "           real-time monitoring runs over the same congested path: operators work from logs\n"
        "           the first clue is elevated internal DNS errors\n"
        "09:28 PST  internal DNS traffic is moved off the congested paths; some services improve, not all\n"
        "           operators then find and cut the heaviest sources of traffic, carefully, so as not to\n"
        "           disturb customer workloads that still work; internal deployment tools are slowed too\n"
        "afternoon  the devices' congestion clears; some services (API Gateway, Fargate, EventBridge among\n"
        "           them) need hours more to work through backlogs or to replace servers\n"
        "after      the root cause: a latent defect kept these clients from backing off as designed; the\n"
        "           code path had run for years, and this scaling activity was the first to expose it;\n"
        "           AWS turns off the scaling activities until the fix is deployed\n",
    .concepts =
        "metastable failure (the overload outlives its trigger); retries as load amplification; timeouts "
        "shorter than the queueing delay (work done for clients that already gave up); exponential backoff "
        "with jitter and retry budgets; fallacies 'bandwidth is infinite' and 'latency is zero'; monitoring "
        "that shares the fate of what it monitors",
    .prevented =
        "clients that back off (full-jitter exponential backoff) and spend at most a budget of retries "
        "(here 10% of first attempts): after the surge the device drains its queue and goodput returns. "
        "The cost: during the surge some requests fail fast instead of retrying, and backoff alone is not "
        "enough when the timeout, not the sleep, sets the pace of retries.",
    .prevent_config = "backoff-budget",
    .scenario = &replay_aws_2021_scenario,
    .check_params = check_params,
};
