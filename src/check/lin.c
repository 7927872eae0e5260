/* Linearizability: operations to compact per-key partitions, then Wing-Gong-Lowe search with a memo of
 * (linearized set, state). Reading: Lowe, "Testing for linearizability" (2017), section 3 (the just-in-time
 * linked list and the cache); Horn & Kroening, "Faster linearizability checking via P-compositionality"
 * (2015) for checking each key alone. */
#include "check/lin.h"

#include "core/err.h"
#include "core/mem.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { K_READ, K_WRITE, K_CAS, K_APPEND, K_ADD, K_SADD };
enum { R_OK, R_MISMATCH, R_UNKNOWN };
#define NO_RET UINT32_MAX

/* One operation of a partition, with its arguments interned. */
struct lop {
    size_t op;     /* index into p->ops */
    uint32_t call; /* event indices: the order of the list */
    uint32_t ret;  /* NO_RET: unknown outcome, may take effect any time after call or never */
    uint8_t kind, res;
    int64_t a, b, out;
};

/* Byte strings to dense ids (values and states), and memoized transitions (state, argument) -> state. */
struct intern {
    char **s;
    size_t *len;
    size_t n, cap;
    uint32_t *tab; /* id + 1, 0 = empty */
    size_t tcap;
    uint64_t *mkey;
    int64_t *mval;
    size_t mn, mcap;
    size_t bytes; /* memory held, for the budget (kv states are strings that grow with every append) */
};

struct lin_part {
    const char *key;
    struct lop *ops;
    size_t n;
    struct intern in;
    int64_t init;
    enum lin_verdict verdict;
    bool checked;
    size_t *best; /* lop indices while searching, then indices into p->ops */
    int64_t *best_state;
    size_t nbest;
    size_t stuck; /* lop index or HIST_NONE_IDX */
    uint64_t steps;
    size_t cache_entries, cache_bytes;
    const char *why_unknown;
};

static const char *const model_names[LIN_NMODELS] = {"register", "cas-register", "kv", "set", "counter"};

const char *lin_model_name(enum lin_model m)
{
    return (unsigned)m < LIN_NMODELS ? model_names[m] : "?";
}

int lin_model_parse(const char *s)
{
    for (int i = 0; i < LIN_NMODELS; i++)
        if (strcmp(s, model_names[i]) == 0)
            return i;
    return -1;
}

const char *lin_verdict_name(enum lin_verdict v)
{
    return v == LIN_OK ? "linearizable" : v == LIN_VIOLATION ? "not linearizable" : "unknown";
}

/* ---- hashing and interning ---- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *c = p;
    uint64_t h = 0xcbf29ce484222325ULL ^ n;
    for (size_t i = 0; i < n; i++)
        h = (h ^ c[i]) * 0x100000001b3ULL;
    return mix64(h);
}

static void intern_close(struct intern *in)
{
    for (size_t i = 0; i < in->n; i++)
        free(in->s[i]);
    free(in->s);
    free(in->len);
    free(in->tab);
    free(in->mkey);
    free(in->mval);
    memset(in, 0, sizeof(*in));
}

static int64_t intern_bytes(struct intern *in, const void *p, size_t len)
{
    if (2 * (in->n + 1) > in->tcap) {
        size_t cap = in->tcap ? 2 * in->tcap : 64;
        uint32_t *t = xcalloc(cap, sizeof(*t));
        for (size_t i = 0; i < in->n; i++) {
            size_t j = hash_bytes(in->s[i], in->len[i]) & (cap - 1);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = (uint32_t)i + 1;
        }
        free(in->tab);
        in->tab = t;
        in->tcap = cap;
    }
    size_t j = hash_bytes(p, len) & (in->tcap - 1);
    while (in->tab[j]) {
        uint32_t id = in->tab[j] - 1;
        if (in->len[id] == len && memcmp(in->s[id], p, len) == 0)
            return id;
        j = (j + 1) & (in->tcap - 1);
    }
    if (in->n + 1 > in->cap) {
        in->cap = in->cap ? 2 * in->cap : 64;
        in->s = xrealloc(in->s, in->cap * sizeof(*in->s));
        in->len = xrealloc(in->len, in->cap * sizeof(*in->len));
    }
    in->bytes += len + 1 + sizeof(char *) + sizeof(size_t) + 2 * sizeof(uint32_t);
    in->s[in->n] = xmalloc(len + 1);
    memcpy(in->s[in->n], p, len);
    in->s[in->n][len] = 0;
    in->len[in->n] = len;
    in->tab[j] = (uint32_t)in->n + 1;
    return (int64_t)in->n++;
}

/* The memo of transitions: -1 if (state, arg) was never computed. */
static int64_t *memo_slot(struct intern *in, int64_t state, int64_t arg)
{
    if (2 * (in->mn + 1) > in->mcap) {
        size_t cap = in->mcap ? 2 * in->mcap : 64;
        uint64_t *k = xmalloc(cap * sizeof(*k));
        int64_t *v = xmalloc(cap * sizeof(*v));
        for (size_t i = 0; i < cap; i++)
            k[i] = UINT64_MAX;
        for (size_t i = 0; i < in->mcap; i++) {
            if (in->mkey[i] == UINT64_MAX)
                continue;
            size_t j = mix64(in->mkey[i]) & (cap - 1);
            while (k[j] != UINT64_MAX)
                j = (j + 1) & (cap - 1);
            k[j] = in->mkey[i];
            v[j] = in->mval[i];
        }
        free(in->mkey);
        free(in->mval);
        in->bytes += (cap - in->mcap) * (sizeof(*k) + sizeof(*v));
        in->mkey = k;
        in->mval = v;
        in->mcap = cap;
    }
    uint64_t key = ((uint64_t)state << 32) ^ (uint64_t)arg;
    size_t j = mix64(key) & (in->mcap - 1);
    while (in->mkey[j] != UINT64_MAX && in->mkey[j] != key)
        j = (j + 1) & (in->mcap - 1);
    if (in->mkey[j] == UINT64_MAX) {
        in->mkey[j] = key;
        in->mval[j] = -1;
        in->mn++;
    }
    return &in->mval[j];
}

