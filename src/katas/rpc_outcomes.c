/* Kata `rpc-outcomes`: the inescapable reality (module 004, lane 1): "1 written enumeration of the partial-failure
 * outcome set for a real RPC in your stack". A caller makes RPCs to a server over a network that loses, delays and
 * duplicates messages, with a timeout and retries, while the server may crash (before or after its durable apply).
 * The caller records what it saw, the server what it applied and replied; the checker (src/check/rpccheck)
 * classifies each call into the outcome set and judges: a reply means applied; with an idempotency key, applied
 * at most once. One call per seed by default, so a swarm counts the outcome set. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/rpccheck.h"
#include "core/sim.h"
#include "core/units.h"
#include "katas/kata.h"
#include "katas/lane.h"

extern const struct kata kata_rpc_outcomes;

enum { CLIENT = 0, SERVER = 1 };
enum { M_REQ = 1, M_REPLY = 2 };
enum { T_TIMEOUT = 1, T_APPLY = 2, T_REPLY = 3 };

struct rpc_msg {
    int64_t call;
    int32_t attempt;
};

struct rpc_cfg {
    long calls, retries;
    struct dist latency, process, respond;
    int64_t timeout, downtime;
    double loss, dup, crash;
    bool key;
    bool bug_ack_first, bug_volatile_dedup, bug_key_per_attempt;
};

struct rpc_world {
    const struct rpc_cfg *cfg;
    struct rng faults;
    /* caller */
    struct rpc_call *calls;
    size_t ncalls;
    int64_t current; /* index of the call in progress, -1: none */
    sim_timer_id timer;
    /* server: durable */
    struct rpc_apply *applies;
    size_t napplies, applies_cap;
    unsigned char *done_durable; /* per call: applied (the idempotency table, written with the apply) */
    /* server: volatile */
    unsigned char *done_volatile, *in_progress;
    struct rpc_reply *replies;
    size_t nreplies, replies_cap;
    struct buf *log; /* NULL when quiet */
    struct trace *trace;
};

static void story(struct rpc_world *w, struct sim *s, const char *who, const char *fmt, int64_t a, int64_t b)
{
    if (!w->log)
        return;
    char when[32];
    buf_printf(w->log, "  %9s  %-7s ", units_fmt_duration(when, sizeof(when), s->now), who);
    buf_printf(w->log, fmt, (long long)a, (long long)b);
    buf_putc(w->log, '\n');
}

static int64_t key_of(const struct rpc_world *w, const struct rpc_msg *m)
{
    /* The bug keys by attempt: every retry looks like a new request. */
    return w->cfg->bug_key_per_attempt ? m->call * 64 + m->attempt : m->call;
}

static bool seen(const struct rpc_world *w, int64_t key)
{
    if (key >= (int64_t)w->ncalls)
        return false; /* a per-attempt key never matches a table indexed by call */
    return w->cfg->bug_volatile_dedup ? w->done_volatile[key] : w->done_durable[key];
}

static void send_reply(struct sim *s, struct rpc_world *w, const struct rpc_msg *m)
{
    XGROW(w->replies, w->replies_cap, w->nreplies + 1);
    w->replies[w->nreplies++] = (struct rpc_reply){m->call, s->now};
    net_send(s, SERVER, CLIENT, M_REPLY, m, sizeof(*m));
    trace_event(w->trace, s->now, SERVER, "reply-sent", "\"call\":%lld,\"attempt\":%d", (long long)m->call,
                m->attempt);
    story(w, s, "server", "replies to call %lld attempt %lld", m->call, m->attempt);
}

