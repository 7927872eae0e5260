/* The key directory: open addressing with linear probing, deletion by backward shift. */
#include "serve/keydir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

/* FNV-1a, then a final mix so that the low bits (the slot) depend on every byte. */
static uint64_t key_hash(const char *key)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

void keydir_init(struct keydir *k)
{
    memset(k, 0, sizeof(*k));
    pthread_mutex_init(&k->mu, NULL);
    k->cap = 1024;
    k->slot = xcalloc(k->cap, sizeof(*k->slot));
}

void keydir_close(struct keydir *k)
{
    free(k->slot);
    pthread_mutex_destroy(&k->mu);
    memset(k, 0, sizeof(*k));
}

static void put(struct keydir_slot *slot, size_t cap, uint64_t hash, int64_t rowid)
{
    size_t i = (size_t)hash & (cap - 1);
    while (slot[i].rowid)
        i = (i + 1) & (cap - 1);
    slot[i] = (struct keydir_slot){hash, rowid};
}

void keydir_add(struct keydir *k, const char *key, int64_t rowid)
{
    uint64_t hash = key_hash(key);
    pthread_mutex_lock(&k->mu);
    if (2 * (k->n + 1) > k->cap) { /* at most half full: probes stay short */
        size_t cap = k->cap * 2;
        struct keydir_slot *slot = xcalloc(cap, sizeof(*slot));
        for (size_t i = 0; i < k->cap; i++)
            if (k->slot[i].rowid)
                put(slot, cap, k->slot[i].hash, k->slot[i].rowid);
        free(k->slot);
        k->slot = slot;
        k->cap = cap;
    }
    put(k->slot, k->cap, hash, rowid);
    k->n++;
    pthread_mutex_unlock(&k->mu);
}

void keydir_remove(struct keydir *k, const char *key, int64_t rowid)
{
    uint64_t hash = key_hash(key);
    pthread_mutex_lock(&k->mu);
    size_t mask = k->cap - 1;
    size_t i = (size_t)hash & mask;
    while (k->slot[i].rowid && !(k->slot[i].hash == hash && k->slot[i].rowid == rowid))
        i = (i + 1) & mask;
    if (k->slot[i].rowid) {
        /* Backward shift: move later entries of the run into the hole when their home allows it. */
        size_t hole = i;
        for (size_t j = (i + 1) & mask; k->slot[j].rowid; j = (j + 1) & mask) {
            size_t home = (size_t)k->slot[j].hash & mask;
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                k->slot[hole] = k->slot[j];
                hole = j;
            }
        }
        k->slot[hole] = (struct keydir_slot){0, 0};
        k->n--;
    }
    pthread_mutex_unlock(&k->mu);
}

void keydir_find(struct keydir *k, const char *key, struct keydir_found *f)
{
    uint64_t hash = key_hash(key);
    f->n = 0;
    f->id = f->small;
    pthread_mutex_lock(&k->mu);
    size_t mask = k->cap - 1, first = (size_t)hash & mask;
    int n = 0;
    for (size_t i = first; k->slot[i].rowid; i = (i + 1) & mask)
        n += k->slot[i].hash == hash;
    if (n > KEYDIR_FOUND_SMALL)
        f->id = xcalloc((size_t)n, sizeof(*f->id));
    for (size_t i = first; k->slot[i].rowid; i = (i + 1) & mask)
        if (k->slot[i].hash == hash)
            f->id[f->n++] = k->slot[i].rowid;
    pthread_mutex_unlock(&k->mu);
    for (int a = 1; a < f->n; a++) /* largest first: usually the row a replaced one's successor */
        for (int b = a; b > 0 && f->id[b] > f->id[b - 1]; b--) {
            int64_t t = f->id[b];
            f->id[b] = f->id[b - 1];
            f->id[b - 1] = t;
        }
}

void keydir_found_close(struct keydir_found *f)
{
    if (f->id != f->small)
        free(f->id);
    f->id = f->small;
    f->n = 0;
}

size_t keydir_size(struct keydir *k)
{
    pthread_mutex_lock(&k->mu);
    size_t n = k->n;
    pthread_mutex_unlock(&k->mu);
    return n;
}

int keydir_load(struct keydir *k, struct db *d, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->lite, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(d->err, sizeof(d->err), "key directory: %s", sqlite3_errmsg(d->lite));
        return ERR_IO;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 1);
        if (key)
            keydir_add(k, key, sqlite3_column_int64(st, 0));
    }
    if (rc != SQLITE_DONE)
        snprintf(d->err, sizeof(d->err), "key directory: %s", sqlite3_errmsg(d->lite));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : ERR_IO;
}
