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

#endif
