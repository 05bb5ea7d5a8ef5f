"""Dependencies shared by routes: the platform, read-your-writes, and the caller's address."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar
from urllib.parse import unquote

from fastapi import Depends, Header, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from api.access import READERS
from api.auth import authenticated, check_role, principal
from api.bootstrap import Platform
from api.ratelimit import client_of
from api.schemas import LINE
from api.tokens import Principal
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


async def _not_beyond_head(built: Platform, position: int) -> None:
    """400 at once for a position the store has not reached: no write returned it, so waiting
    for it would only hold the request (and, by the many, the server)."""
    head = await short_read(built, built.store.position)
    if position > head:
        raise HTTPException(
            400, f"min_position {position} is beyond the event store's head ({head})"
        )


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
    await _not_beyond_head(built, min_position)
    if not await built.followers.until(min_position, MIN_POSITION_WAIT, ["read_models"]):
        raise _not_yet("the read models have", min_position)


async def searchable(request: Request, min_position: MinPosition = None) -> None:
    """Wait until the search index applied ``min_position`` and made it searchable."""
    built: Platform = request.app.state.platform
    search = built.search
    if min_position is None or search is None:
        return
    await _not_beyond_head(built, min_position)
    if not await search.until(min_position, MIN_POSITION_WAIT):
        raise _not_yet("the search index has", min_position)


Fresh = Depends(read_your_writes)


@dataclass(frozen=True)
class FreshRead:
    """A reader (any role), once the read models applied ``min_position``, and the platform."""

    who: Principal
    platform: Platform


async def fresh_read(request: Request, min_position: MinPosition = None) -> FreshRead:
    """``Fresh``, ``Reader`` and the platform in one dependency, in that order, for the most read
    routes: FastAPI solves every dependency (and each one's own) anew on every request, cached
    ones included, so three cost it three times what one does (measured on GET a cadre).

    The caller is the one the router's own dependency authenticated (``cadre_in_scope`` depends
    on ``principal``, solved first): declaring ``principal`` here as well would cost two more
    solves per request for the same answer. On a route where nothing authenticated before, it
    authenticates here (:func:`api.auth.authenticated`)."""
    who = await authenticated(request)
    await read_your_writes(request, min_position)
    return FreshRead(check_role(who, READERS), platform_of(request))


FreshReader = Annotated[FreshRead, Depends(fresh_read)]
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


async def purpose_header(
    x_purpose: Annotated[
        str | None,
        Header(
            max_length=1000,
            description="Why the record is read, kept in the access log auditors read: at "
            "most 200 characters on one line; UTF-8, percent-encoded (`%E7%BA%A6%E8%B0%88` "
            "for 约谈).",
        ),
    ] = None,
) -> str:
    """The purpose a request gives: percent-encoded (or raw) UTF-8; 422 unless one short
    printable line (checked before anything is read or written)."""
    if not x_purpose:
        return ""
    try:
        text = x_purpose.encode("latin-1").decode("utf-8")
    except UnicodeError:
        text = x_purpose
    try:
        text = unquote(text, errors="strict") if "%" in text else text
    except UnicodeDecodeError:
        raise HTTPException(422, "X-Purpose is not UTF-8") from None
    if len(text) > 200 or not re.fullmatch(LINE, text):
        raise HTTPException(422, "X-Purpose must be one printable line of at most 200 characters")
    return text


Purpose = Annotated[str, Depends(purpose_header)]


async def record_read(
    request: Request, p: Platform, who: Principal, resource: str, purpose: str
) -> None:
    """Append a reading of ``resource`` to the access log (who, what, when, why, from where)."""
    client = client_address(request)
    await p.access_log.record_soon(who, resource, purpose=purpose, client=client)


# -- need to know: a unit-scoped token sees its subtree only (404 for the rest) --------------


async def _scoped(who: Principal, check: Callable[[Principal], None]) -> None:
    if who.unit is not None:  # an unscoped token sees all its role allows: no query at all
        await run_in_threadpool(check, who)


async def cadre_in_scope(request: Request, who: Annotated[Principal, Depends(principal)]) -> None:
    """404 for a cadre outside a unit-scoped token's subtree (routes with a ``code``)."""
    code = request.path_params.get("code")
    # The decoded path from the scope: ``request.url`` would build (and quote) the whole URL
    # on every request for the same answer here.
    if code is not None and not request.scope["path"].endswith("/recruitment"):
        await _scoped(who, lambda w: platform_of(request).scope.cadre(w, code))


async def unit_in_scope(request: Request, who: Annotated[Principal, Depends(principal)]) -> None:
    """404 for a unit outside a unit-scoped token's subtree (routes with a ``code``)."""
    code = request.path_params.get("code")
    if code is not None:
        await _scoped(who, lambda w: platform_of(request).scope.unit(w, code))


async def complaint_in_scope(
    request: Request, who: Annotated[Principal, Depends(principal)]
) -> None:
    """404 for a complaint none of whose subjects is within a unit-scoped token's subtree."""
    cid = request.path_params.get("complaint_id")
    if cid is not None:
        await _scoped(who, lambda w: platform_of(request).scope.complaint(w, cid))


async def finding_in_scope(request: Request, who: Annotated[Principal, Depends(principal)]) -> None:
    """404 for a finding whose subject is outside a unit-scoped token's subtree."""
    fid = request.path_params.get("finding_id")
    if fid is not None:
        p = platform_of(request)

        def check(w: Principal) -> None:
            p.scope.finding(w, p.supervision.reads.get(fid))

        await _scoped(who, check)


def platform_of(request: Request) -> Platform:
    """The platform of the app serving ``request``."""
    built: Platform = request.app.state.platform
    return built
