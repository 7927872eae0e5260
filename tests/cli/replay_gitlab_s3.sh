#!/usr/bin/env bash
# dkata replay gitlab-2017 and s3-2017: each reproduces its postmortem (exit 0), as-was fails naming the check,
# the prevention holds, the knobs move the outcome, bad input is a usage error, the same seed gives the same
# output, both are journaled, and the postmortem worksheet takes a replay name.
set -u
. "$(dirname "$0")/lib.inc"
export XDG_DATA_HOME="$TMP/data"; unset DKATA_JOURNAL DKATA_NO_JOURNAL
expect_exit 0 "list" "$DKATA" replay
expect_grep "list names gitlab-2017" "gitlab-2017 +GitLab.com, 31 January 2017" "$TMP/out"
expect_grep "list names s3-2017" "s3-2017 +Amazon S3 us-east-1, 28 February 2017" "$TMP/out"

# gitlab-2017
expect_exit 0 "gitlab-2017 reproduces the postmortem" "$DKATA" replay gitlab-2017
expect_grep "gitlab public timeline" "^~23:27     that removal is run on db1" "$TMP/out"
expect_grep "gitlab as-was loses hours" "^  as-was .* LVM snapshot .*LOST HOURS" "$TMP/out"
expect_grep "gitlab slot alone still loses hours" "^  slot .* db2 promoted .*LOST HOURS" "$TMP/out"
expect_grep "gitlab slot-pitr within rpo" "^  slot-pitr .* db2 \+ WAL archive .*within rpo" "$TMP/out"
expect_grep "gitlab verdict" "verdict: the replay reproduces the postmortem" "$TMP/out"
expect_exit 1 "gitlab --config as-was is a violation" "$DKATA" replay gitlab-2017 --config as-was
expect_grep "names lost writes" "FAILED acked-writes-within-rpo .* acknowledged writes lost, the oldest 6h0" "$TMP/out"
expect_grep "names the standby" "FAILED replica-promotable .* emptied for a re-seed" "$TMP/out"
expect_grep "names the empty dump" "FAILED backups-restore +pg_dump of 17:30:00 holds 0 of" "$TMP/out"
expect_exit 1 "gitlab --config slot still loses hours" "$DKATA" replay gitlab-2017 --config slot
expect_grep "slot keeps the standby" "ok     replica-promotable" "$TMP/out"
expect_exit 0 "gitlab --config slot-pitr holds" "$DKATA" replay gitlab-2017 --config slot-pitr
expect_grep "slot-pitr loses at most the archive interval" "ok     acked-writes-within-rpo .* the oldest 0h0[01]m" "$TMP/out"
# a bigger WAL window: the standby never falls off, but the spike leaves it hours behind and pg_dump is still empty
expect_exit 1 "gitlab wal_keep=100000: no fall-off, still a violation" "$DKATA" replay gitlab-2017 --config as-was --param wal_keep=100000
expect_grep "standby streamed" "ok     replica-promotable" "$TMP/out"
# a one-second archive interval: the prevention loses about a second of writes
expect_exit 0 "gitlab archive_timeout=1s" "$DKATA" replay gitlab-2017 --config slot-pitr --param archive_timeout=1s
expect_grep "about a second" "the oldest 0h00m0[0-2]s" "$TMP/out"
expect_exit 0 "gitlab --params" "$DKATA" replay gitlab-2017 --params
expect_grep "params list wal_keep" "wal_keep .*20000" "$TMP/out"
expect_exit 2 "gitlab bad clock" "$DKATA" replay gitlab-2017 --param delete_at=25:00
expect_grep "names the clock" "bad value '25:00' for parameter 'delete_at': expected a clock time HH:MM" "$TMP/err"
expect_exit 2 "gitlab deletion before the spike" "$DKATA" replay gitlab-2017 --param delete_at=18:00
expect_exit 2 "gitlab bad config" "$DKATA" replay gitlab-2017 --config maybe
expect_exit 2 "gitlab bad int" "$DKATA" replay gitlab-2017 --param spike=0
expect_exit 2 "near name" "$DKATA" replay gitlab-2018
expect_grep "suggests gitlab-2017" "did you mean 'gitlab-2017'" "$TMP/err"

