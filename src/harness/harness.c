/* The harness's router: spawns the nodes, moves their messages through dkata's network model in real time
 * (latency, loss, partitions), runs the clients and the nemesis, and stops cleanly on every path. */
#include "harness/harness.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/units.h"
#include "harness/harness_int.h"
#include "harness/proc.h"
#include "harness/proto.h"

static const char *const workload_names[HW_NWORKLOADS] = {
    "echo", "unique-ids", "broadcast", "g-counter", "pn-counter", "g-set", "lin-kv", "raft-election"};

const char *harness_workload_name(int w)
{
    return w >= 0 && w < HW_NWORKLOADS ? workload_names[w] : "?";
}

int harness_workload_parse(const char *s)
{
    for (int i = 0; i < HW_NWORKLOADS; i++)
        if (strcmp(s, workload_names[i]) == 0)
            return i;
    return -1;
}

void harness_opts_default(struct harness_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->workload = -1;
    o->node_count = 3;
    o->time_limit_ns = 10 * NS_PER_S;
    o->rate = 5;
    dist_const(&o->latency, 0);
    o->nemesis_interval_ns = 10 * NS_PER_S;
    o->availability = -1;
    o->seed = 1;
    o->log_dir = "store";
    o->diagram_ns = 2 * NS_PER_S;
    o->timeout_ns = 2 * NS_PER_S;
    o->init_timeout_ns = 10 * NS_PER_S;
    o->recovery_ns = 2 * NS_PER_S;
    o->max_line = 1 << 20;
    o->max_inflight = 200000;
    o->max_backlog = (size_t)64 << 20;
}

/* ---- signals: a self-pipe wakes the loop ---- */

static volatile sig_atomic_t g_stop, g_chld;
static int g_wake[2] = {-1, -1};

static void on_signal(int sig)
{
    int e = errno;
    if (sig == SIGCHLD)
        g_chld = 1;
    else
        g_stop = sig;
    if (g_wake[1] >= 0 && write(g_wake[1], "x", 1) < 0) {
    }
    errno = e;
}

static const int caught[] = {SIGINT, SIGTERM, SIGHUP, SIGCHLD};
#define NCAUGHT (sizeof(caught) / sizeof(caught[0]))

static void signals_install(struct sigaction *old)
{
    if (g_wake[0] < 0 && pipe2(g_wake, O_CLOEXEC | O_NONBLOCK) < 0)
        g_wake[0] = g_wake[1] = -1;
    g_stop = 0;
    g_chld = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NCAUGHT; i++)
        sigaction(caught[i], &sa, &old[i]);
}

static void signals_restore(const struct sigaction *old)
{
    for (size_t i = 0; i < NCAUGHT; i++)
        sigaction(caught[i], &old[i], NULL);
}

/* ---- time ---- */

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

int64_t h_now(const struct harness *h)
{
    return mono_ns() - h->t0;
}

static const char *fmt_t(char *out, size_t n, int64_t ns)
{
    snprintf(out, n, "%.3fs", (double)ns / NS_PER_S);
    return out;
}

/* ---- names ---- */

const char *h_ep_name(const struct harness *h, struct ep e, char *buf, size_t n)
{
    switch (e.kind) {
    case EP_NODE: return h->nodes[e.idx].name;
    case EP_CLIENT: snprintf(buf, n, "c%d", e.idx); return buf;
    case EP_SERVICE: return svc_name(e.idx);
    }
    return "dkata";
}

/* ---- protocol breaks ---- */

/* Appends the last line of a node's log (a traceback's last line, usually the reason it died). */
static void log_tail(const char *path, struct buf *out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char tail[512];
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : 0;
    long from = size > (long)sizeof(tail) - 1 ? size - (long)sizeof(tail) + 1 : 0;
    fseek(f, from, SEEK_SET);
    size_t n = fread(tail, 1, sizeof(tail) - 1, f);
    fclose(f);
    while (n && (tail[n - 1] == '\n' || tail[n - 1] == '\r'))
        n--;
    tail[n] = 0;
    const char *last = strrchr(tail, '\n');
    last = last ? last + 1 : tail;
    if (*last)
        buf_printf(out, " (it ends: %s)", last);
}

void h_problem(struct harness *h, int node, const char *line, size_t len, const char *fmt, ...)
{
    if (h->problem.len)
        return;
    char t[32];
    buf_printf(&h->problem, "%s at %s: ", node >= 0 ? h->nodes[node].name : "dkata", fmt_t(t, sizeof(t), h_now(h)));
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&h->problem, fmt, ap);
    va_end(ap);
    if (line) {
        size_t show = len < 200 ? len : 200;
        buf_puts(&h->problem, "\n  the line: ");
        for (size_t i = 0; i < show; i++)
            buf_putc(&h->problem, (unsigned char)line[i] < 32 ? '?' : line[i]);
        if (show < len)
            buf_printf(&h->problem, "... (%zu bytes)", len);
    }
    if (node >= 0 && !h->o->log_stderr) {
        buf_printf(&h->problem, "\n  its log: %s", h->nodes[node].log_path);
        log_tail(h->nodes[node].log_path, &h->problem);
    }
}

