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

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return (size_t)-1;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *cli_nearest(const char *word, const char *const *candidates, int n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (int i = 0; i < n; i++) {
        size_t d = edit_distance(word, candidates[i]);
        if (strstr(candidates[i], word) && strlen(word) >= 3)
            d = 1;
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    size_t limit = strlen(word) / 2 + 1;
    return best_d <= limit ? best : NULL;
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
