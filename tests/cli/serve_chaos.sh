#!/usr/bin/env bash
# Chaos test of 'dkata serve payments': 10,000 requests (30% retries of earlier keys, some with changed
# bodies) while the service is killed with kill -9 and restarted every 0.1-0.3 s, with processor
# faults on; then the audit of the recorded history against the store and the processor's ledger.
# CHAOS_REQUESTS overrides the count. The broken variant (--bug fresh-key) must fail the same audit.
set -u
cd "$(dirname "$0")/../.."
. tests/cli/lib/serve.sh
trap serve_cleanup EXIT
# Under the sanitizers everything runs ~5x slower: a shorter storm keeps make check's budget.
case "${BUILD:-build}" in *asan*) N=${CHAOS_REQUESTS:-2000};; *) N=${CHAOS_REQUESTS:-10000};; esac
FAULTS="error=0.02,timeout=0.01,lost=0.03"

# chaos DB HISTORY EXTRA_ARGS...: runs the load while killing and restarting the server; prints kills.
chaos() {
  local db=$1 hist=$2; shift 2
  local url
  serve_start url --listen 127.0.0.1:0 --store "sqlite:$db" --sync normal --processor-faults "$FAULTS" \
    --processor-timeout 5ms --lease 2s "$@" || return 1
  local port=${url##*:} kills=0
  "$DKATA" serve load --url "$url" --requests "$N" --connections 8 --retry-ratio 0.3 --changed-ratio 0.1 \
    --seed 7 --history "$hist" >"$SERVE_TMP/load.out" &
  local load=$!
  while kill -0 "$load" 2>/dev/null; do
    sleep "0.$((RANDOM % 3 + 1))"  # every 0.1 to 0.3 s: the storm itself lasts only a few seconds
    kill -0 "$load" 2>/dev/null || break
    serve_kill "$SERVE_PID" KILL; kills=$((kills + 1))
    for _ in 1 2 3 4 5 6 7 8 9 10; do # the port is free again once the old process is gone
      serve_start url --listen "127.0.0.1:$port" --store "sqlite:$db" --sync normal --processor-faults "$FAULTS" \
        --processor-timeout 5ms --lease 2s "$@" && break
      sleep 0.1
    done
  done
  wait "$load"
  serve_kill "$SERVE_PID"
  echo "$kills"
}

kills=$(chaos "$SERVE_TMP/c.db" "$SERVE_TMP/history.jsonl")
lines=$(wc -l <"$SERVE_TMP/history.jsonl")
check "chaos: $N requests recorded" '[ "$lines" -eq "$N" ]'
check "chaos: the server was killed with -9 and restarted ($kills times)" '[ "$kills" -ge 2 ]'
grep -E '^(created|replayed|no_answer|mismatches_422|conflicts_409|5xx) ' "$SERVE_TMP/load.out" | sed 's/^/# /'
created=$(sed -n 's/^created //p' "$SERVE_TMP/load.out"); noans=$(sed -n 's/^no_answer //p' "$SERVE_TMP/load.out")
check "chaos: payments created ($created), retries replayed, some requests unanswered ($noans)" '[ "$created" -gt $((N / 10)) ] && [ "$noans" -gt 0 ] && grep -q "^replayed [1-9]" "$SERVE_TMP/load.out"'
"$DKATA" serve audit --history "$SERVE_TMP/history.jsonl" --store "sqlite:$SERVE_TMP/c.db" >"$SERVE_TMP/audit.out"; rc=$?
sed 's/^/# /' "$SERVE_TMP/audit.out"
check "chaos audit: at most one charge per key, every 2xx stored, every replay equal (exit $rc)" '[ "$rc" -eq 0 ] && grep -q "^verdict ok" "$SERVE_TMP/audit.out"'

# The broken variant under a shorter storm with more lost processor answers: the audit must find double
# charges (each lost answer that the client retries becomes a second charge).
N=$((N / 4)); FAULTS="lost=0.2"
chaos "$SERVE_TMP/bug.db" "$SERVE_TMP/bug.jsonl" --bug fresh-key >/dev/null
"$DKATA" serve audit --history "$SERVE_TMP/bug.jsonl" --store "sqlite:$SERVE_TMP/bug.db" >"$SERVE_TMP/bug.out"; rc=$?
check "chaos audit fails for --bug fresh-key (exit $rc, $(sed -n 's/^double_charged //p' "$SERVE_TMP/bug.out") keys charged twice)" '[ "$rc" -eq 1 ] && grep -q "^double_charged [1-9]" "$SERVE_TMP/bug.out"'
[ "$fails" -eq 0 ]
