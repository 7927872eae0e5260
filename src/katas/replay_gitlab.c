/* Replay `gitlab-2017`: GitLab.com's database outage of 31 January 2017 rebuilt on the simulator (001 Kata 4,
 * 000 Kata 1). A PostgreSQL-style primary (db1) takes the application's writes and keeps a bounded window of WAL;
 * a hot standby (db2) pulls WAL at a limited rate. A load spike outruns the standby; without a replication slot the
 * primary recycles WAL the standby still needs, replication stops, and the standby is emptied to be re-seeded. Then
 * the primary's data directory is removed. What can be restored decides what is lost: the configurations differ in
 * the replication slot, a WAL archive with a tested base backup (point-in-time recovery), and whether the backups
 * restore at all. The verdict comes from the recorded history: the acknowledged writes against the log of the
 * database that is restored (src/check/lostwrites.h), the standby's state at the loss, and each backup's content
 * against what the primary held when it was taken. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/lostwrites.h"
#include "core/dist.h"
#include "core/sim.h"
#include "core/trace.h"
#include "core/units.h"
#include "katas/kata.h"
#include "katas/replay.h"

#define SEC NS_PER_S
#define BASE_S (17 * 3600) /* virtual time 0 is 17:00:00 UTC */

extern const struct replay replay_gitlab_2017;
static const struct kata gitlab_kata;

enum { DB1, DB2, APP, ARCHIVE, NNODES };
enum { M_WRITE = 1, M_ACK, M_PULL, M_WAL, M_WAL_GONE, M_ARCHIVE };
enum { T_WRITE = 1, T_PULL, T_ARCHIVE };
enum config { AS_WAS, SLOT, SLOT_PITR, NCONFIGS };
static const char *const config_names[] = {"as-was", "slot", "slot-pitr", NULL};

struct params {
    long tps, spike, replica_rate, wal_keep;
    int64_t spike_at, snapshot_at, dump_at, rebuild_at, basebackup, delete_at, archive_timeout, rpo;
};

/* A copy of the database taken at `at`, when the primary held `held` records; ids is what a restore gets back. */
struct backup {
    const char *name;
    const char *broken; /* why its content is short, or NULL */
    int64_t at;
    size_t held;
    uint64_t *ids;
    size_t n;
};

struct idlog {
    uint64_t *ids;
    size_t n, cap;
};

enum replica_state { STREAMING, BROKEN, WIPED };

struct world {
    const struct params *p;
    enum config c;
    struct idlog wal;     /* db1: write ids in LSN order */
    size_t oldest;        /* db1: first LSN still kept */
    size_t slot;          /* db1: the standby's confirmed position (slot configurations) */
    size_t archived;      /* db1: LSNs shipped to the archive */
    bool db1_gone;
    struct idlog standby; /* db2: applied WAL */
    enum replica_state rs;
    int64_t broke_at, wiped_at;
    size_t broke_need, broke_oldest, peak_lag, peak_kept;
    struct idlog archive; /* the archive host: WAL shipped off db1 */
    struct backup bk[3];
    size_t nbk;
    struct lw_write *w;
    size_t nw, wcap;
    uint64_t next_id;
    int64_t next_hour;
    struct kata_timeline tl;
};

struct gmsg {
    uint64_t id, from, count;
};

static void idlog_add(struct idlog *l, uint64_t id)
{
    XGROW(l->ids, l->cap, l->n + 1);
    l->ids[l->n++] = id;
}

static void send_ids(struct sim *s, int from, int to, int type, uint64_t first, const uint64_t *ids, size_t cnt)
{
    size_t len = sizeof(struct gmsg) + cnt * sizeof(uint64_t);
    unsigned char *buf = xmalloc(len);
    struct gmsg h = {0, first, cnt};
    memcpy(buf, &h, sizeof(h));
    if (cnt)
        memcpy(buf + sizeof(h), ids, cnt * sizeof(uint64_t));
    net_send(s, from, to, type, buf, (uint32_t)len);
    free(buf);
}

