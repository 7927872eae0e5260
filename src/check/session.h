/* Session guarantees (Terry et al. 1994) checked on a history: read-your-writes, monotonic reads, monotonic
 * writes, writes-follow-reads, and consistent prefix, each violation named by its pair of operations. */
#ifndef DKATA_SESSION_H
#define DKATA_SESSION_H
#include "check/history.h"

struct buf;

enum session_guarantee { SESSION_RYW, SESSION_MR, SESSION_MW, SESSION_WFR, SESSION_CP, SESSION_N };

/* One violation: operations a (the earlier one, or the write) and b (the later one, or the read), as indices
 * into session_result.ops; va and vb are the versions they wrote or observed. */
struct session_violation {
    enum session_guarantee g;
    size_t a, b;
    int64_t va, vb;
};

struct session_result {
    struct hist_op *ops; /* the history's operations (from history_pair) */
    size_t nops;
    struct session_violation *v; /* in the order found: by guarantee, then by position in the history */
    size_t n, cap;
    size_t checked[SESSION_N]; /* how many operations each guarantee was checked on */
    size_t usable;             /* completed (ok) operations carrying a version or lsn: all that can be judged */
    bool global;               /* versions were LSNs of one log ("lsn"), not per-key versions */
};

/* Checks the five guarantees on h. The rules, for completed (ok) operations that carry a version; reads are
 * f "read" or "get", every other f is a write. Operation A precedes B in a session if both have the same
 * session (or process, if no session is given) and A completed before B was invoked. Versions are compared
 * within one key ("version"), or across the whole store when they are log positions ("lsn").
 *   read-your-writes:     write A precedes read B        => B.version >= A.version
 *   monotonic reads:      read A precedes read B         => B.version >= A.version
 *   monotonic writes:     write A precedes write B       => B.version >  A.version
 *   writes-follow-reads:  read A precedes write B        => B.version >  A.version
 *   consistent prefix:    a read that observed version v of a key returned the value of the write with the
 *                         greatest version <= v of that key (writes f "write"/"put"), i.e. what it saw is a
 *                         prefix of the write order; not a value from a later write.
 * For each operation B the violation is reported against the operation A that it contradicts most.
 * Returns 0 (violations or not: see r->n), or ERR_PARSE with h->err if operations cannot be paired.
 * The caller closes r with session_result_close. */
int session_check(struct history *h, struct session_result *r);
void session_result_close(struct session_result *r);
/* "read-your-writes", "monotonic reads", ... */
const char *session_name(enum session_guarantee g);
/* One line (no newline) for a person: which session did what, on which lines, with which versions. */
void session_describe(const struct history *h, const struct session_result *r,
                      const struct session_violation *v, struct buf *out);

#endif
