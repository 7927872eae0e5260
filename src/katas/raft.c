/* Raft's shared rules on the simulator: the role names and the election timer (the pure rules are inline in
 * raft.h). */
#include "katas/raft.h"

const char *const raft_role_name[] = {"follower", "candidate", "leader"};

void raft_broadcast(struct sim *s, node_id self, int n, int type, const void *m, uint32_t len)
{
    for (int p = 0; p < n; p++)
        if (p != self)
            net_send(s, self, p, type, m, len);
}

void raft_timer_reset(struct sim *s, node_id id, struct raft_timer *t, sim_time lo, sim_time hi, int kind)
{
    sim_time d = rng_range(sim_rng(s, id), lo, hi);
    t->deadline = s->now + d;
    if (!t->armed) {
        sim_timer(s, id, d, kind, 0);
        t->armed = true;
    }
}

bool raft_timer_fired(struct sim *s, node_id id, struct raft_timer *t, int kind, bool live)
{
    t->armed = false;
    if (!live)
        return false;
    if (s->now < t->deadline) {
        sim_timer(s, id, t->deadline - s->now, kind, 0);
        t->armed = true;
        return false;
    }
    return true;
}
