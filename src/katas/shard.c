/* Kata `shard`: 000 Kata 3 "Design a Sharding Scheme for a Workload". The user picks a workload card (or writes
 * one), a partition key, a scheme (range, hash mod N, consistent hashing with virtual nodes, fixed partitions
 * moved between nodes, composite keys), a replication factor and racks; dkata draws the card's records from the
 * seed and measures: load per node in the current traffic window (max/mean, hot partitions), keys moved when a
 * node is added or removed, what losing a rack costs with and without rack-aware placement, and which queries of
 * the card scatter to every shard, with the drill's remedies. --memo writes the drill's one-page memo filled with
 * those figures; --svg draws partitions, replicas and the routing tier. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/rng.h"
#include "katas/kata.h"
#include "katas/shard.h"
#include "report/svg.h"

#define MAXNODES 64
#define MAXPART 4096
#define BUCKETS 16 /* composite keys: the second field's range cut into this many buckets */

extern const struct kata kata_shard;

enum scheme { S_RANGE, S_HASH, S_CONSISTENT, S_FIXED, S_COMPOSITE };
static const char *const scheme_names[] = {"range", "hash", "consistent", "fixed", "composite", NULL};
static const char *const scheme_long[] = {"range partitions (split at key quantiles)", "hash mod N",
                                          "consistent hashing with virtual nodes",
                                          "fixed partitions moved between nodes",
                                          "composite key: hash of (first field, bucket of second)"};

struct cfg {
    struct shard_card card;
    int key[2], nkey;
    int scheme;
    long nodes, racks, rf, vnodes, partitions, records;
    double max_skew, move_factor, window;
    bool rack_aware, memo;
};

