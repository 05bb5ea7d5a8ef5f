"""The access log: reading a cadre's file or a complaint records who, what, when, why and from
where; auditors read it; entries chain, so a changed one shows."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.access_log import AccessLog
from projections.sql import SqliteViews
from tests.support.http import assert_problem, bearer, position, serve

LOG = "/api/v1/audit/access"
AUDITOR = bearer("auditor", "审计员")


@pytest.fixture
def client(tmp_data_dir: Path) -> Iterator[TestClient]:
    with serve(tmp_data_dir) as test_client:
        clerk = bearer("clerk")
        for path, body in (
            ("/api/v1/units", {"code": "T1", "name": "青石镇", "level": "township",
                               "kind": "government"}),
            ("/api/v1/cadres", {"code": "A1", "name": "张伟", "gender": "male",
                                "birth_date": "1988-03-02"}),
        ):  # fmt: skip
            assert test_client.post(path, json=body, headers=clerk).status_code == 201
        fresh = {"min_position": position(test_client)}
        assert test_client.get("/api/v1/units/T1", params=fresh, headers=clerk).status_code == 200
        assert test_client.get(LOG, headers=AUDITOR).json()["entries"] == []
        yield test_client


def entries(client: TestClient, **params: object) -> list[dict[str, object]]:
    answer = client.get(LOG, params=params, headers=AUDITOR)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, object]] = answer.json()["entries"]
    return found


def test_readings_are_logged_with_who_what_why(client: TestClient) -> None:
    fresh = {"min_position": position(client)}
    reader = {
        **bearer("inspector", "纪委-张三"),
        "X-Purpose": "%E6%A0%B8%E6%9F%A5%E7%BA%BF%E7%B4%A2",
    }
    assert client.get("/api/v1/cadres/A1", params=fresh, headers=reader).status_code == 200
    assert client.get("/api/v1/cadres/A1/timeline", headers=reader).status_code == 200
    assert client.get("/api/v1/cadres/NOBODY", headers=reader).status_code == 404  # not logged
    filed = client.post("/api/v1/complaints", headers=bearer("intake"), json={
        "category": "作风", "title": "反映问题", "body": "情况", "named": False,
        "channel": "letter", "received_at": "2024-05-08T10:00:00+08:00"}).json()  # fmt: skip
    detail = f"/api/v1/complaints/{filed['complaint_id']}"
    assert client.get(detail, params={"min_position": position(client)},
                      headers=bearer("auditor", "巡视组")).status_code == 200  # fmt: skip
    logged = entries(client)
    assert [(e["subject"], e["role"], e["resource"], e["purpose"]) for e in logged] == [
        ("纪委-张三", "inspector", "cadre:A1", "核查线索"),
        ("纪委-张三", "inspector", "cadre:A1", "核查线索"),
        ("巡视组", "auditor", f"complaint:{filed['complaint_id']}", ""),
    ]
    assert all(e["client"] == "testclient" and e["at"] for e in logged)
    assert [e["resource"] for e in entries(client, subject="巡视组")] == [
        f"complaint:{filed['complaint_id']}"
    ]
    assert len(entries(client, resource="cadre:A1")) == 2
    assert entries(client, **{"from": "2099-01-01T00:00:00+08:00"}) == []


def test_only_auditors_read_the_log_and_a_bad_purpose_reads_nothing(client: TestClient) -> None:
    for role in ("clerk", "inspector", "intake", "lead"):
        assert_problem(client.get(LOG, headers=bearer(role)), 403)
    assert_problem(client.get(LOG), 401)
    for purpose in ("x" * 201, "%E2%80%AE", "%FF", "line%0Abreak"):
        answer = client.get("/api/v1/cadres/A1", headers={**bearer("clerk"), "X-Purpose": purpose})
        assert_problem(answer, 422)
    assert entries(client) == []
    assert_problem(client.get(LOG, params={"from": "2024-01-01T00:00:00"}, headers=AUDITOR), 422)


def test_the_log_pages_with_a_cursor(client: TestClient) -> None:
    for _ in range(5):
        client.get("/api/v1/cadres/A1", headers=bearer("clerk"))
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(LOG, params=params, headers=AUDITOR).json()
        seen += [e["seq"] for e in page["entries"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [1, 2, 3, 4, 5]
    assert_problem(client.get(LOG, params={"cursor": "c1.NQ.AAAA"}, headers=AUDITOR), 400)


def test_a_changed_or_removed_entry_shows(client: TestClient, tmp_data_dir: Path) -> None:
    for _ in range(3):
        client.get("/api/v1/cadres/A1", headers=bearer("clerk"))
    log = AccessLog(SqliteViews(str(tmp_data_dir / "keys.sqlite3")))
    assert log.verify() is None
    with sqlite3.connect(tmp_data_dir / "keys.sqlite3") as conn:
        conn.execute("UPDATE jiandu_access_log SET subject = '别人' WHERE seq = 2")
    assert log.verify() == 2
    with sqlite3.connect(tmp_data_dir / "keys.sqlite3") as conn:
        conn.execute("DELETE FROM jiandu_access_log WHERE seq = 2")
    assert log.verify() == 3
