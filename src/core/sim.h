/* The deterministic simulator: virtual time in ns, an event queue totally ordered by (time, insertion
 * sequence), nodes with timers, crash/restart, pause/resume and skewed wall clocks, and a network (net.c) with
 * latency distributions, loss, duplication and partitions. No wall clock, no libc randomness, no threads:
 * the same seed gives the same run, event for event. */
#ifndef DKATA_SIM_H
#define DKATA_SIM_H
#include <stdbool.h>
#include <stdint.h>

#include "core/dist.h"
#include "core/rng.h"
#include "core/trace.h"

typedef int64_t sim_time; /* ns of virtual time */
typedef int32_t node_id;
typedef uint64_t sim_timer_id; /* 0 is never a valid id */

struct sim;

#define SIM_MSG_INLINE 48

/* A message in flight or being delivered. The network copies the payload on send; a handler may read data
 * only during the call. */
struct sim_msg {
    node_id from, to;
    int32_t type; /* the kata's own message type */
    uint32_t len;
    sim_time sent_at;
    uint64_t id; /* one per send; a duplicate keeps its original's id */
    unsigned char *data;
    unsigned char inline_data[SIM_MSG_INLINE];
};

/* What a node does; every callback is optional. on_crash must drop the node's volatile state; on_restart
 * rebuilds it from what the node made durable. */
struct sim_node_ops {
    void (*on_message)(struct sim *s, node_id self, const struct sim_msg *m);
    void (*on_timer)(struct sim *s, node_id self, int kind, uint64_t arg);
    void (*on_crash)(struct sim *s, node_id self);
    void (*on_restart)(struct sim *s, node_id self);
};

enum sim_node_state { SIM_UP, SIM_PAUSED, SIM_CRASHED };

typedef void (*sim_fn)(struct sim *s, void *ptr, uint64_t arg);

struct sim_node {
    enum sim_node_state state;
    uint32_t epoch;          /* bumped by a crash: the old incarnation's timers never fire */
    int64_t clock_offset_ns; /* the node's wall clock = now + offset + now * drift_ppm / 1e6 */
    double clock_drift_ppm;
    struct rng rng; /* the node's own stream */
    uint32_t *deferred; /* events that came due while paused, in order */
    size_t ndeferred, deferred_cap;
};

struct sim_stats {
    uint64_t events, sent, delivered, dropped_loss, dropped_partition, dropped_down, duplicated;
};

struct net_link {
    struct dist latency;
    double drop;      /* probability a message is lost */
    double duplicate; /* probability a message is delivered twice */
};

struct sim {
    sim_time now;
    uint64_t seed;
    uint64_t seq;
    bool stopped;
    struct sim_stats stats;
    struct trace *trace; /* may be NULL */
    bool trace_net;      /* also trace every send and delivery (off by default: katas trace their meaning) */
    void *user;          /* the kata's world */
    /* After every event: a hook for invariant checkers (may be NULL). */
    void (*after_event)(struct sim *s);
    /* nodes */
    int nnodes;
    struct sim_node *nodes;
    const struct sim_node_ops *ops;
    /* network */
    struct rng net_rng;
    struct net_link link_default;
    struct net_link **links;  /* NULL, or nnodes*nnodes overrides (NULL entries use the default) */
    unsigned char *blocked;   /* NULL, or nnodes*nnodes: blocked[from*n+to] cuts that direction */
    uint64_t next_msg_id;
    struct sim_msg **msg_free;
    size_t nmsg_free, msg_free_cap;
    /* event queue: a binary heap of (time, seq, slot) over a pool of slots */
    struct sim_heap_entry *heap;
    size_t nheap, heap_cap;
    struct sim_event *pool;
    size_t npool, pool_cap;
    uint32_t *free_slots;
    size_t nfree, free_cap;
};

/* Makes a simulator for nnodes nodes, all up, with the given callbacks (ops outlives s). The network starts
 * with a constant 1 ms latency, no loss, no duplication, no partition. */
void sim_init(struct sim *s, uint64_t seed, int nnodes, const struct sim_node_ops *ops, void *user);
void sim_close(struct sim *s);

/* Runs the next event; false when none is left or the simulation was stopped. */
bool sim_step(struct sim *s);
/* Runs every event due at or before t, then sets now = t (unless stopped first). */
void sim_run_until(struct sim *s, sim_time t);
/* Runs until pred(s, ctx) holds (checked after each event), time passes limit, or no event is left.
 * Returns whether pred held. */
bool sim_run_until_pred(struct sim *s, bool (*pred)(struct sim *s, void *ctx), void *ctx, sim_time limit);
/* Makes the current run stop after this event. */
void sim_stop(struct sim *s);
/* Events still queued (cancelled ones included until they come due). */
size_t sim_pending(const struct sim *s);

/* Calls fn(s, ptr, arg) at absolute time at (>= now); not tied to any node (scenario steps, faults). */
sim_timer_id sim_at(struct sim *s, sim_time at, sim_fn fn, void *ptr, uint64_t arg);
/* A timer on node n: on_timer(s, n, kind, arg) after delay, unless the node crashes first (then never) or is
 * paused (then at resume). */
sim_timer_id sim_timer(struct sim *s, node_id n, sim_time delay, int kind, uint64_t arg);
/* Cancels a timer or sim_at call; cancelling one already run or cancelled does nothing. */
void sim_cancel(struct sim *s, sim_timer_id id);

/* Faults on nodes. Crash: the node's volatile state and timers are lost (on_crash); messages to it are dropped
 * while it is down. Restart: on_restart. Pause: nothing runs on the node; deliveries and timers wait until
 * resume, then run in their original order. */
void sim_crash(struct sim *s, node_id n);
void sim_restart(struct sim *s, node_id n);
void sim_pause(struct sim *s, node_id n);
void sim_resume(struct sim *s, node_id n);
bool sim_is_up(const struct sim *s, node_id n);
/* The node's wall clock (skewed and drifting); virtual time itself is never skewed. */
int64_t sim_clock(const struct sim *s, node_id n);
void sim_set_clock(struct sim *s, node_id n, int64_t offset_ns, double drift_ppm);
/* The node's own random stream. */
struct rng *sim_rng(struct sim *s, node_id n);

/* Network (net.c). Sends copy data. Returns the message id, or 0 if dropped at once (partition or loss). */
uint64_t net_send(struct sim *s, node_id from, node_id to, int type, const void *data, uint32_t len);
void net_set_default(struct sim *s, const struct dist *latency, double drop, double duplicate);
void net_set_link(struct sim *s, node_id from, node_id to, const struct dist *latency, double drop,
                  double duplicate);
/* Splits the nodes into groups: group_of[n] is node n's group; only nodes in one group talk. */
void net_partition(struct sim *s, const int *group_of);
/* Cuts one direction only. */
void net_cut(struct sim *s, node_id from, node_id to);
/* Cuts n off from everyone, both ways. */
void net_isolate(struct sim *s, node_id n);
void net_heal(struct sim *s);
bool net_connected(const struct sim *s, node_id from, node_id to);

#endif
