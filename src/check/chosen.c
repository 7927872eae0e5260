/* The single-decree consensus checker: at most one value chosen, proposals respect chosen values, learners agree. */
#include "check/chosen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void chosen_init(struct chosen *c, int nacceptors, void (*fmt_ballot)(int64_t, char *, size_t))
{
    memset(c, 0, sizeof(*c));
    c->nacceptors = nacceptors;
    c->majority = nacceptors / 2 + 1;
    c->fmt_ballot = fmt_ballot;
    c->value = -1;
}

void chosen_close(struct chosen *c)
{
    free(c->b);
    c->b = NULL;
}

static void ballot_str(const struct chosen *c, int64_t b, char *out, size_t len)
{
    if (c->fmt_ballot)
        c->fmt_ballot(b, out, len);
    else
        snprintf(out, len, "%lld", (long long)b);
}

static char letter(int v)
{
    return v >= 0 && v < 26 ? (char)('a' + v) : '?';
}

void chosen_format_set(uint64_t set, struct buf *out)
{
    buf_putc(out, '{');
    for (int i = 0, first = 1; i < 64; i++)
        if ((set >> i) & 1) {
            buf_printf(out, "%sa%d", first ? "" : ",", i);
            first = 0;
        }
    buf_putc(out, '}');
}

static bool violation(struct chosen *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool violation(struct chosen *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->last, sizeof(c->last), fmt, ap);
    va_end(ap);
    if (!c->violations++)
        memcpy(c->first, c->last, sizeof(c->first));
    return false;
}

static struct chosen_ballot *find(struct chosen *c, int64_t ballot)
{
    for (size_t i = 0; i < c->nb; i++)
        if (c->b[i].ballot == ballot)
            return &c->b[i];
    return NULL;
}

bool chosen_accepted(struct chosen *c, int acceptor, int64_t ballot, int value)
{
    char bs[32];
    ballot_str(c, ballot, bs, sizeof(bs));
    struct chosen_ballot *b = find(c, ballot);
    if (!b) {
        XGROW(c->b, c->cap, c->nb + 1);
        b = &c->b[c->nb++];
        *b = (struct chosen_ballot){ballot, value, 0};
    }
    if (b->value != value)
        return violation(c, "ballot %s carries two values, '%c' and '%c'", bs, letter(b->value), letter(value));
    b->accepted |= 1ULL << acceptor;
    if (__builtin_popcountll(b->accepted) < c->majority)
        return true;
    if (c->value < 0) {
        c->value = value;
        c->ballot = ballot;
        c->quorum = b->accepted;
        return true;
    }
    if (c->value == value)
        return true;
    struct buf q1, q2;
    buf_init(&q1);
    buf_init(&q2);
    chosen_format_set(c->quorum, &q1);
    chosen_format_set(b->accepted, &q2);
    char b1[32];
    ballot_str(c, c->ballot, b1, sizeof(b1));
    violation(c, "two values chosen: '%c' by %s in ballot %s, then '%c' by %s in ballot %s", letter(c->value),
              q1.data, b1, letter(value), q2.data, bs);
    buf_close(&q1);
    buf_close(&q2);
    return false;
}

bool chosen_proposal(struct chosen *c, int64_t ballot, uint64_t quorum, int value, struct buf *why)
{
    struct buf q;
    buf_init(&q);
    chosen_format_set(quorum, &q);
    if (why)
        buf_printf(why, "promise quorum %s (%d of %d)", q.data, __builtin_popcountll(quorum), c->nacceptors);
    bool ok = true, any = false;
    for (size_t i = 0; i < c->nb; i++) {
        const struct chosen_ballot *b = &c->b[i];
        if (b->ballot >= ballot || __builtin_popcountll(b->accepted) < c->majority)
            continue;
        any = true;
        struct buf s, m;
        buf_init(&s);
        buf_init(&m);
        chosen_format_set(b->accepted, &s);
        chosen_format_set(b->accepted & quorum, &m);
        char bs[32];
        ballot_str(c, b->ballot, bs, sizeof(bs));
        if (why)
            buf_printf(why, " meets %s (accepted '%c' in %s: chosen) in %s", s.data, letter(b->value), bs, m.data);
        if (!(b->accepted & quorum))
            ok = violation(c, "promise quorum %s misses every acceptor of %s, which chose '%c' in ballot %s", q.data,
                           s.data, letter(b->value), bs);
        else if (value != b->value)
            ok = violation(c, "proposal '%c' with quorum %s after '%c' was chosen in ballot %s", letter(value),
                           q.data, letter(b->value), bs);
        buf_close(&s);
        buf_close(&m);
    }
    if (why && !any)
        buf_puts(why, ": no value chosen below this ballot, any value is safe");
    buf_close(&q);
    return ok;
}

bool chosen_learned(struct chosen *c, int learner, int value)
{
    if (c->value == value)
        return true;
    if (c->value < 0)
        return violation(c, "learner %d learned '%c', which no majority accepted", learner, letter(value));
    return violation(c, "learner %d learned '%c' but '%c' is chosen", learner, letter(value), letter(c->value));
}