static void append_ids(struct idlog *l, const struct sim_msg *msg, const struct gmsg *m)
{
    if (m->from != l->n)
        return; /* only what extends the log */
    const unsigned char *ids = msg->data + sizeof(struct gmsg);
    for (uint64_t i = 0; i < m->count; i++) {
        uint64_t id;
        memcpy(&id, ids + i * sizeof(uint64_t), sizeof(id));
        idlog_add(l, id);
    }
}

/* The primary keeps wal_keep records for any standby (wal_keep_segments); a replication slot also pins everything
 * from the standby's confirmed position, however far back that is. */
static void retain(struct world *w)
{
    size_t n = w->wal.n, keep = (size_t)w->p->wal_keep;
    size_t oldest = n > keep ? n - keep : 0;
    if (w->c != AS_WAS && w->slot < oldest)
        oldest = w->slot;
    if (oldest > w->oldest)
        w->oldest = oldest;
    if (n - w->oldest > w->peak_kept)
        w->peak_kept = n - w->oldest;
}

static void on_db1(struct sim *s, struct world *w, const struct sim_msg *msg, const struct gmsg *m)
{
    if (msg->type == M_WRITE) {
        idlog_add(&w->wal, m->id);
        retain(w);
        struct gmsg a = {m->id, 0, 0};
        net_send(s, DB1, APP, M_ACK, &a, sizeof(a));
    } else if (msg->type == M_PULL) {
        if (w->c != AS_WAS && m->from > w->slot)
            w->slot = m->from;
        retain(w);
        if (w->wal.n - m->from > w->peak_lag)
            w->peak_lag = w->wal.n - m->from;
        if (m->from < w->oldest) {
            struct gmsg g = {0, m->from, w->oldest};
            net_send(s, DB1, DB2, M_WAL_GONE, &g, sizeof(g));
            return;
        }
        size_t cnt = w->wal.n - m->from < m->count ? w->wal.n - m->from : m->count;
        send_ids(s, DB1, DB2, M_WAL, m->from, w->wal.ids + m->from, cnt);
    }
}

static void on_message(struct sim *s, node_id self, const struct sim_msg *msg)
{
    struct world *w = s->user;
    struct gmsg m;
    memcpy(&m, msg->data, sizeof(m));
    if (self == DB1) {
        on_db1(s, w, msg, &m);
    } else if (self == DB2 && w->rs == STREAMING) {
        if (msg->type == M_WAL) {
            append_ids(&w->standby, msg, &m);
        } else if (msg->type == M_WAL_GONE) {
            w->rs = BROKEN;
            w->broke_at = s->now;
            w->broke_need = m.from;
            w->broke_oldest = m.count;
            trace_event(s->trace, s->now, DB2, "replication-broken", "\"need\":%llu,\"oldest\":%llu",
                        (unsigned long long)m.from, (unsigned long long)m.count);
            replay_tl(&w->tl, BASE_S, s->now,
                      "db2 asks for WAL from record %llu; db1 keeps only from %llu (recycled): replication stops, "
                      "db2 is frozen %llu records behind",
                      (unsigned long long)m.from, (unsigned long long)m.count,
                      (unsigned long long)(w->wal.n - m.from));
        }
    } else if (self == ARCHIVE && msg->type == M_ARCHIVE) {
        append_ids(&w->archive, msg, &m);
    } else if (self == APP && msg->type == M_ACK) {
        struct lw_write *x = &w->w[m.id - 1];
        if (x->acked_at < 0) {
            x->acked_at = s->now;
            trace_event(s->trace, s->now, DB1, "ack", "\"id\":%llu", (unsigned long long)m.id);
        }
    }
}

