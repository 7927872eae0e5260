/* Replay `s3-2017`: the Amazon S3 disruption in US-EAST-1 of 28 February 2017 rebuilt on the simulator (001 Kata 4).
 * Three subsystems share one fleet: billing, index (object metadata: every GET, LIST, PUT, DELETE needs it) and
 * placement (storage for new objects: PUT needs it, and it needs the index). Each serves while it has at least its
 * minimum number of hosts; below that it stops and needs a full restart, hosts coming back in waves whose length
 * grows with the state each host must load and verify. An operator's capacity-removal command meant for two billing
 * hosts gets a mistyped count. The configurations differ in the tool: all at once (as-was), one host at a time
 * (slow), or one at a time refusing any removal that takes a subsystem below its minimum (guarded, AWS's change).
 * The verdict comes from the recorded history: the clients' requests (src/check/avail.h: failed requests, time
 * unavailable) and the capacity changes against each subsystem's minimum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/avail.h"
#include "core/sim.h"
#include "core/trace.h"
#include "core/units.h"
#include "katas/kata.h"
#include "katas/replay.h"

#define SEC NS_PER_S
#define BASE_S (9 * 3600 + 30 * 60) /* virtual time 0 is 09:30:00 PST */

extern const struct replay replay_s3_2017;
static const struct kata s3_kata;

enum { CLIENT, FRONT, NNODES };
enum { M_REQ = 1, M_REPLY };
enum { T_REQ = 1 };
enum { GET, PUT };
enum sub { BILLING, INDEX, PLACEMENT, NSUBS };
static const char *const sub_names[NSUBS] = {"billing", "index", "placement"};
enum config { AS_WAS, SLOW, GUARDED, NCONFIGS };
static const char *const config_names[] = {"as-was", "slow", "guarded", NULL};

struct params {
    long hosts[NSUBS], min[NSUBS], state_gb[NSUBS];
    long first, intended, entered, restart_par, verify_gb_min;
    double rps, put_share;
    int64_t cmd_at, step, diagnose, until;
};

struct subsystem {
    int active;     /* hosts in service */
    bool serving;
    bool down;      /* fell below its minimum: needs a full restart */
    bool restarting;
    int64_t down_at, up_at;
};

struct world {
    const struct params *p;
    enum config c;
    struct subsystem sub[NSUBS];
    long removed, refused, next_host;
    struct avail_req *req;
    size_t nreq, reqcap;
    struct avail_cap *cap;
    size_t ncap, capcap;
    struct kata_timeline tl;
};

struct smsg {
    uint64_t id;
    int32_t kind, ok;
};

static enum sub host_sub(const struct params *p, long h)
{
    return h < p->hosts[BILLING] ? BILLING : h < p->hosts[BILLING] + p->hosts[INDEX] ? INDEX : PLACEMENT;
}

static void set_active(struct sim *s, struct world *w, enum sub k, int active)
{
    w->sub[k].active = active;
    XGROW(w->cap, w->capcap, w->ncap + 1);
    w->cap[w->ncap++] = (struct avail_cap){s->now, (int)k, active};
    trace_event(s->trace, s->now, FRONT, "capacity", "\"sub\":\"%s\",\"active\":%d", sub_names[k], active);
}

static void restart_wave(struct sim *s, void *ptr, uint64_t k);

/* A full restart: every host of the subsystem is out, then comes back in waves of restart_par, each wave taking
 * the time to load and verify one host's state. */
static void restart_begin(struct sim *s, struct world *w, enum sub k)
{
    struct subsystem *b = &w->sub[k];
    if (b->restarting)
        return;
    b->restarting = true;
    set_active(s, w, k, 0);
    int64_t wave = w->p->state_gb[k] * 60 * SEC / w->p->verify_gb_min;
    replay_tl(&w->tl, BASE_S, s->now,
              "%s: removed hosts put back, full restart: %ld hosts at a time, %.0f min each to load and verify "
              "%ld GB",
              sub_names[k], w->p->restart_par, (double)wave / 60e9, w->p->state_gb[k]);
    sim_at(s, s->now + wave, restart_wave, w, (uint64_t)k);
}

