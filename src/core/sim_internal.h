/* What sim.c and net.c share and nobody else needs. */
#ifndef DKATA_SIM_INTERNAL_H
#define DKATA_SIM_INTERNAL_H
#include "core/sim.h"

enum { EV_CALL, EV_TIMER, EV_DELIVER };

struct sim_event {
    uint32_t gen; /* bumped when the slot is freed: stale timer ids never match */
    uint8_t type, live, cancelled;
    node_id node;
    uint32_t epoch;
    int32_t kind;
    uint64_t arg;
    void *ptr; /* EV_CALL: the caller's; EV_DELIVER: the struct sim_msg */
    sim_fn fn;
};

struct sim_heap_entry {
    sim_time at;
    uint64_t seq;
    uint32_t slot;
};

/* Queues the delivery of m (the queue owns it from now on) to m->to at time at: one call into sim.c, where the
 * slot, the schedule and the heap compile as one piece on this per-message path. */
void sim_deliver_at(struct sim *s, sim_time at, struct sim_msg *m);
void net_deliver(struct sim *s, struct sim_msg *m);
void msg_free(struct sim *s, struct sim_msg *m);

#endif
