"""Search over HTTP: roles, the headline secondment query, pages, and hostile input never a 5xx.

Run against the embedded basic search, and against a real OpenSearch node (``search`` mark).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.http import assert_problem, bearer, serve

TODAY = date(2026, 11, 26)
SEARCH = "/api/v1/search"
HEADLINE = (
    f"{SEARCH}/secondments?home_level=township&host_level=county,city,province"
    "&active=true&approved=false&min_days=180"
)
APPROVAL = {"level": "county", "authority": "县委组织部", "document_no": "县组〔2026〕1号"}
HOSTILE = [
    '"借调', "借调'", "*:*", '{"query":{"match_all":{}}}', "借\x00调", "\x1b[31m", "\u202e借调",
    "\\", "%", "_", "%%", "' OR 1=1 --", "<script>", "( [ { ~ ^ / : ! ? }", "AND OR NOT",
    "借调~2", "name:*", "\t", "🙂", "\ufffd", "a" * 256, "借调" * 128,
    " ".join("借调" * 8 for _ in range(16)),
]  # fmt: skip


def jiandu(data_dir: Path, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """Run ``jiandu ARGS`` over the data folder with the given JIANDU_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    env |= {"JIANDU_DATA_DIR": str(data_dir), "JIANDU_ENV": "test", **variables}
    return subprocess.run(
        [str(Path(sys.executable).parent / "jiandu"), *args], env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body, headers=bearer("clerk"))
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def county(client: TestClient) -> dict[str, Any]:
    """Township T1 and county C1; A1 seconded 270 days without approval, B2 with one, C3 for
    90 days; returns the secondment ids and the last position."""
    for code, name, level in (("C1", "县委组织部", "county"), ("T1", "东镇人民政府", "township")):
        unit = {"code": code, "name": name, "level": level, "kind": "department"}
        post(client, "/api/v1/units", unit | ({"parent": "C1"} if code == "T1" else {}))
    ids: dict[str, Any] = {}
    for code, name, start, approval in (
        ("A1", "张伟", "2026-03-01", None),
        ("B2", "李娜", "2026-03-01", APPROVAL),
        ("C3", "王芳", "2026-08-28", None),
    ):
        post(client, "/api/v1/cadres", {"code": code, "name": name, "gender": "male",
                                         "birth_date": "1990-01-01"})  # fmt: skip
        post(client, f"/api/v1/cadres/{code}/recruitment",
             {"effective_date": "2015-07-01", "unit": "T1", "channel": "exam"})  # fmt: skip
        body = {"host_unit": "C1", "start_date": start, "planned_end_date": "2026-12-31",
                "purpose": "抽调借调人员参与巡察", "approval": approval}  # fmt: skip
        answer = post(client, f"/api/v1/cadres/{code}/secondments", body)
        ids[code] = answer["secondment_id"]
        ids["position"] = answer["position"]
    return ids


