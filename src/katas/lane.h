/* Helpers shared by the exercise-lane katas (fdetect, fdetect-worksheet, rpc-outcomes, tail-latency, swim). */
#ifndef DKATA_KATAS_LANE_H
#define DKATA_KATAS_LANE_H
#include <stddef.h>
#include <stdint.h>

#include "core/dist.h"
#include "core/fault.h"
#include "katas/kata.h"

/* Reads a latency distribution parameter; on a bad value sets ctx->error and returns false. */
bool lane_get_dist(struct kata_ctx *ctx, const struct kata *k, const char *name, struct dist *out);
/* Parses ctx->nemesis (if any) for nnodes into plan (initialized here). When only >= 0, node faults (crash,
 * restart, pause, resume, skew) may name only that node; why says which node that is and why. On error sets
 * ctx->error and returns false with the plan closed. */
bool lane_nemesis(struct kata_ctx *ctx, int nnodes, int only, const char *why, struct fault_plan *plan);
enum lane_when { LANE_OFF, LANE_PERCENTILE, LANE_DURATION };
/* Parses "off", a percentile "pNN" (1 <= NN < 100; only when allow_pct) or a duration above 0 ("10ms").
 * Returns false (and leaves the outputs alone) when s is none of them. */
bool lane_parse_when(const char *s, bool allow_pct, enum lane_when *kind, double *pct, int64_t *ns);
/* The q-quantile (0..1) of v[0..n) by nearest rank; sorts v. 0 when n == 0. */
double lane_quantile(double *v, size_t n, double q);
/* A duration in ms with a unit-aware format ("4.56s", "120ms") into out; returns out. */
const char *lane_fmt_ns(char *out, size_t n, double ns);

#endif
