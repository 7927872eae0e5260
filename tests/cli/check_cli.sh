#!/usr/bin/env bash
# dkata check from the outside: verdicts and exit codes, error messages naming file:line, the session model,
# JSON output, --init, --timeout giving unknown, and the HTML report.
set -u
DKATA=${DKATA:-build/dkata}
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
n=0
expect() { # expect NAME WANT_EXIT PATTERN -- command...
  local name=$1 want=$2 pat=$3; shift 4
  local out rc; out=$("$@" 2>&1); rc=$?
  n=$((n + 1))
  if [ "$rc" = "$want" ] && grep -qE -- "$pat" <<<"$out"; then echo "ok $n check $name"
  else echo "not ok $n check $name: exit $rc (want $want), output:"; sed 's/^/# /' <<<"$out" | head -8; fi
}

cat >"$t/stale.log" <<'H'
INFO  jepsen.util - 0	:invoke	:write	1
INFO  jepsen.util - 0	:ok	:write	1
INFO  jepsen.util - 1	:invoke	:read	nil
INFO  jepsen.util - 1	:ok	:read	0
H
cat >"$t/fine.edn" <<'H'
[{:process 0, :type :invoke, :f :write, :value 1}
 {:process 1, :type :invoke, :f :read, :value nil}
 {:process 0, :type :ok, :f :write, :value 1}
 {:process 1, :type :ok, :f :read, :value 1}
 {:process :nemesis, :type :info, :f :start, :value nil}]
H
printf '{"process":0,"type":"invoke","f":"read"}\n{"process":0,"type":"ok","f":"read","value":0}\n' >"$t/zero.jsonl"
: >"$t/empty.jsonl"

expect "no files is a usage error" 2 "needs at least one history FILE" -- "$DKATA" check
expect "unknown model" 2 "unknown model 'regster' \(accepted: register, cas-register" -- "$DKATA" check --model regster "$t/zero.jsonl"
expect "unknown format" 2 "unknown format 'xml'" -- "$DKATA" check --format xml "$t/zero.jsonl"
expect "unknown option" 2 "unknown option '--fast'" -- "$DKATA" check --fast "$t/zero.jsonl"
expect "bad timeout" 2 "bad timeout 'soon'" -- "$DKATA" check --timeout soon "$t/zero.jsonl"
expect "missing file" 2 "cannot open '$t/nope.log'" -- "$DKATA" check "$t/nope.log"
expect "a directory" 2 "cannot read '$t'" -- "$DKATA" check "$t"
expect "help" 0 "usage: dkata check FILE" -- "$DKATA" check --help

expect "stale read (jepsen log)" 1 "stale.log: not linearizable" -- "$DKATA" check "$t/stale.log"
expect "names the operation that could not be placed" 1 "no operation can come next: process 1 read -> 0 \(lines 3-4\)" -- "$DKATA" check "$t/stale.log"
expect "linearizable (edn vector, nemesis skipped)" 0 "fine.edn: linearizable \(cas-register, 2 operations" -- "$DKATA" check "$t/fine.edn"
expect "several files, worst exit" 1 "fine.edn: linearizable" -- "$DKATA" check "$t/fine.edn" "$t/stale.log"
expect "initial value absent by default" 1 "not linearizable" -- "$DKATA" check "$t/zero.jsonl"
expect "--init sets the initial value" 0 "zero.jsonl: linearizable \(register" -- "$DKATA" check --init 0 "$t/zero.jsonl"
expect "standard input" 0 "^-: linearizable \(register, 1 operations" -- bash -c "\"$DKATA\" check --init 0 - <\"$t/zero.jsonl\""
expect "empty history" 0 "linearizable \(register, 0 operations" -- "$DKATA" check "$t/empty.jsonl"
expect "json output" 1 '"verdict":"not linearizable".*"prefix":1,.*"stuck":"process 1 read -> 0' -- "$DKATA" check --json "$t/stale.log"
expect "operation the model lacks" 2 "stale.log:1: operation 'write' is not one the counter model has \(add, incr, read" -- "$DKATA" check --model counter "$t/stale.log"

