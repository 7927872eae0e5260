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

pg_start || { bad "throwaway postgresql starts"; exit 1; }
ok "throwaway postgresql on 127.0.0.1:$PG_PORT"
STORE="postgres:$PG_CONNINFO"

# hundred KEY URL_A URL_B: 100 concurrent POSTs alternating between the instances; prints sorted statuses.
hundred() {
  local key=$1 a=$2 b=$3 dir="$SERVE_TMP/h.$1"
  mkdir -p "$dir"
  for i in $(seq 1 100); do
    local u=$a; [ $((i % 2)) -eq 0 ] && u=$b
    curl -s -o "$dir/$i.body" -w '%{http_code}\n' -m 20 -X POST -H 'Content-Type: application/json' \
      -H "Idempotency-Key: $key" --data-binary "$BODY" "$u/payments" >"$dir/$i.code" &
  done
  wait
  cat "$dir"/*.code | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}'
  # every 201 body is the same payment
  local n201 bodies
  n201=$(grep -l '^201$' "$dir"/*.code | wc -l)
  bodies=$(for f in $(grep -l '^201$' "$dir"/*.code); do cat "${f%.code}.body"; echo; done | sort -u | wc -l)
  echo "distinct201=$bodies n201=$n201"
}

serve_start A --listen 127.0.0.1:0 --store "$STORE" --processor-latency 500ms --threads 8 --conns 4 || bad "instance A"
PID_A=$SERVE_PID
serve_start B --listen 127.0.0.1:0 --store "$STORE" --processor-latency 500ms --threads 8 --conns 4 || bad "instance B"
PID_B=$SERVE_PID
K1=33333333-0000-4000-8000-000000000001
res=$(hundred $K1 "$A" "$B")
echo "# conflict mode: $res"
n201=$(grep -oE '(^| )201:[0-9]+' <<<"$res" | cut -d: -f2); n409=$(grep -oE '(^| )409:[0-9]+' <<<"$res" | cut -d: -f2)
check "two instances, 100 concurrent, one key: ${n201:-0} x 201 + ${n409:-0} x 409, one payment" \
  '[ "$((${n201:-0} + ${n409:-0}))" -eq 100 ] && [ "${n409:-0}" -ge 1 ] && grep -q "distinct201=1 " <<<"$res"'
read -r s1 r1 b1 <<<"$(pay "$A" $K1 "$BODY")"
read -r s2 r2 b2 <<<"$(pay "$B" $K1 "$BODY")"
check "replays agree across instances" '[ "$s1" = 201 ] && [ "$r1" = true ] && [ "$s2" = 201 ] && [ "$r2" = true ] && [ "$b1" = "$b2" ]'
out=$("$DKATA" serve audit --store "$STORE")
check "audit: exactly one charge for the key" 'grep -q "^charges 1$" <<<"$out" && grep -q "^double_charged 0$" <<<"$out"'

# A crash on instance A after the charge: B sees the key locked (409) until A's lease runs out, then
# resumes from the recorded phase; the processor dedupes on our key, so still one charge.
serve_kill "$PID_A"; serve_kill "$PID_B"
serve_start A --listen 127.0.0.1:0 --store "$STORE" --lease 1s --crash-at after-charge || bad "instance A (crashing)"
PID_A=$SERVE_PID
serve_start B --listen 127.0.0.1:0 --store "$STORE" --lease 1s || bad "instance B"
PID_B=$SERVE_PID
K2=33333333-0000-4000-8000-000000000002
read -r s0 _ <<<"$(pay "$A" $K2 "$BODY")"
wait "$PID_A" 2>/dev/null
read -r s1 _ <<<"$(pay "$B" $K2 "$BODY")"
sleep 1.2
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
check "two instances, wait mode: 100 times the same 201" 'grep -q "^201:100 distinct201=1 " <<<"$res"'
out=$("$DKATA" serve audit --store "$STORE")
check "audit: 3 keys, 3 charges" 'grep -q "^charges 3$" <<<"$out" && grep -q "^double_charged 0$" <<<"$out"'
[ "$fails" -eq 0 ]
