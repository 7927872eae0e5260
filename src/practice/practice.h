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

/* ---- the timed drills' common shape (dkata drill NAME; src/cli/cmd_drill.c drives them) ---- */

struct drill_grade {
    int score, total;
    int stamps_right, stamps_total, pairs_right, pairs_wrong, pairs_total; /* clocks */
    char summary[240]; /* the score broken down by kind of answer, one line */
};

/* A numeric option of one drill (--events 12). */
struct drill_opt {
    const char *name; /* without the dashes */
    long lo, hi, def;
    const char *help;
};

/* One timed drill. A round is generated from the seed by make (owned by the caller, released with release);
 * print writes the exercise, key its answer key in the answer format, grade scores answers (len bytes): 0 with
 * a feedback line for every mistake, or ERR_PARSE with "line N: ..." in err. */
struct drill_def {
    const char *name;
    const char *summary;   /* one line: what the round asks */
    const char *source;    /* where it is in the module, and where its time limit comes from */
    int64_t limit_ns;      /* the default time limit */
    const char *tag;       /* the mistake tag to suggest after a failed round */
    const char *answer_help; /* the answer format, for --help */
    const struct drill_opt *opts;
    int nopts;
    const char *bug;      /* the one --bug NAME the drill takes, or NULL */
    const char *bug_help; /* what it plants */
    void *(*make)(uint64_t seed, const long *opt, const char *bug);
    void (*release)(void *round);
    void (*print)(const void *round, struct buf *out);
    void (*key)(const void *round, struct buf *out);
    int (*grade)(const void *round, const char *answers, size_t len, struct drill_grade *g, struct buf *feedback,
                 char *err, size_t errlen);
};

/* The drills (clocks, paxos, heartbeat), NULL-terminated. */
extern const struct drill_def *const drill_defs[];
/* The drill named name, or NULL. */
const struct drill_def *drill_find(const char *name);

/* Reads answers line by line for the graders: words split on blanks, commas, braces, parentheses, '=' and ':',
 * quotes dropped, '#' comments and blank lines skipped. */
struct drill_lines {
    const char *s;
    size_t len, pos;
    int line;
    char buf[256];
};
void drill_lines_init(struct drill_lines *l, const char *answers, size_t len);
/* The next non-blank line's words into w (at most max; more is an error): returns their count, 0 at the end, or
 * -1 with "line N: ..." in err (a line too long, a NUL byte, too many words). */
int drill_lines_next(struct drill_lines *l, char **w, int max, char *err, size_t errlen);
/* Writes "line N: " and the message into err; returns ERR_PARSE. */
int drill_fail(const struct drill_lines *l, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

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
extern const struct drill_def drill_clocks_def;

/* Grades answers (len bytes): lines "eN L=x V=a,b,c" and "concurrent eA eB" ("eA || eB" too), blank lines and
 * # comments ignored. Each right Lamport and vector stamp scores 1, each true concurrent pair listed 1, each false
 * one listed -1 (the score stays >= 0). Feedback lines for every mistake go to feedback. Returns 0, or ERR_PARSE
 * with "line N: ..." in err for a line that is none of these. */
int drill_clocks_grade(const struct drill_clocks *d, const char *answers, size_t len, struct drill_grade *g,
                       struct buf *feedback, char *err, size_t errlen);

/* ---- drill paxos: the quorum check of a Paxos trace (004 lane 4); the trace is kata paxos's exercise ---- */
extern const struct drill_def drill_paxos_def;

/* ---- drill heartbeat: the heartbeat-tuning worksheet's numbers (004 lane 3); kata fdetect-worksheet's
 * exercise ---- */
extern const struct drill_def drill_heartbeat_def;

#endif
