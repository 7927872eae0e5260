/* Failure-detector checker: replays the detector's rule from recorded heartbeat arrivals (prefix sums over the
 * interval window, independent of the monitor's own ring buffer) and compares it with what the monitor did. */
#include "check/fdcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/mem.h"

double fdcheck_phi(double elapsed_ns, double mean_ns, double sd_ns)
{
    double y = (elapsed_ns - mean_ns) / sd_ns;
    double tail = 0.5 * erfc(y / sqrt(2.0)); /* 1 - F(elapsed) */
    if (tail <= 0)
        return INFINITY;
    return -log10(tail);
}

double fdcheck_phi_y(double threshold)
{
    /* phi is increasing in y: bisect for the smallest y with phi(y) >= threshold. */
    double lo = -40, hi = 40;
    for (int i = 0; i < 200 && hi - lo > 1e-12; i++) {
        double mid = (lo + hi) / 2;
        if (fdcheck_phi(mid, 0, 1) >= threshold)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

static double after_y(const struct fd_config *c, double y, double mean_ns, double sd_ns)
{
    if (c->kind == FD_FIXED)
        return (double)c->timeout_ns;
    double sd = sd_ns > (double)c->min_std_ns ? sd_ns : (double)c->min_std_ns;
    double after = mean_ns + (double)c->pause_ok_ns + y * sd;
    return after > 0 ? after : 0;
}

double fdcheck_after(const struct fd_config *c, double mean_ns, double sd_ns)
{
    return after_y(c, c->kind == FD_PHI ? fdcheck_phi_y(c->threshold) : 0, mean_ns, sd_ns);
}

size_t fdcheck_expected(const struct fd_config *c, const int64_t *arrivals, size_t n, int64_t end,
                        struct fd_span **out)
{
    *out = NULL;
    if (!n)
        return 0;
    /* samples: the two seeds, then one interval per arrival after the first; prefix sums in long double. */
    size_t ns = n + 1;
    long double *p = xcalloc(ns + 1, sizeof(*p)), *q = xcalloc(ns + 1, sizeof(*q));
    double fe = (double)c->first_estimate_ns;
    for (size_t k = 0; k < ns; k++) {
        long double x = k == 0 ? fe - fe / 4 : k == 1 ? fe + fe / 4 : (long double)(arrivals[k - 1] - arrivals[k - 2]);
        p[k + 1] = p[k] + x;
        q[k + 1] = q[k] + x * x;
    }
    struct fd_span *spans = NULL;
    size_t nspans = 0, cap = 0;
    double y = c->kind == FD_PHI ? fdcheck_phi_y(c->threshold) : 0;
    for (size_t i = 0; i < n; i++) {
        size_t hi = i + 2, lo = hi > (size_t)c->window ? hi - (size_t)c->window : 0, m = hi - lo;
        long double mean = (p[hi] - p[lo]) / m, var = (q[hi] - q[lo]) / m - mean * mean;
        double sd = var > 0 ? sqrt((double)var) : 0;
        int64_t due = arrivals[i] + (int64_t)ceil(after_y(c, y, (double)mean, sd));
        int64_t next = i + 1 < n ? arrivals[i + 1] : end;
        if (due < next || (i + 1 == n && due <= end)) {
            XGROW(spans, cap, nspans + 1);
            spans[nspans++] = (struct fd_span){due, i + 1 < n ? next : -1};
        }
    }
    free(p);
    free(q);
    *out = spans;
    return nspans;
}

static bool is_short(const struct fd_span *s, int64_t tol)
{
    return s->end >= 0 && s->end - s->start <= tol;
}

static bool same(const struct fd_span *a, const struct fd_span *b, int64_t tol)
{
    if (llabs(a->start - b->start) > tol)
        return false;
    if (a->end < 0 || b->end < 0)
        return a->end < 0 && b->end < 0;
    return llabs(a->end - b->end) <= tol;
}

void fdcheck_score(const struct fd_span *spans, size_t nspans, const struct fd_span *down, size_t ndown,
                   int64_t end, struct fd_verdict *v)
{
    v->false_suspicions = 0;
    v->crashes = ndown;
    v->undetected = 0;
    v->detection_ns = -1;
    v->up_ns = end;
    for (size_t d = 0; d < ndown; d++)
        v->up_ns -= (down[d].end < 0 ? end : down[d].end) - down[d].start;
    for (size_t i = 0; i < nspans; i++) {
        bool during_down = false;
        for (size_t d = 0; d < ndown; d++)
            during_down |= spans[i].start >= down[d].start && (down[d].end < 0 || spans[i].start < down[d].end);
        v->false_suspicions += !during_down;
    }
    for (size_t d = 0; d < ndown; d++) {
        int64_t c = down[d].start, r = down[d].end < 0 ? INT64_MAX : down[d].end;
        int64_t found = -1;
        for (size_t i = 0; i < nspans && found < 0; i++)
            if (spans[i].start < r && (spans[i].end < 0 || spans[i].end > c))
                found = (spans[i].start > c ? spans[i].start : c) - c;
        /* Completeness: a crash never undone must be suspected, and until the end. A crash undone before any
         * detector could notice it is no violation. */
        if (down[d].end < 0 && (found < 0 || !nspans || spans[nspans - 1].end >= 0))
            v->undetected++;
        else if (found >= 0 && (down[d].end < 0 || v->detection_ns < 0))
            v->detection_ns = found;
    }
}

void fdcheck_judge(const struct fd_config *c, const int64_t *arrivals, size_t n, const struct fd_span *spans,
                   size_t nspans, const struct fd_span *down, size_t ndown, int64_t end, int64_t tolerance_ns,
                   struct fd_verdict *v)
{
    struct fd_span *exp;
    size_t nexp = fdcheck_expected(c, arrivals, n, end, &exp);
    v->expected = nexp;
    v->recorded = nspans;
    v->wrong = 0;
    v->first_wrong[0] = 0;
    size_t i = 0, j = 0;
    while (i < nexp || j < nspans) {
        if (i < nexp && j < nspans && same(&exp[i], &spans[j], tolerance_ns)) {
            i++, j++;
        } else if (i < nexp && is_short(&exp[i], tolerance_ns)) {
            i++;
        } else if (j < nspans && is_short(&spans[j], tolerance_ns)) {
            j++;
        } else {
            bool take_exp = j == nspans || (i < nexp && exp[i].start <= spans[j].start);
            const struct fd_span *s = take_exp ? &exp[i] : &spans[j];
            if (!v->wrong++)
                snprintf(v->first_wrong, sizeof(v->first_wrong),
                         "%s suspicion at %.6fs (until %s%.6fs): the rule %s", take_exp ? "missing" : "unexpected",
                         (double)s->start / 1e9, s->end < 0 ? "the end, " : "",
                         (double)(s->end < 0 ? end : s->end) / 1e9,
                         take_exp ? "suspects there but the monitor did not" : "does not suspect there");
            if (take_exp)
                i++;
            else
                j++;
        }
    }
    free(exp);
    fdcheck_score(spans, nspans, down, ndown, end, v);
}
