/* Kata 1 step 4 against real Patroni + etcd: three PostgreSQL nodes under Patroni with a leader lock
 * in a local etcd; kill the leader, time the lock expiry and the promotion, bring the old primary
 * back and show that it rejoins as a replica (pg_rewind) and refuses writes. */
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "lab/drill_util.h"
#include "lab/drills.h"
#include "lab/pgconn.h"

#define NNODES 3
/* port offsets from --port-base */
enum { OFF_PG = 0, OFF_REST = 10, OFF_ETCD = 20, OFF_ETCD_PEER = 21 };

void patroni_opts_default(struct patroni_opts *o)
{
    memset(o, 0, sizeof *o);
    o->ttl_s = 5;
    o->loop_wait_s = 1;
}

struct pa {
    const struct patroni_opts *o;
    struct pglab lab;
    char scope[32];
    char leader_key[128];
    struct drill_events ev;
};

static int port(struct pa *p, int off)
{
    return p->lab.st.port_base + off;
}

/* ---- etcd through its v3 JSON gateway ---- */

struct body {
    char data[8192];
    size_t len;
};

static size_t on_body(char *ptr, size_t size, size_t n, void *arg)
{
    struct body *b = arg;
    size_t k = size * n;
    size_t room = sizeof b->data - 1 - b->len;
    size_t take = k < room ? k : room;
    memcpy(b->data + b->len, ptr, take);
    b->len += take;
    b->data[b->len] = 0;
    return k;
}

/* POSTs json (or GETs when json is NULL) to etcd's path; 0 and the reply in b, or -1. */
static int etcd_call(struct pa *p, const char *path, const char *json, struct body *b)
{
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port(p, OFF_ETCD), path);
    b->len = 0;
    b->data[0] = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 1000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    if (json)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
    long code = 0;
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    return rc == CURLE_OK && code == 200 ? 0 : -1;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* etcd's gateway speaks base64 for keys and values. out holds 4 * ceil(n / 3) + 1 bytes. */
static void b64_encode(const unsigned char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = B64[v >> 18 & 63];
        out[o++] = B64[v >> 12 & 63];
        out[o++] = i + 1 < n ? B64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? B64[v & 63] : '=';
    }
    out[o] = 0;
}

/* Decodes base64 text into out (at most cap bytes); the length, or -1 on a bad character. */
static int b64_decode(const char *in, unsigned char *out, size_t cap)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (; *in && *in != '='; in++) {
        const char *c = strchr(B64, *in);
        if (!c || !*in)
            return -1;
        acc = acc << 6 | (uint32_t)(c - B64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == cap)
                return -1;
            out[n++] = (unsigned char)(acc >> bits & 0xff);
        }
    }
    return (int)n;
}

/* The member name holding the leader lock ("" if nobody), or -1 if etcd did not answer. */
static int etcd_leader(struct pa *p, char *out, size_t n)
{
    char key64[200];
    b64_encode((const unsigned char *)p->leader_key, strlen(p->leader_key), key64);
    char req[400];
    snprintf(req, sizeof req, "{\"key\":\"%s\"}", key64);
    struct body b;
    if (etcd_call(p, "/v3/kv/range", req, &b))
        return -1;
    out[0] = 0;
    json_t *o = json_loads(b.data, 0, NULL);
    json_t *kvs = o ? json_object_get(o, "kvs") : NULL;
    json_t *v = json_is_array(kvs) && json_array_size(kvs) ? json_object_get(json_array_get(kvs, 0), "value") : NULL;
    if (json_is_string(v) && json_string_length(v) < 200) {
        unsigned char raw[200];
        int len = b64_decode(json_string_value(v), raw, sizeof raw);
        if (len > 0)
            snprintf(out, n, "%.*s", len, (const char *)raw);
    }
    json_decref(o);
    return 0;
}

/* ---- starting the pieces ---- */

