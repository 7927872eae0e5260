/* Linearizability checking: Wing & Gong's search with Lowe's just-in-time linked list, memoization of
 * (linearized set, model state), and P-compositionality (Horn & Kroening): each key is checked alone. */
#ifndef DKATA_LIN_H
#define DKATA_LIN_H
#include "check/history.h"

#include <stdatomic.h>

struct buf;

/* The sequential specifications. Operation names each accepts:
 *   register:     read, write                  (a single value; read's result must be the current value)
 *   cas-register: read, write, cas [from to]   (cas succeeds only if the value is from)
 *   kv:           get, put, append             (string values; append concatenates; a key starts as "")
 *   set:          add, read                    (read returns every element, in any order)
 *   counter:      add (or incr), read          (integers; starts at 0)
 * Every model is split by key: operations on different keys are independent. */
enum lin_model { LIN_REGISTER, LIN_CAS_REGISTER, LIN_KV, LIN_SET, LIN_COUNTER, LIN_NMODELS };

enum lin_verdict { LIN_OK, LIN_VIOLATION, LIN_UNKNOWN };

struct lin_opts {
    enum lin_model model;
    const struct hist_val *init; /* initial value of every key, or NULL: nil (register), "" (kv), 0, {} */
    size_t mem_limit;            /* bytes the search caches may use in all; 0: no limit */
    atomic_size_t *mem_used;     /* shared by every problem checked at once, or NULL: this problem's own */
    const atomic_int *stop;      /* set non-zero (by a timer) to give up: the verdict becomes unknown */
};

struct lin_part;

/* A history made ready to check: its operations split into partitions (one per key). */
struct lin_problem {
    const struct history *h;
    struct hist_op *ops; /* the history's operations (history_pair) */
    size_t nops;
    struct lin_part *parts;
    size_t nparts;
    struct lin_opts opts;
    atomic_size_t own_mem;
    atomic_int cancel; /* raised when a partition is not linearizable: the others may stop */
    char err[256];
};

/* The name used on the command line ("cas-register"), and its inverse (-1 if unknown). */
const char *lin_model_name(enum lin_model m);
int lin_model_parse(const char *s);

/* Prepares h (which must outlive p) for checking. Returns 0, or ERR_PARSE with p->err (an operation the
 * model does not have, a malformed value, unpaired events), naming the line. Close p with lin_close even
 * on failure. */
int lin_init(struct lin_problem *p, struct history *h, const struct lin_opts *opts);
void lin_close(struct lin_problem *p);
/* Checks partition i, giving up (unknown, "step budget") after max_steps search steps (0: no bound); it may
 * be called again with a larger budget. Different partitions may be checked at the same time from different
 * threads. A violation raises p->cancel, which stops the other partitions (their verdict: unknown). */
enum lin_verdict lin_check_part(struct lin_problem *p, size_t i, uint64_t max_steps);
/* Checks every partition in turn (for callers without threads). */
enum lin_verdict lin_check(struct lin_problem *p);
/* The verdict over all checked partitions: a violation if any partition has one, else unknown if any gave
 * up, else linearizable. */
enum lin_verdict lin_verdict(const struct lin_problem *p);
const char *lin_verdict_name(enum lin_verdict v);

/* What the search found in one partition, for reports. Indices are into p->ops. */
struct lin_part_info {
    const char *key; /* NULL: no key */
    size_t nops;     /* operations in this partition that had to be placed */
    enum lin_verdict verdict;
    const size_t *best; /* the longest linearizable prefix found, in linearization order */
    size_t nbest;
    size_t stuck;            /* the operation that could not be placed after it (or HIST_NONE_IDX) */
    uint64_t steps;          /* search steps taken */
    size_t cache_entries;    /* memoized configurations */
    size_t cache_bytes;      /* memory they took */
    const char *why_unknown; /* "timeout" or "memory limit", when unknown */
};
void lin_part_info(const struct lin_problem *p, size_t i, struct lin_part_info *out);
/* The k-th operation (k < info.nops) of partition part, as an index into p->ops. */
size_t lin_part_op(const struct lin_problem *p, size_t part, size_t k);
/* The model state after the first k operations of the best prefix, in words ("3", "nil", "\"x 0 1 y\""). */
void lin_state_after(const struct lin_problem *p, size_t part, size_t k, struct buf *out);
/* One operation for a person: "process 3 cas [1 2] -> ok (lines 40-44)". */
void lin_describe_op(const struct lin_problem *p, size_t op, struct buf *out);
/* The explanation of the first violated (or else unknown) partition: several lines, each ending in '\n'. */
void lin_explain(const struct lin_problem *p, struct buf *out);
/* Index of the partition explained by lin_explain, or (size_t)-1 if every partition is linearizable. */
size_t lin_worst_part(const struct lin_problem *p);

#endif
