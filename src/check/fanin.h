/* Fan-out/fan-in checker: from the client's records (each request's start and declared completion, each
 * sub-request and hedge it sent, each reply it received) judges that a request completed exactly when the last
 * of its shards first answered (never before, never needlessly after), and that hedges followed the rule: only
 * after the hedge delay, only for a shard still silent, only to a replica not yet asked. It also computes the
 * latency quantiles from the same records. */
#ifndef DKATA_FANIN_H
#define DKATA_FANIN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fan_req {
    int64_t start, done; /* done < 0: never completed */
    int fanout;
};

/* Sub-requests and replies name their request by index into the request array. */
struct fan_sub {
    int64_t req, sent;
    int shard, server;
    bool hedge;
};

struct fan_reply {
    int64_t req, at;
    int shard, server;
};

struct fan_report {
    size_t early, late, incomplete;              /* completion against the shards' first replies */
    size_t hedges, hedge_early, hedge_needless, hedge_same_server;
    double p50_ns, p99_ns, p999_ns, max_ns;
    char first[200]; /* one line about the first violation */
};

/* hedge_after_ns < 0: hedging off (any hedge is then early). Subs and replies in time order. Returns the number of
 * violations. */
size_t fanin_judge(const struct fan_req *reqs, size_t nreqs, const struct fan_sub *subs, size_t nsubs,
                   const struct fan_reply *replies, size_t nreplies, int64_t hedge_after_ns, struct fan_report *r);

#endif
