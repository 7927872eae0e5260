/* The SVG writer. */
#include "report/svg.h"

void svg_escape(struct buf *b, const char *s)
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

void svg_begin(struct buf *b, int w, int h, const char *title)
{
    buf_printf(b,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"monospace\">\n<title>",
               w, h, w, h);
    svg_escape(b, title);
    buf_puts(b, "</title>\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
                "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" "
                "fill=\"context-stroke\"/></marker></defs>\n");
    buf_printf(b, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>\n", w, h);
}

void svg_end(struct buf *b)
{
    buf_puts(b, "</svg>\n");
}

void svg_line(struct buf *b, double x1, double y1, double x2, double y2, const char *color, double width,
              const char *extra)
{
    buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"%s%s/>\n",
               x1, y1, x2, y2, color, width, extra ? " " : "", extra ? extra : "");
}

void svg_arrow(struct buf *b, double x1, double y1, double x2, double y2, const char *color)
{
    svg_line(b, x1, y1, x2, y2, color, 1.2, "marker-end=\"url(#arrow)\"");
}

void svg_rect(struct buf *b, double x, double y, double w, double h, const char *fill, const char *tooltip)
{
    buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">", x, y, w, h, fill);
    if (tooltip) {
        buf_puts(b, "<title>");
        svg_escape(b, tooltip);
        buf_puts(b, "</title>");
    }
    buf_puts(b, "</rect>\n");
}

void svg_circle(struct buf *b, double x, double y, double r, const char *fill, const char *tooltip)
{
    buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\">", x, y, r, fill);
    if (tooltip) {
        buf_puts(b, "<title>");
        svg_escape(b, tooltip);
        buf_puts(b, "</title>");
    }
    buf_puts(b, "</circle>\n");
}

void svg_text(struct buf *b, double x, double y, int size, const char *anchor, const char *color, const char *text)
{
    buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\" fill=\"%s\">", x, y, size,
               anchor, color);
    svg_escape(b, text);
    buf_puts(b, "</text>\n");
}
