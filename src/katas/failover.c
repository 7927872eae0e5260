/* Kata `failover`: a single-leader failover (module 000, Kata 1, "Simulate a Single-Leader Failover").
 * "Start writes at 1000 TPS to the primary. At t=10s, kill -9 the primary. Record: how long until the failure was
 * detected? Which replica had the higher LSN at kill time? If you promote that replica, how many writes are lost?"
 * A primary with a write-ahead log streams it to two replicas, each with its own delay distribution; a coordinator
 * detects the kill by missed heartbeats, fences the replicas with a new term, promotes the one with the higher
 * LSN and repoints the other one and the client. Lost acknowledged writes and the fencing proof are judged from
 * the recorded history by src/check/lostwrites.c, never by the kata's own counters. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/lostwrites.h"
#include "core/fault.h"
#include "core/sim.h"
#include "core/units.h"
#include "katas/kata.h"
#include "report/svg.h"

#define MS NS_PER_MS
#define NDB 3        /* the primary and two replicas: node ids 0, 1, 2 */
#define BATCH 256    /* WAL records per catch-up message */
#define MAXROWS 2000 /* table rows kept (a row per second and per event) */
#define MAXTERMS 64

#define NETCD 3 /* the coordination service's nodes (lease fencing) */
/* node ids: the databases, the coordinator, the clients, etcd, and each database's storage (token fencing: the
 * disk outlives a kill -9 of the database process, and checks the fencing token before writing) */
enum { COORD = NDB, CLIENT, STALE, ETCD0, STORE0 = ETCD0 + NETCD, NNODES = STORE0 + NDB };
enum mode { ASYNC, SEMI_SYNC, SYNC };
enum fencing { F_NONE, F_LEASE, F_TOKEN };
static const char *const mode_names[] = {"async", "semi-sync", "sync", NULL};
static const char *const fencing_names[] = {"none", "lease", "token", NULL};
static const char *const node_names[NNODES] = {"primary", "replica1", "replica2", "coordinator", "client",
                                               "stale-client", "etcd1", "etcd2", "etcd3", "primary.disk",
                                               "replica1.disk", "replica2.disk"};

extern const struct kata kata_failover;

enum { T_TICK = 1, T_SEND, T_WRITE, T_DECIDE };
enum {
    M_WRITE = 1, /* client -> primary: a write */
    M_ACK,       /* primary -> client: committed (per the mode) */
    M_REJECT,    /* primary -> client: not a primary (read-only) or fenced */
    M_WAL,       /* primary -> replica: wal_hdr + records */
    M_FEEDBACK,  /* replica -> upstream: applied and received LSNs */
    M_HEARTBEAT, /* primary -> coordinator */
    M_QUERY,     /* coordinator -> replica: fence at a new term and report your LSN */
    M_ANSWER,    /* replica -> coordinator */
    M_PROMOTE,   /* coordinator -> chosen replica */
    M_CONFIG,    /* coordinator -> replicas and client: who the primary is */
    M_RENEW,     /* primary or coordinator -> etcd: take or renew the lock for term (a: sent at) */
    M_RENEWED,   /* etcd -> sender: term, a: sent at, b: granted */
    M_STORE,     /* primary -> its disk: write with token term (a: hist, b: id, c: client) */
    M_STORED,    /* disk -> primary: term, a: hist, b: lsn (0: refused, older token), c: client */
    M_FENCE,     /* coordinator -> a disk: refuse tokens older than term */
    M_FENCED,    /* disk -> coordinator */
};

/* Small messages; field meaning per type. */
struct fmsg {
    int64_t term;
    int64_t a, b, c;
};

struct wal_hdr {
    int64_t term;
    uint64_t prev_lsn;
    int64_t prev_term;
    uint32_t n;
    uint32_t pad;
};

struct wrec {
    int64_t term;
    uint64_t id;
};

struct rec {
    int64_t term;
    uint64_t id;
    sim_time due[NDB]; /* as a primary: when the record leaves for each standby (volatile) */
    sim_time at;       /* when it was written */
};

struct pend {
    uint64_t lsn;
    int client;
    uint32_t hist;
};

struct db {
    /* durable */
    struct rec *log; /* LSN l is log[l-1] */
    size_t len, cap;
    int64_t term;
    bool primary;
    int upstream;
    uint32_t followers; /* as a primary: bitmask of db ids streaming from it */
    uint64_t catchup_lsn; /* as a primary: its LSN at promotion; a standby is in sync once it has that much */
    /* volatile */
    bool send_timer[NDB];
    sim_time last_due[NDB];
    uint64_t next[NDB], fb_len[NDB], fb_recv[NDB], recv_at_tick[NDB];
    struct pend *pend;
    size_t pend_head, npend, pend_cap;
    sim_time lease_until, renew_sent; /* lease fencing: accept writes only before lease_until */
    uint32_t renew_ok;
};

struct client {
    int target;
    int64_t term;
    uint64_t seq;
    sim_time interval;
    bool follows_config;
};

struct coord {
    int64_t term;
    int primary;
    uint32_t deposed;
    sim_time last_hb, promoted_at;
    bool failing;
    int64_t cand_term;
    uint32_t answered;
    uint64_t ans_len[NDB];
    int64_t ans_last[NDB];
    bool locked;           /* lease: the lock for cand_term is ours */
    sim_time lock_sent;    /* lease: when the winning acquire was sent */
    uint32_t lock_ok;      /* lease: etcd nodes that granted it */
    uint32_t lock_any;     /* lease: etcd nodes that granted any attempt of this failover */
    uint32_t fenced;       /* token: disks that refuse tokens older than cand_term */
};

struct lock {
    int64_t holder;
    sim_time expires;
};

/* What the checkers and the summary read about each promotion. */
struct promo {
    int64_t term;
    int node, old;
    sim_time detected_at, at;
    uint32_t answered;
    uint64_t len[NDB];
    int standby; /* the old primary's synchronous standby (semi-sync), -1 none */
    int64_t old_term;
};

/* The picture's samples: each database's LSN and whether it is up. */
struct sample {
    sim_time at;
    uint64_t len[NDB];
    int64_t lag[NDB]; /* records behind the coordinator's primary; -1 for the primary and deposed ones */
    bool up[NDB];
};

struct row {
    sim_time at;
    char leader[40];
    char lsn[NDB][24];
    uint64_t accepted;
    char client[64];
    char event[96];
};

struct world {
    enum mode mode;
    enum fencing fencing;
    sim_time heartbeat, timeout, promote_wait, lease_ttl;
    struct dist delay[NDB];
    bool bug_async_ack, bug_promote_lower, bug_no_fence, bug_ignore_fencing;
    struct lock etcd[NETCD];
    int64_t max_token[NDB]; /* per disk: the highest fencing token seen */
    struct db db[NDB];
    struct client cl[2];
    struct coord co;
    /* the history */
    struct lw_write *writes;
    size_t nwrites, writes_cap;
    struct lw_accept *acc;
    size_t nacc, acc_cap;
    struct lw_term *terms;
    size_t nterms, terms_cap;
    struct promo promos[16];
    uint32_t insync[MAXTERMS]; /* per term: the standbys that had caught up with their primary */
    int npromos;
    sim_time *acks; /* main client's ack times, ascending */
    size_t nacks, acks_cap;
    /* the scenario */
    sim_time kill_at, killed_at;
    uint64_t lsn_at_kill[NDB];
    bool record;
    const char *pfx; /* check and figure names start with it (compare: the variant) */
    struct row *rows;
    size_t nrows, rows_cap;
    struct sample *samples;
    size_t nsamples, samples_cap;
    struct kata_ctx *ctx;
};

static const char *name(int n)
{
    return n >= 0 && n < NNODES ? node_names[n] : "none";
}

static void send_f(struct sim *s, int from, int to, int type, int64_t term, int64_t a, int64_t b, int64_t c)
{
    struct fmsg m = {term, a, b, c};
    net_send(s, from, to, type, &m, sizeof(m));
}

static int64_t last_term(const struct db *d)
{
    return d->len ? d->log[d->len - 1].term : 0;
}

static const char *status(const struct sim *s, int n)
{
    return s->nodes[n].state == SIM_CRASHED ? " (down)" : s->nodes[n].state == SIM_PAUSED ? " (paused)" : "";
}

static uint64_t acks_since(const struct world *w, sim_time from)
{
    size_t lo = 0, hi = w->nacks;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (w->acks[mid] <= from)
            lo = mid + 1;
        else
            hi = mid;
    }
    return w->nacks - lo;
}

/* One row of the drill's table: (time, leader, replica1.LSN, replica2.LSN, writes_accepted,
 * client_visible_state), plus the primary's own LSN and what happened. */
static void row(struct sim *s, struct world *w, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void row(struct sim *s, struct world *w, const char *fmt, ...)
{
    if (!w->record || w->nrows >= MAXROWS)
        return;
    XGROW(w->rows, w->rows_cap, w->nrows + 1);
    struct row *r = &w->rows[w->nrows++];
    memset(r, 0, sizeof(*r));
    r->at = s->now;
    int p = w->co.primary;
    int n = 0;
    if (w->co.failing)
        n = snprintf(r->leader, sizeof(r->leader), "none (failing over)");
    else
        n = snprintf(r->leader, sizeof(r->leader), "%s%s", name(p), status(s, p));
    for (int d = 0; d < NDB && n < (int)sizeof(r->leader); d++)
        if (((w->co.deposed >> d) & 1) && w->db[d].primary && sim_is_up(s, d))
            n += snprintf(r->leader + n, sizeof(r->leader) - (size_t)n, " + old %s%s", name(d),
                          w->fencing == F_NONE ? "" : " (fenced)");
    for (int d = 0; d < NDB; d++)
        snprintf(r->lsn[d], sizeof(r->lsn[d]), "%llu%s", (unsigned long long)w->db[d].len, status(s, d));
    r->accepted = w->nacc;
    uint64_t ok = acks_since(w, s->now - NS_PER_S);
    if (s->now == 0)
        snprintf(r->client, sizeof(r->client), "-");
    else if (ok)
        snprintf(r->client, sizeof(r->client), "ok: %llu acks in the last 1s", (unsigned long long)ok);
    else
        snprintf(r->client, sizeof(r->client), "writes hang: no ack for 1s");
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->event, sizeof(r->event), fmt, ap);
        va_end(ap);
    }
}