/* ---- the network: a heap of messages ordered by (delivery time, sequence) ---- */

static bool flight_before(const struct flight *a, const struct flight *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void heap_push(struct harness *h, struct flight f)
{
    XGROW(h->heap, h->capheap, h->nheap + 1);
    size_t i = h->nheap++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!flight_before(&f, &h->heap[p]))
            break;
        h->heap[i] = h->heap[p];
        i = p;
    }
    h->heap[i] = f;
}

static struct flight heap_pop(struct harness *h)
{
    struct flight top = h->heap[0], last = h->heap[--h->nheap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->nheap)
            break;
        if (c + 1 < h->nheap && flight_before(&h->heap[c + 1], &h->heap[c]))
            c++;
        if (!flight_before(&h->heap[c], &last))
            break;
        h->heap[i] = h->heap[c];
        i = c;
    }
    if (h->nheap)
        h->heap[i] = last;
    return top;
}

static void flight_free(struct flight *f)
{
    free(f->line);
    if (f->msg)
        json_decref(f->msg);
}

static void node_write(struct hnode *nd, const char *line, size_t len)
{
    buf_put(&nd->out, line, len);
}

static void deliver(struct harness *h, struct flight *f);

/* Puts a message on the network: dropped by a partition or loss, else delivered after a latency draw. */
static void route(struct harness *h, struct ep from, struct ep to, char *line, size_t len, json_t *msg,
                  const char *type)
{
    int64_t now = h_now(h);
    h->routed++;
    if (from.kind == EP_NODE && to.kind == EP_NODE) {
        h->node_msgs++;
        if ((h->partitioned && h->group_of[from.idx] != h->group_of[to.idx]) ||
            (h->o->loss > 0 && rng_chance(&h->net_rng, h->o->loss))) {
            h->dropped++;
            diagram_record(h, from, to, now, -1, type);
            free(line);
            if (msg)
                json_decref(msg);
            return;
        }
    }
    int64_t d = dist_sample(&h->o->latency, &h->net_rng);
    diagram_record(h, from, to, now, now + d, type);
    struct flight f = {.at = now + d, .seq = h->seq++, .from = from, .to = to, .sent_at = now, .line = line,
                       .len = len, .msg = msg};
    if (d == 0 && to.kind == EP_NODE)
        deliver(h, &f);
    else
        heap_push(h, f);
}

void h_send_body(struct harness *h, struct ep from, int to, json_t *body)
{
    char nb[32];
    const char *type = json_string_value(json_object_get(body, "type"));
    char tb[24];
    snprintf(tb, sizeof(tb), "%s", type ? type : "?");
    size_t len;
    char *line = proto_line(h_ep_name(h, from, nb, sizeof(nb)), h->nodes[to].name, body, &len);
    route(h, from, (struct ep){EP_NODE, to}, line, len, NULL, tb);
}

/* ---- clients ---- */

static int client_new(struct harness *h, int node, enum client_role role)
{
    XGROW(h->cl, h->capcl, h->ncl + 1);
    struct client *c = &h->cl[h->ncl];
    memset(c, 0, sizeof(*c));
    c->id = (int)h->ncl;
    c->node = node;
    c->role = role;
    c->next_msg_id = 1;
    return (int)h->ncl++;
}

static void client_send(struct harness *h, struct client *c, json_t *body)
{
    c->req_id = c->next_msg_id++;
    json_object_set_new(body, "msg_id", json_integer(c->req_id));
    c->req = body;
    c->busy = true;
    c->sent_at = h_now(h);
    c->deadline = c->sent_at + h->o->timeout_ns;
    h_send_body(h, (struct ep){EP_CLIENT, c->id}, c->node, json_incref(body));
}

static double op_gap_ns(struct harness *h)
{
    if (h->o->rate <= 0)
        return 0;
    double mean = (double)h->o->concurrency / h->o->rate * NS_PER_S;
    return rng_exponential(&h->wl_rng, mean);
}

static void client_issue(struct harness *h, struct client *c)
{
    const char *f = "?";
    json_t *body = wl_request(h, c, &f);
    XGROW(h->ops, h->capops, h->nops + 1);
    struct hop *op = &h->ops[h->nops];
    memset(op, 0, sizeof(*op));
    op->client = c->id;
    op->node = c->node;
    op->f = f;
    op->t_invoke = h_now(h);
    op->err_code = -1;
    op->req = json_incref(body);
    c->op = h->nops++;
    client_send(h, c, body);
}

/* A client's request ended: ok (reply), fail or info (error code, or timeout). */
static void client_done(struct harness *h, struct client *c, enum op_type t, int64_t code, json_t *reply)
{
    int64_t now = h_now(h);
    c->busy = false;
    json_decref(c->req);
    c->req = NULL;
    struct hnode *nd = &h->nodes[c->node];
    if (code == PROTO_TIMEOUT && !reply)
        nd->timeouts++;
    else
        nd->answered++;
    switch (c->role) {
    case CL_WORKLOAD: {
        struct hop *op = &h->ops[c->op];
        op->type = t;
        op->t_done = now;
        op->err_code = code;
        op->reply = reply ? json_incref(reply) : NULL;
        wl_completed(h, op);
        c->next_at = now + (int64_t)op_gap_ns(h);
        break;
    }
    case CL_SETUP:
        c->done = true;
        break;
    case CL_FINAL:
        if (t == OP_OK) {
            wl_final_reply(h, c->node, reply);
            c->done = true;
        } else {
            c->next_at = now + 100 * NS_PER_MS; /* try again until the final deadline */
        }
        break;
    }
}

