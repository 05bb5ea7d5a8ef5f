"""The consumer groups' sink without a broker: batches of real envelopes from an embedded store,
handed to a follower (a hand-written one: the port), offsets and the watermark recorded."""

from __future__ import annotations

import dataclasses
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
from projections.following import FollowerBase, Mark, Poisoned
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


class Picky(Applied):
    """Cannot apply some positions (the batch is retried without them) and refuses others."""

    def __init__(self, poisoned: set[int], refused: set[int]) -> None:
        super().__init__()
        self.poisoned, self.refused = poisoned, refused
        self.attempts = 0

    def process(self, prepared: Items, mark: Mark) -> dict[int, str]:
        self.attempts += 1
        positions = [p for p, _ in prepared]
        for p in positions:
            if p in self.poisoned:
                raise Poisoned(p, ValueError(f"cannot apply {p}"))
        self.batches.append(positions)
        return {p: "refused" for p in positions if p in self.refused}


def test_a_mixed_batch_applies_each_event_once_and_dead_letters_what_it_cannot(
    store: Store, tmp_path: Path
) -> None:
    """Partitions' runs split and interleaved, a republished event, a stored event and a forged
    message the follower cannot apply, an item it refuses: what is applied, dead-lettered,
    skipped and stored per partition."""
    zero, one = deliveries(store, 0).deliveries, deliveries(store, 1).deliveries
    assert len(zero) >= 3 and len(one) >= 2, "both partitions carry several events"
    half = len(zero) // 2
    again = Delivery(1, len(one), one[0].key, one[0].value, one[0].envelope)  # republished
    beyond = store.position() + 50
    forged = Delivery(
        0, len(zero), b"k", b"{}", dataclasses.replace(zero[0].envelope, position=beyond)
    )
    batch = Batch(TOPIC, partitions=PARTITIONS)
    batch.deliveries = [*zero[:half], *one, again, *zero[half:], forged]
    batch.next_offsets = {1: len(one) + 1, 0: len(zero) + 1}
    stored_poison, refused = zero[-1].envelope.position, one[-1].envelope.position
    follower = Picky({stored_poison, beyond}, {refused})
    views = SqliteViews(str(tmp_path / "v.db"))
    sink = FollowerSink(follower, views, store, "g")
    dead: list[tuple[int, str]] = []
    sink.apply(batch, lambda d, error: dead.append((d.envelope.position, str(error))))

    kept = [*zero[:half], *one, *zero[half:-1]]
    assert follower.batches == [[d.envelope.position for d in kept]]
    assert follower.attempts == 3  # two poisoned items, one retry each
    assert sorted(dead) == sorted(
        [
            (stored_poison, f"cannot apply {stored_poison}"),
            (beyond, f"cannot apply {beyond}"),
            (refused, "refused"),
        ]
    )
    assert sink.skipped == 1  # the republished copy
    # The stored poisoned event counts as passed, the forged position does not.
    assert views.offsets("g", TOPIC) == {
        0: (len(zero) + 1, max(d.envelope.position for d in zero)),
        1: (len(one) + 1, max(d.envelope.position for d in one)),
    }
    assert follower.recorded == store.position()

    sink.apply(batch, lambda d, error: dead.append((d.envelope.position, str(error))))
    assert follower.batches[-1] == [] and len(dead) == 3  # everything was applied before


def test_each_partition_stores_its_highest_position_when_runs_interleave(
    store: Store, tmp_path: Path
) -> None:
    zero, one = deliveries(store, 0).deliveries, deliveries(store, 1).deliveries
    batch = Batch(TOPIC, partitions=PARTITIONS)
    batch.deliveries = [*one[:1], *zero, *one[1:]]
    batch.next_offsets = {1: len(one), 0: len(zero)}
    follower, views = Applied(), SqliteViews(str(tmp_path / "v.db"))
    FollowerSink(follower, views, store, "g").apply(batch, refuse)
    assert follower.batches == [[d.envelope.position for d in batch.deliveries]]
    assert views.offsets("g", TOPIC) == {
        0: (len(zero), max(d.envelope.position for d in zero)),
        1: (len(one), max(d.envelope.position for d in one)),
    }
    assert follower.recorded == store.position()
