/* Durations in text ("150ms", "2.5s", "1m", "300us", "42ns") to nanoseconds and back. */
#ifndef DKATA_UNITS_H
#define DKATA_UNITS_H
#include <stddef.h>
#include <stdint.h>

#define NS_PER_US 1000LL
#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL

/* Parses a non-negative duration with a unit (ns, us, ms, s, m, h); a bare number is milliseconds.
 * Returns 0, or ERR_PARSE / ERR_RANGE. */
int units_parse_duration(const char *s, int64_t *out_ns);
/* Formats ns compactly ("1.5s", "150ms", "20us") into out; returns out. */
char *units_fmt_duration(char *out, size_t n, int64_t ns);

#endif
