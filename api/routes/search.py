"""Search (inspectors and auditors): free text in Chinese and filters, and the secondment query."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Annotated, Any, Literal
from weakref import WeakKeyDictionary

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from api.auth import Overseer, Principal
from api.bootstrap import Platform
from api.cursors import CursorParam, PagerDep
from api.deps import FreshSearch, PlatformDep
from api.schemas import PROBLEMS, Day
from api.scope import scoped_result
from projections.search.query import SearchRequest, SecondmentQuery
from projections.search.service import Search

router = APIRouter(prefix="/api/v1/search", tags=["search"], responses=PROBLEMS)

LEVELS = ("province", "city", "county", "township", "village")
SEARCH_THREADS = 4  # searches running at once (per event loop); the others wait their turn
_LIMITERS: WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = WeakKeyDictionary()
Kind = Literal["events", "cadres", "complaints", "findings", "secondments"]
Filter = Annotated[str | None, Query(max_length=200)]
Levels = Annotated[
    list[str] | None,
    Query(description="One or more of province, city, county, township, village (repeat the "
          "parameter or separate with commas)."),
]  # fmt: skip


class Bucket(BaseModel):
    """One value of a facet and how many matches have it."""

    value: str | int | bool
    count: int


class SearchHit(BaseModel):
    """A document found: its kind and id, relevance, highlighted fragments (HTML) and source."""

    kind: str
    id: str
    score: float | None
    highlight: dict[str, list[str]]
    source: dict[str, Any]


class SearchPage(BaseModel):
    """A page of hits; ``position`` is how far the index has caught up with the event store."""

    total: int
    hits: list[SearchHit]
    next_cursor: str | None
    position: int
    facets: dict[str, list[Bucket]] = Field(description="unit, type, rule and kind counts")


class FindingRef(BaseModel):
    """A finding that holds for a secondment."""

    finding_id: str
    rule: str
    severity: str | None = None
    status: str
    raised_at: str | None = None


class SecondmentHit(SearchHit):
    """A secondment, whether it was active on ``as_of``, its duration then, its open findings."""

    active: bool
    duration_days: int
    open_findings: list[FindingRef]


class SecondmentPage(BaseModel):
    """The secondments matching the query, oldest start first."""

    total: int
    hits: list[SecondmentHit]
    next_cursor: str | None
    position: int
    as_of: date


def _search(p: Platform) -> Search:
    search = p.search
    if search is None:  # pragma: no cover - build() always wires one
        raise HTTPException(503, "search is not configured")
    return search


def _levels(values: list[str] | None, name: str) -> tuple[str, ...]:
    levels = tuple(v.strip() for value in values or [] for v in value.split(",") if v.strip())
    unknown = [v for v in levels if v not in LEVELS]
    if unknown:
        raise HTTPException(
            422, f"{name} must be among {', '.join(LEVELS)}; got {unknown[0]!r:.40}"
        )
    return levels


@router.get("", dependencies=[FreshSearch], response_model=SearchPage)
async def search(
    p: PlatformDep,
    who: Overseer,
    pages: PagerDep,
    q: Annotated[
        str, Query(max_length=1000, description="Free text; every word must occur (Chinese too).")
    ] = "",
    kind: Kind | None = None,
    unit: Filter = None,
    cadre: Filter = None,
    type: Annotated[str | None, Query(max_length=200, description="Event type.")] = None,
    rule: Annotated[str | None, Query(max_length=200, description="Rule id or `R-SEC-*`.")] = None,
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: Day | None = None,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: CursorParam = None,
    include_retracted: bool = False,
) -> dict[str, Any]:
    """Events, cadres, complaints, findings and secondments by free text and filters."""
    request = SearchRequest(
        q=q, kind=kind, unit=unit, cadre=cadre, type=type, rule=rule, date_from=from_,
        date_to=to, size=size, cursor=pages.open(cursor), include_retracted=include_retracted,
    )  # fmt: skip
    engine = _search(p)
    found = await _scoped(
        p, who, lambda after, n: engine.search(replace(request, size=n, cursor=after)),
        request.cursor, size,
    )  # fmt: skip
    return {**found, "next_cursor": pages.seal(found["next_cursor"])}


@router.get("/secondments", dependencies=[FreshSearch], response_model=SecondmentPage)
async def secondments(
    p: PlatformDep,
    who: Overseer,
    pages: PagerDep,
    home_level: Levels = None,
    host_level: Levels = None,
    active: bool | None = None,
    approved: bool | None = None,
    min_days: Annotated[int | None, Query(ge=0, le=36500)] = None,
    unit: Filter = None,
    cadre: Filter = None,
    as_of: Day | None = None,
    size: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: CursorParam = None,
) -> dict[str, Any]:
    """The secondment register by levels, state and duration; the headline inspector query is
    ``?home_level=township&host_level=county,city,province&active=true&approved=false
    &min_days=180``."""
    query = SecondmentQuery(
        as_of=as_of or p.clock.today(), home_levels=_levels(home_level, "home_level"),
        host_levels=_levels(host_level, "host_level"), active=active, approved=approved,
        min_days=min_days, unit=unit, cadre=cadre, size=size, cursor=pages.open(cursor),
    )  # fmt: skip
    engine = _search(p)
    found = await _scoped(
        p, who, lambda after, n: engine.secondments(replace(query, size=n, cursor=after)),
        query.cursor, size,
    )  # fmt: skip
    return {**found, "next_cursor": pages.seal(found["next_cursor"]), "as_of": query.as_of}


async def _scoped(
    p: Platform, who: Principal, run: Callable[[str | None, int], Any], after: str | None,
    size: int,
) -> dict[str, Any]:  # fmt: skip
    """The page a caller may see (``api.scope.scoped_result``, as the web pages ask it), found
    in a worker thread while at most :data:`SEARCH_THREADS` searches run at once."""

    def find() -> dict[str, Any]:
        found: dict[str, Any] = scoped_result(p.scope.of(who), run, after, size).as_json()
        return found

    return await to_thread.run_sync(find, limiter=searching())


def searching() -> CapacityLimiter:
    """The limit on searches running at once, one per event loop. Without it every waiting
    search holds a worker thread of its own (up to the pool's 40): they contend for the
    interpreter lock, which delays the event loop answering the others."""
    loop = asyncio.get_running_loop()
    limiter = _LIMITERS.get(loop)
    if limiter is None:
        limiter = _LIMITERS[loop] = CapacityLimiter(SEARCH_THREADS)
    return limiter
