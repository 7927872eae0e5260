#!/usr/bin/env bash
# The retry kata from the command line: the fixed policy's herd is caught, full jitter with a 10% budget recovers
# over 2,000 seeds, every bug is caught, the contention experiment runs.
set -u
. "$(dirname "$0")/lib.inc"
D=$DKATA
S="--param callers=500 --param capacity=600"
expect_exit 1 retry-snippet-herd "$D" run retry $S
expect_exit 0 retry-fix-holds "$D" run retry $S --param policy=full-jitter --param budget=0.1
expect_exit 0 "retry-fix-swarm" "$D" run retry --param policy=full-jitter --param budget=0.1 --seeds "$(seeds 2000)"
expect_exit 1 retry-snippet-swarm-caught "$D" run retry --seeds 100
expect_exit 1 retry-bug-no-budget-debit-caught "$D" run retry --param policy=full-jitter --param budget=0.1 \
  --bug no-budget-debit --seeds 100
expect_exit 1 retry-bug-attempts-reset-caught "$D" run retry --param policy=full-jitter --param budget=0.1 \
  --param attempts=2 --bug attempts-reset --seeds 100
expect_exit 0 retry-contention "$D" run retry --param experiment=contention:10,50
expect_exit 0 retry-contention-swarm "$D" run retry --param experiment=contention --seeds 100
expect_exit 0 retry-determinism "$D" run retry --param policy=full-jitter --param budget=0.1 --faults random --seed 3 \
  --check-determinism
expect_exit 2 retry-bad-policy "$D" run retry --param policy=random
expect_exit 2 retry-bad-experiment "$D" run retry --param experiment=contention:x
expect_exit 2 retry-no-nemesis "$D" run retry --nemesis '1s crash 0'
svg=$(mktemp --suffix .svg)
"$D" run retry $S --svg "$svg" >/dev/null 2>&1
if grep -q "full-jitter + 10% budget" "$svg" && grep -q "capacity" "$svg"; then echo "ok retry-svg-load-curves"; else echo "not ok retry-svg-load-curves"; fi
rm -f "$svg"
