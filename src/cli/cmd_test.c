/* dkata test: runs the user's own node program (Maelstrom's node protocol) on dkata's network and judges it;
 * the flags are Maelstrom's `test` flags, so its users' habits and scripts carry over. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "core/units.h"
#include "harness/harness.h"

static const char *const flags[] = {
    "-w", "--workload", "--bin", "--node-count", "--time-limit", "--rate", "--concurrency", "--latency", "--loss",
    "--nemesis", "--nemesis-interval", "--nemesis-schedule", "--availability", "--seed", "--log-dir", "--svg",
    "--timeout", "--init-timeout", "--recovery", "--max-line", "--max-backlog", "--elect-within", "--diagram", "--quiet", "--log-stderr"};
#define NFLAGS ((int)(sizeof(flags) / sizeof(flags[0])))
/* What each flag's value is, in the order of flags[] (the last two take none). */
static const char *const whats[NFLAGS] = {"a workload",
                                          "a workload",
                                          "a program path",
                                          "a number of nodes",
                                          "seconds",
                                          "operations per second",
                                          "a number of clients",
                                          "milliseconds or a distribution",
                                          "a probability",
                                          "partition, kill or pause",
                                          "seconds",
                                          "fault steps",
                                          "total or a fraction",
                                          "an unsigned integer",
                                          "a directory path",
                                          "a file path",
                                          "seconds",
                                          "seconds",
                                          "seconds",
                                          "bytes",
                                          "mebibytes",
                                          "seconds",
                                          "seconds",
                                          NULL,
                                          NULL};

static void test_help(void)
{
    printf("usage: dkata test -w WORKLOAD --bin PROGRAM [ARGS...] [options]\n\n"
           "Runs PROGRAM as each node of a cluster, speaking Jepsen Maelstrom's node protocol (one JSON message a\n"
           "line on stdin/stdout; stderr is the node's log), routes its messages through dkata's network model in\n"
           "real time, drives the workload's clients, injects faults, and checks the outcome. Arguments after\n"
           "PROGRAM that are not options of this command are passed to it.\n\n"
           "workloads: echo, unique-ids, broadcast, g-counter, pn-counter, g-set, lin-kv, raft-election\n"
           "services a node can call: lin-kv, seq-kv, lww-kv, lin-tso (see docs/harness.md)\n\n"
           "options (Maelstrom's):\n"
           "  --node-count N          nodes n0..n(N-1) (default 3, at most 64)\n"
           "  --time-limit S          seconds of client operations (default 10; '1.5s', '800ms' work too)\n"
           "  --rate R                operations per second over all clients (default 5; 0: as fast as possible)\n"
           "  --concurrency C         clients, one operation in flight each (default: node count; '2n' = 2 x nodes)\n"
           "  --latency MS            every message's delay: milliseconds, or a distribution (const:5ms,\n"
           "                          uniform:1ms,5ms, exp:5ms, lognormal:10ms,0.5, pareto:1ms,1.5, mix:...)\n"
           "  --nemesis KINDS         faults: partition,kill,pause (kill = SIGKILL and restart; pause = SIGSTOP/CONT)\n"
           "  --nemesis-interval S    seconds between faults (default 10)\n"
           "  --availability A        'total', or the fraction of operations that must succeed\n"
           "  --seed N                seeds latency, operations and the fault schedule (default 1)\n"
           "  --log-stderr            nodes' stderr to this terminal instead of DIR/nN.log\n"
           "dkata's own:\n"
           "  --loss P                probability a node-to-node message is lost (default 0)\n"
           "  --nemesis-schedule TXT  exact faults, e.g. '1s partition 0|1,2; 2s heal; 3s crash 1; 4s restart 1'\n"
           "  --log-dir DIR           node logs, history.jsonl, nemesis.txt, messages.svg (default ./store)\n"
           "  --svg FILE              where to write the message diagram (default DIR/messages.svg)\n"
           "  --diagram S             seconds of the run the diagram shows (default 2)\n"
           "  --timeout S             a client gives up on a request after this (default 2s; the op is unknown)\n"
           "  --init-timeout S        a node must answer init within this (default 10s)\n"
           "  --recovery S            after healing, wait this before final reads (default 2s)\n"
           "  --elect-within S        raft-election: each election must take at most this (default: only measured)\n"
           "  --max-line BYTES        longest stdout line a node may print (default 1048576)\n"
           "  --max-backlog MIB       messages waiting for a node that does not read its stdin (default 64)\n"
           "  --quiet                 no progress lines\n\n"
           "exit: 0 valid, 1 not valid, 2 bad usage or a node that broke the protocol, 130 interrupted.\n");
}

