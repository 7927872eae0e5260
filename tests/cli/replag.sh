# CLI tests for the replag kata: the drill's "empty 5 times out of 6", the compare matrix, a swarm of 2,000 seeds per
# fix with random replica failures (0), each --bug caught over a swarm (1), bad input refused (2).
. "$(dirname "$0")/lib.inc"

expect_exit 0 "replag default run" "$DKATA" run replag
expect_grep "replag names the anomaly" '^read-your-writes violation: 25 of 30 reads returned empty' "$TMP/out"
expect_grep "replag prints the pg lab's columns" '^fix +reads ryw_violations mono_violations +primary_share +mean_read +added' "$TMP/out"
expect_grep "replag: the row shows up after the apply delay" 'showed up on replica1 after 5000 ms' "$TMP/out"
expect_grep "replag: consistent prefix violated across two leaders" 'consistent-prefix violations in [0-9]+ reads checked \(an answer seen before its question\)' "$TMP/out"
expect_exit 0 "replag compare matrix" "$DKATA" run replag --param compare=1
expect_grep "compare: sticky row" '^sticky +no \([0-9]+\) +yes \(0\) +no \([0-9]+\) +no \([0-9]+\)' "$TMP/out"
expect_grep "compare: lsn-wait row" '^lsn-wait +yes \(0\) +yes \(0\) +yes \(0\) +no \([0-9]+\)' "$TMP/out"
expect_grep "compare: sticky users re-hashed on failover" "^sticky across the failover: replica2 \(delay 2.5s\) fails; re-hashed: user 1 -> replica1" "$TMP/out"
expect_exit 0 "replag determinism check" "$DKATA" run replag --seed 4 --faults random --check-determinism --param delays=5s,2.5s
expect_exit 0 "replag --svg" "$DKATA" run replag --svg "$TMP/r.svg" --param fix=sticky --param delays=5s,2.5s --param users=4 --param fail=16s
expect_grep "replag svg marks missed reads" 'missed its row' "$TMP/r.svg"
expect_exit 0 "replag svg is well-formed XML" python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$TMP/r.svg"
expect_exit 2 "replag bad fix" "$DKATA" run replag --param fix=sometimes
expect_grep "replag bad fix named" "fix" "$TMP/err"
expect_exit 2 "replag bad delays" "$DKATA" run replag --param delays=5s,soon
expect_exit 2 "replag period out of range" "$DKATA" run replag --param period=2h
expect_grep "replag period range named" "period in \(0, 1h\]" "$TMP/err"
expect_exit 2 "replag bug needs its fix" "$DKATA" run replag --bug router-receive-lsn
expect_grep "replag bug needs its fix: named" 'fix=token-routing' "$TMP/err"
expect_exit 2 "replag refuses --nemesis" "$DKATA" run replag --nemesis '1s crash 1'

n=$(seeds 2000)
# the sanitizer pass is ~20x slower per seed: 200 seeds per fix keep it under a minute
[[ "${BUILD:-}" == *asan* ]] && n=200
for fix in none read-primary lsn-wait sticky token-routing; do
  expect_exit 0 "replag swarm of $n seeds fix=$fix" "$DKATA" run replag --seeds "$n" --param fix=$fix --param delays=5s,2.5s
  expect_grep "replag swarm fix=$fix: no failing seed" "^failing seeds: 0 of $n" "$TMP/out"
done
b=$(seeds 400)
[[ "${BUILD:-}" == *asan* ]] && b=50
expect_exit 1 "replag bug token-before-commit caught" "$DKATA" run replag --seeds "$b" --param fix=lsn-wait --bug token-before-commit
expect_grep "token-before-commit breaks read-your-writes" 'read-your-writes' "$TMP/out"
expect_exit 1 "replag bug token-not-max caught" "$DKATA" run replag --seeds "$b" --param fix=lsn-wait --param delays=5s,2.5s --bug token-not-max
expect_grep "token-not-max breaks monotonic reads" 'monotonic-reads' "$TMP/out"
expect_exit 1 "replag bug router-receive-lsn caught" "$DKATA" run replag --seeds "$b" --param fix=token-routing --bug router-receive-lsn
expect_grep "router-receive-lsn breaks read-your-writes" 'read-your-writes' "$TMP/out"