static void apply(struct sim *s, struct rpc_world *w, const struct rpc_msg *m)
{
    XGROW(w->applies, w->applies_cap, w->napplies + 1);
    w->applies[w->napplies++] = (struct rpc_apply){m->call, s->now, m->attempt};
    w->in_progress[m->call] = 0;
    if (w->cfg->key) {
        int64_t k = key_of(w, m);
        if (k < (int64_t)w->ncalls) {
            w->done_durable[k] = 1;
            w->done_volatile[k] = 1;
        }
    }
    trace_event(w->trace, s->now, SERVER, "apply", "\"call\":%lld,\"attempt\":%d", (long long)m->call, m->attempt);
    story(w, s, "server", "APPLIES call %lld (attempt %lld), durably", m->call, m->attempt);
}

static void server_request(struct sim *s, struct rpc_world *w, const struct rpc_msg *m)
{
    story(w, s, "server", "receives call %lld attempt %lld", m->call, m->attempt);
    if (w->cfg->key && seen(w, key_of(w, m))) {
        story(w, s, "server", "has call %lld in its idempotency table: replays the reply", m->call, 0);
        send_reply(s, w, m);
        return;
    }
    if (w->cfg->key && !w->cfg->bug_key_per_attempt && w->in_progress[m->call]) {
        story(w, s, "server", "is already processing call %lld: drops the copy", m->call, 0);
        return;
    }
    w->in_progress[m->call] = 1;
    if (w->cfg->bug_ack_first)
        send_reply(s, w, m);
    struct rpc_msg copy = *m;
    sim_timer(s, SERVER, dist_sample(&w->cfg->process, sim_rng(s, SERVER)), T_APPLY,
              (uint64_t)copy.call << 8 | (uint64_t)copy.attempt);
}

static void start_call(struct sim *s, struct rpc_world *w, int64_t i);

static void finish(struct sim *s, struct rpc_world *w, bool ok)
{
    struct rpc_call *c = &w->calls[w->current];
    c->ok = ok;
    c->done_at = s->now;
    sim_cancel(s, w->timer);
    trace_event(w->trace, s->now, CLIENT, ok ? "ok" : "give-up", "\"call\":%lld,\"attempts\":%d", (long long)c->id,
                c->attempts);
    story(w, s, "caller", ok ? "sees the reply to call %lld after %lld attempt(s)"
                             : "GIVES UP on call %lld after %lld attempt(s): timeout", c->id, c->attempts);
    int64_t next = w->current + 1;
    w->current = -1;
    if (next < (int64_t)w->ncalls)
        start_call(s, w, next);
}

static void send_attempt(struct sim *s, struct rpc_world *w)
{
    struct rpc_call *c = &w->calls[w->current];
    struct rpc_msg m = {c->id, c->attempts++};
    trace_event(w->trace, s->now, CLIENT, "send", "\"call\":%lld,\"attempt\":%d", (long long)m.call, m.attempt);
    story(w, s, "caller", "sends call %lld attempt %lld", m.call, m.attempt);
    net_send(s, CLIENT, SERVER, M_REQ, &m, sizeof(m));
    w->timer = sim_timer(s, CLIENT, w->cfg->timeout, T_TIMEOUT, (uint64_t)c->id);
}

static void crash_server(struct sim *s, void *ptr, uint64_t restart)
{
    struct rpc_world *w = ptr;
    if (restart) {
        sim_restart(s, SERVER);
    } else if (sim_is_up(s, SERVER)) {
        sim_crash(s, SERVER);
        sim_at(s, s->now + w->cfg->downtime, crash_server, w, 1);
    }
}

static void start_call(struct sim *s, struct rpc_world *w, int64_t i)
{
    w->current = i;
    w->calls[i].id = i;
    /* The kata's own fault: a server crash somewhere inside this call's window. */
    if (w->cfg->crash > 0 && rng_chance(&w->faults, w->cfg->crash)) {
        int64_t window = w->cfg->timeout * (w->cfg->retries + 1);
        sim_at(s, s->now + rng_range(&w->faults, 0, window - 1), crash_server, w, 0);
    }
    send_attempt(s, w);
}

