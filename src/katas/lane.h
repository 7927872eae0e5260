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
/* Parses ctx->nemesis (if any) for nnodes into plan (initialized here); on error sets ctx->error and returns
 * false with the plan closed. */
bool lane_nemesis(struct kata_ctx *ctx, int nnodes, struct fault_plan *plan);
/* The q-quantile (0..1) of v[0..n) by nearest rank; sorts v. 0 when n == 0. */
double lane_quantile(double *v, size_t n, double q);
/* A duration in ms with a unit-aware format ("4.56s", "120ms") into out; returns out. */
const char *lane_fmt_ns(char *out, size_t n, double ns);

#endif
