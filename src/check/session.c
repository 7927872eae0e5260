/* Session-guarantee checker: one sweep per session (and key) in real-time order, keeping the greatest version
 * written and read so far; consistent prefix compares each read with the write order of its key. */
#include "check/session.h"

#include "core/err.h"
#include "core/mem.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* What the checker needs of one operation. */
struct sop {
    size_t op;           /* index in r->ops */
    const char *session; /* points into the history, or into sess_buf */
    const char *key;     /* "" if none */
    int64_t version;
    bool read, write, usable;
    const struct hist_val *value; /* read: returned value; write: written value */
    bool plain_write;             /* f "write" or "put": the value written is the whole new state */
};

struct ctx {
    const struct history *h;
    struct session_result *r;
    struct sop *s;
    bool per_key;
};

static const char *const names[SESSION_N] = {"read-your-writes", "monotonic reads", "monotonic writes",
                                             "writes-follow-reads", "consistent prefix"};

const char *session_name(enum session_guarantee g)
{
    return (unsigned)g < SESSION_N ? names[g] : "?";
}

static void add(struct session_result *r, enum session_guarantee g, const struct sop *a, const struct sop *b)
{
    XGROW(r->v, r->cap, r->n + 1);
    r->v[r->n++] =
        (struct session_violation){.g = g, .a = a->op, .b = b->op, .va = a->version, .vb = b->version};
}

/* Sessions, then keys (when versions are per key), then invocation order. */
static int by_session(const void *x, const void *y, void *arg)
{
    const struct ctx *sort_ctx = arg;
    const struct sop *a = &sort_ctx->s[*(const size_t *)x], *b = &sort_ctx->s[*(const size_t *)y];
    int c = strcmp(a->session, b->session);
    if (c == 0 && sort_ctx->per_key)
        c = strcmp(a->key, b->key);
    if (c)
        return c;
    size_t ia = sort_ctx->r->ops[a->op].invoke, ib = sort_ctx->r->ops[b->op].invoke;
    return ia < ib ? -1 : ia > ib;
}

static bool same_group(const struct ctx *c, const struct sop *a, const struct sop *b)
{
    return strcmp(a->session, b->session) == 0 && (!c->per_key || strcmp(a->key, b->key) == 0);
}

/* One event of a group sweep: an operation's invocation (is_end false) or completion. */
struct mark {
    size_t at; /* event index */
    size_t sop;
    bool is_end;
};

static int by_event(const void *x, const void *y)
{
    const struct mark *a = x, *b = y;
    return a->at < b->at ? -1 : a->at > b->at;
}

/* Per operation: the greatest write and read (as sop indices, SIZE_MAX if none) that completed in its
 * session before it was invoked. */
struct seen {
    size_t w, r;
};

static void check_group(const struct ctx *c, const size_t *idx, size_t n, struct mark *marks,
                        struct seen *seen)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const struct hist_op *op = &c->r->ops[c->s[idx[i]].op];
        marks[m++] = (struct mark){.at = op->invoke, .sop = idx[i], .is_end = false};
        marks[m++] = (struct mark){.at = op->complete, .sop = idx[i], .is_end = true};
    }
    qsort(marks, m, sizeof(*marks), by_event);
    size_t maxw = SIZE_MAX, maxr = SIZE_MAX;
    for (size_t i = 0; i < m; i++) {
        const struct sop *s = &c->s[marks[i].sop];
        if (!marks[i].is_end) {
            seen[marks[i].sop] = (struct seen){.w = maxw, .r = maxr};
            continue;
        }
        struct seen before = seen[marks[i].sop];
        const struct sop *w = before.w == SIZE_MAX ? NULL : &c->s[before.w];
        const struct sop *r = before.r == SIZE_MAX ? NULL : &c->s[before.r];
        if (s->read) {
            c->r->checked[SESSION_RYW]++;
            c->r->checked[SESSION_MR]++;
            if (w && s->version < w->version)
                add(c->r, SESSION_RYW, w, s);
            if (r && s->version < r->version)
                add(c->r, SESSION_MR, r, s);
            if (maxr == SIZE_MAX || s->version > c->s[maxr].version)
                maxr = marks[i].sop;
        } else {
            c->r->checked[SESSION_MW]++;
            c->r->checked[SESSION_WFR]++;
            if (w && s->version <= w->version)
                add(c->r, SESSION_MW, w, s);
            if (r && s->version <= r->version)
                add(c->r, SESSION_WFR, r, s);
            if (maxw == SIZE_MAX || s->version > c->s[maxw].version)
                maxw = marks[i].sop;
        }
    }
}

