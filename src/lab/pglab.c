/* The PostgreSQL lab: folders, initdb, pg_basebackup, pg_ctl, and a teardown that leaves no orphan. */
#include "lab/pglab.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "lab/pgconn.h"

volatile sig_atomic_t pglab_interrupted;

static void on_signal(int sig)
{
    (void)sig;
    pglab_interrupted = 1;
}

void pglab_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int pglab_resolve_dir(const char *dir, char *out, size_t n, char *err, size_t errn)
{
    if (!dir)
        dir = getenv("DKATA_LAB_DIR");
    if (!dir || !*dir)
        dir = PGLAB_DEFAULT_DIR;
    char tmp[PATH_MAX];
    if (strlen(dir) > 200) {
        snprintf(err, errn, "lab folder path is %zu bytes; use one under 200", strlen(dir));
        return ERR_INVAL;
    }
    if (dir[0] == '/') {
        snprintf(tmp, sizeof tmp, "%s", dir);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            return ERR_IO;
        snprintf(tmp, sizeof tmp, "%.3000s/%.200s", cwd, dir);
    }
    size_t len = strlen(tmp);
    while (len > 1 && tmp[len - 1] == '/')
        tmp[--len] = 0;
    if (strcmp(tmp, "/") == 0 || strstr(tmp, "/../") || strstr(tmp, "/./") ||
        strchr(tmp, ' ') || strchr(tmp, '\'') || strchr(tmp, '\n')) {
        snprintf(err, errn, "lab folder '%s' is not usable (want a plain path like /tmp/dkata-lab-pg)", dir);
        return ERR_INVAL;
    }
    snprintf(out, n, "%s", tmp);
    return 0;
}

static void path_of(const struct pglab *lab, char *out, size_t n, const char *leaf)
{
    snprintf(out, n, "%s/%s", lab->dir, leaf);
}

int pglab_save(struct pglab *lab)
{
    struct buf b;
    buf_init(&b);
    lab_state_format(&lab->st, &b);
    char path[PATH_MAX];
    path_of(lab, path, sizeof path, "lab.state");
    int rc = lab_write_file(path, b.data);
    buf_close(&b);
    return rc;
}

/* ---- finding our processes ---- */

void pglab_scope(const char *dir, char *out, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *s = dir; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    snprintf(out, n, "dkata-%08x", h);
}

static bool comm_is_ours(int pid)
{
    static const char *const names[] = {"postgres", "postmaster", "etcd", "patroni", "pg_ctl",
                                        "initdb", "pg_basebackup", "pg_rewind", "python3", NULL};
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/comm", pid);
    char *comm = lab_read_file(path, 64, NULL);
    if (!comm)
        return false;
    comm[strcspn(comm, "\n")] = 0;
    bool ours = false;
    for (int i = 0; names[i]; i++)
        ours = ours || strcmp(comm, names[i]) == 0;
    free(comm);
    return ours;
}

static int lab_init_common(struct pglab *lab, const char *dir, char *err, size_t errn)
{
    memset(lab, 0, sizeof *lab);
    int rc = pglab_resolve_dir(dir, lab->dir, sizeof lab->dir, err, errn);
    if (rc)
        return rc;
    const char *bin = getenv("DKATA_PG_BIN");
    snprintf(lab->bin, sizeof lab->bin, "%.200s", bin && *bin ? bin : "/usr/lib/postgresql/15/bin");
    return lab_user_init(&lab->user, err, errn);
}

int pglab_open(struct pglab *lab, const char *dir, char *err, size_t errn)
{
    int rc = lab_init_common(lab, dir, err, errn);
    if (rc)
        return rc;
    char path[PATH_MAX];
    path_of(lab, path, sizeof path, "lab.state");
    size_t len;
    char *text = lab_read_file(path, 1 << 16, &len);
    if (!text) {
        snprintf(err, errn, "no lab at %s (start one with 'dkata lab pg up --dir %s')", lab->dir, lab->dir);
        return ERR_NOTFOUND;
    }
    char perr[160];
    rc = lab_state_parse(text, len, &lab->st, perr, sizeof perr);
    free(text);
    if (rc)
        snprintf(err, errn, "%s: %s", path, perr);
    return rc;
}

