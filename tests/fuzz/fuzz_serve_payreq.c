/* Fuzzes POST /payments request parsing: body validation, canonical hash, key and content-type checks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/payreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct payreq r;
    char msg[200];
    int st = payreq_parse((const char *)data, size, &r, msg, sizeof(msg));
    if (st != 0 && st != 400 && st != 413 && st != 422)
        abort();
    if (st == 0) {
        /* A valid request re-parses from its canonical form to the same request and hash. */
        struct buf b;
        buf_init(&b);
        payreq_canonical(&r, &b);
        struct payreq again;
        if (payreq_parse(b.data, b.len, &again, msg, sizeof(msg)) != 0 || memcmp(&r, &again, sizeof(r)) != 0)
            abort();
        char h1[PAYREQ_HASH_HEX], h2[PAYREQ_HASH_HEX];
        payreq_hash(&r, h1);
        payreq_hash(&again, h2);
        if (strcmp(h1, h2) != 0)
            abort();
        buf_close(&b);
    }
    /* The same bytes as header values. */
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    payreq_uuid_ok(s);
    payreq_content_type_ok(s);
    free(s);
    return 0;
}
