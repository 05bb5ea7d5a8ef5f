"""What the audit ledger says about events shown to a reader: whether the latest signed
checkpoint covers them (timelines, complaint details)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from api.bootstrap import Platform
from projections.ledger.service import Reach


def reach(p: Platform) -> Reach | None:
    """The latest checkpoint's reach (None without a ledger or before its first checkpoint)."""
    return p.ledger.reach() if p.ledger is not None else None


def mark_timeline(p: Platform, timeline: dict[str, Any]) -> dict[str, Any]:
    """A cadre's timeline with each event marked as inside the latest checkpoint or not."""
    found = reach(p)
    for event in timeline["events"]:
        event["included_in_checkpoint"] = found is not None and found.includes(event["position"])
    timeline["checkpoint"] = _reach_doc(found)
    return timeline


def complaint_standing(p: Platform, complaint_id: str, version: int) -> dict[str, Any]:
    """The complaint's events up to ``version`` with their positions, each marked."""
    found = reach(p)
    events = []
    for position, event in p.store.positioned(UUID(complaint_id))[:version]:
        events.append(
            {
                "position": position,
                "version": event.originator_version,
                "type": type(event).__name__,
                "included_in_checkpoint": found is not None and found.includes(position),
            }
        )
    return {"checkpoint": _reach_doc(found), "events": events}


def _reach_doc(found: Reach | None) -> dict[str, int] | None:
    return {"size": found.size, "position": found.position} if found else None