/* ---- the primary ---- */

/* Sends standby f the records from next[f] that are due (at most BATCH); with probe, even none (the header
 * alone lets the standby check where its log and ours part). */
static void send_batch(struct sim *s, struct world *w, int p, int f, bool probe)
{
    struct db *d = &w->db[p];
    uint64_t from = d->next[f];
    if (from < 1)
        from = 1;
    if (from > d->len + 1)
        from = d->len + 1;
    uint64_t n = 0;
    while (n < BATCH && from + n <= d->len && d->log[from - 1 + n].due[f] <= s->now)
        n++;
    if (n == 0 && !probe)
        return;
    unsigned char buf[sizeof(struct wal_hdr) + BATCH * sizeof(struct wrec)];
    struct wal_hdr h = {d->term, from - 1, from > 1 ? d->log[from - 2].term : 0, (uint32_t)n, 0};
    memcpy(buf, &h, sizeof(h));
    for (uint64_t i = 0; i < n; i++) {
        struct wrec r = {d->log[from - 1 + i].term, d->log[from - 1 + i].id};
        memcpy(buf + sizeof(h) + i * sizeof(r), &r, sizeof(r));
    }
    d->next[f] = from + n;
    net_send(s, p, f, M_WAL, buf, (uint32_t)(sizeof(h) + n * sizeof(struct wrec)));
}

/* The stream's delay: record l leaves for standby f at max(due of l-1, accepted + a draw from f's delay), in
 * order. What has not left when the primary is killed never arrives: that is async's data-loss window. */
static void arm_send(struct sim *s, struct world *w, int p, int f)
{
    struct db *d = &w->db[p];
    if (d->send_timer[f] || d->next[f] < 1 || d->next[f] > d->len)
        return;
    sim_time due = d->log[d->next[f] - 1].due[f];
    if (due == INT64_MAX)
        return; /* on its disk, not yet handed back (token): committing() arms the stream */
    d->send_timer[f] = true;
    sim_timer(s, p, due > s->now ? due - s->now : 0, T_SEND, (uint64_t)f);
}

static void on_send(struct sim *s, struct world *w, int p, int f)
{
    struct db *d = &w->db[p];
    d->send_timer[f] = false;
    if (!d->primary || !((d->followers >> f) & 1))
        return;
    send_batch(s, w, p, f, false);
    arm_send(s, w, p, f);
}

static int sync_standby(const struct db *d)
{
    for (int f = 0; f < NDB; f++)
        if ((d->followers >> f) & 1)
            return f;
    return -1;
}

/* Is the record at lsn committed under the mode? async: at once; semi-sync: the synchronous standby (as
 * synchronous_standby_names = 'replica1') has it durably; sync: every standby has. */
static bool committed(const struct world *w, const struct db *d, uint64_t lsn)
{
    if (w->mode == ASYNC || w->bug_async_ack)
        return true;
    if (w->mode == SEMI_SYNC) {
        int sb = sync_standby(d);
        return sb < 0 || d->fb_len[sb] >= lsn;
    }
    for (int f = 0; f < NDB; f++)
        if (((d->followers >> f) & 1) && d->fb_len[f] < lsn)
            return false;
    return true;
}

static void release(struct sim *s, struct world *w, int p)
{
    struct db *d = &w->db[p];
    while (d->pend_head < d->npend && committed(w, d, d->pend[d->pend_head].lsn)) {
        const struct pend *q = &d->pend[d->pend_head++];
        send_f(s, p, q->client, M_ACK, d->term, q->hist, (int64_t)q->lsn, 0);
    }
    if (d->pend_head == d->npend)
        d->pend_head = d->npend = 0;
}

/* The write lands in database p's log (the history's "accepted"); returns its LSN. */
static uint64_t append(struct sim *s, struct world *w, int p, int64_t term, uint64_t id)
{
    struct db *d = &w->db[p];
    XGROW(d->log, d->cap, d->len + 1);
    d->log[d->len++] = (struct rec){term, id, {INT64_MAX, INT64_MAX, INT64_MAX}, s->now};
    XGROW(w->acc, w->acc_cap, w->nacc + 1);
    w->acc[w->nacc++] = (struct lw_accept){id, p, term, s->now};
    trace_event(s->trace, s->now, p, "accept", "\"id\":%llu,\"lsn\":%zu,\"term\":%lld", (unsigned long long)id,
                d->len, (long long)term);
    return d->len;
}

static void committing(struct sim *s, struct world *w, int p, uint64_t lsn, int client, uint32_t hist);

/* lease: a primary takes a write only while its lease is valid (the lock was renewed by a quorum less than a TTL
 * ago); token: the write goes to the disk with the primary's token, and the disk refuses older tokens. */
static void on_write(struct sim *s, struct world *w, int p, int client, uint32_t hist, uint64_t id)
{
    struct db *d = &w->db[p];
    bool lease_ok = w->fencing != F_LEASE || s->now < d->lease_until || w->bug_ignore_fencing;
    if (!d->primary || !lease_ok) {
        send_f(s, p, client, M_REJECT, d->term, hist, 0, 0);
        return;
    }
    if (w->fencing == F_TOKEN) {
        send_f(s, p, STORE0 + p, M_STORE, d->term, hist, (int64_t)id, client);
        return;
    }
    committing(s, w, p, append(s, w, p, d->term, id), client, hist);
}

static void committing(struct sim *s, struct world *w, int p, uint64_t lsn, int client, uint32_t hist)
{
    struct db *d = &w->db[p];
    for (int f = 0; f < NDB; f++)
        if ((d->followers >> f) & 1) {
            sim_time due = s->now + dist_sample(&w->delay[f], sim_rng(s, p));
            d->log[lsn - 1].due[f] = due = due < d->last_due[f] ? d->last_due[f] : due;
            d->last_due[f] = due;
            arm_send(s, w, p, f);
        }
    XGROW(d->pend, d->pend_cap, d->npend + 1);
    d->pend[d->npend++] = (struct pend){lsn, client, hist};
    release(s, w, p);
}

/* A database's disk (token fencing): writes with the highest token seen so far, refuses older ones. */
static void disk_message(struct sim *s, struct world *w, int self, const struct sim_msg *m)
{
    int k = self - STORE0;
    struct fmsg f;
    memcpy(&f, m->data, sizeof(f));
    if (m->type == M_STORE) {
        bool ok = f.term >= w->max_token[k] || w->bug_ignore_fencing;
        if (ok && f.term > w->max_token[k])
            w->max_token[k] = f.term;
        uint64_t lsn = ok ? append(s, w, k, f.term, (uint64_t)f.b) : 0;
        send_f(s, self, k, M_STORED, f.term, f.a, (int64_t)lsn, f.c);
    } else if (m->type == M_FENCE) {
        if (f.term > w->max_token[k])
            w->max_token[k] = f.term;
        send_f(s, self, m->from, M_FENCED, f.term, 0, 0, 0);
    }
}

/* etcd, one node of three: the lock for a term is granted to its holder, or to a later term once it expired. */
static void etcd_message(struct sim *s, struct world *w, int self, const struct sim_msg *m)
{
    struct lock *l = &w->etcd[self - ETCD0];
    struct fmsg f;
    memcpy(&f, m->data, sizeof(f));
    if (m->type != M_RENEW)
        return;
    bool ok = f.term == l->holder || (f.term > l->holder && s->now >= l->expires);
    if (ok) {
        l->holder = f.term;
        l->expires = s->now + w->lease_ttl;
    }
    send_f(s, self, m->from, M_RENEWED, f.term, f.a, ok, 0);
}

static void send_renew(struct sim *s, int from, int64_t term)
{
    for (int e = 0; e < NETCD; e++)
        send_f(s, from, ETCD0 + e, M_RENEW, term, s->now, 0, 0);
}

static void on_feedback(struct sim *s, struct world *w, int p, int f, const struct fmsg *m)
{
    struct db *d = &w->db[p];
    if (!d->primary || m->term != d->term || f >= NDB || !((d->followers >> f) & 1))
        return;
    d->fb_len[f] = (uint64_t)m->a;
    d->fb_recv[f] = (uint64_t)m->b;
    uint32_t *in = &w->insync[d->term < MAXTERMS ? d->term : MAXTERMS - 1];
    if (d->fb_len[f] >= d->catchup_lsn && !((*in >> f) & 1)) {
        *in |= 1u << f;
        if (d->term > 1)
            row(s, w, "%s has caught up with %s%s", name(f), name(p),
                w->mode == ASYNC ? "" : ": a synchronous standby from now on");
    }
    if (m->c) {
        /* the standby says where to resume (a gap, a restart, a repoint, a rewind): probe from there */
        d->next[f] = (d->fb_recv[f] < d->len ? d->fb_recv[f] : d->len) + 1;
        send_batch(s, w, p, f, true);
    } else if (d->next[f] <= d->len && d->fb_recv[f] + 1 >= d->next[f]) {
        send_batch(s, w, p, f, false); /* catching up: it has all we sent, send the next batch */
    }
    arm_send(s, w, p, f);
    release(s, w, p);
}

