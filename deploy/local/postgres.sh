#!/usr/bin/env bash
# Private PostgreSQL cluster from the Debian package: start | status | stop.
# Data, socket and log live under $JIANDU_LOCAL_DIR/postgres; it listens on 127.0.0.1 only.
SERVER_NAME=postgres
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${JIANDU_POSTGRES_PORT:-55432}"
DB="${JIANDU_POSTGRES_DB:-jiandu_test}"
DIR="$JIANDU_LOCAL_DIR/postgres"

pg_bin() {
  local dir
  if [ -n "${JIANDU_POSTGRES_BIN:-}" ]; then echo "$JIANDU_POSTGRES_BIN"; return; fi
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] || die "PostgreSQL server binaries not found: apt-get install -y postgresql (or set JIANDU_POSTGRES_BIN)"
  echo "$dir"
}

# PostgreSQL refuses to run as root: as root, run it as the 'postgres' system user, which then
# must be able to reach the data folder.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' user (apt-get install -y postgresql)"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

prepare_dir() {
  mkdir -p "$DIR"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$DIR"
    runuser -u postgres -- test -w "$DIR" \
      || die "user 'postgres' cannot reach $DIR (a parent folder is private); set JIANDU_LOCAL_DIR to a folder it can reach"
  fi
}

answering() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; }

url() { echo "postgresql://postgres@127.0.0.1:$PORT/$DB"; }

start() {
  BIN=$(pg_bin)
  if pid_alive "$DIR/data/postmaster.pid.copy" && answering; then
    say "already running on 127.0.0.1:$PORT"
    url | sed 's/^/JIANDU_TEST_POSTGRES_URL=/'
    return 0
  fi
  local t0=$SECONDS
  prepare_dir
  if [ ! -f "$DIR/data/PG_VERSION" ]; then
    say "initialising a private cluster in $DIR/data"
    as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
      || { tail -n 20 "$DIR/initdb.log" >&2; die "initdb failed"; }
  fi
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-p $PORT -k $DIR/data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
    || { tail -n 20 "$DIR/server.log" >&2; die "pg_ctl start failed (is port $PORT taken?)"; }
  head -n 1 "$DIR/data/postmaster.pid" >"$DIR/data/postmaster.pid.copy"
  wait_until 30 "answering" answering || die "server started but does not answer on port $PORT"
  "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1 \
    || "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
  say "started in $((SECONDS - t0)) s on 127.0.0.1:$PORT, rss $(rss_mb "$(cat "$DIR/data/postmaster.pid.copy")") MB (postmaster)"
  url | sed 's/^/JIANDU_TEST_POSTGRES_URL=/'
}

status() {
  BIN=$(pg_bin)
  if [ -f "$DIR/data/PG_VERSION" ] && answering; then say "running on 127.0.0.1:$PORT"; return 0; fi
  say "not running"; return 1
}

stop() {
  BIN=$(pg_bin)
  if [ -f "$DIR/data/postmaster.pid" ]; then
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w -t 60 stop >/dev/null || true
  fi
  stop_pid "$DIR/data/postmaster.pid.copy" postgres
}

case "${1:-}" in
  start) start ;;
  status) status ;;
  stop) stop ;;
  *) echo "usage: $0 start|status|stop" >&2; exit 2 ;;
esac
