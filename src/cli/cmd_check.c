/* dkata check: reads histories, checks them (linearizability per key on all cores, or session guarantees),
 * prints a verdict per file, and optionally draws the violation as HTML. */
#include "check/lin.h"
#include "check/parse.h"
#include "check/session.h"
#include "cli/cli.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/units.h"
#include "report/timeline.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MODEL_SESSION LIN_NMODELS

struct opts {
    int model;
    enum hist_format format;
    const char *html;
    int64_t timeout_ns;
    bool json;
    bool have_init;
    struct hist_val init;
    uint64_t mem_limit_mb;
    uint64_t threads;
};

/* One input file and what became of it. */
struct file {
    const char *path;
    struct history h;
    struct lin_problem p;
    double seconds; /* time spent searching, summed over its partitions */
};

struct job {
    struct file *f;
    size_t part;
    size_t size;
    uint64_t budget; /* search steps for this attempt */
};

/* Partitions to check, shared by the workers. A partition that uses up its step budget goes back at the end
 * of the queue with four times the budget, so that one hard key cannot hide a quick violation elsewhere
 * (the checker keeps at most a third of its work as waste). */
struct pool {
    struct job *jobs;
    size_t njobs, cap, head, active;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const atomic_int *stop;
};

#define FIRST_BUDGET (1u << 16)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
    struct pool *pl = arg;
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        while (pl->head == pl->njobs && pl->active > 0)
            pthread_cond_wait(&pl->cv, &pl->mu);
        if (pl->head == pl->njobs)
            break;
        struct job jb = pl->jobs[pl->head++];
        pl->active++;
        pthread_mutex_unlock(&pl->mu);
        bool again = false; /* out of budget: retry with more (a cancelled job is not run, nor retried) */
        double dt = 0;
        if (!atomic_load(&jb.f->p.cancel)) {
            double t0 = now_s();
            enum lin_verdict v = lin_check_part(&jb.f->p, jb.part, jb.budget);
            dt = now_s() - t0;
            struct lin_part_info info;
            lin_part_info(&jb.f->p, jb.part, &info);
            again = v == LIN_UNKNOWN && info.why_unknown && strcmp(info.why_unknown, "step budget") == 0;
        }
        pthread_mutex_lock(&pl->mu);
        jb.f->seconds += dt;
        if (again && !atomic_load(pl->stop)) {
            jb.budget = jb.budget > UINT64_MAX / 4 ? UINT64_MAX : jb.budget * 4;
            XGROW(pl->jobs, pl->cap, pl->njobs + 1);
            pl->jobs[pl->njobs++] = jb;
        }
        pl->active--;
        pthread_cond_broadcast(&pl->cv);
    }
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

static int by_size_desc(const void *x, const void *y)
{
    const struct job *a = x, *b = y;
    return a->size < b->size ? 1 : a->size > b->size ? -1 : 0;
}

/* Checks every partition of every file on a pool of threads, largest first. */
static void run_pool(struct file *files, size_t nfiles, const struct opts *o, const atomic_int *stop)
{
    struct pool pl = {.stop = stop};
    for (size_t i = 0; i < nfiles; i++)
        for (size_t k = 0; k < files[i].p.nparts; k++) {
            struct lin_part_info info;
            lin_part_info(&files[i].p, k, &info);
            XGROW(pl.jobs, pl.cap, pl.njobs + 1);
            pl.jobs[pl.njobs++] =
                (struct job){.f = &files[i], .part = k, .size = info.nops, .budget = FIRST_BUDGET};
        }
    if (pl.njobs)
        qsort(pl.jobs, pl.njobs, sizeof(*pl.jobs), by_size_desc);
    pthread_mutex_init(&pl.mu, NULL);
    pthread_cond_init(&pl.cv, NULL);
    size_t n = o->threads ? o->threads : (size_t)sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > pl.njobs)
        n = pl.njobs ? pl.njobs : 1;
    pthread_t *t = xcalloc(n, sizeof(*t));
    size_t started = 0;
    for (size_t i = 1; i < n; i++)
        if (pthread_create(&t[i], NULL, worker, &pl) == 0)
            started = i;
    worker(&pl); /* the main thread works too */
    for (size_t i = 1; i <= started; i++)
        pthread_join(t[i], NULL);
    free(t);
    free(pl.jobs);
    pthread_mutex_destroy(&pl.mu);
    pthread_cond_destroy(&pl.cv);
}

