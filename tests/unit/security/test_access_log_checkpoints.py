"""The access log commits on the event loop, so its database's write-ahead log is checkpointed
by a thread of its own, never inside a commit; the log stays bounded and no reading is lost."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from api.access_log import AccessLog
from api.bootstrap import build_keys_db
from api.settings import Settings
from api.tokens import Principal
from projections.sql import SqliteViews

READER = Principal("inspector-1", "inspector", None, "j1", 0, 0)
COMMITS, PER_COMMIT = 300, 12


def _read_often(log: AccessLog) -> None:
    async def requests() -> None:
        for i in range(COMMITS):  # each turn's twelve readings: one group commit
            await asyncio.gather(
                *(log.record_soon(READER, f"cadre:A{i}-{j}") for j in range(PER_COMMIT))
            )

    asyncio.run(requests())


def _autocheckpoint(views: SqliteViews) -> int:
    with views.transaction() as cur:
        return int(cur.execute("PRAGMA wal_autocheckpoint").fetchone()[0])


def test_the_log_is_checkpointed_off_the_loop_and_stays_bounded(tmp_path: Path) -> None:
    unchecked = SqliteViews(str(tmp_path / "unchecked.sqlite3"))
    with unchecked.transaction() as cur:  # the same writes with no checkpoint at all
        cur.execute("PRAGMA wal_autocheckpoint=0")
    _read_often(AccessLog(unchecked))

    views = SqliteViews(str(tmp_path / "keys.sqlite3"), checkpoint_every=10)
    log = AccessLog(views)
    _read_often(log)

    assert _autocheckpoint(views) == 0  # no checkpoint inside a commit on the loop
    assert views.checkpoints is not None
    assert views.checkpoints.wait(1, timeout=60)  # the thread checkpoints
    grown = os.path.getsize(str(tmp_path / "unchecked.sqlite3-wal"))
    kept = os.path.getsize(str(tmp_path / "keys.sqlite3-wal"))
    assert kept * 3 < grown  # restarted from its beginning, again and again
    entries = log.entries(limit=COMMITS * PER_COMMIT + 1)
    assert [e.resource for e in entries] == [
        f"cadre:A{i}-{j}" for i in range(COMMITS) for j in range(PER_COMMIT)
    ]
    assert log.verify() is None
    views.close()
    unchecked.close()


def test_the_embedded_keys_database_checkpoints_in_the_background(tmp_path: Path) -> None:
    views = build_keys_db(Settings(env="test", store="sqlite", data_dir=tmp_path))
    assert isinstance(views, SqliteViews)
    log = AccessLog(views)
    log.record(READER, "cadre:A1")
    assert _autocheckpoint(views) == 0
    assert views.checkpoints is not None
    views.close()
    assert views.checkpoints is None
