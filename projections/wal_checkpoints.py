"""Checkpoints of a SQLite file's write-ahead log, run from a thread of their own.

SQLite's automatic checkpoint runs inside the commit that crosses its page count: that commit
copies the whole log into the database file first (measured on the access log, which commits on
the API's event loop: one commit in ~2,000 took 90-115 ms, a stall of every request in flight).
With ``BackgroundCheckpoints`` the writer's automatic checkpoint is off; every ``every`` commits
the writer wakes a thread that runs a PASSIVE checkpoint from its own connection without the
writer's lock (commits go on meanwhile: the bulk of the copying), then a second one under the
writer's lock for what was committed during the first (a commit waits for that short one only;
with nothing to copy it is a no-op without a sync), so the whole log is copied and the writer
restarts it from its beginning at its next commit. Should the thread fall ``BACKSTOP`` times
behind (a starved thread), the writer checkpoints itself, so the log stays bounded.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

BACKSTOP = 4  # commits, in multiples of ``every``, after which the writer checkpoints itself

log = logging.getLogger(__name__)


class BackgroundCheckpoints:
    """A thread checkpointing the log of one SQLite file; ``committed`` is called by the writer
    (under its lock) after each commit."""

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        every: int,
        writer_lock: AbstractContextManager[object],
    ) -> None:
        self.every = every
        self._writer_lock = writer_lock
        self.done = 0  # checkpoints the thread ran
        self.inline = 0  # checkpoints the writer ran itself (the backstop)
        self._since = 0  # commits since the last checkpoint that copied the whole log
        self._wake = threading.Event()
        self._closed = False
        self._ran = threading.Condition()
        self._thread = threading.Thread(
            target=self._run, args=(connect(),), name="sqlite-wal-checkpoints", daemon=True
        )
        self._thread.start()

    def committed(self, writer: sqlite3.Connection) -> None:
        """Count a commit; wake the thread every ``every`` commits, or checkpoint here when the
        thread has not copied the whole log for ``BACKSTOP`` times as many."""
        self._since += 1
        if self._since >= BACKSTOP * self.every:
            busy = writer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()[0][0]
            if not busy:  # busy: the thread is checkpointing (and finishes under our lock)
                self._since = 0
                self.inline += 1
        elif self._since % self.every == 0:
            self._wake.set()

    def wait(self, count: int, timeout: float) -> bool:
        """Wait until the thread has run ``count`` checkpoints (False if it has not in time)."""
        with self._ran:
            return self._ran.wait_for(lambda: self.done >= count, timeout)

    def close(self) -> None:
        """Stop the thread (after the checkpoint it may be running) and close its connection."""
        self._closed = True
        self._wake.set()
        self._thread.join()

    def _run(self, conn: sqlite3.Connection) -> None:
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._closed:
                    return
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    # Copy what was committed meanwhile under the writer's lock, so all of the
                    # log is copied before the next commit (which then restarts it). Nothing
                    # to copy costs nothing (no sync); a few commits' pages otherwise.
                    with self._writer_lock:
                        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                        self._since = 0
                except sqlite3.Error:  # the writer's backstop keeps the log bounded meanwhile
                    log.warning("wal checkpoint failed", exc_info=True)
                    continue
                with self._ran:
                    self.done += 1
                    self._ran.notify_all()
        finally:
            conn.close()