static bool is_flag(const char *a)
{
    for (int i = 0; i < NFLAGS; i++)
        if (strcmp(a, flags[i]) == 0)
            return true;
    return cli_is_help(a);
}

/* Seconds as Maelstrom writes them ("10", "0.5"), or a duration with a unit ("800ms"). */
static bool parse_secs(const char *s, int64_t *ns)
{
    char *end;
    double v = strtod(s, &end);
    if (end != s && *end == 0 && isfinite(v) && v >= 0 && v < 1e6) {
        *ns = (int64_t)(v * NS_PER_S);
        return true;
    }
    return isalpha((unsigned char)s[strlen(s) ? strlen(s) - 1 : 0]) && units_parse_duration(s, ns) == 0;
}

static bool parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static int parse_nemesis(const char *v, unsigned *out)
{
    *out = 0;
    char *copy = strdup(v), *save = NULL;
    int rc = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "partition") == 0)
            *out |= NEM_PARTITION;
        else if (strcmp(t, "kill") == 0)
            *out |= NEM_KILL;
        else if (strcmp(t, "pause") == 0)
            *out |= NEM_PAUSE;
        else if (strcmp(t, "none") != 0) {
            rc = cli_usage("unknown nemesis '%s' (accepted: partition, kill, pause, comma-separated)", t);
            break;
        }
    }
    free(copy);
    return rc;
}