int pglab_signal_node(struct pglab *lab, const char *name, int sig)
{
    char needle[PATH_MAX];
    snprintf(needle, sizeof needle, "%s/%s", lab->dir, name);
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        int pid = atoi(e->d_name);
        if (comm_is_ours(pid) && lab_proc_cmdline_has(pid, needle) && kill(pid, sig) == 0)
            n++;
    }
    closedir(d);
    return n;
}

int pglab_port(struct pglab *lab, const char *name)
{
    struct lab_proc_rec *r = lab_state_find(&lab->st, name);
    return r ? r->port : 0;
}

/* Starts one of PostgreSQL's programs as the lab user, output appended to setup.log; pid or ERR_IO. */
static pid_t tool_start(struct pglab *lab, const char *tool, const char *const *args)
{
    char exe[PATH_MAX + 64], log[PATH_MAX];
    snprintf(exe, sizeof exe, "%s/%s", lab->bin, tool);
    path_of(lab, log, sizeof log, "setup.log");
    char *argv[24];
    int n = 0;
    argv[n++] = exe;
    for (int i = 0; args[i] && n < 23; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    return lab_proc_start(&lab->user, lab->dir, argv, log);
}

static int tool_wait(struct pglab *lab, const char *tool, pid_t pid, int timeout_ms, char *err, size_t errn)
{
    int rc = pid < 0 ? pid : lab_proc_wait(pid, timeout_ms);
    if (rc == 0)
        return 0;
    if (rc == ERR_TIMEOUT)
        snprintf(err, errn, "%s timed out after %d ms; see %s/setup.log", tool, timeout_ms, lab->dir);
    else
        snprintf(err, errn, "%s failed (exit %d); see %s/setup.log", tool, rc, lab->dir);
    return rc < 0 ? rc : ERR_IO;
}

int pglab_run_tool(struct pglab *lab, const char *tool, const char *const *args, int timeout_ms,
                   char *err, size_t errn)
{
    return tool_wait(lab, tool, tool_start(lab, tool, args), timeout_ms, err, errn);
}

int pglab_append_conf(struct pglab *lab, const char *name, const char *lines)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s/postgresql.conf", lab->dir, name);
    FILE *f = fopen(path, "a");
    if (!f)
        return ERR_IO;
    fputs(lines, f);
    return fclose(f) ? ERR_IO : 0;
}

/* The postmaster pid a node's postmaster.pid names, or 0. */
static int postmaster_pid(const char *datadir)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/postmaster.pid", datadir);
    char *text = lab_read_file(path, 4096, NULL);
    int pid = text ? atoi(text) : 0;
    free(text);
    return pid > 0 ? pid : 0;
}

static pid_t start_begin(struct pglab *lab, const char *name)
{
    char data[PATH_MAX], log[PATH_MAX];
    snprintf(data, sizeof data, "%s/%s", lab->dir, name);
    snprintf(log, sizeof log, "%s/%s.log", lab->dir, name);
    const char *args[] = {"-D", data, "-l", log, "-w", "-t", "30", "start", NULL};
    return tool_start(lab, "pg_ctl", args);
}

static int start_end(struct pglab *lab, const char *name, pid_t pid, char *err, size_t errn)
{
    char data[PATH_MAX];
    snprintf(data, sizeof data, "%s/%s", lab->dir, name);
    int rc = tool_wait(lab, "pg_ctl", pid, 35000, err, errn);
    int ppid = postmaster_pid(data);
    struct lab_proc_rec *r = lab_state_find(&lab->st, name);
    if (r && ppid) {
        r->pid = ppid;
        pglab_save(lab);
    }
    if (rc)
        snprintf(err, errn, "%s did not start; see %s/%s.log", name, lab->dir, name);
    return rc;
}

int pglab_start(struct pglab *lab, const char *name, char *err, size_t errn)
{
    return start_end(lab, name, start_begin(lab, name), err, errn);
}

