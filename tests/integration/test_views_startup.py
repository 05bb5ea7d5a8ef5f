"""A part that starts beside running ones makes sure its view tables exist. Found by the
production-like test under load: an API restarted next to a live projector failed at start with
"deadlock detected", because making sure took each table's write-blocking lock in turn
(``CREATE INDEX IF NOT EXISTS`` does, even when the index exists) while the projector wrote the
same tables in another order. The API process exited and answered nothing."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest

from projections.sql import PostgresViews
from projections.view import Table
from tests.support.together import at_once

pytestmark = pytest.mark.postgres

COLUMNS = {"code": "TEXT", "unit": "TEXT"}
FIRST = Table("startup_first", COLUMNS, key=("code",), indexes=(("unit",),))
SECOND = Table("startup_second", COLUMNS, key=("code",), indexes=(("unit",),))
PARTS = 8


@pytest.fixture
def schema(postgres_url: str) -> Iterator[str]:
    name = f"vs_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def waiting_locks(postgres_url: str, schema: str) -> int:
    """Lock requests on the schema's tables that are waiting (not granted)."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT l.granted AND n.nspname = %s",
            [schema],
        ).fetchone()
    assert row is not None
    return int(row[0])


def in_thread(work: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    failures: list[BaseException] = []

    def guarded() -> None:
        try:
            work()
        except BaseException as error:  # reported by the test
            failures.append(error)

    thread = threading.Thread(target=guarded, daemon=True)
    thread.start()
    return thread, failures


def until(condition: Callable[[], bool], what: str) -> None:
    """Poll until ``condition`` holds (a bound against a hang, not a measure of speed)."""
    bound = time.monotonic() + 120
    while not condition():
        assert time.monotonic() < bound, f"never happened: {what}"
        time.sleep(0.02)


def writer(postgres_url: str, schema: str) -> psycopg.Connection:
    conn = psycopg.connect(postgres_url, options=f"-c search_path={schema}")
    conn.execute("SET deadlock_timeout = '60s'")  # the other side detects a deadlock first
    return conn


def test_a_part_starting_beside_a_writer_does_not_wait_for_it(
    postgres_url: str, schema: str
) -> None:
    running = PostgresViews(postgres_url, schema=schema)
    running.ensure([FIRST, SECOND])
    busy = writer(postgres_url, schema)
    try:
        busy.execute("INSERT INTO startup_second (code, unit) VALUES ('a', 'T1')")  # open
        starting = PostgresViews(postgres_url, schema=schema)
        thread, failures = in_thread(lambda: starting.ensure([FIRST, SECOND]))
        while thread.is_alive():
            assert not waiting_locks(postgres_url, schema), "the start waits for the writer"
            time.sleep(0.02)
        assert not failures, failures
        starting.close()
    finally:
        busy.rollback()
        busy.close()
        running.close()


def test_a_schema_change_the_server_broke_for_a_deadlock_is_made_again(
    postgres_url: str, schema: str
) -> None:
    """A newer release adds indexes while a writer holds both tables: the server fails the
    change to break the deadlock, and the change is made again once the writer is done."""
    running = PostgresViews(postgres_url, schema=schema)
    running.ensure([FIRST, SECOND], indexes=False)
    busy = writer(postgres_url, schema)
    try:
        busy.execute("INSERT INTO startup_second (code, unit) VALUES ('a', 'T1')")
        starting = PostgresViews(postgres_url, schema=schema)
        thread, failures = in_thread(lambda: starting.ensure([FIRST, SECOND]))
        # The change holds the first table and waits for the second, which the writer holds.
        until(lambda: waiting_locks(postgres_url, schema) > 0, "the change waits")
        busy.execute("INSERT INTO startup_first (code, unit) VALUES ('b', 'T2')")  # the cycle
        busy.commit()
        thread.join()
        assert not failures, failures
        present = {r["name"] for r in starting.query(
            "SELECT indexname AS name FROM pg_indexes WHERE schemaname = ?", [schema]
        )}  # fmt: skip
        assert {"startup_first__unit", "startup_second__unit"} <= present
        rows = starting.query(
            "SELECT code FROM startup_first UNION SELECT code FROM startup_second"
        )
        assert sorted(r["code"] for r in rows) == ["a", "b"]
        starting.close()
    finally:
        busy.close()
        running.close()


def test_parts_making_a_fresh_schema_at_once_all_start(postgres_url: str, schema: str) -> None:
    def start(tables: list[Table]) -> None:
        views = PostgresViews(postgres_url, schema=schema)  # the schema, the first time
        try:
            views.ensure(tables)
        finally:
            views.close()

    failures: list[BaseException] = []
    for round_ in range(3):
        tables = [t.renamed(f"{t.name}_{round_}") for t in (FIRST, SECOND)]
        failures += at_once(PARTS, lambda tables=tables: start(tables))
    assert not failures, failures[:3]
