#!/usr/bin/env bash
# The saga kata from the command line: the snippet double-refunds, the key holds over 2,000 seeds, every bug is
# caught.
set -u
. "$(dirname "$0")/lib.inc"
D=$DKATA
expect_exit 1 saga-snippet-violates "$D" run saga
expect_exit 0 saga-key-holds "$D" run saga --param key=on
expect_exit 0 saga-lost-request-harmless "$D" run saga --param lose=request
expect_exit 0 "saga-key-swarm" "$D" run saga --param key=on --seeds "$(seeds 2000)"
expect_exit 1 saga-snippet-swarm-caught "$D" run saga --seeds 2000
for bug in key-per-attempt volatile-key give-up; do
  expect_exit 1 "saga-bug-$bug-caught" "$D" run saga --param key=on --bug "$bug" --seeds 2000
done
expect_exit 0 saga-determinism "$D" run saga --param key=on --faults random --seed 11 --check-determinism
expect_exit 2 saga-bad-key "$D" run saga --param key=maybe
expect_exit 2 saga-bad-amount "$D" run saga --param amount=-3
expect_exit 2 saga-bad-nemesis "$D" run saga --nemesis '1s crash 7'
out=$("$D" run saga 2>&1)
case "$out" in *"o0         100.00     100.00     200.00        2"*) echo "ok saga-ledger-shows-double-refund";; *) echo "not ok saga-ledger-shows-double-refund";; esac
