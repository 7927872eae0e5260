/* Lost updates judged from a history of writes carrying the versions the store gave them (a last-writer-wins
 * timestamp, an HLC stamp, a log position): an acknowledged write is lost when a write that had already
 * finished before it began holds a higher version, so the store silently keeps the older value. Those lost
 * to an earlier write of the same process are counted apart: they break causality itself (the process saw its
 * own write acknowledged, then wrote again), which any logical clock carried by the process must prevent. */
#ifndef DKATA_LOSTUPDATE_H
#define DKATA_LOSTUPDATE_H
#include <stddef.h>

#include "check/history.h"

struct lost_update {
    size_t writes;            /* acknowledged writes with a version */
    size_t lost;              /* overwritten by a write that finished before they were invoked */
    size_t lost_same_process; /* ... by an earlier write of the same process */
    size_t example;           /* the first lost write's invoke event, or HIST_NONE_IDX */
    size_t example_by;        /* the invoke event of the write that beat it */
};

/* Considers writes (f "write") on key (NULL: writes without a key) completed ok with a version; others are
 * ignored (an unknown outcome cannot be a lost acknowledged write). Returns 0, or ERR_PARSE with h->err when
 * the history's events cannot be paired into operations. */
int lost_update_check(struct history *h, const char *key, struct lost_update *out);

#endif