/* kv append: the state's string followed by the argument's. */
static int64_t kv_append(struct intern *in, int64_t state, int64_t arg)
{
    int64_t *slot = memo_slot(in, state, arg);
    if (*slot >= 0)
        return *slot;
    size_t la = in->len[state], lb = in->len[arg];
    char *t = xmalloc(la + lb + 1);
    memcpy(t, in->s[state], la);
    memcpy(t + la, in->s[arg], lb);
    int64_t id = intern_bytes(in, t, la + lb);
    free(t);
    slot = memo_slot(in, state, arg); /* interning may not move the memo, but stay safe */
    *slot = id;
    return id;
}

/* set add: states are sorted arrays of element ids (uint32), as bytes. */
static int64_t set_add(struct intern *in, int64_t state, int64_t elem)
{
    int64_t *slot = memo_slot(in, state, elem);
    if (*slot >= 0)
        return *slot;
    size_t n = in->len[state] / sizeof(uint32_t);
    uint32_t *e = xmalloc((n + 1) * sizeof(*e));
    memcpy(e, in->s[state], n * sizeof(*e));
    size_t k = 0;
    while (k < n && e[k] < (uint32_t)elem)
        k++;
    int64_t id = state;
    if (k == n || e[k] != (uint32_t)elem) {
        memmove(e + k + 1, e + k, (n - k) * sizeof(*e));
        e[k] = (uint32_t)elem;
        id = intern_bytes(in, e, (n + 1) * sizeof(*e));
    }
    free(e);
    *memo_slot(in, state, elem) = id;
    return id;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* ---- from history to partitions ---- */

#define perr(p, e, ...) hist_parse_error((p)->err, sizeof((p)->err), (e)->line, __VA_ARGS__)

/* The kind of operation f is in model m, or -1. */
static int op_kind(enum lin_model m, const char *f)
{
    bool read = strcmp(f, "read") == 0 || (m == LIN_KV && strcmp(f, "get") == 0);
    if (read)
        return K_READ;
    switch (m) {
    case LIN_CAS_REGISTER:
        if (strcmp(f, "cas") == 0)
            return K_CAS;
        /* fall through */
    case LIN_REGISTER:
        return strcmp(f, "write") == 0 ? K_WRITE : -1;
    case LIN_KV:
        if (strcmp(f, "put") == 0 || strcmp(f, "write") == 0)
            return K_WRITE;
        return strcmp(f, "append") == 0 ? K_APPEND : -1;
    case LIN_SET:
        return strcmp(f, "add") == 0 ? K_SADD : -1;
    case LIN_COUNTER:
        return strcmp(f, "add") == 0 || strcmp(f, "incr") == 0 ? K_ADD : -1;
    default:
        return -1;
    }
}

static const char *const model_ops[LIN_NMODELS] = {"read, write", "read, write, cas", "get, put, append",
                                                   "add, read", "add, incr, read"};

/* The bytes a value is interned as, for model m. */
static void val_bytes(enum lin_model m, const struct hist_val *v, struct buf *b)
{
    buf_reset(b);
    if (m == LIN_KV && v->kind == HIST_STR)
        buf_puts(b, v->s);
    else if (m == LIN_KV && v->kind == HIST_NIL)
        ;
    else
        hist_val_json(b, v);
}

static int64_t intern_val(struct intern *in, enum lin_model m, const struct hist_val *v, struct buf *tmp)
{
    val_bytes(m, v, tmp);
    return intern_bytes(in, tmp->data ? tmp->data : "", tmp->len);
}

static int64_t intern_set(struct intern *in, const struct hist_val *v, struct buf *tmp)
{
    uint32_t *e = xmalloc((v->n + 1) * sizeof(*e));
    for (size_t i = 0; i < v->n; i++)
        e[i] = (uint32_t)intern_val(in, LIN_SET, &v->items[i], tmp);
    qsort(e, v->n, sizeof(*e), cmp_u32);
    size_t k = 0;
    for (size_t i = 0; i < v->n; i++)
        if (k == 0 || e[k - 1] != e[i])
            e[k++] = e[i];
    int64_t id = intern_bytes(in, e, k * sizeof(*e));
    free(e);
    return id;
}

/* What one history operation becomes: kept (with kind and result) or dropped. */
struct cand {
    size_t op;
    const char *key;
    int kind, res;
    const struct hist_val *arg, *out;
    uint32_t call, ret;
};

static int classify(struct lin_problem *p, size_t i, struct cand *c, bool *keep)
{
    const struct history *h = p->h;
    const struct hist_op *op = &p->ops[i];
    const struct hist_event *inv = &h->ev[op->invoke];
    const struct hist_event *done = op->complete == HIST_NONE_IDX ? NULL : &h->ev[op->complete];
    enum hist_type t = hist_op_type(h, op);
    enum lin_model m = p->opts.model;
    int kind = op_kind(m, inv->f);
    *keep = false;
    if (kind < 0)
        return perr(p, inv, "operation '%s' is not one the %s model has (%s; see --model)", inv->f,
                    lin_model_name(m), model_ops[m % LIN_NMODELS]);
    bool mismatch =
        t == HIST_FAIL && kind == K_CAS && done->error && strcmp(done->error, "cas-mismatch") == 0;
    if (t == HIST_FAIL && !mismatch)
        return 0; /* never took effect */
    *c = (struct cand){.op = i,
                       .key = inv->key,
                       .kind = kind,
                       .arg = &inv->value,
                       .call = (uint32_t)op->invoke,
                       .ret = t == HIST_INFO ? NO_RET : (uint32_t)op->complete};
    if (kind == K_READ) {
        if (t != HIST_OK || done->value.kind == HIST_NONE)
            return 0; /* a read whose result is unknown constrains nothing */
        c->out = &done->value;
        if (m == LIN_SET && c->out->kind != HIST_LIST)
            return perr(p, done, "a set read returns a list of elements");
        if (m == LIN_COUNTER && c->out->kind != HIST_INT)
            return perr(p, done, "a counter read returns an integer");
        *keep = true;
        return 0;
    }
    if (c->arg->kind == HIST_NONE && done)
        c->arg = &done->value;
    if (kind == K_CAS) {
        const struct hist_val *v = c->arg;
        if (v->kind != HIST_LIST || v->n != 2)
            return perr(p, inv, "cas takes [from to]");
        c->res = mismatch ? R_MISMATCH : t == HIST_INFO ? R_UNKNOWN : R_OK;
    }
    if (kind == K_ADD && c->arg->kind == HIST_NONE)
        c->arg = NULL; /* incr: by one */
    else if (kind == K_ADD && c->arg->kind != HIST_INT)
        return perr(p, inv, "a counter adds an integer");
    if (c->arg && c->arg->kind == HIST_NONE)
        return perr(p, inv, "%s needs a value", inv->f);
    *keep = true;
    return 0;
}

static int by_key(const void *x, const void *y)
{
    const struct cand *a = x, *b = y;
    if (a->key != b->key) {
        if (!a->key || !b->key)
            return a->key ? 1 : -1;
        int c = strcmp(a->key, b->key);
        if (c)
            return c;
    }
    return a->call < b->call ? -1 : a->call > b->call;
}

static void build_part(struct lin_problem *p, struct lin_part *pt, const struct cand *c, size_t n)
{
    enum lin_model m = p->opts.model;
    struct buf tmp;
    buf_init(&tmp);
    pt->key = c[0].key;
    pt->n = n;
    pt->ops = xcalloc(n, sizeof(*pt->ops));
    pt->stuck = HIST_NONE_IDX;
    const struct hist_val *init = p->opts.init;
    if (m == LIN_COUNTER)
        pt->init = init && init->kind == HIST_INT ? init->i : 0;
    else if (m == LIN_SET)
        pt->init =
            init && init->kind == HIST_LIST ? intern_set(&pt->in, init, &tmp) : intern_bytes(&pt->in, "", 0);
    else {
        struct hist_val nil = hist_nil();
        pt->init = intern_val(&pt->in, m, init ? init : &nil, &tmp);
    }
    for (size_t i = 0; i < n; i++) {
        struct lop *o = &pt->ops[i];
        *o = (struct lop){.op = c[i].op,
                          .call = c[i].call,
                          .ret = c[i].ret,
                          .kind = (uint8_t)c[i].kind,
                          .res = (uint8_t)c[i].res};
        switch (o->kind) {
        case K_READ:
            o->out = m == LIN_COUNTER ? c[i].out->i
                     : m == LIN_SET   ? intern_set(&pt->in, c[i].out, &tmp)
                                      : intern_val(&pt->in, m, c[i].out, &tmp);
            break;
        case K_CAS:
            o->a = intern_val(&pt->in, m, &c[i].arg->items[0], &tmp);
            o->b = intern_val(&pt->in, m, &c[i].arg->items[1], &tmp);
            break;
        case K_ADD:
            o->a = c[i].arg ? c[i].arg->i : 1;
            break;
        default:
            o->a = intern_val(&pt->in, m, c[i].arg, &tmp);
        }
    }
    buf_close(&tmp);
}

int lin_init(struct lin_problem *p, struct history *h, const struct lin_opts *opts)
{
    memset(p, 0, sizeof(*p));
    p->h = h;
    p->opts = *opts;
    atomic_init(&p->own_mem, 0);
    atomic_init(&p->cancel, 0);
    if (!p->opts.mem_used)
        p->opts.mem_used = &p->own_mem;
    int rc = history_pair(h, &p->ops, &p->nops);
    if (rc) {
        snprintf(p->err, sizeof(p->err), "%s", h->err);
        return rc;
    }
    struct cand *c = xcalloc(p->nops + 1, sizeof(*c));
    size_t n = 0;
    for (size_t i = 0; i < p->nops; i++) {
        bool keep;
        rc = classify(p, i, &c[n], &keep);
        if (rc) {
            free(c);
            return rc;
        }
        n += keep;
    }
    qsort(c, n, sizeof(*c), by_key);
    size_t cap = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && (c[j].key == c[i].key || (c[j].key && c[i].key && strcmp(c[j].key, c[i].key) == 0)))
            j++;
        XGROW(p->parts, cap, p->nparts + 1);
        memset(&p->parts[p->nparts], 0, sizeof(p->parts[0]));
        build_part(p, &p->parts[p->nparts++], c + i, j - i);
        i = j;
    }
    free(c);
    return 0;
}