struct watchdog {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool finished;
    int64_t timeout_ns;
    atomic_int *stop;
};

static void *watch(void *arg)
{
    struct watchdog *w = arg;
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += w->timeout_ns / NS_PER_S;
    dl.tv_nsec += w->timeout_ns % NS_PER_S;
    if (dl.tv_nsec >= NS_PER_S) {
        dl.tv_sec++;
        dl.tv_nsec -= NS_PER_S;
    }
    pthread_mutex_lock(&w->mu);
    while (!w->finished)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &dl) == ETIMEDOUT)
            break;
    if (!w->finished)
        atomic_store(w->stop, 1);
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* "line N: what" from a parser becomes "dkata: FILE:N: what". */
static int input_error(const char *path, const char *msg)
{
    int line;
    int k = 0;
    if (sscanf(msg, "line %d: %n", &line, &k) == 1 && k > 0)
        return cli_usage("%s:%d: %s", path, line, msg + k);
    return cli_usage("%s: %s", path, msg);
}

static int usage_text(void)
{
    printf(
        "usage: dkata check FILE... [--model register|cas-register|kv|set|counter|session]\n"
        "                   [--format auto|jepsen-log|edn|jsonl] [--init VALUE] [--html OUT]\n"
        "                   [--timeout DURATION] [--max-memory MB] [--threads N] [--json]\n\n"
        "Checks each history: linearizable against the model (Wing-Gong-Lowe search, each key on its own,\n"
        "keys in parallel), or, with --model session, the session guarantees (read-your-writes, monotonic\n"
        "reads and writes, writes-follow-reads, consistent prefix).\n"
        "Formats: Jepsen log lines, Jepsen EDN maps, dkata JSON lines (see docs/check.md); FILE - reads\n"
        "standard input.\n"
        "The default model is cas-register for Jepsen logs and EDN, register for JSON lines.\n"
        "--html OUT draws the first violation (or the first history) as a timeline.\n"
        "exit codes: 0 all linearizable (or no session violation), 1 a violation, 2 bad usage or input\n"
        "(including a non-empty file with no operation in it, and --model session on a history with no\n"
        "version or lsn), 3 unknown (timeout or memory limit).\n");
    return EXIT_OKAY;
}

static struct hist_val parse_init(const char *s)
{
    if (strcmp(s, "nil") == 0 || strcmp(s, "null") == 0)
        return hist_nil();
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*s && !*end && !errno)
        return hist_int(v);
    return hist_str(s);
}

/* What the value of check's option opt is, or NULL when opt takes none. */
static const char *value_what(const char *opt)
{
    static const char *const opts[][2] = {{"--model", "register, cas-register, kv, set, counter or session"},
                                          {"--format", "auto, jepsen-log, edn or jsonl"},
                                          {"--html", "a file path"},
                                          {"--init", "the initial value"},
                                          {"--timeout", "a duration like 10s"},
                                          {"--max-memory", "megabytes"},
                                          {"--threads", "a number of threads"}};
    return cli_value_what(opts, sizeof(opts) / sizeof(opts[0]), opt);
}

