"""Retracting another role's entry needs a lead's approval (更正他人记录须经负责人批准).

A clerk may retract what was recorded under the clerk's role; an entry recorded under another
role (an admonishment the discipline commission recorded, say) is retracted through a request:
the asker says which entry and why, and a ``lead`` other than the asker approves. The approval
and the retraction are saved together; the request, its approval and the asker stay on record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import InvariantViolated
from domain.values import Recording

APPROVER_ROLE = "lead"


class RetractionRequested(Aggregate.Created):
    """Someone asks to void an entry of a cadre's record, saying why."""

    recorded_by: str
    requester_role: str
    cadre: str
    position: int
    reason: str


class RetractionApproved(Aggregate.Event):
    """A lead, not the asker, approved: the entry is retracted in the same transaction."""

    recorded_by: str

    def apply(self, aggregate: Any) -> None:
        aggregate.approved_by = self.recorded_by
        aggregate.approved_at = self.timestamp


class RetractionRequest(Aggregate):
    """One request to retract one entry."""

    def __init__(
        self, recorded_by: str, requester_role: str, cadre: str, position: int, reason: str
    ) -> None:
        self.requested_by = recorded_by
        self.requester_role = requester_role
        self.cadre = cadre
        self.position = position
        self.reason = reason
        self.approved_by: str | None = None
        self.approved_at: datetime | None = None

    @classmethod
    def ask(
        cls, ctx: Recording, *, request_id: UUID, cadre: str, position: int, reason: str
    ) -> RetractionRequest:
        """Ask to retract the entry at ``position`` of ``cadre``."""
        return cls._create(
            RetractionRequested, id=request_id, timestamp=ctx.at, recorded_by=ctx.by,
            requester_role=ctx.role, cadre=cadre, position=position, reason=reason,
        )  # fmt: skip

    def approve(self, ctx: Recording) -> None:
        """A lead other than the asker approves."""
        if ctx.role != APPROVER_ROLE:
            raise InvariantViolated(f"only a {APPROVER_ROLE} approves a retraction request")
        if ctx.by == self.requested_by:
            raise InvariantViolated("the asker cannot approve their own retraction request")
        if self.approved_by is not None:
            raise InvariantViolated("this retraction request is approved already")
        self.trigger_event(RetractionApproved, timestamp=ctx.at, recorded_by=ctx.by)

    def asker(self, ctx: Recording) -> Recording:
        """The context the retraction is recorded in: by the asker, under the asker's role."""
        return Recording(by=self.requested_by, at=ctx.at, today=ctx.today, role=self.requester_role)
