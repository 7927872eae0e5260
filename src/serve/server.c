/* The payments service on libmicrohttpd: the idempotent handler walks the recorded phases of its key. */
#include "serve/server.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <malloc.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/mem.h"
#include "serve/payreq.h"
#include "serve/util.h"

static const char *const crash_names[] = {"none", "after-started", "after-charge-requested", "after-charge",
                                          "after-charge-confirmed", "after-response-stored"};

bool server_crash_parse(const char *name, enum serve_crash *out)
{
    for (int i = 0; i <= CRASH_AFTER_RESPONSE_STORED; i++)
        if (strcmp(name, crash_names[i]) == 0) {
            *out = (enum serve_crash)i;
            return true;
        }
    return false;
}

void server_config_default(struct serve_config *c)
{
    memset(c, 0, sizeof(*c));
    c->host = "127.0.0.1";
    c->port = 8080;
    c->store_spec = "sqlite:payments.db";
    c->ttl_ms = 24LL * 3600 * 1000;
    c->lease_ms = 10000;
    c->wait_max_ms = 5000;
    c->threads = 0; /* one per connection */
    c->conns = 3;
    c->sync_full = true;
    c->max_clients = 1024;
    c->idle_timeout_s = 10;
    c->proc.timeout_ns = 50 * 1000000LL;
}

/* ---- one request's state and the response helpers ---- */

struct req {
    struct buf body;
    bool too_big;
    int64_t start_ns;
};

static const int64_t lat_bounds_us[11] = {250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 500000, 1000000};

static void observe(struct server *s, int code, int64_t start_ns)
{
    if (code >= 100 && code < 600)
        atomic_fetch_add(&s->m.by_code[code], 1);
    int64_t us = (util_mono_ns() - start_ns) / 1000;
    int b = 0;
    while (b < 11 && us > lat_bounds_us[b])
        b++;
    atomic_fetch_add(&s->m.lat_buckets[b], 1);
    atomic_fetch_add(&s->m.lat_sum_us, (unsigned long)us);
}

static enum MHD_Result respond(struct server *s, struct MHD_Connection *c, struct req *rq, int code,
                               const char *body, const char *ctype, bool replayed)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", ctype);
    if (replayed)
        MHD_add_response_header(r, "Idempotent-Replayed", "true");
    if (code == 409)
        MHD_add_response_header(r, "Retry-After", "1");
    if (code == 405)
        MHD_add_response_header(r, "Allow", "POST");
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)code, r);
    MHD_destroy_response(r);
    observe(s, code, rq ? rq->start_ns : util_mono_ns());
    return ok;
}

static enum MHD_Result respond_error(struct server *s, struct MHD_Connection *c, struct req *rq, int code,
                                     const char *err_code, const char *msg)
{
    struct buf b;
    buf_init(&b);
    payreq_error_json(&b, err_code, msg);
    enum MHD_Result ok = respond(s, c, rq, code, b.data, "application/json", false);
    buf_close(&b);
    return ok;
}

/* ---- the idempotent POST /payments ---- */

/* Counts a store failure and logs its reason (the first ten, then every thousandth) to stderr. */
static void store_error(struct server *s)
{
    unsigned long n = atomic_fetch_add(&s->m.store_errors, 1);
    if (n < 10 || n % 1000 == 0)
        fprintf(stderr, "dkata: store error %lu: %s\n", n + 1, s->store.err);
}

/* A crash point: kill the process for real, or report that the request must be dropped. */
static bool crash_here(struct server *s, enum serve_crash at)
{
    if (s->cfg.crash_at != at)
        return false;
    atomic_fetch_add(&s->m.crashes, 1);
    /* "After X" means after X is durable. The charge is durable in the processor's ledger; our own store is
     * not synced there, so the claim may be lost with the crash: the window group commit leaves open. */
    if (at != CRASH_AFTER_CHARGE)
        store_sync(&s->store);
    if (s->cfg.crash_mode == CRASH_KILL)
        raise(SIGKILL);
    return true;
}

/* The outcome of running the phases: a response to send, or a dropped request. */
struct outcome {
    int code;
    struct buf body;
    bool drop;
};

static void outcome_error(struct outcome *o, int code, const char *err_code, const char *msg)
{
    o->code = code;
    buf_reset(&o->body);
    payreq_error_json(&o->body, err_code, msg);
}

