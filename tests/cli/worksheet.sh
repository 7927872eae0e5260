#!/usr/bin/env bash
# dkata worksheet: both worksheets carry the drills' questions, jepsen points to dkata check, --out writes a file,
# each is logged in the journal, and bad names are usage errors.
set -u
. "$(dirname "$0")/lib.inc"
export XDG_DATA_HOME="$TMP/data"; unset DKATA_JOURNAL DKATA_NO_JOURNAL
expect_exit 0 "jepsen worksheet" "$DKATA" worksheet jepsen --about "Redis Raft"
expect_grep "jepsen title" "^# Jepsen report analysis: Redis Raft" "$TMP/out"
expect_grep "jepsen asks the invariant" "What invariant did Jepsen test" "$TMP/out"
expect_grep "jepsen asks the vendor fix" "What did the vendor fix" "$TMP/out"
expect_grep "jepsen points to dkata check" "^dkata check history.edn" "$TMP/out"
expect_exit 0 "postmortem worksheet to a file" "$DKATA" worksheet postmortem --out "$TMP/pm.md"
expect_grep "postmortem asks the fallacy" "Which fallacy of distributed computing was violated" "$TMP/pm.md"
expect_grep "postmortem asks the runbook" "writing the runbook to prevent recurrence" "$TMP/pm.md"
expect_exit 2 "unknown worksheet" "$DKATA" worksheet jepsn
expect_grep "names the near one" "unknown worksheet 'jepsn'; did you mean jepsen" "$TMP/err"
expect_exit 2 "no name" "$DKATA" worksheet
expect_exit 2 "unwritable out" "$DKATA" worksheet jepsen --out /proc/nope/x.md
n=$(sqlite3 "$XDG_DATA_HOME/dkata/journal.db" "SELECT count(*) FROM entries WHERE kind='worksheet'")
if [ "$n" = 2 ]; then echo "ok two worksheets logged"; else echo "not ok two worksheets logged (got $n)"; fi
"$DKATA" progress >"$TMP/out"
expect_grep "progress ticks the jepsen item" "\[x\] 000-jepsen" "$TMP/out"
