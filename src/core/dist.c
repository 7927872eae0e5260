/* Latency distributions: parsing their text form and sampling them from an rng stream. */
#include "core/dist.h"

#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/units.h"

#define DIST_ACCEPTED                                                                              \
    "const:D, uniform:D,D, exp:MEAN, normal:MEAN,SD, lognormal:MEDIAN,SIGMA, pareto:SCALE,SHAPE, "     \
    "or mix:W*DIST+W*DIST (D a duration like 10ms)"

static int fail(char *err, size_t errlen, const char *why, const char *spec)
{
    snprintf(err, errlen, "bad latency distribution '%.60s': %s; expected " DIST_ACCEPTED, spec, why);
    return ERR_PARSE;
}

static int parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v <= 0)
        return ERR_PARSE;
    *out = v;
    return 0;
}

static int parse_ns(const char *s, double *out)
{
    int64_t ns;
    if (units_parse_duration(s, &ns))
        return ERR_PARSE;
    *out = (double)ns;
    return 0;
}

static int parse_part(struct dist_part *p, char *s, char *err, size_t errlen, const char *spec)
{
    char *colon = strchr(s, ':');
    if (!colon) {
        p->kind = DIST_CONST;
        p->b = 0;
        return parse_ns(s, &p->a) ? fail(err, errlen, "not a duration", spec) : 0;
    }
    *colon = 0;
    char *args = colon + 1, *second = strchr(args, ',');
    if (second)
        *second++ = 0;
    static const struct {
        const char *name;
        enum dist_kind kind;
        int nargs;
        int second_is_ns;
    } kinds[] = {{"const", DIST_CONST, 1, 0},        {"uniform", DIST_UNIFORM, 2, 1},
                 {"exp", DIST_EXP, 1, 0},            {"normal", DIST_NORMAL, 2, 1},
                 {"lognormal", DIST_LOGNORMAL, 2, 0}, {"pareto", DIST_PARETO, 2, 0}};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(s, kinds[i].name) != 0)
            continue;
        p->kind = kinds[i].kind;
        if ((kinds[i].nargs == 2) != (second != NULL))
            return fail(err, errlen, kinds[i].nargs == 2 ? "needs two values" : "needs one value", spec);
        if (parse_ns(args, &p->a) || (p->a <= 0 && p->kind != DIST_CONST && p->kind != DIST_UNIFORM))
            return fail(err, errlen, "first value is not a positive duration", spec);
        p->b = 0;
        if (second && (kinds[i].second_is_ns ? parse_ns(second, &p->b) : parse_number(second, &p->b)))
            return fail(err, errlen, "second value is not valid", spec);
        if (p->kind == DIST_UNIFORM && p->b < p->a)
            return fail(err, errlen, "uniform's upper bound is below its lower bound", spec);
        return 0;
    }
    return fail(err, errlen, "unknown kind", spec);
}

int dist_parse(struct dist *d, const char *spec, char *err, size_t errlen)
{
    char tmp[256];
    if (!spec || !*spec || strlen(spec) >= sizeof(tmp))
        return fail(err, errlen, "empty or too long", spec ? spec : "");
    snprintf(tmp, sizeof(tmp), "%s", spec);
    memset(d, 0, sizeof(*d));
    if (strncmp(tmp, "mix:", 4) != 0) {
        d->nparts = 1;
        d->parts[0].weight = 1;
        return parse_part(&d->parts[0], tmp, err, errlen, spec);
    }
    double total = 0;
    char *save = NULL;
    for (char *tok = strtok_r(tmp + 4, "+", &save); tok; tok = strtok_r(NULL, "+", &save)) {
        if (d->nparts == DIST_MAX_PARTS)
            return fail(err, errlen, "more than 8 parts in a mixture", spec);
        char *star = strchr(tok, '*');
        double w;
        if (!star)
            return fail(err, errlen, "a mixture part lacks its weight (W*DIST)", spec);
        *star = 0;
        if (parse_number(tok, &w))
            return fail(err, errlen, "a mixture weight is not a positive number", spec);
        if (strncmp(star + 1, "mix:", 4) == 0)
            return fail(err, errlen, "mixtures do not nest", spec);
        struct dist_part *p = &d->parts[d->nparts++];
        int rc = parse_part(p, star + 1, err, errlen, spec);
        if (rc)
            return rc;
        total += w;
        p->weight = total;
    }
    if (d->nparts == 0)
        return fail(err, errlen, "an empty mixture", spec);
    for (int i = 0; i < d->nparts; i++)
        d->parts[i].weight /= total;
    return 0;
}