static void client_deliver(struct harness *h, struct flight *f)
{
    struct client *c = &h->cl[f->to.idx];
    json_t *body = json_object_get(f->msg, "body");
    int from = f->from.kind == EP_NODE ? f->from.idx : -1;
    json_t *irt = json_object_get(body, "in_reply_to");
    const char *type = json_string_value(json_object_get(body, "type"));
    if (!json_is_integer(irt)) {
        char *s = json_dumps(f->msg, JSON_COMPACT);
        h_problem(h, from, s, strlen(s), "sent c%d a %s that answers no request (no \"in_reply_to\"); clients only "
                  "take replies", c->id, type);
        free(s);
        return;
    }
    if (!c->busy || json_integer_value(irt) != c->req_id) {
        h->late_replies++;
        return;
    }
    const char *req_type = json_string_value(json_object_get(c->req, "type"));
    if (strcmp(type, "error") == 0) {
        json_t *code = json_object_get(body, "code");
        if (!json_is_integer(code)) {
            char *s = json_dumps(f->msg, JSON_COMPACT);
            h_problem(h, from, s, strlen(s), "answered c%d's %s with an error without an integer \"code\"", c->id,
                      req_type);
            free(s);
            return;
        }
        int64_t k = json_integer_value(code);
        client_done(h, c, proto_error_definite(k) ? OP_FAIL : OP_INFO, k, body);
        return;
    }
    char want[64];
    snprintf(want, sizeof(want), "%s_ok", req_type);
    const char *shape = strcmp(type, want) == 0 ? wl_reply_shape(h, c->req, body) : NULL;
    if (strcmp(type, want) != 0 || shape) {
        char *s = json_dumps(f->msg, JSON_COMPACT);
        if (shape)
            h_problem(h, from, s, strlen(s), "answered c%d's %s with a %s %s", c->id, req_type, type, shape);
        else
            h_problem(h, from, s, strlen(s), "answered c%d's %s with a \"%s\"; expected \"%s\" or \"error\"", c->id,
                      req_type, type, want);
        free(s);
        return;
    }
    client_done(h, c, OP_OK, -1, body);
}

/* ---- nodes ---- */

static void node_reset(struct hnode *nd)
{
    if (nd->in_fd >= 0)
        close(nd->in_fd);
    if (nd->out_fd >= 0)
        close(nd->out_fd);
    nd->in_fd = nd->out_fd = -1;
    buf_reset(&nd->out);
    nd->out_off = 0;
    buf_reset(&nd->in);
    for (size_t i = 0; i < nd->nheld; i++)
        free(nd->held[i].line);
    nd->nheld = 0;
    nd->state = NS_DOWN;
    nd->paused = false;
}

int h_node_start(struct harness *h, int i)
{
    struct hnode *nd = &h->nodes[i];
    char err[600];
    if (proc_spawn(h->o->argv, h->o->log_stderr ? NULL : nd->log_path, &nd->pid, &nd->in_fd, &nd->out_fd, err, sizeof(err)) < 0) {
        if (!h->problem.len)
            buf_printf(&h->problem, "%s: %s", nd->name, err);
        return -1;
    }
    nd->incarnation++;
    nd->state = NS_INIT;
    nd->init_deadline = h_now(h) + h->o->init_timeout_ns;
    nd->init_client = client_new(h, i, CL_SETUP);
    struct client *c = &h->cl[nd->init_client];
    json_t *body = json_object();
    json_object_set_new(body, "type", json_string("init"));
    json_object_set_new(body, "msg_id", json_integer(c->next_msg_id));
    nd->init_msg_id = c->next_msg_id++;
    json_object_set_new(body, "node_id", json_string(nd->name));
    json_t *ids = json_array();
    for (int k = 0; k < h->n; k++)
        json_array_append_new(ids, json_string(h->nodes[k].name));
    json_object_set_new(body, "node_ids", ids);
    char cn[32];
    snprintf(cn, sizeof(cn), "c%d", c->id);
    size_t len;
    char *line = proto_line(cn, nd->name, body, &len);
    node_write(nd, line, len); /* init goes first, straight in */
    diagram_record(h, (struct ep){EP_CLIENT, c->id}, (struct ep){EP_NODE, i}, h_now(h), h_now(h), "init");
    free(line);
    return 0;
}

void h_node_kill(struct harness *h, int i)
{
    struct hnode *nd = &h->nodes[i];
    if (nd->state == NS_DOWN)
        return;
    if (nd->pid > 0) {
        proc_signal_group(nd->pid, SIGKILL);
        int st;
        while (waitpid(nd->pid, &st, 0) < 0 && errno == EINTR) {
        }
    }
    nd->pid = 0;
    node_reset(nd);
}

