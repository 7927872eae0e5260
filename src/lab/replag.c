/* Kata 2 against a real PostgreSQL: recovery_min_apply_delay makes replicas lag; a session writes
 * on the primary then reads from a replica, and each fix is measured for read-your-writes, monotonic
 * reads and cost. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "lab/drill_util.h"
#include "lab/drills.h"
#include "lab/lab_hist.h"
#include "lab/pgconn.h"

static const char *const FIX_NAMES[] = {"none", "read-primary", "lsn-wait", "sticky"};

void replag_opts_default(struct replag_opts *o)
{
    memset(o, 0, sizeof *o);
    o->lab.replicas = 2;
    o->delay_ns = 5 * 1000000000LL;
    o->fix = REPLAG_NONE;
    o->reads = 6;
}

struct fix_result {
    enum replag_fix fix;
    int reads, ryw_bad, mono_bad, mono_pairs, primary_reads;
    double mean_ms, max_ms;
};

struct rl {
    const struct replag_opts *o;
    struct pglab lab;
    PGconn *node[3]; /* primary, replica1, replica2 */
    int64_t t0;
    int64_t next_id;
    atomic_int stop;
    pthread_t bg;
    bool bg_running;
    struct lab_op *ops;
    size_t nops, capops;
};

static const char *const NODE_NAMES[] = {"primary", "replica1", "replica2"};

static void record(struct rl *r, const struct lab_op *op)
{
    XGROW(r->ops, r->capops, r->nops + 1);
    r->ops[r->nops++] = *op;
}

/* Another client writing steadily, so that what a replica shows keeps moving (monotonic reads). */
static void *bg_main(void *arg)
{
    struct rl *r = arg;
    char err[200];
    PGconn *c = pgconn_open(r->lab.st.port_base, "dkata-bg-writer", 2000, err, sizeof err);
    for (long long i = 1; c && !atomic_load(&r->stop); i++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", i);
        const char *p[] = {id};
        PGresult *res = pgconn_query(c, "INSERT INTO dkata_bg (id) VALUES ($1)", 1, p, 5000, err, sizeof err);
        PQclear(res);
        lab_sleep_ns(20 * 1000000LL);
    }
    PQfinish(c);
    return NULL;
}

/* Waits until node k has replayed up to lsn; false on timeout or error. */
static bool wait_replay(struct rl *r, int k, uint64_t lsn, char *err, size_t errn)
{
    int64_t deadline = lab_now_ns() + 3 * r->o->delay_ns + 5000000000LL;
    while (lab_now_ns() < deadline && !pglab_interrupted) {
        uint64_t at;
        if (pgconn_lsn(r->node[k], "SELECT pg_last_wal_replay_lsn()", 2000, &at, err, errn))
            return false;
        if (at >= lsn)
            return true;
        lab_sleep_ns(5 * 1000000LL);
    }
    snprintf(err, errn, "replica%d did not replay up to the session's LSN in time", k);
    return false;
}

static int setup(struct rl *r, char *err, size_t errn)
{
    for (int i = 0; i < 3; i++) {
        r->node[i] = pgconn_open(pglab_port(&r->lab, NODE_NAMES[i]), "dkata-replag", 2000, err, errn);
        if (!r->node[i])
            return ERR_STATE;
    }
    if (pgconn_exec(r->node[0], "CREATE TABLE dkata_rw (id bigint PRIMARY KEY)", 5000, err, errn) ||
        pgconn_exec(r->node[0], "CREATE TABLE dkata_bg (id bigint PRIMARY KEY)", 5000, err, errn))
        return ERR_STATE;
    /* the tables must be on the replicas before their replay is delayed */
    uint64_t created;
    if (pgconn_lsn(r->node[0], "SELECT pg_current_wal_lsn()", 2000, &created, err, errn) ||
        !wait_replay(r, 1, created, err, errn) || !wait_replay(r, 2, created, err, errn))
        return ERR_STATE;
    /* replica1 lags by the full delay, replica2 by half of it: reads spread over both go back in time */
    for (int k = 1; k <= 2; k++) {
        char sql[128];
        snprintf(sql, sizeof sql, "ALTER SYSTEM SET recovery_min_apply_delay = '%lldms'",
                 (long long)(r->o->delay_ns / 1000000 / k));
        if (pgconn_exec(r->node[k], sql, 5000, err, errn) ||
            pgconn_exec(r->node[k], "SELECT pg_reload_conf()", 5000, err, errn))
            return ERR_STATE;
    }
    r->t0 = lab_now_ns();
    atomic_store(&r->stop, 0);
    if (pthread_create(&r->bg, NULL, bg_main, r)) {
        snprintf(err, errn, "cannot start the background writer");
        return ERR_STATE;
    }
    r->bg_running = true;
    /* let the delayed replicas hold some background history before the session starts */
    lab_sleep_ns(r->o->delay_ns / 2 < 2000000000LL ? r->o->delay_ns / 2 : 2000000000LL);
    return 0;
}

