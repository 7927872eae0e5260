# Shared by the kata shell tests.
# SWARM: the seeds of the fixed variants' swarms: 2,000 in the normal build; 200 under the sanitizers (build/asan),
# whose pass looks for memory errors, not for rarer seeds (the normal pass has already run all 2,000).
SWARM=2000
case "${BUILD:-build}" in *asan*) SWARM=200 ;; esac
# expect_rc NAME RC COMMAND... runs the command and prints ok/not ok NAME.
expect_rc() {
  local name=$1 want=$2; shift 2
  local out; out=$("$@" 2>&1); local rc=$?
  if [ "$rc" -eq "$want" ]; then echo "ok $name"; else echo "not ok $name (exit $rc, wanted $want)"; echo "$out" | tail -5 | sed 's/^/# /'; fi
}
