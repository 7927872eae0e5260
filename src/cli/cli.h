/* The CLI's shared pieces: the subcommand table, usage errors, and flag parsing helpers. */
#ifndef DKATA_CLI_H
#define DKATA_CLI_H
#include <stdbool.h>
#include <stdint.h>

#include "journal/journal.h"

/* Exit codes, the same for every command. */
enum { EXIT_OKAY = 0, EXIT_VIOLATION = 1, EXIT_USAGE = 2, EXIT_UNKNOWN = 3 };

struct cmd {
    const char *name;
    int (*fn)(int argc, char **argv); /* argv[0] is the command's name */
    const char *summary;
};

/* One subcommand each, in src/cli/cmd_<name>.c. */
int cmd_list(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_mistake(int argc, char **argv);
int cmd_progress(int argc, char **argv);
int cmd_worksheet(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_drill(int argc, char **argv);

/* Prints "dkata: <message>" (one line) to stderr and returns EXIT_USAGE. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* True if arg is "-h" or "--help". */
bool cli_is_help(const char *arg);
/* Parses an unsigned 64-bit decimal integer; false if s is not one. */
bool cli_parse_u64(const char *s, uint64_t *out);
/* The value of option opt, taken from next (NULL at the end of the command line), or NULL after printing
 * "option 'opt' needs a value (what)". A next argument that is itself an option ("--json") means the value
 * was left out: a file named "./--json" is never what was meant. */
const char *cli_value(const char *opt, const char *next, const char *what);
/* In a table of {option, what its value is} pairs, the value's description for opt, or NULL when opt takes
 * none (cli_value's what). */
const char *cli_value_what(const char *const (*table)[2], size_t n, const char *opt);
/* The one line for an argument command cmd does not take, returning EXIT_USAGE: "unexpected argument 'x'"
 * for a word, a hint to write "--seed 7" for "--seed=7", else "unknown option '--x'"; each ends with where
 * to look ("see 'dkata CMD --help'"). */
int cli_unexpected(const char *cmd, const char *arg);
/* The candidate nearest to word by edit distance (leading dashes aside, a swap of two neighbours counting as
 * one edit), or NULL if none is within a third of the word's length. */
const char *cli_nearest(const char *word, const char *const *candidates, int n);
/* Reads --log or --no-log into *want: 1 when arg is one of them, 0 when it is not, or EXIT_USAGE (the usage
 * line printed) when the other one was given before. */
int cli_log_flag(const char *arg, enum journal_want *want);
/* Whether stderr is a terminal (for progress bars). */
bool cli_stderr_tty(void);

#endif
