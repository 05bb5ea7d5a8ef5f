"""Readiness when the search engine is away, against the real PostgreSQL: the API stays ready
("degraded"): commands, reads and intake work, searches answer 503 and the metrics say the
engine is down. With the real engine answering it is plainly ready."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from opensearchpy import OpenSearch

from tests.support.http import bearer, serve
from tests.support.servers import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.search]
UNIT = {"code": "C", "name": "县委", "level": "county", "kind": "party_committee"}


@pytest.fixture
def schema(postgres_url: str) -> Iterator[str]:
    name = f"rd_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for suffix in ("", "_views"):
            conn.execute(f"DROP SCHEMA IF EXISTS {name}{suffix} CASCADE")


@pytest.fixture
def closed_url() -> str:
    """A port where nothing listens: connections are refused."""
    return f"http://127.0.0.1:{free_port()}"


def test_without_its_search_engine_the_api_stays_ready_but_degraded(
    tmp_path: Path, postgres_url: str, schema: str, closed_url: str
) -> None:
    with serve(
        tmp_path, store="postgres", postgres_url=postgres_url, postgres_schema=schema,
        search_url=closed_url, search_index_prefix=schema.replace("_", "-"),
    ) as client:  # fmt: skip
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["status"] == "degraded"
        assert set(ready.json()["degraded"]) == {"search_engine"}
        assert "failing" not in ready.json()

        made = client.post("/api/v1/units", json=UNIT, headers=bearer("clerk"))
        assert made.status_code == 201  # commands work
        unit = client.get(
            "/api/v1/units/C", params={"min_position": made.json()["position"]},
            headers=bearer("auditor"),
        )  # fmt: skip
        assert unit.status_code == 200 and unit.json()["name"] == "县委"  # and reads

        found = client.get("/api/v1/search", params={"q": "县委"}, headers=bearer("auditor"))
        assert found.status_code == 503
        assert found.headers["content-type"] == "application/problem+json"
        assert closed_url.rsplit(":", 1)[1] not in found.json()["detail"]  # no internal address

        metrics = client.get("/metrics", headers=bearer("auditor")).text.splitlines()
        assert 'jiandu_search_engine_up{engine="opensearch"} 0' in metrics


def test_with_its_search_engine_answering_the_api_is_ready(
    tmp_path: Path, postgres_url: str, schema: str, search_url: str
) -> None:
    try:
        with serve(
            tmp_path, store="postgres", postgres_url=postgres_url, postgres_schema=schema,
            search_url=search_url, search_index_prefix=schema.replace("_", "-"),
        ) as client:  # fmt: skip
            ready = client.get("/readyz")
            assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
            metrics = client.get("/metrics", headers=bearer("auditor")).text.splitlines()
            assert 'jiandu_search_engine_up{engine="opensearch"} 1' in metrics
    finally:
        OpenSearch(search_url).indices.delete(index=f"{schema.replace('_', '-')}-*")
