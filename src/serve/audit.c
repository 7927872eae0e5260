/* The payments audit: at most one charge per key, every acknowledged payment stored, every replay equal. */
#include "serve/audit.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "serve/db.h"
#include "serve/payreq.h"

#define AUDIT_DETAIL_MAX 20
#define AUDIT_LINE_MAX (1 << 20)

int audit_parse_line(const char *line, size_t len, struct audit_op *op, char *msg, size_t msg_n)
{
    memset(op, 0, sizeof(*op));
    json_error_t e;
    json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &e);
    if (!j) {
        snprintf(msg, msg_n, "malformed json: %.80s", e.text);
        return ERR_PARSE;
    }
    json_t *key = json_object_get(j, "key"), *amount = json_object_get(j, "amount");
    json_t *status = json_object_get(j, "status"), *rep = json_object_get(j, "replayed");
    json_t *body = json_object_get(j, "body");
    int rc = ERR_PARSE;
    if (!json_is_string(key) || !payreq_uuid_ok(json_string_value(key)))
        snprintf(msg, msg_n, "key must be a uuid string");
    else if (!json_is_integer(amount))
        snprintf(msg, msg_n, "amount must be an integer");
    else if (!json_is_integer(status) || json_integer_value(status) < 0 || json_integer_value(status) > 599)
        snprintf(msg, msg_n, "status must be an integer from 0 to 599");
    else if (!json_is_boolean(rep))
        snprintf(msg, msg_n, "replayed must be true or false");
    else if (!json_is_string(body) || strlen(json_string_value(body)) != json_string_length(body))
        snprintf(msg, msg_n, "body must be a string without NUL");
    else {
        payreq_uuid_lower(json_string_value(key), op->key); /* the server's form of the key */
        op->amount = json_integer_value(amount);
        op->status = (int)json_integer_value(status);
        op->replayed = json_is_true(rep);
        op->body = xstrdup(json_string_value(body));
        rc = 0;
    }
    json_decref(j);
    return rc;
}

void audit_op_close(struct audit_op *op)
{
    free(op->body);
    op->body = NULL;
}

static void violation(struct audit_report *r, uint64_t *counter, const char *fmt, const char *key, const char *extra)
{
    (*counter)++;
    if (r->double_charged + r->acked_missing + r->replay_mismatch + r->charge_mismatch <= AUDIT_DETAIL_MAX) {
        buf_printf(&r->detail, fmt, key, extra ? extra : "");
        buf_putc(&r->detail, '\n');
    }
}

static int cmp_op(const void *a, const void *b)
{
    return strcmp(((const struct audit_op *)a)->key, ((const struct audit_op *)b)->key);
}

/* A final outcome is stored and replayed: 201 (payment) and 402 (declined). */
static bool final_status(int st)
{
    return st == 201 || st == 402;
}

static int read_history(const char *path, struct audit_op **ops, size_t *n, struct audit_report *r)
{
    FILE *f = fopen(path, "r");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0 || S_ISDIR(st.st_mode)) {
        buf_printf(&r->detail, "cannot read history %s (%s; accepted: a file written by 'dkata serve load --history')\n",
                   path, f ? "a directory" : strerror(errno));
        if (f)
            fclose(f);
        return ERR_IO;
    }
    char *line = NULL;
    size_t cap = 0, ncap = 0, lineno = 0;
    ssize_t len;
    int rc = 0;
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (len == 1 && line[0] == '\n')
            continue;
        char msg[160];
        XGROW(*ops, ncap, *n + 1);
        if (len > AUDIT_LINE_MAX || audit_parse_line(line, (size_t)len, &(*ops)[*n], msg, sizeof(msg))) {
            buf_printf(&r->detail, "%s:%zu: %s\n", path, lineno, len > AUDIT_LINE_MAX ? "line too long" : msg);
            rc = ERR_PARSE;
            break;
        }
        (*n)++;
    }
    free(line);
    fclose(f);
    return rc;
}

/* The ledger: keys charged more than once. */
static int audit_bank(struct db *bank, struct audit_report *r)
{
    struct db_rows rows;
    int rc = db_exec(bank, "SELECT COUNT(*) FROM bank_charges", 0, NULL, &rows);
    if (rc)
        return rc;
    r->charges = strtoull(db_cell(&rows, 0, 0) ? db_cell(&rows, 0, 0) : "0", NULL, 10);
    db_rows_close(&rows);
    rc = db_exec(bank, "SELECT client_key, COUNT(*) FROM bank_charges GROUP BY client_key HAVING COUNT(*) > 1", 0,
                 NULL, &rows);
    if (rc)
        return rc;
    for (int i = 0; i < rows.nrows; i++)
        violation(r, &r->double_charged, "key %s charged %s times", db_cell(&rows, i, 0), db_cell(&rows, i, 1));
    db_rows_close(&rows);
    return 0;
}