static void payment_json(struct buf *b, const char *id, const struct payreq *r, const char *charge_id, int64_t now)
{
    buf_printf(b,
               "{\"id\":\"%s\",\"amount\":%" PRId64 ",\"currency\":\"%s\",\"status\":\"succeeded\","
               "\"charge_id\":\"%s\",\"created_at\":%" PRId64 "}",
               id, r->amount, r->currency, charge_id, now);
}

/* A failed store step: 409 if another request took the key over, else 503 (and the key's lock is freed). */
static void store_failed(struct server *s, const char *key, const char *owner, int rc, struct outcome *o)
{
    if (rc == ERR_STATE) {
        atomic_fetch_add(&s->m.conflicts, 1);
        outcome_error(o, 409, "lock_lost", "another request took over this idempotency key; retry later");
        return;
    }
    store_error(s);
    store_release(&s->store, key, owner);
    outcome_error(o, 503, "store_unavailable", "the idempotency store is unavailable; retry with the same key");
}

/* The payment's id and the 201 body into o; fills p for store_finish. */
static void created_body(const struct payreq *r, const char *charge_id, char id[40], struct store_payment *p,
                         struct outcome *o, int64_t now)
{
    snprintf(id, 40, "pay_");
    util_time_ordered_hex(id + 4);
    o->code = 201;
    buf_reset(&o->body);
    payment_json(&o->body, id, r, charge_id, now);
    *p = (struct store_payment){.id = id, .charge_id = charge_id, .currency = r->currency, .amount = r->amount};
}

/* From charge_confirmed (or just confirmed) to the stored response. */
static void finish_created(struct server *s, const char *key, const char *owner, const struct payreq *r,
                           struct store_key *k, struct outcome *o)
{
    char id[40];
    struct store_payment p;
    int64_t now = util_now_ms();
    created_body(r, k->charge_id, id, &p, o, now);
    int rc = store_finish(&s->store, key, owner, &p, 201, o->body.data, now);
    if (rc) {
        store_failed(s, key, owner, rc, o);
        return;
    }
    atomic_fetch_add(&s->m.created, 1);
    if (crash_here(s, CRASH_AFTER_RESPONSE_STORED))
        o->drop = true;
}

/* What the processor said, from charge_requested on: a 402, a retryable error, or a charge to confirm. */
static void after_charge(struct server *s, const char *key, const char *owner, const struct payreq *r,
                         struct store_key *k, enum proc_outcome po, struct outcome *o)
{
    struct store *st = &s->store;
    if (po == PROC_DECLINED) {
        outcome_error(o, 402, "card_declined", "the card was declined");
        int rc = store_finish(st, key, owner, NULL, 402, o->body.data, util_now_ms());
        if (rc)
            store_failed(s, key, owner, rc, o);
        return;
    }
    if (po != PROC_OK) {
        /* Unknown or failed: keep the phase, free the lock, let the client retry with the same key. */
        store_release(st, key, owner);
        if (po == PROC_ERROR)
            outcome_error(o, 502, "processor_error", "the card processor failed; retry with the same key");
        else
            outcome_error(o, 504, "processor_timeout", "the card processor did not answer; retry with the same key");
        return;
    }
    if (crash_here(s, CRASH_AFTER_CHARGE)) {
        o->drop = true;
        return;
    }
    /* Durable with the response in the next commit; if that commit never happens, the retry resumes
     * at charge_requested (or starts over) and the processor, deduping on our key, returns this charge. */
    int rc = store_set_phase(st, key, owner, PHASE_CHARGE_CONFIRMED, k->charge_id, util_now_ms(), false);
    if (rc) {
        store_failed(s, key, owner, rc, o);
        return;
    }
    k->phase = PHASE_CHARGE_CONFIRMED;
    if (crash_here(s, CRASH_AFTER_CHARGE_CONFIRMED)) {
        o->drop = true;
        return;
    }
    finish_created(s, key, owner, r, k, o);
}

/* The key the processor is given: ours (so that it dedupes), or with --bug fresh-key a new one per attempt. */
static const char *dedupe_key(struct server *s, const char *key, char fresh[40])
{
    if (!s->cfg.bug_fresh_key)
        return key;
    util_random_hex(fresh, 16);
    return fresh;
}

