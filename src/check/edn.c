/* The EDN reader: recursive descent over a byte range, with line numbers, a depth bound and no allocation
 * beyond the forms it returns. */
#include "check/edn.h"

#include "check/history.h"

#include "core/err.h"
#include "core/mem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

void edn_reader_init(struct edn_reader *r, const char *text, size_t len, int first_line)
{
    r->p = text;
    r->end = text + len;
    r->line = first_line;
    r->err[0] = 0;
}

#define fail(r, ...) hist_parse_error((r)->err, sizeof((r)->err), (r)->line, __VA_ARGS__)

static void skip_space(struct edn_reader *r)
{
    while (r->p < r->end) {
        char c = *r->p;
        if (c == '\n') {
            r->line++;
            r->p++;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == ',' || c == '\f') {
            r->p++;
        } else if (c == ';') {
            while (r->p < r->end && *r->p != '\n')
                r->p++;
        } else {
            break;
        }
    }
}

int edn_at_end(struct edn_reader *r)
{
    skip_space(r);
    return r->p >= r->end;
}

/* Replaces every byte that does not begin a valid UTF-8 sequence with '?', in place, so that what we read
 * can always be written back as JSON. */
static void utf8_fix(char *s)
{
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        uint32_t cp = n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
        size_t k = 1;
        for (; n > 1 && k < n && (p[k] & 0xc0) == 0x80; k++)
            cp = (cp << 6) | (p[k] & 0x3f);
        bool ok = n == 1 || (n > 1 && k == n && !(n == 2 && cp < 0x80) && !(n == 3 && cp < 0x800) &&
                             !(n == 4 && (cp < 0x10000 || cp > 0x10ffff)) && !(cp >= 0xd800 && cp <= 0xdfff));
        if (!ok) {
            *p++ = '?';
            continue;
        }
        p += n;
    }
}

static bool is_delim(char c)
{
    return strchr(" \t\r\n,;()[]{}\"", c) != NULL || c == 0;
}

void edn_free(struct edn *e)
{
    free(e->s);
    for (size_t i = 0; i < e->n; i++)
        edn_free(&e->items[i]);
    free(e->items);
    memset(e, 0, sizeof(*e));
}

static int read_form(struct edn_reader *r, struct edn *out, int depth);

static int read_coll(struct edn_reader *r, struct edn *out, enum edn_kind k, char close, int depth)
{
    size_t cap = 0;
    out->k = k;
    for (;;) {
        skip_space(r);
        if (r->p >= r->end)
            return fail(r, "expected '%c' to close the collection opened on line %d", close, out->line);
        if (*r->p == close) {
            r->p++;
            break;
        }
        XGROW(out->items, cap, out->n + 1);
        memset(&out->items[out->n], 0, sizeof(out->items[0]));
        int rc = read_form(r, &out->items[out->n], depth + 1);
        if (rc) {
            edn_free(&out->items[out->n]);
            if (rc == 1)
                return fail(r, "expected '%c' to close the collection opened on line %d", close, out->line);
            return rc;
        }
        out->n++;
    }
    if (k == EDN_MAP && out->n % 2)
        return fail(r, "a map on line %d has a key without a value", out->line);
    return 0;
}

static int read_string(struct edn_reader *r, struct edn *out)
{
    struct buf b;
    buf_init(&b);
    int start = r->line;
    r->p++;
    while (r->p < r->end && *r->p != '"') {
        char c = *r->p++;
        if (c == '\n')
            r->line++;
        if (c == '\\') {
            if (r->p >= r->end)
                break;
            char e = *r->p++;
            c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
            if (e == 'u') { /* \uXXXX: kept as '?' (values are compared, never printed back in full) */
                for (int i = 0; i < 4 && r->p < r->end; i++)
                    r->p++;
                c = '?';
            }
        }
        if (c == 0)
            c = '?'; /* strings are C strings */
        buf_putc(&b, c);
    }
    if (r->p >= r->end) {
        buf_close(&b);
        r->line = start; /* the reader is done: say where the string began */
        return fail(r, "expected '\"' to close a string");
    }
    r->p++;
    out->k = EDN_STR;
    out->s = b.data ? buf_take(&b) : xstrdup("");
    utf8_fix(out->s);
    return 0;
}

