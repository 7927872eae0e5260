/* Kata 1 against a real PostgreSQL: writes at a target rate, kill -9 of the primary, dkata's own
 * detector, promotion of the replica with the higher LSN, repointing, and the lost-write count. */
#include <pthread.h>
#include <signal.h>
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

static const char *const MODE_NAMES[] = {"async", "semi-sync", "sync"};

void failover_opts_default(struct failover_opts *o)
{
    memset(o, 0, sizeof *o);
    o->lab.replicas = 2;
    o->mode = FAILOVER_ASYNC;
    o->tps = 1000;
    o->writers = 4;
    o->kill_at_ns = 10 * 1000000000LL;
    o->after_ns = 3 * 1000000000LL;
    o->hc_interval_ns = 100 * 1000000LL;
    o->hc_timeout_ns = 200 * 1000000LL;
    o->hc_failures = 3;
    o->sample_ns = 500 * 1000000LL;
}

/* The drill's shared state: writers and the detector run in threads, the coordinator in main. */
struct fo {
    const struct failover_opts *o;
    struct pglab lab;
    int64_t t0;
    atomic_int leader_port;     /* where writers send; 0 while there is no leader */
    atomic_int watch_port;      /* what the detector watches */
    atomic_int stop;
    atomic_int detected;
    atomic_llong detected_at;   /* lab_now_ns() of the detection */
    atomic_llong killed_at;     /* lab_now_ns() of the kill; 0 before it */
    atomic_int false_suspicions; /* the detector declared a live primary dead */
    atomic_llong first_false_at;
    atomic_llong next_id;
    atomic_llong acked, failed, unknown;
    pthread_mutex_t mu;         /* guards ops, last_error */
    struct lab_op *ops;
    size_t nops, capops;
    char last_error[128];
};

static void record(struct fo *fo, const struct lab_op *op)
{
    pthread_mutex_lock(&fo->mu);
    XGROW(fo->ops, fo->capops, fo->nops + 1);
    fo->ops[fo->nops++] = *op;
    if (op->type != LAB_OP_OK)
        snprintf(fo->last_error, sizeof fo->last_error, "%s", op->error);
    pthread_mutex_unlock(&fo->mu);
}

struct writer {
    struct fo *fo;
    int idx;
    pthread_t th;
};

static const char *port_name(struct fo *fo, int port)
{
    for (int i = 0; i < fo->lab.st.nprocs; i++)
        if (fo->lab.st.procs[i].port == port)
            return fo->lab.st.procs[i].name;
    return "-";
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    struct fo *fo = w->fo;
    const struct failover_opts *o = fo->o;
    int64_t interval = (int64_t)o->writers * 1000000000LL / o->tps;
    int64_t next = fo->t0 + interval * w->idx / o->writers;
    PGconn *c = NULL;
    int cur = 0;
    while (!atomic_load(&fo->stop)) {
        int64_t now = lab_now_ns();
        if (now < next)
            lab_sleep_ns(next - now);
        next += interval;
        now = lab_now_ns();
        if (next < now - interval)
            next = now; /* after an outage, do not burst to catch up */
        int port = atomic_load(&fo->leader_port);
        if (port != cur) {
            PQfinish(c);
            c = NULL;
            cur = port;
        }
        struct lab_op op = {.f = "write", .process = w->idx, .value = -1};
        snprintf(op.node, sizeof op.node, "%s", port_name(fo, port));
        if (!port) {
            op.type = LAB_OP_FAIL;
            snprintf(op.error, sizeof op.error, "no leader");
        } else if (!c && !(c = pgconn_open(port, "dkata-writer", 300, op.error, sizeof op.error))) {
            op.type = LAB_OP_FAIL; /* never sent: certainly not applied */
        }
        if (op.error[0]) {
            op.id = -1;
            op.time_ns = lab_now_ns() - fo->t0;
            atomic_fetch_add(&fo->failed, 1);
            record(fo, &op);
            continue;
        }
        op.id = atomic_fetch_add(&fo->next_id, 1);
        char id[24], t[24];
        snprintf(id, sizeof id, "%lld", (long long)op.id);
        snprintf(t, sizeof t, "%lld", (long long)(lab_now_ns() - fo->t0));
        const char *params[] = {id, t};
        PGresult *r = pgconn_query(c, "INSERT INTO dkata_writes (id, t_ns) VALUES ($1, $2)", 2, params,
                                   10000, op.error, sizeof op.error);
        op.time_ns = lab_now_ns() - fo->t0;
        if (r && PQresultStatus(r) == PGRES_COMMAND_OK) {
            op.type = LAB_OP_OK;
            atomic_fetch_add(&fo->acked, 1);
        } else {
            if (r)
                pgconn_errline(PQresultErrorMessage(r), op.error, sizeof op.error);
            /* a broken connection leaves the outcome unknown; an error reply means not applied */
            op.type = PQstatus(c) == CONNECTION_OK && r ? LAB_OP_FAIL : LAB_OP_INFO;
            atomic_fetch_add(op.type == LAB_OP_FAIL ? &fo->failed : &fo->unknown, 1);
            if (PQstatus(c) != CONNECTION_OK) {
                PQfinish(c);
                c = NULL;
            }
        }
        PQclear(r);
        record(fo, &op);
    }
    PQfinish(c);
    return NULL;
}

