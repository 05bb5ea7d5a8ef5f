"""Benchmark: a synthetic province, imported, rebuilt and indexed, at growing sizes.

About 90 counties with 1,500 townships and 100,000 cadres of about 20 events each (2,000,000
events at full size; ``--sizes`` in millions of events scales the cadres). Per size, each phase
in a process of its own (so that peak memory is the phase's own):

- import: the careers through ``PersonnelBatch`` (one transaction per 50 cadres);
- decode (baseline): the library's bare read and decode of every event;
- rebuild: ``rebuild()`` of every projection beside empty live views, then the swap;
- index: the basic search's follower building its documents from every event;
- sweep: the supervision process judging every event (its findings recorded in the store), then
  a sweep of the time-based rules as of the store's day (findings raised by each, CPU time);
  on read models caught up beforehand (not timed) and, for SQLite, on a copy of the store,
  which stays as imported.

Printed: events/s and peak RSS per phase and size, ratios to the bare decode of the same store
in the same run; with ``--plot``, PNG charts of throughput and memory against size (matplotlib,
the ``bench`` extra). ``--store postgres --postgres-url URL`` runs the distributed mode's
store and read models instead (PostgreSQL; each size in schemas of its own, dropped after).

    python -m bench.province [--sizes 0.5,1,2] [--plot docs/]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from api.vault import AesGcmVault
from bench.rebuild import PeakMemory
from bench.scratch import stop_cleanly_on_sigterm
from domain.clock import FixedClock
from domain.importing import PersonnelBatch
from domain.services import Services
from domain.store import Store

BY = "bench"
COUNTIES, TOWNSHIPS, EVENTS_PER_CADRE = 90, 1500, 20
CACHE = Path(".cache/bench")
TODAY = date(2026, 11, 26)  # the province's clock: imports and the sweep


def register_province(services: Services) -> dict[str, list[str]]:
    """The province organ, its counties (party committee, organisation department) and their
    townships with four posts each; county code -> its townships."""
    org = services.organisation
    org.register_unit(BY, code="P", name="江北省委", level="province", kind="party_committee")
    towns: dict[str, list[str]] = {}
    for c in range(COUNTIES):
        county = f"C{c:02d}"
        org.register_unit(
            BY, code=county, name=f"第{c}县委", level="county", kind="party_committee", parent="P"
        )
        org.register_unit(
            BY, code=f"{county}-ORG", name=f"第{c}县委组织部", level="county", kind="department",
            parent=county,
        )  # fmt: skip
        towns[county] = []
    for t in range(TOWNSHIPS):
        county = f"C{t % COUNTIES:02d}"
        code = f"{county}-T{t:04d}"
        org.register_unit(
            BY, code=code, name=f"第{t}镇", level="township", kind="government", parent=county
        )
        for p in range(4):
            org.establish_post(BY, code, code=f"P{p}", title=f"岗位{p}", category="non_leadership")
        towns[county].append(code)
    return towns


def career(
    batch: PersonnelBatch, rng: random.Random, code: str, county: str, towns: list[str]
) -> int:
    """One cadre's career in a county (20 events); returns the number of events."""
    town = rng.choice(towns)
    start = date(2003, 1, 1) + timedelta(days=rng.randrange(2500))
    batch.register_cadre(
        BY, code=code, name=f"干部{code}", gender="female", birth_date=date(1982, 5, 1)
    )
    batch.recruit(BY, code, effective_date=start, unit=town, channel="exam")
    batch.complete_probation(BY, code, effective_date=start + timedelta(days=365))
    for year in range(9):
        batch.record_review(BY, code, year=start.year + year + 1, rating="competent")
    day = start + timedelta(days=400)
    post = f"P{rng.randrange(4)}"
    batch.appoint(
        BY, code, unit=town, post=post, effective_date=day, kind="lateral", decided_on=day,
        document_no=f"D{code}",
    )  # fmt: skip
    sid = batch.second(
        BY, code, host_unit=f"{county}-ORG", start_date=day + timedelta(days=30),
        planned_end_date=day + timedelta(days=200), purpose="专项工作",
    ).ids["secondment_id"]  # fmt: skip
    batch.extend_secondment(
        BY, code, sid, new_planned_end_date=day + timedelta(days=300),
        decided_on=day + timedelta(days=150),
    )  # fmt: skip
    batch.end_secondment(BY, code, sid, end_date=day + timedelta(days=290), reason="completed")
    for k in range(2):
        batch.record_training(
            BY, code, start_date=day + timedelta(days=400 + 90 * k), days=5, topic="培训"
        )
    batch.admonish(BY, code, on=day + timedelta(days=500), authority="县纪委", reason="迟到")
    batch.remove(
        BY, code, unit=town, post=post, effective_date=day + timedelta(days=600), reason="调整"
    )
    return 20


