/* History lines of the labs (JSON via jansson) and the lost-acknowledged-writes check. */
#include "lab/lab_hist.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

static const char *const TYPES[] = {"ok", "fail", "info"};

void lab_hist_format(const struct lab_op *op, struct buf *out)
{
    buf_printf(out, "{\"type\":\"%s\",\"f\":", TYPES[op->type]);
    buf_json_str(out, op->f);
    buf_printf(out, ",\"id\":%lld,\"time_ns\":%lld,\"node\":", (long long)op->id, (long long)op->time_ns);
    buf_json_str(out, op->node);
    buf_printf(out, ",\"process\":%d", op->process);
    if (strcmp(op->f, "read") == 0)
        buf_printf(out, ",\"value\":%lld", (long long)op->value);
    if (op->type != LAB_OP_OK) {
        buf_puts(out, ",\"error\":");
        buf_json_str(out, op->error);
    }
    buf_puts(out, "}\n");
}

int lab_hist_write(const char *path, const struct lab_op *ops, size_t n)
{
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < n; i++)
        lab_hist_format(&ops[i], &b);
    FILE *f = fopen(path, "w");
    bool ok = f && fwrite(b.data ? b.data : "", 1, b.len, f) == b.len;
    if (f)
        ok = fclose(f) == 0 && ok;
    buf_close(&b);
    return ok ? 0 : ERR_IO;
}

static int bad(char *err, size_t errn, const char *what)
{
    snprintf(err, errn, "history line: %s", what);
    return ERR_PARSE;
}

static int get_str(json_t *o, const char *key, char *out, size_t n, bool required)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return required ? -1 : 0;
    if (!json_is_string(v) || json_string_length(v) >= n)
        return -1;
    snprintf(out, n, "%s", json_string_value(v));
    return 0;
}

static int get_int(json_t *o, const char *key, int64_t *out, bool required)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return required ? -1 : 0;
    if (!json_is_integer(v))
        return -1;
    *out = (int64_t)json_integer_value(v);
    return 0;
}

int lab_hist_parse(const char *line, size_t len, struct lab_op *op, char *err, size_t errn)
{
    memset(op, 0, sizeof *op);
    op->value = -1;
    json_error_t je;
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        return bad(err, errn, "not JSON");
    int rc = 0;
    char type[8] = "";
    int64_t proc = 0;
    if (!json_is_object(o))
        rc = bad(err, errn, "not an object");
    else if (get_str(o, "type", type, sizeof type, true) || get_str(o, "f", op->f, sizeof op->f, true) ||
             get_str(o, "node", op->node, sizeof op->node, true) ||
             get_str(o, "error", op->error, sizeof op->error, false))
        rc = bad(err, errn, "type, f, node (and error) must be short strings");
    else if (get_int(o, "id", &op->id, true) || get_int(o, "time_ns", &op->time_ns, true) ||
             get_int(o, "process", &proc, true) || get_int(o, "value", &op->value, false))
        rc = bad(err, errn, "id, time_ns, process (and value) must be integers");
    else if (proc < 0 || proc > 1000000 || op->time_ns < 0)
        rc = bad(err, errn, "process or time_ns out of range");
    else if (strcmp(op->f, "write") != 0 && strcmp(op->f, "read") != 0)
        rc = bad(err, errn, "f must be write or read");
    else {
        int t = -1;
        for (int i = 0; i < 3; i++)
            if (strcmp(type, TYPES[i]) == 0)
                t = i;
        if (t < 0)
            rc = bad(err, errn, "type must be ok, fail or info");
        op->type = (enum lab_op_type)(t < 0 ? 0 : t);
        op->process = (int)proc;
    }
    json_decref(o);
    return rc;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

size_t lab_hist_lost(int64_t *acked, size_t n, int64_t *present, size_t m, int64_t *lost)
{
    if (n)
        qsort(acked, n, sizeof *acked, cmp_i64);
    if (m)
        qsort(present, m, sizeof *present, cmp_i64);
    size_t k = 0, j = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && acked[i] == acked[i - 1])
            continue;
        while (j < m && present[j] < acked[i])
            j++;
        if (j == m || present[j] != acked[i])
            lost[k++] = acked[i];
    }
    return k;
}