void lin_close(struct lin_problem *p)
{
    for (size_t i = 0; i < p->nparts; i++) {
        struct lin_part *pt = &p->parts[i];
        free(pt->ops);
        free(pt->best);
        free(pt->best_state);
        intern_close(&pt->in);
    }
    free(p->parts);
    free(p->ops);
    memset(p, 0, sizeof(*p));
}

/* ---- the search ---- */

static bool step(struct lin_part *pt, const struct lop *o, int64_t s, int64_t *ns)
{
    *ns = s;
    switch (o->kind) {
    case K_READ:
        return s == o->out;
    case K_WRITE:
        *ns = o->a;
        return true;
    case K_CAS:
        if (o->res == R_MISMATCH)
            return s != o->a;
        if (s == o->a)
            *ns = o->b;
        return s == o->a || o->res == R_UNKNOWN;
    case K_APPEND:
        *ns = kv_append(&pt->in, s, o->a);
        return true;
    case K_ADD:
        *ns = (int64_t)((uint64_t)s + (uint64_t)o->a);
        return true;
    default: /* K_SADD */
        *ns = set_add(&pt->in, s, o->a);
        return true;
    }
}

/* The memo of configurations seen: (bitset of linearized operations, state), hashed Zobrist-style so that
 * adding or removing one operation updates the hash in O(1). */
