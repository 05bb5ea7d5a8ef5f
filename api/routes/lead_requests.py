"""What waits for a lead: unseal requests and retraction requests, pending or decided.

A lead (or admin) lists them here, oldest first, and approves each where it belongs
(``/complaints/{id}/unseal-requests/{rid}/approve``,
``/cadres/{code}/retraction-requests/{rid}/approve``). A unit-scoped token lists only the
requests about its subtree: unseal requests of complaints with a subject within, retraction
requests of cadres within.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.auth import Approver
from api.bootstrap import Platform
from api.cursors import CursorParam, Pager, PagerDep
from api.deps import Fresh, PlatformDep
from api.schemas import PROBLEMS
from api.scope import filtered_page
from api.tokens import Principal
from projections.lead_requests import RETRACTION, UNSEAL, lead_requests

router = APIRouter(prefix="/api/v1", tags=["leads"], responses=PROBLEMS, dependencies=[Fresh])

State = Literal["pending", "approved", "all"]
StateParam = Annotated[
    State, Query(description="`pending` (no lead approved yet), `approved`, or `all`.")
]
Limit = Annotated[int, Query(ge=1, le=500)]


class Decision(BaseModel):
    """Who asked, why, and what a lead decided."""

    request_id: str
    state: Literal["pending", "approved"]
    requested_by: str
    requester_role: str
    requested_at: datetime
    reason: str
    approved_by: str | None
    approved_at: datetime | None


class UnsealRequestItem(Decision):
    """A request to read a named complaint's reporter (never the identity itself)."""

    complaint_id: str
    valid_until: datetime | None
    readings: int


class RetractionRequestItem(Decision):
    """A request to retract the entry at ``position`` of a cadre's record."""

    cadre: str
    position: int


class UnsealRequestPage(BaseModel):
    """Unseal requests, oldest first."""

    requests: list[UnsealRequestItem]
    next_cursor: str | None


class RetractionRequestPage(BaseModel):
    """Retraction requests, oldest first."""

    requests: list[RetractionRequestItem]
    next_cursor: str | None


def _decision(row: dict[str, Any]) -> dict[str, Any]:
    keep = ("request_id", "requested_by", "requester_role", "requested_at", "reason",
            "approved_by", "approved_at")  # fmt: skip
    state = "pending" if row["approved_by"] is None else "approved"
    return {**{k: row[k] for k in keep}, "state": state}


@dataclass(frozen=True)
class Listing:
    """Which page of which requests a lead asked for."""

    who: Principal
    p: Platform
    pages: Pager
    state: State
    cursor: str | None
    limit: int

    def page(
        self, kind: str, within: Callable[[Any, dict[str, Any]], bool]
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The page's rows of ``kind`` that the token may see (``within`` its scope)."""
        p, scope = self.p, self.p.scope.of(self.who)

        def fetch(after: str | None, n: int) -> tuple[list[dict[str, Any]], str | None]:
            rows = lead_requests(p.views, kind, state=self.state, after=int(after or 0),
                                 limit=n + 1)  # fmt: skip
            more = len(rows) > n
            rows = rows[:n]
            return rows, (str(rows[-1]["position"]) if more else None)

        def keep(row: dict[str, Any]) -> bool:
            return scope is None or within(scope, row)

        rows, after = filtered_page(fetch, keep, self.pages.open(self.cursor), self.limit)
        return rows, self.pages.seal(after)


async def listing(
    who: Approver,
    p: PlatformDep,
    pages: PagerDep,
    state: StateParam = "pending",
    cursor: CursorParam = None,
    limit: Limit = 100,
) -> Listing:
    """The parameters both lists take."""
    return Listing(who, p, pages, state, cursor, limit)


ListingDep = Annotated[Listing, Depends(listing)]


@router.get("/unseal-requests", response_model=UnsealRequestPage)
async def unseal_requests(asked: ListingDep) -> dict[str, Any]:
    """Requests to read a named complaint's reporter (lead or admin), oldest first: approve a
    pending one at ``/complaints/{complaint_id}/unseal-requests/{request_id}/approve``."""

    def within(scope: Any, row: dict[str, Any]) -> bool:
        return asked.p.scope.complaint_within(scope, str(row["subject"]))

    rows, next_cursor = await run_in_threadpool(asked.page, UNSEAL, within)
    return {
        "requests": [
            {**_decision(r), "complaint_id": r["subject"], "valid_until": r["valid_until"],
             "readings": int(r["readings"] or 0)}
            for r in rows
        ],
        "next_cursor": next_cursor,
    }  # fmt: skip


@router.get("/retraction-requests", response_model=RetractionRequestPage)
async def retraction_requests(asked: ListingDep) -> dict[str, Any]:
    """Requests to retract an entry recorded under another role (lead or admin), oldest
    first: approve a pending one at ``/cadres/{cadre}/retraction-requests/{request_id}/approve``."""

    def within(scope: Any, row: dict[str, Any]) -> bool:
        return bool(scope.cadre(row["subject"]))

    rows, next_cursor = await run_in_threadpool(asked.page, RETRACTION, within)
    return {
        "requests": [
            {**_decision(r), "cadre": r["subject"], "position": int(r["entry"])} for r in rows
        ],
        "next_cursor": next_cursor,
    }
