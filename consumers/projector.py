"""The projector group: the platform's projections, fed from Kafka, offsets beside the rows.

Each batch's view changes and the group's offsets (and the highest position applied per
partition) are written in one transaction; the offset write is a compare-and-set, so a
consumer that lost its partitions in a rebalance cannot commit. A message at or below its
partition's highest applied position was published twice by the relay and is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from consumers.loop import TRANSIENT, Batch, Delivery, Reject
from domain.store import Store
from projections.framework import Projection
from projections.sql import SqlViews
from projections.view import OffsetMove, Table, ViewTx


class BatchSource:
    """The EventSource of one batch: the store for histories (events come from the topic)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def position(self) -> int:
        return self.store.position()

    def read(self, after: int, limit: int) -> list[tuple[int, Any]]:
        raise NotImplementedError("the projector is fed by Kafka, not by reading the store")

    def history(self, originator_id: UUID, upto_version: int) -> list[Any]:
        return self.store.history(originator_id, upto_version)


class _Poisoned(Exception):
    def __init__(self, delivery: Delivery, error: Exception) -> None:
        super().__init__(str(error))
        self.delivery = delivery
        self.error = error


class ProjectorSink:
    """Applies batches to the PostgreSQL (or SQLite) read models with the same projections
    the in-process follower runs."""

    def __init__(
        self,
        views: SqlViews,
        store: Store,
        projections: Sequence[Projection],
        group: str = "jiandu-projector",
    ) -> None:
        self.views = views
        self.store = store
        self.projections = list(projections)
        self.group = group
        self.tables: dict[str, Table] = {}
        for p in self.projections:
            self.tables.update(p.table_map())
        views.ensure(list(self.tables.values()))
        self.skipped = 0
        self._routes: dict[type, tuple[Callable[..., None], ...]] = {}

    def stored_offsets(self, topic: str) -> dict[int, int]:
        return {p: offset for p, (offset, _) in self.views.offsets(self.group, topic).items()}

    def apply(self, batch: Batch, reject: Reject) -> None:
        stored = self.views.offsets(self.group, batch.topic)
        events: list[tuple[Delivery, Any]] = []
        for d in self._fresh(batch, stored):
            try:
                events.append((d, d.envelope.event()))
            except Exception as error:  # undecodable state or a failed upcast: poison
                reject(d, error)
        rejected: set[tuple[int, int]] = set()
        while True:
            try:
                self._write(events, rejected, self._moves(batch, stored, events, rejected))
                break
            except _Poisoned as poisoned:
                self.discard()
                d = poisoned.delivery
                rejected.add((d.partition, d.offset))
                reject(d, poisoned.error)
            except BaseException:
                self.discard()
                raise
        for projection in self.projections:
            projection.after_flush()

    def _fresh(self, batch: Batch, stored: dict[int, tuple[int, int]]) -> list[Delivery]:
        """The messages not applied yet: past the stored offset, and not a second copy of an
        event (at or below the highest position applied from the partition, or seen twice)."""
        fresh, seen = [], set()
        for d in batch.deliveries:
            next_offset, high = stored.get(d.partition, (0, 0))
            if d.offset < next_offset:
                continue  # applied by an earlier batch
            if d.envelope.position <= high or d.envelope.position in seen:
                self.skipped += 1  # published twice by the relay
                continue
            seen.add(d.envelope.position)
            fresh.append(d)
        return fresh

    def _moves(
        self,
        batch: Batch,
        stored: dict[int, tuple[int, int]],
        events: list[tuple[Delivery, Any]],
        rejected: set[tuple[int, int]],
    ) -> list[OffsetMove]:
        """The batch's offset moves; a rejected message does not raise the highest position."""
        high = {p: h for p, (_, h) in stored.items()}
        for d, _ in events:
            if (d.partition, d.offset) not in rejected:
                high[d.partition] = max(high.get(d.partition, 0), d.envelope.position)
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

    def _write(
        self,
        events: list[tuple[Delivery, Any]],
        rejected: set[tuple[int, int]],
        moves: list[OffsetMove],
    ) -> None:
        tx = ViewTx(self.views, self.tables)
        source = BatchSource(self.store)
        # One pass, each event to the projections that take its class (as the follower does).
        for d, event in events:
            if rejected and (d.partition, d.offset) in rejected:
                continue
            appliers = self._routes.get(type(event))
            if appliers is None:
                appliers = self._routes[type(event)] = tuple(
                    p.apply for p in self.projections if p.handles(event)
                )
            try:
                for apply in appliers:
                    apply(event, d.envelope.position, tx, source)
            except TRANSIENT:
                raise
            except Exception as error:
                raise _Poisoned(d, error) from error
        for projection in self.projections:
            projection.before_flush(tx)
        tx.offsets.extend(moves)
        tx.flush()

    def discard(self) -> None:
        for projection in self.projections:
            projection.reset()
