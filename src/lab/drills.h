/* The drills of the PostgreSQL lab (Kata 1 and 2 of the replication module): failover with
 * dkata's own detector or with Patroni + etcd, and the replication-lag read anomaly with its fixes.
 * Each drill starts its own lab, prints its table (or JSON) to stdout, and tears the lab down at the
 * end and on SIGINT/SIGTERM. */
#ifndef DKATA_DRILLS_H
#define DKATA_DRILLS_H
#include <stdbool.h>
#include <stdint.h>

#include "lab/pglab.h"

/* Returned by a drill when the run violated what its configuration promises (exit 1). Any other
 * non-zero return is a negative ERR_* (the lab could not run; the message was printed). */
#define DRILL_VIOLATION 1

enum failover_mode { FAILOVER_ASYNC, FAILOVER_SEMI_SYNC, FAILOVER_SYNC };

struct failover_opts {
    struct pglab_opts lab;
    enum failover_mode mode;
    int tps;              /* target acknowledged-or-attempted writes per second, all writers */
    int writers;          /* libpq connections writing in parallel */
    int64_t kill_at_ns;   /* kill -9 of the primary's postmaster, from the first write */
    int64_t after_ns;     /* keep writing this long after the writers are repointed */
    int64_t hc_interval_ns, hc_timeout_ns; /* dkata's health check of the primary */
    int hc_failures;      /* consecutive failed checks that declare it dead */
    int64_t sample_ns;    /* one table row per sample */
    bool json, keep;
    const char *history;  /* JSON-lines file of every acknowledged write, or NULL */
};
/* The drill's own numbers: async, 1000 TPS, kill at 10 s. */
void failover_opts_default(struct failover_opts *o);
/* Runs the failover drill. Returns 0, DRILL_VIOLATION (a semi-sync or sync run lost an acknowledged
 * write), or a negative ERR_*. */
int failover_drill(const struct failover_opts *o);

enum replag_fix { REPLAG_NONE, REPLAG_READ_PRIMARY, REPLAG_LSN_WAIT, REPLAG_STICKY, REPLAG_ALL };

struct replag_opts {
    struct pglab_opts lab;
    int64_t delay_ns;     /* recovery_min_apply_delay of replica1 (replica2 gets half of it) */
    enum replag_fix fix;
    int reads;            /* write-then-read rounds per fix */
    bool json, keep;
    const char *history;
};
void replag_opts_default(struct replag_opts *o);
/* Runs the replication-lag drill. Returns 0, DRILL_VIOLATION (a fix failed to give the guarantee
 * it claims), or a negative ERR_*. */
int replag_drill(const struct replag_opts *o);

struct patroni_opts {
    struct pglab_opts lab;
    int ttl_s, loop_wait_s;
    bool json;
};
void patroni_opts_default(struct patroni_opts *o);
/* Runs the Patroni + etcd failover and fencing drill. Returns 0, DRILL_VIOLATION (the old primary
 * accepted a write after it came back), or a negative ERR_*. */
int patroni_drill(const struct patroni_opts *o);

#endif
