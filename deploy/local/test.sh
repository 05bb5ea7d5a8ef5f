#!/usr/bin/env bash
# The whole suite (what `make test` runs): install into .venv, check prerequisites, lint, format,
# types, import contracts, then pytest over unit, integration and e2e against the local stack.
# The servers this run started are stopped at the end, pass or fail; exit status 1 on any failure.
# JIANDU_STACK limits the servers started (default: "postgres kafka search").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

PYTHON=${PYTHON:-python3}
BIN=.venv/bin
STACK=${JIANDU_STACK:-postgres kafka search}
LOCAL_DIR=${JIANDU_LOCAL_DIR:-.local-stack}
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

SUMMARY=()
FAILURES=0
STARTED=()

# phase NAME CMD...: run CMD, print a timing line, record the outcome; never aborts the script.
phase() {
  local name=$1 t0=$SECONDS status=0; shift
  echo "==> $name"
  "$@" || status=$?
  local line
  line=$(printf '%-16s %-6s %4d s' "$name" "$([ $status = 0 ] && echo ok || echo FAILED)" $((SECONDS - t0)))
  echo "<== $line"
  SUMMARY+=("$line")
  [ $status = 0 ] || FAILURES=$((FAILURES + 1))
  return $status
}

install() {
  [ -x "$BIN/python" ] || "$PYTHON" -m venv .venv || return 1
  "$BIN/pip" install -q -e '.[dev]'
}

# start_stack: start the servers that are not running yet (those are stopped at the end).
start_stack() {
  local name
  for name in $STACK; do
    if bash "deploy/local/$name.sh" status >/dev/null 2>&1; then
      echo "$name is already running; it is reused and left running"
    else
      STARTED+=("$name")
    fi
  done
  bash deploy/local/stack.sh start $STACK
}

run_pytest() {
  set -a
  # shellcheck disable=SC1091
  . "$LOCAL_DIR/stack.env" || return 1
  set +a
  "$BIN/pytest" -v --durations=20
}

finish() {
  local status=$?
  if [ ${#STARTED[@]} -gt 0 ]; then
    phase "stack stop" bash deploy/local/stack.sh stop "${STARTED[@]}" || true
  fi
  echo "== summary"
  printf '   %s\n' "${SUMMARY[@]}"
  if [ $FAILURES -gt 0 ] || [ $status != 0 ]; then
    echo "== make test FAILED"
    exit 1
  fi
  echo "== make test passed"
}
trap finish EXIT
trap 'exit 130' INT TERM

phase install install || exit 1
phase prereqs bash deploy/local/prereqs.sh || exit 1
phase "ruff check" "$BIN/ruff" check . || true
phase "ruff format" "$BIN/ruff" format --check . || true
phase mypy "$BIN/mypy" || true
phase lint-imports "$BIN/lint-imports" || true
if phase "stack start" start_stack; then
  phase pytest run_pytest || true
fi
