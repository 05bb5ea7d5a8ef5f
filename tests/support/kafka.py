"""Builders of the Kafka transport tests: stores in fresh PostgreSQL schemas, histories,
topics, the relay and the projector group run until they caught up.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from kafka import KafkaConsumer
from kafka.structs import TopicPartition
from pydantic import SecretStr

from api.settings import Settings
from api.vault import AesGcmVault
from bench import county
from consumers.deadletter import DeadLetters
from consumers.following import FollowerSink
from consumers.loop import GroupConsumer
from consumers.relay import Relay, RelayLog, new_producer
from consumers.topics import create_topics
from domain.clock import FixedClock
from domain.importing import PersonnelBatch
from domain.services import Services
from domain.store import Store
from projections.framework import Projector
from projections.registry import TABLES, all_projections, read_models
from projections.source import StoreSource
from projections.sql import PostgresViews, SqlViews
from tests.support.http import TEST_SEAL_KEY, TEST_SECRET

TODAY = date(2026, 11, 26)
CLERK = "clerk-kafka"


@dataclass
class Deployment:
    """A store in its own schema, its views schema, and the broker and topic they use."""

    postgres_url: str
    schema: str
    bootstrap: str
    topic: str
    group_prefix: str

    @property
    def settings(self) -> Settings:
        return Settings(
            env="test",
            store="postgres",
            postgres_url=self.postgres_url,
            postgres_schema=self.schema,
            kafka_bootstrap=self.bootstrap,
            kafka_topic=self.topic,
            kafka_group_prefix=self.group_prefix,
            secret=SecretStr(TEST_SECRET),
            seal_key=SecretStr(TEST_SEAL_KEY),
        )

    @property
    def group(self) -> str:
        return f"{self.group_prefix}-projector"

    def environ(self) -> dict[str, str]:
        """The JIANDU_* variables of a `jiandu` subprocess over this deployment."""
        return {
            "JIANDU_ENV": "test",
            "JIANDU_STORE": "postgres",
            "JIANDU_POSTGRES_URL": self.postgres_url,
            "JIANDU_POSTGRES_SCHEMA": self.schema,
            "JIANDU_KAFKA_BOOTSTRAP": self.bootstrap,
            "JIANDU_KAFKA_TOPIC": self.topic,
            "JIANDU_KAFKA_GROUP_PREFIX": self.group_prefix,
            "JIANDU_LOG_LEVEL": "warning",
            "JIANDU_SECRET": TEST_SECRET,
            "JIANDU_SEAL_KEY": TEST_SEAL_KEY,
        }

    def store(self) -> Store:
        return Store(env=self.settings.eventsourcing_env())

    def views(self, suffix: str = "_views") -> PostgresViews:
        return PostgresViews(self.postgres_url, schema=self.schema + suffix)

    def relay_log(self) -> RelayLog:
        return RelayLog(PostgresViews(self.postgres_url, schema=self.schema))


@contextmanager
def deployment(postgres_url: str, bootstrap: str, partitions: int = 3) -> Iterator[Deployment]:
    """A fresh store schema and topic; the schemas are dropped afterwards."""
    name = f"kt_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    create_topics(bootstrap, f"jiandu.test.{name}", partitions=partitions)
    try:
        yield Deployment(postgres_url, name, bootstrap, f"jiandu.test.{name}", name)
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            for suffix in ("", "_views", "_ref"):
                conn.execute(f"DROP SCHEMA IF EXISTS {name}{suffix} CASCADE")


def services_over(store: Store) -> Services:
    return Services.over(store, FixedClock.on(TODAY), AesGcmVault.from_secret("kafka-tests"))


def register_units(services: Services, townships: int) -> list[str]:
    """A county organ and townships with four leadership posts each; the townships' codes."""
    return county.register_units(services, townships, by=CLERK, category="leadership")


def career(batch: PersonnelBatch, rng: random.Random, code: str, towns: list[str]) -> None:
    """One cadre's career of about a dozen events, some recorded out of effective order."""
    town = rng.choice(towns)
    start = date(2005, 1, 1) + timedelta(days=rng.randrange(3000))
    batch.register_cadre(
        CLERK, code=code, name=f"干部{code}", gender="male", birth_date=date(1980, 1, 1)
    )
    batch.recruit(CLERK, code, effective_date=start, unit=town, channel="exam")
    batch.complete_probation(CLERK, code, effective_date=start + timedelta(days=365))
    day = start + timedelta(days=400)
    post = f"P{rng.randrange(3)}"
    batch.appoint(
        CLERK, code, unit=town, post=post, effective_date=day, kind="lateral",
        decided_on=day, document_no=f"D{code}",
    )  # fmt: skip
    sid = batch.second(
        CLERK, code, host_unit="C-ORG", start_date=day + timedelta(days=30),
        planned_end_date=day + timedelta(days=200), purpose="专项工作",
    ).ids["secondment_id"]  # fmt: skip
    batch.extend_secondment(
        CLERK, code, sid, new_planned_end_date=day + timedelta(days=300),
        decided_on=day + timedelta(days=150),
    )  # fmt: skip
    batch.end_secondment(CLERK, code, sid, end_date=day + timedelta(days=290), reason="completed")
    batch.admonish(CLERK, code, on=day + timedelta(days=500), authority="县纪委", reason="迟到")
    # Entered late (补录): effective before the secondment.
    batch.record_review(CLERK, code, year=start.year + 1, rating="competent")
    if rng.random() < 0.5:
        batch.remove(
            CLERK,
            code,
            unit=town,
            post=post,
            effective_date=day + timedelta(days=600),
            reason="调整",
        )


