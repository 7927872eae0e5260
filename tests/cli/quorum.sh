#!/usr/bin/env bash
# The quorum kata from the command line: N=3 W=1 R=1 reads stale, every overlapping quorum and the sticky session
# hold over 2,000 seeds, every bug is caught.
set -u
. "$(dirname "$0")/lib/kata.sh"
D=${DKATA:-build/dkata}
expect_rc quorum-snippet-stale 1 "$D" run quorum --param trials=2000
expect_rc quorum-w2r2-holds 0 "$D" run quorum --param W=2 --param R=2 --param trials=2000
expect_rc quorum-compare-strict-exact 1 "$D" run quorum --param compare=1 --param trials=500
expect_rc "quorum-fix-swarm-$SWARM" 0 "$D" run quorum --param W=2 --param R=2 --seeds "$SWARM"
expect_rc quorum-sticky-swarm-300 0 "$D" run quorum --param session=sticky --seeds 300
expect_rc quorum-snippet-swarm-caught 1 "$D" run quorum --seeds 100
for bug in ack-before-apply first-response last-arrival-wins; do
  expect_rc "quorum-bug-$bug-caught" 1 "$D" run quorum --param W=2 --param R=2 --bug "$bug" --seeds 100
done
expect_rc quorum-determinism 0 "$D" run quorum --param W=2 --param R=2 --faults random --seed 5 --check-determinism
expect_rc quorum-bad-w 2 "$D" run quorum --param W=4
expect_rc quorum-bad-t 2 "$D" run quorum --param t=soon
out=$("$D" run quorum --param compare=1 --param trials=500 2>&1)
case "$out" in *"ok     strict-quorums-always-fresh"*) echo "ok quorum-compare-checks-strict";; *) echo "not ok quorum-compare-checks-strict";; esac
