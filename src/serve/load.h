/* The payments load and chaos client: concurrent POSTs with retries of earlier keys, recording a history. */
#ifndef DKATA_SERVE_LOAD_H
#define DKATA_SERVE_LOAD_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct load_config {
    const char *url;          /* e.g. http://127.0.0.1:8080; several, comma-separated, are used in turn */
    const char *fixed_key;    /* every request uses this key and one body (NULL: new keys and retries) */
    uint64_t requests;        /* total requests to send */
    int connections;          /* client threads, one connection each */
    double retry_ratio;       /* share of requests that reuse an earlier key with its body */
    double changed_ratio;     /* share of retries that change the body (the server must answer 422) */
    uint64_t seed;
    const char *history_path; /* JSON lines, one per request (NULL: none) */
    int64_t timeout_ms;       /* per request */
    int64_t down_backoff_ms;  /* pause after a connection error (the server is down) */
};

void load_config_default(struct load_config *c);

struct load_result {
    uint64_t sent, no_answer, by_class[6]; /* by_class[2] counts 2xx, ... */
    uint64_t created, replayed, conflicts, mismatches;
    double seconds;
    double p50_ms, p99_ms, max_ms;
    bool interrupted; /* load_interrupt stopped it before all requests were sent */
};

/* Runs the load. Returns 0, or ERR_IO if the history file cannot be written. */
int load_run(const struct load_config *c, struct load_result *out);

/* Stops a running load_run: no new request is sent, those in flight are recorded, the history is closed with
 * whole lines. Async-signal-safe (SIGINT, SIGTERM). */
void load_interrupt(void);

/* Whether every comma-separated part of url is an http:// or https:// URL with a host. */
bool load_url_ok(const char *url);

/* Prints the result as one block of "name value" lines. */
void load_print(FILE *f, const struct load_result *r);
/* The same names and figures as one JSON object, then a newline. */
void load_print_json(FILE *f, const struct load_result *r);

#endif
