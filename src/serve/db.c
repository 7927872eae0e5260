/* The SQL layer: one code path for the stores over SQLite and libpq, SQL only through prepared statements. */
#include "serve/db.h"

#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/mem.h"

/* How long the writer waits for more work before committing writes nobody waits for. */
#define GROUP_IDLE_NS 2000000L
/* How many times the writer yields to gather more work into a cycle before its first commit. */
#define GROUP_GATHER 2
/* How many connections one writer thread can own. */
#define GROUP_DBS_MAX 4

/* A piece of work queued for the writer thread; it lives on the caller's stack until done is posted. */
struct db_job {
    db_work_fn *fn;
    void *arg;
    struct db *db; /* the connection the step runs on */
    bool durable;
    int rc;
    sem_t done;
    struct db_job *next;
    struct db *then_db; /* the next step of a chain (db_then), run once this one is done */
    db_work_fn *then_fn;
    bool then_durable;
};

/* The job whose step this thread is running (for db_then). */
static _Thread_local struct db_job *current_job;

/* A connection a writer owns, and what its open transaction holds. The writer's own. */
struct db_member {
    struct db *d;
    bool in_tx;                            /* the BEGIN after the last commit worked */
    bool pending;                          /* the open transaction holds writes not yet committed */
    struct db_job *wait_head, **wait_tail; /* steps waiting for this connection's next commit */
    int wait_chained;                      /* how many of them lead to a next step */
};

struct db_group {
    pthread_t writer;
    pthread_mutex_t mu; /* guards the queue, the flags below and nmember */
    pthread_cond_t work;
    struct db_job *head, *tail;
    bool idle, stop;
    struct db_member member[GROUP_DBS_MAX];
    int nmember;
    struct db_job *ready, **ready_tail; /* the writer's own: steps to run in the current cycle */
};

/* The group whose writer this thread is, if any. */
static _Thread_local struct db_group *writer_of;

static int fail(struct db *d, const char *what, const char *detail)
{
    snprintf(d->err, sizeof(d->err), "%s: %s", what, detail ? detail : "unknown error");
    char *nl = strchr(d->err, '\n');
    if (nl)
        *nl = '\0';
    return ERR_IO;
}

static int open_sqlite(struct db *d, const char *path, bool sync_full)
{
    d->kind = DB_SQLITE;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &d->lite, flags, NULL) != SQLITE_OK)
        return fail(d, path, d->lite ? sqlite3_errmsg(d->lite) : "cannot open");
    sqlite3_busy_timeout(d->lite, 5000);
    char pragmas[160];
    snprintf(pragmas, sizeof(pragmas), "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s;",
             sync_full ? "FULL" : "NORMAL");
    return db_script(d, pragmas);
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static int open_pg(struct db *d, const char *conninfo)
{
    d->kind = DB_POSTGRES;
    d->conninfo = xstrdup(conninfo);
    d->pg = PQconnectdb(conninfo);
    PQsetNoticeProcessor(d->pg, quiet, NULL); /* errors come back as results; notices are noise here */
    if (PQstatus(d->pg) != CONNECTION_OK)
        return fail(d, "postgres", PQerrorMessage(d->pg));
    return db_script(d, "SET client_min_messages = warning");
}

int db_open(struct db *d, const char *spec, bool sync_full)
{
    memset(d, 0, sizeof(*d));
    pthread_mutex_init(&d->mu, NULL);
    if (strncmp(spec, "sqlite:", 7) == 0 && spec[7])
        return open_sqlite(d, spec + 7, sync_full);
    if (strncmp(spec, "postgres:", 9) == 0)
        return open_pg(d, spec + 9);
    snprintf(d->err, sizeof(d->err), "unknown store '%s' (accepted: sqlite:PATH, postgres:CONNINFO)", spec);
    return ERR_INVAL;
}

static void group_stop(struct db *d);

void db_close(struct db *d)
{
    if (d->group)
        group_stop(d);
    for (int i = 0; i < d->nstmt; i++)
        sqlite3_finalize(d->stmt[i]);
    if (d->lite)
        sqlite3_close(d->lite);
    if (d->pg)
        PQfinish(d->pg);
    free(d->conninfo);
    pthread_mutex_destroy(&d->mu);
    memset(d, 0, sizeof(*d));
}

