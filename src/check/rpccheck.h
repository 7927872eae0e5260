/* RPC outcome checker: from what the caller recorded (each call's attempts and whether it saw a reply or gave up,
 * and replies that came after it gave up) and what the server recorded (each durable apply, each reply sent),
 * classifies every call into the partial-failure outcome set and judges two invariants: a reply the caller saw
 * means the call was applied before that reply arrived; with an idempotency key, no call is applied twice. */
#ifndef DKATA_RPCCHECK_H
#define DKATA_RPCCHECK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rpc_outcome {
    RPC_OK_ONCE,            /* reply seen; applied once */
    RPC_OK_DUP,             /* reply seen; applied two or more times */
    RPC_OK_UNAPPLIED,       /* reply seen; never applied: a lie (violation) */
    RPC_TO_UNAPPLIED,       /* gave up; never applied (request lost, server down, crashed before applying) */
    RPC_TO_REPLY_LOST,      /* gave up; applied, a reply was sent and never arrived */
    RPC_TO_CRASH_BEFORE_REPLY, /* gave up; applied, then the server crashed before replying */
    RPC_TO_REPLY_LATE,      /* gave up; applied, the reply arrived after the caller gave up */
    RPC_TO_DUP,             /* gave up; applied two or more times */
    RPC_NOUTCOMES
};

extern const char *const rpc_outcome_name[RPC_NOUTCOMES]; /* short names, used as figure names */
extern const char *const rpc_outcome_text[RPC_NOUTCOMES]; /* what the caller saw; what happened */

struct rpc_call {
    int64_t id;
    int attempts;
    bool ok;          /* saw a reply */
    int64_t done_at;  /* reply seen, or gave up */
    int late_replies; /* replies that arrived after it gave up */
};

struct rpc_apply {
    int64_t call, at;
    int attempt;
};

struct rpc_reply {
    int64_t call, at;
};

struct rpc_report {
    size_t count[RPC_NOUTCOMES];
    enum rpc_outcome *outcome; /* one per call, owned */
    size_t applied_without_reply_order; /* ok calls whose first apply came after the reply was seen */
    size_t duplicates;   /* calls applied more than once */
    size_t phantoms;     /* applies of calls the caller never made */
    char first[200];     /* one line about the first violation */
};

/* Classifies and judges; calls sorted by id, applies and replies in any order. at_most_once: duplicates are
 * violations. Close the report with rpccheck_close. Returns the number of violations. */
size_t rpccheck_judge(const struct rpc_call *calls, size_t ncalls, const struct rpc_apply *applies, size_t napplies,
                      const struct rpc_reply *replies, size_t nreplies, bool at_most_once, struct rpc_report *r);
void rpccheck_close(struct rpc_report *r);

#endif
