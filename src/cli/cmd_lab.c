/* dkata lab: real-system labs. `dkata lab pg up|status|down|failover|replag` (thin: flags -> src/lab). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/units.h"
#include "lab/drills.h"
#include "lab/pglab.h"

static const char USAGE[] =
    "usage: dkata lab pg <command> [options]\n\n"
    "A real PostgreSQL 15 primary with streaming replicas on 127.0.0.1 (as OS user postgres when run as root).\n\n"
    "commands:\n"
    "  up        [--dir D] [--port-base P] [--replicas N]   start a lab (default /tmp/dkata-lab-pg, ports 55432..)\n"
    "  status    [--dir D] [--json]                          role, LSNs and lag of every node\n"
    "  down      [--dir D] [--keep]                          stop every server of the lab, remove the folder\n"
    "  failover  [--mode async|semi-sync|sync] [--tps 1000] [--kill-at 10s] [--after 3s]\n"
    "            [--hc-interval 100ms] [--hc-timeout 200ms] [--hc-failures 3] [--writers 4]\n"
    "            [--sample 500ms] [--history FILE] [--json] [--keep] [--dir D] [--port-base P]\n"
    "  failover --orchestrator patroni [--ttl 5] [--loop-wait 1] [--dir D] [--port-base P] [--json]\n"
    "  replag    [--delay 5s] [--fix none|read-primary|lsn-wait|sticky|all] [--reads 6] [--history FILE]\n"
    "            [--json] [--keep] [--dir D] [--port-base P]\n\n"
    "The drills start their own lab in --dir and tear it down at the end (and on Ctrl-C).\n";

/* The value of flag argv[*i] (advancing *i), or NULL after printing the usage error. */
static const char *value(int argc, char **argv, int *i)
{
    const char *v = cli_value(argv[*i], *i + 1 < argc ? argv[*i + 1] : NULL, "see 'dkata lab pg --help'");
    if (v)
        ++*i;
    return v;
}

static int parse_int_flag(const char *flag, const char *s, int lo, int hi, int *out)
{
    uint64_t v;
    if (!cli_parse_u64(s, &v) || v < (uint64_t)lo || v > (uint64_t)hi)
        return cli_usage("%s '%s': accepted an integer %d..%d", flag, s, lo, hi);
    *out = (int)v;
    return 0;
}

static int parse_dur_flag(const char *flag, const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char a[32], b[32];
    if (units_parse_duration(s, out) || *out < lo || *out > hi)
        return cli_usage("%s '%s': accepted a duration %s..%s (like 500ms or 2s)", flag, s,
                         units_fmt_duration(a, sizeof a, lo), units_fmt_duration(b, sizeof b, hi));
    return 0;
}

