"""When a group member commits the offsets it applied to Kafka.

A member whose sink stores its offsets with its effect (every follower group) resumes from
those, so Kafka's committed offsets only serve Kafka's own tools (lag, group descriptions): it
commits them at most once per ``every_s``, when it goes idle and when it stops, rather than
after every batch (a synchronous round trip to the group coordinator cost more than the rest of
a batch's bookkeeping). A sink that resumes from Kafka's offsets commits after every batch.
Only partitions still assigned are committed; offsets of revoked partitions are dropped (their
next owner commits from where the sink's stored offsets say).
"""

from __future__ import annotations

import time
from collections.abc import Callable


class OffsetCommits:
    """The applied offsets not committed to Kafka yet, and when they fall due."""

    def __init__(
        self,
        commit: Callable[[dict[int, int]], None],
        assigned: Callable[[], set[int]],
        every_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``commit``: sends partition -> next offset to Kafka; ``assigned``: the partitions
        this member holds now."""
        self._send = commit
        self._assigned = assigned
        self.every_s = every_s
        self._clock = clock
        self._pending: dict[int, int] = {}  # partition -> next offset, not in Kafka yet
        self._committed_at: float | None = None

    def applied(self, next_offsets: dict[int, int], *, every_batch: bool) -> None:
        """A batch's effect is durable: commit now if due (``every_batch``: always)."""
        self._pending.update(next_offsets)
        last = self._committed_at
        if every_batch or last is None or self._clock() - last >= self.every_s:
            self.flush()

    def flush(self) -> None:
        """Commit what is pending now (the member is idle or stopping)."""
        if not self._pending:
            return
        assigned = self._assigned()
        offsets = {p: o for p, o in self._pending.items() if p in assigned}
        self._pending = {}
        self._committed_at = self._clock()
        if offsets:
            self._send(offsets)

    def forget(self) -> None:
        """Drop what is pending (partitions were revoked)."""
        self._pending = {}
