"""The view port: tables a projection writes, and a write-behind unit of work over them.

A projection reads and writes rows through :class:`ViewTx`; the runner flushes every change
together with the projection's position in one database transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

Row = dict[str, Any]
Key = tuple[Any, ...]


@dataclass(frozen=True)
class Table:
    """A view table: its columns (name -> SQL type), primary key and secondary indexes."""

    name: str
    columns: Mapping[str, str]
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()

    def __hash__(self) -> int:
        return hash(self.name)

    def key_of(self, row: Mapping[str, Any]) -> Key:
        """The primary key of a row."""
        if len(self.key) == 1:
            return (row[self.key[0]],)
        return tuple([row[c] for c in self.key])

    def renamed(self, name: str) -> Table:
        """The same table under another name (a rebuild builds beside the live one)."""
        return Table(name, self.columns, self.key, self.indexes)


@dataclass(frozen=True)
class OffsetMove:
    """A consumer's stored offset of one source partition, moved from ``expected`` (None: not
    stored yet) to ``next_offset``; ``high_position`` is the highest event position applied
    from that partition (a republished event at or below it is a duplicate)."""

    group: str
    topic: str
    partition: int
    expected: int | None
    next_offset: int
    high_position: int


class ViewDatabase(Protocol):
    """What the unit of work needs from a database (SQLite or PostgreSQL adapter)."""

    def fetch_rows(self, table: Table, keys: Sequence[Key]) -> list[Row]:
        """The rows with these primary keys (missing ones are absent)."""
        ...

    def select(self, table: Table, where: Mapping[str, Any]) -> list[Row]:
        """Rows whose columns equal the given values."""
        ...

    def write(
        self,
        upserts: Mapping[Table, list[Row]],
        deletes: Mapping[Table, list[Key]],
        positions: Mapping[str, int],
        appended: Mapping[Table, list[Sequence[Any]]] | None = None,
        patches: Mapping[Table, list[tuple[Key, Row]]] | None = None,
        offsets: Sequence[OffsetMove] = (),
    ) -> None:
        """Apply row changes and record positions and offsets, all in one transaction."""
        ...


_DELETED: Row = {}  # deleted in this batch
_ABSENT: Row = {}  # known not to exist; nothing to write


@dataclass
class ViewTx:
    """Write-behind changes of a batch; reads see the batch's own writes first."""

    db: ViewDatabase
    tables: Mapping[str, Table]
    _rows: dict[str, dict[Key, Row]] = field(default_factory=dict)
    _appended: dict[str, list[Sequence[Any]]] = field(default_factory=dict)
    _patches: dict[str, list[tuple[Key, Row]]] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    offsets: list[OffsetMove] = field(default_factory=list)

    def append(self, table: str, values: Sequence[Any]) -> None:
        """Add a new row given as encoded values in column order (the fast path of
        append-only tables such as timelines); it is not visible to reads of this batch."""
        rows = self._appended.get(table)
        if rows is None:
            rows = self._appended[table] = []
        rows.append(values)

    def patch(self, table: str, key: Key, changes: Row) -> None:
        """Change some columns of a row (written after this batch's inserts and upserts)."""
        self._patches.setdefault(table, []).append((key, changes))

    def get(self, table: str, *key: Any) -> Row | None:
        """A row by primary key, or None."""
        cached = self._rows.setdefault(table, {})
        if key not in cached:
            found = self.db.fetch_rows(self.tables[table], [key])
            cached[key] = found[0] if found else _ABSENT
        row = cached[key]
        return None if row is _DELETED or row is _ABSENT else row

    def prefetch(self, table: str, keys: Iterable[Key]) -> None:
        """Load many rows at once before a batch reads them one by one."""
        cached = self._rows.setdefault(table, {})
        missing = [k for k in dict.fromkeys(keys) if k not in cached]
        spec = self.tables[table]
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            for k in chunk:
                cached[k] = _ABSENT
            for row in self.db.fetch_rows(spec, chunk):
                cached[spec.key_of(row)] = row

    def select(self, table: str, **where: Any) -> list[Row]:
        """Rows matching column values, seen through this batch's changes."""
        spec = self.tables[table]
        cached = self._rows.setdefault(table, {})
        found = {spec.key_of(r): r for r in self.db.select(spec, where)}
        for key, row in cached.items():
            found.pop(key, None)
            if row and all(row.get(c) == v for c, v in where.items()):
                found[key] = row
        return list(found.values())

    def put(self, table: str, row: Row) -> None:
        """Insert or replace a row."""
        self._rows.setdefault(table, {})[self.tables[table].key_of(row)] = row

    def delete(self, table: str, *key: Any) -> None:
        """Delete a row by primary key."""
        self._rows.setdefault(table, {})[key] = _DELETED

    def flush(self) -> None:
        """Write everything, the positions and the offsets in one transaction, then start afresh."""
        upserts: dict[Table, list[Row]] = {}
        deletes: dict[Table, list[Key]] = {}
        for name, rows in self._rows.items():
            spec = self.tables[name]
            upserts[spec] = [r for r in rows.values() if r]
            deletes[spec] = [k for k, r in rows.items() if r is _DELETED]
        appended = {self.tables[n]: rows for n, rows in self._appended.items()}
        patches = {self.tables[n]: p for n, p in self._patches.items()}
        if self.offsets:
            self.db.write(upserts, deletes, self.positions, appended, patches, self.offsets)
        else:
            self.db.write(upserts, deletes, self.positions, appended, patches)
        self._rows.clear()
        self._appended.clear()
        self._patches.clear()
        self.positions.clear()
        self.offsets.clear()