/* token: a record the disk wrote whose hand-back to the primary was lost (a partition, a crash) is streamed
 * anyway from written_before on; its client never hears back, so it is an indeterminate write. */
static void release_orphans(struct sim *s, struct db *d, sim_time written_before, bool whole_log)
{
    uint64_t from = whole_log ? 0 : d->len; /* else only what no stream has passed yet */
    for (int f = 0; f < NDB; f++)
        if (((d->followers >> f) & 1) && d->next[f] >= 1 && d->next[f] - 1 < from)
            from = d->next[f] - 1;
    for (size_t l = from; l < d->len; l++)
        for (int f = 0; f < NDB; f++)
            if (d->log[l].due[f] == INT64_MAX && d->log[l].at < written_before)
                d->log[l].due[f] = s->now;
}

static void primary_tick(struct sim *s, struct world *w, int p)
{
    struct db *d = &w->db[p];
    if (w->fencing == F_TOKEN)
        release_orphans(s, d, s->now - w->heartbeat, false);
    if (w->fencing == F_LEASE) {
        d->renew_sent = s->now;
        d->renew_ok = 0;
        send_renew(s, p, d->term);
    }
    /* with a lease, the lease is the sign of life: a primary that lost it goes quiet and gets replaced */
    if (w->fencing != F_LEASE || s->now < d->lease_until)
        send_f(s, p, COORD, M_HEARTBEAT, d->term, 0, 0, 0);
    /* A stream that made no progress for a whole tick lost a message: resend from what the standby has. */
    for (int f = 0; f < NDB; f++) {
        if (!((d->followers >> f) & 1))
            continue;
        if (d->fb_recv[f] == d->recv_at_tick[f] && d->fb_recv[f] < d->len) {
            d->next[f] = d->fb_recv[f] + 1;
            send_batch(s, w, p, f, true);
            arm_send(s, w, p, f);
        }
        d->recv_at_tick[f] = d->fb_recv[f];
    }
}

static void become_primary(struct sim *s, struct world *w, int p, int64_t term, uint32_t followers,
                           sim_time lease_from)
{
    struct db *d = &w->db[p];
    d->primary = true;
    d->lease_until = lease_from + w->lease_ttl;
    d->term = term;
    d->followers = followers & ~(1u << p);
    d->catchup_lsn = d->len;
    d->npend = d->pend_head = 0;
    for (int f = 0; f < NDB; f++) {
        d->last_due[f] = 0;
        d->next[f] = d->len + 1;
        d->fb_len[f] = 0;
        d->fb_recv[f] = d->recv_at_tick[f] = d->len;
    }
    XGROW(w->terms, w->terms_cap, w->nterms + 1);
    w->terms[w->nterms++] = (struct lw_term){term, p, s->now};
    trace_event(s->trace, s->now, p, "promoted", "\"term\":%lld,\"lsn\":%llu", (long long)term,
                (unsigned long long)d->len);
}

/* ---- a replica ---- */

static void feedback(struct sim *s, struct world *w, int r, bool reject)
{
    struct db *d = &w->db[r];
    if (d->upstream >= 0)
        send_f(s, r, d->upstream, M_FEEDBACK, d->term, (int64_t)d->len, (int64_t)d->len, reject);
}

static void truncate_to(struct db *d, uint64_t len)
{
    if (len < d->len)
        d->len = len;
}

static void on_wal(struct sim *s, struct world *w, int r, int from, const struct sim_msg *m)
{
    struct db *d = &w->db[r];
    struct wal_hdr h;
    if (m->len < sizeof(h))
        return;
    memcpy(&h, m->data, sizeof(h));
    if (h.n > (m->len - sizeof(h)) / sizeof(struct wrec))
        return;
    if (d->primary || from != d->upstream || h.term != d->term)
        return; /* a stream from a deposed primary (or not ours) */
    if (h.prev_lsn > d->len) {
        feedback(s, w, r, true); /* a gap: ask for what we miss */
        return;
    }
    if (h.prev_lsn >= 1 && h.prev_lsn <= d->len && d->log[h.prev_lsn - 1].term != h.prev_term) {
        /* our log diverged from the new primary's (records of a deposed primary): rewind past that term */
        int64_t bad = d->log[h.prev_lsn - 1].term;
        uint64_t l = h.prev_lsn - 1;
        while (l > 0 && d->log[l - 1].term == bad)
            l--;
        truncate_to(d, l);
        feedback(s, w, r, true);
        return;
    }
    for (uint32_t i = 0; i < h.n; i++) {
        struct wrec rec;
        memcpy(&rec, m->data + sizeof(h) + i * sizeof(rec), sizeof(rec));
        uint64_t lsn = h.prev_lsn + 1 + i;
        if (lsn <= d->len) {
            if (d->log[lsn - 1].term == rec.term)
                continue;
            truncate_to(d, lsn - 1);
        }
        XGROW(d->log, d->cap, d->len + 1);
        d->log[d->len++] = (struct rec){rec.term, rec.id, {0}, s->now};
    }
    if (h.n > 0)
        feedback(s, w, r, false); /* written and flushed: the standby's reply the commit may wait for */
}

/* ---- the coordinator: heartbeat failure detector, fence, promote the higher LSN, repoint ---- */

static uint32_t candidates(const struct world *w)
{
    uint32_t c = 0;
    for (int d = 0; d < NDB; d++)
        if (d != w->co.primary && !((w->co.deposed >> d) & 1))
            c |= 1u << d;
    return c;
}

static void query(struct sim *s, struct world *w)
{
    uint32_t c = candidates(w);
    for (int d = 0; w->fencing == F_TOKEN && d < NDB; d++)
        send_f(s, COORD, STORE0 + d, M_FENCE, w->co.cand_term, 0, 0, 0);
    for (int d = 0; d < NDB; d++)
        if ((c >> d) & 1)
            send_f(s, COORD, d, M_QUERY, w->co.cand_term, 0, 0, 0);
    sim_timer(s, COORD, w->promote_wait, T_DECIDE, (uint64_t)w->co.cand_term);
}

static void send_config(struct sim *s, struct world *w)
{
    uint32_t c = candidates(w);
    for (int d = 0; d < NDB; d++)
        if ((c >> d) & 1)
            send_f(s, COORD, d, M_CONFIG, w->co.term, w->co.primary, 0, 0);
    send_f(s, COORD, CLIENT, M_CONFIG, w->co.term, w->co.primary, 0, 0);
}

static void coord_tick(struct sim *s, struct world *w)
{
    struct coord *c = &w->co;
    if (!c->failing && s->now - c->last_hb > w->timeout && candidates(w)) {
        c->failing = true;
        c->cand_term = c->term + 1;
        c->answered = 0;
        row(s, w, "detector: no heartbeat from %s for %lldms: failure declared", name(c->primary),
            (long long)((s->now - c->last_hb) / MS));
        trace_event(s->trace, s->now, COORD, "detected", "\"primary\":%d,\"term\":%lld", c->primary,
                    (long long)c->term);
        if (w->npromos < (int)(sizeof(w->promos) / sizeof(w->promos[0])))
            w->promos[w->npromos].detected_at = s->now;
        c->locked = w->fencing != F_LEASE;
        c->fenced = c->lock_any = 0;
        if (c->locked)
            query(s, w);
    }
    if (c->failing && !c->locked) {
        c->lock_sent = s->now; /* lease: take the lock for the new term; it frees up when the old lease expires */
        c->lock_ok = 0;
        send_renew(s, COORD, c->cand_term);
    }
    if (!c->failing && c->promoted_at && c->last_hb < c->promoted_at)
        send_f(s, COORD, c->primary, M_PROMOTE, c->term, candidates(w), c->lock_sent, 0); /* it may not have heard */
    send_config(s, w);
}

static void decide(struct sim *s, struct world *w, int64_t term)
{
    struct coord *c = &w->co;
    if (!c->failing || term != c->cand_term || !c->locked)
        return;
    if (!c->answered || (w->fencing == F_TOKEN && !((c->fenced >> c->primary) & 1))) {
        query(s, w); /* nobody answered, or the old primary's disk is not fenced yet: ask again */
        return;
    }
    int best = -1;
    for (int d = 0; d < NDB; d++) {
        if (!((c->answered >> d) & 1))
            continue;
        if (best < 0) {
            best = d;
            continue;
        }
        int cmp = c->ans_last[d] != c->ans_last[best] ? (c->ans_last[d] > c->ans_last[best] ? 1 : -1)
                  : c->ans_len[d] != c->ans_len[best] ? (c->ans_len[d] > c->ans_len[best] ? 1 : -1)
                                                      : 0;
        if (w->bug_promote_lower ? cmp < 0 : cmp > 0)
            best = d;
    }
    int old = c->primary;
    if (w->npromos < (int)(sizeof(w->promos) / sizeof(w->promos[0]))) {
        struct promo *pr = &w->promos[w->npromos++];
        pr->term = term;
        pr->node = best;
        pr->old = old;
        pr->at = s->now;
        pr->answered = c->answered;
        memcpy(pr->len, c->ans_len, sizeof(pr->len));
        pr->standby = sync_standby(&w->db[old]);
        pr->old_term = c->term;
    }
    c->deposed |= 1u << old;
    c->primary = best;
    c->term = term;
    c->failing = false;
    c->promoted_at = c->last_hb = s->now;
    uint32_t followers = candidates(w);
    send_f(s, COORD, best, M_PROMOTE, term, followers, c->lock_sent, 0);
    char others[64] = "";
    for (int d = 0, n = 0; d < NDB; d++)
        if ((followers >> d) & 1)
            n += snprintf(others + n, sizeof(others) - (size_t)n, "%s%s", n ? ", " : "", name(d));
    row(s, w, "promote %s (LSN %llu%s), term %lld; repoint %s%sclient", name(best),
        (unsigned long long)c->ans_len[best], __builtin_popcount(c->answered) > 1 ? ", the highest" : ", only answer",
        (long long)term, others, others[0] ? " and " : "");
    trace_event(s->trace, s->now, COORD, "promote", "\"node\":%d,\"term\":%lld,\"lsn\":%llu", best, (long long)term,
                (unsigned long long)c->ans_len[best]);
    send_config(s, w);
}

