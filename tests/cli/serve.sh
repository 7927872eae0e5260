#!/usr/bin/env bash
# Shell tests of 'dkata serve payments': the real service on loopback, replays, bad input, crash at each
# recorded phase with kill -9 and a retry after the restart, and the audit catching the broken variant.
set -u
cd "$(dirname "$0")/../.."
. tests/cli/lib/serve.sh
trap serve_cleanup EXIT

BODY='{"amount":1250,"currency":"USD","card_token":"tok_visa"}'
K=0b5e6f4a-1c2d-4e3f-8a9b-0c1d2e3f4a5b

# usage errors: one line, exit 2
for args in "--store mysql:x" "--listen nowhere" "--ttl forever" "--in-flight maybe" "--processor-faults lost=2" \
            "--crash-at teatime" "--threads 65" "--threads -1" "--frobnicate 1"; do
  # shellcheck disable=SC2086
  out=$("$DKATA" serve payments $args 2>&1); rc=$?
  if [ "$rc" -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]; then ok "usage: $args"; else bad "usage: $args" "rc=$rc out=$out"; fi
done
"$DKATA" serve payments --help | grep -q 'Idempotency-Key' && ok "serve payments --help" || bad "serve payments --help"

db="$SERVE_TMP/p.db"
serve_start URL --listen 127.0.0.1:0 --store "sqlite:$db" || { bad "start"; exit 1; }
ok "starts on a free port: $URL"
case "$URL" in http://127.0.0.1:*) ok "bound to 127.0.0.1 by default";; *) bad "bound to 127.0.0.1" "$URL";; esac

