"""Requests awaiting a lead (待负责人审批): unseal requests of named reporters and retraction
requests of another role's entries, with what became of them. Never a reporter's identity.

A lead finds here what waits for them; the complaint's own unseal requests and the cadre's
record stay the source of truth (this view only lists them).
"""

from __future__ import annotations

from typing import Any

from domain import retraction_requests as rr
from domain import unsealing as us
from projections.following import EventSource
from projections.framework import Projection
from projections.sql import SqlViews
from projections.view import Table, ViewTx

LEAD_REQUESTS = Table(
    "lead_requests",
    {
        "kind": "TEXT", "request_id": "TEXT", "subject": "TEXT", "entry": "BIGINT",
        "requested_by": "TEXT", "requester_role": "TEXT", "requested_at": "TIMESTAMP",
        "reason": "TEXT", "approved_by": "TEXT", "approved_at": "TIMESTAMP",
        "valid_until": "TIMESTAMP", "readings": "INTEGER", "position": "BIGINT",
    },
    key=("kind", "request_id"),
    indexes=(("kind", "position"),),
)  # fmt: skip
UNSEAL, RETRACTION = "unseal", "retraction"
STATES = ("pending", "approved", "all")

_EVENTS = (
    us.ReporterUnsealRequested, us.ReporterUnsealApproved, us.ReporterUnsealed,
    rr.RetractionRequested, rr.RetractionApproved,
)  # fmt: skip


class LeadRequests(Projection):
    """Keeps the lead_requests table."""

    name = "lead_requests"
    tables = (LEAD_REQUESTS,)

    def handles(self, event: Any) -> bool:
        return isinstance(event, _EVENTS)

    def apply(self, event: Any, position: int, tx: ViewTx, source: EventSource) -> None:
        if isinstance(event, us.ReporterUnsealRequested):
            subject = str(event.originator_id)
            tx.put(
                "lead_requests", _asked(UNSEAL, event.request_id, subject, None, event, position)
            )
        elif isinstance(event, rr.RetractionRequested):
            rid, entry = str(event.originator_id), event.position
            tx.put("lead_requests", _asked(RETRACTION, rid, event.cadre, entry, event, position))
        elif isinstance(event, us.ReporterUnsealed):
            _change(tx, UNSEAL, event.request_id, readings=1)
        else:  # an approval
            kind, rid = (
                (UNSEAL, event.request_id)
                if isinstance(event, us.ReporterUnsealApproved)
                else (RETRACTION, str(event.originator_id))
            )
            until = getattr(event, "valid_until", None)
            approved = {"approved_by": event.recorded_by, "approved_at": event.timestamp}
            _change(tx, kind, rid, **approved, valid_until=until)


def _asked(
    kind: str, rid: str, subject: str, entry: int | None, event: Any, position: int
) -> dict[str, Any]:
    return {
        "kind": kind, "request_id": rid, "subject": subject, "entry": entry,
        "requested_by": event.recorded_by, "requester_role": event.requester_role,
        "requested_at": event.timestamp, "reason": event.reason, "approved_by": None,
        "approved_at": None, "valid_until": None, "readings": 0, "position": position,
    }  # fmt: skip


def _change(tx: ViewTx, kind: str, rid: str, *, readings: int = 0, **changes: Any) -> None:
    row = tx.get("lead_requests", kind, rid)
    if row is not None:  # an approval or a reading always follows its request
        count = int(row["readings"] or 0) + readings
        tx.put("lead_requests", {**row, **changes, "readings": count})


def lead_requests(
    views: SqlViews, kind: str, *, state: str = "pending", after: int = 0, limit: int = 100
) -> list[dict[str, Any]]:
    """Requests of one kind in the order they were made, from after ``after`` (a position)."""
    if state not in STATES:
        raise ValueError(f"state must be one of {', '.join(STATES)}")
    where = {"pending": " AND approved_by IS NULL", "approved": " AND approved_by IS NOT NULL",
             "all": ""}[state]  # fmt: skip
    return views.query(
        f"SELECT * FROM lead_requests WHERE kind = ? AND position > ?{where} "
        "ORDER BY position LIMIT ?",
        [kind, after, limit],
    )