/* One key's operations (sorted together): replays equal, and the acknowledged outcome stored. */
static int audit_key(struct db *store, struct db *bank, const struct audit_op *ops, size_t n, struct audit_report *r)
{
    const struct audit_op *first = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!final_status(ops[i].status))
            continue;
        r->acked++;
        if (!first)
            first = &ops[i];
        else if (ops[i].status != first->status || strcmp(ops[i].body, first->body) != 0)
            violation(r, &r->replay_mismatch, "key %s answered two different outcomes%s", ops[i].key, NULL);
    }
    if (!first)
        return 0;
    struct db_rows rows;
    const char *p[] = {first->key};
    int rc = db_exec(store,
                     store->kind == DB_SQLITE
                         ? "SELECT resp_code, resp_body FROM temp.finished WHERE key = ?"
                         : "SELECT resp_code, resp_body FROM idem_keys WHERE key = ? AND phase = 'finished'",
                     1, p, &rows);
    if (rc)
        return rc;
    bool stored = rows.nrows == 1 && atoi(db_cell(&rows, 0, 0)) == first->status &&
                  strcmp(db_cell(&rows, 0, 1) ? db_cell(&rows, 0, 1) : "", first->body) == 0;
    db_rows_close(&rows);
    if (!stored)
        violation(r, &r->acked_missing, "key %s: the acknowledged response is not the stored one%s", first->key, NULL);
    if (first->status != 201)
        return 0;
    json_t *j = json_loads(first->body, 0, NULL);
    const char *id = json_string_value(json_object_get(j, "id"));
    const char *ch = json_string_value(json_object_get(j, "charge_id"));
    const char *q[] = {id};
    if (!id || !ch || (rc = db_exec(store, "SELECT charge_id FROM payments WHERE id = ?", 1, q, &rows))) {
        json_decref(j);
        if (!rc)
            violation(r, &r->acked_missing, "key %s: the acknowledged body names no payment%s", first->key, NULL);
        return rc;
    }
    if (rows.nrows != 1 || strcmp(db_cell(&rows, 0, 0) ? db_cell(&rows, 0, 0) : "", ch) != 0)
        violation(r, &r->acked_missing, "key %s: payment %s not in the store", first->key, id);
    db_rows_close(&rows);
    const char *b[] = {ch, first->key};
    rc = db_exec(bank, "SELECT id FROM bank_charges WHERE id = ? AND client_key = ?", 2, b, &rows);
    if (rc == 0 && rows.nrows != 1)
        violation(r, &r->charge_mismatch, "key %s: charge %s is not in the processor's ledger", first->key, ch);
    db_rows_close(&rows);
    json_decref(j);
    return rc;
}

/* The store: no key stored twice. On SQLite, where idem_keys has no index on key (the server finds keys
 * through its key directory), this also copies the finished keys into an indexed temporary table for
 * audit_key's lookups; it reads the store only, so it works beside a running server. */
static int audit_store(struct db *store, struct audit_report *r)
{
    if (store->kind != DB_SQLITE)
        return 0; /* PostgreSQL's primary key rules it out */
    int rc = db_script(store, "CREATE TEMP TABLE finished AS SELECT key, resp_code, resp_body FROM idem_keys "
                              "WHERE phase = 'finished'; CREATE INDEX temp.finished_key ON finished (key)");
    struct db_rows rows;
    if (rc || (rc = db_exec(store, "SELECT key, COUNT(*) FROM idem_keys GROUP BY key HAVING COUNT(*) > 1", 0, NULL,
                            &rows)))
        return rc;
    for (int i = 0; i < rows.nrows; i++)
        violation(r, &r->stored_twice, "key %s stored %s times", db_cell(&rows, i, 0), db_cell(&rows, i, 1));
    db_rows_close(&rows);
    return 0;
}

static int audit_all(struct db *store, struct db *bank, struct audit_op *ops, size_t n, struct audit_report *r)
{
    int rc = audit_bank(bank, r);
    if (rc == 0)
        rc = audit_store(store, r);
    if (n)
        qsort(ops, n, sizeof(*ops), cmp_op);
    for (size_t i = 0; i < n && !rc;) {
        size_t j = i;
        while (j < n && strcmp(ops[j].key, ops[i].key) == 0)
            j++;
        r->keys++;
        rc = audit_key(store, bank, ops + i, j - i, r);
        i = j;
    }
    return rc;
}

