"""GET a cadre's plain path (``api.plain_route``) answers exactly as FastAPI's own handler does,
leaves every other request to it before reading or writing anything, and still refuses a token
revoked through another connection on the very next request."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.testclient import TestClient

from api.access import Revocations
from api.plain_route import NOT_PLAIN
from api.routes.cadres import _get_cadre_plainly
from projections.sql import SqliteViews
from tests.support.http import Headers, bearer, position, scoped, serve
from tests.support.ledger import COUNTY_TODAY

TODAY = date.fromisoformat(COUNTY_TODAY)

BAD_CODES = ["NOBODY", "a%0A", "%0A", "x" * 65, "a%20b", "recruitment", "%E7%BA%A6"]


def _unused() -> None:
    """A dependency no route declares: overriding it leaves every route's answer alone."""


def _answer(client: TestClient, path: str, headers: Headers) -> tuple[Any, ...]:
    r = client.get(path, headers=headers)
    kept = sorted((k, v) for k, v in r.headers.items() if k not in ("date", "x-request-id"))
    return r.status_code, r.content, kept


def _readings(client: TestClient, after: int) -> list[tuple[Any, ...]]:
    log = client.app.state.platform.access_log  # type: ignore[attr-defined]
    return [(e.subject, e.role, e.unit, e.resource, e.purpose, e.client)
            for e in log.entries(after=after, limit=100_000)]  # fmt: skip


def _seq(client: TestClient) -> int:
    head = client.app.state.platform.access_log.head()  # type: ignore[attr-defined]
    return int(head[0]) if head else 0


def _caught_up(client: TestClient, path: str, headers: Headers) -> Any:
    """GET ``path`` (with ``min_position``) once its follower has every event (the test client
    asks again while the server answers that it is behind)."""
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _cadres(client: TestClient, size: int, headers: Headers) -> list[str]:
    """The codes of ``size`` cadres, once both the search index and the read models have every
    event (so that both handlers read the same views)."""
    at = position(client)
    found = _caught_up(client, f"/api/v1/search?kind=cadres&size={size}&min_position={at}", headers)
    codes = [hit["id"] for hit in found["hits"]]
    _caught_up(client, f"/api/v1/cadres/{codes[0]}?min_position={at}", headers)
    return codes


def _requests(client: TestClient) -> list[tuple[str, Headers]]:
    reader = bearer("inspector", "plain-reader")
    codes = _cadres(client, 40, reader)
    assert len(codes) >= 20
    units = client.get("/api/v1/units", headers=reader).json()["units"]
    township = next(u["code"] for u in units if u["level"] == "township")
    callers: list[Headers] = [
        reader, bearer("clerk"), bearer("auditor"), scoped("inspector", township),
        scoped("inspector", "NO-SUCH-UNIT"), {}, {"Authorization": "Bearer x.y"},
        {"Authorization": "Basic eDp5"}, {"Authorization": reader["Authorization"].lower()[:7]
                                           + reader["Authorization"][7:]},
    ]  # fmt: skip
    return [(f"/api/v1/cadres/{code}", who) for who in callers for code in codes + BAD_CODES]


def test_it_answers_as_fastapis_own_handler(county: Path) -> None:
    with serve(county, today=TODAY) as client:
        requests = _requests(client)
        start = _seq(client)
        plain = [_answer(client, path, who) for path, who in requests]
        middle = _seq(client)
        # Any dependency override sends every request to FastAPI's handler.
        client.app.dependency_overrides[_unused] = _unused  # type: ignore[attr-defined]
        canonical = [_answer(client, path, who) for path, who in requests]
        readings = _readings(client, start)

    assert {status for status, _, _ in plain} >= {200, 401, 404, 422}
    for request, mine, theirs in zip(requests, plain, canonical, strict=True):
        assert mine == theirs, request
    assert readings[: middle - start] == readings[middle - start :]
    assert len(readings) == 2 * sum(1 for status, _, _ in plain if status == 200)


def _request(client: TestClient, path: str, query: bytes, headers: Headers) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    code = path.rsplit("/", 1)[1]
    scope = {
        "type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
        "query_string": query, "headers": raw, "app": client.app, "client": ("127.0.0.1", 1),
        "path_params": {"code": code}, "state": {},
    }  # fmt: skip
    return Request(scope)


def test_any_other_request_is_left_to_fastapi_before_anything_is_read(
    county: Path,
) -> None:
    with serve(county, today=TODAY) as client:
        reader = bearer("inspector", "plain-reader")
        path = f"/api/v1/cadres/{_cadres(client, 1, reader)[0]}"
        before = _seq(client)
        for query, headers in [
            (b"min_position=0", reader), (b"as_of=2024-01-01", reader), (b"x", {}),
            (b"", {**reader, "X-Purpose": "review"}), (b"", {**reader, "X-Purpose": ""}),
        ]:  # fmt: skip
            plainly = _get_cadre_plainly(_request(client, path, query, headers))
            assert asyncio.run(plainly) is NOT_PLAIN
        bad = _request(client, "/api/v1/cadres/a\n", b"", reader)
        assert asyncio.run(_get_cadre_plainly(bad)) is NOT_PLAIN
        assert _seq(client) == before  # nothing read into the access log

        assert client.get(path, headers=reader).status_code == 200
        assert _seq(client) == before + 1


def test_a_token_revoked_by_another_connection_is_refused_on_the_next_request(
    county: Path,
) -> None:
    with serve(county, today=TODAY) as client:
        one, every = bearer("auditor", "leaving"), bearer("clerk", "moved")
        path = f"/api/v1/cadres/{_cadres(client, 1, one)[0]}"
        assert client.get(path, headers=one).status_code == 200
        assert client.get(path, headers=every).status_code == 200
        keys = client.app.state.platform.access.revocations.db  # type: ignore[attr-defined]
        other = SqliteViews(keys.path)  # another connection, as `jiandu token revoke` opens
        try:
            token = one["Authorization"].split()[1]
            jti = client.app.state.platform.access.verify(token).jti  # type: ignore[attr-defined]
            Revocations(other).revoke("jti", jti, by="test", reason="left")
            refused = client.get(path, headers=one)
            assert refused.status_code == 401
            assert refused.json()["detail"] == "token revoked"
            Revocations(other).revoke("subject", "moved", by="test", reason="moved")
            assert client.get(path, headers=every).status_code == 401
        finally:
            other.close()
