"""A background worker: a daemon thread that repeats one step until it is stopped.

Followers of the event log (projections, supervision, the search indexer) and the daily sweep
all run this way: a step that did work runs again at once; an idle step waits ``interval``; a
failing step is logged and retried after ``retry_after`` (the error is never swallowed silently).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("jiandu.background")


class Background:
    """Runs ``step`` (returning whether it did any work) in a named daemon thread."""

    def __init__(
        self,
        name: str,
        step: Callable[[], bool],
        *,
        interval: float,
        retry_after: float = 1.0,
        join_timeout: float = 30.0,
    ) -> None:
        self.name = name
        self.step = step
        self.interval = interval
        self.retry_after = retry_after
        self.join_timeout = join_timeout
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the thread was started and not stopped."""
        return self._thread is not None

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to stop; returns once the step in progress is done."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.join_timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if not self.step():
                    self._stop.wait(self.interval)
            except Exception:
                log.exception("%s failed; retrying", self.name)
                self._stop.wait(max(self.interval, self.retry_after))
