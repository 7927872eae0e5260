/* The workloads of Maelstrom that dkata runs (echo, unique-ids, broadcast, g-counter, pn-counter, g-set, lin-kv):
 * what clients send, what shape a reply must have, and the checker of each. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/history.h"
#include "check/lin.h"
#include "core/units.h"
#include "harness/harness_int.h"
#include "harness/proto.h"

#define KV_KEYS 4   /* lin-kv: keys 0..3 */
#define KV_VALUES 5 /* values 0..4 */

struct wl_state {
    uint64_t echo_bad;
    char *echo_example;
    char **ids; /* unique-ids: every id returned, as compact JSON */
    size_t nids, capids;
    int64_t next_value; /* broadcast, g-set: values sent so far are 0..next_value-1 */
    uint8_t *acked;     /* [value]: 1 acknowledged */
    size_t capacked;
    uint64_t bad_reads;
    char *bad_read_example;
    json_t *final[HARNESS_MAX_NODES];
    int64_t sum_ok, pos_unknown, neg_unknown; /* counters */
};

void wl_init(struct harness *h)
{
    h->wl = xcalloc(1, sizeof(*h->wl));
}

void wl_close(struct harness *h)
{
    struct wl_state *w = h->wl;
    if (!w)
        return;
    free(w->echo_example);
    for (size_t i = 0; i < w->nids; i++)
        free(w->ids[i]);
    free(w->ids);
    free(w->acked);
    free(w->bad_read_example);
    for (int i = 0; i < HARNESS_MAX_NODES; i++)
        if (w->final[i])
            json_decref(w->final[i]);
    free(w);
    h->wl = NULL;
}

bool wl_has_final(const struct harness *h)
{
    int w = h->o->workload;
    return w == HW_BROADCAST || w == HW_G_COUNTER || w == HW_PN_COUNTER || w == HW_G_SET;
}

static json_t *body_of(const char *type)
{
    json_t *b = json_object();
    json_object_set_new(b, "type", json_string(type));
    return b;
}

static int64_t pick(struct harness *h, int64_t lo, int64_t hi)
{
    return rng_range(&h->wl_rng, lo, hi);
}

json_t *wl_request(struct harness *h, struct client *c, const char **f)
{
    struct wl_state *w = h->wl;
    json_t *b;
    (void)c;
    switch (h->o->workload) {
    case HW_ECHO: {
        char s[64];
        snprintf(s, sizeof(s), "Please echo %" PRId64, pick(h, 0, 127));
        b = body_of("echo");
        json_object_set_new(b, "echo", json_string(s));
        *f = "echo";
        return b;
    }
    case HW_UNIQUE_IDS:
        *f = "generate";
        return body_of("generate");
    case HW_BROADCAST:
    case HW_G_SET:
        if (rng_chance(&h->wl_rng, 0.5)) {
            *f = "read";
            return body_of("read");
        }
        *f = h->o->workload == HW_BROADCAST ? "broadcast" : "add";
        b = body_of(*f);
        json_object_set_new(b, h->o->workload == HW_BROADCAST ? "message" : "element", json_integer(w->next_value++));
        return b;
    case HW_G_COUNTER:
    case HW_PN_COUNTER:
        if (rng_chance(&h->wl_rng, 0.5)) {
            *f = "read";
            return body_of("read");
        }
        *f = "add";
        b = body_of("add");
        json_object_set_new(b, "delta", json_integer(pick(h, h->o->workload == HW_PN_COUNTER ? -4 : 0, 4)));
        return b;
    case HW_LIN_KV: {
        int64_t r = pick(h, 0, 2);
        *f = r == 0 ? "read" : r == 1 ? "write" : "cas";
        b = body_of(*f);
        json_object_set_new(b, "key", json_integer(pick(h, 0, KV_KEYS - 1)));
        if (r == 1)
            json_object_set_new(b, "value", json_integer(pick(h, 0, KV_VALUES - 1)));
        if (r == 2) {
            json_object_set_new(b, "from", json_integer(pick(h, 0, KV_VALUES - 1)));
            json_object_set_new(b, "to", json_integer(pick(h, 0, KV_VALUES - 1)));
        }
        return b;
    }
    }
    *f = "?";
    return body_of("?");
}

