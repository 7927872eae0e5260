/* A key directory: an in-memory multimap from a key's 64-bit hash to the rowids of the SQLite rows that may
 * hold it. It stands in for a B-tree index on random keys (an idempotency key, a processor's dedupe key),
 * whose every insert writes a page in a random place of the index: under group commit that is a page per
 * request, the largest part of each commit. Rows are then appended at the table's right edge, and the
 * directory is rebuilt from the table at start (as Bitcask rebuilds its keydir).
 *
 * It is a hint, never the truth: an entry may point to a row that is gone or holds another key (a rolled
 * back insert, a deleted row, a hash collision), so every statement that uses a rowid from it also checks
 * the key. What it must never do is miss a live row: every insert adds an entry before its row can be seen,
 * and an entry goes only after the delete of its row was committed. Thread-safe. */
#ifndef DKATA_SERVE_KEYDIR_H
#define DKATA_SERVE_KEYDIR_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "serve/db.h"

/* How many candidates a lookup holds without allocating (one, unless keys collide or rows were replaced). */
#define KEYDIR_FOUND_SMALL 4

struct keydir_slot {
    uint64_t hash;
    int64_t rowid; /* 0: empty */
};

struct keydir {
    pthread_mutex_t mu;
    struct keydir_slot *slot;
    size_t cap, n; /* cap is a power of two */
};

void keydir_init(struct keydir *k);
void keydir_close(struct keydir *k);

/* Adds the entry (key, rowid); an entry already there for the key stays (its row may come back if the
 * transaction that replaced it rolls back). */
void keydir_add(struct keydir *k, const char *key, int64_t rowid);
/* Removes one entry (key, rowid), if there is one: call it once the delete of that row is committed. */
void keydir_remove(struct keydir *k, const char *key, int64_t rowid);
/* The candidates for a key: every entry's rowid, none left out (the live row may be any of them), largest
 * first. Close with keydir_found_close. */
struct keydir_found {
    int n;
    int64_t *id; /* small, or allocated when there are more */
    int64_t small[KEYDIR_FOUND_SMALL];
};
void keydir_find(struct keydir *k, const char *key, struct keydir_found *f);
void keydir_found_close(struct keydir_found *f);
/* How many entries it holds. */
size_t keydir_size(struct keydir *k);

/* Adds an entry for every row of sql, a query on the SQLite connection d returning (rowid, key), row by row.
 * Returns 0 or ERR_IO (detail in d->err). */
int keydir_load(struct keydir *k, struct db *d, const char *sql);

#endif