int pglab_wait_streaming(int port, int count, bool want_sync, int timeout_ms, char *err, size_t errn)
{
    int64_t deadline = lab_now_ns() + (int64_t)timeout_ms * 1000000LL;
    char sql[200];
    snprintf(sql, sizeof sql,
             /* by name: pg_basebackup's own WAL stream shows up here too */
             "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' "
             "AND application_name LIKE 'replica%%'%s",
             want_sync ? " AND sync_state IN ('sync', 'quorum')" : "");
    PGconn *c = NULL;
    char last[200] = "no answer";
    while (lab_now_ns() < deadline && !pglab_interrupted) {
        if (!c)
            c = pgconn_open(port, "dkata-lab", 2000, last, sizeof last);
        char v[32];
        if (c && pgconn_scalar(c, sql, 2000, v, sizeof v, last, sizeof last) == 0 && atoi(v) >= count) {
            PQfinish(c);
            return 0;
        }
        if (c && PQstatus(c) != CONNECTION_OK) {
            PQfinish(c);
            c = NULL;
        }
        if (c)
            snprintf(last, sizeof last, "%s of %d replicas %s", v, count, want_sync ? "in sync" : "streaming");
        lab_sleep_ns(20 * 1000000LL);
    }
    PQfinish(c);
    snprintf(err, errn, pglab_interrupted ? "interrupted" : "replicas not streaming after %d ms (%s)",
             timeout_ms, last);
    return pglab_interrupted ? ERR_STATE : ERR_TIMEOUT;
}

static const char PRIMARY_CONF[] =
    "\n# dkata lab\n"
    "listen_addresses = '127.0.0.1'\n"
    "unix_socket_directories = ''\n"
    "wal_level = replica\n"
    "max_wal_senders = 10\n"
    "max_replication_slots = 10\n"
    "wal_keep_size = '256MB'\n"
    "hot_standby = on\n"
    "wal_log_hints = on\n"
    "fsync = off\n"
    "shared_buffers = '16MB'\n"
    "max_connections = 60\n"
    "wal_sender_timeout = '5s'\n"
    "wal_receiver_timeout = '5s'\n"
    "wal_retrieve_retry_interval = '100ms'\n"
    "log_min_messages = warning\n"
    "log_line_prefix = '%m [%p] '\n";