static int parse_args(int argc, char **argv, struct opts *o, const char ***paths, size_t *npaths)
{
    *o = (struct opts){.model = -1, .format = HIST_FMT_AUTO};
    *paths = xcalloc((size_t)argc, sizeof(char *));
    *npaths = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_arg = i + 1 < argc;
        if (cli_is_help(a))
            return -1;
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            (*paths)[(*npaths)++] = a;
            continue;
        }
        if (strcmp(a, "--json") == 0) {
            o->json = true;
            continue;
        }
        const char *what = value_what(a), *v;
        if (!what)
            return cli_unexpected("check", a);
        if (!(v = cli_value(a, has_arg ? argv[i + 1] : NULL, what)))
            return EXIT_USAGE;
        i++;
        if (strcmp(a, "--model") == 0) {
            o->model = strcmp(v, "session") == 0 ? MODEL_SESSION : lin_model_parse(v);
            if (o->model < 0)
                return cli_usage(
                    "unknown model '%s' (accepted: register, cas-register, kv, set, counter, session)", v);
        } else if (strcmp(a, "--format") == 0) {
            int f = hist_format_parse(v);
            if (f < 0)
                return cli_usage("unknown format '%s' (accepted: auto, jepsen-log, edn, jsonl)", v);
            o->format = (enum hist_format)f;
        } else if (strcmp(a, "--html") == 0) {
            o->html = v;
        } else if (strcmp(a, "--init") == 0) {
            o->have_init = true;
            o->init = parse_init(v);
        } else if (strcmp(a, "--timeout") == 0) {
            if (units_parse_duration(v, &o->timeout_ns) || o->timeout_ns <= 0)
                return cli_usage("bad timeout '%s' (accepted: a duration like 10s, 500ms, 2m)", v);
            if (strspn(v, "0123456789.") == strlen(v)) /* a bare number here means seconds */
                o->timeout_ns = (int64_t)(strtod(v, NULL) * NS_PER_S);
        } else if (strcmp(a, "--max-memory") == 0) {
            if (!cli_parse_u64(v, &o->mem_limit_mb) || o->mem_limit_mb == 0 || o->mem_limit_mb > (1u << 24))
                return cli_usage("bad --max-memory '%s' (accepted: megabytes, 1 to 16777216)", v);
        } else if (strcmp(a, "--threads") == 0) {
            if (!cli_parse_u64(v, &o->threads) || o->threads == 0 || o->threads > 256)
                return cli_usage("bad --threads '%s' (accepted: 1 to 256)", v);
        }
    }
    if (*npaths == 0)
        return cli_usage("check needs at least one history FILE (see 'dkata check --help')");
    if (o->html && o->model == MODEL_SESSION)
        return cli_usage("--html draws linearizability checks; it does not apply to --model session");
    return 0;
}

static size_t default_mem_limit(void)
{
    /* a quarter of the machine's memory, at most 2 GiB: others share the machine */
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    size_t quarter = pages > 0 && page > 0 ? (size_t)pages * (size_t)page / 4 : (size_t)1 << 30;
    return quarter < ((size_t)2 << 30) ? quarter : (size_t)2 << 30;
}

static int check_sessions(struct file *files, size_t n, const struct opts *o)
{
    int rc = EXIT_OKAY;
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        struct session_result r;
        if (session_check(&files[i].h, &r)) {
            session_result_close(&r);
            buf_close(&b);
            return input_error(files[i].path, files[i].h.err);
        }
        if (r.nops && !r.usable) {
            size_t nops = r.nops;
            session_result_close(&r);
            buf_close(&b);
            return cli_usage("%s: %zu operations but none completed (ok) with a \"version\" or \"lsn\": no "
                             "session guarantee can be checked (--model session needs them, see docs/check.md)",
                             files[i].path, nops);
        }
        if (r.n)
            rc = EXIT_VIOLATION;
        buf_reset(&b);
        if (o->json) {
            buf_puts(&b, "{\"file\":");
            buf_json_str(&b, files[i].path);
            buf_printf(&b, ",\"model\":\"session\",\"verdict\":\"%s\",\"operations\":%zu,\"violations\":[",
                       r.n ? "violated" : "ok", r.nops);
            for (size_t k = 0; k < r.n; k++) {
                struct buf d;
                buf_init(&d);
                session_describe(&files[i].h, &r, &r.v[k], &d);
                buf_printf(&b, "%s{\"guarantee\":\"%s\",\"lines\":[%d,%d],\"text\":", k ? "," : "",
                           session_name(r.v[k].g), files[i].h.ev[r.ops[r.v[k].a].complete].line,
                           files[i].h.ev[r.ops[r.v[k].b].complete].line);
                buf_json_str(&b, d.data);
                buf_putc(&b, '}');
                buf_close(&d);
            }
            buf_puts(&b, "]}\n");
        } else {
            buf_printf(&b, "%s: %s (session guarantees, %zu operations", files[i].path,
                       r.n ? "violated" : "ok", r.nops);
            for (int g = 0; g < SESSION_N; g++)
                buf_printf(&b, "%s%s on %zu", g ? ", " : "; checked ",
                           session_name((enum session_guarantee)g), r.checked[g]);
            buf_puts(&b, ")\n");
            for (size_t k = 0; k < r.n; k++) {
                buf_puts(&b, "  ");
                session_describe(&files[i].h, &r, &r.v[k], &b);
                buf_putc(&b, '\n');
            }
        }
        fputs(b.data, stdout);
        session_result_close(&r);
    }
    buf_close(&b);
    return rc;
}

