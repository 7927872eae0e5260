/* The timeline page: operations as bars on process rows, the linearization as a polyline, all in SVG. */
#include "report/timeline.h"
#include "report/svg.h"

#include "core/mem.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SHOWN 300
#define ROW_H 34
#define LEFT 90
#define WIDTH 1200

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

/* What the drawing functions share: the partition drawn, its bars, and the time scale. */
struct tl {
    const struct lin_problem *p;
    const struct history *h;
    size_t part;
    struct lin_part_info info;
    bool use_time;
    struct bar *bars;
    size_t nb;
    int64_t *procs; /* the rows, by process id */
    size_t np;
    int64_t tmin;
    double scale;
};

static double tl_x(const struct tl *t, int64_t time)
{
    return LEFT + (double)(time - t->tmin) * t->scale;
}

static double bar_end(const struct tl *t, const struct bar *b)
{
    return b->t1 < 0 ? WIDTH - 20 : tl_x(t, b->t1);
}

static void page_head(struct buf *out, const struct lin_problem *p, const char *title)
{
    buf_puts(out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>dkata check: ");
    svg_escape(out, title);
    buf_puts(out, "</title>\n<style>body{font:14px sans-serif;margin:20px;color:#222}"
                  "pre{background:#f6f6f6;white-space:pre-wrap;padding:10px;overflow-x:auto}"
                  ".ok{fill:#cfe8cf;stroke:#4a8a4a}.other{fill:#e8e8e8;stroke:#999}"
                  ".stuck{fill:#f7b7b7;stroke:#c00;stroke-width:2}.unknown{stroke-dasharray:4 3}"
                  ".lin{fill:none;stroke:#2255cc;stroke-width:1.5}text{font:11px monospace}"
                  ".legend span{display:inline-block;padding:2px 8px;margin-right:8px;border:1px solid #999}"
                  "</style></head><body>\n<h1>");
    svg_escape(out, title);
    buf_printf(out, ": %s</h1>\n", lin_verdict_name(lin_verdict(p)));
    buf_printf(out, "<p>model %s, %zu operations, %zu key%s.</p>\n", lin_model_name(p->opts.model), p->nops,
               p->nparts, p->nparts == 1 ? "" : "s");
    struct buf words;
    buf_init(&words);
    lin_explain(p, &words);
    if (words.len) {
        buf_puts(out, "<pre>");
        svg_escape(out, words.data);
        buf_puts(out, "</pre>\n");
    }
    buf_close(&words);
}

/* The bars to draw: all the partition's operations, or a window of MAX_SHOWN ending a little after the
 * operation that could not be placed. Times are nanoseconds if every event has one, else history lines. */
static void make_bars(struct tl *t)
{
    const struct lin_problem *p = t->p;
    size_t n = t->info.nops, first = 0, last = n;
    t->use_time = true;
    for (size_t k = 0; k < n && t->use_time; k++) {
        const struct hist_op *op = &p->ops[lin_part_op(p, t->part, k)];
        t->use_time = t->h->ev[op->invoke].time_ns != HIST_NO_TIME &&
                      (op->complete == HIST_NONE_IDX || t->h->ev[op->complete].time_ns != HIST_NO_TIME);
    }
    if (n > MAX_SHOWN) {
        size_t stuck_k = n - 1;
        for (size_t k = 0; k < n; k++)
            if (lin_part_op(p, t->part, k) == t->info.stuck)
                stuck_k = k;
        last = stuck_k + MAX_SHOWN / 6 < n ? stuck_k + MAX_SHOWN / 6 : n;
        first = last > MAX_SHOWN ? last - MAX_SHOWN : 0;
    }
    long *order = xmalloc((p->nops + 1) * sizeof(*order));
    for (size_t i = 0; i < p->nops; i++)
        order[i] = -1;
    for (size_t k = 0; k < t->info.nbest; k++)
        order[t->info.best[k]] = (long)k;
    t->nb = last - first;
    t->bars = xcalloc(t->nb + 1, sizeof(*t->bars));
    t->procs = xmalloc((t->nb + 1) * sizeof(*t->procs));
    int64_t tmax = INT64_MIN;
    t->tmin = INT64_MAX;
    for (size_t k = 0; k < t->nb; k++) {
        size_t oi = lin_part_op(p, t->part, first + k);
        const struct hist_op *op = &p->ops[oi];
        bool unknown = op->complete == HIST_NONE_IDX || t->h->ev[op->complete].type == HIST_INFO;
        struct bar *b = &t->bars[k];
        *b = (struct bar){.op = oi,
                          .t0 = ev_time(t->h, op->invoke, t->use_time),
                          .t1 = unknown ? -1 : ev_time(t->h, op->complete, t->use_time),
                          .order = order[oi],
                          .stuck = oi == t->info.stuck};
        t->procs[k] = t->h->ev[op->invoke].process;
        t->tmin = b->t0 < t->tmin ? b->t0 : t->tmin;
        tmax = b->t0 > tmax ? b->t0 : tmax;
        tmax = b->t1 > tmax ? b->t1 : tmax;
    }
    free(order);
    qsort(t->procs, t->nb, sizeof(*t->procs), by_process);
    for (size_t k = 0; k < t->nb; k++)
        if (t->np == 0 || t->procs[t->np - 1] != t->procs[k])
            t->procs[t->np++] = t->procs[k];
    for (size_t k = 0; k < t->nb; k++) {
        const int64_t pr = t->h->ev[p->ops[t->bars[k].op].invoke].process;
        const int64_t *f = bsearch(&pr, t->procs, t->np, sizeof(*t->procs), by_process);
        t->bars[k].row = (int)(f - t->procs);
    }
    t->scale = (WIDTH - LEFT - 30) / (tmax > t->tmin ? (double)(tmax - t->tmin) : 1.0);
}

/* The short label inside a bar: "write 3", "read→3", "cas [1,2]", cut on a UTF-8 boundary. */
static void bar_label(const struct tl *t, const struct bar *b, struct buf *d)
{
    const struct hist_op *op = &t->p->ops[b->op];
    const struct hist_event *inv = &t->h->ev[op->invoke];
    buf_reset(d);
    buf_puts(d, inv->f);
    if (inv->value.kind != HIST_NONE && inv->value.kind != HIST_NIL) {
        buf_putc(d, ' ');
        hist_val_json(d, &inv->value);
    }
    const struct hist_event *done = op->complete == HIST_NONE_IDX ? NULL : &t->h->ev[op->complete];
    if (done && done->type == HIST_OK && done->value.kind != HIST_NONE &&
        !hist_val_equal(&done->value, &inv->value)) {
        buf_puts(d, "\xe2\x86\x92"); /* an arrow: the result */
        hist_val_json(d, &done->value);
    }
    if (d->len > 24) {
        size_t cut = 22;
        while (cut > 0 && ((unsigned char)d->data[cut] & 0xc0) == 0x80)
            cut--;
        d->data[cut] = 0;
    }
}

static void draw_bar(struct buf *out, const struct tl *t, const struct bar *b, struct buf *d)
{
    double x0 = tl_x(t, b->t0), x1 = bar_end(t, b);
    if (x1 < x0 + 3)
        x1 = x0 + 3;
    int y = b->row * ROW_H + 14;
    buf_reset(d);
    lin_describe_op(t->p, b->op, d);
    buf_puts(out, "<g><title>");
    svg_escape(out, d->data);
    if (b->order >= 0) {
        buf_reset(d);
        lin_state_after(t->p, t->part, (size_t)b->order + 1, d);
        buf_printf(out, "\nlinearized #%ld; state after it: ", b->order + 1);
        svg_escape(out, d->data);
    }
    if (b->stuck) {
        buf_reset(d);
        lin_state_after(t->p, t->part, t->info.nbest, d);
        buf_puts(out, "\ncould not be placed; state was: ");
        svg_escape(out, d->data);
    }
    buf_printf(out,
               "</title><rect class=\"%s%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"20\" rx=\"3\"/>",
               b->stuck        ? "stuck"
               : b->order >= 0 ? "ok"
                               : "other",
               b->t1 < 0 ? " unknown" : "", x0, y, x1 - x0);
    bar_label(t, b, d);
    buf_printf(out, "<text x=\"%.1f\" y=\"%d\">", x0 + 3, y + 14);
    svg_escape(out, d->data);
    buf_puts(out, "</text></g>\n");
}

/* The linearization: a point inside each linearized bar, never moving left, joined in order. */
static void draw_linearization(struct buf *out, const struct tl *t)
{
    struct bar **byorder = xcalloc(t->info.nbest + 1, sizeof(*byorder));
    for (size_t k = 0; k < t->nb; k++)
        if (t->bars[k].order >= 0)
            byorder[t->bars[k].order] = &t->bars[k];
    buf_puts(out, "<polyline class=\"lin\" points=\"");
    double xprev = 0;
    for (size_t k = 0; k < t->info.nbest; k++) {
        const struct bar *b = byorder[k];
        if (!b)
            continue;
        double x0 = tl_x(t, b->t0), x = xprev > x0 ? xprev : x0 + 1, x1 = bar_end(t, b);
        xprev = x = x > x1 ? x1 : x;
        buf_printf(out, "%.1f,%d ", x, b->row * ROW_H + 24);
    }
    buf_puts(out, "\"/>\n");
    free(byorder);
}

void timeline_html(struct buf *out, const struct lin_problem *p, const char *title)
{
    page_head(out, p, title);
    if (!p->nparts) {
        buf_puts(out, "<p>no operations to draw.</p></body></html>\n");
        return;
    }
    struct tl t = {.p = p, .h = p->h, .part = lin_worst_part(p)};
    if (t.part == (size_t)-1)
        t.part = 0;
    lin_part_info(p, t.part, &t.info);
    make_bars(&t);
    int height = (int)t.np * ROW_H + 40;
    buf_printf(out,
               "<p class=\"legend\"><span style=\"background:#cfe8cf\">in the longest linearization "
               "(blue line, in order)</span><span style=\"background:#f7b7b7\">could not be placed</span>"
               "<span style=\"background:#e8e8e8\">not reached</span> dashed: outcome unknown. "
               "Time runs left to right (%s); showing %zu of %zu operations of %s",
               t.use_time ? "nanoseconds" : "history lines", t.nb, t.info.nops,
               t.info.key ? "key " : "the object");
    svg_escape(out, t.info.key ? t.info.key : "");
    buf_printf(out,
               ".</p>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
               WIDTH, height, WIDTH, height);
    for (size_t r = 0; r < t.np; r++)
        buf_printf(out,
                   "<text x=\"4\" y=\"%d\">process %" PRId64 "</text><line x1=\"%d\" x2=\"%d\" y1=\"%d\" "
                   "y2=\"%d\" stroke=\"#eee\"/>\n",
                   (int)r * ROW_H + 30, t.procs[r], LEFT, WIDTH - 10, (int)r * ROW_H + 40,
                   (int)r * ROW_H + 40);
    struct buf d;
    buf_init(&d);
    for (size_t k = 0; k < t.nb; k++)
        draw_bar(out, &t, &t.bars[k], &d);
    buf_close(&d);
    draw_linearization(out, &t);
    buf_puts(out, "</svg>\n</body></html>\n");
    free(t.bars);
    free(t.procs);
}