static int spawn(struct pa *p, const char *name, int rport, char *const argv[], char *err, size_t errn)
{
    char log[PATH_MAX];
    snprintf(log, sizeof log, "%s/%s.log", p->lab.dir, name);
    pid_t pid = lab_proc_spawn(&p->lab.user, p->lab.dir, argv, log);
    if (pid < 0) {
        snprintf(err, errn, "cannot start %s", argv[0]);
        return ERR_IO;
    }
    lab_state_set(&p->lab.st, "proc", name, rport, pid);
    pglab_save(&p->lab);
    return 0;
}

static int start_etcd(struct pa *p, char *err, size_t errn)
{
    char data[PATH_MAX], curl_[64], purl[64], cluster[96];
    snprintf(data, sizeof data, "%s/etcd", p->lab.dir);
    snprintf(curl_, sizeof curl_, "http://127.0.0.1:%d", port(p, OFF_ETCD));
    snprintf(purl, sizeof purl, "http://127.0.0.1:%d", port(p, OFF_ETCD_PEER));
    snprintf(cluster, sizeof cluster, "dkata=%s", purl);
    char *argv[] = {"/usr/bin/etcd", "--name", "dkata", "--data-dir", data, "--listen-client-urls", curl_,
                    "--advertise-client-urls", curl_, "--listen-peer-urls", purl,
                    "--initial-advertise-peer-urls", purl, "--initial-cluster", cluster,
                    "--initial-cluster-state", "new", NULL};
    int rc = spawn(p, "etcd", port(p, OFF_ETCD), argv, err, errn);
    if (rc)
        return rc;
    int64_t deadline = lab_now_ns() + 15 * 1000000000LL;
    while (lab_now_ns() < deadline && !pglab_interrupted) {
        struct body b;
        if (etcd_call(p, "/health", NULL, &b) == 0 && strstr(b.data, "true"))
            return 0;
        lab_sleep_ns(50 * 1000000LL);
    }
    snprintf(err, errn, "etcd did not become healthy; see %s/etcd.log", p->lab.dir);
    return ERR_TIMEOUT;
}

/* Patroni wants ttl >= loop_wait + 2 * retry_timeout; below 2 s its etcd calls time out under load. */
static int retry_timeout(const struct patroni_opts *o)
{
    int r = (o->ttl_s - o->loop_wait_s) / 2;
    return r < 2 ? 2 : r;
}

static int write_config(struct pa *p, int k, char *err, size_t errn)
{
    char path[PATH_MAX], text[8192];
    snprintf(path, sizeof path, "%s/patroni-pg%d.yml", p->lab.dir, k);
    snprintf(text, sizeof text,
             "scope: %s\nnamespace: /dkata/\nname: pg%d\n"
             "restapi:\n  listen: 127.0.0.1:%d\n  connect_address: 127.0.0.1:%d\n"
             "etcd3:\n  hosts: 127.0.0.1:%d\n"
             "watchdog:\n  mode: off\n"
             "bootstrap:\n  dcs:\n    ttl: %d\n    loop_wait: %d\n    retry_timeout: %d\n"
             "    maximum_lag_on_failover: 1048576\n"
             "    postgresql:\n      use_pg_rewind: true\n      use_slots: true\n"
             "      parameters:\n        wal_log_hints: 'on'\n        wal_keep_size: '256MB'\n"
             "  initdb:\n  - encoding: UTF8\n  - locale: C\n  - no-sync\n"
             "  pg_hba:\n  - host replication all 127.0.0.1/32 trust\n  - host all all 127.0.0.1/32 trust\n"
             "postgresql:\n  listen: 127.0.0.1:%d\n  connect_address: 127.0.0.1:%d\n"
             "  data_dir: %s/pg%d\n  bin_dir: %s\n  pgpass: %s/pgpass-pg%d\n"
             "  authentication:\n    superuser:\n      username: postgres\n"
             "    replication:\n      username: postgres\n    rewind:\n      username: postgres\n"
             "  parameters:\n    unix_socket_directories: ''\n    fsync: 'off'\n    shared_buffers: '16MB'\n",
             p->scope, k, port(p, OFF_REST + k - 1), port(p, OFF_REST + k - 1), port(p, OFF_ETCD), p->o->ttl_s,
             p->o->loop_wait_s, retry_timeout(p->o), port(p, OFF_PG + k - 1),
             port(p, OFF_PG + k - 1), p->lab.dir, k, p->lab.bin, p->lab.dir, k);
    if (lab_write_file(path, text)) {
        snprintf(err, errn, "cannot write %s/patroni-pg%d.yml", p->lab.dir, k);
        return ERR_IO;
    }
    return 0;
}

