# Shared by tests/lab/*.sh: a private temp folder for labs, ok/not ok lines, and a trap that takes
# down every lab the test started (even when a check fails or the test is interrupted).
DKATA=${DKATA:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/build/dkata}
LAB_TMP=$(mktemp -d /tmp/dkata-labtest.XXXXXX)
chmod 755 "$LAB_TMP" # the servers run as postgres when the tests run as root
failures=0

cleanup_labs() {
  local d
  for d in "$LAB_TMP"/*/; do
    [ -d "$d" ] && "$DKATA" lab pg down --dir "${d%/}" >/dev/null 2>&1
  done
  # anything still alive that names our folder is a bug: kill it and say so
  local left
  left=$(live_procs "$LAB_TMP")
  if [ -n "$left" ]; then
    echo "not ok cleanup: processes survived: $left"
    kill -9 $left 2>/dev/null
  fi
  rm -rf "$LAB_TMP"
}
trap cleanup_labs EXIT
trap 'exit 130' INT TERM

ok() { echo "ok $1"; }
not_ok() { echo "not ok $1${2:+ # $2}"; failures=$((failures + 1)); }
# check NAME COMMAND...: ok if the command succeeds
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }

# The pids of live (not zombie) processes whose command line names folder $1.
live_procs() {
  ps -eo pid=,stat=,args= | awk -v d="$1/" 'index($0, d) && $2 !~ /^Z/ && $3 !~ /dkata$/ && $0 !~ /awk/ {print $1}' | tr '\n' ' '
}

# Tests use ports below the ephemeral range (32768..) so that client sockets do not collide.
# A port base whose next $2 (default 3) ports no socket uses as its local port, in any state (a client's
# TIME_WAIT on an ephemeral port blocks a listener too); tries a few, starting at $1.
free_port_base() {
  local p=$1 n=${2:-3}
  for _ in $(seq 1 20); do
    local pat; pat=$(seq -s '|' "$p" $((p + n - 1)))
    if ! ss -tanH 2>/dev/null | awk '{print $4}' | grep -qE ":($pat)\$"; then
      echo "$p"; return
    fi
    p=$((p + 10))
  done
  echo "$1"
}

finish() { exit $((failures > 0)); }
