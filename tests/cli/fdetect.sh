# CLI tests for the fdetect kata: the default run, a 2,000-seed swarm, every bug caught, the exercise and its key,
# the trade-off picture, determinism.
. "$(dirname "$0")/lib.inc"

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

expect_exit 0 "fdetect swarm of 2000 seeds" "$DKATA" run fdetect --seeds 2000 --param duration=15m
expect_grep "fdetect swarm: no failing seed" '^failing seeds: 0 of 2000' "$TMP/out"
for bug in check-on-arrival no-min-std no-pause-ok; do
  expect_exit 1 "fdetect bug $bug caught" "$DKATA" run fdetect --bug "$bug" --seeds 300 --param duration=10m
done

# The exercise: the same seed gives the same exercise; --answers appends the key and its checks; a kata without
# an exercise says so.
expect_exit 0 "fdetect exercise" "$DKATA" run fdetect --seed 5 --exercise
cp "$TMP/out" "$TMP/ex"
if grep -q 'Answer key' "$TMP/ex"; then echo "not ok exercise holds the key back"; else echo "ok exercise holds the key back"; fi
expect_exit 0 "fdetect answers" "$DKATA" run fdetect --seed 5 --answers
expect_grep "answers verified by replay" '^  ok +phi-answer-replayed' "$TMP/out"
if head -12 "$TMP/out" | tail -9 | cmp -s - <(head -12 "$TMP/ex" | tail -9); then echo "ok answers are for the same exercise"; else
  echo "not ok answers are for the same exercise"; fi
"$DKATA" run fdetect --seed 6 --exercise >"$TMP/ex6"
if cmp -s "$TMP/ex" "$TMP/ex6"; then echo "not ok another seed, another exercise"; else echo "ok another seed, another exercise"; fi
expect_exit 2 "exercise with a swarm" "$DKATA" run fdetect --seeds 5 --exercise
expect_exit 2 "exercise of a kata without one" "$DKATA" run clocks --exercise
expect_grep "no exercise said" "has no exercise" "$TMP/err"
