/* Unit tests: the idempotency store's claim/phase/finish contract, group commit, purge; the audit's checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/err.h"
#include "serve/audit.h"
#include "serve/processor.h"
#include "serve/store.h"

#define KEY "6f1b2a3c-0d4e-4f50-8a6b-7c8d9e0f1a2b"
#define T0 1700000000000LL

struct fx {
    char dir[64], spec[128];
    struct store st;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/dkata-store-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->spec, sizeof(f->spec), "sqlite:%s/s.db", f->dir);
    if (store_open(&f->st, f->spec, 3, false, 1000))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(&f->st);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

static enum store_claim claim(struct fx *f, const char *hash, const char *owner, int64_t now, enum store_phase *ph)
{
    struct store_key k;
    assert_int_equal(store_claim(&f->st, KEY, hash, owner, now, &k), 0);
    if (ph)
        *ph = k.phase;
    store_key_close(&k);
    return k.claim;
}

/* New, busy for others within the lease, resumable after it, mismatch for another hash, finished. */
static void claim_contract(void **state)
{
    struct fx *f = *state;
    enum store_phase ph;
    assert_int_equal(claim(f, "h1", "o1", T0, &ph), CLAIM_NEW);
    assert_int_equal(ph, PHASE_STARTED);
    assert_int_equal(claim(f, "h1", "o2", T0 + 10, NULL), CLAIM_BUSY);
    assert_int_equal(claim(f, "h2", "o2", T0 + 10, NULL), CLAIM_MISMATCH);
    assert_int_equal(store_set_phase(&f->st, KEY, "o1", PHASE_CHARGE_REQUESTED, NULL, T0 + 20, true), 0);
    /* Not the owner: refused, nothing written. */
    assert_int_equal(store_set_phase(&f->st, KEY, "o2", PHASE_CHARGE_CONFIRMED, "ch_x", T0 + 20, true), ERR_STATE);
    /* The lease (1 s, renewed at T0+20) runs out: o2 takes over and resumes at charge_requested. */
    assert_int_equal(claim(f, "h1", "o2", T0 + 1021, &ph), CLAIM_RESUME);
    assert_int_equal(ph, PHASE_CHARGE_REQUESTED);
    /* o1 lost the key: its writes are refused. */
    struct store_payment p = {.id = "pay_1", .charge_id = "ch_1", .currency = "USD", .amount = 5};
    assert_int_equal(store_finish(&f->st, KEY, "o1", &p, 201, "{\"a\":1}", T0 + 1030), ERR_STATE);
    char *body;
    assert_int_equal(store_payment_get(&f->st, "pay_1", &body), ERR_NOTFOUND);
    assert_int_equal(store_finish(&f->st, KEY, "o2", &p, 201, "{\"a\":2}", T0 + 1030), 0);
    assert_int_equal(store_payment_get(&f->st, "pay_1", &body), 0);
    assert_string_equal(body, "{\"a\":2}");
    free(body);
    struct store_key k;
    assert_int_equal(store_claim(&f->st, KEY, "h1", "o3", T0 + 1040, &k), 0);
    assert_int_equal(k.claim, CLAIM_FINISHED);
    assert_int_equal(k.resp_code, 201);
    assert_string_equal(k.resp_body, "{\"a\":2}");
    store_key_close(&k);
    assert_int_equal(store_peek(&f->st, KEY, "h1", T0 + 1040, &k), 0);
    assert_int_equal(k.claim, CLAIM_FINISHED);
    store_key_close(&k);
}

/* A released key resumes at once; a store marked failed fails every call. */
static void release_and_fail(void **state)
{
    struct fx *f = *state;
    assert_int_equal(claim(f, "h1", "o1", T0, NULL), CLAIM_NEW);
    assert_int_equal(store_release(&f->st, KEY, "o1"), 0);
    assert_int_equal(claim(f, "h1", "o2", T0 + 1, NULL), CLAIM_RESUME);
    atomic_store(&f->st.fail, true);
    struct store_key k;
    assert_int_equal(store_claim(&f->st, KEY, "h1", "o3", T0 + 2, &k), ERR_IO);
    assert_false(store_ping(&f->st));
    atomic_store(&f->st.fail, false);
    assert_true(store_ping(&f->st));
}

