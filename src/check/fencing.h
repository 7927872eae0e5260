/* Fencing tokens, judged from a recorded history (Kleppmann, "How to do distributed locking", 2016): the lock
 * service's grants and the storage's write attempts, each in the order they happened. Three rules:
 *   grants:  every grant carries a token strictly greater than every earlier grant's (monotonic tokens);
 *   writes:  no write is applied with a token lower than one already applied (the fence held);
 *   origin:  every applied write carries a token that was granted to the client that wrote it. */
#ifndef DKATA_FENCING_H
#define DKATA_FENCING_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The lock service granted token to client at time at (ns). */
struct fence_grant {
    int64_t at;
    int client;
    uint64_t token;
};

/* The storage received a write of step from client with token at time at, and applied it or not. */
struct fence_write {
    int64_t at;
    int client;
    uint64_t token;
    int64_t step;
    bool applied;
};

struct fence_report {
    size_t grant_violations;  /* grants whose token is not above every earlier one */
    size_t stale_applied;     /* applied writes whose token is below one applied earlier */
    size_t unknown_tokens;    /* applied writes with a token never granted to their client */
    size_t applied, rejected; /* write attempts, by outcome */
    uint64_t max_token;       /* highest token applied */
    char first[200];          /* the first violation in words, or "" */
};

/* Judges the history; grants and writes are each in the order they happened (either may be NULL when its n is
 * 0). Fills r and returns the number of violations (all three rules). */
size_t fencing_check(const struct fence_grant *grants, size_t ngrants, const struct fence_write *writes,
                     size_t nwrites, struct fence_report *r);

#endif
