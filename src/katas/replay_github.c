/* Replay `github-2018`: GitHub's 21 October 2018 outage rebuilt on the simulator (001 Kata 4, 000 Kata 4). A
 * MySQL-style primary in the US East data centre replicates asynchronously (with a lag) to a replica in US West;
 * three orchestrator nodes (East, West, a public cloud region) decide failovers by majority. For 43 seconds the
 * East data centre is cut off from the network hub; the West and cloud orchestrators agree the primary is dead and
 * promote the West replica; the application tier, told the new topology, writes across the country. The writes
 * East had acknowledged but not yet shipped exist only in East; everything after the promotion only in West.
 * The same fault is run with the configurations that would have prevented it: no promotion across regions
 * (GitHub's stated remediation), and semi-synchronous commits to the West replica. The checker
 * (src/check/lostwrites.h) judges from the acknowledged writes and each data centre's log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/lostwrites.h"
#include "core/dist.h"
#include "core/sim.h"
#include "core/trace.h"
#include "core/units.h"
#include "katas/kata.h"

#define MS NS_PER_MS
#define SEC NS_PER_S
/* A run's application writes at most: every tps up to 10000 with the default times (1.63e6), and at the bound
 * (--param tps=10000 --param after=97s) a replay takes 9 s and 206 MB. */
#define MAX_WRITES 2e6

extern const struct kata replay_github_2018;

enum { EDB, WDB, OE, OW, OC, APP, NNODES };
static const char *const node_name[NNODES] = {"east-db", "west-db", "orch-east", "orch-west", "orch-cloud", "app"};
enum { M_WRITE = 1, M_ACK, M_REPL, M_REPL_ACK, M_PING, M_PONG, M_SUSPECT, M_PROMOTE, M_TOPO };
enum { T_WRITE = 1, T_SHIP, T_PING };
enum config { AS_WAS, NO_CROSS_REGION, SEMI_SYNC, NCONFIGS };
static const char *const config_names[] = {"as-was", "no-cross-region", "semi-sync", NULL};

struct params {
    int64_t partition_at, partition, detect, ping, repl_lag, cross, local, after;
    long tps;
};

struct db {
    bool primary;
    int64_t term;
    uint64_t *log; /* write ids in LSN order */
    size_t n, cap;
    size_t shipped_acked; /* east: entries west has confirmed */
};

struct world {
    const struct params *p;
    enum config c;
    struct db db[2];
    /* app */
    int target; /* EDB or WDB */
    uint64_t next_id;
    struct lw_write *w;
    size_t nw, wcap;
    int64_t last_ack_at, worst_gap, promoted_at;
    /* orchestrators */
    int64_t last_pong[NNODES];
    bool suspects[NNODES][NNODES]; /* suspects[viewer][o]: what viewer knows of orchestrator o's suspicion */
    bool promoted, refused;
    struct lw_accept *acc;
    size_t nacc, acccap;
    struct lw_term terms[4];
    size_t nterms;
    struct kata_timeline tl;
};

struct wmsg {
    uint64_t id;
    int64_t term;
    uint32_t from_index, count;
};

static void append(struct world *w, int d, uint64_t id, int64_t at)
{
    struct db *b = &w->db[d];
    XGROW(b->log, b->cap, b->n + 1);
    b->log[b->n++] = id;
    if (b->primary) {
        XGROW(w->acc, w->acccap, w->nacc + 1);
        w->acc[w->nacc++] = (struct lw_accept){id, d, b->term, at};
    }
}

static void send(struct sim *s, int from, int to, int type, const void *m, uint32_t len)
{
    net_send(s, from, to, type, m, len);
}

static void ship(struct sim *s, struct world *w, bool immediate)
{
    struct db *e = &w->db[EDB];
    if (!e->primary || w->db[WDB].primary)
        return;
    /* Asynchronous replication ships entries repl_lag old; semi-sync ships at once. A batch is the index of its
     * first entry and the ids: the replica appends only what extends its log. Until west is promoted every accept
     * is east's, so acc[k] is east's log entry k and says when it was written. */
    size_t upto = e->n;
    if (!immediate) {
        int64_t age_ok = s->now - w->p->repl_lag;
        size_t k = e->shipped_acked;
        while (k < e->n && k < w->nacc && w->acc[k].at <= age_ok)
            k++;
        upto = k;
    }
    if (upto <= e->shipped_acked)
        return;
    uint32_t cnt = (uint32_t)(upto - e->shipped_acked);
    if (cnt > 4096)
        cnt = 4096;
    size_t len = sizeof(struct wmsg) + cnt * sizeof(uint64_t);
    unsigned char *buf = xmalloc(len);
    struct wmsg h = {0, e->term, (uint32_t)e->shipped_acked, cnt};
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), e->log + e->shipped_acked, cnt * sizeof(uint64_t));
    send(s, EDB, WDB, M_REPL, buf, (uint32_t)len);
    free(buf);
}

