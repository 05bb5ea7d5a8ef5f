"""Backup and restore of the embedded mode: the SQLite files of the data folder.

Order matters, because the files are copied one after another while writers go on:
1. the kept tables of the read-model database, first: a checkpoint or an idempotent answer is
   written after the events it covers, so every one copied refers to events copied after it;
2. the event store, with SQLite's online backup API (a consistent snapshot while writers go on);
3. every other database of the folder (sealed data keys, token revocations), last: a data key is
   written before the events sealed with it, so every event copied finds its key;
4. the folder's other plain files (keys generated for development), as they are.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from api.backup import KEPT_VIEW_TABLES
from api.backup.manifest import BackupError, Manifest
from domain.store import Store

EVENTS = "events.sqlite3"
VIEWS = "views.sqlite3"
KEPT = "kept.sqlite3"
SKIPPED_SUFFIXES = ("-wal", "-shm", "-journal", ".lock")


def online_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API, in one step)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()
    self_contained(target)


def copy_tables(source: Path, target: Path, names: tuple[str, ...]) -> list[str]:
    """Copy those of ``names`` that exist in ``source`` into a new database, in one read."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    copied = []
    try:
        src.execute("BEGIN")  # one snapshot for every table
        for name in names:
            row = src.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [name]
            ).fetchone()
            if row is None:
                continue
            dst.execute(row[0])
            rows = src.execute(f'SELECT * FROM "{name}"').fetchall()
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                dst.executemany(f'INSERT INTO "{name}" VALUES ({marks})', rows)
            copied.append(name)
        dst.commit()
    finally:
        src.rollback()
        src.close()
        dst.close()
    return copied


def last_position(database: Path) -> int:
    """The highest event position in an event store file (0 when it holds none)."""
    store = Store(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(database)}
    )
    try:
        return store.position()
    finally:
        store.close()


def self_contained(database: Path) -> None:
    """Leave a copied database as one file (no write-ahead log beside it)."""
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA journal_mode=DELETE")
    finally:
        connection.close()


def back_up(data_dir: Path, folder: Path, release: str) -> Manifest:
    """Copy the data folder's records into ``folder`` (new or empty)."""
    events = data_dir / EVENTS
    if not events.is_file():
        raise BackupError(f"no event store at {events} (JIANDU_DATA_DIR)")
    kept: list[str] = []
    if (data_dir / VIEWS).is_file():
        kept = copy_tables(data_dir / VIEWS, folder / KEPT, KEPT_VIEW_TABLES)
    online_copy(events, folder / EVENTS)
    manifest = Manifest(mode="embedded", release=release, position=last_position(folder / EVENTS))
    manifest.kept_tables = kept
    if kept:
        manifest.add(folder, KEPT)
    manifest.add(folder, EVENTS)
    for path in sorted(data_dir.iterdir()):
        if path.name in (EVENTS, VIEWS) or not path.is_file():
            continue
        if path.name.endswith(SKIPPED_SUFFIXES):
            continue
        if path.suffix == ".sqlite3":
            online_copy(path, folder / path.name)
        else:
            shutil.copy2(path, folder / path.name)
        manifest.add(folder, path.name)
    return manifest


def refuse_unless_empty(data_dir: Path) -> None:
    """Restore only where there is no database yet (an empty store is a database too)."""
    present = sorted(p.name for p in data_dir.glob("*.sqlite3")) if data_dir.is_dir() else []
    if present:
        raise BackupError(
            f"{data_dir} already holds {', '.join(present)}: restore into an empty "
            "JIANDU_DATA_DIR (move the old one aside first)"
        )


def restore(folder: Path, manifest: Manifest, data_dir: Path) -> None:
    """Put the backup's files into an empty data folder; the kept tables become the start
    of a new read-model database (the rest of it is rebuilt from the events)."""
    refuse_unless_empty(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    for name in manifest.files:
        target = data_dir / (VIEWS if name == KEPT else name)
        shutil.copy2(folder / name, target)
    forget_relay_positions(data_dir / EVENTS)


def forget_relay_positions(database: Path) -> None:
    """A restored store is published again from its first event, to a new or empty topic."""
    connection = sqlite3.connect(database)
    try:
        with connection:
            tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
            if "relay_positions" in tables:
                connection.execute("DELETE FROM relay_positions")
    finally:
        connection.close()
