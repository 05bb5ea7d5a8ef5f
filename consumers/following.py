"""A consumer group that feeds a follower: the same followers the in-process runner feeds.

Every group (``projector``: the read models, ``indexer``: the search index, ``supervisor``: the
supervision process) stores, per source partition, the next offset and the highest position it
applied, in the views database. A follower that is ``transactional`` stores them in its
effect's transaction (compare-and-set: a member that lost its partitions in a rebalance cannot
commit); the others apply idempotently and the offsets are stored right after. A message at or
below its partition's highest applied position was published twice by the relay and is skipped.

After each batch the group computes its watermark (``consumers.watermark``) from every
partition's highest position and the follower records it: that is the follower's position, the
one ``?min_position=`` waits on and the status page reports, as in process. Members compute it
after their commits and the record never moves back, so the last member to compute it sees
every commit before its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from consumers.loop import TRANSIENT, Batch, Behind, Delivery, Reject
from consumers.watermark import store_keys, watermark
from domain.store import Store
from projections.following import Follower, Mark, Poisoned
from projections.sql import SqlViews
from projections.view import OffsetMove

IDLE_WATERMARK_S = 1.0  # how often an idle member checks whether the watermark moved


class RefusedItem(Exception):
    """The follower left an event out for good (the search engine refused its document...)."""


class FollowerSink:
    """Hands a consumer group's batches to a follower and records its watermark."""

    def __init__(
        self,
        follower: Follower,
        views: SqlViews,
        store: Store,
        group: str,
        gate: Callable[[], int] | None = None,
    ) -> None:
        """``gate``: how far the follower may apply (the supervision process waits for the
        read models it consults, as its in-process runner does)."""
        if follower.ordered:
            raise ValueError(f"{follower.name} needs the log in order: it follows the store")
        self.follower = follower
        self.views = views
        views.ensure([])  # the offsets and positions tables
        self.store = store
        self.group = group
        self.gate = gate
        self.keys = store_keys(store)
        self.skipped = 0
        self._recorded = 0
        self._checked = 0.0
        # The offsets the last watermark read, right after this member's own commit: where
        # the next batch starts (one query fewer per batch). Stale only if another member
        # moved them (partitions reassigned): the compare-and-set then refuses the batch and
        # the loop rewinds, which discards them.
        self._offsets: tuple[str, dict[int, tuple[int, int]]] | None = None

    def stored_offsets(self, topic: str) -> dict[int, int]:
        return {p: offset for p, (offset, _) in self.views.offsets(self.group, topic).items()}

    def apply(self, batch: Batch, reject: Reject) -> None:
        kept, self._offsets = self._offsets, None
        if kept is not None and kept[0] == batch.topic:
            stored = kept[1]
        else:
            stored = self.views.offsets(self.group, batch.topic)
        items, fresh, rejected, delivered = self._events(batch, stored, reject)
        if self.gate is not None and items:
            needed = max(position for position, _ in items)
            if self.gate() < needed:
                raise Behind(f"{self.group} waits for what it consults to reach {needed}")
        while True:
            if rejected:
                highs = self._highs(batch, stored, rejected)
            else:  # every delivered message counts
                highs = {p: high for p, (_, high) in stored.items()}
                for partition, high in delivered.items():
                    if high > highs.get(partition, 0):
                        highs[partition] = high
            moves = self._moves(batch, stored, highs)
            offsets = tuple(moves) if self.follower.transactional else ()
            try:
                refused = self.follower.process(self.follower.prepare(items), Mark(None, offsets))
                break
            except Poisoned as poisoned:
                if isinstance(poisoned.error, TRANSIENT):
                    raise poisoned.error from None
                at = [position for position, _ in items].index(poisoned.position)
                del items[at]
                poison = fresh.pop(at)
                rejected.append(poison)
                reject(poison, poisoned.error)
        if refused:
            for d, (position, _) in zip(fresh, items, strict=True):
                if position in refused:
                    reject(d, RefusedItem(refused[position]))
        if not offsets and moves:
            self.views.write({}, {}, {}, offsets=moves)
        self.advance(batch.topic, batch.partitions)

    def advance(self, topic: str, partitions: int) -> None:
        """Compute the group's watermark from what every member committed, and record it."""
        if partitions <= 0:
            return
        offsets = self.views.offsets(self.group, topic)
        highs = {p: high for p, (_, high) in offsets.items()}
        reached = watermark(highs, partitions, self.keys)
        if reached > self._recorded:
            self.follower.record(reached)
            self._recorded = reached
        self._checked = time.monotonic()
        self._offsets = (topic, offsets)

    def idle(self, topic: str, partitions: int) -> None:
        """Nothing arrived: see now and then whether other members moved the watermark."""
        if time.monotonic() - self._checked >= IDLE_WATERMARK_S:
            self.advance(topic, partitions)

    def _events(
        self, batch: Batch, stored: dict[int, tuple[int, int]], reject: Reject
    ) -> tuple[list[tuple[int, Any]], list[Delivery], list[Delivery], dict[int, int]]:
        """One pass over the batch: the (position, event) items of the messages not applied yet
        with their deliveries, the messages whose event could not be built (dead-lettered), and
        each partition's highest position delivered.

        A message is applied already if it is before its partition's stored offset, or a second
        copy of an event (at or below the highest position applied from the partition, or seen
        twice in the batch: published twice by the relay)."""
        items: list[tuple[int, Any]] = []
        fresh: list[Delivery] = []
        rejected: list[Delivery] = []
        delivered: dict[int, int] = {}
        seen: set[int] = set()
        # A batch holds each partition's messages in a run: its stored offsets and highest
        # position delivered are kept in locals for the run.
        current, next_offset, high, top = -1, 0, 0, 0
        for d in batch.deliveries:
            if d.partition != current:
                if top > delivered.get(current, 0):
                    delivered[current] = top
                current = d.partition
                next_offset, high = stored.get(current, (0, 0))
                top = delivered.get(current, 0)
            envelope = d.envelope
            position = envelope.position
            if position > top:
                top = position
            if d.offset < next_offset:
                continue  # applied by an earlier batch
            if position <= high or position in seen:
                self.skipped += 1  # published twice by the relay
                continue
            seen.add(position)
            try:
                event = envelope.event()
            except Exception as error:  # undecodable state or a failed upcast: poison
                rejected.append(d)
                reject(d, error)
                continue
            items.append((position, event))
            fresh.append(d)
        if top > delivered.get(current, 0):
            delivered[current] = top
        return items, fresh, rejected, delivered

    def _highs(
        self, batch: Batch, stored: dict[int, tuple[int, int]], rejected: list[Delivery]
    ) -> dict[int, int]:
        """Each partition's highest position once a batch with dead-lettered messages is
        applied. A dead-lettered message raises it only when it is a stored event (the
        watermark then passes it: it will never be applied); a forged or corrupt one might name
        any position."""
        high = {p: h for p, (_, h) in stored.items()}
        for d in batch.deliveries:
            if d in rejected and not self._stored(d):
                continue
            high[d.partition] = max(high.get(d.partition, 0), d.envelope.position)
        return high

    def _moves(
        self, batch: Batch, stored: dict[int, tuple[int, int]], high: dict[int, int]
    ) -> list[OffsetMove]:
        """The batch's offset moves, given each partition's highest position after it."""
        moves = []
        for partition, next_offset in batch.next_offsets.items():
            expected = stored[partition][0] if partition in stored else None
            if expected is None or next_offset > expected:
                moves.append(
                    OffsetMove(
                        self.group, batch.topic, partition, expected, next_offset,
                        high.get(partition, 0),
                    )
                )  # fmt: skip
        return moves

    def _stored(self, delivery: Delivery) -> bool:
        """Whether a message is the envelope of the stored event at its position."""
        found = self.keys(delivery.envelope.position - 1, 1)
        if not found or found[0][0] != delivery.envelope.position:
            return False
        return str(found[0][1]) == str(delivery.envelope.originator_id)

    def discard(self) -> None:
        """Forget what the follower holds in memory (a failed batch, partitions moved)."""
        self._offsets = None
        self.follower.reset()
