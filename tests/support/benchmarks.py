"""Run a benchmark of ``bench/`` as its docs say (``python -m bench.NAME ...``), at a tiny size.

The benchmarks are not type-checked and not part of the package, so a rename elsewhere can break
one silently; the smoke tests run each one end to end on a few hundred events. They assert what
a run must produce (every phase saw the same events, every request answered), never a timing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
TIMEOUT_S = 900  # a generous bound on a busy machine; no assertion is made on the time


def modules() -> list[str]:
    """The module names of ``bench/``."""
    return sorted(p.stem for p in BENCH.glob("*.py") if p.stem != "__init__")


def run(module: str, *args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    """``python -m bench.<module> args`` in ``cwd`` (its default files land there); its output.
    ``env`` entries replace the inherited ones (an empty value removes the variable)."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name, value in (env or {}).items():
        if value:
            environment[name] = value
        else:
            environment.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 0, (
        f"bench.{module} exited {done.returncode}\n--- stdout\n{done.stdout[-4000:]}"
        f"\n--- stderr\n{done.stderr[-4000:]}"
    )
    return done.stdout


def counts(output: str, pattern: str) -> dict[str, int]:
    """``{name: count}`` of every line matching ``pattern`` (groups: name, count with commas)."""
    return {m[1].strip(): int(m[2].replace(",", "")) for m in re.finditer(pattern, output, re.M)}