static int one_fix(struct rl *r, enum replag_fix fix, struct fix_result *res, char *err, size_t errn)
{
    memset(res, 0, sizeof *res);
    res->fix = fix;
    int64_t gap = r->o->delay_ns / 4 > 50000000LL ? r->o->delay_ns / 4 : 50000000LL;
    uint64_t token = 0;     /* lsn-wait: max(LSN after my write, LSN my last read saw) */
    long long seen_max = -1; /* monotonic reads: the newest background row this session has seen */
    double total_ms = 0;
    for (int i = 0; i < r->o->reads && !pglab_interrupted; i++) {
        long long id = r->next_id++;
        char ids[24];
        snprintf(ids, sizeof ids, "%lld", id);
        const char *p[] = {ids};
        PGresult *w = pgconn_query(r->node[0], "INSERT INTO dkata_rw (id) VALUES ($1)", 1, p, 10000, err, errn);
        bool ok = w && PQresultStatus(w) == PGRES_COMMAND_OK;
        PQclear(w);
        if (!ok)
            return ERR_STATE;
        struct lab_op wop = {.type = LAB_OP_OK, .f = "write", .id = id, .time_ns = lab_now_ns() - r->t0,
                             .node = "primary", .value = -1};
        record(r, &wop);
        uint64_t wl;
        if (fix == REPLAG_LSN_WAIT) {
            if (pgconn_lsn(r->node[0], "SELECT pg_current_wal_lsn()", 2000, &wl, err, errn))
                return ERR_STATE;
            token = wl > token ? wl : token;
        }
        int k = fix == REPLAG_READ_PRIMARY ? 0 : fix == REPLAG_STICKY ? 1 : 1 + i % 2;
        int64_t t = lab_now_ns();
        if (fix == REPLAG_LSN_WAIT && !wait_replay(r, k, token, err, errn))
            return ERR_STATE;
        PGresult *q = pgconn_query(r->node[k],
                                   "SELECT (SELECT count(*) FROM dkata_rw WHERE id = $1), "
                                   "(SELECT coalesce(max(id), 0) FROM dkata_bg), "
                                   "CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
                                   "ELSE pg_current_wal_lsn() END",
                                   1, p, 10000, err, errn);
        if (!q || PQresultStatus(q) != PGRES_TUPLES_OK || PQntuples(q) != 1) {
            if (q)
                pgconn_errline(PQresultErrorMessage(q), err, errn);
            PQclear(q);
            return ERR_STATE;
        }
        double ms = (double)(lab_now_ns() - t) / 1e6;
        long long mine = atoll(PQgetvalue(q, 0, 0)), bgmax = atoll(PQgetvalue(q, 0, 1));
        uint64_t rl;
        if (lab_lsn_parse(PQgetvalue(q, 0, 2), &rl) == 0 && rl > token)
            token = rl;
        PQclear(q);
        struct lab_op rop = {.type = LAB_OP_OK, .f = "read", .id = id, .time_ns = lab_now_ns() - r->t0,
                             .value = mine};
        snprintf(rop.node, sizeof rop.node, "%s", NODE_NAMES[k]);
        record(r, &rop);
        res->reads++;
        res->primary_reads += k == 0;
        res->ryw_bad += mine == 0;
        if (seen_max >= 0) {
            res->mono_pairs++;
            res->mono_bad += bgmax < seen_max;
        }
        if (bgmax > seen_max)
            seen_max = bgmax;
        total_ms += ms;
        if (ms > res->max_ms)
            res->max_ms = ms;
        lab_sleep_ns(gap);
    }
    res->mean_ms = res->reads ? total_ms / res->reads : 0;
    return pglab_interrupted ? ERR_STATE : 0;
}

