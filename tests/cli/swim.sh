# CLI tests for the swim kata: the default run and its tables, the propagation picture, a 1,000-seed swarm, every
# bug caught, the exercise.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/lane.inc"

expect_exit 0 "swim default run" "$DKATA" run swim --svg "$TMP/swim.svg"
expect_grep "swim reports the spread" '^dissemination of the death: ' "$TMP/out"
expect_grep "swim compares suspicion under loss" '^  0\.1 +[0-9]+ +[0-9]+ ' "$TMP/out"
expect_grep "swim svg drawn" 'hold member 0 dead' "$TMP/swim.svg"
expect_exit 2 "swim bad suspicion" "$DKATA" run swim --param suspicion=soon
expect_grep "swim bad suspicion named" "bad value 'soon' for parameter 'suspicion'" "$TMP/err"
expect_exit 2 "swim takes no nemesis" "$DKATA" run swim --nemesis '1s crash 3'
expect_exit 0 "swim determinism" "$DKATA" run swim --seed 6 --faults random --check-determinism
expect_exit 0 "swim swarm of 1000 seeds" "$DKATA" run swim --seeds 1000
expect_grep "swim swarm: no failing seed" '^failing seeds: 0 of 1000' "$TMP/out"
for bug in no-piggyback no-refute stale-suspect; do
  expect_exit 1 "swim bug $bug caught" "$DKATA" run swim --bug "$bug" --seeds 50
done
expect_exercise swim 3 failed-probe-rate-matches
