#!/usr/bin/env bash
# The shard kata from the outside: a 300-seed swarm of the default design holds (exit 0), each planted design
# mistake fails (exit 1), --memo writes the template filled in, --svg draws, --card reads the user's card, and bad
# cards or keys are one-line usage errors (exit 2).
set -u
. "$(dirname "$0")/lib.inc"
export DKATA_NO_JOURNAL=1
n=$(seeds 300)
expect_exit 0 "swarm of $n seeds holds" "$DKATA" run shard --seeds "$n" --jobs 2
for b in rack-unaware mod-n time-key; do
  expect_exit 1 "bug $b caught" "$DKATA" run shard --seeds 20 --jobs 2 --bug "$b"
done
for c in social-feed saas iot shop chat; do
  expect_exit 0 "card $c runs and holds" "$DKATA" run shard --card "$c"
done
expect_exit 0 "--memo" "$DKATA" run shard --memo
expect_grep "memo: partition key" "^- \*\*Partition key:\*\* user" "$TMP/out"
expect_grep "memo: failure domain" "Failure-domain analysis:\*\* losing the worst rack" "$TMP/out"
expect_grep "memo: slow queries with remedy" "home-timeline.*Remedy: denormalization" "$TMP/out"
expect_exit 0 "--svg" "$DKATA" run shard --svg "$TMP/s.svg"
expect_grep "svg routing tier" "routing tier" "$TMP/s.svg"
cat >"$TMP/ledger.card" <<'C'
# a user's own card
card ledger
title Ledger: accounts and transfers
field account zipf 0.8 50000
field time monotonic
query balance 60 eq=account
query statement 30 eq=account range=time
query audit 10 range=time
C
expect_exit 0 "user card, composite key" "$DKATA" run shard --card "$TMP/ledger.card" --param scheme=composite --param key=account+time
expect_grep "user card title" "card ledger \(Ledger: accounts and transfers\)" "$TMP/out"
expect_grep "audit scatters" "audit .*EVERY shard" "$TMP/out"
printf 'card x\nfield a zipf 9 10\nquery q 1 eq=a\n' >"$TMP/bad.card"
expect_exit 2 "bad card" "$DKATA" run shard --card "$TMP/bad.card"
expect_grep "bad card names the line" "line 2: bad field 'a'" "$TMP/err"
expect_exit 2 "missing card" "$DKATA" run shard --card "$TMP/none.card"
expect_exit 2 "bad key" "$DKATA" run shard --param key=follower
expect_grep "bad key lists fields" "fields: user, time" "$TMP/err"
expect_exit 2 "--card needs a value" "$DKATA" run shard --card
