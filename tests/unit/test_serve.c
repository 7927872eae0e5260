/* Failure-mode tests of the payments service, each injecting its fault into a real server on loopback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/mem.h"
#include "serve/server.h"
#include "serve/util.h"

#define BODY "{\"amount\":1250,\"currency\":\"USD\",\"card_token\":\"tok_visa\"}"

struct fixture {
    char dir[64], store[128];
    struct server srv;
    struct serve_config cfg;
};

struct reply {
    long status; /* 0: no answer */
    bool replayed;
    struct buf body;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    buf_put(&((struct reply *)arg)->body, p, size * n);
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    if (size * n >= 20 && strncasecmp(p, "Idempotent-Replayed:", 20) == 0)
        ((struct reply *)arg)->replayed = true;
    return size * n;
}

/* One HTTP request to the fixture's server; ctype/key NULL leave the header out. */
static void http(uint16_t port, const char *method, const char *path, const char *ctype, const char *key,
                 const char *body, struct reply *out)
{
    memset(out, 0, sizeof(*out));
    buf_init(&out->body);
    char url[128], kh[96], ch[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    if (ctype) {
        snprintf(ch, sizeof(ch), "Content-Type: %s", ctype);
        h = curl_slist_append(h, ch);
    }
    if (key) {
        snprintf(kh, sizeof(kh), "Idempotency-Key: %s", key);
        h = curl_slist_append(h, kh);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

static void pay(struct fixture *f, const char *key, const char *body, struct reply *out)
{
    http(f->srv.port, "POST", "/payments", "application/json", key, body, out);
}

static void start(struct fixture *f)
{
    int rc = server_start(&f->srv, &f->cfg);
    if (rc)
        fail_msg("server_start: %s", f->srv.err);
}

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/dkata-serve-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->store, sizeof(f->store), "sqlite:%s/p.db", f->dir);
    server_config_default(&f->cfg);
    f->cfg.port = 0;
    f->cfg.store_spec = f->store;
    f->cfg.sync_full = false;
    f->cfg.crash_mode = CRASH_DROP;
    f->cfg.proc.timeout_ns = 1000000;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->srv.mhd)
        server_stop(&f->srv);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static int charges(struct fixture *f, const char *key)
{
    return processor_count(&f->srv.proc, key);
}

static void reply_close(struct reply *r)
{
    buf_close(&r->body);
}

static const char K1[] = "6f1b2a3c-0d4e-4f50-8a6b-7c8d9e0f1a2b";

/* Same key, same body: the stored response byte for byte, marked replayed, one charge. */
static void replays_stored_response(void **state)
{
    struct fixture *f = *state;
    start(f);
    struct reply a, b, c;
    pay(f, K1, BODY, &a);
    pay(f, K1, BODY, &b);
    pay(f, K1, " {\"card_token\":\"tok_visa\", \"currency\":\"USD\", \"amount\":1250}", &c);
    assert_int_equal(a.status, 201);
    assert_false(a.replayed);
    assert_int_equal(b.status, 201);
    assert_true(b.replayed);
    assert_string_equal(a.body.data, b.body.data);
    assert_int_equal(c.status, 201);
    assert_string_equal(a.body.data, c.body.data);
    assert_int_equal(charges(f, K1), 1);
    /* GET /payments/{id} finds it. */
    char path[80];
    const char *id = strstr(a.body.data, "pay_");
    assert_non_null(id);
    snprintf(path, sizeof(path), "/payments/%.36s", id);
    struct reply g;
    http(f->srv.port, "GET", path, NULL, NULL, NULL, &g);
    assert_int_equal(g.status, 200);
    assert_string_equal(g.body.data, a.body.data);
    reply_close(&a), reply_close(&b), reply_close(&c), reply_close(&g);
}

/* Same key, different body: 422 and no second charge. */
static void key_reuse_is_422(void **state)
{
    struct fixture *f = *state;
    start(f);
    struct reply a, b;
    pay(f, K1, BODY, &a);
    pay(f, K1, "{\"amount\":9999,\"currency\":\"USD\",\"card_token\":\"tok_visa\"}", &b);
    assert_int_equal(a.status, 201);
    assert_int_equal(b.status, 422);
    assert_non_null(strstr(b.body.data, "key_reused"));
    assert_int_equal(charges(f, K1), 1);
    reply_close(&a), reply_close(&b);
}

/* Store unavailable: 503 and no charge attempted; once it is back, the retry charges once. */
static void store_down_is_503_without_charge(void **state)
{
    struct fixture *f = *state;
    start(f);
    atomic_store(&f->srv.store.fail, true);
    struct reply a, b, h;
    pay(f, K1, BODY, &a);
    assert_int_equal(a.status, 503);
    assert_int_equal(atomic_load(&f->srv.proc.calls), 0);
    http(f->srv.port, "GET", "/healthz", NULL, NULL, NULL, &h);
    assert_int_equal(h.status, 503);
    atomic_store(&f->srv.store.fail, false);
    pay(f, K1, BODY, &b);
    assert_int_equal(b.status, 201);
    assert_int_equal(charges(f, K1), 1);
    reply_close(&a), reply_close(&b), reply_close(&h);
}

/* The processor charged but its answer was lost: 504; the retry gets the payment, still one charge. */
static void lost_processor_answer_charges_once(void **state)
{
    struct fixture *f = *state;
    start(f);
    atomic_store(&f->srv.proc.force_next, PROC_FAULT_LOST);
    struct reply a, b, c;
    pay(f, K1, BODY, &a);
    assert_int_equal(a.status, 504);
    assert_int_equal(charges(f, K1), 1);
    pay(f, K1, BODY, &b);
    assert_int_equal(b.status, 201);
    assert_false(b.replayed);
    pay(f, K1, BODY, &c);
    assert_true(c.replayed);
    assert_string_equal(b.body.data, c.body.data);
    assert_int_equal(charges(f, K1), 1);
    assert_int_equal(atomic_load(&f->srv.proc.calls), 2);
    reply_close(&a), reply_close(&b), reply_close(&c);
}

/* The deliberately broken service (fresh processor key per attempt) charges twice in the same scenario:
 * the count above can fail. */
static void bug_fresh_key_charges_twice(void **state)
{
    struct fixture *f = *state;
    f->cfg.bug_fresh_key = true;
    start(f);
    atomic_store(&f->srv.proc.force_next, PROC_FAULT_LOST);
    struct reply a, b;
    pay(f, K1, BODY, &a);
    pay(f, K1, BODY, &b);
    assert_int_equal(b.status, 201);
    assert_int_equal(charges(f, K1), 2);
    reply_close(&a), reply_close(&b);
}

/* A processor error or timeout before charging: 502/504, nothing stored as final, the retry charges. */
static void processor_error_and_timeout_are_retryable(void **state)
{
    struct fixture *f = *state;
    start(f);
    struct reply a, b, c;
    atomic_store(&f->srv.proc.force_next, PROC_FAULT_ERROR);
    pay(f, K1, BODY, &a);
    assert_int_equal(a.status, 502);
    atomic_store(&f->srv.proc.force_next, PROC_FAULT_TIMEOUT);
    pay(f, K1, BODY, &b);
    assert_int_equal(b.status, 504);
    assert_int_equal(charges(f, K1), 0);
    pay(f, K1, BODY, &c);
    assert_int_equal(c.status, 201);
    assert_int_equal(charges(f, K1), 1);
    reply_close(&a), reply_close(&b), reply_close(&c);
}

/* A declined card is a final outcome: 402 stored and replayed, no charge. */
static void decline_is_stored(void **state)
{
    struct fixture *f = *state;
    start(f);
    const char *body = "{\"amount\":5,\"currency\":\"EUR\",\"card_token\":\"tok_decline\"}";
    struct reply a, b;
    pay(f, K1, body, &a);
    pay(f, K1, body, &b);
    assert_int_equal(a.status, 402);
    assert_int_equal(b.status, 402);
    assert_true(b.replayed);
    assert_string_equal(a.body.data, b.body.data);
    assert_int_equal(charges(f, K1), 0);
    reply_close(&a), reply_close(&b);
}

/* The process dies at each recorded point (here: the request is dropped and the server restarted on the
 * same store); the retry after the restart completes with exactly one charge, and then replays. */
static void crash_at_every_phase_then_retry(void **state)
{
    struct fixture *f = *state;
    const char *keys[] = {"", "11111111-0000-4000-8000-000000000001", "11111111-0000-4000-8000-000000000002",
                          "11111111-0000-4000-8000-000000000003", "11111111-0000-4000-8000-000000000004",
                          "11111111-0000-4000-8000-000000000005"};
    for (int at = CRASH_AFTER_STARTED; at <= CRASH_AFTER_RESPONSE_STORED; at++) {
        f->cfg.crash_at = (enum serve_crash)at;
        start(f);
        struct reply a, b, c;
        pay(f, keys[at], BODY, &a);
        assert_int_equal(a.status, 0); /* no answer: the "process" died */
        server_stop(&f->srv);
        f->cfg.crash_at = CRASH_NONE;
        start(f);
        pay(f, keys[at], BODY, &b);
        pay(f, keys[at], BODY, &c);
        assert_int_equal(b.status, 201);
        assert_int_equal(c.status, 201);
        assert_true(c.replayed);
        assert_string_equal(b.body.data, c.body.data);
        assert_int_equal(charges(f, keys[at]), 1);
        /* Past the charge, the retry must not call the processor again. */
        unsigned long calls = atomic_load(&f->srv.proc.calls);
        assert_true(calls == (at >= CRASH_AFTER_CHARGE_CONFIRMED ? 0u : 1u));
        server_stop(&f->srv);
        reply_close(&a), reply_close(&b), reply_close(&c);
    }
}

struct racer {
    struct fixture *f;
    struct reply r;
};

static void *race(void *arg)
{
    struct racer *x = arg;
    pay(x->f, K1, BODY, &x->r);
    return NULL;
}

/* 100 concurrent requests with one key; returns how many got 201 (the others must be 409). */
static int hundred(struct fixture *f, int *n409)
{
    enum { N = 100 };
    struct racer *x = xcalloc(N, sizeof(*x));
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        x[i].f = f;
        pthread_create(&t[i], NULL, race, &x[i]);
    }
    int n201 = 0;
    const char *first = NULL;
    *n409 = 0;
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < N; i++) {
        if (x[i].r.status == 201) {
            n201++;
            if (!first)
                first = x[i].r.body.data;
            assert_string_equal(first, x[i].r.body.data);
        } else {
            assert_int_equal(x[i].r.status, 409);
            (*n409)++;
        }
    }
    for (int i = 0; i < N; i++)
        reply_close(&x[i].r);
    free(x);
    return n201;
}

