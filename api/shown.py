"""Free text is shown with its invisible format controls written out.

Names and codes refuse bidirectional overrides and zero-width characters outright; free text
(a complaint's body, a note, a message) keeps what was recorded, and every JSON answer writes
those characters out as ``[U+202E]``, so no text an API client shows can read differently from
what it holds. The stored events keep the exact text (the ledger and its exports prove them).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from domain.values import FORMAT_CONTROLS, visible

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_ENCODED = tuple({ch.encode()[:2] for ch in FORMAT_CONTROLS})
"""The leading bytes of the controls' UTF-8 forms: a cheap test that a body may hold one."""


_CONTROL = re.compile(f"[{FORMAT_CONTROLS}]")


def shown(body: bytes) -> bytes:
    """A UTF-8 JSON body with every format control written out."""
    if not any(lead in body for lead in _ENCODED):
        return body
    text = body.decode("utf-8", errors="surrogateescape")
    # The leading bytes are common in Chinese text (“”, —, …): rewrite only when a control is
    # there (finding none costs a tenth of rewriting).
    if _CONTROL.search(text) is None:
        return body
    return visible(text).encode("utf-8", errors="surrogateescape")


class ShowFormatControls:
    """Writes out format controls in JSON answers (one-chunk bodies, as every JSON answer is)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None

        async def rewrite(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                if b"json" in headers.get(b"content-type", b""):
                    start = message  # held until the body is seen
                    return
                await send(message)
            elif start is not None and message["type"] == "http.response.body":
                held, start = start, None
                body = message.get("body", b"")
                if not message.get("more_body"):
                    new = shown(body)
                    if new is not body:
                        held["headers"] = [
                            (k, str(len(new)).encode() if k == b"content-length" else v)
                            for k, v in held.get("headers", [])
                        ]
                        message = {**message, "body": new}
                await send(held)
                await send(message)
            else:
                await send(message)

        await self.app(scope, receive, rewrite)
