/* The simulated card processor: an in-process downstream with its own durable ledger, latency and faults. */
#ifndef DKATA_SERVE_PROCESSOR_H
#define DKATA_SERVE_PROCESSOR_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "serve/db.h"
#include "serve/keydir.h"
#include "serve/payreq.h"

/* What a charge call tells the caller. PROC_UNKNOWN covers a timeout before charging and a charge whose
 * answer was lost: the caller cannot tell them apart, which is the whole point. */
enum proc_outcome { PROC_OK, PROC_DECLINED, PROC_ERROR, PROC_UNKNOWN };

/* Faults a test can force on the next call, or draw at random with the probabilities below. */
enum proc_fault { PROC_FAULT_NONE, PROC_FAULT_ERROR, PROC_FAULT_TIMEOUT, PROC_FAULT_LOST };

struct proc_config {
    int64_t latency_ns; /* added to every call */
    int64_t timeout_ns; /* how long a timeout fault takes to surface */
    double p_error, p_timeout, p_lost;
    bool sync_full; /* the ledger's SQLite durability, as the store's */
    struct db *writer; /* a SQLite ledger's writes go to this connection's writer thread (the store's), so
                        * that one thread commits both; NULL: a writer of its own */
};

struct processor {
    struct db bank; /* the processor's ledger: table bank_charges, one row per charge it made */
    bool lite;      /* the ledger is SQLite: dedupe keys are found through the key directory */
    int lock_fd;    /* SQLite: the flock on PATH.lock; the key directory is this process's alone */
    struct keydir dedupe;
    struct proc_config cfg;
    pthread_mutex_t rng_mu;
    uint64_t rng;
    atomic_int force_next; /* an enum proc_fault applied to the next call only */
    atomic_ulong calls, charges, faults;
};

/* Opens the ledger at bank_spec ("sqlite:PATH" or "postgres:CONNINFO") and creates its table. Returns 0
 * or a negative ERR_* with the detail in p->bank.err. */
int processor_open(struct processor *p, const char *bank_spec, const struct proc_config *cfg, uint64_t seed);
void processor_close(struct processor *p);

/* Charges r. dedupe_key is the caller's idempotency key: a second call with the same dedupe_key returns
 * the first charge's id instead of charging again (what real processors do with forwarded keys).
 * client_key is recorded for the audit. A card token starting with "tok_decline" is declined. On
 * PROC_OK the charge id is in charge_id. */
enum proc_outcome processor_charge(struct processor *p, const char *dedupe_key, const char *client_key,
                                   const struct payreq *r, char charge_id[64]);

/* processor_charge in two parts: begin counts the call, waits the latency and draws the call's fault;
 * complete does the rest with that fault (declines, records the charge, loses the answer...). */
enum proc_fault processor_begin(struct processor *p);
enum proc_outcome processor_complete(struct processor *p, enum proc_fault f, const char *dedupe_key,
                                     const char *client_key, const struct payreq *r, char charge_id[64]);

/* The ledger's writer connection, for chaining a charge after other steps (db_then), or NULL. */
struct db *processor_ledger(struct processor *p);
/* Records the charge or finds the one made under dedupe_key, on bank (a work fn running on the ledger's
 * writer): the ledger part of a charge without a fault. Returns 0 or ERR_IO. */
int processor_ledger_step(struct processor *p, struct db *bank, const char *dedupe_key, const char *client_key,
                          const struct payreq *r, char charge_id[64]);

/* How many charges the ledger holds for client_key, or a negative ERR_*. A scan of the ledger (for tests). */
int processor_count(struct processor *p, const char *client_key);

#endif
