#!/usr/bin/env bash
# The local test stack: start | status | stop [postgres kafka search] (default: all three).
# `start` starts the named servers in parallel, waits for all, fails if any fails, and writes their
# JIANDU_TEST_* lines to $JIANDU_LOCAL_DIR/stack.env (also printed on stdout). Each server's
# progress goes to stderr prefixed with its name, and is kept in $JIANDU_LOCAL_DIR/<name>.start.log.
SERVER_NAME=stack
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HERE="$JIANDU_ROOT/deploy/local"
ENV_FILE="$JIANDU_LOCAL_DIR/stack.env"
ALL=(postgres kafka search)

usage() { echo "usage: $0 start|status|stop [${ALL[*]}]" >&2; exit 2; }

# check_names NAME...: every name is a known server whose script exists.
check_names() {
  local name
  check_known "$@"
  for name in "$@"; do
    [ -f "$HERE/$name.sh" ] || die "deploy/local/$name.sh does not exist yet; cannot manage $name"
  done
}

check_known() {
  local name
  for name in "$@"; do
    [[ " ${ALL[*]} " == *" $name "* ]] || die "unknown server '$name' (known: ${ALL[*]})"
  done
}

# run_each ACTION NAME...: run `NAME.sh ACTION` for every name at once, stdout to NAME.out and
# stderr prefixed on ours (and kept in NAME.ACTION.log); the names that failed go to $FAILED.
run_each() {
  local action=$1 name; shift
  local -A pids=()
  for name in "$@"; do
    (
      bash "$HERE/$name.sh" "$action" 2>&1 >"$JIANDU_LOCAL_DIR/$name.out" \
        | tee "$JIANDU_LOCAL_DIR/$name.$action.log" | sed -u "/^\[[0-9:]* $name\] /!s/^/[$name] /" >&2
    ) &
    pids[$name]=$!
  done
  FAILED=()
  for name in "$@"; do
    wait "${pids[$name]}" || FAILED+=("$name")
  done
}

start() {
  local t0=$SECONDS name line lines=()
  say "starting ${*} in parallel"
  run_each start "$@"
  for name in "$@"; do
    [[ " ${FAILED[*]} " == *" $name "* ]] && continue
    line=$(grep -E '^JIANDU_TEST_[A-Z_]+=' "$JIANDU_LOCAL_DIR/$name.out" || true)
    if [ "$(printf '%s' "$line" | grep -c '^')" != 1 ]; then
      say "$name.sh start did not print exactly one JIANDU_TEST_* line"
      FAILED+=("$name")
    else
      lines+=("$line")
    fi
  done
  if [ ${#FAILED[@]} -gt 0 ]; then
    rm -f "$ENV_FILE"
    die "failed to start: ${FAILED[*]} (logs: $JIANDU_LOCAL_DIR/<name>.start.log); stop the rest with: $0 stop"
  fi
  # %q keeps the file safe to source even if a value holds shell characters (& ? ;).
  : >"$ENV_FILE.tmp"
  for line in "${lines[@]}"; do
    printf '%s=%q\n' "${line%%=*}" "${line#*=}" >>"$ENV_FILE.tmp"
  done
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  say "started ${*} in $((SECONDS - t0)) s; wrote $ENV_FILE"
  cat "$ENV_FILE"
}

status() {
  run_each status "$@"
  [ ${#FAILED[@]} -eq 0 ] || { say "not running: ${FAILED[*]}"; return 1; }
  say "running: ${*}"
}

stop() {
  run_each stop "$@"
  rm -f "$ENV_FILE"
  [ ${#FAILED[@]} -eq 0 ] || die "failed to stop: ${FAILED[*]}"
}

# existing NAME...: the names whose script exists (a server without one cannot be running).
existing() {
  local name
  for name in "$@"; do
    if [ -f "$HERE/$name.sh" ]; then echo "$name"; else say "no deploy/local/$name.sh; skipping $name"; fi
  done
}

action=${1:-}; shift || true
[ $# -gt 0 ] || set -- "${ALL[@]}"
case "$action" in
  start | status) check_names "$@"; "$action" "$@" ;;
  stop) check_known "$@"; mapfile -t names < <(existing "$@"); [ ${#names[@]} -eq 0 ] || stop "${names[@]}" ;;
  *) usage ;;
esac
