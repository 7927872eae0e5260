/* Fault schedules: parsing, random drawing for swarms, and applying them to a simulator. */
#include "core/fault.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/units.h"

#define FAULT_ACCEPTED                                                                             \
    "'TIME crash|restart|pause|resume|isolate N', 'TIME partition 0,1|2,3', 'TIME cut A>B', 'TIME heal' or "  \
    "'TIME skew N +50ms [100ppm]'"

void fault_plan_init(struct fault_plan *p)
{
    memset(p, 0, sizeof(*p));
}

void fault_plan_close(struct fault_plan *p)
{
    free(p->steps);
    memset(p, 0, sizeof(*p));
}

void fault_add(struct fault_plan *p, const struct fault *f)
{
    XGROW(p->steps, p->cap, p->n + 1);
    /* keep steps sorted by time, stable for equal times */
    size_t i = p->n;
    while (i > 0 && p->steps[i - 1].at > f->at) {
        p->steps[i] = p->steps[i - 1];
        i--;
    }
    p->steps[i] = *f;
    p->n++;
}

static int bad(char *err, size_t errlen, const char *step, const char *why)
{
    snprintf(err, errlen, "bad fault step '%.60s': %s; accepted: " FAULT_ACCEPTED, step, why);
    return ERR_PARSE;
}

static int parse_node(const char *s, int nnodes, node_id *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v >= nnodes)
        return ERR_PARSE;
    *out = (node_id)v;
    return 0;
}

static int parse_groups(struct fault *f, char *spec, int nnodes)
{
    if (nnodes > FAULT_MAX_NODES)
        return ERR_RANGE;
    memset(f->group_of, -1, sizeof(f->group_of));
    int group = 0;
    char *gsave = NULL;
    for (char *g = strtok_r(spec, "|", &gsave); g; g = strtok_r(NULL, "|", &gsave), group++) {
        char *nsave = NULL;
        for (char *t = strtok_r(g, ",", &nsave); t; t = strtok_r(NULL, ",", &nsave)) {
            node_id n;
            if (parse_node(t, nnodes, &n) || f->group_of[n] != -1)
                return ERR_PARSE;
            f->group_of[n] = (int8_t)group;
        }
    }
    if (group < 2)
        return ERR_PARSE;
    /* nodes not named form a group of their own */
    for (int i = 0; i < nnodes; i++)
        if (f->group_of[i] == -1)
            f->group_of[i] = (int8_t)group;
    return 0;
}

