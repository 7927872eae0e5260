/* Practice rounds around the katas: Markdown worksheets of the drills' questions, timed drills graded
 * automatically. */
#ifndef DKATA_PRACTICE_H
#define DKATA_PRACTICE_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/mem.h"

/* The worksheet names ("jepsen", "postmortem"), NULL-terminated. */
extern const char *const worksheet_names[];
/* Appends worksheet name as Markdown to out; outage (NULL: none) names the postmortem being analyzed, as a
 * replay name or free text, and fills the title. Returns 0, or ERR_NOTFOUND for an unknown worksheet name. */
int worksheet_write(const char *name, const char *outage, struct buf *out);

/* ---- drill clocks: Lamport and vector stamps for a generated trace (001 Kata 1; 004 lane 2) ---- */

#define DRILL_MAXP 6
#define DRILL_MAXE 64

enum drill_kind { DRILL_LOCAL, DRILL_SEND, DRILL_RECV };

struct drill_event {
    int proc;            /* 0-based; printed P1.. */
    enum drill_kind kind;
    int peer;            /* send: receiver; receive: sender */
    int msg;             /* message number (m1..), 0 for local */
    unsigned lamport;
    unsigned vc[DRILL_MAXP];
};

struct drill_clocks {
    int nprocs, n;
    struct drill_event ev[DRILL_MAXE];
    int npairs;                 /* concurrent pairs (a < b) */
    unsigned char conc[DRILL_MAXE][DRILL_MAXE];
};

/* A random interleaving of nprocs (2..6) processes and n (2..64) events drawn from seed: each step a random
 * process does a local event, sends to a random peer, or receives its oldest queued message; stamped with the
 * rules, concurrent pairs from the vector clocks. */
void drill_clocks_make(struct drill_clocks *d, uint64_t seed, int nprocs, int n);
/* The drill as text: the events to stamp and the answer format. */
void drill_clocks_print(const struct drill_clocks *d, struct buf *out);
/* The answer key, in the answer format. */
void drill_clocks_key(const struct drill_clocks *d, struct buf *out);

struct drill_grade {
    int score, total;
    int stamps_right, stamps_total, pairs_right, pairs_wrong, pairs_total;
};

/* Grades answers (len bytes): lines "eN L=x V=a,b,c" and "concurrent eA eB" ("eA || eB" too), blank lines and
 * # comments ignored. Each right Lamport and vector stamp scores 1, each true concurrent pair listed 1, each false
 * one listed -1 (the score stays >= 0). Feedback lines for every mistake go to feedback. Returns 0, or ERR_PARSE
 * with "line N: ..." in err for a line that is none of these. */
int drill_clocks_grade(const struct drill_clocks *d, const char *answers, size_t len, struct drill_grade *g,
                       struct buf *feedback, char *err, size_t errlen);

#endif
