/* The history model: building, copying, freeing, and the JSON-lines reader and writer. */
#include "check/history.h"

#include "core/err.h"
#include "core/mem.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Bounds on what one line may hold, so that hostile input cannot nest or grow without limit. */
/* Above the EDN reader's 64, so that every history the other formats read is written and read back whole. */
#define MAX_DEPTH 80

struct hist_val hist_nil(void)
{
    return (struct hist_val){.kind = HIST_NIL};
}

struct hist_val hist_int(int64_t i)
{
    return (struct hist_val){.kind = HIST_INT, .i = i};
}

struct hist_val hist_str(const char *s)
{
    return (struct hist_val){.kind = HIST_STR, .s = (char *)s};
}

struct hist_val hist_list(const struct hist_val *items, size_t n)
{
    return (struct hist_val){.kind = HIST_LIST, .items = (struct hist_val *)items, .n = n};
}

bool hist_val_equal(const struct hist_val *a, const struct hist_val *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case HIST_INT:
        return a->i == b->i;
    case HIST_STR:
        return strcmp(a->s, b->s) == 0;
    case HIST_LIST:
        if (a->n != b->n)
            return false;
        for (size_t i = 0; i < a->n; i++)
            if (!hist_val_equal(&a->items[i], &b->items[i]))
                return false;
        return true;
    default:
        return true;
    }
}

static struct hist_val val_copy(const struct hist_val *v)
{
    struct hist_val c = *v;
    if (v->kind == HIST_STR)
        c.s = xstrdup(v->s);
    if (v->kind == HIST_LIST) {
        c.items = xcalloc(v->n, sizeof(*c.items));
        for (size_t i = 0; i < v->n; i++)
            c.items[i] = val_copy(&v->items[i]);
    }
    return c;
}

static void val_free(struct hist_val *v)
{
    if (v->kind == HIST_STR)
        free(v->s);
    if (v->kind == HIST_LIST) {
        for (size_t i = 0; i < v->n; i++)
            val_free(&v->items[i]);
        free(v->items);
    }
    *v = (struct hist_val){0};
}

void hist_val_json(struct buf *b, const struct hist_val *v)
{
    switch (v->kind) {
    case HIST_INT:
        buf_printf(b, "%" PRId64, v->i);
        break;
    case HIST_STR:
        buf_json_str(b, v->s);
        break;
    case HIST_LIST:
        buf_putc(b, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                buf_putc(b, ',');
            hist_val_json(b, &v->items[i]);
        }
        buf_putc(b, ']');
        break;
    default:
        buf_puts(b, "null");
    }
}

void history_init(struct history *h)
{
    memset(h, 0, sizeof(*h));
}

static void event_free(struct hist_event *e)
{
    free(e->f);
    free(e->key);
    free(e->session);
    free(e->error);
    val_free(&e->value);
}

