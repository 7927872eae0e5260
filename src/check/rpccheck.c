/* RPC outcome checker: one pass over the server's records per call (calls are few per run; applies are indexed by
 * a sort on call id). */
#include "check/rpccheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

const char *const rpc_outcome_name[RPC_NOUTCOMES] = {
    "ok_once", "ok_applied_twice", "ok_never_applied", "timeout_never_applied", "timeout_reply_lost",
    "timeout_crash_before_reply", "timeout_reply_late", "timeout_applied_twice"};

const char *const rpc_outcome_text[RPC_NOUTCOMES] = {
    "reply; applied once",
    "reply; applied two or more times",
    "reply; NEVER applied (the server lied)",
    "timeout; never applied (request lost, server down, or crashed first)",
    "timeout; applied, the reply was lost",
    "timeout; applied, the server crashed before replying",
    "timeout; applied, the reply came after the caller gave up",
    "timeout; applied two or more times",
};

static int by_call(const void *a, const void *b)
{
    const struct rpc_apply *x = a, *y = b;
    if (x->call != y->call)
        return x->call < y->call ? -1 : 1;
    return (x->at > y->at) - (x->at < y->at);
}

static const struct rpc_call *find_call(const struct rpc_call *calls, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (calls[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && calls[lo].id == id ? &calls[lo] : NULL;
}

static void note(struct rpc_report *r, const char *fmt, long long a, long long b)
{
    if (!r->first[0])
        snprintf(r->first, sizeof(r->first), fmt, a, b);
}

size_t rpccheck_judge(const struct rpc_call *calls, size_t ncalls, const struct rpc_apply *applies, size_t napplies,
                      const struct rpc_reply *replies, size_t nreplies, bool at_most_once, struct rpc_report *r)
{
    memset(r, 0, sizeof(*r));
    r->outcome = xcalloc(ncalls ? ncalls : 1, sizeof(*r->outcome));
    struct rpc_apply *ap = xmalloc((napplies ? napplies : 1) * sizeof(*ap));
    if (napplies)
        memcpy(ap, applies, napplies * sizeof(*ap));
    qsort(ap, napplies, sizeof(*ap), by_call);
    size_t *sent = xcalloc(ncalls ? ncalls : 1, sizeof(*sent));
    for (size_t i = 0; i < nreplies; i++) {
        const struct rpc_call *c = find_call(calls, ncalls, replies[i].call);
        if (c)
            sent[c - calls]++;
    }
    size_t violations = 0, j = 0;
    for (size_t k = 0; k < napplies; k++)
        if (!find_call(calls, ncalls, ap[k].call)) {
            r->phantoms++;
            violations++;
            note(r, "call %lld applied at %lldns but never made", (long long)ap[k].call, (long long)ap[k].at);
        }
    for (size_t i = 0; i < ncalls; i++) {
        const struct rpc_call *c = &calls[i];
        while (j < napplies && ap[j].call < c->id)
            j++;
        size_t n = 0;
        int64_t first_at = -1;
        for (; j < napplies && ap[j].call == c->id; j++, n++)
            if (first_at < 0)
                first_at = ap[j].at;
        enum rpc_outcome o;
        if (c->ok)
            o = n == 0 ? RPC_OK_UNAPPLIED : n == 1 ? RPC_OK_ONCE : RPC_OK_DUP;
        else if (n == 0)
            o = RPC_TO_UNAPPLIED;
        else if (n > 1)
            o = RPC_TO_DUP;
        else if (c->late_replies)
            o = RPC_TO_REPLY_LATE;
        else if (sent[i])
            o = RPC_TO_REPLY_LOST;
        else
            o = RPC_TO_CRASH_BEFORE_REPLY;
        r->outcome[i] = o;
        r->count[o]++;
        if (c->ok && (n == 0 || first_at > c->done_at)) {
            r->applied_without_reply_order++;
            violations++;
            note(r, "call %lld: the caller saw a reply at %lldns but the call was not applied by then",
                 (long long)c->id, (long long)c->done_at);
        }
        if (n > 1) {
            r->duplicates++;
            if (at_most_once) {
                violations++;
                note(r, "call %lld applied %lld times despite its idempotency key", (long long)c->id, (long long)n);
            }
        }
    }
    free(ap);
    free(sent);
    return violations;
}

void rpccheck_close(struct rpc_report *r)
{
    free(r->outcome);
    r->outcome = NULL;
}
