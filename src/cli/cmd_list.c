/* dkata list / dkata help KATA: the kata registry, read for people. */
#include "cli/cli.h"
#include "katas/kata.h"
#include "katas/replay.h"

#include <stdio.h>
#include <string.h>

int cmd_list(int argc, char **argv)
{
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            printf("usage: dkata list [--json]\n\nLists every kata with the drill it comes from.\n");
            return EXIT_OKAY;
        }
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else
            return cli_unexpected("list", argv[i]);
    }
    int n;
    const struct kata *const *all = kata_all(&n);
    if (json)
        printf("[");
    for (int i = 0; i < n; i++) {
        if (json)
            printf("%s{\"name\":\"%s\",\"summary\":\"%s\"}", i ? "," : "", all[i]->name, all[i]->summary);
        else
            printf("  %-16s %s\n", all[i]->name, all[i]->summary);
    }
    if (json)
        printf("]\n");
    else
        printf("\n'dkata help KATA' explains one; 'dkata run KATA' runs it.\n");
    return EXIT_OKAY;
}

int cmd_help(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("which kata? usage: dkata help KATA (the katas: 'dkata list')");
    if (cli_is_help(argv[1])) {
        printf("usage: dkata help KATA\n\nExplains a kata: the drill, its parameters and defaults, its bugs, "
               "and how to read its output.\nKatas: see 'dkata list'.\n");
        return EXIT_OKAY;
    }
    if (argc > 2)
        return cli_unexpected("help", argv[2]);
    if (!kata_find(argv[1]) && replay_find(argv[1]))
        return cli_usage("'%s' is an outage replay, not a kata: see 'dkata replay %s --params'", argv[1],
                         argv[1]);
    const struct kata *k = kata_find_or_complain(argv[1]);
    if (!k)
        return EXIT_USAGE;
    kata_print_help(k, stdout);
    return EXIT_OKAY;
}
