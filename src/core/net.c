/* The simulated network: per-link latency, loss and duplication, and partitions (group splits, one-way cuts).
 * Reordering is not a separate knob: it falls out of independent latency draws. */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/sim.h"
#include "core/sim_internal.h"

static struct sim_msg *msg_new(struct sim *s, uint32_t len)
{
    struct sim_msg *m;
    if (s->nmsg_free) {
        m = s->msg_free[--s->nmsg_free];
    } else {
        m = xmalloc(sizeof(*m));
        m->data = m->inline_data;
    }
    if (len > SIM_MSG_INLINE) {
        if (m->data != m->inline_data)
            free(m->data);
        m->data = xmalloc(len);
    } else if (m->data != m->inline_data) {
        free(m->data);
        m->data = m->inline_data;
    }
    m->len = len;
    return m;
}

void msg_free(struct sim *s, struct sim_msg *m)
{
    if (!m)
        return;
    XGROW(s->msg_free, s->msg_free_cap, s->nmsg_free + 1);
    s->msg_free[s->nmsg_free++] = m;
}

static const struct net_link *link_of(const struct sim *s, node_id from, node_id to)
{
    if (s->links) {
        const struct net_link *l = s->links[(size_t)from * (size_t)s->nnodes + (size_t)to];
        if (l)
            return l;
    }
    return &s->link_default;
}

bool net_connected(const struct sim *s, node_id from, node_id to)
{
    return !s->blocked || !s->blocked[(size_t)from * (size_t)s->nnodes + (size_t)to];
}

uint64_t net_send(struct sim *s, node_id from, node_id to, int type, const void *data, uint32_t len)
{
    s->stats.sent++;
    uint64_t id = ++s->next_msg_id;
    const struct net_link *l = link_of(s, from, to);
    if (s->trace_net)
        trace_event(s->trace, s->now, from, "send", "\"to\":%d,\"type\":%d,\"id\":%llu", to, type,
                    (unsigned long long)id);
    if (!net_connected(s, from, to)) {
        s->stats.dropped_partition++;
        return 0;
    }
    if (l->drop > 0 && rng_chance(&s->net_rng, l->drop)) {
        s->stats.dropped_loss++;
        return 0;
    }
    int copies = 1 + (l->duplicate > 0 && rng_chance(&s->net_rng, l->duplicate));
    for (int c = 0; c < copies; c++) {
        struct sim_msg *m = msg_new(s, len);
        m->from = from;
        m->to = to;
        m->type = type;
        m->sent_at = s->now;
        m->id = id;
        if (len)
            memcpy(m->data, data, len);
        sim_deliver_at(s, s->now + dist_sample(&l->latency, &s->net_rng), m);
    }
    s->stats.duplicated += (uint64_t)(copies - 1);
    return id;
}

void net_deliver(struct sim *s, struct sim_msg *m)
{
    /* A partition that starts while a message is in flight cuts it too. */
    if (!net_connected(s, m->from, m->to)) {
        s->stats.dropped_partition++;
    } else if (s->nodes[m->to].state == SIM_CRASHED) {
        s->stats.dropped_down++;
    } else {
        s->stats.delivered++;
        if (s->trace_net)
            trace_event(s->trace, s->now, m->to, "deliver", "\"from\":%d,\"type\":%d,\"id\":%llu", m->from,
                        m->type, (unsigned long long)m->id);
        if (s->ops && s->ops->on_message)
            s->ops->on_message(s, m->to, m);
    }
    msg_free(s, m);
}

void net_set_default(struct sim *s, const struct dist *latency, double drop, double duplicate)
{
    s->link_default.latency = *latency;
    s->link_default.drop = drop;
    s->link_default.duplicate = duplicate;
}

void net_set_link(struct sim *s, node_id from, node_id to, const struct dist *latency, double drop,
                  double duplicate)
{
    size_t n = (size_t)s->nnodes;
    if (!s->links)
        s->links = xcalloc(n * n, sizeof(*s->links));
    struct net_link **l = &s->links[(size_t)from * n + (size_t)to];
    if (!*l)
        *l = xmalloc(sizeof(**l));
    (*l)->latency = *latency;
    (*l)->drop = drop;
    (*l)->duplicate = duplicate;
}

static unsigned char *blocked(struct sim *s)
{
    size_t n = (size_t)s->nnodes;
    if (!s->blocked)
        s->blocked = xcalloc(n * n, 1);
    return s->blocked;
}

void net_partition(struct sim *s, const int *group_of)
{
    unsigned char *b = blocked(s);
    for (int i = 0; i < s->nnodes; i++)
        for (int j = 0; j < s->nnodes; j++)
            b[(size_t)i * (size_t)s->nnodes + (size_t)j] = group_of[i] != group_of[j];
    if (!s->trace)
        return; /* a swarm's runs have no trace: spare them the text */
    struct buf desc;
    buf_init(&desc);
    for (int i = 0; i < s->nnodes; i++)
        buf_printf(&desc, "%s%d", i ? "," : "", group_of[i]);
    trace_event(s->trace, s->now, -1, "partition", "\"groups\":[%s]", desc.data ? desc.data : "");
    buf_close(&desc);
}

void net_cut(struct sim *s, node_id from, node_id to)
{
    blocked(s)[(size_t)from * (size_t)s->nnodes + (size_t)to] = 1;
    trace_event(s->trace, s->now, -1, "cut", "\"from\":%d,\"to\":%d", from, to);
}

void net_isolate(struct sim *s, node_id n)
{
    unsigned char *b = blocked(s);
    for (int i = 0; i < s->nnodes; i++)
        if (i != n)
            b[(size_t)n * (size_t)s->nnodes + (size_t)i] = b[(size_t)i * (size_t)s->nnodes + (size_t)n] = 1;
    trace_event(s->trace, s->now, n, "isolate", NULL);
}

void net_heal(struct sim *s)
{
    if (s->blocked)
        memset(s->blocked, 0, (size_t)s->nnodes * (size_t)s->nnodes);
    trace_event(s->trace, s->now, -1, "heal", NULL);
}
