/* raft-election: nodes tell dkata their role and term as they change, in one extension message
 *   {"src":"n1", "dest":"dkata", "body":{"type":"role", "role":"leader", "term":3}}
 * and dkata checks Election Safety (Raft paper, Figure 3: "at most one leader can be elected in a given term"),
 * that a node's term never goes down while it lives, and measures the time the cluster spends without a usable
 * leader after the start and after each fault, as the simulator's raft-election kata does. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "harness/harness_int.h"

static const char *const roles[] = {"follower", "candidate", "leader"};

void elect_report(struct harness *h, int node, json_t *body, const char *line, size_t len)
{
    const char *type = json_string_value(json_object_get(body, "type"));
    const char *role = json_string_value(json_object_get(body, "role"));
    json_t *term = json_object_get(body, "term");
    int r = -1;
    for (int i = 0; role && i < 3; i++)
        if (strcmp(role, roles[i]) == 0)
            r = i;
    if (strcmp(type, "role") != 0 || r < 0 || !json_is_integer(term) || json_integer_value(term) < 0) {
        h_problem(h, node, line, len, "sent dkata a report it does not know; expected {\"type\":\"role\", "
                  "\"role\":\"follower\"|\"candidate\"|\"leader\", \"term\":<a non-negative integer>}");
        return;
    }
    XGROW(h->roles, h->caproles, h->nroles + 1);
    h->roles[h->nroles++] = (struct role_ev){h_now(h), node, h->nodes[node].incarnation, r, json_integer_value(term)};
}

struct nstate {
    bool down, paused;
    int role;
    int64_t term;
};

struct replay {
    int n;
    struct nstate s[HARNESS_MAX_NODES];
    int8_t group[HARNESS_MAX_NODES];
    bool partitioned;
};

/* Is there a usable leader: a live leader on a majority side whose term is the highest of that side? */
static bool have_leader(const struct replay *r)
{
    for (int i = 0; i < r->n; i++) {
        if (r->s[i].down || r->s[i].paused || r->s[i].role != 2)
            continue;
        int side = 0;
        bool top = true;
        for (int k = 0; k < r->n; k++) {
            bool same = !r->partitioned || r->group[k] == r->group[i];
            if (same)
                side++;
            if (same && !r->s[k].down && r->s[k].term > r->s[i].term)
                top = false;
        }
        if (top && 2 * side > r->n)
            return true;
    }
    return false;
}

