"""Benchmark: batched import of personnel events vs. the bare eventsourcing save.

Both sides write the same number of events in batches of the same size into the same kind of
store (a fresh SQLite file or PostgreSQL schema), in the same run:
- jiandu: PersonnelBatch commands (validation, unit lookups, the Cadre fold), one save a batch;
- bare: a minimal eventsourcing aggregate with one field per event, one save a batch.

    python -m bench.import_events --cadres 2000 [--postgres URL]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate, event

from api.vault import AesGcmVault
from bench.county import career, codes, register_units
from bench.scratch import stop_cleanly_on_sigterm
from domain.clock import FixedClock
from domain.importing import PersonnelBatch
from domain.services import Services
from domain.store import Store


class Bare(Aggregate):
    """A record with one command per event kind (the library's minimum work)."""

    @event("Registered")
    def __init__(self, code: str, name: str) -> None:
        self.code = code
        self.name = name
        self.log: list[Any] = []

    @event("Happened")
    def happen(self, effective_date: date, unit: str, detail: str) -> None:
        self.log.append((effective_date, unit))


@contextlib.contextmanager
def fresh_store(kind: str, url: str | None) -> Iterator[dict[str, str]]:
    """A fresh store, removed when the block ends however it ends: a SQLite file in a temporary
    folder, or a new PostgreSQL schema (dropped)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="jiandu-bench-") as folder:
            path = os.path.join(folder, "events.sqlite3")
            yield {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}
        return
    from urllib.parse import urlparse

    import psycopg

    assert url
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    u = urlparse(url)
    try:
        yield {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": u.path.lstrip("/"),
            "POSTGRES_HOST": u.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(u.port or 5432),
            "POSTGRES_USER": u.username or "postgres",
            "POSTGRES_PASSWORD": u.password or "",
            "POSTGRES_SCHEMA": schema,
        }
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def run_jiandu(env: dict[str, str], cadres: int, batch_cadres: int) -> tuple[int, float]:
    """Import careers; returns (events, seconds)."""
    store = Store(env=env)
    services = Services.over(store, FixedClock.on(date(2026, 11, 26)), AesGcmVault.from_secret("b"))
    towns = register_units(services)
    rng = random.Random(7)
    events = 0
    all_codes = list(codes(cadres))
    units: dict[str, Any] = {}
    started = time.perf_counter()
    for i in range(0, cadres, batch_cadres):
        batch = PersonnelBatch(services.personnel, units)
        for code in all_codes[i : i + batch_cadres]:
            events += career(batch, rng, code, towns)
        batch.commit()
    seconds = time.perf_counter() - started
    store.close()
    return events, seconds


def run_bare(
    env: dict[str, str], cadres: int, batch_cadres: int, per_cadre: int
) -> tuple[int, float]:
    """The same number of events with the bare library; returns (events, seconds)."""
    store = Store(env=env)
    events = 0
    started = time.perf_counter()
    for i in range(0, cadres, batch_cadres):
        batch = []
        for n in range(i, min(i + batch_cadres, cadres)):
            agg = Bare(code=f"X{n}", name=f"干部{n}")
            for k in range(per_cadre - 1):
                agg.happen(effective_date=date(2020, 1, 1 + k % 28), unit="T001", detail="x" * 20)
            batch.append(agg)
            events += per_cadre
        store.save(*batch)
    seconds = time.perf_counter() - started
    store.close()
    return events, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cadres", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50, help="cadres per batch (~12 events each)")
    parser.add_argument("--postgres", default=os.environ.get("JIANDU_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    stop_cleanly_on_sigterm()
    kinds = ["sqlite"] + (["postgres"] if args.postgres else [])
    print(f"{'store':9} {'side':7} {'events':>8} {'seconds':>8} {'events/s':>9}  ratio")
    for kind in kinds:
        with fresh_store(kind, args.postgres) as env:
            ours, ours_s = run_jiandu(env, args.cadres, args.batch)
        per_cadre = ours // args.cadres
        with fresh_store(kind, args.postgres) as env:
            bare, bare_s = run_bare(env, args.cadres, args.batch, per_cadre)
        ours_rate, bare_rate = ours / ours_s, bare / bare_s
        print(f"{kind:9} {'bare':7} {bare:8d} {bare_s:8.2f} {bare_rate:9.0f}")
        ratio = ours_rate / bare_rate
        print(f"{kind:9} {'jiandu':7} {ours:8d} {ours_s:8.2f} {ours_rate:9.0f}  {ratio:.2f}")


if __name__ == "__main__":
    main()
