/* Raft's safety checker: election safety, log matching, leader completeness, state machine safety, no committed
 * entry lost. */
#include "check/logsafety.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void logsafety_init(struct logsafety *ls)
{
    memset(ls, 0, sizeof(*ls));
}

void logsafety_close(struct logsafety *ls)
{
    for (size_t i = 0; i < ls->nindex; i++)
        free(ls->seen[i]);
    free(ls->seen);
    free(ls->nseen);
    free(ls->leader_of_term);
    free(ls->committed);
    free(ls->committed_term);
    free(ls->applied);
    memset(ls, 0, sizeof(*ls));
}

static bool violation(struct logsafety *ls, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool violation(struct logsafety *ls, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ls->last, sizeof(ls->last), fmt, ap);
    va_end(ap);
    if (!ls->violations++)
        memcpy(ls->first, ls->last, sizeof(ls->first));
    return false;
}

bool logsafety_leader(struct logsafety *ls, int node, int64_t term, const uint64_t *hash, size_t len)
{
    if ((size_t)term >= ls->nterms) {
        size_t n = ls->nterms;
        size_t cap = n;
        XGROW(ls->leader_of_term, cap, (size_t)term + 1);
        for (size_t t = n; t < cap; t++)
            ls->leader_of_term[t] = -1;
        ls->nterms = cap;
    }
    int *who = &ls->leader_of_term[term];
    if (*who >= 0 && *who != node)
        return violation(ls, "election safety: two leaders in term %lld, n%d and n%d", (long long)term, *who, node);
    *who = node;
    /* Figure 3 speaks of entries committed in lower terms: a leader of an old term (a candidate that was paused
     * with its votes) may lack what a newer term committed since. The prefix hash at the last such entry covers
     * all before it. */
    size_t c = ls->ncommitted;
    while (c && ls->committed_term[c - 1] >= term)
        c--;
    if (c && (len < c || hash[c - 1] != ls->committed[c - 1]))
        return violation(ls,
                         "leader completeness: n%d leads term %lld without the entries committed before it, up to "
                         "index %zu (its log has %zu)",
                         node, (long long)term, c, len);
    return true;
}

bool logsafety_stored(struct logsafety *ls, int node, int64_t index, int64_t term, uint64_t hash)
{
    size_t i = (size_t)index - 1;
    if (i >= ls->nindex) {
        size_t cap_s = ls->nindex, cap_n = ls->nindex;
        XGROW(ls->seen, cap_s, i + 1);
        XGROW(ls->nseen, cap_n, i + 1);
        for (size_t k = ls->nindex; k < cap_s; k++) {
            ls->seen[k] = NULL;
            ls->nseen[k] = 0;
        }
        ls->nindex = cap_s;
    }
    for (size_t k = 0; k < ls->nseen[i]; k++)
        if (ls->seen[i][k].term == term) {
            if (ls->seen[i][k].hash != hash)
                return violation(ls,
                                 "log matching: n%d holds an entry of term %lld at index %lld whose earlier entries "
                                 "differ from another log's",
                                 node, (long long)term, (long long)index);
            return true;
        }
    ls->seen[i] = xrealloc(ls->seen[i], (ls->nseen[i] + 1) * sizeof(**ls->seen));
    ls->seen[i][ls->nseen[i]++] = (struct logsafety_slot){term, hash};
    return true;
}

bool logsafety_committed(struct logsafety *ls, int node, int64_t term, const uint64_t *hash, int64_t index)
{
    size_t n = (size_t)index, c = ls->ncommitted;
    size_t k = n < c ? n : c;
    if (k && hash[k - 1] != ls->committed[k - 1])
        return violation(ls, "committed entry lost: n%d commits index %zu with entries that differ from those "
                             "committed before",
                         node, k);
    if (n > c) {
        XGROW(ls->committed, ls->committed_cap, n);
        XGROW(ls->committed_term, ls->committed_term_cap, n);
        memcpy(ls->committed + c, hash + c, (n - c) * sizeof(*hash));
        for (size_t i = c; i < n; i++)
            ls->committed_term[i] = term;
        ls->ncommitted = n;
    }
    return true;
}

bool logsafety_applied(struct logsafety *ls, int node, int64_t index, uint64_t hash)
{
    size_t i = (size_t)index - 1;
    if (i < ls->napplied) {
        if (ls->applied[i] != hash)
            return violation(ls, "state machine safety: n%d applies a different entry at index %lld", node,
                             (long long)index);
        return true;
    }
    if (i != ls->napplied) /* every server applies in order, so the first applier of i has applied i-1 */
        return violation(ls, "state machine safety: n%d applies index %lld before anyone applied %zu", node,
                         (long long)index, ls->napplied + 1);
    XGROW(ls->applied, ls->applied_cap, i + 1);
    ls->applied[i] = hash;
    ls->napplied = i + 1;
    return true;
}

bool logsafety_truncating(struct logsafety *ls, int node, const uint64_t *hash, size_t len, int64_t from)
{
    size_t f = (size_t)from, c = ls->ncommitted;
    if (f > c || f > len)
        return true;
    /* entries from..min(len,c) go; if the first of them is the committed one, a committed entry is lost */
    if (hash[f - 1] == ls->committed[f - 1])
        return violation(ls, "committed entry lost: n%d removes its entries from index %lld, committed up to %zu",
                         node, (long long)from, c);
    return true;
}
