/* The harness's internals, shared by its parts (router, workloads, services, election checker, diagram). */
#ifndef DKATA_HARNESS_INT_H
#define DKATA_HARNESS_INT_H
#include <jansson.h>
#include <sys/types.h>

#include "core/fault.h"
#include "core/mem.h"
#include "core/rng.h"
#include "harness/harness.h"

enum node_state { NS_DOWN, NS_INIT, NS_UP };
enum ep_kind { EP_NODE, EP_CLIENT, EP_SERVICE, EP_DKATA };
enum service { SVC_LIN_KV, SVC_SEQ_KV, SVC_LWW_KV, SVC_LIN_TSO, SVC_N };

struct ep {
    int kind, idx;
};

struct held {
    char *line;
    size_t len;
};

struct hnode {
    char name[16];
    pid_t pid;
    int in_fd, out_fd;
    enum node_state state;
    bool paused;
    struct buf out; /* bytes waiting to be written to its stdin, from out_off */
    size_t out_off;
    struct buf in; /* a partial line from its stdout */
    struct held *held; /* messages that arrived before init_ok */
    size_t nheld, capheld;
    int64_t init_deadline, init_msg_id;
    int init_client;
    int incarnation;
    uint64_t msgs_from, msgs_to, timeouts, answered;
    char log_path[600];
};

/* A message on its way: line for a node, msg for a client or service. */
struct flight {
    int64_t at;
    uint64_t seq;
    struct ep from, to;
    int64_t sent_at;
    char *line;
    size_t len;
    json_t *msg;
};

enum client_role { CL_WORKLOAD, CL_SETUP, CL_FINAL };

struct client {
    int id;
    int node;
    enum client_role role;
    bool busy, done;
    int64_t next_msg_id;
    int64_t req_id, sent_at, deadline, next_at;
    json_t *req; /* the request body in flight (owned) */
    size_t op;   /* its index in h->ops (workload clients) */
};

enum op_type { OP_PENDING, OP_OK, OP_FAIL, OP_INFO };

struct hop {
    int client, node;
    const char *f;
    int64_t t_invoke, t_done;
    enum op_type type;
    int64_t err_code; /* -1: none */
    json_t *req;      /* kept only where the checker needs it */
    json_t *reply;
};

struct dmsg {
    int64_t t_send, t_recv; /* t_recv < 0: dropped */
    struct ep from, to;
    char type[24];
};

struct role_ev {
    int64_t t;
    int node, incarnation;
    int role; /* 0 follower, 1 candidate, 2 leader */
    int64_t term;
};

struct nem_ev {
    int64_t t;
    struct fault f;
};

struct harness {
    const struct harness_opts *o;
    FILE *out;
    int n;
    struct hnode nodes[HARNESS_MAX_NODES];
    struct client *cl;
    size_t ncl, capcl;
    struct flight *heap;
    size_t nheap, capheap;
    uint64_t seq;
    struct rng net_rng, wl_rng, nem_rng, svc_rng;
    int64_t t0;       /* monotonic ns at start; every recorded time is relative to it */
    int64_t run_from; /* when clients start (after init) */
    int64_t run_until;
    struct fault_plan plan;
    size_t plan_next;
    int8_t group_of[HARNESS_MAX_NODES];
    bool partitioned;
    struct hop *ops;
    size_t nops, capops;
    struct buf problem; /* a protocol break: the run stops, exit 2 */
    uint64_t routed, node_msgs, dropped, late_replies;
    struct dmsg *diag;
    size_t ndiag, capdiag;
    /* services */
    struct svc_state *svc;
    /* workloads */
    struct wl_state *wl; /* per-workload facts for the checker (workload.c) */
    bool final_phase;
    /* raft-election */
    struct role_ev *roles;
    size_t nroles, caproles;
    struct nem_ev *nems;
    size_t nnems, capnems;
};

/* The router: time, sending, protocol errors. */
int64_t h_now(const struct harness *h);
/* Sends body (stolen) from client or service `from` to node `to`, through the network. Sets msg_id if
 * msg_id >= 0. */
void h_send_body(struct harness *h, struct ep from, int to, json_t *body);
/* Records a protocol break by node (first one wins): the run stops and exits 2. */
void h_problem(struct harness *h, int node, const char *line, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
const char *h_ep_name(const struct harness *h, struct ep e, char *buf, size_t n);

/* Nodes (harness.c): start one (and send it init), or kill its process group and forget its pipes. */
int h_node_start(struct harness *h, int i);
void h_node_kill(struct harness *h, int i);

/* The nemesis (nemesis.c). */
/* Draws h->plan from the seed for the chosen kinds (o->nemesis) over the time limit. */
void nem_draw(struct harness *h);
/* Applies one fault now, records it in h->nems and prints it. */
void nem_apply(struct harness *h, const struct fault *f);
/* Ends every fault: heals the network, resumes paused nodes, restarts killed ones. */
void nem_heal_all(struct harness *h);
/* The fault in words ("partition n0,n1 | n2"). */
void nem_describe(const struct harness *h, const struct fault *f, struct buf *b);

/* Workloads (workload.c). */
/* The request body of a client's next operation (new reference) and its operation name. */
json_t *wl_request(struct harness *h, struct client *c, const char **f);
/* An operation completed (ok, fail or info): check what can be checked now; drop what need not be kept. */
void wl_completed(struct harness *h, struct hop *op);
/* Checks a reply's shape for the request; returns NULL if fine, else what was expected. */
const char *wl_reply_shape(struct harness *h, const json_t *req, const json_t *reply);
/* Called once the test's clients are done: the final read request for one node, or NULL if none. */
json_t *wl_final_request(struct harness *h);
void wl_final_reply(struct harness *h, int node, json_t *reply);
/* Sends what a workload needs before the clients start (broadcast: topology); returns how many setup replies
 * to wait for. */
int wl_setup(struct harness *h);
/* Runs the workload's checker; appends its report lines to out; returns true if valid. */
bool wl_check(struct harness *h, struct buf *out);
bool wl_has_final(const struct harness *h);
void wl_init(struct harness *h);
void wl_close(struct harness *h);

/* Services (services.c): handles a message to service s from node `from`; replies through h_send_body. */
void svc_handle(struct harness *h, int s, int from, json_t *msg);
const char *svc_name(int s);
int svc_parse(const char *name);
void svc_close(struct harness *h);

/* raft-election (election.c). */
void elect_report(struct harness *h, int node, json_t *body, const char *line, size_t len);
bool elect_check(struct harness *h, struct buf *out);

/* The message diagram (diagram.c). */
void diagram_record(struct harness *h, struct ep from, struct ep to, int64_t sent, int64_t recv, const char *type);
int diagram_write(struct harness *h, const char *path);

#endif
