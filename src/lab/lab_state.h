/* The lab's state file (lab.state) and PostgreSQL LSNs: pure parsing and formatting, no I/O. */
#ifndef DKATA_LAB_STATE_H
#define DKATA_LAB_STATE_H
#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"

#define LAB_STATE_MAX_PROCS 16
#define LAB_STATE_NAME_MAX 32

/* One process the lab started: a PostgreSQL node (kind "node", with its port) or a helper ("proc":
 * etcd, patroni). pid 0 means "not started yet": the file is written before each start so that a
 * crash half-way through `up` still leaves enough for `down` to find. */
struct lab_proc_rec {
    char kind[8];                  /* "node" or "proc" */
    char name[LAB_STATE_NAME_MAX]; /* [a-z0-9_-]+ */
    int port;                      /* 1..65535 for nodes, 0 for procs without one */
    int pid;                       /* 0 or a positive pid */
};

struct lab_state {
    int port_base;
    char user[LAB_STATE_NAME_MAX]; /* OS user the servers run as */
    int nprocs;
    struct lab_proc_rec procs[LAB_STATE_MAX_PROCS];
};

/* Parses the text of a lab.state file:
 *   dkata-lab-pg 1
 *   port_base 55432
 *   user postgres
 *   node primary 55432 4242
 *   proc etcd 55442 4300
 * Lines are at most 200 bytes; blank lines and '#' comments are skipped. Returns 0, or ERR_PARSE
 * with a one-line reason (naming the line) in err. */
int lab_state_parse(const char *text, size_t len, struct lab_state *st, char *err, size_t errn);
/* Appends st in the format lab_state_parse reads. */
void lab_state_format(const struct lab_state *st, struct buf *out);
/* Adds or updates the record named name (kind, port, pid); ERR_LIMIT when full, ERR_INVAL for a bad name. */
int lab_state_set(struct lab_state *st, const char *kind, const char *name, int port, int pid);
/* The record named name, or NULL. */
struct lab_proc_rec *lab_state_find(struct lab_state *st, const char *name);

/* Parses an LSN "X/Y" (two hex numbers of at most 8 digits each) into a 64-bit position.
 * Returns 0 or ERR_PARSE. */
int lab_lsn_parse(const char *s, uint64_t *out);
/* Formats an LSN as PostgreSQL does ("0/3000148"); returns out. n >= 18 always suffices. */
char *lab_lsn_format(uint64_t lsn, char *out, size_t n);

#endif
