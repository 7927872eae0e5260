/* Staleness checker: a binary search per read over the confirmed writes, Wilson intervals, PBS's closed form. */
#include "check/staleness.h"

#include <math.h>

long staleness_check(const struct st_write *writes, size_t nwrites, const struct st_read *reads, size_t nreads,
                     uint32_t *out)
{
    for (size_t i = 1; i < nwrites; i++)
        if (writes[i].at < writes[i - 1].at || writes[i].version <= writes[i - 1].version)
            return -1;
    long stale = 0;
    for (size_t i = 0; i < nreads; i++) {
        /* confirmed: the writes with at <= start, a prefix of the array */
        size_t lo = 0, hi = nwrites;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (writes[mid].at <= reads[i].start)
                lo = mid + 1;
            else
                hi = mid;
        }
        uint32_t newer = 0;
        for (size_t j = lo; j-- > 0 && writes[j].version > reads[i].version;)
            newer++;
        out[i] = newer;
        stale += newer > 0;
    }
    return stale;
}

void staleness_wilson(uint64_t successes, uint64_t n, double z, double *lo, double *hi)
{
    if (n == 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    double p = (double)successes / (double)n, nn = (double)n, z2 = z * z;
    double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
    double half = z * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / (1 + z2 / nn);
    *lo = centre - half < 0 ? 0 : centre - half;
    *hi = centre + half > 1 ? 1 : centre + half;
}

static double choose(int n, int k)
{
    if (k < 0 || k > n)
        return 0;
    double c = 1;
    for (int i = 1; i <= k; i++)
        c = c * (n - k + i) / i;
    return c;
}

double staleness_pbs_closed_form(int n, int w, int r, int k)
{
    if (n <= 0 || w < 0 || r <= 0 || r > n || w > n)
        return 0;
    return pow(choose(n - w, r) / choose(n, r), k);
}