/* From the key's recorded phase to a stored response; every step is written before the next begins and the
 * writes commit in order, so a crash leaves the last committed phase to resume from. Handles: started ->
 * charge_requested -> (processor) -> charge_confirmed -> finished. */
static void run_phases(struct server *s, const char *key, const char *owner, const struct payreq *r,
                       struct store_key *k, struct outcome *o)
{
    if (k->phase == PHASE_STARTED) {
        if (crash_here(s, CRASH_AFTER_STARTED)) {
            o->drop = true;
            return;
        }
        /* Only the after-started crash point (which must find started alone durable) comes here from a new
         * claim; the claim itself writes charge_requested in the same step otherwise. */
        int rc = store_set_phase(&s->store, key, owner, PHASE_CHARGE_REQUESTED, NULL, util_now_ms(), true);
        if (rc) {
            store_failed(s, key, owner, rc, o);
            return;
        }
        k->phase = PHASE_CHARGE_REQUESTED;
        k->advanced = true;
    }
    if (k->advanced && crash_here(s, CRASH_AFTER_CHARGE_REQUESTED)) {
        o->drop = true;
        return;
    }
    if (k->phase == PHASE_CHARGE_REQUESTED) {
        char fresh[40];
        enum proc_outcome po = processor_charge(&s->proc, dedupe_key(s, key, fresh), key, r, k->charge_id);
        after_charge(s, key, owner, r, k, po, o);
        return;
    }
    finish_created(s, key, owner, r, k, o);
}

/* ---- the same path as one chain of writer steps ----
 * With SQLite, no crash points and an instant processor, a new payment runs as a chain of writer steps: the
 * claim on the store's connection, the charge on the ledger's once the claim is written, the confirmation and
 * the stored response on the store's once the charge is durable. One writer thread owns both connections, so
 * the chain runs within one of its cycles; the request's thread sleeps once. The statements and their order
 * are those of run_phases; whenever
 * the chain meets anything else (an answer to replay, a fault drawn, a declined card, an error) it stops and
 * the request's thread carries on from there with the code above. */

enum chain_stage { CHAIN_CLAIMED, CHAIN_DRAWN, CHAIN_CHARGED, CHAIN_FINISHED };

struct chain {
    struct server *s;
    const char *key, *hash, *owner, *dedupe;
    const struct payreq *r;
    struct store_key *k;
    struct outcome *o;
    enum chain_stage stage;
    enum proc_fault fault;
    int ledger_rc;
};

static int chain_finish(struct db *d, void *arg, bool *durable)
{
    (void)durable;
    struct chain *c = arg;
    struct server *s = c->s;
    int64_t now = util_now_ms();
    /* charge_confirmed and the response in one statement: in one step, on one transaction, recording
     * charge_confirmed apart would never be seen on its own. */
    char id[40];
    struct store_payment p;
    created_body(c->r, c->k->charge_id, id, &p, c->o, now);
    int rc = store_finish_step(&s->store, d, c->key, c->owner, &p, 201, c->o->body.data, now);
    if (rc == 0)
        c->stage = CHAIN_FINISHED;
    return rc;
}

static int chain_charge(struct db *d, void *arg, bool *durable)
{
    (void)durable;
    struct chain *c = arg;
    struct server *s = c->s;
    c->ledger_rc = processor_ledger_step(&s->proc, d, c->dedupe, c->key, c->r, c->k->charge_id);
    if (c->ledger_rc)
        return 0; /* the processor failed: the request's thread answers 502 */
    c->stage = CHAIN_CHARGED;
    db_then(store_writer(&s->store), chain_finish, true);
    return 0;
}

static int chain_claim(struct db *d, void *arg, bool *durable)
{
    struct chain *c = arg;
    struct server *s = c->s;
    int rc = store_claim_step(&s->store, d, c->key, c->hash, c->owner, util_now_ms(), PHASE_CHARGE_REQUESTED, c->k,
                              durable);
    c->stage = CHAIN_CLAIMED;
    bool work = rc == 0 && (c->k->claim == CLAIM_NEW || c->k->claim == CLAIM_RESUME);
    if (!work || c->k->phase != PHASE_CHARGE_REQUESTED)
        return rc;
    c->fault = processor_begin(&s->proc); /* no latency on this path: nothing sleeps on the writer */
    c->stage = CHAIN_DRAWN;
    if (c->fault == PROC_FAULT_NONE && strncmp(c->r->card_token, "tok_decline", 11) != 0)
        db_then(processor_ledger(&s->proc), chain_charge, true);
    return 0;
}

