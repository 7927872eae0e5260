/* The three history formats into one struct history: Jepsen log lines, Jepsen EDN maps, dkata JSON lines. */
#include "check/parse.h"

#include "check/edn.h"
#include "core/err.h"
#include "core/mem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const format_names[HIST_NFORMATS] = {"auto", "jepsen-log", "edn", "jsonl"};
static const char *const jepsen_marker = "jepsen.util - ";

const char *hist_format_name(enum hist_format f)
{
    return (unsigned)f < HIST_NFORMATS ? format_names[f] : "?";
}

int hist_format_parse(const char *s)
{
    for (int i = 0; i < HIST_NFORMATS; i++)
        if (strcmp(s, format_names[i]) == 0)
            return i;
    return -1;
}

enum hist_format hist_format_detect(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && strchr(" \t\r\n", text[i]) && text[i])
        i++;
    if (i == len)
        return HIST_FMT_JSONL;
    if (text[i] == '{') {
        size_t j = i + 1;
        while (j < len && (text[j] == ' ' || text[j] == '\t'))
            j++;
        return j < len && text[j] == '"' ? HIST_FMT_JSONL : HIST_FMT_EDN;
    }
    if (text[i] == '[' || text[i] == ';' || text[i] == '#')
        return HIST_FMT_EDN;
    const char *nl = memchr(text + i, '\n', len - i);
    size_t end = nl ? (size_t)(nl - text) : len;
    if (memmem(text + i, end - i, jepsen_marker, strlen(jepsen_marker)))
        return HIST_FMT_JEPSEN_LOG;
    return HIST_FMT_AUTO;
}

#define fail(h, line, ...) hist_parse_error((h)->err, sizeof((h)->err), (line), __VA_ARGS__)

static void val_free(struct hist_val *v)
{
    if (v->kind == HIST_STR)
        free(v->s);
    for (size_t i = 0; v->kind == HIST_LIST && i < v->n; i++)
        val_free(&v->items[i]);
    if (v->kind == HIST_LIST)
        free(v->items);
}

/* An EDN form as a value; false for a map or a float, which values cannot be. */
static bool edn_to_val(const struct edn *e, struct hist_val *out)
{
    *out = (struct hist_val){0};
    switch (e->k) {
    case EDN_NIL:
        *out = hist_nil();
        return true;
    case EDN_BOOL:
    case EDN_INT:
        *out = hist_int(e->i);
        return true;
    case EDN_STR:
    case EDN_KW:
    case EDN_SYM:
        *out = (struct hist_val){.kind = HIST_STR, .s = xstrdup(e->s)};
        return true;
    case EDN_LIST:
    case EDN_VEC:
    case EDN_SET:
        *out =
            (struct hist_val){.kind = HIST_LIST, .items = xcalloc(e->n, sizeof(struct hist_val)), .n = e->n};
        for (size_t i = 0; i < e->n; i++)
            if (!edn_to_val(&e->items[i], &out->items[i])) {
                out->n = i + 1;
                val_free(out);
                *out = (struct hist_val){0};
                return false;
            }
        return true;
    default:
        return false;
    }
}

static bool parse_type_kw(const struct edn *e, enum hist_type *t)
{
    static const char *const names[] = {"invoke", "ok", "fail", "info"};
    if (!e || e->k != EDN_KW)
        return false;
    for (int i = 0; i < 4; i++)
        if (strcmp(e->s, names[i]) == 0) {
            *t = (enum hist_type)i;
            return true;
        }
    return false;
}

static bool is_name(const struct edn *e)
{
    return e && (e->k == EDN_KW || e->k == EDN_STR || e->k == EDN_SYM);
}

static bool is_timed_out(const struct edn *v)
{
    return v && v->k == EDN_KW && strcmp(v->s, "timed-out") == 0;
}

/* Adds e (its value taken from form v), then frees what was converted. */
static int add_event(struct history *h, struct hist_event *e, const struct edn *v, int line)
{
    if (v && !edn_to_val(v, &e->value))
        return fail(h, line, "a value must be nil, an integer, a string, a keyword or a collection of those");
    e->line = line;
    history_add(h, e);
    val_free(&e->value);
    return 0;
}

