/* Staleness of reads, judged from a recorded history of confirmed writes and completed reads (Bailis et al.,
 * "Probabilistically Bounded Staleness for Practical Partial Quorums", VLDB 2012). A read's staleness is the
 * number of versions confirmed at or before the read started that are newer than the version it returned:
 * 0 is a fresh read (it returned the latest confirmed write, or newer); a read is k-stale-consistent when its
 * staleness is below k. Read-your-writes for the writing client holds when every read is fresh. */
#ifndef DKATA_STALENESS_H
#define DKATA_STALENESS_H
#include <stddef.h>
#include <stdint.h>

/* Write of version confirmed (W acks) at time at; versions grow with confirmation order. */
struct st_write {
    int64_t at;
    uint64_t version;
};

/* A read that started at start and returned version (0: the initial value, older than every write). */
struct st_read {
    int64_t start;
    uint64_t version;
};

/* Staleness of each read into out[i] (caller allocates nreads). writes are sorted by at (non-decreasing);
 * reads in any order. Returns the number of stale reads (staleness > 0), or -1 if writes are not sorted by time
 * with growing versions. */
long staleness_check(const struct st_write *writes, size_t nwrites, const struct st_read *reads, size_t nreads,
                     uint32_t *out);

/* Wilson score interval for successes out of n at z (1.96 for 95 %): *lo and *hi in [0, 1]. */
void staleness_wilson(uint64_t successes, uint64_t n, double z, double *lo, double *hi);

/* PBS's closed form for partial quorums chosen uniformly at random, with only the W acknowledging replicas
 * holding the write: the probability that a read of R replicas among N misses the last k writes,
 * (C(N-W, R) / C(N, R))^k. 0 when R + W > N. */
double staleness_pbs_closed_form(int n, int w, int r, int k);

#endif