void dist_const(struct dist *d, int64_t ns)
{
    memset(d, 0, sizeof(*d));
    d->nparts = 1;
    d->parts[0].kind = DIST_CONST;
    d->parts[0].a = (double)ns;
    d->parts[0].weight = 1;
}

static double sample_part(const struct dist_part *p, struct rng *r)
{
    switch (p->kind) {
    case DIST_CONST:
        return p->a;
    case DIST_UNIFORM:
        return p->a + (p->b - p->a) * rng_unit(r);
    case DIST_EXP:
        return rng_exponential(r, p->a);
    case DIST_NORMAL:
        return rng_normal(r, p->a, p->b);
    case DIST_LOGNORMAL:
        return p->a * exp(rng_normal(r, 0, p->b));
    case DIST_PARETO:
        return rng_pareto(r, p->a, p->b);
    case DIST_MIX:
        break;
    }
    return 0;
}

int64_t dist_sample(const struct dist *d, struct rng *r)
{
    const struct dist_part *p = &d->parts[0];
    if (d->nparts > 1) {
        double u = rng_unit(r);
        int i = 0;
        while (i < d->nparts - 1 && u >= d->parts[i].weight)
            i++;
        p = &d->parts[i];
    }
    double v = sample_part(p, r);
    if (!(v > 0))
        return 0;
    if (v > 9e17)
        return (int64_t)9e17;
    return (int64_t)v;
}

static double part_mean(const struct dist_part *p)
{
    switch (p->kind) {
    case DIST_CONST:
        return p->a;
    case DIST_UNIFORM:
        return (p->a + p->b) / 2;
    case DIST_EXP:
    case DIST_NORMAL:
        return p->a;
    case DIST_LOGNORMAL:
        return p->a * exp(p->b * p->b / 2);
    case DIST_PARETO:
        return p->b <= 1 ? INFINITY : p->b * p->a / (p->b - 1);
    case DIST_MIX:
        break;
    }
    return 0;
}

double dist_mean(const struct dist *d)
{
    double m = 0, prev = 0;
    for (int i = 0; i < d->nparts; i++) {
        m += (d->parts[i].weight - prev) * part_mean(&d->parts[i]);
        prev = d->parts[i].weight;
    }
    return m;
}

void dist_format(const struct dist *d, char *out, size_t n)
{
    static const char *names[] = {"const", "uniform", "exp", "normal", "lognormal", "pareto", "mix"};
    size_t used = 0;
    out[0] = 0;
    if (d->nparts > 1)
        used += (size_t)snprintf(out, n, "mix:");
    double prev = 0;
    for (int i = 0; i < d->nparts && used < n; i++) {
        const struct dist_part *p = &d->parts[i];
        char a[32], b[32];
        units_fmt_duration(a, sizeof(a), (int64_t)p->a);
        if (p->kind == DIST_UNIFORM || p->kind == DIST_NORMAL)
            units_fmt_duration(b, sizeof(b), (int64_t)p->b);
        else
            snprintf(b, sizeof(b), "%g", p->b);
        if (d->nparts > 1)
            used += (size_t)snprintf(out + used, n - used, "%s%g*", i ? "+" : "", p->weight - prev);
        prev = p->weight;
        if (used >= n)
            break;
        bool two = p->kind == DIST_UNIFORM || p->kind == DIST_NORMAL || p->kind == DIST_LOGNORMAL ||
                   p->kind == DIST_PARETO;
        used += (size_t)snprintf(out + used, n - used, "%s:%s%s%s", names[p->kind], a, two ? "," : "",
                                 two ? b : "");
    }
}
