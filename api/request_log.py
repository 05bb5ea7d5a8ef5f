"""One structured log line per HTTP request, written by route, never by raw path.

The line names the route that answered (its template, ``/api/v1/public/complaints/{receipt}``),
never the path the client sent, and the query's parameter names, never their values: whatever
a client puts into a path or a query string (a receipt behind a double slash, in a query
parameter, percent-encoded) cannot reach the log. A request no route answered is logged as
``(no route)``. (uvicorn's own access log is off: it writes the raw path.)

The client's address is logged for staff routes only. A request to the public intake (the
``/report`` pages, ``/api/v1/public/``), to the pages' static files (which a reporter's browser
fetches with the report) or that no route answered is logged without it: the log must not let
anyone put an address beside the time a complaint was filed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from api.ratelimit import Network, client_of

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("jiandu.requests")
NO_ROUTE = "(no route)"
ANONYMOUS_PATHS = ("/report", "/api/v1/public/", "/ui/static/")
"""Requests under these paths are logged without the client's address."""


def anonymous(path: str, route: str) -> bool:
    """Whether a request is logged without its client's address (public, static, unmatched)."""
    return (
        route == NO_ROUTE or path.startswith(ANONYMOUS_PATHS) or route.startswith(ANONYMOUS_PATHS)
    )


def route_of(scope: Scope) -> str:
    """The template of the route that answered, or ``(no route)``."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else NO_ROUTE


def parameter_names(query: bytes) -> list[str]:
    """The names of the query's parameters (sorted, once each); values are never kept."""
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    return sorted({name for name, _ in pairs if name.isidentifier() and len(name) <= 40})


class RequestLog:
    """Logs method, route, parameter names, status, duration and client of every request."""

    def __init__(self, app: ASGIApp, proxies: Callable[[], tuple[Network, ...]]) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            route = route_of(scope)
            line = {
                "method": scope.get("method", ""),
                "route": route,
                "params": parameter_names(scope.get("query_string", b"")),
                "status": status["code"],
                "ms": round((time.perf_counter() - started) * 1000, 1),
            }
            if not anonymous(str(scope.get("path", "")), route):
                line["client"] = self._client(scope)
            log.info("request", extra=line)

    def _client(self, scope: Scope) -> str:
        peer = (scope.get("client") or ("unknown", 0))[0]
        forwarded = [
            v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-forwarded-for"
        ]
        return client_of(peer, forwarded, self.proxies())
