"""Builders of the audit ledger's tests: a stored log with gaps (a hand-written fake of the
ledger's StoredLog port), a ledger over SQLite views, and the tampering of real files."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eventsourcing.persistence import Notification

from projections.ledger.events import StoreLog, leaf_of
from projections.ledger.integrator import CheckpointPolicy, Integrator
from projections.ledger.keys import NoteSigner
from projections.ledger.offline import leaf_hash
from projections.ledger.service import AuditLedger, LedgerKeys
from projections.ledger.storage import LedgerTables
from projections.sql import SqliteViews

TOPIC = "domain.cadre_events:Seconded"


@dataclass
class FakeLog:
    """Stored events in position order, with whatever gaps a test puts in."""

    events: list[Notification] = field(default_factory=list)

    def add(self, position: int, state: bytes = b"{}", aggregate: uuid.UUID | None = None) -> None:
        version = 1 + sum(1 for e in self.events if e.originator_id == aggregate)
        self.events.append(
            Notification(
                id=position,
                originator_id=aggregate or uuid.uuid5(uuid.NAMESPACE_OID, str(position)),
                originator_version=version if aggregate else 1,
                topic=TOPIC,
                state=state,
            )
        )

    def head(self) -> int:
        return self.events[-1].id if self.events else 0

    def read(self, after: int, limit: int) -> Sequence[Notification]:
        return [e for e in self.events if e.id > after][:limit]

    def at(self, position: int) -> Notification | None:
        return next((e for e in self.events if e.id == position), None)

    def plain(self, state: bytes) -> bytes:
        return state

    def leaf_hashes(self) -> list[bytes]:
        return [leaf_hash(leaf_of(e)) for e in self.events]


class Clock:
    """A clock the test moves."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def ledger_over(
    events: FakeLog | StoreLog,
    views_file: Path,
    signer: NoteSigner | None = None,
    policy: CheckpointPolicy | None = None,
    batch_size: int = 100,
    clock: Clock | None = None,
) -> AuditLedger:
    """An audit ledger whose tables live in a SQLite views file."""
    signer = signer or NoteSigner.generate("test.jiandu.example/ledger")
    clock = clock or Clock()
    tables = LedgerTables(SqliteViews(str(views_file)))
    integrator = Integrator(
        events, tables, signer, policy or CheckpointPolicy(), batch_size, clock=clock
    )
    return AuditLedger(events, tables, LedgerKeys(signer.verifier, signer), integrator, clock)


def flip_byte(data: bytes, at: int) -> bytes:
    """The bytes with one bit of one byte changed."""
    changed = bytearray(data)
    changed[at % len(changed)] ^= 0x01
    return bytes(changed)


def sql(path: Path, statement: str, *params: object) -> list[tuple[object, ...]]:
    """Run one statement on a SQLite file, outside the platform, as an intruder would."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(statement, params).fetchall()
    conn.close()
    return rows


COUNTY_TODAY = "2026-06-15"


def county_env(data_dir: Path, **more: str) -> dict[str, str]:
    """The JIANDU_* variables of a test platform over ``data_dir`` (SQLite)."""
    return {"JIANDU_DATA_DIR": str(data_dir), "JIANDU_TODAY": COUNTY_TODAY,
            "JIANDU_STORE": "sqlite", "JIANDU_ENV": "test", **more}  # fmt: skip


def load_county(data_dir: Path) -> None:
    """The demo county recorded into ``data_dir``, every event in the ledger, a checkpoint
    signed over all of it (with the development key made in the data folder)."""
    from typer.testing import CliRunner

    from api.commands import audit, demo

    runner = CliRunner()
    for app, args in ((demo.app, ["load"]), (audit.app, ["integrate"])):
        result = runner.invoke(app, args, env=county_env(data_dir))
        assert result.exit_code == 0, result.output


def copy_county(template: Path, to: Path) -> Path:
    """A private copy of a loaded county's data folder."""
    shutil.copytree(template, to)
    return to