void history_close(struct history *h)
{
    for (size_t i = 0; i < h->n; i++)
        event_free(&h->ev[i]);
    free(h->ev);
    history_init(h);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

size_t history_add(struct history *h, const struct hist_event *e)
{
    XGROW(h->ev, h->cap, h->n + 1);
    struct hist_event *c = &h->ev[h->n];
    *c = *e;
    c->f = xstrdup(e->f ? e->f : "");
    c->key = dup_or_null(e->key);
    c->session = dup_or_null(e->session);
    c->error = dup_or_null(e->error);
    c->value = val_copy(&e->value);
    return h->n++;
}

static size_t add_event(struct history *h, int64_t process, enum hist_type type, const char *f,
                        const char *key, struct hist_val value, int64_t time_ns)
{
    struct hist_event e = {.process = process,
                           .type = type,
                           .f = (char *)f,
                           .key = (char *)key,
                           .value = value,
                           .time_ns = time_ns,
                           .version = HIST_NO_VERSION};
    return history_add(h, &e);
}

size_t history_invoke(struct history *h, int64_t process, const char *f, const char *key,
                      struct hist_val value, int64_t time_ns)
{
    return add_event(h, process, HIST_INVOKE, f, key, value, time_ns);
}

size_t history_complete(struct history *h, int64_t process, enum hist_type type, struct hist_val value,
                        int64_t time_ns)
{
    /* the completion names the same operation and key as the process's last invocation (the strings are
     * separate allocations, so growing the event array does not move them) */
    for (size_t i = h->n; i-- > 0;)
        if (h->ev[i].process == process && h->ev[i].type == HIST_INVOKE)
            return add_event(h, process, type, h->ev[i].f, h->ev[i].key, value, time_ns);
    return add_event(h, process, type, "", NULL, value, time_ns);
}

const char *hist_type_name(enum hist_type t)
{
    static const char *const names[] = {"invoke", "ok", "fail", "info"};
    return (unsigned)t < 4 ? names[t] : "?";
}

void history_event_json(struct buf *b, const struct hist_event *e)
{
    buf_printf(b, "{\"process\":%" PRId64 ",\"type\":\"%s\",\"f\":", e->process, hist_type_name(e->type));
    buf_json_str(b, e->f ? e->f : "");
    if (e->key) {
        buf_puts(b, ",\"key\":");
        buf_json_str(b, e->key);
    }
    if (e->value.kind != HIST_NONE) {
        buf_puts(b, ",\"value\":");
        hist_val_json(b, &e->value);
    }
    if (e->time_ns != HIST_NO_TIME)
        buf_printf(b, ",\"time\":%" PRId64, e->time_ns);
    if (e->session) {
        buf_puts(b, ",\"session\":");
        buf_json_str(b, e->session);
    }
    if (e->version != HIST_NO_VERSION)
        buf_printf(b, ",\"%s\":%" PRId64, e->version_is_lsn ? "lsn" : "version", e->version);
    if (e->error) {
        buf_puts(b, ",\"error\":");
        buf_json_str(b, e->error);
    }
    buf_puts(b, "}\n");
}

int history_write_jsonl(const struct history *h, FILE *f)
{
    struct buf b;
    buf_init(&b);
    int rc = 0;
    for (size_t i = 0; i < h->n && rc == 0; i++) {
        buf_reset(&b);
        history_event_json(&b, &h->ev[i]);
        if (fwrite(b.data, 1, b.len, f) != b.len)
            rc = ERR_IO;
    }
    buf_close(&b);
    return rc;
}

int hist_parse_error(char *err, size_t n, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = snprintf(err, n, "line %d: ", line);
    if (k >= 0 && (size_t)k < n)
        vsnprintf(err + k, n - (size_t)k, fmt, ap);
    va_end(ap);
    return ERR_PARSE;
}

#define fail(h, line, ...) hist_parse_error((h)->err, sizeof((h)->err), (line), __VA_ARGS__)

static int json_to_val(const json_t *j, struct hist_val *out, int depth)
{
    if (depth > MAX_DEPTH)
        return ERR_RANGE;
    switch (json_typeof(j)) {
    case JSON_NULL:
        *out = hist_nil();
        return 0;
    case JSON_INTEGER:
        *out = hist_int((int64_t)json_integer_value(j));
        return 0;
    case JSON_STRING:
        *out = (struct hist_val){.kind = HIST_STR, .s = xstrdup(json_string_value(j))};
        return 0;
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        *out = (struct hist_val){.kind = HIST_LIST, .items = xcalloc(n, sizeof(struct hist_val)), .n = n};
        for (size_t i = 0; i < n; i++) {
            int rc = json_to_val(json_array_get(j, i), &out->items[i], depth + 1);
            if (rc) {
                out->n = i;
                val_free(out);
                return rc;
            }
        }
        return 0;
    }
    default:
        return ERR_PARSE;
    }
}

/* "0/16B3748" (PostgreSQL's pg_lsn text form: two hex halves) or a plain decimal. */
static bool parse_lsn_text(const char *s, int64_t *out)
{
    char *end;
    unsigned long long hi = strtoull(s, &end, 16);
    if (end == s || *end != '/' || hi > 0x7fffffffULL)
        return false;
    const char *lo_s = end + 1;
    unsigned long long lo = strtoull(lo_s, &end, 16);
    if (end == lo_s || *end || lo > 0xffffffffULL || *lo_s == '-' || *s == '-')
        return false;
    *out = (int64_t)((hi << 32) | lo);
    return true;
}

static const char *type_names_accepted = "invoke, ok, fail or info";

static int parse_type(const char *s, enum hist_type *t)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, hist_type_name((enum hist_type)i)) == 0) {
            *t = (enum hist_type)i;
            return 0;
        }
    return ERR_PARSE;
}

/* A string, or an integer written as a string (keys and sessions may be either). */
static char *str_or_int(const json_t *j)
{
    if (json_is_string(j))
        return xstrdup(json_string_value(j));
    char tmp[32];
    snprintf(tmp, sizeof(tmp), "%" PRId64, (int64_t)json_integer_value(j));
    return xstrdup(tmp);
}