struct cache {
    uint64_t *hash;
    int64_t *state;
    size_t *off; /* into words; SIZE_MAX: empty slot */
    size_t n, cap;
    uint64_t *words;
    size_t nwords, wcap, w;
    size_t bytes;         /* charged to the budget so far (the memo, and what the interner grew by) */
    size_t intern_bytes0; /* the interner's size when this search began */
};

static size_t cache_bytes(const struct cache *c)
{
    return c->cap * (sizeof(uint64_t) + sizeof(int64_t) + sizeof(size_t)) + c->wcap * sizeof(uint64_t);
}

static void cache_close(struct cache *c)
{
    free(c->hash);
    free(c->state);
    free(c->off);
    free(c->words);
}

static void cache_resize(struct cache *c, size_t cap)
{
    uint64_t *hash = xmalloc(cap * sizeof(*hash));
    int64_t *state = xmalloc(cap * sizeof(*state));
    size_t *off = xmalloc(cap * sizeof(*off));
    for (size_t i = 0; i < cap; i++)
        off[i] = SIZE_MAX;
    for (size_t i = 0; i < c->cap; i++) {
        if (c->off[i] == SIZE_MAX)
            continue;
        size_t j = c->hash[i] & (cap - 1);
        while (off[j] != SIZE_MAX)
            j = (j + 1) & (cap - 1);
        hash[j] = c->hash[i];
        state[j] = c->state[i];
        off[j] = c->off[i];
    }
    free(c->hash);
    free(c->state);
    free(c->off);
    c->hash = hash;
    c->state = state;
    c->off = off;
    c->cap = cap;
}

/* Whether configuration (bits, s) with hash h was seen. */
static bool cache_has(const struct cache *c, uint64_t h, int64_t s, const uint64_t *bits)
{
    if (!c->cap)
        return false;
    for (size_t j = h & (c->cap - 1); c->off[j] != SIZE_MAX; j = (j + 1) & (c->cap - 1))
        if (c->hash[j] == h && c->state[j] == s && memcmp(c->words + c->off[j], bits, c->w * 8) == 0)
            return true;
    return false;
}

/* Adds configuration (bits, s) with hash h unless present; true if it was new. */
static bool cache_add(struct cache *c, uint64_t h, int64_t s, const uint64_t *bits)
{
    if (cache_has(c, h, s, bits))
        return false;
    if (2 * (c->n + 1) > c->cap)
        cache_resize(c, c->cap ? 2 * c->cap : 1024);
    size_t j = h & (c->cap - 1);
    while (c->off[j] != SIZE_MAX)
        j = (j + 1) & (c->cap - 1);
    XGROW(c->words, c->wcap, c->nwords + c->w);
    memcpy(c->words + c->nwords, bits, c->w * 8);
    c->hash[j] = h;
    c->state[j] = s;
    c->off[j] = c->nwords;
    c->nwords += c->w;
    c->n++;
    return true;
}

/* Charges the cache's growth to the shared budget; false if over the limit. */
static bool charge(struct lin_problem *p, struct cache *c, const struct intern *in)
{
    size_t now = cache_bytes(c) + (in->bytes - c->intern_bytes0);
    if (now == c->bytes)
        return true;
    size_t total = atomic_fetch_add(p->opts.mem_used, now - c->bytes) + (now - c->bytes);
    c->bytes = now;
    return !p->opts.mem_limit || total <= p->opts.mem_limit;
}

struct sevent {
    uint32_t t;
    uint32_t node;
};

static int by_time(const void *x, const void *y)
{
    const struct sevent *a = x, *b = y;
    return a->t < b->t ? -1 : a->t > b->t;
}

/* One linearized operation on the search stack: the state before it, and the bound in force when it was
 * chosen (to resume the scan of unknown operations after undoing it). */
struct frame {
    size_t op;
    int64_t state;
    uint32_t bound;
    bool forced; /* a pure operation placed as soon as it fit: no need to try anything else here */
};

/* Search state: the doubly linked lists (node 0 heads the calls and returns of operations with a completion,
 * node uhead the calls of those with an unknown outcome; operation i has call node 2i+1 and return node
 * 2i+2), the stack, and the bitset of linearized operations. */
struct search {
    uint32_t *next, *prev;
    uint32_t uhead;
    struct frame *stk;
    uint64_t *bits;
    uint64_t *zob; /* Zobrist value of each operation */
    size_t *pos;   /* each operation's bit in bits: those with a completion first, then the unknown ones */
    size_t *unknown_at;  /* the operation at each bit position of the unknown ones */
    size_t wn, w;        /* words of bits for the operations with a completion, and in all */
    size_t *puts, nputs; /* kv: puts (known or not) by call time */
    size_t *gets, ngets; /* kv: gets by return time */
};

