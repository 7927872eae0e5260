#!/usr/bin/env bash
# Every verdict Porcupine's own tests expect (../shared/data/porcupine/EXPECTED.tsv, 108 histories) must be
# dkata check's verdict too. One dkata run per model over all its files (--json, one line per file).
set -u
DKATA=${DKATA:-build/dkata}
data=${PORCUPINE_DATA:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/data/porcupine}
if [ ! -f "$data/EXPECTED.tsv" ]; then echo "not ok porcupine data missing at $data (set PORCUPINE_DATA)"; exit 0; fi
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
tail -n +2 "$data/EXPECTED.tsv" >"$t/expected"
for model in $(cut -f2 "$t/expected" | sort -u); do
  files=$(awk -F'\t' -v m="$model" '$2 == m { print "'"$data"'/" $1 }' "$t/expected")
  # shellcheck disable=SC2086
  timeout 120 "$DKATA" check --json --model "$model" $files >>"$t/got" 2>"$t/err.$model"
  rc=$?
  [ "$rc" -le 1 ] || { echo "not ok porcupine $model run exited $rc"; sed 's/^/# /' "$t/err.$model" | head -5; }
done
n=0
while IFS=$'\t' read -r file model expect; do
  n=$((n + 1))
  want="not linearizable"; [ "$expect" = true ] && want="linearizable"
  line=$(grep -F "\"file\":\"$data/$file\"" "$t/got")
  got=$(sed -nE 's/.*"verdict":"([^"]*)".*/\1/p' <<<"$line")
  if [ "$got" = "$want" ]; then echo "ok porcupine $file ($model): $got"
  else echo "not ok porcupine $file ($model): got '${got:-nothing}', expected '$want'"; fi
done <"$t/expected"
[ "$n" = 108 ] && echo "ok porcupine all 108 histories listed" || echo "not ok porcupine: $n histories listed, expected 108"
