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

expect_exit 0 "split-brain swarm of 5000 seeds" "$DKATA" run split-brain --seeds 5000
expect_grep "split-brain swarm: no failing seed" '^failing seeds: 0 of 5000' "$TMP/out"
expect_exit 0 "split-brain swarm, 5 nodes" "$DKATA" run split-brain --seeds 2000 --param nodes=5
for bug in no-quorum no-lease no-fencing; do
  expect_exit 1 "split-brain $bug caught by a swarm" "$DKATA" run split-brain --bug "$bug" --seeds 2000
  expect_exit 1 "split-brain $bug caught by the scripted faults" "$DKATA" run split-brain --bug "$bug"
  expect_grep "split-brain $bug replay shows two writers" 'TWO WRITERS' "$TMP/out"
done

# The exercise: generated from the seed, the key held back until --answers, the key checked.
expect_exit 0 "split-brain exercise" "$DKATA" run split-brain --seed 3 --exercise
if grep -q 'Answer key' "$TMP/out"; then echo "not ok split-brain exercise hides the key"; else echo "ok split-brain exercise hides the key"; fi
cp "$TMP/out" "$TMP/ex3"
expect_exit 0 "split-brain answers" "$DKATA" run split-brain --seed 3 --answers
expect_grep "split-brain answers show the key" '^Answer key' "$TMP/out"
"$DKATA" run split-brain --seed 3 --exercise >"$TMP/ex3b"; "$DKATA" run split-brain --seed 4 --exercise >"$TMP/ex4"
if cmp -s "$TMP/ex3" "$TMP/ex3b" && ! cmp -s "$TMP/ex3" "$TMP/ex4"; then echo "ok split-brain exercise comes from the seed"; else
  echo "not ok split-brain exercise comes from the seed"; fi
bad=0; for s in $(seq 1 40); do "$DKATA" run split-brain --seed "$s" --answers >/dev/null 2>&1 || bad=$((bad + 1)); done
if [ "$bad" -eq 0 ]; then echo "ok split-brain answer keys hold on 40 seeds"; else echo "not ok split-brain answer keys fail on $bad seeds"; fi
