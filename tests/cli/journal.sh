#!/usr/bin/env bash
# The journal from the outside: dkata run logs one entry (a swarm one), --no-log and DKATA_NO_JOURNAL opt out,
# the mistake log with module and free tags, progress ticked from the journal, and eight dkata processes at once.
set -u
. "$(dirname "$0")/lib.inc"
export XDG_DATA_HOME="$TMP/data"; unset DKATA_JOURNAL DKATA_NO_JOURNAL
db="$XDG_DATA_HOME/dkata/journal.db"
count() { sqlite3 "$db" "$1" 2>/dev/null || python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$db" "$1"; }
is() { if [ "$2" = "$3" ]; then echo "ok $1"; else echo "not ok $1 (got '$2', wanted '$3')"; fi; }

expect_exit 0 "run logs" "$DKATA" run clocks --seed 3
is "journal created under XDG_DATA_HOME" "$(test -f "$db" && echo yes)" yes
is "one run entry" "$(count "SELECT count(*) FROM entries WHERE kind='run' AND name='clocks' AND seed=3 AND outcome='ok'")" 1
expect_exit 0 "swarm logs once" "$DKATA" run clocks --seeds 40 --jobs 2
is "one swarm entry" "$(count "SELECT seeds FROM entries WHERE kind='swarm'")" 40
expect_exit 0 "--no-log" "$DKATA" run clocks --seed 4 --no-log
DKATA_NO_JOURNAL=1 "$DKATA" run clocks --seed 5 >/dev/null
is "opt-outs leave no entry" "$(count "SELECT count(*) FROM entries WHERE seed IN (4,5)")" 0
expect_exit 2 "usage errors are not logged" "$DKATA" run clocks --param nope=1
is "still two entries" "$(count "SELECT count(*) FROM entries")" 2

expect_exit 0 "mistake add" "$DKATA" mistake add --tag vector-clock-compare "compared only one component"
expect_exit 0 "free tag" "$DKATA" mistake add --tag my-tag "mine"
expect_exit 2 "near-miss tag refused" "$DKATA" mistake add --tag vector-clock-compar "x"
expect_grep "near-miss names the tag" "did you mean 'vector-clock-compare'" "$TMP/err"
expect_exit 2 "bad tag" "$DKATA" mistake add --tag "Bad Tag" "x"
expect_grep "bad tag message" "bad tag 'Bad Tag'" "$TMP/err"
expect_exit 2 "no text" "$DKATA" mistake add --tag my-tag
expect_exit 2 "no tag" "$DKATA" mistake add "text"
expect_exit 2 "unknown action" "$DKATA" mistake remove
expect_exit 0 "mistake list" "$DKATA" mistake list
expect_grep "list counts per tag" "vector-clock-compare +1" "$TMP/out"
expect_exit 0 "mistake help lists module tags" "$DKATA" mistake --help
expect_grep "help has the module's tags" "phi-too-tight +phi threshold too tight" "$TMP/out"

expect_exit 0 "progress" "$DKATA" progress
expect_grep "clocks ran twice: ticked" "\[x\] 001-clocks2" "$TMP/out"
expect_grep "raft not yet" "\[ \] 001-raft" "$TMP/out"
expect_exit 0 "progress --tick" "$DKATA" progress --tick 004-lane
expect_grep "ticked by hand" "\[x\] 004-lane .*ticked by hand" "$TMP/out"
expect_exit 2 "unknown item" "$DKATA" progress --tick 004-lanes
expect_exit 0 "progress --recent" "$DKATA" progress --recent 5
expect_grep "recent lists the swarm" "swarm +clocks .* x40" "$TMP/out"

# Eight dkata processes logging at once, on a fresh journal (the first open creates the schema).
export XDG_DATA_HOME="$TMP/busy"; db="$XDG_DATA_HOME/dkata/journal.db"
pids=()
for p in 1 2 3 4 5 6 7 8; do
  ( for i in 1 2 3 4 5; do
      "$DKATA" run clocks --seed $((p * 100 + i)) >/dev/null 2>>"$TMP/busy.err" || echo fail >>"$TMP/busy.err"
      "$DKATA" mistake add --tag fallacy-missed "p$p i$i" >/dev/null 2>>"$TMP/busy.err" || echo fail >>"$TMP/busy.err"
    done ) &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
is "concurrent: no errors" "$(cat "$TMP/busy.err" 2>/dev/null)" ""
is "concurrent: 40 runs logged" "$(count "SELECT count(DISTINCT seed) FROM entries")" 40
is "concurrent: 40 mistakes logged" "$(count "SELECT count(*) FROM mistakes")" 40
is "concurrent: integrity" "$(count "PRAGMA integrity_check")" ok

# An unwritable journal: the run still succeeds, with one warning line.
export DKATA_JOURNAL=/proc/nope/journal.db
expect_exit 0 "unwritable journal keeps the run's exit code" "$DKATA" run clocks --seed 9
expect_grep "one warning line" "not logged in the journal" "$TMP/err"