int audit_run(const char *path, const char *store_spec, const char *bank_spec, struct audit_report *r)
{
    memset(r, 0, sizeof(*r));
    buf_init(&r->detail);
    struct audit_op *ops = NULL;
    size_t n = 0;
    int rc = path ? read_history(path, &ops, &n, r) : 0;
    r->ops = n;
    char bank_buf[4200];
    if (!bank_spec && strncmp(store_spec, "sqlite:", 7) == 0)
        snprintf(bank_buf, sizeof(bank_buf), "%.4000s.bank", store_spec);
    else
        snprintf(bank_buf, sizeof(bank_buf), "%.4000s", bank_spec ? bank_spec : store_spec);
    struct db store, bank;
    memset(&store, 0, sizeof(store));
    memset(&bank, 0, sizeof(bank));
    /* An audit reads: a mistyped sqlite: path must not create an empty store that then "has no table". */
    const char *specs[] = {store_spec, bank_buf};
    for (int i = 0; i < 2 && rc == 0; i++)
        if (strncmp(specs[i], "sqlite:", 7) == 0 && access(specs[i] + 7, F_OK) != 0) {
            buf_printf(&r->detail, "no %s at %s (sqlite: needs an existing file)\n", i ? "ledger" : "store",
                       specs[i] + 7);
            rc = ERR_IO;
        }
    if (rc == 0 && (db_open(&store, store_spec, false) || db_open(&bank, bank_buf, false))) {
        buf_printf(&r->detail, "%s\n", store.err[0] ? store.err : bank.err);
        rc = ERR_IO;
    }
    if (rc == 0 && (rc = audit_all(&store, &bank, ops, n, r)))
        buf_printf(&r->detail, "%s\n", store.err[0] ? store.err : bank.err);
    if (store.lite || store.pg)
        db_close(&store);
    if (bank.lite || bank.pg)
        db_close(&bank);
    for (size_t i = 0; i < n; i++)
        audit_op_close(&ops[i]);
    free(ops);
    return rc;
}

bool audit_ok(const struct audit_report *r)
{
    return r->double_charged + r->acked_missing + r->replay_mismatch + r->charge_mismatch + r->stored_twice == 0;
}

void audit_print(FILE *f, const struct audit_report *r)
{
    fprintf(f,
            "ops %" PRIu64 "\nkeys %" PRIu64 "\nacknowledged %" PRIu64 "\ncharges %" PRIu64
            "\ndouble_charged %" PRIu64 "\nacked_missing %" PRIu64 "\nreplay_mismatch %" PRIu64
            "\ncharge_mismatch %" PRIu64 "\nstored_twice %" PRIu64 "\nverdict %s\n",
            r->ops, r->keys, r->acked, r->charges, r->double_charged, r->acked_missing, r->replay_mismatch,
            r->charge_mismatch, r->stored_twice, audit_ok(r) ? "ok" : "VIOLATED");
    if (r->detail.len)
        fputs(r->detail.data, f);
}

void audit_print_json(FILE *f, const struct audit_report *r)
{
    json_t *lines = json_array();
    const char *p = r->detail.data ? r->detail.data : "";
    while (*p) {
        size_t n = strcspn(p, "\n");
        json_array_append_new(lines, json_stringn(p, n));
        p += n + (p[n] == '\n');
    }
    json_t *o = json_pack("{sIsIsIsIsIsIsIsIsIsssO}", "ops", (json_int_t)r->ops, "keys", (json_int_t)r->keys,
                          "acknowledged", (json_int_t)r->acked, "charges", (json_int_t)r->charges, "double_charged",
                          (json_int_t)r->double_charged, "acked_missing", (json_int_t)r->acked_missing,
                          "replay_mismatch", (json_int_t)r->replay_mismatch, "charge_mismatch",
                          (json_int_t)r->charge_mismatch, "stored_twice", (json_int_t)r->stored_twice, "verdict",
                          audit_ok(r) ? "ok" : "violated", "violations", lines);
    json_dumpf(o, f, JSON_COMPACT);
    fputc('\n', f);
    json_decref(o);
    json_decref(lines);
}

void audit_report_close(struct audit_report *r)
{
    buf_close(&r->detail);
}
