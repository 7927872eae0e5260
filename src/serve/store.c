/* The idempotency store over the SQL layer: the same statements serve SQLite and PostgreSQL. */
#include "serve/store.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/err.h"
#include "core/mem.h"
#include "serve/keydir.h"
#include "serve/util.h"

static const char *const phase_names[] = {"started", "charge_requested", "charge_confirmed", "finished"};

const char *store_phase_name(enum store_phase p)
{
    return phase_names[p];
}

static enum store_phase phase_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (s && strcmp(s, phase_names[i]) == 0)
            return (enum store_phase)i;
    return PHASE_STARTED;
}

/* The same tables on both engines, but on SQLite idem_keys has no index on key: the key directory
 * (keydir.h) finds rows by key, and the rows of new keys are appended at the table's right edge. On
 * PostgreSQL the primary key stays: several instances share the table and rely on ON CONFLICT. */
#define KEY_COLUMNS                                                                                            \
    " req_hash TEXT NOT NULL, phase TEXT NOT NULL, lock_owner TEXT,"                                           \
    " locked_until BIGINT NOT NULL, charge_id TEXT, resp_code INTEGER, resp_body TEXT,"                        \
    " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"                                                \
    "CREATE INDEX IF NOT EXISTS idem_keys_created ON idem_keys (created_at);"                                  \
    "CREATE TABLE IF NOT EXISTS payments ("                                                                    \
    " id TEXT PRIMARY KEY, idem_key TEXT NOT NULL, amount BIGINT NOT NULL, currency TEXT NOT NULL,"            \
    " charge_id TEXT NOT NULL, body TEXT NOT NULL, created_at BIGINT NOT NULL);"
static const char SCHEMA_PG[] = "CREATE TABLE IF NOT EXISTS idem_keys (key TEXT PRIMARY KEY," KEY_COLUMNS;
static const char SCHEMA_LITE[] = "CREATE TABLE IF NOT EXISTS idem_keys (key TEXT NOT NULL," KEY_COLUMNS;

static int lock_sqlite(struct store *s, const char *path)
{
    int rc = util_lock_beside(path, &s->lock_fd);
    if (rc == ERR_EXISTS)
        snprintf(s->err, sizeof(s->err),
                 "store %.160s is served by another process (use postgres: for several instances)", path);
    else if (rc)
        snprintf(s->err, sizeof(s->err), "cannot open lock file %.200s.lock", path);
    return rc;
}

int store_open(struct store *s, const char *spec, int nconn, bool sync_full, int64_t lease_ms)
{
    memset(s, 0, sizeof(*s));
    s->lock_fd = -1;
    s->lease_ms = lease_ms;
    s->ttl_ms = 24LL * 3600 * 1000;
    s->sqlite = strncmp(spec, "sqlite:", 7) == 0;
    if (nconn < 1 || nconn > STORE_CONNS_MAX)
        nconn = 1;
    if (s->sqlite) {
        int rc = lock_sqlite(s, spec + 7);
        if (rc)
            return rc;
    }
    for (int i = 0; i < nconn; i++) {
        int rc = db_open(&s->conn[i], spec, sync_full);
        s->nconn = i + 1;
        if (rc == 0 && i == 0)
            rc = db_schema(&s->conn[0], s->sqlite ? SCHEMA_LITE : SCHEMA_PG);
        if (rc) {
            snprintf(s->err, sizeof(s->err), "%s", s->conn[i].err);
            return rc;
        }
    }
    /* Only one process serves a SQLite store (the flock above), so every lock left is a dead one's. */
    if (s->sqlite && db_script(&s->conn[0], "UPDATE idem_keys SET locked_until = 0, lock_owner = NULL "
                                            "WHERE locked_until <> 0")) {
        snprintf(s->err, sizeof(s->err), "%s", s->conn[0].err);
        return ERR_IO;
    }
    if (s->sqlite) {
        keydir_init(&s->keys);
        s->keys_open = true;
        if (keydir_load(&s->keys, &s->conn[0], "SELECT rowid, key FROM idem_keys")) {
            snprintf(s->err, sizeof(s->err), "%s", s->conn[0].err);
            return ERR_IO;
        }
    }
    if (s->sqlite && db_group_start(&s->conn[0])) {
        snprintf(s->err, sizeof(s->err), "%s", s->conn[0].err);
        return ERR_IO;
    }
    return 0;
}

