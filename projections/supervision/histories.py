"""Positioned histories straight from the event store: each event with its global position.

The library's recorders select one aggregate's events without their notification ids, so this
reads the same events table with the id included (SQLite ``rowid``, PostgreSQL
``notification_id``). Other recorders fall back to scanning the notification log.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from domain.errors import HistoryBroken
from domain.ids import cadre_id, unit_id
from domain.rules import CadreHistory, ComplaintHistory, Entry, UnitHistory
from domain.store import Store
from projections.sql import SqlViews


class Histories:
    """Cadre, unit and complaint histories with positions; cadres linked to a unit."""

    def __init__(self, store: Store, views: SqlViews | None = None) -> None:
        self.store = store
        self.views = views

    def entries(self, originator_id: UUID) -> tuple[Entry, ...]:
        """Every event of one aggregate, in version order, with its position."""
        decode = self.store.mapper.to_domain_event
        stored = self._select(originator_id)
        for expected, n in enumerate(stored, start=1):
            if n.originator_version != expected:
                raise HistoryBroken(originator_id, expected)
        return tuple(Entry(n.id, decode(n)) for n in stored)

    def cadre_by_id(self, originator_id: UUID) -> CadreHistory:
        """A cadre's history by aggregate id (empty when unknown)."""
        entries = self.entries(originator_id)
        code = getattr(entries[0].event, "code", "") if entries else ""
        return CadreHistory(code, entries)

    def cadre(self, code: str) -> CadreHistory:
        """A cadre's history by personnel code (empty when unknown)."""
        history = self.cadre_by_id(cadre_id(code))
        return history if history.code == code else CadreHistory(code, ())

    def unit_by_id(self, originator_id: UUID) -> UnitHistory:
        """A unit's history by aggregate id (empty when unknown)."""
        entries = self.entries(originator_id)
        code = getattr(entries[0].event, "code", "") if entries else ""
        return UnitHistory(code, entries)

    def unit(self, code: str) -> UnitHistory:
        """A unit's history by unit code (empty when unknown)."""
        history = self.unit_by_id(unit_id(code))
        return history if history.code == code else UnitHistory(code, ())

    def complaint(self, complaint_id: str) -> ComplaintHistory:
        """A complaint's history by id (empty when unknown or not a complaint id)."""
        try:
            key = UUID(complaint_id)
        except ValueError:
            return ComplaintHistory(complaint_id, ())
        entries = self.entries(key)
        if entries and not hasattr(entries[0].event, "receipt_fingerprint"):
            entries = ()
        return ComplaintHistory(str(key), entries)

    def cadres_linked_to(self, unit_code: str) -> list[UUID]:
        """Cadres any of whose events names the unit (the careers view's cadre_units)."""
        if self.views is None:
            return []
        rows = self.views.query(
            "SELECT cadre_id FROM cadre_units WHERE unit = ? ORDER BY cadre_id", [unit_code]
        )
        return [UUID(r["cadre_id"]) for r in rows]

    # -- reading the events table --------------------------------------------------------

    def _select(self, originator_id: UUID) -> Sequence[Notification]:
        recorder: Any = self.store.recorder
        module = type(recorder).__module__
        if module == "eventsourcing.sqlite":
            return _sqlite(recorder, originator_id)
        if module == "eventsourcing.postgres":
            return _postgres(recorder, originator_id)
        return _scan(recorder, originator_id)  # pragma: no cover - other recorders


class CachedHistories(Histories):
    """Histories read once (for one batch): each evaluation then cuts them at its position."""

    def __init__(self, base: Histories) -> None:
        super().__init__(base.store, base.views)
        self._entries: dict[UUID, tuple[Entry, ...]] = {}
        self._linked: dict[str, list[UUID]] = {}

    def entries(self, originator_id: UUID) -> tuple[Entry, ...]:
        if originator_id not in self._entries:
            self._entries[originator_id] = super().entries(originator_id)
        return self._entries[originator_id]

    def cadres_linked_to(self, unit_code: str) -> list[UUID]:
        if unit_code not in self._linked:
            self._linked[unit_code] = super().cadres_linked_to(unit_code)
        return self._linked[unit_code]


def _notification(row: Any, id_column: str, originator_id: UUID) -> Notification:
    return Notification(
        id=int(row[id_column]),
        originator_id=originator_id,
        originator_version=int(row["originator_version"]),
        topic=row["topic"],
        state=bytes(row["state"]),
    )


def _sqlite(recorder: Any, originator_id: UUID) -> list[Notification]:
    key = (
        originator_id.hex if recorder.datastore.originator_id_type == "uuid" else str(originator_id)
    )
    sql = (
        f"SELECT rowid, originator_version, topic, state FROM {recorder.events_table_name} "
        "WHERE originator_id = ? ORDER BY originator_version"
    )
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(sql, [key])
        return [_notification(r, "rowid", originator_id) for r in cursor.fetchall()]


def _postgres(recorder: Any, originator_id: UUID) -> list[Notification]:
    from psycopg.sql import SQL, Identifier

    sql = SQL(
        "SELECT notification_id, originator_version, topic, state FROM {schema}.{table} "
        "WHERE originator_id = %s ORDER BY originator_version"
    ).format(
        schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name)
    )
    with recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
        cursor.execute(sql, [originator_id])
        return [_notification(r, "notification_id", originator_id) for r in cursor.fetchall()]


def _scan(recorder: Any, originator_id: UUID) -> list[Notification]:
    found, start = [], 1
    while batch := recorder.select_notifications(start=start, limit=1000):
        found += [n for n in batch if n.originator_id == originator_id]
        start = batch[-1].id + 1
    return found
