/* A Raft leader election in C for `dkata test -w raft-election --bin build/examples/raft_election`, the same
 * rules as raft_election.py (Raft paper, Figure 2 and section 5.2): a follower that hears nothing for a random
 * 300-600 ms becomes a candidate (term + 1, votes for itself, asks everyone); one vote per term; a majority makes
 * a leader, which sends heartbeats every 50 ms; a higher term makes anyone a follower. Every change of role or
 * term is reported to dkata: {"dest":"dkata", "body":{"type":"role", "role":"leader", "term":3}}.
 * Build: cc -O2 raft_election.c -ljansson. */
#include "node.h"

enum { FOLLOWER, CANDIDATE, LEADER };
static const char *const role_names[] = {"follower", "candidate", "leader"};
static int role;
static long long term, deadline, next_beat;
static char voted_for[64];
static json_t *nodes;
static int votes;

static long long timeout(void)
{
    return node_now_ms() + 300 + rand() % 300;
}

static void become(int r, long long t)
{
    if (t > term)
        voted_for[0] = 0;
    if (role == LEADER && r != LEADER)
        deadline = timeout();
    if (r != role || t != term) {
        role = r;
        term = t;
        fprintf(stderr, "%s %s in term %lld\n", node_id, role_names[role], term);
        node_send("dkata", json_pack("{s:s, s:s, s:I}", "type", "role", "role", role_names[role], "term", term));
    }
}

static void to_all(const char *type)
{
    size_t i;
    json_t *n;
    json_array_foreach(nodes, i, n) if (strcmp(json_string_value(n), node_id))
        node_send(json_string_value(n), json_pack("{s:s, s:I, s:s}", "type", type, "term", term, "candidate", node_id));
}

static void handle(json_t *msg)
{
    json_t *body = json_object_get(msg, "body");
    const char *type = json_string_value(json_object_get(body, "type"));
    long long t = json_integer_value(json_object_get(body, "term"));
    if (strcmp(type, "init") == 0) {
        nodes = json_incref(json_object_get(body, "node_ids"));
        srand((unsigned)getpid());
        deadline = timeout();
        node_send("dkata", json_pack("{s:s, s:s, s:I}", "type", "role", "role", "follower", "term", term));
        return;
    }
    if (t > term)
        become(FOLLOWER, t);
    if (strcmp(type, "request_vote") == 0) {
        const char *cand = json_string_value(json_object_get(body, "candidate"));
        int grant = t == term && cand && (!voted_for[0] || strcmp(voted_for, cand) == 0);
        if (grant) {
            snprintf(voted_for, sizeof(voted_for), "%s", cand);
            deadline = timeout();
        }
        node_reply(msg, json_pack("{s:s, s:I, s:b}", "type", "vote", "term", term, "granted", grant));
    } else if (strcmp(type, "vote") == 0 && role == CANDIDATE && t == term &&
               json_is_true(json_object_get(body, "granted"))) {
        if (2 * ++votes > (int)json_array_size(nodes)) {
            become(LEADER, term);
            to_all("heartbeat");
            next_beat = node_now_ms() + 50;
        }
    } else if (strcmp(type, "heartbeat") == 0 && t == term) {
        if (role != FOLLOWER)
            become(FOLLOWER, term);
        deadline = timeout();
    }
}

static void tick(void)
{
    long long now = node_now_ms();
    if (!nodes)
        return;
    if (role == LEADER) {
        if (now >= next_beat) {
            to_all("heartbeat");
            next_beat = now + 50;
        }
    } else if (now >= deadline) {
        become(CANDIDATE, term + 1);
        snprintf(voted_for, sizeof(voted_for), "%s", node_id);
        votes = 1; /* its own; a vote from each other node counts once since each votes once per term */
        deadline = timeout();
        to_all("request_vote");
    }
}

int main(void)
{
    int rc = node_run(handle, tick, 10);
    if (nodes)
        json_decref(nodes);
    return rc;
}
