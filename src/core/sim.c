/* The event queue, virtual time, nodes and their faults. The network is in net.c. */
#include "core/sim.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/sim_internal.h"

void sim_init(struct sim *s, uint64_t seed, int nnodes, const struct sim_node_ops *ops, void *user)
{
    assert(nnodes >= 0);
    memset(s, 0, sizeof(*s));
    s->seed = seed;
    s->user = user;
    s->ops = ops;
    s->nnodes = nnodes;
    s->nodes = xcalloc((size_t)(nnodes ? nnodes : 1), sizeof(*s->nodes));
    for (int i = 0; i < nnodes; i++)
        rng_stream(&s->nodes[i].rng, seed, "node", (uint64_t)i);
    rng_stream(&s->net_rng, seed, "net", 0);
    dist_const(&s->link_default.latency, 1000000);
}

void sim_close(struct sim *s)
{
    for (size_t i = 0; i < s->npool; i++)
        if (s->pool[i].live && s->pool[i].type == EV_DELIVER)
            msg_free(s, s->pool[i].ptr);
    for (size_t i = 0; i < s->nmsg_free; i++) {
        if (s->msg_free[i]->data != s->msg_free[i]->inline_data)
            free(s->msg_free[i]->data);
        free(s->msg_free[i]);
    }
    for (int i = 0; i < s->nnodes; i++)
        free(s->nodes[i].deferred);
    if (s->links) {
        for (size_t i = 0; i < (size_t)s->nnodes * (size_t)s->nnodes; i++)
            free(s->links[i]);
        free(s->links);
    }
    free(s->msg_free);
    free(s->blocked);
    free(s->nodes);
    free(s->heap);
    free(s->pool);
    free(s->free_slots);
    memset(s, 0, sizeof(*s));
}

/* ---- the heap: ordered by (at, seq), so ties are broken by insertion order, never by address ---- */

/* (at, seq) as one unsigned 128-bit number (at is never negative: it is at least now, which starts at 0), so
 * that one comparison orders two entries and compiles without a branch: which of two children is earlier is a
 * coin toss no branch predictor can learn, and a mispredicted branch costs more than the comparison. */
static inline unsigned __int128 order(const struct sim_heap_entry *e)
{
    return (unsigned __int128)(uint64_t)e->at << 64 | e->seq;
}

static inline bool before(const struct sim_heap_entry *a, const struct sim_heap_entry *b)
{
    return order(a) < order(b);
}

static void heap_push(struct sim *s, sim_time at, uint32_t slot)
{
    XGROW(s->heap, s->heap_cap, s->nheap + 1);
    struct sim_heap_entry e = {at, s->seq++, slot};
    size_t i = s->nheap++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&e, &s->heap[parent]))
            break;
        s->heap[i] = s->heap[parent];
        i = parent;
    }
    s->heap[i] = e;
}

static struct sim_heap_entry heap_pop(struct sim *s)
{
    struct sim_heap_entry *h = s->heap;
    struct sim_heap_entry top = h[0];
    struct sim_heap_entry last = h[--s->nheap];
    size_t i = 0, n = s->nheap;
    for (size_t c = 1; c < n; c = 2 * i + 1) {
        if (c + 1 < n)
            c += before(&h[c + 1], &h[c]);
        if (!before(&h[c], &last))
            break;
        h[i] = h[c];
        i = c;
    }
    if (n)
        h[i] = last;
    return top;
}

/* ---- event slots ---- */

static uint32_t slot_new(struct sim *s)
{
    uint32_t slot;
    if (s->nfree) {
        slot = s->free_slots[--s->nfree];
    } else {
        XGROW(s->pool, s->pool_cap, s->npool + 1);
        slot = (uint32_t)s->npool++;
        s->pool[slot].gen = 1;
    }
    struct sim_event *ev = &s->pool[slot];
    uint32_t gen = ev->gen;
    memset(ev, 0, sizeof(*ev));
    ev->gen = gen;
    ev->live = 1;
    return slot;
}

static void slot_free(struct sim *s, uint32_t slot)
{
    struct sim_event *ev = &s->pool[slot];
    ev->live = 0;
    ev->gen++;
    XGROW(s->free_slots, s->free_cap, s->nfree + 1);
    s->free_slots[s->nfree++] = slot;
}

static sim_timer_id schedule(struct sim *s, sim_time at, uint32_t slot)
{
    assert(at >= s->now);
    heap_push(s, at, slot);
    return ((uint64_t)s->pool[slot].gen << 32) | (slot + 1u);
}

void sim_deliver_at(struct sim *s, sim_time at, struct sim_msg *m)
{
    uint32_t slot = slot_new(s);
    struct sim_event *ev = &s->pool[slot];
    ev->type = EV_DELIVER;
    ev->node = m->to;
    ev->ptr = m;
    schedule(s, at, slot);
}

sim_timer_id sim_at(struct sim *s, sim_time at, sim_fn fn, void *ptr, uint64_t arg)
{
    uint32_t slot = slot_new(s);
    struct sim_event *ev = &s->pool[slot];
    ev->type = EV_CALL;
    ev->node = -1;
    ev->fn = fn;
    ev->ptr = ptr;
    ev->arg = arg;
    return schedule(s, at < s->now ? s->now : at, slot);
}

sim_timer_id sim_timer(struct sim *s, node_id n, sim_time delay, int kind, uint64_t arg)
{
    assert(n >= 0 && n < s->nnodes && delay >= 0);
    uint32_t slot = slot_new(s);
    struct sim_event *ev = &s->pool[slot];
    ev->type = EV_TIMER;
    ev->node = n;
    ev->epoch = s->nodes[n].epoch;
    ev->kind = kind;
    ev->arg = arg;
    return schedule(s, s->now + delay, slot);
}

