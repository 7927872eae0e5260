# dkata test --bin: example nodes pass, planted bugs fail, protocol breaks are named, every child is reaped.
. "$(dirname "$0")/lib.inc"
R=${DKATA_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
E="$R/examples"
N="$R/tests/cli/harness_nodes"
EXB="$R/${BUILD:-build}/examples"
T() { "$DKATA" test --log-dir "$TMP/store" --quiet "$@"; }

expect_exit 0 "test --help" "$DKATA" test --help
expect_exit 2 "no workload" "$DKATA" test --bin "$E/echo.py"
expect_exit 2 "unknown workload" "$DKATA" test -w ecko --bin "$E/echo.py"
expect_grep "unknown workload named" "unknown workload 'ecko'" "$TMP/err"
expect_exit 2 "bad latency" "$DKATA" test -w echo --bin "$E/echo.py" --latency gauss:1
expect_exit 2 "bad nemesis" "$DKATA" test -w echo --bin "$E/echo.py" --nemesis flood
expect_exit 2 "bad node count" "$DKATA" test -w echo --bin "$E/echo.py" --node-count 65
expect_exit 2 "missing program" "$DKATA" test -w echo --bin /nonexistent/node
expect_grep "missing program named" "cannot run '/nonexistent/node'" "$TMP/err"

# echo: Python and C nodes, with latency; a wrong echo is caught
expect_exit 0 "echo python" T -w echo --bin "$E/echo.py" --time-limit 0.5 --rate 40 --latency 2
expect_grep "echo checker valid" '^checker echo: valid' "$TMP/out"
expect_grep "latency quantiles" 'latency p50 [0-9.]+ms p95' "$TMP/out"
expect_exit 0 "echo C" T -w echo --bin "$EXB/echo" --time-limit 0.5 --rate 100 --latency uniform:1ms,3ms
expect_grep "history written" '"f":"echo"' "$TMP/store/history.jsonl"
expect_grep "diagram written" '<svg' "$TMP/store/messages.svg"
expect_exit 1 "wrong echo caught" T -w echo --bin "$E/echo.py" --bug wrong-echo --time-limit 0.5 --rate 40
expect_grep "wrong echo named" 'echoed "Please echo [0-9]+!"' "$TMP/out"
expect_exit 1 "availability total fails on a hung node" T -w echo --bin "$N/misbehave.py" hang --time-limit 0.3 \
  --rate 30 --timeout 0.2 --availability total --node-count 1
expect_grep "hung node reported" 'n0: answered none of its [0-9]+ client requests' "$TMP/out"

expect_exit 0 "broadcast C with partitions" T -w broadcast --bin "$EXB/broadcast" --node-count 5 --time-limit 1 \
  --rate 40 --latency 3 --nemesis partition --nemesis-interval 0.3 --recovery 1
expect_exit 0 "raft-election C with faults" T -w raft-election --bin "$EXB/raft_election" --time-limit 2 --latency 3 \
  --nemesis partition,kill,pause --nemesis-interval 0.5 --recovery 1.5 --elect-within 5
expect_grep "election time bound checked" '^checker election-time: valid' "$TMP/out"

# unique-ids
expect_exit 0 "unique-ids" T -w unique-ids --bin "$E/unique_ids.py" --time-limit 0.5 --rate 60
expect_exit 1 "duplicate ids caught" T -w unique-ids --bin "$E/unique_ids.py" --bug counter-only --time-limit 0.5 --rate 60
expect_grep "duplicates counted" 'duplicate ids among' "$TMP/out"

# broadcast through partitions; a node that keeps messages to itself loses them
expect_exit 0 "broadcast with partitions" T -w broadcast --bin "$E/broadcast.py" --node-count 5 --time-limit 1.2 \
  --rate 40 --latency 3 --nemesis partition --nemesis-interval 0.3 --recovery 1
expect_grep "partition applied" 'partition' "$TMP/store/nemesis.txt"
expect_grep "node logs kept" 'neighbours' "$TMP/store/n0.log"
expect_exit 0 "--log-stderr" T -w broadcast --bin "$E/broadcast.py" --log-stderr --time-limit 0.3 --rate 10 --recovery 0.3
expect_grep "node stderr on dkata's stderr" 'n[0-9] neighbours' "$TMP/err"
expect_exit 1 "broadcast lost messages caught" T -w broadcast --bin "$E/broadcast.py" --bug no-gossip \
  --time-limit 0.5 --rate 40 --recovery 0.3
expect_grep "lost values named" 'n[0-9] lost [0-9]+ acknowledged value' "$TMP/out"

# CRDTs
expect_exit 0 "g-counter" T -w g-counter --bin "$E/crdt.py" counter --time-limit 0.6 --rate 40 --recovery 0.8
expect_exit 0 "pn-counter with pauses" T -w pn-counter --bin "$E/crdt.py" counter --time-limit 0.8 --rate 40 \
  --recovery 0.8 --nemesis pause --nemesis-interval 0.2 --timeout 0.3
expect_exit 1 "pn-counter without gossip caught" T -w pn-counter --bin "$E/crdt.py" counter --bug local-only \
  --time-limit 0.5 --rate 60 --recovery 0.3
expect_exit 0 "g-set" T -w g-set --bin "$E/crdt.py" set --time-limit 0.6 --rate 40 --recovery 0.8

# lin-kv through the services: lin-kv is linearizable, lww-kv is not
expect_exit 0 "lin-kv via lin-kv service" T -w lin-kv --bin "$E/lin_kv.py" --time-limit 1 --rate 120 --concurrency 6 \
  --latency 1
expect_grep "lin checker ran" 'checker lin-kv: valid \([0-9]+ operations' "$TMP/out"
expect_exit 1 "lin-kv via lww-kv caught" T -w lin-kv --bin "$E/lin_kv.py" --service lww-kv --time-limit 1.5 \
  --rate 150 --concurrency 6 --latency 1
expect_grep "violation explained" 'no operation can come next' "$TMP/out"
expect_exit 1 "lin-kv via seq-kv caught" T -w lin-kv --bin "$E/lin_kv.py" --service seq-kv --time-limit 1.5 \
  --rate 150 --concurrency 6 --latency 1 --seed 3

# the services answer as Maelstrom's do (ts increases; errors 20, 22, 10; create_if_not_exists)
for svc in lin-kv seq-kv lww-kv; do
  expect_exit 0 "services lin-tso and $svc" T -w echo --bin "$N/services.py" $svc --time-limit 0.5 --rate 30 --latency 1
done

# raft-election: safety and the time to elect, with kills, pauses and partitions
expect_exit 0 "raft-election with faults" T -w raft-election --bin "$E/raft_election.py" --time-limit 2.4 --latency 3 \
  --nemesis partition,kill,pause --nemesis-interval 0.6 --recovery 1.5
expect_grep "time to elect reported" '^time to elect: first leader after' "$TMP/out"
expect_exit 1 "two leaders in a term caught" T -w raft-election --bin "$N/misbehave.py" two-leaders --time-limit 0.3 \
  --recovery 0.1
expect_grep "two leaders named" 'two leaders in term 1' "$TMP/out"
expect_exit 1 "no leader caught" T -w raft-election --bin "$E/echo.py" --time-limit 0.3 --recovery 0.1
expect_grep "no leader named" 'no leader was ever elected' "$TMP/out"

# protocol breaks and misbehaving nodes: exit 2, one clear report naming the node
expect_exit 2 "crash reported" T -w echo --bin "$N/misbehave.py" crash --time-limit 8 --rate 20
expect_grep "crash names node and status" 'n[0-9] at [0-9.]+s: the node exited with status 3' "$TMP/err"
expect_grep "crash shows the end of its log" 'it ends: giving up: cannot handle echo' "$TMP/err"
expect_exit 2 "no init_ok reported" T -w echo --bin "$N/misbehave.py" noinit --init-timeout 0.3
expect_grep "no init_ok named" 'did not answer init within 300ms' "$TMP/err"
expect_exit 2 "non-JSON line reported" T -w echo --bin "$N/misbehave.py" notjson --time-limit 8 --rate 20
expect_grep "non-JSON line shown" 'the line: hello, I am a log line' "$TMP/err"
expect_exit 2 "wrong reply shape reported" T -w echo --bin "$N/misbehave.py" badshape --time-limit 8 --rate 20
expect_grep "wrong shape says what was expected" 'without "echo"; expected' "$TMP/err"
expect_exit 2 "unknown destination reported" T -w echo --bin "$N/misbehave.py" baddest --time-limit 8 --rate 20
expect_grep "unknown destination named" 'sent a message to "n42"' "$TMP/err"
expect_exit 2 "10 MB line reported" T -w echo --bin "$N/misbehave.py" bigline --time-limit 8 --rate 20
expect_grep "long line named" 'printed a line longer than 1048576 bytes' "$TMP/err"
expect_exit 2 "flood reported" T -w echo --bin "$N/misbehave.py" flood --time-limit 30 --rate 20 --max-backlog 2
expect_grep "flood named" 'floods the network|does not read its stdin' "$TMP/err"

# every child is reaped: wrapper scripts' helpers (in the group and escaped with setsid), on every path
leftover() { pgrep -f 'sleep 98765[12]' >/dev/null; }
expect_exit 0 "wrapper script node" T -w echo --bin "$N/wrapper.sh" --time-limit 0.3 --rate 20
if leftover; then echo "not ok wrapper helpers reaped"; pkill -f 'sleep 98765[12]'; else echo "ok wrapper helpers reaped"; fi
"$DKATA" test --log-dir "$TMP/store" -w echo --bin "$N/wrapper.sh" --time-limit 30 --rate 5 >"$TMP/out" 2>&1 &
pid=$!
sleep 1
kill -INT $pid
wait $pid
rc=$?
if [ "$rc" -eq 130 ]; then echo "ok ctrl-c exits 130"; else echo "not ok ctrl-c exits 130 (got $rc)"; fi
expect_grep "ctrl-c reported" 'interrupted by signal 2' "$TMP/out"
if leftover; then echo "not ok ctrl-c reaps all"; pkill -f 'sleep 98765[12]'; else echo "ok ctrl-c reaps all"; fi
expect_exit 2 "crash path reaps too" T -w echo --bin "$N/wrapper_noinit.sh" --init-timeout 0.2 --node-count 2
if leftover; then echo "not ok error path reaps all"; else echo "ok error path reaps all"; fi
