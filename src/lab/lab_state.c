/* lab.state parsing and formatting, and LSN text <-> 64-bit positions. */
#include "lab/lab_state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

#define LINE_MAX_ 200

static int fail(char *err, size_t errn, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errn, int line, const char *fmt, ...)
{
    if (err && errn) {
        int k = snprintf(err, errn, "lab.state line %d: ", line);
        if (k > 0 && (size_t)k < errn) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + k, errn - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return ERR_PARSE;
}

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= LAB_STATE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* A decimal int in [lo, hi]; 0 on success. */
static int parse_int(const char *s, int lo, int hi, int *out)
{
    if (!s || !*s || *s == '-' || *s == '+' || strlen(s) > 10)
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    long v = strtol(s, NULL, 10);
    if (v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

/* Splits line in place into at most max words; returns the count, or max + 1 if there are more. */
static int split(char *line, char **words, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *w = strtok_r(line, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        if (n == max)
            return max + 1;
        words[n++] = w;
    }
    return n;
}

static int parse_line(char *line, int lineno, int *seen_magic, struct lab_state *st, char *err,
                      size_t errn)
{
    char *w[5];
    int n = split(line, w, 4);
    if (n == 0 || w[0][0] == '#')
        return 0;
    if (!*seen_magic) {
        if (n != 2 || strcmp(w[0], "dkata-lab-pg") != 0 || strcmp(w[1], "1") != 0)
            return fail(err, errn, lineno, "expected 'dkata-lab-pg 1' first");
        *seen_magic = 1;
        return 0;
    }
    if ((strcmp(w[0], "port_base") == 0 && st->port_base) || (strcmp(w[0], "user") == 0 && st->user[0]))
        return fail(err, errn, lineno, "'%s' appears twice", w[0]);
    if (strcmp(w[0], "port_base") == 0) {
        if (n != 2 || parse_int(w[1], 1, 65535, &st->port_base))
            return fail(err, errn, lineno, "port_base wants one port 1..65535");
        return 0;
    }
    if (strcmp(w[0], "user") == 0) {
        if (n != 2 || !valid_name(w[1]))
            return fail(err, errn, lineno, "user wants one name of [a-z0-9_-]");
        snprintf(st->user, sizeof st->user, "%s", w[1]);
        return 0;
    }
    if (strcmp(w[0], "node") == 0 || strcmp(w[0], "proc") == 0) {
        int port, pid;
        if (n != 4 || !valid_name(w[1]) || parse_int(w[2], 0, 65535, &port) ||
            parse_int(w[3], 0, 1 << 30, &pid))
            return fail(err, errn, lineno, "%s wants NAME PORT PID", w[0]);
        if (lab_state_find(st, w[1]))
            return fail(err, errn, lineno, "'%s' appears twice", w[1]);
        if (lab_state_set(st, w[0], w[1], port, pid))
            return fail(err, errn, lineno, "more than %d processes", LAB_STATE_MAX_PROCS);
        return 0;
    }
    return fail(err, errn, lineno, "unknown key (accepted: port_base, user, node, proc)");
}

int lab_state_parse(const char *text, size_t len, struct lab_state *st, char *err, size_t errn)
{
    memset(st, 0, sizeof *st);
    int seen_magic = 0, lineno = 0;
    size_t i = 0;
    while (i < len) {
        lineno++;
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        if (j - i > LINE_MAX_)
            return fail(err, errn, lineno, "longer than %d bytes", LINE_MAX_);
        char line[LINE_MAX_ + 1];
        memcpy(line, text + i, j - i);
        line[j - i] = 0;
        if (strlen(line) != j - i)
            return fail(err, errn, lineno, "contains a NUL byte");
        int rc = parse_line(line, lineno, &seen_magic, st, err, errn);
        if (rc)
            return rc;
        i = j + 1;
    }
    if (!seen_magic)
        return fail(err, errn, lineno, "empty (expected 'dkata-lab-pg 1')");
    if (!st->user[0] || !st->port_base)
        return fail(err, errn, lineno, "missing user or port_base");
    return 0;
}

void lab_state_format(const struct lab_state *st, struct buf *out)
{
    buf_printf(out, "dkata-lab-pg 1\nport_base %d\nuser %s\n", st->port_base, st->user);
    for (int i = 0; i < st->nprocs; i++) {
        const struct lab_proc_rec *r = &st->procs[i];
        buf_printf(out, "%s %s %d %d\n", r->kind, r->name, r->port, r->pid);
    }
}

struct lab_proc_rec *lab_state_find(struct lab_state *st, const char *name)
{
    for (int i = 0; i < st->nprocs; i++)
        if (strcmp(st->procs[i].name, name) == 0)
            return &st->procs[i];
    return NULL;
}

int lab_state_set(struct lab_state *st, const char *kind, const char *name, int port, int pid)
{
    if (!valid_name(name) || (strcmp(kind, "node") != 0 && strcmp(kind, "proc") != 0))
        return ERR_INVAL;
    struct lab_proc_rec *r = lab_state_find(st, name);
    if (!r) {
        if (st->nprocs == LAB_STATE_MAX_PROCS)
            return ERR_LIMIT;
        r = &st->procs[st->nprocs++];
        snprintf(r->name, sizeof r->name, "%s", name);
    }
    snprintf(r->kind, sizeof r->kind, "%s", kind);
    r->port = port;
    r->pid = pid;
    return 0;
}

static int hex_part(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 8)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v * 16 + (uint64_t)d;
    }
    *out = v;
    return 0;
}

int lab_lsn_parse(const char *s, uint64_t *out)
{
    if (!s)
        return ERR_PARSE;
    const char *slash = strchr(s, '/');
    if (!slash)
        return ERR_PARSE;
    uint64_t hi, lo;
    if (hex_part(s, (size_t)(slash - s), &hi) || hex_part(slash + 1, strlen(slash + 1), &lo))
        return ERR_PARSE;
    *out = hi << 32 | lo;
    return 0;
}

char *lab_lsn_format(uint64_t lsn, char *out, size_t n)
{
    snprintf(out, n, "%" PRIX64 "/%" PRIX64, lsn >> 32, lsn & 0xffffffffu);
    return out;
}