void store_close(struct store *s)
{
    for (int i = 0; i < s->nconn; i++)
        db_close(&s->conn[i]);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    if (s->keys_open)
        keydir_close(&s->keys);
    memset(s, 0, sizeof(*s));
    s->lock_fd = -1;
}

/* Runs fn on a connection: on SQLite, writes (and everything, when there is a single connection) go to the
 * writer of conn[0] and wait for the disk if durable, reads to a free reader connection, whose reads see only
 * committed, so durable, data; on PostgreSQL, anything to a free connection (each statement commits). */
static int run_on(struct store *s, bool write, db_work_fn *fn, void *arg, bool durable)
{
    if (s->sqlite && (write || s->nconn == 1))
        return db_write(&s->conn[0], fn, arg, durable);
    int first = s->sqlite ? 1 : 0, n = s->nconn - first;
    unsigned start = atomic_fetch_add(&s->rr, 1);
    for (int k = 0; k < n; k++) {
        struct db *d = &s->conn[first + (int)((start + (unsigned)k) % (unsigned)n)];
        if (pthread_mutex_trylock(&d->mu) == 0) {
            int rc = fn(d, arg, &durable);
            pthread_mutex_unlock(&d->mu);
            return rc;
        }
    }
    return db_write(&s->conn[first + (int)(start % (unsigned)n)], fn, arg, durable);
}

/* Keeps the detail of a failed call for store_error's log line. */
static int failed(struct store *s, struct db *d, int rc)
{
    if (rc && rc != ERR_STATE && rc != ERR_NOTFOUND)
        snprintf(s->err, sizeof(s->err), "%s", d->err);
    return rc;
}

/* Statements that name one key's row come in pairs: [0] for PostgreSQL by key, [1] for SQLite by a rowid from
 * the key directory, checked against the key as well. Both take the same n parameters, the key among them;
 * the SQLite text takes the rowid as parameter n + 1 (?NNN numbering). */
typedef const char *const by_key_sql[2];

/* Runs a by_key_sql statement on key's row: on PostgreSQL once; on SQLite with each candidate rowid of the
 * key directory until one names a row (every such statement returns rows). params has room for n + 1.
 * With no candidate, out holds no rows. Returns 0 or ERR_IO. */
static int exec_by_key(struct store *s, struct db *d, by_key_sql sql, const char *key, int n, const char **params,
                       struct db_rows *out)
{
    if (!s->sqlite)
        return db_exec(d, sql[0], n, params, out);
    struct keydir_found f;
    keydir_find(&s->keys, key, &f);
    char rowid[24];
    params[n] = rowid;
    memset(out, 0, sizeof(*out));
    int rc = 0;
    for (int i = 0; i < f.n; i++) {
        snprintf(rowid, sizeof(rowid), "%" PRId64, f.id[i]);
        rc = db_exec(d, sql[1], n + 1, params, out);
        if (rc || out->nrows)
            break;
        db_rows_close(out);
    }
    keydir_found_close(&f);
    return rc;
}

static int nothing(struct db *d, void *arg, bool *durable)
{
    (void)d, (void)arg, (void)durable;
    return 0;
}

int store_sync(struct store *s)
{
    return run_on(s, true, nothing, NULL, true);
}

#define I64(buf, v) (snprintf((buf), sizeof(buf), "%" PRId64, (int64_t)(v)), (buf))

