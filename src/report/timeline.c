/* The timeline page: operations as bars on process rows, the linearization as a polyline, all in SVG. */
#include "report/timeline.h"

#include "core/mem.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SHOWN 300
#define ROW_H 34
#define LEFT 90
#define WIDTH 1200

static void esc(struct buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            buf_puts(b, "&lt;");
            break;
        case '>':
            buf_puts(b, "&gt;");
            break;
        case '&':
            buf_puts(b, "&amp;");
            break;
        case '"':
            buf_puts(b, "&quot;");
            break;
        default:
            buf_putc(b, *s);
        }
    }
}

/* What is drawn of one operation. */
struct bar {
    size_t op;
    int64_t t0, t1; /* invocation and completion (t1 < 0: unknown outcome) */
    int row;
    long order; /* position in the best linearization, or -1 */
    bool stuck;
};

static int64_t ev_time(const struct history *h, size_t i, bool use_time)
{
    return use_time ? h->ev[i].time_ns : (int64_t)i;
}

static int by_process(const void *x, const void *y)
{
    const int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

void timeline_html(struct buf *out, const struct lin_problem *p, const char *title)
{
    const struct history *h = p->h;
    size_t part = lin_worst_part(p);
    if (part == (size_t)-1)
        part = 0;
    struct lin_part_info info = {0};
    if (p->nparts)
        lin_part_info(p, part, &info);
    enum lin_verdict verdict = lin_verdict(p);
    buf_puts(out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>dkata check: ");
    esc(out, title);
    buf_puts(out, "</title>\n<style>body{font:14px sans-serif;margin:20px;color:#222}pre{background:#f6f6f6;white-space:pre-wrap;"
                  "padding:10px;overflow-x:auto}.ok{fill:#cfe8cf;stroke:#4a8a4a}.other{fill:#e8e8e8;stroke:#999}"
                  ".stuck{fill:#f7b7b7;stroke:#c00;stroke-width:2}.unknown{stroke-dasharray:4 3}"
                  ".lin{fill:none;stroke:#2255cc;stroke-width:1.5}.pt{fill:#2255cc}text{font:11px monospace}"
                  ".legend span{display:inline-block;padding:2px 8px;margin-right:8px;border:1px solid #999}"
                  "</style></head><body>\n<h1>");
    esc(out, title);
    buf_printf(out, ": %s</h1>\n", lin_verdict_name(verdict));
    struct buf words;
    buf_init(&words);
    lin_explain(p, &words);
    buf_printf(out, "<p>model %s, %zu operations, %zu key%s.</p>\n", lin_model_name(p->opts.model), p->nops,
               p->nparts, p->nparts == 1 ? "" : "s");
    if (words.len) {
        buf_puts(out, "<pre>");
        esc(out, words.data);
        buf_puts(out, "</pre>\n");
    }
    buf_close(&words);
    if (!p->nparts) {
        buf_puts(out, "<p>no operations to draw.</p></body></html>\n");
        return;
    }
    /* Which operations to draw: all, or a window ending at the stuck operation's completion. */
    bool use_time = true;
    for (size_t k = 0; k < info.nops && use_time; k++) {
        const struct hist_op *op = &p->ops[lin_part_op(p, part, k)];
        use_time = h->ev[op->invoke].time_ns != HIST_NO_TIME &&
                   (op->complete == HIST_NONE_IDX || h->ev[op->complete].time_ns != HIST_NO_TIME);
    }
    long *order = xmalloc((p->nops + 1) * sizeof(*order));
    for (size_t i = 0; i < p->nops; i++)
        order[i] = -1;
    for (size_t k = 0; k < info.nbest; k++)
        order[info.best[k]] = (long)k;
    size_t first = 0, last = info.nops; /* [first, last) of the partition's operations, in invocation order */
    if (info.nops > MAX_SHOWN) {
        size_t stuck_k = info.nops - 1;
        for (size_t k = 0; k < info.nops; k++)
            if (lin_part_op(p, part, k) == info.stuck)
                stuck_k = k;
        last = stuck_k + MAX_SHOWN / 6 < info.nops ? stuck_k + MAX_SHOWN / 6 : info.nops;
        first = last > MAX_SHOWN ? last - MAX_SHOWN : 0;
    }
    size_t nb = last - first;
    struct bar *bars = xcalloc(nb + 1, sizeof(*bars));
    int64_t *procs = xmalloc((nb + 1) * sizeof(*procs));
    int64_t tmin = INT64_MAX, tmax = INT64_MIN;
    for (size_t k = 0; k < nb; k++) {
        size_t oi = lin_part_op(p, part, first + k);
        const struct hist_op *op = &p->ops[oi];
        bool unknown = op->complete == HIST_NONE_IDX || h->ev[op->complete].type == HIST_INFO;
        bars[k] = (struct bar){.op = oi, .t0 = ev_time(h, op->invoke, use_time),
                               .t1 = unknown ? -1 : ev_time(h, op->complete, use_time), .order = order[oi],
                               .stuck = oi == info.stuck};
        procs[k] = h->ev[op->invoke].process;
        if (bars[k].t0 < tmin)
            tmin = bars[k].t0;
        if (bars[k].t0 > tmax)
            tmax = bars[k].t0;
        if (bars[k].t1 > tmax)
            tmax = bars[k].t1;
    }
    qsort(procs, nb, sizeof(*procs), by_process);
    size_t np = 0;
    for (size_t k = 0; k < nb; k++)
        if (np == 0 || procs[np - 1] != procs[k])
            procs[np++] = procs[k];
    for (size_t k = 0; k < nb; k++) {
        const int64_t pr = h->ev[p->ops[bars[k].op].invoke].process;
        const int64_t *f = bsearch(&pr, procs, np, sizeof(*procs), by_process);
        bars[k].row = (int)(f - procs);
    }
    double span = tmax > tmin ? (double)(tmax - tmin) : 1.0;
    double scale = (WIDTH - LEFT - 30) / span;
#define X(t) (LEFT + ((double)((t)-tmin)) * scale)
    int height = (int)np * ROW_H + 40;
    buf_printf(out, "<p class=\"legend\"><span style=\"background:#cfe8cf\">in the longest linearization "
                    "(blue line, in order)</span><span style=\"background:#f7b7b7\">could not be placed</span>"
                    "<span style=\"background:#e8e8e8\">not reached</span> dashed: outcome unknown. "
                    "Time runs left to right (%s); showing %zu of %zu operations of %s%s.</p>\n",
               use_time ? "nanoseconds" : "history lines", nb, info.nops, info.key ? "key " : "the register",
               info.key ? info.key : "");
    buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                    "viewBox=\"0 0 %d %d\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
               WIDTH, height, WIDTH, height);
    for (size_t r = 0; r < np; r++)
        buf_printf(out, "<text x=\"4\" y=\"%d\">process %" PRId64 "</text><line x1=\"%d\" x2=\"%d\" y1=\"%d\" "
                        "y2=\"%d\" stroke=\"#eee\"/>\n",
                   (int)r * ROW_H + 30, procs[r], LEFT, WIDTH - 10, (int)r * ROW_H + 40, (int)r * ROW_H + 40);
    struct buf d;
    buf_init(&d);
    for (size_t k = 0; k < nb; k++) {
        const struct bar *b = &bars[k];
        double x0 = X(b->t0), x1 = b->t1 < 0 ? WIDTH - 20 : X(b->t1);
        if (x1 < x0 + 3)
            x1 = x0 + 3;
        int y = b->row * ROW_H + 14;
        const char *cls = b->stuck ? "stuck" : b->order >= 0 ? "ok" : "other";
        buf_reset(&d);
        lin_describe_op(p, b->op, &d);
        buf_printf(out, "<g><title>");
        esc(out, d.data);
        if (b->order >= 0) {
            buf_reset(&d);
            lin_state_after(p, part, (size_t)b->order + 1, &d);
            buf_printf(out, "\nlinearized #%ld; state after it: ", b->order + 1);
            esc(out, d.data);
        }
        if (b->stuck) {
            buf_reset(&d);
            lin_state_after(p, part, info.nbest, &d);
            buf_puts(out, "\ncould not be placed; state was: ");
            esc(out, d.data);
        }
        buf_printf(out, "</title><rect class=\"%s%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"20\" rx=\"3\"/>",
                   cls, b->t1 < 0 ? " unknown" : "", x0, y, x1 - x0);
        const struct hist_event *inv = &h->ev[p->ops[b->op].invoke];
        buf_reset(&d);
        buf_puts(&d, inv->f);
        if (inv->value.kind != HIST_NONE && inv->value.kind != HIST_NIL) {
            buf_putc(&d, ' ');
            hist_val_json(&d, &inv->value);
        }
        const struct hist_op *op = &p->ops[b->op];
        if (op->complete != HIST_NONE_IDX && h->ev[op->complete].type == HIST_OK &&
            !hist_val_equal(&h->ev[op->complete].value, &inv->value) && h->ev[op->complete].value.kind != HIST_NONE) {
            buf_puts(&d, "\xe2\x86\x92"); /* an arrow: the result */
            hist_val_json(&d, &h->ev[op->complete].value);
        }
        if (d.len > 24) {
            d.data[22] = 0;
            buf_puts(out, "");
        }
        buf_printf(out, "<text x=\"%.1f\" y=\"%d\">", x0 + 3, y + 14);
        esc(out, d.data);
        buf_puts(out, "</text></g>\n");
    }
    /* The linearization: a point inside each linearized bar, moving right, joined in order. */
    buf_puts(out, "<polyline class=\"lin\" points=\"");
    double xprev = 0;
    struct bar **byorder = xcalloc(info.nbest + 1, sizeof(*byorder));
    for (size_t k = 0; k < nb; k++)
        if (bars[k].order >= 0)
            byorder[bars[k].order] = &bars[k];
    for (size_t k = 0; k < info.nbest; k++) {
        const struct bar *b = byorder[k];
        if (!b)
            continue;
        double x0 = X(b->t0), x1 = b->t1 < 0 ? WIDTH - 20 : X(b->t1);
        double x = xprev > x0 ? xprev : x0 + 1;
        if (x > x1)
            x = x1;
        xprev = x;
        buf_printf(out, "%.1f,%d ", x, b->row * ROW_H + 24);
    }
    buf_puts(out, "\"/>\n");
    buf_puts(out, "</svg>\n</body></html>\n");
#undef X
    buf_close(&d);
    free(byorder);
    free(bars);
    free(procs);
    free(order);
}