/* The folder must not exist (or be empty), the ports must be free, the user must write there. */
static int preflight(struct pglab *lab, const int *ports, int nports, char *err, size_t errn)
{
    struct stat sb;
    if (stat(lab->dir, &sb) == 0) {
        DIR *d = opendir(lab->dir);
        int entries = 0;
        struct dirent *e;
        while (d && (e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                entries++;
        if (d)
            closedir(d);
        if (entries) {
            snprintf(err, errn,
                     "a lab already exists at %s (running, or left by a crashed run); "
                     "clean it with 'dkata lab pg down --dir %s'",
                     lab->dir, lab->dir);
            return ERR_EXISTS;
        }
    }
    for (int i = 0; i < nports; i++) {
        int port = ports[i];
        if (!lab_port_free(port)) {
            snprintf(err, errn, "port %d on 127.0.0.1 is in use; pick other ports with --port-base", port);
            return ERR_STATE;
        }
    }
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/postgres", lab->bin);
    if (access(path, X_OK)) {
        snprintf(err, errn, "postgresql 15 not found at %s (apt-get install postgresql, or set DKATA_PG_BIN)",
                 lab->bin);
        return ERR_NOTFOUND;
    }
    return 0;
}

/* Makes the lab folder, owned by the server user, and checks that user can write into it. */
static int make_folder(struct pglab *lab, char *err, size_t errn)
{
    if (mkdir(lab->dir, 0755) && errno != EEXIST) {
        snprintf(err, errn, "cannot create lab folder %s: %s", lab->dir, strerror(errno));
        return ERR_IO;
    }
    lab_chown(&lab->user, lab->dir);
    char *argv[] = {"/usr/bin/test", "-w", lab->dir, NULL};
    if (lab_proc_run(&lab->user, "/", argv, NULL, 5000) != 0) {
        snprintf(err, errn, "OS user %s cannot write to %s; pick a --dir under /tmp", lab->user.name, lab->dir);
        rmdir(lab->dir);
        return ERR_INVAL;
    }
    return 0;
}

static int run_initdb(struct pglab *lab, const char *data, char *err, size_t errn)
{
    const char *args[] = {"-D", data, "-U", "postgres", "--auth=trust", "-N", "--locale=C", "-E", "UTF8", NULL};
    return pglab_run_tool(lab, "initdb", args, 60000, err, errn);
}

/* A freshly initdb'd cluster is the same bytes every time: keep one per server user and PostgreSQL
 * build in /tmp and copy it (cp -a is ~10x cheaper than initdb's bootstrap). The template is used
 * only if the server user owns it with mode 0700 and its stamp names this bin folder; anything
 * else (or DKATA_PG_TEMPLATE=off) falls back to initdb. 0 if data was made from the template. */
static int initdb_from_template(struct pglab *lab, const char *data)
{
    const char *off = getenv("DKATA_PG_TEMPLATE");
    if (off && strcmp(off, "off") == 0)
        return -1;
    char tpl[PATH_MAX], stamp[PATH_MAX + 16], tdata[PATH_MAX + 16];
    uint32_t h = 2166136261u;
    for (const char *c = lab->bin; *c; c++)
        h = (h ^ (uint8_t)*c) * 16777619u;
    snprintf(tpl, sizeof tpl, "/tmp/dkata-pg-template-%d-%08x", (int)lab->user.uid, h);
    snprintf(stamp, sizeof stamp, "%s/stamp", tpl);
    snprintf(tdata, sizeof tdata, "%s/data", tpl);
    struct stat sb;
    char *text = NULL;
    bool ok = lstat(tpl, &sb) == 0 && S_ISDIR(sb.st_mode) && sb.st_uid == lab->user.uid &&
              (sb.st_mode & 0777) == 0700 && (text = lab_read_file(stamp, 4096, NULL)) &&
              strcmp(text, lab->bin) == 0;
    free(text);
    if (!ok) {
        /* build it aside, then rename into place (a concurrent builder's rename wins) */
        char tmp[PATH_MAX + 32], tmpdata[PATH_MAX + 48], tmpstamp[PATH_MAX + 48], err[300];
        snprintf(tmp, sizeof tmp, "%s.%d", tpl, (int)getpid());
        snprintf(tmpdata, sizeof tmpdata, "%s/data", tmp);
        snprintf(tmpstamp, sizeof tmpstamp, "%s/stamp", tmp);
        lab_rmtree(tmp);
        if (lstat(tpl, &sb) == 0 || mkdir(tmp, 0700) || lab_chown(&lab->user, tmp) ||
            run_initdb(lab, tmpdata, err, sizeof err) || lab_write_file(tmpstamp, lab->bin) ||
            rename(tmp, tpl)) {
            lab_rmtree(tmp);
            return -1;
        }
    }
    char *argv[] = {"/bin/cp", "-a", tdata, (char *)data, NULL};
    char log[PATH_MAX];
    snprintf(log, sizeof log, "%s/setup.log", lab->dir);
    return lab_proc_run(&lab->user, lab->dir, argv, log, 60000) == 0 ? 0 : -1;
}

static int make_primary(struct pglab *lab, char *err, size_t errn)
{
    char data[PATH_MAX];
    snprintf(data, sizeof data, "%s/primary", lab->dir);
    int rc = initdb_from_template(lab, data) ? run_initdb(lab, data, err, errn) : 0;
    if (rc)
        return rc;
    char conf[2048];
    /* cluster_name shows in every backend's process title: that is how `down` finds orphans */
    snprintf(conf, sizeof conf, "%sport = %d\ncluster_name = '%s/primary'\n", PRIMARY_CONF, lab->st.port_base,
             lab->dir);
    if (pglab_append_conf(lab, "primary", conf))
        return ERR_IO;
    return pglab_start(lab, "primary", err, errn);
}

/* pg_basebackup every replica at once, then start them all at once. */
static int make_replicas(struct pglab *lab, int n, char *err, size_t errn)
{
    pid_t pids[PGLAB_MAX_REPLICAS];
    char port[16];
    snprintf(port, sizeof port, "%d", lab->st.port_base);
    for (int k = 1; k <= n; k++) {
        char data[PATH_MAX];
        snprintf(data, sizeof data, "%s/replica%d", lab->dir, k);
        const char *args[] = {"-h", "127.0.0.1", "-p", port, "-U", "postgres", "-D", data,
                              "-X", "stream", "-c", "fast", "--no-sync", NULL};
        pids[k - 1] = tool_start(lab, "pg_basebackup", args);
    }
    int rc = 0;
    for (int k = 1; k <= n; k++) {
        int r = tool_wait(lab, "pg_basebackup", pids[k - 1], 60000, err, errn);
        rc = rc ? rc : r;
    }
    for (int k = 1; k <= n && rc == 0; k++) {
        char name[32], conf[1024], sig[PATH_MAX + 32];
        snprintf(name, sizeof name, "replica%d", k);
        snprintf(conf, sizeof conf,
                 "port = %d\nprimary_conninfo = 'host=127.0.0.1 port=%d user=postgres application_name=%s'\n"
                 "cluster_name = '%s/%s'\n",
                 lab->st.port_base + k, lab->st.port_base, name, lab->dir, name);
        snprintf(sig, sizeof sig, "%s/%s/standby.signal", lab->dir, name);
        if (pglab_append_conf(lab, name, conf) || lab_write_file(sig, "") || lab_chown(&lab->user, sig))
            rc = ERR_IO;
    }
    if (rc)
        return rc;
    for (int k = 1; k <= n; k++) {
        char name[32];
        snprintf(name, sizeof name, "replica%d", k);
        pids[k - 1] = start_begin(lab, name);
    }
    for (int k = 1; k <= n; k++) {
        char name[32];
        snprintf(name, sizeof name, "replica%d", k);
        int r = start_end(lab, name, pids[k - 1], err, errn);
        rc = rc ? rc : r;
    }
    return rc;
}

int pglab_prepare(struct pglab *lab, const char *dir, int port_base, const int *ports, int nports, char *err,
                  size_t errn)
{
    int rc = lab_init_common(lab, dir, err, errn);
    if (rc)
        return rc;
    lab->st.port_base = port_base ? port_base : PGLAB_DEFAULT_PORT;
    snprintf(lab->st.user, sizeof lab->st.user, "%s", lab->user.name);
    int all[32];
    int n = 0;
    for (int i = 0; i < nports && n < 32; i++) {
        all[n] = lab->st.port_base + ports[i];
        if (all[n] > 65535) {
            snprintf(err, errn, "--port-base %d: the lab needs ports up to %d; accepted 1024..%d", lab->st.port_base,
                     all[n], 65535 - ports[i]);
            return ERR_INVAL;
        }
        n++;
    }
    rc = preflight(lab, all, n, err, errn);
    if (rc)
        return rc;
    rc = make_folder(lab, err, errn);
    if (rc)
        return rc;
    lab->created = true;
    if (pglab_save(lab)) {
        snprintf(err, errn, "cannot write %s/lab.state", lab->dir);
        return ERR_IO;
    }
    return 0;
}

int pglab_up(struct pglab *lab, const struct pglab_opts *o, char *err, size_t errn)
{
    if (o->replicas < 1 || o->replicas > PGLAB_MAX_REPLICAS) {
        snprintf(err, errn, "--replicas %d: accepted 1..%d", o->replicas, PGLAB_MAX_REPLICAS);
        return ERR_INVAL;
    }
    int offs[PGLAB_MAX_REPLICAS + 1];
    for (int k = 0; k <= o->replicas; k++)
        offs[k] = k;
    int rc = pglab_prepare(lab, o->dir, o->port_base, offs, o->replicas + 1, err, errn);
    if (rc)
        return rc;
    lab_state_set(&lab->st, "node", "primary", lab->st.port_base, 0);
    for (int k = 1; k <= o->replicas; k++) {
        char name[32];
        snprintf(name, sizeof name, "replica%d", k);
        lab_state_set(&lab->st, "node", name, lab->st.port_base + k, 0);
    }
    if (pglab_save(lab)) {
        snprintf(err, errn, "cannot write %s/lab.state", lab->dir);
        return ERR_IO;
    }
    rc = make_primary(lab, err, errn);
    if (rc == 0 && !pglab_interrupted)
        rc = make_replicas(lab, o->replicas, err, errn);
    if (rc == 0 && !pglab_interrupted)
        rc = pglab_wait_streaming(lab->st.port_base, o->replicas, false, 30000, err, errn);
    if (rc == 0 && pglab_interrupted) {
        snprintf(err, errn, "interrupted");
        rc = ERR_STATE;
    }
    if (rc) {
        /* leave no server behind; keep the folder for its logs */
        struct buf ignored;
        buf_init(&ignored);
        char derr[256];
        pglab_down(lab->dir, true, &ignored, derr, sizeof derr);
        buf_close(&ignored);
        size_t k = strlen(err);
        snprintf(err + k, errn - k, " (servers stopped; remove the folder with 'dkata lab pg down --dir %s')",
                 lab->dir);
    }
    return rc;
}


struct victims {
    int pid[64];
    int n;
};

static void add_victim(struct victims *v, int pid)
{
    if (pid <= 0 || pid == getpid() || pid == getppid())
        return;
    for (int i = 0; i < v->n; i++)
        if (v->pid[i] == pid)
            return;
    if (v->n < 64)
        v->pid[v->n++] = pid;
}

/* Every live process whose command line names the lab folder (with its trailing slash). */
static void scan_proc(const char *needle, struct victims *v)
{
    DIR *d = opendir("/proc");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        int pid = atoi(e->d_name);
        if (lab_proc_alive(pid) && comm_is_ours(pid) && lab_proc_cmdline_has(pid, needle))
            add_victim(v, pid);
    }
    closedir(d);
}

static void collect(const char *dir, const struct lab_state *st, struct victims *v)
{
    char needle[PATH_MAX + 2], scope[32], title[64];
    snprintf(needle, sizeof needle, "%s/", dir);
    /* backends of a Patroni-run node carry the scope (its cluster_name) instead of the folder */
    pglab_scope(dir, scope, sizeof scope);
    snprintf(title, sizeof title, "postgres: %s:", scope);
    scan_proc(title, v);
    /* helpers first (patroni restarts postgres if postgres goes first) */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < st->nprocs; i++) {
            const struct lab_proc_rec *r = &st->procs[i];
            if ((pass == 0) != (strcmp(r->kind, "proc") == 0))
                continue;
            int pid = r->pid;
            if (strcmp(r->kind, "node") == 0) {
                char data[PATH_MAX + 40];
                snprintf(data, sizeof data, "%s/%s", dir, r->name);
                int p2 = postmaster_pid(data);
                if (p2 && lab_proc_cmdline_has(p2, needle))
                    add_victim(v, p2);
            }
            /* a recorded pid whose process is gone may still lead a group of orphaned backends */
            if (pid > 0 && (lab_proc_alive(pid) ? lab_proc_cmdline_has(pid, needle) : lab_proc_group_alive(pid)))
                add_victim(v, pid);
        }
    scan_proc(needle, v);
}

