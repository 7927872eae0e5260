/* The simulated card processor; its ledger is the ground truth the audit counts charges in. */
#include "serve/processor.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "serve/util.h"

/* No index on client_key: the service's key is random, so such an index costs a page write per charge in a
 * random place; only the audit (one GROUP BY) and the tests' processor_count (a scan) read by it. For the
 * same reason a SQLite ledger has no index on dedupe_key either: a key directory (keydir.h) finds charges
 * by it. PostgreSQL keeps the unique index. */
#define CHARGE_COLUMNS                                                                                         \
    " client_key TEXT NOT NULL, amount BIGINT NOT NULL, currency TEXT NOT NULL, card_token TEXT NOT NULL,"      \
    " created_at BIGINT NOT NULL);"
static const char SCHEMA_PG[] =
    "CREATE TABLE IF NOT EXISTS bank_charges (id TEXT PRIMARY KEY, dedupe_key TEXT NOT NULL UNIQUE," CHARGE_COLUMNS;
static const char SCHEMA_LITE[] =
    "CREATE TABLE IF NOT EXISTS bank_charges (id TEXT PRIMARY KEY, dedupe_key TEXT NOT NULL," CHARGE_COLUMNS;

int processor_open(struct processor *p, const char *bank_spec, const struct proc_config *cfg, uint64_t seed)
{
    memset(p, 0, sizeof(*p));
    p->cfg = *cfg;
    p->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
    pthread_mutex_init(&p->rng_mu, NULL);
    p->lock_fd = -1;
    int rc = db_open(&p->bank, bank_spec, cfg->sync_full);
    if (rc)
        return rc;
    p->lite = p->bank.kind == DB_SQLITE;
    if (p->lite) /* PostgreSQL dedupes through its unique index */
        keydir_init(&p->dedupe);
    if (p->lite && (rc = util_lock_beside(bank_spec + 7, &p->lock_fd)))
        snprintf(p->bank.err, sizeof(p->bank.err), "%.160s is used by another process (several instances need a "
                 "postgres: ledger)", bank_spec);
    if (rc == 0)
        rc = db_schema(&p->bank, p->lite ? SCHEMA_LITE : SCHEMA_PG);
    if (rc == 0 && p->lite)
        rc = keydir_load(&p->dedupe, &p->bank, "SELECT rowid, dedupe_key FROM bank_charges");
    if (rc == 0)
        rc = db_group_join(&p->bank, cfg->writer);
    return rc;
}

void processor_close(struct processor *p)
{
    db_close(&p->bank);
    if (p->dedupe.slot)
        keydir_close(&p->dedupe);
    if (p->lock_fd >= 0)
        close(p->lock_fd);
    p->lock_fd = -1;
    pthread_mutex_destroy(&p->rng_mu);
}

