"""The in-process indexer: follows the event store and keeps a search index current.

The index itself records how far it got (its position is written with its documents), so the
follower keeps no state of its own: after a restart, a reindex or a crash it resumes from the
index's position, and re-applying a batch changes nothing.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable

from projections.background import Background
from projections.framework import EventSource, Progress
from projections.search.port import Prepared, SearchIndex


class SearchFollower:
    """Reads batches from the store after the index's position and applies them."""

    def __init__(self, source: EventSource, index: SearchIndex, batch_size: int = 1000) -> None:
        self.source = source
        self.index = index
        self.batch_size = batch_size
        self.lock = threading.Lock()
        self._seen = -1
        self._ensured = False
        self._worker: Background | None = None

    def run_once(self) -> int:
        """Apply one batch; returns the number of events read."""
        with self.lock:
            if not self._ensured:
                self.index.ensure()
                self._ensured = True
            after = self.index.position()
            batch = self.source.read(after, self.batch_size)
            if batch:
                self.index.apply(batch)
            self._seen = max(after, batch[-1][0]) if batch else after
            return len(batch)

    def catch_up(self, on_progress: Callable[[Progress], None] | None = None) -> int:
        """Apply batches until the index reached the store's position at the start.

        Pipelined: a reader thread reads and prepares the next batch (decoding, documents)
        while this one writes the last (the engine indexing it), in position order."""
        target = self.source.position()
        with self.lock:
            if not self._ensured:
                self.index.ensure()
                self._ensured = True
            start = self._seen = self.index.position()
            if start >= target:
                return 0
            prepared: queue.Queue[Prepared | BaseException | None] = queue.Queue(maxsize=2)
            stop = threading.Event()
            reader = threading.Thread(
                target=self._prepare_until, args=(start, target, prepared, stop), daemon=True
            )
            reader.start()
            applied = 0
            try:
                while (item := prepared.get()) is not None:
                    if isinstance(item, BaseException):
                        raise item
                    self.index.commit(item)
                    applied += item.events
                    self._seen = item.position
                    if on_progress:
                        on_progress(Progress(item.position, target, applied))
            finally:
                stop.set()
                while reader.is_alive():  # unblock a reader waiting for room
                    with contextlib.suppress(queue.Empty):
                        prepared.get(timeout=0.05)
            return applied

    def _prepare_until(
        self,
        after: int,
        target: int,
        prepared: queue.Queue[Prepared | BaseException | None],
        stop: threading.Event,
    ) -> None:
        try:
            while after < target and not stop.is_set():
                batch = self.source.read(after, self.batch_size)
                if not batch:
                    break
                prepared.put(self.index.prepare(batch))
                after = batch[-1][0]
            prepared.put(None)
        except BaseException as error:  # handed to the writing thread, which raises it
            prepared.put(error)

    def wait_for(self, position: int, timeout: float) -> bool:
        """Block until the index applied ``position`` (read-your-writes for searches)."""
        deadline = time.monotonic() + timeout
        while self.index.position() < position:
            if time.monotonic() >= deadline:
                return False
            if self._worker is None:
                if self.run_once() == 0:
                    return self.index.position() >= position
            else:
                time.sleep(0.05)
        return True

    def start(self, interval: float = 0.5) -> None:
        """Follow in a background thread; polls the store every ``interval`` seconds when idle."""
        if self._worker is None:
            self._worker = Background(
                "jiandu-search-indexer", self._step, interval=interval, retry_after=2.0
            )
            self._worker.start()

    def _step(self) -> bool:
        # The store's position is a local read; the index's may be a request to the engine.
        return self.source.position() > self._seen and self.run_once() > 0

    def stop(self) -> None:
        """Stop following; returns once the current batch is done."""
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