static void restart_wave(struct sim *s, void *ptr, uint64_t kk)
{
    struct world *w = ptr;
    enum sub k = (enum sub)kk;
    struct subsystem *b = &w->sub[k];
    long n = b->active + w->p->restart_par;
    set_active(s, w, k, (int)(n < w->p->hosts[k] ? n : w->p->hosts[k]));
    if (!b->serving && b->active >= w->p->min[k]) {
        b->serving = true;
        b->down = false;
        b->up_at = s->now;
        replay_tl(&w->tl, BASE_S, s->now, "%s: %d of %ld hosts verified: serving again", sub_names[k], b->active,
                  w->p->hosts[k]);
        if (k == INDEX && w->sub[PLACEMENT].down)
            restart_begin(s, w, PLACEMENT); /* placement can only recover on a working index */
    } else if (b->active == w->p->hosts[k]) {
        replay_tl(&w->tl, BASE_S, s->now, "%s: all %d hosts back", sub_names[k], b->active);
    }
    if (b->active < w->p->hosts[k])
        sim_at(s, s->now + w->p->state_gb[k] * 60 * SEC / w->p->verify_gb_min, restart_wave, w, kk);
    else
        b->restarting = false;
}

static void collapse(struct sim *s, void *ptr, uint64_t kk);

static void diagnosed(struct sim *s, void *ptr, uint64_t kk)
{
    struct world *w = ptr;
    enum sub k = (enum sub)kk;
    if (k == PLACEMENT && !w->sub[INDEX].serving)
        return; /* starts when the index serves again */
    restart_begin(s, w, k);
}

static void collapse(struct sim *s, void *ptr, uint64_t kk)
{
    struct world *w = ptr;
    enum sub k = (enum sub)kk;
    struct subsystem *b = &w->sub[k];
    b->serving = false;
    b->down = true;
    b->down_at = s->now;
    replay_tl(&w->tl, BASE_S, s->now, "%s drops below its minimum of %ld hosts (%d of %ld in service): it stops "
                                      "serving and needs a full restart",
              sub_names[k], w->p->min[k], b->active, w->p->hosts[k]);
    if (k != BILLING)
        sim_at(s, s->now + w->p->diagnose, diagnosed, w, kk);
}

/* Takes host h out of service; false (and nothing removed) when the guarded tool refuses. */
static bool remove_host(struct sim *s, struct world *w, long h)
{
    enum sub k = host_sub(w->p, h);
    struct subsystem *b = &w->sub[k];
    if (w->c == GUARDED && b->active - 1 < w->p->min[k]) {
        w->refused++;
        replay_tl(&w->tl, BASE_S, s->now,
                  "tool refuses host %ld: %s would keep %d hosts, below its minimum of %ld; command stopped after "
                  "%ld of %ld removals",
                  h, sub_names[k], b->active - 1, w->p->min[k], w->removed, w->p->entered);
        return false;
    }
    set_active(s, w, k, b->active - 1);
    w->removed++;
    if (w->c != AS_WAS && (b->active == w->p->hosts[k] - 1 || b->active == w->p->min[k]))
        replay_tl(&w->tl, BASE_S, s->now, "tool removes host %ld: %s %d of %ld hosts (minimum %ld)", h,
                  sub_names[k], b->active, w->p->hosts[k], w->p->min[k]);
    if (b->serving && b->active < w->p->min[k])
        collapse(s, w, (uint64_t)k);
    return true;
}

