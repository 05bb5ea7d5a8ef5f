"""How far a consumer group has applied the log without a gap: its watermark.

The relay publishes events in position order, keyed by aggregate id, so each partition carries
its events in position order; a group member stores, per partition, the highest position it
has applied (or dead-lettered). An event is then applied exactly when its position is at or
below its partition's highest. The watermark is the position just before the first stored event
that is not: every event up to it is applied, whatever the partitions' relative speeds. Positions
may have gaps (a store's sequence skips on a rolled-back write), so the store, not arithmetic,
says which events exist.

The partition of an event is the producer's default partitioner (murmur2 of the key): the
watermark is right as long as the topic's partition count does not change (nor does the
per-aggregate order, which depends on it too).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from uuid import UUID

from kafka.partitioner.default import murmur2

from domain.store import Store

# (position, aggregate id) of the stored events after a position, at most ``limit`` of them
Keys = Callable[[int, int], Sequence[tuple[int, UUID]]]
# The scan reads the store in pages growing from FIRST_SCAN to SCAN: it usually ends within a
# few events of where it starts (at the next event of the partition furthest behind), so a
# first page of hundreds of stored events (their whole state, from the notification log) is
# mostly read for nothing.
FIRST_SCAN = 32
SCAN = 512


def partition_of(aggregate_id: UUID | str, partitions: int) -> int:
    """The partition the relay's producer puts an aggregate's events on (key: its id)."""
    hashed: int = murmur2(str(aggregate_id).encode())
    return (hashed & 0x7FFFFFFF) % partitions


def watermark(highs: Mapping[int, int], partitions: int, keys: Keys) -> int:
    """The highest position P such that every stored event up to P is applied, given each
    partition's highest applied position."""
    after = min((highs.get(p, 0) for p in range(partitions)), default=0)
    limit = FIRST_SCAN
    while batch := keys(after, limit):
        for position, aggregate_id in batch:
            if position > highs.get(partition_of(aggregate_id, partitions), 0):
                return position - 1
        after = batch[-1][0]
        limit = min(limit * 4, SCAN)
    return after


def store_keys(store: Store) -> Keys:
    """The stored events' positions and aggregate ids, from the store's notification log."""

    def keys(after: int, limit: int) -> list[tuple[int, Any]]:
        found = store.recorder.select_notifications(start=after + 1, limit=limit)
        return [(n.id, n.originator_id) for n in found]

    return keys
