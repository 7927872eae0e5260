/* Lost acknowledged writes and the fencing proof (see lostwrites.h). */
#include "check/lostwrites.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static bool contains(const uint64_t *sorted, size_t n, uint64_t id)
{
    return bsearch(&id, sorted, n, sizeof(*sorted), cmp_u64) != NULL;
}

int lostwrites_check(const struct lw_write *writes, size_t nw, const uint64_t *log, size_t nlog,
                     struct lw_report *r)
{
    memset(r, 0, sizeof(*r));
    uint64_t *sent = xmalloc((nw ? nw : 1) * sizeof(*sent));
    for (size_t i = 0; i < nw; i++)
        sent[i] = writes[i].id;
    qsort(sent, nw, sizeof(*sent), cmp_u64);
    for (size_t i = 1; i < nw; i++)
        if (sent[i] == sent[i - 1]) {
            free(sent);
            return ERR_INVAL;
        }
    uint64_t *have = xmalloc((nlog ? nlog : 1) * sizeof(*have));
    if (nlog)
        memcpy(have, log, nlog * sizeof(*have));
    qsort(have, nlog, sizeof(*have), cmp_u64);
    for (size_t i = 0; i < nlog; i++) {
        if (i > 0 && have[i] == have[i - 1])
            r->duplicate++;
        else if (!contains(sent, nw, have[i]))
            r->phantom++;
    }
    size_t cap = 0;
    for (size_t i = 0; i < nw; i++) {
        if (writes[i].acked_at < 0)
            continue;
        r->acked++;
        if (!contains(have, nlog, writes[i].id)) {
            XGROW(r->lost, cap, r->nlost + 1);
            r->lost[r->nlost++] = i;
        }
    }
    free(sent);
    free(have);
    return (int)(r->nlost + r->phantom + r->duplicate);
}

void lw_report_close(struct lw_report *r)
{
    free(r->lost);
    memset(r, 0, sizeof(*r));
}

size_t lostwrites_fencing(const struct lw_accept *acc, size_t na, const struct lw_term *terms, size_t nt,
                          struct lw_fence_report *r)
{
    memset(r, 0, sizeof(*r));
    for (size_t i = 0; i < na; i++) {
        /* the earliest start among the terms later than this accept's (terms are few: a plain scan) */
        int64_t start = INT64_MAX, by = 0;
        for (size_t k = 0; k < nt; k++)
            if (terms[k].term > acc[i].term && terms[k].started_at < start) {
                start = terms[k].started_at;
                by = terms[k].term;
            }
        if (start == INT64_MAX || acc[i].at < start)
            continue;
        if (r->violations == 0 || acc[i].at < acc[r->first].at) {
            r->first = i;
            r->first_superseded_by = by;
            r->first_started_at = start;
        }
        r->violations++;
    }
    return r->violations;
}
