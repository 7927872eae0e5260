/* Workload cards for the `shard` kata (000, Kata 3): fields with their key distributions and a query mix, in a
 * small line format (docs/katas/shard.md), five built in. */
#ifndef DKATA_SHARD_H
#define DKATA_SHARD_H
#include <stdbool.h>
#include <stddef.h>

#define SHARD_MAXF 4
#define SHARD_MAXQ 8

enum shard_dist { SHARD_UNIFORM, SHARD_ZIPF, SHARD_PARETO, SHARD_MONOTONIC };

struct shard_field {
    char name[24];
    enum shard_dist dist;
    double s;  /* zipf exponent, pareto alpha (tenant size skew) */
    long n;    /* distinct values (not for monotonic) */
};

struct shard_query {
    char name[32];
    double share;          /* percent of the mix */
    int eq[SHARD_MAXF];    /* fields it fixes by equality */
    int neq;
    int range;             /* field it scans a range of, or -1 */
    bool fanout;           /* reads many values of its eq field (a home timeline: every followee) */
    char remedy[16];       /* "", "index", "denormalization", "separate" */
};

struct shard_card {
    char name[32];
    char title[96];
    struct shard_field f[SHARD_MAXF];
    int nf;
    struct shard_query q[SHARD_MAXQ];
    int nq;
};

/* The built-in cards' names, NULL-terminated. */
extern const char *const shard_card_names[];
/* Parses a card (len bytes, need not be NUL-terminated). Returns 0, or ERR_PARSE with "line N: ..." in err. */
int shard_card_parse(const char *text, size_t len, struct shard_card *c, char *err, size_t errlen);
/* Fills c with a built-in card; ERR_NOTFOUND if name is not one. */
int shard_card_builtin(const char *name, struct shard_card *c);
/* Index of the field called name, or -1. */
int shard_card_field(const struct shard_card *c, const char *name);

#endif
