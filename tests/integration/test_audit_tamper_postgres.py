"""Tampering with the demo county in a real PostgreSQL, as a database administrator without the
log's key could: `jiandu audit verify` exits 1 naming the position for each kind of change, and
0 when nothing was touched. The county is loaded once; each test's change is undone after it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from api.bootstrap import build
from api.settings import Settings

pytestmark = pytest.mark.postgres
JIANDU = Path(sys.executable).parent / "jiandu"
EVENTS = "jiandu_events"
LEDGER = ("ledger_tiles", "ledger_entries", "ledger_head", "ledger_checkpoints")


@dataclass
class County:
    """The demo county in its own schemas, and the gap a rolled-back write left in it."""

    url: str
    schema: str
    data_dir: Path
    gap: int

    @property
    def views(self) -> str:
        return f"{self.schema}_views"

    def env(self) -> dict[str, str]:
        return {
            "JIANDU_ENV": "test", "JIANDU_STORE": "postgres", "JIANDU_POSTGRES_URL": self.url,
            "JIANDU_POSTGRES_SCHEMA": self.schema, "JIANDU_DATA_DIR": str(self.data_dir),
            "JIANDU_TODAY": "2026-06-15", "JIANDU_LOG_LEVEL": "warning",
        }  # fmt: skip

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
        return subprocess.run([str(JIANDU), *args], env=env | self.env(), capture_output=True,
                              text=True, check=False, stdin=subprocess.DEVNULL)  # fmt: skip

    def sql(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(statement, params)
            return cursor.fetchall() if cursor.description else []

    def verify(self, *options: str) -> tuple[int, dict[str, Any]]:
        done = self.run("audit", "verify", "--json", *options)
        assert done.returncode in (0, 1), done.stderr
        return done.returncode, json.loads(done.stdout)


@pytest.fixture(scope="module")
def county(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    schema = f"tamper_{uuid.uuid4().hex[:10]}"
    made = County(postgres_url, schema, tmp_path_factory.mktemp("pg-county"), gap=0)
    made.sql(f"CREATE SCHEMA {schema}")
    try:
        assert made.run("demo", "load").returncode == 0
        made.gap = _rolled_back_write(made)
        _record_one_more(made)
        done = made.run("audit", "integrate")
        assert done.returncode == 0, done.stderr
        for table in (EVENTS, *LEDGER):  # what each test may change, kept to undo it
            where = schema if table == EVENTS else made.views
            made.sql(f"CREATE TABLE {where}.keep_{table} AS SELECT * FROM {where}.{table}")
        yield made
    finally:
        for name in (schema, made.views):
            made.sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")


@pytest.fixture
def tampered(county: County) -> Iterator[County]:
    """The county; whatever the test changes is put back afterwards."""
    yield county
    for table in (EVENTS, *LEDGER):
        where = county.schema if table == EVENTS else county.views
        county.sql(f"DELETE FROM {where}.{table}")
        county.sql(f"INSERT INTO {where}.{table} SELECT * FROM {where}.keep_{table}")


def _rolled_back_write(county: County) -> int:
    """A write that failed and rolled back: PostgreSQL's sequence moved on, leaving a gap."""
    sequence = f"{county.schema}.{EVENTS}_notification_id_seq"
    ((value,),) = county.sql(f"SELECT nextval('{sequence}')")
    return int(value)


def _record_one_more(county: County) -> None:
    settings = Settings(**{k[7:].lower(): v for k, v in county.env().items()})
    platform = build(settings)
    try:
        platform.services.organisation.register_unit(
            "clerk-1", code="GAP-AFTER", name="空缺之后", level="county", kind="government"
        )
    finally:
        platform.close()


def test_untouched_it_exits_0(tampered: County) -> None:
    status, answer = tampered.verify()
    assert status == 0, answer
    assert answer["checked"] == answer["leaves"] > 8000
    assert answer["read_models"]["ok"]
    assert tampered.sql(f"SELECT count(*) FROM {tampered.schema}.{EVENTS} "
                        "WHERE notification_id = %s", tampered.gap) == [(0,)]  # fmt: skip


def test_a_changed_byte(tampered: County) -> None:
    at = 4444
    tampered.sql(f"UPDATE {tampered.schema}.{EVENTS} SET state = overlay(state placing "
                 "'X'::bytea from 20) WHERE notification_id = %s", at)  # fmt: skip
    status, answer = tampered.verify("--no-read-models")
    assert (status, answer["first_bad_position"]) == (1, at)
    assert "stored bytes" in answer["problem"]


def test_a_deleted_event(tampered: County) -> None:
    at = 2345
    tampered.sql(f"DELETE FROM {tampered.schema}.{EVENTS} WHERE notification_id = %s", at)
    status, answer = tampered.verify("--no-read-models")
    assert (status, answer["first_bad_position"]) == (1, at)
    assert "(deleted)" in answer["problem"]


def test_an_event_inserted_into_the_gap(tampered: County) -> None:
    events = f"{tampered.schema}.{EVENTS}"
    tampered.sql(f"INSERT INTO {events} (originator_id, originator_version, topic, state, "
                 f"notification_id) SELECT %s, 1, topic, state, %s FROM {events} "
                 "WHERE notification_id = 100", uuid.uuid4(), tampered.gap)  # fmt: skip
    status, answer = tampered.verify("--no-read-models")
    assert (status, answer["first_bad_position"]) == (1, tampered.gap)
    assert "(inserted)" in answer["problem"]


def test_two_events_swapped(tampered: County) -> None:
    events, a, b = f"{tampered.schema}.{EVENTS}", 1500, 7000
    tampered.sql(f"UPDATE {events} SET notification_id = -1 WHERE notification_id = %s", a)
    tampered.sql(f"UPDATE {events} SET notification_id = %s WHERE notification_id = %s", a, b)
    tampered.sql(f"UPDATE {events} SET notification_id = %s WHERE notification_id = -1", b)
    status, answer = tampered.verify("--no-read-models")
    assert (status, answer["first_bad_position"]) == (1, a)
    assert "another event now" in answer["problem"]


def test_a_changed_tile(tampered: County) -> None:
    tampered.sql(f"UPDATE {tampered.views}.ledger_tiles SET hashes = overlay(hashes placing "
                 "'\\x00'::bytea from 1 + 32 * 9) WHERE level = 0 AND tile_index = 7")  # fmt: skip
    status, answer = tampered.verify("--no-read-models")
    assert (status, answer["first_bad_position"]) == (1, 7 * 256 + 9 + 1)
    assert "tile 0/7 was altered" in answer["problem"]


def test_a_changed_checkpoint(tampered: County) -> None:
    ((size,),) = tampered.sql(f"SELECT min(size) FROM {tampered.views}.ledger_checkpoints")
    tampered.sql(f"UPDATE {tampered.views}.ledger_checkpoints SET note = replace(note, %s, %s) "
                 "WHERE size = %s", f"\n{size}\n", f"\n{size + 1}\n", size)  # fmt: skip
    status, answer = tampered.verify("--no-read-models")
    assert status == 1
    assert f"checkpoint of size {size}" in answer["problem"]
    assert answer["first_bad_position"] == size + (1 if size >= tampered.gap else 0)
