# Helpers for the payments shell tests (sourced): start/stop the service, send requests, tally results.
# Every test sources this, sets a trap calling serve_cleanup, and prints "ok NAME" / "not ok NAME" lines.
: "${DKATA:=build/dkata}"
SERVE_PIDS=()
SERVE_TMP=$(mktemp -d /tmp/dkata-serve-sh-XXXXXX)
fails=0

ok() { echo "ok $1"; }
bad() { echo "not ok $1${2:+ # $2}"; fails=$((fails + 1)); }
check() { # check NAME 'SHELL CONDITION': ok if the condition (evaluated with eval) holds
  if eval "$2"; then ok "$1"; else bad "$1" "$2"; fi
}

# serve_spawn OUT [args...]: starts 'dkata serve payments ARGS' in the background, its stdout in OUT;
# the pid in SERVE_PID (and SERVE_PIDS, for serve_cleanup).
serve_spawn() {
  local out=$1; shift
  "$DKATA" serve payments "$@" >"$out" 2>>"$SERVE_TMP/serve.err" &
  SERVE_PID=$!
  SERVE_PIDS+=("$SERVE_PID")
}

# serve_url OUT PID OUTVAR: waits for the "listening on" line in OUT, stores the URL in OUTVAR.
serve_url() {
  for _ in $(seq 1 300); do
    if grep -q '^listening on ' "$1" 2>/dev/null; then
      printf -v "$3" '%s' "$(sed -n 's/^listening on //p' "$1")"
      return 0
    fi
    kill -0 "$2" 2>/dev/null || break
    sleep 0.05
  done
  echo "# serve did not start: $(tail -3 "$SERVE_TMP/serve.err")"
  return 1
}

# serve_start OUTVAR [args...]: serve_spawn, then serve_url.
serve_start() {
  local var=$1; shift
  local out="$SERVE_TMP/serve.$RANDOM.out"
  serve_spawn "$out" "$@"
  serve_url "$out" "$SERVE_PID" "$var"
}

# serve_kill PID [SIGNAL]: stops one server and waits for it.
serve_kill() {
  kill "-${2:-TERM}" "$1" 2>/dev/null
  wait "$1" 2>/dev/null
  return 0
}

serve_cleanup() {
  for p in "${SERVE_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$SERVE_TMP"
}

# pay URL KEY BODY: prints "STATUS REPLAYED BODY" (STATUS 000 when there was no answer).
pay() {
  local hdr="$SERVE_TMP/h.$RANDOM" body="$SERVE_TMP/b.$RANDOM" st
  st=$(curl -s -o "$body" -D "$hdr" -w '%{http_code}' -m 10 -X POST -H 'Content-Type: application/json' \
    -H "Idempotency-Key: $2" --data-binary "$3" "$1/payments")
  local rep=false
  grep -qi '^Idempotent-Replayed: true' "$hdr" 2>/dev/null && rep=true
  echo "$st $rep $(cat "$body" 2>/dev/null)"
  rm -f "$hdr" "$body"
}