int pglab_down(const char *dir, bool keep, struct buf *report, char *err, size_t errn)
{
    struct pglab lab;
    int rc = pglab_resolve_dir(dir, lab.dir, sizeof lab.dir, err, errn);
    if (rc)
        return rc;
    struct stat sb;
    if (stat(lab.dir, &sb)) {
        snprintf(err, errn, "no lab at %s (nothing to stop)", lab.dir);
        return ERR_NOTFOUND;
    }
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/lab.state", lab.dir);
    size_t len;
    char *text = lab_read_file(path, 1 << 16, &len);
    if (!text) {
        snprintf(err, errn, "%s has no lab.state: not a dkata lab folder, left untouched", lab.dir);
        return ERR_INVAL;
    }
    struct lab_state st;
    char perr[160];
    if (lab_state_parse(text, len, &st, perr, sizeof perr))
        memset(&st, 0, sizeof st); /* a damaged state file: still find the processes by scanning */
    free(text);
    /* several rounds: a postmaster's backends (their own process groups) may outlive it briefly */
    struct victims left = {0};
    for (int round = 0; round < 3; round++) {
        struct victims v = {0};
        collect(lab.dir, &st, &v);
        /* signal everyone first, then wait for each: the grace periods overlap */
        int sigs[64];
        for (int i = 0; i < v.n; i++) {
            bool patroni = lab_proc_cmdline_has(v.pid[i], "patroni");
            bool pg = !patroni && lab_proc_cmdline_has(v.pid[i], "postgres");
            /* SIGQUIT is PostgreSQL's immediate shutdown; Patroni gets SIGKILL (on SIGTERM it would
             * first shut its PostgreSQL down cleanly, which we do ourselves), etcd SIGTERM */
            sigs[i] = pg ? SIGQUIT : patroni ? SIGKILL : SIGTERM;
            kill(-v.pid[i], SIGCONT);
            kill(v.pid[i], SIGCONT);
            kill(-v.pid[i], sigs[i]);
            kill(v.pid[i], sigs[i]);
        }
        for (int i = 0; i < v.n; i++) {
            lab_proc_stop(v.pid[i], sigs[i], 2000);
            buf_printf(report, "stopped pid %d\n", v.pid[i]);
        }
        memset(&left, 0, sizeof left);
        collect(lab.dir, &st, &left);
        if (!left.n)
            break;
    }
    if (left.n) {
        snprintf(err, errn, "pid %d of the lab at %s would not stop", left.pid[0], lab.dir);
        return ERR_STATE;
    }
    if (!keep && lab_rmtree(lab.dir)) {
        snprintf(err, errn, "cannot remove %s: %s", lab.dir, strerror(errno));
        return ERR_IO;
    }
    return 0;
}

