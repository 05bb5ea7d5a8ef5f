"""``FreshReader`` takes the caller a router's own dependency authenticated, and authenticates
it itself on a route where nothing did (it must never read an unauthenticated request)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.deps import FreshReader
from tests.support.http import bearer


def _probe(client: TestClient) -> None:
    """A route using ``FreshReader`` with no other dependency (no router-level scope check)."""

    async def probe(reader: FreshReader) -> dict[str, Any]:
        return {"subject": reader.who.subject, "role": reader.who.role}

    client.app.add_api_route("/probe/fresh-read", probe, methods=["GET"])  # type: ignore[attr-defined]


def test_without_a_dependency_before_it_authenticates_the_caller_itself(
    client: TestClient,
) -> None:
    _probe(client)
    anonymous = client.get("/probe/fresh-read")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert (
        client.get("/probe/fresh-read", headers={"Authorization": "Bearer x.y"}).status_code == 401
    )
    basic = client.get("/probe/fresh-read", headers={"Authorization": "Basic eDp5"})
    assert basic.status_code == 401
    known = client.get("/probe/fresh-read", headers=bearer("auditor", "a-7"))
    assert known.status_code == 200, known.text
    assert known.json() == {"subject": "a-7", "role": "auditor"}


def test_the_cadre_reads_answer_the_caller_the_scope_check_authenticated(
    client: TestClient,
) -> None:
    # GET a cadre's caller comes from the cadres router's scope check: a bad token is refused
    # there (401), a good one reads (404 for an unknown code: it got past authentication).
    assert client.get("/api/v1/cadres/NOBODY").status_code == 401
    assert client.get("/api/v1/cadres/NOBODY/timeline").status_code == 401
    for path in ("/api/v1/cadres/NOBODY", "/api/v1/cadres/NOBODY/timeline"):
        assert client.get(path, headers=bearer("clerk")).status_code == 404
