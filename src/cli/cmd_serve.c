/* dkata serve payments|load|audit: the idempotent payments service, its load client and its ledger audit. */
#include "cli/cli.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "serve/server.h"
#include "serve/load.h"
#include "serve/audit.h"
#include "serve/payreq.h"

static const char PAYMENTS_USAGE[] =
    "usage: dkata serve payments [--listen HOST:PORT] [--store sqlite:PATH | postgres:CONNINFO]\n"
    "         [--ttl 24h] [--in-flight conflict|wait] [options]\n\n"
    "Serves POST /payments (headers Content-Type: application/json and Idempotency-Key: UUID, compared\n"
    "without case; body {\"amount\": N, \"currency\": \"USD\", \"card_token\": \"...\"}), GET /payments/ID,\n"
    "GET /healthz and GET /metrics until SIGINT or SIGTERM.\n"
    "It prints 'listening on http://HOST:PORT' once ready (port 0 picks a free one).\n\n"
    "options:\n"
    "  --listen HOST:PORT        IPv4 address and port (default 127.0.0.1:8080)\n"
    "  --store SPEC              sqlite:PATH (default sqlite:payments.db) or postgres:CONNINFO\n"
    "  --bank SPEC               the simulated processor's ledger (default: PATH.bank, or the same postgres)\n"
    "  --ttl DUR                 how long idempotency keys live (default 24h)\n"
    "  --lease DUR               a request's lock on its key (default 10s)\n"
    "  --in-flight conflict|wait answer 409 to a duplicate of an in-flight request, or wait for it\n"
    "  --wait-max DUR            the longest wait with --in-flight wait (default 5s)\n"
    "  --threads N               HTTP threads: 0 (default) one per connection; 1-64 a pool, where a request\n"
    "                            waiting for the disk holds up the other connections of its thread\n"
    "  --conns N                 store connections (default 3)\n"
    "  --sync full|normal        SQLite durability: fsync every commit (default) or only on checkpoints\n"
    "  --max-clients N           concurrent connections (default 1024)\n"
    "  --idle-timeout DUR        close connections idle this long (default 10s)\n"
    "  --processor-latency DUR   the simulated processor's latency (default 0)\n"
    "  --processor-timeout DUR   how long its timeouts take (default 50ms)\n"
    "  --processor-faults LIST   error=P,timeout=P,lost=P probabilities (lost: charged, answer lost)\n"
    "  --seed N                  the processor's fault draws\n"
    "  --crash-at POINT          kill -9 itself at: after-started, after-charge-requested, after-charge,\n"
    "                            after-charge-confirmed, after-response-stored (crash-safety tests)\n"
    "  --bug fresh-key           deliberately broken: a fresh processor key per attempt (double charges)\n";

static int parse_dur_ms(const char *flag, const char *v, int64_t *out_ms)
{
    int64_t ns;
    if (!v || units_parse_duration(v, &ns))
        return cli_usage("bad duration '%s' for %s (accepted: e.g. 500ms, 10s, 24h)", v ? v : "", flag);
    *out_ms = ns / 1000000;
    return 0;
}

static int parse_faults(const char *v, struct proc_config *p)
{
    char *copy = strdup(v), *save = NULL;
    int rc = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '='), *end = NULL;
        double x = eq ? strtod(eq + 1, &end) : -1;
        if (!eq || !end || *end || end == eq + 1 || !(x >= 0 && x <= 1)) {
            rc = cli_usage("bad fault '%s' (accepted: error=P,timeout=P,lost=P with P in [0,1])", tok);
            break;
        }
        *eq = '\0';
        if (strcmp(tok, "error") == 0)
            p->p_error = x;
        else if (strcmp(tok, "timeout") == 0)
            p->p_timeout = x;
        else if (strcmp(tok, "lost") == 0)
            p->p_lost = x;
        else
            rc = cli_usage("unknown fault '%s' (accepted: error, timeout, lost)", tok);
    }
    free(copy);
    return rc;
}