static void hundred_concurrent_one_charge(void **state)
{
    struct fixture *f = *state;
    f->cfg.proc.latency_ns = 300 * 1000000LL;
    f->cfg.threads = 8;
    start(f);
    int n409;
    int n201 = hundred(f, &n409);
    assert_true(n201 >= 1);
    assert_true(n409 >= 1); /* the processor's 300 ms keeps the first in flight while others arrive */
    assert_int_equal(n201 + n409, 100);
    assert_int_equal(charges(f, K1), 1);
}

static void hundred_concurrent_wait_mode(void **state)
{
    struct fixture *f = *state;
    f->cfg.proc.latency_ns = 100 * 1000000LL;
    f->cfg.in_flight_wait = true;
    f->cfg.threads = 8;
    start(f);
    int n409;
    assert_int_equal(hundred(f, &n409), 100);
    assert_int_equal(n409, 0);
    assert_int_equal(charges(f, K1), 1);
}

/* An expired key is purged: the same key then starts a new payment. */
static void expired_keys_are_purged(void **state)
{
    struct fixture *f = *state;
    f->cfg.ttl_ms = 200;
    start(f);
    struct reply a, b;
    pay(f, K1, BODY, &a);
    assert_int_equal(a.status, 201);
    util_sleep_ns(900 * 1000000LL); /* the purger runs every ttl/4, at least every 100 ms */
    struct db *d = &f->srv.store.conn[1]; /* a reader: conn[0] belongs to the writer thread */
    struct db_rows rows;
    pthread_mutex_lock(&d->mu);
    assert_int_equal(db_exec(d, "SELECT COUNT(*) FROM idem_keys", 0, NULL, &rows), 0);
    pthread_mutex_unlock(&d->mu);
    assert_string_equal(db_cell(&rows, 0, 0), "0"); /* deleted by the purger, not just ignored */
    db_rows_close(&rows);
    pay(f, K1, "{\"amount\":7,\"currency\":\"GBP\",\"card_token\":\"tok_visa\"}", &b);
    assert_int_equal(b.status, 201);
    assert_false(b.replayed);
    reply_close(&a), reply_close(&b);
}

