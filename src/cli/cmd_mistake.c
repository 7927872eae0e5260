/* dkata mistake: the mistake log of the module (add with a tag, list with counts per tag). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "journal/journal.h"

static void mistake_help(void)
{
    printf("usage: dkata mistake add --tag TAG \"what went wrong and the correction\"\n"
           "       dkata mistake list [--tag TAG]\n\n"
           "The module's mistake log (004: \"keep a mistake log with tags\"), kept in the journal.\n"
           "Tags of the module (free tags of [a-z0-9-] are accepted too):\n");
    for (int i = 0; journal_tags[i]; i++)
        printf("  %-26s %s\n", journal_tags[i], journal_tag_help[i]);
}

static bool module_tag(const char *tag)
{
    for (int i = 0; journal_tags[i]; i++)
        if (!strcmp(journal_tags[i], tag))
            return true;
    return false;
}

int cmd_mistake(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("usage: dkata mistake add --tag TAG \"text\" | list [--tag TAG] (see 'dkata mistake --help')");
    if (cli_is_help(argv[1])) {
        mistake_help();
        return EXIT_OKAY;
    }
    bool add = !strcmp(argv[1], "add");
    if (!add && strcmp(argv[1], "list"))
        return cli_usage("unknown mistake action '%s' (accepted: add, list)", argv[1]);
    const char *tag = NULL, *text = NULL;
    for (int i = 2; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            mistake_help();
            return EXIT_OKAY;
        } else if (!strcmp(argv[i], "--tag")) {
            if (!(tag = cli_value("--tag", i + 1 < argc ? argv[i + 1] : NULL,
                                  "a tag from 'dkata mistake --help'")))
                return EXIT_USAGE;
            i++;
        } else if (add && !text && argv[i][0] != '-') {
            text = argv[i];
        } else {
            return cli_unexpected("mistake", argv[i]);
        }
    }
    if (add && !tag)
        return cli_usage("mistake add needs --tag TAG (module tags: see 'dkata mistake --help')");
    if (add && (!text || !*text))
        return cli_usage("mistake add needs the text of the mistake, e.g. dkata mistake add --tag %s \"...\"", tag);
    if (tag && add && !module_tag(tag)) {
        int ntags = 0;
        while (journal_tags[ntags])
            ntags++;
        const char *near = cli_nearest(tag, (const char *const *)journal_tags, ntags);
        if (near)
            return cli_usage("tag '%s' is not one of the module's; did you mean '%s'? (see 'dkata mistake --help')",
                             tag, near);
    }
    struct journal j;
    if (journal_open(&j)) {
        int rc = cli_usage("%s", j.err);
        journal_close(&j);
        return rc;
    }
    int rc = add ? journal_mistake_add(&j, tag, text) : journal_mistake_list(&j, tag, stdout);
    int exit_code = EXIT_OKAY;
    if (rc == ERR_INVAL)
        exit_code = cli_usage("bad tag '%s': expected one of the module's tags or 1..40 of [a-z0-9-]", tag);
    else if (rc < 0)
        exit_code = cli_usage("%s", j.err);
    else if (add)
        printf("logged: [%s] %s\n", tag, text);
    journal_close(&j);
    return exit_code;
}
