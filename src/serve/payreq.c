/* Request parsing and validation for POST /payments; pure functions, fuzzed by tests/fuzz/fuzz_serve_payreq.c. */
#include "serve/payreq.h"

#include <ctype.h>
#include <jansson.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *const payreq_currencies[] = {"USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", NULL};

bool payreq_uuid_ok(const char *s)
{
    if (!s)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
    }
    return s[36] == '\0';
}

void payreq_uuid_lower(const char *uuid, char out[37])
{
    for (int i = 0; i < 36; i++)
        out[i] = (char)tolower((unsigned char)uuid[i]);
    out[36] = '\0';
}

bool payreq_content_type_ok(const char *ct)
{
    if (!ct)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strlen("application/json");
    if (strncasecmp(ct, "application/json", n) != 0)
        return false;
    ct += n;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == '\0' || *ct == ';';
}

static bool currency_ok(const char *c)
{
    for (int i = 0; payreq_currencies[i]; i++)
        if (strcmp(c, payreq_currencies[i]) == 0)
            return true;
    return false;
}

static bool token_ok(const char *t, size_t n)
{
    if (n == 0 || n > PAYREQ_TOKEN_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)t[i]) && t[i] != '_' && t[i] != '-')
            return false;
    return true;
}

/* Validates a parsed JSON value; returns 0 or 422 with msg. */
static int validate(json_t *root, struct payreq *out, char *msg, size_t msg_n)
{
    if (!json_is_object(root)) {
        snprintf(msg, msg_n, "body must be a json object with amount, currency and card_token");
        return 422;
    }
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        if (strcmp(k, "amount") && strcmp(k, "currency") && strcmp(k, "card_token")) {
            snprintf(msg, msg_n, "unknown field '%.40s' (accepted: amount, currency, card_token)", k);
            return 422;
        }
    }
    json_t *a = json_object_get(root, "amount");
    if (!json_is_integer(a) || json_integer_value(a) <= 0 || json_integer_value(a) > PAYREQ_AMOUNT_MAX) {
        snprintf(msg, msg_n, "amount must be a positive integer of minor units up to %lld",
                 (long long)PAYREQ_AMOUNT_MAX);
        return 422;
    }
    json_t *c = json_object_get(root, "currency");
    if (!json_is_string(c) || json_string_length(c) != 3 || !currency_ok(json_string_value(c))) {
        snprintf(msg, msg_n, "currency must be one of USD, EUR, GBP, JPY, CHF, CAD, AUD");
        return 422;
    }
    json_t *t = json_object_get(root, "card_token");
    if (!json_is_string(t) || !token_ok(json_string_value(t), json_string_length(t))) {
        snprintf(msg, msg_n, "card_token must be 1 to %d characters of letters, digits, '_' or '-'",
                 PAYREQ_TOKEN_MAX);
        return 422;
    }
    out->amount = json_integer_value(a);
    memcpy(out->currency, json_string_value(c), 4);
    memcpy(out->card_token, json_string_value(t), json_string_length(t) + 1);
    return 0;
}

int payreq_parse(const char *body, size_t len, struct payreq *out, char *msg, size_t msg_n)
{
    memset(out, 0, sizeof(*out));
    if (len > PAYREQ_BODY_MAX) {
        snprintf(msg, msg_n, "body of %zu bytes is over the limit of %d", len, PAYREQ_BODY_MAX);
        return 413;
    }
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(msg, msg_n, "malformed json at byte %d: %.80s", jerr.position, jerr.text);
        return 400;
    }
    int rc = validate(root, out, msg, msg_n);
    json_decref(root);
    return rc;
}

void payreq_canonical(const struct payreq *r, struct buf *b)
{
    /* Keys sorted; the token's alphabet needs no escaping. */
    buf_printf(b, "{\"amount\":%lld,\"card_token\":\"%s\",\"currency\":\"%s\"}", (long long)r->amount,
               r->card_token, r->currency);
}

void payreq_hash(const struct payreq *r, char hex[PAYREQ_HASH_HEX])
{
    struct buf b;
    buf_init(&b);
    payreq_canonical(r, &b);
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)b.data, b.len, md);
    buf_close(&b);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

void payreq_error_json(struct buf *b, const char *code, const char *msg)
{
    buf_puts(b, "{\"error\":{\"code\":");
    buf_json_str(b, code);
    buf_puts(b, ",\"message\":");
    buf_json_str(b, msg);
    buf_puts(b, "}}");
}