static void on_message(struct sim *s, node_id self, const struct sim_msg *msg)
{
    struct rpc_world *w = s->user;
    struct rpc_msg m;
    memcpy(&m, msg->data, sizeof(m));
    if (m.call < 0 || m.call >= (int64_t)w->ncalls)
        return;
    if (self == SERVER) {
        server_request(s, w, &m);
        return;
    }
    if (w->current == m.call) {
        finish(s, w, true);
    } else if (!w->calls[m.call].ok && w->calls[m.call].done_at) {
        w->calls[m.call].late_replies++;
        trace_event(w->trace, s->now, CLIENT, "late-reply", "\"call\":%lld", (long long)m.call);
        story(w, s, "caller", "gets a LATE reply to call %lld (attempt %lld) and ignores it", m.call, m.attempt);
    }
}

static void on_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    struct rpc_world *w = s->user;
    if (self == CLIENT && kind == T_TIMEOUT && w->current == (int64_t)arg) {
        story(w, s, "caller", "times out on call %lld attempt %lld", (int64_t)arg, w->calls[arg].attempts - 1);
        if (w->calls[arg].attempts <= w->cfg->retries)
            send_attempt(s, w);
        else
            finish(s, w, false);
    } else if (self == SERVER && kind == T_APPLY) {
        struct rpc_msg m = {(int64_t)(arg >> 8), (int32_t)(arg & 0xff)};
        apply(s, w, &m);
        if (!w->cfg->bug_ack_first) /* the reply goes out a little later: a crash in between loses it */
            sim_timer(s, SERVER, dist_sample(&w->cfg->respond, sim_rng(s, SERVER)), T_REPLY, arg);
    } else if (self == SERVER && kind == T_REPLY) {
        struct rpc_msg m = {(int64_t)(arg >> 8), (int32_t)(arg & 0xff)};
        send_reply(s, w, &m);
    }
}

static void on_crash(struct sim *s, node_id self)
{
    struct rpc_world *w = s->user;
    if (self == SERVER) { /* in-flight work and anything only in memory are gone */
        memset(w->in_progress, 0, w->ncalls);
        memset(w->done_volatile, 0, w->ncalls);
    }
    story(w, s, self == SERVER ? "server" : "caller", "CRASHES", 0, 0);
}

static void on_restart(struct sim *s, node_id self)
{
    story(s->user, s, self == SERVER ? "server" : "caller", "restarts", 0, 0);
}

static bool read_cfg(struct kata_ctx *ctx, struct rpc_cfg *c)
{
    const struct kata *k = &kata_rpc_outcomes;
    static const char *const onoff[] = {"on", "off", NULL};
    int key;
    memset(c, 0, sizeof(*c));
    if (!kata_get_int(ctx, k, "calls", 1, 200000, &c->calls) ||
        !kata_get_int(ctx, k, "retries", 0, 20, &c->retries) ||
        !lane_get_dist(ctx, k, "latency", &c->latency) || !lane_get_dist(ctx, k, "process", &c->process) ||
        !lane_get_dist(ctx, k, "respond", &c->respond) ||
        !kata_get_duration(ctx, k, "timeout", &c->timeout) ||
        !kata_get_duration(ctx, k, "downtime", &c->downtime) ||
        !kata_get_double(ctx, k, "loss", 0, 0.9, &c->loss) ||
        !kata_get_double(ctx, k, "duplicate", 0, 0.9, &c->dup) ||
        !kata_get_double(ctx, k, "crash", 0, 1, &c->crash) || !kata_get_choice(ctx, k, "key", onoff, &key))
        return false;
    if (c->timeout <= 0) {
        snprintf(ctx->error, sizeof(ctx->error), "bad value for parameter 'timeout': expected a duration above 0");
        return false;
    }
    c->key = key == 0;
    c->bug_ack_first = kata_bug_is(ctx, "ack-before-apply");
    c->bug_volatile_dedup = kata_bug_is(ctx, "volatile-dedup");
    c->bug_key_per_attempt = kata_bug_is(ctx, "key-per-attempt");
    return true;
}

