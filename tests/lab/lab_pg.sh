#!/usr/bin/env bash
# dkata lab pg up/status/down against real PostgreSQL 15: streaming replicas, a stale lab, a port in
# use, a non-lab folder, Ctrl-C during a drill, and bad flags. Every server is taken down by the trap.
set -u
. "$(dirname "$0")/lib/pg.bash"
P=$(free_port_base 25100)
A=$LAB_TMP/a

out=$("$DKATA" lab pg up --dir "$A" --port-base "$P" 2>&1); rc=$?
check "up exits 0" [ "$rc" -eq 0 ]
check "up names every node" grep -q "replica2 127.0.0.1:$((P + 2))" <<<"$out"
js=$("$DKATA" lab pg status --dir "$A" --json)
check "status: one primary" [ "$(jq '[.nodes[] | select(.role == "primary")] | length' <<<"$js")" = 1 ]
check "status: two replicas" [ "$(jq '[.nodes[] | select(.role == "replica")] | length' <<<"$js")" = 2 ]
check "status: replicas have an lsn" [ "$(jq '[.nodes[] | select(.lsn != "-")] | length' <<<"$js")" = 3 ]
st=$(/usr/lib/postgresql/15/bin/psql -h 127.0.0.1 -p "$P" -U postgres -XAtc \
  "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 2>&1)
check "pg_stat_replication shows 2 streaming" [ "$st" = 2 ]
check "status text has the columns" grep -q "role.*lsn.*replay_lsn.*lag_bytes" <<<"$("$DKATA" lab pg status --dir "$A")"

out=$("$DKATA" lab pg up --dir "$A" --port-base "$((P + 20))" 2>&1); rc=$?
check "up on a running lab: exit 2" [ "$rc" -eq 2 ]
check "up on a running lab names the fix" grep -q "dkata lab pg down --dir $A" <<<"$out"
check "up on a running lab: one line" [ "$(wc -l <<<"$out")" -eq 1 ]

out=$("$DKATA" lab pg up --dir "$LAB_TMP/b" --port-base "$P" 2>&1); rc=$?
check "port in use: exit 2" [ "$rc" -eq 2 ]
check "port in use: names the port and --port-base" grep -q "port $P .*--port-base" <<<"$out"
check "port in use: no folder left" [ ! -e "$LAB_TMP/b" ]

# a crashed run: the primary's postmaster dies with the lab folder still there
kill -9 "$(head -1 "$A/primary/postmaster.pid")"
sleep 0.3
out=$("$DKATA" lab pg up --dir "$A" --port-base "$((P + 20))" 2>&1); rc=$?
check "stale lab refused by up" [ "$rc" -eq 2 ]
# --keep stops the servers but keeps the folder (and its logs); a second down removes it
out=$("$DKATA" lab pg down --dir "$A" --keep 2>&1); rc=$?
check "down --keep cleans a stale lab" [ "$rc" -eq 0 ]
check "down --keep leaves no process" [ -z "$(live_procs "$A")" ]
check "down --keep keeps the logs" [ -f "$A/primary.log" ]
out=$("$DKATA" lab pg down --dir "$A" 2>&1); rc=$?
check "down again: exit 0" [ "$rc" -eq 0 ]
check "down removes the folder" [ ! -e "$A" ]
out=$("$DKATA" lab pg down --dir "$A" 2>&1); rc=$?
check "down with no lab: exit 0" [ "$rc" -eq 0 ]
check "down with no lab says so" grep -q "no lab at" <<<"$out"

mkdir -p "$LAB_TMP/notalab" && touch "$LAB_TMP/notalab/precious"
out=$("$DKATA" lab pg down --dir "$LAB_TMP/notalab" 2>&1); rc=$?
check "down refuses a folder without lab.state" [ "$rc" -eq 2 ]
check "that folder is untouched" [ -e "$LAB_TMP/notalab/precious" ]
rm -rf "$LAB_TMP/notalab"

# Ctrl-C during a drill tears its lab down
D=$LAB_TMP/ctrlc
"$DKATA" lab pg failover --dir "$D" --port-base "$P" --kill-at 60s >"$LAB_TMP/ctrlc.out" 2>&1 &
pid=$!
for _ in $(seq 1 600); do grep -q "writes_accepted" "$LAB_TMP/ctrlc.out" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
kill -INT "$pid"
wait "$pid"; rc=$?
check "ctrl-c: drill exits non-zero" [ "$rc" -ne 0 ]
check "ctrl-c: says interrupted" grep -q "interrupted" "$LAB_TMP/ctrlc.out"
check "ctrl-c: no server left" [ -z "$(live_procs "$D")" ]
check "ctrl-c: folder removed" [ ! -e "$D" ]

# bad input: one line, exit 2
bad() {
  local name=$1; shift
  local o; o=$("$DKATA" "$@" 2>&1); local r=$?
  if [ "$r" -eq 2 ] && [ "$(wc -l <<<"$o")" -eq 1 ] && grep -q "^dkata: " <<<"$o"; then ok "$name"; else not_ok "$name" "rc=$r: $o"; fi
}
bad "bad subcommand" lab pg frob
bad "bad lab" lab mysql up
bad "bad --replicas" lab pg up --replicas 9
bad "bad --port-base" lab pg up --port-base 80
bad "bad --mode" lab pg failover --mode quorum
bad "bad --tps" lab pg failover --tps 0
bad "bad --kill-at" lab pg failover --kill-at soon
bad "bad --fix" lab pg replag --fix magic
bad "flag of another command" lab pg up --tps 5
bad "missing value" lab pg failover --mode
bad "patroni rejects --mode" lab pg failover --orchestrator patroni --mode sync
bad "patroni: ttl too short for loop_wait" lab pg failover --orchestrator patroni --ttl 5 --loop-wait 3
bad "patroni: ttl below 5" lab pg failover --orchestrator patroni --ttl 3
finish
