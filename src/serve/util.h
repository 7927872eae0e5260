/* Real-time helpers for the payments service: wall clock, sleeping, random identifiers. */
#ifndef DKATA_SERVE_UTIL_H
#define DKATA_SERVE_UTIL_H
#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the Unix epoch (the store's timestamps and leases). */
int64_t util_now_ms(void);
/* A monotonic clock in nanoseconds (latencies). */
int64_t util_mono_ns(void);
/* Sleeps ns nanoseconds (nothing if ns <= 0). */
void util_sleep_ns(int64_t ns);
/* Writes 2*nbytes random lower-case hex digits and a NUL into out (2*nbytes+1 bytes): unique ids, from a
 * per-thread generator seeded by the kernel (not for secrets). */
void util_random_hex(char *out, size_t nbytes);
/* Writes 32 lower-case hex digits and a NUL into out (33 bytes): 12 of the wall clock in milliseconds, then 20
 * random. Ids made this way sort by creation time, so a table keyed by them grows at its right edge instead of
 * touching a random page of its index per insert (fewer pages written per commit). */
void util_time_ordered_hex(char out[33]);

/* Takes an exclusive lock (flock) on PATH.lock for as long as *fd stays open: one process per SQLite file
 * that keeps state in memory beside it. Returns 0, ERR_EXISTS if another process holds it, or ERR_IO. */
int util_lock_beside(const char *path, int *fd);

#endif
