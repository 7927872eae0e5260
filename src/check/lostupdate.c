/* The lost-update checker: acknowledged writes beaten by a higher version that real time had already put
 * before them. One sweep over writes in invocation order against completions in time order. */
#include "check/lostupdate.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

struct w {
    size_t inv;
    int64_t start, end, version, process;
};

static int by_start(const void *a, const void *b)
{
    const struct w *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start ? 1 : (x->inv > y->inv) - (x->inv < y->inv);
}

static int by_end(const void *a, const void *b)
{
    const struct w *x = *(const struct w *const *)a, *y = *(const struct w *const *)b;
    return x->end < y->end ? -1 : x->end > y->end ? 1 : (x->inv > y->inv) - (x->inv < y->inv);
}

static bool same_key(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

int lost_update_check(struct history *h, const char *key, struct lost_update *out)
{
    memset(out, 0, sizeof(*out));
    out->example = out->example_by = HIST_NONE_IDX;
    struct hist_op *ops;
    size_t nops;
    if (history_pair(h, &ops, &nops))
        return ERR_PARSE;
    struct w *ws = xcalloc(nops ? nops : 1, sizeof(*ws));
    size_t n = 0;
    for (size_t i = 0; i < nops; i++) {
        const struct hist_event *in = &h->ev[ops[i].invoke];
        if (ops[i].complete == HIST_NONE_IDX || strcmp(in->f, "write") != 0 || !same_key(in->key, key))
            continue;
        const struct hist_event *c = &h->ev[ops[i].complete];
        int64_t version = c->version != HIST_NO_VERSION ? c->version : in->version;
        if (c->type != HIST_OK || version == HIST_NO_VERSION)
            continue;
        ws[n++] = (struct w){ops[i].invoke, in->time_ns, c->time_ns, version, in->process};
    }
    qsort(ws, n, sizeof(*ws), by_start);
    struct w **ends = xcalloc(n ? n : 1, sizeof(*ends));
    for (size_t i = 0; i < n; i++)
        ends[i] = &ws[i];
    qsort(ends, n, sizeof(*ends), by_end);
    /* best: the highest version among writes finished so far; per process, the same (processes run one
     * operation at a time, so a process's finished writes all precede its next one). */
    const struct w *best = NULL;
    struct { int64_t process; const struct w *best; } *procs = xcalloc(n ? n : 1, sizeof(*procs));
    size_t nprocs = 0, e = 0;
    for (size_t i = 0; i < n; i++) {
        const struct w *cur = &ws[i];
        for (; e < n && ends[e]->end < cur->start; e++) {
            const struct w *done = ends[e];
            if (!best || done->version > best->version)
                best = done;
            size_t p = 0;
            while (p < nprocs && procs[p].process != done->process)
                p++;
            if (p == nprocs)
                procs[nprocs++].process = done->process;
            if (!procs[p].best || done->version > procs[p].best->version)
                procs[p].best = done;
        }
        out->writes++;
        if (!best || best->version <= cur->version)
            continue;
        out->lost++;
        if (out->example == HIST_NONE_IDX) {
            out->example = cur->inv;
            out->example_by = best->inv;
        }
        for (size_t p = 0; p < nprocs; p++)
            if (procs[p].process == cur->process && procs[p].best && procs[p].best->version > cur->version)
                out->lost_same_process++;
    }
    free(procs);
    free(ends);
    free(ws);
    free(ops);
    return 0;
}