/* Runs the calls; the caller frees the world's arrays with world_close. */
static void simulate(const struct rpc_cfg *cfg, uint64_t seed, const struct fault_plan *plan, struct trace *trace,
                     struct buf *log, struct rpc_world *w)
{
    memset(w, 0, sizeof(*w));
    w->cfg = cfg;
    w->ncalls = (size_t)cfg->calls;
    w->calls = xcalloc(w->ncalls, sizeof(*w->calls));
    w->done_durable = xcalloc(w->ncalls, 1);
    w->done_volatile = xcalloc(w->ncalls, 1);
    w->in_progress = xcalloc(w->ncalls, 1);
    w->log = log;
    w->trace = trace;
    w->current = -1;
    rng_stream(&w->faults, seed, "faults", 0);
    static const struct sim_node_ops ops = {on_message, on_timer, on_crash, on_restart};
    struct sim s;
    sim_init(&s, seed, 2, &ops, w);
    s.trace = trace;
    net_set_default(&s, &cfg->latency, cfg->loss, cfg->dup);
    if (plan)
        fault_schedule(plan, &s);
    start_call(&s, w, 0);
    while (sim_step(&s)) /* until every late message has landed */
        ;
    sim_close(&s);
}

static void world_close(struct rpc_world *w)
{
    free(w->calls);
    free(w->done_durable);
    free(w->done_volatile);
    free(w->in_progress);
    free(w->applies);
    free(w->replies);
}

static void random_cfg(uint64_t seed, struct rpc_cfg *c)
{
    struct rng r;
    rng_stream(&r, seed, "swarm", 0);
    c->loss = rng_unit(&r) * 0.3;
    c->dup = rng_unit(&r) * 0.2;
    c->crash = rng_unit(&r) * 0.5;
}

static void print_outcomes(struct buf *t, const struct rpc_report *r, size_t ncalls)
{
    buf_printf(t, "\n%-70s %7s  %6s\n", "the outcome set (caller's view; what really happened)", "calls", "share");
    for (int o = 0; o < RPC_NOUTCOMES; o++)
        buf_printf(t, "  %-68s %7zu  %5.1f%%\n", rpc_outcome_text[o], r->count[o],
                   ncalls ? 100.0 * (double)r->count[o] / (double)ncalls : 0);
}