static void ack_client(struct sim *s, struct world *w, int d, uint64_t id)
{
    struct wmsg m = {id, w->db[d].term, 0, 0};
    send(s, d, APP, M_ACK, &m, sizeof(m));
}

static void on_db(struct sim *s, struct world *w, int self, const struct sim_msg *msg, const struct wmsg *m)
{
    struct db *b = &w->db[self];
    switch (msg->type) {
    case M_WRITE:
        if (!b->primary)
            return;
        append(w, self, m->id, s->now);
        if (w->c == SEMI_SYNC && self == EDB)
            ship(s, w, true); /* the client's ack waits for west's confirmation */
        else
            ack_client(s, w, self, m->id);
        break;
    case M_REPL: {
        if (b->primary)
            return; /* a promoted replica stops applying the old primary's stream */
        const unsigned char *ids = msg->data + sizeof(struct wmsg);
        for (uint32_t i = 0; i < m->count; i++) {
            size_t idx = m->from_index + i;
            if (idx == b->n) {
                uint64_t id;
                memcpy(&id, ids + i * sizeof(uint64_t), sizeof(id));
                append(w, self, id, s->now);
            }
        }
        struct wmsg r = {0, 0, (uint32_t)b->n, 0};
        send(s, WDB, EDB, M_REPL_ACK, &r, sizeof(r));
        break;
    }
    case M_REPL_ACK:
        if (m->from_index > b->shipped_acked) {
            if (w->c == SEMI_SYNC)
                for (size_t i = b->shipped_acked; i < m->from_index; i++)
                    ack_client(s, w, EDB, b->log[i]);
            b->shipped_acked = m->from_index;
        }
        break;
    case M_PING: {
        struct wmsg r = {0, b->term, 0, 0};
        send(s, self, msg->from, M_PONG, &r, sizeof(r));
        break;
    }
    case M_PROMOTE:
        if (b->primary)
            return;
        b->primary = true;
        b->term = m->term;
        w->terms[w->nterms++] = (struct lw_term){b->term, self, s->now};
        w->promoted_at = s->now;
        trace_event(s->trace, s->now, self, "promoted", "\"term\":%lld,\"writes\":%zu", (long long)b->term, b->n);
        kata_tl(&w->tl, s->now, "west-db promoted to primary (term %lld) with %zu of east's %zu writes",
                (long long)b->term, b->n, w->db[EDB].n);
        break;
    }
}

static void orch_decide(struct sim *s, struct world *w, int self)
{
    int votes = 0;
    for (int o = OE; o <= OC; o++)
        votes += w->suspects[self][o];
    if (votes < 2 || w->promoted || w->refused)
        return;
    if (w->c == NO_CROSS_REGION) {
        w->refused = true;
        trace_event(s->trace, s->now, self, "refuse-cross-region", NULL);
        kata_tl(&w->tl, s->now, "%s: quorum agrees east-db is down, but the only candidate (west-db) is in "
                                "another region: no promotion, writes wait",
                node_name[self]);
        return;
    }
    w->promoted = true;
    trace_event(s->trace, s->now, self, "promote", "\"votes\":%d", votes);
    kata_tl(&w->tl, s->now, "%s: quorum (%d of 3) agrees east-db is down; promoting west-db across the country",
            node_name[self], votes);
    struct wmsg m = {0, 2, 0, 0};
    send(s, self, WDB, M_PROMOTE, &m, sizeof(m));
    send(s, self, APP, M_TOPO, &m, sizeof(m));
}

static void on_message(struct sim *s, node_id self, const struct sim_msg *msg)
{
    struct world *w = s->user;
    struct wmsg m;
    memcpy(&m, msg->data, sizeof(m));
    if (self == EDB || self == WDB) {
        on_db(s, w, self, msg, &m);
    } else if (self == APP) {
        if (msg->type == M_ACK) {
            struct lw_write *x = &w->w[m.id - 1];
            if (x->acked_at < 0) {
                x->acked_at = s->now;
                trace_event(s->trace, s->now, msg->from, "ack", "\"id\":%llu", (unsigned long long)m.id);
                if (s->now - w->last_ack_at > w->worst_gap)
                    w->worst_gap = s->now - w->last_ack_at;
                w->last_ack_at = s->now;
            }
        } else if (msg->type == M_TOPO && w->target != WDB) {
            w->target = WDB;
            trace_event(s->trace, s->now, self, "topology", "\"primary\":%d", WDB);
            kata_tl(&w->tl, s->now, "app: new topology, writes now go to west-db (%.0fms round trip)",
                    2.0 * (double)w->p->cross / 1e6);
        }
    } else if (msg->type == M_PONG) {
        w->last_pong[self] = s->now;
    } else if (msg->type == M_SUSPECT) {
        w->suspects[self][msg->from] = m.count != 0;
        orch_decide(s, w, self);
    }
}

