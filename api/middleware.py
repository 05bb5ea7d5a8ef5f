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
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from api.access import Access, Unauthenticated
from api.vault import AesGcmVault
from domain.idempotency import Claim, claiming
from domain.store import Store

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY = 1024 * 1024
NO_REPLAY_PREFIX = "/api/v1/public/"
SHARED_KEY = "idempotency"


@dataclass(frozen=True)
class Keeper:
    """What idempotent replays need of the platform: the store, token checks and the vault."""

    store: Store
    access: Access
    vault: AesGcmVault


PROBLEM = "application/problem+json"


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

    def __init__(self, app: ASGIApp, keeper: Callable[[], Keeper | None]) -> None:
        self.app = app
        self.keeper = keeper
        self._locks: dict[str, asyncio.Lock] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode(errors="replace") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        too_big = _problem(413, "The request body is over 1 MiB.")
        if declared.isdigit() and int(declared) > MAX_BODY:
            await _answer(send, *too_big, PROBLEM)
            return
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > MAX_BODY:
                await _answer(send, *too_big, PROBLEM)
                return
            if not message.get("more_body"):
                break
        key = headers.get("idempotency-key")
        keeper = self.keeper()
        # Anonymous callers would share one replay scope, and a stored public answer holds a
        # receipt in clear: public intake takes no part in idempotent replays.
        public = scope["path"].startswith(NO_REPLAY_PREFIX)
        if key is None or keeper is None or scope["method"] != "POST" or public:
            await self.app(scope, _replay(bytes(body)), send)
            return
        if not 1 <= len(key) <= 200 or not key.isprintable():
            await _answer(
                send, *_problem(422, "Idempotency-Key must be 1 to 200 printable characters."),
                PROBLEM,
            )  # fmt: skip
            return
        subject = _subject(keeper.access, headers.get("authorization", ""))
        if subject is None:  # no valid token: the route answers 401 and nothing is kept
            await self.app(scope, _replay(bytes(body)), send)
            return
        await self._keyed(scope, bytes(body), send, keeper, subject, key)

    async def _keyed(
        self, scope: Scope, body: bytes, send: Send, keeper: Keeper, subject: str, key: str
    ) -> None:
        # Keys belong to the token's subject: a refreshed token keeps them.
        owner = hashlib.sha256(b"jiandu-idempotency\x00" + subject.encode()).hexdigest()
        query = scope.get("query_string", b"")
        request_hash = hashlib.sha256(
            scope["method"].encode() + b" " + scope["path"].encode() + b"?" + query + b"\n" + body
        ).hexdigest()
        context = f"{owner}/{key}".encode()
        lock = self._locks.setdefault(f"{owner}/{key}", asyncio.Lock())
        try:
            async with lock:
                if await self._replayed(send, keeper, owner, key, request_hash, context):
                    return
                claim = Claim(
                    owner, key, request_hash,
                    seal=lambda plain: keeper.vault.seal_shared(SHARED_KEY, plain, context),
                )  # fmt: skip
                captured = await _run(self.app, scope, body, claim)
                if not claim.recorded and await self._replayed(
                    send, keeper, owner, key, request_hash, context
                ):
                    return  # another process recorded a write under this key meanwhile
                if claim.recorded and captured.status == 201:
                    kept = keeper.vault.seal_shared(SHARED_KEY, captured.body, context)
                    await asyncio.to_thread(keeper.store.keep_answer_body, owner, key, kept)
                await captured.send_to(send)
        finally:
            if not lock.locked():
                self._locks.pop(f"{owner}/{key}", None)

    async def _replayed(
        self, send: Send, keeper: Keeper, owner: str, key: str, request_hash: str, context: bytes
    ) -> bool:
        stored = await asyncio.to_thread(keeper.store.idempotent_answer, owner, key)
        if stored is None:
            return False
        if stored["request_hash"] != request_hash:
            await _answer(
                send, *_problem(422, "This Idempotency-Key was used with another request."),
                PROBLEM,
            )  # fmt: skip
            return True
        if stored.get("body"):
            answer = keeper.vault.unseal(stored["body"], context)
        else:  # the process ended between the write and keeping its answer: rebuild it
            ids = json.loads(keeper.vault.unseal(stored["answer"], context))
            made = {"position": stored["position"], "version": stored["version"], **ids}
            answer = json.dumps(made, ensure_ascii=False, separators=(",", ":")).encode()
        await _answer(send, 201, answer, "application/json", [(b"idempotent-replayed", b"true")])
        return True


def _subject(access: Access, authorization: str) -> str | None:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        return access.authenticate(token.strip()).subject
    except Unauthenticated:
        return None


@dataclass
class _Captured:
    status: int = 500
    headers: list[Any] | None = None
    body: bytes = b""

    async def send_to(self, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status, "headers": self.headers or []}
        )
        await send({"type": "http.response.body", "body": self.body})


async def _run(app: ASGIApp, scope: Scope, body: bytes, claim: Claim) -> _Captured:
    """Serve the request under the claim, keeping the whole answer (command answers are small)."""
    captured = _Captured()
    chunks = bytearray()

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            captured.status = message["status"]
            captured.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.extend(message.get("body", b""))

    with claiming(claim):
        await app(scope, _replay(body), capture)
    captured.body = bytes(chunks)
    return captured


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
