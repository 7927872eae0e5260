/* Fencing-token checker: one pass over the grants, one over the writes with the highest applied token so far. */
#include "check/fencing.h"

#include <stdio.h>
#include <string.h>

static void note(struct fence_report *r, const char *what)
{
    if (!r->first[0])
        snprintf(r->first, sizeof(r->first), "%s", what);
}

static bool granted(const struct fence_grant *g, size_t n, int client, uint64_t token)
{
    for (size_t i = 0; i < n; i++)
        if (g[i].client == client && g[i].token == token)
            return true;
    return false;
}

size_t fencing_check(const struct fence_grant *grants, size_t ngrants, const struct fence_write *writes,
                     size_t nwrites, struct fence_report *r)
{
    memset(r, 0, sizeof(*r));
    char what[200];
    uint64_t top = 0;
    for (size_t i = 0; i < ngrants; i++) {
        if (i > 0 && grants[i].token <= top) {
            r->grant_violations++;
            snprintf(what, sizeof(what), "at %.3fms token %llu granted to c%d is not above token %llu granted earlier",
                     (double)grants[i].at / 1e6, (unsigned long long)grants[i].token, grants[i].client,
                     (unsigned long long)top);
            note(r, what);
        }
        if (grants[i].token > top)
            top = grants[i].token;
    }
    uint64_t high = 0;
    int high_client = -1;
    for (size_t i = 0; i < nwrites; i++) {
        const struct fence_write *w = &writes[i];
        if (!w->applied) {
            r->rejected++;
            continue;
        }
        r->applied++;
        if (high_client >= 0 && w->token < high) {
            r->stale_applied++;
            snprintf(what, sizeof(what),
                     "at %.3fms c%d's write of step %lld with token %llu was applied after token %llu (c%d) had been "
                     "applied",
                     (double)w->at / 1e6, w->client, (long long)w->step, (unsigned long long)w->token,
                     (unsigned long long)high, high_client);
            note(r, what);
        }
        if (!granted(grants, ngrants, w->client, w->token)) {
            r->unknown_tokens++;
            snprintf(what, sizeof(what), "at %.3fms c%d's write with token %llu was applied, but that token was never "
                     "granted to c%d", (double)w->at / 1e6, w->client, (unsigned long long)w->token, w->client);
            note(r, what);
        }
        if (high_client < 0 || w->token > high) {
            high = w->token;
            high_client = w->client;
        }
    }
    r->max_token = high;
    return r->grant_violations + r->stale_applied + r->unknown_tokens;
}