static void on_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    struct world *w = s->user;
    const struct params *p = w->p;
    (void)arg;
    (void)self;
    if (kind == T_WRITE) {
        XGROW(w->w, w->wcap, w->nw + 1);
        uint64_t id = ++w->next_id;
        w->w[w->nw++] = (struct lw_write){id, 0, s->now, -1};
        struct gmsg m = {id, 0, 0};
        net_send(s, APP, DB1, M_WRITE, &m, sizeof(m));
        double rate = (double)p->tps * (s->now >= p->spike_at ? (double)p->spike : 1.0);
        int64_t gap = (int64_t)rng_exponential(sim_rng(s, APP), 1e9 / rate);
        sim_timer(s, APP, gap > 0 ? gap : 1, T_WRITE, 0);
    } else if (kind == T_PULL) {
        if (w->rs == STREAMING) {
            struct gmsg m = {0, w->standby.n, (uint64_t)p->replica_rate};
            net_send(s, DB2, DB1, M_PULL, &m, sizeof(m));
        }
        if (s->now >= w->next_hour) {
            w->next_hour += 3600 * SEC;
            replay_tl(&w->tl, BASE_S, s->now, "db1 has %zu records and keeps %zu; db2 %s at %zu (%zu behind)",
                      w->wal.n, w->wal.n - w->oldest,
                      w->rs == STREAMING ? "streams" : w->rs == BROKEN ? "is stuck" : "is empty", w->standby.n,
                      w->wal.n - w->standby.n);
        }
        sim_timer(s, DB2, SEC, T_PULL, 0);
    } else if (kind == T_ARCHIVE) {
        size_t cnt = w->wal.n - w->archived;
        if (cnt > 65536)
            cnt = 65536;
        send_ids(s, DB1, ARCHIVE, M_ARCHIVE, w->archived, w->wal.ids + w->archived, cnt);
        w->archived += cnt;
        sim_timer(s, DB1, p->archive_timeout, T_ARCHIVE, 0);
    }
}

static struct backup *take_backup(struct world *w, int64_t at, const char *name, const char *broken)
{
    struct backup *b = &w->bk[w->nbk++];
    *b = (struct backup){name, broken, at, w->wal.n, NULL, 0};
    if (!broken && w->wal.n) {
        b->ids = xmalloc(w->wal.n * sizeof(uint64_t));
        memcpy(b->ids, w->wal.ids, w->wal.n * sizeof(uint64_t));
        b->n = w->wal.n;
    }
    return b;
}

enum step { S_SPIKE, S_SNAPSHOT, S_DUMP, S_BASE, S_REBUILD, S_SEEDED, S_DELETE };

static void step(struct sim *s, void *ptr, uint64_t what)
{
    struct world *w = ptr;
    switch ((enum step)what) {
    case S_SPIKE:
        replay_tl(&w->tl, BASE_S, s->now, "load spike: writes go from %ld/s to %ld/s; db2 applies at most %ld/s",
                  w->p->tps, w->p->tps * w->p->spike, w->p->replica_rate);
        break;
    case S_SNAPSHOT:
        take_backup(w, s->now, "LVM snapshot", NULL);
        replay_tl(&w->tl, BASE_S, s->now, "manual LVM snapshot of db1 for staging (%zu records)", w->wal.n);
        break;
    case S_DUMP:
        take_backup(w, s->now, "pg_dump", "a 9.2 pg_dump against the 9.6 server wrote an empty file");
        replay_tl(&w->tl, BASE_S, s->now, "daily pg_dump: the wrong client version fails, the file is empty; the "
                                          "failure e-mail is rejected, nobody is told");
        break;
    case S_BASE:
        take_backup(w, s->now, "base backup", NULL);
        replay_tl(&w->tl, BASE_S, s->now, "base backup taken and test-restored; WAL archived every %.0fs",
                  (double)w->p->archive_timeout / 1e9);
        break;
    case S_REBUILD:
        if (w->rs != BROKEN)
            break;
        w->rs = WIPED;
        w->wiped_at = s->now;
        w->standby.n = 0;
        trace_event(s->trace, s->now, DB2, "wiped", NULL);
        replay_tl(&w->tl, BASE_S, s->now, "operator empties db2's data directory to re-seed it with pg_basebackup "
                                          "(%.0f min to copy)",
                  (double)w->p->basebackup / 60e9);
        break;
    case S_SEEDED:
        if (w->rs != WIPED || w->db1_gone)
            break;
        w->standby.n = 0;
        for (size_t i = 0; i < w->wal.n; i++)
            idlog_add(&w->standby, w->wal.ids[i]);
        w->slot = w->wal.n;
        w->rs = STREAMING;
        replay_tl(&w->tl, BASE_S, s->now, "pg_basebackup done: db2 holds %zu records and streams again",
                  w->standby.n);
        break;
    case S_DELETE:
        w->db1_gone = true;
        sim_crash(s, DB1);
        trace_event(s->trace, s->now, DB1, "data-removed", "\"records\":%zu", w->wal.n);
        replay_tl(&w->tl, BASE_S, s->now, "the data directory removal meant for db2 runs on db1: the primary's "
                                          "%zu records are gone; db2 %s",
                  w->wal.n,
                  w->rs == STREAMING ? "is a standby that can be promoted"
                  : w->rs == BROKEN  ? "is stale since replication stopped"
                                     : "is empty");
        break;
    }
}

