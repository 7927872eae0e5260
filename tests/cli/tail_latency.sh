# CLI tests for the tail-latency kata: the sweep table, the picture, a 1,000-seed swarm, every bug caught, the
# exercise.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/lane.inc"

expect_exit 0 "tail default run" "$DKATA" run tail-latency --param requests=500 --svg "$TMP/tl.svg"
expect_grep "tail sweep has fan-out 100" '^  100 +every 500ms ' "$TMP/out"
expect_grep "tail svg drawn" 'p99 solid' "$TMP/tl.svg"
expect_exit 2 "tail bad hedge" "$DKATA" run tail-latency --param hedge=later
expect_grep "tail bad hedge named" "bad value 'later' for parameter 'hedge'" "$TMP/err"
expect_exit 2 "tail takes no nemesis" "$DKATA" run tail-latency --nemesis '1s pause 1'
expect_exit 0 "tail determinism" "$DKATA" run tail-latency --seed 3 --param requests=300 --faults random --check-determinism
expect_exit 0 "tail swarm of 1000 seeds" "$DKATA" run tail-latency --seeds 1000 --param requests=100
expect_grep "tail swarm: no failing seed" '^failing seeds: 0 of 1000' "$TMP/out"
for bug in count-replies hedge-at-once hedge-same-replica; do
  expect_exit 1 "tail bug $bug caught" "$DKATA" run tail-latency --bug "$bug" --seeds 100 --param requests=100
done
expect_exercise tail-latency 4 prediction-matches-simulation
