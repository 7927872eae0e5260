# CLI tests for parameter bounds across every kata: a value that would make a run hang or eat memory is refused
# with one line naming the parameter, exit 2 and no output; node counts the scenario cannot use are refused too.
. "$(dirname "$0")/lib.inc"

# expect_refused NAME PARAM-PATTERN ARGS...: exit 2, nothing on stdout, one line on stderr that names the parameter.
expect_refused() {
  local name=$1 pat=$2; shift 2
  expect_exit 2 "$name refused" timeout 20 "$DKATA" run "$@"
  if [ ! -s "$TMP/out" ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -qE -- "$pat" "$TMP/err"; then
    echo "ok $name: one line naming it, no output"
  else
    echo "not ok $name: one line naming it, no output"; sed 's/^/# /' "$TMP/err" | head -3
  fi
}

# Huge durations: refused at once with the accepted range (these hung with hundreds of MB before).
for k in raft-log raft-election saga retry lww-skew split-brain paxos fencing; do
  expect_refused "$k duration=1000000h" "parameter 'duration'.*0ns\.\.3600s" "$k" --param duration=1000000h
  expect_refused "$k swarm, duration=1000000h" "parameter 'duration'" "$k" --seeds 4 --jobs 1 --param duration=1000000h
done
expect_refused "failover duration=1000000h" "duration <= 1h" failover --param duration=1000000h
expect_refused "swim duration=1000000h" "periods" swim --param duration=1000000h
expect_refused "fdetect duration=1000000h" "30 days" fdetect --param duration=1000000h
expect_refused "fdetect 1ms heartbeats for a day" "5e5 heartbeats" fdetect --param interval=1ms --param duration=24h
expect_refused "fdetect-worksheet verify=1000000h" "verify <= 14 days" fdetect-worksheet --param verify=1000000h

# Parameters that multiply: each product has a bound naming its parameters.
expect_refused "raft-election heartbeat=1us" "heartbeat" raft-election --param heartbeat=1us --param duration=1h
expect_refused "raft-log think=0" "parameter 'think'" raft-log --param think=0
expect_refused "raft-log many operations" "clients x duration / think" raft-log --param duration=1h
expect_refused "saga tiny sweep" "duration / sweep" saga --param duration=1h --param sweep=1ms --param orders=64
expect_refused "retry many calls" "callers x rate x duration x attempts" retry --param callers=100000
expect_refused "lww-skew many writes" "clients x writes" lww-skew --param clients=16 --param writes=100000
expect_refused "split-brain tiny renew" "renew" split-brain --param duration=1h --param renew=1us --param lease=1ms
expect_refused "paxos duelling for an hour" "round_timeout" paxos --param duration=1h --param backoff=none
expect_refused "fencing tiny lease" "duration / lease" fencing --param duration=1h --param lease=1us
expect_refused "quorum a million trials" "trials" quorum --param trials=1000000
expect_refused "tail-latency huge fan-out" "fanout x replicas x requests" tail-latency --param fanout=1000 \
  --param requests=1000000
expect_refused "tail-latency pauses" "pause_every" tail-latency --param pause_every=1us
expect_refused "rpc-outcomes a million calls" "parameter 'calls'.*1\.\.200000" rpc-outcomes --param calls=1000000
expect_refused "replag tiny bg" "bg" replag --param bg=1us
expect_refused "replag tiny router_poll" "router_poll" replag --param fix=token-routing --param router_poll=1us
expect_refused "swim many members" "nodes\^2" swim --param nodes=1000 --param duration=1000s
expect_refused "failover tiny heartbeat" "heartbeat" failover --param heartbeat=1us
expect_refused "failover compare at high tps" "5 compared runs" failover --param tps=40000 --param compare=1

# The largest accepted values still run to the end (the worst cases measured for the commit message).
expect_exit 0 "raft-election 1h accepted" timeout 20 "$DKATA" run raft-election --param duration=1h
expect_exit 0 "split-brain 1h accepted" timeout 20 "$DKATA" run split-brain --param duration=1h

# Node counts the scripted scenario cannot use: refused with the reason, not placeholder values.
for n in 1 2; do
  expect_refused "raft-election nodes=$n" "parameter 'nodes'.*3\.\.64.*majority" raft-election --param nodes=$n
  expect_refused "raft-log nodes=$n" "parameter 'nodes'.*3\.\.15.*majority" raft-log --param nodes=$n
done
expect_exit 0 "raft-election nodes=1 with a schedule of its own" "$DKATA" run raft-election --param nodes=1 \
  --nemesis '7s heal'
expect_exit 0 "raft-election nodes=3" "$DKATA" run raft-election --param nodes=3
if grep -qE -- 'n-1|term -1|-1\.0ms|0-node' "$TMP/out"; then echo "not ok raft-election nodes=3 has no placeholders"
else echo "ok raft-election nodes=3 has no placeholders"; fi

# Failed phases say what did not happen instead of printing -1 placeholders (nothing elected, nothing acknowledged).
no_placeholders() {
  if grep -qE -- 'n-1\b|term -1|-1\.0ms|after -[0-9]' "$TMP/out"; then echo "not ok $1 has no placeholders"
    grep -nE -- 'n-1\b|term -1|-1\.0ms|after -[0-9]' "$TMP/out" | head -3 | sed 's/^/# /'
  else echo "ok $1 has no placeholders"; fi
}
expect_exit 1 "raft-election loss=0.9 fails its phases" "$DKATA" run raft-election --param loss=0.9
expect_grep "raft-election loss=0.9: no leader within the bound" 'FAILED first-leader-within-bound +no leader within' "$TMP/out"
no_placeholders "raft-election loss=0.9"
expect_exit 1 "raft-log loss=0.9 fails its phases" "$DKATA" run raft-log --param loss=0.9
expect_grep "raft-log loss=0.9: nothing acknowledged" 'no operation invoked after 1000ms was acknowledged' "$TMP/out"
no_placeholders "raft-log loss=0.9"
expect_exit 1 "raft-log nodes=2, random faults" "$DKATA" run raft-log --param nodes=2 --faults random
no_placeholders "raft-log nodes=2, random faults"
expect_refused "raft-log random faults, duration <= 2 x bound" "2 x bound" raft-log --faults random \
  --param duration=1.85s
