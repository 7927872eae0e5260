/* Availability from a recorded request history; capacity minimums from a recorded capacity history. */
#include "check/avail.h"

#include <assert.h>
#include <string.h>

void avail_judge(const struct avail_req *r, size_t n, int kind, int64_t end, struct avail_report *out)
{
    memset(out, 0, sizeof(*out));
    out->longest_from = -1;
    int64_t open_from = -1, last = -1;
    for (size_t i = 0; i < n; i++) {
        assert(r[i].invoked_at >= last); /* in invocation order */
        last = r[i].invoked_at;
        if (kind >= 0 && r[i].kind != kind)
            continue;
        out->total++;
        if (!r[i].ok) {
            out->failed++;
            if (open_from < 0) {
                open_from = r[i].invoked_at;
                out->outages++;
            }
            continue;
        }
        if (open_from >= 0) {
            int64_t len = r[i].invoked_at - open_from;
            out->unavailable_ns += len;
            if (len > out->longest_ns) {
                out->longest_ns = len;
                out->longest_from = open_from;
            }
            open_from = -1;
        }
    }
    if (open_from >= 0) {
        int64_t len = (end > open_from ? end : open_from) - open_from;
        out->unavailable_ns += len;
        if (len >= out->longest_ns) {
            out->longest_ns = len;
            out->longest_from = open_from;
        }
    }
}

long avail_below_min(const struct avail_cap *caps, size_t n, int sub, int min, int start, int *lowest)
{
    long first = -1;
    *lowest = start;
    for (size_t i = 0; i < n; i++) {
        if (caps[i].sub != sub)
            continue;
        if (caps[i].active < *lowest)
            *lowest = caps[i].active;
        if (caps[i].active < min && first < 0)
            first = (long)i;
    }
    return first;
}