static int parse_listen(const char *v, struct serve_config *c, char *host, size_t host_n)
{
    const char *colon = v ? strrchr(v, ':') : NULL;
    uint64_t port;
    if (!colon || colon == v || (size_t)(colon - v) >= host_n || !cli_parse_u64(colon + 1, &port) || port > 65535)
        return cli_usage("bad --listen '%s' (accepted: HOST:PORT, e.g. 127.0.0.1:8080)", v ? v : "");
    memcpy(host, v, (size_t)(colon - v));
    host[colon - v] = '\0';
    c->host = host;
    c->port = (uint16_t)port;
    return 0;
}

static int parse_count(const char *flag, const char *v, uint64_t max, uint64_t *out)
{
    if (!v || !cli_parse_u64(v, out) || *out < 1 || *out > max)
        return cli_usage("bad %s '%s' (accepted: 1 to %llu)", flag, v ? v : "", (unsigned long long)max);
    return 0;
}

/* Parses one flag of 'serve payments' at argv[*i]; returns 0 or an exit code. */
static int payments_flag(int argc, char **argv, int *i, struct serve_config *c, char *host, size_t host_n)
{
    const char *f = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    (*i)++;
    int64_t ms = 0;
    uint64_t n;
    int rc = 0;
    if (strcmp(f, "--listen") == 0)
        rc = parse_listen(v, c, host, host_n);
    else if (strcmp(f, "--store") == 0 && v)
        c->store_spec = v;
    else if (strcmp(f, "--bank") == 0 && v)
        c->bank_spec = v;
    else if (strcmp(f, "--ttl") == 0 || strcmp(f, "--lease") == 0 || strcmp(f, "--wait-max") == 0 ||
             strcmp(f, "--idle-timeout") == 0) {
        if ((rc = parse_dur_ms(f, v, &ms)))
            return rc;
        if (ms < 1)
            return cli_usage("%s '%s' is too short (accepted: at least 1ms)", f, v);
        if (f[2] == 't')
            c->ttl_ms = ms;
        else if (f[2] == 'l')
            c->lease_ms = ms;
        else if (f[2] == 'w')
            c->wait_max_ms = ms;
        else
            c->idle_timeout_s = (unsigned)((ms + 999) / 1000);
    } else if (strcmp(f, "--processor-latency") == 0 || strcmp(f, "--processor-timeout") == 0) {
        if ((rc = parse_dur_ms(f, v, &ms)))
            return rc;
        int64_t ns;
        units_parse_duration(v, &ns);
        *(f[12] == 'l' ? &c->proc.latency_ns : &c->proc.timeout_ns) = ns;
    } else if (strcmp(f, "--processor-faults") == 0 && v)
        rc = parse_faults(v, &c->proc);
    else if (strcmp(f, "--in-flight") == 0 && v && (strcmp(v, "wait") == 0 || strcmp(v, "conflict") == 0))
        c->in_flight_wait = strcmp(v, "wait") == 0;
    else if (strcmp(f, "--in-flight") == 0)
        rc = cli_usage("bad --in-flight '%s' (accepted: conflict, wait)", v ? v : "");
    else if (strcmp(f, "--sync") == 0 && v && (strcmp(v, "full") == 0 || strcmp(v, "normal") == 0))
        c->sync_full = strcmp(v, "full") == 0;
    else if (strcmp(f, "--sync") == 0)
        rc = cli_usage("bad --sync '%s' (accepted: full, normal)", v ? v : "");
    else if (strcmp(f, "--threads") == 0 && v && cli_parse_u64(v, &n) && n <= 64)
        c->threads = (int)n;
    else if (strcmp(f, "--threads") == 0)
        rc = cli_usage("bad --threads '%s' (accepted: 0 for one per connection, or 1 to 64)", v ? v : "");
    else if (strcmp(f, "--conns") == 0 && !(rc = parse_count(f, v, STORE_CONNS_MAX, &n)))
        c->conns = (int)n;
    else if (strcmp(f, "--max-clients") == 0 && !(rc = parse_count(f, v, 100000, &n)))
        c->max_clients = (unsigned)n;
    else if (strcmp(f, "--seed") == 0 && v && cli_parse_u64(v, &n))
        c->seed = n;
    else if (strcmp(f, "--crash-at") == 0 && v && server_crash_parse(v, &c->crash_at))
        ;
    else if (strcmp(f, "--crash-at") == 0)
        rc = cli_usage("bad --crash-at '%s' (accepted: after-started, after-charge-requested, after-charge, "
                       "after-charge-confirmed, after-response-stored)", v ? v : "");
    else if (strcmp(f, "--bug") == 0 && v && strcmp(v, "fresh-key") == 0)
        c->bug_fresh_key = true;
    else if (!rc) {
        if (!v || strncmp(f, "--", 2) != 0 || strcmp(f, "--bug") == 0 || strcmp(f, "--seed") == 0)
            return cli_usage("bad or incomplete option '%s'%s (see 'dkata serve payments --help')", f,
                             v && strncmp(f, "--", 2) == 0 ? " or its value" : "");
        return cli_usage("unknown option '%s' for 'serve payments' (see 'dkata serve payments --help')", f);
    }
    return rc;
}

