#!/usr/bin/env bash
# dkata drill clocks from the outside: the key passes (exit 0), a wrong stamp fails (exit 1) with feedback, a
# round over its time limit fails, bad answers and options are usage errors (exit 2), rounds are logged with score.
set -u
. "$(dirname "$0")/lib.inc"
export XDG_DATA_HOME="$TMP/data"; unset DKATA_JOURNAL DKATA_NO_JOURNAL
db="$XDG_DATA_HOME/dkata/journal.db"
expect_exit 0 "--print" "$DKATA" drill clocks --seed 5 --print
expect_grep "print lists events" "^  e12  P[1-3]  " "$TMP/out"
expect_exit 0 "--key" "$DKATA" drill clocks --seed 5 --key
cp "$TMP/out" "$TMP/key"
expect_grep "key stamps" "^e1 L=1 V=" "$TMP/key"
expect_exit 0 "the key passes" "$DKATA" drill clocks --seed 5 --answers "$TMP/key"
expect_grep "full marks" "^grade: ([0-9]+)/\1 " "$TMP/out"
sed 's/^e3 L=[0-9]*/e3 L=99/' "$TMP/key" >"$TMP/wrong"
expect_exit 1 "a wrong Lamport stamp fails" "$DKATA" drill clocks --seed 5 --answers "$TMP/wrong"
expect_grep "feedback names it" "e3: Lamport 99, expected" "$TMP/out"
expect_exit 0 "answers on stdin, ended by done" bash -c "{ cat '$TMP/key'; echo done; echo junk; } | '$DKATA' drill clocks --seed 5"
expect_exit 1 "over the time limit" bash -c "{ sleep 3; cat '$TMP/key'; } | '$DKATA' drill clocks --seed 5 --limit 1s"
expect_grep "says over time" "OVER TIME" "$TMP/out"
printf 'e1 L=1 V=1,0\n' >"$TMP/bad"
expect_exit 2 "bad answer line" "$DKATA" drill clocks --seed 5 --answers "$TMP/bad"
expect_grep "names the line" "line 1: bad vector stamp" "$TMP/err"
expect_exit 2 "missing answers file" "$DKATA" drill clocks --answers "$TMP/none"
expect_exit 2 "no drill named" "$DKATA" drill
expect_exit 2 "no timed drill for raft" "$DKATA" drill raft
expect_exit 2 "bad --events" "$DKATA" drill clocks --events 1000
expect_exit 2 "bad --limit" "$DKATA" drill clocks --limit soon
n=$(sqlite3 "$db" "SELECT count(*) FROM entries WHERE kind='drill' AND name='clocks'")
p=$(sqlite3 "$db" "SELECT count(*) FROM entries WHERE kind='drill' AND outcome='passed' AND score=total AND total>0")
if [ "$n" = 4 ] && [ "$p" = 2 ]; then echo "ok drills logged with scores"; else echo "not ok drills logged ($n, $p passed)"; fi
"$DKATA" progress >"$TMP/out"
expect_grep "two passed drills tick 001's clocks standard" "\[x\] 001-clocks2" "$TMP/out"
