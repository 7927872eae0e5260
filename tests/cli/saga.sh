#!/usr/bin/env bash
# The saga kata from the command line: the snippet double-refunds, the key holds over 2,000 seeds, every bug is
# caught.
set -u
. "$(dirname "$0")/lib/kata.sh"
D=${DKATA:-build/dkata}
expect_rc saga-snippet-violates 1 "$D" run saga
expect_rc saga-key-holds 0 "$D" run saga --param key=on
expect_rc saga-lost-request-harmless 0 "$D" run saga --param lose=request
expect_rc "saga-key-swarm-$SWARM" 0 "$D" run saga --param key=on --seeds "$SWARM"
expect_rc saga-snippet-swarm-caught 1 "$D" run saga --seeds 2000
for bug in key-per-attempt volatile-key give-up; do
  expect_rc "saga-bug-$bug-caught" 1 "$D" run saga --param key=on --bug "$bug" --seeds 2000
done
expect_rc saga-determinism 0 "$D" run saga --param key=on --faults random --seed 11 --check-determinism
expect_rc saga-bad-key 2 "$D" run saga --param key=maybe
expect_rc saga-bad-amount 2 "$D" run saga --param amount=-3
expect_rc saga-bad-nemesis 2 "$D" run saga --nemesis '1s crash 7'
out=$("$D" run saga 2>&1)
case "$out" in *"o0         100.00     100.00     200.00        2"*) echo "ok saga-ledger-shows-double-refund";; *) echo "not ok saga-ledger-shows-double-refund";; esac