static void deliver(struct harness *h, struct flight *f)
{
    switch (f->to.kind) {
    case EP_NODE: {
        struct hnode *nd = &h->nodes[f->to.idx];
        if (nd->state == NS_UP)
            node_write(nd, f->line, f->len);
        else if (nd->state == NS_INIT) {
            XGROW(nd->held, nd->capheld, nd->nheld + 1);
            nd->held[nd->nheld++] = (struct held){f->line, f->len};
            f->line = NULL;
        }
        break;
    }
    case EP_CLIENT: client_deliver(h, f); break;
    case EP_SERVICE: svc_handle(h, f->to.idx, f->from.idx, f->msg); break;
    }
    flight_free(f);
}

static void node_up(struct harness *h, int i)
{
    struct hnode *nd = &h->nodes[i];
    nd->state = NS_UP;
    h->cl[nd->init_client].done = true;
    for (size_t k = 0; k < nd->nheld; k++) {
        node_write(nd, nd->held[k].line, nd->held[k].len);
        free(nd->held[k].line);
    }
    nd->nheld = 0;
}

/* Where a node's message goes; reports a protocol break if nowhere. */
static bool resolve(struct harness *h, int i, const struct proto_msg *m, struct ep *to, const char *line,
                    size_t len)
{
    int k;
    if ((k = proto_node_index(m->dest)) >= 0 && k < h->n)
        *to = (struct ep){EP_NODE, k};
    else if ((k = proto_client_index(m->dest)) >= 0 && (size_t)k < h->ncl)
        *to = (struct ep){EP_CLIENT, k};
    else if ((k = svc_parse(m->dest)) >= 0)
        *to = (struct ep){EP_SERVICE, k};
    else if (strcmp(m->dest, "dkata") == 0)
        *to = (struct ep){EP_DKATA, 0};
    else {
        h_problem(h, i, line, len,
                  "sent a message to \"%s\", which is no node (n0..n%d), client (c0..c%zu) or service "
                  "(lin-kv, seq-kv, lww-kv, lin-tso, dkata)", m->dest, h->n - 1, h->ncl ? h->ncl - 1 : 0);
        return false;
    }
    return true;
}

static void node_line(struct harness *h, int i, const char *line, size_t len)
{
    struct hnode *nd = &h->nodes[i];
    struct proto_msg m;
    char err[300];
    if (proto_parse(&m, line, len, err, sizeof(err)) < 0) {
        h_problem(h, i, line, len, "printed a line on stdout that is %s", err);
        return;
    }
    nd->msgs_from++;
    if (nd->state == NS_INIT) {
        if (strcmp(m.type, "init_ok") == 0 && (!m.has_reply || m.in_reply_to == nd->init_msg_id))
            node_up(h, i);
        else
            h_problem(h, i, line, len, "printed a \"%s\" before answering init; expected {\"type\":\"init_ok\", "
                      "\"in_reply_to\":%" PRId64 "} first", m.type, nd->init_msg_id);
        proto_msg_close(&m);
        return;
    }
    struct ep to;
    if (strcmp(m.type, "init_ok") == 0 && proto_client_index(m.dest) == nd->init_client) {
        proto_msg_close(&m); /* a second init_ok: harmless */
        return;
    }
    if (!resolve(h, i, &m, &to, line, len)) {
        proto_msg_close(&m);
        return;
    }
    struct ep from = {EP_NODE, i};
    if (to.kind == EP_DKATA) {
        elect_report(h, i, m.body, line, len);
    } else if (to.kind == EP_NODE) {
        char *copy = xmalloc(len + 1);
        memcpy(copy, line, len);
        copy[len] = '\n';
        h->nodes[to.idx].msgs_to++;
        route(h, from, to, copy, len + 1, NULL, m.type);
    } else {
        route(h, from, to, NULL, 0, json_incref(m.root), m.type);
    }
    proto_msg_close(&m);
}

