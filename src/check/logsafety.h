/* Raft's safety properties (Raft paper, Figure 3) judged from recorded events, each as it happens:
 *   election safety     - at most one leader per term;
 *   log matching        - two logs holding an entry with the same index and term hold the same entries up to it;
 *   leader completeness - a leader's log holds every entry committed in a lower term;
 *   state machine safety- no two servers apply different entries at one index;
 * and no committed entry lost: an entry, once committed, is never changed by a later commit and never removed
 * from a log that holds it. Entries are named by their index, term and prefix hash (a hash of the entry and
 * every entry before it, so equal prefix hashes mean equal prefixes), which keeps every check O(1) but the
 * leader's. */
#ifndef DKATA_LOGSAFETY_H
#define DKATA_LOGSAFETY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct logsafety_slot { /* one (index, term) seen in some log */
    int64_t term;
    uint64_t hash;
};

struct logsafety {
    int *leader_of_term; /* -1 none */
    size_t nterms;
    struct logsafety_slot **seen; /* per index: every term seen there, with its prefix hash */
    size_t *nseen, nindex;
    uint64_t *committed; /* prefix hash of committed entry i (index i+1) */
    int64_t *committed_term; /* the term in which it was first known committed */
    size_t ncommitted, committed_cap, committed_term_cap;
    uint64_t *applied; /* prefix hash applied at index i+1 (first applier) */
    size_t napplied, applied_cap;
    int violations;
    char first[256], last[256];
};

void logsafety_init(struct logsafety *ls);
void logsafety_close(struct logsafety *ls);
/* node became leader of term; hash[k] is the prefix hash of its entry k+1, len its log length. */
bool logsafety_leader(struct logsafety *ls, int node, int64_t term, const uint64_t *hash, size_t len);
/* node now stores an entry of term at index (1-based) with this prefix hash. */
bool logsafety_stored(struct logsafety *ls, int node, int64_t index, int64_t term, uint64_t hash);
/* node, in term, learned that its entries up to index are committed; hash as above (all of them, 1..index). */
bool logsafety_committed(struct logsafety *ls, int node, int64_t term, const uint64_t *hash, int64_t index);
/* node applied its entry at index to its state machine. */
bool logsafety_applied(struct logsafety *ls, int node, int64_t index, uint64_t hash);
/* node is about to remove its entries from index on (hash as above, len its log length before). */
bool logsafety_truncating(struct logsafety *ls, int node, const uint64_t *hash, size_t len, int64_t from);

#endif
