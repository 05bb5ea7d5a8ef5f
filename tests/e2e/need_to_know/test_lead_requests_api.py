"""What waits for a lead: the pending unseal and retraction requests a lead lists, approves
where they belong, and sees leave the pending list; scoped, paged and lead-or-admin only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.http import assert_problem, bearer, created, position, scoped, serve

CLERK, INSPECTOR = bearer("clerk", "组织部-王科员"), bearer("inspector", "纪委-李干事")
LEAD = bearer("lead", "纪委书记")
UNSEAL, RETRACTION = "/api/v1/unseal-requests", "/api/v1/retraction-requests"


@pytest.fixture
def county(tmp_data_dir: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """Townships T1 (cadre A1) and T2 (cadre B1), a named complaint about each with an unseal
    request, and an admonishment of each that a clerk asks to retract."""
    with serve(tmp_data_dir) as client:
        for code in ("T1", "T2"):
            created(client.post("/api/v1/units", headers=CLERK, json={
                "code": code, "name": f"乡镇{code}", "level": "township",
                "kind": "government"}))  # fmt: skip
        ids: dict[str, str] = {}
        for cadre, home in (("A1", "T1"), ("B1", "T2")):
            created(client.post("/api/v1/cadres", headers=CLERK, json={
                "code": cadre, "name": f"干部{cadre}", "gender": "male",
                "birth_date": "1988-03-02"}))  # fmt: skip
            created(client.post(f"/api/v1/cadres/{cadre}/recruitment", headers=CLERK, json={
                "effective_date": "2015-07-01", "unit": home, "channel": "exam"}))  # fmt: skip
            entry = created(
                client.post(
                    f"/api/v1/cadres/{cadre}/admonishments",
                    headers=INSPECTOR,
                    json={"date": "2024-03-01", "authority": "县纪委", "reason": "违反工作纪律"},
                )
            )
            ids[f"retract-{cadre}"] = created(client.post(
                f"/api/v1/cadres/{cadre}/retraction-requests", headers=CLERK,
                json={"position": entry["position"], "reason": f"{cadre}诫勉决定已撤销"}),
            )["request_id"]  # fmt: skip
            complaint = created(client.post("/api/v1/complaints", headers=bearer("intake"), json={
                "category": "作风", "title": f"反映{cadre}", "body": "情况如下。", "named": True,
                "reporter": {"name": "王小明", "phone": "13800000000"}, "channel": "letter",
                "received_at": "2024-05-08T10:00:00+08:00",
                "subject_cadres": [cadre]}))  # fmt: skip
            ids[cadre] = complaint["complaint_id"]
            ids[f"unseal-{cadre}"] = created(client.post(
                f"/api/v1/complaints/{ids[cadre]}/unseal-requests", headers=INSPECTOR,
                json={"reason": f"核实{cadre}案举报人"}))["request_id"]  # fmt: skip
        yield client, ids


def listed(client: TestClient, path: str, headers: dict[str, str], **params: Any) -> list[Any]:
    answer = client.get(path, params={"min_position": position(client), **params},
                        headers=headers)  # fmt: skip
    assert answer.status_code == 200, answer.text
    requests: list[Any] = answer.json()["requests"]
    return requests


def test_a_lead_lists_pending_unseal_requests_and_sees_them_decided(
    county: tuple[TestClient, dict[str, str]],
) -> None:
    client, ids = county
    pending = listed(client, UNSEAL, LEAD)
    assert [(r["request_id"], r["complaint_id"], r["state"]) for r in pending] == [
        (ids["unseal-A1"], ids["A1"], "pending"),
        (ids["unseal-B1"], ids["B1"], "pending"),
    ]
    first = pending[0]
    assert (first["requested_by"], first["requester_role"], first["reason"]) == (
        "纪委-李干事", "inspector", "核实A1案举报人")  # fmt: skip
    assert first["approved_by"] is None and first["valid_until"] is None
    assert "王小明" not in str(pending) and "13800000000" not in str(pending)

    base = f"/api/v1/complaints/{ids['A1']}/unseal-requests/{ids['unseal-A1']}"
    assert client.post(f"{base}/approve", headers=LEAD).status_code == 201
    read = client.get(f"/api/v1/complaints/{ids['A1']}/reporter", headers=INSPECTOR)
    assert read.status_code == 200, read.text
    assert [r["request_id"] for r in listed(client, UNSEAL, LEAD)] == [ids["unseal-B1"]]
    (approved,) = listed(client, UNSEAL, LEAD, state="approved")
    assert (approved["request_id"], approved["state"], approved["approved_by"]) == (
        ids["unseal-A1"], "approved", "纪委书记")  # fmt: skip
    assert approved["valid_until"] is not None and approved["readings"] == 1
    assert len(listed(client, UNSEAL, LEAD, state="all")) == 2


def test_a_lead_lists_pending_retraction_requests_and_approves_one(
    county: tuple[TestClient, dict[str, str]],
) -> None:
    client, ids = county
    pending = listed(client, RETRACTION, LEAD)
    assert [(r["request_id"], r["cadre"], r["state"]) for r in pending] == [
        (ids["retract-A1"], "A1", "pending"),
        (ids["retract-B1"], "B1", "pending"),
    ]
    assert (pending[0]["requested_by"], pending[0]["requester_role"]) == ("组织部-王科员", "clerk")
    assert pending[0]["reason"] == "A1诫勉决定已撤销" and pending[0]["position"] > 0
    approve = f"/api/v1/cadres/A1/retraction-requests/{ids['retract-A1']}/approve"
    assert client.post(approve, json={}, headers=LEAD).status_code == 201
    assert [r["cadre"] for r in listed(client, RETRACTION, LEAD)] == ["B1"]
    (done,) = listed(client, RETRACTION, LEAD, state="approved")
    assert (done["cadre"], done["approved_by"], done["state"]) == ("A1", "纪委书记", "approved")


def test_only_a_lead_or_admin_lists_them(county: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = county
    for path in (UNSEAL, RETRACTION):
        assert_problem(client.get(path), 401)
        for role in ("clerk", "inspector", "auditor", "intake"):
            assert_problem(client.get(path, headers=bearer(role)), 403)
        assert len(listed(client, path, bearer("admin"))) == 2
        assert_problem(client.get(path, params={"state": "rejected"}, headers=LEAD), 422)


def test_a_lead_limited_to_a_township_sees_only_its_requests(
    county: tuple[TestClient, dict[str, str]],
) -> None:
    client, ids = county
    t1, t2 = scoped("lead", "T1"), scoped("lead", "T2")
    assert [r["complaint_id"] for r in listed(client, UNSEAL, t1)] == [ids["A1"]]
    assert [r["complaint_id"] for r in listed(client, UNSEAL, t2)] == [ids["B1"]]
    assert [r["cadre"] for r in listed(client, RETRACTION, t1)] == ["A1"]
    assert [r["cadre"] for r in listed(client, RETRACTION, t2)] == ["B1"]


def test_pages_follow_the_signed_cursor_of_their_own_list(
    county: tuple[TestClient, dict[str, str]],
) -> None:
    client, ids = county
    for path, key in ((UNSEAL, "unseal"), (RETRACTION, "retract")):
        fresh = {"limit": 1, "min_position": position(client)}
        first = client.get(path, params=fresh, headers=LEAD).json()
        assert len(first["requests"]) == 1 and first["next_cursor"]
        second = client.get(path, params={"limit": 1, "cursor": first["next_cursor"]},
                            headers=LEAD).json()  # fmt: skip
        seen = [r["request_id"] for r in first["requests"] + second["requests"]]
        assert seen == [ids[f"{key}-A1"], ids[f"{key}-B1"]]
        assert second["next_cursor"] is None
        # A cursor of one list is refused by another, and a made-up one by any.
        other = RETRACTION if path == UNSEAL else UNSEAL
        for where, cursor in ((other, first["next_cursor"]), (path, "c1.MQ.AAAA"),
                              (path, "1")):  # fmt: skip
            assert_problem(client.get(where, params={"cursor": cursor}, headers=LEAD), 400)
        state = {"state": "all", "cursor": first["next_cursor"]}
        assert_problem(client.get(path, params=state, headers=LEAD), 400)
