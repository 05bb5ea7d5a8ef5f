"""Helpers of the HTTP tests: the app in process, role tokens, the store's position, problems."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.auth import issue_token
from api.settings import Settings

TODAY = date(2024, 5, 10)
"""The pinned date of the app the tests talk to (JIANDU_TODAY)."""

Headers = dict[str, str]

TEST_SECRET = "k7Qz-4vR1_xYp9LmN2bW8cT5eJ0hG3sD6fA-uKiOqZyXw"
"""The token secret of the apps the tests serve (a test's constant, never the product's)."""
TEST_SEAL_KEY = "mZ3b8QkR1vT0xY7nL2pW5sJ9cF4hD6gA0eU3iO8qK1M="
"""A seal key for tests whose processes must share one (several apps over one PostgreSQL)."""


def bearer(role: str, subject: str | None = None) -> Headers:
    """An Authorization header with a fresh token of ``role``."""
    token = issue_token(TEST_SECRET, subject=subject or f"{role}-1", role=role, ttl_seconds=3600)
    return {"Authorization": f"Bearer {token}"}


def scoped(role: str, unit: str) -> Headers:
    """An Authorization header with a fresh token of ``role`` limited to ``unit``'s subtree."""
    token = issue_token(TEST_SECRET, subject=f"{role}@{unit}", role=role, ttl_seconds=3600,
                        unit=unit)  # fmt: skip
    return {"Authorization": f"Bearer {token}"}


def app_settings(data_dir: Path, **settings: Any) -> Settings:
    """The settings of a test platform over ``data_dir`` (tokens from ``bearer`` are valid on
    it); ``settings`` override the test defaults."""
    options: dict[str, Any] = {
        "env": "test", "today": TODAY, "public_rate_limit": 10_000,
        "secret": SecretStr(TEST_SECRET),
    }  # fmt: skip
    return Settings(data_dir=data_dir, **(options | settings))


class PatientClient(TestClient):
    """A test client that does what the API tells a client to do when a read with
    ``min_position`` finds the read models or the search index behind: ask again (503, Retry-After).

    The server waits up to 5 s for its followers before that answer; on a busy machine a
    follower can take longer (a fresh search index, a copied county), and a test that took the
    first 503 for a failure asserted a speed. Every other answer, and a refusal of any other
    kind, is returned as it came."""

    attempts = 3000  # 0.2 s apart: ten minutes, a bound against a follower that never comes

    def request(self, method: str, url: Any, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        for _ in range(self.attempts):
            response = super().request(method, url, **kwargs)
            if not behind(response):
                break
            time.sleep(0.2)
        return response


def behind(response: httpx.Response) -> bool:
    """The answer says a follower has not reached the asked ``min_position`` yet."""
    if response.status_code != 503 or "retry-after" not in response.headers:
        return False
    detail = response.json().get("detail", "") if response.content else ""
    return isinstance(detail, str) and " not reached position " in detail


@contextmanager
def serve(data_dir: Path, **settings: Any) -> Iterator[TestClient]:
    """The app over ``data_dir`` with its lifespan run; ``settings`` override the test defaults.
    Reads with ``min_position`` ask again while the server answers that it is behind."""
    app = create_app(app_settings(data_dir, **settings))
    with PatientClient(app) as test_client:
        yield test_client


def position(client: TestClient) -> int:
    """The event store's global position, as `GET /api/v1/status` reports it."""
    response = client.get("/api/v1/status", headers=bearer("auditor"))
    assert response.status_code == 200
    value: int = response.json()["position"]
    return value


def created(response: Any) -> dict[str, Any]:
    """The body of a 201 answer (the answer's text when it is something else)."""
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status``; its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    return body
