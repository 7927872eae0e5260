# CLI tests for the split-brain kata: all three parts hold over a swarm, each removal makes two writers.
. "$(dirname "$0")/lib.inc"

expect_exit 0 "split-brain default run" "$DKATA" run split-brain
expect_grep "split-brain: all three give one writer" '^  quorum \+ lease \+ fencing +one writer' "$TMP/out"
expect_grep "split-brain: no quorum gives two writers" '^  no quorum .*TWO WRITERS' "$TMP/out"
expect_grep "split-brain: no lease gives two writers" '^  no lease +TWO WRITERS' "$TMP/out"
expect_grep "split-brain: no fencing gives two writers" '^  no fencing token check +TWO WRITERS' "$TMP/out"
expect_grep "split-brain: the paused write is fenced off" "resource refuses n[0-9]'s write" "$TMP/out"
expect_exit 0 "split-brain determinism check" "$DKATA" run split-brain --seed 3 --faults random --check-determinism
expect_exit 2 "split-brain bad lease" "$DKATA" run split-brain --param renew=300ms
expect_exit 2 "split-brain bad nodes" "$DKATA" run split-brain --param nodes=1

n=$(seeds 5000)
expect_exit 0 "split-brain swarm of $n seeds" "$DKATA" run split-brain --seeds "$n"
expect_grep "split-brain swarm: no failing seed" "^failing seeds: 0 of $n" "$TMP/out"
expect_exit 0 "split-brain swarm, 5 nodes" "$DKATA" run split-brain --seeds "$(seeds 2000)" --param nodes=5
for bug in no-quorum no-lease no-fencing; do
  expect_exit 1 "split-brain $bug caught by a swarm" "$DKATA" run split-brain --bug "$bug" --seeds "$(seeds 2000)"
  expect_exit 1 "split-brain $bug caught by the scripted faults" "$DKATA" run split-brain --bug "$bug"
  expect_grep "split-brain $bug replay shows two writers" 'TWO WRITERS' "$TMP/out"
done

# The exercise: generated from the seed, the key held back until --answers, the key checked.
expect_exercise split-brain
