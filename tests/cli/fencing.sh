#!/usr/bin/env bash
# The fencing kata from the command line: the snippet fails, the fix holds over 2,000 seeds, every bug is caught.
set -u
. "$(dirname "$0")/lib/kata.sh"
D=${DKATA:-build/dkata}
expect_rc fencing-snippet-violates 1 "$D" run fencing
expect_rc fencing-none-violates 1 "$D" run fencing --param check=none
expect_rc fencing-lease-only-violates 1 "$D" run fencing --param check=lease-only
expect_rc fencing-fix-holds 0 "$D" run fencing --param check=before-write
expect_rc "fencing-fix-swarm-$SWARM" 0 "$D" run fencing --param check=before-write --seeds "$SWARM"
expect_rc fencing-snippet-swarm-caught 1 "$D" run fencing --seeds 2000
for bug in per-client-highest token-reuse volatile-highest; do
  expect_rc "fencing-bug-$bug-caught" 1 "$D" run fencing --param check=before-write --bug "$bug" --seeds 2000
done
expect_rc fencing-determinism 0 "$D" run fencing --param check=before-write --faults random --seed 9 --check-determinism
expect_rc fencing-bad-check 2 "$D" run fencing --param check=sometimes
expect_rc fencing-bad-lease 2 "$D" run fencing --param lease=soon
out=$("$D" run fencing --param check=sometimes 2>&1)
case "$out" in *"bad value 'sometimes' for parameter 'check': expected none|lease-only|after-write|before-write"*) echo "ok fencing-error-names-choices";; *) echo "not ok fencing-error-names-choices"; echo "# $out";; esac