static bool chain_possible(struct server *s)
{
    return s->cfg.crash_at == CRASH_NONE && s->cfg.proc.latency_ns == 0 && store_writer(&s->store) &&
           processor_ledger(&s->proc);
}

/* Claims as store_claim_to does, running the rest of a new payment as a chain when it can. Returns as
 * store_claim_to; *done when o holds the answer. */
static int claim_chained(struct server *s, const char *key, const char *hash, const char *owner,
                         const struct payreq *r, struct store_key *k, struct outcome *o, bool *done)
{
    char fresh[40];
    struct chain c = {.s = s, .key = key, .hash = hash, .owner = owner, .r = r, .k = k, .o = o,
                      .dedupe = dedupe_key(s, key, fresh)};
    int rc = db_write(store_writer(&s->store), chain_claim, &c, true);
    *done = c.stage > CHAIN_CLAIMED;
    switch (c.stage) {
    case CHAIN_CLAIMED:
        return rc; /* the claim, as store_claim_to would have answered it */
    case CHAIN_DRAWN:
        if (c.ledger_rc) {
            after_charge(s, key, owner, r, k, PROC_ERROR, o);
            break;
        }
        after_charge(s, key, owner, r, k, processor_complete(&s->proc, c.fault, c.dedupe, key, r, k->charge_id), o);
        break;
    case CHAIN_CHARGED:
        store_failed(s, key, owner, rc, o); /* charged, but the response could not be stored */
        break;
    case CHAIN_FINISHED:
        if (rc)
            store_failed(s, key, owner, rc, o); /* stored, but its commit failed */
        else
            atomic_fetch_add(&s->m.created, 1);
        break;
    }
    return 0;
}

/* Claims the key (waiting if configured) and runs or replays; fills o. */
static void pay(struct server *s, const char *key, const struct payreq *r, struct outcome *o, bool *replayed)
{
    char hash[PAYREQ_HASH_HEX], owner[40];
    payreq_hash(r, hash);
    util_random_hex(owner, 16);
    struct store_key k;
    int64_t deadline = util_now_ms() + (s->cfg.in_flight_wait ? s->cfg.wait_max_ms : 0);
    /* Replays take the read path first; anything else goes through the claim. */
    int rc = store_peek(&s->store, key, hash, util_now_ms(), &k);
    if (rc == 0 && k.claim != CLAIM_FINISHED && k.claim != CLAIM_MISMATCH) {
        store_key_close(&k);
        rc = ERR_NOTFOUND;
    }
    /* A claim that leads to work records charge_requested in the same step, unless the after-started crash
     * point needs started alone durable. */
    enum store_phase advance = s->cfg.crash_at == CRASH_AFTER_STARTED ? PHASE_STARTED : PHASE_CHARGE_REQUESTED;
    int64_t pause_ns = 1000000;
    for (int spins = 0; rc == ERR_NOTFOUND; spins++) {
        bool done = false;
        if (chain_possible(s))
            rc = claim_chained(s, key, hash, owner, r, &k, o, &done);
        else
            rc = store_claim_to(&s->store, key, hash, owner, util_now_ms(), advance, &k);
        if (done) {
            store_key_close(&k);
            return;
        }
        if (rc || k.claim != CLAIM_BUSY || util_now_ms() >= deadline || spins > 100000)
            break;
        store_key_close(&k);
        util_sleep_ns(pause_ns); /* backing off from 1 ms to 32 ms: waiters must not hammer the store */
        pause_ns = pause_ns < 32000000 ? pause_ns * 2 : pause_ns;
        rc = ERR_NOTFOUND;
    }
    if (rc) {
        store_error(s);
        outcome_error(o, 503, "store_unavailable", "the idempotency store is unavailable; retry with the same key");
        return;
    }
    switch (k.claim) {
    case CLAIM_FINISHED:
        atomic_fetch_add(&s->m.replays, 1);
        *replayed = true;
        o->code = k.resp_code;
        buf_reset(&o->body);
        buf_puts(&o->body, k.resp_body ? k.resp_body : "");
        break;
    case CLAIM_MISMATCH:
        atomic_fetch_add(&s->m.mismatches, 1);
        outcome_error(o, 422, "key_reused", "this idempotency key was used with a different request body");
        break;
    case CLAIM_BUSY:
        atomic_fetch_add(&s->m.conflicts, 1);
        outcome_error(o, 409, "in_flight", "a request with this idempotency key is in flight; retry later");
        break;
    case CLAIM_NEW:
    case CLAIM_RESUME:
        run_phases(s, key, owner, r, &k, o);
        break;
    }
    store_key_close(&k);
}

