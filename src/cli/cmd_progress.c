/* dkata progress: the module's completion standards, ticked from the journal; recent journal entries. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "journal/journal.h"

int cmd_progress(int argc, char **argv)
{
    const char *tick = NULL;
    uint64_t recent = 0;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            printf("usage: dkata progress [--tick ITEM] [--recent N]\n\n"
                   "Prints the completion standards of the module's five files as a checklist, ticked from the\n"
                   "journal (runs, swarms, drills, replays, worksheets, mistakes). --tick marks by hand an item no\n"
                   "dkata command can witness; --recent N lists the last N journal entries.\n");
            return EXIT_OKAY;
        } else if (strcmp(argv[i], "--tick") && strcmp(argv[i], "--recent")) {
            return cli_unexpected("progress", argv[i]);
        } else if (!cli_value(argv[i], i + 1 < argc ? argv[i + 1] : NULL,
                              argv[i][2] == 't' ? "an item id from 'dkata progress'"
                                                : "a number of entries")) {
            return EXIT_USAGE;
        } else if (argv[i++][2] == 't') {
            tick = argv[i];
            if (!journal_progress_item(tick))
                return cli_usage("unknown progress item '%s' (the ids are in 'dkata progress')", tick);
        } else if (!cli_parse_u64(argv[i], &recent) || recent < 1 || recent > 100000) {
            return cli_usage("bad --recent '%s': expected an integer 1..100000", argv[i]);
        }
    }
    struct journal j;
    int rc = journal_open(&j);
    if (!rc && tick)
        rc = journal_tick(&j, tick);
    if (!rc)
        rc = recent ? journal_recent(&j, (int)recent, stdout) : journal_progress(&j, stdout);
    int exit_code = rc < 0 ? cli_usage("%s", j.err) : EXIT_OKAY;
    journal_close(&j);
    return exit_code;
}
