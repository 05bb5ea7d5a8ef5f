"""List cursors: one opaque, signed, size-bounded format across the API.

A cursor is ``c1.<base64url(inner)>.<base64url(tag)>``: ``inner`` is whatever the read model
needs to resume (its own encoding), and ``tag`` is an HMAC over the list it came from (path and
every filter but the page size) and ``inner``. So a cursor cannot be made or altered by hand,
nor carried over to another list or other filters: anything but a cursor this server gave for
this very list is refused (400) before any part of it is decoded.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import Annotated

from fastapi import Depends, Query, Request

from api.tokens import TokenError, b64decode, b64encode

MAX_CURSOR = 1024
"""Characters: a cursor longer than any this server makes is refused unread."""
PREFIX = "c1"
_TAG_BYTES = 16
UNBOUND = frozenset({"cursor", "limit", "size", "min_position"})
"""Query parameters a cursor does not depend on (the page size may change between pages)."""


class BadCursor(ValueError):
    """The cursor was not made by this server for this list (HTTP 400)."""


class Cursors:
    """Seals a read model's resume point into a cursor, and opens one again."""

    def __init__(self, key: bytes) -> None:
        self._key = hmac.new(key, b"jiandu-cursor-key", hashlib.sha256).digest()

    def seal(self, scope: str, inner: str | None) -> str | None:
        """The cursor of ``inner`` for the list ``scope`` (None stays None: the last page)."""
        if inner is None:
            return None
        data = inner.encode()
        cursor = f"{PREFIX}.{b64encode(data)}.{b64encode(self._tag(scope, data))}"
        if len(cursor) > MAX_CURSOR:
            raise ValueError("a resume point too large for a cursor")
        return cursor

    def open(self, scope: str, cursor: str | None) -> str | None:
        """The resume point a cursor carries; BadCursor unless this server made it for ``scope``."""
        if cursor is None:
            return None
        if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR or cursor.count(".") != 2:
            raise BadCursor("cursor is not one this server gave out for this list")
        prefix, body, tag = cursor.split(".")
        try:
            data, given = b64decode(body), b64decode(tag)
        except TokenError:
            raise BadCursor("cursor is not one this server gave out for this list") from None
        if prefix != PREFIX or not hmac.compare_digest(given, self._tag(scope, data)):
            raise BadCursor("cursor is not one this server gave out for this list")
        return data.decode()

    def _tag(self, scope: str, data: bytes) -> bytes:
        message = scope.encode() + b"\x00" + data
        return hmac.new(self._key, message, hashlib.sha256).digest()[:_TAG_BYTES]


def list_scope(path: str, params: Iterable[tuple[str, str]]) -> str:
    """What a cursor is bound to: the list's path and its filters, in a canonical order."""
    kept = sorted((k, v) for k, v in params if k not in UNBOUND)
    return path + "?" + "&".join(f"{k}={v}" for k, v in kept)


class Pager:
    """The cursors of one request's list (routes); pages call :class:`Cursors` directly."""

    def __init__(self, cursors: Cursors, scope: str) -> None:
        self.cursors = cursors
        self.scope = scope

    def open(self, cursor: str | None) -> str | None:
        return self.cursors.open(self.scope, cursor)

    def seal(self, inner: str | None) -> str | None:
        return self.cursors.seal(self.scope, inner)


async def pager(request: Request) -> Pager:
    """The pager of this request: bound to its path and filters."""
    cursors: Cursors = request.app.state.platform.cursors
    return Pager(cursors, list_scope(request.url.path, request.query_params.multi_items()))


def scope_of(path: str, params: Mapping[str, str]) -> str:
    """:func:`list_scope` for a plain mapping of parameters (web pages)."""
    return list_scope(path, params.items())


PagerDep = Annotated[Pager, Depends(pager)]
CursorParam = Annotated[
    str | None,
    Query(description="`next_cursor` of the previous page (opaque; anything else is 400)."),
]
