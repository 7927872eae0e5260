/* Lost acknowledged writes and the fencing proof, judged from a replication history alone.
 *   lost:     a write the client saw acknowledged whose id is absent from the surviving primary's log
 *   phantom:  an id in that log that no client ever sent; duplicate: an id twice in that log
 *   fencing:  no write is accepted (appended) by a primary of term t at or after the moment a primary of a later
 *             term t' > t started its term ("the old primary cannot accept writes if it comes back later") */
#ifndef DKATA_LOSTWRITES_H
#define DKATA_LOSTWRITES_H
#include <stddef.h>
#include <stdint.h>

/* One client write: invoked at invoked_at, acknowledged at acked_at (-1: never, e.g. timed out). */
struct lw_write {
    uint64_t id;
    int client;
    int64_t invoked_at, acked_at;
};

/* A primary appended write id to its log while serving term. */
struct lw_accept {
    uint64_t id;
    int node;
    int64_t term;
    int64_t at;
};

/* A primary started serving term at started_at. */
struct lw_term {
    int64_t term;
    int node;
    int64_t started_at;
};

struct lw_report {
    size_t acked;      /* acknowledged writes */
    size_t nlost;      /* acknowledged and absent from the log */
    size_t *lost;      /* nlost indexes into the writes, in the writes' order; owned */
    size_t phantom;    /* ids in the log never sent */
    size_t duplicate;  /* ids more than once in the log (counted once per extra copy) */
};

/* Judges writes (nw, ids unique) against log (nlog write ids of the surviving primary, in LSN order). Fills r
 * (free with lw_report_close); returns nlost + phantom + duplicate, or ERR_INVAL when two writes share an id. */
int lostwrites_check(const struct lw_write *writes, size_t nw, const uint64_t *log, size_t nlog,
                     struct lw_report *r);
void lw_report_close(struct lw_report *r);

struct lw_fence_report {
    size_t violations; /* accepts made by a deposed primary */
    size_t first;      /* index of the earliest such accept (by time) when violations > 0 */
    int64_t first_superseded_by; /* the later term already started at that accept */
    int64_t first_started_at;    /* when that later term started */
};

/* The fencing proof: every accept of term t happens before the earliest start of any term t' > t. Returns the
 * number of violating accepts (r filled either way). */
size_t lostwrites_fencing(const struct lw_accept *acc, size_t na, const struct lw_term *terms, size_t nt,
                          struct lw_fence_report *r);

#endif
