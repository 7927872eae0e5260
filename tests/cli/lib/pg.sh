# A throwaway PostgreSQL 15 for the payments tests (sourced): pg_start, pg_stop. Runs as the postgres OS
# user when we are root, in a temporary folder that user owns, on a free loopback port, fsync off.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=""
PG_AS=()

pg_free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 9<>/dev/tcp/127.0.0.1/"$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

# pg_start: sets PG_PORT and PG_CONNINFO; returns non-zero (with a reason on stdout as '#') on failure.
pg_start() {
  [ -x "$PG_BIN/initdb" ] || { echo "# no PostgreSQL at $PG_BIN (scripts/install-deps installs it)"; return 1; }
  PG_DIR=$(mktemp -d /tmp/dkata-pg-XXXXXX)
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$PG_DIR"; PG_AS=(runuser -u postgres --); fi
  PG_PORT=$(pg_free_port) || return 1
  "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >"$PG_DIR/initdb.log" 2>&1 ||
    { echo "# initdb failed: $(tail -2 "$PG_DIR/initdb.log")"; return 1; }
  pg_up || return 1
  PG_CONNINFO="host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres connect_timeout=5"
}

# pg_up / pg_down: start and stop the server of the cluster pg_start made (to make the store unavailable).
pg_up() {
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60" start >/dev/null ||
    { echo "# pg_ctl start failed: $(tail -2 "$PG_DIR/server.log")"; return 1; }
}
pg_down() {
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1
}

pg_stop() {
  [ -n "$PG_DIR" ] || return 0
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$PG_DIR"
  PG_DIR=""
}
