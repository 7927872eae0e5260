# CLI tests for the paxos kata: swarms hold, every bug is caught, backoff ends duels sooner, output forms.
. "$(dirname "$0")/lib.inc"

expect_exit 0 "paxos listed" "$DKATA" list
expect_grep "list names paxos" '^  paxos' "$TMP/out"
expect_exit 0 "paxos default run" "$DKATA" run paxos
expect_grep "paxos trace writes the quorum intersection" 'promise quorum \{a[0-9],a[0-9]\} \(2 of 3\) meets' "$TMP/out"
expect_grep "paxos trace marks the choice" "is CHOSEN: a majority" "$TMP/out"
expect_exit 0 "paxos determinism check" "$DKATA" run paxos --seed 9 --faults random --check-determinism
expect_exit 0 "paxos svg" "$DKATA" run paxos --svg "$TMP/p.svg"
expect_grep "paxos svg has message arrows" 'marker-end' "$TMP/p.svg"
expect_exit 2 "paxos bad backoff" "$DKATA" run paxos --param backoff=sometimes
expect_grep "paxos bad backoff named" "bad value 'sometimes' for parameter 'backoff': expected none\|random" "$TMP/err"
expect_exit 2 "paxos too many acceptors" "$DKATA" run paxos --param acceptors=99

n=$(seeds 2000)
expect_exit 0 "paxos swarm of $n seeds" "$DKATA" run paxos --seeds "$n"
expect_grep "paxos swarm: no failing seed" "^failing seeds: 0 of $n" "$TMP/out"
expect_exit 0 "paxos swarm, 5 acceptors, 3 proposers, loss and duplicates" "$DKATA" run paxos --seeds 2000 \
  --param acceptors=5 --param proposers=3 --param loss=0.1 --param duplicate=0.1
for bug in accept-without-promise quorum-n-2 ignore-promised-value; do
  expect_exit 1 "paxos bug $bug caught" "$DKATA" run paxos --bug "$bug" --seeds 2000
  expect_grep "paxos bug $bug fails the safety check" 'at-most-one-value-chosen' "$TMP/out"
done

# Duelling proposers: with no backoff three proposers preempt each other for more rounds than with random backoff.
"$DKATA" run paxos --seeds 2000 --faults scripted --param proposers=3 --param backoff=none >"$TMP/none"
"$DKATA" run paxos --seeds 2000 --faults scripted --param proposers=3 >"$TMP/rand"
none=$(awk '$1=="rounds"{print $4}' "$TMP/none"); rand=$(awk '$1=="rounds"{print $4}' "$TMP/rand")
if awk -v n="$none" -v r="$rand" 'BEGIN{exit !(n > 2*r)}'; then
  echo "ok backoff shortens duels (p99 rounds $none without, $rand with)"; else
  echo "not ok backoff shortens duels (p99 rounds $none without, $rand with)"; fi

# The exercise: generated from the seed, the key held back until --answers, the key checked.
expect_exercise paxos
