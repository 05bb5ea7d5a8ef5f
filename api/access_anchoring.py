"""Anchoring the access log in the event store, and checking it against its anchors.

Every ``JIANDU_ACCESS_ANCHOR_SECONDS`` each API process records the access log's head (its
newest entry's number and chained hash) as an ``AccessLogAnchored`` event when it moved since
the last anchor; ``jiandu access anchor`` does it at once. The event store, and so the audit
ledger's signed checkpoints, then commit to every entry up to that head. ``jiandu access
verify`` recomputes the chain and compares it with every anchor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from api.access_log import AccessCheck, AccessLog
from api.bootstrap import Platform
from domain.access_anchors import ANCHORS_ID, AccessLogAnchors
from domain.errors import ConcurrentWrite
from domain.store import Store
from projections.background import Background

log = logging.getLogger("jiandu.access")


def _now() -> datetime:
    return datetime.now(UTC)


class Anchoring:
    """Writes anchors of the access log and checks the log against them."""

    def __init__(
        self, store: Store, access_log: AccessLog, clock: Callable[[], datetime] = _now
    ) -> None:
        self.store = store
        self.access_log = access_log
        self.clock = clock

    def anchors(self) -> list[tuple[int, str]]:
        """Every anchor the event store holds, oldest first: (entry number, hash)."""
        if not self.store.exists(ANCHORS_ID):
            return []
        return list(self.store.load(AccessLogAnchors, ANCHORS_ID, "access log anchors").heads)

    def anchor(self) -> tuple[int, str] | None:
        """Anchor the log's head if it moved since the last anchor; the anchored head, or None
        when there was nothing new (or another process anchored it at the same moment)."""
        pending = self.prepare()
        return None if pending is None else self.save(pending)

    def prepare(self) -> AccessLogAnchors | None:
        """The anchors with the log's current head anchored, not yet saved (None: nothing new)."""
        head = self.access_log.head()
        if head is None:
            return None
        at = self.clock()
        if self.store.exists(ANCHORS_ID):
            anchors = self.store.load(AccessLogAnchors, ANCHORS_ID, "access log anchors")
        else:
            anchors = AccessLogAnchors.start(at)
        if head[0] <= anchors.last_seq:
            return None
        anchors.anchor(head[0], head[1], at)
        return anchors

    def save(self, anchors: AccessLogAnchors) -> tuple[int, str] | None:
        """Save a prepared anchor; None when another process saved one first (its anchor
        serves: the head it anchored is at least as new as the one prepared here)."""
        try:
            self.store.commit(anchors)
        except ConcurrentWrite:
            return None
        head = anchors.heads[-1]
        log.info("access log anchored", extra={"seq": head[0]})
        return head

    def step(self) -> bool:
        """One round of the background anchoring (never reports work: it waits its interval)."""
        self.anchor()
        return False

    def check(self) -> AccessCheck:
        """The access log's chain, checked against every anchor."""
        return self.access_log.check(self.anchors())


def anchor_access_log(platform: Platform, interval: float) -> None:
    """Anchor the access log every ``interval`` seconds in a background thread of ``serve``
    (stopped with the platform); nothing when ``interval`` is 0."""
    if interval <= 0:
        return
    anchoring = Anchoring(platform.store, platform.access_log)
    worker = Background("access-anchor", anchoring.step, interval=interval, retry_after=interval)
    platform.resources.callback(worker.stop)
    worker.start()
