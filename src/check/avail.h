/* Availability judged from a recorded history of requests and of a service's capacity.
 *   outage:   a maximal run of failed requests (in invocation order) with no successful request between them; it
 *             lasts from the first failure's invocation to the invocation of the next successful request, or to
 *             the end of the history when none follows. Unavailable time is the sum of the outages.
 *   capacity: every subsystem keeps at least its minimum number of hosts in service at every recorded change. */
#ifndef DKATA_AVAIL_H
#define DKATA_AVAIL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One request, invoked at invoked_at, of some kind (e.g. GET, PUT); ok is false for an error or no answer. */
struct avail_req {
    int64_t invoked_at;
    int kind;
    bool ok;
};

struct avail_report {
    size_t total, failed, outages;
    int64_t unavailable_ns, longest_ns, longest_from; /* longest_from: -1 when there was no outage */
};

/* Judges the requests of kind (-1: every kind), which must be in invocation order; end closes an outage still
 * open when the history ends. */
void avail_judge(const struct avail_req *r, size_t n, int kind, int64_t end, struct avail_report *out);

/* A subsystem's hosts in service became `active` at `at`. */
struct avail_cap {
    int64_t at;
    int sub;
    int active;
};

/* The first change at which subsystem sub (minimum min) was below its minimum: its index in caps, or -1. The
 * lowest count it reached is stored in *lowest (its starting count if it never changed). */
long avail_below_min(const struct avail_cap *caps, size_t n, int sub, int min, int start, int *lowest);

#endif
