/* Retry-storm checker: buckets, counts per request, a running budget, latency quantiles by sorting. */
#include "check/load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void latency(const struct load_request *reqs, size_t n, struct load_report *r)
{
    int64_t *lat = xmalloc((n + 1) * sizeof(*lat));
    size_t k = 0, ok = 0;
    for (size_t i = 0; i < n; i++) {
        if (reqs[i].end >= 0)
            lat[k++] = reqs[i].end - reqs[i].start;
        ok += reqs[i].ok;
    }
    qsort(lat, k, sizeof(*lat), cmp_i64);
    r->p50_ms = k ? (double)lat[(k - 1) / 2] / 1e6 : 0;
    r->p99_ms = k ? (double)lat[(size_t)((double)(k - 1) * 0.99)] / 1e6 : 0;
    r->success_rate = n ? (double)ok / (double)n : 1;
    free(lat);
}

int load_check(const struct load_call *calls, size_t ncalls, const struct load_request *reqs, size_t nreqs,
               const struct load_spec *spec, struct load_report *r)
{
    memset(r, 0, sizeof(*r));
    if (spec->bucket_ns <= 0 || spec->end <= 0)
        return -1;
    r->nbuckets = (size_t)((spec->end + spec->bucket_ns - 1) / spec->bucket_ns);
    r->per_bucket = xcalloc(r->nbuckets + 1, sizeof(*r->per_bucket));
    r->ok_per_bucket = xcalloc(r->nbuckets + 1, sizeof(*r->ok_per_bucket));
    for (size_t i = 0; i < nreqs; i++)
        if (reqs[i].ok && reqs[i].end >= 0 && (size_t)(reqs[i].end / spec->bucket_ns) < r->nbuckets)
            r->ok_per_bucket[reqs[i].end / spec->bucket_ns]++;
    uint16_t *made = xcalloc(nreqs + 1, sizeof(*made));
    uint64_t firsts = 0;
    for (size_t i = 0; i < ncalls; i++) {
        const struct load_call *c = &calls[i];
        if (c->request >= nreqs) {
            free(made);
            load_report_close(r);
            return -1;
        }
        size_t b = c->at < 0 ? 0 : (size_t)(c->at / spec->bucket_ns);
        if (b < r->nbuckets)
            r->per_bucket[b]++;
        if (c->attempt <= 1)
            firsts++;
        else
            r->retries++;
        if (++made[c->request] == spec->max_attempts + 1) {
            r->over_attempts++;
            if (!r->first[0])
                snprintf(r->first, sizeof(r->first), "request %u made more than %d calls", c->request,
                         spec->max_attempts);
        }
        if (spec->budget_ratio > 0 && c->attempt > 1 &&
            (double)r->retries > spec->budget_ratio * (double)firsts + spec->budget_burst + 1e-9) {
            if (!r->budget_breaches++ && !r->first[0])
                snprintf(r->first, sizeof(r->first),
                         "at %.3fms %llu retries exceed %.2f x %llu first calls + %.0f", (double)c->at / 1e6,
                         (unsigned long long)r->retries, spec->budget_ratio, (unsigned long long)firsts,
                         spec->budget_burst);
        }
    }
    free(made);
    r->calls = ncalls;
    r->requests = nreqs;
    r->amplification = nreqs ? (double)ncalls / (double)nreqs : 0;
    for (size_t b = 0; b < r->nbuckets; b++)
        if (r->per_bucket[b] > r->peak)
            r->peak = r->per_bucket[b];
    r->peak_over_capacity = spec->capacity > 0 ? r->peak / spec->capacity : 0;
    /* recovery: the end of the last over-capacity bucket from the blip's end on; in the run's last bucket it
     * means never */
    size_t from = (size_t)(spec->blip_end / spec->bucket_ns), last = 0;
    bool over = false;
    size_t win = spec->window > 1 ? (size_t)spec->window : 1;
    uint64_t sum = 0;
    for (size_t b = 0; b < r->nbuckets; b++) {
        sum += r->per_bucket[b];
        if (b >= win)
            sum -= r->per_bucket[b - win];
        if (b >= from && (double)sum / (double)(b + 1 < win ? b + 1 : win) > spec->capacity) {
            over = true;
            last = b;
        }
    }
    r->recovered = !over || last + 1 < r->nbuckets;
    int64_t back = over ? (int64_t)(last + 1) * spec->bucket_ns - spec->blip_end : 0;
    r->recovery_ns = !r->recovered ? -1 : back > 0 ? back : 0;
    bool in_bound = r->recovered && r->recovery_ns <= spec->bound_ns;
    if (!in_bound && !r->first[0])
        snprintf(r->first, sizeof(r->first), "offered load %s (bound %.1fs after the blip)",
                 r->recovered ? "back under capacity too late" : "never back under capacity",
                 (double)spec->bound_ns / 1e9);
    latency(reqs, nreqs, r);
    return (r->over_attempts > 0) + (r->budget_breaches > 0) + !in_bound;
}

void load_report_close(struct load_report *r)
{
    free(r->per_bucket);
    free(r->ok_per_bucket);
    r->per_bucket = r->ok_per_bucket = NULL;
}

int load_occ_check(const struct occ_commit *c, size_t n, int nclients, int *missing, char *why, size_t whylen)
{
    char first[160] = "";
    bool lost = false, twice = false;
    unsigned char *done = xcalloc((size_t)(nclients > 0 ? nclients : 1), 1);
    for (size_t i = 0; i < n; i++) {
        if (c[i].version != i && !lost) {
            lost = true;
            if (!first[0])
                snprintf(first, sizeof(first), "commit %zu by client %d moved version %llu, expected %zu", i,
                         c[i].client, (unsigned long long)c[i].version, i);
        }
        if (c[i].client < 0 || c[i].client >= nclients || done[c[i].client]++) {
            if (!twice && !first[0])
                snprintf(first, sizeof(first), "client %d committed twice (or is unknown)", c[i].client);
            twice = true;
        }
    }
    *missing = 0;
    for (int k = 0; k < nclients; k++)
        *missing += !done[k];
    free(done);
    if (why && whylen)
        snprintf(why, whylen, "%s", first);
    return lost + twice;
}