void sim_cancel(struct sim *s, sim_timer_id id)
{
    if (!id)
        return;
    uint32_t slot = (uint32_t)(id & 0xffffffffu) - 1;
    uint32_t gen = (uint32_t)(id >> 32);
    if (slot < s->npool && s->pool[slot].live && s->pool[slot].gen == gen)
        s->pool[slot].cancelled = 1;
}

size_t sim_pending(const struct sim *s)
{
    size_t n = s->nheap;
    for (int i = 0; i < s->nnodes; i++)
        n += s->nodes[i].ndeferred;
    return n;
}

/* ---- running ---- */

static void defer(struct sim_node *node, uint32_t slot)
{
    XGROW(node->deferred, node->deferred_cap, node->ndeferred + 1);
    node->deferred[node->ndeferred++] = slot;
}

/* Runs one popped event; returns false if it was to be kept (deferred) rather than freed. */
static bool dispatch(struct sim *s, uint32_t slot)
{
    struct sim_event *ev = &s->pool[slot];
    if (ev->cancelled)
        return true;
    if (ev->type == EV_CALL) {
        ev->fn(s, ev->ptr, ev->arg);
        return true;
    }
    struct sim_node *node = &s->nodes[ev->node];
    if (ev->type == EV_TIMER) {
        if (node->epoch != ev->epoch || node->state == SIM_CRASHED)
            return true;
        if (node->state == SIM_PAUSED) {
            defer(node, slot);
            return false;
        }
        if (s->ops && s->ops->on_timer)
            s->ops->on_timer(s, ev->node, ev->kind, ev->arg);
        return true;
    }
    /* EV_DELIVER */
    if (node->state == SIM_PAUSED) {
        defer(node, slot);
        return false;
    }
    net_deliver(s, ev->ptr);
    ev = &s->pool[slot]; /* the pool may have moved */
    ev->ptr = NULL;
    return true;
}

bool sim_step(struct sim *s)
{
    if (s->stopped || s->nheap == 0)
        return false;
    struct sim_heap_entry e = heap_pop(s);
    assert(e.at >= s->now);
    s->now = e.at;
    s->stats.events++;
    if (dispatch(s, e.slot))
        slot_free(s, e.slot);
    if (s->after_event)
        s->after_event(s);
    return true;
}

void sim_run_until(struct sim *s, sim_time t)
{
    while (!s->stopped && s->nheap && s->heap[0].at <= t)
        sim_step(s);
    if (!s->stopped && t > s->now)
        s->now = t;
}

bool sim_run_until_pred(struct sim *s, bool (*pred)(struct sim *s, void *ctx), void *ctx, sim_time limit)
{
    if (pred(s, ctx))
        return true;
    while (!s->stopped && s->nheap && s->heap[0].at <= limit) {
        sim_step(s);
        if (pred(s, ctx))
            return true;
    }
    if (!s->stopped && limit > s->now)
        s->now = limit;
    return false;
}

void sim_stop(struct sim *s)
{
    s->stopped = true;
}

/* ---- node faults ---- */

static void drop_deferred(struct sim *s, struct sim_node *node)
{
    for (size_t i = 0; i < node->ndeferred; i++) {
        struct sim_event *ev = &s->pool[node->deferred[i]];
        if (ev->type == EV_DELIVER) {
            s->stats.dropped_down++;
            msg_free(s, ev->ptr);
        }
        slot_free(s, node->deferred[i]);
    }
    node->ndeferred = 0;
}

void sim_crash(struct sim *s, node_id n)
{
    struct sim_node *node = &s->nodes[n];
    if (node->state == SIM_CRASHED)
        return;
    node->state = SIM_CRASHED;
    node->epoch++;
    drop_deferred(s, node);
    trace_event(s->trace, s->now, n, "crash", NULL);
    if (s->ops && s->ops->on_crash)
        s->ops->on_crash(s, n);
}

void sim_restart(struct sim *s, node_id n)
{
    struct sim_node *node = &s->nodes[n];
    if (node->state != SIM_CRASHED)
        return;
    node->state = SIM_UP;
    trace_event(s->trace, s->now, n, "restart", NULL);
    if (s->ops && s->ops->on_restart)
        s->ops->on_restart(s, n);
}

void sim_pause(struct sim *s, node_id n)
{
    struct sim_node *node = &s->nodes[n];
    if (node->state != SIM_UP)
        return;
    node->state = SIM_PAUSED;
    trace_event(s->trace, s->now, n, "pause", NULL);
}

void sim_resume(struct sim *s, node_id n)
{
    struct sim_node *node = &s->nodes[n];
    if (node->state != SIM_PAUSED)
        return;
    node->state = SIM_UP;
    trace_event(s->trace, s->now, n, "resume", "\"deferred\":%zu", node->ndeferred);
    /* What came due during the pause runs now, in the order it came due. */
    for (size_t i = 0; i < node->ndeferred; i++)
        heap_push(s, s->now, node->deferred[i]);
    node->ndeferred = 0;
}

bool sim_is_up(const struct sim *s, node_id n)
{
    return s->nodes[n].state == SIM_UP;
}

int64_t sim_clock(const struct sim *s, node_id n)
{
    const struct sim_node *node = &s->nodes[n];
    return s->now + node->clock_offset_ns + (int64_t)((double)s->now * node->clock_drift_ppm / 1e6);
}

void sim_set_clock(struct sim *s, node_id n, int64_t offset_ns, double drift_ppm)
{
    s->nodes[n].clock_offset_ns = offset_ns;
    s->nodes[n].clock_drift_ppm = drift_ppm;
}

struct rng *sim_rng(struct sim *s, node_id n)
{
    return &s->nodes[n].rng;
}
