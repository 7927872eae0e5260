#!/usr/bin/env bash
# dkata drill paxos and drill heartbeat from the outside: the key scores full marks (exit 0), a wrong answer is
# named (exit 1), over the limit fails, bad answers are usage errors (exit 2), the same seed gives the same round,
# rounds are logged (--log even with DKATA_NO_JOURNAL=1, --no-log never) and progress counts a passed paxos drill.
set -u
. "$(dirname "$0")/lib.inc"
export XDG_DATA_HOME="$TMP/data"; unset DKATA_JOURNAL DKATA_NO_JOURNAL
db="$XDG_DATA_HOME/dkata/journal.db"
count() { sqlite3 "$db" "$1"; }
is() { if [ "$2" = "$3" ]; then echo "ok $1"; else echo "not ok $1 (got '$2', wanted '$3')"; fi; }

# paxos: the trace is the kata's exercise for the seed (same steps as dkata run paxos --exercise)
expect_exit 0 "paxos --print" "$DKATA" drill paxos --seed 3 --print
expect_grep "paxos print lists steps" "^   1\. p1 sends prepare\(1\.1\) to \{a1,a2\}" "$TMP/out"
cp "$TMP/out" "$TMP/p3"
"$DKATA" run paxos --seed 3 --exercise --no-log >"$TMP/ex3"
expect_grep "the kata's exercise has the same first step" "p1 sends prepare\(1\.1\); it reaches \{a1,a2\}" "$TMP/ex3"
"$DKATA" drill paxos --seed 3 --print >"$TMP/p3b"; "$DKATA" drill paxos --seed 4 --print >"$TMP/p4"
if cmp -s "$TMP/p3" "$TMP/p3b" && ! cmp -s "$TMP/p3" "$TMP/p4"; then echo "ok paxos round comes from the seed"
else echo "not ok paxos round comes from the seed"; fi
expect_exit 0 "paxos --key" "$DKATA" drill paxos --seed 3 --key
cp "$TMP/out" "$TMP/pkey"
expect_grep "paxos key names the chosen value" "^chosen b$" "$TMP/pkey"
expect_exit 0 "paxos key passes" "$DKATA" drill paxos --seed 3 --answers "$TMP/pkey"
expect_grep "paxos full marks" "^grade: ([0-9]+)/\1 " "$TMP/out"
sed 's/^6 highest .*/6 highest none/' "$TMP/pkey" >"$TMP/pwrong"
expect_exit 1 "paxos: a missed reported value fails" "$DKATA" drill paxos --seed 3 --answers "$TMP/pwrong"
expect_grep "paxos feedback names it" "^  6 highest: none, expected 3\.1 b" "$TMP/out"
sed 's/^5 quorum yes/5 quorum no/' "$TMP/pkey" >"$TMP/pwrong"
expect_exit 1 "paxos: a miscounted accept quorum fails" "$DKATA" drill paxos --seed 3 --answers "$TMP/pwrong"
expect_grep "paxos feedback counts it" "^  5 quorum: no, expected yes \(2 of 3 accepted, a quorum is 2\)" "$TMP/out"
# keys of other sizes pass too (5 acceptors, 3 proposers)
bad=0
for s in $(seq 1 "$(seeds 20)"); do
  "$DKATA" drill paxos --seed "$s" --acceptors 5 --proposers 3 --key >"$TMP/k" &&
    "$DKATA" drill paxos --seed "$s" --acceptors 5 --proposers 3 --answers "$TMP/k" --no-log >/dev/null || bad=$((bad + 1))
done
is "paxos keys pass at 5 acceptors" "$bad" 0
# the planted bug: the trace shows the value sent; the key's safety calls are check/chosen's
expect_exit 0 "paxos --bug key" "$DKATA" drill paxos --seed 2 --bug ignore-promised-value --key
cp "$TMP/out" "$TMP/bkey"
expect_grep "an overwrite is unsafe" "^10 safe no$" "$TMP/bkey"
sed 's/^10 safe no/10 safe yes/' "$TMP/bkey" >"$TMP/bwrong"
expect_exit 1 "paxos: a missed overwrite fails" "$DKATA" drill paxos --seed 2 --bug ignore-promised-value --answers "$TMP/bwrong"
expect_grep "the checker's violation is quoted" "^  10 safe: yes, expected no \(check/chosen: two values chosen" "$TMP/out"
expect_exit 2 "safe is not asked without the bug" "$DKATA" drill paxos --seed 2 --answers "$TMP/bkey"
expect_grep "names the line and the step" "line [0-9]+: step 2 is an accept" "$TMP/err"
printf '1 promises a7\n' >"$TMP/bad"
expect_exit 2 "paxos: unknown acceptor" "$DKATA" drill paxos --seed 3 --answers "$TMP/bad"
expect_grep "paxos bad input named" "line 1: bad promises for step 1: expected acceptors" "$TMP/err"
printf '99 quorum yes\n' >"$TMP/bad"
expect_exit 2 "paxos: no such step" "$DKATA" drill paxos --seed 3 --answers "$TMP/bad"
expect_exit 2 "paxos: bad --acceptors" "$DKATA" drill paxos --acceptors 40
expect_exit 2 "paxos: unknown bug" "$DKATA" drill paxos --bug quorum-n-2
expect_exit 2 "heartbeat takes no --acceptors" "$DKATA" drill heartbeat --acceptors 3
expect_exit 1 "paxos over the time limit" bash -c "{ sleep 3; cat '$TMP/pkey'; } | '$DKATA' drill paxos --seed 3 --limit 1s"
expect_grep "paxos says over time" "OVER TIME" "$TMP/out"
expect_exit 0 "paxos answers on stdin" bash -c "{ cat '$TMP/pkey'; echo done; } | '$DKATA' drill paxos --seed 3"

