/* The practice journal: runs, drills, replays, worksheets and mistakes in one SQLite file under the user's data
 * folder ($XDG_DATA_HOME/dkata/journal.db, else ~/.local/share/dkata/journal.db). Real time: reads the clock. */
#ifndef DKATA_JOURNAL_H
#define DKATA_JOURNAL_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/mem.h"

struct sqlite3;

/* One open journal. Every write is one IMMEDIATE transaction with a busy timeout, so several dkata processes
 * can log at once and a process killed mid-write leaves the file as it was before that write (WAL). */
struct journal {
    struct sqlite3 *db;
    char path[1024];
    char err[1400];
};

/* One entry of the activity log. kind: "run", "swarm", "replay", "worksheet", "drill". */
struct journal_entry {
    const char *kind;
    const char *name;   /* kata, replay or worksheet name */
    const char *params; /* "name=value name=value", or NULL */
    const char *bug;    /* NULL when none */
    uint64_t seed;      /* first seed of a swarm */
    uint64_t seeds;     /* 1, or the swarm's size */
    const char *outcome; /* "ok", "violated", "passed", "failed", "written" */
    double seconds;
    int score, total; /* drills: right answers out of total; else 0, 0 */
};

/* The module's mistake tags (fallacy-missed, wall-clock-ordering, ...), NULL-terminated, with one-line help. */
extern const char *const journal_tags[];
extern const char *const journal_tag_help[];

/* False when logging is turned off with DKATA_NO_JOURNAL (any non-empty value but "0"). */
bool journal_enabled(void);
/* Writes the journal's file name into out: $DKATA_JOURNAL if set, else $XDG_DATA_HOME/dkata/journal.db, else
 * $HOME/.local/share/dkata/journal.db. Returns 0 or ERR_INVAL (no HOME, or the name is too long). */
int journal_path(char *out, size_t n);
/* Opens (creating folders and schema as needed). Returns 0 or ERR_IO/ERR_INVAL with the detail in j->err. */
int journal_open(struct journal *j);
void journal_close(struct journal *j);

/* Appends one entry in its own transaction. Returns 0 or ERR_IO. */
int journal_add(struct journal *j, const struct journal_entry *e);
/* Appends a mistake. tag: one of journal_tags or a free tag ([a-z0-9-], 1..40 chars); text non-empty.
 * Returns 0, ERR_INVAL (bad tag or text) or ERR_IO. */
int journal_mistake_add(struct journal *j, const char *tag, const char *text);
/* Prints the mistakes (newest last; only tag when tag is not NULL) and the counts per tag to out.
 * Returns the number of mistakes listed, or ERR_IO. */
int journal_mistake_list(struct journal *j, const char *tag, FILE *out);
/* Prints the last n entries of the activity log. Returns how many, or ERR_IO. */
int journal_recent(struct journal *j, int n, FILE *out);
/* Runs a query returning one integer (a count); -1 on error. */
long journal_count(struct journal *j, const char *sql);
/* Marks a progress item done by hand (items the journal cannot see, e.g. "wrote Kata 3 in 30 minutes").
 * Returns 0 or ERR_IO. */
int journal_tick(struct journal *j, const char *item);

/* Seconds on a monotonic clock, for durations. */
double journal_now(void);
/* Whether a command logs: by default (on unless DKATA_NO_JOURNAL is set), never (--no-log), or always (--log,
 * DKATA_NO_JOURNAL notwithstanding). */
enum journal_want { JOURNAL_DEFAULT, JOURNAL_OFF, JOURNAL_ON };
/* The hook `dkata run` calls after each run or swarm: logs one entry unless disabled; a journal that cannot
 * be written costs one warning line on stderr, never the run's exit code. */
void journal_note(const struct journal_entry *e);
/* journal_note as the command line asked (--log, --no-log or neither). */
void journal_note_want(const struct journal_entry *e, enum journal_want want);

/* The module's completion standards, ticked from the journal. Prints the checklist; returns the number of items
 * ticked, or ERR_IO. */
int journal_progress(struct journal *j, FILE *out);
/* True when id names a progress item. */
bool journal_progress_item(const char *id);

#endif