static void command(struct sim *s, void *ptr, uint64_t arg)
{
    struct world *w = ptr;
    const struct params *p = w->p;
    long last = p->first + p->entered;
    if (arg == 0) {
        replay_tl(&w->tl, BASE_S, s->now,
                  "operator runs the playbook's removal command: meant %ld hosts from host %ld, typed %ld (%s)",
                  p->intended, p->first, p->entered,
                  w->c == AS_WAS ? "all at once" : "one host every step");
        w->next_host = p->first;
        if (w->c == AS_WAS) {
            long n[NSUBS] = {0};
            for (long h = p->first; h < last; h++)
                n[host_sub(p, h)]++;
            for (int k = 0; k < NSUBS; k++)
                if (n[k])
                    replay_tl(&w->tl, BASE_S, s->now, "tool removes %ld %s hosts at once: %ld of %ld left",
                              n[k], sub_names[k], p->hosts[k] - n[k], p->hosts[k]);
            for (long h = p->first; h < last; h++)
                remove_host(s, w, h);
            return;
        }
    }
    if (w->next_host < last && remove_host(s, w, w->next_host++) && w->next_host < last)
        sim_at(s, s->now + p->step, command, w, 1);
}

static void on_message(struct sim *s, node_id self, const struct sim_msg *msg)
{
    struct world *w = s->user;
    struct smsg m;
    memcpy(&m, msg->data, sizeof(m));
    if (self == FRONT && msg->type == M_REQ) {
        /* every request needs the index; a PUT also needs placement to allocate storage */
        m.ok = w->sub[INDEX].serving && (m.kind == GET || w->sub[PLACEMENT].serving);
        net_send(s, FRONT, CLIENT, M_REPLY, &m, sizeof(m));
    } else if (self == CLIENT && msg->type == M_REPLY) {
        w->req[m.id].ok = m.ok != 0;
        trace_event(s->trace, s->now, CLIENT, "reply", "\"id\":%llu,\"ok\":%s", (unsigned long long)m.id,
                    m.ok ? "true" : "false");
    }
}

static void on_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    struct world *w = s->user;
    (void)arg;
    (void)kind;
    struct rng *r = sim_rng(s, self);
    XGROW(w->req, w->reqcap, w->nreq + 1);
    struct smsg m = {w->nreq, rng_chance(r, w->p->put_share) ? PUT : GET, 0};
    w->req[w->nreq++] = (struct avail_req){s->now, m.kind, false}; /* false until an ok reply arrives */
    net_send(s, CLIENT, FRONT, M_REQ, &m, sizeof(m));
    int64_t gap = (int64_t)rng_exponential(r, 1e9 / w->p->rps);
    sim_timer(s, CLIENT, gap > 0 ? gap : 1, T_REQ, 0);
}

struct outcome {
    struct avail_report get, put;
    long removed, refused;
    long first_below[NSUBS];
    int lowest[NSUBS];
    int64_t below_at[NSUBS];
};

static void run_config(struct kata_ctx *ctx, const struct params *p, enum config c, bool detail, struct outcome *o)
{
    struct world *w = xcalloc(1, sizeof(*w));
    w->p = p;
    w->c = c;
    for (int k = 0; k < NSUBS; k++)
        w->sub[k] = (struct subsystem){(int)p->hosts[k], true, false, false, -1, -1};
    kata_timeline_init(&w->tl, detail && !ctx->quiet, 60);
    static const struct sim_node_ops ops = {on_message, on_timer, NULL, NULL};
    struct sim s;
    sim_init(&s, ctx->seed, NNODES, &ops, w);
    s.trace = detail ? ctx->trace : NULL;
    sim_timer(&s, CLIENT, 1, T_REQ, 0);
    sim_at(&s, p->cmd_at, command, w, 0);
    sim_run_until(&s, p->until);
    /* requests of the last second may still be in flight: the history judged ends a second before the run */
    size_t n = w->nreq;
    while (n && w->req[n - 1].invoked_at > p->until - SEC)
        n--;
    memset(o, 0, sizeof(*o));
    avail_judge(w->req, n, GET, p->until - SEC, &o->get);
    avail_judge(w->req, n, PUT, p->until - SEC, &o->put);
    o->removed = w->removed;
    o->refused = w->refused;
    for (int k = 0; k < NSUBS; k++) {
        o->first_below[k] = avail_below_min(w->cap, w->ncap, k, (int)p->min[k], (int)p->hosts[k], &o->lowest[k]);
        o->below_at[k] = o->first_below[k] < 0 ? -1 : w->cap[o->first_below[k]].at;
    }
    if (w->tl.on)
        buf_printf(&ctx->text, "\nsimulated timeline (%s; times PST):\n%s", config_names[c],
                   w->tl.text.data ? w->tl.text.data : "");
    sim_close(&s);
    kata_timeline_close(&w->tl);
    free(w->req);
    free(w->cap);
    free(w);
}