int cmd_test(int argc, char **argv)
{
    struct harness_opts o;
    harness_opts_default(&o);
    const char *conc = NULL;
    char **prog = NULL;
    int nprog = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            test_help();
            free(prog);
            return EXIT_OKAY;
        }
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "--log-stderr") == 0) {
            *(a[2] == 'q' ? &o.quiet : &o.log_stderr) = true;
            continue;
        }
        if (!is_flag(a)) {
            const char *near = a[0] == '-' && !strchr(a, '=') ? cli_nearest(a, flags, NFLAGS) : NULL;
            free(prog);
            if (near)
                return cli_usage(
                    "unknown option '%s' for 'test'; did you mean '%s'? (see 'dkata test --help')", a, near);
            if (a[0] != '-')
                return cli_usage(
                    "unexpected argument '%s' (the program comes after --bin; see 'dkata test --help')", a);
            return cli_unexpected("test", a);
        }
        int f = 0;
        while (strcmp(flags[f], a))
            f++;
        const char *v = cli_value(a, i + 1 < argc ? argv[i + 1] : NULL, whats[f]);
        if (!v) {
            free(prog);
            return EXIT_USAGE;
        }
        i++;
        int rc = 0;
        uint64_t u;
        if (strcmp(a, "-w") == 0 || strcmp(a, "--workload") == 0) {
            o.workload = harness_workload_parse(v);
            if (o.workload < 0)
                rc = cli_usage("unknown workload '%s' (accepted: echo, unique-ids, broadcast, g-counter, pn-counter, "
                               "g-set, lin-kv, raft-election)", v);
        } else if (strcmp(a, "--bin") == 0 && nprog) {
            rc = cli_usage("--bin given twice: one program runs every node (its arguments follow it)");
        } else if (strcmp(a, "--bin") == 0) {
            prog = realloc(prog, sizeof(*prog) * (size_t)(argc + 1));
            prog[nprog++] = argv[i];
            while (i + 1 < argc && !is_flag(argv[i + 1]) && strcmp(argv[i + 1], "--quiet") != 0 &&
                   strcmp(argv[i + 1], "--log-stderr") != 0)
                prog[nprog++] = argv[++i];
            prog[nprog] = NULL;
        } else if (strcmp(a, "--node-count") == 0) {
            if (!cli_parse_u64(v, &u) || u < 1 || u > HARNESS_MAX_NODES)
                rc = cli_usage("bad --node-count '%s' (accepted: 1 to %d)", v, HARNESS_MAX_NODES);
            o.node_count = (int)u;
        } else if (strcmp(a, "--time-limit") == 0) {
            if (!parse_secs(v, &o.time_limit_ns) || o.time_limit_ns < NS_PER_MS)
                rc = cli_usage(
                    "bad --time-limit '%s' (accepted: seconds, at least 0.001, like 10 or 0.5, or a "
                    "duration like 800ms)",
                    v);
        } else if (strcmp(a, "--rate") == 0) {
            if (!parse_double(v, 0, 1e7, &o.rate))
                rc = cli_usage("bad --rate '%s' (accepted: operations per second, 0 to 10000000; 0: unlimited)", v);
        } else if (strcmp(a, "--concurrency") == 0) {
            conc = v;
        } else if (strcmp(a, "--latency") == 0) {
            char err[256];
            double ms;
            if (parse_double(v, 0, 1e6, &ms))
                dist_const(&o.latency, (int64_t)(ms * NS_PER_MS));
            else if (dist_parse(&o.latency, v, err, sizeof(err)) < 0)
                rc = cli_usage("bad --latency '%s': %s", v, err);
        } else if (strcmp(a, "--loss") == 0) {
            if (!parse_double(v, 0, 1, &o.loss))
                rc = cli_usage("bad --loss '%s' (accepted: a probability from 0 to 1)", v);
        } else if (strcmp(a, "--nemesis") == 0) {
            rc = parse_nemesis(v, &o.nemesis);
        } else if (strcmp(a, "--nemesis-interval") == 0) {
            if (!parse_secs(v, &o.nemesis_interval_ns) || o.nemesis_interval_ns < NS_PER_MS)
                rc = cli_usage("bad --nemesis-interval '%s' (accepted: seconds, at least 0.001)", v);
        } else if (strcmp(a, "--nemesis-schedule") == 0) {
            o.nemesis_schedule = v;
        } else if (strcmp(a, "--availability") == 0) {
            if (strcmp(v, "total") == 0)
                o.availability = 1;
            else if (!parse_double(v, 0, 1, &o.availability))
                rc = cli_usage("bad --availability '%s' (accepted: total, or a fraction from 0 to 1)", v);
        } else if (strcmp(a, "--seed") == 0) {
            if (!cli_parse_u64(v, &o.seed))
                rc = cli_usage("bad --seed '%s' (accepted: a non-negative integer)", v);
        } else if (strcmp(a, "--log-dir") == 0) {
            o.log_dir = v;
        } else if (strcmp(a, "--svg") == 0) {
            o.svg_path = v;
        } else if (strcmp(a, "--diagram") == 0) {
            if (!parse_secs(v, &o.diagram_ns))
                rc = cli_usage("bad --diagram '%s' (accepted: seconds)", v);
        } else if (strcmp(a, "--timeout") == 0) {
            if (!parse_secs(v, &o.timeout_ns) || o.timeout_ns < NS_PER_MS)
                rc = cli_usage("bad --timeout '%s' (accepted: seconds, at least 0.001)", v);
        } else if (strcmp(a, "--init-timeout") == 0) {
            if (!parse_secs(v, &o.init_timeout_ns) || o.init_timeout_ns < NS_PER_MS)
                rc = cli_usage("bad --init-timeout '%s' (accepted: seconds, at least 0.001)", v);
        } else if (strcmp(a, "--recovery") == 0) {
            if (!parse_secs(v, &o.recovery_ns))
                rc = cli_usage("bad --recovery '%s' (accepted: seconds)", v);
        } else if (strcmp(a, "--max-line") == 0) {
            if (!cli_parse_u64(v, &u) || u < 64 || u > ((uint64_t)1 << 30))
                rc = cli_usage("bad --max-line '%s' (accepted: bytes, 64 to 1073741824)", v);
            o.max_line = (size_t)u;
        } else if (strcmp(a, "--elect-within") == 0) {
            if (!parse_secs(v, &o.elect_within_ns) || o.elect_within_ns < NS_PER_MS)
                rc = cli_usage("bad --elect-within '%s' (accepted: seconds, at least 0.001)", v);
        } else if (strcmp(a, "--max-backlog") == 0) {
            if (!cli_parse_u64(v, &u) || u < 1 || u > 65536)
                rc = cli_usage("bad --max-backlog '%s' (accepted: mebibytes, 1 to 65536)", v);
            o.max_backlog = (size_t)u << 20;
        }
        if (rc) {
            free(prog);
            return rc;
        }
    }
    if (o.workload < 0 || !prog) {
        free(prog);
        return cli_usage("usage: dkata test -w WORKLOAD --bin PROGRAM [ARGS...] [options] (see 'dkata test --help')");
    }
    o.concurrency = o.node_count;
    if (conc) {
        size_t n = strlen(conc);
        uint64_t u;
        char num[32];
        bool per_node = n > 1 && conc[n - 1] == 'n';
        snprintf(num, sizeof(num), "%.*s", (int)(per_node ? n - 1 : n), conc);
        if (!cli_parse_u64(num, &u) || u < 1 || u * (per_node ? (uint64_t)o.node_count : 1) > 10000) {
            free(prog);
            return cli_usage("bad --concurrency '%s' (accepted: 1 to 10000 clients, or Nn for N per node)", conc);
        }
        o.concurrency = (int)(u * (per_node ? (uint64_t)o.node_count : 1));
    }
    o.argv = prog;
    int rc = harness_run(&o, stdout);
    free(prog);
    return rc;
}
