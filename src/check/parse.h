/* Reading histories from the three formats: Jepsen log lines, Jepsen EDN, and dkata's JSON lines. */
#ifndef DKATA_PARSE_H
#define DKATA_PARSE_H
#include "check/history.h"

enum hist_format { HIST_FMT_AUTO, HIST_FMT_JEPSEN_LOG, HIST_FMT_EDN, HIST_FMT_JSONL, HIST_NFORMATS };

/* "auto", "jepsen-log", "edn", "jsonl", and the inverse (-1 if unknown). */
const char *hist_format_name(enum hist_format f);
int hist_format_parse(const char *s);
/* Guesses the format from the first non-blank line: '{"' is JSON lines, '{' or '[' is EDN, a line with
 * "jepsen.util - " is a Jepsen log. HIST_FMT_AUTO if it cannot tell (empty input is JSON lines). */
enum hist_format hist_format_detect(const char *text, size_t len);

/* Parses text in format fmt (AUTO: detected) and appends its operations to h. Returns 0, or ERR_PARSE with
 * h->err = "line N: <what was expected>". What each format means (see docs/check.md):
 *   jepsen-log: "INFO jepsen.util - <process> <:type> <:f> <value>" lines; other lines are log noise and
 *     skipped. As in the etcd tests it comes from: ":fail :cas" is a compare that completed and saw another
 *     value (error "cas-mismatch"), and a ":timed-out" value makes the operation unknown (info).
 *   edn: maps {:process :type :f :value [:key :time :error]}, one a line or inside one vector. As in
 *     Knossos: a read that returns nil returned an unknown value (its value is left absent).
 *   jsonl: dkata's own (history_read_jsonl).
 * Non-client entries (a process that is not an integer, like :nemesis) are skipped in every format. */
int history_parse(struct history *h, const char *text, size_t len, enum hist_format fmt);

/* Reads the file at path ("-": standard input) and parses it as history_parse does; if *fmt is HIST_FMT_AUTO
 * it is set to the format detected. Returns 0; ERR_IO with h->err = "cannot open 'path': <reason>" (or
 * "cannot read"); or ERR_PARSE with h->err = "line N: ...". */
int history_load(struct history *h, const char *path, enum hist_format *fmt);

#endif
