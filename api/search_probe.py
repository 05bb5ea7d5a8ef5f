"""Whether the search engine answers, for readiness and metrics.

The engine is asked off the caller's thread, one question at a time, and the caller waits at
most ``WAIT_S``: an engine that never answers (a dropped route, a full disk that hangs requests)
must not hold every readiness check and metrics scrape for the client's whole timeout, nor pile
up one stuck request per check.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI

WAIT_S = 2.0
_made = threading.Lock()


@dataclass
class _Answer:
    trouble: str | None = None


class SearchProbe:
    """Pings through ``ping``; ``trouble()`` is None when the engine answered."""

    def __init__(self, ping: Callable[[], None], wait: float = WAIT_S) -> None:
        self.ping = ping
        self.wait = wait
        self._lock = threading.Lock()
        self._asking: threading.Thread | None = None
        self._answer = _Answer()

    def trouble(self) -> str | None:
        with self._lock:
            if self._asking is None or not self._asking.is_alive():  # else: still waiting
                self._answer = _Answer()
                self._asking = threading.Thread(
                    target=self._ask, args=(self._answer,), name="search-probe", daemon=True
                )
                self._asking.start()
            asking, answer = self._asking, self._answer
        asking.join(self.wait)
        if asking.is_alive():
            return f"no answer within {self.wait:g} s"
        return answer.trouble

    def _ask(self, answer: _Answer) -> None:
        try:
            self.ping()
        except Exception as error:  # any failure means "does not answer"
            answer.trouble = type(error).__name__


def search_trouble(app: FastAPI) -> str | None:
    """Why the configured search engine does not answer (None when it does, or when there is
    no engine: the basic search lives in the read models)."""
    platform = app.state.platform
    if platform.search is None or not platform.settings.search_url:
        return None
    with _made:
        probe: SearchProbe | None = getattr(app.state, "search_probe", None)
        if probe is None:
            probe = app.state.search_probe = SearchProbe(platform.search.ping)
    return probe.trouble()
