/* dkata replay: a public outage rebuilt on the simulator: its public timeline, the same fault under the
 * configuration it ran and the one that would have prevented it, judged by the checkers. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "journal/journal.h"
#include "katas/replay.h"

#define MAXP 32

static void replay_list(void)
{
    int n;
    const struct replay *const *all = replay_all(&n);
    printf("outage replays ('dkata replay NAME'):\n");
    for (int i = 0; i < n; i++)
        printf("  %-16s %s\n", all[i]->name, all[i]->title);
}

/* Runs the scenario with config (with run false, only checks its parameters, when the replay can); returns
 * the number of failed checks, or -1 on bad parameters. */
static int run_config(const struct replay *r, const char **values, int cfg, const char *config, uint64_t seed,
                      bool show, bool run)
{
    const char *saved = values[cfg];
    values[cfg] = config;
    struct kata_ctx ctx;
    kata_ctx_init(&ctx, seed, values);
    ctx.quiet = !show;
    int rc = run ? r->scenario->run(&ctx) : r->check_params && !r->check_params(&ctx) ? -1 : 0;
    values[cfg] = saved;
    if (rc) {
        cli_usage("%s", ctx.error);
        kata_ctx_close(&ctx);
        return -1;
    }
    if (show) {
        fputs(ctx.text.data ? ctx.text.data : "", stdout);
        printf("\nchecks (%s):\n", config);
        for (size_t i = 0; i < ctx.nchecks; i++)
            printf("  %-6s %-30s %s\n", ctx.checks[i].passed ? "ok" : "FAILED", ctx.checks[i].name,
                   ctx.checks[i].detail);
    }
    int failed = kata_failures(&ctx);
    kata_ctx_close(&ctx);
    return failed;
}

/* What the value of replay's option opt is, or NULL when opt takes none. */
static const char *value_what(const char *opt)
{
    return !strcmp(opt, "--config")  ? "a configuration: see 'dkata replay NAME --params'"
           : !strcmp(opt, "--seed")  ? "an unsigned integer"
           : !strcmp(opt, "--param") ? "NAME=VALUE"
                                     : NULL;
}

int cmd_replay(int argc, char **argv)
{
    const char *name = NULL, *config = NULL;
    uint64_t seed = 1;
    bool explain = false;
    const char *sets[MAXP];
    int nsets = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            printf("usage: dkata replay [NAME] [--config C] [--param NAME=VALUE] [--seed N]\n\n"
                   "A public outage rebuilt on the simulator: its timeline from the public postmortem, the concepts\n"
                   "it illustrates, and the same fault under the configuration it ran (as-was) and the one that\n"
                   "would have prevented it. Without NAME, lists the replays. --params explains the scenario's\n"
                   "parameters (each can be set with --param NAME=VALUE).\n"
                   "exit: without --config, 0 when as-was breaks an invariant and the preventing configuration\n"
                   "holds (the replay reproduces the postmortem), else 1; with --config, 0 every check held, 1 not.\n");
            return EXIT_OKAY;
        } else if (!strcmp(a, "--params")) {
            explain = true;
        } else if (!name && a[0] != '-') {
            name = a;
        } else if (!value_what(a)) {
            return cli_unexpected("replay", a);
        } else if (!(v = cli_value(a, v, value_what(a)))) {
            return EXIT_USAGE;
        } else if (!strcmp(a, "--config")) {
            config = argv[++i];
        } else if (!strcmp(a, "--seed")) {
            if (!cli_parse_u64(argv[++i], &seed))
                return cli_usage("bad seed '%s': expected an unsigned integer", v);
        } else { /* --param */
            if (nsets == MAXP)
                return cli_usage("too many --param options (at most %d)", MAXP);
            sets[nsets++] = argv[++i];
        }
    }
    if (!name) {
        replay_list();
        return EXIT_OKAY;
    }
    const struct replay *r = replay_find(name);
    if (!r) {
        int n;
        const struct replay *const *all = replay_all(&n);
        const char *names[16];
        for (int i = 0; i < n && i < 16; i++)
            names[i] = all[i]->name;
        const char *near = cli_nearest(name, names, n < 16 ? n : 16);
        return cli_usage("unknown replay '%s'%s%s%s (see 'dkata replay')", name, near ? "; did you mean '" : "",
                         near ? near : "", near ? "'?" : "");
    }
    const struct kata *k = r->scenario;
    if (explain) {
        kata_print_about(k, stdout);
        int p = 0;
        while (p < k->nparams && !strcmp(k->params[p].name, "config"))
            p++;
        printf("\nExamples:\n  dkata replay %s\n  dkata replay %s --config %s\n", r->name, r->name,
               r->prevent_config);
        if (p < k->nparams)
            printf("  dkata replay %s --seed 7 --param %s=%s\n", r->name, k->params[p].name,
                   k->params[p].def);
        return EXIT_OKAY;
    }
    const char *values[MAXP];
    for (int i = 0; i < k->nparams && i < MAXP; i++)
        values[i] = k->params[i].def;
    char err[256];
    for (int s = 0; s < nsets; s++)
        if (replay_set_param(r, values, sets[s], err, sizeof(err)))
            return cli_usage("%s", err);
    int cfg = kata_param_index(k, "config");
    if (run_config(r, values, cfg, config ? config : "as-was", seed, false, false) < 0)
        return EXIT_USAGE; /* one line, before the timeline */
    printf("dkata replay %s, seed %llu\n%s\nsource: %s\n\npublic timeline:\n%s\nconcepts: %s\n\n", r->name,
           (unsigned long long)seed, r->title, r->source, r->timeline, r->concepts);
    double start = journal_now();
    int failed = run_config(r, values, cfg, config ? config : "as-was", seed, true, true);
    if (failed < 0)
        return EXIT_USAGE;
    int exit_code = failed ? EXIT_VIOLATION : EXIT_OKAY;
    if (!config) {
        int prevented = run_config(r, values, cfg, r->prevent_config, seed, false, true);
        printf("\nprevented by: %s\n  --config %s: %s\n", r->prevented, r->prevent_config,
               prevented ? "checks FAILED" : "every check held");
        bool reproduced = failed > 0 && prevented == 0;
        printf("\nverdict: %s\n", reproduced ? "the replay reproduces the postmortem (as-was breaks, the fix holds)"
                                             : "the replay does NOT reproduce the postmortem with these parameters");
        exit_code = reproduced ? EXIT_OKAY : EXIT_VIOLATION;
    }
    journal_note(&(struct journal_entry){.kind = "replay", .name = r->name, .params = config ? config : "as-was",
                                         .seed = seed, .seeds = 1, .outcome = exit_code ? "violated" : "ok",
                                         .seconds = journal_now() - start});
    return exit_code;
}