static void on_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    struct world *w = s->user;
    const struct params *p = w->p;
    (void)arg;
    if (kind == T_WRITE) {
        XGROW(w->w, w->wcap, w->nw + 1);
        uint64_t id = ++w->next_id;
        w->w[w->nw++] = (struct lw_write){id, 0, s->now, -1};
        struct wmsg m = {id, 0, 0, 0};
        send(s, APP, w->target, M_WRITE, &m, sizeof(m));
        sim_timer(s, APP, SEC / p->tps, T_WRITE, 0);
    } else if (kind == T_SHIP) {
        ship(s, w, w->c == SEMI_SYNC);
        sim_timer(s, EDB, 100 * MS, T_SHIP, 0);
    } else if (kind == T_PING) {
        struct wmsg m = {0, 0, 0, 0};
        send(s, self, EDB, M_PING, &m, sizeof(m));
        bool down = s->now - w->last_pong[self] > p->detect;
        if (down != w->suspects[self][self]) {
            w->suspects[self][self] = down;
            trace_event(s->trace, s->now, self, down ? "suspect" : "unsuspect", NULL);
            if (down)
                kata_tl(&w->tl, s->now, "%s: no answer from east-db for %.0fs: suspects it", node_name[self],
                        (double)p->detect / 1e9);
            struct wmsg v = {0, 0, 0, down};
            for (int o = OE; o <= OC; o++)
                if (o != self)
                    send(s, self, o, M_SUSPECT, &v, sizeof(v));
            orch_decide(s, w, self);
        }
        sim_timer(s, self, p->ping, T_PING, 0);
    }
}

static void cut(struct sim *s, void *ptr, uint64_t arg)
{
    struct world *w = ptr;
    (void)arg;
    int group[NNODES] = {0, 1, 0, 1, 1, 1}; /* the east data centre on one side, the hub and the rest on the other */
    net_partition(s, group);
    trace_event(s->trace, s->now, -1, "partition", NULL);
    kata_tl(&w->tl, s->now, "fault: east data centre cut off from the network hub (%.0fs); east-db has %zu writes, "
                            "west-db %zu",
            (double)w->p->partition / 1e9, w->db[EDB].n, w->db[WDB].n);
}

static void heal(struct sim *s, void *ptr, uint64_t arg)
{
    struct world *w = ptr;
    (void)arg;
    net_heal(s);
    trace_event(s->trace, s->now, -1, "heal", NULL);
    kata_tl(&w->tl, s->now, "fault healed: east-db has %zu writes (%s), west-db %zu (%s)", w->db[EDB].n,
            w->db[EDB].primary ? "still primary" : "replica", w->db[WDB].n, w->db[WDB].primary ? "primary" : "replica");
}

struct outcome {
    size_t writes, acked, lost_final, east_only, west_only, deposed_accepts;
    int final_primary;
    int64_t promoted_at, worst_gap;
};

static void count_only(const struct world *w, int d, int other, size_t *out)
{
    /* acknowledged writes present in d's log and absent from other's */
    size_t n = 0;
    char *in_other = xcalloc(w->next_id + 1, 1);
    for (size_t i = 0; i < w->db[other].n; i++)
        in_other[w->db[other].log[i]] = 1;
    for (size_t i = 0; i < w->db[d].n; i++) {
        uint64_t id = w->db[d].log[i];
        n += !in_other[id] && w->w[id - 1].acked_at >= 0;
    }
    free(in_other);
    *out = n;
}

