/* Raft's rules as the simulated Raft clusters share them (katas raft-election and raft-log, replay
 * cloudflare-2020): one server's election state, the term, vote and up-to-date rules of the Raft paper's
 * Figure 2, the commit and AppendEntries checks, PreVote and CheckQuorum (Ongaro's thesis), and an election
 * timer. Nothing here sends a message or writes output: each caller keeps its message formats, its log, its
 * timeline and trace lines, its checker hooks and its --bug variants, and calls these where the paper's rule
 * applies. The pure rules are inline: raft-election's swarm calls them for every message, and the library is
 * built without link-time optimisation. */
#ifndef DKATA_RAFT_H
#define DKATA_RAFT_H
#include <stdbool.h>
#include <stdint.h>

#include "core/sim.h"

enum raft_role { RAFT_FOLLOWER, RAFT_CANDIDATE, RAFT_LEADER };

/* "follower", "candidate", "leader", indexed by enum raft_role. */
extern const char *const raft_role_name[];

/* The election state of one server; the caller embeds it in its node and owns it. */
struct raft_server {
    int64_t term; /* currentTerm; durable (Figure 2: "updated on stable storage before responding to RPCs") */
    int voted_for; /* votedFor; durable; -1: none */
    enum raft_role role;
    uint64_t votes; /* as a candidate: bit i set when server i granted its vote in this term */
};

/* The number of servers that make a majority of n. */
static inline int raft_majority(int n)
{
    return n / 2 + 1;
}

/* Adds server `from` to the set *voters; returns whether the set now holds a majority of n servers. */
static inline bool raft_add_voter(uint64_t *voters, int from, int n)
{
    *voters |= 1ULL << from;
    return __builtin_popcountll(*voters) >= raft_majority(n);
}

/* Figure 2, "All Servers": if an RPC carries term T > currentTerm, set currentTerm = T and convert to
 * follower; the vote given in the old term no longer binds. Returns whether the term was adopted (a caller
 * that reports the step-down copies the old state first). */
static inline bool raft_observe_term(struct raft_server *r, int64_t term)
{
    if (term <= r->term)
        return false;
    r->term = term;
    r->voted_for = -1;
    r->role = RAFT_FOLLOWER;
    r->votes = 0;
    return true;
}

/* Section 5.2: a follower whose election timeout elapses increments its term, becomes a candidate and votes
 * for itself. */
static inline void raft_become_candidate(struct raft_server *r, int self)
{
    r->term++;
    r->role = RAFT_CANDIDATE;
    r->voted_for = self;
    r->votes = 1ULL << self;
}

/* Section 5.4.1: a candidate's log (its last index and last term) is at least as up-to-date as the voter's if
 * its last term is higher, or the same with a last index at least as high. */
static inline bool raft_log_up_to_date(int64_t cand_index, int64_t cand_term, int64_t my_index,
                                       int64_t my_term)
{
    return cand_term > my_term || (cand_term == my_term && cand_index >= my_index);
}

/* Figure 2, RequestVote receiver (after raft_observe_term): grant a request of the current term when votedFor
 * is none or this candidate and log_ok (raft_log_up_to_date). The caller records the vote in voted_for. */
static inline bool raft_may_grant(const struct raft_server *r, int64_t term, int cand, bool log_ok)
{
    return term == r->term && (r->voted_for < 0 || r->voted_for == cand) && log_ok;
}

/* Section 5.2: a candidate counts a granted vote of its own term from server `from`; true when it now holds
 * a majority of n (the caller then becomes leader, so this is true once per term). */
static inline bool raft_tally_vote(struct raft_server *r, int64_t term, int from, bool granted, int n)
{
    return r->role == RAFT_CANDIDATE && term == r->term && granted && raft_add_voter(&r->votes, from, n);
}

/* A heartbeat timer is tagged with the term it was started in: it is due only while its server still leads
 * that term. */
static inline bool raft_heartbeat_due(const struct raft_server *r, uint64_t timer_term)
{
    return r->role == RAFT_LEADER && (int64_t)timer_term == r->term;
}

/* Figure 2, AppendEntries receiver rule 2: the follower's log must hold an entry at prevLogIndex whose term
 * is prevLogTerm (index 0, the empty prefix, always matches). my_term_at_prev: the follower's term there. */
static inline bool raft_prev_matches(int64_t prev_index, int64_t prev_term, int64_t my_len,
                                     int64_t my_term_at_prev)
{
    return prev_index <= my_len && (prev_index == 0 || my_term_at_prev == prev_term);
}

/* Figure 2, "Leaders": whether a majority of the n servers' matchIndex reaches index (the caller also
 * requires log[index].term == currentTerm before it commits). */
static inline bool raft_majority_holds(const int64_t *match, int n, int64_t index)
{
    int count = 0;
    for (int p = 0; p < n; p++)
        count += match[p] >= index;
    return count >= raft_majority(n);
}

/* Thesis 9.6, PreVote: a pre-vote for term T is granted when T is above the voter's term and the asker's log
 * is at least as up-to-date (log_ok); granting it changes nothing on the voter. */
static inline bool raft_prevote_ok(const struct raft_server *r, int64_t term, bool log_ok)
{
    return term > r->term && log_ok;
}

/* Thesis 6.2, CheckQuorum: whether a leader heard from a majority of the n servers (itself included) less
 * than `window` ago; heard[p] is when it last heard from server p. */
static inline bool raft_heard_quorum(const sim_time *heard, int n, int self, sim_time now, sim_time window)
{
    int count = 0;
    for (int p = 0; p < n; p++)
        count += p == self || now - heard[p] < window;
    return count >= raft_majority(n);
}

/* Sends the same message (copied by the network) from self to each of the other n - 1 servers, in id order.
 */
void raft_broadcast(struct sim *s, node_id self, int n, int type, const void *m, uint32_t len);

/* An election timer that is reset far more often than it fires (on every heartbeat): a reset only moves the
 * deadline, and the one pending simulator timer re-arms itself for the rest when it fires early, which saves
 * a cancel and a new timer per heartbeat. */
struct raft_timer {
    sim_time deadline; /* < 0: none (the caller's convention, e.g. a leader or a restarted node) */
    bool armed;        /* a simulator timer of this kind is pending */
};

/* Moves node id's deadline to now + a timeout drawn uniformly from [lo, hi] from the node's own random
 * stream (one draw per reset); starts a simulator timer of `kind` if none is pending. */
void raft_timer_reset(struct sim *s, node_id id, struct raft_timer *t, sim_time lo, sim_time hi, int kind);

/* To call when node id's timer of `kind` fires: it is no longer pending. When `live` (the caller still wants
 * an election timeout) and the deadline moved since, re-arms for the rest. Returns whether the deadline has
 * been reached, i.e. the election timeout elapsed. */
bool raft_timer_fired(struct sim *s, node_id id, struct raft_timer *t, int kind, bool live);

#endif
