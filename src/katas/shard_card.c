/* Workload cards: the line format's parser and the five built-in cards (written in the same format). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "katas/shard.h"

const char *const shard_card_names[] = {"social-feed", "saas", "iot", "shop", "chat", NULL};

static const char *const builtin_text[] = {
    "card social-feed\n"
    "title Social feed: users post, follow each other, read a home timeline\n"
    "field user zipf 0.9 100000\n"
    "field time monotonic\n"
    "query post 20 eq=user\n"
    "query profile-page 15 eq=user\n"
    "query home-timeline 55 eq=user fanout remedy=denormalization\n"
    "query trending-hashtags 10 range=time remedy=separate\n",

    "card saas\n"
    "title Multi-tenant SaaS: a few huge tenants and a long tail of small ones\n"
    "field tenant pareto 1.1 2000\n"
    "field record uniform 1000000\n"
    "field time monotonic\n"
    "query get-record 40 eq=tenant,record\n"
    "query tenant-dashboard 45 eq=tenant range=time\n"
    "query cross-tenant-billing 5 range=time remedy=separate\n"
    "query record-by-id-only 10 eq=record\n",

    "card iot\n"
    "title IoT time series: devices report readings every few seconds\n"
    "field device uniform 50000\n"
    "field time monotonic\n"
    "query ingest 70 eq=device\n"
    "query device-last-hour 20 eq=device range=time\n"
    "query fleet-last-minute 10 range=time remedy=separate\n",

    "card shop\n"
    "title E-commerce catalogue with orders: a few best sellers, customers ordering\n"
    "field product zipf 1.0 20000\n"
    "field customer uniform 500000\n"
    "field time monotonic\n"
    "query product-page 50 eq=product\n"
    "query place-order 15 eq=product,customer\n"
    "query my-orders 25 eq=customer\n"
    "query sales-report 10 range=time remedy=separate\n",

    "card chat\n"
    "title Chat service: channels of every size, messages in order\n"
    "field channel zipf 1.05 30000\n"
    "field user uniform 200000\n"
    "field time monotonic\n"
    "query send 45 eq=channel\n"
    "query channel-history 40 eq=channel range=time\n"
    "query my-mentions 10 eq=user\n"
    "query message-search 5 remedy=separate\n",
};

int shard_card_field(const struct shard_card *c, const char *name)
{
    for (int i = 0; i < c->nf; i++)
        if (!strcmp(c->f[i].name, name))
            return i;
    return -1;
}

static bool ident_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n < 1 || n >= max)
        return false;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-' || *s == '_'))
            return false;
    return true;
}

static bool num(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}

#define FAIL(...)                                                                                                     \
    do {                                                                                                              \
        int n_ = snprintf(err, errlen, "line %d: ", line);                                                            \
        snprintf(err + (n_ > 0 && (size_t)n_ < errlen ? n_ : 0), errlen - (n_ > 0 && (size_t)n_ < errlen ? n_ : 0),   \
                 __VA_ARGS__);                                                                                        \
        return ERR_PARSE;                                                                                             \
    } while (0)

/* One line's words (at most 12), split in place. */
static int words(char *s, char **w)
{
    int n = 0;
    for (char *save = NULL, *t = strtok_r(s, " \t\r", &save); t && n < 12; t = strtok_r(NULL, " \t\r", &save))
        w[n++] = t;
    return n;
}

