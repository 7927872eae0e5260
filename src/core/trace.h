/* The trace: canonical JSON lines, one event a line: {"t":NS,"node":N,"kind":"...",...fields}. Fields are
 * written in the order the emitter gives, numbers as integers, so the same run gives the same bytes. Every line
 * also feeds a 64-bit FNV-1a hash, which is what --check-determinism compares. */
#ifndef DKATA_TRACE_H
#define DKATA_TRACE_H
#include <stdint.h>
#include <stdio.h>

#include "core/mem.h"

struct trace {
    FILE *out; /* NULL: hash only */
    uint64_t hash;
    uint64_t lines;
    struct buf line;
};

void trace_init(struct trace *t, FILE *out);
void trace_close(struct trace *t);
/* One event; fields is printf-style JSON for the remaining members without braces or a leading comma
 * (e.g. "\"term\":%d"), or NULL. node < 0 means no node. t may be NULL (then nothing happens). */
void trace_event(struct trace *t, int64_t time_ns, int node, const char *kind, const char *fields, ...)
    __attribute__((format(printf, 5, 6)));

#endif
