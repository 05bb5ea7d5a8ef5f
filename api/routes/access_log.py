"""The access log, for auditors: who read which complaint, cadre file or reporter, when, why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.access_anchoring import Anchoring
from api.access_log import Reading
from api.auth import Auditor
from api.bootstrap import Platform
from api.cursors import CursorParam, PagerDep
from api.deps import PlatformDep
from api.schemas import PROBLEMS, Instant

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=PROBLEMS)


class Readings(BaseModel):
    """A page of the access log, oldest first."""

    entries: list[Reading]
    next_cursor: str | None


def _utc(instant: datetime | None, name: str) -> str | None:
    """An instant as the log stores times (UTC, ISO 8601), so that they compare as text."""
    if instant is None:
        return None
    if instant.tzinfo is None:
        raise HTTPException(422, f"{name} needs a time zone (e.g. 2024-05-01T08:00:00+08:00)")
    try:
        return instant.astimezone(UTC).isoformat(timespec="microseconds")
    except OverflowError:
        raise HTTPException(422, f"{name} is out of range") from None


@router.get("/access", response_model=Readings)
async def access(
    who: Auditor,
    p: PlatformDep,
    pages: PagerDep,
    subject: Annotated[str | None, Query(max_length=200, description="Who read.")] = None,
    resource: Annotated[
        str | None,
        Query(max_length=200, description="What: cadre:CODE, complaint:ID or reporter:ID."),
    ] = None,
    from_: Annotated[Instant | None, Query(alias="from")] = None,
    to: Instant | None = None,
    cursor: CursorParam = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """The access log, filtered by reader, record and time (``from`` inclusive, ``to`` not).
    A unit-scoped token may not read it (it names records of every unit)."""
    if who.unit is not None:
        raise HTTPException(403, "the access log is read with a token not limited to a unit")
    after = pages.open(cursor)
    since, until = _utc(from_, "from"), _utc(to, "to")
    found = await run_in_threadpool(
        lambda: p.access_log.entries(
            subject=subject, resource=resource, since=since, until=until,
            after=int(after or 0), limit=limit + 1,
        )
    )  # fmt: skip
    page = found[:limit]
    more = len(found) > limit
    return {
        "entries": [e.as_json() for e in page],
        "next_cursor": pages.seal(str(page[-1].seq) if more else None),
    }


class AccessLogCheck(BaseModel):
    """What ``jiandu access verify`` finds: the chain recomputed, compared with every anchor."""

    ok: bool
    entries: int
    anchors: int
    last_anchored: int | None
    first_bad: int | None
    problem: str


@router.post("/access/verify", response_model=AccessLogCheck)
async def verify_access_log(who: Auditor, p: PlatformDep) -> dict[str, Any]:
    """Recompute the access log's hash chain and compare it with every anchor in the event
    store (what ``jiandu access verify`` does); ``first_bad`` names the first broken entry."""
    if who.unit is not None:
        raise HTTPException(403, "the access log is checked with a token not limited to a unit")
    return await run_in_threadpool(check_access_log, p)


def check_access_log(p: Platform) -> dict[str, Any]:
    """The access log's chain recomputed and compared with its anchors (routes and pages)."""
    anchoring = Anchoring(p.store, p.access_log)
    anchors = anchoring.anchors()
    found = p.access_log.check(anchors)
    return {
        "ok": found.ok, "entries": found.entries, "anchors": found.anchors,
        "last_anchored": anchors[-1][0] if anchors else None, "first_bad": found.first_bad,
        "problem": found.problem,
    }  # fmt: skip