/* The node's stdout closed: it crashed or exited, which the protocol does not allow. */
static void node_gone(struct harness *h, int i)
{
    struct hnode *nd = &h->nodes[i];
    int st = 0;
    pid_t p = nd->pid > 0 ? 0 : -1;
    for (int k = 0; k < 200 && p == 0; k++) {
        p = waitpid(nd->pid, &st, WNOHANG);
        if (p == 0) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
    char what[128];
    if (p == nd->pid)
        proc_describe_status(st, what, sizeof(what));
    else
        snprintf(what, sizeof(what), "closed its stdout");
    if (p == nd->pid)
        nd->pid = 0;
    h_problem(h, i, NULL, 0, "the node %s (a node must run until dkata stops it)", what);
    node_reset(nd);
}

static void node_read(struct harness *h, int i)
{
    struct hnode *nd = &h->nodes[i];
    char chunk[65536];
    for (int round = 0; round < 8 && nd->out_fd >= 0 && !h->problem.len; round++) {
        ssize_t r = read(nd->out_fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r <= 0) {
            node_gone(h, i);
            return;
        }
        const char *p = chunk, *end = chunk + r;
        while (p < end && !h->problem.len && nd->out_fd >= 0) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl) {
                buf_put(&nd->in, p, (size_t)(end - p));
                if (nd->in.len > h->o->max_line)
                    h_problem(h, i, nd->in.data, 120, "printed a line longer than %zu bytes on stdout (without a "
                              "newline so far); a message must fit in one line of at most that", h->o->max_line);
                break;
            }
            const char *line = p;
            size_t len = (size_t)(nl - p);
            if (nd->in.len) {
                buf_put(&nd->in, p, len);
                line = nd->in.data;
                len = nd->in.len;
            }
            if (len > h->o->max_line)
                h_problem(h, i, line, 120, "printed a line of %zu bytes on stdout; at most %zu are allowed", len,
                          h->o->max_line);
            else if (len && !(len == 1 && line[0] == '\r'))
                node_line(h, i, line, len);
            buf_reset(&nd->in);
            p = nl + 1;
        }
    }
}

static void node_flush(struct harness *h, int i)
{
    struct hnode *nd = &h->nodes[i];
    while (nd->in_fd >= 0 && nd->out_off < nd->out.len) {
        ssize_t w = write(nd->in_fd, nd->out.data + nd->out_off, nd->out.len - nd->out_off);
        if (w > 0)
            nd->out_off += (size_t)w;
        else if (w < 0 && errno == EINTR)
            continue;
        else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        else { /* EPIPE: it is gone; its stdout will say how */
            nd->out_off = nd->out.len;
        }
    }
    if (nd->out_off == nd->out.len) {
        buf_reset(&nd->out);
        nd->out_off = 0;
    } else if (nd->out.len - nd->out_off > h->o->max_backlog && !nd->paused) {
        h_problem(h, i, NULL, 0, "does not read its stdin: %.1f MiB of messages wait for it",
                  (double)(nd->out.len - nd->out_off) / (1 << 20));
    } else if (nd->out_off > (1u << 20)) {
        memmove(nd->out.data, nd->out.data + nd->out_off, nd->out.len - nd->out_off);
        nd->out.len -= nd->out_off;
        nd->out_off = 0;
    }
}

/* ---- the run ---- */

enum phase { P_INIT, P_SETUP, P_RUN, P_DRAIN, P_RECOVER, P_FINAL, P_DONE };

static bool all_up(const struct harness *h)
{
    for (int i = 0; i < h->n; i++)
        if (h->nodes[i].state != NS_UP)
            return false;
    return true;
}

static bool clients_idle(const struct harness *h, enum client_role role)
{
    for (size_t k = 0; k < h->ncl; k++)
        if (h->cl[k].role == role && !h->cl[k].done && (role != CL_WORKLOAD ? true : h->cl[k].busy))
            return false;
    return true;
}

/* Timeouts and new operations; returns the time of the next thing a client must do. */
static int64_t clients_tick(struct harness *h, enum phase ph, int64_t now)
{
    int64_t next = INT64_MAX;
    for (size_t k = 0; k < h->ncl; k++) {
        struct client *c = &h->cl[k];
        if (c->done)
            continue;
        if (c->busy && now >= c->deadline) {
            if (c->role == CL_SETUP && c->id == h->nodes[c->node].init_client)
                continue; /* init has its own deadline */
            client_done(h, c, OP_INFO, PROTO_TIMEOUT, NULL);
        }
        if (c->busy) {
            if (c->deadline < next)
                next = c->deadline;
            continue;
        }
        bool may = (c->role == CL_WORKLOAD && ph == P_RUN && h->nodes[c->node].state == NS_UP) ||
                   (c->role == CL_FINAL && ph == P_FINAL);
        if (may && now >= c->next_at) {
            if (c->role == CL_WORKLOAD)
                client_issue(h, c);
            else
                client_send(h, c, wl_final_request(h));
            next = now;
        } else if (may && c->next_at < next) {
            next = c->next_at;
        }
    }
    return next;
}

static void init_deadlines(struct harness *h, int64_t now)
{
    for (int i = 0; i < h->n; i++) {
        struct hnode *nd = &h->nodes[i];
        if (nd->state == NS_INIT && !nd->paused && now > nd->init_deadline) {
            char t[32];
            units_fmt_duration(t, sizeof(t), h->o->init_timeout_ns);
            h_problem(h, i, NULL, 0, "did not answer init within %s (expected {\"type\":\"init_ok\", "
                      "\"in_reply_to\":%" PRId64 "} on stdout)", t, nd->init_msg_id);
        }
    }
}

