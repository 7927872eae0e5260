/* Fan-in checker: per request, the first reply of each shard (an array indexed by request * fanout_max + shard)
 * and the servers asked so far. */
#include "check/fanin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double rank(const double *v, size_t n, double q)
{
    if (!n)
        return 0;
    size_t k = (size_t)((double)n * q + 0.999999);
    return v[k ? k - 1 : 0];
}

#define NOTE(r, ...)                                                                                                   \
    do {                                                                                                               \
        if (!(r)->first[0])                                                                                            \
            snprintf((r)->first, sizeof((r)->first), __VA_ARGS__);                                                    \
    } while (0)

size_t fanin_judge(const struct fan_req *reqs, size_t nreqs, const struct fan_sub *subs, size_t nsubs,
                   const struct fan_reply *replies, size_t nreplies, int64_t hedge_after_ns, struct fan_report *r)
{
    memset(r, 0, sizeof(*r));
    int width = 1;
    for (size_t i = 0; i < nreqs; i++)
        if (reqs[i].fanout > width)
            width = reqs[i].fanout;
    size_t cells = nreqs * (size_t)width;
    int64_t *first = xmalloc((cells ? cells : 1) * sizeof(*first));
    for (size_t i = 0; i < cells; i++)
        first[i] = -1;
    /* Merge subs and replies in time order; at equal times a reply counts first (it was already there). */
    int *asked = xcalloc(cells ? cells : 1, sizeof(int) * 2); /* up to two servers asked per shard */
    size_t i = 0, j = 0;
    while (i < nsubs || j < nreplies) {
        bool take_reply = j < nreplies && (i == nsubs || replies[j].at <= subs[i].sent);
        if (take_reply) {
            const struct fan_reply *p = &replies[j++];
            size_t c = (size_t)p->req * (size_t)width + (size_t)p->shard;
            if (first[c] < 0)
                first[c] = p->at;
            continue;
        }
        const struct fan_sub *s = &subs[i++];
        size_t c = (size_t)s->req * (size_t)width + (size_t)s->shard;
        if (s->hedge) {
            r->hedges++;
            if (hedge_after_ns < 0 || s->sent < reqs[s->req].start + hedge_after_ns) {
                r->hedge_early++;
                NOTE(r, "request %lld shard %d hedged at %lldns, before the hedge delay", (long long)s->req, s->shard,
                     (long long)(s->sent - reqs[s->req].start));
            }
            if (first[c] >= 0) {
                r->hedge_needless++;
                NOTE(r, "request %lld shard %d hedged after it had answered", (long long)s->req, s->shard);
            }
            if (asked[2 * c] == s->server + 1 || asked[2 * c + 1] == s->server + 1) {
                r->hedge_same_server++;
                NOTE(r, "request %lld shard %d hedged to server %d, already asked", (long long)s->req, s->shard,
                     s->server);
            }
        }
        if (!asked[2 * c])
            asked[2 * c] = s->server + 1;
        else
            asked[2 * c + 1] = s->server + 1;
    }
    double *lat = xmalloc((nreqs ? nreqs : 1) * sizeof(*lat));
    size_t nlat = 0;
    for (size_t q = 0; q < nreqs; q++) {
        int64_t last = 0;
        bool all = true;
        for (int sh = 0; sh < reqs[q].fanout; sh++) {
            int64_t f = first[q * (size_t)width + (size_t)sh];
            all &= f >= 0;
            if (f > last)
                last = f;
        }
        if (reqs[q].done < 0) {
            if (all) {
                r->incomplete++;
                NOTE(r, "request %lld: every shard answered by %lldns but it never completed", (long long)q,
                     (long long)last);
            }
            continue;
        }
        if (!all || reqs[q].done < last) {
            r->early++;
            NOTE(r, "request %lld completed at %lldns before all of its %d shards had answered", (long long)q,
                 (long long)reqs[q].done, reqs[q].fanout);
        } else if (reqs[q].done > last) {
            r->late++;
            NOTE(r, "request %lld completed at %lldns, %lldns after its last shard answered", (long long)q,
                 (long long)reqs[q].done, (long long)(reqs[q].done - last));
        }
        lat[nlat++] = (double)(reqs[q].done - reqs[q].start);
    }
    qsort(lat, nlat, sizeof(*lat), cmp_double);
    r->p50_ns = rank(lat, nlat, 0.5);
    r->p99_ns = rank(lat, nlat, 0.99);
    r->p999_ns = rank(lat, nlat, 0.999);
    r->max_ns = nlat ? lat[nlat - 1] : 0;
    free(lat);
    free(first);
    free(asked);
    return r->early + r->late + r->incomplete + r->hedge_early + r->hedge_needless + r->hedge_same_server;
}