struct outcome {
    size_t acked, lost, recovered, peak_lag, peak_kept, broken_backups;
    const char *from;
    int64_t lost_window, broke_at;
    enum replica_state rs;
    char backup_detail[160];
};

/* The restore: the most complete copy that still exists and restores. Every copy is a prefix of db1's WAL, so the
 * longest wins; the standby (when it holds anything) also replays whatever the archive has beyond it. */
static const struct idlog *restore(struct world *w, const char **from, struct idlog *scratch)
{
    const struct idlog *best = scratch;
    *from = "nothing";
    if (w->rs != WIPED && w->standby.n) {
        best = &w->standby;
        *from = w->rs == STREAMING ? "db2 promoted" : "stale db2 promoted";
    }
    if (w->c == SLOT_PITR && w->archive.n > best->n) {
        best = &w->archive;
        *from = w->rs == STREAMING ? "db2 + WAL archive" : "base backup + WAL archive";
    }
    for (size_t i = 0; i < w->nbk; i++)
        if (w->bk[i].n > best->n) {
            scratch->ids = w->bk[i].ids;
            scratch->n = w->bk[i].n;
            best = scratch;
            *from = w->bk[i].name;
        }
    return best;
}

static void run_config(struct kata_ctx *ctx, const struct params *p, enum config c, bool detail, struct outcome *o,
                       struct lw_report *rep)
{
    struct world *w = xcalloc(1, sizeof(*w));
    w->p = p;
    w->c = c;
    w->broke_at = -1;
    w->next_hour = 3600 * SEC;
    kata_timeline_init(&w->tl, detail && !ctx->quiet, 60);
    static const struct sim_node_ops ops = {on_message, on_timer, NULL, NULL};
    struct sim s;
    sim_init(&s, ctx->seed, NNODES, &ops, w);
    s.trace = detail ? ctx->trace : NULL;
    sim_timer(&s, APP, 1, T_WRITE, 0);
    sim_timer(&s, DB2, SEC, T_PULL, 0);
    sim_at(&s, p->spike_at, step, w, S_SPIKE);
    sim_at(&s, p->snapshot_at, step, w, S_SNAPSHOT);
    if (c == SLOT_PITR) {
        sim_at(&s, 0, step, w, S_BASE);
        sim_timer(&s, DB1, p->archive_timeout, T_ARCHIVE, 0);
    } else {
        sim_at(&s, p->dump_at, step, w, S_DUMP);
    }
    sim_at(&s, p->rebuild_at, step, w, S_REBUILD);
    sim_at(&s, p->rebuild_at + p->basebackup, step, w, S_SEEDED);
    sim_at(&s, p->delete_at, step, w, S_DELETE);
    sim_run_until(&s, p->delete_at + 60 * SEC);