/* ---- node callbacks ---- */

static void db_message(struct sim *s, struct world *w, int self, const struct sim_msg *m)
{
    struct db *d = &w->db[self];
    if (m->type == M_WAL) {
        on_wal(s, w, self, m->from, m);
        return;
    }
    struct fmsg f;
    memcpy(&f, m->data, sizeof(f));
    switch (m->type) {
    case M_WRITE:
        on_write(s, w, self, m->from, (uint32_t)f.a, (uint64_t)f.b);
        break;
    case M_FEEDBACK:
        on_feedback(s, w, self, m->from, &f);
        break;
    case M_QUERY:
        if (d->primary || f.term < d->term)
            break;
        if (f.term > d->term && !w->bug_no_fence) {
            d->term = f.term; /* fenced: the old primary's stream is refused from now on */
        }
        send_f(s, self, COORD, M_ANSWER, f.term, (int64_t)d->len, last_term(d), 0);
        break;
    case M_RENEWED:
        if (d->primary && f.term == d->term && f.b && f.a == d->renew_sent) {
            d->renew_ok |= 1u << (m->from - ETCD0);
            if (__builtin_popcount(d->renew_ok) * 2 > NETCD && f.a + w->lease_ttl > d->lease_until)
                d->lease_until = f.a + w->lease_ttl; /* counted from when the renewal was sent */
        }
        break;
    case M_STORED:
        if (f.b == 0)
            send_f(s, self, (int)f.c, M_REJECT, f.term, f.a, 0, 0);
        else if (d->primary && f.term == d->term)
            committing(s, w, self, (uint64_t)f.b, (int)f.c, (uint32_t)f.a);
        break;
    case M_PROMOTE:
        if (f.term < d->term || (d->primary && f.term == d->term))
            break;
        become_primary(s, w, self, f.term, (uint32_t)f.a, f.b);
        break;
    case M_CONFIG:
        if (d->primary || f.term < d->term || (f.term == d->term && f.a == d->upstream) || f.a == self)
            break;
        d->term = f.term;
        d->upstream = (int)f.a;
        row(s, w, "%s now streams from %s", name(self), name(d->upstream));
        feedback(s, w, self, true);
        break;
    }
}

static void client_message(struct sim *s, struct world *w, int self, const struct sim_msg *m)
{
    struct fmsg f;
    memcpy(&f, m->data, sizeof(f));
    struct client *c = &w->cl[self - CLIENT];
    if (m->type == M_ACK && f.a >= 0 && (size_t)f.a < w->nwrites && w->writes[f.a].acked_at < 0) {
        w->writes[f.a].acked_at = s->now;
        trace_event(s->trace, s->now, self, "ack", "\"id\":%llu,\"lsn\":%lld",
                    (unsigned long long)w->writes[f.a].id, (long long)f.b);
        if (self == CLIENT) {
            XGROW(w->acks, w->acks_cap, w->nacks + 1);
            w->acks[w->nacks++] = s->now;
        }
    } else if (m->type == M_CONFIG && c->follows_config && f.term > c->term) {
        c->term = f.term;
        c->target = (int)f.a;
        row(s, w, "client repointed to %s", name(c->target));
    }
}

static void on_message(struct sim *s, node_id self, const struct sim_msg *m)
{
    struct world *w = s->user;
    if (self < NDB) {
        db_message(s, w, self, m);
    } else if (self == COORD) {
        struct fmsg f;
        memcpy(&f, m->data, sizeof(f));
        struct coord *c = &w->co;
        if (m->type == M_HEARTBEAT && m->from == c->primary && f.term == c->term) {
            c->last_hb = s->now;
            if (c->failing && !c->locked) {
                /* lease: it was alive and held the lock (it only beats with a valid lease); nothing is fenced */
                c->failing = false;
                row(s, w, "false alarm: %s is alive and holds its lease; failover called off", name(c->primary));
            }
        } else if (m->type == M_RENEWED && c->failing && !c->locked && f.term == c->cand_term && f.b &&
                   f.a == c->lock_sent) {
            c->lock_ok |= 1u << (m->from - ETCD0);
            c->lock_any |= 1u << (m->from - ETCD0);
            if (__builtin_popcount(c->lock_ok) * 2 > NETCD) {
                c->locked = true;
                row(s, w, "coordinator holds the etcd lock for term %lld (the old lease expired)",
                    (long long)c->cand_term);
                query(s, w);
            }
        } else if (m->type == M_FENCED && c->failing && f.term == c->cand_term && m->from >= STORE0) {
            if (!((c->fenced >> (m->from - STORE0)) & 1) && m->from - STORE0 == c->primary)
                row(s, w, "%s refuses tokens older than %lld", name(m->from), (long long)f.term);
            c->fenced |= 1u << (m->from - STORE0);
        }
        else if (m->type == M_ANSWER && c->failing && f.term == c->cand_term && m->from < NDB) {
            c->answered |= 1u << m->from;
            c->ans_len[m->from] = (uint64_t)f.a;
            c->ans_last[m->from] = f.b;
        }
    } else if (self == CLIENT || self == STALE) {
        client_message(s, w, self, m);
    } else if (self >= ETCD0 && self < ETCD0 + NETCD) {
        etcd_message(s, w, self, m);
    } else if (self >= STORE0) {
        disk_message(s, w, self, m);
    }
}

static void client_write(struct sim *s, struct world *w, int self)
{
    struct client *c = &w->cl[self - CLIENT];
    uint64_t id = ((uint64_t)(self - CLIENT) << 40) | ++c->seq;
    XGROW(w->writes, w->writes_cap, w->nwrites + 1);
    w->writes[w->nwrites] = (struct lw_write){id, self, s->now, -1};
    send_f(s, self, c->target, M_WRITE, 0, (int64_t)w->nwrites, (int64_t)id, 0);
    w->nwrites++;
}

static void on_timer(struct sim *s, node_id self, int kind, uint64_t arg)
{
    struct world *w = s->user;
    switch (kind) {
    case T_TICK:
        if (self < NDB && w->db[self].primary)
            primary_tick(s, w, self);
        else if (self == COORD)
            coord_tick(s, w);
        sim_timer(s, self, w->heartbeat, T_TICK, 0);
        break;
    case T_SEND:
        if (self < NDB && arg < NDB)
            on_send(s, w, self, (int)arg);
        break;
    case T_WRITE:
        client_write(s, w, self);
        sim_timer(s, self, w->cl[self - CLIENT].interval, T_WRITE, 0);
        break;
    case T_DECIDE:
        decide(s, w, (int64_t)arg);
        break;
    }
}

/* kill -9: the volatile state is gone; the log, term, role and upstream were on disk. */
static void on_crash(struct sim *s, node_id self)
{
    struct world *w = s->user;
    if (self < NDB) {
        struct db *d = &w->db[self];
        memset(d->send_timer, 0, sizeof(d->send_timer));
        d->lease_until = 0; /* a lease lives in memory: a restarted primary must win it back */
        d->npend = d->pend_head = 0;
        row(s, w, "kill -9 %s (LSN %llu)", name(self), (unsigned long long)d->len);
    }
}

static void on_restart(struct sim *s, node_id self)
{
    struct world *w = s->user;
    if (self < NDB || self == COORD)
        sim_timer(s, self, w->heartbeat, T_TICK, 0);
    if ((self == CLIENT || self == STALE) && w->cl[self - CLIENT].interval > 0)
        sim_timer(s, self, w->cl[self - CLIENT].interval, T_WRITE, 0);
    if (self < NDB) {
        struct db *d = &w->db[self];
        if (d->primary) {
            release_orphans(s, d, s->now, true); /* the hand-backs died with the process */
            for (int f = 0; f < NDB; f++) {
                d->last_due[f] = 0;
                d->next[f] = d->len + 1;
                d->fb_recv[f] = d->recv_at_tick[f] = d->len;
            }
            row(s, w, "%s restarts and still believes it is the primary (term %lld)", name(self),
                (long long)d->term);
        } else {
            feedback(s, w, self, true);
            row(s, w, "%s restarts (LSN %llu)", name(self), (unsigned long long)d->len);
        }
    } else if (self == COORD) {
        /* its state is durable (think etcd): a failover in progress is finished, since the replicas are
         * already fenced; otherwise the primary gets a full timeout before being suspected again */
        w->co.last_hb = s->now;
        if (w->co.failing && w->co.locked)
            query(s, w); /* (lease: without the lock, the next tick asks etcd for it again) */
    }
}

/* ---- the scenario ---- */

struct params {
    int mode, fencing;
    double tps, stale_tps;
    int64_t kill_at, kill_sync_at, return_at, pause_at, pause_for, heartbeat, timeout, promote_wait, lease_ttl, duration;
    struct dist delay[NDB], latency;
};

static void kill_cb(struct sim *s, void *ptr, uint64_t node)
{
    struct world *w = ptr;
    if ((int)node == 0) {
        w->killed_at = s->now;
        for (int d = 0; d < NDB; d++)
            w->lsn_at_kill[d] = w->db[d].len;
    }
    sim_crash(s, (node_id)node);
}

