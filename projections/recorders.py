"""The event store's recorders, with one query added: an aggregate's events with their positions.

The library's recorders select one aggregate's events without their notification ids (their
global positions), which the rules cite as evidence. As the library's own examples do to add a
query, these subclass its SQLite and PostgreSQL process recorders and add
``select_positioned(originator_id, upto)`` over the table they own (and the SQLite one
``select_stored``, the log as plain rows, for a rebuild in shares); the factories make the store use
them (``PERSISTENCE_MODULE=projections.recorders:SQLiteFactory`` or
``projections.recorders:PostgresFactory``, set by the composition root).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.postgres import PostgresFactory as LibraryPostgresFactory
from eventsourcing.postgres import PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteFactory as LibrarySQLiteFactory
from eventsourcing.sqlite import SQLiteProcessRecorder
from psycopg.sql import SQL, Identifier

MANY = 500  # aggregates per query of select_positioned_many (SQLite's bound parameters)


class PositionedSQLiteRecorder(SQLiteProcessRecorder):
    """The SQLite process recorder, and one aggregate's events with their positions."""

    def select_positioned(
        self, originator_id: UUID, upto: int | None = None
    ) -> Sequence[Notification]:
        """Every event of one aggregate (stored at or before ``upto``), in version order, each
        with its notification id."""
        bound = "" if upto is None else " AND rowid <= ?"
        statement = (
            f"SELECT rowid, * FROM {self.events_table_name} "
            f"WHERE originator_id=?{bound} ORDER BY originator_version"
        )
        arguments: list[Any] = [originator_id.hex] if upto is None else [originator_id.hex, upto]
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, arguments)
            return [_notification(row, "rowid", originator_id) for row in c.fetchall()]

    def select_positioned_many(
        self, originator_ids: Sequence[UUID], upto: int | None = None
    ) -> list[Notification]:
        """The events of several aggregates (stored at or before ``upto``), each aggregate's in
        version order, with their notification ids: one query per ``MANY`` aggregates."""
        found: list[Notification] = []
        for start in range(0, len(originator_ids), MANY):
            ids = list(originator_ids[start : start + MANY])
            by_hex = {i.hex: i for i in ids}
            marks = ", ".join("?" * len(ids))
            bound = "" if upto is None else " AND rowid <= ?"
            statement = (
                f"SELECT rowid, * FROM {self.events_table_name} WHERE originator_id IN "
                f"({marks}){bound} ORDER BY originator_id, originator_version"
            )
            arguments: list[Any] = [*by_hex, *([] if upto is None else [upto])]
            with self.datastore.transaction(commit=False) as c:
                c.execute(statement, arguments)
                found += [
                    _notification(row, "rowid", by_hex[row["originator_id"]])
                    for row in c.fetchall()
                ]
        return found

    def select_stored(self, start: int, limit: int, stop: int | None = None) -> list[Any]:
        """Stored events from a position on, as plain rows (position, originator id as stored,
        version, topic, state): what a rebuild in shares reads, deciding by the originator and
        topic which to decode, without an id object made for every row."""
        statement = (
            "SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {self.events_table_name} WHERE rowid>=? "
            + ("AND rowid<=? " if stop is not None else "")
            + "ORDER BY rowid LIMIT ?"
        )
        params = [start, limit] if stop is None else [start, stop, limit]
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            rows: list[Any] = c.fetchall()
            return rows


class PositionedPostgresRecorder(PostgresProcessRecorder):
    """The PostgreSQL process recorder, and one aggregate's events with their positions."""

    def create_table(self) -> None:
        """Create the schema's types, tables and functions one process at a time (a session
        advisory lock): parts that start together would otherwise replace the same functions at
        once, and PostgreSQL fails all but one ("tuple concurrently updated")."""
        key = f"jiandu create tables {self.datastore.schema}"
        with self.datastore.get_connection() as conn:  # autocommit: the lock outlives statements
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", [key])
            try:
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])

    def select_positioned(
        self, originator_id: UUID, upto: int | None = None
    ) -> Sequence[Notification]:
        """Every event of one aggregate (stored at or before ``upto``), in version order, each
        with its notification id."""
        statement = SQL(
            "SELECT notification_id, originator_version, topic, state FROM {schema}.{table} "
            "WHERE originator_id = %s AND notification_id <= %s ORDER BY originator_version"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))
        last = (1 << 63) - 1 if upto is None else upto  # one prepared statement for both
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, [originator_id, last], prepare=True)
            return [_notification(row, "notification_id", originator_id) for row in curs.fetchall()]

    def select_positioned_many(
        self, originator_ids: Sequence[UUID], upto: int | None = None
    ) -> list[Notification]:
        """The events of several aggregates (stored at or before ``upto``), each aggregate's in
        version order, with their notification ids, in one query."""
        statement = SQL(
            "SELECT originator_id, notification_id, originator_version, topic, state "
            "FROM {schema}.{table} WHERE originator_id = ANY(%s) AND notification_id <= %s "
            "ORDER BY originator_id, originator_version"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))
        last = (1 << 63) - 1 if upto is None else upto
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, [list(originator_ids), last], prepare=True)
            return [
                _notification(row, "notification_id", row["originator_id"])
                for row in curs.fetchall()
            ]


class SQLiteFactory(LibrarySQLiteFactory):
    """The library's SQLite infrastructure with the positioned recorder."""

    process_recorder_class = PositionedSQLiteRecorder


class PostgresFactory(LibraryPostgresFactory):
    """The library's PostgreSQL infrastructure with the positioned recorder."""

    process_recorder_class = PositionedPostgresRecorder


def _notification(row: Any, id_column: str, originator_id: UUID) -> Notification:
    return Notification(
        id=int(row[id_column]),
        originator_id=originator_id,
        originator_version=int(row["originator_version"]),
        topic=row["topic"],
        state=bytes(row["state"]),
    )
