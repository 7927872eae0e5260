/* Clock-condition checker: happens-before as bitsets, then both implications over every ordered pair. */
#include "check/clockcond.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

/* V(a) < V(b): componentwise <= and not equal. */
static bool vc_less(const uint32_t *a, const uint32_t *b, int n)
{
    bool strict = false;
    for (int i = 0; i < n; i++) {
        if (a[i] > b[i])
            return false;
        strict |= a[i] < b[i];
    }
    return strict;
}

static void add_violation(struct cc_report *r, size_t *cap, size_t a, size_t b, const char *what)
{
    XGROW(r->violations, *cap, r->nviolations + 1);
    struct cc_violation *v = &r->violations[r->nviolations++];
    v->a = a;
    v->b = b;
    snprintf(v->what, sizeof(v->what), "%s", what);
}

int clockcond_check(const struct cc_event *ev, size_t n, int nprocs, struct cc_report *r)
{
    memset(r, 0, sizeof(*r));
    size_t words = (n + 63) / 64;
    /* before[b] = set of a with a -> b */
    size_t cells = n * words + 1;
    uint64_t *before = xcalloc(cells, sizeof(uint64_t));
    size_t *last = xmalloc(sizeof(size_t) * (size_t)(nprocs ? nprocs : 1));
    for (int p = 0; p < nprocs; p++)
        last[p] = (size_t)-1;
    int rc = 0;
    for (size_t b = 0; b < n && !rc; b++) {
        uint64_t *row = &before[b * words];
        size_t prev = last[ev[b].proc];
        if (prev != (size_t)-1) { /* program order */
            memcpy(row, &before[prev * words], words * sizeof(uint64_t));
            row[prev / 64] |= 1ULL << (prev % 64);
        }
        if (ev[b].kind == CC_RECV) { /* send -> receive */
            size_t s = (size_t)-1;
            for (size_t a = 0; a < b; a++)
                if (ev[a].kind == CC_SEND && ev[a].msg == ev[b].msg)
                    s = a;
            if (s == (size_t)-1) {
                rc = ERR_INVAL;
                break;
            }
            for (size_t w = 0; w < words; w++)
                row[w] |= before[s * words + w];
            row[s / 64] |= 1ULL << (s % 64);
        }
        last[ev[b].proc] = b;
    }
    size_t vcap = 0, ccap = 0;
    for (size_t a = 0; a < n && !rc; a++) {
        for (size_t b = 0; b < n; b++) {
            if (a == b)
                continue;
            bool hb = (before[b * words + a / 64] >> (a % 64)) & 1;
            if (hb) {
                r->hb_pairs++;
                if (!(ev[a].lamport < ev[b].lamport))
                    add_violation(r, &vcap, a, b, "a -> b but not L(a) < L(b)");
                if (!vc_less(ev[a].vc, ev[b].vc, nprocs))
                    add_violation(r, &vcap, a, b, "a -> b but not V(a) < V(b)");
            } else if (vc_less(ev[a].vc, ev[b].vc, nprocs)) {
                add_violation(r, &vcap, a, b, "V(a) < V(b) but not a -> b");
            }
            bool hb_ba = (before[a * words + b / 64] >> (b % 64)) & 1;
            if (a < b && !hb && !hb_ba) {
                XGROW(r->concurrent, ccap, 2 * r->concurrent_pairs + 2);
                r->concurrent[2 * r->concurrent_pairs] = a;
                r->concurrent[2 * r->concurrent_pairs + 1] = b;
                r->concurrent_pairs++;
            }
        }
    }
    free(before);
    free(last);
    return rc ? rc : (int)r->nviolations;
}

void cc_report_close(struct cc_report *r)
{
    free(r->concurrent);
    free(r->violations);
    memset(r, 0, sizeof(*r));
}
