# CLI tests for dkata list/help/run: exit codes, one-line errors, swarms, bugs, determinism, pictures.
. "$(dirname "$0")/lib.inc"

expect_exit 0 "list" "$DKATA" list
expect_grep "list names raft-election" '^  raft-election' "$TMP/out"
expect_exit 0 "help raft-election" "$DKATA" help raft-election
expect_grep "help shows parameter defaults" 'timeout_min +default 150ms' "$TMP/out"
expect_exit 0 "--help" "$DKATA" --help
expect_exit 0 "run --help" "$DKATA" run --help
expect_exit 2 "no command" "$DKATA"
expect_exit 2 "unknown command" "$DKATA" rnu
expect_grep "unknown command suggests run" "did you mean 'run'" "$TMP/err"
expect_exit 2 "unknown kata" "$DKATA" run raft-elect
expect_grep "unknown kata suggests the nearest" "did you mean 'raft-election'" "$TMP/err"
expect_exit 2 "unknown parameter" "$DKATA" run raft-election --param timeout=3
expect_exit 2 "bad parameter value" "$DKATA" run raft-election --param nodes=zero
expect_grep "bad value named" "bad value 'zero' for parameter 'nodes'" "$TMP/err"
expect_exit 2 "bad latency" "$DKATA" run raft-election --param latency=gauss:1ms
expect_exit 2 "bad seed" "$DKATA" run clocks --seed -4
expect_exit 2 "unknown bug" "$DKATA" run clocks --bug nope
expect_exit 2 "bad nemesis" "$DKATA" run raft-election --nemesis '1s explode 0'
expect_grep "bad nemesis names the step" "bad fault step '1s explode 0'" "$TMP/err"
expect_exit 2 "missing value" "$DKATA" run clocks --seed
expect_exit 2 "unwritable svg" "$DKATA" run clocks --svg /nonexistent/dir/x.svg
if [ "$(wc -l <"$TMP/err")" -eq 1 ]; then echo "ok errors are one line"; else echo "not ok errors are one line"; fi

expect_exit 0 "raft-election default run" "$DKATA" run raft-election
expect_grep "raft timeline shows the crash" 'CRASHES' "$TMP/out"
expect_grep "raft verdict" '^verdict: every check held' "$TMP/out"
expect_exit 0 "clocks default run" "$DKATA" run clocks --seed 9
expect_grep "clocks lists concurrent pairs" '^concurrent pairs' "$TMP/out"

# Determinism: same seed twice (in-process check) and across processes (byte-identical traces).
expect_exit 0 "raft determinism check" "$DKATA" run raft-election --seed 77 --check-determinism
expect_exit 0 "clocks determinism check" "$DKATA" run clocks --seed 77 --check-determinism
"$DKATA" run raft-election --seed 5 --faults random --trace "$TMP/t1" >/dev/null
"$DKATA" run clocks --seed 2 >/dev/null
"$DKATA" run raft-election --seed 5 --faults random --trace "$TMP/t2" >/dev/null
if cmp -s "$TMP/t1" "$TMP/t2" && [ -s "$TMP/t1" ]; then echo "ok traces byte-identical across processes"; else
  echo "not ok traces byte-identical across processes"; fi

# JSON and pictures.
expect_exit 0 "json output" "$DKATA" run raft-election --json
expect_grep "json has checks and verdict" '^\{"kata":"raft-election","seed":1,.*"ok":true' "$TMP/out"
expect_exit 0 "raft svg" "$DKATA" run raft-election --svg "$TMP/r.svg"
expect_grep "raft svg is a picture" '</svg>' "$TMP/r.svg"
expect_exit 0 "clocks svg" "$DKATA" run clocks --svg "$TMP/c.svg"
expect_grep "clocks svg has arrows" 'marker-end' "$TMP/c.svg"

# Swarms: 10,000 raft-election seeds with random faults, no violation.
n=$(seeds 10000)
expect_exit 0 "raft-election swarm of $n seeds" "$DKATA" run raft-election --seeds "$n"
expect_grep "swarm reports no failing seed" "^failing seeds: 0 of $n\$" "$TMP/out"
expect_exit 0 "clocks swarm of $(seeds 2000) seeds" "$DKATA" run clocks --seeds "$(seeds 2000)"