/* dkata's failure detector: one health check (connect + SELECT 1, each within hc_timeout) every
 * hc_interval; hc_failures consecutive failures declare the watched primary dead. */
static void *detector_main(void *arg)
{
    struct fo *fo = arg;
    const struct failover_opts *o = fo->o;
    int timeout_ms = (int)(o->hc_timeout_ns / 1000000);
    PGconn *c = NULL;
    int fails = 0;
    int64_t next = lab_now_ns();
    while (!atomic_load(&fo->stop) && !atomic_load(&fo->detected)) {
        next += o->hc_interval_ns;
        lab_sleep_ns(next - lab_now_ns());
        char err[200];
        if (!c)
            c = pgconn_open(atomic_load(&fo->watch_port), "dkata-health", timeout_ms, err, sizeof err);
        if (c && pgconn_exec(c, "SELECT 1", timeout_ms, err, sizeof err) == 0) {
            fails = 0;
            continue;
        }
        PQfinish(c);
        c = NULL;
        if (++fails < o->hc_failures)
            continue;
        if (!atomic_load(&fo->killed_at)) {
            /* a live primary declared dead (checks timed out under load): a coordinator would fail
             * over here; the drill records the false suspicion and keeps watching */
            if (atomic_fetch_add(&fo->false_suspicions, 1) == 0)
                atomic_store(&fo->first_false_at, lab_now_ns());
            fails = 0;
            continue;
        }
        atomic_store(&fo->detected_at, lab_now_ns());
        atomic_store(&fo->detected, 1);
    }
    PQfinish(c);
    return NULL;
}

/* ---- the coordinator ---- */

struct row {
    int64_t t_ns;
    char leader[32];
    char lsn[2][24];
    long long accepted;
    char state[256];
};

struct run {
    struct fo fo;
    struct writer *w;
    pthread_t det;
    bool threads;
    PGconn *rc[2]; /* sampler connections to replica1, replica2 */
    char leader[32];
    struct row *rows;
    size_t nrows, caprows;
    struct drill_events ev;
    long long acked_at_last_sample, failed_at_last_sample;
};

/* The LSN replica k shows now: its own WAL head when it leads, else what it has received. */
static void replica_lsn(struct run *r, int k, char *out, size_t n)
{
    char name[32], err[200];
    snprintf(name, sizeof name, "replica%d", k + 1);
    int port = pglab_port(&r->fo.lab, name);
    snprintf(out, n, "-");
    if (!port)
        return;
    if (!r->rc[k])
        r->rc[k] = pgconn_open(port, "dkata-sampler", 300, err, sizeof err);
    uint64_t lsn;
    const char *sql = strcmp(r->leader, name) == 0 ? "SELECT pg_current_wal_lsn()"
                                                   : "SELECT pg_last_wal_receive_lsn()";
    if (r->rc[k] && pgconn_lsn(r->rc[k], sql, 300, &lsn, err, sizeof err) == 0) {
        lab_lsn_format(lsn, out, n);
    } else if (r->rc[k] && PQstatus(r->rc[k]) != CONNECTION_OK) {
        PQfinish(r->rc[k]);
        r->rc[k] = NULL;
    }
}

