/* Shared CLI helpers: one-line usage errors, integer parsing, nearest-name suggestions. */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_usage(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* One line, whatever the user typed: a bad value may carry newlines or escapes; show them as '?'. */
    for (char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    fprintf(stderr, "dkata: %s\n", line);
    return EXIT_USAGE;
}

bool cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

bool cli_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* Optimal string alignment distance: insertions, deletions, substitutions and swaps of two neighbours. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return (size_t)-1;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

const char *cli_nearest(const char *word, const char *const *candidates, int n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    word += strspn(word, "-");
    for (int i = 0; i < n; i++) {
        const char *c = candidates[i] + strspn(candidates[i], "-");
        size_t d = strlen(word) >= 3 && strstr(c, word) ? 1 : edit_distance(word, c);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    size_t limit = strlen(word) / 3 ? strlen(word) / 3 : 1;
    return best_d <= limit ? best : NULL;
}

const char *cli_value(const char *opt, const char *next, const char *what)
{
    if (next && !(next[0] == '-' && next[1] == '-' && next[2]))
        return next;
    cli_usage("option '%s' needs a value (%s)%s%s%s", opt, what, next ? "; '" : "", next ? next : "",
              next ? "' is an option" : "");
    return NULL;
}

int cli_unexpected(const char *cmd, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (arg[0] == '-' && arg[1] == '-' && eq && eq > arg + 2)
        return cli_usage("write an option's value after a space: '%.*s %s', not '%s' (see 'dkata %s --help')",
                         (int)(eq - arg), arg, eq + 1, arg, cmd);
    if (arg[0] == '-' && arg[1])
        return cli_usage("unknown option '%s' for '%s' (see 'dkata %s --help')", arg, cmd, cmd);
    return cli_usage("unexpected argument '%s' for '%s' (see 'dkata %s --help')", arg, cmd, cmd);
}

bool cli_stderr_tty(void)
{
    return isatty(2);
}

int cli_log_flag(const char *arg, enum journal_want *want)
{
    enum journal_want w = !strcmp(arg, "--log") ? JOURNAL_ON : !strcmp(arg, "--no-log") ? JOURNAL_OFF : JOURNAL_DEFAULT;
    if (w == JOURNAL_DEFAULT)
        return 0;
    if (*want != JOURNAL_DEFAULT && *want != w)
        return cli_usage("--log and --no-log do not go together (--log logs even with DKATA_NO_JOURNAL set)");
    *want = w;
    return 1;
}

const char *cli_value_what(const char *const (*table)[2], size_t n, const char *opt)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(opt, table[i][0]))
            return table[i][1];
    return NULL;
}
