/* The split-brain checker: leaders overlapping in time, and a resource accepting a deposed leader's write. */
#include "check/writers.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void writers_init(struct writers *w)
{
    memset(w, 0, sizeof(*w));
    w->max_token = -1;
    w->max_node = -1;
}

void writers_close(struct writers *w)
{
    free(w->el);
    w->el = NULL;
}

static bool violation(struct writers *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool violation(struct writers *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->last, sizeof(w->last), fmt, ap);
    va_end(ap);
    if (!w->violations++)
        memcpy(w->first, w->last, sizeof(w->first));
    return false;
}

void writers_elected(struct writers *w, int node, int64_t term, int64_t at_ns)
{
    XGROW(w->el, w->cap, w->nel + 1);
    w->el[w->nel++] = (struct writers_election){node, term, at_ns};
}

bool writers_act(struct writers *w, int node, int64_t term, int64_t at_ns)
{
    w->acts++;
    for (size_t i = 0; i < w->nel; i++) {
        const struct writers_election *e = &w->el[i];
        if (e->node != node && e->term >= term && e->at <= at_ns) {
            w->overlap++;
            return violation(w,
                             "two leaders at once: n%d writes in term %lld at %.3fms, but n%d was elected in term "
                             "%lld at %.3fms",
                             node, (long long)term, (double)at_ns / 1e6, e->node, (long long)e->term,
                             (double)e->at / 1e6);
        }
    }
    return true;
}

bool writers_accepted(struct writers *w, int node, int64_t token, int64_t at_ns)
{
    w->accepted++;
    if (w->max_token >= 0 && token < w->max_token) {
        w->regress++;
        return violation(w, "the resource accepted n%d's write with token %lld at %.3fms after n%d's token %lld",
                         node, (long long)token, (double)at_ns / 1e6, w->max_node, (long long)w->max_token);
    }
    if (token == w->max_token && node != w->max_node) {
        w->regress++;
        return violation(w, "the resource accepted token %lld from two nodes, n%d and n%d (at %.3fms)",
                         (long long)token, w->max_node, node, (double)at_ns / 1e6);
    }
    w->max_token = token;
    w->max_node = node;
    return true;
}