/* ---- Jepsen log lines ---- */

static int jepsen_line(struct history *h, const char *a, const char *end, int line)
{
    struct edn_reader r;
    edn_reader_init(&r, a, (size_t)(end - a), line);
    struct edn f[4] = {0};
    int got = 0, rc = 0;
    for (; got < 4; got++) {
        rc = edn_read(&r, &f[got]);
        if (rc)
            break;
    }
    if (rc < 0) {
        snprintf(h->err, sizeof(h->err), "%s", r.err);
        goto out;
    }
    rc = 0;
    if (got == 0 || (f[0].k != EDN_INT && f[0].k != EDN_KW && f[0].k != EDN_SYM)) {
        rc = fail(h, line, "expected a process (an integer, or :nemesis) after '%s'", jepsen_marker);
        goto out;
    }
    struct hist_event e = {.time_ns = HIST_NO_TIME, .version = HIST_NO_VERSION};
    if (got < 2 || !parse_type_kw(&f[1], &e.type)) {
        rc = fail(h, line, "expected :invoke, :ok, :fail or :info after the process");
        goto out;
    }
    if (got < 3 || !is_name(&f[2])) {
        rc = fail(h, line, "expected the operation (:read, :write, :cas, ...) after :%s",
                  hist_type_name(e.type));
        goto out;
    }
    if (f[0].k != EDN_INT || f[0].i < 0)
        goto out; /* the nemesis: not an operation */
    e.process = f[0].i;
    e.f = f[2].s;
    const struct edn *v = got == 4 ? &f[3] : NULL;
    if (is_timed_out(v) && e.type != HIST_INVOKE) {
        e.type = HIST_INFO; /* :fail ... :timed-out too: the outcome is unknown */
        e.error = "timed-out";
        v = NULL;
    } else if (e.type == HIST_FAIL && strcmp(e.f, "cas") == 0) {
        e.error = "cas-mismatch";
    }
    rc = add_event(h, &e, v, line);
out:
    for (int i = 0; i < 4; i++)
        edn_free(&f[i]);
    return rc;
}

static int parse_jepsen_log(struct history *h, const char *text, size_t len)
{
    int line = 0;
    for (size_t pos = 0; pos < len;) {
        line++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        const char *m = memmem(text + pos, end - pos, jepsen_marker, strlen(jepsen_marker));
        if (m) {
            int rc = jepsen_line(h, m + strlen(jepsen_marker), text + end, line);
            if (rc)
                return rc;
        }
        pos = end + 1;
    }
    return 0;
}

/* ---- EDN ---- */

static int edn_op(struct history *h, const struct edn *m)
{
    if (m->k != EDN_MAP)
        return fail(h, m->line, "expected a map like {:process 0, :type :invoke, :f :read, :value nil}");
    const struct edn *p = edn_get(m, "process"), *t = edn_get(m, "type"), *f = edn_get(m, "f");
    const struct edn *v = edn_get(m, "value"), *k = edn_get(m, "key"), *tm = edn_get(m, "time");
    const struct edn *er = edn_get(m, "error");
    if (!p)
        return fail(h, m->line, "expected :process in the map");
    if (p->k != EDN_INT || p->i < 0)
        return 0; /* :nemesis and other non-client processes: not operations */
    struct hist_event e = {.process = p->i, .time_ns = HIST_NO_TIME, .version = HIST_NO_VERSION};
    if (!parse_type_kw(t, &e.type))
        return fail(h, m->line, "expected :type to be :invoke, :ok, :fail or :info");
    if (!is_name(f))
        return fail(h, m->line, "expected :f to name the operation (:read, :write, :cas, ...)");
    e.f = f->s;
    char keybuf[32];
    if (k && k->k == EDN_INT) {
        snprintf(keybuf, sizeof(keybuf), "%lld", (long long)k->i);
        e.key = keybuf;
    } else if (k && is_name(k)) {
        e.key = k->s;
    } else if (k && k->k != EDN_NIL) {
        return fail(h, m->line, "expected :key to be a string, keyword or integer");
    }
    if (tm && (tm->k != EDN_INT || tm->i < 0))
        return fail(h, m->line, "expected :time to be an integer number of nanoseconds");
    if (tm)
        e.time_ns = tm->i;
    if (er)
        e.error = is_name(er) ? er->s : "error";
    if (is_timed_out(v) && e.type != HIST_INVOKE)
        v = NULL;
    if (v && v->k == EDN_NIL && e.type == HIST_OK && (strcmp(e.f, "read") == 0))
        v = NULL; /* Knossos: a read of nil told us nothing */
    return add_event(h, &e, v, m->line);
}

