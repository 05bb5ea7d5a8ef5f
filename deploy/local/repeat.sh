#!/usr/bin/env bash
# Run one test (or any pytest selection) N times in a row and count the passes, optionally with
# every core kept busy by a CPU burner: how a race that shows once in a while is shown gone.
#
#   deploy/local/repeat.sh [--load] N PYTEST_ARGS...
#   deploy/local/repeat.sh --load 50 \
#     "tests/integration/test_projection_contract.py::TestSQLiteProjections::test_reads_keep_answering_during_a_rebuild"
#
# Prints one line per run and a summary ("passed 50 of 50"); exits non-zero if any run failed.
# The logs of failed runs are kept under ${TMPDIR:-/tmp}/jiandu-repeat.*.
set -euo pipefail

load=0
if [[ "${1:-}" == "--load" ]]; then
  load=1
  shift
fi
runs="${1:?usage: repeat.sh [--load] N PYTEST_ARGS...}"
shift
[[ $# -gt 0 ]] || { echo "repeat.sh: name the tests to run" >&2; exit 2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
logs="$(mktemp -d "${TMPDIR:-/tmp}/jiandu-repeat.XXXXXX")"
burners=()

stop_burners() {
  for pid in "${burners[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap stop_burners EXIT

if ((load)); then
  for _ in $(seq "$(nproc)"); do
    "$python" -c "while True: pass" &
    burners+=("$!")
  done
  echo "repeat.sh: $(nproc) CPU burners running" >&2
fi

passed=0
for run in $(seq "$runs"); do
  log="$logs/run-$run.log"
  if (cd "$root" && "$python" -m pytest -q -p no:randomly -p no:cacheprovider "$@") >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "run $run: passed"
    rm -f "$log"
  else
    echo "run $run: FAILED (log: $log)"
  fi
done
echo "passed $passed of $runs"
[[ "$passed" -eq "$runs" ]]
