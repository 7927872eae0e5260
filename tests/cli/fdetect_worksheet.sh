# CLI tests for the fdetect-worksheet kata: the worksheet for the default workload, a 1,000-workload swarm, every
# bug caught, the exercise and its verified key.
. "$(dirname "$0")/lib.inc"

expect_exit 0 "worksheet default run" "$DKATA" run fdetect-worksheet --param verify=6h
expect_grep "worksheet solves the timeout" '^   T = 2\.835s' "$TMP/out"
expect_grep "worksheet gives the phi threshold" 'threshold = phi\(T\) = ' "$TMP/out"
expect_grep "worksheet verified" '^  ok +false-positive-model' "$TMP/out"
expect_exit 2 "worksheet takes no nemesis" "$DKATA" run fdetect-worksheet --nemesis '1s crash 0'
expect_exit 2 "worksheet bad budget" "$DKATA" run fdetect-worksheet --param fp_per_day=-1
expect_exit 0 "worksheet swarm of 1000 workloads" "$DKATA" run fdetect-worksheet --seeds 1000 --param verify=1h
expect_grep "worksheet swarm: no failing seed" '^failing seeds: 0 of 1000' "$TMP/out"
for bug in forget-pauses jitter-not-doubled forget-loss; do
  expect_exit 1 "worksheet bug $bug caught" "$DKATA" run fdetect-worksheet --bug "$bug" --seeds 100 --param verify=2h
done
expect_exit 0 "worksheet exercise" "$DKATA" run fdetect-worksheet --seed 3 --exercise
if grep -q 'Answer key' "$TMP/out"; then echo "not ok worksheet exercise holds the key back"; else
  echo "ok worksheet exercise holds the key back"; fi
expect_exit 0 "worksheet answers" "$DKATA" run fdetect-worksheet --seed 3 --answers --param verify=2h
expect_grep "worksheet key verified in simulation" '^  ok +budget-holds' "$TMP/out"