static void print_header(struct harness *h)
{
    const struct harness_opts *o = h->o;
    char lat[128], tl[32];
    dist_format(&o->latency, lat, sizeof(lat));
    units_fmt_duration(tl, sizeof(tl), o->time_limit_ns);
    char clients[96] = "";
    if (o->workload != HW_RAFT_ELECTION)
        snprintf(clients, sizeof(clients), ", rate %g/s, concurrency %d", o->rate, o->concurrency);
    fprintf(h->out, "dkata test: workload %s, %d node%s running '%s', %s%s, latency %s, seed %" PRIu64 "\n",
            harness_workload_name(o->workload), h->n, h->n == 1 ? "" : "s", o->argv[0], tl, clients, lat, o->seed);
    struct buf b;
    buf_init(&b);
    fault_format(&h->plan, h->n, &b);
    fprintf(h->out, "nemesis schedule: %s\n", h->plan.n ? b.data : "none");
    buf_close(&b);
    fflush(h->out);
}

/* Kills every node's process group and every orphan, and reaps them all. */
static void kill_nodes(struct harness *h)
{
    pid_t pids[HARNESS_MAX_NODES];
    for (int i = 0; i < h->n; i++)
        pids[i] = h->nodes[i].pid;
    if (proc_kill_all(pids, (size_t)h->n, 3000))
        fprintf(stderr, "dkata: some node processes would not die\n");
    for (int i = 0; i < h->n; i++)
        h->nodes[i].pid = 0;
}

static void harness_close(struct harness *h)
{
    kill_nodes(h);
    for (int i = 0; i < h->n; i++) {
        node_reset(&h->nodes[i]);
        buf_close(&h->nodes[i].out);
        buf_close(&h->nodes[i].in);
        free(h->nodes[i].held);
    }
    while (h->nheap) {
        struct flight f = heap_pop(h);
        flight_free(&f);
    }
    free(h->heap);
    for (size_t k = 0; k < h->ncl; k++)
        if (h->cl[k].req)
            json_decref(h->cl[k].req);
    free(h->cl);
    for (size_t k = 0; k < h->nops; k++) {
        if (h->ops[k].req)
            json_decref(h->ops[k].req);
        if (h->ops[k].reply)
            json_decref(h->ops[k].reply);
    }
    free(h->ops);
    fault_plan_close(&h->plan);
    buf_close(&h->problem);
    svc_close(h);
    wl_close(h);
    free(h->diag);
    free(h->roles);
    free(h->nems);
}

/* One turn of the loop: wait for output or the next due event, then move everything that is due. */
static void loop_once(struct harness *h, int64_t next_due)
{
    struct pollfd pf[2 * HARNESS_MAX_NODES + 1];
    int who[2 * HARNESS_MAX_NODES + 1];
    nfds_t n = 0;
    pf[n] = (struct pollfd){.fd = g_wake[0], .events = POLLIN};
    who[n++] = -1;
    for (int i = 0; i < h->n; i++) {
        struct hnode *nd = &h->nodes[i];
        if (nd->out_fd >= 0) {
            pf[n] = (struct pollfd){.fd = nd->out_fd, .events = POLLIN};
            who[n++] = i;
        }
        if (nd->in_fd >= 0 && nd->out_off < nd->out.len) {
            pf[n] = (struct pollfd){.fd = nd->in_fd, .events = POLLOUT};
            who[n++] = -2 - i;
        }
    }
    int64_t now = h_now(h);
    int64_t wait = next_due - now;
    if (wait < 0)
        wait = 0;
    if (wait > 10 * NS_PER_MS)
        wait = 10 * NS_PER_MS;
    struct timespec ts = {wait / NS_PER_S, wait % NS_PER_S};
    int r = ppoll(pf, n, &ts, NULL);
    if (r > 0) {
        for (nfds_t k = 0; k < n && !h->problem.len; k++) {
            if (!pf[k].revents)
                continue;
            if (who[k] == -1) {
                char b[64];
                while (read(g_wake[0], b, sizeof(b)) > 0) {
                }
            } else if (who[k] >= 0) {
                node_read(h, who[k]);
            } else {
                node_flush(h, -2 - who[k]);
            }
        }
    }
    if (g_chld) { /* reap orphans of wrapper scripts as they die; nodes are reaped where they are handled */
        g_chld = 0;
        int st;
        pid_t p;
        while ((p = waitpid(-1, &st, WNOHANG | __WNOTHREAD)) > 0) {
            for (int i = 0; i < h->n; i++)
                if (h->nodes[i].pid == p) {
                    h->nodes[i].pid = 0; /* reaped: its group (if any is left) goes in the final sweep */
                    char what[128];
                    proc_describe_status(st, what, sizeof(what));
                    if (h->nodes[i].state != NS_DOWN)
                        h_problem(h, i, NULL, 0, "the node %s (a node must run until dkata stops it)", what);
                }
        }
    }
    now = h_now(h);
    while (h->nheap && h->heap[0].at <= now && !h->problem.len) {
        struct flight f = heap_pop(h);
        deliver(h, &f);
    }
    for (int i = 0; i < h->n; i++)
        if (h->nodes[i].out_off < h->nodes[i].out.len)
            node_flush(h, i);
    if (h->nheap > h->o->max_inflight && !h->problem.len) {
        int worst = 0;
        for (int i = 1; i < h->n; i++)
            if (h->nodes[i].msgs_from > h->nodes[worst].msgs_from)
                worst = i;
        h_problem(h, worst, NULL, 0, "floods the network: %zu messages in flight (it sent %" PRIu64 ", the most of "
                  "any node)", h->nheap, h->nodes[worst].msgs_from);
    }
}