static int serve_payments(int argc, char **argv)
{
    struct serve_config c;
    server_config_default(&c);
    c.crash_mode = CRASH_KILL;
    char host[64];
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(PAYMENTS_USAGE, stdout);
            return EXIT_OKAY;
        }
        int rc = payments_flag(argc, argv, &i, &c, host, sizeof(host));
        if (rc)
            return rc;
    }
    if (strncmp(c.store_spec, "sqlite:", 7) != 0 && strncmp(c.store_spec, "postgres:", 9) != 0)
        return cli_usage("bad --store '%s' (accepted: sqlite:PATH, postgres:CONNINFO)", c.store_spec);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct server *s = calloc(1, sizeof(*s));
    if (!s || server_start(s, &c)) {
        fprintf(stderr, "dkata: %s\n", s ? s->err : "out of memory");
        free(s);
        return EXIT_USAGE;
    }
    printf("listening on http://%s:%u\n", c.host, s->port);
    fflush(stdout);
    int sig;
    sigwait(&set, &sig);
    server_stop(s);
    free(s);
    return EXIT_OKAY;
}

static int parse_ratio(const char *flag, const char *v, double *out)
{
    char *end = NULL;
    double x = v ? strtod(v, &end) : -1;
    if (!v || !end || *end || end == v || !(x >= 0 && x <= 1))
        return cli_usage("bad %s '%s' (accepted: a number from 0 to 1)", flag, v ? v : "");
    *out = x;
    return 0;
}

static void on_load_signal(int sig)
{
    (void)sig;
    load_interrupt();
}

