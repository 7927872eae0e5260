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

/* A drill's event log: printed as it happens (unless quiet) and kept as a JSON array body. */
struct drill_events {
    int64_t t0;       /* lab_now_ns() of the drill's time zero */
    bool quiet;       /* --json: print nothing */
    const char *fmt;  /* printf format of a line: seconds (double), then the message */
    struct buf json;  /* {"t_s":..,"event":".."} objects, comma-separated */
};
void drill_events_init(struct drill_events *e, bool quiet, const char *fmt);
void drill_events_close(struct drill_events *e);
/* Records (and prints) one event at the current time. Not thread-safe: the coordinator's thread only. */
void drill_event(struct drill_events *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