/* The cache slot of sql, preparing it on first use; -1 on error. */
static int slot(struct db *d, const char *sql)
{
    for (int i = 0; i < d->nstmt; i++)
        if (d->sql[i] == sql)
            return i;
    if (d->nstmt == DB_STMTS_MAX) {
        fail(d, "prepare", "too many statements");
        return -1;
    }
    int i = d->nstmt;
    if (d->kind == DB_SQLITE) {
        if (sqlite3_prepare_v3(d->lite, sql, -1, SQLITE_PREPARE_PERSISTENT, &d->stmt[i], NULL) != SQLITE_OK) {
            fail(d, "prepare", sqlite3_errmsg(d->lite));
            return -1;
        }
    } else {
        /* '?' placeholders become $1, $2, ... (our SQL has no '?' inside literals). */
        struct buf b;
        buf_init(&b);
        int n = 0;
        for (const char *p = sql; *p; p++)
            if (*p == '?')
                buf_printf(&b, "$%d", ++n);
            else
                buf_putc(&b, *p);
        char name[16];
        snprintf(name, sizeof(name), "s%d", i);
        PGresult *res = PQprepare(d->pg, name, b.data, n, NULL);
        buf_close(&b);
        int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        if (!ok)
            fail(d, "prepare", PQresultErrorMessage(res));
        PQclear(res);
        if (!ok)
            return -1;
    }
    d->sql[i] = sql;
    d->nstmt++;
    return i;
}

static void rows_alloc(struct db_rows *out, int nrows, int ncols)
{
    out->nrows = nrows;
    out->ncols = ncols;
    out->cells = xcalloc((size_t)(nrows * ncols) + 1, sizeof(char *));
}

static int exec_sqlite(struct db *d, int i, int n, const char *const *params, struct db_rows *out)
{
    sqlite3_stmt *st = d->stmt[i];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (int k = 0; k < n; k++)
        if (params[k])
            sqlite3_bind_text(st, k + 1, params[k], -1, SQLITE_STATIC);
    int ncols = sqlite3_column_count(st), nrows = 0, cap = 0, rc;
    char **cells = NULL;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out) {
            size_t need = (size_t)((nrows + 1) * ncols);
            size_t c = (size_t)cap;
            xgrow((void **)&cells, &c, need + 1, sizeof(char *));
            cap = (int)c;
            for (int k = 0; k < ncols; k++) {
                const unsigned char *t = sqlite3_column_text(st, k);
                cells[nrows * ncols + k] = t ? xstrdup((const char *)t) : NULL;
            }
        }
        nrows++;
    }
    if (out) {
        out->nrows = nrows;
        out->ncols = ncols;
        out->cells = cells ? cells : xcalloc(1, sizeof(char *));
    }
    if (rc != SQLITE_DONE) {
        fail(d, "sqlite", sqlite3_errmsg(d->lite));
        sqlite3_reset(st);
        if (out)
            db_rows_close(out);
        return ERR_IO;
    }
    sqlite3_reset(st);
    return 0;
}

static int exec_pg(struct db *d, int i, int n, const char *const *params, struct db_rows *out)
{
    char name[16];
    snprintf(name, sizeof(name), "s%d", i);
    PGresult *res = PQexecPrepared(d->pg, name, n, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fail(d, "postgres", PQresultErrorMessage(res));
        PQclear(res);
        return ERR_IO;
    }
    if (out) {
        rows_alloc(out, PQntuples(res), PQnfields(res));
        for (int r = 0; r < out->nrows; r++)
            for (int c = 0; c < out->ncols; c++)
                if (!PQgetisnull(res, r, c))
                    out->cells[r * out->ncols + c] = xstrdup(PQgetvalue(res, r, c));
    }
    PQclear(res);
    return 0;
}

/* Before each PostgreSQL statement: notice a connection the server closed since the last one (a restart),
 * reconnect (forgetting the statements prepared on the old session), and refuse to go on inside a
 * transaction that the lost session took with it. Returns 0 or ERR_IO. */
static int pg_ready(struct db *d)
{
    if (d->kind != DB_POSTGRES)
        return 0;
    PQconsumeInput(d->pg);
    if (PQstatus(d->pg) != CONNECTION_OK) {
        PQreset(d->pg);
        d->nstmt = 0;
    }
    if (PQstatus(d->pg) != CONNECTION_OK)
        return fail(d, "postgres", PQerrorMessage(d->pg));
    if (d->pg_tx && PQtransactionStatus(d->pg) == PQTRANS_IDLE)
        return fail(d, "postgres", "the connection was lost inside a transaction");
    return 0;
}

