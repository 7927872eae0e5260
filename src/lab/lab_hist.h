/* The lab's history: one JSON object per line for each completed client operation, and the
 * lost-write check (acknowledged ids missing from what the surviving primary holds).
 *
 *   {"type":"ok","f":"write","id":17,"time_ns":10234000,"node":"primary","process":3}
 *   {"type":"info","f":"write","id":18,"time_ns":10240000,"node":"primary","process":0,"error":"..."}
 *   {"type":"ok","f":"read","id":5,"time_ns":20000,"node":"replica1","process":0,"value":0}
 *
 * type: ok (acknowledged), fail (the server said no: not applied), info (the connection broke: the
 * outcome is unknown). time_ns counts from the drill's first write. See docs/labs/pg.md. */
#ifndef DKATA_LAB_HIST_H
#define DKATA_LAB_HIST_H
#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"

enum lab_op_type { LAB_OP_OK, LAB_OP_FAIL, LAB_OP_INFO };

struct lab_op {
    enum lab_op_type type;
    char f[16];      /* "write" or "read" */
    int64_t id;
    int64_t time_ns;
    char node[32];
    int process;
    int64_t value;   /* reads: what was seen (-1: nothing) */
    char error[128]; /* fail/info: the first line of the error */
};

/* Appends op as one JSON line (with its newline) to out. */
void lab_hist_format(const struct lab_op *op, struct buf *out);
/* Parses one line of the format above. Returns 0, or ERR_PARSE with a reason in err. */
int lab_hist_parse(const char *line, size_t len, struct lab_op *op, char *err, size_t errn);

/* Writes ops[0..n) to path, one line each (replacing the file). Returns 0 or ERR_IO. */
int lab_hist_write(const char *path, const struct lab_op *ops, size_t n);

/* Sorts acked[0..n) and present[0..m) in place and writes into lost (capacity n) the acknowledged
 * ids that present lacks; returns how many. Duplicates count once. */
size_t lab_hist_lost(int64_t *acked, size_t n, int64_t *present, size_t m, int64_t *lost);

#endif
