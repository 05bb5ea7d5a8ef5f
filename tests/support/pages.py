"""Helpers of the web-page tests: the demo county's settings, tokens, forms, signing in."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.auth import issue_token
from api.settings import Settings
from tests.support.http import TEST_SECRET

TODAY = date(2026, 6, 15)
"""The demo county's date in these tests (screenshots and findings are the same every run)."""


def county_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings of an app over the demo county (embedded mode, the basic search)."""
    options: dict[str, object] = {"env": "test", "store": "sqlite", "data_dir": data_dir,
                                  "today": TODAY, "public_rate_limit": 10_000,
                                  "secret": SecretStr(TEST_SECRET)}  # fmt: skip
    return Settings(**(options | overrides))  # type: ignore[arg-type]


def token(role: str, subject: str | None = None, unit: str | None = None) -> str:
    """A signed token of ``role`` (limited to ``unit``'s subtree when given), as `jiandu token
    issue` makes it."""
    return issue_token(TEST_SECRET, subject=subject or f"{role}-1", role=role, ttl_seconds=3600,
                       unit=unit)  # fmt: skip


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(
    client: TestClient, role: str, subject: str | None = None, unit: str | None = None
) -> TestClient:
    """Sign ``client`` in through the sign-in form (any earlier session is dropped)."""
    client.cookies.clear()
    form = client.get("/ui/login")
    assert form.status_code == 200
    answer = client.post(
        "/ui/login", data={"csrf": csrf_of(form.text), "token": token(role, subject, unit),
                           "next": "/ui/"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303, answer.text
    return client