def record_history(services: Services, cadres: int = 120, seed: int = 7) -> None:
    """Units (renamed, a post abolished), careers imported in batches, corrections, and
    complaints in several states, some filed by named reporters."""
    org, personnel, complaints = services.organisation, services.personnel, services.complaints
    towns = register_units(services, townships=6)
    org.rename_unit(CLERK, towns[0], name="第0镇（更名）", effective_date=date(2021, 1, 1))
    org.abolish_post(CLERK, towns[1], code="P3", effective_date=date(2022, 1, 1))
    rng = random.Random(seed)
    units: dict[str, Any] = {}
    all_codes = [f"K{i:07d}" for i in range(cadres)]
    for start in range(0, len(all_codes), 40):
        batch = PersonnelBatch(personnel, units)
        for code in all_codes[start : start + 40]:
            career(batch, rng, code, towns)
        batch.commit()
    for code in all_codes[:5]:
        wrong = personnel.transfer(CLERK, code, to_unit="C-ORG", effective_date=date(2025, 1, 1))
        personnel.retract(CLERK, code, position=wrong.position, reason="调错单位")
    for i in range(6):
        named = i % 2 == 0
        filed = complaints.file(
            "public", category="违规借调", title=f"反映{i}", body="长期借调不归", named=named,
            reporter={"name": "张三", "phone": "13800000000"} if named else None,
            subject_cadres=[all_codes[i % cadres]], subject_units=[towns[i % len(towns)]],
            received_at=datetime(2026, 10, 1 + i, 9, tzinfo=UTC),
        )  # fmt: skip
        cid = filed.ids["complaint_id"]
        if i % 3 == 0:
            complaints.accept(CLERK, cid, on=date(2026, 10, 10), handler_unit="县纪委")
            complaints.extend(CLERK, cid, days=10, reason="案情复杂")
        if i % 3 == 1:
            complaints.decline(CLERK, cid, on=date(2026, 10, 12), reason="不属于受理范围")


def table_contents(views: SqlViews) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every projection table, sorted (order-free comparison)."""
    contents = {}
    for name, table in sorted(TABLES.items()):
        rows = views.query(f"SELECT {', '.join(table.columns)} FROM {name}")
        contents[name] = sorted((tuple(r.values()) for r in rows), key=repr)
    return contents


def in_process(store: Store, views: SqlViews) -> dict[str, list[tuple[Any, ...]]]:
    """The read models the in-process follower builds from the store."""
    read_models(StoreSource(store), views, batch_size=500).catch_up()
    return table_contents(views)


def relay_all(d: Deployment, store: Store, batch_size: int = 1000) -> int:
    """Publish everything recorded so far; returns the relay's position."""
    relay = Relay(
        store, lambda: new_producer(d.bootstrap), d.relay_log(), d.topic, batch_size=batch_size
    )
    try:
        while relay.publish_once():
            pass
    finally:
        relay.close()
    return relay.log.position(d.topic)


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """The end offset of every partition of a topic."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        return {tp.partition: o for tp, o in consumer.end_offsets(partitions).items()}
    finally:
        consumer.close()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll a condition every 0.2 s; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def caught_up(views: SqlViews, group: str, topic: str, ends: dict[int, int]) -> bool:
    """Whether the group's stored offsets reached the given end offsets."""
    stored = views.offsets(group, topic)
    return all(stored.get(p, (0, 0))[0] >= end for p, end in ends.items() if end > 0)


@contextmanager
def projector(
    d: Deployment, store: Store, views: SqlViews, batch_size: int = 200
) -> Iterator[GroupConsumer]:
    """A projector group member consuming in a thread until the block ends."""
    source = StoreSource(store)
    sink = FollowerSink(Projector(views, all_projections(), source), views, store, d.group)
    dead = DeadLetters(lambda: new_producer(d.bootstrap), d.topic, d.group)
    member = GroupConsumer(d.bootstrap, d.topic, sink, dead, batch_size=batch_size, poll_ms=200)
    stop = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            member.run(stop)
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run, name="projector", daemon=True)
    thread.start()
    try:
        yield member
    finally:
        stop.set()
        thread.join(timeout=60)
        assert not errors, errors
