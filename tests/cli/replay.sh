#!/usr/bin/env bash
# dkata replay: the list, github-2018 reproducing the postmortem (exit 0), each configuration's exit code, the
# public timeline and comparison table in the output, the journal entry, and bad input.
set -u
. "$(dirname "$0")/lib.inc"
export XDG_DATA_HOME="$TMP/data"; unset DKATA_JOURNAL DKATA_NO_JOURNAL
expect_exit 0 "list" "$DKATA" replay
expect_grep "list names github-2018" "github-2018 +GitHub, 21 October 2018" "$TMP/out"
expect_exit 0 "github-2018 reproduces the postmortem" "$DKATA" replay github-2018
expect_grep "public timeline" "^22:52 UTC  maintenance" "$TMP/out"
expect_grep "as-was diverges" "^  as-was .*DIVERGED" "$TMP/out"
expect_grep "no-cross-region keeps one history" "^  no-cross-region .* one history" "$TMP/out"
expect_grep "semi-sync keeps one history" "^  semi-sync .* one history" "$TMP/out"
expect_grep "verdict" "verdict: the replay reproduces the postmortem" "$TMP/out"
expect_exit 1 "--config as-was is a violation" "$DKATA" replay github-2018 --config as-was
expect_grep "names the split" "FAILED one-history .* only in east and .* only in west" "$TMP/out"
expect_exit 0 "--config no-cross-region holds" "$DKATA" replay github-2018 --config no-cross-region
expect_exit 0 "--config semi-sync holds" "$DKATA" replay github-2018 --config semi-sync
expect_exit 1 "a detector slower than the partition: nothing to reproduce" "$DKATA" replay github-2018 --param detect=50s
expect_grep "says so" "does NOT reproduce" "$TMP/out"
expect_exit 0 "--params" "$DKATA" replay github-2018 --params
expect_grep "params list partition" "partition .*43s" "$TMP/out"
expect_exit 2 "unknown replay" "$DKATA" replay github-2019
expect_grep "near name" "did you mean 'github-2018'" "$TMP/err"
expect_exit 2 "bad config" "$DKATA" replay github-2018 --config maybe
expect_exit 2 "bad param" "$DKATA" replay github-2018 --param nope=1
expect_exit 2 "bad duration" "$DKATA" replay github-2018 --param partition=soon
n=$(sqlite3 "$XDG_DATA_HOME/dkata/journal.db" "SELECT count(*) FROM entries WHERE kind='replay' AND name='github-2018'")
if [ "$n" -ge 4 ]; then echo "ok replays logged"; else echo "not ok replays logged ($n)"; fi
# parameters are checked before anything is printed: one line, exit 2
expect_exit 2 "bad param before the timeline" "$DKATA" replay github-2018 --param partition=soon
if [ ! -s "$TMP/out" ] && [ "$(wc -l <"$TMP/err")" -eq 1 ]; then echo "ok one line, no timeline"
else echo "not ok one line, no timeline"; fi
# runs are bounded, and times that would wrap are refused (the fuzzer's regression inputs, tests/fuzz/corpus/replay_params)
expect_exit 2 "github-2018: a run of more than 1h" "$DKATA" replay github-2018 --param after=100h
expect_grep "names the bound" "at most 1h and 2e6 writes" "$TMP/err"
expect_exit 2 "github-2018: times that would wrap" "$DKATA" replay github-2018 --param after=2500000h --param partition=2500000h
expect_exit 2 "aws-2021: a run of more than 1h" "$DKATA" replay aws-2021 --param duration=100h
expect_grep "names the bound" "duration <= 1h and at most 1e7 calls" "$TMP/err"
expect_exit 2 "aws-2021: times that would wrap" "$DKATA" replay aws-2021 --param surge_at=2500000h --param surge=2500000h
expect_exit 2 "aws-2021: too many calls" "$DKATA" replay aws-2021 --param duration=900s --param rate=2000
expect_exit 2 "gitlab-2017: a clock past midnight's hour" "$DKATA" replay gitlab-2017 --param delete_at=24:00
expect_grep "names the form" "expected a clock time HH:MM or HH:MM:SS" "$TMP/err"
