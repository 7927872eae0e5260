# CLI usage errors found by a walkthrough of every command: a flag is never taken as a value, each bad input gets
# one line naming the problem (exit 2, nothing logged), and every command a help text prints works.
. "$(dirname "$0")/lib.inc"
cd "$TMP" || exit 1

# expect_line NAME PATTERN: stderr is one line and matches PATTERN.
expect_line() {
  if [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -qE -- "$2" "$TMP/err"; then echo "ok $1"; else
    echo "not ok $1 (wanted one line matching '$2')"; sed 's/^/# /' "$TMP/err" | head -5; fi
}
# usage NAME PATTERN CMD...: exit 2 with one stderr line matching PATTERN.
usage() {
  local name=$1 pat=$2; shift 2
  expect_exit 2 "$name" "$@"
  expect_line "$name: one line" "$pat"
}

# 1. A path-valued option followed by another option: the value was left out; no file named after the option.
needs() { usage "$1" "option '$2' needs a value \\(a (file|directory|program) path\\); '--[a-z-]+' is an option" "${@:3}"; }
needs "run --trace --json" --trace "$DKATA" run raft-election --trace --json
needs "run --svg --json" --svg "$DKATA" run raft-election --svg --json
usage "run --card --json" "option '--card' needs a value \\(a built-in card or a card file\\)" \
  "$DKATA" run shard --card --json
needs "drill --answers --print" --answers "$DKATA" drill clocks --answers --print
needs "check --html --json" --html "$DKATA" check "$TMP/h.jsonl" --html --json
needs "test --bin --quiet" --bin "$DKATA" test -w echo --bin --quiet
needs "test --log-dir --quiet" --log-dir "$DKATA" test -w echo --bin /bin/cat --log-dir --quiet
needs "test --svg --quiet" --svg "$DKATA" test -w echo --bin /bin/cat --svg --quiet
needs "worksheet --out --about" --out "$DKATA" worksheet jepsen --out --about
usage "lab --dir --json" "option '--dir' needs a value .*'--json' is an option" "$DKATA" lab pg failover --dir --json
usage "run --trace at the end" "option '--trace' needs a value \\(a file path\\)$" "$DKATA" run raft-election --trace
if ls -- --* >/dev/null 2>&1; then echo "not ok no file named after an option"; else echo "ok no file named after an option"; fi

# 2. The message names the real problem.
usage "run extra argument" "unexpected argument 'extra' for 'run'" "$DKATA" run raft-election --seed 1 extra
usage "run unknown option" "unknown option '--bogus' for 'run' \\(see 'dkata run --help'\\)" \
  "$DKATA" run raft-election --bogus
usage "run --seed=7" "'--seed 7', not '--seed=7'" "$DKATA" run raft-election --seed=7
usage "drill unknown option" "unknown option '--bogus' for 'drill' \\(see 'dkata drill --help'\\)" \
  "$DKATA" drill clocks --bogus
usage "drill --seed=7" "'--seed 7', not '--seed=7'" "$DKATA" drill clocks --seed=7
usage "drill extra argument" "unexpected argument 'extra' for 'drill'" "$DKATA" drill clocks extra
usage "replay --config with no value" "option '--config' needs a value" "$DKATA" replay github-2018 --config
usage "replay unknown option" "unknown option '--bogus' for 'replay'" "$DKATA" replay github-2018 --bogus
usage "progress --recent with no value" "option '--recent' needs a value" "$DKATA" progress --recent
usage "progress --tick with no value" "option '--tick' needs a value" "$DKATA" progress --tick
usage "progress unknown option" "unknown option '--bogus' for 'progress'" "$DKATA" progress --bogus
usage "check --model=kv" "'--model kv', not '--model=kv'" "$DKATA" check x.log --model=kv
usage "worksheet extra argument" "unexpected argument 'x' for 'worksheet'" "$DKATA" worksheet jepsen x
usage "list extra argument" "unexpected argument 'extra' for 'list'" "$DKATA" list extra
usage "help without a kata" "which kata\\? usage: dkata help KATA" "$DKATA" help
usage "mistake unknown option" "unknown option '--bogus' for 'mistake'" "$DKATA" mistake list --bogus
usage "mistake extra argument" "unexpected argument 'b' for 'mistake'" "$DKATA" mistake add --tag x a b
usage "mistake --tag with no value" "option '--tag' needs a value" "$DKATA" mistake list --tag
# A nearest-name suggestion only when the name is close.
usage "test --json: no far-fetched suggestion" "^dkata: unknown option '--json' for 'test' \\(see 'dkata test --help'\\)$" \
  "$DKATA" test -w echo --json
usage "test near miss suggested" "did you mean '--node-count'" "$DKATA" test --nodecount 3
usage "command swap suggested" "did you mean 'run'" "$DKATA" rnu
usage "far command not suggested" "^dkata: unknown command 'xyzzy' \\(see 'dkata --help'\\)$" "$DKATA" xyzzy

# 3. The hints and examples a replay prints are commands that work.
usage "replay unknown param" "see 'dkata replay github-2018 --params'" "$DKATA" replay github-2018 --param nope=1
"$DKATA" replay github-2018 --params >/dev/null # the hint's command
echo "$( [ $? -eq 0 ] && echo ok || echo not ok ) the unknown-parameter hint works"
usage "help on a replay points to replay" "see 'dkata replay github-2018 --params'" "$DKATA" help github-2018
for r in $("$DKATA" replay | awk 'NR > 1 {print $1}'); do
  "$DKATA" replay "$r" --params >"$TMP/params" || echo "not ok $r --params"
  if grep -q 'dkata run' "$TMP/params"; then echo "not ok $r --params names dkata run"; fi
  n=0
  while read -r line; do
    n=$((n + 1))
    eval "set -- $line" # the example as the user would type it: dkata replay ...
    shift
    expect_exit 0 "$r example: $line" "$DKATA" "$@"
  done < <(sed -n '/^Examples:/,$ s/^  \(dkata replay .*\)/\1/p' "$TMP/params")
  if [ "$n" -ge 2 ]; then echo "ok $r prints $n examples"; else echo "not ok $r prints $n examples"; fi
done

# 4. A test with no time to run is bad input, not a verdict.
usage "test --time-limit 0" "bad --time-limit '0' \\(accepted: seconds, at least 0.001" \
  "$DKATA" test -w echo --bin /bin/cat --time-limit 0

# 5. --check-determinism: refused with a swarm, reported in the JSON.
usage "determinism with a swarm" "--check-determinism is for one seed" \
  "$DKATA" run raft-election --check-determinism --seeds 5
expect_exit 0 "determinism with --json" "$DKATA" run raft-election --seed 3 --check-determinism --json
expect_grep "determinism in the JSON" '"determinism":\{"second_hash":"[0-9a-f]{16}","identical":true\}' "$TMP/out"
expect_grep "JSON still one object" '^\{"kata":"raft-election".*"ok":true' "$TMP/out"

# 6. Answers that are not a file of text: bad input, not a failed round in the journal.
head -c 200 "$DKATA" >"$TMP/binary.ans"
before=$("$DKATA" progress --recent 1000 2>/dev/null | grep -c drill)
usage "drill answers a directory" "answers '$TMP' is a directory" "$DKATA" drill clocks --answers "$TMP"
usage "drill answers binary" "answers .*binary.ans: not text" "$DKATA" drill clocks --answers "$TMP/binary.ans"
usage "drill answers missing" "cannot open answers '$TMP/none.ans': No such file" \
  "$DKATA" drill clocks --answers "$TMP/none.ans"
if [ -s "$TMP/out" ]; then echo "not ok a missing answers file is refused before the exercise"; else
  echo "ok a missing answers file is refused before the exercise"; fi
after=$("$DKATA" progress --recent 1000 2>/dev/null | grep -c drill)
if [ "$before" = "$after" ]; then echo "ok bad answers are not logged"; else echo "not ok bad answers logged ($before -> $after)"; fi

# 7. Files named in errors for what they are; --svg checked before the run; help takes one kata; --version.
printf '{"process":0,"type":"invoke","f":"read"}\n{"process":0,"type":"ok","f":"read","value":0}\n' >"$TMP/h.jsonl"
usage "check a missing file" "cannot open '$TMP/none.log': No such file or directory" \
  "$DKATA" check "$TMP/h.jsonl" "$TMP/none.log"
usage "check a directory" "cannot read '$TMP': Is a directory \\(expected a history file\\)" "$DKATA" check "$TMP"
usage "card a directory" "cannot read card file '$TMP': Is a directory" "$DKATA" run shard --card "$TMP"
usage "card missing" "cannot open card file '$TMP/none.card': No such file or directory" \
  "$DKATA" run shard --card "$TMP/none.card"
usage "svg a directory, before the run" "^dkata: cannot write picture file '$TMP': Is a directory$" \
  "$DKATA" run raft-election --svg "$TMP"
if [ -s "$TMP/out" ]; then echo "not ok --svg refused before the kata runs"; else echo "ok --svg refused before the kata runs"; fi
usage "help extra argument" "unexpected argument 'extra' for 'help'" "$DKATA" help raft-election extra
expect_exit 0 "--version" "$DKATA" --version
expect_grep "--version prints the version" '^dkata [0-9]+\.[0-9]+\.[0-9]+( commit [0-9a-f]{7,}(-dirty)?)?$' "$TMP/out"
usage "--version takes no argument" "unexpected argument 'x' after --version" "$DKATA" --version x