static int start_patroni(struct pa *p, int k, char *err, size_t errn)
{
    char name[32], yml[PATH_MAX];
    snprintf(name, sizeof name, "patroni-pg%d", k);
    snprintf(yml, sizeof yml, "%s/patroni-pg%d.yml", p->lab.dir, k);
    char *argv[] = {"/usr/bin/patroni", yml, NULL};
    return spawn(p, name, port(p, OFF_REST + k - 1), argv, err, errn);
}

/* "primary", "replica", or "down" for node k right now. */
static const char *role(struct pa *p, int k)
{
    char err[200], v[8];
    PGconn *c = pgconn_open(port(p, OFF_PG + k - 1), "dkata-patroni-drill", 300, err, sizeof err);
    const char *r = "down";
    if (c && pgconn_scalar(c, "SELECT pg_is_in_recovery()", 500, v, sizeof v, err, sizeof err) == 0)
        r = v[0] == 't' ? "replica" : "primary";
    PQfinish(c);
    return r;
}

/* Tries a write on node k: 1 accepted, 0 refused (the error in err), -1 unreachable. */
static int try_write(struct pa *p, int k, const char *who, char *err, size_t errn)
{
    PGconn *c = pgconn_open(port(p, OFF_PG + k - 1), "dkata-patroni-drill", 500, err, errn);
    if (!c)
        return -1;
    const char *params[] = {who};
    PGresult *r = pgconn_query(c, "INSERT INTO dkata_fence (who) VALUES ($1)", 1, params, 3000, err, errn);
    int rc = -1;
    if (r && PQresultStatus(r) == PGRES_COMMAND_OK)
        rc = 1;
    else if (r) {
        pgconn_errline(PQresultErrorMessage(r), err, errn);
        rc = 0;
    }
    PQclear(r);
    PQfinish(c);
    return rc;
}

static int wait_for(struct pa *p, int k, const char *want, int timeout_s, char *err, size_t errn)
{
    int64_t deadline = lab_now_ns() + (int64_t)timeout_s * 1000000000LL;
    while (lab_now_ns() < deadline && !pglab_interrupted) {
        if (strcmp(role(p, k), want) == 0)
            return 0;
        lab_sleep_ns(100 * 1000000LL);
    }
    snprintf(err, errn, pglab_interrupted ? "interrupted" : "pg%d did not become %s in %d s; see %s/patroni-pg%d.log",
             k, want, timeout_s, p->lab.dir, k);
    return ERR_TIMEOUT;
}

/* Waits until etcd names a leader that takes writes; *lead is its number. */
static int wait_leader(struct pa *p, int *lead, char *err, size_t errn)
{
    int64_t deadline = lab_now_ns() + 90 * 1000000000LL;
    while (lab_now_ns() < deadline && !pglab_interrupted) {
        char who[64];
        if (etcd_leader(p, who, sizeof who) == 0 && sscanf(who, "pg%d", lead) == 1 && *lead >= 1 &&
            *lead <= NNODES && strcmp(role(p, *lead), "primary") == 0)
            return 0;
        lab_sleep_ns(100 * 1000000LL);
    }
    snprintf(err, errn, pglab_interrupted ? "interrupted" : "no node bootstrapped within 90 s; see %s/patroni-pg*.log",
             p->lab.dir);
    return ERR_TIMEOUT;
}

/* pg_basebackup's own WAL stream shows in pg_stat_replication too: wait for the members by name. */
static int wait_members_streaming(struct pa *p, int lead, char *err, size_t errn)
{
    int64_t deadline = lab_now_ns() + 60 * 1000000000LL;
    char e[200], v[16];
    while (lab_now_ns() < deadline && !pglab_interrupted) {
        PGconn *c = pgconn_open(port(p, OFF_PG + lead - 1), "dkata-patroni-drill", 500, e, sizeof e);
        bool ok = c && pgconn_scalar(c,
                                     "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' "
                                     "AND application_name IN ('pg1', 'pg2', 'pg3')",
                                     1000, v, sizeof v, e, sizeof e) == 0 && atoi(v) == NNODES - 1;
        PQfinish(c);
        if (ok)
            return 0;
        lab_sleep_ns(100 * 1000000LL);
    }
    snprintf(err, errn, pglab_interrupted ? "interrupted" : "the replicas did not stream from pg%d within 60 s", lead);
    return ERR_TIMEOUT;
}

