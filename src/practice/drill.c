/* The timed drills' table and the answer-line reader their graders share. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "practice/practice.h"

#define SEPS " \t\r,{}()[]=:'\""

const struct drill_def *const drill_defs[] = {&drill_clocks_def, &drill_paxos_def, &drill_heartbeat_def,
                                              NULL};

const struct drill_def *drill_find(const char *name)
{
    for (int i = 0; drill_defs[i]; i++)
        if (!strcmp(drill_defs[i]->name, name))
            return drill_defs[i];
    return NULL;
}

void drill_lines_init(struct drill_lines *l, const char *answers, size_t len)
{
    memset(l, 0, sizeof(*l));
    l->s = answers;
    l->len = len;
}

int drill_fail(const struct drill_lines *l, char *err, size_t errlen, const char *fmt, ...)
{
    int n = snprintf(err, errlen, "line %d: ", l->line);
    if (n > 0 && (size_t)n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return ERR_PARSE;
}

int drill_lines_next(struct drill_lines *l, char **w, int max, char *err, size_t errlen)
{
    while (l->pos < l->len) {
        size_t end = l->pos;
        while (end < l->len && l->s[end] != '\n')
            end++;
        l->line++;
        size_t n = end - l->pos;
        const char *line = l->s + l->pos;
        l->pos = end + 1;
        if (n >= sizeof(l->buf)) {
            drill_fail(l, err, errlen, "longer than %zu bytes", sizeof(l->buf) - 1);
            return -1;
        }
        if (memchr(line, 0, n)) {
            drill_fail(l, err, errlen, "NUL byte");
            return -1;
        }
        memcpy(l->buf, line, n);
        l->buf[n] = 0;
        char *hash = strchr(l->buf, '#');
        if (hash)
            *hash = 0;
        int nw = 0;
        char *save = NULL;
        for (char *t = strtok_r(l->buf, SEPS, &save); t; t = strtok_r(NULL, SEPS, &save)) {
            if (nw == max) {
                drill_fail(l, err, errlen, "more than %d words", max);
                return -1;
            }
            w[nw++] = t;
        }
        if (nw)
            return nw;
    }
    return 0;
}
