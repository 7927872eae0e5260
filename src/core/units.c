/* Duration parsing and formatting. */
#include "core/units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

int units_parse_duration(const char *s, int64_t *out_ns)
{
    if (!s || !*s || strlen(s) > 40)
        return ERR_PARSE;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v) || *s == '-' || *s == '+' || s[0] == ' ')
        return ERR_PARSE;
    double mult;
    if (*end == 0 || strcmp(end, "ms") == 0)
        mult = 1e6;
    else if (strcmp(end, "ns") == 0)
        mult = 1;
    else if (strcmp(end, "us") == 0)
        mult = 1e3;
    else if (strcmp(end, "s") == 0)
        mult = 1e9;
    else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
        mult = 60e9;
    else if (strcmp(end, "h") == 0)
        mult = 3600e9;
    else
        return ERR_PARSE;
    double ns = v * mult;
    if (ns < 0 || ns > 9e18)
        return ERR_RANGE;
    *out_ns = (int64_t)llround(ns);
    return 0;
}

char *units_fmt_duration(char *out, size_t n, int64_t ns)
{
    const char *unit = "ns";
    double v = (double)ns;
    if (ns >= NS_PER_S || ns <= -NS_PER_S) {
        v /= 1e9;
        unit = "s";
    } else if (ns >= NS_PER_MS || ns <= -NS_PER_MS) {
        v /= 1e6;
        unit = "ms";
    } else if (ns >= NS_PER_US || ns <= -NS_PER_US) {
        v /= 1e3;
        unit = "us";
    }
    snprintf(out, n, "%.*f%s", v == floor(v) ? 0 : (fabs(v) < 10 ? 3 : 1), v, unit);
    /* trim trailing zeros of the fraction */
    char *dot = strchr(out, '.');
    if (dot) {
        char *u = dot;
        while (*u && (*u == '.' || (*u >= '0' && *u <= '9')))
            u++;
        char *z = u;
        while (z > dot + 1 && z[-1] == '0')
            z--;
        if (z == dot + 1)
            z = dot;
        memmove(z, u, strlen(u) + 1);
    }
    return out;
}
