/* Parsing and building Maelstrom protocol lines, strict where a mistake would puzzle the user later. */
#include "harness/proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

static int fail(struct proto_msg *m, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s", what);
    proto_msg_close(m);
    return ERR_PARSE;
}

/* An integer id field: absent is fine, anything but a non-negative integer is not. */
static int get_id(json_t *body, const char *key, bool *has, int64_t *out)
{
    json_t *v = json_object_get(body, key);
    *has = false;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *has = true;
        *out = json_integer_value(v);
        return 0;
    }
    if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) < 9e15 &&
        json_real_value(v) == (double)(int64_t)json_real_value(v)) {
        *has = true; /* some JSON libraries write integers as 3.0 */
        *out = (int64_t)json_real_value(v);
        return 0;
    }
    return -1;
}

int proto_parse(struct proto_msg *m, const char *line, size_t len, char *err, size_t errlen)
{
    memset(m, 0, sizeof(*m));
    json_error_t je;
    m->root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    if (!m->root) {
        char what[256];
        snprintf(what, sizeof(what), "not JSON (%s at column %d); expected one JSON object per line", je.text,
                 je.column);
        return fail(m, err, errlen, what);
    }
    if (!json_is_object(m->root))
        return fail(m, err, errlen, "not a JSON object; expected {\"src\":..., \"dest\":..., \"body\":{...}}");
    json_t *src = json_object_get(m->root, "src"), *dest = json_object_get(m->root, "dest");
    if (!json_is_string(src))
        return fail(m, err, errlen, "no \"src\" string; expected {\"src\":\"n0\", \"dest\":..., \"body\":{...}}");
    if (!json_is_string(dest))
        return fail(m, err, errlen, "no \"dest\" string; expected {\"src\":..., \"dest\":\"n1\", \"body\":{...}}");
    m->body = json_object_get(m->root, "body");
    if (!json_is_object(m->body))
        return fail(m, err, errlen, "no \"body\" object; expected \"body\":{\"type\":...}");
    json_t *type = json_object_get(m->body, "type");
    if (!json_is_string(type))
        return fail(m, err, errlen, "body has no \"type\" string; expected \"body\":{\"type\":\"echo_ok\", ...}");
    if (get_id(m->body, "msg_id", &m->has_msg_id, &m->msg_id) < 0)
        return fail(m, err, errlen, "body's \"msg_id\" is not a non-negative integer");
    if (get_id(m->body, "in_reply_to", &m->has_reply, &m->in_reply_to) < 0)
        return fail(m, err, errlen, "body's \"in_reply_to\" is not a non-negative integer");
    m->src = json_string_value(src);
    m->dest = json_string_value(dest);
    m->type = json_string_value(type);
    return 0;
}

void proto_msg_close(struct proto_msg *m)
{
    if (m->root)
        json_decref(m->root);
    memset(m, 0, sizeof(*m));
}

static int index_of(const char *name, char prefix)
{
    if (name[0] != prefix || !name[1] || (name[1] == '0' && name[2]))
        return -1;
    long v = 0;
    for (const char *p = name + 1; *p; p++) {
        if (*p < '0' || *p > '9' || v > 100000000)
            return -1;
        v = v * 10 + (*p - '0');
    }
    return (int)v;
}

int proto_node_index(const char *name)
{
    return index_of(name, 'n');
}

int proto_client_index(const char *name)
{
    return index_of(name, 'c');
}

const char *proto_error_name(int64_t code)
{
    switch (code) {
    case PROTO_TIMEOUT: return "timeout";
    case PROTO_NODE_NOT_FOUND: return "node-not-found";
    case PROTO_NOT_SUPPORTED: return "not-supported";
    case PROTO_TEMP_UNAVAILABLE: return "temporarily-unavailable";
    case PROTO_MALFORMED: return "malformed-request";
    case PROTO_CRASH: return "crash";
    case PROTO_ABORT: return "abort";
    case PROTO_KEY_MISSING: return "key-does-not-exist";
    case PROTO_KEY_EXISTS: return "key-already-exists";
    case PROTO_PRECONDITION: return "precondition-failed";
    case PROTO_TXN_CONFLICT: return "txn-conflict";
    }
    return code >= 1000 ? "user" : "unknown";
}

bool proto_error_definite(int64_t code)
{
    switch (code) {
    case PROTO_NODE_NOT_FOUND:
    case PROTO_NOT_SUPPORTED:
    case PROTO_TEMP_UNAVAILABLE:
    case PROTO_MALFORMED:
    case PROTO_ABORT:
    case PROTO_KEY_MISSING:
    case PROTO_KEY_EXISTS:
    case PROTO_PRECONDITION:
    case PROTO_TXN_CONFLICT:
        return true;
    }
    return false;
}

char *proto_line(const char *src, const char *dest, json_t *body, size_t *len)
{
    json_t *root = json_object();
    json_object_set_new(root, "src", json_string(src));
    json_object_set_new(root, "dest", json_string(dest));
    json_object_set_new(root, "body", body);
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    size_t n = strlen(s);
    s = realloc(s, n + 2);
    if (!s)
        abort();
    s[n] = '\n';
    s[n + 1] = 0;
    *len = n + 1;
    return s;
}