/* Purge takes expired keys that are finished or unlocked, never one a live request holds. */
static void purge(void **state)
{
    struct fx *f = *state;
    assert_int_equal(claim(f, "h1", "o1", T0, NULL), CLAIM_NEW); /* locked until T0 + 1000 */
    assert_int_equal(store_purge(&f->st, T0 + 1, T0 + 500), 0);
    assert_int_equal(store_purge(&f->st, T0 + 1, T0 + 1001), 1);
    assert_int_equal(claim(f, "h2", "o2", T0 + 2000, NULL), CLAIM_NEW);
}

/* One process per SQLite store; a reopened store frees the locks its dead predecessor left. */
static void single_process_and_lock_recovery(void **state)
{
    struct fx *f = *state;
    assert_int_equal(claim(f, "h1", "o1", T0, NULL), CLAIM_NEW);
    struct store other;
    assert_int_equal(store_open(&other, f->spec, 1, false, 1000), ERR_EXISTS);
    store_close(&other);
    store_close(&f->st);
    assert_int_equal(store_open(&f->st, f->spec, 2, false, 1000), 0);
    assert_int_equal(claim(f, "h1", "o2", T0 + 1, NULL), CLAIM_RESUME);
}

/* A key whose row expired is inserted again; a purged key's entry leaves the key directory; both stay right
 * across a restart, which rebuilds the directory from the table. */
static void keys_after_expiry_purge_and_restart(void **state)
{
    struct fx *f = *state;
    f->st.ttl_ms = 5000;
    assert_int_equal(claim(f, "h1", "o1", T0, NULL), CLAIM_NEW);
    assert_int_equal(store_finish(&f->st, KEY, "o1", NULL, 422, "{}", T0 + 1), 0);
    assert_int_equal(claim(f, "h2", "o2", T0 + 10, NULL), CLAIM_MISMATCH);
    assert_int_equal(claim(f, "h2", "o2", T0 + 6000, NULL), CLAIM_NEW); /* expired: deleted, inserted again */
    assert_int_equal(keydir_size(&f->st.keys), 2);                      /* the old entry stays, stale */
    assert_int_equal(claim(f, "h1", "o3", T0 + 6001, NULL), CLAIM_MISMATCH);
    store_close(&f->st);
    assert_int_equal(store_open(&f->st, f->spec, 2, false, 1000), 0);
    f->st.ttl_ms = 5000;
    assert_int_equal(keydir_size(&f->st.keys), 1);
    assert_int_equal(claim(f, "h2", "o4", T0 + 6002, NULL), CLAIM_RESUME); /* its owner died with the store */
    assert_int_equal(store_purge(&f->st, T0 + 7000, T0 + 9000), 1);
    assert_int_equal(keydir_size(&f->st.keys), 0);
    assert_int_equal(claim(f, "h1", "o5", T0 + 9001, NULL), CLAIM_NEW);
    struct db_rows r;
    assert_int_equal(store_sync(&f->st), 0);
    assert_int_equal(db_exec(&f->st.conn[1], "SELECT COUNT(*) FROM idem_keys", 0, NULL, &r), 0);
    assert_string_equal(db_cell(&r, 0, 0), "1");
    db_rows_close(&r);
}

/* A key past its TTL whose lock a live request holds is busy, never inserted a second time; once the lease
 * ends the next claim starts it anew. */
