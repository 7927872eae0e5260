/* The payments request: header checks, body parsing and validation, canonical form and its hash. */
#ifndef DKATA_SERVE_PAYREQ_H
#define DKATA_SERVE_PAYREQ_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"

#define PAYREQ_BODY_MAX 4096      /* bytes; a larger body is refused with 413 */
#define PAYREQ_AMOUNT_MAX 1000000000000LL /* minor units; larger is refused with 422 */
#define PAYREQ_TOKEN_MAX 64
#define PAYREQ_HASH_HEX 65        /* 64 hex digits and a NUL */

/* A validated POST /payments body. */
struct payreq {
    int64_t amount;                       /* minor units, 1..PAYREQ_AMOUNT_MAX */
    char currency[4];                     /* one of payreq_currencies */
    char card_token[PAYREQ_TOKEN_MAX + 1]; /* [A-Za-z0-9_-]{1,64} */
};

/* The currencies accepted, NULL-terminated. */
extern const char *const payreq_currencies[];

/* True if s is a UUID in its canonical text form (8-4-4-4-12 hex digits, either case). */
bool payreq_uuid_ok(const char *s);
/* The canonical form of a key payreq_uuid_ok accepted: its hex digits in lower case. */
void payreq_uuid_lower(const char *uuid, char out[37]);

/* True if a Content-Type header value names JSON ("application/json", parameters allowed). */
bool payreq_content_type_ok(const char *ct);

/* Parses and validates a body of len bytes (not NUL-terminated). Returns 0 and fills out, or the HTTP
 * status to answer with (400 malformed JSON, 422 well-formed but invalid) and a one-line message in msg. */
int payreq_parse(const char *body, size_t len, struct payreq *out, char *msg, size_t msg_n);

/* Appends the canonical form of r (keys sorted, no spaces) to b: the same request always has the same
 * canonical bytes whatever the client's key order, spacing or escapes. */
void payreq_canonical(const struct payreq *r, struct buf *b);

/* The SHA-256 of r's canonical form, in lower-case hex, into hex (PAYREQ_HASH_HEX bytes). */
void payreq_hash(const struct payreq *r, char hex[PAYREQ_HASH_HEX]);

/* Appends the JSON error body {"error":{"code":CODE,"message":MSG}} to b. */
void payreq_error_json(struct buf *b, const char *code, const char *msg);

#endif