class SearchOverHttp:
    """The HTTP contract of /search, whatever answers it."""

    @pytest.fixture
    def settings(self) -> dict[str, Any]:
        return {}

    @pytest.fixture
    def client(self, tmp_data_dir: Path, settings: dict[str, Any]) -> Iterator[TestClient]:
        with serve(tmp_data_dir, today=TODAY, **settings) as client:
            yield client

    @pytest.fixture
    def ids(self, client: TestClient) -> dict[str, Any]:
        return county(client)

    def test_the_headline_query_over_http(self, client: TestClient, ids: dict[str, Any]) -> None:
        response = client.get(
            f"{HEADLINE}&min_position={ids['position']}", headers=bearer("inspector")
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert [h["id"] for h in body["hits"]] == [ids["A1"]]
        hit = body["hits"][0]
        assert hit["active"] is True and hit["duration_days"] == 270
        assert hit["open_findings"] == [] or all(f["rule"] for f in hit["open_findings"])
        assert body["as_of"] == TODAY.isoformat() and body["position"] >= ids["position"]

    def test_free_text_pages_and_facets(self, client: TestClient, ids: dict[str, Any]) -> None:
        first = client.get(
            SEARCH,
            params={"q": "借调", "size": 2, "min_position": ids["position"]},
            headers=bearer("auditor"),
        )
        assert first.status_code == 200, first.text
        page = first.json()
        assert page["total"] == 6  # three Seconded events, three secondments
        assert {b["value"]: b["count"] for b in page["facets"]["kind"]} == {
            "events": 3,
            "secondments": 3,
        }
        seen = [h["id"] for h in page["hits"]]
        while page["next_cursor"]:
            page = client.get(
                SEARCH,
                params={"q": "借调", "size": 2, "cursor": page["next_cursor"]},
                headers=bearer("auditor"),
            ).json()
            seen += [h["id"] for h in page["hits"]]
        assert len(seen) == len(set(seen)) == 6
        named = client.get(
            SEARCH, params={"q": "张伟", "kind": "events"}, headers=bearer("inspector")
        )
        assert {h["source"]["type"] for h in named.json()["hits"]} == {
            "CadreRegistered", "Recruited", "Seconded",
        }  # fmt: skip

    def test_only_inspectors_and_auditors_search(self, client: TestClient) -> None:
        assert_problem(client.get(SEARCH, params={"q": "借调"}), 401)
        for role in ("clerk", "intake"):
            assert_problem(client.get(SEARCH, headers=bearer(role)), 403)
            assert_problem(client.get(HEADLINE, headers=bearer(role)), 403)
        for role in ("inspector", "auditor", "admin"):
            assert client.get(SEARCH, headers=bearer(role)).status_code == 200

    def test_hostile_input_is_plain_text_or_422_never_5xx(
        self, client: TestClient, ids: dict[str, Any]
    ) -> None:
        who = bearer("inspector")
        for q in HOSTILE:
            response = client.get(SEARCH, params={"q": q}, headers=who)
            assert response.status_code == 200, (q, response.text)
        for q in ("a" * 10_000, "借" * 2_000, " ".join(f"词{i}" for i in range(20)), "a" * 257):
            assert_problem(client.get(SEARCH, params={"q": q}, headers=who), 422)
        for raw in ("q=%FF%FE", "q=%ED%A0%80", "q=%00%00", "q=%25%5F"):
            response = client.get(f"{SEARCH}?{raw}", headers=who)
            assert response.status_code in (200, 400, 422), (raw, response.text)
        for params in (
            {"size": 0}, {"size": 101},
            {"kind": "everything"}, {"from": "yesterday"}, {"unit": "x" * 201},
            {"min_position": -1},
        ):  # fmt: skip
            assert_problem(client.get(SEARCH, params=params, headers=who), 422)
        for cursor in ("garbage", "e30"):
            assert_problem(client.get(SEARCH, params={"cursor": cursor}, headers=who), 400)
        for params in ({"host_level": "galaxy"}, {"home_level": "county,,moon"}, {"min_days": -1}):
            assert_problem(client.get(f"{SEARCH}/secondments", params=params, headers=who), 422)

    def test_a_reindex_from_the_command_line_while_serving(
        self, client: TestClient, ids: dict[str, Any], tmp_data_dir: Path, settings: dict[str, Any]
    ) -> None:
        who = bearer("inspector")
        params = {"q": "借调", "size": 50, "min_position": ids["position"]}
        before = client.get(SEARCH, params=params, headers=who).json()
        variables = {f"JIANDU_{k.upper()}": str(v) for k, v in settings.items()}
        done = jiandu(tmp_data_dir, "search", "reindex", **variables)
        assert done.returncode == 0, done.stderr
        assert f"swapped in at position {ids['position']}" in done.stderr
        after = client.get(SEARCH, params=params, headers=who).json()
        assert [h["id"] for h in after["hits"]] == [h["id"] for h in before["hits"]]
        assert after["total"] == before["total"] == 6
        status = jiandu(tmp_data_dir, "search", "status", **variables)
        assert status.returncode == 0, status.stderr
        engine = "opensearch" if settings else "basic"
        assert engine in status.stdout and str(ids["position"]) in status.stdout


class TestBasicSearchOverHttp(SearchOverHttp):
    """Embedded mode: no JIANDU_SEARCH_URL, the basic search over the SQLite read models."""


@pytest.mark.search
class TestOpenSearchOverHttp(SearchOverHttp):
    """JIANDU_SEARCH_URL names a real OpenSearch node; `serve` keeps its index current."""

    @pytest.fixture
    def settings(self, search_url: str) -> Iterator[dict[str, Any]]:
        from projections.search.clients import OpenSearchEngine

        prefix = f"je{uuid.uuid4().hex[:10]}"
        yield {"search_url": search_url, "search_index_prefix": prefix}
        engine = OpenSearchEngine(search_url)
        for name in engine.indices(f"{prefix}-*"):
            engine.delete_index(name)
        engine.close()
