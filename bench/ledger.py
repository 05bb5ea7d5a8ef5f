"""Benchmark: the audit ledger over 1,000,000+ stored events (SQLite), against a bare pass.

In the same run, on the same store:
- bare: read every stored event (`select_notifications`, batches of 5,000) and hash its stored
  bytes with `hashlib.sha256` (the least any verifier of the stored bytes must do);
- integrate: append every event to a fresh ledger (leaves, tiles, entry bundles in a SQLite
  views file; checkpoints signed every 1,000 events);
- verify: `jiandu audit verify`'s ledger check of all of it (every leaf, tile and checkpoint);
each printed in events/s with its ratio to the bare pass (target >= 0.5). Then the import
benchmark (`bench.import_events`' careers) into a fresh store, alone and with an integrator
following the same store beside it (in another process, as `jiandu consume integrator` runs,
and in a thread of the importing process, as in `jiandu serve`): the import's loss.

    python -m bench.ledger --events 1000000 --store .cache/bench/events-1m.sqlite3
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import tempfile
import threading
import time
from typing import Any

from bench.import_events import fresh_store, run_jiandu
from bench.rebuild import env_for, generate
from bench.scratch import stop_cleanly_on_sigterm
from domain.store import Store
from projections.ledger.events import StoreLog
from projections.ledger.integrator import CheckpointPolicy, Integrator
from projections.ledger.keys import NoteSigner
from projections.ledger.storage import LedgerTables
from projections.ledger.verify import verify_ledger
from projections.sql import SqliteViews

BATCH = 5000


def bare_pass(store: Store) -> tuple[int, float]:
    """Read every stored event and hash its stored bytes."""
    started, count, after = time.perf_counter(), 0, 0
    sha256 = hashlib.sha256
    while batch := store.recorder.select_notifications(start=after + 1, limit=BATCH):
        for event in batch:
            sha256(event.state).digest()
        count += len(batch)
        after = batch[-1].id
    return count, time.perf_counter() - started


def integrate(store: Store, views_file: str, signer: NoteSigner) -> tuple[int, float]:
    """Append every event to a fresh ledger."""
    tables = LedgerTables(SqliteViews(views_file))
    integrator = Integrator(StoreLog(store), tables, signer, CheckpointPolicy(every=1000), BATCH)
    started = time.perf_counter()
    count = integrator.catch_up()
    integrator.sign_if_due(force=True)
    return count, time.perf_counter() - started


def verify(store: Store, views_file: str, signer: NoteSigner) -> tuple[int, float]:
    """Verify the whole ledger against the store."""
    tables = LedgerTables(SqliteViews(views_file))
    started = time.perf_counter()
    result = verify_ledger(StoreLog(store), tables, [signer.verifier], batch_size=BATCH)
    seconds = time.perf_counter() - started
    if not result.ok:
        raise SystemExit(f"verification failed: {result.first}")
    return result.checked, seconds


def follow(env: dict[str, str], views_file: str, stop: Any) -> None:
    """An integrator following a store until ``stop`` is set (a child process's target)."""
    store = Store(env=env)
    tables = LedgerTables(SqliteViews(views_file))
    signer = NoteSigner.generate("bench.jiandu.example/ledger")
    integrator = Integrator(StoreLog(store), tables, signer, CheckpointPolicy(), BATCH)
    while not stop.is_set():
        if not integrator.run_once():
            stop.wait(0.2)
    integrator.catch_up()


def imports(cadres: int, batch: int, rounds: int) -> dict[str, float]:
    """Import rates alone, with an integrator process beside, with an integrator thread: the
    best of ``rounds`` runs of each, taken in turns (so that other load on the machine falls
    on every mode alike)."""
    rates: dict[str, float] = {}
    for mode in ("alone", "process", "thread") * rounds:
        with (
            fresh_store("sqlite", None) as env,
            tempfile.TemporaryDirectory(prefix="jiandu-ledger-") as folder,
        ):
            import_once(mode, env, os.path.join(folder, "views.sqlite3"), cadres, batch, rates)
    return rates


def import_once(
    mode: str, env: dict[str, str], views_file: str, cadres: int, batch: int,
    rates: dict[str, float],
) -> None:  # fmt: skip
    """One import into a fresh store, an integrator beside it as ``mode`` says; the follower is
    stopped and joined however the import ends (its files are removed after)."""
    Store(env=env).close()  # the tables exist before the follower starts
    stop: Any
    if mode == "process":
        stop = multiprocessing.Event()
        worker: Any = multiprocessing.Process(target=follow, args=(env, views_file, stop))
    else:
        stop = threading.Event()
        worker = threading.Thread(target=follow, args=(env, views_file, stop), daemon=True)
    if mode in ("process", "thread"):
        worker.start()
    try:
        cpu = time.process_time()
        events, seconds = run_jiandu(env, cadres, batch)
    finally:
        stop.set()
        if mode in ("process", "thread"):
            worker.join()
    rates[mode] = max(rates.get(mode, 0.0), events / seconds)
    if mode == "alone":
        per_event = (time.process_time() - cpu) / events
        rates["alone cpu µs"] = min(rates.get("alone cpu µs", 1e9), per_event * 1e6)
    print(f"  import, integrator {mode}: {events} events, {events / seconds:,.0f} events/s",
          flush=True)  # fmt: skip


def ledger_phases(path: str, scratch: str) -> dict[str, tuple[int, float, float]]:
    """Bare pass, integration, verification and the bare pass again, over the store at path
    (the ledger's views in ``scratch``)."""
    store = Store(env=env_for(path))
    views_file = os.path.join(scratch, "ledger-views.sqlite3")
    signer = NoteSigner.generate("bench.jiandu.example/ledger")
    figures: dict[str, tuple[int, float, float]] = {}
    for name, run in (
        ("bare", lambda: bare_pass(store)),
        ("integrate", lambda: integrate(store, views_file, signer)),
        ("verify", lambda: verify(store, views_file, signer)),
        ("bare again", lambda: bare_pass(store)),
    ):
        cpu = time.process_time()
        count, seconds = run()
        figures[name] = (count, seconds, time.process_time() - cpu)
        print(f"  {name}: {count} events in {seconds:.1f} s ({count / seconds:,.0f}/s)", flush=True)
    bare = min(f[1] for name, f in figures.items() if name.startswith("bare"))
    bare_cpu = min(f[2] for name, f in figures.items() if name.startswith("bare"))
    print(f"{'phase':10} {'events':>9} {'seconds':>8} {'events/s':>10} {'ratio':>6} "
          f"{'CPU s':>7} {'CPU ratio':>9}  (ratios: the best bare pass / the phase)")  # fmt: skip
    for name, (count, seconds, cpu) in figures.items():
        print(f"{name:10} {count:9d} {seconds:8.1f} {count / seconds:10,.0f} "
              f"{bare / seconds:6.2f} {cpu:7.1f} {bare_cpu / cpu:9.2f}")  # fmt: skip
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--store", help="reuse (or create) this SQLite event store")
    parser.add_argument("--cadres", type=int, default=6000, help="careers of the import part")
    parser.add_argument("--batch", type=int, default=50, help="cadres per import batch")
    parser.add_argument("--rounds", type=int, default=3, help="turns of the import modes")
    parser.add_argument("--imports-only", action="store_true", help="skip the 1M-event part")
    args = parser.parse_args()
    stop_cleanly_on_sigterm()
    figures: dict[str, tuple[int, float, float]] = {}
    # What this run makes (a generated store, the ledger's views, each import's store) is in
    # temporary folders removed when it ends, however it ends; a --store given is kept.
    if not args.imports_only:
        with tempfile.TemporaryDirectory(prefix="jiandu-bench-") as scratch:
            path = args.store or os.path.join(scratch, "e.sqlite3")
            if not os.path.exists(path):
                os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
                started = time.perf_counter()
                generate(path, args.events)
                kept = "" if args.store else " (removed at the end: --store keeps one)"
                print(f"generated the store in {time.perf_counter() - started:.0f} s: {path}{kept}")
            figures = ledger_phases(path, scratch)
    rates = imports(args.cadres, args.batch, args.rounds)
    for mode in ("process", "thread"):
        share = rates[mode] / rates["alone"]
        print(f"import with an integrator {mode}: {share:.2f} of the import alone "
              f"(loss {1 - share:.0%})")  # fmt: skip
    if figures:
        count, _, cpu = figures["integrate"]
        ours, theirs = cpu / count * 1e6, rates["alone cpu µs"]
        print(
            f"CPU per event: import {theirs:.1f} µs, integrator {ours:.1f} µs: on one core "
            f"(a thread under the GIL) the import would lose {ours / (ours + theirs):.0%}"
        )
    print(json.dumps({"phases": figures, "imports": rates}))


if __name__ == "__main__":
    main()