static void restart_cb(struct sim *s, void *ptr, uint64_t node)
{
    (void)ptr;
    sim_restart(s, (node_id)node);
}

static void second_cb(struct sim *s, void *ptr, uint64_t arg)
{
    (void)arg;
    struct world *w = ptr;
    if (!w->nrows || w->rows[w->nrows - 1].at != s->now)
        row(s, w, NULL);
}

#define SAMPLE_EVERY (50 * MS)

static void sample_cb(struct sim *s, void *ptr, uint64_t arg)
{
    (void)arg;
    struct world *w = ptr;
    XGROW(w->samples, w->samples_cap, w->nsamples + 1);
    struct sample *x = &w->samples[w->nsamples++];
    x->at = s->now;
    int p = w->co.primary;
    for (int d = 0; d < NDB; d++) {
        x->len[d] = w->db[d].len;
        x->up[d] = sim_is_up(s, d);
        bool follows = d != p && !((w->co.deposed >> d) & 1);
        x->lag[d] = follows ? (int64_t)w->db[p].len - (int64_t)w->db[d].len : -1;
        if (x->lag[d] < -1)
            x->lag[d] = 0;
    }
    sim_at(s, s->now + SAMPLE_EVERY, sample_cb, w, 0);
}

static void world_init(struct world *w, struct kata_ctx *ctx, const struct params *p)
{
    w->ctx = ctx;
    w->mode = (enum mode)p->mode;
    w->fencing = (enum fencing)p->fencing;
    w->heartbeat = p->heartbeat;
    w->timeout = p->timeout;
    w->promote_wait = p->promote_wait;
    memcpy(w->delay, p->delay, sizeof(w->delay));
    w->bug_async_ack = kata_bug_is(ctx, "ack-before-standby");
    w->bug_promote_lower = kata_bug_is(ctx, "promote-lower");
    w->bug_no_fence = kata_bug_is(ctx, "no-fence");
    for (int d = 0; d < NDB; d++) {
        w->db[d].term = 1;
        w->db[d].upstream = d == 0 ? -1 : 0;
    }
    w->db[0].primary = true;
    w->lease_ttl = p->lease_ttl;
    w->bug_ignore_fencing = kata_bug_is(ctx, "ignore-fencing");
    w->db[0].lease_until = p->lease_ttl; /* the first primary took the lock at 0 */
    for (int e = 0; e < NETCD; e++)
        w->etcd[e] = (struct lock){1, p->lease_ttl};
    for (int d = 0; d < NDB; d++)
        w->max_token[d] = 1;
    w->db[0].followers = (1u << 1) | (1u << 2);
    w->insync[1] = w->db[0].followers; /* everyone starts in sync, with an empty log */
    for (int f = 0; f < NDB; f++)
        w->db[0].next[f] = 1;
    XGROW(w->terms, w->terms_cap, 1);
    w->terms[w->nterms++] = (struct lw_term){1, 0, 0};
    w->co.term = 1;
    w->co.primary = 0;
    w->cl[0] = (struct client){0, 1, 0, (sim_time)(NS_PER_S / p->tps), true};
    w->cl[1] = (struct client){0, 1, 0, p->stale_tps > 0 ? (sim_time)(NS_PER_S / p->stale_tps) : 0, false};
}

static void world_close(struct world *w)
{
    for (int d = 0; d < NDB; d++) {
        free(w->db[d].log);
        free(w->db[d].pend);
    }
    free(w->writes);
    free(w->acc);
    free(w->terms);
    free(w->acks);
    free(w->rows);
    free(w->samples);
    free(w);
}

static bool read_params(struct kata_ctx *ctx, struct params *p)
{
    const struct kata *k = &kata_failover;
    if (!kata_get_choice(ctx, k, "mode", mode_names, &p->mode) ||
        !kata_get_choice(ctx, k, "fencing", fencing_names, &p->fencing) ||
        !kata_get_double(ctx, k, "tps", 1, 100000, &p->tps) ||
        !kata_get_double(ctx, k, "stale_tps", 0, 100000, &p->stale_tps) ||
        !kata_get_duration(ctx, k, "kill_at", &p->kill_at) ||
        !kata_get_duration(ctx, k, "kill_sync_at", &p->kill_sync_at) ||
        !kata_get_duration(ctx, k, "return_at", &p->return_at) ||
        !kata_get_duration(ctx, k, "pause_at", &p->pause_at) || !kata_get_duration(ctx, k, "pause_for", &p->pause_for) ||
        !kata_get_duration(ctx, k, "heartbeat", &p->heartbeat) ||
        !kata_get_duration(ctx, k, "timeout", &p->timeout) ||
        !kata_get_duration(ctx, k, "promote_wait", &p->promote_wait) ||
        !kata_get_duration(ctx, k, "lease_ttl", &p->lease_ttl) ||
        !kata_get_duration(ctx, k, "duration", &p->duration))
        return false;
    static const char *const dnames[] = {"latency", "replica1_delay", "replica2_delay"};
    for (int i = 0; i < 3; i++) {
        char err[200];
        struct dist *d = i == 0 ? &p->latency : &p->delay[i];
        if (dist_parse(d, kata_get_str(ctx, k, dnames[i]), err, sizeof(err))) {
            snprintf(ctx->error, sizeof(ctx->error), "parameter '%s': %.200s", dnames[i], err);
            return false;
        }
    }
    dist_const(&p->delay[0], 0);
    if (p->heartbeat <= 0 || p->timeout < p->heartbeat || p->promote_wait <= 0 || p->lease_ttl <= p->heartbeat) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad detector: need 0 < heartbeat <= timeout, heartbeat < lease_ttl and promote_wait > 0 (got %lldms, "
                 "%lldms, %lldms, %lldms)",
                 (long long)(p->heartbeat / MS), (long long)(p->timeout / MS), (long long)(p->lease_ttl / MS),
                 (long long)(p->promote_wait / MS));
        return false;
    }
    if (p->kill_at <= 0 || p->kill_at >= p->duration || p->duration > 3600 * NS_PER_S ||
        (p->return_at && p->return_at <= p->kill_at) || (p->kill_sync_at && p->kill_sync_at < p->kill_at) ||
        (p->pause_at && (p->pause_for <= 0 || p->pause_at + p->pause_for >= p->kill_at))) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "bad schedule: need 0 < kill_at < duration <= 1h, return_at (0: never) > kill_at, kill_sync_at (0: "
                 "never) >= kill_at, pause_at + pause_for < kill_at (pause_at 0: never)");
        return false;
    }
    if (p->tps * (double)p->duration / 1e9 > 1e6) {
        snprintf(ctx->error, sizeof(ctx->error),
                 "tps %g over %gs is more than 1 million writes; lower one of them", p->tps,
                 (double)p->duration / 1e9);
        return false;
    }
    if (!kata_bound_work(ctx, (double)p->duration / (double)p->heartbeat, 1e6,
                         "heartbeats (duration / heartbeat)", "lower duration or raise heartbeat"))
        return false;
    return true;
}

/* Swarm testing: the timing of the kill, the comeback and the load come from the seed too. */
static void draw_swarm(struct params *p, uint64_t seed)
{
    struct rng r;
    rng_stream(&r, seed, "swarm", 0);
    p->tps = (double)rng_range(&r, 20, 200);
    p->stale_tps = (double)rng_range(&r, 0, 20);
    p->kill_at = rng_range(&r, 1, 4) * NS_PER_S + rng_range(&r, 0, 999) * MS;
    p->return_at = rng_chance(&r, 0.7) ? p->kill_at + rng_range(&r, 500, 5000) * MS : 0;
    p->kill_sync_at = 0;
    p->pause_at = 0; /* the random faults pause nodes already */
}

/* A GC-like pause of the primary: nothing runs on it, then everything it missed runs at once. */
static void pause_cb(struct sim *s, void *ptr, uint64_t resume)
{
    struct world *w = ptr;
    if (resume) {
        sim_resume(s, 0);
        row(s, w, "primary resumes after its pause and handles what queued up (term %lld)", (long long)w->db[0].term);
    } else {
        sim_pause(s, 0);
        row(s, w, "primary pauses (a GC-like stop: alive, silent)");
    }
}

static void schedule(struct sim *s, struct world *w, const struct params *p)
{
    if (p->pause_at) {
        sim_at(s, p->pause_at, pause_cb, w, 0);
        sim_at(s, p->pause_at + p->pause_for, pause_cb, w, 1);
    }
    sim_at(s, p->kill_at, kill_cb, w, 0);
    if (p->kill_sync_at)
        sim_at(s, p->kill_sync_at, kill_cb, w, 1);
    if (p->return_at)
        sim_at(s, p->return_at, restart_cb, w, 0);
}

/* Is the invariant "no acknowledged write lost" owed by this run? It is when every promotion heard from a standby
 * the mode made hold every acknowledged write: semi-sync, the deposed primary's synchronous standby; sync, any of
 * its standbys; in both, only a standby that had caught up with that primary (a freshly repointed one holds
 * nothing of the earlier terms yet: Patroni lists it in /sync only once it streams in sync). */
static bool zero_loss_owed(const struct world *w, char *why, size_t n)
{
    if (w->mode == ASYNC) {
        snprintf(why, n, "async acknowledges before any standby has the write");
        return false;
    }
    for (int i = 0; i < w->npromos; i++) {
        const struct promo *pr = &w->promos[i];
        uint32_t in = w->insync[pr->old_term < MAXTERMS ? pr->old_term : MAXTERMS - 1];
        uint32_t holders = w->mode == SEMI_SYNC ? (pr->standby >= 0 ? in & (1u << pr->standby) : 0) : in;
        if (!(holders & pr->answered)) {
            snprintf(why, n, "no in-sync standby of term %lld answered the promotion of term %lld%s%s",
                     (long long)pr->old_term, (long long)pr->term, pr->standby >= 0 ? "; its standby was " : "",
                     pr->standby >= 0 ? name(pr->standby) : "");
            return false;
        }
    }
    return true;
}

