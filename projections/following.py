"""Following the event log: the follower interface, its position record, and the one runner.

Everything that follows the store's notification log (the read models, the search index, the
supervision process, the audit ledger's integrator) is a :class:`Follower`: it applies batches of
``(position, item)`` pairs and records how far it got *with* its effect, in the same transaction
or idempotently after it. That record, "follower ``name`` has applied every event up to
``position``", is the one position record of the platform; where it is kept depends only on
where the effect is (the views database, the event store's tracking table, the search engine).

:class:`Runner` is the one loop that feeds a follower from an :class:`EventSource` in process
(``run_once``, ``catch_up``, ``wait_for``, ``until``, ``lag``, ``start``, ``stop``), in the
manner of the event sourcing library's runners; ``consumers.following`` feeds the same followers
from Kafka. :class:`Followers` is the set a process runs: one status report, one wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from projections.background import Background
from projections.view import OffsetMove

log = logging.getLogger("jiandu.following")

Batch = Sequence[tuple[int, Any]]


class EventSource(Protocol):
    """What a runner reads: the store's notification log (decoded, or raw for followers that
    need the stored bytes) and one aggregate's past."""

    def position(self) -> int:
        """The last recorded global position."""
        ...

    def read(self, after: int, limit: int, upto: int | None = None) -> list[tuple[int, Any]]:
        """Up to ``limit`` (position, item) pairs after a position (and at most ``upto``)."""
        ...

    def history(self, originator_id: Any, upto_version: int) -> list[Any]:
        """The decoded events of one aggregate up to a version (refolds after corrections)."""
        ...


@dataclass(frozen=True)
class Mark:
    """What a follower records with a batch's effect.

    ``position``: every event up to it is applied once the batch is (in process, the batch's
    last position); None when the transport records the position afterwards (Kafka delivers
    per partition, so only the transport can tell how far the log is applied without a gap).
    ``offsets``: the transport's offsets, stored in the effect's transaction by a follower that
    is ``transactional``.
    """

    position: int | None
    offsets: tuple[OffsetMove, ...] = ()


@dataclass
class Progress:
    """How far a run got."""

    position: int
    target: int
    applied: int


class Poisoned(Exception):
    """An item a follower could not apply, at a position (the transport dead-letters it)."""

    def __init__(self, position: int, error: BaseException) -> None:
        super().__init__(f"position {position}: {type(error).__name__}: {error}")
        self.position = position
        self.error = error


class Raced(Exception):
    """A batch was not applied because another runner of the same follower recorded it first;
    the runner reads again from the position record."""


class Follower(Protocol):
    """Something that follows the event log and keeps its position record with its effect."""

    name: str
    """Its name in status reports and metrics."""
    transactional: bool
    """Whether ``process`` stores ``mark.offsets`` in the effect's transaction (else the
    transport stores them right after; the effect must then be idempotent)."""
    ordered: bool
    """Whether it needs every event in global position order (then it is never fed from Kafka's
    partitions; it follows the store directly in any mode)."""

    def positions(self) -> dict[str, int]:
        """Its position record(s): name -> every event up to that position is applied."""
        ...

    def prepare(self, batch: Batch) -> Any:
        """Work on a batch that needs no lock (decoding, documents); runs ahead of ``process``
        in a reader thread while catching up. Most followers return the batch as it is."""
        ...

    def process(self, prepared: Any, mark: Mark) -> dict[int, str]:
        """Apply a prepared batch and record ``mark`` with the effect; returns the positions
        it left out for good, with the reason (applied without them).

        In process the batch is contiguous, in position order, after the lowest position;
        from Kafka it is in per-partition order. Raises :class:`Poisoned` for an item that
        stops the whole batch (it is retried without it), anything else for a failure worth
        retrying; :class:`Raced` when a rival runner recorded the batch first.
        """
        ...

    def record(self, position: int) -> None:
        """Record that every event up to ``position`` is applied (never moves back)."""
        ...

    def reset(self) -> None:
        """Forget what it holds in memory (after a failed batch, or when a transport's
        partitions moved to another process)."""
        ...

    def idle(self) -> None:
        """A run found nothing to apply (a chance for work that falls due with time)."""
        ...