struct result {
    int old, neu;
    double lock_gone_ms, new_lock_ms, writable_ms, rejoin_ms;
    int old_writes_accepted, old_write_attempts;
    char old_write_error[200];
    bool rewound, follows;
};

/* Kill the leader (its Patroni and its postmaster, as a crashed machine), then watch etcd and the
 * survivors until one of them holds the lock and takes writes. */
static int kill_and_watch(struct pa *p, struct result *res, char *err, size_t errn)
{
    char who[64];
    if (etcd_leader(p, who, sizeof who) || sscanf(who, "pg%d", &res->old) != 1 || res->old < 1 || res->old > NNODES) {
        snprintf(err, errn, "no leader in etcd (key %s)", p->leader_key);
        return ERR_STATE;
    }
    char name[32];
    snprintf(name, sizeof name, "patroni-pg%d", res->old);
    struct lab_proc_rec *pr = lab_state_find(&p->lab.st, name);
    char data[PATH_MAX + 32];
    snprintf(data, sizeof data, "%s/pg%d/postmaster.pid", p->lab.dir, res->old);
    char *pidtext = lab_read_file(data, 4096, NULL);
    int pm = pidtext ? atoi(pidtext) : 0;
    free(pidtext);
    int64_t t = lab_now_ns();
    kill(-pr->pid, SIGKILL);
    kill(pr->pid, SIGKILL);
    if (pm > 0)
        kill(pm, SIGKILL);
    lab_proc_stop(pr->pid, SIGKILL, 100); /* reaps it */
    drill_event(&p->ev, "kill -9 of pg%d (the leader): its Patroni (pid %d) and its postmaster (pid %d)", res->old, pr->pid, pm);
    res->lock_gone_ms = res->new_lock_ms = res->writable_ms = -1;
    int64_t deadline = t + (int64_t)(p->o->ttl_s * 4 + 30) * 1000000000LL;
    while (lab_now_ns() < deadline && !pglab_interrupted) {
        char now[64];
        if (etcd_leader(p, now, sizeof now) == 0) {
            double ms = (double)(lab_now_ns() - t) / 1e6;
            if (res->lock_gone_ms < 0 && strcmp(now, who) != 0) {
                res->lock_gone_ms = ms;
                drill_event(&p->ev, "etcd: the leader lock of pg%d is gone (ttl %d s)", res->old, p->o->ttl_s);
            }
            int k;
            if (res->new_lock_ms < 0 && sscanf(now, "pg%d", &k) == 1 && k != res->old) {
                res->new_lock_ms = ms;
                res->neu = k;
                drill_event(&p->ev, "etcd: pg%d holds the leader lock", k);
            }
        }
        if (res->neu && strcmp(role(p, res->neu), "primary") == 0) {
            res->writable_ms = (double)(lab_now_ns() - t) / 1e6;
            drill_event(&p->ev, "pg%d is promoted and takes writes", res->neu);
            return 0;
        }
        lab_sleep_ns(50 * 1000000LL);
    }
    snprintf(err, errn, pglab_interrupted ? "interrupted" : "no replica took over within %d s",
             p->o->ttl_s * 4 + 30);
    return ERR_TIMEOUT;
}

