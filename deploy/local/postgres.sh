#!/usr/bin/env bash
# Private PostgreSQL cluster from the Debian package: start | status | stop.
# It listens on 127.0.0.1 only. Its files (data/, the socket and server.log) live in
# $JIANDU_LOCAL_DIR/postgres when the server's user can reach that folder; otherwise (run as root
# from a private folder such as a 0700 home or a `mktemp -d` folder, where the 'postgres' user
# cannot enter, or a path too long for a Unix socket) they go to a fresh private folder under
# the system's temporary folder, named in $JIANDU_LOCAL_DIR/postgres/elsewhere, which `stop`
# removes. Env: JIANDU_POSTGRES_PORT (55432), JIANDU_POSTGRES_DB (jiandu_test),
# JIANDU_POSTGRES_BIN (the newest /usr/lib/postgresql/*/bin).
SERVER_NAME=postgres
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${JIANDU_POSTGRES_PORT:-55432}"
DB="${JIANDU_POSTGRES_DB:-jiandu_test}"
DIR="$JIANDU_LOCAL_DIR/postgres"
POINTER="$DIR/elsewhere"   # names the folder outside $DIR that holds the server's files
SOCKET_MAX=100             # bytes of a Unix socket path (the kernel's limit is 107)

pg_bin() {
  local dir
  if [ -n "${JIANDU_POSTGRES_BIN:-}" ]; then echo "$JIANDU_POSTGRES_BIN"; return; fi
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] || die "PostgreSQL server binaries not found: apt-get install -y postgresql (or set JIANDU_POSTGRES_BIN)"
  echo "$dir"
}

# PostgreSQL refuses to run as root: as root, run it as the 'postgres' system user (from /, as
# the current folder may be one it cannot enter).
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' user (apt-get install -y postgresql)"
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# reachable FOLDER: the server's user can create files in FOLDER and a socket path fits in it.
reachable() {
  local socket="$1/data/.s.PGSQL.$PORT"
  [ "${#socket}" -le "$SOCKET_MAX" ] || return 1
  as_owner test -w "$1" -a -x "$1" 2>/dev/null
}

# ours_elsewhere FOLDER: FOLDER looks like one this script made (so `stop` may delete it).
ours_elsewhere() { [[ "$1" == /*/jiandu-postgres.* && -d "$1" && ! -L "$1" ]]; }

# home: the folder that holds (or will hold) the server's files; sets HOME_DIR. An existing
# cluster stays where it is; a new one goes to $DIR if reachable, else to a temporary folder.
home() {
  if [ -f "$DIR/data/PG_VERSION" ]; then HOME_DIR=$DIR; return 0; fi
  if [ -f "$POINTER" ]; then
    HOME_DIR=$(cat "$POINTER")
    if ours_elsewhere "$HOME_DIR"; then return 0; fi
    say "forgetting $HOME_DIR (named in $POINTER, but gone)"
    rm -f "$POINTER"
  fi
  HOME_DIR=$DIR
}

# settle: before the first start, choose where the files go and make that folder the owner's.
settle() {
  mkdir -p "$DIR"
  home
  [ "$HOME_DIR" = "$DIR" ] || return 0
  [ "$(id -u)" = 0 ] && chown postgres: "$DIR"
  reachable "$DIR" && return 0
  local base
  for base in "${TMPDIR:-/tmp}" /tmp /var/tmp; do
    [ -d "$base" ] || continue
    HOME_DIR=$(mktemp -d "$base/jiandu-postgres.XXXXXX") || continue
    [ "$(id -u)" = 0 ] && chown postgres: "$HOME_DIR"
    if reachable "$HOME_DIR"; then
      echo "$HOME_DIR" >"$POINTER"
      say "the server's user cannot reach $DIR (a private parent folder, or a socket path too long);" \
        "its files go to $HOME_DIR, which '$0 stop' removes"
      return 0
    fi
    rm -rf "$HOME_DIR"
  done
  die "no folder found that the server's user can reach ($DIR, ${TMPDIR:-/tmp}, /tmp, /var/tmp)"
}

answering() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; }

url() { echo "postgresql://postgres@127.0.0.1:$PORT/$DB"; }

start() {
  BIN=$(pg_bin)
  home
  if pid_alive "$HOME_DIR/data/postmaster.pid.copy" && answering; then
    say "already running on 127.0.0.1:$PORT"
    url | sed 's/^/JIANDU_TEST_POSTGRES_URL=/'
    return 0
  fi
  local t0=$SECONDS
  settle
  local data="$HOME_DIR/data"
  if [ ! -f "$data/PG_VERSION" ]; then
    say "initialising a private cluster in $data"
    as_owner "$BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
      || { tail -n 20 "$DIR/initdb.log" >&2; die "initdb failed"; }
  fi
  as_owner "$BIN/pg_ctl" -D "$data" -l "$HOME_DIR/server.log" -w -t 60 \
    -o "-p $PORT -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
    || { tail -n 20 "$HOME_DIR/server.log" >&2; die "pg_ctl start failed (is port $PORT taken?)"; }
  head -n 1 "$data/postmaster.pid" >"$data/postmaster.pid.copy"
  wait_until 30 "answering" answering || die "server started but does not answer on port $PORT"
  "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1 \
    || "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
  say "started in $((SECONDS - t0)) s on 127.0.0.1:$PORT, rss $(rss_mb "$(cat "$data/postmaster.pid.copy")") MB (postmaster)"
  url | sed 's/^/JIANDU_TEST_POSTGRES_URL=/'
}

status() {
  BIN=$(pg_bin)
  home
  if [ -f "$HOME_DIR/data/PG_VERSION" ] && answering; then
    say "running on 127.0.0.1:$PORT (files in $HOME_DIR)"; return 0
  fi
  say "not running"; return 1
}

stop() {
  BIN=$(pg_bin)
  home
  if [ -f "$HOME_DIR/data/postmaster.pid" ]; then
    as_owner "$BIN/pg_ctl" -D "$HOME_DIR/data" -m fast -w -t 60 stop >/dev/null || true
  fi
  stop_pid "$HOME_DIR/data/postmaster.pid.copy" postgres
  if [ "$HOME_DIR" != "$DIR" ] && ours_elsewhere "$HOME_DIR"; then
    rm -rf "$HOME_DIR" "$POINTER"
    say "removed $HOME_DIR"
  fi
}

case "${1:-}" in
  start) start ;;
  status) status ;;
  stop) stop ;;
  *) echo "usage: $0 start|status|stop" >&2; exit 2 ;;
esac