/* A uniform double in [0, 1) from splitmix64 (the processor's faults need no cryptographic quality). */
static double draw(struct processor *p)
{
    pthread_mutex_lock(&p->rng_mu);
    uint64_t z = (p->rng += 0x9e3779b97f4a7c15ULL);
    pthread_mutex_unlock(&p->rng_mu);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

static enum proc_fault pick_fault(struct processor *p)
{
    int forced = atomic_exchange(&p->force_next, PROC_FAULT_NONE);
    if (forced != PROC_FAULT_NONE)
        return (enum proc_fault)forced;
    if (p->cfg.p_error + p->cfg.p_timeout + p->cfg.p_lost <= 0)
        return PROC_FAULT_NONE;
    double x = draw(p);
    if (x < p->cfg.p_error)
        return PROC_FAULT_ERROR;
    if (x < p->cfg.p_error + p->cfg.p_timeout)
        return PROC_FAULT_TIMEOUT;
    if (x < p->cfg.p_error + p->cfg.p_timeout + p->cfg.p_lost)
        return PROC_FAULT_LOST;
    return PROC_FAULT_NONE;
}

struct charge_op {
    struct processor *p;
    const char *dedupe_key, *client_key;
    const struct payreq *r;
    char *charge_id;
    int count;
};

/* SQLite: the charge already made under dedupe_key, found through the key directory, into charge_id. Returns 0
 * (found or not: *found says), or ERR_IO. */
static int find_charge(struct processor *p, struct db *bank, const char *dedupe_key, char charge_id[64], bool *found)
{
    struct keydir_found f;
    keydir_find(&p->dedupe, dedupe_key, &f);
    *found = false;
    int rc = 0;
    for (int i = 0; i < f.n && !*found && !rc; i++) {
        char rowid[24];
        snprintf(rowid, sizeof(rowid), "%" PRId64, f.id[i]);
        const char *sel[] = {rowid, dedupe_key};
        struct db_rows rows;
        rc = db_exec(bank, "SELECT id FROM bank_charges WHERE rowid = ? AND dedupe_key = ?", 2, sel, &rows);
        if (rc == 0 && rows.nrows == 1) {
            snprintf(charge_id, 64, "%s", db_cell(&rows, 0, 0));
            *found = true;
        }
        db_rows_close(&rows);
    }
    keydir_found_close(&f);
    return rc;
}

int processor_ledger_step(struct processor *p, struct db *bank, const char *dedupe_key, const char *client_key,
                          const struct payreq *r, char charge_id[64])
{
    bool found = false;
    int rc = p->lite ? find_charge(p, bank, dedupe_key, charge_id, &found) : 0;
    if (rc || found)
        return rc;
    char id[64], amount[24], now[24];
    snprintf(id, sizeof(id), "ch_");
    util_time_ordered_hex(id + 3);
    snprintf(amount, sizeof(amount), "%" PRId64, r->amount);
    snprintf(now, sizeof(now), "%" PRId64, util_now_ms());
    const char *ins[] = {id, dedupe_key, client_key, amount, r->currency, r->card_token, now};
    struct db_rows rows;
    /* On SQLite only the writer thread charges, after find_charge: a plain insert. */
    rc = db_exec(bank,
                 p->lite ? "INSERT INTO bank_charges (id, dedupe_key, client_key, amount, currency, card_token, "
                           "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id, rowid"
                         : "INSERT INTO bank_charges (id, dedupe_key, client_key, amount, currency, card_token, "
                           "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
                 7, ins, &rows);
    if (rc == 0 && rows.nrows == 1) {
        atomic_fetch_add(&p->charges, 1);
        if (p->lite)
            keydir_add(&p->dedupe, dedupe_key, strtoll(db_cell(&rows, 0, 1), NULL, 10));
    }
    if (rc == 0 && rows.nrows == 0) {
        db_rows_close(&rows);
        const char *sel[] = {dedupe_key};
        rc = db_exec(bank, "SELECT id FROM bank_charges WHERE dedupe_key = ?", 1, sel, &rows);
        if (rc == 0 && rows.nrows != 1)
            rc = ERR_IO;
    }
    if (rc == 0)
        snprintf(charge_id, 64, "%s", db_cell(&rows, 0, 0));
    db_rows_close(&rows);
    return rc;
}

static int charge_work(struct db *bank, void *arg, bool *durable)
{
    (void)durable;
    struct charge_op *o = arg;
    return processor_ledger_step(o->p, bank, o->dedupe_key, o->client_key, o->r, o->charge_id);
}

/* Records the charge, or finds the one already made under dedupe_key; returns once it is durable in the
 * ledger. Returns 0 or ERR_IO. */
static int ledger_charge(struct processor *p, const char *dedupe_key, const char *client_key,
                         const struct payreq *r, char charge_id[64])
{
    struct charge_op o = {.p = p, .dedupe_key = dedupe_key, .client_key = client_key, .r = r, .charge_id = charge_id};
    return db_write(&p->bank, charge_work, &o, true);
}

enum proc_fault processor_begin(struct processor *p)
{
    atomic_fetch_add(&p->calls, 1);
    util_sleep_ns(p->cfg.latency_ns);
    enum proc_fault f = pick_fault(p);
    if (f != PROC_FAULT_NONE)
        atomic_fetch_add(&p->faults, 1);
    return f;
}

enum proc_outcome processor_charge(struct processor *p, const char *dedupe_key, const char *client_key,
                                   const struct payreq *r, char charge_id[64])
{
    return processor_complete(p, processor_begin(p), dedupe_key, client_key, r, charge_id);
}

enum proc_outcome processor_complete(struct processor *p, enum proc_fault f, const char *dedupe_key,
                                     const char *client_key, const struct payreq *r, char charge_id[64])
{
    charge_id[0] = '\0';
    if (f == PROC_FAULT_ERROR)
        return PROC_ERROR;
    if (f == PROC_FAULT_TIMEOUT) {
        util_sleep_ns(p->cfg.timeout_ns);
        return PROC_UNKNOWN;
    }
    if (strncmp(r->card_token, "tok_decline", 11) == 0)
        return PROC_DECLINED;
    if (ledger_charge(p, dedupe_key, client_key, r, charge_id))
        return PROC_ERROR;
    if (f == PROC_FAULT_LOST) {
        charge_id[0] = '\0';
        util_sleep_ns(p->cfg.timeout_ns);
        return PROC_UNKNOWN;
    }
    return PROC_OK;
}

static int count_work(struct db *bank, void *arg, bool *durable)
{
    (void)durable;
    struct charge_op *o = arg;
    struct db_rows rows;
    const char *sel[] = {o->client_key};
    int rc = db_exec(bank, "SELECT COUNT(*) FROM bank_charges WHERE client_key = ?", 1, sel, &rows);
    if (rc == 0)
        o->count = atoi(db_cell(&rows, 0, 0) ? db_cell(&rows, 0, 0) : "0");
    db_rows_close(&rows);
    return rc;
}

int processor_count(struct processor *p, const char *client_key)
{
    struct charge_op o = {.p = p, .client_key = client_key};
    int rc = db_write(&p->bank, count_work, &o, true);
    return rc ? rc : o.count;
}

struct db *processor_ledger(struct processor *p)
{
    return p->bank.group ? &p->bank : NULL;
}
