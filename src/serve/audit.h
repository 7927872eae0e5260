/* The payments audit: a client history (JSON lines) against the store and the processor's ledger. */
#ifndef DKATA_SERVE_AUDIT_H
#define DKATA_SERVE_AUDIT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/mem.h"

/* One line of a history, as written by load_run (format in docs/katas/payments.md). */
struct audit_op {
    char key[37];
    int64_t amount;
    int status;    /* 0: no answer */
    bool replayed;
    char *body;    /* owned */
};

/* Parses one history line of len bytes. Returns 0 (close op with audit_op_close), or ERR_PARSE with a
 * reason in msg. */
int audit_parse_line(const char *line, size_t len, struct audit_op *op, char *msg, size_t msg_n);
void audit_op_close(struct audit_op *op);

struct audit_report {
    uint64_t ops, keys, acked, charges;
    uint64_t double_charged;   /* keys with more than one charge in the ledger */
    uint64_t acked_missing;    /* 2xx seen by the client, absent or different in the store */
    uint64_t replay_mismatch;  /* one key, two different final responses */
    uint64_t charge_mismatch;  /* an acknowledged payment whose charge is not the ledger's */
    uint64_t stored_twice;     /* a key with more than one row in the store */
    struct buf detail;         /* the first violations, one per line */
};

/* Audits the history at path (NULL: the ledger alone) against store_spec and bank_spec (NULL: beside the store). Returns 0 (the
 * report says whether it holds: audit_ok), ERR_PARSE with the bad line in r->detail, or ERR_IO. */
int audit_run(const char *path, const char *store_spec, const char *bank_spec, struct audit_report *r);
bool audit_ok(const struct audit_report *r);
void audit_print(FILE *f, const struct audit_report *r);
/* The same as one JSON object, the violations as an array of lines, then a newline. */
void audit_print_json(FILE *f, const struct audit_report *r);
void audit_report_close(struct audit_report *r);

#endif