static int json_to_event(struct history *h, json_t *o, int line, struct hist_event *e)
{
    if (!json_is_object(o))
        return fail(h, line, "expected a JSON object {\"process\":..,\"type\":..,\"f\":..}");
    json_t *p = json_object_get(o, "process"), *t = json_object_get(o, "type"), *f = json_object_get(o, "f");
    if (!p)
        return fail(h, line, "missing \"process\" (an integer client id)");
    if (!json_is_integer(p))
        return 1; /* a nemesis or other non-client entry: not an operation */
    if (json_integer_value(p) < 0)
        return fail(h, line, "\"process\" is %" PRId64 "; expected an integer >= 0",
                    (int64_t)json_integer_value(p));
    e->process = (int64_t)json_integer_value(p);
    if (!json_is_string(t) || parse_type(json_string_value(t), &e->type))
        return fail(h, line, "\"type\" must be %s", type_names_accepted);
    if (!json_is_string(f))
        return fail(h, line, "\"f\" must be a string naming the operation (read, write, cas, ...)");
    e->f = (char *)json_string_value(f);
    json_t *k = json_object_get(o, "key");
    if (k && !json_is_null(k) && !json_is_string(k) && !json_is_integer(k))
        return fail(h, line, "\"key\" must be a string or an integer");
    e->key = k && !json_is_null(k) ? str_or_int(k) : NULL;
    json_t *v = json_object_get(o, "value");
    if (v && json_to_val(v, &e->value, 0))
        return fail(h, line, "\"value\" must be null, an integer, a string or an array of those");
    json_t *tm = json_object_get(o, "time");
    e->time_ns = HIST_NO_TIME;
    if (tm && (!json_is_integer(tm) || json_integer_value(tm) < 0))
        return fail(h, line, "\"time\" must be an integer number of nanoseconds >= 0");
    if (tm)
        e->time_ns = (int64_t)json_integer_value(tm);
    json_t *s = json_object_get(o, "session");
    if (s && !json_is_null(s) && !json_is_string(s) && !json_is_integer(s))
        return fail(h, line, "\"session\" must be a string or an integer");
    e->session = s && !json_is_null(s) ? str_or_int(s) : NULL;
    e->version = HIST_NO_VERSION;
    json_t *lsn = json_object_get(o, "lsn"), *ver = json_object_get(o, "version");
    if (lsn && ver)
        return fail(h, line, "give \"lsn\" or \"version\", not both");
    json_t *vv = lsn ? lsn : ver;
    e->version_is_lsn = lsn != NULL;
    if (vv && json_is_integer(vv) && json_integer_value(vv) >= 0)
        e->version = (int64_t)json_integer_value(vv);
    else if (vv && !(lsn && json_is_string(vv) && parse_lsn_text(json_string_value(vv), &e->version)))
        return fail(h, line, "\"%s\" must be an integer >= 0%s", lsn ? "lsn" : "version",
                    lsn ? " or a pg_lsn like \"0/16B3748\"" : "");
    json_t *er = json_object_get(o, "error");
    if (er && !json_is_null(er) && !json_is_string(er))
        return fail(h, line, "\"error\" must be a string");
    e->error = er && json_is_string(er) ? (char *)json_string_value(er) : NULL;
    e->line = line;
    return 0;
}

int history_read_jsonl(struct history *h, const char *text, size_t len)
{
    int line = 0;
    size_t pos = 0;
    while (pos < len) {
        line++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t a = pos;
        while (a < end && (text[a] == ' ' || text[a] == '\t' || text[a] == '\r'))
            a++;
        pos = end + 1;
        if (a == end)
            continue;
        json_error_t jerr;
        json_t *o = json_loadb(text + a, end - a, 0, &jerr);
        if (!o)
            return fail(h, line, "expected one JSON object per line (%s)", jerr.text);
        struct hist_event e = {0};
        int rc = json_to_event(h, o, line, &e);
        if (rc == 0)
            history_add(h, &e);
        free(e.key);
        free(e.session);
        val_free(&e.value);
        json_decref(o);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int history_pair(struct history *h, struct hist_op **ops, size_t *nops)
{
    /* pending[p]: the op index of process p's open invocation; processes are looked up by a small
     * open-addressing table because ids may be large. */
    size_t cap = 64;
    while (cap < 2 * h->n + 2)
        cap *= 2;
    int64_t *pid = xmalloc(cap * sizeof(*pid));
    size_t *open = xmalloc(cap * sizeof(*open));
    for (size_t i = 0; i < cap; i++)
        pid[i] = -1;
    struct hist_op *out = NULL;
    size_t n = 0, ocap = 0;
    int rc = 0;
    for (size_t i = 0; i < h->n && rc == 0; i++) {
        const struct hist_event *e = &h->ev[i];
        size_t slot = (size_t)((uint64_t)e->process * 0x9E3779B97F4A7C15ULL >> 7) & (cap - 1);
        while (pid[slot] != -1 && pid[slot] != e->process)
            slot = (slot + 1) & (cap - 1);
        if (pid[slot] == -1) {
            pid[slot] = e->process;
            open[slot] = HIST_NONE_IDX;
        }
        int line = e->line ? e->line : (int)i + 1;
        if (e->type == HIST_INVOKE) {
            if (open[slot] != HIST_NONE_IDX)
                rc = fail(
                    h, line, "process %" PRId64 " invokes %s while its %s from line %d has not completed",
                    e->process, e->f, h->ev[out[open[slot]].invoke].f, h->ev[out[open[slot]].invoke].line);
            XGROW(out, ocap, n + 1);
            out[n] = (struct hist_op){.invoke = i, .complete = HIST_NONE_IDX};
            open[slot] = n++;
        } else if (open[slot] == HIST_NONE_IDX) {
            rc = fail(h, line, "process %" PRId64 " completes %s but invoked nothing", e->process, e->f);
        } else {
            out[open[slot]].complete = i;
            open[slot] = HIST_NONE_IDX;
        }
    }
    free(pid);
    free(open);
    if (rc) {
        free(out);
        return rc;
    }
    *ops = out;
    *nops = n;
    return 0;
}

enum hist_type hist_op_type(const struct history *h, const struct hist_op *op)
{
    return op->complete == HIST_NONE_IDX ? HIST_INFO : h->ev[op->complete].type;
}
