"""Anchors of the access log (调阅记录锚点): its head, written now and then into the event store.

The access log is a hash chain in a table of its own; whoever can write that table could
rewrite the chain from an edit onward, or cut its newest entries. An anchor records the newest
entry's number and hash as an event, so the audit ledger's signed (and witnessed) checkpoints
cover it: every entry up to an anchored one is then as the anchor says, or the access log's
check (``jiandu access verify``) names where it is not. The anchors are the versions of one
aggregate, in order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

ANCHORS_ID: UUID = uuid5(NAMESPACE_URL, "jiandu:access-log-anchors")
SYSTEM = "jiandu"


class AccessLogAnchored(Aggregate.Event):
    """The access log's entry ``seq`` had the chained hash ``head_hash`` at this time."""

    recorded_by: str
    seq: int
    head_hash: str

    def apply(self, aggregate: Any) -> None:
        aggregate.heads.append((self.seq, self.head_hash))


class AccessLogAnchorsStarted(Aggregate.Created):
    """The first anchor's aggregate was made."""

    recorded_by: str


class AccessLogAnchors(Aggregate):
    """Every anchor of the access log, oldest first."""

    def __init__(self, recorded_by: str) -> None:
        self.recorded_by = recorded_by
        self.heads: list[tuple[int, str]] = []

    @classmethod
    def start(cls, at: datetime) -> AccessLogAnchors:
        """The (empty) list of anchors."""
        return cls._create(AccessLogAnchorsStarted, id=ANCHORS_ID, timestamp=at, recorded_by=SYSTEM)

    @property
    def last_seq(self) -> int:
        """The newest anchored entry (0 when none is)."""
        return self.heads[-1][0] if self.heads else 0

    def anchor(self, seq: int, head_hash: str, at: datetime) -> None:
        """Anchor entry ``seq``; an entry no newer than the last anchored one is refused."""
        if seq <= self.last_seq:
            raise ValueError(f"entry {seq} is not newer than the last anchored one")
        self.trigger_event(
            AccessLogAnchored, timestamp=at, recorded_by=SYSTEM, seq=seq, head_hash=head_hash
        )