/* Operations whose outcome is unknown may be linearized at any later point, or never. So a configuration is
 * dominated by the same one with an unknown operation u not yet used: that one can do everything this one
 * can, and u later. If such a configuration was seen, this one need not be explored. (Checked for one u at
 * a time, which catches an unknown operation placed where it was later overwritten.) */
static bool dominated(const struct search *s, const struct cache *c, uint64_t h, int64_t st)
{
    for (size_t k = s->wn; k < c->w; k++) {
        uint64_t word = s->bits[k];
        while (word) {
            int b = __builtin_ctzll(word);
            word &= word - 1;
            size_t u = s->unknown_at[64 * (k - s->wn) + (size_t)b];
            s->bits[k] &= ~(1ULL << b);
            bool seen = cache_has(c, h ^ s->zob[u], st, s->bits);
            s->bits[k] |= 1ULL << b;
            if (seen)
                return true;
        }
    }
    return false;
}

static void unlink_node(struct search *s, uint32_t x)
{
    s->next[s->prev[x]] = s->next[x];
    if (s->next[x] != UINT32_MAX)
        s->prev[s->next[x]] = s->prev[x];
}

static void relink_node(struct search *s, uint32_t x)
{
    s->next[s->prev[x]] = x;
    if (s->next[x] != UINT32_MAX)
        s->prev[s->next[x]] = x;
}

static int by_ret(const void *x, const void *y, void *arg)
{
    const struct lin_part *pt = arg;
    uint32_t a = pt->ops[*(const size_t *)x].ret, b = pt->ops[*(const size_t *)y].ret;
    return a < b ? -1 : a > b;
}

/* Builds the two lists: operations with a completion (call and return nodes, by time) from node 0, and
 * the calls of those with an unknown outcome (by time) from node uhead. */
static size_t search_init(struct search *s, const struct lin_part *pt)
{
    size_t m = pt->n, nn = 2 * m + 2, remaining = 0, nknown = 0;
    s->uhead = (uint32_t)(2 * m + 1);
    s->next = xmalloc(nn * sizeof(uint32_t));
    s->prev = xmalloc(nn * sizeof(uint32_t));
    s->stk = xmalloc((m + 1) * sizeof(*s->stk));
    s->zob = xmalloc((m + 1) * sizeof(uint64_t));
    s->pos = xmalloc((m + 1) * sizeof(size_t));
    s->unknown_at = xmalloc((m + 1) * sizeof(size_t));
    for (size_t i = 0; i < m; i++)
        nknown += pt->ops[i].ret != NO_RET;
    size_t wn = (nknown + 63) / 64, wu = (m - nknown + 63) / 64, kn = 0, ku = 0;
    s->bits = xcalloc(wn + wu + 1, sizeof(uint64_t));
    s->wn = wn;
    s->w = wn + wu;
    struct sevent *ev = xmalloc(nn * sizeof(*ev));
    size_t ne = 0;
    uint32_t ulast = s->uhead;
    for (size_t i = 0; i < m; i++) {
        bool known = pt->ops[i].ret != NO_RET;
        s->zob[i] = mix64(i * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL);
        if (!known) { /* operations come in call order, so this list is in time order */
            s->unknown_at[ku] = i;
            s->pos[i] = 64 * wn + ku++;
            s->next[ulast] = (uint32_t)(2 * i + 1);
            s->prev[2 * i + 1] = ulast;
            ulast = (uint32_t)(2 * i + 1);
            continue;
        }
        s->pos[i] = kn++;
        ev[ne++] = (struct sevent){pt->ops[i].call, (uint32_t)(2 * i + 1)};
        ev[ne++] = (struct sevent){pt->ops[i].ret, (uint32_t)(2 * i + 2)};
        remaining++;
    }
    s->next[ulast] = UINT32_MAX;
    s->puts = xmalloc((m + 1) * sizeof(size_t));
    s->gets = xmalloc((m + 1) * sizeof(size_t));
    s->nputs = s->ngets = 0;
    for (size_t i = 0; i < m; i++) {
        if (pt->ops[i].kind == K_WRITE)
            s->puts[s->nputs++] = i;
        if (pt->ops[i].kind == K_READ)
            s->gets[s->ngets++] = i;
    }
    qsort_r(s->gets, s->ngets, sizeof(size_t), by_ret, (void *)pt);
    qsort(ev, ne, sizeof(*ev), by_time);
    uint32_t last = 0;
    for (size_t i = 0; i < ne; i++) {
        s->next[last] = ev[i].node;
        s->prev[ev[i].node] = last;
        last = ev[i].node;
    }
    s->next[last] = UINT32_MAX;
    free(ev);
    return remaining;
}

static void search_close(struct search *s)
{
    free(s->next);
    free(s->prev);
    free(s->stk);
    free(s->bits);
    free(s->zob);
    free(s->pos);
    free(s->unknown_at);
    free(s->puts);
    free(s->gets);
}

static void flip(struct search *s, size_t i)
{
    s->bits[s->pos[i] / 64] ^= 1ULL << (s->pos[i] % 64);
}

/* Why the search must stop early, or NULL to go on. */
static const char *must_stop(struct lin_problem *p, struct lin_part *pt, struct cache *c, uint64_t steps,
                             uint64_t max_steps)
{
    if (p->opts.stop && atomic_load(p->opts.stop))
        return "timeout";
    if (atomic_load(&p->cancel))
        return "another key is not linearizable";
    if (max_steps && steps >= max_steps)
        return "step budget";
    if (!charge(p, c, &pt->in))
        return "memory limit";
    return NULL;
}