static enum MHD_Result post_payment(struct server *s, struct MHD_Connection *c, struct req *rq)
{
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (!payreq_content_type_ok(ct))
        return respond_error(s, c, rq, 415, "unsupported_media_type", "content-type must be application/json");
    if (rq->too_big)
        return respond_error(s, c, rq, 413, "body_too_large", "the body is over the limit of 4096 bytes");
    const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key");
    if (!key)
        return respond_error(s, c, rq, 400, "missing_key", "the idempotency-key header is required");
    if (!payreq_uuid_ok(key))
        return respond_error(s, c, rq, 400, "bad_key", "the idempotency-key header must be a uuid");
    char lower[37]; /* a UUID's hex digits are the same in either case (RFC 4122): one key, one payment */
    payreq_uuid_lower(key, lower);
    key = lower;
    struct payreq r;
    char msg[200];
    int st = payreq_parse(rq->body.data ? rq->body.data : "", rq->body.len, &r, msg, sizeof(msg));
    if (st)
        return respond_error(s, c, rq, st, st == 400 ? "malformed_json" : st == 413 ? "body_too_large" : "invalid_request", msg);
    struct outcome o = {0};
    buf_init(&o.body);
    bool replayed = false;
    pay(s, key, &r, &o, &replayed);
    enum MHD_Result ok = MHD_NO; /* a dropped request closes the connection without an answer */
    if (!o.drop)
        ok = respond(s, c, rq, o.code, o.body.data ? o.body.data : "", "application/json", replayed);
    buf_close(&o.body);
    return ok;
}

/* ---- the other routes ---- */

static enum MHD_Result get_payment(struct server *s, struct MHD_Connection *c, struct req *rq, const char *id)
{
    bool ok_id = strncmp(id, "pay_", 4) == 0 && strlen(id) == 36;
    for (size_t i = 4; ok_id && id[i]; i++)
        ok_id = (id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f');
    if (!ok_id)
        return respond_error(s, c, rq, 404, "not_found", "no such payment (ids look like pay_ and 32 hex digits)");
    char *body;
    int rc = store_payment_get(&s->store, id, &body);
    if (rc == ERR_NOTFOUND)
        return respond_error(s, c, rq, 404, "not_found", "no such payment");
    if (rc)
        return respond_error(s, c, rq, 503, "store_unavailable", "the store is unavailable");
    enum MHD_Result ok = respond(s, c, rq, 200, body, "application/json", false);
    free(body);
    return ok;
}

static enum MHD_Result metrics(struct server *s, struct MHD_Connection *c, struct req *rq)
{
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "# HELP payments_http_responses_total HTTP responses by status code.\n"
                 "# TYPE payments_http_responses_total counter\n");
    for (int code = 100; code < 600; code++) {
        unsigned long n = atomic_load(&s->m.by_code[code]);
        if (n)
            buf_printf(&b, "payments_http_responses_total{code=\"%d\"} %lu\n", code, n);
    }
    struct { const char *name, *help; unsigned long v; } cs[] = {
        {"payments_created_total", "payments created (charged and stored)", atomic_load(&s->m.created)},
        {"payments_replays_total", "stored responses replayed", atomic_load(&s->m.replays)},
        {"payments_conflicts_total", "409s: key in flight or lock lost", atomic_load(&s->m.conflicts)},
        {"payments_key_mismatches_total", "422s: key reused with another body", atomic_load(&s->m.mismatches)},
        {"payments_store_errors_total", "store calls that failed", atomic_load(&s->m.store_errors)},
        {"payments_processor_calls_total", "charge calls to the processor", atomic_load(&s->proc.calls)},
        {"payments_processor_charges_total", "charges the processor made", atomic_load(&s->proc.charges)},
        {"payments_processor_faults_total", "processor faults injected", atomic_load(&s->proc.faults)},
    };
    for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++)
        buf_printf(&b, "# HELP %s %s.\n# TYPE %s counter\n%s %lu\n", cs[i].name, cs[i].help, cs[i].name,
                   cs[i].name, cs[i].v);
    buf_puts(&b, "# HELP payments_request_seconds Request latency.\n# TYPE payments_request_seconds histogram\n");
    unsigned long cum = 0;
    for (int i = 0; i < 12; i++) {
        cum += atomic_load(&s->m.lat_buckets[i]);
        if (i < 11)
            buf_printf(&b, "payments_request_seconds_bucket{le=\"%g\"} %lu\n", lat_bounds_us[i] / 1e6, cum);
        else
            buf_printf(&b, "payments_request_seconds_bucket{le=\"+Inf\"} %lu\n", cum);
    }
    buf_printf(&b, "payments_request_seconds_sum %g\npayments_request_seconds_count %lu\n",
               atomic_load(&s->m.lat_sum_us) / 1e6, cum);
    enum MHD_Result ok = respond(s, c, rq, 200, b.data, "text/plain; version=0.0.4", false);
    buf_close(&b);
    return ok;
}

