/* The order saga's money invariants, judged from a recorded history (Garcia-Molina and Salem, "Sagas", 1987:
 * a cancelled saga runs its compensations; with at-least-once delivery they must be idempotent):
 *   within:   at every point of the history, the refunded total of an order never exceeds its charged total;
 *   charge:   an order is charged at most once, and for its own amount;
 *   once:     in the end, every cancelled order that was charged is refunded exactly once, for the charged amount
 *             (one that was never charged is not refunded), and no order that was not cancelled is refunded;
 *   finished: in the end, every placed order's saga has finished (completed or compensated). */
#ifndef DKATA_SAGA_H
#define DKATA_SAGA_H
#include <stddef.h>
#include <stdint.h>

enum saga_op {
    SAGA_PLACED,      /* the orchestrator took the order (amount) */
    SAGA_CHARGED,     /* the payment service created a charge (amount) */
    SAGA_REFUNDED,    /* the payment service created a refund (amount) */
    SAGA_CANCELLED,   /* the customer's cancellation was recorded */
    SAGA_FINISHED     /* the saga ended: completed or compensated */
};

struct saga_event {
    int64_t at;
    enum saga_op op;
    int order; /* 0 .. norders-1 */
    int64_t amount; /* cents; PLACED, CHARGED, REFUNDED */
};

enum saga_rule { SAGA_RULE_WITHIN, SAGA_RULE_CHARGE, SAGA_RULE_ONCE, SAGA_RULE_FINISHED, SAGA_RULES };

struct saga_report {
    size_t over_refunds;     /* orders whose refunds ever exceeded their charges */
    size_t bad_charges;      /* orders charged more than once or for another amount */
    size_t not_refunded_once;/* cancelled orders not refunded exactly once in the end (or refunded uncancelled) */
    size_t unfinished;       /* orders whose saga never finished */
    size_t orders, cancelled, charges, refunds;
    int64_t charged_total, refunded_total, excess_refunded; /* cents; excess: refunded beyond what was charged */
    char first[SAGA_RULES][200]; /* per rule (enum saga_rule): its first violation in words, or "" */
};

/* Judges events (in the order they happened) of norders orders. Returns the number of violations (the sum of
 * the four counts) and fills r; returns -1 if an event names an order outside 0..norders-1. */
long saga_check(const struct saga_event *ev, size_t n, int norders, struct saga_report *r);

#endif