static void record_best(struct lin_part *pt, const struct search *s, size_t depth, int64_t state)
{
    size_t placed = 0; /* the stack and the bitset must agree: each operation placed once */
    for (size_t k = 0; k < s->w; k++)
        placed += (size_t)__builtin_popcountll(s->bits[k]);
    assert(placed == depth);
    for (size_t k = 0; k < depth; k++) {
        assert(s->bits[s->pos[s->stk[k].op] / 64] & (1ULL << (s->pos[s->stk[k].op] % 64)));
        pt->best[k] = s->stk[k].op;
        pt->best_state[k] = k + 1 < depth ? s->stk[k + 1].state : state;
    }
    pt->nbest = depth;
}

/* A pure operation never changes the state where it fits: a read, or a compare-and-set that saw another
 * value. If one fits now, placing it now is as good as anything: any linearization that places it later can
 * place it here instead (the states in between do not change, and its deadline only goes away). So after
 * placing it, if that fails, the configuration before it fails too, and the search backs up past it. */
static bool is_pure(const struct lop *o)
{
    return o->kind == K_READ || (o->kind == K_CAS && o->res == R_MISMATCH);
}

/* kv: whether appending, to reach state ns, can still lead to a fit. Until the next put takes effect, the
 * state only grows by appends; a put cannot take effect before it is invoked. So every get not yet placed
 * that returned before the first put not yet placed was invoked (or any, if there is none) must see ns
 * followed by appends: ns must be a prefix of what it returned. The few earliest such gets are checked. */
static bool kv_can_fit(const struct search *s, const struct lin_part *pt, int64_t ns)
{
    uint32_t put_call = UINT32_MAX;
    for (size_t k = 0; k < s->nputs; k++)
        if (!(s->bits[s->pos[s->puts[k]] / 64] & (1ULL << (s->pos[s->puts[k]] % 64)))) {
            put_call = pt->ops[s->puts[k]].call;
            break;
        }
    size_t n = pt->in.len[ns], checked = 0;
    for (size_t k = 0; k < s->ngets && checked < 4; k++) {
        const struct lop *g = &pt->ops[s->gets[k]];
        if (g->ret > put_call)
            break;
        if (s->bits[s->pos[s->gets[k]] / 64] & (1ULL << (s->pos[s->gets[k]] % 64)))
            continue;
        checked++;
        if (n > pt->in.len[g->out] || memcmp(pt->in.s[ns], pt->in.s[g->out], n) != 0)
            return false;
    }
    return true;
}

/* Takes a known operation's frame off: relinks its nodes, as if it had never been placed. */
static void undo(struct search *s, const struct lin_part *pt, const struct frame *f, size_t *remaining,
                 uint64_t *zob)
{
    *zob ^= s->zob[f->op];
    flip(s, f->op);
    uint32_t call = (uint32_t)(2 * f->op + 1);
    if (pt->ops[f->op].ret != NO_RET) {
        relink_node(s, call + 1);
        (*remaining)++;
    }
    relink_node(s, call);
}

/* One search in progress: the lists, the memo, and where the scan is. */
struct run {
    struct lin_part *pt;
    struct search s;
    struct cache c;
    size_t remaining; /* return nodes still in the list: when none is left, everything known was placed */
    size_t depth;
    uint64_t zob;
    int64_t state;
    uint32_t cur;     /* the node being looked at */
    uint32_t bound;   /* in the unknown list: the return node the unknown calls must precede */
    bool in_unknown;  /* scanning the unknown operations' list */
    bool stuck_known; /* the operation at the best depth that could not be placed is recorded */
};

/* Undoes the last choice (and any forced ones under it) and resumes the scan after it. False if there is no
 * choice left to undo: no linearization exists. */
static bool backtrack(struct run *r)
{
    struct lin_part *pt = r->pt;
    if (!r->stuck_known && r->depth == pt->nbest) {
        pt->stuck = (r->bound - 1) / 2;
        r->stuck_known = true;
    }
    if (r->depth == 0)
        return false;
    struct frame f = r->s.stk[--r->depth];
    /* Undoing a forced choice: the configuration before it has failed too (see is_pure). */
    while (f.forced && r->depth > 0) {
        undo(&r->s, pt, &f, &r->remaining, &r->zob);
        f = r->s.stk[--r->depth];
    }
    if (f.forced)
        return false;
    r->state = f.state;
    undo(&r->s, pt, &f, &r->remaining, &r->zob);
    r->in_unknown = pt->ops[f.op].ret == NO_RET;
    r->bound = f.bound;
    r->cur = r->s.next[2 * f.op + 1];
    return true;
}

/* Places the operation whose call node is r->cur if the model accepts it here and the configuration it leads
 * to is new; true if it did (the scan restarts from the head). */
static bool place(struct run *r)
{
    struct lin_part *pt = r->pt;
    struct search *s = &r->s;
    size_t i = (r->cur - 1) / 2;
    const struct lop *o = &pt->ops[i];
    int64_t ns;
    /* an unknown operation that would change nothing here is as good as never happening */
    if (!step(pt, o, r->state, &ns) || (r->in_unknown && ns == r->state) ||
        (o->kind == K_APPEND && !kv_can_fit(s, pt, ns)))
        return false;
    flip(s, i);
    uint64_t z = r->zob ^ s->zob[i], hz = z ^ mix64((uint64_t)ns);
    if (dominated(s, &r->c, hz, ns) || !cache_add(&r->c, hz, ns, s->bits)) {
        flip(s, i);
        return false;
    }
    s->stk[r->depth++] =
        (struct frame){.op = i, .state = r->state, .bound = r->bound, .forced = !r->in_unknown && is_pure(o)};
    r->state = ns;
    r->zob = z;
    unlink_node(s, r->cur);
    if (!r->in_unknown) {
        unlink_node(s, r->cur + 1);
        r->remaining--;
    }
    if (r->depth > pt->nbest) {
        record_best(pt, s, r->depth, r->state);
        r->stuck_known = false;
    }
    r->in_unknown = false;
    r->cur = s->next[0];
    return true;
}