/* How long the last row written takes to show up on replica1 (the drill's "5s out of 6"). */
static double visible_after_ms(struct rl *r, char *err, size_t errn)
{
    long long id = r->next_id++;
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", id);
    const char *p[] = {ids};
    PGresult *w = pgconn_query(r->node[0], "INSERT INTO dkata_rw (id) VALUES ($1)", 1, p, 10000, err, errn);
    PQclear(w);
    int64_t t = lab_now_ns(), deadline = t + 3 * r->o->delay_ns + 5000000000LL;
    while (lab_now_ns() < deadline && !pglab_interrupted) {
        PGresult *q = pgconn_query(r->node[1], "SELECT count(*) FROM dkata_rw WHERE id = $1", 1, p, 5000, err, errn);
        bool seen = q && PQresultStatus(q) == PGRES_TUPLES_OK && atoi(PQgetvalue(q, 0, 0)) == 1;
        PQclear(q);
        if (seen)
            return (double)(lab_now_ns() - t) / 1e6;
        lab_sleep_ns(20 * 1000000LL);
    }
    return -1;
}

static const char *verdict(const struct fix_result *f)
{
    if (f->ryw_bad && f->mono_bad)
        return "violates read-your-writes and monotonic reads";
    if (f->ryw_bad)
        return "violates read-your-writes";
    if (f->mono_bad)
        return "violates monotonic reads";
    return "read-your-writes and monotonic reads hold";
}

static void report(struct rl *r, const struct fix_result *res, int n, double visible_ms)
{
    const struct replag_opts *o = r->o;
    double base = -1;
    for (int i = 0; i < n; i++)
        if (res[i].fix == REPLAG_NONE)
            base = res[i].mean_ms;
    if (o->json) {
        struct buf j;
        buf_init(&j);
        buf_printf(&j, "{\"drill\":\"replag\",\"replica1_delay_ms\":%.0f,\"replica2_delay_ms\":%.0f,"
                       "\"reads_per_fix\":%d,\"visible_on_replica1_after_ms\":%.1f,\"fixes\":[",
                   (double)o->delay_ns / 1e6, (double)o->delay_ns / 2e6, o->reads, visible_ms);
        for (int i = 0; i < n; i++) {
            const struct fix_result *f = &res[i];
            buf_printf(&j, "%s{\"fix\":\"%s\",\"reads\":%d,\"ryw_violations\":%d,\"monotonic_violations\":%d,"
                           "\"monotonic_pairs\":%d,\"fixes_ryw\":%s,\"fixes_monotonic\":%s,\"primary_read_share\":%.3f,"
                           "\"mean_read_ms\":%.2f,\"max_read_ms\":%.2f",
                       i ? "," : "", FIX_NAMES[f->fix], f->reads, f->ryw_bad, f->mono_bad, f->mono_pairs,
                       f->ryw_bad ? "false" : "true", f->mono_bad ? "false" : "true",
                       f->reads ? (double)f->primary_reads / f->reads : 0, f->mean_ms, f->max_ms);
            if (base >= 0)
                buf_printf(&j, ",\"added_latency_ms\":%.2f", f->mean_ms - base);
            buf_putc(&j, '}');
        }
        buf_puts(&j, "]}\n");
        fputs(j.data, stdout);
        buf_close(&j);
        return;
    }
    printf("replica1 recovery_min_apply_delay %.0f ms, replica2 %.0f ms; %d write-then-read rounds per fix\n",
           (double)o->delay_ns / 1e6, (double)o->delay_ns / 2e6, o->reads);
    if (visible_ms >= 0)
        printf("a row written on the primary showed up on replica1 after %.0f ms\n", visible_ms);
    printf("\n%-13s %5s %14s %15s %14s %10s %10s  %s\n", "fix", "reads", "ryw_violations", "mono_violations",
           "primary_share", "mean_read", "added", "verdict");
    for (int i = 0; i < n; i++) {
        const struct fix_result *f = &res[i];
        char ryw[16], mono[16], added[24] = "-";
        snprintf(ryw, sizeof ryw, "%d/%d", f->ryw_bad, f->reads);
        snprintf(mono, sizeof mono, "%d/%d", f->mono_bad, f->mono_pairs);
        if (base >= 0)
            snprintf(added, sizeof added, "%+.1fms", f->mean_ms - base);
        printf("%-13s %5d %14s %15s %13.0f%% %8.1fms %10s  %s\n", FIX_NAMES[f->fix], f->reads, ryw, mono,
               f->reads ? 100.0 * f->primary_reads / f->reads : 0, f->mean_ms, added, verdict(f));
    }
    printf("\nnone: reads spread over replica1 and replica2. read-primary: every read after a write goes to the\n"
           "primary. lsn-wait: the session carries max(pg_current_wal_lsn() after its write, the LSN its last\n"
           "read saw) and the replica is polled with pg_last_wal_replay_lsn() until it has replayed that far.\n"
           "sticky: the session always reads from replica1 (sticky-to-primary is read-primary).\n");
}