static void apply(struct replay *r, const struct fault *f)
{
    switch (f->op) {
    case FAULT_CRASH: r->s[f->node].down = true; break;
    case FAULT_RESTART: r->s[f->node] = (struct nstate){0}; break;
    case FAULT_PAUSE: r->s[f->node].paused = true; break;
    case FAULT_RESUME: r->s[f->node].paused = false; break;
    case FAULT_PARTITION:
        memcpy(r->group, f->group_of, sizeof(r->group));
        r->partitioned = true;
        break;
    case FAULT_ISOLATE:
        memset(r->group, 0, sizeof(r->group));
        r->group[f->node] = 1;
        r->partitioned = true;
        break;
    case FAULT_HEAL: r->partitioned = false; break;
    default: break;
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

bool elect_check(struct harness *h, struct buf *out)
{
    struct replay r = {.n = h->n};
    bool safe = true;
    struct buf bad;
    buf_init(&bad);
    /* Election safety: one leader per term. */
    int64_t *lt = xcalloc(h->nroles + 1, sizeof(*lt));
    int *ln = xcalloc(h->nroles + 1, sizeof(*ln));
    size_t nl = 0;
    int64_t last_term[HARNESS_MAX_NODES];
    int last_inc[HARNESS_MAX_NODES];
    for (int i = 0; i < h->n; i++)
        last_term[i] = -1, last_inc[i] = -1;
    for (size_t k = 0; k < h->nroles; k++) {
        const struct role_ev *e = &h->roles[k];
        if (e->incarnation == last_inc[e->node] && e->term < last_term[e->node]) {
            buf_printf(&bad, "  %s's term went down from %" PRId64 " to %" PRId64 " at %.3fs\n",
                       h->nodes[e->node].name, last_term[e->node], e->term, (double)(e->t - h->run_from) / NS_PER_S);
            safe = false;
        }
        last_term[e->node] = e->term;
        last_inc[e->node] = e->incarnation;
        if (e->role != 2)
            continue;
        size_t j = 0;
        while (j < nl && lt[j] != e->term)
            j++;
        if (j == nl) {
            lt[nl] = e->term;
            ln[nl++] = e->node;
        } else if (ln[j] != e->node) {
            buf_printf(&bad, "  two leaders in term %" PRId64 ": %s and %s (the second at %.3fs)\n", e->term,
                       h->nodes[ln[j]].name, h->nodes[e->node].name, (double)(e->t - h->run_from) / NS_PER_S);
            safe = false;
        }
    }
    /* Leaderless gaps: replay roles and faults in time order. */
    int64_t *gaps = xcalloc(h->nroles + h->nnems + 2, sizeof(*gaps));
    size_t ngaps = 0, ri = 0, ni = 0;
    int64_t gap_from = 0, first = -1;
    bool had = false;
    while (ri < h->nroles || ni < h->nnems) {
        bool take_role = ni >= h->nnems || (ri < h->nroles && h->roles[ri].t <= h->nems[ni].t);
        int64_t t;
        if (take_role) {
            const struct role_ev *e = &h->roles[ri++];
            t = e->t;
            r.s[e->node].role = e->role; /* reports come only from live processes */
            r.s[e->node].term = e->term;
        } else {
            t = h->nems[ni].t;
            apply(&r, &h->nems[ni++].f);
        }
        bool now = have_leader(&r);
        if (now && !had) {
            if (first < 0)
                first = t - gap_from;
            else
                gaps[ngaps++] = t - gap_from;
        } else if (!now && had) {
            gap_from = t;
        }
        had = now;
    }
    qsort(gaps, ngaps, sizeof(*gaps), cmp_i64);
    bool live = had;
    buf_printf(out, "checker election-safety: %s (%zu leaders in %zu role reports; at most one per term)\n%s",
               safe ? "valid" : "NOT valid", nl, h->nroles, bad.data ? bad.data : "");
    char a[32], b[32], c[32];
    if (first < 0)
        buf_printf(out, "checker election-liveness: NOT valid (no leader was ever elected)\n");
    else if (!live)
        buf_printf(out, "checker election-liveness: NOT valid (no leader %s after the last heal)\n",
                   units_fmt_duration(a, sizeof(a), h->o->recovery_ns));
    else
        buf_printf(out, "checker election-liveness: valid (a leader at the end)\n");
    if (first >= 0)
        buf_printf(out, "time to elect: first leader after %s; %zu re-election%s after losing the leader%s%s%s%s%s\n",
                   units_fmt_duration(a, sizeof(a), first), ngaps, ngaps == 1 ? "" : "s", ngaps ? ": median " : "",
                   ngaps ? units_fmt_duration(b, sizeof(b), gaps[ngaps / 2]) : "", ngaps ? ", max " : "",
                   ngaps ? units_fmt_duration(c, sizeof(c), gaps[ngaps - 1]) : "", "");
    bool quick = true;
    int64_t bound = h->o->elect_within_ns;
    if (bound > 0 && first >= 0) { /* the kata's rule: a new leader within a bound, every time */
        size_t slow = first > bound;
        for (size_t k = 0; k < ngaps; k++)
            slow += gaps[k] > bound;
        quick = slow == 0;
        buf_printf(out, "checker election-time: %s (%zu of %zu elections took longer than %s)\n",
                   quick ? "valid" : "NOT valid", slow, ngaps + 1, units_fmt_duration(a, sizeof(a), bound));
    }
    free(lt);
    free(ln);
    free(gaps);
    buf_close(&bad);
    return safe && live && first >= 0 && quick;
}