/* Restart the old leader's Patroni and watch it come back: every time it answers, try a write. */
static int bring_back(struct pa *p, struct result *res, char *err, size_t errn)
{
    int64_t t = lab_now_ns();
    int rc = start_patroni(p, res->old, err, errn);
    if (rc)
        return rc;
    drill_event(&p->ev, "restarted Patroni on pg%d (the old primary)", res->old);
    int64_t deadline = t + 90 * 1000000000LL;
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'pg%d' AND state = 'streaming'",
             res->old);
    while (lab_now_ns() < deadline && !pglab_interrupted) {
        char e[200];
        int w = try_write(p, res->old, "old-primary", e, sizeof e);
        if (w >= 0) {
            res->old_write_attempts++;
            res->old_writes_accepted += w == 1;
            if (w == 0)
                snprintf(res->old_write_error, sizeof res->old_write_error, "%s", e);
        }
        PGconn *c = pgconn_open(port(p, OFF_PG + res->neu - 1), "dkata-patroni-drill", 500, e, sizeof e);
        char v[16];
        if (c && pgconn_scalar(c, sql, 1000, v, sizeof v, e, sizeof e) == 0 && atoi(v) == 1)
            res->follows = true;
        PQfinish(c);
        if (res->follows && w >= 0)
            break;
        lab_sleep_ns(200 * 1000000LL);
    }
    if (!res->follows) {
        snprintf(err, errn, pglab_interrupted ? "interrupted" : "pg%d did not rejoin within 90 s; see %s/patroni-pg%d.log",
                 res->old, p->lab.dir, res->old);
        return ERR_TIMEOUT;
    }
    res->rejoin_ms = (double)(lab_now_ns() - t) / 1e6;
    drill_event(&p->ev, "pg%d is back as a replica of pg%d", res->old, res->neu);
    /* the proof, once more on the settled node */
    char e[200];
    int w = try_write(p, res->old, "old-primary", e, sizeof e);
    res->old_write_attempts++;
    res->old_writes_accepted += w == 1;
    if (w == 0)
        snprintf(res->old_write_error, sizeof res->old_write_error, "%s", e);
    drill_event(&p->ev, "write to pg%d: %s", res->old, w == 1 ? "ACCEPTED (split brain)" : res->old_write_error);
    char log[PATH_MAX];
    snprintf(log, sizeof log, "%s/patroni-pg%d.log", p->lab.dir, res->old);
    char *text = lab_read_file(log, 1 << 20, NULL);
    res->rewound = text && strstr(text, "pg_rewind");
    free(text);
    return 0;
}

static void report(struct pa *p, const struct result *r)
{
    if (p->o->json) {
        struct buf j;
        buf_init(&j);
        buf_printf(&j, "{\"drill\":\"failover\",\"orchestrator\":\"patroni\",\"ttl_s\":%d,\"loop_wait_s\":%d,"
                       "\"events\":[%s],\"summary\":{\"old_leader\":\"pg%d\",\"new_leader\":\"pg%d\","
                       "\"lock_gone_ms\":%.0f,\"new_lock_ms\":%.0f,\"writable_ms\":%.0f,\"rejoin_ms\":%.0f,"
                       "\"rejoined_with_pg_rewind\":%s,\"old_primary_write_attempts\":%d,"
                       "\"old_primary_writes_accepted\":%d,\"old_primary_write_error\":",
                   p->o->ttl_s, p->o->loop_wait_s, p->ev.json.data ? p->ev.json.data : "", r->old, r->neu,
                   r->lock_gone_ms, r->new_lock_ms, r->writable_ms, r->rejoin_ms, r->rewound ? "true" : "false",
                   r->old_write_attempts, r->old_writes_accepted);
        buf_json_str(&j, r->old_write_error);
        buf_puts(&j, "}}\n");
        fputs(j.data, stdout);
        buf_close(&j);
        return;
    }
    printf("\nsummary (Patroni, etcd leader lock, ttl %d s, loop_wait %d s):\n", p->o->ttl_s, p->o->loop_wait_s);
    printf("  detection             the lock of pg%d expired %.0f ms after the kill\n", r->old, r->lock_gone_ms);
    printf("  promotion             pg%d took the lock at %.0f ms and took writes at %.0f ms\n", r->neu,
           r->new_lock_ms, r->writable_ms);
    printf("  old primary back      pg%d rejoined as a replica of pg%d in %.0f ms%s\n", r->old, r->neu,
           r->rejoin_ms, r->rewound ? " (its Patroni log shows pg_rewind)" : "");
    printf("  fencing               %d write(s) to pg%d after it came back, %d accepted; the server said: %s\n",
           r->old_write_attempts, r->old, r->old_writes_accepted, r->old_write_error);
}