static void sample(struct run *r)
{
    struct fo *fo = &r->fo;
    /* time and counters together; the LSNs are read right after */
    struct row row = {.t_ns = lab_now_ns() - fo->t0};
    snprintf(row.leader, sizeof row.leader, "%s", r->leader);
    long long acked = atomic_load(&fo->acked);
    long long bad = atomic_load(&fo->failed) + atomic_load(&fo->unknown);
    long long da = acked - r->acked_at_last_sample, db = bad - r->failed_at_last_sample;
    r->acked_at_last_sample = acked;
    r->failed_at_last_sample = bad;
    row.accepted = acked;
    char last[128];
    pthread_mutex_lock(&fo->mu);
    snprintf(last, sizeof last, "%.60s", fo->last_error);
    pthread_mutex_unlock(&fo->mu);
    if (db == 0)
        snprintf(row.state, sizeof row.state, "writes ok (+%lld)", da);
    else if (da > 0)
        snprintf(row.state, sizeof row.state, "+%lld ok, %lld failing: %s", da, db, last);
    else
        snprintf(row.state, sizeof row.state, "writes failing (%lld): %s", db, last);
    for (int k = 0; k < 2; k++)
        replica_lsn(r, k, row.lsn[k], sizeof row.lsn[k]);
    XGROW(r->rows, r->caprows, r->nrows + 1);
    r->rows[r->nrows++] = row;
    if (!fo->o->json) {
        printf("%8.3f  %-9s %-14s %-14s %15lld  %s\n", (double)row.t_ns / 1e9, row.leader, row.lsn[0], row.lsn[1],
               row.accepted, row.state);
        fflush(stdout);
    }
}

/* Samples rows until lab_now_ns() reaches until or done() holds; false if interrupted. */
static bool sample_until(struct run *r, int64_t until, atomic_int *flag)
{
    int64_t next = lab_now_ns();
    while (!pglab_interrupted) {
        if (flag && atomic_load(flag))
            return true;
        int64_t now = lab_now_ns();
        if (!flag && now >= until)
            return true;
        if (flag && now >= until)
            return false;
        if (now >= next) {
            sample(r);
            next += r->fo.o->sample_ns;
        }
        int64_t wake = next < until ? next : until;
        int64_t step = wake - lab_now_ns();
        lab_sleep_ns(step > 5000000 ? 5000000 : step);
    }
    return false;
}

static int configure_mode(struct run *r, PGconn *p, char *err, size_t errn)
{
    const struct failover_opts *o = r->fo.o;
    if (o->mode == FAILOVER_ASYNC)
        return 0;
    const char *sql = o->mode == FAILOVER_SEMI_SYNC
                          ? "ALTER SYSTEM SET synchronous_standby_names = 'replica1'"
                          : "ALTER SYSTEM SET synchronous_standby_names = 'FIRST 2 (replica1, replica2)'";
    const char *commit = o->mode == FAILOVER_SEMI_SYNC ? "ALTER SYSTEM SET synchronous_commit = 'on'"
                                                       : "ALTER SYSTEM SET synchronous_commit = 'remote_apply'";
    if (pgconn_exec(p, sql, 5000, err, errn) || pgconn_exec(p, commit, 5000, err, errn) ||
        pgconn_exec(p, "SELECT pg_reload_conf()", 5000, err, errn))
        return ERR_STATE;
    return pglab_wait_streaming(r->fo.lab.st.port_base, o->mode == FAILOVER_SEMI_SYNC ? 1 : 2, true, 10000, err,
                                errn);
}

struct block_demo {
    bool ran;
    double blocked_s;
    bool still_blocked, returned_ok, visible_on_primary;
    char warning[300];
};

static void on_notice(void *arg, const PGresult *res)
{
    struct block_demo *d = arg;
    const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char *det = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    size_t k = strlen(d->warning);
    snprintf(d->warning + k, sizeof d->warning - k, "%s%s%s%s", k ? " " : "", m ? m : "", det ? " " : "",
             det ? det : "");
}

/* What a commit does while the synchronous standby is down: SIGSTOP replica1, commit id -1, watch
 * it block, cancel it, and look for the row on the primary; then SIGCONT replica1. */
