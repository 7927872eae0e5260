/* Kata paxos's exercise trace as data: the steps `dkata run paxos --exercise` asks about, with the answers
 * the kata's proposer rules and check/chosen give. The timed drill (src/practice/drill_paxos.c) grades
 * against it. */
#ifndef DKATA_KATAS_PAXOS_H
#define DKATA_KATAS_PAXOS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAXOS_EX_MAXA 15     /* acceptors */
#define PAXOS_EX_MAXP 8      /* proposers */
#define PAXOS_EX_MAXSTEPS 10 /* a trace has 7..10 steps */

/* One step: a proposer's prepare or accept, answered at once by the acceptors it reaches. */
struct paxos_ex_step {
    int proposer;
    bool accept;         /* an accept (phase 2a); else a prepare (phase 1a) */
    int64_t ballot;      /* round * 16 + proposer; printed round.proposer by paxos_fmt_ballot */
    uint64_t reach;      /* the acceptors the message reaches (bit i: a<i>) */
    uint64_t yes;        /* prepare: the acceptors that promise; accept: those that accept */
    bool quorum;         /* prepare: the proposer now holds a promise quorum; accept: a majority accepted this
                          * ballot (check/chosen's count) */
    int64_t best_ballot; /* prepare: the highest accepted proposal the promises report (0: none) ... */
    int best_value;      /* ... and its value (-1: none) */
    int must;            /* accept: the value Paxos requires (highest reported, else the proposer's own) */
    int value;           /* accept: the value sent (differs from must only with own_value) */
    bool safe;           /* accept: check/chosen found no violation in this proposal or its accepts */
    char why[256];       /* accept: check/chosen's quorum-intersection argument, or its violation */
};

struct paxos_ex {
    int na, np, nsteps;
    struct paxos_ex_step step[PAXOS_EX_MAXSTEPS];
    int chosen;            /* the value chosen at the end (check/chosen's first), or -1 */
    int64_t chosen_ballot; /* the ballot that first chose it */
    uint64_t chosen_quorum;
    int violations;
};

/* The exercise's trace for seed with na (1..15) acceptors and np (2..8) proposers: the same steps as
 * `dkata run paxos --seed S --exercise`. own_value: proposers send their own value even when a promise
 * reports an accepted one (the kata's bug ignore-promised-value), so a trace may overwrite a chosen value;
 * the steps' shape (who sends what to whom) stays the same. */
void paxos_ex_make(struct paxos_ex *x, uint64_t seed, int na, int np, bool own_value);
/* "round.proposer" */
void paxos_fmt_ballot(int64_t ballot, char *out, size_t len);

#endif
