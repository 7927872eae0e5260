/* `dkata lab pg`: a real PostgreSQL 15 primary with streaming replicas on loopback, in a lab folder
 * the lab owns. up / status / down, plus the node operations the drills use. */
#ifndef DKATA_PGLAB_H
#define DKATA_PGLAB_H
#include <limits.h>
#include <signal.h>
#include <stdbool.h>

#include "core/mem.h"
#include "lab/lab_proc.h"
#include "lab/lab_state.h"

#define PGLAB_DEFAULT_DIR "/tmp/dkata-lab-pg"
#define PGLAB_DEFAULT_PORT 55432
#define PGLAB_MAX_REPLICAS 4

/* Set by the SIGINT/SIGTERM handler pglab_catch_signals installs; long operations poll it and
 * tear the lab down. */
extern volatile sig_atomic_t pglab_interrupted;
/* Installs handlers for SIGINT and SIGTERM that only set pglab_interrupted. */
void pglab_catch_signals(void);

struct pglab {
    char dir[256];        /* absolute lab folder (at most 200 bytes) */
    char bin[256];        /* PostgreSQL's bin folder */
    struct lab_user user; /* who the servers run as */
    struct lab_state st;  /* what lab.state says */
    bool created;         /* pglab_up made the folder (so the drill that called it may remove it) */
};

struct pglab_opts {
    const char *dir;   /* NULL: $DKATA_LAB_DIR or PGLAB_DEFAULT_DIR */
    int port_base;     /* 0: PGLAB_DEFAULT_PORT; nodes take port_base, port_base + 1, ... */
    int replicas;      /* 1..PGLAB_MAX_REPLICAS */
    bool quiet;        /* no progress lines */
};

/* Resolves the lab folder (opts dir, $DKATA_LAB_DIR, or the default) into out (absolute). */
int pglab_resolve_dir(const char *dir, char *out, size_t n, char *err, size_t errn);

/* Creates a fresh lab: initdb the primary ("primary"), pg_basebackup the replicas ("replica1", ...),
 * start them with pg_ctl as lab->user, and wait until pg_stat_replication shows every replica
 * streaming. Refuses an existing lab folder (ERR_EXISTS), a port in use (ERR_STATE), each with one
 * line in err naming the fix. On any later failure it stops what it started and keeps the folder
 * for its logs. Fills lab. */
int pglab_up(struct pglab *lab, const struct pglab_opts *o, char *err, size_t errn);
/* The part of up every lab shares: resolve the folder, refuse an existing lab or a port in use
 * (port_base + each of ports[0..nports)), create the folder owned by the server user, and write an
 * empty lab.state. Sets lab->created. */
int pglab_prepare(struct pglab *lab, const char *dir, int port_base, const int *ports, int nports, char *err,
                  size_t errn);
/* Loads an existing lab (its lab.state) into lab. ERR_NOTFOUND when there is none. */
int pglab_open(struct pglab *lab, const char *dir, char *err, size_t errn);
/* Writes lab->st to lab.state. */
int pglab_save(struct pglab *lab);
/* Stops every process of the lab in dir (recorded pids, postmaster.pid files, and any process whose
 * command line names the folder) and removes the folder unless keep. Appends one line per stopped
 * process to report. Returns 0, ERR_NOTFOUND (no lab there: nothing done), ERR_INVAL (the folder is
 * not a lab: untouched) or ERR_STATE (a process would not die). */
int pglab_down(const char *dir, bool keep, struct buf *report, char *err, size_t errn);
/* Appends a table (or JSON) of each node: role, port, pid, LSNs, lag. */
int pglab_status(struct pglab *lab, bool json, struct buf *out, char *err, size_t errn);

/* Sends sig to every process of node name (postmaster and backends, found by the cluster_name in
 * their titles). Returns how many got it. */
int pglab_signal_node(struct pglab *lab, const char *name, int sig);
/* The name a Patroni-run lab in dir gives its cluster (scope, cluster_name): "dkata-" + a hash. */
void pglab_scope(const char *dir, char *out, size_t n);
/* The port of node name, or 0. */
int pglab_port(struct pglab *lab, const char *name);
/* Starts node name with pg_ctl (-w) and records its postmaster pid. */
int pglab_start(struct pglab *lab, const char *name, char *err, size_t errn);
/* Appends lines to node name's postgresql.conf (later settings win). */
int pglab_append_conf(struct pglab *lab, const char *name, const char *lines);
/* Runs one of PostgreSQL's programs (name in lab->bin) as the lab user; output to setup.log. */
int pglab_run_tool(struct pglab *lab, const char *tool, const char *const *args, int timeout_ms,
                   char *err, size_t errn);
/* Polls the primary on port until count replicas stream (and, if want_sync, until that many
 * report sync_state 'sync' or 'quorum'); ERR_TIMEOUT after timeout_ms. */
int pglab_wait_streaming(int port, int count, bool want_sync, int timeout_ms, char *err, size_t errn);

#endif
