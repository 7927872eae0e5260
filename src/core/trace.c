/* Trace lines and their running hash. */
#include "core/trace.h"

#include <stdarg.h>

void trace_init(struct trace *t, FILE *out)
{
    t->out = out;
    t->hash = 0xcbf29ce484222325ULL;
    t->lines = 0;
    buf_init(&t->line);
}

void trace_close(struct trace *t)
{
    buf_close(&t->line);
}

void trace_event(struct trace *t, int64_t time_ns, int node, const char *kind, const char *fields, ...)
{
    if (!t)
        return;
    struct buf *b = &t->line;
    buf_reset(b);
    buf_printf(b, "{\"t\":%lld", (long long)time_ns);
    if (node >= 0)
        buf_printf(b, ",\"node\":%d", node);
    buf_puts(b, ",\"kind\":");
    buf_json_str(b, kind);
    if (fields && *fields) {
        buf_putc(b, ',');
        va_list ap;
        va_start(ap, fields);
        buf_vprintf(b, fields, ap);
        va_end(ap);
    }
    buf_puts(b, "}\n");
    for (size_t i = 0; i < b->len; i++)
        t->hash = (t->hash ^ (unsigned char)b->data[i]) * 0x100000001b3ULL;
    t->lines++;
    if (t->out)
        fwrite(b->data, 1, b->len, t->out);
}