static int run(struct harness *h)
{
    const struct harness_opts *o = h->o;
    for (int i = 0; i < h->n; i++)
        if (h_node_start(h, i) < 0)
            return 2;
    enum phase ph = P_INIT;
    int64_t phase_end = 0;
    while (ph != P_DONE) {
        if (g_stop)
            return 130;
        if (h->problem.len)
            return 2;
        int64_t now = h_now(h);
        init_deadlines(h, now);
        int64_t next = clients_tick(h, ph, now);
        if (h->nheap && h->heap[0].at < next)
            next = h->heap[0].at;
        switch (ph) {
        case P_INIT:
            if (all_up(h)) {
                wl_setup(h);
                ph = P_SETUP;
                phase_end = now + o->init_timeout_ns;
            }
            break;
        case P_SETUP:
            if (clients_idle(h, CL_SETUP)) {
                ph = P_RUN;
                h->run_from = now;
                h->run_until = now + o->time_limit_ns;
                for (size_t k = 0; k < h->ncl; k++)
                    if (h->cl[k].role == CL_WORKLOAD)
                        h->cl[k].next_at = now + (int64_t)op_gap_ns(h);
            } else if (now > phase_end) {
                for (size_t k = 0; k < h->ncl; k++)
                    if (h->cl[k].role == CL_SETUP && !h->cl[k].done) {
                        h_problem(h, h->cl[k].node, NULL, 0, "did not answer its setup message (%s) within %.1fs",
                                  json_string_value(json_object_get(h->cl[k].req, "type")),
                                  (double)o->init_timeout_ns / NS_PER_S);
                        break;
                    }
            }
            break;
        case P_RUN:
            while (h->plan_next < h->plan.n && now - h->run_from >= h->plan.steps[h->plan_next].at)
                nem_apply(h, &h->plan.steps[h->plan_next++]);
            if (h->plan_next < h->plan.n && h->run_from + h->plan.steps[h->plan_next].at < next)
                next = h->run_from + h->plan.steps[h->plan_next].at;
            if (now >= h->run_until) {
                nem_heal_all(h);
                ph = P_DRAIN;
            } else if (h->run_until < next) {
                next = h->run_until;
            }
            break;
        case P_DRAIN:
            if (clients_idle(h, CL_WORKLOAD)) {
                ph = wl_has_final(h) || o->workload == HW_RAFT_ELECTION ? P_RECOVER : P_DONE;
                phase_end = now + o->recovery_ns;
            }
            break;
        case P_RECOVER:
            if (now >= phase_end && all_up(h)) {
                if (!wl_has_final(h)) {
                    ph = P_DONE;
                    break;
                }
                h->final_phase = true;
                ph = P_FINAL;
                for (int i = 0; i < h->n; i++)
                {
                    int k = client_new(h, i, CL_FINAL); /* h->cl may move: index after the call */
                    h->cl[k].next_at = now;
                }
                phase_end = now + o->timeout_ns + o->recovery_ns;
                next = now;
            } else if (phase_end < next) {
                next = phase_end;
            }
            break;
        case P_FINAL:
            if (clients_idle(h, CL_FINAL) || now > phase_end)
                ph = P_DONE;
            break;
        case P_DONE: break;
        }
        if (ph != P_DONE)
            loop_once(h, next);
    }
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Latency quantiles over successful operations, and the message figures. */
static void print_figures(struct harness *h)
{
    size_t nok = 0, nfail = 0, ninfo = 0;
    int64_t *lat = xcalloc(h->nops + 1, sizeof(*lat));
    for (size_t k = 0; k < h->nops; k++) {
        const struct hop *op = &h->ops[k];
        if (op->type == OP_OK)
            lat[nok++] = op->t_done - op->t_invoke;
        else if (op->type == OP_FAIL)
            nfail++;
        else
            ninfo++;
    }
    qsort(lat, nok, sizeof(*lat), cmp_i64);
    fprintf(h->out, "operations: %zu (ok %zu, fail %zu, info %zu)", h->nops, nok, nfail, ninfo);
    if (nok) {
        double q[] = {0.5, 0.95, 0.99, 1.0};
        const char *qn[] = {"p50", "p95", "p99", "max"};
        fprintf(h->out, "; latency");
        for (int i = 0; i < 4; i++) {
            size_t idx = (size_t)(q[i] * (double)(nok - 1) + 0.5);
            fprintf(h->out, " %s %.2fms", qn[i], (double)lat[idx] / NS_PER_MS);
        }
    }
    fprintf(h->out, "\n");
    free(lat);
    double secs = (double)(h_now(h) - h->run_from) / NS_PER_S; /* the clients' time: init excluded */
    fprintf(h->out, "messages: %" PRIu64 " routed (%.0f/s), %" PRIu64 " between nodes (%.2f per operation), %" PRIu64
            " dropped, %" PRIu64 " late replies\n", h->routed, secs > 0 ? (double)h->routed / secs : 0.0,
            h->node_msgs, h->nops ? (double)h->node_msgs / (double)h->nops : 0.0, h->dropped, h->late_replies);
    for (int i = 0; i < h->n; i++) {
        const struct hnode *nd = &h->nodes[i];
        if (nd->timeouts && !nd->answered)
            fprintf(h->out, "  %s: answered none of its %" PRIu64 " client requests (all timed out): does it hang, or "
                    "reply to the wrong \"dest\" or \"in_reply_to\"?\n", nd->name, nd->timeouts);
        else if (nd->timeouts)
            fprintf(h->out, "  %s: %" PRIu64 " of its client requests timed out (%" PRIu64 " answered)\n", nd->name,
                    nd->timeouts, nd->answered);
    }
}


static int write_files(struct harness *h)
{
    struct buf p;
    buf_init(&p);
    buf_printf(&p, "%s/nemesis.txt", h->o->log_dir);
    FILE *f = fopen(p.data, "w");
    if (f) {
        struct buf b;
        buf_init(&b);
        fault_format(&h->plan, h->n, &b);
        fprintf(f, "# planned (seed %" PRIu64 ")\n%s\n# applied (seconds since the clients started)\n",
                h->o->seed, b.data ? b.data : "none");
        for (size_t k = 0; k < h->nnems; k++) {
            buf_reset(&b);
            nem_describe(h, &h->nems[k].f, &b);
            fprintf(f, "%.3f %s\n", (double)(h->nems[k].t - h->run_from) / NS_PER_S, b.data);
        }
        buf_close(&b);
        fclose(f);
    }
    buf_reset(&p);
    if (h->o->svg_path)
        buf_puts(&p, h->o->svg_path);
    else
        buf_printf(&p, "%s/messages.svg", h->o->log_dir);
    int rc = diagram_write(h, p.data);
    if (rc < 0)
        fprintf(stderr, "dkata: cannot write the message diagram to '%s'\n", p.data);
    buf_close(&p);
    return rc;
}

int harness_run(const struct harness_opts *o, FILE *out)
{
    struct harness *h = xcalloc(1, sizeof(*h));
    h->o = o;
    h->out = out;
    h->n = o->node_count;
    buf_init(&h->problem);
    fault_plan_init(&h->plan);
    rng_stream(&h->net_rng, o->seed, "net", 0);
    rng_stream(&h->wl_rng, o->seed, "workload", 0);
    rng_stream(&h->nem_rng, o->seed, "faults", 0);
    rng_stream(&h->svc_rng, o->seed, "services", 0);
    wl_init(h);
    mkdir(o->log_dir, 0755);
    for (int i = 0; i < h->n; i++) {
        struct hnode *nd = &h->nodes[i];
        snprintf(nd->name, sizeof(nd->name), "n%d", i);
        snprintf(nd->log_path, sizeof(nd->log_path), "%s/n%d.log", o->log_dir, i);
        nd->in_fd = nd->out_fd = -1;
        buf_init(&nd->out);
        buf_init(&nd->in);
    }
    for (int i = 0; i < HARNESS_MAX_NODES; i++) { /* logs of an earlier run, so that every log here is this run's */
        char old[700];
        snprintf(old, sizeof(old), "%s/n%d.log", o->log_dir, i);
        unlink(old);
    }
    if (o->nemesis_schedule) {
        char err[256];
        if (fault_parse(&h->plan, o->nemesis_schedule, h->n, err, sizeof(err)) < 0) {
            fprintf(stderr, "dkata: %s\n", err);
            harness_close(h);
            free(h);
            return 2;
        }
    } else {
        nem_draw(h);
    }
    for (int k = 0; k < o->concurrency && o->workload != HW_RAFT_ELECTION; k++)
        client_new(h, k % h->n, CL_WORKLOAD);
    print_header(h);
    proc_setup();
    struct sigaction old[NCAUGHT];
    signals_install(old);
    h->t0 = mono_ns();
    int rc = run(h);
    int stop_sig = g_stop;
    kill_nodes(h);
    signals_restore(old);
    if (rc == 130) {
        fprintf(out, "interrupted by signal %d; every node process was stopped\n", stop_sig);
    } else if (rc == 2) {
        fprintf(out, "protocol error: %s\n", h->problem.data ? h->problem.data : "a node could not be started");
        fprintf(stderr, "dkata: %s\n", h->problem.data ? h->problem.data : "a node could not be started");
    } else {
        print_figures(h);
        struct buf rep;
        buf_init(&rep);
        bool ok = o->workload == HW_RAFT_ELECTION ? elect_check(h, &rep) : wl_check(h, &rep);
        fputs(rep.data ? rep.data : "", out);
        buf_close(&rep);
        if (write_files(h) < 0)
            ok = false;
        fprintf(out, "verdict: %s\n", ok ? "valid" : "NOT valid");
        fprintf(out, "files: %s/ (n0.log.. node logs, history.jsonl, nemesis.txt, messages.svg)\n", o->log_dir);
        rc = ok ? 0 : 1;
    }
    fflush(out);
    harness_close(h);
    free(h);
    return rc;
}
