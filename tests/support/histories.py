"""The embedded platform the history properties run on, one fresh folder per example.

``tests/unit/projections/conftest.py`` hands out fresh platforms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from api.vault import AesGcmVault
from domain.clock import FixedClock
from domain.services import Services
from domain.store import Store
from projections.following import Runner
from projections.queries import ReadModels
from projections.registry import TABLES, read_models
from projections.source import StoreSource
from projections.sql import SqliteViews, SqlViews

TODAY = date(2026, 11, 26)
CLERK = "clerk-zhang"
CADRES = ("A01", "B02", "C03")
HOMES = ("C1", "C2", "T1", "T2")
VILLAGES = ("V1", "V2")
POSTS = (("T1", "P1"), ("T1", "P2"), ("T2", "P1"), ("C1", "P9"))


@dataclass
class Rig:
    """The embedded platform: SQLite store and views in one folder, a hand-moved clock."""

    folder: Path
    services: Services
    follower: Runner
    reads: ReadModels
    views: SqlViews
    store: Store
    clock: FixedClock
    registered: dict[str, int] = field(default_factory=dict)  # cadre code -> position


def open_rig(folder: Path, batch_size: int) -> Rig:
    """Store and views in ``folder``; the follower applies ``batch_size`` events a batch."""
    clock = FixedClock.on(TODAY)
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(folder / "e.db")}
    store = Store(env=env)
    services = Services.over(store, clock, AesGcmVault.from_secret("histories"))
    views = SqliteViews(str(folder / "views.sqlite3"))
    follower = read_models(StoreSource(store), views, batch_size=batch_size)
    return Rig(folder, services, follower, ReadModels(views, store), views, store, clock)


def record_organisation(rig: Rig) -> None:
    """Counties C1, C2; townships T1, T2; villages V1, V2; the POSTS; the CADRES registered."""
    org = rig.services.organisation
    for code, level, kind in (
        ("C1", "county", "department"), ("C2", "county", "department"),
        ("T1", "township", "government"), ("T2", "township", "government"),
        ("V1", "village", "village_committee"), ("V2", "village", "village_committee"),
    ):  # fmt: skip
        org.register_unit(CLERK, code=code, name=f"单位{code}", level=level, kind=kind)
    for unit, post in POSTS:
        org.establish_post(CLERK, unit, code=post, title=f"职位{post}", category="leadership")
    for code in CADRES:
        written = rig.services.personnel.register_cadre(
            CLERK, code=code, name=f"干部{code}", gender="female", birth_date=date(1990, 1, 1)
        )
        rig.registered[code] = written.position


def rebuilt_views(rig: Rig) -> SqlViews:
    """Fresh views in the same folder, built by a new follower from position 0."""
    views = SqliteViews(str(rig.folder / "rebuilt.sqlite3"))
    read_models(StoreSource(rig.store), views, batch_size=1000).catch_up()
    return views


def table_contents(views: SqlViews) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every projection table, as sorted tuples (order-free comparison)."""
    contents = {}
    for name, table in sorted(TABLES.items()):
        rows = views.query(f"SELECT {', '.join(table.columns)} FROM {name}")
        contents[name] = sorted((tuple(r.values()) for r in rows), key=repr)
    return contents
