"""Two-person unsealing of a named reporter (实名举报人身份的启封).

An inspector asks, with a reason; a ``lead`` other than the asker approves; then, for a
limited time, the asker may read the identity, and every reading is an event too. Nothing
here holds the identity itself: it stays sealed in ``ComplaintFiled`` and is opened by the
vault only when a reading is recorded.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain.complaint import Complaint, ComplaintEvent
from domain.errors import InvariantViolated, NotFound
from domain.values import Recording

VIEW_HOURS = 24
APPROVER_ROLE = "lead"


class ReporterUnsealRequested(ComplaintEvent):
    """An officer asks to read the reporter's identity, saying why."""

    request_id: str
    requester_role: str
    reason: str

    def apply(self, aggregate: Any) -> None:
        requests(aggregate)[self.request_id] = {
            "request_id": self.request_id, "requested_by": self.recorded_by,
            "requester_role": self.requester_role, "requested_at": self.timestamp,
            "reason": self.reason, "approved_by": None, "approved_at": None,
            "valid_until": None, "views": [],
        }  # fmt: skip


class ReporterUnsealApproved(ComplaintEvent):
    """A lead, not the asker, approves: the asker may read the identity until ``valid_until``."""

    request_id: str
    valid_until: datetime

    def apply(self, aggregate: Any) -> None:
        request = requests(aggregate)[self.request_id]
        request.update(
            approved_by=self.recorded_by, approved_at=self.timestamp, valid_until=self.valid_until
        )


class ReporterUnsealed(ComplaintEvent):
    """The asker read the identity (one event per reading)."""

    request_id: str

    def apply(self, aggregate: Any) -> None:
        requests(aggregate)[self.request_id]["views"].append(self.timestamp)


def requests(complaint: Complaint) -> dict[str, dict[str, Any]]:
    """The complaint's unseal requests by id (created on first use)."""
    found: dict[str, dict[str, Any]] | None = complaint.__dict__.get("unseal_requests")
    if found is None:
        found = complaint.__dict__["unseal_requests"] = {}
    return found


def request_unseal(complaint: Complaint, ctx: Recording, *, request_id: str, reason: str) -> None:
    """Ask to read the reporter of a named complaint."""
    if not complaint.named or complaint.reporter_sealed is None:
        raise InvariantViolated("an anonymous complaint has no reporter identity to unseal")
    if not reason.strip():
        raise InvariantViolated("an unseal request needs a reason")
    complaint.trigger_event(
        ReporterUnsealRequested, timestamp=ctx.at, recorded_by=ctx.by,
        request_id=request_id, requester_role=ctx.role, reason=reason,
    )  # fmt: skip


def approve_unseal(complaint: Complaint, ctx: Recording, *, request_id: str) -> None:
    """A lead, not the asker, approves a pending request."""
    request = _request(complaint, request_id)
    if ctx.role != APPROVER_ROLE:
        raise InvariantViolated(f"only a {APPROVER_ROLE} approves an unseal request")
    if request["requested_by"] == ctx.by:
        raise InvariantViolated("the asker cannot approve their own unseal request")
    if request["approved_by"] is not None:
        raise InvariantViolated("this unseal request is approved already")
    complaint.trigger_event(
        ReporterUnsealApproved, timestamp=ctx.at, recorded_by=ctx.by, request_id=request_id,
        valid_until=ctx.at + timedelta(hours=VIEW_HOURS),
    )  # fmt: skip


def record_unsealed(complaint: Complaint, ctx: Recording) -> str:
    """Record a reading by ``ctx.by`` under their latest approved, unexpired request; its id."""
    usable = [
        r for r in requests(complaint).values()
        if r["requested_by"] == ctx.by and r["valid_until"] is not None
        and ctx.at <= r["valid_until"]
    ]  # fmt: skip
    if not usable:
        raise NotFound("no approved unseal request of yours is in force for this complaint")
    request = max(usable, key=lambda r: r["approved_at"])
    complaint.trigger_event(
        ReporterUnsealed, timestamp=ctx.at, recorded_by=ctx.by, request_id=request["request_id"]
    )
    return str(request["request_id"])


def _request(complaint: Complaint, request_id: str) -> dict[str, Any]:
    request = requests(complaint).get(request_id)
    if request is None:
        raise NotFound(f"unseal request {request_id!r:.40} not found")
    return request