    memset(o, 0, sizeof(*o));
    struct idlog scratch = {0};
    const struct idlog *got = restore(w, &o->from, &scratch);
    lostwrites_check(w->w, w->nw, got->ids, got->n, rep);
    o->acked = rep->acked;
    o->lost = rep->nlost;
    o->recovered = got->n;
    int64_t first_lost = p->delete_at;
    for (size_t i = 0; i < rep->nlost; i++)
        if (w->w[rep->lost[i]].acked_at < first_lost)
            first_lost = w->w[rep->lost[i]].acked_at;
    o->lost_window = p->delete_at - first_lost;
    o->rs = w->rs;
    o->broke_at = w->broke_at;
    o->peak_lag = w->peak_lag;
    o->peak_kept = w->peak_kept;
    for (size_t i = 0; i < w->nbk; i++)
        if (w->bk[i].n != w->bk[i].held) {
            char at[9];
            if (!o->broken_backups++)
                snprintf(o->backup_detail, sizeof(o->backup_detail), "%s of %s holds %zu of %zu records (%s)",
                         w->bk[i].name, replay_clock(at, BASE_S, w->bk[i].at), w->bk[i].n, w->bk[i].held,
                         w->bk[i].broken ? w->bk[i].broken : "short");
        }
    if (w->tl.on) {
        char at[9];
        replay_tl(&w->tl, BASE_S, p->delete_at + 60 * SEC,
                  "restore from the most complete copy left: %s, %zu records; %zu acknowledged writes lost, the "
                  "oldest acknowledged at %s",
                  o->from, got->n, rep->nlost, replay_clock(at, BASE_S, first_lost));
        buf_printf(&ctx->text, "\nsimulated timeline (%s; times UTC):\n%s", config_names[c],
                   w->tl.text.data ? w->tl.text.data : "");
    }
    sim_close(&s);
    kata_timeline_close(&w->tl);
    for (size_t i = 0; i < w->nbk; i++)
        free(w->bk[i].ids);
    free(w->wal.ids);
    free(w->standby.ids);
    free(w->archive.ids);
    free(w->w);
    free(w);
}

static const char *replica_word(const struct outcome *o, char *buf, size_t n)
{
    char at[9];
    if (o->rs == STREAMING)
        snprintf(buf, n, "streaming");
    else if (o->rs == BROKEN)
        snprintf(buf, n, "stopped %s", replay_clock(at, BASE_S, o->broke_at));
    else
        snprintf(buf, n, "stopped %s, wiped", replay_clock(at, BASE_S, o->broke_at));
    return buf;
}

/* "6h07m12s" */
static void hms(char *out, size_t n, int64_t ns)
{
    long t = (long)(ns / SEC);
    snprintf(out, n, "%ldh%02ldm%02lds", t / 3600, t / 60 % 60, t % 60);
}

static bool read_params(struct kata_ctx *ctx, struct params *p, int *c)
{
    const struct kata *k = &gitlab_kata;
    if (!kata_get_choice(ctx, k, "config", config_names, c) || !kata_get_int(ctx, k, "tps", 1, 1000, &p->tps) ||
        !kata_get_int(ctx, k, "spike", 1, 100, &p->spike) ||
        !kata_get_int(ctx, k, "replica_rate", 1, 100000, &p->replica_rate) ||
        !kata_get_int(ctx, k, "wal_keep", 1, 100000000, &p->wal_keep) ||
        !replay_get_clock(ctx, k, "spike_at", BASE_S, &p->spike_at) ||
        !replay_get_clock(ctx, k, "snapshot_at", BASE_S, &p->snapshot_at) ||
        !replay_get_clock(ctx, k, "dump_at", BASE_S, &p->dump_at) ||
        !replay_get_clock(ctx, k, "rebuild_at", BASE_S, &p->rebuild_at) ||
        !kata_get_duration(ctx, k, "basebackup", &p->basebackup) ||
        !replay_get_clock(ctx, k, "delete_at", BASE_S, &p->delete_at) ||
        !kata_get_duration(ctx, k, "archive_timeout", &p->archive_timeout) ||
        !kata_get_duration(ctx, k, "rpo", &p->rpo))
        return false;
    if (p->archive_timeout < SEC || p->basebackup <= 0 || p->delete_at <= p->spike_at ||
        p->delete_at <= p->snapshot_at || p->delete_at <= p->dump_at || p->delete_at <= p->rebuild_at ||
        p->delete_at > 20 * 3600 * SEC) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad times: need archive_timeout >= 1s, basebackup > 0, spike_at, snapshot_at, dump_at and "
                 "rebuild_at before delete_at, and delete_at before 13:00 the next day (the run starts at 17:00)");
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

