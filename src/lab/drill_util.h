/* What every drill of the PostgreSQL lab does around its body: bring its own lab up, and take it
 * down at the end (also after Ctrl-C or a failure), never touching a lab it did not create. */
#ifndef DKATA_DRILL_UTIL_H
#define DKATA_DRILL_UTIL_H
#include <stdarg.h>
#include <stdbool.h>

#include "lab/pglab.h"

/* pglab_up with a progress line on stderr unless quiet. */
int drill_lab_up(struct pglab *lab, const struct pglab_opts *o, bool quiet, char *err, size_t errn);
/* If lab->created: stops every server of the lab, and removes the folder unless keep (then says
 * where it is). Returns 0 or a negative ERR_* (a message is printed). */
int drill_lab_down(struct pglab *lab, bool keep, bool quiet);

#endif