static int block_demo(struct run *r, struct block_demo *d, char *err, size_t errn)
{
    struct lab_proc_rec *rep = lab_state_find(&r->fo.lab.st, "replica1");
    if (!rep || rep->pid <= 0)
        return ERR_STATE;
    PGconn *c = pgconn_open(r->fo.lab.st.port_base, "dkata-block-demo", 2000, err, errn);
    if (!c)
        return ERR_STATE;
    PQsetNoticeReceiver(c, on_notice, d);
    d->ran = true;
    pglab_signal_node(&r->fo.lab, "replica1", SIGSTOP);
    int64_t t = lab_now_ns();
    int rc = 0;
    if (!PQsendQuery(c, "INSERT INTO dkata_writes (id, t_ns) VALUES (-1, 0)")) {
        rc = ERR_STATE;
    } else {
        lab_sleep_ns(1000000000LL);
        PQconsumeInput(c);
        d->still_blocked = PQisBusy(c);
        PGcancel *cc = PQgetCancel(c);
        char cerr[128];
        if (cc) {
            PQcancel(cc, cerr, sizeof cerr);
            PQfreeCancel(cc);
        }
        PGresult *res;
        while ((res = PQgetResult(c))) {
            if (PQresultStatus(res) == PGRES_COMMAND_OK)
                d->returned_ok = true;
            PQclear(res);
        }
        d->blocked_s = (double)(lab_now_ns() - t) / 1e9;
        char v[16];
        d->visible_on_primary = pgconn_scalar(c, "SELECT count(*) FROM dkata_writes WHERE id = -1", 2000, v,
                                              sizeof v, err, errn) == 0 && atoi(v) == 1;
    }
    pglab_signal_node(&r->fo.lab, "replica1", SIGCONT);
    PQfinish(c);
    if (rc == 0)
        rc = pglab_wait_streaming(r->fo.lab.st.port_base, r->fo.o->mode == FAILOVER_SEMI_SYNC ? 1 : 2, true,
                                  10000, err, errn);
    return rc;
}

struct summary {
    int64_t kill_ns, detect_ns, promote_ns, unavailable_ns, first_false_ns;
    int false_suspicions;
    uint64_t recv[2], replay[2], primary_last;
    bool has_recv[2], has_replay[2];
    char promoted[32], other[32];
    long long acked, acked_before_kill, acked_after_kill, failed, unknown, present;
    size_t nlost;
    int64_t lost_ids[20];
    int64_t loss_first_ns, loss_last_ns; /* acknowledgement times of the lost writes, from the kill */
    bool other_follows;
};

static void read_kill_lsns(struct run *r, struct summary *s)
{
    char err[200];
    for (int k = 0; k < 2; k++) {
        char name[32];
        snprintf(name, sizeof name, "replica%d", k + 1);
        PGconn *c = pgconn_open(pglab_port(&r->fo.lab, name), "dkata-coordinator", 1000, err, sizeof err);
        s->has_recv[k] = c && pgconn_lsn(c, "SELECT pg_last_wal_receive_lsn()", 1000, &s->recv[k], err,
                                         sizeof err) == 0;
        s->has_replay[k] = c && pgconn_lsn(c, "SELECT pg_last_wal_replay_lsn()", 1000, &s->replay[k], err,
                                           sizeof err) == 0;
        PQfinish(c);
    }
}

static int promote(struct run *r, struct summary *s, char *err, size_t errn)
{
    int win = s->has_recv[1] && (!s->has_recv[0] || s->recv[1] > s->recv[0]) ? 1 : 0;
    snprintf(s->promoted, sizeof s->promoted, "replica%d", win + 1);
    snprintf(s->other, sizeof s->other, "replica%d", 2 - win);
    int64_t t = lab_now_ns();
    int port = pglab_port(&r->fo.lab, s->promoted);
    PGconn *c = pgconn_open(port, "dkata-coordinator", 2000, err, errn);
    char v[16];
    if (!c || pgconn_scalar(c, "SELECT pg_promote(true, 10)", 12000, v, sizeof v, err, errn) || v[0] != 't') {
        PQfinish(c);
        if (!err[0])
            snprintf(err, errn, "pg_promote() on %s did not finish", s->promoted);
        return ERR_STATE;
    }
    PQfinish(c);
    s->promote_ns = lab_now_ns() - t;
    snprintf(r->leader, sizeof r->leader, "%s", s->promoted);
    drill_event(&r->ev, "promoted %s (pg_promote() took %.0f ms)", s->promoted, (double)s->promote_ns / 1e6);
    /* repoint the other replica at the new primary; recovery_target_timeline is 'latest' by default */
    char sql[300];
    snprintf(sql, sizeof sql,
             "ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port=%d user=postgres application_name=%s'", port,
             s->other);
    c = pgconn_open(pglab_port(&r->fo.lab, s->other), "dkata-coordinator", 2000, err, errn);
    int rc = c && pgconn_exec(c, sql, 5000, err, errn) == 0 &&
                     pgconn_exec(c, "SELECT pg_reload_conf()", 5000, err, errn) == 0
                 ? 0
                 : ERR_STATE;
    PQfinish(c);
    if (rc)
        return rc;
    atomic_store(&r->fo.leader_port, port);
    drill_event(&r->ev, "repointed %s and the writers at %s (127.0.0.1:%d)", s->other, s->promoted, port);
    return 0;
}

