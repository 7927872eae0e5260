/* Latency distributions: constant, uniform, exponential, normal, lognormal, pareto, and mixtures of them.
 * Text form (durations as in units.h):
 *   const:10ms | uniform:1ms,5ms | exp:5ms (mean) | normal:10ms,2ms (mean, sd; clipped at 0)
 *   lognormal:10ms,0.5 (median, sigma) | pareto:1ms,1.5 (scale, shape)
 *   mix:0.9*exp:1ms+0.1*pareto:10ms,1.5 (weights are normalized)
 * A bare duration ("10ms") is const. */
#ifndef DKATA_DIST_H
#define DKATA_DIST_H
#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"

enum dist_kind { DIST_CONST, DIST_UNIFORM, DIST_EXP, DIST_NORMAL, DIST_LOGNORMAL, DIST_PARETO, DIST_MIX };

#define DIST_MAX_PARTS 8

struct dist_part {
    enum dist_kind kind;
    double a, b; /* in ns, except the unitless sigma (lognormal) and shape (pareto) */
    double weight; /* cumulative, for mixtures */
};

struct dist {
    int nparts; /* 1 for a plain distribution */
    struct dist_part parts[DIST_MAX_PARTS];
};

/* Parses spec into d. On failure returns ERR_PARSE and writes a one-line reason naming what is accepted. */
int dist_parse(struct dist *d, const char *spec, char *err, size_t errlen);
void dist_const(struct dist *d, int64_t ns);
/* A draw in ns, never negative. */
int64_t dist_sample(const struct dist *d, struct rng *r);
/* The distribution's mean in ns (infinite for pareto with shape <= 1). */
double dist_mean(const struct dist *d);
/* The inverse of dist_parse, into out. */
void dist_format(const struct dist *d, char *out, size_t n);

#endif