/* One layout: how keys map to partitions and partitions to nodes, for a given node count. */
struct layout {
    int scheme;
    long n, nparts;
    uint64_t *bounds;   /* range: nparts-1 split points of the order value */
    uint64_t *ring;     /* consistent: nparts ring points (sorted) */
    int *ring_node;     /* consistent: owner of each point */
    int *owner;         /* table schemes: partition -> node */
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

struct rec {
    uint64_t v[SHARD_MAXF];
    uint64_t order, hash; /* the partition key as an order value and as a hash */
};

/* Draws an index from a CDF by binary search. */
static long draw_cdf(const double *cdf, long n, struct rng *r)
{
    double u = rng_unit(r) * cdf[n - 1];
    long lo = 0, hi = n - 1;
    while (lo < hi) {
        long mid = (lo + hi) / 2;
        if (cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct rec *draw_records(const struct cfg *c, uint64_t seed)
{
    struct rec *r = xcalloc((size_t)c->records, sizeof(*r));
    for (int f = 0; f < c->card.nf; f++) {
        const struct shard_field *fd = &c->card.f[f];
        struct rng g;
        rng_stream(&g, seed, "shard-field", (uint64_t)f);
        double *cdf = NULL;
        if (fd->dist == SHARD_ZIPF || fd->dist == SHARD_PARETO) {
            cdf = xmalloc(sizeof(double) * (size_t)fd->n);
            double acc = 0;
            for (long k = 0; k < fd->n; k++) {
                /* zipf: value k has weight 1/(k+1)^s; pareto: each value (a tenant) has a size drawn from a
                 * Pareto law, and records fall to tenants in proportion to size */
                acc += fd->dist == SHARD_ZIPF ? pow((double)(k + 1), -fd->s) : rng_pareto(&g, 1.0, fd->s);
                cdf[k] = acc;
            }
        }
        for (long i = 0; i < c->records; i++) {
            uint64_t v;
            switch (fd->dist) {
            case SHARD_MONOTONIC:
                v = (uint64_t)i;
                break;
            case SHARD_UNIFORM:
                v = rng_below(&g, (uint64_t)fd->n);
                break;
            default:
                v = (uint64_t)draw_cdf(cdf, fd->n, &g);
                break;
            }
            r[i].v[f] = v;
        }
        free(cdf);
    }
    for (long i = 0; i < c->records; i++) {
        uint64_t a = r[i].v[c->key[0]], b = c->nkey > 1 ? r[i].v[c->key[1]] : 0;
        if (c->scheme == S_COMPOSITE) {
            uint64_t span = (uint64_t)(c->card.f[c->key[1]].dist == SHARD_MONOTONIC ? c->records
                                                                                     : c->card.f[c->key[1]].n);
            b = b * BUCKETS / (span ? span : 1);
        }
        r[i].order = c->nkey > 1 ? (a << 32) | (b & 0xffffffffu) : a;
        r[i].hash = mix64(mix64(a + 0x9e3779b97f4a7c15ULL) ^ (c->nkey > 1 ? b + 1 : 0));
    }
    return r;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The table schemes' rebalancing: the new node takes partitions one at a time from the node holding most. */
static void table_add(int *owner, long nparts, long n_before)
{
    long *cnt = xcalloc((size_t)n_before + 1, sizeof(long));
    for (long p = 0; p < nparts; p++)
        cnt[owner[p]]++;
    while (cnt[n_before] < nparts / (n_before + 1)) {
        long big = 0;
        for (long k = 1; k < n_before; k++)
            if (cnt[k] > cnt[big])
                big = k;
        for (long p = nparts - 1; p >= 0; p--)
            if (owner[p] == big) {
                owner[p] = (int)n_before;
                break;
            }
        cnt[big]--;
        cnt[n_before]++;
    }
    free(cnt);
}

/* Removing the last node: its partitions go one at a time to the node holding fewest. */
static void table_remove(int *owner, long nparts, long n_after)
{
    long *cnt = xcalloc((size_t)n_after + 1, sizeof(long));
    for (long p = 0; p < nparts; p++)
        cnt[owner[p]]++;
    for (long p = 0; p < nparts; p++)
        if (owner[p] == n_after) {
            long small = 0;
            for (long k = 1; k < n_after; k++)
                if (cnt[k] < cnt[small])
                    small = k;
            owner[p] = (int)small;
            cnt[small]++;
        }
    free(cnt);
}

static void layout_build(struct layout *l, const struct cfg *c, long n, const struct rec *r)
{
    memset(l, 0, sizeof(*l));
    l->scheme = c->scheme;
    l->n = n;
    if (c->scheme == S_HASH) {
        l->nparts = n;
    } else if (c->scheme == S_CONSISTENT) {
        l->nparts = n * c->vnodes;
        l->ring = xmalloc(sizeof(uint64_t) * (size_t)l->nparts);
        l->ring_node = xmalloc(sizeof(int) * (size_t)l->nparts);
        uint64_t *pairs = xmalloc(sizeof(uint64_t) * 2 * (size_t)l->nparts);
        for (long k = 0; k < n; k++)
            for (long v = 0; v < c->vnodes; v++) {
                long i = k * c->vnodes + v;
                /* point hash in the high bits, owner in the low: sorting keeps each point with its node */
                pairs[i] = (mix64(((uint64_t)k << 32) ^ (uint64_t)v ^ 0x5bd1e995ULL) & ~0xffffULL) | (uint64_t)k;
            }
        qsort(pairs, (size_t)l->nparts, sizeof(uint64_t), cmp_u64);
        for (long i = 0; i < l->nparts; i++) {
            l->ring[i] = pairs[i] & ~0xffffULL;
            l->ring_node[i] = (int)(pairs[i] & 0xffff);
        }
        free(pairs);
    } else {
        l->nparts = c->partitions;
        l->owner = xmalloc(sizeof(int) * (size_t)l->nparts);
        for (long p = 0; p < l->nparts; p++)
            l->owner[p] = (int)(p % c->nodes);
        if (n > c->nodes)
            table_add(l->owner, l->nparts, c->nodes);
        else if (n < c->nodes)
            table_remove(l->owner, l->nparts, n);
        if (c->scheme == S_RANGE) { /* split points at the quantiles of the keys written so far */
            uint64_t *o = xmalloc(sizeof(uint64_t) * (size_t)c->records);
            long hist = (long)((double)c->records * (1 - c->window));
            for (long i = 0; i < hist; i++)
                o[i] = r[i].order;
            qsort(o, (size_t)hist, sizeof(uint64_t), cmp_u64);
            l->bounds = xmalloc(sizeof(uint64_t) * (size_t)l->nparts);
            for (long p = 1; p < l->nparts; p++)
                l->bounds[p - 1] = o[(size_t)((double)p / (double)l->nparts * (double)hist)];
            free(o);
        }
    }
}

static void layout_close(struct layout *l)
{
    free(l->bounds);
    free(l->ring);
    free(l->ring_node);
    free(l->owner);
}

static long part_of(const struct layout *l, const struct rec *r)
{
    if (l->scheme == S_HASH)
        return (long)(r->hash % (uint64_t)l->n);
    if (l->scheme == S_CONSISTENT) {
        uint64_t h = r->hash & ~0xffffULL;
        long lo = 0, hi = l->nparts; /* first point >= h, wrapping */
        while (lo < hi) {
            long mid = (lo + hi) / 2;
            if (l->ring[mid] < h)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo == l->nparts ? 0 : lo;
    }
    if (l->scheme == S_RANGE) {
        long lo = 0, hi = l->nparts - 1; /* first split point above the key */
        while (lo < hi) {
            long mid = (lo + hi) / 2;
            if (l->bounds[mid] <= r->order)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
    return (long)(r->hash % (uint64_t)l->nparts);
}

static int node_of_part(const struct layout *l, long p)
{
    if (l->scheme == S_HASH)
        return (int)p;
    if (l->scheme == S_CONSISTENT)
        return l->ring_node[p];
    return l->owner[p];
}

static int rack_of(const struct cfg *c, int node)
{
    return (int)((long)node * c->racks / c->nodes);
}

/* The replicas of partition p: its node, then successors (ring order, or the next node numbers), skipping nodes
 * already chosen and, rack-aware, racks already used while unused racks remain. */
static int replicas(const struct cfg *c, const struct layout *l, long p, bool aware, int *out)
{
    int n = 0;
    bool used_rack[MAXNODES] = {0}, used[MAXNODES] = {0};
    long steps = l->scheme == S_CONSISTENT ? l->nparts : l->n;
    for (int pass = 0; pass < 2 && n < c->rf; pass++)
        for (long i = 0; i < steps && n < c->rf; i++) {
            int node = l->scheme == S_CONSISTENT ? l->ring_node[(p + i) % l->nparts]
                                                 : (int)((node_of_part(l, p) + i) % l->n);
            int rk = rack_of(c, node);
            if (used[node] || (aware && pass == 0 && used_rack[rk]))
                continue;
            used[node] = used_rack[rk] = true;
            out[n++] = node;
        }
    return n;
}

struct rack_cost {
    double no_quorum, unavailable, rereplicate; /* shares of the current traffic / of the data */
};

/* The worst single rack: share of records whose partition loses its quorum of replicas, all replicas, and the
 * share of replicas to copy again. */
static struct rack_cost rack_loss(const struct cfg *c, const struct layout *l, const long *part_records, bool aware)
{
    struct rack_cost worst = {0, 0, 0};
    long total = 0;
    for (long p = 0; p < l->nparts; p++)
        total += part_records[p];
    for (int rk = 0; rk < c->racks; rk++) {
        double nq = 0, un = 0, re = 0;
        for (long p = 0; p < l->nparts; p++) {
            int rep[MAXNODES], n = replicas(c, l, p, aware, rep), lost = 0;
            for (int i = 0; i < n; i++)
                lost += rack_of(c, rep[i]) == rk;
            if (n - lost < n / 2 + 1)
                nq += (double)part_records[p];
            if (lost == n)
                un += (double)part_records[p];
            re += (double)part_records[p] * lost;
        }
        if (nq > worst.no_quorum * (double)total || (nq == worst.no_quorum * (double)total && un > 0)) {
            worst.no_quorum = nq / (double)(total ? total : 1);
            worst.unavailable = un / (double)(total ? total : 1);
            worst.rereplicate = re / (double)(total ? total : 1) / (double)c->rf;
        } else if (re / (double)(total ? total : 1) / (double)c->rf > worst.rereplicate && worst.no_quorum == 0) {
            worst.rereplicate = re / (double)(total ? total : 1) / (double)c->rf;
        }
    }
    return worst;
}

static double moved_share(const struct cfg *c, const struct rec *r, long n_after)
{
    struct layout a, b;
    layout_build(&a, c, c->nodes, r);
    layout_build(&b, c, n_after, r);
    long moved = 0;
    for (long i = 0; i < c->records; i++)
        moved += node_of_part(&a, part_of(&a, &r[i])) != node_of_part(&b, part_of(&b, &r[i]));
    layout_close(&a);
    layout_close(&b);
    return (double)moved / (double)c->records;
}

/* How a query is routed under the key and scheme: 1 (one shard), 2 (a few), 3 (every shard). */
static int route(const struct cfg *c, const struct shard_query *q)
{
    bool k0 = false, k1 = c->nkey < 2;
    for (int i = 0; i < q->neq; i++) {
        k0 |= q->eq[i] == c->key[0];
        k1 |= c->nkey > 1 && q->eq[i] == c->key[1];
    }
    if (k0 && q->fanout)
        return 3;
    if (k0 && k1)
        return 1;
    if (k0 && c->scheme == S_COMPOSITE)
        return 2; /* the first field fixed, the second's buckets: a few partitions */
    if (c->scheme == S_RANGE && (q->range == c->key[0] || (k0 && q->range == c->key[1])))
        return 2;
    if (k0 && c->scheme == S_RANGE)
        return 2;
    return 3;
}

static const char *remedy(const struct cfg *c, const struct shard_query *q, char *buf, size_t n)
{
    const char *r = q->remedy;
    if (!*r)
        r = q->fanout ? "denormalization" : q->neq ? "index" : "separate";
    if (!strcmp(r, "index")) {
        const char *f = "?";
        for (int i = 0; i < q->neq; i++)
            if (q->eq[i] != c->key[0])
                f = c->card.f[q->eq[i]].name;
        snprintf(buf, n, "a secondary index on %s (global, partitioned by %s)", f, f);
    } else if (!strcmp(r, "denormalization")) {
        snprintf(buf, n, "denormalization: fan out on write into each reader's own partition");
    } else {
        snprintf(buf, n, "a separate system (search index or analytics store fed from the log)");
    }
    return buf;
}

static bool read_cfg(struct kata_ctx *ctx, struct cfg *c)
{
    const struct kata *k = &kata_shard;
    memset(c, 0, sizeof(*c));
    const char *card = kata_get_str(ctx, k, "card");
    if (shard_card_builtin(card, &c->card)) {
        bool is_path = strchr(card, '/') || strchr(card, '.');
        FILE *f = is_path ? fopen(card, "r") : NULL;
        if (!f) {
            if (is_path)
                snprintf(ctx->error, sizeof(ctx->error), "cannot open card file '%.80s': %s", card,
                         strerror(errno));
            else
                snprintf(ctx->error, sizeof(ctx->error),
                         "bad card '%.80s': expected social-feed, saas, iot, shop, chat or a card file path "
                         "(with a / "
                         "or .)",
                         card);
            return false;
        }
        char *text = xmalloc(65536);
        size_t len = fread(text, 1, 65536, f);
        int read_err = ferror(f) ? errno : 0;
        bool big = !read_err && !feof(f);
        fclose(f);
        if (read_err) {
            free(text);
            snprintf(ctx->error, sizeof(ctx->error),
                     "cannot read card file '%.80s': %s (expected a card file)", card, strerror(read_err));
            return false;
        }
        char err[200];
        int rc = big ? ERR_PARSE : shard_card_parse(text, len, &c->card, err, sizeof(err));
        free(text);
        if (rc) {
            snprintf(ctx->error, sizeof(ctx->error), "card '%.60s': %.180s", card, big ? "larger than 64 KiB" : err);
            return false;
        }
    }
    int aware;
    static const char *const yesno[] = {"no", "yes", NULL};
    int memo;
    if (!kata_get_choice(ctx, k, "scheme", scheme_names, &c->scheme) ||
        !kata_get_int(ctx, k, "nodes", 2, MAXNODES - 1, &c->nodes) ||
        !kata_get_int(ctx, k, "racks", 1, MAXNODES, &c->racks) || !kata_get_int(ctx, k, "rf", 1, 7, &c->rf) ||
        !kata_get_int(ctx, k, "vnodes", 1, 256, &c->vnodes) ||
        !kata_get_int(ctx, k, "partitions", 2, MAXPART, &c->partitions) ||
        !kata_get_int(ctx, k, "records", 1000, 1000000, &c->records) ||
        !kata_get_double(ctx, k, "max_skew", 1, 100, &c->max_skew) ||
        !kata_get_double(ctx, k, "move_factor", 1, 100, &c->move_factor) ||
        !kata_get_double(ctx, k, "window", 0.01, 0.5, &c->window) ||
        !kata_get_choice(ctx, k, "rack_aware", yesno, &aware) || !kata_get_choice(ctx, k, "memo", yesno, &memo))
        return false;
    c->rack_aware = aware && !kata_bug_is(ctx, "rack-unaware");
    c->memo = memo;
    if (kata_bug_is(ctx, "mod-n"))
        c->scheme = S_HASH;
    /* the key: "field" or "field+field"; "auto": the first field of the card's most frequent query */
    char key[64];
    snprintf(key, sizeof(key), "%s", kata_get_str(ctx, k, "key"));
    if (kata_bug_is(ctx, "time-key")) {
        int t = -1;
        for (int f = 0; f < c->card.nf && t < 0; f++)
            if (c->card.f[f].dist == SHARD_MONOTONIC)
                t = f;
        if (t < 0) {
            snprintf(ctx->error, sizeof(ctx->error), "bug time-key needs a card with a monotonic field");
            return false;
        }
        snprintf(key, sizeof(key), "%s", c->card.f[t].name);
        c->scheme = S_RANGE;
    }
    if (!strcmp(key, "auto")) {
        int best = 0;
        for (int q = 1; q < c->card.nq; q++)
            if (c->card.q[q].neq && (!c->card.q[best].neq || c->card.q[q].share > c->card.q[best].share))
                best = q;
        if (!c->card.q[best].neq) {
            snprintf(ctx->error, sizeof(ctx->error), "key=auto: no query of card '%s' fixes a field; set key=FIELD",
                     c->card.name);
            return false;
        }
        c->key[0] = c->card.q[best].eq[0];
        c->nkey = 1;
        if (c->scheme == S_COMPOSITE)
            for (int f = 0; f < c->card.nf && c->nkey < 2; f++)
                if (c->card.f[f].dist == SHARD_MONOTONIC && f != c->key[0])
                    c->key[c->nkey++] = f;
    } else {
        char *plus = strchr(key, '+');
        if (plus)
            *plus++ = 0;
        c->key[0] = shard_card_field(&c->card, key);
        c->nkey = 1;
        if (plus) {
            c->key[1] = shard_card_field(&c->card, plus);
            c->nkey = 2;
        }
        if (c->key[0] < 0 || (plus && (c->key[1] < 0 || c->key[1] == c->key[0]))) {
            struct buf names;
            buf_init(&names);
            for (int f = 0; f < c->card.nf; f++)
                buf_printf(&names, "%s%s", f ? ", " : "", c->card.f[f].name);
            snprintf(ctx->error, sizeof(ctx->error),
                     "bad key '%.40s': expected auto, FIELD or FIELD+FIELD of card '%s' (fields: %s)",
                     kata_get_str(ctx, k, "key"), c->card.name, names.data);
            buf_close(&names);
            return false;
        }
    }
    if (c->scheme == S_COMPOSITE && c->nkey < 2) {
        snprintf(ctx->error, sizeof(ctx->error), "scheme composite needs key=FIELD+FIELD (e.g. key=%s+time)",
                 c->card.f[c->key[0]].name);
        return false;
    }
    if (c->rf > c->nodes) {
        snprintf(ctx->error, sizeof(ctx->error), "rf %ld is more than the %ld nodes", c->rf, c->nodes);
        return false;
    }
    if (c->racks > c->nodes) {
        snprintf(ctx->error, sizeof(ctx->error), "racks %ld is more than the %ld nodes", c->racks, c->nodes);
        return false;
    }
    return true;
}

struct measure {
    double load_max_mean, hot_part_share, hot_key_share, moved_add, moved_remove, scatter_share;
    long hot_parts[3];
    double hot_parts_share[3];
    double node_load[MAXNODES];
    struct rack_cost chosen, aware, unaware;
    int routes[SHARD_MAXQ];
};

static void measure(const struct cfg *c, const struct rec *r, struct layout *l, struct measure *m)
{
    memset(m, 0, sizeof(*m));
    long start = (long)((double)c->records * (1 - c->window)), win = c->records - start;
    long *part_now = xcalloc((size_t)l->nparts, sizeof(long)), *part_all = xcalloc((size_t)l->nparts, sizeof(long));
    for (long i = 0; i < c->records; i++) {
        long p = part_of(l, &r[i]);
        part_all[p]++;
        if (i >= start) {
            part_now[p]++;
            m->node_load[node_of_part(l, p)] += 1.0 / (double)win;
        }
    }
    double mx = 0;
    for (long k = 0; k < c->nodes; k++)
        mx = m->node_load[k] > mx ? m->node_load[k] : mx;
    m->load_max_mean = mx * (double)c->nodes;
    for (int t = 0; t < 3; t++) {
        long best = -1;
        for (long p = 0; p < l->nparts; p++)
            if ((t < 1 || p != m->hot_parts[0]) && (t < 2 || p != m->hot_parts[1]) &&
                (best < 0 || part_now[p] > part_now[best]))
                best = p;
        m->hot_parts[t] = best;
        m->hot_parts_share[t] = (double)part_now[best] / (double)win;
    }
    m->hot_part_share = m->hot_parts_share[0];
    /* the hottest single key value in the window (a celebrity, a huge tenant) */
    uint64_t *keys = xmalloc(sizeof(uint64_t) * (size_t)win);
    for (long i = 0; i < win; i++)
        keys[i] = r[start + i].hash;
    qsort(keys, (size_t)win, sizeof(uint64_t), cmp_u64);
    long run = 1, best_run = 1;
    for (long i = 1; i < win; i++) {
        run = keys[i] == keys[i - 1] ? run + 1 : 1;
        best_run = run > best_run ? run : best_run;
    }
    m->hot_key_share = (double)best_run / (double)win;
    free(keys);
    m->moved_add = moved_share(c, r, c->nodes + 1);
    m->moved_remove = moved_share(c, r, c->nodes - 1);
    struct cfg cc = *c;
    m->aware = rack_loss(&cc, l, part_all, true);
    m->unaware = rack_loss(&cc, l, part_all, false);
    m->chosen = c->rack_aware ? m->aware : m->unaware;
    double total = 0;
    for (int q = 0; q < c->card.nq; q++)
        total += c->card.q[q].share;
    for (int q = 0; q < c->card.nq; q++) {
        m->routes[q] = route(c, &c->card.q[q]);
        if (m->routes[q] == 3)
            m->scatter_share += c->card.q[q].share / total;
    }
    free(part_now);
    free(part_all);
}

static void key_text(const struct cfg *c, struct buf *b)
{
    for (int i = 0; i < c->nkey; i++) {
        const struct shard_field *f = &c->card.f[c->key[i]];
        buf_printf(b, "%s%s (", i ? " + " : "", f->name);
        if (f->dist == SHARD_MONOTONIC)
            buf_puts(b, "monotonic");
        else if (f->dist == SHARD_UNIFORM)
            buf_printf(b, "uniform over %ld", f->n);
        else
            buf_printf(b, "%s %.2f over %ld", f->dist == SHARD_ZIPF ? "zipf" : "pareto", f->s, f->n);
        buf_putc(b, ')');
    }
}

static void write_memo(struct kata_ctx *ctx, const struct cfg *c, const struct layout *l, const struct measure *m)
{
    struct buf *b = &ctx->text, key;
    buf_init(&key);
    key_text(c, &key);
    long q = c->rf / 2 + 1;
    double ideal = 1.0 / (double)(c->nodes + 1);
    buf_printf(b, "# Sharding memo: %s\n\n", c->card.title);
    buf_printf(b, "Workload card `%s`; measured by `dkata run shard --seed %llu` over %ld records (the last %.0f%% "
                  "as the current traffic).\n\n",
               c->card.name, (unsigned long long)ctx->seed, c->records, c->window * 100);
    buf_printf(b, "- **Partition key:** %s\n", key.data);
    buf_printf(b, "- **Scheme:** %s; %ld nodes, %ld partitions%s\n", scheme_long[c->scheme], c->nodes, l->nparts,
               c->scheme == S_CONSISTENT ? " (virtual nodes on the ring)" : "");
    buf_printf(b, "- **Replication factor:** %ld, %s over %ld racks\n", c->rf,
               c->rack_aware ? "rack-aware" : "NOT rack-aware", c->racks);
    buf_printf(b, "- **Consistency target:** quorum writes and reads, W=%ld R=%ld of N=%ld (R+W>N: a read sees the "
                  "latest acknowledged write); single-partition transactions only\n",
               q, q, c->rf);
    buf_printf(b, "- **Hotspot risk:** busiest node carries %.2fx the mean load; hottest partition %.1f%% of "
                  "traffic; hottest single key %.1f%% (%s)\n",
               m->load_max_mean, m->hot_part_share * 100, m->hot_key_share * 100,
               m->load_max_mean > c->max_skew ? "OVER the limit: split the hot key or change the key"
               : m->hot_key_share > 1.0 / (double)c->nodes ? "one key outweighs a node: salt it"
                                                           : "within the limit");
    buf_printf(b, "- **Rebalancing plan:** adding a node moves %.1f%% of keys (the minimum is %.1f%%), removing one "
                  "moves %.1f%%; %s\n",
               m->moved_add * 100, ideal * 100, m->moved_remove * 100,
               c->scheme == S_HASH ? "hash mod N reshuffles nearly everything: use fixed partitions or a ring"
               : c->scheme == S_CONSISTENT ? "new vnodes take ranges from every node"
                                           : "whole partitions move, throttled, one at a time");
    buf_printf(b, "- **Failure-domain analysis:** losing the worst rack leaves %.1f%% of data without a quorum and "
                  "%.1f%% without any replica; %.1f%% of replicas must be copied again. Rack-aware placement: "
                  "%.1f%% / %.1f%%; rack-unaware: %.1f%% / %.1f%%\n",
               m->chosen.no_quorum * 100, m->chosen.unavailable * 100, m->chosen.rereplicate * 100,
               m->aware.no_quorum * 100, m->aware.unavailable * 100, m->unaware.no_quorum * 100,
               m->unaware.unavailable * 100);
    buf_puts(b, "- **Slow queries:**\n");
    int slow = 0;
    for (int i = 0; i < c->card.nq; i++)
        if (m->routes[i] == 3) {
            char rb[160];
            buf_printf(b, "  - `%s` (%.0f%% of queries) scatters to all %ld nodes. Remedy: %s\n", c->card.q[i].name,
                       c->card.q[i].share, c->nodes, remedy(c, &c->card.q[i], rb, sizeof(rb)));
            slow++;
        }
    if (!slow)
        buf_puts(b, "  - none scatters to every shard under this key\n");
    const char *first = m->chosen.no_quorum > 0          ? "losing a rack: some partitions lose their quorum"
                        : m->load_max_mean > c->max_skew ? "the hottest node, under its hot partition"
                        : m->scatter_share > 0.3         ? "the scatter-gather queries, as nodes are added"
                        : m->moved_add > c->move_factor * ideal ? "the next expansion, which moves most keys"
                                                                : "the hottest key as it grows";
    buf_printf(b, "\n**What breaks first:** %s.\n", first);
    buf_close(&key);
}

static void write_table(struct kata_ctx *ctx, const struct cfg *c, const struct layout *l, const struct measure *m)
{
    struct buf *b = &ctx->text, key;
    buf_init(&key);
    key_text(c, &key);
    buf_printf(b, "shard: card %s (%s)\nkey %s, %s, %ld nodes in %ld racks, rf %ld%s, %ld partitions, %ld records\n\n",
               c->card.name, c->card.title, key.data, scheme_names[c->scheme], c->nodes, c->racks, c->rf,
               c->rack_aware ? " rack-aware" : " rack-unaware", l->nparts, c->records);
    buf_printf(b, "load per node (share of the current traffic):\n");
    for (long k = 0; k < c->nodes; k++)
        buf_printf(b, "  node %-3ld rack %d  %5.1f%%\n", k, rack_of(c, (int)k), m->node_load[k] * 100);
    buf_printf(b, "  max/mean %.2f; hottest partitions:", m->load_max_mean);
    for (int t = 0; t < 3; t++)
        buf_printf(b, " p%ld %.1f%%", m->hot_parts[t], m->hot_parts_share[t] * 100);
    buf_printf(b, "; hottest key %.1f%%\n\n", m->hot_key_share * 100);
    buf_printf(b, "keys moved: adding a node %.1f%% (minimum %.1f%%), removing one %.1f%%\n", m->moved_add * 100,
               100.0 / (double)(c->nodes + 1), m->moved_remove * 100);
    buf_printf(b, "losing the worst rack:       no quorum   no replica   re-copy\n"
                  "  rack-aware placement      %8.1f%%   %9.1f%%   %6.1f%%\n"
                  "  rack-unaware placement    %8.1f%%   %9.1f%%   %6.1f%%\n\n",
               m->aware.no_quorum * 100, m->aware.unavailable * 100, m->aware.rereplicate * 100,
               m->unaware.no_quorum * 100, m->unaware.unavailable * 100, m->unaware.rereplicate * 100);
    buf_printf(b, "queries:\n");
    for (int i = 0; i < c->card.nq; i++) {
        char rb[160];
        int rt = m->routes[i];
        buf_printf(b, "  %-22s %5.1f%%  %-14s%s%s\n", c->card.q[i].name, c->card.q[i].share,
                   rt == 1 ? "one shard" : rt == 2 ? "a few shards" : "EVERY shard", rt == 3 ? " remedy: " : "",
                   rt == 3 ? remedy(c, &c->card.q[i], rb, sizeof(rb)) : "");
    }
    buf_close(&key);
}

static void draw(struct buf *svg, const struct cfg *c, const struct layout *l, const struct measure *m)
{
    int w = 120 + (int)c->nodes * 110, h = 380;
    char t[160];
    svg_begin(svg, w, h, "shard: partitions, replicas, routing tier");
    svg_rect(svg, 40, 20, w - 80, 40, "#dde7f3", "routing tier: key -> partition -> node");
    snprintf(t, sizeof(t), "routing tier (%s, key %s%s%s)", scheme_names[c->scheme], c->card.f[c->key[0]].name,
             c->nkey > 1 ? "+" : "", c->nkey > 1 ? c->card.f[c->key[1]].name : "");
    svg_text(svg, w / 2.0, 45, 13, "middle", "#000", t);
    for (long k = 0; k < c->nodes; k++) {
        double x = 60 + (double)k * 110, y = 110;
        static const char *const rack_col[] = {"#f3e0d0", "#d8f0d8", "#e0e0f8", "#f8f0c8", "#f0d8f0", "#d0f0f0"};
        svg_rect(svg, x - 5, y - 20, 100, 250, rack_col[rack_of(c, (int)k) % 6], "rack");
        svg_arrow(svg, w / 2.0, 60, x + 45, y - 20, "#888");
        snprintf(t, sizeof(t), "node %ld (rack %d)", k, rack_of(c, (int)k));
        svg_text(svg, x + 45, y - 5, 11, "middle", "#000", t);
        double bar = m->node_load[k] * 150 * (double)c->nodes / 2;
        snprintf(t, sizeof(t), "node %ld: %.1f%% of current traffic", k, m->node_load[k] * 100);
        svg_rect(svg, x + 10, y + 200 - (bar > 190 ? 190 : bar), 30, bar > 190 ? 190 : bar,
                 m->node_load[k] * (double)c->nodes > c->max_skew ? "#d62728" : "#1f77b4", t);
        /* the node's first partitions as small squares: primary (dark) and replica (light) */
        int shown = 0;
        for (long p = 0; p < l->nparts && shown < 24; p++) {
            int rep[MAXNODES], n = replicas(c, l, p, c->rack_aware, rep);
            for (int i = 0; i < n; i++)
                if (rep[i] == k) {
                    snprintf(t, sizeof(t), "partition %ld, %s", p, i ? "replica" : "primary");
                    svg_rect(svg, x + 50 + (shown % 3) * 13, y + 10 + (shown / 3) * 13, 11, 11,
                             i ? "#9ecae1" : "#08519c", t);
                    shown++;
                }
        }
    }
    svg_text(svg, 40, h - 15, 11, "start", "#333",
             "bars: load per node (red over max_skew); squares: partitions held (dark primary, light replica); "
             "background: rack");
    svg_end(svg);
}

static int shard_run(struct kata_ctx *ctx)
{
    struct cfg c;
    if (!read_cfg(ctx, &c))
        return -1;
    struct rec *r = draw_records(&c, ctx->seed);
    struct layout l;
    layout_build(&l, &c, c.nodes, r);
    struct measure m;
    measure(&c, r, &l, &m);
    if (!ctx->quiet) {
        if (c.memo)
            write_memo(ctx, &c, &l, &m);
        else
            write_table(ctx, &c, &l, &m);
    }
    if (ctx->svg)
        draw(ctx->svg, &c, &l, &m);
    double ideal = 1.0 / (double)(c.nodes + 1);
    kata_check(ctx, "balanced", m.load_max_mean <= c.max_skew,
               "busiest node carries %.2fx the mean load of the current traffic (limit max_skew %.2f)",
               m.load_max_mean, c.max_skew);
    kata_check(ctx, "cheap-rebalance", m.moved_add <= c.move_factor * ideal,
               "adding a node moves %.1f%% of keys (limit %.1fx the minimum %.1f%%)", m.moved_add * 100,
               c.move_factor, ideal * 100);
    kata_check(ctx, "rack-loss-keeps-quorum", m.chosen.no_quorum == 0,
               "losing the worst rack leaves %.1f%% of data without a quorum of its %ld replicas",
               m.chosen.no_quorum * 100, c.rf);
    kata_figure(ctx, "load_max_over_mean", m.load_max_mean);
    kata_figure(ctx, "hottest_partition_share", m.hot_part_share);
    kata_figure(ctx, "hottest_key_share", m.hot_key_share);
    kata_figure(ctx, "moved_on_add", m.moved_add);
    kata_figure(ctx, "moved_on_remove", m.moved_remove);
    kata_figure(ctx, "rack_loss_no_quorum", m.chosen.no_quorum);
    kata_figure(ctx, "rack_loss_no_quorum_aware", m.aware.no_quorum);
    kata_figure(ctx, "rack_loss_no_quorum_unaware", m.unaware.no_quorum);
    kata_figure(ctx, "rack_loss_recopy", m.chosen.rereplicate);
    kata_figure(ctx, "scatter_query_share", m.scatter_share);
    layout_close(&l);
    free(r);
    return 0;
}

static const struct kata_param params[] = {
    {"card", "social-feed", "workload card: social-feed, saas, iot, shop, chat, or a card file (docs/katas/shard.md)"},
    {"key", "auto", "partition key: FIELD or FIELD+FIELD of the card; auto: the field the most frequent query fixes"},
    {"scheme", "consistent", "range | hash (mod N) | consistent (ring, vnodes) | fixed (partitions moved between "
                             "nodes) | composite (hash of the first field and a bucket of the second)"},
    {"nodes", "6", "storage nodes"},
    {"racks", "3", "racks (failure domains); nodes fill them in order"},
    {"rf", "3", "replication factor"},
    {"rack_aware", "yes", "yes: replicas on distinct racks while racks remain; no: the next nodes"},
    {"vnodes", "64", "consistent: virtual nodes per node"},
    {"partitions", "64", "range, fixed, composite: number of partitions"},
    {"records", "20000", "records drawn from the card"},
    {"window", "0.1", "share of the newest records taken as the current traffic"},
    {"max_skew", "2", "check balanced: the busiest node's load over the mean must not exceed this"},
    {"move_factor", "2", "check cheap-rebalance: keys moved on adding a node, at most this times the minimum"},
    {"memo", "no", "yes: write the drill's one-page memo instead of the table (dkata run shard --memo)"},
};

static const struct kata_bug bugs[] = {
    {"rack-unaware", "replicas on the next nodes, whatever their rack"},
    {"mod-n", "hash mod N: adding a node reshuffles nearly every key"},
    {"time-key", "range partitions on the card's monotonic time field: every new write hits the last partition"},
};

const struct kata kata_shard = {
    .name = "shard",
    .summary = "sharding design for a workload card: load, rebalancing, rack loss, slow queries, the memo",
    .drill = "000, Kata 3: Design a Sharding Scheme for a Workload",
    .time_limit = "45 minutes",
    .repeat_until = "you can produce a credible sharding memo for an unfamiliar workload in under 30 minutes, "
                    "including the slow-query identification",
    .what = "Choose a partition key, a scheme, a replication factor and rack placement for a workload card; dkata "
            "measures hot spots, rebalancing cost, what losing a rack costs, and which queries scatter.",
    .reading = "Load per node is over the newest records (the current traffic): a monotonic key under range "
               "partitioning shows as one hot node. 'EVERY shard' queries are the slow ones, with the remedy.",
    .params = params,
    .nparams = (int)(sizeof(params) / sizeof(params[0])),
    .bugs = bugs,
    .nbugs = (int)(sizeof(bugs) / sizeof(bugs[0])),
    .run = shard_run,
    .picture = true,
};