int db_exec(struct db *d, const char *sql, int n, const char *const *params, struct db_rows *out)
{
    if (out)
        memset(out, 0, sizeof(*out));
    if (pg_ready(d))
        return ERR_IO;
    int i = slot(d, sql);
    if (d->kind == DB_SQLITE)
        return i < 0 ? ERR_IO : exec_sqlite(d, i, n, params, out);
    int rc = i < 0 ? ERR_IO : exec_pg(d, i, n, params, out);
    /* A session the server dropped while idle (a restart) fails its next statement: outside a transaction,
     * reconnect and try once more. Every statement of ours is safe to repeat (conditional inserts and
     * updates), even if the first try committed before the connection broke. */
    if (rc && !d->pg_tx && PQstatus(d->pg) != CONNECTION_OK && pg_ready(d) == 0) {
        i = slot(d, sql);
        rc = i < 0 ? ERR_IO : exec_pg(d, i, n, params, out);
    }
    return rc;
}

int db_script(struct db *d, const char *sql)
{
    if (d->kind == DB_SQLITE) {
        char *msg = NULL;
        if (sqlite3_exec(d->lite, sql, NULL, NULL, &msg) != SQLITE_OK) {
            fail(d, "sqlite", msg);
            sqlite3_free(msg);
            return ERR_IO;
        }
        return 0;
    }
    if (pg_ready(d))
        return ERR_IO;
    PGresult *res = PQexec(d->pg, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        rc = fail(d, "postgres", PQresultErrorMessage(res));
    PQclear(res);
    return rc;
}

int db_schema(struct db *d, const char *sql)
{
    if (d->kind == DB_SQLITE)
        return db_script(d, sql);
    int rc = db_script(d, "SELECT pg_advisory_lock(7700701)");
    if (rc)
        return rc;
    rc = db_script(d, sql);
    int rc2 = db_script(d, "SELECT pg_advisory_unlock(7700701)");
    return rc ? rc : rc2;
}

int db_begin(struct db *d)
{
    if (d->group)
        return db_script(d, "SAVEPOINT op");
    int rc = db_script(d, d->kind == DB_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN");
    d->pg_tx = rc == 0 && d->kind == DB_POSTGRES;
    return rc;
}

int db_commit(struct db *d)
{
    if (d->group)
        return db_script(d, "RELEASE op");
    int rc = pg_ready(d); /* a transaction lost with its session must not "commit" as an empty one */
    d->pg_tx = false;
    return rc ? rc : db_script(d, "COMMIT");
}

int db_rollback(struct db *d)
{
    d->pg_tx = false;
    return db_script(d, d->group ? "ROLLBACK TO op; RELEASE op" : "ROLLBACK");
}

static void run_step(struct db_job *job)
{
    struct db_job *outer = current_job;
    current_job = job;
    job->rc = job->fn(job->db, job->arg, &job->durable);
    current_job = outer;
}

static void dispatch(struct db *d, struct db_job *job);

/* A step is over (committed, if it had to wait for the disk): hand the job to its chain's next step, or
 * wake its caller. */
static void job_done(struct db_job *job)
{
    if (job->rc == 0 && job->then_fn) {
        struct db *next = job->then_db;
        job->fn = job->then_fn;
        job->durable = job->then_durable;
        job->then_fn = NULL;
        job->then_db = NULL;
        job->next = NULL;
        dispatch(next, job);
        return;
    }
    sem_post(&job->done);
}

static void ready_append(struct db_group *g, struct db_job *jobs)
{
    if (!jobs)
        return;
    *g->ready_tail = jobs;
    while (jobs->next)
        jobs = jobs->next;
    g->ready_tail = &jobs->next;
}

/* Queues the job for d's writer (on the writer itself, into the current cycle), or without one runs it
 * here under d->mu. */
static void dispatch(struct db *d, struct db_job *job)
{
    struct db_group *g = d->group;
    job->db = d;
    if (!g) {
        pthread_mutex_lock(&d->mu);
        run_step(job);
        pthread_mutex_unlock(&d->mu);
        job_done(job);
        return;
    }
    if (writer_of == g) {
        ready_append(g, job);
        return;
    }
    pthread_mutex_lock(&g->mu);
    if (g->tail)
        g->tail->next = job;
    else
        g->head = job;
    g->tail = job;
    if (g->idle)
        pthread_cond_signal(&g->work);
    pthread_mutex_unlock(&g->mu);
}

void db_then(struct db *next, db_work_fn *fn, bool durable)
{
    current_job->then_db = next;
    current_job->then_fn = fn;
    current_job->then_durable = durable;
}

/* Commits m's open transaction and opens the next. Returns 0 or ERR_IO. Writer thread only. */
static int group_commit(struct db_member *m)
{
    struct db *d = m->d;
    int rc = 0;
    if (m->in_tx && sqlite3_get_autocommit(d->lite))
        rc = ERR_IO; /* an error rolled the whole transaction back: what it held is lost */
    else if (m->in_tx && (rc = db_script(d, "COMMIT")) && !sqlite3_get_autocommit(d->lite))
        db_script(d, "ROLLBACK"); /* a commit that failed but left the transaction open: none of it holds */
    /* If BEGIN fails, statements autocommit one by one until the next commit: durable, just slower. */
    m->in_tx = db_script(d, "BEGIN IMMEDIATE") == 0;
    m->pending = false;
    return rc;
}

/* Runs the steps ready in this cycle in order. A step that need not wait for the disk is answered at once
 * (or its chain's next step joins the cycle); one that must wait joins its connection's waiters. */
static void run_ready(struct db_group *g)
{
    while (g->ready) {
        struct db_job *job = g->ready;
        g->ready = job->next;
        if (!g->ready)
            g->ready_tail = &g->ready;
        job->next = NULL;
        struct db_member *m = &g->member[job->db->group_slot];
        sqlite3_int64 changes = sqlite3_total_changes64(m->d->lite);
        run_step(job);
        if (sqlite3_total_changes64(m->d->lite) != changes || !m->in_tx)
            m->pending = true;
        if (!job->durable) {
            job_done(job);
            continue;
        }
        *m->wait_tail = job;
        m->wait_tail = &job->next;
        m->wait_chained += job->rc == 0 && job->then_fn;
    }
}

/* The connection to commit next: one with waiters, preferring the one whose waiters lead to most further
 * steps, so that those steps can ride on the other connections' commits of this cycle. */
static struct db_member *next_commit(struct db_group *g, int n)
{
    struct db_member *best = NULL;
    for (int i = 0; i < n; i++) {
        struct db_member *m = &g->member[i];
        if (m->wait_head && (!best || m->wait_chained > best->wait_chained))
            best = m;
    }
    return best;
}

/* Commits m if it holds anything (one fsync for everything its waiters wrote or read) and answers them. */
static void commit_waiters(struct db_member *m)
{
    int rc = m->pending ? group_commit(m) : 0;
    struct db_job *job = m->wait_head;
    m->wait_head = NULL;
    m->wait_tail = &m->wait_head;
    m->wait_chained = 0;
    while (job) {
        struct db_job *next = job->next; /* a finished job's memory goes back to its caller */
        if (job->rc == 0)
            job->rc = rc;
        job_done(job);
        job = next;
    }
}

static struct db_job *take_queue(struct db_group *g)
{
    pthread_mutex_lock(&g->mu);
    struct db_job *jobs = g->head;
    g->head = g->tail = NULL;
    pthread_mutex_unlock(&g->mu);
    return jobs;
}

/* One cycle: runs the batch; before the first commit, yields so that the threads just answered (or woken)
 * can queue their next work into it; then commits each connection that has waiters, in turn, until no
 * step waits. A chain (claim on the store, charge on the ledger, response on the store) thus runs in one
 * cycle with one commit of each connection. Work queued after the first commit forms the next cycle. */
static void run_cycle(struct db_group *g, struct db_job *batch, int n)
{
    ready_append(g, batch);
    for (int gather = 0;;) {
        run_ready(g);
        struct db_member *m = next_commit(g, n);
        if (!m)
            return;
        if (gather < GROUP_GATHER) {
            gather++;
            sched_yield();
            ready_append(g, take_queue(g));
            if (g->ready)
                continue;
        }
        commit_waiters(m);
    }
}

static bool any_pending(const struct db_group *g, int n)
{
    for (int i = 0; i < n; i++)
        if (g->member[i].pending)
            return true;
    return false;
}

/* The writer: takes everything queued as one cycle; what arrives while a cycle commits forms the next.
 * Writes nobody waits for are committed once the queue has been empty for GROUP_IDLE_NS. */
static void *group_loop(void *arg)
{
    struct db_group *g = arg;
    writer_of = g;
    pthread_mutex_lock(&g->mu);
    for (;;) {
        int n = g->nmember;
        bool pending = any_pending(g, n);
        g->idle = true;
        while (!g->head && !g->stop && !pending)
            pthread_cond_wait(&g->work, &g->mu);
        if (!g->head && !g->stop && pending) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += GROUP_IDLE_NS;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            while (!g->head && !g->stop && pthread_cond_timedwait(&g->work, &g->mu, &until) == 0)
                ;
        }
        g->idle = false;
        struct db_job *batch = g->head;
        g->head = g->tail = NULL;
        n = g->nmember;
        pthread_mutex_unlock(&g->mu);
        if (batch)
            run_cycle(g, batch, n);
        else
            for (int i = 0; i < n; i++)
                if (g->member[i].pending)
                    group_commit(&g->member[i]);
        pthread_mutex_lock(&g->mu);
        if (!batch && g->stop && !g->head)
            break;
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

/* Makes d a member of g (its writer then owns d). Call before any work for d is queued. */
static int member_add(struct db_group *g, struct db *d)
{
    if (db_script(d, "BEGIN IMMEDIATE"))
        return ERR_IO;
    pthread_mutex_lock(&g->mu);
    int slot = g->nmember;
    if (slot < GROUP_DBS_MAX) {
        g->member[slot] = (struct db_member){.d = d, .in_tx = true};
        g->member[slot].wait_tail = &g->member[slot].wait_head;
        d->group_slot = slot;
        d->group = g;
        g->nmember++;
    }
    pthread_mutex_unlock(&g->mu);
    if (slot == GROUP_DBS_MAX) {
        db_script(d, "COMMIT");
        return fail(d, "group commit", "too many connections on one writer");
    }
    return 0;
}

int db_group_start(struct db *d)
{
    if (d->kind != DB_SQLITE || d->group)
        return 0;
    struct db_group *g = xcalloc(1, sizeof(*g));
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->work, NULL);
    g->ready_tail = &g->ready;
    if (member_add(g, d))
        goto fail;
    if (pthread_create(&g->writer, NULL, group_loop, g) != 0) {
        d->group = NULL;
        db_script(d, "COMMIT");
        fail(d, "group commit", "cannot start the writer thread");
        goto fail;
    }
    return 0;
fail:
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->work);
    free(g);
    return ERR_IO;
}

int db_group_join(struct db *d, struct db *with)
{
    if (d->kind != DB_SQLITE || d->group)
        return 0;
    if (!with || !with->group)
        return db_group_start(d);
    return member_add(with->group, d);
}

int db_write(struct db *d, db_work_fn *fn, void *arg, bool durable)
{
    struct db_job job = {.fn = fn, .arg = arg, .durable = durable};
    sem_init(&job.done, 0, 0);
    dispatch(d, &job);
    while (sem_wait(&job.done) != 0)
        ; /* EINTR */
    sem_destroy(&job.done);
    return job.rc;
}

/* Stops d's writer once it has drained its queue; every connection it owned (d and any that joined it)
 * is committed and goes back to running work in its callers' threads. */
static void group_stop(struct db *d)
{
    struct db_group *g = d->group;
    pthread_mutex_lock(&g->mu);
    g->stop = true;
    pthread_cond_signal(&g->work);
    pthread_mutex_unlock(&g->mu);
    pthread_join(g->writer, NULL);
    for (int i = 0; i < g->nmember; i++) {
        struct db *m = g->member[i].d;
        m->group = NULL;
        if (!sqlite3_get_autocommit(m->lite))
            db_script(m, "COMMIT");
    }
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->work);
    free(g);
}

const char *db_cell(const struct db_rows *r, int row, int col)
{
    if (!r->cells || row < 0 || row >= r->nrows || col < 0 || col >= r->ncols)
        return NULL;
    return r->cells[row * r->ncols + col];
}

void db_rows_close(struct db_rows *r)
{
    if (r->cells)
        for (int i = 0; i < r->nrows * r->ncols; i++)
            free(r->cells[i]);
    free(r->cells);
    memset(r, 0, sizeof(*r));
}