static int rpc_run(struct kata_ctx *ctx)
{
    struct rpc_cfg cfg;
    struct fault_plan plan;
    if (!read_cfg(ctx, &cfg) ||
        !lane_nemesis(ctx, 2, SERVER, "node 1, the server (node 0 is the caller: its crash would leave its "
                     "calls unrecorded)", &plan))
        return -1;
    if (ctx->nemesis)
        cfg.crash = 0; /* the nemesis decides */
    else if (ctx->random_faults)
        random_cfg(ctx->seed, &cfg);
    struct buf log;
    buf_init(&log);
    bool story = !ctx->quiet && cfg.calls <= 20;
    struct rpc_world w;
    simulate(&cfg, ctx->seed, ctx->nemesis ? &plan : NULL, ctx->trace, story ? &log : NULL, &w);
    struct rpc_report r;
    rpccheck_judge(w.calls, w.ncalls, w.applies, w.napplies, w.replies, w.nreplies, cfg.key, &r);
    kata_check(ctx, "reply-means-applied", r.applied_without_reply_order == 0,
               "%zu call(s) the caller saw succeed that were not applied by then%s%s", r.applied_without_reply_order,
               r.applied_without_reply_order ? ": " : "", r.applied_without_reply_order ? r.first : "");
    if (cfg.key)
        kata_check(ctx, "at-most-once", r.duplicates == 0, "%zu call(s) applied more than once under an "
                   "idempotency key%s%s", r.duplicates, r.duplicates ? ": " : "", r.duplicates ? r.first : "");
    kata_check(ctx, "no-phantom-apply", r.phantoms == 0, "%zu apply(ies) of calls never made", r.phantoms);
    for (int o = 0; o < RPC_NOUTCOMES; o++)
        kata_figure(ctx, rpc_outcome_name[o], (double)r.count[o]);
    size_t attempts = 0;
    for (size_t i = 0; i < w.ncalls; i++)
        attempts += (size_t)w.calls[i].attempts;
    kata_figure(ctx, "attempts_per_call", (double)attempts / (double)w.ncalls);
    if (!ctx->quiet) {
        char a[96], b[32], c[32];
        struct buf *t = &ctx->text;
        dist_format(&cfg.latency, a, sizeof(a));
        buf_printf(t, "rpc-outcomes: %ld call(s), timeout %s, %ld retr%s, idempotency key %s; latency %s, loss %g, "
                   "duplicate %g, server crash chance %g per call (down %s), seed %llu%s%s\n",
                   cfg.calls, units_fmt_duration(b, sizeof(b), cfg.timeout), cfg.retries,
                   cfg.retries == 1 ? "y" : "ies", cfg.key ? "on" : "off", a, cfg.loss, cfg.dup, cfg.crash,
                   units_fmt_duration(c, sizeof(c), cfg.downtime), (unsigned long long)ctx->seed,
                   ctx->bug ? ", bug " : "", ctx->bug ? ctx->bug : "");
        if (story && log.data)
            buf_printf(t, "\n%s", log.data);
        print_outcomes(t, &r, w.ncalls);
    }
    rpccheck_close(&r);
    world_close(&w);
    buf_close(&log);
    fault_plan_close(&plan);
    return 0;
}

/* One call, drawn from the seed until its outcome is not the boring one; the caller's view is the exercise, the
 * server's story the key. */
static int rpc_exercise(struct kata_ctx *ctx, bool answers)
{
    struct rpc_cfg cfg;
    if (!read_cfg(ctx, &cfg))
        return -1;
    cfg.calls = 1;
    struct rng r;
    rng_stream(&r, ctx->seed, "exercise", 0);
    struct rpc_world w;
    struct rpc_report rep;
    struct buf log;
    buf_init(&log);
    uint64_t sub = 0;
    for (int tries = 0; tries < 1000; tries++) {
        sub = rng_next(&r);
        random_cfg(sub, &cfg);
        cfg.key = rng_chance(&r, 0.5);
        buf_reset(&log);
        simulate(&cfg, sub, NULL, NULL, &log, &w);
        rpccheck_judge(w.calls, w.ncalls, w.applies, w.napplies, w.replies, w.nreplies, cfg.key, &rep);
        if (rep.outcome[0] != RPC_OK_ONCE || tries == 999)
            break;
        rpccheck_close(&rep);
        world_close(&w);
    }
    struct buf *t = &ctx->text;
    char b[32];
    buf_printf(t, "Exercise (partial failure of one RPC, seed %llu)\n\n", (unsigned long long)ctx->seed);
    buf_printf(t, "The caller sends one request with a %s timeout and up to %ld retr%s; idempotency key %s.\n"
               "The network loses %.0f%% and duplicates %.0f%% of messages; the server may crash.\n"
               "What the caller saw: %d attempt(s), then %s.\n\n",
               units_fmt_duration(b, sizeof(b), cfg.timeout), cfg.retries, cfg.retries == 1 ? "y" : "ies",
               cfg.key ? "ON (the server keeps a durable table of applied calls)" : "OFF", cfg.loss * 100,
               cfg.dup * 100, w.calls[0].attempts, w.calls[0].ok ? "a reply" : "it gave up (timeout)");
    buf_printf(t, "1. List every server-side outcome consistent with what the caller saw.\n"
                  "2. Which of them make a further retry unsafe without an idempotency key?\n"
                  "3. Which one happened here? (the key shows the server's side)\n");
    if (answers) {
        buf_printf(t, "\nAnswer key\n\n1. ");
        int first = 1;
        for (int o = 0; o < RPC_NOUTCOMES; o++) {
            bool ok_side = o <= RPC_OK_UNAPPLIED;
            if (ok_side != w.calls[0].ok || o == RPC_OK_UNAPPLIED || (cfg.key && (o == RPC_OK_DUP || o == RPC_TO_DUP)))
                continue;
            buf_printf(t, "%s%s", first ? "" : "\n   ", rpc_outcome_text[o]);
            first = 0;
        }
        buf_printf(t, "\n2. every one in which the call was applied: a retry applies it again%s\n",
                   w.calls[0].ok ? " (the caller saw a reply, so it was applied at least once)" : "");
        buf_printf(t, "3. %s\n\nthe whole story:\n%s", rpc_outcome_text[rep.outcome[0]], log.data ? log.data : "");
        kata_check(ctx, "key-matches-the-record", rep.count[rep.outcome[0]] == 1 && rep.outcome[0] != RPC_OK_UNAPPLIED,
                   "the checker classifies the call as '%s' from the server's and the caller's records",
                   rpc_outcome_name[rep.outcome[0]]);
    }
    rpccheck_close(&rep);
    world_close(&w);
    buf_close(&log);
    return 0;
}

