/* Helpers shared by the exercise-lane katas. */
#include "katas/lane.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

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

bool lane_nemesis(struct kata_ctx *ctx, int nnodes, int only, const char *why, struct fault_plan *plan)
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
    for (size_t i = 0; only >= 0 && i < plan->n; i++) {
        enum fault_op op = plan->steps[i].op;
        bool on_node = op == FAULT_CRASH || op == FAULT_RESTART || op == FAULT_PAUSE || op == FAULT_RESUME ||
                       op == FAULT_SKEW;
        if (on_node && plan->steps[i].node != only) {
            snprintf(ctx->error, sizeof(ctx->error), "bad --nemesis: node faults may name only %s (got node %d)",
                     why, (int)plan->steps[i].node);
            fault_plan_close(plan);
            return false;
        }
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

bool lane_parse_when(const char *s, bool allow_pct, enum lane_when *kind, double *pct, int64_t *ns)
{
    if (!s)
        return false;
    if (!strcmp(s, "off")) {
        *kind = LANE_OFF;
        return true;
    }
    if (allow_pct && s[0] == 'p') {
        char *end;
        double v = strtod(s + 1, &end);
        if (end == s + 1 || *end || !(v >= 1 && v < 100))
            return false;
        *kind = LANE_PERCENTILE;
        *pct = v;
        return true;
    }
    int64_t v;
    if (units_parse_duration(s, &v) || v <= 0)
        return false;
    *kind = LANE_DURATION;
    *ns = v;
    return true;
}