/* Reads every id on the new primary and counts the acknowledged ones it lacks. */
static int count_lost(struct run *r, struct summary *s, char *err, size_t errn)
{
    struct fo *fo = &r->fo;
    PGconn *c = pgconn_open(pglab_port(&fo->lab, s->promoted), "dkata-checker", 2000, err, errn);
    PGresult *res = c ? pgconn_query(c, "SELECT id FROM dkata_writes WHERE id >= 0", 0, NULL, 30000, err, errn)
                      : NULL;
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        PQclear(res);
        PQfinish(c);
        if (!err[0])
            snprintf(err, errn, "cannot read the writes back from %s", s->promoted);
        return ERR_STATE;
    }
    size_t m = (size_t)PQntuples(res);
    int64_t *present = xmalloc((m + 1) * sizeof *present);
    for (size_t i = 0; i < m; i++)
        present[i] = atoll(PQgetvalue(res, (int)i, 0));
    PQclear(res);
    PQfinish(c);
    int64_t *acked = xmalloc((fo->nops + 1) * sizeof *acked);
    size_t n = 0;
    for (size_t i = 0; i < fo->nops; i++)
        if (fo->ops[i].type == LAB_OP_OK)
            acked[n++] = fo->ops[i].id;
    int64_t *lost = xmalloc((n + 1) * sizeof *lost);
    s->nlost = lab_hist_lost(acked, n, present, m, lost);
    s->present = (long long)m;
    for (size_t i = 0; i < s->nlost && i < 20; i++)
        s->lost_ids[i] = lost[i];
    /* the data-loss window: from the first lost write's acknowledgement to the kill */
    int64_t first = -1, last = -1;
    for (size_t i = 0; i < fo->nops && s->nlost; i++) {
        const struct lab_op *op = &fo->ops[i];
        if (op->type != LAB_OP_OK)
            continue;
        size_t lo = 0, hi = s->nlost;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (lost[mid] < op->id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < s->nlost && lost[lo] == op->id) {
            if (first < 0 || op->time_ns < first)
                first = op->time_ns;
            if (op->time_ns > last)
                last = op->time_ns;
        }
    }
    s->loss_first_ns = first < 0 ? 0 : first - s->kill_ns;
    s->loss_last_ns = last < 0 ? 0 : last - s->kill_ns;
    free(present);
    free(acked);
    free(lost);
    return 0;
}

static void tally(struct run *r, struct summary *s)
{
    struct fo *fo = &r->fo;
    int64_t last_before = -1, first_after = -1;
    for (size_t i = 0; i < fo->nops; i++) {
        const struct lab_op *op = &fo->ops[i];
        if (op->type != LAB_OP_OK)
            continue;
        s->acked++;
        if (op->time_ns > s->kill_ns && strcmp(op->node, "primary") == 0)
            s->acked_after_kill++;
        if (op->time_ns <= s->kill_ns)
            s->acked_before_kill++;
        if (strcmp(op->node, "primary") == 0 && op->time_ns > last_before)
            last_before = op->time_ns;
        if (strcmp(op->node, "primary") != 0 && (first_after < 0 || op->time_ns < first_after))
            first_after = op->time_ns;
    }
    s->failed = atomic_load(&fo->failed);
    s->unknown = atomic_load(&fo->unknown);
    s->unavailable_ns = last_before >= 0 && first_after >= 0 ? first_after - last_before : -1;
}

static void print_block_demo(struct run *r, const struct block_demo *d, struct buf *json)
{
    const char *sync = r->fo.o->mode == FAILOVER_SEMI_SYNC ? "the synchronous standby replica1"
                                                           : "replica1, one of the two synchronous standbys";
    if (json) {
        buf_printf(json, ",\"blocked_commit\":{\"blocked_s\":%.3f,\"was_blocked\":%s,\"returned_ok\":%s,"
                         "\"visible_on_primary\":%s,\"server_warning\":",
                   d->blocked_s, d->still_blocked ? "true" : "false", d->returned_ok ? "true" : "false",
                   d->visible_on_primary ? "true" : "false");
        buf_json_str(json, d->warning);
        buf_putc(json, '}');
        return;
    }
    printf("# commit while %s is stopped (SIGSTOP): %s for %.2fs, then the client cancelled it.\n", sync,
           d->still_blocked ? "it blocked" : "it did NOT block", d->blocked_s);
    printf("#   server: %s\n", d->warning[0] ? d->warning : "(no warning)");
    printf("#   the cancelled commit %s to the client and the row %s on the primary: committed locally, "
           "not replicated to replica1.\n",
           d->returned_ok ? "reported success" : "reported failure",
           d->visible_on_primary ? "IS visible" : "is not visible");
}

