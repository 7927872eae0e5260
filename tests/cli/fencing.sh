#!/usr/bin/env bash
# The fencing kata from the command line: the snippet fails, the fix holds over 2,000 seeds, every bug is caught.
set -u
. "$(dirname "$0")/lib.inc"
D=$DKATA
expect_exit 1 fencing-snippet-violates "$D" run fencing
expect_exit 1 fencing-none-violates "$D" run fencing --param check=none
expect_exit 1 fencing-lease-only-violates "$D" run fencing --param check=lease-only
expect_exit 0 fencing-fix-holds "$D" run fencing --param check=before-write
expect_exit 0 "fencing-fix-swarm" "$D" run fencing --param check=before-write --seeds "$(seeds 2000)"
expect_exit 1 fencing-snippet-swarm-caught "$D" run fencing --seeds 2000
for bug in per-client-highest token-reuse volatile-highest; do
  expect_exit 1 "fencing-bug-$bug-caught" "$D" run fencing --param check=before-write --bug "$bug" --seeds 2000
done
expect_exit 0 fencing-determinism "$D" run fencing --param check=before-write --faults random --seed 9 --check-determinism
expect_exit 2 fencing-bad-check "$D" run fencing --param check=sometimes
expect_exit 2 fencing-bad-lease "$D" run fencing --param lease=soon
out=$("$D" run fencing --param check=sometimes 2>&1)
case "$out" in *"bad value 'sometimes' for parameter 'check': expected none|lease-only|after-write|before-write"*) echo "ok fencing-error-names-choices";; *) echo "not ok fencing-error-names-choices"; echo "# $out";; esac