class FollowerBase:
    """Defaults for a follower: not transactional, not ordered, batches prepared as they are,
    nothing held in memory."""

    name = "follower"
    transactional = False
    ordered = False

    def prepare(self, batch: Batch) -> Any:
        return batch

    def reset(self) -> None:
        """Nothing is held between batches."""

    def idle(self) -> None:
        """Nothing falls due with time."""


def lowest(positions: Mapping[str, int]) -> int:
    """The position every record of a follower has reached."""
    return min(positions.values(), default=0)


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


class Runner:
    """Feeds one follower from an event source, in this process.

    ``passive``: another process (a Kafka consumer group) applies the events; this runner only
    reports positions and waits. ``horizon``: how far the follower may read (by default the
    source's position), for a follower that consults other followers' views.
    """

    def __init__(
        self,
        source: EventSource,
        follower: Follower,
        batch_size: int = 1000,
        *,
        passive: bool = False,
        horizon: Callable[[], int] | None = None,
        interval: float = 0.2,
    ) -> None:
        self.source = source
        self.follower = follower
        self.batch_size = batch_size
        self.passive = passive
        self.horizon = horizon
        self.interval = interval
        self.lock = threading.RLock()
        self._applied = threading.Condition()
        self._worker: Background | None = None

    @property
    def name(self) -> str:
        """The follower's name."""
        return self.follower.name

    @property
    def following(self) -> bool:
        """Whether a background thread follows the log."""
        return self._worker is not None

    def positions(self) -> dict[str, int]:
        """The follower's position record(s)."""
        return self.follower.positions()

    def position(self) -> int:
        """The position every record of the follower has reached."""
        return lowest(self.positions())

    def _limit(self) -> int | None:
        return self.horizon() if self.horizon is not None else None

    def run_once(self) -> int:
        """Apply one batch; returns the number of events read."""
        if self.passive:
            return 0
        with self.lock:
            after, upto = self.position(), self._limit()
            if upto is not None and upto <= after:
                return 0
            batch = self.source.read(after, self.batch_size, upto)
            if not batch:
                self.follower.idle()
                return 0
            try:
                prepared = self.follower.prepare(batch)
                self._refused(self.follower.process(prepared, Mark(batch[-1][0])))
            except Raced:
                log.info("%s: a rival recorded the batch after %d first", self.name, after)
                return 0
        self._notify()
        return len(batch)

    def catch_up(self, on_progress: Callable[[Progress], None] | None = None) -> int:
        """Apply batches until the follower reached the store's position at the start.

        Pipelined: a reader thread reads and prepares the next batch while this one applies
        the last, in position order; the follower stays locked meanwhile."""
        if self.passive:
            return 0
        with self.lock, fewer_collections():
            target = self._limit()
            target = self.source.position() if target is None else target
            applied = 0
            while (start := self.position()) < target:
                try:
                    applied += self._pipeline(start, target, applied, on_progress)
                except Raced:  # a rival runner moved the position: read again from there
                    log.info("%s: a rival recorded a batch after %d first", self.name, start)
                    continue
                break
            return applied

    def _pipeline(
        self,
        start: int,
        target: int,
        before: int,
        on_progress: Callable[[Progress], None] | None,
    ) -> int:
        prepared: queue.Queue[tuple[Any, int, int] | BaseException | None] = queue.Queue(2)
        stop = threading.Event()
        reader = threading.Thread(
            target=self._read_ahead, args=(start, target, prepared, stop), daemon=True
        )
        reader.start()
        applied = 0
        try:
            while (item := prepared.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                ready, last, count = item
                self._refused(self.follower.process(ready, Mark(last)))
                applied += count
                self._notify()
                if on_progress:
                    on_progress(Progress(last, target, before + applied))
        finally:
            stop.set()
            while reader.is_alive():  # unblock a reader waiting for room
                with contextlib.suppress(queue.Empty):
                    prepared.get(timeout=0.05)
        return applied

    def _read_ahead(
        self,
        after: int,
        target: int,
        prepared: queue.Queue[tuple[Any, int, int] | BaseException | None],
        stop: threading.Event,
    ) -> None:
        try:
            while after < target and not stop.is_set():
                batch = self.source.read(after, self.batch_size, target)
                if not batch:
                    break
                prepared.put((self.follower.prepare(batch), batch[-1][0], len(batch)))
                after = batch[-1][0]
            prepared.put(None)
        except BaseException as error:  # handed to the applying thread, which raises it
            prepared.put(error)

    def _refused(self, refused: Mapping[int, str]) -> None:
        if refused:
            log.error("%s left events out", self.name, extra={"refused": dict(refused)})

    def _notify(self) -> None:
        with self._applied:
            self._applied.notify_all()

    def reached(self, position: int) -> bool:
        """Whether every record of the follower has reached ``position``."""
        return self.position() >= position

    def wait_for(self, position: int, timeout: float) -> bool:
        """Block until the follower applied ``position`` (read-your-writes)."""
        deadline = time.monotonic() + timeout
        while not self.reached(position):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self._worker is None and not self.passive and self.run_once() > 0:
                continue
            with self._applied:
                self._applied.wait(min(remaining, 0.05))
        return True

    async def until(self, position: int, timeout: float) -> bool:
        """Wait until the follower applied ``position`` without holding a thread meanwhile:
        each check runs briefly in a worker thread, the waits in between are the event loop's."""
        deadline = time.monotonic() + timeout
        pause = 0.005
        while True:
            if self._worker is None and not self.passive:
                await asyncio.to_thread(self.run_once)
            if await asyncio.to_thread(self.reached, position):
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            await asyncio.sleep(min(pause, remaining))
            pause = min(pause * 2, 0.1)

    def lag(self) -> dict[str, dict[str, int]]:
        """Position and lag behind the store of each of the follower's records."""
        head = self.source.position()
        return {
            name: {"position": pos, "lag": max(head - pos, 0)}
            for name, pos in self.positions().items()
        }

    def start(self, interval: float | None = None) -> None:
        """Follow in a background thread, polling every ``interval`` seconds when idle."""
        if self._worker is not None or self.passive:
            return
        self._worker = Background(
            f"jiandu-{self.name}",
            lambda: self.run_once() > 0,
            interval=self.interval if interval is None else interval,
        )
        self._worker.start()

    def stop(self) -> None:
        """Stop following; returns once the current batch is done."""
        if self._worker is not None:
            self._worker.stop()
            self._worker = None


class Followers:
    """The runners of one process, by follower name: one status report and one wait."""

    def __init__(self, runners: Sequence[Runner] = ()) -> None:
        self.runners: dict[str, Runner] = {}
        for runner in runners:
            self.add(runner)

    def add(self, runner: Runner) -> Runner:
        """Run one more follower (its name must be new)."""
        if runner.name in self.runners:
            raise ValueError(f"a follower named {runner.name!r} runs already")
        self.runners[runner.name] = runner
        return runner

    def __getitem__(self, name: str) -> Runner:
        return self.runners[name]

    def __contains__(self, name: object) -> bool:
        return name in self.runners

    def _chosen(self, names: Sequence[str] | None) -> list[Runner]:
        return [self.runners[n] for n in names or self.runners if n in self.runners]

    def status(self) -> dict[str, dict[str, int]]:
        """Position and lag of every position record, by record name (a follower whose record
        cannot be read now, such as a search engine that does not answer, is left out)."""
        report: dict[str, dict[str, int]] = {}
        for runner in self.runners.values():
            try:
                report.update(runner.lag())
            except Exception:  # reported, never failing the status page
                log.warning("%s: position unavailable", runner.name, exc_info=True)
        return report

    def wait_for(self, position: int, timeout: float, names: Sequence[str] | None = None) -> bool:
        """Block until the named followers (all by default) applied ``position``."""
        deadline = time.monotonic() + timeout
        for runner in self._chosen(names):
            if not runner.wait_for(position, max(deadline - time.monotonic(), 0.0)):
                return False
        return True

    async def until(
        self, position: int, timeout: float, names: Sequence[str] | None = None
    ) -> bool:
        """Wait, without holding a thread, until the named followers applied ``position``."""
        deadline = time.monotonic() + timeout
        for runner in self._chosen(names):
            if not await runner.until(position, max(deadline - time.monotonic(), 0.0)):
                return False
        return True

    def start(self, names: Sequence[str] | None = None) -> None:
        """Start following in background threads (passive runners stay idle)."""
        for runner in self._chosen(names):
            runner.start()

    def stop(self) -> None:
        """Stop every background thread."""
        for runner in reversed(list(self.runners.values())):
            runner.stop()
