/* The practice journal on SQLite: one IMMEDIATE transaction per write, WAL, a busy timeout for concurrent dkata
 * processes; the user's data folder is created on first use. */
#include "journal/journal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "core/err.h"

const char *const journal_tags[] = {
    "fallacy-missed",       "wall-clock-ordering", "vector-clock-compare", "phi-too-tight",
    "quorum-miscounted",    "raft-invariant",      "fencing-token-missing", "retry-no-idempotency-key",
    "old-leader-not-fenced", "lww-assumed-safe",   "monotonic-hash-key",   "minority-side-ignored",
    "conflict-vs-stale-read", "retry-no-jitter",   NULL,
};
const char *const journal_tag_help[] = {
    "fallacy missed (004, lane 1)",
    "wall-clock used for ordering (004, lane 2)",
    "vector clock compare wrong (004, lane 2)",
    "phi threshold too tight (004, lane 3)",
    "quorum miscounted (004, lane 4; 003 snippet 1)",
    "Raft invariant confused (004, lane 4)",
    "fencing token missing (004, lane 5; 003 snippet 2)",
    "retry without idempotency key (004; 003 snippet 3)",
    "forgot to fence old leader (000)",
    "assumed LWW was safe (000)",
    "hash-partitioned on a monotonic key (000)",
    "ignored minority side during partition (000)",
    "confused conflict with stale read (000)",
    "fixed-delay retry without jitter or budget (003 snippet 4)",
    NULL,
};

static const char *const schema =
    "CREATE TABLE IF NOT EXISTS entries(id INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL,"
    " name TEXT NOT NULL, params TEXT, bug TEXT, seed INTEGER, seeds INTEGER, outcome TEXT NOT NULL,"
    " seconds REAL, score INTEGER, total INTEGER);"
    "CREATE TABLE IF NOT EXISTS mistakes(id INTEGER PRIMARY KEY, at TEXT NOT NULL, tag TEXT NOT NULL,"
    " text TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS ticks(item TEXT PRIMARY KEY, at TEXT NOT NULL);";

bool journal_enabled(void)
{
    const char *v = getenv("DKATA_NO_JOURNAL");
    return !v || !*v || !strcmp(v, "0");
}

int journal_path(char *out, size_t n)
{
    const char *p = getenv("DKATA_JOURNAL"), *x = getenv("XDG_DATA_HOME"), *h = getenv("HOME");
    int w;
    if (p && *p)
        w = snprintf(out, n, "%s", p);
    else if (x && *x == '/') /* the XDG spec: a relative value is invalid and ignored */
        w = snprintf(out, n, "%s/dkata/journal.db", x);
    else if (h && *h)
        w = snprintf(out, n, "%s/.local/share/dkata/journal.db", h);
    else
        return ERR_INVAL;
    return w < 0 || (size_t)w >= n ? ERR_INVAL : 0;
}

/* mkdir -p of the folders above path. */
static int make_parents(char *path)
{
    for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = 0;
        int rc = mkdir(path, 0700);
        int e = errno;
        *s = '/';
        if (rc && e != EEXIST)
            return -1;
    }
    return 0;
}

static int fail(struct journal *j, const char *what)
{
    snprintf(j->err, sizeof(j->err), "%s '%s': %s", what, j->path, j->db ? sqlite3_errmsg(j->db) : strerror(errno));
    return ERR_IO;
}

