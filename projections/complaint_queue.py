"""The complaint queue: status, subjects and computed deadlines; never the reporter."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

from domain import complaint as c
from projections.following import EventSource
from projections.framework import Projection
from projections.view import Table, ViewTx

COMPLAINTS = Table(
    "complaints",
    {
        "complaint_id": "TEXT", "status": "TEXT", "category": "TEXT", "title": "TEXT",
        "body": "TEXT", "channel": "TEXT", "named": "INTEGER", "received_at": "TIMESTAMP",
        "received_on": "DATE", "decide_by": "DATE", "conclude_by": "DATE",
        "accepted_on": "DATE", "decided_on": "DATE", "concluded_on": "DATE",
        "notified_on": "DATE", "extension_days": "INTEGER", "handler_unit": "TEXT",
        "finding": "TEXT", "subject_cadres": "JSON", "subject_units": "JSON",
        "version": "INTEGER", "updated_at": "TIMESTAMP",
    },
    key=("complaint_id",),
    indexes=(("status",), ("received_on",)),
)  # fmt: skip
SUBJECTS = Table(
    "complaint_subjects",
    {"complaint_id": "TEXT", "kind": "TEXT", "code": "TEXT"},
    key=("complaint_id", "kind", "code"),
    indexes=(("kind", "code"),),
)

_DECISIONS = (c.ComplaintAccepted, c.ComplaintDeclined, c.ComplaintForwarded)


class ComplaintQueue(Projection):
    """Keeps the complaint queue (no reporter identity, no receipt)."""

    name = "complaints"
    tables = (COMPLAINTS, SUBJECTS)

    def handles(self, event: Any) -> bool:
        return isinstance(event, c.ComplaintEvent | c.ComplaintFiled)

    def apply(self, event: Any, position: int, tx: ViewTx, source: EventSource) -> None:
        cid = str(event.originator_id)
        if isinstance(event, c.ComplaintFiled):
            received_on = event.received_at.date()
            tx.put(
                "complaints",
                {
                    "complaint_id": cid, "status": "filed", "category": event.category,
                    "title": event.title, "body": event.body, "channel": event.channel,
                    # In UTC, so that the ISO text sorts in time order whatever zone it came in.
                    "named": event.named, "received_at": event.received_at.astimezone(UTC),
                    "received_on": received_on,
                    "decide_by": received_on + timedelta(days=c.DECIDE_WITHIN_DAYS),
                    "conclude_by": None, "accepted_on": None, "decided_on": None,
                    "concluded_on": None, "notified_on": None, "extension_days": 0,
                    "handler_unit": None, "finding": None,
                    "subject_cadres": list(event.subject_cadres),
                    "subject_units": list(event.subject_units), "version": 1,
                    "updated_at": event.timestamp,
                },
            )  # fmt: skip
            for code in event.subject_cadres:
                tx.put("complaint_subjects", {"complaint_id": cid, "kind": "cadre", "code": code})
            for code in event.subject_units:
                tx.put("complaint_subjects", {"complaint_id": cid, "kind": "unit", "code": code})
            return
        row = tx.get("complaints", cid)
        if row is None:  # pragma: no cover - always follows ComplaintFiled
            return
        row = {**row, "version": event.originator_version, "updated_at": event.timestamp}
        if isinstance(event, c._Transition):
            row["status"] = event.to_state
        if isinstance(event, _DECISIONS):
            row["decided_on"] = event.date
        if isinstance(event, c.ComplaintAccepted):
            row["accepted_on"] = event.date
            row["handler_unit"] = event.handler_unit
        elif isinstance(event, c.ComplaintConcluded):
            row["concluded_on"] = event.date
            row["finding"] = event.finding
        elif isinstance(event, c.ReporterNotified):
            row["notified_on"] = event.date
        elif isinstance(event, c.ComplaintDeadlineExtended) and row["accepted_on"]:
            used, accepted_on = int(row["extension_days"]), _day(row["accepted_on"])
            if c.extension_counts(accepted_on, used, event.timestamp.date(), event.days):
                row["extension_days"] = used + event.days
        accepted = row["accepted_on"]
        if accepted:
            days = c.CONCLUDE_WITHIN_DAYS + int(row["extension_days"])
            row["conclude_by"] = _day(accepted) + timedelta(days=days)
        tx.put("complaints", row)


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
