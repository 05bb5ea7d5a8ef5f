"""What the pages show of two-person unsealing: a complaint's requests (never the identity)."""

from __future__ import annotations

from typing import Any

from domain.unsealing import requests


def unseal_requests(p: Any, complaint_id: str) -> list[dict[str, Any]]:
    """The complaint's unseal requests, oldest first: who asked, why, who approved, until when,
    each reading's time (as ``GET /complaints/{id}/unseal-requests`` answers)."""
    complaint = p.services.complaints.complaint(complaint_id)
    found = sorted(requests(complaint).values(), key=lambda r: r["requested_at"])
    now = p.clock.now()  # the clock the requests were approved by
    return [
        {**{k: v for k, v in r.items() if k != "views"}, "readings": list(r["views"]),
         "in_force": r["valid_until"] is not None and now <= r["valid_until"]}
        for r in found
    ]  # fmt: skip