static void fill_key(struct store_key *out, const struct db_rows *r)
{
    /* columns: req_hash, phase, charge_id, resp_code, resp_body, locked_until */
    out->phase = phase_parse(db_cell(r, 0, 1));
    snprintf(out->charge_id, sizeof(out->charge_id), "%s", db_cell(r, 0, 2) ? db_cell(r, 0, 2) : "");
    out->resp_code = db_cell(r, 0, 3) ? atoi(db_cell(r, 0, 3)) : 0;
    out->resp_body = db_cell(r, 0, 4) ? xstrdup(db_cell(r, 0, 4)) : NULL;
}

#define SELECT_KEY "SELECT req_hash, phase, charge_id, resp_code, resp_body, locked_until FROM idem_keys "
#define SELECT_KEY_ANY                                                                                         \
    "SELECT req_hash, phase, charge_id, resp_code, resp_body, locked_until, created_at FROM idem_keys "
static by_key_sql SQL_SELECT = {SELECT_KEY "WHERE key = ? AND created_at >= ?",
                                SELECT_KEY "WHERE rowid = ?3 AND key = ?1 AND created_at >= ?2"};

/* Classifies a selected row for a request with hash at now. */
static void classify(struct store_key *out, const struct db_rows *r, const char *hash, int64_t now_ms)
{
    fill_key(out, r);
    const char *lu = db_cell(r, 0, 5);
    if (strcmp(db_cell(r, 0, 0) ? db_cell(r, 0, 0) : "", hash) != 0)
        out->claim = CLAIM_MISMATCH;
    else if (out->phase == PHASE_FINISHED)
        out->claim = CLAIM_FINISHED;
    else if (lu && strtoll(lu, NULL, 10) >= now_ms)
        out->claim = CLAIM_BUSY;
    else
        out->claim = CLAIM_RESUME; /* only a hint from store_peek: store_claim takes the lock */
}

/* The arguments and results of one call, handed to the connection that runs it. */
struct op {
    struct store *s;
    const char *key, *hash, *owner, *charge_id, *resp_body;
    int64_t now_ms, cutoff_ms;
    enum store_phase phase;
    const struct store_payment *payment;
    int resp_code;
    struct store_key *out;
    char **body;
    struct db_rows *gone; /* purge: the deleted rows (key, rowid on SQLite) */
};

static int peek_work(struct db *d, void *arg, bool *durable)
{
    (void)durable;
    struct op *o = arg;
    struct db_rows r;
    char cut[24];
    const char *p[] = {o->key, I64(cut, o->now_ms - o->s->ttl_ms), NULL};
    int rc = exec_by_key(o->s, d, SQL_SELECT, o->key, 2, p, &r);
    if (rc == 0 && r.nrows == 0)
        rc = ERR_NOTFOUND;
    if (rc == 0)
        classify(o->out, &r, o->hash, o->now_ms);
    db_rows_close(&r);
    return failed(o->s, d, rc);
}

int store_peek(struct store *s, const char *key, const char *hash, int64_t now_ms, struct store_key *out)
{
    memset(out, 0, sizeof(*out));
    if (atomic_load(&s->fail))
        return ERR_IO;
    struct op o = {.s = s, .key = key, .hash = hash, .now_ms = now_ms, .out = out};
    return run_on(s, false, peek_work, &o, true);
}

/* Inserts key's row, already at phase first (which started would move to in the same step): on PostgreSQL
 * unless the key exists (another instance may insert it at the same time), on SQLite only after the key
 * directory found no live row (the writer thread alone inserts). *inserted if it did. Returns 0 or ERR_IO. */
static int insert_key(struct db *d, struct store *s, const char *key, const char *hash, const char *owner,
                      enum store_phase first, int64_t now_ms, bool *inserted)
{
    char now[24], until[24];
    const char *ins[] = {key, hash, phase_names[first], owner, I64(until, now_ms + s->lease_ms), I64(now, now_ms),
                         now};
    struct db_rows r;
    int rc = db_exec(d,
                     s->sqlite ? "INSERT INTO idem_keys (key, req_hash, phase, lock_owner, locked_until, created_at, "
                                 "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING rowid"
                               : "INSERT INTO idem_keys (key, req_hash, phase, lock_owner, locked_until, created_at, "
                                 "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING "
                                 "RETURNING phase",
                     7, ins, &r);
    if (rc)
        return rc;
    *inserted = r.nrows == 1;
    if (*inserted && s->sqlite)
        keydir_add(&s->keys, key, strtoll(db_cell(&r, 0, 0), NULL, 10));
    db_rows_close(&r);
    return 0;
}

