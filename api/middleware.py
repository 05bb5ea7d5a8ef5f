"""Request-level conventions of API.md: the 1 MiB body limit and ``Idempotency-Key`` replays.

Pure ASGI: the body is read once here (and refused past the limit before it is all read), then
handed to the app; a command answered 201 under an idempotency key is kept so that a retry with
the same key and body gets the first answer and writes nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any

from domain.vault import Vault
from projections.sql import SqlViews
from projections.view import Table

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY = 1024 * 1024
NO_REPLAY_PREFIX = "/api/v1/public/"
IDEMPOTENCY = Table(
    "idempotency_keys",
    {
        "scope": "TEXT", "idem_key": "TEXT", "request_hash": "TEXT", "status": "INTEGER",
        "body": "TEXT", "content_type": "TEXT",
    },
    key=("scope", "idem_key"),
)  # fmt: skip


def _problem(status: int, detail: str) -> tuple[int, bytes]:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    return status, json.dumps(body).encode()


async def _answer(
    send: Send, status: int, body: bytes, content_type: str, extra: list[Any] | None = None
) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send(
        {"type": "http.response.start", "status": status, "headers": headers + (extra or [])}
    )
    await send({"type": "http.response.body", "body": body})


class RequestConventions:
    """Body limit for every request with a body; idempotent replays for keyed POSTs."""

    def __init__(
        self,
        app: ASGIApp,
        views: Callable[[], SqlViews | None],
        vault: Callable[[], Vault | None] = lambda: None,
    ) -> None:
        self.app = app
        self.views = views
        # Kept answers may hold secrets (an intake answer carries the reporter's receipt):
        # they are sealed at rest, bound to the caller and the key.
        self.vault = vault
        self._locks: dict[str, asyncio.Lock] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode(errors="replace") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            await _answer(
                send, *_problem(413, "The request body is over 1 MiB."), "application/problem+json"
            )
            return
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > MAX_BODY:
                await _answer(
                    send,
                    *_problem(413, "The request body is over 1 MiB."),
                    "application/problem+json",
                )
                return
            if not message.get("more_body"):
                break
        key = headers.get("idempotency-key")
        views = self.views()
        # Anonymous callers would share one replay scope, and a stored public answer holds a
        # receipt in clear: public intake takes no part in idempotent replays.
        public = scope["path"].startswith(NO_REPLAY_PREFIX)
        if key is None or views is None or scope["method"] != "POST" or public:
            await self.app(scope, _replay(bytes(body)), send)
            return
        if not 1 <= len(key) <= 200:
            await _answer(
                send,
                *_problem(422, "Idempotency-Key must be 1 to 200 characters."),
                "application/problem+json",
            )
            return
        who = hashlib.sha256(headers.get("authorization", "").encode()).hexdigest()
        request_hash = hashlib.sha256(
            scope["method"].encode() + b" " + scope["path"].encode() + b"\n" + bytes(body)
        ).hexdigest()
        lock = self._locks.setdefault(f"{who}/{key}", asyncio.Lock())
        async with lock:
            stored = await asyncio.to_thread(
                views.select, IDEMPOTENCY, {"scope": who, "idem_key": key}
            )
            if stored:
                first = stored[0]
                if first["request_hash"] != request_hash:
                    await _answer(
                        send,
                        *_problem(422, "This Idempotency-Key was used with another request body."),
                        "application/problem+json",
                    )
                    return
                kept = first["body"]
                vault = self.vault()
                answer = vault.unseal(kept, f"{who}/{key}".encode()) if vault else kept.encode()
                await _answer(
                    send, int(first["status"]), answer, first["content_type"],
                    [(b"idempotent-replayed", b"true")],
                )  # fmt: skip
                return
            captured: dict[str, Any] = {"body": bytearray()}

            async def capture(message: Message) -> None:
                if message["type"] == "http.response.start":
                    captured["status"] = message["status"]
                    captured["headers"] = message.get("headers", [])
                elif message["type"] == "http.response.body":
                    captured["body"] += message.get("body", b"")
                await send(message)

            await self.app(scope, _replay(bytes(body)), capture)
            if captured.get("status") == 201:
                content_type = next(
                    (v.decode() for k, v in captured["headers"] if k.lower() == b"content-type"),
                    "application/json",
                )
                vault = self.vault()
                answer = bytes(captured["body"])
                kept = vault.seal(answer, f"{who}/{key}".encode()) if vault else answer.decode()
                row = {
                    "scope": who, "idem_key": key, "request_hash": request_hash, "status": 201,
                    "body": kept, "content_type": content_type,
                }  # fmt: skip
                await asyncio.to_thread(views.write, {IDEMPOTENCY: [row]}, {}, {})
        self._locks.pop(f"{who}/{key}", None)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