static int drill(struct pa *p, char *err, size_t errn)
{
    static const int offs[] = {OFF_PG, OFF_PG + 1, OFF_PG + 2, OFF_REST, OFF_REST + 1, OFF_REST + 2,
                               OFF_ETCD, OFF_ETCD_PEER};
    int rc = pglab_prepare(&p->lab, p->o->lab.dir, p->o->lab.port_base, offs, 8, err, errn);
    if (rc)
        return rc;
    /* the scope names the cluster in etcd and in every backend's process title */
    pglab_scope(p->lab.dir, p->scope, sizeof p->scope);
    snprintf(p->leader_key, sizeof p->leader_key, "/dkata/%s/leader", p->scope);
    for (int k = 1; k <= NNODES; k++) {
        char name[32];
        snprintf(name, sizeof name, "patroni-pg%d", k);
        lab_state_set(&p->lab.st, "proc", name, port(p, OFF_REST + k - 1), 0);
        snprintf(name, sizeof name, "pg%d", k);
        lab_state_set(&p->lab.st, "node", name, port(p, OFF_PG + k - 1), 0);
    }
    pglab_save(&p->lab);
    p->ev.t0 = lab_now_ns();
    if (!p->o->json)
        printf("%8s  %s\n", "time", "event");
    if ((rc = start_etcd(p, err, errn)))
        return rc;
    drill_event(&p->ev, "etcd up on 127.0.0.1:%d", port(p, OFF_ETCD));
    for (int k = 1; k <= NNODES && rc == 0; k++)
        rc = write_config(p, k, err, errn);
    /* all three at once: they race for the initialize key in etcd, one bootstraps, the others clone */
    for (int k = 1; k <= NNODES && rc == 0; k++)
        rc = start_patroni(p, k, err, errn);
    int lead = 0;
    if (rc || (rc = wait_leader(p, &lead, err, errn)))
        return rc;
    drill_event(&p->ev, "pg%d bootstrapped the cluster and holds the leader lock", lead);
    for (int k = 1; k <= NNODES && rc == 0; k++)
        if (k != lead)
            rc = wait_for(p, k, "replica", 90, err, errn);
    if (rc || (rc = wait_members_streaming(p, lead, err, errn)))
        return rc;
    drill_event(&p->ev, "the other two stream from pg%d", lead);
    char e[200];
    PGconn *c = pgconn_open(port(p, OFF_PG + lead - 1), "dkata-patroni-drill", 1000, err, errn);
    rc = !c || pgconn_exec(c, "CREATE TABLE dkata_fence (id serial PRIMARY KEY, who text)", 3000, err, errn) ? ERR_STATE : 0;
    PQfinish(c);
    if (rc)
        return rc;
    struct result res = {0};
    if ((rc = kill_and_watch(p, &res, err, errn)))
        return rc;
    if (try_write(p, res.neu, "new-primary", e, sizeof e) != 1) {
        snprintf(err, errn, "the new leader pg%d refused a write: %s", res.neu, e);
        return ERR_STATE;
    }
    if ((rc = bring_back(p, &res, err, errn)))
        return rc;
    report(p, &res);
    if (res.old_writes_accepted) {
        fprintf(stderr, "dkata: the old primary pg%d accepted %d write(s) after it came back\n", res.old,
                res.old_writes_accepted);
        return DRILL_VIOLATION;
    }
    return 0;
}

int patroni_drill(const struct patroni_opts *o)
{
    struct pa p;
    memset(&p, 0, sizeof p);
    p.o = o;
    drill_events_init(&p.ev, o->json, "%8.3f  %s\n");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char err[600] = "";
    int rc = drill(&p, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "dkata: %s\n", err);
    /* a failed run keeps its folder (servers stopped) for the Patroni and etcd logs */
    int rc2 = drill_lab_down(&p.lab, rc < 0 && !pglab_interrupted && p.lab.created, o->json);
    drill_events_close(&p.ev);
    curl_global_cleanup();
    return rc ? rc : rc2;
}
