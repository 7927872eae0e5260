#!/usr/bin/env bash
# Shell test for `dkata run failover`: the drill by default, swarms of 2,000 seeds with random faults per mode
# (exit 0), every --bug caught by a swarm (exit 1), bad input refused with one line (exit 2).
set -u
D=${DKATA:-build/dkata}
# 2,000 seeds per swarm; the sanitizer pass runs the same swarms on 500 seeds to stay within make check's budget
SEEDS=2000
case "${BUILD:-}" in *asan*) SEEDS=500;; esac
n=0
t() { # t NAME EXPECTED_RC CMD...
  local name=$1 want=$2; shift 2
  local out rc; out=$("$@" 2>&1); rc=$?
  n=$((n + 1))
  if [ "$rc" -eq "$want" ]; then echo "ok $n $name"; else echo "not ok $n $name (exit $rc, wanted $want)"; echo "$out" | tail -5 | sed 's/^/# /'; fi
}
has() { # has NAME PATTERN CMD...
  local name=$1 pat=$2; shift 2
  n=$((n + 1))
  if "$@" 2>&1 | grep -qE -- "$pat"; then echo "ok $n $name"; else echo "not ok $n $name (no /$pat/)"; fi
}

has "default run prints the drill's table" "time +leader +primary.LSN +replica1.LSN +replica2.LSN +writes_accepted +client_visible_state" "$D" run failover
has "default run answers time to detect" "time to detect: 2.000s" "$D" run failover
has "default run names the higher LSN" "higher LSN at the kill: replica1" "$D" run failover
t "default run holds its checks" 0 "$D" run failover
t "semi-sync holds" 0 "$D" run failover --param mode=semi-sync
t "sync holds" 0 "$D" run failover --param mode=sync
t "run is deterministic" 0 "$D" run failover --check-determinism
for m in async semi-sync sync; do
  t "swarm $SEEDS seeds $m" 0 "$D" run failover --seeds $SEEDS --param mode=$m
done
for f in lease token; do
  t "fencing=$f holds" 0 "$D" run failover --param fencing=$f
  t "swarm $SEEDS seeds fencing=$f semi-sync" 0 "$D" run failover --seeds $SEEDS --param fencing=$f --param mode=semi-sync
  t "bug ignore-fencing caught (fencing=$f)" 1 "$D" run failover --seeds 100 --param fencing=$f --bug ignore-fencing
done
t "a GC pause under lease fencing holds" 0 "$D" run failover --param pause_at=5s --param fencing=lease
has "a GC pause without fencing shows the split brain" "writes accepted by a deposed primary after its successor's term started: [1-9]" "$D" run failover --param pause_at=5s
has "fencing=lease shows the lock" "coordinator holds the etcd lock for term 2" "$D" run failover --param fencing=lease
has "compare=1 prints the three windows" "sync: each commit waited for every standby" "$D" run failover --param compare=1
t "compare=1 holds" 0 "$D" run failover --param compare=1
svg=$(mktemp --suffix=.svg); trap 'rm -f "$svg"' EXIT
t "--svg writes the timeline" 0 "$D" run failover --svg "$svg"
has "the timeline marks the promotion" "promote replica1 \\(term 2\\)" cat "$svg"
t "bug ack-before-standby caught (semi-sync)" 1 "$D" run failover --seeds 200 --param mode=semi-sync --bug ack-before-standby
t "bug ack-before-standby caught (sync)" 1 "$D" run failover --seeds 200 --param mode=sync --bug ack-before-standby
t "bug promote-lower caught (semi-sync)" 1 "$D" run failover --seeds 200 --param mode=semi-sync --bug promote-lower
t "bug no-fence caught (semi-sync)" 1 "$D" run failover --seed-from 524 --seeds 1 --faults random --param mode=semi-sync --bug no-fence
t "seed 461 holds without the bug" 0 "$D" run failover --seed 461 --faults random --param mode=semi-sync
t "bad mode refused" 2 "$D" run failover --param mode=quorum
t "bad delay refused" 2 "$D" run failover --param replica1_delay=lognormal:x
t "kill after the end refused" 2 "$D" run failover --param kill_at=1h
t "unknown bug refused" 2 "$D" run failover --bug nope
has "bad mode names what is accepted" "async" "$D" run failover --param mode=quorum