static enum MHD_Result route(struct server *s, struct MHD_Connection *c, struct req *rq, const char *url,
                             const char *method)
{
    bool get = strcmp(method, "GET") == 0;
    if (strcmp(url, "/payments") == 0) {
        if (strcmp(method, "POST") == 0)
            return post_payment(s, c, rq);
        return respond_error(s, c, rq, 405, "method_not_allowed", "only post is accepted on /payments");
    }
    if (get && strncmp(url, "/payments/", 10) == 0)
        return get_payment(s, c, rq, url + 10);
    if (get && strcmp(url, "/healthz") == 0) {
        if (store_ping(&s->store))
            return respond(s, c, rq, 200, "{\"status\":\"ok\"}", "application/json", false);
        return respond_error(s, c, rq, 503, "store_unavailable", "the store is unavailable");
    }
    if (get && strcmp(url, "/metrics") == 0)
        return metrics(s, c, rq);
    return respond_error(s, c, rq, 404, "not_found", "no such route (routes: POST /payments, GET /payments/ID, "
                                                     "GET /healthz, GET /metrics)");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    struct server *s = cls;
    struct req *rq = *con_cls;
    if (!rq) {
        rq = xcalloc(1, sizeof(*rq));
        buf_init(&rq->body);
        rq->start_ns = util_mono_ns();
        *con_cls = rq;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > PAYREQ_BODY_MAX)
            return respond_error(s, c, rq, 413, "body_too_large", "the body is over the limit of 4096 bytes");
        return MHD_YES;
    }
    if (*upload_size) {
        if (rq->body.len + *upload_size > PAYREQ_BODY_MAX)
            rq->too_big = true;
        else
            buf_put(&rq->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    return route(s, c, rq, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    (void)cls;
    (void)c;
    (void)t;
    struct req *rq = *con_cls;
    if (rq) {
        buf_close(&rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

/* ---- lifecycle ---- */

static void *purge_loop(void *arg)
{
    struct server *s = arg;
    int64_t period_ms = s->cfg.ttl_ms / 4;
    if (period_ms > 60000)
        period_ms = 60000;
    if (period_ms < 100)
        period_ms = 100;
    pthread_mutex_lock(&s->purge_mu);
    while (!s->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (period_ms % 1000) * 1000000LL;
        ts.tv_sec += period_ms / 1000 + ns / 1000000000LL;
        ts.tv_nsec = ns % 1000000000LL;
        pthread_cond_timedwait(&s->purge_cv, &s->purge_mu, &ts);
        if (s->stopping)
            break;
        pthread_mutex_unlock(&s->purge_mu);
        int64_t now = util_now_ms();
        store_purge(&s->store, now - s->cfg.ttl_ms, now);
        pthread_mutex_lock(&s->purge_mu);
    }
    pthread_mutex_unlock(&s->purge_mu);
    return NULL;
}

static int start_http(struct server *s)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(s->cfg.port)};
    if (inet_pton(AF_INET, s->cfg.host, &addr.sin_addr) != 1) {
        snprintf(s->err, sizeof(s->err), "bad listen address '%.60s' (accepted: an IPv4 address)", s->cfg.host);
        return ERR_INVAL;
    }
    /* A request thread sleeps while the writer commits its payment. In a pool every thread serves several
     * connections, which then wait behind the sleeping one (a tail of several commits); one thread per
     * connection (threads 0, the default) waits alone. No MHD_USE_ERROR_LOG: a line per bad request is noise. */
    bool per_conn = s->cfg.threads == 0;
    unsigned flags = per_conn ? MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL
                              : MHD_USE_EPOLL_INTERNAL_THREAD;
    s->mhd = MHD_start_daemon(flags, s->cfg.port, NULL, NULL, on_request, s,
                              MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                              MHD_OPTION_THREAD_POOL_SIZE, per_conn ? 1u : (unsigned)s->cfg.threads,
                              MHD_OPTION_CONNECTION_LIMIT, s->cfg.max_clients,
                              MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.idle_timeout_s,
                              MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
                              MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
                              MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                              MHD_OPTION_END);
    if (!s->mhd) {
        snprintf(s->err, sizeof(s->err), "cannot listen on %.60s:%u (in use, or not an address of this host?)",
                 s->cfg.host, s->cfg.port);
        return ERR_IO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : s->cfg.port;
    return 0;
}

int server_start(struct server *s, const struct serve_config *cfg)
{
    /* Each HTTP thread gets a malloc arena that glibc trims (madvise) as soon as a request's buffers are
     * freed, several times per payment; keep up to 32 MiB instead. */
    mallopt(M_TRIM_THRESHOLD, 32 << 20);
    memset(s, 0, sizeof(*s));
    s->cfg = *cfg;
    pthread_mutex_init(&s->purge_mu, NULL);
    pthread_cond_init(&s->purge_cv, NULL);
    int rc = store_open(&s->store, cfg->store_spec, cfg->conns, cfg->sync_full, cfg->lease_ms);
    if (rc) {
        snprintf(s->err, sizeof(s->err), "store: %s", s->store.err);
        goto fail;
    }
    s->store.ttl_ms = cfg->ttl_ms;
    char bank[4200];
    if (cfg->bank_spec)
        snprintf(bank, sizeof(bank), "%s", cfg->bank_spec);
    else if (strncmp(cfg->store_spec, "sqlite:", 7) == 0)
        snprintf(bank, sizeof(bank), "%.4000s.bank", cfg->store_spec);
    else
        snprintf(bank, sizeof(bank), "%.4000s", cfg->store_spec);
    struct proc_config pc = cfg->proc;
    pc.sync_full = cfg->sync_full;
    pc.writer = store_writer(&s->store);
    rc = processor_open(&s->proc, bank, &pc, cfg->seed);
    if (rc) {
        snprintf(s->err, sizeof(s->err), "processor ledger: %s", s->proc.bank.err);
        goto fail;
    }
    if ((rc = start_http(s)))
        goto fail;
    if (pthread_create(&s->purger, NULL, purge_loop, s) == 0)
        s->purger_started = true;
    return 0;
fail:
    {
        char keep[sizeof(s->err)];
        memcpy(keep, s->err, sizeof(keep));
        server_stop(s);
        memcpy(s->err, keep, sizeof(keep));
    }
    return rc;
}

void server_stop(struct server *s)
{
    if (s->purger_started) {
        pthread_mutex_lock(&s->purge_mu);
        s->stopping = true;
        pthread_cond_signal(&s->purge_cv);
        pthread_mutex_unlock(&s->purge_mu);
        pthread_join(s->purger, NULL);
        s->purger_started = false;
    }
    if (s->mhd)
        MHD_stop_daemon(s->mhd);
    s->mhd = NULL;
    if (s->proc.bank.lite || s->proc.bank.pg)
        processor_close(&s->proc);
    store_close(&s->store);
    pthread_mutex_destroy(&s->purge_mu);
    pthread_cond_destroy(&s->purge_cv);
}
