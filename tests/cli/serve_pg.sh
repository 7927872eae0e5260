#!/usr/bin/env bash
# Two 'dkata serve payments' instances on one throwaway PostgreSQL: 100 concurrent requests with one key
# spread over both charge exactly once; replays cross instances; a crashed instance's lock expires and
# the other resumes without a second charge.
set -u
cd "$(dirname "$0")/../.."
. tests/cli/lib/serve.sh
. tests/cli/lib/pg.sh
trap 'serve_cleanup; pg_stop' EXIT
BODY='{"amount":4200,"currency":"EUR","card_token":"tok_visa"}'

t0=$SECONDS
pg_start || { bad "throwaway postgresql starts"; exit 1; }
ok "throwaway postgresql on 127.0.0.1:$PG_PORT ($((SECONDS - t0)) s)"
STORE="postgres:$PG_CONNINFO"

# hundred KEY URL_A URL_B: 100 concurrent POSTs with one key (100 client threads, alternating between
# the instances); prints "n201=.. n409=.. created=.. other=.. distinct201=..".
hundred() {
  local h="$SERVE_TMP/h.$1.jsonl"
  "$DKATA" serve load --url "$2,$3" --key "$1" --requests 100 --connections 100 --history "$h" >"$h.out"
  local n201 n409 other created distinct
  n201=$(grep -c '"status":201,' "$h"); n409=$(grep -c '"status":409,' "$h")
  other=$(grep -vcE '"status":(201|409),' "$h")
  created=$(sed -n 's/^created //p' "$h.out")
  distinct=$(grep '"status":201,' "$h" | sed 's/.*"body"://' | sort -u | wc -l)
  echo "n201=$n201 n409=$n409 created=$created other=$other distinct201=$distinct"
}

# Both instances start at once on the empty database: the schema is created once, under a lock.
serve_spawn "$SERVE_TMP/a.out" --listen 127.0.0.1:0 --store "$STORE" --processor-latency 500ms --threads 8 --conns 4
PID_A=$SERVE_PID
serve_spawn "$SERVE_TMP/b.out" --listen 127.0.0.1:0 --store "$STORE" --processor-latency 500ms --threads 8 --conns 4
PID_B=$SERVE_PID
serve_url "$SERVE_TMP/a.out" "$PID_A" A && serve_url "$SERVE_TMP/b.out" "$PID_B" B && ok "two instances started together" ||
  bad "two instances started together"
K1=33333333-0000-4000-8000-000000000001
t0=$SECONDS
res=$(hundred $K1 "$A" "$B")
echo "# 100 requests took $((SECONDS - t0)) s"
echo "# conflict mode: $res"
check "two instances, 100 concurrent, one key: $res" \
  'grep -q "created=1 other=0 distinct201=1$" <<<"$res" && ! grep -q "n409=0 " <<<"$res"'
read -r s1 r1 b1 <<<"$(pay "$A" $K1 "$BODY")"
read -r s2 r2 b2 <<<"$(pay "$B" $K1 "$BODY")"
check "replays agree across instances" '[ "$s1" = 201 ] && [ "$r1" = true ] && [ "$s2" = 201 ] && [ "$r2" = true ] && [ "$b1" = "$b2" ]'
out=$("$DKATA" serve audit --store "$STORE")
check "audit: exactly one charge for the key" 'grep -q "^charges 1$" <<<"$out" && grep -q "^double_charged 0$" <<<"$out"'

# A crash on instance A after the charge: B sees the key locked (409) until A's lease runs out, then
# resumes from the recorded phase; the processor dedupes on our key, so still one charge.
serve_kill "$PID_A"; serve_kill "$PID_B"
serve_start A --listen 127.0.0.1:0 --store "$STORE" --lease 3s --crash-at after-charge || bad "instance A (crashing)"
PID_A=$SERVE_PID
serve_start B --listen 127.0.0.1:0 --store "$STORE" --lease 3s || bad "instance B"
PID_B=$SERVE_PID
K2=33333333-0000-4000-8000-000000000002
read -r s0 _ <<<"$(pay "$A" $K2 "$BODY")"
wait "$PID_A" 2>/dev/null
read -r s1 _ <<<"$(pay "$B" $K2 "$BODY")"
sleep 3.2
read -r s2 r2 _ <<<"$(pay "$B" $K2 "$BODY")"
check "crash on A after the charge: B answers 409 within the lease ($s1), then 201 ($s2)" \
  '[ "$s0" = 000 ] && [ "$s1" = 409 ] && [ "$s2" = 201 ] && [ "$r2" = false ]'
out=$("$DKATA" serve audit --store "$STORE")
check "audit: still one charge per key (2 keys, 2 charges)" 'grep -q "^charges 2$" <<<"$out" && grep -q "^double_charged 0$" <<<"$out"'
serve_kill "$PID_B"

# --in-flight wait on both instances: all 100 get the payment.
serve_start A --listen 127.0.0.1:0 --store "$STORE" --processor-latency 100ms --in-flight wait --threads 8 || bad "A wait"
serve_start B --listen 127.0.0.1:0 --store "$STORE" --processor-latency 100ms --in-flight wait --threads 8 || bad "B wait"
res=$(hundred 33333333-0000-4000-8000-000000000003 "$A" "$B")
echo "# wait mode: $res"
check "two instances, wait mode: 100 times the same 201 ($res)" 'grep -q "^n201=100 n409=0 created=1 other=0 distinct201=1$" <<<"$res"'
out=$("$DKATA" serve audit --store "$STORE")
check "audit: 3 keys, 3 charges" 'grep -q "^charges 3$" <<<"$out" && grep -q "^double_charged 0$" <<<"$out"'

# PostgreSQL goes away: 503 and no charge; it comes back: the instances reconnect and the retry charges once.
K4=33333333-0000-4000-8000-000000000004
pg_down
read -r s1 _ <<<"$(pay "$A" $K4 "$BODY")"
hc=$(curl -s -o /dev/null -w '%{http_code}' "$A/healthz")
check "store down: POST 503 ($s1), /healthz 503 ($hc)" '[ "$s1" = 503 ] && [ "$hc" = 503 ]'
pg_up || bad "postgresql restarts"
read -r s2 _ <<<"$(pay "$A" $K4 "$BODY")"
read -r s3 r3 _ <<<"$(pay "$B" $K4 "$BODY")"
check "store back: 201 ($s2), replay on the other instance ($s3 $r3)" '[ "$s2" = 201 ] && [ "$s3" = 201 ] && [ "$r3" = true ]'
out=$("$DKATA" serve audit --store "$STORE")
check "audit: 4 keys, 4 charges" 'grep -q "^charges 4$" <<<"$out" && grep -q "^double_charged 0$" <<<"$out"'
[ "$fails" -eq 0 ]
