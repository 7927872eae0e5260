#!/usr/bin/env bash
# The retry kata from the command line: the fixed policy's herd is caught, full jitter with a 10% budget recovers
# over 2,000 seeds, every bug is caught, the contention experiment runs.
set -u
. "$(dirname "$0")/lib/kata.sh"
D=${DKATA:-build/dkata}
S="--param callers=500 --param capacity=600"
expect_rc retry-snippet-herd 1 "$D" run retry $S
expect_rc retry-fix-holds 0 "$D" run retry $S --param policy=full-jitter --param budget=0.1
expect_rc "retry-fix-swarm-$SWARM" 0 "$D" run retry --param policy=full-jitter --param budget=0.1 --seeds "$SWARM"
expect_rc retry-snippet-swarm-caught 1 "$D" run retry --seeds 100
expect_rc retry-bug-no-budget-debit-caught 1 "$D" run retry --param policy=full-jitter --param budget=0.1 \
  --bug no-budget-debit --seeds 100
expect_rc retry-bug-attempts-reset-caught 1 "$D" run retry --param policy=full-jitter --param budget=0.1 \
  --param attempts=2 --bug attempts-reset --seeds 100
expect_rc retry-contention 0 "$D" run retry --param experiment=contention:10,50
expect_rc retry-contention-swarm 0 "$D" run retry --param experiment=contention --seeds 100
expect_rc retry-determinism 0 "$D" run retry --param policy=full-jitter --param budget=0.1 --faults random --seed 3 \
  --check-determinism
expect_rc retry-bad-policy 2 "$D" run retry --param policy=random
expect_rc retry-bad-experiment 2 "$D" run retry --param experiment=contention:x
expect_rc retry-no-nemesis 2 "$D" run retry --nemesis '1s crash 0'
svg=$(mktemp --suffix .svg)
"$D" run retry $S --svg "$svg" >/dev/null 2>&1
if grep -q "full-jitter + 10% budget" "$svg" && grep -q "capacity" "$svg"; then echo "ok retry-svg-load-curves"; else echo "not ok retry-svg-load-curves"; fi
rm -f "$svg"