static void expired_but_held_key_is_busy(void **state)
{
    struct fx *f = *state;
    f->st.ttl_ms = 5000;
    assert_int_equal(claim(f, "h1", "o1", T0, NULL), CLAIM_NEW);
    assert_int_equal(claim(f, "h1", "o2", T0 + 4800, NULL), CLAIM_RESUME); /* holds it until T0 + 5800 */
    assert_int_equal(claim(f, "h1", "o3", T0 + 5100, NULL), CLAIM_BUSY);
    assert_int_equal(claim(f, "h2", "o3", T0 + 5200, NULL), CLAIM_BUSY);
    assert_int_equal(claim(f, "h2", "o4", T0 + 5900, NULL), CLAIM_NEW);
    assert_int_equal(store_sync(&f->st), 0);
    struct db_rows r;
    assert_int_equal(db_exec(&f->st.conn[1], "SELECT COUNT(*), MAX(req_hash) FROM idem_keys", 0, NULL, &r), 0);
    assert_string_equal(db_cell(&r, 0, 0), "1");
    assert_string_equal(db_cell(&r, 0, 1), "h2");
    db_rows_close(&r);
}

/* The key directory on its own: many keys through growth and backward-shift deletion; several rows for one
 * key, newest first. */
static void keydir_contract(void **state)
{
    (void)state;
    struct keydir k;
    keydir_init(&k);
    char key[40];
    struct keydir_found f;
    for (int i = 1; i <= 20000; i++) {
        snprintf(key, sizeof(key), "key-%d", i);
        keydir_add(&k, key, i);
    }
    for (int i = 1; i <= 20000; i += 2) {
        snprintf(key, sizeof(key), "key-%d", i);
        keydir_remove(&k, key, i);
    }
    keydir_remove(&k, "key-2", 3); /* not an entry: nothing goes */
    assert_int_equal(keydir_size(&k), 10000);
    for (int i = 1; i <= 20000; i++) {
        snprintf(key, sizeof(key), "key-%d", i);
        keydir_find(&k, key, &f);
        assert_int_equal(f.n, i % 2 ? 0 : 1);
        if (f.n)
            assert_int_equal(f.id[0], i);
        keydir_found_close(&f);
    }
    keydir_add(&k, "key-2", 30000);
    keydir_find(&k, "key-2", &f);
    assert_int_equal(f.n, 2);
    assert_int_equal(f.id[0], 30000);
    assert_int_equal(f.id[1], 2);
    keydir_found_close(&f);
    keydir_remove(&k, "key-2", 30000);
    keydir_find(&k, "key-2", &f);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.id[0], 2);
    keydir_found_close(&f);
    /* Many entries for one key (stale ones pile up after rolled-back inserts): none is left out, the live row
     * among them is still found, and a duplicate pair counts twice. */
    for (int i = 0; i < 40; i++)
        keydir_add(&k, "key-4", 100000 + i % 20);
    keydir_find(&k, "key-4", &f);
    assert_int_equal(f.n, 41);
    assert_int_equal(f.id[0], 100019);
    assert_int_equal(f.id[40], 4);
    keydir_found_close(&f);
    keydir_close(&k);
}

struct writer {
    struct fx *f;
    int id;
};

static void *write_many(void *arg)
{
    struct writer *w = arg;
    for (int i = 0; i < 50; i++) {
        char key[64], owner[16], id[40];
        snprintf(key, sizeof(key), "00000000-0000-4000-8000-%06d%06d", w->id, i);
        snprintf(owner, sizeof(owner), "o%d", w->id);
        snprintf(id, sizeof(id), "pay_%d_%d", w->id, i);
        struct store_key k;
        if (store_claim(&w->f->st, key, "h", owner, T0, &k) || k.claim != CLAIM_NEW)
            return (void *)1;
        store_key_close(&k);
        struct store_payment p = {.id = id, .charge_id = "ch", .currency = "USD", .amount = 1};
        if (store_set_phase(&w->f->st, key, owner, PHASE_CHARGE_REQUESTED, NULL, T0, false) ||
            store_finish(&w->f->st, key, owner, &p, 201, "{}", T0))
            return (void *)1;
    }
    return NULL;
}

