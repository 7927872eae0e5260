/* Allocation that never returns NULL (out-of-memory aborts with a message), and a growable byte buffer. */
#ifndef DKATA_MEM_H
#define DKATA_MEM_H
#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Grow *p (of *cap elements of elem bytes) so that it holds at least need elements. */
void xgrow(void **p, size_t *cap, size_t need, size_t elem);
#define XGROW(ptr, cap, need)                                                                      \
    do {                                                                                           \
        if ((need) > (cap))                                                                        \
            xgrow((void **)&(ptr), &(cap), (need), sizeof(*(ptr)));                                \
    } while (0)

/* A growable NUL-terminated byte buffer. The buffer owns data; buf_close frees it. */
struct buf {
    char *data;
    size_t len;
    size_t cap;
};
void buf_init(struct buf *b);
void buf_close(struct buf *b);
void buf_reset(struct buf *b);
void buf_put(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Appends s as a JSON string literal, quotes included. */
void buf_json_str(struct buf *b, const char *s);
/* Takes the data out of b (caller frees) and leaves b empty. */
char *buf_take(struct buf *b);

#endif
