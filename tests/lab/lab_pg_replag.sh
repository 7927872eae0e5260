#!/usr/bin/env bash
# The replication-lag drill against real PostgreSQL: the anomaly without a fix, and what each fix
# buys (read-your-writes, monotonic reads) at what cost.
set -u
. "$(dirname "$0")/lib/pg.bash"
P=$(free_port_base 25300)
D=$LAB_TMP/rl
js=$("$DKATA" lab pg replag --dir "$D" --port-base "$P" --fix all --delay 400ms --reads 6 --json \
  --history "$LAB_TMP/rl.jsonl" 2>"$LAB_TMP/err"); rc=$?
check "replag: exit 0" [ "$rc" -eq 0 ]
f() { jq -r ".fixes[] | select(.fix == \"$1\") | .$2" <<<"$js"; }
check "none: read-your-writes violated" [ "$(f none ryw_violations)" -gt 0 ]
check "none: row shows up after about the delay" awk -v t="$(jq .visible_on_replica1_after_ms <<<"$js")" 'BEGIN { exit !(t >= 350 && t < 3000) }'
check "read-primary: fixes read-your-writes" [ "$(f read-primary ryw_violations)" = 0 ]
check "read-primary: fixes monotonic reads" [ "$(f read-primary monotonic_violations)" = 0 ]
check "read-primary: costs every read on the primary" awk -v s="$(f read-primary primary_read_share)" 'BEGIN { exit !(s == 1) }'
check "lsn-wait: fixes read-your-writes" [ "$(f lsn-wait ryw_violations)" = 0 ]
check "lsn-wait: fixes monotonic reads" [ "$(f lsn-wait monotonic_violations)" = 0 ]
check "lsn-wait: reads stay off the primary" awk -v s="$(f lsn-wait primary_read_share)" 'BEGIN { exit !(s == 0) }'
check "lsn-wait: costs waiting for replay" awk -v t="$(f lsn-wait added_latency_ms)" 'BEGIN { exit !(t > 100) }'
check "sticky: does not fix read-your-writes" [ "$(f sticky ryw_violations)" -gt 0 ]
check "sticky: fixes monotonic reads" [ "$(f sticky monotonic_violations)" = 0 ]
check "replag: history lines are JSON" jq -e . "$LAB_TMP/rl.jsonl" >/dev/null
check "replag: history has the reads" [ "$(grep -c '"f":"read"' "$LAB_TMP/rl.jsonl")" = 24 ]
check "replag: lab removed" [ ! -e "$D" -a -z "$(live_procs "$D")" ]
case "$DKATA" in */asan/*) finish;; esac # the text run adds only printing: normal build only
out=$("$DKATA" lab pg replag --dir "$D" --port-base "$P" --fix none --delay 300ms --reads 3 2>&1); rc=$?
if [ "$rc" -eq 0 ] && grep -q "ryw_violations.*mono_violations" <<<"$out"; then ok "replag text: exit 0 and the table"
else not_ok "replag text: exit 0 and the table" "rc=$rc $(tail -1 <<<"$out")"; fi
finish
