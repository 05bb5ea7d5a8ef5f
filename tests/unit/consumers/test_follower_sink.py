"""The consumer groups' sink without a broker: batches of real envelopes from an embedded store,
handed to a follower (a hand-written one: the port), offsets and the watermark recorded."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from api.vault import AesGcmVault
from consumers.envelope import encode, parse
from consumers.following import FollowerSink
from consumers.loop import Batch, Behind, Delivery
from consumers.watermark import partition_of
from domain.clock import FixedClock
from domain.services import Services
from domain.store import Store
from projections.following import Batch as Items
from projections.following import FollowerBase, Mark
from projections.sql import SqliteViews

TOPIC = "jiandu.events"
PARTITIONS = 2


class Applied(FollowerBase):
    """Remembers what it was given and the position it was told to record."""

    name = "applied"

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.recorded = 0

    def positions(self) -> dict[str, int]:
        return {self.name: self.recorded}

    def process(self, prepared: Items, mark: Mark) -> dict[int, str]:
        assert mark.position is None  # from Kafka the sink records the position afterwards
        self.batches.append([p for p, _ in prepared])
        return {}

    def record(self, position: int) -> None:
        self.recorded = max(self.recorded, position)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "e.db")}
    store = Store(env=env)
    services = Services.over(store, FixedClock.on(date(2026, 11, 26)), AesGcmVault.from_secret("u"))
    for n in range(6):
        services.organisation.register_unit(
            "c", code=f"U{n}", name=f"单位{n}", level="county", kind="department"
        )
    return store


def deliveries(store: Store, partition: int) -> Batch:
    """Every stored event of one partition, as the relay publishes them, in one batch."""
    batch, offset = Batch(TOPIC, partitions=PARTITIONS), 0
    for n in store.recorder.select_notifications(start=1, limit=100):
        if partition_of(n.originator_id, PARTITIONS) != partition:
            continue
        value = encode(n, store.mapper)
        key = str(n.originator_id).encode()
        batch.deliveries.append(Delivery(partition, offset, key, value, parse(value)))
        batch.next_offsets[partition] = offset + 1
        offset += 1
    return batch


def refuse(delivery: Delivery, error: BaseException) -> Any:
    raise AssertionError(f"dead-lettered {delivery.envelope.position}: {error}")


def test_partitions_applied_one_after_the_other_move_the_watermark_without_gaps(
    store: Store, tmp_path: Path
) -> None:
    follower = Applied()
    sink = FollowerSink(follower, SqliteViews(str(tmp_path / "v.db")), store, "g")
    first, second = deliveries(store, 0), deliveries(store, 1)
    assert first.deliveries and second.deliveries, "both partitions carry events"
    later = min(d.envelope.position for d in first.deliveries + second.deliveries)
    ahead, behind = (
        (first, second) if first.deliveries[0].envelope.position > later else (second, first)
    )
    sink.apply(ahead, refuse)  # the partition without the first event
    assert follower.recorded == later - 1  # the watermark stops before the missing event
    sink.apply(behind, refuse)
    assert follower.recorded == store.position()
    sink.apply(behind, refuse)  # delivered again: nothing is applied twice
    assert sorted(p for b in follower.batches for p in b) == list(range(1, store.position() + 1))
    assert sink.stored_offsets(TOPIC) == {0: len(first.deliveries), 1: len(second.deliveries)}


def test_a_gated_follower_gets_no_event_past_its_gate(store: Store, tmp_path: Path) -> None:
    follower, reached = Applied(), [0]
    views = SqliteViews(str(tmp_path / "v.db"))
    sink = FollowerSink(follower, views, store, "g", gate=lambda: reached[0])
    batch = deliveries(store, 0)
    with pytest.raises(Behind):
        sink.apply(batch, refuse)
    assert follower.batches == [] and sink.stored_offsets(TOPIC) == {}
    reached[0] = store.position()
    sink.apply(batch, refuse)
    assert follower.batches == [[d.envelope.position for d in batch.deliveries]]
