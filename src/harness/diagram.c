/* The message diagram: the first seconds of a run as a space-time picture, one lane per node, client or service,
 * one arrow per message (red and cut short if the network dropped it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "harness/harness_int.h"
#include "report/svg.h"

#define DIAG_MAX 600

void diagram_record(struct harness *h, struct ep from, struct ep to, int64_t sent, int64_t recv, const char *type)
{
    if (h->ndiag >= DIAG_MAX || sent > h->o->diagram_ns)
        return;
    XGROW(h->diag, h->capdiag, h->ndiag + 1);
    struct dmsg *d = &h->diag[h->ndiag++];
    d->t_send = sent;
    d->t_recv = recv;
    d->from = from;
    d->to = to;
    snprintf(d->type, sizeof(d->type), "%s", type ? type : "?");
}

/* Lanes: nodes first, then the clients and services that appear, in order of appearance. */
static int lane_of(struct ep *lanes, int *n, struct ep e)
{
    for (int i = 0; i < *n; i++)
        if (lanes[i].kind == e.kind && lanes[i].idx == e.idx)
            return i;
    if (*n >= 40)
        return *n - 1;
    lanes[*n] = e;
    return (*n)++;
}

static int lane_rank(const struct ep *e)
{
    return (e->kind == EP_NODE ? 0 : e->kind == EP_SERVICE ? 1 : 2) * 1000000 + e->idx;
}

static int by_lane(const void *x, const void *y)
{
    return lane_rank(x) - lane_rank(y);
}

int diagram_write(struct harness *h, const char *path)
{
    struct ep lanes[40];
    int nl = 0;
    for (int i = 0; i < h->n && i < 20; i++)
        lane_of(lanes, &nl, (struct ep){EP_NODE, i});
    int64_t tmax = 1;
    for (size_t k = 0; k < h->ndiag; k++) {
        lane_of(lanes, &nl, h->diag[k].from);
        lane_of(lanes, &nl, h->diag[k].to);
        int64_t t = h->diag[k].t_recv > h->diag[k].t_send ? h->diag[k].t_recv : h->diag[k].t_send;
        if (t > tmax)
            tmax = t;
    }
    qsort(lanes, (size_t)nl, sizeof(*lanes), by_lane); /* nodes, then services, then clients */
    double lw = 90, top = 50, height = 700;
    int w = (int)(110 + lw * nl), hh = (int)(top + height + 30);
    struct buf b;
    buf_init(&b);
    char title[128], d[32];
    snprintf(title, sizeof(title), "dkata test: %s, first %s (%zu messages)", harness_workload_name(h->o->workload),
             units_fmt_duration(d, sizeof(d), tmax), h->ndiag);
    svg_begin(&b, w, hh, title);
    svg_text(&b, 10, 18, 13, "start", "#000", title);
    char nb[32];
    for (int i = 0; i < nl; i++) {
        double x = 50 + lw * i;
        svg_text(&b, x, top - 10, 12, "middle", "#000", h_ep_name(h, lanes[i], nb, sizeof(nb)));
        svg_line(&b, x, top, x, top + height, "#bbb", 1, NULL);
    }
    for (int i = 0; i <= 4; i++) { /* a time axis */
        double y = top + height * i / 4.0;
        svg_text(&b, 4, y + 3, 9, "start", "#777", units_fmt_duration(d, sizeof(d), tmax * i / 4));
    }
    for (size_t k = 0; k < h->nnems && h->nems[k].t <= tmax; k++) { /* faults as labelled horizontal lines */
        double y = top + height * (double)h->nems[k].t / (double)tmax;
        static const char *const what[] = {"kill", "restart", "pause", "resume", "partition", "isolate", "cut",
                                           "heal", "skew"};
        svg_line(&b, 40, y, 50 + lw * (nl - 1) + 20, y, "#e80", 1, "stroke-dasharray=\"6,3\"");
        svg_text(&b, 50 + lw * (nl - 1) + 22, y + 3, 9, "start", "#e80", what[h->nems[k].f.op]);
    }
    for (size_t k = 0; k < h->ndiag; k++) {
        const struct dmsg *m = &h->diag[k];
        int a = lane_of(lanes, &nl, m->from), c = lane_of(lanes, &nl, m->to);
        double x1 = 50 + lw * a, x2 = 50 + lw * c;
        double y1 = top + height * (double)m->t_send / (double)tmax;
        if (m->t_recv < 0) {
            double y2 = y1 + 8;
            svg_line(&b, x1, y1, x1 + (x2 - x1) * 0.4, y2, "#d33", 1.2, "stroke-dasharray=\"3,2\"");
            continue;
        }
        double y2 = top + height * (double)m->t_recv / (double)tmax;
        const char *color = m->from.kind == EP_NODE && m->to.kind == EP_NODE ? "#2a6" : "#36c";
        svg_arrow(&b, x1, y1, x2, y2, color);
        if (x1 != x2)
            svg_text(&b, (x1 + x2) / 2, (y1 + y2) / 2 - 2, 9, "middle", "#555", m->type);
    }
    svg_end(&b);
    FILE *f = fopen(path, "w");
    int rc = 0;
    if (!f || fwrite(b.data, 1, b.len, f) != b.len)
        rc = -1;
    if (f && fclose(f) != 0)
        rc = -1;
    buf_close(&b);
    return rc;
}
