/* Split brain judged from recorded events: elections (a node won term T at time t), acts (a leader decided to
 * write, believing its leadership valid) and the resource's accepted writes (node, fencing token, time).
 * Two writers is either of:
 *   - two leaders at once: a node acts in term T after another node was elected in a term >= T;
 *   - the resource going back: it accepts a write whose token is below one it already accepted, or a token
 *     another node already wrote with.
 * Lease and quorum prevent the first; fencing tokens (with unique terms from the quorum) the second. */
#ifndef DKATA_WRITERS_H
#define DKATA_WRITERS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct writers_election {
    int node;
    int64_t term, at;
};

struct writers {
    struct writers_election *el;
    size_t nel, cap;
    int64_t max_token; /* highest token the resource accepted, -1 none */
    int max_node;
    int64_t acts, accepted;
    int violations;
    int overlap, regress; /* violations of each kind */
    char first[256], last[256];
};

void writers_init(struct writers *w);
void writers_close(struct writers *w);
/* Events must be fed in time order. */
void writers_elected(struct writers *w, int node, int64_t term, int64_t at_ns);
/* Returns false when another node already won a term >= term. */
bool writers_act(struct writers *w, int node, int64_t term, int64_t at_ns);
/* Returns false when the resource went back (lower token) or accepted one token from two nodes. */
bool writers_accepted(struct writers *w, int node, int64_t token, int64_t at_ns);

#endif