const char *wl_reply_shape(struct harness *h, const json_t *req, const json_t *reply)
{
    const char *t = json_string_value(json_object_get(req, "type"));
    int w = h->o->workload;
    if (strcmp(t, "echo") == 0 && !json_object_get(reply, "echo"))
        return "without \"echo\"; expected {\"type\":\"echo_ok\", \"echo\":<what was sent>}";
    if (strcmp(t, "generate") == 0 && !json_object_get(reply, "id"))
        return "without \"id\"; expected {\"type\":\"generate_ok\", \"id\":<a unique id>}";
    if (strcmp(t, "read") != 0)
        return NULL;
    if (w == HW_BROADCAST && !json_is_array(json_object_get(reply, "messages")))
        return "without a \"messages\" array; expected {\"type\":\"read_ok\", \"messages\":[...]}";
    if (w == HW_G_SET && !json_is_array(json_object_get(reply, "value")))
        return "without a \"value\" array; expected {\"type\":\"read_ok\", \"value\":[...]}";
    if ((w == HW_G_COUNTER || w == HW_PN_COUNTER) && !json_is_integer(json_object_get(reply, "value")))
        return "without an integer \"value\"; expected {\"type\":\"read_ok\", \"value\":<the counter>}";
    if (w == HW_LIN_KV && !json_object_get(reply, "value"))
        return "without \"value\"; expected {\"type\":\"read_ok\", \"value\":<the key's value>}";
    return NULL;
}

static void mark_acked(struct wl_state *w, int64_t v)
{
    if (v < 0)
        return;
    size_t need = (size_t)v + 1;
    if (need > w->capacked) {
        size_t old = w->capacked;
        XGROW(w->acked, w->capacked, need);
        memset(w->acked + old, 0, w->capacked - old);
    }
    w->acked[v] = 1;
}

/* A read of a set (broadcast, g-set) may only hold values that clients sent. */
static void check_set_read(struct harness *h, const json_t *arr, int node)
{
    struct wl_state *w = h->wl;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) < w->next_value)
            continue;
        if (!w->bad_reads++) {
            char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            size_t n = strlen(s) + 64;
            w->bad_read_example = xmalloc(n);
            snprintf(w->bad_read_example, n, "%s read %s, which no client sent", h->nodes[node].name, s);
            free(s);
        }
    }
}

static void drop_bodies(struct hop *op)
{
    if (op->req)
        json_decref(op->req);
    if (op->reply)
        json_decref(op->reply);
    op->req = op->reply = NULL;
}

void wl_completed(struct harness *h, struct hop *op)
{
    struct wl_state *w = h->wl;
    int wk = h->o->workload;
    if (wk == HW_LIN_KV)
        return; /* the history needs both */
    if (op->type == OP_OK && wk == HW_ECHO &&
        !json_equal(json_object_get(op->req, "echo"), json_object_get(op->reply, "echo"))) {
        if (!w->echo_bad++) {
            char *a = json_dumps(json_object_get(op->req, "echo"), JSON_COMPACT | JSON_ENCODE_ANY);
            char *b = json_dumps(json_object_get(op->reply, "echo"), JSON_COMPACT | JSON_ENCODE_ANY);
            size_t n = strlen(a) + strlen(b) + 64;
            w->echo_example = xmalloc(n);
            snprintf(w->echo_example, n, "%s echoed %s for %s", h->nodes[op->node].name, b, a);
            free(a);
            free(b);
        }
    }
    if (op->type == OP_OK && wk == HW_UNIQUE_IDS) {
        XGROW(w->ids, w->capids, w->nids + 1);
        w->ids[w->nids++] = json_dumps(json_object_get(op->reply, "id"), JSON_COMPACT | JSON_ENCODE_ANY |
                                       JSON_SORT_KEYS);
    }
    if ((wk == HW_BROADCAST || wk == HW_G_SET) && strcmp(op->f, "read") != 0 && op->type == OP_OK)
        mark_acked(w, json_integer_value(json_object_get(op->req, wk == HW_BROADCAST ? "message" : "element")));
    if ((wk == HW_BROADCAST || wk == HW_G_SET) && strcmp(op->f, "read") == 0 && op->type == OP_OK)
        check_set_read(h, json_object_get(op->reply, wk == HW_BROADCAST ? "messages" : "value"), op->node);
    if ((wk == HW_G_COUNTER || wk == HW_PN_COUNTER) && strcmp(op->f, "add") == 0) {
        int64_t d = json_integer_value(json_object_get(op->req, "delta"));
        if (op->type == OP_OK)
            w->sum_ok += d;
        else if (op->type == OP_INFO)
            *(d > 0 ? &w->pos_unknown : &w->neg_unknown) += d;
    }
    drop_bodies(op);
}