/* "2h49m" */
static char *hm(char *out, size_t n, int64_t ns)
{
    long t = (long)(ns / (60 * SEC));
    snprintf(out, n, "%ldh%02ldm", t / 60, t % 60);
    return out;
}

static bool read_params(struct kata_ctx *ctx, struct params *p, int *c)
{
    const struct kata *k = &s3_kata;
    static const char *const hn[NSUBS] = {"billing_hosts", "index_hosts", "placement_hosts"};
    static const char *const mn[NSUBS] = {"billing_min", "index_min", "placement_min"};
    static const char *const sn[NSUBS] = {"billing_state_gb", "index_state_gb", "placement_state_gb"};
    if (!kata_get_choice(ctx, k, "config", config_names, c))
        return false;
    for (int i = 0; i < NSUBS; i++)
        if (!kata_get_int(ctx, k, hn[i], 1, 10000, &p->hosts[i]) ||
            !kata_get_int(ctx, k, mn[i], 1, p->hosts[i], &p->min[i]) ||
            (i != BILLING && !kata_get_int(ctx, k, sn[i], 1, 1000000, &p->state_gb[i])))
            return false;
    long fleet = p->hosts[BILLING] + p->hosts[INDEX] + p->hosts[PLACEMENT];
    p->state_gb[BILLING] = 1;
    if (!kata_get_int(ctx, k, "first", 0, fleet - 1, &p->first) ||
        !kata_get_int(ctx, k, "intended", 1, fleet - p->first, &p->intended) ||
        !kata_get_int(ctx, k, "entered", 1, fleet - p->first, &p->entered) ||
        !kata_get_int(ctx, k, "restart_par", 1, 10000, &p->restart_par) ||
        !kata_get_int(ctx, k, "verify_gb_min", 1, 1000000, &p->verify_gb_min) ||
        !kata_get_double(ctx, k, "rps", 0.01, 1000, &p->rps) ||
        !kata_get_double(ctx, k, "put_share", 0, 1, &p->put_share) ||
        !replay_get_clock(ctx, k, "cmd_at", BASE_S, &p->cmd_at) || !kata_get_duration(ctx, k, "step", &p->step) ||
        !kata_get_duration(ctx, k, "diagnose", &p->diagnose) || !replay_get_clock(ctx, k, "until", BASE_S, &p->until))
        return false;
    if (p->step < SEC || p->until <= p->cmd_at || p->until > 20 * 3600 * SEC) {
        snprintf(ctx->error, sizeof(ctx->error), "bad times: need step >= 1s, cmd_at before until, and until "
                                                 "before 05:30 the next day (the run starts at 09:30)");
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

static int s3_run(struct kata_ctx *ctx)
{
    struct params p;
    int c;
    if (!read_params(ctx, &p, &c))
        return -1;
    struct outcome o;
    char a[16], b[16];
    if (!ctx->quiet) {
        buf_printf(&ctx->text,
                   "the same command under each tool (meant %ld hosts, typed %ld; index minimum %ld of %ld, placement "
                   "%ld of %ld; %.0f requests/s, %.0f%% PUT):\n  %-8s %8s %8s %8s %8s %10s %10s %8s\n",
                   p.intended, p.entered, p.min[INDEX], p.hosts[INDEX], p.min[PLACEMENT], p.hosts[PLACEMENT], p.rps,
                   p.put_share * 100, "config", "removed", "refused", "GET_err", "PUT_err", "GET_down", "PUT_down",
                   "index_low");
        for (int i = 0; i < NCONFIGS; i++) {
            run_config(ctx, &p, (enum config)i, false, &o);
            buf_printf(&ctx->text, "  %-8s %8ld %8ld %8zu %8zu %10s %10s %8d  %s\n", config_names[i], o.removed,
                       o.refused, o.get.failed, o.put.failed, hm(a, sizeof(a), o.get.unavailable_ns),
                       hm(b, sizeof(b), o.put.unavailable_ns), o.lowest[INDEX],
                       o.get.failed || o.put.failed ? "UNAVAILABLE" : "available");
        }
        buf_puts(&ctx->text, "  (GET_err/PUT_err: failed requests; GET_down/PUT_down: time from a failure to the "
                             "next success, summed; index_low: fewest index hosts in service)\n");
    }
    run_config(ctx, &p, (enum config)c, true, &o);
    char at[9];
    if (o.get.failed == 0 && o.put.failed == 0)
        kata_check(ctx, "requests-served", true, "every request served (%zu GET, %zu PUT)", o.get.total,
                   o.put.total);
    else
        kata_check(ctx, "requests-served", false, "%zu of %zu GET failed (unavailable %s from %s); %zu of %zu PUT failed (unavailable %s)",
               o.get.failed, o.get.total, hm(a, sizeof(a), o.get.unavailable_ns),
               o.get.longest_from < 0 ? "-" : replay_clock(at, BASE_S, o.get.longest_from), o.put.failed,
               o.put.total, hm(b, sizeof(b), o.put.unavailable_ns));
    int worst = -1;
    for (int k = 0; k < NSUBS && worst < 0; k++)
        if (o.first_below[k] >= 0)
            worst = k;
    if (worst < 0)
        kata_check(ctx, "capacity-above-minimum", true,
                   "every subsystem kept its minimum (index down to %d of %ld hosts, minimum %ld)", o.lowest[INDEX],
                   p.hosts[INDEX], p.min[INDEX]);
    else
        kata_check(ctx, "capacity-above-minimum", false, "%s fell to %d of %ld hosts (minimum %ld), first below at %s",
                   sub_names[worst], o.lowest[worst], p.hosts[worst], p.min[worst],
                   replay_clock(at, BASE_S, o.below_at[worst]));
    kata_figure(ctx, "hosts_removed", (double)o.removed);
    kata_figure(ctx, "removals_refused", (double)o.refused);
    kata_figure(ctx, "get_failed", (double)o.get.failed);
    kata_figure(ctx, "put_failed", (double)o.put.failed);
    kata_figure(ctx, "get_unavailable_s", (double)o.get.unavailable_ns / 1e9);
    kata_figure(ctx, "put_unavailable_s", (double)o.put.unavailable_ns / 1e9);
    kata_figure(ctx, "index_lowest_hosts", (double)o.lowest[INDEX]);
    return 0;
}

static const struct kata_param params[] = {
    {"config", "as-was",
     "as-was (the tool removes every host it is given at once) | slow (one host every step, no check) | guarded "
     "(one host every step, refusing a removal that takes a subsystem below its minimum: AWS's change)"},
    {"cmd_at", "09:37", "when the command runs (the postmortem: 9:37 AM PST)"},
    {"first", "2", "the first host the command names; the fleet lists billing, then index, then placement hosts"},
    {"intended", "2", "hosts the operator meant to remove (a small number of billing hosts; the count is the model's)"},
    {"entered", "30", "hosts the mistyped input removes (the model's figure; AWS did not publish it)"},
    {"step", "30s", "slow and guarded: time between two removals"},
    {"billing_hosts", "4", "billing subsystem hosts (the model's figure)"},
    {"billing_min", "2", "billing's minimum"},
    {"index_hosts", "24", "index subsystem hosts: object metadata, needed by every request (the model's figure)"},
    {"index_min", "16", "index's minimum hosts in service to serve"},
    {"index_state_gb", "600", "metadata each index host loads and verifies on a full restart (the model's figure)"},
    {"placement_hosts", "12", "placement subsystem hosts: storage for new objects, needed by PUT"},
    {"placement_min", "9", "placement's minimum hosts in service"},
    {"placement_state_gb", "440", "state each placement host verifies on a full restart"},
    {"verify_gb_min", "10", "GB a host loads and verifies per minute"},
    {"restart_par", "8", "hosts restarted at once"},
    {"diagnose", "45m", "from a subsystem stopping to its full restart beginning (the model's figure)"},
    {"rps", "2", "client requests per second (the model's figure)"},
    {"put_share", "0.3", "share of requests that are PUT (the rest: GET, LIST, DELETE)"},
    {"until", "14:30", "when the run ends"},
};

static const struct kata s3_kata = {
    .name = "s3-2017",
    .summary = "Amazon S3 us-east-1, 28 February 2017: a mistyped removal takes index and placement below minimum",
    .drill = "001 Kata 4 (outage postmortem analysis); 000 Kata 3 (quorums and minimum capacity)",
    .time_limit = "60 minutes per postmortem",
    .repeat_until = "you can spot a distributed-systems concept in any outage narrative without rereading",
    .what = "A system built to lose capacity still has a floor. A tool that removes capacity without knowing the "
            "floor turns one typo into a full restart, and a restart path nobody has exercised at today's scale "
            "takes as long as the state it must verify.",
    .reading = "The table runs the same command under each tool; the timeline follows the chosen one.",
    .params = params,
    .nparams = (int)(sizeof(params) / sizeof(params[0])),
    .run = s3_run,
};

const struct replay replay_s3_2017 = {
    .name = "s3-2017",
    .title = "Amazon S3 us-east-1, 28 February 2017: S3 requests failing for about four hours",
    .source = "AWS's \"Summary of the Amazon S3 Service Disruption in the Northern Virginia (US-EAST-1) Region\" "
              "(aws.amazon.com/message/41926, March 2017)",
    .timeline =
        "before     the S3 team is debugging why the S3 billing system is progressing more slowly than expected\n"
        "09:37 PST  following an established playbook, an authorised team member runs a command meant to take a\n"
        "           few servers of a subsystem used by billing out of service; one input is mistyped and a much\n"
        "           larger set is removed, including servers of two other subsystems:\n"
        "           the index subsystem (metadata and location of every object in the region; every GET, LIST,\n"
        "           PUT and DELETE needs it) and the placement subsystem (allocates storage for new objects; PUT\n"
        "           needs it, and it needs a working index)\n"
        "           with that much capacity gone both need a full restart; until then S3 in the region cannot\n"
        "           serve requests, and AWS services built on it (the S3 console, new EC2 launches, EBS volumes\n"
        "           restored from snapshots, Lambda) are impaired too\n"
        "           neither subsystem had been fully restarted in the larger regions for many years; with the\n"
        "           growth since, restarting and the safety checks validating the metadata take longer than\n"
        "           expected\n"
        "11:37      until now the AWS Service Health Dashboard could not show the services' status: its\n"
        "           administration console itself depended on S3\n"
        "12:26      the index has enough capacity back to serve GET, LIST and DELETE\n"
        "13:18      the index is fully recovered\n"
        "13:54      placement, which began recovering once the index worked, is done: PUT works, S3 is back to\n"
        "           normal (about 4 hours 17 minutes after the command); other services work off their backlogs\n"
        "after      AWS changes the tool to remove capacity more slowly and to refuse removals that would take\n"
        "           any subsystem below its minimum required capacity, audits its other tools for the same\n"
        "           checks, and moves up work to split the index into smaller cells\n",
    .concepts = "minimum capacity as a quorum-like floor; blast radius of an operator tool; a safety check that "
                "lives in the tool and not in the operator; recovery paths that are never exercised (restart time "
                "that grows with state); dependencies between subsystems (placement needs the index); monitoring "
                "that depends on the system it monitors; cells to bound the blast radius",
    .prevented = "a removal tool that goes one host at a time and refuses any removal that would take a subsystem "
                 "below its minimum (AWS's change): the same typo removes the billing hosts and some index hosts, "
                 "then stops at the index's minimum; every request is served. Slowness alone is not enough: "
                 "without the check the same command crosses the minimum a few minutes later.",
    .prevent_config = "guarded",
    .scenario = &s3_kata,
    .check_params = check_params,
};
