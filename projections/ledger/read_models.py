"""Compare the live read models with a rebuild from the verified events.

The projections are rebuilt, from position 0 up to the position the live read models stand
at, into a scratch database (a temporary SQLite file, or a temporary PostgreSQL schema); then
every table is compared row by row in key order and the first difference is named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from projections.following import EventSource, Progress, Runner
from projections.framework import Projector
from projections.registry import all_projections
from projections.sql import SqlViews
from projections.view import Table

CHUNK = 5000


@dataclass(frozen=True)
class ReadModelCheck:
    """What the comparison found (``skipped`` says why it could not run)."""

    ok: bool
    compared: int = 0
    position: int | None = None
    difference: str | None = None
    skipped: str | None = None

    def document(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "compared": self.compared,
            "position": self.position,
            "difference": self.difference or self.skipped,
        }


class UpTo:
    """An event source that ends at a position."""

    def __init__(self, source: EventSource, limit: int) -> None:
        self.source = source
        self.limit = limit

    def position(self) -> int:
        return min(self.source.position(), self.limit)

    def read(self, after: int, limit: int, upto: int | None = None) -> list[tuple[int, Any]]:
        if after >= self.limit:
            return []
        stop = self.limit if upto is None else min(upto, self.limit)
        return self.source.read(after, limit, stop)

    def history(self, originator_id: UUID, upto_version: int) -> list[Any]:
        return self.source.history(originator_id, upto_version)


class Rebuilt:
    """The projections rebuilt from the events into a scratch database."""

    def __init__(self, source: EventSource, scratch: SqlViews) -> None:
        self.source = source
        self.scratch = scratch
        self.projections = all_projections()
        self.tables = [t for p in self.projections for t in p.tables]
        self.position = 0

    def advance(self, position: int, on_progress: Callable[[Progress], None] | None = None) -> None:
        """Apply the events up to ``position``."""
        source = UpTo(self.source, position)
        follower = Runner(source, Projector(self.scratch, self.projections, source), 5000)
        follower.catch_up(on_progress)
        self.position = min(follower.positions().values(), default=position)

    def compare(self, live: SqlViews) -> ReadModelCheck:
        """Compare every table with the live one; the first difference is named."""
        compared = 0
        for table in self.tables:
            difference, count = _compare(table, live, self.scratch)
            compared += count
            if difference:
                return ReadModelCheck(False, compared, self.position, difference)
        return ReadModelCheck(True, compared, self.position)


def _rows(views: SqlViews, table: Table) -> Iterator[dict[str, Any]]:
    keys = ", ".join(table.key)
    after: list[Any] | None = None
    while True:
        where = f"WHERE ({keys}) > ({', '.join('?' for _ in table.key)}) " if after else ""
        rows = views.query(
            f"SELECT * FROM {table.name} {where}ORDER BY {keys} LIMIT {CHUNK}", after or []
        )
        yield from rows
        if len(rows) < CHUNK:
            return
        after = [rows[-1][k] for k in table.key]


def _compare(table: Table, live: SqlViews, rebuilt: SqlViews) -> tuple[str | None, int]:
    count = 0
    theirs = _rows(rebuilt, table)
    for ours in _rows(live, table):
        other = next(theirs, None)
        count += 1
        key = {k: ours[k] for k in table.key}
        if other is None:
            return (
                f"read model {table.name}: row {key} is not in the rebuild from the events",
                count,
            )
        other_key = {k: other[k] for k in table.key}
        if other_key != key:
            if _before(other_key, key):
                return (
                    f"read model {table.name}: row {other_key} is missing from the live one",
                    count,
                )
            return (
                f"read model {table.name}: row {key} is not in the rebuild from the events",
                count,
            )
        for column in table.columns:
            if ours.get(column) != other.get(column):
                now, then = _short(ours.get(column)), _short(other.get(column))
                return (
                    f"read model {table.name}: row {key} differs in {column}: live "
                    f"{now}, rebuilt from the events {then}",
                    count,
                )
    extra = next(theirs, None)
    if extra is not None:
        key = {k: extra[k] for k in table.key}
        return f"read model {table.name}: row {key} is missing from the live one", count
    return None, count


def _before(a: dict[str, Any], b: dict[str, Any]) -> bool:
    try:
        return tuple(a.values()) < tuple(b.values())
    except TypeError:
        return [str(v) for v in a.values()] < [str(v) for v in b.values()]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