/* Broadcast's topology: the nodes on a grid, each with its neighbours (Maelstrom's default). */
int wl_setup(struct harness *h)
{
    if (h->o->workload != HW_BROADCAST)
        return 0;
    int side = 1;
    while (side * side < h->n)
        side++;
    json_t *topo = json_object();
    for (int i = 0; i < h->n; i++) {
        json_t *nb = json_array();
        int r = i / side, c = i % side;
        int cand[4] = {c > 0 ? i - 1 : -1, c < side - 1 ? i + 1 : -1, r > 0 ? i - side : -1, i + side};
        for (int k = 0; k < 4; k++)
            if (cand[k] >= 0 && cand[k] < h->n)
                json_array_append_new(nb, json_string(h->nodes[cand[k]].name));
        json_object_set_new(topo, h->nodes[i].name, nb);
    }
    for (int i = 0; i < h->n; i++) {
        XGROW(h->cl, h->capcl, h->ncl + 1);
        struct client *c = &h->cl[h->ncl];
        memset(c, 0, sizeof(*c));
        c->id = (int)h->ncl++;
        c->node = i;
        c->role = CL_SETUP;
        c->next_msg_id = 1;
        json_t *b = body_of("topology");
        json_object_set(b, "topology", topo);
        c->req_id = c->next_msg_id++;
        json_object_set_new(b, "msg_id", json_integer(c->req_id));
        c->req = json_incref(b);
        c->busy = true;
        c->sent_at = h_now(h);
        c->deadline = INT64_MAX;
        h_send_body(h, (struct ep){EP_CLIENT, c->id}, i, b);
    }
    json_decref(topo);
    return h->n;
}

json_t *wl_final_request(struct harness *h)
{
    (void)h;
    return body_of("read");
}

