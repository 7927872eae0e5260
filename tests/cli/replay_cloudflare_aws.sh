#!/usr/bin/env bash
# dkata replay cloudflare-2020 and aws-2021: both listed, each reproduces its postmortem (exit 0), as-was breaks
# with the failed check named, the prevention holds, the other configurations and params behave as documented,
# the same seed gives the same output, bad input exits 2, and the runs are logged.
set -u
. "$(dirname "$0")/lib.inc"
export XDG_DATA_HOME="$TMP/data"; unset DKATA_JOURNAL DKATA_NO_JOURNAL
D=$DKATA
expect_exit 0 "list" "$D" replay
expect_grep "list names cloudflare-2020" "cloudflare-2020 +Cloudflare, 2 November 2020" "$TMP/out"
expect_grep "list names aws-2021" "aws-2021 +AWS us-east-1, 7 December 2021" "$TMP/out"

# cloudflare-2020
expect_exit 0 "cloudflare-2020 reproduces the postmortem" "$D" replay cloudflare-2020
expect_grep "cloudflare public timeline" "^14:43 UTC  a switch" "$TMP/out"
expect_grep "cloudflare as-was loses its leader" "^  as-was .*LEADER LOST" "$TMP/out"
expect_grep "cloudflare checkquorum alone is deposed at the heal" "^  checkquorum .*LEADER LOST" "$TMP/out"
expect_grep "cloudflare prevote-checkquorum keeps it" "^  prevote-checkquorum .* leader stays" "$TMP/out"
expect_grep "cloudflare timeline: node2 adopts node1's term" "node2 adopts term 2" "$TMP/out"
expect_grep "cloudflare verdict" "verdict: the replay reproduces the postmortem" "$TMP/out"
cp "$TMP/out" "$TMP/cf1"
expect_exit 1 "cloudflare --config as-was is a violation" "$D" replay cloudflare-2020 --config as-was
expect_grep "cloudflare names leader-stays" "FAILED leader-stays .* elected and .* deposed" "$TMP/out"
expect_grep "cloudflare names the write stall" "FAILED writes-keep-committing .*bound 0.50s" "$TMP/out"
expect_exit 0 "cloudflare --config prevote-checkquorum holds" "$D" replay cloudflare-2020 --config prevote-checkquorum
expect_exit 1 "cloudflare --config checkquorum breaks at the heal" "$D" replay cloudflare-2020 --config checkquorum
expect_exit 0 "cloudflare --config prevote holds while writes flow" "$D" replay cloudflare-2020 --config prevote
expect_exit 1 "cloudflare prevote alone on an idle cluster loses the leader" "$D" replay cloudflare-2020 \
  --config prevote --param writes=0
expect_exit 0 "cloudflare --params" "$D" replay cloudflare-2020 --params
expect_grep "cloudflare params list election" "election .*1000ms" "$TMP/out"
"$D" replay cloudflare-2020 >"$TMP/cf2" 2>&1
if cmp -s "$TMP/cf1" "$TMP/cf2"; then echo "ok cloudflare same seed, same output"; else echo "not ok cloudflare same seed, same output"; fi
"$D" replay cloudflare-2020 --seed 3 >"$TMP/cf3" 2>&1
if ! cmp -s "$TMP/cf1" "$TMP/cf3"; then echo "ok cloudflare another seed, another run"; else echo "not ok cloudflare another seed, another run"; fi
bad=0; n=$(seeds 40)
for s in $(seq 1 "$n"); do "$D" replay cloudflare-2020 --seed "$s" >/dev/null 2>&1 || bad=$((bad + 1)); done
if [ "$bad" -eq 0 ]; then echo "ok cloudflare reproduces on $n seeds"; else echo "not ok cloudflare fails to reproduce on $bad of $n seeds"; fi
expect_exit 2 "cloudflare bad config" "$D" replay cloudflare-2020 --config raft
expect_grep "cloudflare bad config names the choices" "prevote-checkquorum" "$TMP/err"
expect_exit 2 "cloudflare bad param" "$D" replay cloudflare-2020 --param quorum=2
expect_exit 2 "cloudflare bad duration" "$D" replay cloudflare-2020 --param election=soon
expect_exit 2 "cloudflare heartbeat slower than the election" "$D" replay cloudflare-2020 --param heartbeat=900ms
expect_grep "cloudflare says what is needed" "election >= 2 x heartbeat" "$TMP/err"
expect_exit 2 "cloudflare writes out of range" "$D" replay cloudflare-2020 --param writes=-1
expect_exit 2 "cloudflare times whose sum would wrap" "$D" replay cloudflare-2020 --param fault_at=5e18ns --param fault=5e18ns --param after=0
expect_grep "refused before the timeline" "^dkata: bad times" "$TMP/err"
expect_exit 2 "cloudflare too many heartbeats for the run" "$D" replay cloudflare-2020 --param heartbeat=1ms --param election=2ms --param after=3000s
expect_grep "says why" "run too long for its rates" "$TMP/err"