static int parse_query(struct shard_card *c, char **w, int nw, int line, char *err, size_t errlen)
{
    if (c->nq == SHARD_MAXQ)
        FAIL("more than %d queries", SHARD_MAXQ);
    if (nw < 3)
        FAIL("expected: query NAME SHARE [eq=F,G] [range=F] [fanout] [remedy=index|denormalization|separate]");
    struct shard_query *q = &c->q[c->nq];
    memset(q, 0, sizeof(*q));
    q->range = -1;
    if (!ident_ok(w[1], sizeof(q->name)))
        FAIL("bad query name '%.40s': expected 1..31 of [a-z0-9_-]", w[1]);
    snprintf(q->name, sizeof(q->name), "%s", w[1]);
    if (!num(w[2], 0.001, 100, &q->share))
        FAIL("bad share '%.40s': expected a percentage 0.001..100", w[2]);
    for (int i = 3; i < nw; i++) {
        if (!strncmp(w[i], "eq=", 3)) {
            char *save = NULL;
            for (char *t = strtok_r(w[i] + 3, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                int f = shard_card_field(c, t);
                if (f < 0)
                    FAIL("query '%s' names unknown field '%.40s' (declare it with 'field' first)", q->name, t);
                if (q->neq == SHARD_MAXF)
                    FAIL("too many eq fields");
                q->eq[q->neq++] = f;
            }
            if (!q->neq)
                FAIL("eq= needs at least one field");
        } else if (!strncmp(w[i], "range=", 6)) {
            if ((q->range = shard_card_field(c, w[i] + 6)) < 0)
                FAIL("query '%s' names unknown field '%.40s'", q->name, w[i] + 6);
        } else if (!strcmp(w[i], "fanout")) {
            q->fanout = true;
        } else if (!strncmp(w[i], "remedy=", 7)) {
            const char *r = w[i] + 7;
            if (strcmp(r, "index") && strcmp(r, "denormalization") && strcmp(r, "separate"))
                FAIL("bad remedy '%.40s': expected index, denormalization or separate", r);
            snprintf(q->remedy, sizeof(q->remedy), "%s", r);
        } else {
            FAIL("unknown query option '%.40s' (accepted: eq=, range=, fanout, remedy=)", w[i]);
        }
    }
    c->nq++;
    return 0;
}

int shard_card_parse(const char *text, size_t len, struct shard_card *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    int line = 0;
    size_t pos = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        line++;
        char buf[512];
        if (end - pos >= sizeof(buf))
            FAIL("line longer than %zu bytes", sizeof(buf) - 1);
        if (memchr(text + pos, 0, end - pos))
            FAIL("NUL byte in the card");
        memcpy(buf, text + pos, end - pos);
        buf[end - pos] = 0;
        pos = end + 1;
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = 0;
        char *w[12];
        if (!strncmp(buf, "title", 5) && (buf[5] == ' ' || buf[5] == '\t')) {
            char *t = buf + 6;
            while (*t == ' ' || *t == '\t')
                t++;
            snprintf(c->title, sizeof(c->title), "%.95s", t);
            continue;
        }
        int nw = words(buf, w);
        if (!nw)
            continue;
        if (!strcmp(w[0], "card")) {
            if (nw != 2 || !ident_ok(w[1], sizeof(c->name)))
                FAIL("expected: card NAME (1..31 of [a-z0-9_-])");
            snprintf(c->name, sizeof(c->name), "%s", w[1]);
        } else if (!strcmp(w[0], "field")) {
            if (c->nf == SHARD_MAXF)
                FAIL("more than %d fields", SHARD_MAXF);
            struct shard_field *f = &c->f[c->nf];
            memset(f, 0, sizeof(*f));
            if (nw < 3 || !ident_ok(w[1], sizeof(f->name)))
                FAIL("expected: field NAME uniform N | zipf S N | pareto ALPHA N | monotonic");
            if (shard_card_field(c, w[1]) >= 0)
                FAIL("field '%s' declared twice", w[1]);
            snprintf(f->name, sizeof(f->name), "%s", w[1]);
            double n = 0;
            if (!strcmp(w[2], "monotonic") && nw == 3) {
                f->dist = SHARD_MONOTONIC;
            } else if (!strcmp(w[2], "uniform") && nw == 4 && num(w[3], 1, 1e9, &n)) {
                f->dist = SHARD_UNIFORM;
            } else if ((!strcmp(w[2], "zipf") || !strcmp(w[2], "pareto")) && nw == 5 && num(w[3], 0.01, 5, &f->s) &&
                       num(w[4], 1, 200000, &n)) {
                f->dist = !strcmp(w[2], "zipf") ? SHARD_ZIPF : SHARD_PARETO;
            } else {
                FAIL("bad field '%s': expected uniform N (1..1e9), zipf S N or pareto ALPHA N (S, ALPHA 0.01..5; N "
                     "1..200000), or monotonic", f->name);
            }
            f->n = (long)n;
            c->nf++;
        } else if (!strcmp(w[0], "query")) {
            int rc = parse_query(c, w, nw, line, err, errlen);
            if (rc)
                return rc;
        } else {
            FAIL("unknown line '%.40s' (accepted: card, title, field, query, # comments)", w[0]);
        }
    }
    line = 0;
    if (!c->name[0])
        FAIL("the card has no 'card NAME' line");
    if (!c->nf)
        FAIL("the card declares no field");
    if (!c->nq)
        FAIL("the card declares no query");
    if (!c->title[0])
        snprintf(c->title, sizeof(c->title), "%s", c->name);
    return 0;
}

int shard_card_builtin(const char *name, struct shard_card *c)
{
    for (int i = 0; shard_card_names[i]; i++)
        if (!strcmp(shard_card_names[i], name)) {
            char err[160];
            int rc = shard_card_parse(builtin_text[i], strlen(builtin_text[i]), c, err, sizeof(err));
            return rc;
        }
    return ERR_NOTFOUND;
}