/* Group commit: 8 writers share commits, and everything each was told is stored survives a reopen. */
static void group_commit_keeps_everything(void **state)
{
    struct fx *f = *state;
    pthread_t t[8];
    struct writer w[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (struct writer){f, i};
        pthread_create(&t[i], NULL, write_many, &w[i]);
    }
    for (int i = 0; i < 8; i++) {
        void *rc;
        pthread_join(t[i], &rc);
        assert_null(rc);
    }
    store_close(&f->st);
    struct db d;
    assert_int_equal(db_open(&d, f->spec, false), 0);
    struct db_rows r;
    assert_int_equal(db_exec(&d, "SELECT COUNT(*) FROM payments", 0, NULL, &r), 0);
    assert_string_equal(db_cell(&r, 0, 0), "400");
    db_rows_close(&r);
    assert_int_equal(db_exec(&d, "SELECT COUNT(*) FROM idem_keys WHERE phase = 'finished'", 0, NULL, &r), 0);
    assert_string_equal(db_cell(&r, 0, 0), "400");
    db_rows_close(&r);
    db_close(&d);
    assert_int_equal(store_open(&f->st, f->spec, 1, false, 1000), 0);
}

/* A writer's durable answers come after the commit that holds them: a child process writes from 8 threads
 * (claims that do not wait, finishes that do) and reports each finished key on a pipe; the parent kills it
 * with SIGKILL after 200 reports, reopens the store and finds every reported key finished. */
struct dying {
    struct store *st;
    int id, fd;
};

static void *finish_and_report(void *arg)
{
    struct dying *w = arg;
    for (int i = 0;; i++) {
        char key[64], owner[16];
        snprintf(key, sizeof(key), "00000000-0000-4000-9000-%06d%06d", w->id, i);
        snprintf(owner, sizeof(owner), "o%d", w->id);
        struct store_key k;
        if (store_claim_to(w->st, key, "h", owner, T0, PHASE_CHARGE_REQUESTED, &k))
            _exit(3);
        store_key_close(&k);
        struct store_payment p = {.id = key, .charge_id = "ch", .currency = "USD", .amount = 1};
        if (store_finish(w->st, key, owner, &p, 201, "{}", T0))
            _exit(4);
        char line[80];
        int n = snprintf(line, sizeof(line), "%s\n", key);
        if (write(w->fd, line, (size_t)n) != n)
            _exit(5);
    }
    return NULL;
}

static void durable_answers_survive_kill(void **state)
{
    struct fx *f = *state;
    store_close(&f->st);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        struct store st;
        if (store_open(&st, f->spec, 1, true, 1000))
            _exit(2);
        pthread_t t[8];
        struct dying w[8];
        for (int i = 0; i < 8; i++) {
            w[i] = (struct dying){&st, i, fds[1]};
            pthread_create(&t[i], NULL, finish_and_report, &w[i]);
        }
        pthread_join(t[0], NULL); /* never returns: the parent kills us */
        _exit(6);
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    char (*keys)[64] = calloc(200, 64);
    int n = 0;
    while (n < 200 && fgets(keys[n], 64, in))
        keys[n][strcspn(keys[n], "\n")] = '\0', n++;
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    fclose(in);
    assert_int_equal(n, 200);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(store_open(&f->st, f->spec, 1, false, 1000), 0);
    for (int i = 0; i < n; i++) {
        struct store_key k;
        assert_int_equal(store_peek(&f->st, keys[i], "h", T0, &k), 0);
        assert_int_equal(k.claim, CLAIM_FINISHED);
        store_key_close(&k);
    }
    free(keys);
}

/* ---- the audit's checks, each made to fail by a crafted history or ledger ---- */

static void write_file(const char *path, const char *text)
{
    FILE *o = fopen(path, "w");
    assert_non_null(o);
    fputs(text, o);
    fclose(o);
}

static void line(char *out, size_t n, int status, bool replayed, const char *body)
{
    snprintf(out, n,
             "{\"key\":\"" KEY "\",\"amount\":5,\"status\":%d,\"replayed\":%s,\"body\":\"%s\"}\n", status,
             replayed ? "true" : "false", body);
}

