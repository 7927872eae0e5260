#!/usr/bin/env bash
# The quorum kata from the command line: N=3 W=1 R=1 reads stale, every overlapping quorum and the sticky session
# hold over 2,000 seeds, every bug is caught.
set -u
. "$(dirname "$0")/lib.inc"
D=$DKATA
expect_exit 1 quorum-snippet-stale "$D" run quorum --param trials=2000
expect_exit 0 quorum-w2r2-holds "$D" run quorum --param W=2 --param R=2 --param trials=2000
expect_exit 1 quorum-compare-strict-exact "$D" run quorum --param compare=1 --param trials=500
expect_exit 0 "quorum-fix-swarm" "$D" run quorum --param W=2 --param R=2 --seeds "$(seeds 2000)"
expect_exit 0 quorum-sticky-swarm-300 "$D" run quorum --param session=sticky --seeds 300
expect_exit 1 quorum-snippet-swarm-caught "$D" run quorum --seeds 100
for bug in ack-before-apply first-response last-arrival-wins; do
  expect_exit 1 "quorum-bug-$bug-caught" "$D" run quorum --param W=2 --param R=2 --bug "$bug" --seeds 100
done
expect_exit 0 quorum-determinism "$D" run quorum --param W=2 --param R=2 --faults random --seed 5 --check-determinism
expect_exit 2 quorum-bad-w "$D" run quorum --param W=4
expect_exit 2 quorum-bad-t "$D" run quorum --param t=soon
out=$("$D" run quorum --param compare=1 --param trials=500 2>&1)
case "$out" in *"ok     strict-quorums-always-fresh"*) echo "ok quorum-compare-checks-strict";; *) echo "not ok quorum-compare-checks-strict";; esac
