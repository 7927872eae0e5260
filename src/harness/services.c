/* The services a node can call by id, as in Maelstrom: lin-kv (linearizable), seq-kv (sequentially consistent:
 * a caller's reads may lag but never go back), lww-kv (eventually consistent: a read may see any recent version),
 * each with read / write / cas (create_if_not_exists), and lin-tso (a linearizable timestamp oracle: ts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/harness_int.h"
#include "harness/proto.h"

static const char *const names[SVC_N] = {"lin-kv", "seq-kv", "lww-kv", "lin-tso"};

const char *svc_name(int s)
{
    return s >= 0 && s < SVC_N ? names[s] : "?";
}

int svc_parse(const char *name)
{
    for (int i = 0; i < SVC_N; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

struct version {
    uint64_t seq; /* position in the store's total order of writes */
    json_t *value;
};

struct key {
    char *text; /* the key's JSON */
    struct version *v;
    size_t n, cap;
};

struct store {
    struct key *k;
    size_t n, cap;
    uint64_t seq;
    uint64_t view[HARNESS_MAX_NODES]; /* seq-kv: how far each caller has seen */
};

struct svc_state {
    struct store kv[3];
    int64_t tso;
};

void svc_close(struct harness *h)
{
    if (!h->svc)
        return;
    for (int s = 0; s < 3; s++) {
        struct store *st = &h->svc->kv[s];
        for (size_t i = 0; i < st->n; i++) {
            for (size_t j = 0; j < st->k[i].n; j++)
                json_decref(st->k[i].v[j].value);
            free(st->k[i].v);
            free(st->k[i].text);
        }
        free(st->k);
    }
    free(h->svc);
    h->svc = NULL;
}

static struct key *find_key(struct store *st, const char *text, bool create)
{
    for (size_t i = 0; i < st->n; i++) /* few keys in a kata; a linear scan is enough */
        if (strcmp(st->k[i].text, text) == 0)
            return &st->k[i];
    if (!create)
        return NULL;
    XGROW(st->k, st->cap, st->n + 1);
    struct key *k = &st->k[st->n++];
    memset(k, 0, sizeof(*k));
    k->text = xstrdup(text);
    return k;
}

/* The value of k as of position seq (NULL: it did not exist yet). */
static json_t *value_at(const struct key *k, uint64_t seq)
{
    json_t *v = NULL;
    for (size_t j = 0; j < k->n && k->v[j].seq <= seq; j++)
        v = k->v[j].value;
    return v;
}

static void put(struct store *st, struct key *k, json_t *value)
{
    XGROW(k->v, k->cap, k->n + 1);
    k->v[k->n++] = (struct version){++st->seq, json_incref(value)};
}

static json_t *error_body(int code, const char *text)
{
    json_t *b = json_object();
    json_object_set_new(b, "type", json_string("error"));
    json_object_set_new(b, "code", json_integer(code));
    json_object_set_new(b, "text", json_string(text));
    return b;
}

static json_t *ok_body(const char *type)
{
    json_t *b = json_object();
    json_object_set_new(b, "type", json_string(type));
    return b;
}

/* Where a read by caller lands: lin-kv the latest; seq-kv somewhere between what the caller saw last and the
 * latest (never back); lww-kv any of the last few positions. */
static uint64_t read_pos(struct harness *h, int s, struct store *st, int caller)
{
    if (s == SVC_LIN_KV)
        return st->seq;
    if (s == SVC_SEQ_KV) {
        uint64_t *v = &st->view[caller];
        if (*v < st->seq && rng_chance(&h->svc_rng, 0.5))
            *v += rng_below(&h->svc_rng, st->seq - *v + 1);
        return *v;
    }
    uint64_t back = rng_below(&h->svc_rng, 4);
    return st->seq > back ? st->seq - back : 0;
}

static json_t *kv_op(struct harness *h, int s, int caller, const char *type, json_t *body)
{
    struct store *st = &h->svc->kv[s];
    json_t *key = json_object_get(body, "key");
    if (!key)
        return error_body(PROTO_MALFORMED, "missing \"key\"");
    char *text = json_dumps(key, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
    json_t *r;
    if (strcmp(type, "read") == 0) {
        struct key *k = find_key(st, text, false);
        json_t *v = k ? value_at(k, read_pos(h, s, st, caller)) : NULL;
        if (!v)
            r = error_body(PROTO_KEY_MISSING, "key does not exist");
        else {
            r = ok_body("read_ok");
            json_object_set(r, "value", v);
        }
    } else if (strcmp(type, "write") == 0) {
        json_t *v = json_object_get(body, "value");
        if (!v)
            r = error_body(PROTO_MALFORMED, "missing \"value\"");
        else {
            put(st, find_key(st, text, true), v);
            st->view[caller] = st->seq;
            r = ok_body("write_ok");
        }
    } else if (strcmp(type, "cas") == 0) {
        json_t *from = json_object_get(body, "from"), *to = json_object_get(body, "to");
        struct key *k = find_key(st, text, false);
        json_t *cur = k ? value_at(k, st->seq) : NULL;
        if (!from || !to)
            r = error_body(PROTO_MALFORMED, "cas needs \"from\" and \"to\"");
        else if (!cur && !json_is_true(json_object_get(body, "create_if_not_exists")))
            r = error_body(PROTO_KEY_MISSING, "key does not exist");
        else if (cur && !json_equal(cur, from))
            r = error_body(PROTO_PRECONDITION, "current value does not match \"from\"");
        else {
            put(st, k ? k : find_key(st, text, true), to);
            st->view[caller] = st->seq;
            r = ok_body("cas_ok");
        }
    } else {
        r = error_body(PROTO_NOT_SUPPORTED, "this service has read, write and cas");
    }
    free(text);
    return r;
}

void svc_handle(struct harness *h, int s, int from, json_t *msg)
{
    if (!h->svc)
        h->svc = xcalloc(1, sizeof(*h->svc));
    json_t *body = json_object_get(msg, "body");
    const char *type = json_string_value(json_object_get(body, "type"));
    const char *src = json_string_value(json_object_get(msg, "src"));
    int to = src ? proto_node_index(src) : -1;
    if (to < 0 || to >= h->n)
        to = from; /* reply to the node that sent it */
    json_t *r;
    if (s == SVC_LIN_TSO) {
        if (strcmp(type, "ts") == 0) {
            r = ok_body("ts_ok");
            json_object_set_new(r, "ts", json_integer(++h->svc->tso));
        } else {
            r = error_body(PROTO_NOT_SUPPORTED, "lin-tso has ts");
        }
    } else {
        r = kv_op(h, s, to, type, body);
    }
    json_t *id = json_object_get(body, "msg_id");
    if (id)
        json_object_set(r, "in_reply_to", id);
    h_send_body(h, (struct ep){EP_SERVICE, s}, to, r);
}
