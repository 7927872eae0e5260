/* Practice rounds around the katas: Markdown worksheets of the drills' questions, timed drills graded
 * automatically. */
#ifndef DKATA_PRACTICE_H
#define DKATA_PRACTICE_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/mem.h"

/* The worksheet names ("jepsen", "postmortem"), NULL-terminated. */
extern const char *const worksheet_names[];
/* Appends worksheet name as Markdown to out; outage (NULL: none) names the postmortem being analyzed, as a
 * replay name or free text, and fills the title. Returns 0, or ERR_NOTFOUND for an unknown worksheet name. */
int worksheet_write(const char *name, const char *outage, struct buf *out);

#endif