static int gitlab_run(struct kata_ctx *ctx)
{
    struct params p;
    int c;
    if (!read_params(ctx, &p, &c))
        return -1;
    struct outcome o;
    struct lw_report rep;
    char rw[40];
    if (!ctx->quiet) {
        buf_printf(&ctx->text,
                   "the same fault under each configuration (%ld writes/s, x%ld from the spike, db2 applies %ld/s, "
                   "db1 keeps %ld records without a slot):\n  %-10s %7s %7s %8s %-24s %9s %8s %-26s\n",
                   p.tps, p.spike, p.replica_rate, p.wal_keep, "config", "acked", "lost", "lost_h", "db2",
                   "peak_lag", "kept", "restored from");
        for (int i = 0; i < NCONFIGS; i++) {
            run_config(ctx, &p, (enum config)i, false, &o, &rep);
            lw_report_close(&rep);
            buf_printf(&ctx->text, "  %-10s %7zu %7zu %8.2f %-24s %9zu %8zu %-26s %s\n", config_names[i], o.acked,
                       o.lost, (double)o.lost_window / 3600e9, replica_word(&o, rw, sizeof(rw)), o.peak_lag,
                       o.peak_kept, o.from, o.lost_window > p.rpo ? "LOST HOURS" : "within rpo");
        }
        buf_puts(&ctx->text, "  (lost: acknowledged writes missing from the restored database; lost_h: hours from "
                             "the oldest of them to the removal; db2: the standby at the removal; peak_lag: most "
                             "records db2 was behind; kept: most WAL records db1 held)\n");
    }
    run_config(ctx, &p, (enum config)c, true, &o, &rep);
    char rpo[32], win[32];
    hms(rpo, sizeof(rpo), p.rpo);
    hms(win, sizeof(win), o.lost_window);
    kata_check(ctx, "acked-writes-within-rpo", o.lost_window <= p.rpo,
               "%zu of %zu acknowledged writes lost, the oldest %s before the removal (rpo %s); restored from %s",
               rep.nlost, rep.acked, win, rpo, o.from);
    kata_check(ctx, "replica-promotable", o.rs == STREAMING,
               o.rs == STREAMING ? "db2 was streaming when db1's data went: it can be promoted"
               : o.rs == BROKEN  ? "db2 stopped replicating at %s (WAL recycled) and holds nothing newer"
                                 : "db2 stopped replicating at %s (WAL recycled) and was emptied for a re-seed",
               replay_clock(rw, BASE_S, o.broke_at));
    kata_check(ctx, "backups-restore", o.broken_backups == 0,
               o.broken_backups ? "%s" : "every backup restores what the primary held when it was taken%s",
               o.broken_backups ? o.backup_detail : "");
    lw_report_close(&rep);
    kata_figure(ctx, "acked_writes", (double)o.acked);
    kata_figure(ctx, "lost_writes", (double)o.lost);
    kata_figure(ctx, "lost_window_s", (double)o.lost_window / 1e9);
    kata_figure(ctx, "replication_broke_s", o.broke_at < 0 ? -1 : (double)o.broke_at / 1e9);
    kata_figure(ctx, "peak_lag_records", (double)o.peak_lag);
    kata_figure(ctx, "peak_kept_records", (double)o.peak_kept);
    return 0;
}

static const struct kata_param params[] = {
    {"config", "as-was",
     "as-was (fixed WAL retention, no slot, pg_dump backups) | slot (a replication slot pins the WAL db2 still "
     "needs) | slot-pitr (slot, plus a tested base backup and a WAL archive: point-in-time recovery)"},
    {"tps", "1", "application writes per second before the spike (the model's figure)"},
    {"spike", "4", "write rate multiplier from spike_at on (spam and a user deletion job; the model's figure)"},
    {"spike_at", "19:00", "when the load rises (the postmortem: about 19:00 UTC)"},
    {"replica_rate", "2", "records per second db2 can take in (the model's figure)"},
    {"wal_keep", "20000", "WAL records db1 keeps for a standby without a slot (wal_keep_segments; the model's)"},
    {"snapshot_at", "17:20", "the manual LVM snapshot (the postmortem: about 17:20 UTC)"},
    {"dump_at", "17:30", "the daily pg_dump (the postmortem: daily; the hour is the model's)"},
    {"rebuild_at", "23:10", "db2's data directory is emptied to re-seed it, if replication stopped (about 23:00)"},
    {"basebackup", "2h", "how long pg_basebackup takes to re-seed db2 (the model's; it never finished that night)"},
    {"delete_at", "23:27", "db1's data directory is removed (the postmortem: about 23:27 UTC)"},
    {"archive_timeout", "60s", "slot-pitr: WAL is shipped to the archive this often"},
    {"rpo", "5m", "recovery point objective: the oldest acknowledged write a restore may lose"},
};

