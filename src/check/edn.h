/* A small reader for EDN (the data notation Jepsen writes histories in): enough for history maps. */
#ifndef DKATA_EDN_H
#define DKATA_EDN_H
#include <stddef.h>
#include <stdint.h>

enum edn_kind {
    EDN_NIL,
    EDN_BOOL,
    EDN_INT,
    EDN_FLOAT,
    EDN_STR,
    EDN_KW,
    EDN_SYM,
    EDN_LIST,
    EDN_VEC,
    EDN_SET,
    EDN_MAP
};

/* One form. Strings, keywords (without the colon) and symbols are in s; collections in items (a map's n is
 * twice its entries: key, value, key, value...). line is where the form starts (1-based). */
struct edn {
    enum edn_kind k;
    int64_t i; /* EDN_INT, EDN_BOOL */
    char *s;
    struct edn *items;
    size_t n;
    int line;
};

/* Reads forms one after another from [p, end); err explains the last failure. */
struct edn_reader {
    const char *p, *end;
    int line;
    char err[160];
};

void edn_reader_init(struct edn_reader *r, const char *text, size_t len, int first_line);
/* Reads the next form into *out (caller frees with edn_free). Returns 0, 1 at the end of the input, or
 * ERR_PARSE with r->err ("line N: ..."). Nesting deeper than 64 is refused. */
int edn_read(struct edn_reader *r, struct edn *out);
void edn_free(struct edn *e);
/* The value of keyword key in map m, or NULL. */
const struct edn *edn_get(const struct edn *m, const char *key);
/* Skips whitespace, commas and comments; true if only those remain. */
int edn_at_end(struct edn_reader *r);

#endif
