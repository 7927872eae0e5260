/* dkata's history model: operation events (invoke, then ok/fail/info) and their JSON-lines format. */
#ifndef DKATA_HISTORY_H
#define DKATA_HISTORY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What an event says about its operation. An operation is an invoke followed by at most one completion
 * from the same process:
 *   ok   - the operation happened, and value is what it returned (a read's value, a write's value);
 *   fail - the operation certainly did not take effect (with error "cas-mismatch": a compare-and-set that
 *          completed and saw a value other than the expected one, so it changed nothing);
 *   info - unknown: it may have taken effect at any time after its invocation, or never.
 * An invoke with no completion is treated as info. */
enum hist_type { HIST_INVOKE, HIST_OK, HIST_FAIL, HIST_INFO };

/* A value: absent, nil (JSON null), an integer, a string, or a list (a cas's [from to], a set's elements). */
enum hist_kind { HIST_NONE = 0, HIST_NIL, HIST_INT, HIST_STR, HIST_LIST };
struct hist_val {
    enum hist_kind kind;
    int64_t i;              /* HIST_INT */
    char *s;                /* HIST_STR */
    struct hist_val *items; /* HIST_LIST: n items */
    size_t n;
};

#define HIST_NO_TIME (-1)
#define HIST_NO_VERSION (-1)

/* One line of a history. In a struct history every pointer is owned by the history; in an event handed to
 * history_add, they are borrowed (history_add copies them). */
struct hist_event {
    int64_t process; /* client id, >= 0; one operation at a time per process */
    enum hist_type type;
    char *f;   /* operation name: "read", "write", "cas", "get", "put", "append", "add", ... */
    char *key; /* NULL: no key (one register / one object) */
    struct hist_val value;
    int64_t time_ns;     /* HIST_NO_TIME if unknown; events must be in real-time order anyway */
    char *session;       /* NULL: the process is the session */
    int64_t version;     /* version written or observed (>= 0), or HIST_NO_VERSION */
    bool version_is_lsn; /* true: "lsn", one log position for the whole store; false: "version", per key */
    char *error;         /* NULL, or why it failed ("cas-mismatch", "timed-out", ...) */
    int line;            /* line in the source file (1-based), 0 if built in memory */
};

/* A history: events in real-time order. err holds the detail of the last failed parse or pairing. */
struct history {
    struct hist_event *ev;
    size_t n;
    size_t cap;
    char err[256];
};

/* Value constructors for history_add: s and items are borrowed. */
struct hist_val hist_nil(void);
struct hist_val hist_int(int64_t i);
struct hist_val hist_str(const char *s);
struct hist_val hist_list(const struct hist_val *items, size_t n);
/* True if a and b are the same value (a list equals a list with equal items in the same order). */
bool hist_val_equal(const struct hist_val *a, const struct hist_val *b);
/* Appends v in JSON (absent is written as null). */
struct buf;
void hist_val_json(struct buf *b, const struct hist_val *v);

/* An empty history; history_close frees everything it owns. */
void history_init(struct history *h);
void history_close(struct history *h);
/* Appends a deep copy of e (its pointers stay the caller's) and returns its index. */
size_t history_add(struct history *h, const struct hist_event *e);
/* Shorthands for history_add: an invoke, and a completion (type HIST_OK, HIST_FAIL or HIST_INFO) of the
 * process's pending operation with the value it returned. They return the event's index; set session and
 * version on h->ev[index] afterwards if needed. */
size_t history_invoke(struct history *h, int64_t process, const char *f, const char *key,
                      struct hist_val value, int64_t time_ns);
size_t history_complete(struct history *h, int64_t process, enum hist_type type, struct hist_val value,
                        int64_t time_ns);
/* Writes "line N: <message>" into err (n bytes) and returns ERR_PARSE: how every parser here reports. */
int hist_parse_error(char *err, size_t n, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Type names as written in JSON: "invoke", "ok", "fail", "info". */
const char *hist_type_name(enum hist_type t);

/* Appends event e as one JSON line (with its newline) to b. */
void history_event_json(struct buf *b, const struct hist_event *e);
/* Writes every event as JSON lines to f. Returns 0, or ERR_IO. */
int history_write_jsonl(const struct history *h, FILE *f);
/* Parses JSON lines (blank lines skipped) and appends their events to h. Returns 0, or ERR_PARSE with
 * h->err = "line N: <what was expected>". Entries whose process is not an integer (e.g. "nemesis") are
 * not operations and are skipped. */
int history_read_jsonl(struct history *h, const char *text, size_t len);

/* An operation: the index of its invoke event and of its completion (HIST_NONE_IDX if none: unknown). */
#define HIST_NONE_IDX ((size_t)-1)
struct hist_op {
    size_t invoke;
    size_t complete;
};
/* Pairs each invoke with the next completion of the same process. On success *ops (caller frees) holds the
 * operations in invocation order. Returns ERR_PARSE with h->err naming the line if a process completes
 * nothing or invokes twice without completing. */
int history_pair(struct history *h, struct hist_op **ops, size_t *nops);
/* The outcome of an operation: HIST_OK, HIST_FAIL, or HIST_INFO (unknown, including no completion). */
enum hist_type hist_op_type(const struct history *h, const struct hist_op *op);

#endif
