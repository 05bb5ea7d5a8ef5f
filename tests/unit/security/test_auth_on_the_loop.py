"""The auth dependencies run on the event loop (no worker-thread hop per request): the pure
checks are coroutines, and the revocation list is read inline only where it is local SQLite."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from api.access import Access, Revocations, Unauthenticated
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