static by_key_sql SQL_DELETE_EXPIRED = {
    "DELETE FROM idem_keys WHERE key = ? AND created_at < ? AND (phase = 'finished' OR locked_until < ?) "
    "RETURNING key",
    "DELETE FROM idem_keys WHERE rowid = ?4 AND key = ?1 AND created_at < ?2 AND (phase = 'finished' OR "
    "locked_until < ?3) RETURNING key"};

/* The key's row whatever its age, with created_at (column 6). */
static by_key_sql SQL_SELECT_ANY = {SELECT_KEY_ANY "WHERE key = ?", SELECT_KEY_ANY "WHERE rowid = ?2 AND key = ?1"};

static by_key_sql SQL_TAKE_LOCK = {
    "UPDATE idem_keys SET lock_owner = ?, locked_until = ?, updated_at = ? WHERE key = ? AND req_hash = ? AND "
    "phase <> 'finished' AND locked_until < ? RETURNING req_hash, phase, charge_id, resp_code, resp_body, "
    "locked_until",
    "UPDATE idem_keys SET lock_owner = ?1, locked_until = ?2, updated_at = ?3 WHERE rowid = ?7 AND key = ?4 AND "
    "req_hash = ?5 AND phase <> 'finished' AND locked_until < ?6 RETURNING req_hash, phase, charge_id, resp_code, "
    "resp_body, locked_until"};

/* One attempt at claiming: insert, or take a free lock, or read what holds the key. */
static int claim_once(struct db *d, struct store *s, const char *key, const char *hash, const char *owner,
                      enum store_phase first, int64_t now_ms, struct store_key *out, bool *again)
{
    char now[24], until[24], cut[24];
    I64(now, now_ms);
    I64(until, now_ms + s->lease_ms);
    I64(cut, now_ms - s->ttl_ms);
    struct db_rows r;
    bool inserted = false;
    int rc = 0;
    struct keydir_found f = {0};
    if (s->sqlite)
        keydir_find(&s->keys, key, &f);
    if (!s->sqlite || f.n == 0)
        rc = insert_key(d, s, key, hash, owner, first, now_ms, &inserted);
    keydir_found_close(&f);
    if (rc)
        return rc;
    if (inserted) {
        out->claim = CLAIM_NEW;
        out->phase = first;
        out->advanced = first > PHASE_STARTED;
        return 0;
    }
    /* An expired key is as good as absent (a crashed request's unfinished key only once its lease ran
     * out): delete it and insert again. */
    const char *del[] = {key, cut, now, NULL};
    if ((rc = exec_by_key(s, d, SQL_DELETE_EXPIRED, key, 3, del, &r)))
        return rc;
    bool expired = r.nrows == 1;
    db_rows_close(&r);
    if (expired) {
        *again = true;
        return 0;
    }
    const char *upd[] = {owner, until, now, key, hash, now, NULL};
    if ((rc = exec_by_key(s, d, SQL_TAKE_LOCK, key, 6, upd, &r)))
        return rc;
    if (r.nrows == 1) {
        fill_key(out, &r);
        out->claim = CLAIM_RESUME;
        db_rows_close(&r);
        return 0;
    }
    db_rows_close(&r);
    const char *sel[] = {key, NULL};
    if ((rc = exec_by_key(s, d, SQL_SELECT_ANY, key, 1, sel, &r)))
        return rc;
    if (r.nrows == 0 && s->sqlite) {
        /* Only stale entries: the key has no row (the writer's view is the whole truth). */
        rc = insert_key(d, s, key, hash, owner, first, now_ms, &inserted);
        if (rc == 0 && inserted) {
            out->claim = CLAIM_NEW;
            out->phase = first;
            out->advanced = first > PHASE_STARTED;
        }
    } else if (r.nrows == 0) {
        *again = true; /* purged between our statements */
    } else if (strtoll(db_cell(&r, 0, 6) ? db_cell(&r, 0, 6) : "0", NULL, 10) < now_ms - s->ttl_ms) {
        /* Expired, but the delete above left it: a live request holds its lock. Busy until that lease ends
         * (then the next claim deletes it); never a second row for the key. */
        fill_key(out, &r);
        out->claim = CLAIM_BUSY;
    } else {
        classify(out, &r, hash, now_ms);
    }
    db_rows_close(&r);
    return rc;
}

