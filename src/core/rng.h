/* dkata's own pseudo-random generator: xoshiro256** seeded through splitmix64, with named streams.
 * A stream is derived from (seed, name, index) alone, never by drawing from another stream, so one extra draw
 * in one subsystem never shifts the numbers another subsystem sees. */
#ifndef DKATA_RNG_H
#define DKATA_RNG_H
#include <stdbool.h>
#include <stdint.h>

struct rng {
    uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
/* The stream called name (and index, e.g. a node id) of the run with this seed. */
void rng_stream(struct rng *r, uint64_t seed, const char *name, uint64_t index);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n); n > 0. Unbiased (Lemire's multiply-and-reject). */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Uniform integer in [lo, hi], lo <= hi. */
int64_t rng_range(struct rng *r, int64_t lo, int64_t hi);
/* Uniform double in [0, 1), 53 bits. */
double rng_unit(struct rng *r);
/* True with probability p. */
bool rng_chance(struct rng *r, double p);
double rng_exponential(struct rng *r, double mean);
double rng_normal(struct rng *r, double mean, double sd);
/* Pareto with scale xm > 0 and shape alpha > 0. */
double rng_pareto(struct rng *r, double xm, double alpha);

#endif
