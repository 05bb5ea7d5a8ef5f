"""Leader safety of the relay against real servers: two `jiandu relay` processes of one topic
never publish at once. The leader holds a PostgreSQL advisory lock on a session of its own; a
standby waits for it; a leader whose session ends stops and exits 1; a killed leader's lock
is freed by the server, and the standby publishes the rest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import psycopg
import pytest
from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from consumers.lease import PostgresLease
from domain.services import Services
from tests.support.kafka import (
    CLERK,
    Deployment,
    deployment,
    end_offsets,
    register_units,
    services_over,
    wait_until,
)

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]
JIANDU = ROOT / ".venv" / "bin" / "jiandu"


def test_a_second_lease_waits_until_the_holder_session_ends(postgres_url: str) -> None:
    first = PostgresLease(postgres_url, "test lease one")
    second = PostgresLease(postgres_url, "test lease one")
    other = PostgresLease(postgres_url, "test lease two")
    try:
        assert first.try_acquire() and first.held()
        assert not second.try_acquire() and not second.held()
        assert other.try_acquire()  # another name is another lease
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = %s",
                [f"jiandu pid {os.getpid()} lease test lease one"],
            )
        assert not first.held()  # its session is gone, and the lock with it
        assert second.try_acquire() and second.held()
        second.release()
        assert not second.held()
        assert first.try_acquire()
    finally:
        for lease in (first, second, other):
            lease.release()


class Relays:
    """`jiandu relay` processes over one deployment, each logging to its own file."""

    def __init__(self, d: Deployment, folder: Path) -> None:
        self.d = d
        self.folder = folder
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str) -> subprocess.Popen[bytes]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
        env.update(self.d.environ(), JIANDU_LOG_LEVEL="info")
        with (self.folder / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                [str(JIANDU), "relay", "--batch-size", "50", "--interval", "0.05",
                 "--lease-check", "0.5"],
                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip
        self.started.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text()

    def leads(self, name: str) -> bool:
        return "lease jiandu" in self.log(name) and " acquired" in self.log(name)

    def holder(self) -> int | None:
        """The pid of the relay process whose session holds the relay's lease."""
        with psycopg.connect(self.d.postgres_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                " WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE %s",
                [f"jiandu pid % lease jiandu {self.d.schema} relay%"],
            ).fetchall()
        assert len(rows) <= 1, rows
        return int(rows[0][0].split(" ")[2]) if rows else None

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)


@contextmanager
def relays(d: Deployment, folder: Path) -> Iterator[Relays]:
    running = Relays(d, folder)
    try:
        yield running
    finally:
        running.stop_all()


def record(services: Services, towns: list[str], start: int, count: int) -> None:
    for n in range(start, start + count):
        code = f"L{n:05d}"
        services.personnel.register_cadre(
            CLERK, code=code, name=f"干部{code}", gender="female", birth_date=date(1990, 1, 1)
        )
        services.personnel.recruit(
            CLERK, code, effective_date=date(2020, 1, 1), unit=towns[n % 3], channel="exam"
        )


def published_positions(d: Deployment) -> set[int]:
    """The positions of every message on the topic (read from the beginning to the end)."""
    ends = end_offsets(d.bootstrap, d.topic)
    consumer = KafkaConsumer(bootstrap_servers=d.bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(d.topic, p) for p in ends]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        positions: set[int] = set()
        while any(consumer.position(tp) < ends[tp.partition] for tp in partitions):
            for messages in consumer.poll(timeout_ms=1000).values():
                positions.update(json.loads(m.value)["position"] for m in messages)
        return positions
    finally:
        consumer.close()


def test_one_relay_publishes_at_a_time_and_a_standby_takes_over_from_a_lost_or_killed_leader(
    postgres_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    with deployment(postgres_url, kafka_bootstrap, partitions=3) as d, relays(d, tmp_path) as r:
        store = d.store()
        services = services_over(store)
        towns = register_units(services, townships=3)
        relay_log = d.relay_log()

        a = r.start("a")
        wait_until(lambda: r.leads("a"), 60, "relay a to take the lease")
        b = r.start("b")
        wait_until(lambda: "standing by" in r.log("b"), 60, "relay b to stand by")
        record(services, towns, 0, 100)
        wait_until(lambda: relay_log.position(d.topic) == store.position(), 60, "relay a")
        assert r.holder() == a.pid and not r.leads("b")  # b published nothing meanwhile

        # a's database session ends (a network cut, a failover): a stops and exits 1.
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name LIKE %s",
                [f"jiandu pid {a.pid} lease jiandu {d.schema} relay%"],
            )
        assert a.wait(timeout=60) == 1, r.log("a")
        assert "lost" in r.log("a")
        wait_until(lambda: r.leads("b"), 60, "relay b to take over")
        assert r.holder() == b.pid
        record(services, towns, 100, 100)
        wait_until(lambda: relay_log.position(d.topic) == store.position(), 60, "relay b")

        # b is killed outright: the server frees its lock, and a new standby c carries on.
        c = r.start("c")
        wait_until(lambda: "standing by" in r.log("c"), 60, "relay c to stand by")
        b.send_signal(signal.SIGKILL)
        b.wait(timeout=30)
        record(services, towns, 200, 100)
        wait_until(lambda: r.leads("c"), 60, "relay c to take over")
        wait_until(lambda: relay_log.position(d.topic) == store.position(), 60, "relay c")
        assert r.holder() == c.pid
        c.send_signal(signal.SIGTERM)
        assert c.wait(timeout=60) == 0, r.log("c")
        assert r.holder() is None

        every = set(range(1, store.position() + 1))
        assert published_positions(d) == every  # nothing lost (a second copy would be harmless)