/* The search (Lowe's Fig. 3, with the unknown operations kept apart). Known calls before the first
 * remaining return node are tried first, in time order; only when a return node is reached (its operation
 * must be linearized before anything later) are the unknown operations invoked before it tried; when none
 * fits, the last choice is undone. A successful step that reaches a configuration already seen, or one
 * dominated by a seen one, is not taken. */
static enum lin_verdict search(struct lin_problem *p, struct run *r, uint64_t max_steps)
{
    struct lin_part *pt = r->pt;
    uint64_t steps = 0;
    enum lin_verdict verdict = LIN_OK;
    while (r->remaining > 0) {
        if ((++steps & 1023) == 0 && (pt->why_unknown = must_stop(p, pt, &r->c, steps, max_steps)) != NULL) {
            verdict = LIN_UNKNOWN;
            break;
        }
        if (!r->in_unknown &&
            !(r->cur & 1)) { /* a return node: now the unknown operations called before it */
            r->in_unknown = true;
            r->bound = r->cur;
            r->cur = r->s.next[r->s.uhead];
        } else if (r->in_unknown && (r->cur == UINT32_MAX ||
                                     pt->ops[(r->cur - 1) / 2].call > pt->ops[(r->bound - 1) / 2].ret)) {
            /* nothing fits before the bound's operation returns */
            if (!backtrack(r)) {
                verdict = LIN_VIOLATION;
                break;
            }
        } else if (!place(r)) {
            r->cur = r->s.next[r->cur];
        }
    }
    pt->steps += steps;
    return verdict;
}

enum lin_verdict lin_check_part(struct lin_problem *p, size_t pi, uint64_t max_steps)
{
    struct lin_part *pt = &p->parts[pi];
    free(pt->best); /* a second attempt (with a larger budget) starts afresh */
    free(pt->best_state);
    pt->why_unknown = NULL;
    pt->best = xmalloc((pt->n + 1) * sizeof(size_t));
    pt->best_state = xmalloc((pt->n + 1) * sizeof(int64_t));
    pt->nbest = 0;
    struct run r = {.pt = pt, .state = pt->init};
    r.remaining = search_init(&r.s, pt);
    r.c = (struct cache){.w = r.s.w, .intern_bytes0 = pt->in.bytes};
    r.cur = r.s.next[0];
    enum lin_verdict verdict = search(p, &r, max_steps);
    if (verdict == LIN_OK)
        pt->stuck = HIST_NONE_IDX;
    for (size_t k = 0; k < pt->nbest; k++) /* from here on, best names history operations */
        pt->best[k] = pt->ops[pt->best[k]].op;
    pt->cache_entries = r.c.n;
    pt->cache_bytes = cache_bytes(&r.c);
    atomic_fetch_sub(p->opts.mem_used, r.c.bytes);
    cache_close(&r.c);
    search_close(&r.s);
    pt->verdict = verdict;
    pt->checked = true;
    if (verdict == LIN_VIOLATION)
        atomic_store(&p->cancel, 1); /* P-compositionality: one key decides for the whole history */
    return verdict;
}

enum lin_verdict lin_check(struct lin_problem *p)
{
    for (size_t i = 0; i < p->nparts; i++)
        if (lin_check_part(p, i, 0) == LIN_VIOLATION)
            break;
    return lin_verdict(p);
}

enum lin_verdict lin_verdict(const struct lin_problem *p)
{
    enum lin_verdict v = LIN_OK;
    for (size_t i = 0; i < p->nparts; i++) {
        if (p->parts[i].checked && p->parts[i].verdict == LIN_VIOLATION)
            return LIN_VIOLATION;
        if (!p->parts[i].checked || p->parts[i].verdict == LIN_UNKNOWN)
            v = LIN_UNKNOWN;
    }
    return v;
}

/* ---- reports ---- */

void lin_part_info(const struct lin_problem *p, size_t i, struct lin_part_info *out)
{
    const struct lin_part *pt = &p->parts[i];
    *out = (struct lin_part_info){.key = pt->key,
                                  .nops = pt->n,
                                  .verdict = pt->verdict,
                                  .nbest = pt->nbest,
                                  .stuck = pt->stuck == HIST_NONE_IDX ? HIST_NONE_IDX : pt->ops[pt->stuck].op,
                                  .steps = pt->steps,
                                  .cache_entries = pt->cache_entries,
                                  .cache_bytes = pt->cache_bytes,
                                  .why_unknown = pt->why_unknown};
    out->best = pt->best;
}

static void state_words(const struct lin_problem *p, const struct lin_part *pt, int64_t st, struct buf *out)
{
    enum lin_model m = p->opts.model;
    if (m == LIN_COUNTER) {
        buf_printf(out, "%" PRId64, st);
        return;
    }
    const char *s = pt->in.s[st];
    size_t len = pt->in.len[st];
    if (m == LIN_SET) {
        buf_putc(out, '{');
        for (size_t k = 0; k < len / 4; k++) {
            uint32_t e;
            memcpy(&e, s + 4 * k, 4);
            buf_printf(out, "%s%s", k ? " " : "", pt->in.s[e]);
        }
        buf_putc(out, '}');
    } else if (m == LIN_KV) {
        if (len > 60)
            buf_printf(out, "\"...%s\" (%zu characters)", s + len - 50, len);
        else
            buf_json_str(out, s);
    } else {
        buf_puts(out, strcmp(s, "null") == 0 ? "nil" : s);
    }
}