static void audit_checks(void **state)
{
    struct fx *f = *state;
    struct proc_config pc = {0};
    struct processor proc;
    char bank[160], hist[128], l1[400], l2[400], both[900];
    snprintf(bank, sizeof(bank), "%s.bank", f->spec);
    snprintf(hist, sizeof(hist), "%s/h.jsonl", f->dir);
    assert_int_equal(processor_open(&proc, bank, &pc, 1), 0);
    struct payreq r = {.amount = 5, .currency = "USD", .card_token = "tok"};
    char ch[64];
    assert_int_equal(processor_charge(&proc, KEY, KEY, &r, ch), PROC_OK);
    char body[200], esc[220];
    snprintf(body, sizeof(body), "{\"id\":\"pay_1\",\"charge_id\":\"%s\"}", ch);
    snprintf(esc, sizeof(esc), "{\\\"id\\\":\\\"pay_1\\\",\\\"charge_id\\\":\\\"%s\\\"}", ch);
    struct store_payment p = {.id = "pay_1", .charge_id = ch, .currency = "USD", .amount = 5};
    assert_int_equal(claim(f, "h", "o", T0, NULL), CLAIM_NEW);
    assert_int_equal(store_finish(&f->st, KEY, "o", &p, 201, body, T0), 0);
    struct audit_report a;

    /* The honest history: holds. */
    line(l1, sizeof(l1), 201, false, esc);
    line(l2, sizeof(l2), 201, true, esc);
    snprintf(both, sizeof(both), "%s%s", l1, l2);
    write_file(hist, both);
    assert_int_equal(audit_run(hist, f->spec, NULL, &a), 0);
    assert_true(audit_ok(&a));
    assert_int_equal(a.acked, 2);
    audit_report_close(&a);

    /* A replay that differs from the original. */
    line(l2, sizeof(l2), 201, true, "{\\\"id\\\":\\\"pay_2\\\"}");
    snprintf(both, sizeof(both), "%s%s", l1, l2);
    write_file(hist, both);
    assert_int_equal(audit_run(hist, f->spec, NULL, &a), 0);
    assert_false(audit_ok(&a));
    assert_int_equal(a.replay_mismatch, 1);
    audit_report_close(&a);

    /* An acknowledged payment the store does not hold. */
    line(l1, sizeof(l1), 201, false, "{\\\"id\\\":\\\"pay_9\\\",\\\"charge_id\\\":\\\"ch_9\\\"}");
    write_file(hist, l1);
    assert_int_equal(audit_run(hist, f->spec, NULL, &a), 0);
    assert_true(a.acked_missing >= 1);
    audit_report_close(&a);

    /* A second charge for the key in the ledger. */
    assert_int_equal(processor_charge(&proc, "another-dedupe-key", KEY, &r, ch), PROC_OK);
    processor_close(&proc);
    assert_int_equal(audit_run(NULL, f->spec, NULL, &a), 0);
    assert_int_equal(a.double_charged, 1);
    assert_int_equal(a.charges, 2);
    audit_report_close(&a);

    /* A key with two rows in the store (SQLite has no unique index on key: the audit looks). */
    store_close(&f->st);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(f->spec + 7, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "INSERT INTO idem_keys SELECT * FROM idem_keys", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    assert_int_equal(audit_run(NULL, f->spec, NULL, &a), 0);
    assert_int_equal(a.stored_twice, 1);
    assert_false(audit_ok(&a));
    audit_report_close(&a);

    /* A malformed history line: ERR_PARSE naming the line. */
    write_file(hist, "{\"key\":\"nope\"}\n");
    assert_int_equal(audit_run(hist, f->spec, NULL, &a), ERR_PARSE);
    assert_non_null(strstr(a.detail.data, "h.jsonl:1:"));
    audit_report_close(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(claim_contract, setup, teardown),
        cmocka_unit_test_setup_teardown(release_and_fail, setup, teardown),
        cmocka_unit_test_setup_teardown(purge, setup, teardown),
        cmocka_unit_test_setup_teardown(single_process_and_lock_recovery, setup, teardown),
        cmocka_unit_test_setup_teardown(group_commit_keeps_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(durable_answers_survive_kill, setup, teardown),
        cmocka_unit_test_setup_teardown(audit_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(keys_after_expiry_purge_and_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(expired_but_held_key_is_busy, setup, teardown),
        cmocka_unit_test(keydir_contract),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
