"""A real eventsourcing round trip on PostgreSQL, in a schema of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from uuid import UUID

import psycopg
import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from api.settings import Settings

pytestmark = pytest.mark.postgres


class Logbook(Aggregate):
    """A tiny aggregate: a named list of entries."""

    @event("Opened")
    def __init__(self, name: str) -> None:
        self.name = name
        self.entries: list[str] = []

    @event("Written")
    def write(self, text: str) -> None:
        """Append one entry."""
        self.entries.append(text)


class Logbooks(Application[UUID]):
    """An application that opens logbooks and writes in them."""

    def open(self, name: str) -> UUID:
        """Open a logbook and return its id."""
        logbook = Logbook(name)
        self.save(logbook)
        return logbook.id

    def write(self, logbook_id: UUID, text: str) -> None:
        """Write one entry in a logbook."""
        logbook: Logbook = self.repository.get(logbook_id)
        logbook.write(text)
        self.save(logbook)


@pytest.fixture
def schema(postgres_url: str) -> Iterator[str]:
    """A fresh schema for this test, dropped afterwards, so runs never collide."""
    name = f"smoke_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    try:
        yield name
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


def test_aggregate_round_trip_and_notification_log(postgres_url: str, schema: str) -> None:
    settings = Settings(
        env="test", store="postgres", postgres_url=postgres_url, postgres_schema=schema
    )
    app = Logbooks(env=settings.eventsourcing_env())
    try:
        logbook_id = app.open("借调台账")
        app.write(logbook_id, "张三借调至县委组织部")
        app.write(logbook_id, "recalled")

        reloaded: Logbook = app.repository.get(logbook_id)
        assert (reloaded.name, reloaded.entries, reloaded.version) == (
            "借调台账",
            ["张三借调至县委组织部", "recalled"],
            3,
        )

        notifications = app.notification_log.select(start=1, limit=10)
        assert [n.id for n in notifications] == [1, 2, 3]
        assert {n.originator_id for n in notifications} == {logbook_id}
        assert [n.topic.split(":")[-1] for n in notifications] == [
            "Logbook.Opened",
            "Logbook.Written",
            "Logbook.Written",
        ]
    finally:
        app.close()

    # A second application instance on the same schema sees the same history.
    again = Logbooks(env=settings.eventsourcing_env())
    try:
        assert again.repository.get(logbook_id).entries == ["张三借调至县委组织部", "recalled"]
        assert again.recorder.max_notification_id() == 3
    finally:
        again.close()