/* Bad input over HTTP: one clear JSON error each. */
static void bad_requests(void **state)
{
    struct fixture *f = *state;
    start(f);
    uint16_t p = f->srv.port;
    struct reply r;
    struct {
        const char *method, *path, *ctype, *key, *body;
        long status;
        const char *code;
    } cases[] = {
        {"POST", "/payments", "text/plain", K1, BODY, 415, "unsupported_media_type"},
        {"POST", "/payments", "application/json", NULL, BODY, 400, "missing_key"},
        {"POST", "/payments", "application/json", "not-a-uuid", BODY, 400, "bad_key"},
        {"POST", "/payments", "application/json", K1, "{\"amount\":", 400, "malformed_json"},
        {"POST", "/payments", "application/json", K1, "{\"amount\":0,\"currency\":\"USD\",\"card_token\":\"t\"}", 422,
         "invalid_request"},
        {"POST", "/payments", "application/json", K1, "{\"amount\":1,\"currency\":\"XXX\",\"card_token\":\"t\"}", 422,
         "invalid_request"},
        {"PUT", "/payments", "application/json", K1, BODY, 405, "method_not_allowed"},
        {"GET", "/nowhere", NULL, NULL, NULL, 404, "not_found"},
        {"GET", "/payments/pay_00000000000000000000000000000000", NULL, NULL, NULL, 404, "not_found"},
        {"GET", "/payments/../../etc/passwd", NULL, NULL, NULL, 404, "not_found"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        http(p, cases[i].method, cases[i].path, cases[i].ctype, cases[i].key, cases[i].body, &r);
        assert_int_equal(r.status, cases[i].status);
        assert_non_null(strstr(r.body.data, cases[i].code));
        reply_close(&r);
    }
    char *big = xmalloc(PAYREQ_BODY_MAX + 100);
    memset(big, ' ', PAYREQ_BODY_MAX + 99);
    big[PAYREQ_BODY_MAX + 99] = '\0';
    http(p, "POST", "/payments", "application/json", K1, big, &r);
    assert_int_equal(r.status, 413);
    reply_close(&r);
    free(big);
    assert_int_equal(atomic_load(&f->srv.proc.calls), 0);
    http(p, "GET", "/metrics", NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "payments_http_responses_total{code=\"415\"} 1"));
    reply_close(&r);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(replays_stored_response, setup, teardown),
        cmocka_unit_test_setup_teardown(key_reuse_is_422, setup, teardown),
        cmocka_unit_test_setup_teardown(store_down_is_503_without_charge, setup, teardown),
        cmocka_unit_test_setup_teardown(lost_processor_answer_charges_once, setup, teardown),
        cmocka_unit_test_setup_teardown(bug_fresh_key_charges_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(processor_error_and_timeout_are_retryable, setup, teardown),
        cmocka_unit_test_setup_teardown(decline_is_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(crash_at_every_phase_then_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(hundred_concurrent_one_charge, setup, teardown),
        cmocka_unit_test_setup_teardown(hundred_concurrent_wait_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(expired_keys_are_purged, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_requests, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
