"""The auth dependencies run on the event loop (no worker-thread hop per request): the pure
checks are coroutines, and the revocation list is read inline only where it is local SQLite."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from api.access import VERIFIED_TOKENS, Access, Revocations, Unauthenticated
from api.auth import principal, require, require_lead
from api.tokens import issue_token
from projections.sql import SqliteViews

SECRET = b"k" * 32


def test_every_auth_dependency_is_a_coroutine() -> None:
    for dependency in (principal, require("clerk"), require("inspector", "auditor"), require_lead):
        assert inspect.iscoroutinefunction(dependency), dependency


def test_verify_reads_nothing_and_authenticate_still_refuses_a_revoked_token(
    tmp_path: Path,
) -> None:
    access = Access(SECRET, max_ttl=3600, revocations=Revocations(SqliteViews(str(tmp_path / "k"))))
    assert access.reads_inline
    token = issue_token(SECRET.decode(), subject="s", role="clerk", ttl_seconds=600)
    who = access.verify(token)
    access.revocations.revoke("jti", who.jti, by="admin", reason="lost")
    assert access.verify(token) == who  # the pure half: signature and lifetime only
    with pytest.raises(Unauthenticated, match="revoked"):
        access.not_revoked(who)
    with pytest.raises(Unauthenticated, match="revoked"):
        access.authenticate(token)
    with pytest.raises(Unauthenticated):
        access.verify(None)


def test_a_token_verified_before_is_still_refused_once_expired_or_revoked(tmp_path: Path) -> None:
    # Access remembers well-signed tokens (no second signature check); their lifetime and the
    # revocation list are still checked on every use.
    now = [1_800_000_000.0]
    access = Access(
        SECRET, max_ttl=3600, clock=lambda: now[0],
        revocations=Revocations(SqliteViews(str(tmp_path / "k"))),
    )  # fmt: skip
    token = issue_token(SECRET, subject="s", role="clerk", ttl_seconds=600, now=now[0])
    who = access.authenticate(token)
    assert access.authenticate(token) == who
    now[0] += 601
    with pytest.raises(Unauthenticated, match="expired"):
        access.verify(token)
    now[0] -= 601
    access.revocations.revoke("subject", "s", by="admin", reason="left", now=int(now[0]))
    with pytest.raises(Unauthenticated, match="revoked"):
        access.authenticate(token)


def test_a_forged_token_is_refused_every_time_and_the_memory_is_bounded(tmp_path: Path) -> None:
    access = Access(SECRET, max_ttl=3600, revocations=Revocations(None))
    good = issue_token(SECRET, subject="s", role="clerk", ttl_seconds=600)
    forged = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    for _ in range(2):
        with pytest.raises(Unauthenticated, match=r"signature|malformed"):
            access.verify(forged)
    tokens = [
        issue_token(SECRET, subject=f"s{i}", role="clerk", ttl_seconds=600)
        for i in range(VERIFIED_TOKENS + 10)
    ]
    for token in tokens:
        access.verify(token)
    assert all(access.verify(t).subject == f"s{i}" for i, t in enumerate(tokens))
    assert len(access._verified) <= VERIFIED_TOKENS