static void print_summary(struct run *r, const struct summary *s, const struct block_demo *d)
{
    const struct failover_opts *o = r->fo.o;
    char a[24], b[24], c2[24], d2[24], hi[24];
    const char *higher = !s->has_recv[0] && !s->has_recv[1] ? "unknown"
                         : s->recv[0] == s->recv[1]         ? "equal"
                         : s->recv[1] > s->recv[0]          ? "replica2"
                                                            : "replica1";
    lab_lsn_format(s->recv[0], a, sizeof a);
    lab_lsn_format(s->recv[1], b, sizeof b);
    lab_lsn_format(s->replay[0], c2, sizeof c2);
    lab_lsn_format(s->replay[1], d2, sizeof d2);
    lab_lsn_format(s->primary_last, hi, sizeof hi);
    if (o->json) {
        struct buf j;
        buf_init(&j);
        buf_printf(&j, "{\"drill\":\"failover\",\"orchestrator\":\"dkata\",\"mode\":\"%s\",\"tps\":%d,\"writers\":%d,"
                       "\"kill_at_s\":%.3f,\"detector\":{\"interval_ms\":%.0f,\"timeout_ms\":%.0f,\"failures\":%d,"
                       "\"false_suspicions\":%d},"
                       "\"rows\":[",
                   MODE_NAMES[o->mode], o->tps, o->writers, (double)o->kill_at_ns / 1e9,
                   (double)o->hc_interval_ns / 1e6, (double)o->hc_timeout_ns / 1e6, o->hc_failures,
                   s->false_suspicions);
        for (size_t i = 0; i < r->nrows; i++) {
            const struct row *w = &r->rows[i];
            buf_printf(&j, "%s{\"time_s\":%.3f,\"leader\":\"%s\",\"replica1_lsn\":\"%s\",\"replica2_lsn\":\"%s\","
                           "\"writes_accepted\":%lld,\"client_visible_state\":",
                       i ? "," : "", (double)w->t_ns / 1e9, w->leader, w->lsn[0], w->lsn[1], w->accepted);
            buf_json_str(&j, w->state);
            buf_putc(&j, '}');
        }
        buf_printf(&j, "],\"events\":[%s],\"summary\":{\"time_to_detect_ms\":%.1f,\"primary_lsn_before_kill\":\"%s\","
                       "\"replica1_receive_lsn\":\"%s\",\"replica2_receive_lsn\":\"%s\",\"replica1_replay_lsn\":\"%s\","
                       "\"replica2_replay_lsn\":\"%s\",\"higher_lsn\":\"%s\",\"promoted\":\"%s\",\"promote_ms\":%.1f,"
                       "\"unavailable_ms\":%.1f,\"achieved_tps\":%.0f,\"acknowledged\":%lld,\"acknowledged_after_kill\":%lld,"
                       "\"failed\":%lld,\"unknown_outcome\":%lld,\"rows_on_new_primary\":%lld,\"lost_writes\":%zu,"
                       "\"data_loss_window_ms\":%.1f,\"lost_acked_from_ms\":%.1f,\"lost_acked_to_ms\":%.1f,"
                       "\"other_replica_follows\":%s,\"lost_ids\":[",
                   r->ev.json.data ? r->ev.json.data : "", (double)s->detect_ns / 1e6, hi, a, b, c2, d2,
                   higher, s->promoted, (double)s->promote_ns / 1e6, (double)s->unavailable_ns / 1e6,
                   s->kill_ns > 0 ? (double)s->acked_before_kill * 1e9 / (double)s->kill_ns : 0.0, s->acked,
                   s->acked_after_kill, s->failed, s->unknown, s->present, s->nlost,
                   (double)(s->loss_last_ns - s->loss_first_ns) / 1e6, (double)s->loss_first_ns / 1e6,
                   (double)s->loss_last_ns / 1e6, s->other_follows ? "true" : "false");
        for (size_t i = 0; i < s->nlost && i < 20; i++)
            buf_printf(&j, "%s%lld", i ? "," : "", (long long)s->lost_ids[i]);
        buf_putc(&j, ']');
        if (d->ran)
            print_block_demo(r, d, &j);
        buf_puts(&j, "}}\n");
        fputs(j.data, stdout);
        buf_close(&j);
        return;
    }
    printf("\nsummary (%s, %d TPS target, kill -9 at %.1fs):\n", MODE_NAMES[o->mode], o->tps,
           (double)o->kill_at_ns / 1e9);
    printf("  time to detect        %.0f ms (health check every %.0f ms, timeout %.0f ms, %d failures)\n",
           (double)s->detect_ns / 1e6, (double)o->hc_interval_ns / 1e6, (double)o->hc_timeout_ns / 1e6,
           o->hc_failures);
    if (s->false_suspicions)
        printf("  false suspicions      %d before the kill (first at %.3fs): %d health checks in a row failed "
               "against a live primary; a coordinator acting on them fails over a healthy primary\n",
               s->false_suspicions, (double)s->first_false_ns / 1e9, o->hc_failures);
    printf("  LSN at the kill       primary %s (last sample), replica1 received %s replayed %s, "
           "replica2 received %s replayed %s\n",
           hi, a, c2, b, d2);
    printf("  higher LSN            %s; promoted %s in %.0f ms; %s %s the new primary\n", higher, s->promoted,
           (double)s->promote_ns / 1e6, s->other, s->other_follows ? "streams from" : "does NOT yet stream from");
    printf("  writes unavailable    %.0f ms (last ack on the old primary -> first ack on the new one)\n",
           (double)s->unavailable_ns / 1e6);
    printf("  acknowledged writes   %lld (%.0f per second before the kill; %lld by the old primary after the kill, "
           "from backends still finishing), failed %lld, unknown outcome %lld\n",
           s->acked, s->kill_ns > 0 ? (double)s->acked_before_kill * 1e9 / (double)s->kill_ns : 0.0,
           s->acked_after_kill, s->failed, s->unknown);
    printf("  lost writes           %zu acknowledged ids missing on %s", s->nlost, s->promoted);
    for (size_t i = 0; i < s->nlost && i < 10; i++)
        printf("%s%lld", i ? "," : " (", (long long)s->lost_ids[i]);
    printf("%s\n", s->nlost > 10 ? ",...)" : s->nlost ? ")" : "");
    if (s->nlost)
        printf("  data-loss window      the lost writes were acknowledged from %+.1f ms to %+.1f ms around the kill\n",
               (double)s->loss_first_ns / 1e6, (double)s->loss_last_ns / 1e6);
    else
        printf("  data-loss window      none: every acknowledged write is on %s\n", s->promoted);
}

