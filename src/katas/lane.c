/* Helpers shared by the exercise-lane katas. */
#include "katas/lane.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

bool lane_get_dist(struct kata_ctx *ctx, const struct kata *k, const char *name, struct dist *out)
{
    char err[200];
    const char *v = kata_get_str(ctx, k, name);
    if (!v || dist_parse(out, v, err, sizeof(err))) {
        snprintf(ctx->error, sizeof(ctx->error), "parameter '%s': %.200s", name, v ? err : "missing");
        return false;
    }
    return true;
}

bool lane_nemesis(struct kata_ctx *ctx, int nnodes, struct fault_plan *plan)
{
    fault_plan_init(plan);
    if (!ctx->nemesis)
        return true;
    char err[256];
    if (fault_parse(plan, ctx->nemesis, nnodes, err, sizeof(err))) {
        snprintf(ctx->error, sizeof(ctx->error), "%s", err);
        fault_plan_close(plan);
        return false;
    }
    return true;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double lane_quantile(double *v, size_t n, double q)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof(*v), cmp_double);
    size_t rank = (size_t)ceil(q * (double)n);
    return v[rank ? rank - 1 : 0];
}

const char *lane_fmt_ns(char *out, size_t n, double ns)
{
    if (ns >= 1e9)
        snprintf(out, n, "%.2fs", ns / 1e9);
    else if (ns >= 1e6)
        snprintf(out, n, "%.1fms", ns / 1e6);
    else
        snprintf(out, n, "%.0fus", ns / 1e3);
    return out;
}
