/* A linearizability verdict drawn as one self-contained HTML page with an SVG timeline. */
#ifndef DKATA_TIMELINE_H
#define DKATA_TIMELINE_H
#include "check/lin.h"

struct buf;

/* Appends the page for p (already checked) to out: the verdict and its explanation in words, and a timeline
 * of the violated (or else the first) key: one row per process, one bar per operation from invocation to
 * completion (an unknown outcome runs to the right edge, dashed), the longest linearization found drawn
 * through the bars in order, and the operation that could not be placed in red. Hovering a bar shows the
 * operation and the model state after it. Long histories are cut to a window around the violation. No
 * scripts, no network. title is shown at the top (HTML-escaped). */
void timeline_html(struct buf *out, const struct lin_problem *p, const char *title);

#endif
