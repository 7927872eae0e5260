# CLI tests for the rpc-outcomes kata: the story of one call, the outcome table, a 10,000-seed swarm counting the
# outcome set, every bug caught, the exercise.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/lane.inc"

expect_exit 0 "rpc default run tells the story" "$DKATA" run rpc-outcomes --seed 3
expect_grep "rpc story from both sides" 'server +APPLIES call 0' "$TMP/out"
expect_exit 0 "rpc outcome table" "$DKATA" run rpc-outcomes --param calls=20000
expect_grep "rpc: some replies are lost" '^  timeout; applied, the reply was lost +[1-9]' "$TMP/out"
expect_grep "rpc: some calls never applied" '^  timeout; never applied.* [1-9][0-9]* ' "$TMP/out"
expect_exit 0 "rpc without a key" "$DKATA" run rpc-outcomes --param calls=20000 --param key=off
expect_grep "rpc without a key applies twice" '^  reply; applied two or more times +[1-9]' "$TMP/out"
expect_exit 0 "rpc determinism" "$DKATA" run rpc-outcomes --seed 4 --param calls=100 --faults random --check-determinism
expect_exit 2 "rpc nemesis may not crash the caller" "$DKATA" run rpc-outcomes --nemesis '10ms crash 0'
expect_exit 0 "rpc nemesis crashing the server" "$DKATA" run rpc-outcomes --nemesis '12ms crash 1; 200ms restart 1' --param calls=5
expect_exit 2 "rpc bad key" "$DKATA" run rpc-outcomes --param key=maybe
expect_grep "rpc bad key named" "bad value 'maybe' for parameter 'key': expected on\|off" "$TMP/err"

expect_exit 0 "rpc swarm of 10000 seeds" "$DKATA" run rpc-outcomes --seeds 10000
expect_grep "rpc swarm: no failing seed" '^failing seeds: 0 of 10000' "$TMP/out"
expect_grep "rpc swarm counts late replies" '^timeout_reply_late +0 +0 +[01] +1 ' "$TMP/out"
for bug in ack-before-apply volatile-dedup key-per-attempt; do
  expect_exit 1 "rpc bug $bug caught" "$DKATA" run rpc-outcomes --bug "$bug" --seeds 1000 --param calls=20
done

expect_exercise rpc-outcomes 2 key-matches-the-record