# malformed input: file:line and what was expected, exit 2, in every format
printf 'INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:done\t:read\tnil\n' >"$t/bad.log"
expect "bad jepsen line" 2 "bad.log:2: expected :invoke, :ok, :fail or :info after the process" -- "$DKATA" check "$t/bad.log"
printf '{:process 0, :type :invoke, :f :read}\n{:process 0, :type :ok, :f :read, :value [1 2}\n' >"$t/bad.edn"
expect "bad edn" 2 "bad.edn:2: unexpected '}'" -- "$DKATA" check "$t/bad.edn"
printf '{"process":0,"type":"invoke","f":"read"}\n{"process":0,"type":"ok","f":"read",}\n' >"$t/bad.jsonl"
expect "bad json line" 2 "bad.jsonl:2: expected one JSON object per line" -- "$DKATA" check "$t/bad.jsonl"
printf '{"process":0,"type":"ok","f":"read","value":1}\n' >"$t/orphan.jsonl"
expect "completion without invocation" 2 "orphan.jsonl:1: process 0 completes read but invoked nothing" -- "$DKATA" check "$t/orphan.jsonl"
printf 'hello\n' >"$t/what.txt"
expect "unknown format detected" 2 "what.txt:1: cannot tell the format" -- "$DKATA" check "$t/what.txt"

# session guarantees
cat >"$t/ryw.jsonl" <<'H'
{"process":0,"type":"invoke","f":"write","key":"x","value":1,"session":"alice"}
{"process":0,"type":"ok","f":"write","key":"x","value":1,"session":"alice","version":5}
{"process":1,"type":"invoke","f":"read","key":"x","session":"alice"}
{"process":1,"type":"ok","f":"read","key":"x","value":null,"session":"alice","version":4}
H
expect "session: read-your-writes violated" 1 "read-your-writes: session alice write x 1 \(line 2, version 5\), then read x -> nil \(line 4, version 4\)" -- "$DKATA" check --model session "$t/ryw.jsonl"
expect "session: json" 1 '"guarantee":"read-your-writes","lines":\[2,4\]' -- "$DKATA" check --model session --json "$t/ryw.jsonl"
sed 's/"version":4/"version":5/; s/"value":null/"value":1/' "$t/ryw.jsonl" >"$t/ryw-ok.jsonl"
expect "session: all guarantees hold" 0 "ryw-ok.jsonl: ok \(session guarantees, 2 operations; checked read-your-writes on 1" -- "$DKATA" check --model session "$t/ryw-ok.jsonl"

# a search too large to finish: every order of 22 concurrent writes before an impossible read
{ for i in $(seq 0 21); do echo "{\"process\":$i,\"type\":\"invoke\",\"f\":\"write\",\"value\":$i}"; done
  echo '{"process":99,"type":"invoke","f":"read"}'
  for i in $(seq 0 21); do echo "{\"process\":$i,\"type\":\"ok\",\"f\":\"write\",\"value\":$i}"; done
  echo '{"process":99,"type":"ok","f":"read","value":1000}'; } >"$t/hard.jsonl"
expect "timeout gives unknown, exit 3" 3 "gave up \(timeout\)" -- "$DKATA" check --timeout 300ms "$t/hard.jsonl"
expect "memory limit gives unknown, exit 3" 3 "gave up \(memory limit\)" -- "$DKATA" check --max-memory 2 "$t/hard.jsonl"

# the picture
expect "html report" 1 "stale.log: not linearizable" -- "$DKATA" check --html "$t/report.html" "$t/stale.log"
n=$((n + 1))
if grep -q '<svg' "$t/report.html" && grep -q 'class="stuck' "$t/report.html" && grep -q 'could not be placed' "$t/report.html" \
   && grep -q '<polyline class="lin"' "$t/report.html" && ! grep -qiE '(src|href)="?https?:' "$t/report.html"; then
  echo "ok $n check html has the timeline, the stuck operation, the linearization, and no network"
else echo "not ok $n check html content"; fi
expect "html to an unwritable place" 2 "cannot write '$t/no-such-dir/x.html'" -- "$DKATA" check --html "$t/no-such-dir/x.html" "$t/stale.log"
