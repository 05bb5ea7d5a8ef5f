"""The findings register view: each finding's current state, its units and its lifecycle."""

from __future__ import annotations

from typing import Any

from domain import finding as fd
from projections.following import EventSource
from projections.framework import Projection
from projections.view import Table, ViewTx

FINDINGS = Table(
    "findings",
    {
        "finding_id": "TEXT", "rule": "TEXT", "severity": "TEXT", "status": "TEXT",
        "subject_kind": "TEXT", "subject_code": "TEXT", "anchor": "TEXT",
        "raised_at": "TIMESTAMP", "raised_position": "BIGINT", "updated_at": "TIMESTAMP",
        "evidence": "JSON", "details": "JSON", "resolution": "TEXT", "note": "TEXT",
        "approval": "JSON", "remedied_on": "DATE", "history": "JSON", "version": "INTEGER",
    },
    key=("finding_id",),
    indexes=(("subject_kind", "subject_code"), ("rule",), ("status",), ("raised_at",)),
)  # fmt: skip
FINDING_UNITS = Table(
    "finding_units",
    {"finding_id": "TEXT", "unit": "TEXT"},
    key=("finding_id", "unit"),
    indexes=(("unit",),),
)

_STEP = {
    fd.FindingReraised: "reraised",
    fd.FindingWithdrawn: "withdrawn",
    fd.FindingRemedied: "remedied",
    fd.FindingAcknowledged: "acknowledged",
    fd.FindingResolved: "resolved",
}


class FindingsView(Projection):
    """Keeps the findings and finding_units tables."""

    name = "findings"
    tables = (FINDINGS, FINDING_UNITS)

    def handles(self, event: Any) -> bool:
        return isinstance(event, fd.FindingEvent | fd.FindingRaised)

    def apply(self, event: Any, position: int, tx: ViewTx, source: EventSource) -> None:
        fid = str(event.originator_id)
        step = {"event": "raised", "at": event.timestamp.isoformat(), "by": event.recorded_by,
                "position": position}  # fmt: skip
        if isinstance(event, fd.FindingRaised):
            tx.put(
                "findings",
                {
                    "finding_id": fid, "rule": event.rule, "severity": event.severity,
                    "status": "open", "subject_kind": event.subject_kind,
                    "subject_code": event.subject_code, "anchor": event.anchor,
                    "raised_at": event.timestamp, "raised_position": position,
                    "updated_at": event.timestamp, "evidence": list(event.evidence),
                    "details": dict(event.details), "resolution": None, "note": None,
                    "approval": None, "remedied_on": None, "history": [step], "version": 1,
                },
            )  # fmt: skip
            self._units(tx, fid, event.details)
            return
        row = tx.get("findings", fid)
        if row is None:  # pragma: no cover - always follows FindingRaised
            return
        row = {**row, "updated_at": event.timestamp, "version": event.originator_version}
        step["event"] = _STEP.get(type(event), type(event).__name__)
        if isinstance(event, fd.FindingReraised):
            row.update(status="open", evidence=list(event.evidence), details=dict(event.details))
            self._units(tx, fid, event.details)
        elif isinstance(event, fd.FindingWithdrawn):
            row["status"] = "withdrawn"
            step["reason"] = event.reason
        elif isinstance(event, fd.FindingRemedied):
            row.update(status="remedied", remedied_on=event.date)
            step["date"] = event.date.isoformat()
        elif isinstance(event, fd.FindingAcknowledged):
            row.update(status="acknowledged", note=event.note)
            step["note"] = event.note
        elif isinstance(event, fd.FindingResolved):
            row.update(
                status="resolved", resolution=event.resolution, note=event.note,
                approval=event.approval,
            )  # fmt: skip
            step.update(resolution=event.resolution, note=event.note)
        row["history"] = [*row["history"], step]
        tx.put("findings", row)

    def _units(self, tx: ViewTx, fid: str, details: dict[str, Any]) -> None:
        for unit in details.get("units") or []:
            tx.put("finding_units", {"finding_id": fid, "unit": str(unit)})