static int read_atom(struct edn_reader *r, struct edn *out)
{
    const char *a = r->p;
    while (r->p < r->end && !is_delim(*r->p))
        r->p++;
    size_t n = (size_t)(r->p - a);
    if (n == 0)
        return fail(r, "unexpected '%c'", *a);
    char *t = xmalloc(n + 1);
    memcpy(t, a, n);
    t[n] = 0;
    utf8_fix(t);
    if (t[0] == ':') {
        out->k = EDN_KW;
        memmove(t, t + 1, n);
        out->s = t;
        return 0;
    }
    if (t[0] == '\\') { /* a character literal */
        out->k = EDN_STR;
        out->s = t;
        memmove(t, t + 1, n);
        return 0;
    }
    bool num = (t[0] >= '0' && t[0] <= '9') || ((t[0] == '-' || t[0] == '+') && t[1] >= '0' && t[1] <= '9');
    if (num) {
        char *end;
        errno = 0;
        long long v = strtoll(t, &end, 10);
        if (*end == 'N' && end[1] == 0)
            end++;
        if (*end == 0 && errno == 0) {
            out->k = EDN_INT;
            out->i = v;
            free(t);
            return 0;
        }
        strtod(t, &end);
        if (*end == 'M')
            end++;
        if (*end == 0 || errno == ERANGE) {
            out->k = EDN_FLOAT;
            free(t);
            return 0;
        }
        int rc = fail(r, "'%.40s' is not a number", t);
        free(t);
        return rc;
    }
    if (strcmp(t, "nil") == 0 || strcmp(t, "true") == 0 || strcmp(t, "false") == 0) {
        out->k = t[0] == 'n' ? EDN_NIL : EDN_BOOL;
        out->i = t[0] == 't';
        free(t);
        return 0;
    }
    out->k = EDN_SYM;
    out->s = t;
    return 0;
}

static int read_form(struct edn_reader *r, struct edn *out, int depth)
{
    memset(out, 0, sizeof(*out));
    skip_space(r);
    if (r->p >= r->end)
        return 1;
    if (depth > MAX_DEPTH)
        return fail(r, "nested deeper than %d", MAX_DEPTH);
    out->line = r->line;
    char c = *r->p;
    switch (c) {
    case '(':
        r->p++;
        return read_coll(r, out, EDN_LIST, ')', depth);
    case '[':
        r->p++;
        return read_coll(r, out, EDN_VEC, ']', depth);
    case '{':
        r->p++;
        return read_coll(r, out, EDN_MAP, '}', depth);
    case '"':
        return read_string(r, out);
    case ')':
    case ']':
    case '}':
        return fail(r, "unexpected '%c'", c);
    case '#':
        r->p++;
        if (r->p < r->end && *r->p == '{') {
            r->p++;
            return read_coll(r, out, EDN_SET, '}', depth);
        }
        if (r->p < r->end && *r->p == '_') { /* #_ discards the next form */
            r->p++;
            struct edn skip;
            int rc = read_form(r, &skip, depth + 1);
            edn_free(&skip);
            if (rc)
                return rc == 1 ? fail(r, "expected a form after #_") : rc;
            return read_form(r, out, depth);
        }
        /* a tagged element (#inst "...", #jepsen.history.Op{...}): the tag is dropped, the form kept */
        while (r->p < r->end && !is_delim(*r->p))
            r->p++;
        {
            int rc = read_form(r, out, depth + 1);
            return rc == 1 ? fail(r, "expected a form after a # tag") : rc;
        }
    default:
        return read_atom(r, out);
    }
}

int edn_read(struct edn_reader *r, struct edn *out)
{
    int rc = read_form(r, out, 0);
    if (rc)
        edn_free(out);
    return rc;
}

const struct edn *edn_get(const struct edn *m, const char *key)
{
    if (m->k != EDN_MAP)
        return NULL;
    for (size_t i = 0; i + 1 < m->n; i += 2)
        if (m->items[i].k == EDN_KW && strcmp(m->items[i].s, key) == 0)
            return &m->items[i + 1];
    return NULL;
}
