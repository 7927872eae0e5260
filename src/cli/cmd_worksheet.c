/* dkata worksheet: a drill's analysis questions as a Markdown worksheet (to stdout or --out FILE), logged. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "journal/journal.h"
#include "practice/practice.h"

int cmd_worksheet(int argc, char **argv)
{
    const char *name = NULL, *out_path = NULL, *about = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            printf("usage: dkata worksheet jepsen|postmortem [--about TEXT] [--out FILE]\n\n"
                   "Prints the drill's questions as a Markdown worksheet to fill in: jepsen (000, Kata 4: a Jepsen\n"
                   "report, with how to check its history with 'dkata check') or postmortem (001, Kata 4: an outage\n"
                   "postmortem). --about names the report or outage in the title. Logged in the journal.\n");
            return EXIT_OKAY;
        } else if (!strcmp(argv[i], "--out") || !strcmp(argv[i], "--about")) {
            bool out = argv[i][2] == 'o';
            const char *v =
                cli_value(argv[i], i + 1 < argc ? argv[i + 1] : NULL, out ? "a file path" : "a title");
            if (!v)
                return EXIT_USAGE;
            *(out ? &out_path : &about) = v;
            i++;
        } else if (!name && argv[i][0] != '-') {
            name = argv[i];
        } else {
            return cli_unexpected("worksheet", argv[i]);
        }
    }
    struct buf b;
    buf_init(&b);
    if (!name || worksheet_write(name, about, &b)) {
        buf_close(&b);
        const char *near = name ? cli_nearest(name, (const char *const *)worksheet_names, 2) : NULL;
        return cli_usage("%s%s%s%s%s (accepted: jepsen, postmortem)", name ? "unknown worksheet '" : "which worksheet?",
                         name ? name : "", name ? "'" : "", near ? "; did you mean " : "", near ? near : "");
    }
    FILE *f = out_path ? fopen(out_path, "w") : stdout;
    if (!f || fwrite(b.data, 1, b.len, f) != b.len || (out_path && fclose(f) != 0)) {
        int rc = cli_usage("cannot write '%s': %s", out_path ? out_path : "stdout", strerror(errno));
        buf_close(&b);
        return rc;
    }
    buf_close(&b);
    if (out_path)
        printf("worksheet: %s\n", out_path);
    journal_note(&(struct journal_entry){.kind = "worksheet", .name = name, .params = about, .outcome = "written"});
    return EXIT_OKAY;
}
