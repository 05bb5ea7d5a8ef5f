"""The embedded mode's lease: an exclusive flock, freed when its process ends."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from consumers.lease import FileLease, acquire, lock_key


def test_one_holder_at_a_time_and_release_lets_the_next_in(tmp_path: Path) -> None:
    first, second = FileLease(tmp_path / "r.lock", "relay"), FileLease(tmp_path / "r.lock", "relay")
    assert first.try_acquire() and first.held()
    assert not second.try_acquire() and not second.held()
    first.release()
    assert not first.held()
    assert second.try_acquire()
    second.release()


def test_a_lease_held_by_a_process_is_freed_when_the_process_dies(tmp_path: Path) -> None:
    path = tmp_path / "r.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, pathlib; from consumers.lease import FileLease;"
         "lease = FileLease(pathlib.Path(sys.argv[1]), 'relay'); assert lease.try_acquire();"
         "print('held', flush=True); sys.stdin.read()", str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        lease = FileLease(path, "relay")
        assert not lease.try_acquire()
        holder.kill()
        holder.wait(timeout=30)
        assert lease.try_acquire()  # the kernel dropped the dead process's lock
        lease.release()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_a_standby_gives_up_waiting_when_told_to_stop(tmp_path: Path) -> None:
    holder, standby = FileLease(tmp_path / "l", "x"), FileLease(tmp_path / "l", "x")
    assert holder.try_acquire()
    stop = threading.Event()
    stop.set()
    assert acquire(standby, stop, retry_s=0.01) is False
    holder.release()
    assert acquire(standby, threading.Event(), retry_s=0.01) is True
    standby.release()


def test_lock_keys_are_signed_64_bit_and_differ_by_name() -> None:
    keys = {lock_key(f"jiandu public relay t{i}") for i in range(100)}
    assert len(keys) == 100
    assert all(-(2**63) <= key < 2**63 for key in keys)