# s3-2017
expect_exit 0 "s3-2017 reproduces the postmortem" "$DKATA" replay s3-2017
expect_grep "s3 public timeline" "^09:37 PST  following an established playbook" "$TMP/out"
expect_grep "s3 as-was unavailable" "^  as-was .* UNAVAILABLE" "$TMP/out"
expect_grep "s3 slow alone unavailable" "^  slow .* UNAVAILABLE" "$TMP/out"
expect_grep "s3 guarded available" "^  guarded +10 +1 +0 +0 .* available" "$TMP/out"
expect_exit 1 "s3 --config as-was is a violation" "$DKATA" replay s3-2017 --config as-was
expect_grep "names failed requests" "FAILED requests-served +[0-9]+ of [0-9]+ GET failed \(unavailable 2h" "$TMP/out"
expect_grep "names the minimum" "FAILED capacity-above-minimum +index fell to 0 of 24 hosts \(minimum 16\)" "$TMP/out"
expect_grep "PUT waits for placement" "index: 16 of 24 hosts verified: serving again" "$TMP/out"
expect_exit 0 "s3 --config guarded holds" "$DKATA" replay s3-2017 --config guarded
expect_grep "guarded refuses" "tool refuses host 12: index would keep 15 hosts" "$TMP/out"
expect_exit 1 "s3 --config slow breaks" "$DKATA" replay s3-2017 --config slow
# restart time grows with the state: half the index state, a shorter GET outage
"$DKATA" replay s3-2017 --config as-was --param index_state_gb=300 >"$TMP/half" 2>&1
expect_grep "less state, shorter restart" "GET failed \(unavailable 1h" "$TMP/half"
# a typo that stays within the minimums: nothing to reproduce
expect_exit 1 "s3 entered=10: no outage to reproduce" "$DKATA" replay s3-2017 --param entered=10
expect_grep "says so" "does NOT reproduce" "$TMP/out"
expect_exit 0 "s3 --params" "$DKATA" replay s3-2017 --params
expect_grep "params list index_min" "index_min .*16" "$TMP/out"
expect_exit 2 "s3 minimum above hosts" "$DKATA" replay s3-2017 --param index_min=30
expect_exit 2 "s3 bad clock" "$DKATA" replay s3-2017 --param cmd_at=9:37
expect_exit 2 "s3 bad share" "$DKATA" replay s3-2017 --param put_share=2
expect_exit 2 "s3 unknown param" "$DKATA" replay s3-2017 --param nope=1

# determinism: the same seed twice, byte for byte; another seed differs
for r in gitlab-2017 s3-2017; do
  "$DKATA" replay "$r" --seed 7 >"$TMP/a" 2>&1; "$DKATA" replay "$r" --seed 7 >"$TMP/b" 2>&1
  "$DKATA" replay "$r" --seed 8 >"$TMP/c" 2>&1
  if cmp -s "$TMP/a" "$TMP/b"; then echo "ok $r same seed same output"; else echo "not ok $r same seed same output"; fi
  if ! cmp -s "$TMP/a" "$TMP/c"; then echo "ok $r seed matters"; else echo "not ok $r seed matters"; fi
done

expect_exit 0 "postmortem worksheet about a replay" "$DKATA" worksheet postmortem --about gitlab-2017
expect_grep "worksheet title" "^# Postmortem analysis: gitlab-2017" "$TMP/out"
expect_grep "worksheet points to the replays" "dkata replay gitlab-2017" "$TMP/out"
for r in gitlab-2017 s3-2017; do
  n=$(sqlite3 "$XDG_DATA_HOME/dkata/journal.db" "SELECT count(*) FROM entries WHERE kind='replay' AND name='$r'")
  if [ "$n" -ge 5 ]; then echo "ok $r replays logged"; else echo "not ok $r replays logged ($n)"; fi
done