def store_env(kind: str, where: str) -> dict[str, str]:
    """The store of one size: a SQLite file, or a PostgreSQL schema of a URL."""
    if kind == "sqlite":
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": where}
    from urllib.parse import urlparse

    url, schema = where.rsplit("#", 1)
    u = urlparse(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": u.path.lstrip("/"),
        "POSTGRES_HOST": u.hostname or "127.0.0.1", "POSTGRES_PORT": str(u.port or 5432),
        "POSTGRES_USER": u.username or "postgres", "POSTGRES_PASSWORD": u.password or "",
        "POSTGRES_SCHEMA": schema,
    }  # fmt: skip


def views_for(kind: str, where: str, name: str, scratch: str) -> Any:
    """Fresh read models beside the store (SQLite: in the phase's ``scratch`` folder)."""
    from projections.sql import PostgresViews, SqliteViews

    if kind == "sqlite":
        return SqliteViews(
            os.path.join(tempfile.mkdtemp(prefix=f"{name}-", dir=scratch), "views.db")
        )
    url, schema = where.rsplit("#", 1)
    return PostgresViews(url, schema=f"{schema}_{name}")


def phase_import(kind: str, where: str, events: int, scratch: str) -> dict[str, float]:
    """Import careers until about ``events`` events are recorded."""
    if kind == "postgres":
        import psycopg

        with psycopg.connect(where.rsplit("#", 1)[0], autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {where.rsplit('#', 1)[1]}")
    store = Store(env=store_env(kind, where))
    services = Services.over(store, FixedClock.on(TODAY), AesGcmVault.from_secret("b"))
    started = time.perf_counter()
    towns = register_province(services)
    rng, units = random.Random(17), {}  # type: ignore[var-annotated]  # cached unit look-ups
    counties = sorted(towns)
    cadres = events // EVENTS_PER_CADRE
    for start in range(0, cadres, 50):
        batch = PersonnelBatch(services.personnel, units)
        for n in range(start, min(start + 50, cadres)):
            county = counties[n % len(counties)]
            career(batch, rng, f"X{n:07d}", county, towns[county])
        batch.commit()
        if start % 10_000 == 0:
            print(f"  imported {start:,} of {cadres:,} cadres", file=sys.stderr, flush=True)
    seconds, position = time.perf_counter() - started, store.position()
    store.close()  # all of it in the store's file (SQLite), which is then moved into place
    return {"events": position, "seconds": seconds}


def phase_decode(kind: str, where: str, scratch: str) -> dict[str, float]:
    """Bare library: read every notification and decode it."""
    store = Store(env=store_env(kind, where))
    started, count, after = time.perf_counter(), 0, 0
    while batch := store.recorder.select_notifications(start=after + 1, limit=5000):
        for n in batch:
            store.mapper.to_domain_event(n)
        count += len(batch)
        after = batch[-1].id
    return {"events": count, "seconds": time.perf_counter() - started}


def phase_rebuild(kind: str, where: str, scratch: str) -> dict[str, float]:
    """Every projection rebuilt beside empty live views, then swapped in."""
    from projections.rebuild import rebuild
    from projections.registry import PROJECTIONS
    from projections.source import StoreSource

    # The recorders the composition root configures (the SQLite one reads the log as plain rows
    # for a rebuild in shares).
    factory = "SQLiteFactory" if kind == "sqlite" else "PostgresFactory"
    store = Store(
        env={**store_env(kind, where), "PERSISTENCE_MODULE": f"projections.recorders:{factory}"}
    )
    views = views_for(kind, where, "views", scratch)
    started = time.perf_counter()
    position = rebuild(list(PROJECTIONS), StoreSource(store), views)
    return {"events": position, "seconds": time.perf_counter() - started}


def phase_index(kind: str, where: str, scratch: str) -> dict[str, float]:
    """The basic search's documents built from every event."""
    from projections.following import Runner
    from projections.search.basic import BasicIndex
    from projections.search.follower import SearchIndexer
    from projections.source import StoreSource

    store = Store(env=store_env(kind, where))
    index = BasicIndex(views_for(kind, where, "search", scratch), StoreSource(store))
    index.ensure()
    started = time.perf_counter()
    Runner(StoreSource(store), SearchIndexer(index), 2000).catch_up()
    return {"events": index.position(), "seconds": time.perf_counter() - started}


def judged_copy(kind: str, where: str, scratch: str, name: str) -> tuple[Store, Any, str]:
    """The store the supervision process judges, its read models caught up (not timed), and
    where the store is: on SQLite a copy in ``scratch`` (the process records findings; the
    stored province stays as it is). The store has the recorder the composition root
    configures: one indexed query per aggregate's history (the library's own would scan the
    whole log for each)."""
    import sqlite3

    from projections.registry import read_models
    from projections.source import StoreSource

    if kind == "sqlite":
        copy = os.path.join(scratch, "events.sqlite3")
        with sqlite3.connect(where) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        where = copy
    factory = {"sqlite": "SQLiteFactory", "postgres": "PostgresFactory"}[kind]
    env = {**store_env(kind, where), "PERSISTENCE_MODULE": f"projections.recorders:{factory}"}
    store = Store(env=env)
    views = views_for(kind, where, name, scratch)
    print(f"  {name}: read models catching up (not timed)", file=sys.stderr, flush=True)
    read_models(StoreSource(store), views, batch_size=5000).catch_up()
    return store, released(kind, where, views), where


def phase_sweep(kind: str, where: str, scratch: str) -> dict[str, float]:
    """The supervision process over every event, then one sweep (``raised``: findings)."""
    from projections.rules_config import load_parameters
    from projections.supervision import Supervision

    store, views, _ = judged_copy(kind, where, scratch, "sweep")
    judged = store.position()
    clock = FixedClock.on(TODAY)
    supervision = Supervision.build(store, views, clock, load_parameters())
    started, cpu = time.perf_counter(), time.process_time()
    supervision.runner.catch_up()
    tally = supervision.sweep(TODAY)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    raised = supervision.supervisor.tally.raised  # by the process, judging each event
    return {
        "events": judged, "seconds": seconds, "cpu_s": cpu, "raised": raised,
        "swept": tally.raised,
    }  # fmt: skip


def phase_slice(
    kind: str, where: str, scratch: str, *, warm: int = 100_000, timed: int = 10_000
) -> dict[str, Any]:
    """The supervision process as it runs at the end of a province's log: it starts ``warm +
    timed`` events before the end (the read models caught up with every event, not timed),
    judges ``warm`` events to fill what it keeps between batches (not timed), then the last
    ``timed`` events, timed (CPU and wall). ``digest``: sha256 over every event the process
    recorded (findings) and its tracking record, to compare two versions of the code."""
    import hashlib
    import sqlite3

    from eventsourcing.persistence import Tracking

    from domain.supervision.register import SUPERVISOR
    from projections.rules_config import load_parameters
    from projections.supervision import Supervision

    assert kind == "sqlite", "the slice phase runs on the embedded store"
    store, views, copy = judged_copy(kind, where, scratch, "slice")
    head = store.position()
    start = max(head - timed, 0)
    first = max(start - warm, 0)
    limit = [start]
    supervision = Supervision.build(
        store, views, FixedClock.on(TODAY), load_parameters(), horizon=lambda: limit[0]
    )
    store.commit_processed(tracking=Tracking(SUPERVISOR, first))  # it starts there
    while supervision.runner.run_once():  # the warm-up
        pass
    limit[0] = head
    started, cpu = time.perf_counter(), time.process_time()
    while supervision.runner.run_once():
        pass
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    digest, recorded = hashlib.sha256(), 0
    with sqlite3.connect(copy) as db:
        rows = db.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "WHERE rowid > ? ORDER BY rowid", [head],
        )  # fmt: skip
        for row in rows:
            digest.update(repr(row).encode())
            recorded += 1
        digest.update(repr(db.execute("SELECT * FROM tracking ORDER BY 1").fetchall()).encode())
    return {
        "events": head - start, "seconds": seconds, "cpu_s": cpu,
        "raised": supervision.supervisor.tally.raised, "swept": 0,
        "recorded": recorded, "digest": digest.hexdigest()[:16],
    }  # fmt: skip


