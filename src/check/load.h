/* Retry storms, judged from a recorded history of calls reaching a downstream service and of the logical
 * requests behind them (Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015; the SRE book's
 * "Handling Overload": retry budgets). Figures: offered load per bucket against capacity, peak/capacity, calls
 * per request (amplification), success rate, client latency quantiles, and the time from the end of a blip until
 * the offered load is back under capacity for good. Rules:
 *   attempts: no logical request makes more than max_attempts calls;
 *   budget:   at every call, retries so far <= ratio * first attempts so far + burst (when a budget is set);
 *   recovery: the offered load (mean over a window of buckets) is back under capacity within `bound` of the
 *             blip's end, and stays there. */
#ifndef DKATA_LOAD_H
#define DKATA_LOAD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A call reached the downstream at time at: attempt 1 is the request's first call, 2.. its retries. */
struct load_call {
    int64_t at;
    uint32_t request;
    uint16_t attempt;
};

/* A logical request: started at start, finished at end (-1 if still open when the run ended), ok or failed. */
struct load_request {
    int64_t start, end;
    bool ok;
};

struct load_spec {
    int64_t bucket_ns;    /* e.g. 100 ms */
    double capacity;      /* calls per bucket the downstream can serve */
    int64_t blip_end;     /* ns */
    int64_t end;          /* the end of the run, ns */
    int64_t bound_ns;     /* recovery bound */
    int window;           /* recovery judges the mean load over this many consecutive buckets (1: each bucket) */
    int max_attempts;
    double budget_ratio;  /* 0: no budget rule */
    double budget_burst;
};

struct load_report {
    uint32_t *per_bucket; /* calls reaching the downstream per bucket; owned, nbuckets */
    uint32_t *ok_per_bucket; /* requests that finished ok per bucket (goodput); owned, nbuckets */
    size_t nbuckets;
    uint32_t peak;
    double peak_over_capacity, amplification, success_rate;
    uint64_t calls, requests, retries;
    int64_t recovery_ns;  /* from the blip's end to the last over-capacity bucket's end; -1 never recovered */
    double p50_ms, p99_ms; /* latency of finished requests */
    size_t over_attempts, budget_breaches;
    bool recovered;
    char first[200];      /* the first violation in words, or "" */
};

/* Judges the calls (in time order) and requests; fills r (free with load_report_close). Returns the number of
 * broken rules (0..3), or -1 on a bad spec (bucket or end not positive) or a call naming an unknown request. */
int load_check(const struct load_call *calls, size_t ncalls, const struct load_request *reqs, size_t nreqs,
               const struct load_spec *spec, struct load_report *r);
void load_report_close(struct load_report *r);

/* Optimistic concurrency on one resource: a compare-and-set by client that succeeded and moved the resource
 * from version to version + 1. */
struct occ_commit {
    int64_t at;
    int client;
    uint64_t version;
};

/* Judges commits (in order) of nclients clients that each had to write once, starting from version 0. Safety:
 * every commit moved the version by exactly one (no lost update) and no client committed twice; returns the number
 * of those rules broken (0..2), the first in words in why (may be NULL). Liveness is reported, not judged:
 * *missing is the number of clients that never committed. */
int load_occ_check(const struct occ_commit *c, size_t n, int nclients, int *missing, char *why, size_t whylen);

#endif