/* ---- status ---- */

struct node_status {
    const char *name;
    int port, pid;
    char role[16];
    uint64_t lsn, replay;
    bool has_lsn, has_replay;
    char lag[32];
};

static void probe(struct lab_proc_rec *r, struct node_status *ns)
{
    ns->name = r->name;
    ns->port = r->port;
    ns->pid = r->pid;
    snprintf(ns->role, sizeof ns->role, "down");
    snprintf(ns->lag, sizeof ns->lag, "-");
    char err[200], v[64];
    PGconn *c = pgconn_open(r->port, "dkata-status", 1000, err, sizeof err);
    if (!c)
        return;
    if (pgconn_scalar(c, "SELECT pg_is_in_recovery()", 1000, v, sizeof v, err, sizeof err) == 0) {
        bool standby = v[0] == 't';
        snprintf(ns->role, sizeof ns->role, standby ? "replica" : "primary");
        if (standby) {
            ns->has_lsn = pgconn_lsn(c, "SELECT pg_last_wal_receive_lsn()", 1000, &ns->lsn, err, sizeof err) == 0;
            ns->has_replay = pgconn_lsn(c, "SELECT pg_last_wal_replay_lsn()", 1000, &ns->replay, err, sizeof err) == 0;
            if (pgconn_scalar(c,
                              "SELECT coalesce(round(extract(epoch FROM now() - "
                              "pg_last_xact_replay_timestamp()) * 1000)::text || 'ms', '-')",
                              1000, v, sizeof v, err, sizeof err) == 0)
                snprintf(ns->lag, sizeof ns->lag, "%.30s", v);
        } else {
            ns->has_lsn = pgconn_lsn(c, "SELECT pg_current_wal_lsn()", 1000, &ns->lsn, err, sizeof err) == 0;
            ns->replay = ns->lsn;
            ns->has_replay = ns->has_lsn;
        }
    }
    PQfinish(c);
}