static void report_file(struct file *f, const struct opts *o, struct buf *b)
{
    enum lin_verdict v = lin_verdict(&f->p);
    size_t peak = 0, placed = 0;
    for (size_t k = 0; k < f->p.nparts; k++) {
        struct lin_part_info info;
        lin_part_info(&f->p, k, &info);
        if (info.cache_bytes > peak)
            peak = info.cache_bytes;
        placed += info.nops;
    }
    size_t w = lin_worst_part(&f->p);
    if (o->json) {
        buf_puts(b, "{\"file\":");
        buf_json_str(b, f->path);
        buf_printf(b,
                   ",\"model\":\"%s\",\"verdict\":\"%s\",\"operations\":%zu,\"partitions\":%zu,"
                   "\"seconds\":%.6f,\"cache_bytes\":%zu",
                   lin_model_name(f->p.opts.model), lin_verdict_name(v), f->p.nops, f->p.nparts, f->seconds,
                   peak);
        if (w != (size_t)-1) {
            struct lin_part_info info;
            lin_part_info(&f->p, w, &info);
            buf_puts(b, ",\"key\":");
            if (info.key)
                buf_json_str(b, info.key);
            else
                buf_puts(b, "null");
            buf_printf(b, ",\"prefix\":%zu,\"partition_operations\":%zu", info.nbest, info.nops);
            if (info.stuck != HIST_NONE_IDX) {
                struct buf d;
                buf_init(&d);
                lin_describe_op(&f->p, info.stuck, &d);
                buf_puts(b, ",\"stuck\":");
                buf_json_str(b, d.data);
                buf_reset(&d);
                lin_state_after(&f->p, w, info.nbest, &d);
                buf_puts(b, ",\"state\":");
                buf_json_str(b, d.data);
                buf_close(&d);
            }
            if (info.why_unknown)
                buf_printf(b, ",\"why_unknown\":\"%s\"", info.why_unknown);
        }
        buf_puts(b, "}\n");
        return;
    }
    buf_printf(b, "%s: %s (%s, %zu operations, %zu key%s, %.3fs, cache %.1f MiB)\n", f->path,
               lin_verdict_name(v), lin_model_name(f->p.opts.model), f->p.nops, f->p.nparts,
               f->p.nparts == 1 ? "" : "s", f->seconds, peak / 1048576.0);
    (void)placed;
    lin_explain(&f->p, b);
}

/* Shared by every history checked in one run: the stop flag raised at the deadline, and the memory used. */
struct shared {
    atomic_int stop;
    atomic_size_t mem_used;
};

/* Reads and prepares one file. Returns 0, or the exit code after printing the one-line error. */
static int load_file(struct file *f, const struct opts *o, struct shared *sh)
{
    history_init(&f->h);
    enum hist_format fmt = o->format;
    int rc = history_load(&f->h, f->path, &fmt);
    if (rc == ERR_IO)
        return cli_usage("%s", f->h.err);
    if (rc)
        return input_error(f->path, f->h.err);
    if (o->model == MODEL_SESSION)
        return 0;
    struct lin_opts lo = {.model = o->model >= 0           ? (enum lin_model)o->model
                                   : fmt == HIST_FMT_JSONL ? LIN_REGISTER
                                                           : LIN_CAS_REGISTER,
                          .init = o->have_init ? &o->init : NULL,
                          .mem_limit = o->mem_limit_mb ? (size_t)o->mem_limit_mb << 20 : default_mem_limit(),
                          .mem_used = &sh->mem_used,
                          .stop = &sh->stop};
    return lin_init(&f->p, &f->h, &lo) ? input_error(f->path, f->p.err) : 0;
}