static void now_text(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int journal_open(struct journal *j)
{
    memset(j, 0, sizeof(*j));
    if (journal_path(j->path, sizeof(j->path))) {
        snprintf(j->err, sizeof(j->err), "no journal folder: set XDG_DATA_HOME or HOME");
        return ERR_INVAL;
    }
    if (make_parents(j->path))
        return fail(j, "cannot create the folder of");
    if (sqlite3_open_v2(j->path, &j->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        int rc = fail(j, "cannot open journal");
        journal_close(j);
        return rc;
    }
    sqlite3_busy_timeout(j->db, 10000);
    /* No checkpoint (and its fsyncs) each time a short-lived dkata closes the file: the WAL's own auto-checkpoint
     * folds it in every 1000 pages. A process crash loses nothing committed; synchronous=NORMAL means a power cut
     * may drop the last commits, never corrupt the file. */
    sqlite3_db_config(j->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
    /* WAL: readers never block the writer, and a writer killed mid-transaction leaves an uncommitted tail that
     * the next opener ignores. Setting it is itself a write; the busy timeout covers concurrent first opens. */
    if (sqlite3_exec(j->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, NULL) != SQLITE_OK) {
        int rc = fail(j, "cannot use journal");
        journal_close(j);
        return rc;
    }
    /* The schema once (user_version 1 marks it), in a transaction: two first openers race harmlessly. */
    if (journal_count(j, "PRAGMA user_version") == 1)
        return 0;
    if (sqlite3_exec(j->db, "BEGIN IMMEDIATE;", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(j->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(j->db, "PRAGMA user_version=1; COMMIT;", NULL, NULL, NULL) != SQLITE_OK) {
        int rc = fail(j, "cannot create the tables of journal");
        sqlite3_exec(j->db, "ROLLBACK;", NULL, NULL, NULL);
        journal_close(j);
        return rc;
    }
    return 0;
}

void journal_close(struct journal *j)
{
    if (j->db)
        sqlite3_close(j->db);
    j->db = NULL;
}

/* One insert as one IMMEDIATE transaction: args are text (NULL for SQL NULL). */
static int insert(struct journal *j, const char *sql, int n, const char *const *args)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_exec(j->db, "BEGIN IMMEDIATE;", NULL, NULL, NULL) != SQLITE_OK)
        return fail(j, "cannot write journal");
    int rc = sqlite3_prepare_v2(j->db, sql, -1, &st, NULL);
    for (int i = 0; rc == SQLITE_OK && i < n; i++)
        rc = args[i] ? sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i + 1);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    sqlite3_finalize(st);
    if (rc == SQLITE_OK && sqlite3_exec(j->db, "COMMIT;", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    int err = fail(j, "cannot write journal");
    sqlite3_exec(j->db, "ROLLBACK;", NULL, NULL, NULL);
    return err;
}

int journal_add(struct journal *j, const struct journal_entry *e)
{
    char at[32], seed[24], seeds[24], secs[32], score[16], total[16];
    now_text(at);
    snprintf(seed, sizeof(seed), "%llu", (unsigned long long)e->seed);
    snprintf(seeds, sizeof(seeds), "%llu", (unsigned long long)(e->seeds ? e->seeds : 1));
    snprintf(secs, sizeof(secs), "%.3f", e->seconds);
    snprintf(score, sizeof(score), "%d", e->score);
    snprintf(total, sizeof(total), "%d", e->total);
    const char *args[] = {at, e->kind, e->name, e->params, e->bug, seed, seeds, e->outcome, secs, score, total};
    return insert(j,
                  "INSERT INTO entries(at,kind,name,params,bug,seed,seeds,outcome,seconds,score,total)"
                  " VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                  11, args);
}

static bool tag_ok(const char *tag)
{
    size_t n = strlen(tag);
    if (n < 1 || n > 40)
        return false;
    for (const char *p = tag; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return false;
    return true;
}

int journal_mistake_add(struct journal *j, const char *tag, const char *text)
{
    if (!tag_ok(tag) || !text || !*text || strlen(text) > 4000)
        return ERR_INVAL;
    char at[32];
    now_text(at);
    const char *args[] = {at, tag, text};
    return insert(j, "INSERT INTO mistakes(at,tag,text) VALUES(?,?,?)", 3, args);
}

int journal_tick(struct journal *j, const char *item)
{
    char at[32];
    now_text(at);
    const char *args[] = {item, at};
    return insert(j, "INSERT OR REPLACE INTO ticks(item,at) VALUES(?,?)", 2, args);
}

long journal_count(struct journal *j, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long v = -1;
    if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(st, 0);
    else
        fail(j, "cannot read journal");
    sqlite3_finalize(st);
    return v;
}

static const char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? (const char *)s : "";
}

int journal_mistake_list(struct journal *j, const char *tag, FILE *out)
{
    sqlite3_stmt *st = NULL;
    int n = 0;
    if (sqlite3_prepare_v2(j->db, "SELECT at, tag, text FROM mistakes WHERE ?1 IS NULL OR tag = ?1 ORDER BY id", -1,
                           &st, NULL) != SQLITE_OK)
        return fail(j, "cannot read journal");
    sqlite3_bind_text(st, 1, tag, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) {
        fprintf(out, "%s  %-26s %s\n", col(st, 0), col(st, 1), col(st, 2));
        n++;
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(j->db,
                           "SELECT tag, count(*) FROM mistakes WHERE ?1 IS NULL OR tag = ?1 GROUP BY tag"
                           " ORDER BY count(*) DESC, tag",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(j, "cannot read journal");
    sqlite3_bind_text(st, 1, tag, -1, SQLITE_TRANSIENT);
    fprintf(out, "%scounts per tag (%d mistake%s):\n", n ? "\n" : "", n, n == 1 ? "" : "s");
    while (sqlite3_step(st) == SQLITE_ROW)
        fprintf(out, "  %-26s %d\n", col(st, 0), sqlite3_column_int(st, 1));
    sqlite3_finalize(st);
    return n;
}

int journal_recent(struct journal *j, int n, FILE *out)
{
    sqlite3_stmt *st = NULL;
    int got = 0;
    if (sqlite3_prepare_v2(j->db,
                           "SELECT * FROM (SELECT id, at, kind, name, coalesce(params,''), coalesce(bug,''), seed,"
                           " seeds, outcome, seconds, score, total FROM entries ORDER BY id DESC LIMIT ?) ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(j, "cannot read journal");
    sqlite3_bind_int(st, 1, n);
    while (sqlite3_step(st) == SQLITE_ROW) {
        fprintf(out, "%s  %-9s %-16s %-9s %7.2fs", col(st, 1), col(st, 2), col(st, 3), col(st, 8),
                sqlite3_column_double(st, 9));
        if (!strcmp(col(st, 2), "run") || !strcmp(col(st, 2), "swarm"))
            fprintf(out, "  seed %s%s%s", col(st, 6), sqlite3_column_int64(st, 7) > 1 ? " x" : "",
                    sqlite3_column_int64(st, 7) > 1 ? col(st, 7) : "");
        if (sqlite3_column_int(st, 11) > 0)
            fprintf(out, "  score %d/%d", sqlite3_column_int(st, 10), sqlite3_column_int(st, 11));
        if (*col(st, 5))
            fprintf(out, "  bug %s", col(st, 5));
        fputc('\n', out);
        got++;
    }
    sqlite3_finalize(st);
    return got;
}

double journal_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void journal_note(const struct journal_entry *e)
{
    journal_note_want(e, JOURNAL_DEFAULT);
}

void journal_note_want(const struct journal_entry *e, enum journal_want want)
{
    if (want == JOURNAL_OFF || (want == JOURNAL_DEFAULT && !journal_enabled()))
        return;
    struct journal j;
    int rc = journal_open(&j);
    if (!rc)
        rc = journal_add(&j, e);
    if (rc)
        fprintf(stderr, "dkata: not logged in the journal: %s (DKATA_NO_JOURNAL=1 or --no-log turns logging off)\n",
                j.err);
    journal_close(&j);
}