int pglab_status(struct pglab *lab, bool json, struct buf *out, char *err, size_t errn)
{
    (void)err;
    (void)errn;
    struct node_status ns[LAB_STATE_MAX_PROCS];
    int n = 0;
    uint64_t head = 0;
    for (int i = 0; i < lab->st.nprocs; i++) {
        if (strcmp(lab->st.procs[i].kind, "node") != 0)
            continue;
        memset(&ns[n], 0, sizeof ns[n]);
        probe(&lab->st.procs[i], &ns[n]);
        if (strcmp(ns[n].role, "primary") == 0 && ns[n].lsn > head)
            head = ns[n].lsn;
        n++;
    }
    if (json)
        buf_printf(out, "{\"dir\":");
    if (json)
        buf_json_str(out, lab->dir);
    if (json)
        buf_puts(out, ",\"nodes\":[");
    else
        buf_printf(out, "lab %s (servers run as %s)\n%-10s %-6s %-8s %-8s %-12s %-12s %-12s %s\n", lab->dir,
                   lab->st.user, "node", "port", "pid", "role", "lsn", "replay_lsn", "lag_bytes", "replay_lag");
    for (int i = 0; i < n; i++) {
        char l1[24] = "-", l2[24] = "-", lagb[24] = "-";
        if (ns[i].has_lsn)
            lab_lsn_format(ns[i].lsn, l1, sizeof l1);
        if (ns[i].has_replay)
            lab_lsn_format(ns[i].replay, l2, sizeof l2);
        if (head && ns[i].has_replay)
            snprintf(lagb, sizeof lagb, "%lld", (long long)(head > ns[i].replay ? head - ns[i].replay : 0));
        if (json) {
            buf_printf(out, "%s{\"name\":\"%s\",\"port\":%d,\"pid\":%d,\"role\":\"%s\",\"lsn\":\"%s\","
                            "\"replay_lsn\":\"%s\",\"lag_bytes\":%s,\"replay_lag\":\"%s\"}",
                       i ? "," : "", ns[i].name, ns[i].port, ns[i].pid, ns[i].role, l1, l2,
                       strcmp(lagb, "-") ? lagb : "null", ns[i].lag);
        } else {
            buf_printf(out, "%-10s %-6d %-8d %-8s %-12s %-12s %-12s %s\n", ns[i].name, ns[i].port, ns[i].pid,
                       ns[i].role, l1, l2, lagb, ns[i].lag);
        }
    }
    if (json)
        buf_puts(out, "]}\n");
    return 0;
}
