# CLI tests for the fdetect kata: the default run, a 2,000-seed swarm, every bug caught, the exercise and its key,
# the trade-off picture, determinism.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/lane.inc"

expect_exit 0 "fdetect listed" "$DKATA" list
expect_grep "fdetect in the list" '^  fdetect ' "$TMP/out"
expect_exit 0 "fdetect default run" "$DKATA" run fdetect
expect_grep "fdetect shows both detectors" '^phi accrual, threshold 8 ' "$TMP/out"
expect_grep "fdetect shows the sweep" '^  10s +0\.' "$TMP/out"
expect_exit 0 "fdetect determinism" "$DKATA" run fdetect --seed 9 --faults random --check-determinism
expect_exit 0 "fdetect svg" "$DKATA" run fdetect --param duration=2h --svg "$TMP/fd.svg"
expect_grep "fdetect svg draws both curves" 'phi 8: ' "$TMP/fd.svg"
expect_exit 2 "fdetect bad threshold" "$DKATA" run fdetect --param threshold=-1
expect_grep "bad threshold named" "bad value '-1' for parameter 'threshold'" "$TMP/err"
expect_exit 2 "fdetect bad pause dist" "$DKATA" run fdetect --param pause=lognormal:x
expect_exit 2 "fdetect bad nemesis" "$DKATA" run fdetect --nemesis '1s crash 5'
expect_exit 2 "fdetect nemesis may not touch the monitor" "$DKATA" run fdetect --nemesis '10s pause 1; 15s resume 1'
expect_grep "fdetect nemesis names node 0" 'node faults may name only node 0' "$TMP/err"
expect_exit 0 "fdetect nemesis isolating the monitor" "$DKATA" run fdetect --nemesis '10s isolate 1; 20s heal' --param duration=2m
expect_exit 2 "a value with a newline" "$DKATA" run fdetect --param "$(printf 'threshold=1\n2')"
if [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "bad value '1?2'" "$TMP/err"; then echo "ok a value with a newline gives one line";
else echo "not ok a value with a newline gives one line"; fi

expect_exit 0 "fdetect swarm of 2000 seeds" "$DKATA" run fdetect --seeds 2000 --param duration=15m
expect_grep "fdetect swarm: no failing seed" '^failing seeds: 0 of 2000' "$TMP/out"
for bug in check-on-arrival no-min-std no-pause-ok; do
  expect_exit 1 "fdetect bug $bug caught" "$DKATA" run fdetect --bug "$bug" --seeds 300 --param duration=10m
done

# The exercise: the same seed gives the same exercise, --answers appends the key and its checks, another seed
# another exercise; a kata without an exercise says so.
expect_exercise fdetect 5 phi-answer-replayed
"$DKATA" run fdetect --seed 6 --exercise >"$TMP/ex6"
if cmp -s "$TMP/ex" "$TMP/ex6"; then echo "not ok another seed, another exercise"; else echo "ok another seed, another exercise"; fi
expect_exit 2 "exercise with a swarm" "$DKATA" run fdetect --seeds 5 --exercise
expect_exit 2 "exercise of a kata without one" "$DKATA" run clocks --exercise
expect_grep "no exercise said" "has no exercise" "$TMP/err"
