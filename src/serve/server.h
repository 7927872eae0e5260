/* The payments HTTP service: POST /payments (idempotent), GET /payments/{id}, /healthz, /metrics. */
#ifndef DKATA_SERVE_SERVER_H
#define DKATA_SERVE_SERVER_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "serve/processor.h"
#include "serve/store.h"

/* Where a request may be made to die, after the named step has been recorded (tests of crash safety). */
enum serve_crash {
    CRASH_NONE,
    CRASH_AFTER_STARTED,          /* key claimed, phase started */
    CRASH_AFTER_CHARGE_REQUESTED, /* phase charge_requested recorded, processor not yet called */
    CRASH_AFTER_CHARGE,           /* processor charged, nothing recorded yet */
    CRASH_AFTER_CHARGE_CONFIRMED, /* charge id recorded, response not stored */
    CRASH_AFTER_RESPONSE_STORED,  /* response stored, not yet sent */
};

/* How a crash point acts: kill the process (the CLI), or drop the request as if the process had died,
 * leaving the store as it is (in-process tests). */
enum serve_crash_mode { CRASH_KILL, CRASH_DROP };

struct serve_config {
    const char *host;        /* IPv4 address to bind, default 127.0.0.1 */
    uint16_t port;           /* 0 picks a free port */
    const char *store_spec;  /* sqlite:PATH or postgres:CONNINFO */
    const char *bank_spec;   /* the simulated processor's ledger; NULL: beside the store */
    int64_t ttl_ms;          /* idempotency keys live this long (24 h) */
    int64_t lease_ms;        /* a request's lock on its key (10 s) */
    bool in_flight_wait;     /* wait for an in-flight first request instead of answering 409 */
    int64_t wait_max_ms;     /* how long to wait before answering 409 anyway */
    int threads;             /* HTTP worker threads: 0 one per connection, else a pool */
    int conns;               /* store connections */
    bool sync_full;          /* SQLite synchronous=FULL (durable against power loss), else NORMAL */
    unsigned max_clients;    /* concurrent connections */
    unsigned idle_timeout_s; /* a connection idle (or trickling) this long is closed */
    struct proc_config proc;
    uint64_t seed;           /* the processor's fault draws */
    enum serve_crash crash_at;
    enum serve_crash_mode crash_mode;
    bool bug_fresh_key;      /* deliberately broken: send the processor a fresh key on every attempt */
};

/* Fills c with the defaults. */
void server_config_default(struct serve_config *c);

struct server_metrics {
    atomic_ulong by_code[600];
    atomic_ulong replays, created, conflicts, mismatches, store_errors, crashes;
    atomic_ulong lat_buckets[12]; /* request latency histogram, see server.c */
    atomic_ulong lat_sum_us;
};

struct server {
    struct serve_config cfg;
    struct store store;
    struct processor proc;
    struct MHD_Daemon *mhd;
    uint16_t port; /* the bound port */
    struct server_metrics m;
    pthread_t purger;
    pthread_mutex_t purge_mu;
    pthread_cond_t purge_cv;
    bool stopping, purger_started;
    char err[300];
};

/* Opens the store and the processor and starts serving. Returns 0, or a negative ERR_* with a one-line
 * reason in s->err (the server is then already cleaned up). */
int server_start(struct server *s, const struct serve_config *cfg);
/* Stops serving and closes everything. */
void server_stop(struct server *s);

/* Parses a crash point name ("after-charge", ...); false if unknown. */
bool server_crash_parse(const char *name, enum serve_crash *out);

#endif
