"""`jiandu backup` taken while commands keep being written, and `jiandu restore` into an empty
store, in both modes (SQLite; real PostgreSQL): every write acknowledged before the backup
began is in the restored store, the restored events are exactly the source's first ones, the
restore check passes, read models are rebuilt, and the restored store takes new writes."""

from __future__ import annotations

import os
import subprocess
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from api.settings import Settings
from consumers.relay import new_producer
from consumers.topics import create_topics
from domain.ids import cadre_id
from domain.services import Services
from domain.store import Store
from projections.sql import PostgresViews, SqliteViews, SqlViews
from tests.support.kafka import CLERK, in_process, register_units, services_over, table_contents

ROOT = Path(__file__).resolve().parents[2]
JIANDU = ROOT / ".venv" / "bin" / "jiandu"
BEFORE_BACKUP = 150  # acknowledged writes before the backup begins
DURING_BACKUP = 50  # and at least as many while and after it runs


@dataclass
class Writer:
    """Records cadres one command at a time in a thread, noting each acknowledged write."""

    services: Services
    towns: list[str]
    acknowledged: list[tuple[int, uuid.UUID, int]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    reached: threading.Condition = field(default_factory=threading.Condition)
    failure: BaseException | None = None

    def run(self) -> None:
        n = 0
        try:
            while not self.stop.is_set():
                code = f"B{n:06d}"
                written = self.services.personnel.register_cadre(
                    CLERK, code=code, name=f"干部{code}", gender="male", birth_date=date(1985, 5, 5)
                )
                self.ack(written.position, cadre_id(code), written.version)
                written = self.services.personnel.recruit(
                    CLERK, code, effective_date=date(2019, 3, 1), unit=self.towns[n % 3],
                    channel="exam",
                )  # fmt: skip
                self.ack(written.position, cadre_id(code), written.version)
                n += 1
        except BaseException as error:  # the test fails with it
            self.failure = error
            with self.reached:
                self.reached.notify_all()

    def ack(self, position: int, originator: uuid.UUID, version: int) -> None:
        with self.reached:
            self.acknowledged.append((position, originator, version))
            self.reached.notify_all()

    def wait_for(self, count: int) -> list[tuple[int, uuid.UUID, int]]:
        """Block until ``count`` writes were acknowledged; a copy of them."""
        with self.reached:
            self.reached.wait_for(lambda: len(self.acknowledged) >= count or self.failure)
            assert self.failure is None, self.failure
            return list(self.acknowledged)


@contextmanager
def writing(store: Store) -> Iterator[Writer]:
    services = services_over(store)
    writer = Writer(services, register_units(services, townships=3))
    thread = threading.Thread(target=writer.run, daemon=True)
    thread.start()
    try:
        yield writer
    finally:
        writer.stop.set()
        thread.join()
        assert writer.failure is None, writer.failure


def jiandu(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    return subprocess.run(
        [str(JIANDU), *map(str, args)], env=environ | {"JIANDU_ENV": "test", **env},
        capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False, timeout=900,
    )  # fmt: skip


def stored(store: Store) -> list[tuple[Any, ...]]:
    """Every stored event as stored: position, aggregate, version, topic, state bytes."""
    rows, after = [], 0
    while batch := store.recorder.select_notifications(start=after + 1, limit=1000):
        rows += [(n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in batch]
        after = batch[-1].id
    return rows


def back_up_while_writing(store: Store, env: dict[str, str], dest: Path) -> tuple[Any, ...]:
    """The acknowledged writes before the backup began, and the source's events after."""
    with writing(store) as writer:
        before = writer.wait_for(BEFORE_BACKUP)
        taken = jiandu(env, "backup", dest)
        assert taken.returncode == 0, taken.stderr
        writer.wait_for(len(before) + DURING_BACKUP)
    assert len(writer.acknowledged) > len(before)  # writes went on around the backup
    return before, stored(store), taken.stdout


def check_restored(
    restored: Store, before: list[tuple[int, uuid.UUID, int]], source: list[tuple[Any, ...]]
) -> None:
    events = stored(restored)
    by_position = {row[0]: row for row in events}
    for position, originator, version in before:  # every acknowledged write is there
        assert by_position[position][1:3] == (originator, version)
    assert events == source[: len(events)]  # exactly the source's first events, byte for byte
    assert len(events) < len(source)  # (the backup was taken while writes went on)


def check_takes_writes(restored: Store) -> None:
    services = services_over(restored)
    head = restored.position()
    written = services.personnel.register_cadre(
        CLERK, code="AFTER-RESTORE", name="恢复后", gender="female", birth_date=date(1990, 1, 1)
    )
    # PostgreSQL's sequence is dumped as it stood, past the snapshot's last event when writes
    # went on: a restored store may skip positions (gaps are allowed), never reuse one.
    assert written.position > head
    assert restored.notification_at(written.position).originator_id == cadre_id("AFTER-RESTORE")


def check_read_models(restored: Store, views: SqlViews, reference: SqlViews) -> None:
    assert table_contents(views) == in_process(restored, reference)


def test_embedded_backup_during_writes_restores_every_acknowledged_write(tmp_path: Path) -> None:
    source_dir, target_dir, dest = tmp_path / "source", tmp_path / "target", tmp_path / "backup"
    source_dir.mkdir()
    settings = Settings(env="test", data_dir=source_dir)
    store = Store(env=settings.eventsourcing_env())
    try:
        before, source, said = back_up_while_writing(
            store, {"JIANDU_DATA_DIR": str(source_dir)}, dest
        )
    finally:
        store.close()
    assert "every event up to position" in said

    restored_run = jiandu({"JIANDU_DATA_DIR": str(target_dir)}, "restore", dest)
    assert restored_run.returncode == 0, restored_run.stderr
    restored = Store(env=Settings(env="test", data_dir=target_dir).eventsourcing_env())
    try:
        check_restored(restored, before, source)
        check_read_models(
            restored, SqliteViews(str(target_dir / "views.sqlite3")),
            SqliteViews(str(tmp_path / "reference.sqlite3")),
        )  # fmt: skip
        check_takes_writes(restored)
    finally:
        restored.close()


@pytest.mark.postgres
def test_distributed_backup_during_writes_restores_every_acknowledged_write(
    postgres_url: str, tmp_path: Path
) -> None:
    schema = f"br_{uuid.uuid4().hex[:10]}"
    env = {"JIANDU_STORE": "postgres", "JIANDU_POSTGRES_URL": postgres_url,
           "JIANDU_POSTGRES_SCHEMA": schema, "JIANDU_LOG_LEVEL": "warning"}  # fmt: skip
    settings = Settings(
        env="test", store="postgres", postgres_url=postgres_url, postgres_schema=schema
    )
    dest = tmp_path / "backup"
    try:
        assert jiandu(env, "migrate").returncode == 0
        store = Store(env=settings.eventsourcing_env())
        try:
            before, source, _ = back_up_while_writing(store, env, dest)
        finally:
            store.close()
        with psycopg.connect(postgres_url, autocommit=True) as conn:  # the disaster
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
            conn.execute(f"DROP SCHEMA {schema}_views CASCADE")

        restored_run = jiandu(env, "restore", dest)
        assert restored_run.returncode == 0, restored_run.stderr
        restored = Store(env=settings.eventsourcing_env())
        try:
            check_restored(restored, before, source)
            check_read_models(
                restored, PostgresViews(postgres_url, schema=f"{schema}_views"),
                PostgresViews(postgres_url, schema=f"{schema}_ref"),
            )  # fmt: skip
            check_takes_writes(restored)
        finally:
            restored.close()
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            for suffix in ("", "_views", "_ref"):
                conn.execute(f"DROP SCHEMA IF EXISTS {schema}{suffix} CASCADE")


@pytest.mark.kafka
def test_restore_refuses_while_the_topic_holds_the_previous_timeline(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    source, dest = tmp_path / "source", tmp_path / "backup"
    assert jiandu({"JIANDU_DATA_DIR": str(source)}, "migrate").returncode == 0
    assert jiandu({"JIANDU_DATA_DIR": str(source)}, "backup", dest).returncode == 0
    topic = f"jiandu.test.restore.{uuid.uuid4().hex[:8]}"
    create_topics(kafka_bootstrap, topic, partitions=1)
    producer = new_producer(kafka_bootstrap)
    producer.send(topic, key=b"k", value=b"an event of the lost timeline").get(timeout=30)
    producer.close()

    target = tmp_path / "target"
    env = {"JIANDU_DATA_DIR": str(target), "JIANDU_KAFKA_BOOTSTRAP": kafka_bootstrap,
           "JIANDU_KAFKA_TOPIC": topic}  # fmt: skip
    refused = jiandu(env, "restore", dest)
    assert refused.returncode == 2
    assert f"topic {topic} holds 1 messages of the previous timeline" in refused.stderr
    assert not target.exists() or not any(target.iterdir())
    fresh = jiandu(env | {"JIANDU_KAFKA_TOPIC": f"{topic}.v2"}, "restore", dest)
    assert fresh.returncode == 0, fresh.stderr