/* Keys, then versions: the write order of each key. */
static int by_key_version(const void *x, const void *y, void *arg)
{
    const struct ctx *sort_ctx = arg;
    const struct sop *a = &sort_ctx->s[*(const size_t *)x], *b = &sort_ctx->s[*(const size_t *)y];
    int c = strcmp(a->key, b->key);
    if (c)
        return c;
    return a->version < b->version ? -1 : a->version > b->version;
}

static void check_prefix(const struct ctx *c, size_t nsop, size_t *idx)
{
    size_t nw = 0;
    for (size_t i = 0; i < nsop; i++)
        if (c->s[i].usable && c->s[i].plain_write)
            idx[nw++] = i;
    qsort_r(idx, nw, sizeof(*idx), by_key_version, (void *)c);
    for (size_t i = 0; i < nsop; i++) {
        const struct sop *rd = &c->s[i];
        if (!rd->usable || !rd->read || rd->value->kind == HIST_NONE)
            continue;
        /* The writes of this key: [lo, hi) in idx. */
        size_t lo = 0, hi = nw;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (strcmp(c->s[idx[mid]].key, rd->key) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        size_t end = lo;
        while (end < nw && strcmp(c->s[idx[end]].key, rd->key) == 0)
            end++;
        if (lo == end)
            continue; /* no known writes to this key: nothing to compare with */
        c->r->checked[SESSION_CP]++;
        const struct sop *expect = NULL, *source = NULL;
        for (size_t j = lo; j < end; j++) {
            const struct sop *w = &c->s[idx[j]];
            if (w->version <= rd->version)
                expect = w;
            if (!source && hist_val_equal(w->value, rd->value))
                source = w;
        }
        if (expect && hist_val_equal(expect->value, rd->value))
            continue;
        if (!expect && (rd->value->kind == HIST_NIL || !source))
            continue; /* read the initial state, or a value whose write we do not know */
        if (source && source->version > rd->version)
            add(c->r, SESSION_CP, source, rd);
        else if (expect)
            add(c->r, SESSION_CP, expect, rd);
    }
}

static bool is_read_f(const char *f)
{
    return strcmp(f, "read") == 0 || strcmp(f, "get") == 0;
}

int session_check(struct history *h, struct session_result *r)
{
    memset(r, 0, sizeof(*r));
    int rc = history_pair(h, &r->ops, &r->nops);
    if (rc)
        return rc;
    size_t n = r->nops;
    struct sop *s = xcalloc(n, sizeof(*s));
    char(*sess_buf)[24] = xcalloc(n, sizeof(*sess_buf));
    for (size_t i = 0; i < h->n; i++)
        if (h->ev[i].version != HIST_NO_VERSION && h->ev[i].version_is_lsn)
            r->global = true;
    for (size_t i = 0; i < n; i++) {
        const struct hist_op *op = &r->ops[i];
        const struct hist_event *inv = &h->ev[op->invoke];
        const struct hist_event *done = op->complete == HIST_NONE_IDX ? NULL : &h->ev[op->complete];
        struct sop *o = &s[i];
        o->op = i;
        const char *sess = done && done->session ? done->session : inv->session;
        if (!sess) {
            snprintf(sess_buf[i], sizeof(sess_buf[i]), "p%" PRId64, inv->process);
            sess = sess_buf[i];
        }
        o->session = sess;
        o->key = inv->key ? inv->key : "";
        o->read = is_read_f(inv->f);
        o->write = !o->read;
        o->plain_write = strcmp(inv->f, "write") == 0 || strcmp(inv->f, "put") == 0;
        o->version = done && done->version != HIST_NO_VERSION ? done->version : inv->version;
        o->value = o->read ? (done ? &done->value : &inv->value) : &inv->value;
        if (o->write && inv->value.kind == HIST_NONE && done)
            o->value = &done->value;
        o->usable = done && done->type == HIST_OK && o->version != HIST_NO_VERSION;
    }
    struct ctx c = {.h = h, .r = r, .s = s, .per_key = !r->global};
    size_t *idx = xmalloc((n + 1) * sizeof(*idx));
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i].usable)
            idx[m++] = i;
    r->usable = m;
    qsort_r(idx, m, sizeof(*idx), by_session, &c);
    struct mark *marks = xmalloc((2 * m + 1) * sizeof(*marks));
    struct seen *seen = xmalloc((n + 1) * sizeof(*seen));
    for (size_t i = 0; i < m;) {
        size_t j = i + 1;
        while (j < m && same_group(&c, &s[idx[i]], &s[idx[j]]))
            j++;
        check_group(&c, idx + i, j - i, marks, seen);
        i = j;
    }
    check_prefix(&c, n, idx);
    free(marks);
    free(seen);
    free(idx);
    free(sess_buf);
    free(s);
    return 0;
}

