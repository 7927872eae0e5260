#!/usr/bin/env bash
# The Patroni + etcd drill: kill the leader, a replica takes the etcd lock and is promoted, the old
# primary comes back through pg_rewind as a replica and refuses a write. It takes ~45 s, so it runs in
# the normal build's pass only (the ASan pass runs the drills that exercise the same C code harder).
set -u
. "$(dirname "$0")/lib/pg.bash"
case "$DKATA" in */asan/*) echo "# skipped under ASan (normal build only)"; finish;; esac
P=$(free_port_base 25400 22)
D=$LAB_TMP/pa
js=$("$DKATA" lab pg failover --orchestrator patroni --dir "$D" --port-base "$P" --json 2>"$LAB_TMP/err"); rc=$?
check "patroni: exit 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/# /' "$LAB_TMP/err"
s() { jq -r ".summary.$1" <<<"$js"; }
check "patroni: a new leader" [ -n "$(s new_leader)" -a "$(s new_leader)" != "$(s old_leader)" ]
check "patroni: the lock expired within ~ttl" awk -v t="$(s lock_gone_ms)" 'BEGIN { exit !(t > 0 && t < 8000) }'
check "patroni: the new leader took writes" awk -v t="$(s writable_ms)" 'BEGIN { exit !(t > 0) }'
check "patroni: the old primary rejoined with pg_rewind" [ "$(s rejoined_with_pg_rewind)" = true ]
check "patroni: the old primary accepted no write" [ "$(s old_primary_writes_accepted)" = 0 ]
check "patroni: it was asked at least once" [ "$(s old_primary_write_attempts)" -ge 1 ]
check "patroni: and said read-only" grep -q "read-only transaction" <<<"$(s old_primary_write_error)"
check "patroni: lab removed" [ ! -e "$D" -a -z "$(live_procs "$D")" ]
check "patroni: no etcd or patroni left" [ -z "$(pgrep -f "$D/" | tr '\n' ' ')" ]
finish
