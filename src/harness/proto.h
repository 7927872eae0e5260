/* The node protocol of Jepsen's Maelstrom as dkata speaks it: one JSON object per line,
 * {"src":..., "dest":..., "body":{"type":..., "msg_id":..., "in_reply_to":..., ...}}, and its error codes. */
#ifndef DKATA_PROTO_H
#define DKATA_PROTO_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A parsed message. root owns everything; src, dest and type point into it. */
struct proto_msg {
    json_t *root;
    json_t *body;
    const char *src, *dest, *type;
    bool has_msg_id, has_reply;
    int64_t msg_id, in_reply_to;
};

/* Parses one line (len bytes, no newline) into m. On failure returns ERR_PARSE and writes into err what was
 * expected ("not JSON: ...", "no \"dest\" string", "body has no \"type\" string", ...); m is then empty.
 * Lenient where real nodes differ: msg_id may be absent or 0, extra keys anywhere are kept. */
int proto_parse(struct proto_msg *m, const char *line, size_t len, char *err, size_t errlen);
void proto_msg_close(struct proto_msg *m);

/* Endpoint names: "n3" -> node 3, "c12" -> client 12. Return the number, or -1 if name is not of that kind. */
int proto_node_index(const char *name);
int proto_client_index(const char *name);

/* Maelstrom's standard error codes: 0 timeout, 1 node-not-found, 10 not-supported, 11 temporarily-unavailable,
 * 12 malformed-request, 13 crash, 14 abort, 20 key-does-not-exist, 21 key-already-exists,
 * 22 precondition-failed, 30 txn-conflict; 1000 and up are the user's own. */
enum {
    PROTO_TIMEOUT = 0,
    PROTO_NODE_NOT_FOUND = 1,
    PROTO_NOT_SUPPORTED = 10,
    PROTO_TEMP_UNAVAILABLE = 11,
    PROTO_MALFORMED = 12,
    PROTO_CRASH = 13,
    PROTO_ABORT = 14,
    PROTO_KEY_MISSING = 20,
    PROTO_KEY_EXISTS = 21,
    PROTO_PRECONDITION = 22,
    PROTO_TXN_CONFLICT = 30,
};
/* The code's name ("key-does-not-exist"), "user" for 1000+, or "unknown". */
const char *proto_error_name(int64_t code);
/* Definite: the operation certainly did not happen. Timeout (0), crash (13) and unknown codes are
 * indefinite; user codes (1000+) are taken as indefinite too, since dkata cannot know what they mean. */
bool proto_error_definite(int64_t code);

/* Builds {"src":src,"dest":dest,"body":body} as one line with its '\n' (caller frees); steals body. */
char *proto_line(const char *src, const char *dest, json_t *body, size_t *len);

#endif