static int serve_load(int argc, char **argv)
{
    bool json = false;
    struct load_config c;
    load_config_default(&c);
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        int rc = 0;
        if (cli_is_help(f)) {
            printf("usage: dkata serve load [--url http://127.0.0.1:8080] [--requests 10000] [--connections 8]\n"
                   "         [--retry-ratio 0.3] [--changed-ratio 0.1] [--seed 1] [--history FILE] [--key UUID]\n"
                   "         [--json]\n\n"
                   "Sends POST /payments: new keys, and retries of earlier keys (some with a changed body),\n"
                   "recording each request and its answer as one JSON line in FILE; prints figures (one\n"
                   "\"name value\" per line, or one JSON object with --json). Several comma-separated URLs are\n"
                   "used in turn; --key sends every request with that one key.\n");
            return EXIT_OKAY;
        }
        if (strcmp(f, "--json") == 0) {
            json = true;
            continue;
        }
        i++;
        if (strcmp(f, "--url") == 0 && v)
            c.url = v;
        else if (strcmp(f, "--history") == 0 && v)
            c.history_path = v;
        else if (strcmp(f, "--key") == 0 && v && payreq_uuid_ok(v))
            c.fixed_key = v; /* as given: the server compares keys without case, so the history may show either */
        else if (strcmp(f, "--key") == 0)
            return cli_usage("bad --key '%s' (accepted: a uuid)", v ? v : "");
        else if (strcmp(f, "--requests") == 0)
            rc = parse_count(f, v, 1000000000ULL, &c.requests);
        else if (strcmp(f, "--connections") == 0 && !(rc = parse_count(f, v, 1024, &n)))
            c.connections = (int)n;
        else if (strcmp(f, "--seed") == 0 && !(rc = parse_count(f, v, UINT64_MAX, &n)))
            c.seed = n;
        else if (strcmp(f, "--retry-ratio") == 0)
            rc = parse_ratio(f, v, &c.retry_ratio);
        else if (strcmp(f, "--changed-ratio") == 0)
            rc = parse_ratio(f, v, &c.changed_ratio);
        else if (strcmp(f, "--connections") != 0 && strcmp(f, "--seed") != 0)
            return cli_usage("unknown or incomplete option '%s' for 'serve load' (see 'dkata serve load --help')", f);
        if (rc)
            return rc;
    }
    if (!load_url_ok(c.url))
        return cli_usage("bad --url '%s' (accepted: http://HOST[:PORT], several separated by commas)", c.url);
    /* Ctrl-C stops sending, records what is in flight and prints the figures so far. */
    struct sigaction sa = {.sa_handler = on_load_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct load_result r;
    if (load_run(&c, &r))
        return cli_usage("cannot write history '%s'", c.history_path);
    (json ? load_print_json : load_print)(stdout, &r);
    if (r.interrupted)
        return 130;
    if (r.sent > 0 && r.no_answer == r.sent) {
        fprintf(stderr, "dkata: serve load: none of the %" PRIu64 " requests was answered (is a server listening "
                        "at %s?)\n", r.sent, c.url);
        return EXIT_VIOLATION;
    }
    return EXIT_OKAY;
}

static int serve_audit(int argc, char **argv)
{
    const char *history = NULL, *store = NULL, *bank = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(f)) {
            printf("usage: dkata serve audit --store SPEC [--history FILE] [--bank SPEC] [--json]\n\n"
                   "Checks the processor's ledger, and a load history if given, against the store: every key charged\n"
                   "at most once, no key stored twice, every acknowledged outcome stored, every replay equal to the\n"
                   "original. Prints the counts and the first violations (--json: as one JSON object).\n"
                   "Exit 0 if all hold, 1 if one is violated, 2 for bad input.\n");
            return EXIT_OKAY;
        }
        if (strcmp(f, "--json") == 0) {
            json = true;
            continue;
        }
        i++;
        if (strcmp(f, "--history") == 0 && v)
            history = v;
        else if (strcmp(f, "--store") == 0 && v)
            store = v;
        else if (strcmp(f, "--bank") == 0 && v)
            bank = v;
        else
            return cli_usage("unknown or incomplete option '%s' for 'serve audit' (see 'dkata serve audit --help')", f);
    }
    if (!store)
        return cli_usage("serve audit needs --store SPEC (and --history FILE to check a client's history)");
    struct audit_report r;
    int rc = audit_run(history, store, bank, &r);
    if (rc) {
        fprintf(stderr, "dkata: audit: %s", r.detail.len ? r.detail.data : "failed\n");
        audit_report_close(&r);
        return EXIT_USAGE;
    }
    (json ? audit_print_json : audit_print)(stdout, &r);
    bool ok = audit_ok(&r);
    audit_report_close(&r);
    return ok ? EXIT_OKAY : EXIT_VIOLATION;
}

int cmd_serve(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        fprintf(argc < 2 ? stderr : stdout, "usage: dkata serve payments|load|audit [options]\n\n"
               "  payments  the idempotent payments service (see 'dkata serve payments --help')\n"
               "  load      a load and chaos client that records its history (JSON lines)\n"
               "  audit     checks a history against the store and the processor's ledger\n");
        return argc < 2 ? EXIT_USAGE : EXIT_OKAY;
    }
    if (strcmp(argv[1], "payments") == 0)
        return serve_payments(argc - 1, argv + 1);
    if (strcmp(argv[1], "load") == 0)
        return serve_load(argc - 1, argv + 1);
    if (strcmp(argv[1], "audit") == 0)
        return serve_audit(argc - 1, argv + 1);
    return cli_usage("unknown service '%s' (accepted: payments, load, audit)", argv[1]);
}
