/* The retry-storm simulator shared by kata `retry` and replay `aws-2021`: Poisson requests from a fleet of
 * callers, each call with a timeout and retried by a policy (Brooker, "Exponential Backoff And Jitter"),
 * against a downstream serving `capacity` calls per second from a bounded FIFO queue. Two triggers: a blip
 * (the downstream stops answering) and a surge (extra requests arrive for a while). Every call reaching the
 * downstream and every request is recorded and judged by src/check/load.h. */
#ifndef DKATA_RETRY_H
#define DKATA_RETRY_H
#include <stdint.h>

#include "check/load.h"
#include "core/dist.h"

struct kata_ctx;
struct trace;

enum retry_policy { RETRY_FIXED, RETRY_EXPO, RETRY_FULL, RETRY_EQUAL, RETRY_DECORR, RETRY_NPOLICIES };
extern const char *const retry_policy_names[]; /* NULL-terminated, in enum order */

struct retry_params {
    int policy, attempts;
    int64_t fixed, base, cap, timeout, blip_at, blip, duration, queue, bound;
    double rate, capacity, budget; /* rate: requests per second (all callers); capacity: calls per second */
    long callers;
    struct dist latency;
    /* the surge: surge_rate more requests per second from surge_at for surge (0: none) */
    double surge_rate;
    int64_t surge_at, surge;
};

struct retry_result {
    struct load_report rep; /* owned: load_report_close */
    int violations;         /* rules load_check found broken */
};

/* The bucket of the recorded load (calls per bucket, judged per bucket). */
#define RETRY_BUCKET_NS (100 * 1000 * 1000LL)

/* Runs p on a simulator seeded from ctx->seed (ctx's bugs apply: no-budget-debit, attempts-reset); trace may
 * be NULL. The recovery rule is judged from the end of the later trigger (blip or surge). */
void retry_simulate(const struct retry_params *p, const struct kata_ctx *ctx, struct trace *trace,
                    struct retry_result *out);

#endif