static by_key_sql SQL_SET_PHASE = {
    "UPDATE idem_keys SET phase = ?, charge_id = COALESCE(?, charge_id), locked_until = ?, updated_at = ? WHERE "
    "key = ? AND lock_owner = ? RETURNING phase",
    "UPDATE idem_keys SET phase = ?1, charge_id = COALESCE(?2, charge_id), locked_until = ?3, updated_at = ?4 "
    "WHERE rowid = ?7 AND key = ?5 AND lock_owner = ?6 RETURNING phase"};

/* With d held: records phase for key if owner holds it. Returns 0, ERR_STATE or ERR_IO. */
static int set_phase_locked(struct store *s, struct db *d, const char *key, const char *owner,
                            enum store_phase phase, const char *charge_id, int64_t now_ms)
{
    char now[24], until[24];
    const char *p[] = {phase_names[phase], charge_id, I64(until, now_ms + s->lease_ms), I64(now, now_ms),
                       key, owner, NULL};
    struct db_rows r;
    int rc = exec_by_key(s, d, SQL_SET_PHASE, key, 6, p, &r);
    if (rc == 0 && r.nrows != 1)
        rc = ERR_STATE;
    db_rows_close(&r);
    return rc;
}

int store_claim_step(struct store *s, struct db *d, const char *key, const char *hash, const char *owner,
                     int64_t now_ms, enum store_phase advance_to, struct store_key *out, bool *durable)
{
    memset(out, 0, sizeof(*out));
    if (atomic_load(&s->fail))
        return ERR_IO;
    int rc = 0;
    bool again = true;
    for (int tries = 0; tries < 3 && again && rc == 0; tries++) {
        again = false;
        rc = claim_once(d, s, key, hash, owner, advance_to, now_ms, out, &again);
    }
    if (rc == 0 && again)
        out->claim = CLAIM_BUSY; /* the key kept changing under us (other instances): as if in flight */
    if (rc == 0 && out->claim == CLAIM_RESUME && out->phase == PHASE_FINISHED)
        out->claim = CLAIM_FINISHED;
    bool work = rc == 0 && (out->claim == CLAIM_NEW || out->claim == CLAIM_RESUME);
    if (work && out->phase == PHASE_STARTED && advance_to > PHASE_STARTED) {
        rc = set_phase_locked(s, d, key, owner, advance_to, NULL, now_ms);
        if (rc == 0)
            out->phase = advance_to;
        out->advanced = true;
    }
    if (rc)
        store_key_close(out);
    /* A claim that leads to an answer (replay, 422, 409) waits until what it saw is durable. A claim that
     * leads to work does not: the answer it leads to waits for a later commit, which covers this one, and a
     * charge made before this commit is safe because the processor dedupes on our key (see payments.md). */
    *durable = !work;
    return failed(s, d, rc);
}

static int claim_work(struct db *d, void *arg, bool *durable)
{
    struct op *o = arg;
    return store_claim_step(o->s, d, o->key, o->hash, o->owner, o->now_ms, o->phase, o->out, durable);
}

