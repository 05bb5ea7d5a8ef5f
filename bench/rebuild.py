"""Benchmark: rebuild every projection from 1,000,000+ events on SQLite.

Prints events/s of the rebuild, its peak memory, and the ratio to the library's bare
read-and-decode rate of the same events, both measured in this run, each phase in its own
process so that peak memory is the phase's own.

    python -m bench.rebuild --events 1000000
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date

from api.vault import AesGcmVault
from bench.county import career, codes, register_units
from bench.scratch import stop_cleanly_on_sigterm
from domain.clock import FixedClock
from domain.importing import PersonnelBatch
from domain.services import Services
from domain.store import Store

EVENTS_PER_CADRE = 13


def env_for(path: str) -> dict[str, str]:
    """The store environment of a SQLite file."""
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}


def generate(path: str, events: int) -> None:
    """Import enough careers to reach ``events`` events."""
    services = Services.over(
        Store(env=env_for(path)), FixedClock.on(date(2026, 11, 26)), AesGcmVault.from_secret("b")
    )
    towns = register_units(services)
    rng = random.Random(11)
    units: dict[str, object] = {}
    all_codes = list(codes(events // EVENTS_PER_CADRE + 1))
    for i in range(0, len(all_codes), 200):
        batch = PersonnelBatch(services.personnel, units)  # type: ignore[arg-type]
        for code in all_codes[i : i + 200]:
            career(batch, rng, code, towns)
        batch.commit()


def phase_decode(path: str) -> dict[str, float]:
    """Bare library: read every notification and decode it."""
    store = Store(env=env_for(path))
    started, count, after = time.perf_counter(), 0, 0
    while True:
        batch = store.recorder.select_notifications(start=after + 1, limit=5000)
        if not batch:
            break
        for n in batch:
            store.mapper.to_domain_event(n)
        count += len(batch)
        after = batch[-1].id
    return {"events": count, "seconds": time.perf_counter() - started}


def phase_rebuild(path: str, scratch: str) -> dict[str, float]:
    """`jiandu projections rebuild`: every projection, beside the live views, then swapped in
    (the views in ``scratch``, a folder the caller removes)."""
    from projections.rebuild import rebuild
    from projections.registry import PROJECTIONS
    from projections.source import StoreSource
    from projections.sql import SqliteViews

    # The recorder the composition root configures (it reads the log as plain rows for a
    # rebuild in shares); the library's own reads and decodes the baseline.
    store = Store(
        env={**env_for(path), "PERSISTENCE_MODULE": "projections.recorders:SQLiteFactory"}
    )
    views = SqliteViews(
        os.path.join(tempfile.mkdtemp(prefix="views-", dir=scratch), "views.sqlite3")
    )
    started = time.perf_counter()
    position = rebuild(list(PROJECTIONS), StoreSource(store), views)
    return {"events": position, "seconds": time.perf_counter() - started}


class PeakMemory:
    """The highest resident memory of this process and its children together, sampled every
    0.1 s (a rebuild in shares runs a process beside this one; their peaks need not coincide).
    Linux only: elsewhere it reports 0."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while True:
            self.peak_kib = max(self.peak_kib, sum(_rss_kib(p) for p in _family(os.getpid())))
            if self._stop.wait(0.1):
                return


def _family(pid: int) -> list[int]:
    """A process and its descendants."""
    found = [pid]
    for children in glob.glob(f"/proc/{pid}/task/*/children"):
        with contextlib.suppress(OSError), open(children) as f:
            for child in f.read().split():
                found += _family(int(child))
    return found


def _rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def run_phase(name: str, path: str, scratch: str) -> dict[str, float]:
    """Run a phase in a child process (its files in ``scratch``, which this process removes);
    returns its figures and peak RSS in MB."""
    command = [sys.executable, "-m", "bench.rebuild", "--phase", name, "--store", path,
               "--scratch", scratch]  # fmt: skip
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--store", help="reuse (or create) this SQLite event store")
    parser.add_argument("--phase", choices=["decode", "rebuild"], help=argparse.SUPPRESS)
    parser.add_argument("--scratch", help=argparse.SUPPRESS)
    args = parser.parse_args()
    stop_cleanly_on_sigterm()
    # Every file this run makes (a generated store, read models) is in a temporary folder owned
    # by the process that runs the whole benchmark, removed when it ends however it ends; a
    # phase's process is handed that folder (run alone, it makes its own).
    with contextlib.ExitStack() as stack:
        scratch = args.scratch or stack.enter_context(
            tempfile.TemporaryDirectory(prefix="jiandu-bench-")
        )
        if args.phase:
            run_one(args.phase, args.store, scratch)
        else:
            run_all(args.store, args.events, scratch)


def run_one(name: str, path: str, scratch: str) -> None:
    """One phase in this process; prints its figures as JSON."""
    with PeakMemory() as memory:
        figures = phase_decode(path) if name == "decode" else phase_rebuild(path, scratch)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # A rebuild in shares runs a second process beside this one: its CPU time is counted,
    # and its peak added to this one's (an upper bound of the two together) besides the
    # sampled peak of both at once.
    apart = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures["peak_mb"] = max(memory.peak_kib, usage.ru_maxrss) / 1024
    figures["peaks_mb"] = (usage.ru_maxrss + apart.ru_maxrss) / 1024
    figures["main_cpu"] = usage.ru_utime + usage.ru_stime
    figures["cpu"] = figures["main_cpu"] + apart.ru_utime + apart.ru_stime
    print(json.dumps(figures))


def run_all(store: str | None, events: int, scratch: str) -> None:
    """Both phases, each in a process of its own, and their ratios."""
    path = store or os.path.join(scratch, "events.sqlite3")
    if not os.path.exists(path):
        started = time.perf_counter()
        generate(path, events)
        kept = "" if store else " (removed at the end: --store keeps one)"
        print(f"generated the store in {time.perf_counter() - started:.0f} s: {path}{kept}")
    decode = run_phase("decode", path, scratch)
    built = run_phase("rebuild", path, scratch)
    decode_rate = decode["events"] / decode["seconds"]
    rebuild_rate = built["events"] / built["seconds"]
    print(
        f"{'phase':8} {'events':>9} {'seconds':>8} {'events/s':>9} {'peak MB':>8} "
        f"{'(sum of peaks)':>14} {'CPU s':>7} {'main CPU s':>10}"
    )
    for name, f, rate in (("decode", decode, decode_rate), ("rebuild", built, rebuild_rate)):
        print(
            f"{name:8} {f['events']:9.0f} {f['seconds']:8.1f} {rate:9.0f} {f['peak_mb']:8.0f} "
            f"{f['peaks_mb']:14.0f} {f['cpu']:7.1f} {f['main_cpu']:10.1f}"
        )
    print(f"rebuild / bare read-and-decode: {rebuild_rate / decode_rate:.2f} (target ≥ 0.5)")
    # CPU time (start-up included) is steadier than wall time on a busy machine. A rebuild in
    # shares spends more CPU in all than in one process, and finishes with its main process
    # (the share beside it ends before): on idle processors its time is the main process's.
    print(f"  in CPU time, all processes:   {decode['cpu'] / built['cpu']:.2f}")
    print(f"  in CPU time, main process:    {decode['cpu'] / built['main_cpu']:.2f}")


if __name__ == "__main__":
    main()