static int parse_step(struct fault *f, char *step, int nnodes, char *err, size_t errlen, const char *orig)
{
    char *words[5] = {0};
    int nw = 0;
    char *save = NULL;
    for (char *w = strtok_r(step, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        if (nw == 5)
            return bad(err, errlen, orig, "too many words");
        words[nw++] = w;
    }
    if (nw < 2)
        return bad(err, errlen, orig, "expected a time and an action");
    memset(f, 0, sizeof(*f));
    if (units_parse_duration(words[0], &f->at))
        return bad(err, errlen, orig, "the time is not a duration such as 10s or 250ms");
    static const char *ops[] = {"crash", "restart", "pause", "resume", "partition", "isolate", "cut", "heal", "skew"};
    int op = -1;
    for (int i = 0; i < 9; i++)
        if (strcmp(words[1], ops[i]) == 0)
            op = i;
    if (op < 0)
        return bad(err, errlen, orig, "unknown action");
    f->op = (enum fault_op)op;
    switch (f->op) {
    case FAULT_HEAL:
        return nw == 2 ? 0 : bad(err, errlen, orig, "heal takes nothing more");
    case FAULT_PARTITION:
        if (nw != 3 || parse_groups(f, words[2], nnodes))
            return bad(err, errlen, orig, "expected groups of node ids like 0,1|2,3,4 (at least two groups)");
        return 0;
    case FAULT_CUT: {
        char *gt = nw == 3 ? strchr(words[2], '>') : NULL;
        if (!gt)
            return bad(err, errlen, orig, "expected FROM>TO");
        *gt = 0;
        if (parse_node(words[2], nnodes, &f->node) || parse_node(gt + 1, nnodes, &f->node2))
            return bad(err, errlen, orig, "node id out of range");
        return 0;
    }
    case FAULT_SKEW: {
        if (nw < 4 || parse_node(words[2], nnodes, &f->node))
            return bad(err, errlen, orig, "expected 'skew N +OFFSET [PPMppm]'");
        const char *off = words[3];
        int sign = 1;
        if (*off == '+' || *off == '-')
            sign = *off++ == '-' ? -1 : 1;
        if (units_parse_duration(off, &f->skew_ns))
            return bad(err, errlen, orig, "the offset is not a duration");
        f->skew_ns *= sign;
        if (nw == 5) {
            char *end;
            errno = 0;
            f->drift_ppm = strtod(words[4], &end);
            if (errno || end == words[4] || strcmp(end, "ppm") != 0 || f->drift_ppm < -1e5 || f->drift_ppm > 1e5)
                return bad(err, errlen, orig, "the drift is not like 100ppm");
        }
        return 0;
    }
    default:
        if (nw != 3 || parse_node(words[2], nnodes, &f->node))
            return bad(err, errlen, orig, "expected one node id in range");
        return 0;
    }
}

int fault_parse(struct fault_plan *p, const char *text, int nnodes, char *err, size_t errlen)
{
    if (strlen(text) > 8192)
        return bad(err, errlen, "...", "the schedule is longer than 8192 characters");
    char *copy = xstrdup(text);
    char *save = NULL;
    int rc = 0;
    for (char *step = strtok_r(copy, ";\n", &save); step && !rc; step = strtok_r(NULL, ";\n", &save)) {
        while (isspace((unsigned char)*step))
            step++;
        if (!*step)
            continue;
        char orig[128];
        snprintf(orig, sizeof(orig), "%s", step);
        struct fault f;
        rc = parse_step(&f, step, nnodes, err, errlen, orig);
        if (!rc)
            fault_add(p, &f);
    }
    free(copy);
    return rc;
}

void fault_random(struct fault_plan *p, struct rng *rng, int nnodes, sim_time from, sim_time to, int max_down)
{
    if (to <= from || nnodes < 1)
        return;
    /* Swarm testing: each seed draws its own mix, so some seeds are dense with short blips. */
    int steps = (int)rng_range(rng, 1, 8);
    int blips = rng_chance(rng, 0.25) ? (int)rng_range(rng, 10, 60) : 0;
    for (int i = 0; i < steps + blips; i++) {
        struct fault f = {0};
        f.at = rng_range(rng, from, to - 1);
        /* from very short blips (a crash that comes back within one election) to long outages */
        sim_time len = rng_range(rng, (to - from) / 2000 + 1, (to - from) / 4 + 1);
        struct fault end = {0};
        end.at = f.at + len < to ? f.at + len : to;
        switch (i >= steps ? 4 : rng_below(rng, 5)) {
        case 4: /* a blip: crash and restart within a few ms (state that is not durable is lost mid-protocol) */
            end.at = f.at + rng_range(rng, 1000, (to - from) / 1000 + 1000);
            if (end.at > to)
                end.at = to;
            /* fall through */
        case 0: /* crash one node for a while */
            f.op = FAULT_CRASH;
            f.node = (node_id)rng_below(rng, (uint64_t)nnodes);
            end.op = FAULT_RESTART;
            end.node = f.node;
            break;
        case 1: /* a GC-like pause */
            f.op = FAULT_PAUSE;
            f.node = (node_id)rng_below(rng, (uint64_t)nnodes);
            end.op = FAULT_RESUME;
            end.node = f.node;
            break;
        case 2: { /* a partition into a majority and a minority of up to max_down nodes */
            if (nnodes > FAULT_MAX_NODES)
                continue;
            f.op = FAULT_PARTITION;
            memset(f.group_of, 0, sizeof(f.group_of));
            int minority = max_down > 0 ? (int)rng_range(rng, 1, max_down) : 1;
            for (int k = 0; k < minority; k++)
                f.group_of[rng_below(rng, (uint64_t)nnodes)] = 1;
            end.op = FAULT_HEAL;
            break;
        }
        default: /* isolate one node */
            f.op = FAULT_ISOLATE;
            f.node = (node_id)rng_below(rng, (uint64_t)nnodes);
            end.op = FAULT_HEAL;
            break;
        }
        fault_add(p, &f);
        fault_add(p, &end);
    }
    struct fault heal = {.at = to, .op = FAULT_HEAL};
    fault_add(p, &heal);
    for (int n = 0; n < nnodes; n++) {
        struct fault up = {.at = to, .op = FAULT_RESTART, .node = n};
        fault_add(p, &up);
        up.op = FAULT_RESUME;
        fault_add(p, &up);
    }
}

static void apply(struct sim *s, void *ptr, uint64_t arg)
{
    (void)arg;
    const struct fault *f = ptr;
    switch (f->op) {
    case FAULT_CRASH:
        sim_crash(s, f->node);
        break;
    case FAULT_RESTART:
        sim_restart(s, f->node);
        break;
    case FAULT_PAUSE:
        sim_pause(s, f->node);
        break;
    case FAULT_RESUME:
        sim_resume(s, f->node);
        break;
    case FAULT_PARTITION: {
        int groups[FAULT_MAX_NODES];
        for (int i = 0; i < s->nnodes && i < FAULT_MAX_NODES; i++)
            groups[i] = f->group_of[i];
        net_partition(s, groups);
        break;
    }
    case FAULT_ISOLATE:
        net_isolate(s, f->node);
        break;
    case FAULT_CUT:
        net_cut(s, f->node, f->node2);
        break;
    case FAULT_HEAL:
        net_heal(s);
        break;
    case FAULT_SKEW:
        sim_set_clock(s, f->node, f->skew_ns, f->drift_ppm);
        trace_event(s->trace, s->now, f->node, "skew", "\"offset_ns\":%lld", (long long)f->skew_ns);
        break;
    }
}

void fault_schedule(const struct fault_plan *p, struct sim *s)
{
    for (size_t i = 0; i < p->n; i++)
        sim_at(s, p->steps[i].at, apply, &p->steps[i], 0);
}

void fault_format(const struct fault_plan *p, int nnodes, struct buf *out)
{
    static const char *ops[] = {"crash", "restart", "pause", "resume", "partition", "isolate", "cut", "heal", "skew"};
    for (size_t i = 0; i < p->n; i++) {
        const struct fault *f = &p->steps[i];
        char t[32];
        units_fmt_duration(t, sizeof(t), f->at);
        buf_printf(out, "%s%s %s", i ? "; " : "", t, ops[f->op]);
        if (f->op == FAULT_PARTITION) {
            buf_putc(out, ' ');
            for (int g = 0, first_group = 1; g < FAULT_MAX_NODES; g++) {
                int any = 0;
                for (int n = 0; n < nnodes && n < FAULT_MAX_NODES; n++)
                    if (f->group_of[n] == g) {
                        buf_printf(out, "%s%d", any ? "," : (first_group ? "" : "|"), n);
                        any = 1;
                    }
                if (any)
                    first_group = 0;
            }
        } else if (f->op == FAULT_CUT) {
            buf_printf(out, " %d>%d", f->node, f->node2);
        } else if (f->op == FAULT_SKEW) {
            char o[32];
            units_fmt_duration(o, sizeof(o), f->skew_ns < 0 ? -f->skew_ns : f->skew_ns);
            buf_printf(out, " %d %s%s %gppm", f->node, f->skew_ns < 0 ? "-" : "+", o, f->drift_ppm);
        } else if (f->op != FAULT_HEAL) {
            buf_printf(out, " %d", f->node);
        }
    }
}