int store_claim_to(struct store *s, const char *key, const char *hash, const char *owner, int64_t now_ms,
                   enum store_phase advance_to, struct store_key *out)
{
    struct op o = {.s = s, .key = key, .hash = hash, .owner = owner, .now_ms = now_ms, .phase = advance_to,
                   .out = out};
    return run_on(s, true, claim_work, &o, true);
}

int store_claim(struct store *s, const char *key, const char *hash, const char *owner, int64_t now_ms,
                struct store_key *out)
{
    return store_claim_to(s, key, hash, owner, now_ms, PHASE_STARTED, out);
}

void store_key_close(struct store_key *k)
{
    free(k->resp_body);
    k->resp_body = NULL;
}

static int set_phase_work(struct db *d, void *arg, bool *durable)
{
    (void)durable;
    struct op *o = arg;
    return failed(o->s, d, set_phase_locked(o->s, d, o->key, o->owner, o->phase, o->charge_id, o->now_ms));
}

int store_set_phase(struct store *s, const char *key, const char *owner, enum store_phase phase,
                    const char *charge_id, int64_t now_ms, bool durable)
{
    if (atomic_load(&s->fail))
        return ERR_IO;
    struct op o = {.s = s, .key = key, .owner = owner, .phase = phase, .charge_id = charge_id, .now_ms = now_ms};
    return run_on(s, true, set_phase_work, &o, durable);
}

static by_key_sql SQL_FINISH = {
    "UPDATE idem_keys SET phase = 'finished', resp_code = ?, resp_body = ?, charge_id = COALESCE(?, charge_id), "
    "locked_until = 0, lock_owner = NULL, updated_at = ? WHERE key = ? AND lock_owner = ? RETURNING phase",
    "UPDATE idem_keys SET phase = 'finished', resp_code = ?1, resp_body = ?2, charge_id = COALESCE(?3, charge_id), "
    "locked_until = 0, lock_owner = NULL, updated_at = ?4 WHERE rowid = ?7 AND key = ?5 AND lock_owner = ?6 "
    "RETURNING phase"};

