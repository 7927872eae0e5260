# Shared by the kata shell tests: expect_rc NAME RC COMMAND... runs the command and prints ok/not ok NAME.
expect_rc() {
  local name=$1 want=$2; shift 2
  local out; out=$("$@" 2>&1); local rc=$?
  if [ "$rc" -eq "$want" ]; then echo "ok $name"; else echo "not ok $name (exit $rc, wanted $want)"; echo "$out" | tail -5 | sed 's/^/# /'; fi
}
