"""Run a benchmark of ``bench/`` as its docs say (``python -m bench.NAME ...``), at a tiny size.

The benchmarks are not type-checked and not part of the package, so a rename elsewhere can break
one silently; the smoke tests run each one end to end on a few hundred events. They assert what
a run must produce (every phase saw the same events, every request answered), never a timing,
and that a run leaves nothing in the temporary folder (its own, given as ``TMPDIR``): scratch
stores, read models and copies are removed when a benchmark ends.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
TIMEOUT_S = 900  # a generous bound on a busy machine; no assertion is made on the time


def modules() -> list[str]:
    """The module names of ``bench/``."""
    return sorted(p.stem for p in BENCH.glob("*.py") if p.stem != "__init__")


def run(
    module: str, *args: str, cwd: Path, env: dict[str, str] | None = None, fails: bool = False
) -> str:
    """``python -m bench.<module> args`` in ``cwd`` (its default files land there); its output
    (with ``fails``, it must exit with an error: its output and errors). ``env`` entries replace
    the inherited ones (an empty value removes the variable). The run has a temporary folder of
    its own, which must be empty when it ends, however it ends."""
    temporary = scratch_in(cwd)
    done = subprocess.run(
        command(module, *args),
        cwd=cwd,
        env=environment(temporary, env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if fails:
        assert done.returncode != 0, f"bench.{module} did not fail\n{done.stdout[-4000:]}"
        assert_empty(temporary)
        return done.stdout + done.stderr
    assert done.returncode == 0, (
        f"bench.{module} exited {done.returncode}\n--- stdout\n{done.stdout[-4000:]}"
        f"\n--- stderr\n{done.stderr[-4000:]}"
    )
    assert_empty(temporary)
    return done.stdout


def interrupted(
    module: str,
    *args: str,
    cwd: Path,
    after: str,
    env: dict[str, str] | None = None,
    stop: int = signal.SIGINT,
) -> int:
    """Run the benchmark as ``run`` does until a line of its output or errors (its phases'
    processes' too) starts with ``after``, then press Ctrl-C (SIGINT to its whole process
    group, as a terminal does) or send another ``stop`` so (SIGTERM: as ``timeout`` does); its
    exit status. The temporary folder must be empty after it."""
    temporary = scratch_in(cwd)
    process = subprocess.Popen(
        command(module, *args),
        cwd=cwd,
        env=environment(temporary, env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
        preexec_fn=_as_a_terminal_job,
    )
    try:
        assert process.stdout is not None
        seen = []
        for line in process.stdout:
            seen.append(line)
            if line.startswith(after):
                os.killpg(process.pid, stop)
                break
        else:
            raise AssertionError(f"no line starting {after!r} in:\n{''.join(seen)}")
        process.communicate(timeout=TIMEOUT_S)
        status = process.returncode
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert_empty(temporary)
    return status


def _as_a_terminal_job() -> None:
    """Ctrl-C reaches the benchmark as it would in a terminal's foreground job, however the
    test suite was started: a shell running it in the background (``cmd &`` without job
    control) has it ignore SIGINT, a disposition its children inherit, and the benchmark would
    then run on to a normal end."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def command(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", f"bench.{module}", *args]


def scratch_in(cwd: Path) -> Path:
    """A fresh folder to be a run's temporary folder."""
    folder = cwd / "temporary"
    folder.mkdir()
    return folder


def environment(temporary: Path, env: dict[str, str] | None) -> dict[str, str]:
    """This process's environment, the repository importable, ``temporary`` as the temporary
    folder (``tempfile`` in the benchmark's processes reads ``TMPDIR``), then ``env``."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(temporary)}
    for name, value in (env or {}).items():
        if value:
            environment[name] = value
        else:
            environment.pop(name, None)
    return environment


def assert_empty(temporary: Path) -> None:
    left = sorted(str(p.relative_to(temporary)) for p in temporary.rglob("*"))
    assert not left, f"left in the temporary folder: {left}"


def counts(output: str, pattern: str) -> dict[str, int]:
    """``{name: count}`` of every line matching ``pattern`` (groups: name, count with commas)."""
    return {m[1].strip(): int(m[2].replace(",", "")) for m in re.finditer(pattern, output, re.M)}