static int finish_tx(struct store *s, struct db *d, const char *key, const char *owner,
                     const struct store_payment *p, int resp_code, const char *resp_body, int64_t now_ms)
{
    char now[24], code[24], amount[24];
    I64(now, now_ms);
    I64(code, resp_code);
    struct db_rows r;
    const char *up[] = {code, resp_body, p ? p->charge_id : NULL, now, key, owner, NULL};
    int rc = exec_by_key(s, d, SQL_FINISH, key, 6, up, &r);
    if (rc)
        return rc;
    int n = r.nrows;
    db_rows_close(&r);
    if (n != 1)
        return ERR_STATE;
    if (!p)
        return 0;
    const char *ins[] = {p->id, key, I64(amount, p->amount), p->currency, p->charge_id, resp_body, now};
    return db_exec(d,
                   "INSERT INTO payments (id, idem_key, amount, currency, charge_id, body, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   7, ins, NULL);
}

int store_finish_step(struct store *s, struct db *d, const char *key, const char *owner,
                      const struct store_payment *p, int resp_code, const char *resp_body, int64_t now_ms)
{
    if (atomic_load(&s->fail))
        return ERR_IO;
    int rc = db_begin(d);
    if (rc == 0) {
        rc = finish_tx(s, d, key, owner, p, resp_code, resp_body, now_ms);
        int rc2 = rc ? db_rollback(d) : db_commit(d);
        if (rc == 0)
            rc = rc2;
    }
    return failed(s, d, rc);
}

static int finish_work(struct db *d, void *arg, bool *durable)
{
    (void)durable;
    struct op *o = arg;
    return store_finish_step(o->s, d, o->key, o->owner, o->payment, o->resp_code, o->resp_body, o->now_ms);
}

int store_finish(struct store *s, const char *key, const char *owner, const struct store_payment *p,
                 int resp_code, const char *resp_body, int64_t now_ms)
{
    struct op o = {.s = s, .key = key, .owner = owner, .payment = p, .resp_code = resp_code,
                   .resp_body = resp_body, .now_ms = now_ms};
    return run_on(s, true, finish_work, &o, true);
}

static by_key_sql SQL_RELEASE = {
    "UPDATE idem_keys SET locked_until = 0, lock_owner = NULL WHERE key = ? AND lock_owner = ? RETURNING phase",
    "UPDATE idem_keys SET locked_until = 0, lock_owner = NULL WHERE rowid = ?3 AND key = ?1 AND lock_owner = ?2 "
    "RETURNING phase"};

static int release_work(struct db *d, void *arg, bool *durable)
{
    (void)durable;
    struct op *o = arg;
    const char *p[] = {o->key, o->owner, NULL};
    struct db_rows r;
    int rc = exec_by_key(o->s, d, SQL_RELEASE, o->key, 2, p, &r);
    db_rows_close(&r);
    return failed(o->s, d, rc);
}

int store_release(struct store *s, const char *key, const char *owner)
{
    if (atomic_load(&s->fail))
        return ERR_IO;
    struct op o = {.s = s, .key = key, .owner = owner};
    return run_on(s, true, release_work, &o, true);
}

static int payment_work(struct db *d, void *arg, bool *durable)
{
    (void)durable;
    struct op *o = arg;
    struct db_rows r;
    const char *p[] = {o->key};
    int rc = db_exec(d, "SELECT body FROM payments WHERE id = ?", 1, p, &r);
    if (rc == 0 && r.nrows == 0)
        rc = ERR_NOTFOUND;
    if (rc == 0)
        *o->body = xstrdup(db_cell(&r, 0, 0) ? db_cell(&r, 0, 0) : "");
    db_rows_close(&r);
    return failed(o->s, d, rc);
}

int store_payment_get(struct store *s, const char *id, char **body)
{
    *body = NULL;
    if (atomic_load(&s->fail))
        return ERR_IO;
    struct op o = {.s = s, .key = id, .body = body};
    return run_on(s, false, payment_work, &o, true);
}

static int purge_work(struct db *d, void *arg, bool *durable)
{
    (void)durable;
    struct op *o = arg;
    char cut[24], now[24];
    const char *p[] = {I64(cut, o->cutoff_ms), I64(now, o->now_ms)};
    int rc = db_exec(d,
                     o->s->sqlite ? "DELETE FROM idem_keys WHERE created_at < ? AND (phase = 'finished' OR "
                                    "locked_until < ?) RETURNING key, rowid"
                                  : "DELETE FROM idem_keys WHERE created_at < ? AND (phase = 'finished' OR "
                                    "locked_until < ?) RETURNING key",
                     2, p, o->gone);
    return failed(o->s, d, rc);
}

int store_purge(struct store *s, int64_t cutoff_ms, int64_t now_ms)
{
    if (atomic_load(&s->fail))
        return ERR_IO;
    struct db_rows gone = {0};
    struct op o = {.s = s, .cutoff_ms = cutoff_ms, .now_ms = now_ms, .gone = &gone};
    int rc = run_on(s, true, purge_work, &o, true);
    /* The deletes are committed: their rows' entries can go from the key directory. */
    for (int i = 0; rc == 0 && s->sqlite && i < gone.nrows; i++)
        keydir_remove(&s->keys, db_cell(&gone, i, 0), strtoll(db_cell(&gone, i, 1), NULL, 10));
    int n = gone.nrows;
    db_rows_close(&gone);
    return rc ? rc : n;
}

static int ping_work(struct db *d, void *arg, bool *durable)
{
    (void)durable;
    return failed(arg, d, db_exec(d, "SELECT 1", 0, NULL, NULL));
}

bool store_ping(struct store *s)
{
    if (atomic_load(&s->fail))
        return false;
    return run_on(s, false, ping_work, s, true) == 0;
}

struct db *store_writer(struct store *s)
{
    return s->sqlite && s->conn[0].group ? &s->conn[0] : NULL;
}