static const struct kata gitlab_kata = {
    .name = "gitlab-2017",
    .summary = "GitLab.com, 31 January 2017: a lagging standby falls off, the primary's data is removed, backups fail",
    .drill = "001 Kata 4 (outage postmortem analysis); 000 Kata 1 (replication and recovery data-loss windows)",
    .time_limit = "60 minutes per postmortem",
    .repeat_until = "you can spot a distributed-systems concept in any outage narrative without rereading",
    .what = "Redundancy is what you can restore from. A standby that falls behind a bounded WAL window stops being "
            "a copy; a backup nobody restores is a hope; the data lost is the age of the newest copy that works.",
    .reading = "The table runs the same fault under each configuration; the timeline follows the chosen one.",
    .params = params,
    .nparams = (int)(sizeof(params) / sizeof(params[0])),
    .run = gitlab_run,
};

const struct replay replay_gitlab_2017 = {
    .name = "gitlab-2017",
    .title = "GitLab.com, 31 January 2017: about 6 hours of database changes lost",
    .source = "GitLab's \"Postmortem of database outage of January 31\" (about.gitlab.com, 10 February 2017)",
    .timeline =
        "17:20 UTC  an engineer takes a manual LVM snapshot of the production database to load into staging\n"
        "~19:00     database load climbs: spam, and a background job hard-deleting an employee's account that had\n"
        "           been reported for abuse; users struggle to post comments\n"
        "~23:00     the secondary (db2) has fallen so far behind that the primary (db1) has already recycled WAL\n"
        "           segments it needs: replication stops; there is no WAL archive and no replication slot, so\n"
        "           db2 must be emptied and re-seeded from db1 with pg_basebackup\n"
        "           pg_basebackup appears to hang; max_wal_senders is raised and PostgreSQL restarted (then\n"
        "           max_connections lowered from 8000 to 2000 so it starts); db2's data directory is emptied again\n"
        "~23:27     that removal is run on db1, the primary; it is stopped after a second or two, by which time\n"
        "           about 300 GB of data are gone\n"
        "           the backups turn out not to work: pg_dump ran 9.2 binaries against PostgreSQL 9.6 and left\n"
        "           almost empty files, its failure e-mails were rejected, disk snapshots were not enabled for\n"
        "           the database servers; the newest usable copy is the 17:20 LVM snapshot\n"
        "01 Feb     restore from that snapshot, slowed by copying it from staging's slow disks; GitLab.com is\n"
        "18:14      back online. Database changes made between 17:20 and 00:00 UTC are lost: by GitLab's\n"
        "           estimate about 5,000 projects, 5,000 comments and 700 new user accounts (git repositories and\n"
        "           wikis were not affected)\n",
    .concepts = "replication lag under a load spike; a bounded WAL retention window (a standby can fall off it); "
                "replication slots and WAL archiving; redundancy that is not independent (the standby was the "
                "thing being rebuilt); backups that were never restored and failures nobody was told about; RPO "
                "as the age of the newest copy that actually restores; two hosts that look the same to an operator",
    .prevented = "a replication slot (or a WAL archive the standby can read) so db2 never falls off, and a base "
                 "backup plus continuous WAL archiving whose restore is tested: the same removal then loses at most "
                 "the last archive interval (about a minute of writes), not six hours. A slot alone is not enough: "
                 "db2 stays a valid copy but hours behind the spike, and the primary must hold all that WAL on disk.",
    .prevent_config = "slot-pitr",
    .scenario = &gitlab_kata,
    .check_params = check_params,
};