static int parse_edn(struct history *h, const char *text, size_t len)
{
    struct edn_reader r;
    edn_reader_init(&r, text, len, 1);
    for (;;) {
        struct edn form;
        int rc = edn_read(&r, &form);
        if (rc == 1)
            return 0;
        if (rc) {
            snprintf(h->err, sizeof(h->err), "%s", r.err);
            return rc;
        }
        if (form.k == EDN_VEC || form.k == EDN_LIST) {
            for (size_t i = 0; i < form.n && rc == 0; i++)
                rc = edn_op(h, &form.items[i]);
        } else {
            rc = edn_op(h, &form);
        }
        edn_free(&form);
        if (rc)
            return rc;
    }
}

/* What one operation looks like in each format, for the message on input that holds none. */
static const char *const format_example[HIST_NFORMATS] = {
    NULL,
    "Jepsen log lines (--format jepsen-log) like 'INFO  jepsen.util - 3 :invoke :read nil'; other lines are "
    "log noise",
    "EDN maps (--format edn) like {:process 0, :type :invoke, :f :read, :value nil}",
    "JSON lines (--format jsonl) like {\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}"};

static bool is_blank(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!strchr(" \t\r\n", text[i]) || !text[i])
            return false;
    return true;
}

/* Text that is not blank but gave no operation was not understood: an empty history must be an empty file. */
static int none_found(struct history *h, size_t before, const char *text, size_t len, enum hist_format fmt)
{
    if (h->n > before || is_blank(text, len))
        return 0;
    snprintf(h->err, sizeof(h->err), "no operation found; expected %s", format_example[fmt]);
    return ERR_PARSE;
}

int history_parse(struct history *h, const char *text, size_t len, enum hist_format fmt)
{
    if (fmt == HIST_FMT_AUTO)
        fmt = hist_format_detect(text, len);
    size_t before = h->n;
    int rc;
    switch (fmt) {
    case HIST_FMT_JEPSEN_LOG:
        rc = parse_jepsen_log(h, text, len);
        break;
    case HIST_FMT_EDN:
        rc = parse_edn(h, text, len);
        break;
    case HIST_FMT_JSONL:
        rc = history_read_jsonl(h, text, len);
        break;
    default:
        snprintf(h->err, sizeof(h->err),
                 "line 1: cannot tell the format (expected JSON lines, EDN maps or Jepsen log lines); "
                 "give --format");
        return ERR_PARSE;
    }
    return rc ? rc : none_found(h, before, text, len, fmt);
}

int history_load(struct history *h, const char *path, enum hist_format *fmt)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(h->err, sizeof(h->err), "cannot open '%s': %s", path, strerror(errno));
        return ERR_IO;
    }
    struct buf b;
    buf_init(&b);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_put(&b, chunk, n);
    int read_errno = ferror(f) ? errno : 0;
    bool bad = ferror(f);
    if (!is_stdin)
        fclose(f);
    if (!bad && *fmt == HIST_FMT_AUTO)
        *fmt = hist_format_detect(b.data ? b.data : "", b.len);
    int rc = bad ? ERR_IO : history_parse(h, b.data ? b.data : "", b.len, *fmt);
    if (bad)
        snprintf(h->err, sizeof(h->err), "cannot read '%s': %s (expected a history file)", path,
                 strerror(read_errno));
    buf_close(&b);
    return rc;
}