static void run_config(struct kata_ctx *ctx, const struct params *p, enum config c, bool detail, struct outcome *o,
                       struct lw_report *rep)
{
    struct world *w = xcalloc(1, sizeof(*w));
    w->p = p;
    w->c = c;
    w->target = EDB;
    w->db[EDB].primary = true;
    w->db[EDB].term = 1;
    w->terms[w->nterms++] = (struct lw_term){1, EDB, 0};
    kata_timeline_init(&w->tl, detail && !ctx->quiet, 60);
    static const struct sim_node_ops ops = {on_message, on_timer, NULL, NULL};
    struct sim s;
    sim_init(&s, ctx->seed, NNODES, &ops, w);
    s.trace = detail ? ctx->trace : NULL;
    struct dist local, cross;
    dist_const(&local, p->local);
    dist_const(&cross, p->cross);
    net_set_default(&s, &local, 0, 0);
    /* west and the cloud are across the country from the east data centre and its hub */
    for (int a = 0; a < NNODES; a++)
        for (int b = 0; b < NNODES; b++) {
            bool aw = a == WDB || a == OW, bw = b == WDB || b == OW;
            if (a != b && aw != bw)
                net_set_link(&s, a, b, &cross, 0, 0);
        }
    sim_timer(&s, APP, 0, T_WRITE, 0);
    sim_timer(&s, EDB, 100 * MS, T_SHIP, 0);
    for (int o2 = OE; o2 <= OC; o2++)
        sim_timer(&s, o2, p->ping + o2 * MS, T_PING, 0);
    sim_at(&s, p->partition_at, cut, w, 0);
    sim_at(&s, p->partition_at + p->partition, heal, w, 0);
    int64_t end = p->partition_at + p->partition + p->after;
    sim_run_until(&s, end);
    if (end - w->last_ack_at > w->worst_gap)
        w->worst_gap = end - w->last_ack_at;
    memset(o, 0, sizeof(*o));
    o->final_primary = w->db[WDB].primary ? WDB : EDB;
    o->writes = w->nw;
    lostwrites_check(w->w, w->nw, w->db[o->final_primary].log, w->db[o->final_primary].n, rep);
    o->acked = rep->acked;
    o->lost_final = rep->nlost;
    count_only(w, EDB, WDB, &o->east_only);
    count_only(w, WDB, EDB, &o->west_only);
    struct lw_fence_report fr;
    o->deposed_accepts = lostwrites_fencing(w->acc, w->nacc, w->terms, w->nterms, &fr);
    o->promoted_at = w->promoted ? w->promoted_at : -1;
    o->worst_gap = w->worst_gap;
    if (w->tl.on)
        buf_printf(&ctx->text, "\nsimulated timeline (%s; the partition starts at %.0fs):\n%s", config_names[c],
                   (double)p->partition_at / 1e9, w->tl.text.data ? w->tl.text.data : "");
    sim_close(&s);
    kata_timeline_close(&w->tl);
    for (int d = 0; d < 2; d++)
        free(w->db[d].log);
    free(w->w);
    free(w->acc);
    free(w);
}

static bool read_params(struct kata_ctx *ctx, struct params *p, int *c)
{
    const struct kata *k = &replay_github_2018;
    if (!kata_get_choice(ctx, k, "config", config_names, c) ||
        !kata_get_duration(ctx, k, "partition_at", &p->partition_at) ||
        !kata_get_duration(ctx, k, "partition", &p->partition) || !kata_get_duration(ctx, k, "detect", &p->detect) ||
        !kata_get_duration(ctx, k, "ping", &p->ping) || !kata_get_duration(ctx, k, "repl_lag", &p->repl_lag) ||
        !kata_get_duration(ctx, k, "cross_latency", &p->cross) ||
        !kata_get_duration(ctx, k, "local_latency", &p->local) || !kata_get_duration(ctx, k, "after", &p->after) ||
        !kata_get_int(ctx, k, "tps", 1, 10000, &p->tps))
        return false;
    /* in double: each time may be up to 9e18ns, and their sum must not wrap */
    double run = (double)p->partition_at + (double)p->partition + (double)p->after;
    if (p->ping <= 0 || p->detect < p->ping || p->partition <= 0 || p->local <= 0 || p->cross <= 0 ||
        p->partition_at <= p->detect || run > 3600.0 * SEC || run / SEC * (double)p->tps > MAX_WRITES) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad times: need ping > 0, detect >= ping, partition > 0, latencies > 0, partition_at > detect, "
                 "and a run (partition_at + partition + after) of at most 1h and 2e6 writes (tps x run)");
        return false;
    }
    return true;
}

bool replay_github_2018_params(struct kata_ctx *ctx)
{
    struct params p;
    int c;
    return read_params(ctx, &p, &c);
}

