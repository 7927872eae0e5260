/* Fault schedules ("nemesis"): crash, restart, pause, resume, partition, isolate, one-way cut, heal and clock
 * skew at given virtual times. Scripted by a kata, written on the command line, or drawn from the seed.
 * Text form, steps separated by ';':
 *   10s crash 0 | 12s restart 0 | 3s pause 2 | 3.5s resume 2 | 20s partition 0,1|2,3,4 | 20s isolate 1
 *   | 20s cut 0>1 | 25s heal | 0s skew 1 +50ms 100ppm   (node ids count from 0) */
#ifndef DKATA_FAULT_H
#define DKATA_FAULT_H
#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"
#include "core/sim.h"

enum fault_op { FAULT_CRASH, FAULT_RESTART, FAULT_PAUSE, FAULT_RESUME, FAULT_PARTITION, FAULT_ISOLATE,
                FAULT_CUT, FAULT_HEAL, FAULT_SKEW };

#define FAULT_MAX_NODES 64 /* partitions in a plan name at most this many nodes */

struct fault {
    sim_time at;
    enum fault_op op;
    node_id node, node2;            /* node2: the far end of a cut */
    int8_t group_of[FAULT_MAX_NODES]; /* partition: each node's group */
    int64_t skew_ns;
    double drift_ppm;
};

struct fault_plan {
    struct fault *steps;
    size_t n, cap;
};

void fault_plan_init(struct fault_plan *p);
void fault_plan_close(struct fault_plan *p);
void fault_add(struct fault_plan *p, const struct fault *f);
/* Parses text (see above) for a cluster of nnodes. On error returns ERR_PARSE with a one-line reason in err
 * naming the step and what is accepted. */
int fault_parse(struct fault_plan *p, const char *text, int nnodes, char *err, size_t errlen);
/* Swarm faults: draws crashes (each followed by a restart), pauses, partitions and heals in [from, to) from
 * rng, then heals everything and restarts/resumes every node at `to`, so a liveness phase can follow. A
 * partition's minority side has at most max_down nodes; faults may overlap (safety must hold regardless). */
void fault_random(struct fault_plan *p, struct rng *rng, int nnodes, sim_time from, sim_time to, int max_down);
/* Schedules every step on s (the plan must outlive the run). */
void fault_schedule(const struct fault_plan *p, struct sim *s);
/* Writes the plan in its text form. */
void fault_format(const struct fault_plan *p, int nnodes, struct buf *out);

#endif