read -r st1 rep1 body1 <<<"$(pay "$URL" $K "$BODY")"
read -r st2 rep2 body2 <<<"$(pay "$URL" $K "$BODY")"
check "first call 201" '[ "$st1" = 201 ] && [ "$rep1" = false ]'
check "second call replays byte for byte" '[ "$st2" = 201 ] && [ "$rep2" = true ] && [ "$body1" = "$body2" ]'
read -r st3 _ body3 <<<"$(pay "$URL" $K '{"amount":1,"currency":"USD","card_token":"tok_visa"}')"
check "same key, other body: 422" '[ "$st3" = 422 ]'
id=$(sed -n 's/.*"id":"\(pay_[0-9a-f]*\)".*/\1/p' <<<"$body1")
check "GET /payments/ID" '[ "$(curl -s "$URL/payments/$id")" = "$body1" ]'
hc=$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")
check "GET /healthz" '[ "$hc" = 200 ]'
curl -s "$URL/metrics" | grep -q '^payments_replays_total 1$' && ok "metrics count the replay" || bad "metrics count the replay"
read -r st5 rep5 body5 <<<"$(pay "$URL" "$(tr a-f A-F <<<"$K")" "$BODY")"
check "the key in upper case is the same key: replayed, not charged again" '[ "$st5" = 201 ] && [ "$rep5" = true ] && [ "$body5" = "$body1" ]'
st=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: text/plain' -H "Idempotency-Key: $K" -d x "$URL/payments")
check "wrong content type: 415" '[ "$st" = 415 ]'
st=$(head -c 100000 /dev/zero | tr '\0' ' ' | curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "Idempotency-Key: $K" --data-binary @- "$URL/payments")
check "body over the limit: 413" '[ "$st" = 413 ]'
st=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)" -H "Idempotency-Key: $K" -d "$BODY" "$URL/payments")
check "headers over the limit are refused ($st)" '[ "$st" = 431 ] || [ "$st" = 413 ] || [ "$st" = 400 ]'
# a slow client that never finishes its headers is cut off by the idle timeout (here 1 s)
serve_kill "$SERVE_PID"
serve_start URL --listen 127.0.0.1:0 --store "sqlite:$db" --idle-timeout 1s || bad "restart"
p=${URL##*:}
start=$(date +%s%N)
exec 3<>/dev/tcp/127.0.0.1/"$p"; printf 'POST /payments HTTP/1.1\r\nHost: x\r\n' >&3
timeout 5 cat <&3 >/dev/null; exec 3<&- 3>&-
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "slow client cut off after the idle timeout (${ms} ms)" '[ "$ms" -lt 4000 ]'
# raw garbage and half requests on the socket: the server answers or closes, and stays up
for i in $(seq 1 100); do
  { exec 4<>/dev/tcp/127.0.0.1/"$p"; } 2>/dev/null || continue
  if [ $((i % 2)) -eq 0 ]; then head -c $((RANDOM % 3000)) /dev/urandom >&4
  else printf 'POST /payments HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nIdempotency-Key: %s\r\n\r\n' $((RANDOM)) $K >&4
       head -c $((RANDOM % 200)) /dev/urandom >&4; fi
  exec 4<&- 4>&-
done 2>/dev/null
hc=$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")
check "still healthy after 100 garbage connections" '[ "$hc" = 200 ]'
read -r st4 rep4 body4 <<<"$(pay "$URL" $K "$BODY")"
check "replay survives a restart" '[ "$st4" = 201 ] && [ "$rep4" = true ] && [ "$body4" = "$body1" ]'
# a second server on the same SQLite file is refused
"$DKATA" serve payments --listen 127.0.0.1:0 --store "sqlite:$db" >/dev/null 2>"$SERVE_TMP/dup.err"; rc=$?
check "a second server on one SQLite store is refused" '[ "$rc" = 2 ] && grep -q "another process" "$SERVE_TMP/dup.err"'
# ... and on the same SQLite ledger (its dedupe keys live in the first one's memory)
"$DKATA" serve payments --listen 127.0.0.1:0 --store "sqlite:$db.other" --bank "sqlite:$db.bank" >/dev/null \
  2>"$SERVE_TMP/dup.err"; rc=$?
check "a second server on one SQLite ledger is refused ($(cat "$SERVE_TMP/dup.err"))" '[ "$rc" = 2 ] && [ "$(wc -l <"$SERVE_TMP/dup.err")" = 1 ] && grep -q "another process" "$SERVE_TMP/dup.err"'
serve_kill "$SERVE_PID"

# kill -9 at every recorded phase; the retry after a restart completes with one charge, then replays.
i=0
for at in after-started after-charge-requested after-charge after-charge-confirmed after-response-stored; do
  i=$((i + 1)); key=$(printf '22222222-0000-4000-8000-%012d' $i)
  serve_start URL --listen 127.0.0.1:0 --store "sqlite:$db" --crash-at $at || bad "start $at"
  read -r s0 _ <<<"$(pay "$URL" "$key" "$BODY")"
  wait "$SERVE_PID" 2>/dev/null; code=$?
  serve_start URL --listen 127.0.0.1:0 --store "sqlite:$db" || bad "restart $at"
  read -r s1 _ b1 <<<"$(pay "$URL" "$key" "$BODY")"
  read -r s2 r2 b2 <<<"$(pay "$URL" "$key" "$BODY")"
  serve_kill "$SERVE_PID"
  check "kill -9 $at: no answer, killed ($s0, exit $code), retry 201 then replay" '[ "$s0" = 000 ] && [ "$code" = 137 ] && [ "$s1" = 201 ] && [ "$s2" = 201 ] && [ "$r2" = true ] && [ "$b1" = "$b2" ]'
done
out=$("$DKATA" serve audit --store "sqlite:$db")
check "audit: one charge per key after the crashes" 'grep -q "^double_charged 0$" <<<"$out"'
check "audit: six charges in the ledger" 'grep -q "^charges 6$" <<<"$out"'

# The deliberately broken service charges twice across a crash; the audit must say so (exit 1).
db2="$SERVE_TMP/bug.db"
serve_start URL --listen 127.0.0.1:0 --store "sqlite:$db2" --bug fresh-key --crash-at after-charge
pay "$URL" $K "$BODY" >/dev/null; wait "$SERVE_PID" 2>/dev/null
serve_start URL --listen 127.0.0.1:0 --store "sqlite:$db2" --bug fresh-key
pay "$URL" $K "$BODY" >/dev/null
serve_kill "$SERVE_PID"
"$DKATA" serve audit --store "sqlite:$db2" >"$SERVE_TMP/audit.out"; rc=$?
check "audit catches the double charge of --bug fresh-key (exit $rc)" '[ "$rc" = 1 ] && grep -q "charged 2 times" "$SERVE_TMP/audit.out"'
"$DKATA" serve audit --store "sqlite:$db2" --json >"$SERVE_TMP/audit.json"; rc=$?
check "audit --json: one object, the same verdict (exit $rc)" '[ "$rc" = 1 ] && [ "$(wc -l <"$SERVE_TMP/audit.json")" = 1 ] && [ "$(jq -r ".verdict, .double_charged, (.violations[0] | test(\"charged 2 times\"))" "$SERVE_TMP/audit.json" | tr "\n" " ")" = "violated 1 true " ]'

# Ctrl-C on serve load: it stops sending, prints its figures, exits 130, and its history has whole lines only,
# which the audit reads (exit 0 or 1, never 2 for a torn line).
serve_start URL --listen 127.0.0.1:0 --store "sqlite:$SERVE_TMP/int.db"
"$DKATA" serve load --url "$URL" --requests 10000000 --connections 8 --history "$SERVE_TMP/int.jsonl" \
  >"$SERVE_TMP/int.out" 2>&1 &
lp=$!; sleep 0.5; kill -INT "$lp"; wait "$lp"; rc=$?
serve_kill "$SERVE_PID"
"$DKATA" serve audit --store "sqlite:$SERVE_TMP/int.db" --history "$SERVE_TMP/int.jsonl" >/dev/null 2>&1; arc=$?
n=$(wc -l <"$SERVE_TMP/int.jsonl"); sent=$(sed -n 's/^requests //p' "$SERVE_TMP/int.out")
check "serve load stops on Ctrl-C: exit $rc, $sent requests recorded in $n whole lines, audit exit $arc" '[ "$rc" = 130 ] && [ "$sent" = "$n" ] && [ "$n" -gt 0 ] && [ "$(tail -c 1 "$SERVE_TMP/int.jsonl" | od -An -c | tr -d " ")" = "\n" ] && [ "$arc" != 2 ]'

# serve load and audit refuse what they cannot use: one line, exit 2 (or 1 when nothing answered)
for args in "load --url notaurl" "load --url http://127.0.0.1:1,ftp://x" "load --connections 0" \
            "audit --store sqlite:$SERVE_TMP/never.db" "audit --store sqlite:$db --history $SERVE_TMP"; do
  # shellcheck disable=SC2086
  out=$("$DKATA" serve $args 2>&1 >/dev/null); rc=$?
  check "serve $args: one line, exit 2 ($out)" '[ "$rc" = 2 ] && [ "$(printf "%s\n" "$out" | wc -l)" = 1 ] && [ ! -e "$SERVE_TMP/never.db" ]'
done
out=$("$DKATA" serve load --url http://127.0.0.1:1 --requests 3 2>&1 >/dev/null); rc=$?
check "serve load with no server: exit 1, says nothing answered ($out)" '[ "$rc" = 1 ] && grep -q "none of the 3 requests" <<<"$out"'

# serve load --json against a fresh server: the figures as one JSON object
serve_start URL --listen 127.0.0.1:0 --store "sqlite:$SERVE_TMP/load.db"
"$DKATA" serve load --url "$URL" --requests 200 --connections 4 --json >"$SERVE_TMP/load.json"; rc=$?
serve_kill "$SERVE_PID"
check "load --json: 200 requests, all answered, p99 reported (exit $rc)" '[ "$rc" = 0 ] && [ "$(jq -r "[.requests, .no_answer, (.\"2xx\" + .\"4xx\" + .\"5xx\" == .requests), (.p99_ms > 0)] | @tsv" "$SERVE_TMP/load.json")" = "$(printf "200\t0\ttrue\ttrue")" ]'
[ "$fails" -eq 0 ]