# heartbeat: the workload and key are the fdetect-worksheet kata's exercise for the seed
expect_exit 0 "heartbeat --print" "$DKATA" drill heartbeat --seed 3 --print
expect_grep "heartbeat print has the workload" "^heartbeat every 500ms; latency mean 160ms" "$TMP/out"
cp "$TMP/out" "$TMP/h3"
"$DKATA" drill heartbeat --seed 3 --print >"$TMP/h3b"; "$DKATA" drill heartbeat --seed 4 --print >"$TMP/h4"
if cmp -s "$TMP/h3" "$TMP/h3b" && ! cmp -s "$TMP/h3" "$TMP/h4"; then echo "ok heartbeat round comes from the seed"
else echo "not ok heartbeat round comes from the seed"; fi
expect_exit 0 "heartbeat --key" "$DKATA" drill heartbeat --seed 3 --key
cp "$TMP/out" "$TMP/hkey"
"$DKATA" run fdetect-worksheet --seed 3 --answers --no-log --param verify=1h >"$TMP/kata" 2>&1
expect_grep "the kata's key has the same timeout" "T = 8\.193s" "$TMP/kata"
expect_grep "heartbeat key's timeout" "^timeout 8\.193" "$TMP/hkey"
expect_exit 0 "heartbeat key passes" "$DKATA" drill heartbeat --seed 3 --answers "$TMP/hkey"
expect_grep "heartbeat full marks" "^grade: 10/10 " "$TMP/out"
printf 'timeout 8190ms\njitter 0\nloss 0\npauses 0.04/h\ndetect-mean 8.1 s\ndetect-min 7.85\ndetect-max 8.6\nwindow-mean 0.5127s\nwindow-sd 161\nthreshold 290\n' >"$TMP/hwrong"
expect_exit 1 "heartbeat: a number out of tolerance fails" "$DKATA" drill heartbeat --seed 3 --answers "$TMP/hwrong"
expect_grep "heartbeat grades the rest within tolerance" "^grade: 9/10 " "$TMP/out"
expect_grep "heartbeat feedback names it with its tolerance" "^  detect-max: 8\.6s, expected 8\.353s \(within 2% of the timeout \+ 5ms: " "$TMP/out"
printf 'timeout soon\n' >"$TMP/bad"
expect_exit 2 "heartbeat: bad number" "$DKATA" drill heartbeat --seed 3 --answers "$TMP/bad"
expect_grep "heartbeat bad input named" "line 1: bad timeout: expected a number in s" "$TMP/err"
expect_exit 1 "heartbeat over the time limit" bash -c "{ sleep 3; cat '$TMP/hkey'; } | '$DKATA' drill heartbeat --seed 3 --limit 1s"

# the journal: every graded round above is logged; --no-log and DKATA_NO_JOURNAL keep one out, --log forces it
is "paxos rounds logged" "$(count "SELECT count(*) FROM entries WHERE kind='drill' AND name='paxos'")" 6
is "a bug round records its bug" "$(count "SELECT count(*) FROM entries WHERE name='paxos' AND bug='ignore-promised-value'")" 1
is "heartbeat rounds logged with scores" "$(count "SELECT score||'/'||total FROM entries WHERE kind='drill' AND name='heartbeat' AND outcome='passed'")" 10/10
for s in 5 6 7; do "$DKATA" drill heartbeat --seed $s --key >"$TMP/hkey$s"; done
expect_exit 0 "drill --no-log" "$DKATA" drill heartbeat --seed 5 --no-log --answers "$TMP/hkey5"
DKATA_NO_JOURNAL=1 "$DKATA" drill heartbeat --seed 6 --answers "$TMP/hkey6" >/dev/null
is "opted-out rounds not logged" "$(count "SELECT count(*) FROM entries WHERE seed IN (5,6)")" 0
DKATA_NO_JOURNAL=1 "$DKATA" drill heartbeat --seed 7 --log --answers "$TMP/hkey7" >/dev/null
is "drill --log logs despite DKATA_NO_JOURNAL" "$(count "SELECT count(*) FROM entries WHERE seed=7 AND kind='drill'")" 1
DKATA_NO_JOURNAL=1 "$DKATA" run clocks --seed 8 --log >/dev/null
is "run --log logs despite DKATA_NO_JOURNAL" "$(count "SELECT count(*) FROM entries WHERE seed=8 AND kind='run'")" 1
DKATA_NO_JOURNAL=1 "$DKATA" run clocks --seed 9 >/dev/null
is "without --log DKATA_NO_JOURNAL still opts out" "$(count "SELECT count(*) FROM entries WHERE seed=9")" 0
expect_exit 2 "--log with --no-log" "$DKATA" run clocks --log --no-log
expect_grep "names the conflict" "--log and --no-log do not go together" "$TMP/err"
expect_exit 2 "drill --log with --no-log" "$DKATA" drill paxos --no-log --log
"$DKATA" progress >"$TMP/out"
expect_grep "progress names the paxos drill" "next: dkata run paxos \(or dkata drill paxos\)" "$TMP/out"
expect_grep "004-paxos-raft open without a raft run" "\[ \] 004-paxos-raft" "$TMP/out"
"$DKATA" run raft-log >/dev/null 2>&1
"$DKATA" progress >"$TMP/out"
expect_grep "a passed paxos drill and a raft run tick 004-paxos-raft" "\[x\] 004-paxos-raft" "$TMP/out"
