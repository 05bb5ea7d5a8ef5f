"""Dependencies shared by routes: the platform, read-your-writes, and the caller's address."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from api.bootstrap import Platform
from projections.sql import SqliteViews

MIN_POSITION_WAIT = 5.0


# Dependencies are coroutines: a plain function would be run in the thread pool, one hop for
# each on every request (measured: the largest cost of a simple read).


async def platform(request: Request) -> Platform:
    """The wired platform of this app."""
    built: Platform = request.app.state.platform
    return built


PlatformDep = Annotated[Platform, Depends(platform)]


async def read_your_writes(
    request: Request,
    min_position: Annotated[
        int | None,
        Query(
            ge=0,
            le=2**62,
            description="Wait (up to 5 s) until the read models applied this position.",
        ),
    ] = None,
) -> None:
    """Wait until the projections applied ``min_position``; 503 with Retry-After otherwise."""
    if min_position is None:
        return
    follower = request.app.state.platform.follower
    if not await run_in_threadpool(follower.wait_for, min_position, MIN_POSITION_WAIT):
        raise HTTPException(
            503,
            f"the read models have not reached position {min_position} yet",
            headers={"Retry-After": "1"},
        )


Fresh = Depends(read_your_writes)

T = TypeVar("T")


async def short_read(p: Platform, read: Callable[[], T]) -> T:
    """Run a read of a few rows: here, on embedded SQLite, where a hop to a worker thread costs
    more than the read; in the thread pool otherwise (a database round trip must not hold the
    event loop)."""
    if isinstance(p.views, SqliteViews):
        return read()
    return await run_in_threadpool(read)


class RateLimiter:
    """A sliding window per client address (public intake)."""

    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = {}

    def check(self, client: str) -> None:
        """Count a request; 429 with Retry-After past the limit."""
        now = time.monotonic()
        hits = self._hits.setdefault(client, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            retry = max(1, int(hits[0] + self.window - now) + 1)
            raise HTTPException(
                429,
                "Too many requests from this address; try again later.",
                headers={"Retry-After": str(retry)},
            )
        hits.append(now)
        if len(self._hits) > 100_000:  # forget idle addresses so memory stays bounded
            self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self.window}


def client_address(request: Request) -> str:
    """The caller's address (the socket peer; proxies are configured in front of uvicorn)."""
    return request.client.host if request.client else "unknown"
