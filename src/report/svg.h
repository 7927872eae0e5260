/* Small SVG writer for dkata's pictures (space-time diagrams, timelines, curves): appends to a struct buf. */
#ifndef DKATA_SVG_H
#define DKATA_SVG_H
#include "core/mem.h"

/* Opens an SVG document of w x h pixels with a white background, a title, and an arrow marker "arrow". */
void svg_begin(struct buf *b, int w, int h, const char *title);
void svg_end(struct buf *b);
/* Appends s with the XML special characters escaped (for text and attribute values). */
void svg_escape(struct buf *b, const char *s);
void svg_line(struct buf *b, double x1, double y1, double x2, double y2, const char *color, double width,
              const char *extra);
/* An arrow from (x1,y1) to (x2,y2). */
void svg_arrow(struct buf *b, double x1, double y1, double x2, double y2, const char *color);
void svg_rect(struct buf *b, double x, double y, double w, double h, const char *fill, const char *tooltip);
void svg_circle(struct buf *b, double x, double y, double r, const char *fill, const char *tooltip);
/* Text, XML-escaped; anchor is "start", "middle" or "end". */
void svg_text(struct buf *b, double x, double y, int size, const char *anchor, const char *color, const char *text);

#endif
