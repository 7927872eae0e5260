/* The clock condition, judged from a recorded history of process events. Happens-before is computed from the
 * history alone (program order plus send -> receive, closed transitively), never from the clocks, and then:
 *   a -> b  implies  L(a) < L(b)  and  V(a) < V(b)   (Lamport's clock condition, and its vector form)
 *   V(a) < V(b)  implies  a -> b                     (vector clocks characterize causality exactly)
 * Pairs with neither a -> b nor b -> a are concurrent. */
#ifndef DKATA_CLOCKCOND_H
#define DKATA_CLOCKCOND_H
#include <stddef.h>
#include <stdint.h>

enum cc_kind { CC_LOCAL, CC_SEND, CC_RECV };

/* One event; events are given in an order consistent with program order on each process. */
struct cc_event {
    int proc;
    enum cc_kind kind;
    int64_t msg;      /* send and receive: the message id that pairs them; else -1 */
    uint64_t lamport;
    const uint32_t *vc; /* nprocs entries; owned by the caller */
};

struct cc_violation {
    size_t a, b;     /* event indexes */
    char what[160];  /* which implication failed, in words */
};

struct cc_report {
    size_t hb_pairs;         /* ordered pairs with a -> b */
    size_t concurrent_pairs; /* unordered pairs, concurrent by happens-before */
    size_t *concurrent;      /* 2 * concurrent_pairs indexes (a < b), owned */
    struct cc_violation *violations; /* owned */
    size_t nviolations;
};

/* Checks the events; fills r (free with cc_report_close). Returns the number of violations, or ERR_INVAL for a
 * receive without its send. */
int clockcond_check(const struct cc_event *ev, size_t n, int nprocs, struct cc_report *r);
void cc_report_close(struct cc_report *r);

#endif
