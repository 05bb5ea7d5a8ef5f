"""The Kafka watermark: every stored event up to it is applied, whatever the partitions' speeds."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st
from kafka.partitioner.default import DefaultPartitioner

from consumers.watermark import partition_of, watermark


class Cluster:
    """The little of kafka-python's cluster metadata its default partitioner reads."""

    def __init__(self, topic: str, partitions: int) -> None:
        self.topic, self.partitions = topic, set(range(partitions))

    def topics(self) -> set[str]:
        return {self.topic}

    def partitions_for_topic(self, topic: str) -> set[int]:
        return self.partitions

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return self.partitions


def test_an_aggregate_goes_to_the_partition_the_producer_picks_for_its_key() -> None:
    picker = DefaultPartitioner()
    for partitions in (1, 3, 6, 12):
        cluster = Cluster("jiandu.events", partitions)
        for _ in range(200):
            aggregate = uuid.uuid4()
            key = str(aggregate).encode()
            chosen = picker.partition("jiandu.events", aggregate, key, None, None, cluster)
            assert partition_of(aggregate, partitions) == chosen


AGGREGATES = [uuid.UUID(int=n) for n in range(1, 12)]


@st.composite
def logs(draw: st.DrawFn) -> tuple[list[tuple[int, uuid.UUID]], int, dict[int, int]]:
    """A stored log with gaps in its positions, a partition count, and how far each partition
    has been consumed (a prefix of it: partitions keep position order)."""
    partitions = draw(st.integers(1, 4))
    gaps = draw(st.lists(st.integers(1, 3), min_size=0, max_size=40))
    positions, at = [], 0
    for gap in gaps:
        at += gap
        positions.append(at)
    log = [(p, draw(st.sampled_from(AGGREGATES))) for p in positions]
    highs: dict[int, int] = {}
    for partition in range(partitions):
        own = [p for p, a in log if partition_of(a, partitions) == partition]
        consumed = draw(st.integers(0, len(own)))
        if consumed:
            highs[partition] = own[consumed - 1]
    return log, partitions, highs


def reader(log: Sequence[tuple[int, uuid.UUID]]):  # type: ignore[no-untyped-def]
    def keys(after: int, limit: int) -> list[tuple[int, uuid.UUID]]:
        return [(p, a) for p, a in log if p > after][:limit]

    return keys


@settings(max_examples=300)
@given(logs())
def test_the_watermark_is_the_end_of_the_applied_prefix(
    case: tuple[list[tuple[int, uuid.UUID]], int, dict[int, int]],
) -> None:
    log, partitions, highs = case
    applied = [p <= highs.get(partition_of(a, partitions), 0) for p, a in log]
    missing = [p for (p, _), done in zip(log, applied, strict=True) if not done]
    last = log[-1][0] if log else 0
    expected = missing[0] - 1 if missing else last
    assert watermark(highs, partitions, reader(log)) == expected


def test_the_highest_applied_position_is_not_the_watermark() -> None:
    # Two aggregates on two partitions; the later one's partition is ahead.
    first, second = (next(a for a in AGGREGATES if partition_of(a, 2) == p) for p in (0, 1))
    log = [(1, first), (2, second), (3, first), (5, second)]
    assert watermark({1: 5}, 2, reader(log)) == 0  # partition 0 has applied nothing
    assert watermark({0: 1, 1: 5}, 2, reader(log)) == 2  # event 3 (partition 0) is missing
    assert watermark({0: 3, 1: 5}, 2, reader(log)) == 5
