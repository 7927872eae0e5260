/* The idempotency store: keys with their recorded phase, lock lease and stored response; payments. */
#ifndef DKATA_SERVE_STORE_H
#define DKATA_SERVE_STORE_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "serve/db.h"
#include "serve/keydir.h"

#define STORE_CONNS_MAX 8

/* The recorded phases of one request, in order (Stripe's "recovery points"). */
enum store_phase { PHASE_STARTED, PHASE_CHARGE_REQUESTED, PHASE_CHARGE_CONFIRMED, PHASE_FINISHED };

/* What store_claim found for a key. */
enum store_claim {
    CLAIM_NEW,      /* the key was absent: we hold its lock at PHASE_STARTED */
    CLAIM_RESUME,   /* an unfinished key whose lock was free or expired: we hold it, resume from its phase */
    CLAIM_FINISHED, /* same request, finished: replay resp_code and resp_body */
    CLAIM_MISMATCH, /* the key was used with a different request hash: 422 */
    CLAIM_BUSY,     /* another request holds the key's lock: 409 or wait */
};

struct store_key {
    enum store_claim claim;
    enum store_phase phase;
    char charge_id[64];
    int resp_code;
    char *resp_body; /* owned; store_key_close frees it */
    bool advanced;   /* this request moved the key from started to charge_requested */
};

struct store {
    struct db conn[STORE_CONNS_MAX];
    int nconn;          /* SQLite: conn[0] writes, the others read; PostgreSQL: any does anything */
    bool sqlite;
    int64_t lease_ms;   /* how long a request's lock on its key lasts without renewal */
    int64_t ttl_ms;     /* keys older than this are treated as absent, then purged (default 24 h) */
    int lock_fd;        /* SQLite: the flock on PATH.lock that makes this process its only server */
    atomic_uint rr;
    atomic_bool fail;   /* fault injection: every call fails with ERR_IO, as if the store were down */
    struct keydir keys; /* SQLite: where each key's row is (idem_keys has no index on key there) */
    bool keys_open;
    char err[256];
};

/* Opens spec ("sqlite:PATH" or "postgres:CONNINFO") with nconn connections (1..STORE_CONNS_MAX) and
 * creates the schema. For SQLite, takes an exclusive lock on PATH.lock (ERR_EXISTS if another server
 * holds it) and then frees every key lock left by a crashed predecessor. Returns 0 or a negative ERR_*
 * with the detail in s->err. */
int store_open(struct store *s, const char *spec, int nconn, bool sync_full, int64_t lease_ms);
void store_close(struct store *s);

/* Claims key for a request whose canonical body hashes to hash, as owner (unique per attempt). Fills
 * out (close it with store_key_close). A claim that found something to answer with (finished, mismatch,
 * busy) is durable when this returns; a new or resumed claim becomes durable with the next durable
 * phase. Returns 0 or ERR_IO. */
int store_claim(struct store *s, const char *key, const char *hash, const char *owner, int64_t now_ms,
                struct store_key *out);
/* store_claim, and if the claim leads to work at PHASE_STARTED (new, or resumed there), records
 * advance_to in the same step (as store_set_phase would), durable when this returns: one pass through
 * the writer instead of two. advance_to PHASE_STARTED is plain store_claim. Returns 0, ERR_STATE (the
 * advance found the lock lost) or ERR_IO. */
int store_claim_to(struct store *s, const char *key, const char *hash, const char *owner, int64_t now_ms,
                   enum store_phase advance_to, struct store_key *out);
/* Reads a key without claiming it: ERR_NOTFOUND if absent. Used to replay without taking the write path. */
int store_peek(struct store *s, const char *key, const char *hash, int64_t now_ms, struct store_key *out);
void store_key_close(struct store_key *k);

/* Records a new phase (and the charge id once known) if owner still holds the key and renews its lease;
 * if durable, returns once it is committed (else it becomes durable with the caller's next durable
 * step, in order: SQLite's group commit never reorders). Returns 0, ERR_STATE if the lock was lost to
 * another request, or ERR_IO. */
int store_set_phase(struct store *s, const char *key, const char *owner, enum store_phase phase,
                    const char *charge_id, int64_t now_ms, bool durable);

/* Returns once everything written so far is committed. Returns 0 or ERR_IO. */
int store_sync(struct store *s);

/* The payment a finished request created. */
struct store_payment {
    const char *id, *charge_id, *currency;
    int64_t amount;
};

/* In one transaction: inserts the payment (if p is not NULL), stores the response (and the payment's charge
 * id) and marks the key finished and unlocked. Returns 0, ERR_STATE if owner lost the lock (nothing written), or ERR_IO. */
int store_finish(struct store *s, const char *key, const char *owner, const struct store_payment *p,
                 int resp_code, const char *resp_body, int64_t now_ms);

/* Frees the key's lock (the phase stays) so that a retry can resume at once. Returns 0 or ERR_IO. */
int store_release(struct store *s, const char *key, const char *owner);

/* The stored JSON of payment id into *body (caller frees). Returns 0, ERR_NOTFOUND or ERR_IO. */
int store_payment_get(struct store *s, const char *id, char **body);

/* Deletes keys created before cutoff_ms that are finished or unlocked. Returns how many, or ERR_IO. */
int store_purge(struct store *s, int64_t cutoff_ms, int64_t now_ms);

/* Whether the store answers (a trivial query). */
bool store_ping(struct store *s);

const char *store_phase_name(enum store_phase p);

/* The SQLite writer connection, for chaining steps on it (db_then), or NULL (PostgreSQL). */
struct db *store_writer(struct store *s);

/* store_claim_to and store_finish as steps on a connection the caller is running on (a work
 * fn on store_writer): the same statements, no waiting. store_claim_step sets *durable as store_claim_to
 * waits: only a claim that found an answer must wait for the disk. Both fail with ERR_IO while the fault
 * injection (fail) is on, as the calls above do. */
int store_claim_step(struct store *s, struct db *d, const char *key, const char *hash, const char *owner,
                     int64_t now_ms, enum store_phase advance_to, struct store_key *out, bool *durable);
int store_finish_step(struct store *s, struct db *d, const char *key, const char *owner,
                      const struct store_payment *p, int resp_code, const char *resp_body, int64_t now_ms);

#endif