void session_result_close(struct session_result *r)
{
    free(r->ops);
    free(r->v);
    memset(r, 0, sizeof(*r));
}

static void describe_op(const struct history *h, const struct hist_op *op, int64_t version, bool global,
                        struct buf *out)
{
    const struct hist_event *inv = &h->ev[op->invoke];
    const struct hist_event *done = &h->ev[op->complete];
    bool read = is_read_f(inv->f);
    buf_printf(out, "%s", inv->f);
    if (inv->key)
        buf_printf(out, " %s", inv->key);
    const struct hist_val *v = read ? &done->value : &inv->value;
    if (v->kind != HIST_NONE) {
        buf_puts(out, read ? " -> " : " ");
        if (v->kind == HIST_NIL)
            buf_puts(out, "nil");
        else
            hist_val_json(out, v);
    }
    buf_printf(out, " (line %d, %s %" PRId64 ")", done->line ? done->line : (int)op->complete + 1,
               global ? "lsn" : "version", version);
}

void session_describe(const struct history *h, const struct session_result *r,
                      const struct session_violation *v, struct buf *out)
{
    const struct hist_op *a = &r->ops[v->a], *b = &r->ops[v->b];
    const struct hist_event *ib = &h->ev[b->invoke];
    buf_printf(out, "%s: ", session_name(v->g));
    if (v->g == SESSION_CP) {
        buf_puts(out, "read ");
        describe_op(h, b, v->vb, r->global, out);
        buf_puts(out, v->va > v->vb ? " returned the value of a later write, " : " should have seen ");
        describe_op(h, a, v->va, r->global, out);
        return;
    }
    const char *sess = ib->session ? ib->session : NULL;
    if (sess)
        buf_printf(out, "session %s ", sess);
    else
        buf_printf(out, "process %" PRId64 " ", ib->process);
    describe_op(h, a, v->va, r->global, out);
    buf_puts(out, ", then ");
    describe_op(h, b, v->vb, r->global, out);
    static const char *const why[] = {"a read older than the session's own write",
                                      "a read older than an earlier read",
                                      "a write not ordered after the session's earlier write",
                                      "a write not ordered after what the session had read"};
    buf_printf(out, ": %s", why[v->g]);
}