static int pick(const char *flag, const char *s, const char *const *names, int *out)
{
    int n = 0;
    for (; names[n]; n++)
        if (strcmp(s, names[n]) == 0) {
            *out = n;
            return 0;
        }
    struct buf b;
    buf_init(&b);
    for (int i = 0; i < n; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
    cli_usage("%s '%s': accepted %s", flag, s, b.data);
    buf_close(&b);
    return EXIT_USAGE;
}

/* Options shared by every pg subcommand; fields a subcommand does not accept stay unset. */
struct lab_args {
    struct pglab_opts lab;
    bool json, keep;
    const char *history;
    struct failover_opts fo;
    struct replag_opts rl;
    struct patroni_opts pa;
    bool patroni;
};

/* Flags accepted by each subcommand, as a space-separated list (" --dir --json "). */
static const char *accepted(const char *sub)
{
    if (strcmp(sub, "up") == 0)
        return " --dir --port-base --replicas ";
    if (strcmp(sub, "status") == 0)
        return " --dir --json ";
    if (strcmp(sub, "down") == 0)
        return " --dir --keep ";
    if (strcmp(sub, "failover") == 0)
        return " --dir --port-base --json --keep --history --mode --tps --kill-at --after --hc-interval "
               "--hc-timeout --hc-failures --writers --sample --orchestrator --ttl --loop-wait ";
    return " --dir --port-base --json --keep --history --delay --fix --reads ";
}

static int parse_one(struct lab_args *a, int argc, char **argv, int *i)
{
    static const char *const modes[] = {"async", "semi-sync", "sync", NULL};
    static const char *const fixes[] = {"none", "read-primary", "lsn-wait", "sticky", "all", NULL};
    static const char *const orchs[] = {"dkata", "patroni", NULL};
    const char *f = argv[*i], *v = NULL;
    int rc = 0, tmp = 0;
    if (strcmp(f, "--json") == 0)
        a->json = true;
    else if (strcmp(f, "--keep") == 0)
        a->keep = true;
    else if (!(v = value(argc, argv, i)))
        return EXIT_USAGE;
    else if (strcmp(f, "--dir") == 0)
        a->lab.dir = v;
    else if (strcmp(f, "--history") == 0)
        a->history = v;
    else if (strcmp(f, "--port-base") == 0)
        rc = parse_int_flag(f, v, 1024, 65000, &a->lab.port_base);
    else if (strcmp(f, "--replicas") == 0)
        rc = parse_int_flag(f, v, 1, PGLAB_MAX_REPLICAS, &a->lab.replicas);
    else if (strcmp(f, "--mode") == 0)
        rc = pick(f, v, modes, &tmp), a->fo.mode = (enum failover_mode)tmp;
    else if (strcmp(f, "--tps") == 0)
        rc = parse_int_flag(f, v, 1, 20000, &a->fo.tps);
    else if (strcmp(f, "--writers") == 0)
        rc = parse_int_flag(f, v, 1, 32, &a->fo.writers);
    else if (strcmp(f, "--hc-failures") == 0)
        rc = parse_int_flag(f, v, 1, 100, &a->fo.hc_failures);
    else if (strcmp(f, "--kill-at") == 0)
        rc = parse_dur_flag(f, v, 100 * NS_PER_MS, 3600 * NS_PER_S, &a->fo.kill_at_ns);
    else if (strcmp(f, "--after") == 0)
        rc = parse_dur_flag(f, v, 0, 600 * NS_PER_S, &a->fo.after_ns);
    else if (strcmp(f, "--hc-interval") == 0)
        rc = parse_dur_flag(f, v, 10 * NS_PER_MS, 60 * NS_PER_S, &a->fo.hc_interval_ns);
    else if (strcmp(f, "--hc-timeout") == 0)
        rc = parse_dur_flag(f, v, 10 * NS_PER_MS, 60 * NS_PER_S, &a->fo.hc_timeout_ns);
    else if (strcmp(f, "--sample") == 0)
        rc = parse_dur_flag(f, v, 50 * NS_PER_MS, 60 * NS_PER_S, &a->fo.sample_ns);
    else if (strcmp(f, "--orchestrator") == 0)
        rc = pick(f, v, orchs, &tmp), a->patroni = tmp == 1;
    else if (strcmp(f, "--ttl") == 0)
        rc = parse_int_flag(f, v, 5, 600, &a->pa.ttl_s);
    else if (strcmp(f, "--loop-wait") == 0)
        rc = parse_int_flag(f, v, 1, 60, &a->pa.loop_wait_s);
    else if (strcmp(f, "--delay") == 0)
        rc = parse_dur_flag(f, v, 10 * NS_PER_MS, 600 * NS_PER_S, &a->rl.delay_ns);
    else if (strcmp(f, "--fix") == 0)
        rc = pick(f, v, fixes, &tmp), a->rl.fix = (enum replag_fix)tmp;
    else if (strcmp(f, "--reads") == 0)
        rc = parse_int_flag(f, v, 1, 1000, &a->rl.reads);
    return rc;
}

static int parse_args(const char *sub, struct lab_args *a, int argc, char **argv)
{
    const char *ok = accepted(sub);
    for (int i = 2; i < argc; i++) {
        char key[64];
        snprintf(key, sizeof key, " %.60s ", argv[i]);
        if (strncmp(argv[i], "--", 2) != 0 || !strstr(ok, key))
            return cli_usage("lab pg %s: unknown option '%s' (accepted:%s)", sub, argv[i], ok);
        int rc = parse_one(a, argc, argv, &i);
        if (rc)
            return rc;
    }
    if (a->patroni && a->pa.loop_wait_s + 4 > a->pa.ttl_s)
        return cli_usage("--loop-wait %d with --ttl %d: Patroni needs ttl >= loop_wait + 2 * retry_timeout (2 s); "
                         "accepted loop-wait up to %d",
                         a->pa.loop_wait_s, a->pa.ttl_s, a->pa.ttl_s - 4);
    if (a->patroni && strcmp(sub, "failover") == 0) {
        for (int i = 2; i < argc; i++)
            if (strstr(" --mode --tps --kill-at --after --hc-interval --hc-timeout --hc-failures --writers "
                       "--sample --history --keep ",
                       argv[i]) && argv[i][0] == '-')
                return cli_usage("lab pg failover: %s does not apply to --orchestrator patroni", argv[i]);
    }
    return 0;
}

static int exit_for(int rc)
{
    return rc == 0 ? EXIT_OKAY : rc == DRILL_VIOLATION ? EXIT_VIOLATION : EXIT_USAGE;
}

static int run_up(struct lab_args *a)
{
    struct pglab lab;
    char err[600];
    int64_t t0 = lab_now_ns();
    int rc = pglab_up(&lab, &a->lab, err, sizeof err);
    if (rc) {
        fprintf(stderr, "dkata: %s\n", err);
        return EXIT_USAGE;
    }
    printf("lab up at %s in %.1fs (servers run as %s):", lab.dir, (double)(lab_now_ns() - t0) / 1e9,
           lab.user.name);
    for (int i = 0; i < lab.st.nprocs; i++)
        printf(" %s 127.0.0.1:%d (pid %d)%s", lab.st.procs[i].name, lab.st.procs[i].port, lab.st.procs[i].pid,
               i + 1 < lab.st.nprocs ? "," : "\n");
    printf("every replica is streaming; stop it with 'dkata lab pg down --dir %s'\n", lab.dir);
    return EXIT_OKAY;
}

static int run_down(struct lab_args *a)
{
    struct buf rep;
    buf_init(&rep);
    char err[600];
    int rc = pglab_down(a->lab.dir, a->keep, &rep, err, sizeof err);
    fputs(rep.data ? rep.data : "", stdout);
    buf_close(&rep);
    if (rc == ERR_NOTFOUND) {
        printf("%s\n", err);
        return EXIT_OKAY;
    }
    if (rc) {
        fprintf(stderr, "dkata: %s\n", err);
        return rc == ERR_STATE ? EXIT_VIOLATION : EXIT_USAGE;
    }
    printf("lab down%s\n", a->keep ? " (folder kept)" : "");
    return EXIT_OKAY;
}

static int run_status(struct lab_args *a)
{
    struct pglab lab;
    char err[600];
    int rc = pglab_open(&lab, a->lab.dir, err, sizeof err);
    if (rc) {
        fprintf(stderr, "dkata: %s\n", err);
        return EXIT_USAGE;
    }
    struct buf out;
    buf_init(&out);
    rc = pglab_status(&lab, a->json, &out, err, sizeof err);
    fputs(out.data ? out.data : "", stdout);
    buf_close(&out);
    return rc ? EXIT_USAGE : EXIT_OKAY;
}

int cmd_lab(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OKAY;
    }
    if (strcmp(argv[1], "pg") != 0)
        return cli_usage("lab '%s': accepted pg (see 'dkata lab --help')", argv[1]);
    if (argc < 3 || cli_is_help(argv[2])) {
        fputs(USAGE, argc < 3 ? stderr : stdout);
        return argc < 3 ? EXIT_USAGE : EXIT_OKAY;
    }
    static const char *const subs[] = {"up", "status", "down", "failover", "replag"};
    const char *sub = argv[2];
    int which = -1;
    for (int i = 0; i < 5; i++)
        if (strcmp(sub, subs[i]) == 0)
            which = i;
    if (which < 0) {
        const char *near = cli_nearest(sub, subs, 5);
        return cli_usage("lab pg '%s': accepted up, status, down, failover, replag%s%s%s", sub,
                         near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
    }
    struct lab_args a;
    memset(&a, 0, sizeof a);
    a.lab.replicas = 2;
    failover_opts_default(&a.fo);
    replag_opts_default(&a.rl);
    patroni_opts_default(&a.pa);
    for (int i = 3; i < argc; i++)
        if (cli_is_help(argv[i])) {
            fputs(USAGE, stdout);
            return EXIT_OKAY;
        }
    int rc = parse_args(sub, &a, argc - 1, argv + 1);
    if (rc)
        return rc;
    pglab_catch_signals();
    switch (which) {
    case 0:
        return run_up(&a);
    case 1:
        return run_status(&a);
    case 2:
        return run_down(&a);
    case 3:
        a.fo.lab = a.lab;
        a.fo.json = a.json;
        a.fo.keep = a.keep;
        a.fo.history = a.history;
        a.pa.lab = a.lab;
        a.pa.json = a.json;
        return exit_for(a.patroni ? patroni_drill(&a.pa) : failover_drill(&a.fo));
    default:
        a.rl.lab = a.lab;
        a.rl.json = a.json;
        a.rl.keep = a.keep;
        a.rl.history = a.history;
        return exit_for(replag_drill(&a.rl));
    }
}