/* Whether a fix failed to give what it is there for. */
static bool broken(const struct fix_result *f)
{
    switch (f->fix) {
    case REPLAG_READ_PRIMARY:
    case REPLAG_LSN_WAIT:
        return f->ryw_bad || f->mono_bad;
    case REPLAG_STICKY:
        return f->mono_bad;
    default:
        return false;
    }
}

static int drill(struct rl *r, char *err, size_t errn)
{
    int rc = setup(r, err, errn);
    if (rc)
        return rc;
    struct fix_result res[4];
    int n = 0;
    for (int f = 0; f < 4 && rc == 0; f++)
        if (r->o->fix == REPLAG_ALL || (int)r->o->fix == f)
            rc = one_fix(r, (enum replag_fix)f, &res[n++], err, errn);
    double vis = -1;
    if (rc == 0 && (r->o->fix == REPLAG_NONE || r->o->fix == REPLAG_ALL))
        vis = visible_after_ms(r, err, errn);
    if (rc)
        return pglab_interrupted ? (snprintf(err, errn, "interrupted"), ERR_STATE) : rc;
    report(r, res, n, vis);
    if (r->o->history && lab_hist_write(r->o->history, r->ops, r->nops)) {
        snprintf(err, errn, "cannot write history file %s", r->o->history);
        return ERR_IO;
    }
    for (int i = 0; i < n; i++)
        if (broken(&res[i])) {
            fprintf(stderr, "dkata: fix %s did not hold: %s\n", FIX_NAMES[res[i].fix], verdict(&res[i]));
            return DRILL_VIOLATION;
        }
    return 0;
}

int replag_drill(const struct replag_opts *o)
{
    struct rl r;
    memset(&r, 0, sizeof r);
    r.o = o;
    char err[600] = "";
    struct pglab_opts lo = o->lab;
    lo.replicas = 2;
    int rc = drill_lab_up(&r.lab, &lo, o->json, err, sizeof err);
    if (rc == 0)
        rc = drill(&r, err, sizeof err);
    atomic_store(&r.stop, 1);
    if (r.bg_running)
        pthread_join(r.bg, NULL);
    for (int i = 0; i < 3; i++)
        PQfinish(r.node[i]);
    int rc2 = drill_lab_down(&r.lab, o->keep, o->json);
    if (rc < 0)
        fprintf(stderr, "dkata: %s\n", err);
    free(r.ops);
    return rc ? rc : rc2;
}
