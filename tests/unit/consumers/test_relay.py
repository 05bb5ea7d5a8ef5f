"""The relay's pipeline without a broker: a hand-written producer whose acknowledgements the
test gives, so what is recorded when is visible. (The real broker: tests/integration.)"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from kafka.partitioner.default import DefaultPartitioner

from api.vault import AesGcmVault
from consumers.envelope import parse
from consumers.relay import KeyPartitioner, Relay, RelayLog
from domain.clock import FixedClock
from domain.services import Services
from domain.store import Store
from projections.sql import SqliteViews


class Ack:
    """A send's future: done when the test (or a wait on it) acknowledges it."""

    def __init__(self, producer: FakeProducer) -> None:
        self.producer = producer
        self.is_done = False
        self.exception: Exception | None = None

    def get(self) -> None:
        if not self.is_done:  # waiting for a record: the broker answers
            self.producer.waited += 1
            self.is_done = True
        if self.exception is not None:
            raise self.exception

    def failed(self) -> bool:
        return self.is_done and self.exception is not None


class FakeProducer:
    def __init__(self, partitions: int = 6) -> None:
        self.sent: list[tuple[int, Ack]] = []
        self.partitions = partitions
        self.chosen: list[tuple[bytes, int]] = []  # (key, partition) of every send
        self.waited = 0
        self.flushes = 0
        self.closed = False

    def partitions_for(self, topic: str) -> set[int]:
        return set(range(self.partitions))

    def send(self, topic: str, key: bytes, value: bytes, partition: int) -> Ack:
        ack = Ack(self)
        self.sent.append((parse(value).position, ack))
        self.chosen.append((key, partition))
        return ack

    def flush(self) -> None:
        self.flushes += 1

    def close(self, timeout: float) -> None:
        self.closed = True


@pytest.fixture
def store(tmp_path: Path) -> Store:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "e.db")}
    store = Store(env=env)
    services = Services.over(store, FixedClock.on(date(2026, 11, 26)), AesGcmVault.from_secret("u"))
    for i in range(7):
        services.organisation.register_unit(
            "c", code=f"C{i}", name=f"某{i}", level="county", kind="department"
        )
    return store


def relay_over(store: Store, tmp_path: Path) -> tuple[Relay, list[FakeProducer]]:
    producers: list[FakeProducer] = []

    def new() -> Any:
        producers.append(FakeProducer())
        return producers[-1]

    log = RelayLog(SqliteViews(str(tmp_path / "relay.db")))
    return Relay(store, new, log, "t", batch_size=2, in_flight=1), producers


def test_batches_go_out_before_earlier_ones_are_acknowledged(store: Store, tmp_path: Path) -> None:
    relay, producers = relay_over(store, tmp_path)
    assert relay.publish_once() == 2
    assert relay.log.position("t") == 0  # handed over, not acknowledged: nothing recorded
    assert relay.publish_once() == 2  # the second batch goes out while the first is in flight
    # Two batches in flight, one allowed: the relay waited for the first, and recorded it.
    assert [p for p, _ in producers[0].sent] == [1, 2, 3, 4]
    assert producers[0].waited == 2 and relay.log.position("t") == 2


def test_a_position_is_recorded_only_when_every_batch_up_to_it_is_acknowledged(
    store: Store, tmp_path: Path
) -> None:
    relay, producers = relay_over(store, tmp_path)
    relay.in_flight = 4
    for _ in range(3):
        relay.publish_once()
    sent = dict(producers[0].sent)
    for position in (3, 4, 6):  # the second batch and part of the third: the first is not
        sent[position].is_done = True
    relay.publish_once()  # the fourth batch (7) out; nothing acknowledged from the start
    assert relay.log.position("t") == 0
    sent[1].is_done = sent[2].is_done = True
    relay.publish_once()  # nothing left to read: wait for everything, record the end
    assert relay.log.position("t") == 7
    assert producers[0].flushes == 1


def test_a_failed_delivery_records_nothing_past_it_and_the_next_producer_resends(
    store: Store, tmp_path: Path
) -> None:
    relay, producers = relay_over(store, tmp_path)
    relay.publish_once()
    relay.publish_once()
    relay.publish_once()  # batches 1-2 and 3-4 acknowledged (waited for), 5-6 in flight
    assert relay.log.position("t") == 4
    sent = dict(producers[0].sent)
    sent[5].exception = RuntimeError("broker refused")
    with pytest.raises(RuntimeError, match="refused"):
        relay.publish_once()
    assert relay.log.position("t") == 4
    relay.close()
    assert producers[0].closed
    while relay.publish_once():
        pass
    assert [p for p, _ in producers[1].sent] == [5, 6, 7]
    assert relay.log.position("t") == 7


class Cluster:
    """What a partitioner reads of the cluster metadata."""

    def __init__(self, partitions: int) -> None:
        self.partitions = set(range(partitions))

    def topics(self) -> set[str]:
        return {"t"}

    def partitions_for_topic(self, topic: str) -> set[int]:
        return self.partitions

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return self.partitions


@pytest.mark.parametrize("count", [1, 6, 7])
def test_the_relay_sends_each_key_to_the_partition_kafkas_default_partitioner_picks(
    count: int, store: Store, tmp_path: Path
) -> None:
    services = Services.over(store, FixedClock.on(date(2026, 11, 26)), AesGcmVault.from_secret("u"))
    for i in range(40):  # more aggregates than partitions
        services.organisation.register_unit(
            "c", code=f"D{i}", name=f"部{i}", level="county", kind="department"
        )
    producers: list[FakeProducer] = []

    def new() -> Any:
        producers.append(FakeProducer(count))
        return producers[-1]

    relay = Relay(store, new, RelayLog(SqliteViews(str(tmp_path / "r.db"))), "t", batch_size=9)
    while relay.publish_once():
        pass
    default, cluster = DefaultPartitioner(), Cluster(count)
    chosen = producers[0].chosen
    assert len(chosen) == store.position() == 47
    assert len({key for key, _ in chosen}) == 47  # one event per aggregate: many keys
    assert len({partition for _, partition in chosen}) == min(count, 47)
    for key, partition in chosen:
        assert partition == default.partition("t", key, key, None, None, cluster)


@pytest.mark.parametrize("count", [1, 6, 7])
def test_keys_go_to_the_partitions_kafkas_default_partitioner_picks(count: int) -> None:
    keys = [f"00000000-0000-4000-8000-{i:012d}".encode() for i in range(500)]
    cached, default, cluster = KeyPartitioner(), DefaultPartitioner(), Cluster(count)
    for key in keys + keys:  # the second time from the cache
        expected = default.partition("t", key, key, None, None, cluster)
        assert cached.partition("t", key, key, None, None, cluster) == expected
