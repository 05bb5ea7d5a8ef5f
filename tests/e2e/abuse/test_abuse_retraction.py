"""Hole 11: a clerk could retract an admonishment the discipline commission recorded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.http import assert_problem, bearer, position, serve

CADRE = "/api/v1/cadres/A1"
CLERK, INSPECTOR = bearer("clerk", "组织部-王科员"), bearer("inspector", "纪委-李主任")


@pytest.fixture
def client(tmp_data_dir: Path) -> Iterator[TestClient]:
    with serve(tmp_data_dir) as test_client:
        for path, body in (
            ("/api/v1/units", {"code": "T1", "name": "青石镇", "level": "township",
                               "kind": "government"}),
            ("/api/v1/cadres", {"code": "A1", "name": "张伟", "gender": "male",
                                "birth_date": "1988-03-02"}),
            (f"{CADRE}/recruitment", {"effective_date": "2015-07-01", "unit": "T1",
                                      "channel": "exam"}),
        ):  # fmt: skip
            assert test_client.post(path, json=body, headers=CLERK).status_code == 201
        yield test_client


def admonished(client: TestClient) -> int:
    body = {"date": "2024-03-01", "authority": "县纪委", "reason": "违反工作纪律"}
    answer = client.post(f"{CADRE}/admonishments", json=body, headers=INSPECTOR)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["position"])


def timeline(client: TestClient) -> list[dict[str, object]]:
    fresh = {"min_position": position(client), "include_retracted": "true"}
    answer = client.get(f"{CADRE}/timeline", params=fresh, headers=bearer("auditor"))
    events: list[dict[str, object]] = answer.json()["events"]
    return events


def test_a_clerk_cannot_retract_the_commissions_entry(client: TestClient) -> None:
    entry = admonished(client)
    before = position(client)
    refused = client.post(f"{CADRE}/retractions", json={"position": entry, "reason": "录错"},
                          headers=CLERK)  # fmt: skip
    body = assert_problem(refused, 409)
    assert "inspector" in body["detail"] and "retraction-requests" in body["detail"]
    assert position(client) == before
    # The commission itself may correct its own entry.
    own = client.post(f"{CADRE}/retractions", json={"position": entry, "reason": "重复录入"},
                      headers=bearer("inspector", "纪委-另一人"))  # fmt: skip
    assert own.status_code == 201


def test_with_a_leads_approval_the_clerk_retracts_it(client: TestClient) -> None:
    entry = admonished(client)
    ask = {"position": entry, "reason": "诫勉决定已撤销"}
    asked = client.post(f"{CADRE}/retraction-requests", json=ask, headers=CLERK)
    assert asked.status_code == 201, asked.text
    rid = asked.json()["request_id"]
    approve = f"{CADRE}/retraction-requests/{rid}/approve"
    # Not the clerk, not an inspector, not an admin: a lead, and not the asker.
    for headers, status in ((CLERK, 403), (INSPECTOR, 403), (bearer("admin"), 403)):
        assert_problem(client.post(approve, json={}, headers=headers), status)
    assert_problem(client.post(approve, json={}, headers=bearer("lead", "组织部-王科员")), 409)
    done = client.post(approve, json={}, headers=bearer("lead", "纪委书记"))
    assert done.status_code == 201, done.text
    assert_problem(client.post(approve, json={}, headers=bearer("lead", "纪委书记")), 409)
    events = {e["position"]: e for e in timeline(client)}
    assert events[entry]["retracted"] is True
    retraction = next(e for e in events.values() if e["type"] == "EntryRetracted")
    assert retraction["recorded_by"] == "组织部-王科员"
    assert retraction["data"]["approved_by"] == "纪委书记"
    assert retraction["data"]["recorded_role"] == "clerk"
    assert events[entry]["data"]["recorded_role"] == "inspector"


def test_a_request_names_a_real_entry_and_an_approval_a_real_request(client: TestClient) -> None:
    before = position(client)
    nothing = {"position": 999, "reason": "x"}
    assert_problem(client.post(f"{CADRE}/retraction-requests", json=nothing, headers=CLERK), 409)
    assert_problem(client.post(f"{CADRE}/retraction-requests/not-a-uuid/approve", json={},
                               headers=bearer("lead")), 404)  # fmt: skip
    assert_problem(client.post(
        f"{CADRE}/retraction-requests/00000000-0000-4000-8000-000000000000/approve", json={},
        headers=bearer("lead")), 404)  # fmt: skip
    assert position(client) == before
