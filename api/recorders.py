"""The event store's recorders, extended with the idempotency keys of commands.

A command's idempotency record is inserted in the transaction that inserts its events (the
library passes ``save()``'s keyword arguments down to ``_insert_events``, the extension point
its own examples use), so a key is used if and only if its write happened. The composition
root selects these classes through eventsourcing's ``PROCESS_RECORDER_TOPIC`` (they extend the
positioned recorders of ``projections.recorders``, which the store's factories build).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteCursor
from psycopg.sql import SQL, Identifier

from domain.idempotency import IdempotencyRecord
from projections.recorders import PositionedPostgresRecorder, PositionedSQLiteRecorder

TABLE = "jiandu_idempotency"
COLUMNS = "scope, idem_key, request_hash, position, version, answer, recorded_at"
SQLITE_TOPIC = "api.recorders:IdempotentSQLiteRecorder"
POSTGRES_TOPIC = "api.recorders:IdempotentPostgresRecorder"


def _values(record: IdempotencyRecord, position: int) -> list[Any]:
    return [
        record.scope, record.key, record.request_hash, position, record.version, record.answer,
        datetime.now(UTC).isoformat(),
    ]  # fmt: skip


def _answer(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    names = ("request_hash", "position", "version", "answer", "body")
    return {name: row[name] for name in names}


class IdempotentSQLiteRecorder(PositionedSQLiteRecorder):
    """SQLite events, tracking and idempotency keys in one file."""

    records_idempotency = True

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {TABLE} (scope TEXT, idem_key TEXT, request_hash TEXT, "
            "position INTEGER, version INTEGER, answer TEXT, recorded_at TEXT, body TEXT, "
            "PRIMARY KEY (scope, idem_key))",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        if record is not None:
            c.execute(
                f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                _values(record, max(ids or [0])),
            )
        return ids

    def idempotent_answer(self, scope: str, key: str) -> dict[str, Any] | None:
        """The record of a used key."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT * FROM {TABLE} WHERE scope = ? AND idem_key = ?", [scope, key])
            return _answer(c.fetchone())

    def keep_body(self, scope: str, key: str, body: str) -> None:
        """Keep the (sealed) answer as it was sent, beside the record of its write."""
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"UPDATE {TABLE} SET body = ? WHERE scope = ? AND idem_key = ?", [body, scope, key]
            )


class IdempotentPostgresRecorder(PositionedPostgresRecorder):
    """PostgreSQL events, tracking and idempotency keys in one schema."""

    records_idempotency = True

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self._table = SQL("{}.{}").format(Identifier(datastore.schema), Identifier(TABLE))
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (scope text, idem_key text, request_hash text, "
                "position bigint, version bigint, answer text, recorded_at text, body text, "
                "PRIMARY KEY (scope, idem_key))"
            ).format(self._table)
        )

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        if record is not None:
            curs.execute(
                SQL(
                    "INSERT INTO {} ({}) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING scope"
                ).format(self._table, SQL(COLUMNS)),
                _values(record, max(ids or [0])),
            )
            curs.fetchone()  # the result, or the key's uniqueness violation, arrives now
        return ids

    def idempotent_answer(self, scope: str, key: str) -> dict[str, Any] | None:
        """The record of a used key."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL("SELECT * FROM {} WHERE scope = %s AND idem_key = %s").format(self._table),
                [scope, key],
            )
            return _answer(curs.fetchone())

    def keep_body(self, scope: str, key: str, body: str) -> None:
        """Keep the (sealed) answer as it was sent, beside the record of its write."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL("UPDATE {} SET body = %s WHERE scope = %s AND idem_key = %s").format(
                    self._table
                ),
                [body, scope, key],
            )
