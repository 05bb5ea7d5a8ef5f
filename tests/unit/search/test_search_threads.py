"""The search routes run at most ``SEARCH_THREADS`` searches at once; the others wait their turn."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace
from typing import Any, cast

from api.routes.search import SEARCH_THREADS, _scoped, searching
from projections.search.query import SearchResult


def test_searches_beyond_the_limit_wait_for_a_running_one_to_end() -> None:
    release = threading.Event()
    lock = threading.Lock()
    running, most, answered = [0], [0], []
    platform = cast(Any, SimpleNamespace(scope=SimpleNamespace(of=lambda who: None)))

    def run(after: str | None, size: int) -> SearchResult:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait()
        with lock:
            running[0] -= 1
        return SearchResult(0, [], None, 7)

    async def main() -> None:
        searches = [
            asyncio.create_task(_scoped(platform, cast(Any, None), run, None, 20))
            for _ in range(3 * SEARCH_THREADS)
        ]
        limiter = searching()
        for _ in range(1000):  # until every search has either started or queued
            with lock:
                started = running[0]
            if (
                started == SEARCH_THREADS
                and limiter.statistics().tasks_waiting == 2 * SEARCH_THREADS
            ):
                break
            await asyncio.sleep(0.005)
        with lock:
            assert running[0] == SEARCH_THREADS
        assert limiter.statistics().tasks_waiting == 2 * SEARCH_THREADS
        release.set()
        answered.extend(await asyncio.gather(*searches))

    asyncio.run(main())
    assert most[0] == SEARCH_THREADS
    assert [a["position"] for a in answered] == [7] * (3 * SEARCH_THREADS)


def test_each_event_loop_has_its_own_limit() -> None:
    async def limiter() -> object:
        return searching()

    first, second = asyncio.run(limiter()), asyncio.run(limiter())
    assert first is not second