size_t lin_part_op(const struct lin_problem *p, size_t part, size_t k)
{
    return p->parts[part].ops[k].op;
}

void lin_state_after(const struct lin_problem *p, size_t part, size_t k, struct buf *out)
{
    const struct lin_part *pt = &p->parts[part];
    state_words(p, pt,
                k == 0 || pt->nbest == 0 ? pt->init : pt->best_state[(k > pt->nbest ? pt->nbest : k) - 1],
                out);
}

/* A value, with long ones (kv strings grow with every append) cut in the middle. */
static void short_val(struct buf *out, const struct hist_val *v)
{
    if (v->kind == HIST_NIL) {
        buf_puts(out, "nil");
        return;
    }
    struct buf t;
    buf_init(&t);
    hist_val_json(&t, v);
    if (t.len > 72)
        buf_printf(out, "%.24s...%s (%zu characters)", t.data, t.data + t.len - 36, t.len);
    else
        buf_puts(out, t.data);
    buf_close(&t);
}

void lin_describe_op(const struct lin_problem *p, size_t i, struct buf *out)
{
    const struct hist_op *op = &p->ops[i];
    const struct hist_event *inv = &p->h->ev[op->invoke];
    const struct hist_event *done = op->complete == HIST_NONE_IDX ? NULL : &p->h->ev[op->complete];
    buf_printf(out, "process %" PRId64 " %s", inv->process, inv->f);
    if (inv->key)
        buf_printf(out, " %s", inv->key);
    if (inv->value.kind != HIST_NONE && inv->value.kind != HIST_NIL) {
        buf_putc(out, ' ');
        short_val(out, &inv->value);
    }
    enum hist_type t = hist_op_type(p->h, op);
    if (t == HIST_OK && done->value.kind != HIST_NONE && !hist_val_equal(&done->value, &inv->value)) {
        buf_puts(out, " -> ");
        short_val(out, &done->value);
    } else if (t == HIST_FAIL && done->error) {
        buf_printf(out, " -> failed (%s)", done->error);
    } else if (t == HIST_INFO) {
        buf_puts(out, " -> unknown");
    }
    if (done)
        buf_printf(out, " (lines %d-%d)", inv->line, done->line);
    else
        buf_printf(out, " (line %d, never completed)", inv->line);
}

/* The operations that were candidates when the search got stuck: invoked before the stuck operation
 * completed, and not in the best prefix. */
static void explain_pending(const struct lin_problem *p, const struct lin_part *pt, struct buf *out)
{
    bool *placed = xcalloc(p->nops + 1, sizeof(bool));
    for (size_t k = 0; k < pt->nbest; k++)
        placed[pt->best[k]] = true;
    uint32_t deadline = pt->ops[pt->stuck].ret;
    size_t shown = 0, more = 0;
    for (size_t i = 0; i < pt->n; i++) {
        const struct lop *o = &pt->ops[i];
        if (i == pt->stuck || placed[o->op] || o->call > deadline)
            continue;
        if (shown == 8) {
            more++;
            continue;
        }
        buf_puts(out,
                 shown++
                     ? "\n    "
                     : "  the other operations pending then, none of which could come next either:\n    ");
        lin_describe_op(p, o->op, out);
    }
    if (more)
        buf_printf(out, "\n    and %zu more", more);
    if (shown)
        buf_putc(out, '\n');
    free(placed);
}

size_t lin_worst_part(const struct lin_problem *p)
{
    size_t unknown = (size_t)-1;
    for (size_t i = 0; i < p->nparts; i++) {
        if (p->parts[i].checked && p->parts[i].verdict == LIN_VIOLATION)
            return i;
        if (unknown == (size_t)-1 && p->parts[i].checked && p->parts[i].verdict == LIN_UNKNOWN)
            unknown = i;
    }
    return unknown;
}

void lin_explain(const struct lin_problem *p, struct buf *out)
{
    size_t w = lin_worst_part(p);
    if (w == (size_t)-1)
        return;
    const struct lin_part *pt = &p->parts[w];
    if (pt->key)
        buf_printf(out, "  key %s: %zu operations\n", pt->key, pt->n);
    if (pt->verdict == LIN_UNKNOWN)
        buf_printf(out, "  gave up (%s) after %" PRIu64 " steps, %zu configurations memoized (%.1f MiB)\n",
                   pt->why_unknown, pt->steps, pt->cache_entries, pt->cache_bytes / 1048576.0);
    buf_printf(out, "  longest linearizable prefix found: %zu of %zu operations", pt->nbest, pt->n);
    buf_puts(out, "; the state after it: ");
    lin_state_after(p, w, pt->nbest, out);
    buf_putc(out, '\n');
    size_t show = pt->nbest < 5 ? pt->nbest : 5;
    if (show)
        buf_printf(out, "  its last %zu operations, in linearization order:\n", show);
    for (size_t k = pt->nbest - show; k < pt->nbest; k++) {
        buf_puts(out, "    ");
        lin_describe_op(p, pt->best[k], out);
        buf_puts(out, "  => ");
        lin_state_after(p, w, k + 1, out);
        buf_putc(out, '\n');
    }
    if (pt->stuck != HIST_NONE_IDX && pt->verdict == LIN_VIOLATION) {
        buf_puts(out, "  no operation can come next: ");
        lin_describe_op(p, pt->ops[pt->stuck].op, out);
        buf_puts(out, " had to take effect by its completion, but neither it nor any operation concurrent "
                      "with it fits state ");
        lin_state_after(p, w, pt->nbest, out);
        buf_putc(out, '\n');
        explain_pending(p, pt, out);
    }
}
