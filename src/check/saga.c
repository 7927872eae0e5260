/* Saga money checker: per-order running totals over the history, then the end state. */
#include "check/saga.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

struct order_state {
    int64_t amount, charged, refunded;
    int charges, refunds;
    bool placed, cancelled, finished, over;
};

static void note(struct saga_report *r, enum saga_rule rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(struct saga_report *r, enum saga_rule rule, const char *fmt, ...)
{
    if (r->first[rule][0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->first[rule], sizeof(r->first[rule]), fmt, ap);
    va_end(ap);
}

static void end_state(struct saga_report *r, const struct order_state *o, int i)
{
    if (o->placed && !o->finished) {
        r->unfinished++;
        note(r, SAGA_RULE_FINISHED, "order o%d's saga never finished", i);
    }
    if (o->cancelled) {
        r->cancelled++;
        int want = o->charges ? 1 : 0;
        if (o->refunds != want || o->refunded != o->charged) {
            r->not_refunded_once++;
            note(r, SAGA_RULE_ONCE, "cancelled order o%d was refunded %d time(s), %lld.%02lld of %lld.%02lld charged", i, o->refunds,
                 (long long)(o->refunded / 100), (long long)(o->refunded % 100), (long long)(o->charged / 100),
                 (long long)(o->charged % 100));
        }
    } else if (o->refunds) {
        r->not_refunded_once++;
        note(r, SAGA_RULE_ONCE, "order o%d was refunded %d time(s) but never cancelled", i, o->refunds);
    }
    if (o->refunded > o->charged)
        r->excess_refunded += o->refunded - o->charged;
}

long saga_check(const struct saga_event *ev, size_t n, int norders, struct saga_report *r)
{
    memset(r, 0, sizeof(*r));
    if (norders < 0)
        return -1;
    struct order_state *o = xcalloc((size_t)norders + 1, sizeof(*o));
    for (size_t i = 0; i < n; i++) {
        const struct saga_event *e = &ev[i];
        if (e->order < 0 || e->order >= norders) {
            free(o);
            memset(r, 0, sizeof(*r));
            return -1;
        }
        struct order_state *s = &o[e->order];
        switch (e->op) {
        case SAGA_PLACED:
            s->placed = true;
            s->amount = e->amount;
            break;
        case SAGA_CHARGED:
            s->charges++;
            s->charged += e->amount;
            r->charges++;
            r->charged_total += e->amount;
            if (s->charges == 2 || (s->charges == 1 && e->amount != s->amount)) {
                r->bad_charges++;
                note(r, SAGA_RULE_CHARGE, "at %.3fms order o%d was charged %s (%d charge(s), %lld cents in all, order of %lld)",
                     (double)e->at / 1e6, e->order, s->charges > 1 ? "again" : "a wrong amount", s->charges,
                     (long long)s->charged, (long long)s->amount);
            }
            break;
        case SAGA_REFUNDED:
            s->refunds++;
            s->refunded += e->amount;
            r->refunds++;
            r->refunded_total += e->amount;
            if (s->refunded > s->charged && !s->over) {
                s->over = true;
                r->over_refunds++;
                note(r, SAGA_RULE_WITHIN, "at %.3fms order o%d's refunds reached %lld.%02lld, above the %lld.%02lld charged",
                     (double)e->at / 1e6, e->order, (long long)(s->refunded / 100), (long long)(s->refunded % 100),
                     (long long)(s->charged / 100), (long long)(s->charged % 100));
            }
            break;
        case SAGA_CANCELLED:
            s->cancelled = true;
            break;
        case SAGA_FINISHED:
            s->finished = true;
            break;
        }
    }
    for (int i = 0; i < norders; i++) {
        r->orders += o[i].placed;
        end_state(r, &o[i], i);
    }
    free(o);
    return (long)(r->over_refunds + r->bad_charges + r->not_refunded_once + r->unfinished);
}