void wl_final_reply(struct harness *h, int node, json_t *reply)
{
    struct wl_state *w = h->wl;
    if (w->final[node])
        json_decref(w->final[node]);
    w->final[node] = json_incref(reply);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool check_unique(struct harness *h, struct buf *out)
{
    struct wl_state *w = h->wl;
    qsort(w->ids, w->nids, sizeof(*w->ids), cmp_str);
    size_t dups = 0;
    const char *ex = NULL;
    for (size_t i = 1; i < w->nids; i++)
        if (strcmp(w->ids[i], w->ids[i - 1]) == 0 && (dups++, !ex))
            ex = w->ids[i];
    if (dups)
        buf_printf(out, "checker unique-ids: NOT valid (%zu duplicate ids among %zu, e.g. %s)\n", dups, w->nids, ex);
    else
        buf_printf(out, "checker unique-ids: valid (%zu ids, all distinct)\n", w->nids);
    return dups == 0;
}

/* Broadcast and g-set: every acknowledged value is in every node's final read, and no read has a value no client
 * sent. */
static bool check_sets(struct harness *h, struct buf *out)
{
    struct wl_state *w = h->wl;
    const char *field = h->o->workload == HW_BROADCAST ? "messages" : "value";
    bool ok = true;
    size_t nacked = 0;
    for (size_t v = 0; v < w->capacked; v++)
        nacked += w->acked[v];
    uint8_t *seen = xcalloc((size_t)w->next_value + 1, 1);
    for (int i = 0; i < h->n; i++) {
        if (!w->final[i]) {
            buf_printf(out, "  %s never answered its final read\n", h->nodes[i].name);
            ok = false;
            continue;
        }
        json_t *arr = json_object_get(w->final[i], field);
        check_set_read(h, arr, i);
        memset(seen, 0, (size_t)w->next_value + 1);
        size_t k;
        json_t *v;
        json_array_foreach(arr, k, v) if (json_is_integer(v) && json_integer_value(v) >= 0 &&
                                          json_integer_value(v) < w->next_value) seen[json_integer_value(v)] = 1;
        size_t lost = 0;
        int64_t first = -1;
        for (size_t x = 0; x < w->capacked; x++)
            if (w->acked[x] && !seen[x] && (lost++, first < 0))
                first = (int64_t)x;
        if (lost) {
            buf_printf(out, "  %s lost %zu acknowledged value%s (e.g. %" PRId64 ") in its final read\n",
                       h->nodes[i].name, lost, lost == 1 ? "" : "s", first);
            ok = false;
        }
    }
    free(seen);
    if (w->bad_reads) {
        buf_printf(out, "  %" PRIu64 " read value%s no client sent, e.g. %s\n", w->bad_reads,
                   w->bad_reads == 1 ? "" : "s", w->bad_read_example);
        ok = false;
    }
    struct buf head;
    buf_init(&head);
    buf_printf(&head, "checker %s: %s (%zu acknowledged of %" PRId64 " sent; final reads of %d nodes)\n",
               harness_workload_name(h->o->workload), ok ? "valid" : "NOT valid", nacked, w->next_value, h->n);
    buf_puts(&head, out->data ? out->data : "");
    buf_reset(out);
    buf_puts(out, head.data);
    buf_close(&head);
    return ok;
}

static bool check_counter(struct harness *h, struct buf *out)
{
    struct wl_state *w = h->wl;
    int64_t lo = w->sum_ok + w->neg_unknown, hi = w->sum_ok + w->pos_unknown;
    bool ok = true;
    struct buf detail;
    buf_init(&detail);
    for (int i = 0; i < h->n; i++) {
        if (!w->final[i]) {
            buf_printf(&detail, "  %s never answered its final read\n", h->nodes[i].name);
            ok = false;
            continue;
        }
        int64_t v = json_integer_value(json_object_get(w->final[i], "value"));
        if (v < lo || v > hi) {
            buf_printf(&detail, "  %s's final read is %" PRId64 ", outside [%" PRId64 ", %" PRId64 "]\n",
                       h->nodes[i].name, v, lo, hi);
            ok = false;
        }
    }
    buf_printf(out, "checker %s: %s (final reads must lie in [%" PRId64 ", %" PRId64 "]: acknowledged adds sum to %"
               PRId64 ")\n%s", harness_workload_name(h->o->workload), ok ? "valid" : "NOT valid", lo, hi, w->sum_ok,
               detail.data ? detail.data : "");
    buf_close(&detail);
    return ok;
}

/* ---- lin-kv: the history, and dkata check's linearizability checker (cas-register per key) ---- */

struct ev {
    int64_t t;
    size_t op;
    int done; /* 0 invoke, 1 completion */
};

static int by_time(const void *x, const void *y)
{
    const struct ev *a = x, *b = y;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    if (a->done != b->done)
        return a->done - b->done;
    return a->op < b->op ? -1 : a->op > b->op;
}

static struct hist_val to_val(const json_t *v, char **tmp)
{
    *tmp = NULL;
    if (!v || json_is_null(v))
        return hist_nil();
    if (json_is_integer(v))
        return hist_int(json_integer_value(v));
    if (json_is_string(v))
        return hist_str(json_string_value(v));
    *tmp = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    return hist_str(*tmp);
}

static void add_event(struct history *hist, const struct harness *h, const struct hop *op, int done, int64_t t)
{
    const char *f = op->f;
    char key[32];
    snprintf(key, sizeof(key), "%" PRId64, (int64_t)json_integer_value(json_object_get(op->req, "key")));
    char *tmp = NULL;
    struct hist_val pair[2];
    struct hist_val v = hist_nil();
    if (strcmp(f, "write") == 0)
        v = hist_int(json_integer_value(json_object_get(op->req, "value")));
    else if (strcmp(f, "cas") == 0) {
        pair[0] = hist_int(json_integer_value(json_object_get(op->req, "from")));
        pair[1] = hist_int(json_integer_value(json_object_get(op->req, "to")));
        v = hist_list(pair, 2);
    }
    if (!done) {
        history_invoke(hist, op->client, f, key, strcmp(f, "read") == 0 ? (struct hist_val){0} : v, t);
        return;
    }
    enum hist_type ty = op->type == OP_OK ? HIST_OK : op->type == OP_FAIL ? HIST_FAIL : HIST_INFO;
    const char *error = NULL;
    if (ty == HIST_OK && strcmp(f, "read") == 0)
        v = to_val(json_object_get(op->reply, "value"), &tmp);
    if (ty == HIST_FAIL && strcmp(f, "read") == 0 && op->err_code == PROTO_KEY_MISSING) {
        ty = HIST_OK; /* the key does not exist: the register is still nil */
        v = hist_nil();
    }
    if (ty == HIST_FAIL && strcmp(f, "cas") == 0 &&
        (op->err_code == PROTO_PRECONDITION || op->err_code == PROTO_KEY_MISSING))
        error = "cas-mismatch";
    else if (ty != HIST_OK)
        error = proto_error_name(op->err_code);
    size_t i = history_complete(hist, op->client, ty, ty == HIST_INFO ? (struct hist_val){0} : v, t);
    if (error) {
        free(hist->ev[i].error);
        hist->ev[i].error = xstrdup(error);
    }
    free(tmp);
    (void)h;
}

static void build_history(struct harness *h, struct history *hist)
{
    struct ev *e = xcalloc(2 * h->nops + 1, sizeof(*e));
    size_t n = 0;
    for (size_t k = 0; k < h->nops; k++) {
        e[n++] = (struct ev){h->ops[k].t_invoke, k, 0};
        if (h->ops[k].type != OP_PENDING && h->ops[k].type != OP_INFO)
            e[n++] = (struct ev){h->ops[k].t_done, k, 1};
    }
    qsort(e, n, sizeof(*e), by_time);
    for (size_t k = 0; k < n; k++) {
        const struct hop *op = &h->ops[e[k].op];
        if (h->o->workload == HW_LIN_KV)
            add_event(hist, h, op, e[k].done, e[k].t);
        else if (!e[k].done)
            history_invoke(hist, op->client, op->f, NULL, (struct hist_val){0}, e[k].t);
        else
            history_complete(hist, op->client, op->type == OP_OK ? HIST_OK : HIST_FAIL, (struct hist_val){0},
                             e[k].t);
    }
    free(e);
    for (size_t k = 0; k < hist->n; k++)
        hist->ev[k].line = (int)k + 1; /* explanations then point at lines of history.jsonl */
}

static bool check_lin(struct harness *h, struct history *hist, struct buf *out)
{
    struct lin_problem p;
    struct lin_opts lo = {.model = LIN_CAS_REGISTER, .mem_limit = (size_t)1 << 30};
    if (lin_init(&p, hist, &lo) < 0) {
        buf_printf(out, "checker lin-kv: NOT valid (the history cannot be checked: %s)\n", p.err);
        lin_close(&p);
        return false;
    }
    for (size_t i = 0; i < p.nparts; i++)
        lin_check_part(&p, i, 20000000);
    enum lin_verdict v = lin_verdict(&p);
    buf_printf(out, "checker lin-kv: %s (%zu operations on %zu keys, cas-register model, dkata check's "
               "linearizability checker)\n", v == LIN_OK ? "valid" : v == LIN_VIOLATION ? "NOT valid" : "unknown",
               p.nops, p.nparts);
    if (v != LIN_OK)
        lin_explain(&p, out);
    lin_close(&p);
    (void)h;
    return v == LIN_OK;
}

bool wl_check(struct harness *h, struct buf *out)
{
    struct wl_state *w = h->wl;
    const struct harness_opts *o = h->o;
    bool ok = true;
    size_t nok = 0;
    for (size_t k = 0; k < h->nops; k++)
        nok += h->ops[k].type == OP_OK;
    if (nok == 0) {
        buf_printf(out, "checker stats: NOT valid (no operation succeeded out of %zu)\n", h->nops);
        ok = false;
    }
    if (o->availability >= 0) {
        double frac = h->nops ? (double)nok / (double)h->nops : 0;
        bool a = frac >= o->availability - 1e-12;
        buf_printf(out, "checker availability: %s (%.1f%% of operations succeeded; %.1f%% required)\n",
                   a ? "valid" : "NOT valid", 100 * frac, 100 * o->availability);
        ok = ok && a;
    }
    struct history hist;
    history_init(&hist);
    build_history(h, &hist);
    char path[700];
    snprintf(path, sizeof(path), "%s/history.jsonl", o->log_dir);
    FILE *f = fopen(path, "w");
    if (f) {
        history_write_jsonl(&hist, f);
        fclose(f);
    }
    struct buf part;
    buf_init(&part);
    switch (o->workload) {
    case HW_ECHO:
        if (w->echo_bad)
            buf_printf(&part, "checker echo: NOT valid (%" PRIu64 " wrong echoes, e.g. %s)\n", w->echo_bad,
                       w->echo_example);
        else
            buf_printf(&part, "checker echo: valid (%zu echoes, each the same as sent)\n", nok);
        ok = ok && !w->echo_bad;
        break;
    case HW_UNIQUE_IDS: ok = check_unique(h, &part) && ok; break;
    case HW_BROADCAST:
    case HW_G_SET: ok = check_sets(h, &part) && ok; break;
    case HW_G_COUNTER:
    case HW_PN_COUNTER: ok = check_counter(h, &part) && ok; break;
    case HW_LIN_KV: ok = check_lin(h, &hist, &part) && ok; break;
    }
    buf_puts(out, part.data ? part.data : "");
    buf_close(&part);
    history_close(&hist);
    return ok;
}