# aws-2021
expect_exit 0 "aws-2021 reproduces the postmortem" "$D" replay aws-2021
expect_grep "aws public timeline" "^07:30 PST  an automated job" "$TMP/out"
expect_grep "aws as-was stays down" "^  as-was .*never .*STAYS DOWN" "$TMP/out"
expect_grep "aws backoff alone stays down" "^  backoff .*STAYS DOWN" "$TMP/out"
expect_grep "aws backoff-budget recovers" "^  backoff-budget .* recovers" "$TMP/out"
expect_grep "aws verdict" "verdict: the replay reproduces the postmortem" "$TMP/out"
cp "$TMP/out" "$TMP/aws1"
expect_exit 1 "aws --config as-was is a violation" "$D" replay aws-2021 --config as-was
expect_grep "aws names the load check" "FAILED load-recovers-after-surge .*never" "$TMP/out"
expect_grep "aws names the goodput check" "FAILED goodput-recovers " "$TMP/out"
expect_exit 0 "aws --config backoff-budget holds" "$D" replay aws-2021 --config backoff-budget
expect_exit 1 "aws --config backoff alone breaks" "$D" replay aws-2021 --config backoff
expect_exit 1 "aws without a surge there is nothing to reproduce" "$D" replay aws-2021 --param surge_rate=0
expect_grep "aws says so" "does NOT reproduce" "$TMP/out"
expect_exit 0 "aws a timeout longer than the queue: as-was recovers" "$D" replay aws-2021 --config as-was \
  --param timeout=3s
expect_exit 0 "aws --params" "$D" replay aws-2021 --params
expect_grep "aws params list surge" "surge_rate .*2000" "$TMP/out"
"$D" replay aws-2021 >"$TMP/aws2" 2>&1
if cmp -s "$TMP/aws1" "$TMP/aws2"; then echo "ok aws same seed, same output"; else echo "not ok aws same seed, same output"; fi
expect_exit 2 "aws bad config" "$D" replay aws-2021 --config retry-harder
expect_exit 2 "aws bad param" "$D" replay aws-2021 --param clients=5
expect_exit 2 "aws bad latency" "$D" replay aws-2021 --param latency=fast
expect_exit 2 "aws run too short" "$D" replay aws-2021 --param duration=30s
expect_grep "aws says what is needed" "surge_at \+ surge \+ recovery \+ tail <= duration" "$TMP/err"
expect_exit 2 "unknown replay names the near one" "$D" replay aws-2020
expect_grep "near name" "did you mean 'aws-2021'" "$TMP/err"

expect_exit 0 "worksheet about cloudflare-2020" "$D" worksheet postmortem --about cloudflare-2020
expect_grep "worksheet title" "^# Postmortem analysis: cloudflare-2020" "$TMP/out"
for r in cloudflare-2020 aws-2021; do
  n=$(sqlite3 "$XDG_DATA_HOME/dkata/journal.db" "SELECT count(*) FROM entries WHERE kind='replay' AND name='$r'")
  if [ "$n" -ge 5 ]; then echo "ok $r replays logged"; else echo "not ok $r replays logged ($n)"; fi
done