/* Runs the pool, with a watchdog thread that raises stop at the deadline if there is one. */
static void check_all(struct file *files, size_t n, const struct opts *o, struct shared *sh)
{
    struct watchdog wd = {.timeout_ns = o->timeout_ns, .stop = &sh->stop};
    pthread_mutex_init(&wd.mu, NULL);
    pthread_cond_init(&wd.cv, NULL);
    pthread_t wt;
    bool watching = o->timeout_ns > 0 && pthread_create(&wt, NULL, watch, &wd) == 0;
    run_pool(files, n, o, &sh->stop);
    if (watching) {
        pthread_mutex_lock(&wd.mu);
        wd.finished = true;
        pthread_cond_signal(&wd.cv);
        pthread_mutex_unlock(&wd.mu);
        pthread_join(wt, NULL);
    }
    pthread_mutex_destroy(&wd.mu);
    pthread_cond_destroy(&wd.cv);
}

/* Draws the first history with a violation (or an unknown key; else the first one) into path. */
static int write_html(struct file *files, size_t n, const char *path)
{
    size_t pick = 0;
    for (size_t i = 0; i < n; i++)
        if (lin_worst_part(&files[i].p) != (size_t)-1) {
            pick = i;
            break;
        }
    struct buf h;
    buf_init(&h);
    timeline_html(&h, &files[pick].p, files[pick].path);
    FILE *out = fopen(path, "w");
    int rc = 0;
    if (!out || fwrite(h.data, 1, h.len, out) != h.len)
        rc = cli_usage("cannot write '%s': %s", path, strerror(errno));
    if (out && fclose(out) != 0 && rc == 0)
        rc = cli_usage("cannot write '%s': %s", path, strerror(errno));
    buf_close(&h);
    return rc;
}

/* Prints every verdict; the exit code is the worst: a violation, else unknown, else ok. */
static int report_all(struct file *files, size_t n, const struct opts *o)
{
    bool any_bad = false, any_unknown = false;
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        enum lin_verdict v = lin_verdict(&files[i].p);
        any_bad |= v == LIN_VIOLATION;
        any_unknown |= v == LIN_UNKNOWN;
        buf_reset(&b);
        report_file(&files[i], o, &b);
        fputs(b.data ? b.data : "", stdout);
    }
    buf_close(&b);
    return any_bad ? EXIT_VIOLATION : any_unknown ? EXIT_UNKNOWN : EXIT_OKAY;
}

int cmd_check(int argc, char **argv)
{
    struct opts o;
    const char **paths;
    size_t n;
    int rc = parse_args(argc, argv, &o, &paths, &n);
    if (rc) {
        free(paths);
        return rc < 0 ? usage_text() : rc;
    }
    struct file *files = xcalloc(n, sizeof(*files));
    struct shared sh;
    atomic_init(&sh.stop, 0);
    atomic_init(&sh.mem_used, 0);
    size_t loaded = 0;
    while (rc == 0 && loaded < n) {
        files[loaded].path = paths[loaded];
        rc = load_file(&files[loaded++], &o, &sh);
    }
    if (rc == 0 && o.model == MODEL_SESSION) {
        rc = check_sessions(files, n, &o);
    } else if (rc == 0) {
        check_all(files, n, &o, &sh);
        rc = report_all(files, n, &o);
        if (o.html) {
            int hrc = write_html(files, n, o.html);
            rc = hrc ? hrc : rc;
        }
    }
    for (size_t i = 0; i < loaded; i++) {
        lin_close(&files[i].p);
        history_close(&files[i].h);
    }
    free(files);
    free(paths);
    return rc;
}