static void stop_threads(struct run *r)
{
    if (!r->threads)
        return;
    atomic_store(&r->fo.stop, 1);
    for (int i = 0; i < r->fo.o->writers; i++)
        pthread_join(r->w[i].th, NULL);
    pthread_join(r->det, NULL);
    r->threads = false;
}

static int start_threads(struct run *r)
{
    struct fo *fo = &r->fo;
    fo->t0 = r->ev.t0 = lab_now_ns();
    r->w = xcalloc((size_t)fo->o->writers, sizeof *r->w);
    for (int i = 0; i < fo->o->writers; i++) {
        r->w[i] = (struct writer){.fo = fo, .idx = i};
        if (pthread_create(&r->w[i].th, NULL, writer_main, &r->w[i])) {
            atomic_store(&fo->stop, 1);
            for (int k = 0; k < i; k++)
                pthread_join(r->w[k].th, NULL);
            return ERR_STATE;
        }
    }
    if (pthread_create(&r->det, NULL, detector_main, fo)) {
        atomic_store(&fo->stop, 1);
        for (int k = 0; k < fo->o->writers; k++)
            pthread_join(r->w[k].th, NULL);
        return ERR_STATE;
    }
    r->threads = true;
    return 0;
}

/* The drill proper, once the lab is up. */
static int drill(struct run *r, char *err, size_t errn)
{
    struct fo *fo = &r->fo;
    const struct failover_opts *o = fo->o;
    PGconn *p = pgconn_open(fo->lab.st.port_base, "dkata-coordinator", 2000, err, errn);
    if (!p)
        return ERR_STATE;
    int rc = pgconn_exec(p, "CREATE TABLE dkata_writes (id bigint PRIMARY KEY, t_ns bigint NOT NULL)", 5000, err,
                         errn)
                 ? ERR_STATE
                 : configure_mode(r, p, err, errn);
    struct block_demo demo = {0};
    if (rc == 0 && o->mode != FAILOVER_ASYNC)
        rc = block_demo(r, &demo, err, errn);
    if (rc == 0 && !o->json && demo.ran)
        print_block_demo(r, &demo, NULL);
    if (rc) {
        PQfinish(p);
        return rc;
    }
    snprintf(r->leader, sizeof r->leader, "primary");
    atomic_store(&fo->leader_port, fo->lab.st.port_base);
    atomic_store(&fo->watch_port, fo->lab.st.port_base);
    if (!o->json)
        printf("\n%8s  %-9s %-14s %-14s %15s  %s\n", "time", "leader", "replica1.LSN", "replica2.LSN",
               "writes_accepted", "client_visible_state");
    if (start_threads(r)) {
        PQfinish(p);
        snprintf(err, errn, "cannot start the writer threads");
        return ERR_STATE;
    }
    struct summary s = {0};
    if (!sample_until(r, fo->t0 + o->kill_at_ns, NULL))
        goto interrupted;
    pgconn_lsn(p, "SELECT pg_current_wal_lsn()", 500, &s.primary_last, err, errn);
    PQfinish(p);
    p = NULL;
    struct lab_proc_rec *prim = lab_state_find(&fo->lab.st, "primary");
    int64_t killed = lab_now_ns();
    kill(prim->pid, SIGKILL);
    atomic_store(&fo->killed_at, killed);
    s.kill_ns = killed - fo->t0;
    drill_event(&r->ev, "kill -9 of the primary's postmaster (pid %d)", prim->pid);
    if (!sample_until(r, lab_now_ns() + 60 * 1000000000LL, &fo->detected)) {
        if (!pglab_interrupted)
            snprintf(err, errn, "the detector did not notice the dead primary within 60 s");
        goto interrupted;
    }
    s.detect_ns = atomic_load(&fo->detected_at) - killed;
    s.false_suspicions = atomic_load(&fo->false_suspicions);
    s.first_false_ns = s.false_suspicions ? atomic_load(&fo->first_false_at) - fo->t0 : 0;
    atomic_store(&fo->leader_port, 0);
    snprintf(r->leader, sizeof r->leader, "-");
    drill_event(&r->ev, "detector: primary dead after %d failed checks (%.0f ms after the kill)", o->hc_failures,
          (double)s.detect_ns / 1e6);
    read_kill_lsns(r, &s);
    sample(r);
    rc = promote(r, &s, err, errn);
    if (rc)
        goto interrupted;
    if (!sample_until(r, lab_now_ns() + o->after_ns, NULL))
        goto interrupted;
    stop_threads(r);
    sample(r);
    char e2[200];
    s.other_follows = pglab_wait_streaming(pglab_port(&fo->lab, s.promoted), 1, false, 5000, e2, sizeof e2) == 0;
    rc = count_lost(r, &s, err, errn);
    if (rc)
        return rc;
    tally(r, &s);
    print_summary(r, &s, &demo);
    if (o->history && lab_hist_write(o->history, fo->ops, fo->nops)) {
        snprintf(err, errn, "cannot write history file %s", o->history);
        return ERR_IO;
    }
    if (o->mode != FAILOVER_ASYNC && s.nlost > 0) {
        fprintf(stderr, "dkata: %s lost %zu acknowledged writes\n", MODE_NAMES[o->mode], s.nlost);
        return DRILL_VIOLATION;
    }
    return 0;
interrupted:
    PQfinish(p);
    stop_threads(r);
    if (pglab_interrupted)
        snprintf(err, errn, "interrupted");
    return ERR_STATE;
}

int failover_drill(const struct failover_opts *o)
{
    struct run r;
    memset(&r, 0, sizeof r);
    r.fo.o = o;
    pthread_mutex_init(&r.fo.mu, NULL);
    drill_events_init(&r.ev, o->json, "# t=%.3fs %s\n");
    char err[600] = "";
    struct pglab_opts lo = o->lab;
    lo.replicas = 2;
    int rc = drill_lab_up(&r.fo.lab, &lo, o->json, err, sizeof err);
    if (rc == 0)
        rc = drill(&r, err, sizeof err);
    for (int k = 0; k < 2; k++)
        PQfinish(r.rc[k]);
    int rc2 = drill_lab_down(&r.fo.lab, o->keep, o->json);
    if (rc < 0)
        fprintf(stderr, "dkata: %s\n", err);
    free(r.fo.ops);
    free(r.rows);
    free(r.w);
    drill_events_close(&r.ev);
    pthread_mutex_destroy(&r.fo.mu);
    return rc ? rc : rc2;
}
