"""Projections, and the projector: the follower that keeps the read models.

A projection is a pure step: apply one event to the view through a :class:`ViewTx`. The
projector applies batches and flushes the view changes together with each projection's
position (and a transport's offsets) in one transaction; events a projection ignores still
advance its position.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from projections.following import (
    Batch,
    EventSource,
    FollowerBase,
    Mark,
    Poisoned,
    Progress,
    fewer_collections,
)
from projections.sql import SqlViews
from projections.view import Table, ViewTx

log = logging.getLogger("jiandu.projections")


@dataclass(frozen=True)
class Share:
    """Share ``index`` of ``count``: the originators whose id's integer leaves that remainder."""

    index: int
    count: int

    def owns(self, originator_id: UUID | str) -> bool:
        """Whether this share applies the events of that originator."""
        if isinstance(originator_id, str):  # stored text: its hex digits are the integer
            return int(originator_id.replace("-", ""), 16) % self.count == self.index
        return originator_id.int % self.count == self.index

    def record(self, name: str) -> str:
        """The name of a projection's position record while this share builds it."""
        return f"{name}@{self.index}/{self.count}"


class Projection:
    """Base class: a name, the tables it owns, and how one event changes them."""

    name = "projection"
    tables: tuple[Table, ...] = ()
    per_originator = False
    """Whether every row it writes for an event belongs to the event's originator and it reads
    no other: then the events of different originators may be applied in different processes
    (a rebuild in shares, ``projections.sharing``)."""

    def __init__(self, suffix: str = "") -> None:
        self.suffix = suffix

    def table_map(self) -> dict[str, Table]:
        """Logical table name -> physical table (renamed while rebuilding beside the live one)."""
        return {t.name: t.renamed(t.name + self.suffix) if self.suffix else t for t in self.tables}

    def handles(self, event: Any) -> bool:
        """Whether events of this event's class concern this projection (others only advance
        its position); the runner asks once per class."""
        return True

    def apply(self, event: Any, position: int, tx: ViewTx, source: EventSource) -> None:
        """Change the view by one event."""
        raise NotImplementedError

    def before_flush(self, tx: ViewTx) -> None:
        """Write what the batch accumulated (called once per batch, before the commit)."""

    def after_flush(self) -> None:
        """The batch is committed."""

    def reset(self) -> None:
        """Forget any in-memory cache (after a failed flush)."""

    def shared(self, count: int) -> None:
        """It is built in one of ``count`` shares (a per-originator projection may keep less
        in memory)."""


class Projector(FollowerBase):
    """The follower of the read models: applies batches to a set of projections.

    Its position record is one row per projection (a rebuild swaps a projection in at its own
    position, so they may differ for a while); a batch goes to each projection from its own
    position on.
    """

    name = "read_models"
    transactional = True

    def __init__(
        self,
        views: SqlViews,
        projections: Sequence[Projection],
        source: EventSource | None = None,
        *,
        indexes: bool = True,
        share: Share | None = None,
    ) -> None:
        self.views = views
        self.projections = list(projections)
        self.source = source
        self._records = {
            p.name: share.record(p.name + p.suffix) if share else p.name + p.suffix
            for p in self.projections
        }
        self._appliers = {p.name: _applier(p, share) for p in self.projections}
        self.tables: dict[str, Table] = {}
        for p in self.projections:
            self.tables.update(p.table_map())
        # A rebuild fills its tables without secondary indexes: building them once at the swap
        # is cheaper than maintaining them row by row.
        views.ensure(list(self.tables.values()), indexes=indexes)
        # Whether a projection handles an event depends on the event's class only.
        self._handled: dict[str, dict[type, bool]] = {p.name: {} for p in self.projections}
        self._routes: dict[type, tuple[Callable[..., None], ...]] = {}

    def positions(self) -> dict[str, int]:
        """Each projection's applied position."""
        stored = self.views.positions()
        return {name: stored.get(record, 0) for name, record in self._records.items()}

    def process(self, prepared: Batch, mark: Mark) -> dict[int, str]:
        """Apply a batch to every projection and record the mark, in one transaction.

        With a mark position (in process), each projection takes the events after its own
        position; without one (Kafka), the transport has dropped what was applied already."""
        batch = list(prepared)
        tx = ViewTx(self.views, self.tables)
        try:
            if mark.position is None:
                self._apply_together(batch, tx)
            else:
                done = self.positions()
                start = batch[0][0] - 1 if batch else 0
                if all(done[p.name] <= start for p in self.projections):
                    self._apply_together(batch, tx)
                else:
                    for projection in self.projections:
                        self._apply_one(projection, done[projection.name], batch, tx)
                for name, record in self._records.items():
                    tx.positions[record] = max(done[name], mark.position)
            for projection in self.projections:
                projection.before_flush(tx)
            tx.offsets.extend(mark.offsets)
            tx.flush()
        except BaseException:
            self.reset()
            raise
        for projection in self.projections:
            projection.after_flush()
        return {}

    def record(self, position: int) -> None:
        """Every projection has applied ``position`` (positions never move back)."""
        self.views.advance({record: position for record in self._records.values()})

    def reset(self) -> None:
        """Forget what the projections hold in memory (after a failed batch)."""
        for projection in self.projections:
            projection.reset()

    def _source(self) -> EventSource:
        if self.source is None:
            raise RuntimeError("the projector was built without an event source for histories")
        return self.source

    def _apply_together(self, batch: Batch, tx: ViewTx) -> None:
        # Every projection is at the batch's start: one pass, each event to those that take it.
        source = self._source()
        for position, event in batch:
            kind = type(event)
            appliers = self._routes.get(kind)
            if appliers is None:
                appliers = self._routes[kind] = tuple(
                    self._appliers[p.name] for p in self.projections if self._handles(p, event)
                )
            try:
                for apply in appliers:
                    apply(event, position, tx, source)
            except Exception as error:
                raise Poisoned(position, error) from error

    def _apply_one(self, projection: Projection, done: int, batch: Batch, tx: ViewTx) -> None:
        source = self._source()
        apply = self._appliers[projection.name]
        for position, event in batch:
            if position > done and self._handles(projection, event):
                try:
                    apply(event, position, tx, source)
                except Exception as error:
                    raise Poisoned(position, error) from error

    def _handles(self, projection: Projection, event: Any) -> bool:
        handled = self._handled[projection.name]
        kind = type(event)
        if kind not in handled:
            handled[kind] = projection.handles(event)
        return handled[kind]


def _applier(projection: Projection, share: Share | None) -> Callable[..., None]:
    """How the projector applies an event to a projection: all of them, or in a share only
    its own originators' events if the projection is per-originator."""
    apply = projection.apply
    if share is None or not projection.per_originator:
        return apply
    index, count = share.index, share.count

    def apply_owned(event: Any, position: int, tx: ViewTx, source: EventSource) -> None:
        if event.originator_id.int % count == index:
            apply(event, position, tx, source)

    return apply_owned


__all__ = ["EventSource", "Progress", "Projection", "Projector", "Share", "fewer_collections"]
