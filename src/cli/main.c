/* dkata's entry point: dispatches to one subcommand from the table below. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "commit.h" /* DKATA_COMMIT, written by the Makefile: the git commit built, or "" outside git */

#define DKATA_VERSION "0.1.0"

static const struct cmd commands[] = {
    {"list", cmd_list, "list the katas"},
    {"help", cmd_help, "explain a kata: what it drills, its parameters, how to read it"},
    {"run", cmd_run, "run a kata on the simulator (one seed, or a swarm of seeds)"},
    {"test", cmd_test, "run your own node program (Maelstrom's protocol) on dkata's network and check it"},
    {"check", cmd_check, "check a history: linearizability (Jepsen log, EDN, JSON lines) or session guarantees"},
    {"serve", cmd_serve, "serve the idempotent payments API for real (and load it, and audit it)"},
    {"lab", cmd_lab, "real-system labs: PostgreSQL failover and replication-lag drills (lab pg ...)"},
    {"mistake", cmd_mistake, "the mistake log: add a mistake with a tag, list them with counts per tag"},
    {"replay", cmd_replay, "a public outage rebuilt on the simulator, with the configuration that prevents it"},
    {"drill", cmd_drill, "a timed practice round, graded automatically (drill clocks, paxos, heartbeat)"},
    {"worksheet", cmd_worksheet, "a drill's questions as a Markdown worksheet: jepsen report or postmortem"},
    {"progress", cmd_progress, "the module's completion standards, ticked from the journal of runs"},
};
#define NCOMMANDS ((int)(sizeof(commands) / sizeof(commands[0])))

static void usage(FILE *f)
{
    fprintf(f, "usage: dkata <command> [options]\n\n"
               "dkata is a workbench for distributed-systems katas: a deterministic simulator with fault\n"
               "injection, a kata for every drill, and checkers that judge from the recorded history.\n\n"
               "commands:\n");
    for (int i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'dkata <command> --help' explains a command; 'dkata help KATA' explains a kata.\n"
               "'dkata --version' prints the version and the commit it was built from.\n"
               "exit codes: 0 ok, 1 an invariant was violated, 2 bad usage or input.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (cli_is_help(argv[1])) {
        usage(stdout);
        return EXIT_OKAY;
    }
    if (!strcmp(argv[1], "--version")) {
        if (argc > 2)
            return cli_usage("unexpected argument '%s' after --version (it takes none)", argv[2]);
        printf("dkata %s%s%s\n", DKATA_VERSION, DKATA_COMMIT[0] ? " commit " : "", DKATA_COMMIT);
        return EXIT_OKAY;
    }
    for (int i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    const char *names[NCOMMANDS];
    for (int i = 0; i < NCOMMANDS; i++)
        names[i] = commands[i].name;
    const char *near = cli_nearest(argv[1], names, NCOMMANDS);
    if (near)
        return cli_usage("unknown command '%s'; did you mean '%s'? (see 'dkata --help')", argv[1], near);
    return cli_usage("unknown command '%s' (see 'dkata --help')", argv[1]);
}
