# CLI tests for the lww-skew kata: the skew table, swarms hold, both bugs caught, lost writes grow with skew.
. "$(dirname "$0")/lib.inc"

expect_exit 0 "lww-skew default run" "$DKATA" run lww-skew
expect_grep "lww-skew prints the sweep" '^  100ms ' "$TMP/out"
expect_grep "lww-skew shows an example" "e.g. client [0-9]+'s write of" "$TMP/out"
expect_exit 0 "lww-skew determinism check" "$DKATA" run lww-skew --seed 4 --faults random --check-determinism
expect_exit 2 "lww-skew bad sweep" "$DKATA" run lww-skew --param sweep=1ms,fast
expect_grep "lww-skew bad sweep named" "bad value '1ms,fast' for parameter 'sweep'" "$TMP/err"
expect_exit 2 "lww-skew bad nemesis node" "$DKATA" run lww-skew --nemesis '1s crash 42'

n=$(seeds 1000)
expect_exit 0 "lww-skew swarm of $n seeds" "$DKATA" run lww-skew --seeds "$n" --param writes=40 --param duration=3s
expect_grep "lww-skew swarm: no failing seed" "^failing seeds: 0 of $n" "$TMP/out"
expect_exit 0 "lww-skew swarm with 5% loss" "$DKATA" run lww-skew --seeds "$(seeds 200)" \
  --param writes=40 --param duration=3s --param loss=0.05
bugs="--seeds 200 --param writes=40 --param duration=3s"
expect_exit 1 "lww-skew bug no-max caught" "$DKATA" run lww-skew --seeds 20 --param writes=40 --bug no-max
expect_grep "lww-skew no-max breaks causal writes" 'keeps_causal_writes' "$TMP/out"
expect_exit 1 "lww-skew bug no-tiebreak caught" "$DKATA" run lww-skew $bugs --bug no-tiebreak
expect_grep "lww-skew no-tiebreak diverges" 'replicas_converge' "$TMP/out"

# The drill's point, over 150 seeds: wall-clock LWW loses more writes at 50 ms of skew than at 5 ms; HLC loses
# none of a client's own writes at either.
"$DKATA" run lww-skew --seeds 150 --faults scripted --param skew=5ms >"$TMP/s5"
"$DKATA" run lww-skew --seeds 150 --faults scripted --param skew=50ms >"$TMP/s50"
a=$(awk '$1=="lost_wall"{print $3}' "$TMP/s5"); b=$(awk '$1=="lost_wall"{print $3}' "$TMP/s50")
if awk -v a="$a" -v b="$b" 'BEGIN{exit !(b > 4*a && b > 0)}'; then
  echo "ok wall-clock LWW loses more with more skew (median $a at 5ms, $b at 50ms)"; else
  echo "not ok wall-clock LWW loses more with more skew (median $a at 5ms, $b at 50ms)"; fi
c=$(awk '$1=="lost_causal_hlc"{print $5}' "$TMP/s50")
if [ "$c" = "0" ]; then echo "ok hlc loses no causal write at 50ms"; else echo "not ok hlc causal max $c"; fi

# The exercise: generated from the seed, the key held back until --answers, the key checked.
expect_exercise lww-skew