struct verdict {
    struct lw_report lost;
    struct lw_fence_report fence;
    size_t lost_on_promotion; /* acknowledged before the first promotion */
    size_t acked_before;      /* writes acknowledged before the first promotion */
    double p50_ms, p99_ms, unavailable_ms;
    bool owed;
    char why[160];
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Commit latency of the configured topology (writes invoked before the kill), and the longest stretch without an
 * acknowledgement (up to the end of the run). */
static void latency_figures(const struct world *w, struct verdict *v, sim_time end)
{
    sim_time until = w->killed_at ? w->killed_at : end;
    int64_t *lat = xmalloc((w->nwrites ? w->nwrites : 1) * sizeof(*lat));
    size_t n = 0;
    for (size_t i = 0; i < w->nwrites; i++)
        if (w->writes[i].acked_at >= 0 && w->writes[i].client == CLIENT && w->writes[i].invoked_at < until)
            lat[n++] = w->writes[i].acked_at - w->writes[i].invoked_at;
    qsort(lat, n, sizeof(*lat), cmp_i64);
    v->p50_ms = n ? (double)lat[n / 2] / 1e6 : 0;
    v->p99_ms = n ? (double)lat[(n * 99) / 100] / 1e6 : 0;
    free(lat);
    sim_time gap = w->nacks ? end - w->acks[w->nacks - 1] : end;
    for (size_t i = 1; i < w->nacks; i++)
        if (w->acks[i] - w->acks[i - 1] > gap)
            gap = w->acks[i] - w->acks[i - 1];
    v->unavailable_ms = (double)gap / 1e6;
}

/* The checkers judge the history: acknowledged writes against the surviving primary's log, accepts against the
 * terms' start times. */
static void judge(struct world *w, struct verdict *v, sim_time end)
{
    const struct db *fp = &w->db[w->co.primary];
    uint64_t *ids = xmalloc((fp->len ? fp->len : 1) * sizeof(*ids));
    for (size_t i = 0; i < fp->len; i++)
        ids[i] = fp->log[i].id;
    int rc = lostwrites_check(w->writes, w->nwrites, ids, fp->len, &v->lost);
    assert(rc >= 0); /* ids are unique by construction (client << 40 | seq) */
    (void)rc;
    free(ids);
    sim_time first = w->npromos ? w->promos[0].at : INT64_MAX;
    for (size_t i = 0; i < v->lost.nlost; i++)
        v->lost_on_promotion += w->writes[v->lost.lost[i]].acked_at <= first;
    for (size_t i = 0; i < w->nwrites; i++)
        v->acked_before += w->writes[i].acked_at >= 0 && w->writes[i].acked_at <= first;
    lostwrites_fencing(w->acc, w->nacc, w->terms, w->nterms, &v->fence);
    latency_figures(w, v, end);
    v->owed = zero_loss_owed(w, v->why, sizeof(v->why));
}

static const char *nm(const struct world *w, const char *name, char *buf)
{
    snprintf(buf, 64, "%s%s", w->pfx, name);
    return buf;
}

static void checks(struct sim *s, struct world *w, struct kata_ctx *ctx, const struct params *p, bool swarm,
                   const struct verdict *v)
{
    char n[64];
    kata_check(ctx, nm(w, "log-integrity", n), v->lost.phantom == 0 && v->lost.duplicate == 0,
               "the surviving primary's log (%s, %zu records) holds %zu ids no client sent and %zu duplicates",
               name(w->co.primary), w->db[w->co.primary].len, v->lost.phantom, v->lost.duplicate);
    if (v->owed)
        kata_check(ctx, nm(w, "no-lost-acked-writes", n), v->lost.nlost == 0,
                   "%zu of %zu acknowledged writes are absent from %s's log (%s)", v->lost.nlost, v->lost.acked,
                   name(w->co.primary), w->mode == SYNC ? "sync: every standby had each one" : "semi-sync: the "
                                                                                              "synchronous standby "
                                                                                              "answered every "
                                                                                              "promotion");
    if (w->fencing != F_NONE) {
        const struct lw_accept *a = v->fence.violations ? &w->acc[v->fence.first] : NULL;
        kata_check(ctx, nm(w, "fenced", n), v->fence.violations == 0,
                   a ? "%zu writes accepted by a deposed primary, the first by %s (term %lld) at %.3fs, after term %lld "
                       "started at %.3fs"
                     : "no write accepted by a deposed primary after the next term started (%zu)",
                   v->fence.violations, a ? name(a->node) : "", a ? (long long)a->term : 0LL,
                   a ? (double)a->at / 1e9 : 0.0, (long long)v->fence.first_superseded_by,
                   (double)v->fence.first_started_at / 1e9);
    }
    /* liveness: writes flow again after the failover (not owed when the sync standby is gone for good) */
    sim_time since = swarm ? s->now - 2 * NS_PER_S : (w->npromos ? w->promos[w->npromos - 1].at : s->now);
    bool owed = swarm || p->kill_sync_at == 0 || w->mode == ASYNC;
    if (owed)
        kata_check(ctx, nm(w, "writes-resume", n), (swarm || w->npromos > 0) && acks_since(w, since) > 0,
                   "%d promotion(s); %llu acknowledged writes after %.3fs", w->npromos,
                   (unsigned long long)acks_since(w, since), (double)since / 1e9);
}

static double promote_ms(const struct world *w)
{
    for (int i = 0; w->killed_at && i < w->npromos; i++)
        if (w->promos[i].detected_at >= w->killed_at)
            return (double)(w->promos[i].at - w->killed_at) / 1e6;
    return -1;
}

static void figures(struct world *w, struct kata_ctx *ctx, const struct verdict *v)
{
    char n[64];
    for (int i = 0; w->killed_at && i < w->npromos; i++)
        if (w->promos[i].detected_at >= w->killed_at) {
            kata_figure(ctx, nm(w, "time_to_detect_ms", n), (double)(w->promos[i].detected_at - w->killed_at) / 1e6);
            kata_figure(ctx, nm(w, "time_to_promote_ms", n), promote_ms(w));
            break;
        }
    kata_figure(ctx, nm(w, "lost_acked_writes", n), (double)v->lost.nlost);
    kata_figure(ctx, nm(w, "lost_on_promotion", n), (double)v->lost_on_promotion);
    kata_figure(ctx, nm(w, "accepted_by_deposed", n), (double)v->fence.violations);
    kata_figure(ctx, nm(w, "commit_p50_ms", n), v->p50_ms);
    kata_figure(ctx, nm(w, "commit_p99_ms", n), v->p99_ms);
    kata_figure(ctx, nm(w, "longest_ack_gap_ms", n), v->unavailable_ms);
    kata_figure(ctx, nm(w, "promotions", n), w->npromos);
    kata_figure(ctx, nm(w, "zero_loss_owed", n), v->owed); /* how often a swarm really tests the invariant */
}

/* The data-loss window of this run's mode, in one sentence, from this run's numbers. */
static void window_sentence(const struct world *w, const struct verdict *v, struct buf *b)
{
    /* how far back from the last acknowledgement before the first promotion the lost ones reach */
    sim_time first = w->npromos ? w->promos[0].at : INT64_MAX, last = 0;
    for (size_t i = 0; i < w->nwrites; i++)
        if (w->writes[i].acked_at >= 0 && w->writes[i].acked_at <= first && w->writes[i].acked_at > last)
            last = w->writes[i].acked_at;
    double span = 0;
    for (size_t i = 0; i < v->lost.nlost; i++) {
        const struct lw_write *x = &w->writes[v->lost.lost[i]];
        if (x->acked_at <= first && (double)(last - x->acked_at) / 1e6 > span)
            span = (double)(last - x->acked_at) / 1e6;
    }
    if (w->mode == ASYNC)
        buf_printf(b, "async: a write is lost when the primary dies after acknowledging it and before the promoted "
                      "replica has it; here %zu acknowledged writes (within %.1fms of the last acknowledgement before the "
                      "failure) were lost on promotion.\n",
                   v->lost_on_promotion, span);
    else if (w->mode == SEMI_SYNC && v->owed)
        buf_printf(b, "semi-sync: each commit waited for replica1's flush (p50 %.2fms), so %zu acknowledged writes "
                      "were lost: the window is closed while replica1 survives and reopens only if it dies with the "
                      "primary.\n",
                   v->p50_ms, v->lost.nlost);
    else if (w->mode == SEMI_SYNC)
        buf_printf(b, "semi-sync with replica1 gone too: %zu acknowledged writes (within %.1fms of the last "
                      "acknowledgement before the failure) were lost, because %s.\n",
                   v->lost_on_promotion, span, v->why);
    else
        buf_printf(b, "sync: each commit waited for every standby (p50 %.2fms, p99 %.2fms), so %zu acknowledged "
                      "writes were lost: no window while any replica survives, at the price of writes stopping when "
                      "a standby stops.\n",
                   v->p50_ms, v->p99_ms, v->lost.nlost);
}

static void report(struct world *w, struct kata_ctx *ctx, const struct params *p, const struct verdict *v)
{
    struct buf *b = &ctx->text;
    char d1[64], d2[64], lat[64];
    dist_format(&p->delay[1], d1, sizeof(d1));
    dist_format(&p->delay[2], d2, sizeof(d2));
    dist_format(&p->latency, lat, sizeof(lat));
    buf_printf(b, "failover: mode %s, fencing %s, %g TPS, kill -9 primary at %.3fs, heartbeat %lldms, timeout %lldms\n",
               mode_names[w->mode], fencing_names[w->fencing], p->tps, (double)p->kill_at / 1e9,
               (long long)(p->heartbeat / MS), (long long)(p->timeout / MS));
    buf_printf(b, "replica1 delay %s, replica2 delay %s, network %s", d1, d2, lat);
    if (p->stale_tps > 0)
        buf_printf(b, "; a stale client keeps writing %g TPS to the old primary", p->stale_tps);
    if (p->return_at)
        buf_printf(b, "; the old primary comes back at %.3fs", (double)p->return_at / 1e9);
    if (p->kill_sync_at)
        buf_printf(b, "; replica1 is killed too at %.3fs", (double)p->kill_sync_at / 1e9);
    buf_printf(b, "%s%s\n\n", ctx->bug ? "; bug " : "", ctx->bug ? ctx->bug : "");
    buf_printf(b, "%9s  %-30s %12s %13s %13s %15s  %-28s %s\n", "time", "leader", "primary.LSN", "replica1.LSN",
               "replica2.LSN", "writes_accepted", "client_visible_state", "event");
    for (size_t i = 0; i < w->nrows; i++) {
        const struct row *r = &w->rows[i];
        buf_printf(b, "%8.3fs  %-30s %12s %13s %13s %15llu  %-28s %s\n", (double)r->at / 1e9, r->leader, r->lsn[0],
                   r->lsn[1], r->lsn[2], (unsigned long long)r->accepted, r->client, r->event);
    }
    if (w->nrows >= MAXROWS)
        buf_printf(b, "  ... (table cut at %d rows)\n", MAXROWS);
    buf_puts(b, "\nsummary:\n");
    const struct promo *pr = NULL;
    for (int i = 0; w->killed_at && !pr && i < w->npromos; i++)
        pr = w->promos[i].detected_at >= w->killed_at ? &w->promos[i] : NULL;
    for (int i = 0; i < w->npromos && w->promos[i].detected_at < w->killed_at; i++)
        buf_printf(b, "  before the kill: failure declared at %.3fs, %s promoted at %.3fs (term %lld)\n",
                   (double)w->promos[i].detected_at / 1e9, name(w->promos[i].node), (double)w->promos[i].at / 1e9,
                   (long long)w->promos[i].term);
    if (pr) {
        buf_printf(b, "  time to detect: %.3fs (killed at %.3fs, failure declared at %.3fs); promoted %s at %.3fs\n",
                   (double)(pr->detected_at - w->killed_at) / 1e9, (double)w->killed_at / 1e9,
                   (double)pr->detected_at / 1e9, name(pr->node), (double)pr->at / 1e9);
        const char *hi = w->lsn_at_kill[1] > w->lsn_at_kill[2]   ? "replica1"
                         : w->lsn_at_kill[2] > w->lsn_at_kill[1] ? "replica2"
                                                                 : "neither (equal)";
        buf_printf(b, "  higher LSN at the kill: %s (primary %llu, replica1 %llu, replica2 %llu)\n", hi,
                   (unsigned long long)w->lsn_at_kill[0], (unsigned long long)w->lsn_at_kill[1],
                   (unsigned long long)w->lsn_at_kill[2]);
        buf_printf(b, "  writes lost on promotion (checker: acknowledged, absent from %s's log): %zu of %zu "
                      "acknowledged before it\n",
                   name(w->co.primary), v->lost_on_promotion, v->acked_before);
    } else if (w->npromos) {
        buf_printf(b, "  writes lost on the first promotion (checker: acknowledged, absent from %s's log): %zu of %zu\n",
                   name(w->co.primary), v->lost_on_promotion, v->acked_before);
    } else {
        buf_puts(b, "  no failover happened\n");
    }
    buf_printf(b, "  acknowledged writes lost in all: %zu; writes accepted by a deposed primary after its successor's "
                  "term started: %zu\n",
               v->lost.nlost, v->fence.violations);
    buf_printf(b, "  commit latency before the kill p50 %.2fms, p99 %.2fms; longest gap between acknowledgements %.3fs\n", v->p50_ms,
               v->p99_ms, v->unavailable_ms / 1e3);
    buf_puts(b, "  data-loss window: ");
    window_sentence(w, v, b);
}

static double px(sim_time t, sim_time end)
{
    return 90 + (double)t / (double)end * 980;
}

static void marker(struct buf *b, sim_time t, sim_time end, const char *color, const char *label, int slot)
{
    svg_line(b, px(t, end), 50, px(t, end), 470, color, 1.2, "stroke-dasharray=\"5 3\"");
    svg_text(b, px(t, end) + 3, 62 + 12 * slot, 11, "start", color, label);
}

/* The timeline: LSNs per database over time (dashed while down), the lag of each behind the highest LSN, the
 * kill, the detection, the promotion, the comeback, and the lost acknowledged writes as red ticks. */
static void draw(struct buf *b, const struct world *w, const struct params *p, const struct verdict *v, sim_time end)
{
    static const char *const colors[NDB] = {"#1f77b4", "#2ca02c", "#ff7f0e"};
    char title[160];
    snprintf(title, sizeof(title), "failover (%s, fencing %s): LSNs, lag, kill, detection, promotion, lost writes",
             mode_names[w->mode], fencing_names[w->fencing]);
    svg_begin(b, 1100, 560, title);
    uint64_t top = 1;
    int64_t lagmax = 1;
    for (size_t i = 0; i < w->nsamples; i++)
        for (int d = 0; d < NDB; d++) {
            top = w->samples[i].len[d] > top ? w->samples[i].len[d] : top;
            lagmax = w->samples[i].lag[d] > lagmax ? w->samples[i].lag[d] : lagmax;
        }
    /* upper panel 50..300: LSN; lower panel 340..470: each standby's records behind the primary */
    for (size_t i = 1; i < w->nsamples; i++) {
        const struct sample *a = &w->samples[i - 1], *c = &w->samples[i];
        for (int d = 0; d < NDB; d++) {
            const char *faint = c->up[d] ? NULL : "stroke-opacity=\"0.25\"";
            svg_line(b, px(a->at, end), 300 - 250.0 * (double)a->len[d] / (double)top, px(c->at, end),
                     300 - 250.0 * (double)c->len[d] / (double)top, colors[d], c->up[d] ? 1.5 : 4, faint);
            if (a->lag[d] >= 0 && c->lag[d] >= 0)
                svg_line(b, px(a->at, end), 470 - 130.0 * (double)a->lag[d] / (double)lagmax, px(c->at, end),
                         470 - 130.0 * (double)c->lag[d] / (double)lagmax, colors[d], 1.2, faint);
        }
    }
    char label[96];
    for (int t = 0; t <= 10; t++) {
        sim_time at = end * t / 10;
        snprintf(label, sizeof(label), "%.1fs", (double)at / 1e9);
        svg_text(b, px(at, end), 488, 10, "middle", "#555", label);
    }
    snprintf(label, sizeof(label), "LSN %llu", (unsigned long long)top);
    svg_text(b, 85, 54, 10, "end", "#555", label);
    svg_text(b, 85, 300, 10, "end", "#555", "0");
    snprintf(label, sizeof(label), "%lld behind", (long long)lagmax);
    svg_text(b, 85, 344, 10, "end", "#555", label);
    svg_text(b, 85, 470, 10, "end", "#555", "0");
    svg_line(b, 90, 320, 1070, 320, "#dddddd", 1, NULL);
    if (w->killed_at)
        marker(b, w->killed_at, end, "#d62728", "kill -9 primary", 0);
    if (p->kill_sync_at)
        marker(b, p->kill_sync_at, end, "#d62728", "kill -9 replica1", 1);
    for (int i = 0; i < w->npromos; i++) {
        marker(b, w->promos[i].detected_at, end, "#ff7f0e", "failure declared", 2);
        snprintf(label, sizeof(label), "promote %s (term %lld)", name(w->promos[i].node), (long long)w->promos[i].term);
        marker(b, w->promos[i].at, end, "#2ca02c", label, 3);
    }
    if (p->return_at)
        marker(b, p->return_at, end, "#9467bd", "old primary comes back", 0);
    for (size_t i = 0; i < v->lost.nlost; i++)
        svg_line(b, px(w->writes[v->lost.lost[i]].acked_at, end), 300, px(w->writes[v->lost.lost[i]].acked_at, end),
                 290, "#d62728", 1, NULL);
    for (int d = 0; d < NDB; d++) {
        svg_line(b, 80 + d * 150, 520, 110 + d * 150, 520, colors[d], 2, NULL);
        svg_text(b, 115 + d * 150, 524, 12, "start", "black", name(d));
    }
    snprintf(label, sizeof(label), "red ticks: the %zu lost acknowledged writes; faint: down", v->lost.nlost);
    svg_text(b, 560, 524, 12, "start", "#d62728", label);
    svg_text(b, 95, 336, 11, "start", "#555", "each standby: records behind its primary");
    svg_end(b);
}

/* What a compare row shows of one variant. */
struct outcome {
    size_t lost_on_promotion, lost;
    double p50_ms, p99_ms, promote_ms;
    struct buf sentence;
};

/* One run of the scenario (or of a swarm seed) with these parameters; checks and figures go to ctx under pfx. */
static int simulate(struct kata_ctx *ctx, struct params p, const char *pfx, bool full, struct outcome *out)
{
    struct fault_plan plan;
    fault_plan_init(&plan);
    if (ctx->nemesis) {
        char err[256];
        if (fault_parse(&plan, ctx->nemesis, NNODES, err, sizeof(err))) {
            snprintf(ctx->error, sizeof(ctx->error), "%s", err);
            fault_plan_close(&plan);
            return -1;
        }
    }
    bool swarm = ctx->random_faults || ctx->nemesis;
    sim_time faults_end = 6 * NS_PER_S;
    if (ctx->random_faults) {
        draw_swarm(&p, ctx->seed);
        p.duration = faults_end + 2 * p.timeout + 3 * NS_PER_S;
        struct rng fr;
        rng_stream(&fr, ctx->seed, "faults", 0);
        int faulty = p.fencing == F_TOKEN ? NNODES : p.fencing == F_LEASE ? STORE0 : ETCD0;
        fault_random(&plan, &fr, faulty, 0, faults_end, 2);
    }
    struct world *w = xcalloc(1, sizeof(*w));
    world_init(w, ctx, &p);
    w->pfx = pfx;
    w->record = full && !ctx->quiet;
    static const struct sim_node_ops ops = {on_message, on_timer, on_crash, on_restart};
    struct sim s;
    sim_init(&s, ctx->seed, NNODES, &ops, w);
    s.trace = ctx->trace;
    net_set_default(&s, &p.latency, 0, 0);
    for (int n = 0; n <= COORD; n++)
        sim_timer(&s, n, p.heartbeat, T_TICK, 0);
    sim_timer(&s, CLIENT, w->cl[0].interval, T_WRITE, 0);
    if (p.stale_tps > 0)
        sim_timer(&s, STALE, w->cl[1].interval, T_WRITE, 0);
    if (!ctx->nemesis)
        schedule(&s, w, &p);
    fault_schedule(&plan, &s);
    for (sim_time t = NS_PER_S; w->record && t <= p.duration; t += NS_PER_S)
        sim_at(&s, t, second_cb, w, 0);
    row(&s, w, "writes start at %g TPS (%s)", p.tps, mode_names[w->mode]);
    if (full && ctx->svg)
        sim_at(&s, 0, sample_cb, w, 0);
    sim_run_until(&s, p.duration);
    struct verdict v = {0};
    judge(w, &v, s.now);
    checks(&s, w, ctx, &p, swarm, &v);
    figures(w, ctx, &v);
    if (full && !ctx->quiet)
        report(w, ctx, &p, &v);
    if (full && ctx->svg)
        draw(ctx->svg, w, &p, &v, s.now);
    if (out) {
        out->lost_on_promotion = v.lost_on_promotion;
        out->lost = v.lost.nlost;
        out->p50_ms = v.p50_ms;
        out->p99_ms = v.p99_ms;
        out->promote_ms = promote_ms(w);
        window_sentence(w, &v, &out->sentence);
    }
    lw_report_close(&v.lost);
    sim_close(&s);
    fault_plan_close(&plan);
    world_close(w);
    return 0;
}

/* compare=1: the same seed, kill, detector and delays under each mode, then with replica1 killed too. */
static int compare(struct kata_ctx *ctx, const struct params *p)
{
    static const char *const labels[] = {"async", "semi-sync", "sync", "semi-sync, replica1 killed too",
                                         "sync, replica1 killed too"};
    static const char *const pfx[] = {"async:", "semi-sync:", "sync:", "semi-sync-double:", "sync-double:"};
    static const int modes[] = {ASYNC, SEMI_SYNC, SYNC, SEMI_SYNC, SYNC};
    struct outcome o[5];
    for (int i = 0; i < 5; i++) {
        struct params q = *p;
        q.mode = modes[i];
        q.kill_sync_at = i >= 3 ? p->kill_at : 0;
        memset(&o[i], 0, sizeof(o[i]));
        buf_init(&o[i].sentence);
        if (simulate(ctx, q, pfx[i], false, &o[i]))
            return -1;
    }
    if (!ctx->quiet) {
        struct buf *b = &ctx->text;
        buf_printf(b, "failover compare: seed %llu, %g TPS, kill -9 primary at %.3fs, fencing %s; the same run under "
                      "each mode\n\n",
                   (unsigned long long)ctx->seed, p->tps, (double)p->kill_at / 1e9, fencing_names[p->fencing]);
        buf_printf(b, "%-32s %18s %14s %11s %11s %16s\n", "mode", "lost_on_promotion", "lost_in_all", "commit_p50",
                   "commit_p99", "time_to_promote");
        for (int i = 0; i < 5; i++)
            buf_printf(b, "%-32s %18zu %14zu %9.2fms %9.2fms %15.3fs\n", labels[i], o[i].lost_on_promotion, o[i].lost,
                       o[i].p50_ms, o[i].p99_ms, o[i].promote_ms / 1e3);
        buf_puts(b, "\ndata-loss windows, one sentence each:\n");
        for (int i = 0; i < 5; i++)
            buf_printf(b, "  %s%s", i >= 3 ? "(replica1 killed too) " : "", o[i].sentence.data);
    }
    for (int i = 0; i < 5; i++)
        buf_close(&o[i].sentence);
    return 0;
}

static int failover_run(struct kata_ctx *ctx)
{
    struct params p;
    if (!read_params(ctx, &p))
        return -1;
    long cmp;
    if (!kata_get_int(ctx, &kata_failover, "compare", 0, 1, &cmp))
        return -1;
    if (cmp &&
        !kata_bound_work(ctx, 5 * p.tps * (double)p.duration / 1e9, 1e6,
                         "writes over the 5 compared runs (5 x tps x duration)", "lower tps or duration"))
        return -1;
    return cmp ? compare(ctx, &p) : simulate(ctx, p, "", true, NULL);
}

static const struct kata_param params[] = {
    {"mode", "async", "async | semi-sync (commit waits for replica1) | sync (commit waits for every replica)"},
    {"fencing", "none", "none (a deposed primary that comes back keeps accepting writes) | lease (a quorum lock "
                        "with a TTL in 3-node etcd) | token (the disk refuses writes with an older fencing token)"},
    {"tps", "1000", "client writes per second"},
    {"kill_at", "10s", "when the primary is killed (kill -9: no goodbye)"},
    {"kill_sync_at", "0", "when replica1 is killed too (a double failure); 0: never"},
    {"return_at", "20s", "when the killed primary comes back; 0: never"},
    {"pause_at", "0", "when the primary stops for pause_for (a GC pause: alive but silent); 0: never"},
    {"pause_for", "3s", "how long the pause lasts (longer than timeout: a false failover and a split brain)"},
    {"stale_tps", "20", "writes per second of a client that is never repointed (stays on the old primary)"},
    {"heartbeat", "500ms", "primary -> coordinator heartbeat interval (and the coordinator's check interval)"},
    {"timeout", "2s", "the coordinator declares the primary failed after this long without a heartbeat"},
    {"promote_wait", "100ms", "how long the coordinator collects the replicas' LSNs before promoting"},
    {"lease_ttl", "2s", "fencing=lease: the lock's TTL; the primary renews it every heartbeat"},
    {"replica1_delay", "lognormal:5ms,0.5", "replication delay of replica1: from commit on the primary until the "
                                            "record leaves for it"},
    {"replica2_delay", "lognormal:30ms,0.5", "replication delay of replica2"},
    {"latency", "const:500us", "one-way network latency"},
    {"duration", "25s", "virtual time to run"},
    {"compare", "0", "1: run async, semi-sync and sync (and both with replica1 killed too) on the same seed and print "
                     "their data-loss windows together"},
};

static const struct kata_bug bugs[] = {
    {"ack-before-standby", "semi-sync/sync acknowledge commits before the standby confirms (as async; caught under "
                           "semi-sync or sync)"},
    {"promote-lower", "the coordinator promotes the replica with the lower LSN (caught under semi-sync)"},
    {"no-fence", "replicas keep taking the old primary's stream after the coordinator's query (semi-sync swarm)"},
    {"ignore-fencing", "the primary writes with an expired lease (fencing=lease); the disk takes older tokens "
                       "(fencing=token)"},
};

const struct kata kata_failover = {
    .name = "failover",
    .summary = "single-leader failover: kill -9 the primary at 10s, detect, promote the higher LSN; lost writes",
    .drill = "Simulate a Single-Leader Failover (module 000, Kata 1)",
    .time_limit = "45 minutes",
    .repeat_until = "you can run the simulation without notes and name the data-loss window under async, semi-sync "
                    "and sync in one sentence each",
    .what = "A primary with a write-ahead log (an LSN per record) streams it to two replicas with their own delay "
            "distributions; a client writes at 1000 TPS; at 10s the primary is killed. A coordinator's heartbeat "
            "failure detector declares it failed, fences the replicas with a new term, promotes the one with the "
            "higher LSN and repoints the other one and the client. The old primary comes back later and a stale "
            "client keeps writing to it. Modes async, semi-sync (synchronous_standby_names = 'replica1') and sync.",
    .reading = "The table has a row per second and per event: (time, leader, LSNs, writes_accepted, "
               "client_visible_state). The summary answers the drill: time to detect, the higher LSN at the kill, "
               "writes lost on promotion (from the lostwrites checker: acknowledged, absent from the new primary's "
               "log) and the mode's data-loss window in one sentence. no-lost-acked-writes is checked where the mode "
               "owes it (sync; semi-sync while an in-sync standby answers each promotion); fenced with lease or token "
               "(no write accepted by a deposed primary after its successor's term started). compare=1 prints the "
               "modes side by side; --svg draws the LSNs, the lag, the kill, the promotion and the lost writes.",
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .bugs = bugs,
    .nbugs = sizeof(bugs) / sizeof(bugs[0]),
    .run = failover_run,
    .picture = true,
};
