/* dkata test --bin: runs the user's node programs (Maelstrom's protocol) on dkata's network in real time,
 * drives a workload's clients against them, injects faults, and judges the result with dkata's checkers. */
#ifndef DKATA_HARNESS_H
#define DKATA_HARNESS_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/dist.h"

enum harness_workload {
    HW_ECHO,
    HW_UNIQUE_IDS,
    HW_BROADCAST,
    HW_G_COUNTER,
    HW_PN_COUNTER,
    HW_G_SET,
    HW_LIN_KV,
    HW_RAFT_ELECTION,
    HW_NWORKLOADS
};
/* "echo", "unique-ids", ...; and the inverse (-1 if unknown). */
const char *harness_workload_name(int w);
int harness_workload_parse(const char *s);

enum { NEM_PARTITION = 1, NEM_KILL = 2, NEM_PAUSE = 4 };

#define HARNESS_MAX_NODES 64

struct harness_opts {
    int workload;
    char **argv;             /* the node program and its arguments (NULL-terminated); borrowed */
    int node_count;          /* 1..HARNESS_MAX_NODES */
    int64_t time_limit_ns;   /* how long clients issue operations */
    double rate;             /* operations per second over all clients; 0: as fast as they can */
    int concurrency;         /* clients; each has one operation in flight at a time */
    struct dist latency;     /* every message's delay */
    double loss;             /* probability a node-to-node message is lost */
    unsigned nemesis;        /* NEM_* bits */
    int64_t nemesis_interval_ns;
    const char *nemesis_schedule; /* a fault schedule in core/fault.h's text form, or NULL: drawn from the seed */
    double availability;     /* fraction of operations that must succeed; < 0: not checked */
    uint64_t seed;
    const char *log_dir;     /* node logs, history.jsonl, nemesis.txt, messages.svg go here */
    const char *svg_path;    /* NULL: log_dir/messages.svg */
    int64_t diagram_ns;      /* the diagram shows the first this-long of the run */
    int64_t timeout_ns;      /* a client gives up on a request after this long (the op is then unknown) */
    int64_t init_timeout_ns; /* a node must answer init within this */
    int64_t recovery_ns;     /* after healing, wait this long before the final reads */
    int64_t elect_within_ns; /* raft-election: every election must finish within this; 0: only measured */
    size_t max_line;         /* longest line a node may print on stdout */
    size_t max_inflight;     /* messages in flight before the run is stopped as a flood */
    size_t max_backlog;      /* bytes waiting for a node that does not read its stdin before the run stops */
    bool quiet;              /* no progress lines */
    bool log_stderr;         /* nodes' stderr goes to dkata's stderr instead of log_dir/nN.log */
};

/* Fills o with Maelstrom's defaults where it has them (5 ops/s, 10 s nemesis interval) and dkata's own. */
void harness_opts_default(struct harness_opts *o);
/* Runs the test and prints the schedule, the per-checker verdicts and the figures to out. Returns 0 if every
 * checker passed, 1 if one failed, 2 if a node broke the protocol (the report names the node, the line and
 * what was expected) or could not be started, 130 if interrupted (SIGINT/SIGTERM). Every child process is
 * killed and reaped before it returns, whatever the path. */
int harness_run(const struct harness_opts *o, FILE *out);

#endif
