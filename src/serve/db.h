/* A small SQL layer over SQLite and PostgreSQL: prepared statements with text parameters, text results. */
#ifndef DKATA_SERVE_DB_H
#define DKATA_SERVE_DB_H
#include <pthread.h>
#include <stdbool.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#define DB_STMTS_MAX 48
#define DB_PARAMS_MAX 12

enum db_kind { DB_SQLITE, DB_POSTGRES };

/* One connection. Statements are prepared once, on first use, and cached by the address of their SQL
 * text (string literals), written with '?' placeholders for both engines. Not thread-safe by itself: the
 * caller holds mu around each statement or transaction (db_write does it). */
struct db {
    enum db_kind kind;
    sqlite3 *lite;
    PGconn *pg;
    char *conninfo; /* for reconnecting to PostgreSQL */
    pthread_mutex_t mu;
    const char *sql[DB_STMTS_MAX];
    sqlite3_stmt *stmt[DB_STMTS_MAX];
    int nstmt;
    char err[256];
    struct db_group *group; /* group commit, when started */
    int group_slot;         /* this connection's place in its group */
    bool pg_tx;             /* PostgreSQL: inside a transaction that db_begin opened */
};

/* Rows of a result, every cell as text (NULL for SQL NULL). The caller closes it with db_rows_close. */
struct db_rows {
    int nrows, ncols;
    char **cells; /* row-major */
};

/* Opens "sqlite:PATH" (WAL; synchronous FULL if sync_full, else NORMAL) or "postgres:CONNINFO".
 * Returns 0, ERR_INVAL for an unknown scheme, or ERR_IO with the detail in d->err. */
int db_open(struct db *d, const char *spec, bool sync_full);
void db_close(struct db *d);

/* Runs one statement with n text parameters (NULL for SQL NULL); rows go into out if out is not NULL.
 * Returns 0 or ERR_IO (detail in d->err). A broken PostgreSQL connection is reset for the next call. */
int db_exec(struct db *d, const char *sql, int n, const char *const *params, struct db_rows *out);

/* Runs semicolon-separated statements without parameters (schema). Returns 0 or ERR_IO. */
int db_script(struct db *d, const char *sql);

/* Group commit for a SQLite connection: from now on a writer thread owns it and keeps it inside one open
 * transaction. Callers hand it work with db_write; it takes everything queued as one batch, runs it in queue
 * order, answers the work that need not wait for the disk, commits (one fsync for the whole batch), answers the
 * rest, and opens the next transaction. Work queued while a batch commits forms the next one, so the busier
 * the service, the more requests share each fsync. Returns 0 or ERR_IO; a no-op for PostgreSQL. */
int db_group_start(struct db *d);

/* Group commit for d on the writer thread of with (which has one), so that one thread owns both: a chain of
 * steps across them (db_then) then runs within one of its cycles, and each cycle commits first the
 * connection whose waiting steps lead further. Without a writer on with, as db_group_start. */
int db_group_join(struct db *d, struct db *with);

/* Work for a connection. *durable starts as the caller asked and fn may change it once it knows what it did
 * (a claim that found an answer must wait for the disk; one that leads to more work need not). */
typedef int db_work_fn(struct db *d, void *arg, bool *durable);

/* Runs fn(d, arg, &durable) on d and returns its result. Under group commit fn runs on the writer thread, and
 * the call returns once fn ran, or if durable once the commit holding what fn wrote (and read) succeeded
 * (ERR_IO if it failed): nothing acknowledged on a durable answer can be lost. Without group commit fn runs in
 * the caller's thread under d->mu. fn must not call db_write; it may call db_then. */
int db_write(struct db *d, db_work_fn *fn, void *arg, bool durable);

/* Called by a work fn to chain a next step: once the current step is done (and committed, if it waits for
 * the disk), fn runs with the same arg on next (on its writer, if it has one), and so on; the caller of
 * db_write sleeps once, until the last step is done. A step that fails (non-zero) ends the chain. Handing a
 * request from one writer to the next this way costs no thread wake-up per step. */
void db_then(struct db *next, db_work_fn *fn, bool durable);

/* Runs a schema script (CREATE ... IF NOT EXISTS); on PostgreSQL under an advisory lock, so that
 * instances starting together do not race on the catalog. Returns 0 or ERR_IO. */
int db_schema(struct db *d, const char *sql);

/* Transactions: BEGIN (IMMEDIATE on SQLite), COMMIT, ROLLBACK. Return 0 or ERR_IO. Under group commit
 * they are a savepoint inside the open transaction, so the statements between them stay atomic. */
int db_begin(struct db *d);
int db_commit(struct db *d);
int db_rollback(struct db *d);

/* The cell at (row, col), or NULL. */
const char *db_cell(const struct db_rows *r, int row, int col);
void db_rows_close(struct db_rows *r);

#endif