# Every bug is caught by a swarm, with a replay command that reproduces it.
for bug in vote-twice ignore-log forget-vote volatile-term; do
  expect_exit 1 "raft bug $bug caught" "$DKATA" run raft-election --bug "$bug" --seeds 3000
  cmd=$(grep -m1 'replay: dkata run' "$TMP/out" | sed 's/.*replay: dkata //')
  if [ -n "$cmd" ]; then
    eval "\"$DKATA\" $cmd" >"$TMP/replay" 2>&1; rc=$?
    if [ $rc -eq 1 ] && grep -q VIOLATION "$TMP/replay"; then echo "ok raft bug $bug replays with its timeline"; else
      echo "not ok raft bug $bug replays with its timeline (exit $rc)"; fi
  else echo "not ok raft bug $bug printed a replay command"; fi
done
for bug in receive-no-max send-no-increment vc-no-merge; do
  expect_exit 1 "clocks bug $bug caught" "$DKATA" run clocks --bug "$bug" --seeds 500
done

# The Raft paper's point: a narrow timeout range (150-151 ms) makes elections far slower through split votes.
"$DKATA" run raft-election --seeds 400 --param timeout_max=151ms >"$TMP/narrow"
"$DKATA" run raft-election --seeds 400 >"$TMP/wide"
narrow=$(awk '$1=="time_to_first_leader_ms"{print $3}' "$TMP/narrow")
wide=$(awk '$1=="time_to_first_leader_ms"{print $3}' "$TMP/wide")
nsplit=$(awk '$1=="split_votes"{print $6}' "$TMP/narrow"); wsplit=$(awk '$1=="split_votes"{print $6}' "$TMP/wide")
if awk -v n="$narrow" -v w="$wide" 'BEGIN{exit !(n > 2*w)}'; then
  echo "ok narrow timeouts elect slower (median first leader ${narrow}ms vs ${wide}ms)"; else
  echo "not ok narrow timeouts elect slower (median ${narrow}ms vs ${wide}ms)"; fi
if awk -v n="$nsplit" -v w="$wsplit" 'BEGIN{exit !(n > w)}'; then echo "ok narrow timeouts split more votes"; else
  echo "not ok narrow timeouts split more votes ($nsplit vs $wsplit)"; fi

# A swarm's JSON lists every failing seed with its replay command.
expect_exit 1 "swarm json" "$DKATA" run raft-election --bug ignore-log --seeds 300 --json
n=$(grep -o '"replay":' "$TMP/out" | wc -l); want=$(grep -o '"failing_count":[0-9]*' "$TMP/out" | cut -d: -f2)
if [ "$n" -gt 20 ] && [ "$n" -eq "$want" ]; then echo "ok swarm json lists all $n failing seeds"; else
  echo "not ok swarm json lists all failing seeds ($n of $want)"; fi
# The parent keeps failures as the workers report them, interleaved; the report lists them by seed, and the
# number of workers changes nothing but the "jobs" and "seconds" fields.
"$DKATA" run raft-election --bug ignore-log --seeds 300 --json --jobs 3 | sed 's/"jobs":[0-9]*,"seconds":[0-9.]*,//' >"$TMP/j3"
"$DKATA" run raft-election --bug ignore-log --seeds 300 --json --jobs 1 | sed 's/"jobs":[0-9]*,"seconds":[0-9.]*,//' >"$TMP/j1"
grep -o '{"seed":[0-9]*' "$TMP/j3" | cut -d: -f2 >"$TMP/j3seeds"
if [ -s "$TMP/j3seeds" ] && sort -n -c -u "$TMP/j3seeds"; then echo "ok swarm lists failing seeds in seed order"; else
  echo "not ok swarm lists failing seeds in seed order"; fi
if cmp -s "$TMP/j1" "$TMP/j3"; then echo "ok swarm report is the same with 1 and 3 jobs"; else
  echo "not ok swarm report differs between 1 and 3 jobs"; fi
expect_exit 2 "clocks refuses a nemesis" "$DKATA" run clocks --nemesis '1s crash 0'