static const struct kata_param params[] = {
    {"calls", "1", "RPCs per run, one after another (1: a swarm counts the outcome set over seeds)"},
    {"latency", "mix:0.9*normal:10ms,2ms+0.1*exp:50ms", "one-way latency distribution"},
    {"process", "exp:5ms", "server time from receiving a request to its durable apply"},
    {"respond", "exp:2ms", "server time from the durable apply to sending the reply"},
    {"timeout", "50ms", "the caller's timeout per attempt"},
    {"retries", "2", "retries after the first attempt"},
    {"loss", "0.1", "probability a message is lost"},
    {"duplicate", "0.05", "probability a message is delivered twice"},
    {"crash", "0.2", "probability the server crashes once during a call"},
    {"downtime", "100ms", "how long a crashed server stays down"},
    {"key", "on", "idempotency key: on (the server keeps a durable table of applied calls) or off"},
};

static const struct kata_bug bugs[] = {
    {"ack-before-apply", "the server replies on receipt and applies afterwards"},
    {"volatile-dedup", "the idempotency table lives in memory and is lost in a crash"},
    {"key-per-attempt", "the idempotency key includes the attempt number"},
};

const struct kata kata_rpc_outcomes = {
    .name = "rpc-outcomes",
    .summary = "one RPC under loss, duplication, timeout and crash: the outcome set the caller can observe",
    .drill = "Lane 1 (the inescapable reality): \"1 written enumeration of the partial-failure outcome set for a real "
             "RPC in your stack\" (module 004)",
    .time_limit = "one lane session",
    .repeat_until = "you can list the outcome set of a timeout without looking, and say which are unsafe to retry",
    .what = "A caller sends a request with a timeout and retries; the network loses, delays and duplicates; the "
            "server applies the request durably after some processing time and may crash before or after that. "
            "The caller records what it saw, the server what it applied and replied, and the checker classifies "
            "each call: reply and applied once or more, or timeout and never applied, applied with the reply lost, "
            "applied then crashed, applied with a late reply, applied twice.",
    .reading = "With few calls the run prints the whole story, line by line from both sides; then the outcome "
               "table: what the caller saw, what really happened, how many calls. A swarm (one call per seed) "
               "gives the frequency of each outcome as the mean of its figure. Checks: a reply means applied; "
               "with the key on, at most once.",
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .bugs = bugs,
    .nbugs = sizeof(bugs) / sizeof(bugs[0]),
    .run = rpc_run,
    .exercise = rpc_exercise,
    .exercise_what = "the caller's view of one RPC (attempts, then a reply or a timeout): list the server outcomes "
                     "consistent with it, which make a retry unsafe, and which happened",
};
