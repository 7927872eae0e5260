/* Single-decree consensus safety judged from recorded events: at most one value is ever chosen (accepted by a
 * majority of acceptors in one ballot), every proposal made after a choice carries the chosen value (its promise
 * quorum intersects the choosing quorum), and every learner learns the chosen value. Fed one event at a time, so
 * a kata can check after every simulator event; the same events could come from a user's own Paxos. */
#ifndef DKATA_CHOSEN_H
#define DKATA_CHOSEN_H
#include <stdbool.h>
#include <stdint.h>

#include "core/mem.h"

#define CHOSEN_MAX_ACCEPTORS 64

struct chosen_ballot {
    int64_t ballot;
    int value;
    uint64_t accepted; /* acceptors that accepted (ballot, value) */
};

/* Values are small integers >= 0, written as letters ('a' + value); ballots are written by fmt_ballot. */
struct chosen {
    int nacceptors, majority;
    void (*fmt_ballot)(int64_t ballot, char *out, size_t len);
    struct chosen_ballot *b;
    size_t nb, cap;
    int value;       /* the chosen value, or -1 */
    int64_t ballot;  /* the ballot that first chose it */
    uint64_t quorum; /* the acceptors that chose it */
    int violations;
    char first[256]; /* the first violation, one line */
    char last[256];  /* the latest one */
};

/* fmt_ballot may be NULL (ballots are written as integers). nacceptors <= CHOSEN_MAX_ACCEPTORS. */
void chosen_init(struct chosen *c, int nacceptors, void (*fmt_ballot)(int64_t, char *, size_t));
void chosen_close(struct chosen *c);
/* An acceptor accepted (ballot, value). Returns false on a violation: one ballot carrying two values, or a
 * second value reaching a majority. */
bool chosen_accepted(struct chosen *c, int acceptor, int64_t ballot, int value);
/* A proposer holds promises for ballot from the acceptors in quorum and proposes value. The quorum-intersection
 * check: for every ballot below this one whose value is chosen, quorum must meet its choosing acceptors, and
 * value must be the chosen one. Writes the argument, one line, into why (may be NULL). Returns false on a
 * violation. */
bool chosen_proposal(struct chosen *c, int64_t ballot, uint64_t quorum, int value, struct buf *why);
/* A learner (a proposer that collected its accepted quorum, or a client) learned value: it must be chosen. */
bool chosen_learned(struct chosen *c, int learner, int value);
/* "{a0,a2}" */
void chosen_format_set(uint64_t set, struct buf *out);

#endif
