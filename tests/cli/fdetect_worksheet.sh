# CLI tests for the fdetect-worksheet kata: the worksheet for the default workload, a 1,000-workload swarm, every
# bug caught, the exercise and its verified key.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/lane.inc"

expect_exit 0 "worksheet default run" "$DKATA" run fdetect-worksheet --param verify=3h
expect_grep "worksheet solves the timeout" '^   T = 2\.835s' "$TMP/out"
expect_grep "worksheet gives the phi threshold" 'threshold = phi\(T\) = ' "$TMP/out"
expect_grep "worksheet verified" '^  ok +false-positive-model' "$TMP/out"
expect_exit 2 "worksheet takes no nemesis" "$DKATA" run fdetect-worksheet --nemesis '1s crash 0'
expect_exit 2 "worksheet bad budget" "$DKATA" run fdetect-worksheet --param fp_per_day=-1
expect_exit 0 "worksheet swarm of 1000 workloads" "$DKATA" run fdetect-worksheet --seeds 1000 --param verify=1h
expect_grep "worksheet swarm: no failing seed" '^failing seeds: 0 of 1000' "$TMP/out"
for bug in forget-pauses jitter-not-doubled forget-loss; do
  expect_exit 1 "worksheet bug $bug caught" "$DKATA" run fdetect-worksheet --bug "$bug" --seeds 50 --param verify=1h
done
expect_exercise fdetect-worksheet 3 budget-holds --param verify=2h