static int github_run(struct kata_ctx *ctx)
{
    struct params p;
    int c;
    if (!read_params(ctx, &p, &c))
        return -1;
    struct outcome o;
    struct lw_report rep;
    if (!ctx->quiet) {
        buf_printf(&ctx->text,
                   "the same fault under each configuration (partition %.0fs, detection %.0fs, %ld writes/s, "
                   "replication lag %.1fs):\n  %-16s %8s %10s %10s %10s %12s %14s\n",
                   (double)p.partition / 1e9, (double)p.detect / 1e9, p.tps, (double)p.repl_lag / 1e9, "config",
                   "acked", "east_only", "west_only", "lost", "promoted_s", "longest_gap_s");
        for (int i = 0; i < NCONFIGS; i++) {
            run_config(ctx, &p, (enum config)i, false, &o, &rep);
            lw_report_close(&rep);
            buf_printf(&ctx->text, "  %-16s %8zu %10zu %10zu %10zu %12.2f %14.2f  %s\n", config_names[i], o.acked,
                       o.east_only, o.west_only, o.lost_final,
                       o.promoted_at < 0 ? -1.0 : (double)(o.promoted_at - p.partition_at) / 1e9,
                       (double)o.worst_gap / 1e9,
                       o.east_only && o.west_only ? "DIVERGED" : o.lost_final ? "LOST WRITES" : "one history");
        }
        buf_puts(&ctx->text, "  (east_only/west_only: acknowledged writes in one data centre's log and not the "
                             "other's; promoted_s: after the partition began, -1 never; longest_gap_s: longest time "
                             "without an acknowledged write)\n");
    }
    run_config(ctx, &p, (enum config)c, true, &o, &rep);
    kata_check(ctx, "acked-writes-on-final-primary", rep.nlost == 0,
               "%zu of %zu acknowledged writes are missing from the final primary (%s)", rep.nlost, rep.acked,
               node_name[o.final_primary]);
    kata_check(ctx, "one-history", !(o.east_only && o.west_only),
               o.east_only && o.west_only
                   ? "%zu acknowledged writes exist only in east and %zu only in west: no automatic reconciliation"
                   : "one data centre's log holds every acknowledged write (east-only %zu, west-only %zu)",
               o.east_only, o.west_only);
    kata_check(ctx, "no-deposed-writes", o.deposed_accepts == 0,
               "%zu writes accepted by east-db after west-db's term began", o.deposed_accepts);
    lw_report_close(&rep);
    kata_figure(ctx, "acked_writes", (double)o.acked);
    kata_figure(ctx, "east_only_writes", (double)o.east_only);
    kata_figure(ctx, "west_only_writes", (double)o.west_only);
    kata_figure(ctx, "lost_on_final_primary", (double)o.lost_final);
    kata_figure(ctx, "promoted_after_s", o.promoted_at < 0 ? -1 : (double)(o.promoted_at - p.partition_at) / 1e9);
    kata_figure(ctx, "longest_write_gap_s", (double)o.worst_gap / 1e9);
    return 0;
}

static const struct kata_param params[] = {
    {"config", "as-was",
     "as-was (async, cross-region promotion allowed) | no-cross-region (orchestrator never promotes in another "
     "region) | semi-sync (east commits once west has the write)"},
    {"partition_at", "60s", "when the east data centre loses the hub (22:52 UTC in the postmortem)"},
    {"partition", "43s", "how long it stays cut off (43 seconds in the postmortem)"},
    {"detect", "10s", "an orchestrator suspects the primary after this long without an answer"},
    {"ping", "1s", "orchestrator health-check interval"},
    {"repl_lag", "2s", "asynchronous replication lag east -> west (\"a few seconds of writes\" not replicated)"},
    {"cross_latency", "30ms", "one-way latency across the country (the model's figure)"},
    {"local_latency", "1ms", "one-way latency within a region"},
    {"after", "60s", "how long the run goes on after the partition heals"},
    {"tps", "100", "application writes per second"},
};

const struct kata replay_github_2018 = {
    .name = "github-2018",
    .summary = "GitHub, 21 October 2018: 43-second partition, cross-country promotion, writes on both sides",
    .drill = "001 Kata 4 (outage postmortem analysis); 000 Kata 1 (failover data-loss windows)",
    .time_limit = "60 minutes per postmortem",
    .repeat_until = "you can spot a distributed-systems concept in any outage narrative without rereading",
    .what = "A failover decided by a healthy quorum can still be wrong: the quorum of orchestrators was right that "
            "it could not reach the primary, not that the primary was down, and an asynchronous replica promoted "
            "across regions leaves two histories.",
    .reading = "The table runs the same fault under each configuration; the timeline follows the chosen one.",
    .params = params,
    .nparams = (int)(sizeof(params) / sizeof(params[0])),
    .run = github_run,
};
