"""Projections and the runner that follows the event store's notification log.

A projection is a pure step: apply one event to the view through a :class:`ViewTx`. The
runner applies batches and flushes the view changes together with each projection's
position in one transaction; events a projection ignores still advance its position.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from projections.background import Background
from projections.sql import SqlViews
from projections.view import Table, ViewTx

log = logging.getLogger("jiandu.projections")


class EventSource(Protocol):
    """What a runner reads: the store's notification log, decoded, and one aggregate's past."""

    def position(self) -> int:
        """The last recorded global position."""
        ...

    def read(self, after: int, limit: int) -> list[tuple[int, Any]]:
        """Up to ``limit`` (position, domain event) pairs after a position, in order."""
        ...

    def history(self, originator_id: UUID, upto_version: int) -> list[Any]:
        """The decoded events of one aggregate up to a version (refolds after corrections)."""
        ...


class Projection:
    """Base class: a name, the tables it owns, and how one event changes them."""

    name = "projection"
    tables: tuple[Table, ...] = ()

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


@dataclass
class Progress:
    """How far a run got."""

    position: int
    target: int
    applied: int


@contextmanager
def fewer_collections() -> Iterator[None]:
    """The garbage collector relaxed while batches of events are applied."""
    # Catching up allocates millions of short-lived rows; the default collector thresholds
    # make it scan them again and again (measured: ~20% of a rebuild).
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


class Follower:
    """Follows the event store and keeps a set of projections up to date."""

    def __init__(
        self,
        source: EventSource,
        views: SqlViews,
        projections: Sequence[Projection],
        batch_size: int = 2000,
        *,
        indexes: bool = True,
        passive: bool = False,
    ) -> None:
        self.source = source
        self.views = views
        self.projections = list(projections)
        self.batch_size = batch_size
        self.tables: dict[str, Table] = {}
        for p in self.projections:
            self.tables.update(p.table_map())
        # A rebuild fills its tables without secondary indexes: building them once at the swap
        # is cheaper than maintaining them row by row.
        views.ensure(list(self.tables.values()), indexes=indexes)
        # A passive follower only reports and waits: another process (the Kafka projector
        # group) applies the events to the same views.
        self.passive = passive
        self.lock = threading.RLock()
        self._applied = threading.Condition()
        self._worker: Background | None = None
        self._position_names = [p.name + p.suffix for p in self.projections]
        # Whether a projection handles an event depends on the event's class only.
        self._handled: dict[str, dict[type, bool]] = {p.name: {} for p in self.projections}
        self._routes: dict[type, tuple[Callable[..., None], ...]] = {}

    def positions(self) -> dict[str, int]:
        """Each projection's applied position."""
        stored = self.views.positions()
        return {p.name: stored.get(p.name + p.suffix, 0) for p in self.projections}

    def run_once(self) -> int:
        """Apply one batch; returns the number of events read."""
        with self.lock:
            positions = self.positions()
            start = min(positions.values(), default=0)
            batch = self.source.read(start, self.batch_size)
            if not batch:
                return 0
            tx = ViewTx(self.views, self.tables)
            try:
                if all(positions[p.name] == start for p in self.projections):
                    self._apply_together(batch, tx)
                else:
                    for projection in self.projections:
                        self._apply_one(projection, positions[projection.name], batch, tx)
                for projection in self.projections:
                    done = positions[projection.name]
                    tx.positions[projection.name + projection.suffix] = max(done, batch[-1][0])
                    projection.before_flush(tx)
                tx.flush()
            except BaseException:
                for projection in self.projections:
                    projection.reset()
                raise
            for projection in self.projections:
                projection.after_flush()
        with self._applied:
            self._applied.notify_all()
        return len(batch)

    def _apply_together(self, batch: list[tuple[int, Any]], tx: ViewTx) -> None:
        # Every projection is at the batch's start: one pass, each event to those that take it.
        for position, event in batch:
            kind = type(event)
            appliers = self._routes.get(kind)
            if appliers is None:
                appliers = self._routes[kind] = tuple(
                    p.apply for p in self.projections if self._handles(p, event)
                )
            for apply in appliers:
                apply(event, position, tx, self.source)

    def _apply_one(
        self, projection: Projection, done: int, batch: list[tuple[int, Any]], tx: ViewTx
    ) -> None:
        for position, event in batch:
            if position > done and self._handles(projection, event):
                projection.apply(event, position, tx, self.source)

    def _handles(self, projection: Projection, event: Any) -> bool:
        handled = self._handled[projection.name]
        kind = type(event)
        if kind not in handled:
            handled[kind] = projection.handles(event)
        return handled[kind]

    def catch_up(self, on_progress: Callable[[Progress], None] | None = None) -> int:
        """Apply batches until every projection reached the store's position at the start."""
        target = self.source.position()
        applied = 0
        with fewer_collections():
            while min(self.positions().values(), default=target) < target:
                count = self.run_once()
                if count == 0:
                    break
                applied += count
                if on_progress:
                    on_progress(Progress(min(self.positions().values()), target, applied))
        return applied

    def wait_for(self, position: int, timeout: float) -> bool:
        """Block until every projection applied ``position`` (read-your-writes)."""
        deadline = time.monotonic() + timeout
        while min(self.positions().values(), default=0) < position:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self._worker is None and not self.passive:
                self.run_once()
                continue
            with self._applied:
                self._applied.wait(min(remaining, 0.05))
        return True

    def lag(self) -> dict[str, dict[str, int]]:
        """Position and lag of each projection."""
        head = self.source.position()
        return {
            name: {"position": pos, "lag": max(head - pos, 0)}
            for name, pos in self.positions().items()
        }

    def start(self, interval: float = 0.2) -> None:
        """Follow in a background thread, polling every ``interval`` seconds when idle."""
        if self._worker is not None or self.passive:
            return
        self._worker = Background(
            "jiandu-projections", lambda: self.run_once() > 0, interval=interval
        )
        self._worker.start()

    def stop(self) -> None:
        """Stop following; returns once the current batch is done."""
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
