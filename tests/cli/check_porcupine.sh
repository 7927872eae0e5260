#!/usr/bin/env bash
# Every verdict Porcupine's own tests expect (../shared/data/porcupine/EXPECTED.tsv, 108 histories) must be
# dkata check's verdict too: exit 0 for linearizable, 1 for not.
set -u
DKATA=${DKATA:-build/dkata}
data=${PORCUPINE_DATA:-/work/shared/data/porcupine}
if [ ! -f "$data/EXPECTED.tsv" ]; then echo "not ok porcupine-data missing at $data"; exit 1; fi
n=0
while IFS=$'\t' read -r file model expect; do
  [ "$file" = file ] && continue
  n=$((n + 1))
  out=$(timeout 60 "$DKATA" check --model "$model" "$data/$file" 2>&1); rc=$?
  want=1; [ "$expect" = true ] && want=0
  if [ "$rc" = "$want" ]; then echo "ok porcupine $file ($model, $( [ $want = 0 ] && echo linearizable || echo violation))"
  else echo "not ok porcupine $file: exit $rc, expected $want"; echo "# $(head -3 <<<"$out")"; fi
done <"$data/EXPECTED.tsv"
[ "$n" = 108 ] && echo "ok porcupine all 108 histories listed" || echo "not ok porcupine: $n histories listed, expected 108"
