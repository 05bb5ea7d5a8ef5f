"""Dependencies shared by routes: the platform, read-your-writes, and the caller's address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from api.bootstrap import Platform
from api.ratelimit import client_of
from projections.sql import SqliteViews

MIN_POSITION_WAIT = 5.0


# Dependencies are coroutines: a plain function would be run in the thread pool, one hop for
# each on every request (measured: the largest cost of a simple read).


async def platform(request: Request) -> Platform:
    """The wired platform of this app."""
    built: Platform = request.app.state.platform
    return built


PlatformDep = Annotated[Platform, Depends(platform)]


MinPosition = Annotated[
    int | None,
    Query(
        ge=0,
        le=2**62,
        description="Wait (up to 5 s) until what answers has applied this position "
        "(read-your-writes: the `position` a write returned).",
    ),
]


def _not_yet(what: str, position: int) -> HTTPException:
    return HTTPException(
        503, f"{what} not reached position {position} yet", headers={"Retry-After": "1"}
    )


async def read_your_writes(request: Request, min_position: MinPosition = None) -> None:
    """Wait until the read models applied ``min_position``; 503 with Retry-After otherwise.

    The wait holds no worker thread: the position record is read now and then, and the event
    loop serves other requests in between."""
    if min_position is None:
        return
    built: Platform = request.app.state.platform
    if not await built.followers.until(min_position, MIN_POSITION_WAIT, ["read_models"]):
        raise _not_yet("the read models have", min_position)


async def searchable(request: Request, min_position: MinPosition = None) -> None:
    """Wait until the search index applied ``min_position`` and made it searchable."""
    built: Platform = request.app.state.platform
    search = built.search
    if min_position is None or search is None:
        return
    if not await search.until(min_position, MIN_POSITION_WAIT):
        raise _not_yet("the search index has", min_position)


Fresh = Depends(read_your_writes)
FreshSearch = Depends(searchable)

T = TypeVar("T")


async def short_read(p: Platform, read: Callable[[], T]) -> T:
    """Run a read of a few rows: here, on embedded SQLite, where a hop to a worker thread costs
    more than the read; in the thread pool otherwise (a database round trip must not hold the
    event loop)."""
    if isinstance(p.views, SqliteViews):
        return read()
    return await run_in_threadpool(read)


def client_address(request: Request) -> str:
    """The caller's address: the socket peer, or the client a trusted proxy forwarded for."""
    peer = request.client.host if request.client else "unknown"
    proxies = request.app.state.settings.proxy_networks()
    return client_of(peer, request.headers.getlist("x-forwarded-for"), proxies)