def released(kind: str, where: str, views: Any) -> Any:
    """The same read models on fresh connections, with what catching them up left behind given
    back to the system (the writer's page cache, the projections' freed objects): the sweep
    phase's peak is then the supervision process's own, not the catch-up's leftovers."""
    from projections.sql import PostgresViews, SqliteViews

    views.close()
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # glibc keeps freed memory unless told
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    if kind == "sqlite":
        return SqliteViews(views.path)
    url, schema = where.rsplit("#", 1)
    return PostgresViews(url, schema=f"{schema}_sweep")


PHASES = {
    "decode": phase_decode,
    "rebuild": phase_rebuild,
    "index": phase_index,
    "sweep": phase_sweep,
    "slice": phase_slice,
}


def run_phase(name: str, kind: str, where: str, events: int) -> dict[str, float]:
    """A phase in a child process; its figures and peak RSS in MB. The phase's files (read
    models, the sweep's copy of the store) are in a temporary folder this process makes and
    removes when the phase ends, however it ends (the child is stopped first)."""
    with tempfile.TemporaryDirectory(prefix=f"jiandu-province-{name}-") as scratch:
        command = [sys.executable, "-m", "bench.province", "--phase", name, "--store", kind,
                   "--where", where, "--events", str(events), "--scratch", scratch]  # fmt: skip
        out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
    figures = dict(json.loads(out.strip().splitlines()[-1]))
    rate = figures["events"] / figures["seconds"]
    raised = (
        f"  CPU {figures['cpu_s'] / figures['events'] * 1e6:,.0f} µs/event, "
        f"{figures['raised']:,.0f} findings raised, {figures['swept']:,.0f} by the sweep"
        if "raised" in figures
        else ""
    )
    print(f"  {name:8} {figures['events']:>10,.0f} events {figures['seconds']:7.1f} s "
          f"{rate:9,.0f}/s  peak {figures['peak_mb']:5.0f} MB{raised}", flush=True)  # fmt: skip
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0.5,1,2", help="millions of events, comma-separated")
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("JIANDU_TEST_POSTGRES_URL"))
    parser.add_argument("--plot", help="write the PNG charts into this folder")
    parser.add_argument("--phase", choices=["import", *PHASES], help=argparse.SUPPRESS)
    parser.add_argument("--where", help=argparse.SUPPRESS)
    parser.add_argument("--events", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--scratch", help=argparse.SUPPRESS)
    parser.add_argument("--warm", type=int, default=100_000,
                        help="--phase slice: events judged first, not timed")  # fmt: skip
    parser.add_argument("--timed", type=int, default=10_000,
                        help="--phase slice: the last events of the log, timed")  # fmt: skip
    args = parser.parse_args()
    stop_cleanly_on_sigterm()
    if args.phase:
        # Run by run_phase, the phase is handed a folder its parent removes; run alone (as
        # docs/benchmarks.md's profiles do), it makes one of its own.
        with contextlib.ExitStack() as stack:
            scratch = args.scratch or stack.enter_context(
                tempfile.TemporaryDirectory(prefix=f"jiandu-province-{args.phase}-")
            )
            sizes = {"warm": args.warm, "timed": args.timed} if args.phase == "slice" else {}
            run_one(args.phase, args.store, args.where, args.events, scratch, **sizes)
        return
    results: dict[float, dict[str, dict[str, float]]] = {}
    dropped: list[str] = []
    try:
        for size in (float(s) for s in args.sizes.split(",")):
            events = int(size * 1_000_000)
            print(f"province of {events:,} events ({args.store})", flush=True)
            if args.store == "sqlite":
                CACHE.mkdir(parents=True, exist_ok=True)
                where = str(CACHE / f"province-{events}.sqlite3")
                figures = {} if Path(where).exists() else {"import": cached_import(where, events)}
            else:
                assert args.postgres_url, "--postgres-url (or JIANDU_TEST_POSTGRES_URL) is needed"
                where = f"{args.postgres_url}#bench_province_{events}_{uuid.uuid4().hex[:8]}"
                dropped.append(where)
                figures = {"import": run_phase("import", args.store, where, events)}
            for name in ("decode", "rebuild", "index", "sweep"):
                figures[name] = run_phase(name, args.store, where, events)
            results[size] = figures
    finally:
        drop_schemas(dropped)
    report(results)
    if args.plot:
        plot(results, Path(args.plot), args.store)


def run_one(name: str, kind: str, where: str, events: int, scratch: str, **sizes: int) -> None:
    """One phase in this process; prints its figures as JSON (the slice phase a line to read
    first, on stderr)."""
    with PeakMemory() as memory:  # with the process a rebuild in shares runs beside it
        if name == "import":
            figures = phase_import(kind, where, events, scratch)
        else:
            figures = PHASES[name](kind, where, scratch, **sizes)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures["peak_mb"] = max(memory.peak_kib, own) / 1024
    if name == "slice":
        print(f"  slice: the last {figures['events']:,} events judged in "
              f"{figures['seconds']:.1f} s, CPU {figures['cpu_s'] / figures['events'] * 1e6:,.0f}"
              f" µs/event, peak {figures['peak_mb']:.0f} MB (with the catch-up), "
              f"{figures['recorded']:,} events recorded, digest {figures['digest']}",
              file=sys.stderr)  # fmt: skip
    print(json.dumps(figures))


def cached_import(where: str, events: int) -> dict[str, float]:
    """The import into the cache's SQLite store at ``where``, kept for later runs only when it
    completes: it is written beside under another name and moved into place at the end (an
    import that fails or is interrupted leaves no half store to be taken for a whole one)."""
    partial = f"{where}.importing"
    files = ("", "-wal", "-shm")
    try:
        for end in files:  # a previous run's leftovers
            with contextlib.suppress(FileNotFoundError):
                os.remove(partial + end)
        figures = run_phase("import", "sqlite", partial, events)
        for end in files:
            if os.path.exists(partial + end):
                os.replace(partial + end, where + end)
        return figures
    finally:
        for end in files:
            with contextlib.suppress(FileNotFoundError):
                os.remove(partial + end)


def drop_schemas(wheres: list[str]) -> None:
    if not wheres:
        return
    import psycopg

    for where in wheres:
        url, schema = where.rsplit("#", 1)
        with psycopg.connect(url, autocommit=True) as conn:
            for s in (schema, f"{schema}_views", f"{schema}_search", f"{schema}_sweep"):
                conn.execute(f"DROP SCHEMA IF EXISTS {s} CASCADE")


def report(results: dict[float, dict[str, dict[str, float]]]) -> None:
    print(
        f"{'events':>10} {'phase':8} {'events/s':>9} {'seconds':>8} {'peak MB':>8} {'/ decode':>9}"
    )
    for figures in results.values():
        decode = figures["decode"]["events"] / figures["decode"]["seconds"]
        for name, f in figures.items():
            rate = f["events"] / f["seconds"]
            size = figures["decode"]["events"]
            print(f"{size:>10,.0f} {name:8} {rate:9,.0f} {f['seconds']:8.1f} "
                  f"{f['peak_mb']:8.0f} {rate / decode:9.2f}")  # fmt: skip


def plot(results: dict[float, dict[str, dict[str, float]]], folder: Path, kind: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(results)
    phases = [
        p
        for p in ("import", "decode", "rebuild", "index", "sweep")
        if all(p in results[s] for s in sizes)
    ]
    for what, value, unit in (
        ("throughput", lambda f: f["events"] / f["seconds"], "events/s"),
        ("memory", lambda f: f["peak_mb"], "peak RSS (MB)"),
    ):
        fig, ax = plt.subplots(figsize=(6, 3.6))
        for phase in phases:
            ax.plot(sizes, [value(results[s][phase]) for s in sizes], marker="o", label=phase)
        ax.set_xlabel("events in the store (millions)")
        ax.set_ylabel(unit)
        ax.set_ylim(bottom=0)
        ax.set_title(f"synthetic province, {kind}: {what} against size")
        ax.legend()
        fig.tight_layout()
        fig.savefig(folder / f"province-{kind}-{what}.png", dpi=100)
        plt.close(fig)


if __name__ == "__main__":
    main()
