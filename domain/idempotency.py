"""Idempotent commands: a key claimed by a request is recorded in the transaction of its write.

The HTTP layer opens a :class:`Claim` for a request that carries an ``Idempotency-Key``; the
store's commit hands the claim's record to the recorder, which stores it with the events in
one transaction. So a key is either used together with its write or not at all, and two
requests racing with one key cannot both write.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from domain.errors import ConcurrentWrite


@dataclass(frozen=True)
class IdempotencyRecord:
    """What the recorder stores with the write: the key, the request, and the answer's parts.

    ``answer`` is the sealed JSON of the ids the command made; the recorder adds the position.
    """

    scope: str
    key: str
    request_hash: str
    version: int
    answer: str


@dataclass
class Claim:
    """A request's claim on an idempotency key, open until a commit records it."""

    scope: str
    key: str
    request_hash: str
    seal: Callable[[bytes], str]
    recorded: bool = False

    def record(self, version: int, ids: Mapping[str, str]) -> IdempotencyRecord:
        """The record of this claim for a write that leaves the aggregate at ``version``."""
        answer = self.seal(json.dumps(dict(ids), ensure_ascii=False).encode())
        return IdempotencyRecord(self.scope, self.key, self.request_hash, version, answer)


class KeyTaken(ConcurrentWrite):
    """Another request recorded a write under this idempotency key first."""


_current: ContextVar[Claim | None] = ContextVar("jiandu_idempotency_claim", default=None)


def current_claim() -> Claim | None:
    """The open claim of the request being served, if it carries a key."""
    return _current.get()


@contextmanager
def claiming(claim: Claim) -> Iterator[Claim]:
    """Serve a request under ``claim``: the first commit made meanwhile records it."""
    token = _current.set(claim)
    try:
        yield claim
    finally:
        _current.reset(token)
