# Shared helpers for the deploy/local/ start/status/stop scripts. Source it; do not run it.
# Layout: jars and downloads under $JIANDU_CACHE_DIR (kept between runs), data, logs and pid files
# under $JIANDU_LOCAL_DIR (one folder per server). Both folders are git-ignored.
set -euo pipefail

JIANDU_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JIANDU_LOCAL_DIR="${JIANDU_LOCAL_DIR:-$JIANDU_ROOT/.local-stack}"
JIANDU_CACHE_DIR="${JIANDU_CACHE_DIR:-$JIANDU_ROOT/.cache}"
mkdir -p "$JIANDU_LOCAL_DIR" "$JIANDU_CACHE_DIR"

say() { printf '[%s %s] %s\n' "$(date -u +%H:%M:%S)" "${SERVER_NAME:-stack}" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# need CMD HINT: fail fast with a clear message when a prerequisite is missing.
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed: $2"; }

# pid_alive FILE: the pid in FILE names a running process.
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# wait_until SECONDS DESCRIPTION CMD...: poll CMD once a second until it succeeds.
wait_until() {
  local limit=$1 what=$2; shift 2
  local i
  for ((i = 0; i < limit; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  return 1
}

# stop_pid FILE NAME: TERM the process, wait up to 30 s, then KILL; remove the pid file.
stop_pid() {
  local file=$1 name=$2 pid i
  if ! pid_alive "$file"; then rm -f "$file"; say "$name is not running"; return 0; fi
  pid=$(cat "$file")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name did not stop in 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
  say "$name stopped"
}

# rss_mb PID: resident memory of a process in MB (for the start-up report).
rss_mb() { awk '/VmRSS/ {printf "%d", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }
