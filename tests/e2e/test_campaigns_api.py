"""Cleanup campaigns (专项清理): opened over a unit's subtree with the secondments that hold a
secondment finding then; progress follows the secondment register, corrections included;
closed with the figures it reached."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.http import TODAY, assert_problem, bearer, created, position, serve

CLERK = bearer("clerk")
INSPECTOR = bearer("inspector", "纪检员王")
CAMPAIGNS = "/api/v1/campaigns"
OPEN = {
    "code": "QL-2024", "title": "违规借调干部专项清理", "kind": "secondment_cleanup",
    "unit": "C", "starts_on": TODAY.isoformat(), "due_on": "2024-09-30",
}  # fmt: skip


@pytest.fixture
def county(tmp_data_dir: Path) -> Iterator[TestClient]:
    """County C with township T1 (and organ C2 under it); another county D with township T9.
    A1 of T1 and Z9 of T9 are seconded to county organs without an approval."""
    with serve(tmp_data_dir, supervise=True) as client:
        for code, level, parent in (("C", "county", None), ("C2", "county", "C"),
                                    ("T1", "township", "C"), ("D", "county", None),
                                    ("D2", "county", "D"), ("T9", "township", "D")):  # fmt: skip
            body = {"code": code, "name": f"单位{code}", "level": level, "kind": "government",
                    "parent": parent}  # fmt: skip
            created(client.post("/api/v1/units", json=body, headers=CLERK))
        for code, home, host in (("A1", "T1", "C2"), ("Z9", "T9", "D2")):
            person = {"code": code, "name": "张伟", "gender": "male", "birth_date": "1990-01-01"}
            created(client.post("/api/v1/cadres", json=person, headers=CLERK))
            hired = {"effective_date": "2015-03-02", "unit": home, "channel": "exam"}
            created(client.post(f"/api/v1/cadres/{code}/recruitment", json=hired, headers=CLERK))
            secondment = {"host_unit": host, "start_date": "2024-02-01",
                          "planned_end_date": "2024-07-31"}  # fmt: skip
            created(client.post(f"/api/v1/cadres/{code}/secondments", json=secondment,
                                headers=CLERK))  # fmt: skip
        swept = client.post("/api/v1/rules/sweep", json={}, headers=INSPECTOR)
        assert swept.status_code == 200, swept.text
        assert client.get("/api/v1/findings", params={"min_position": swept.json()["position"]},
                          headers=INSPECTOR).is_success  # fmt: skip
        yield client


def shown(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(f"{CAMPAIGNS}/QL-2024", params={"min_position": position(client),
                                                        **params}, headers=CLERK)  # fmt: skip
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def sid_of(client: TestClient, code: str) -> str:
    cadre = client.get(f"/api/v1/cadres/{code}", params={"min_position": position(client)},
                       headers=CLERK).json()  # fmt: skip
    return str(cadre["secondment"]["secondment_id"])


def test_a_campaign_targets_the_secondments_under_its_unit(county: TestClient) -> None:
    opened = created(county.post(CAMPAIGNS, json=OPEN, headers=INSPECTOR))
    assert opened["targets"] == 1
    campaign = shown(county)
    [target] = campaign["targets"]
    assert (target["cadre"], target["state"]) == ("A1", "remaining")
    assert {"R-SEC-01", "R-SEC-07"} <= set(target["rules"]) and target["finding_ids"]
    assert campaign["progress"] == {"targets": 1, "remaining": 1, "returned": 0,
                                    "seconded_again": 0, "voided": 0}  # fmt: skip


def test_progress_follows_returns_new_secondments_and_corrections(county: TestClient) -> None:
    created(county.post(CAMPAIGNS, json=OPEN, headers=INSPECTOR))
    sid = sid_of(county, "A1")
    end = {"end_date": TODAY.isoformat(), "reason": "cleanup"}
    ended = created(county.post(f"/api/v1/cadres/A1/secondments/{sid}/end", json=end,
                                headers=CLERK))  # fmt: skip
    assert shown(county)["targets"][0]["state"] == "returned"
    assert shown(county, as_of="2024-05-09")["targets"][0]["state"] == "remaining"
    retract = {"position": ended["position"], "reason": "误录：尚未退回"}
    created(county.post("/api/v1/cadres/A1/retractions", json=retract, headers=CLERK))
    assert shown(county)["targets"][0]["state"] == "remaining"
    created(county.post(f"/api/v1/cadres/A1/secondments/{sid}/end", json=end, headers=CLERK))
    again = {
        "host_unit": "C2",
        "start_date": TODAY.isoformat(),
        "planned_end_date": "2024-08-31",
        "approval": {"level": "county", "authority": "县委组织部", "document_no": "县组1号"},
    }
    created(county.post("/api/v1/cadres/A1/secondments", json=again, headers=CLERK))
    target = shown(county)["targets"][0]
    assert (target["state"], target["returned_on"], target["seconded_again_on"]) == (
        "seconded_again", TODAY.isoformat(), TODAY.isoformat(),
    )  # fmt: skip


def test_a_target_whose_secondment_was_retracted_is_voided(county: TestClient) -> None:
    created(county.post(CAMPAIGNS, json=OPEN, headers=INSPECTOR))
    timeline = county.get("/api/v1/cadres/A1/timeline", params={"min_position": position(county)},
                          headers=CLERK).json()["events"]  # fmt: skip
    seconded = next(e["position"] for e in timeline if e["type"] == "Seconded")
    retract = {"position": seconded, "reason": "误录：并无此借调"}
    created(county.post("/api/v1/cadres/A1/retractions", json=retract, headers=CLERK))
    assert shown(county)["progress"]["voided"] == 1


def test_closing_records_the_figures_and_a_closed_campaign_refuses_more(
    county: TestClient,
) -> None:
    created(county.post(CAMPAIGNS, json=OPEN, headers=INSPECTOR))
    closing = {
        "date": TODAY.isoformat(),
        "summary": "已督促借调单位限期退回，1人未回，移交组织部跟踪。",
    }
    closed = created(county.post(f"{CAMPAIGNS}/QL-2024/close", json=closing, headers=INSPECTOR))
    assert closed["figures"]["remaining"] == 1
    campaign = shown(county)
    assert (campaign["status"], campaign["figures_at_close"]["targets"]) == ("closed", 1)
    assert_problem(county.post(f"{CAMPAIGNS}/QL-2024/close", json=closing, headers=INSPECTOR), 409)
    listed = county.get(CAMPAIGNS, headers=bearer("auditor")).json()["campaigns"]
    assert [c["code"] for c in listed] == ["QL-2024"]


def test_bad_campaigns_are_refused_and_write_nothing(county: TestClient) -> None:
    for change, status in (({"unit": "NOWHERE"}, 422), ({"kind": "other"}, 422),
                           ({"starts_on": "2024-06-01"}, 409), ({"due_on": "2024-01-01"}, 409),
                           ({"code": "bad code"}, 422)):  # fmt: skip
        assert_problem(county.post(CAMPAIGNS, json={**OPEN, **change}, headers=INSPECTOR), status)
    assert_problem(county.post(CAMPAIGNS, json=OPEN, headers=CLERK), 403)
    listed = county.get(CAMPAIGNS, params={"min_position": position(county)}, headers=CLERK)
    assert listed.json() == {"campaigns": []}
    created(county.post(CAMPAIGNS, json=OPEN, headers=INSPECTOR))
    assert_problem(county.post(CAMPAIGNS, json=OPEN, headers=INSPECTOR), 409)
    assert_problem(county.get(f"{CAMPAIGNS}/NONE", headers=CLERK), 404)
    closing = {"date": "2024-01-01", "summary": "x"}
    assert_problem(county.post(f"{CAMPAIGNS}/QL-2024/close", json=closing, headers=INSPECTOR),
                   409)  # fmt: skip
