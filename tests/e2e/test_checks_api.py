"""`POST /checks`: what recording a proposed action would raise, before it is decided; nothing
is written, and the answer is what recording it then raises."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.http import TODAY, assert_problem, bearer, created, position, serve

CLERK = bearer("clerk")
INSPECTOR = bearer("inspector")
CITY = {"level": "city", "authority": "市委组织部", "document_no": "市组〔2024〕3号"}
COUNTY = {"level": "county", "authority": "县委组织部", "document_no": "县组〔2024〕5号"}


@pytest.fixture
def county(tmp_data_dir: Path) -> Iterator[TestClient]:
    """County organs C1, C2; township T1 and its team: A1 recruited into T1 in 2022 (a township
    recruit), B1 and E1 since 2010 and 2012 (seasoned): 2 of 3 have two township years."""
    with serve(tmp_data_dir, supervise=True) as client:
        for code, level in (("C1", "county"), ("C2", "county"), ("T1", "township")):
            body = {"code": code, "name": f"单位{code}", "level": level, "kind": "government"}
            created(client.post("/api/v1/units", json=body, headers=CLERK))
        for post in ("zz", "fz", "sj"):
            body = {"code": post, "title": "班子", "category": "leadership", "team_member": True}
            created(client.post("/api/v1/units/T1/posts", json=body, headers=CLERK))
        people = (("A1", "2022-09-01", "fz"), ("B1", "2010-03-01", "zz"),
                  ("E1", "2012-03-01", "sj"))  # fmt: skip
        for code, recruited, post in people:
            person = {"code": code, "name": "张伟", "gender": "male", "birth_date": "1990-01-01"}
            created(client.post("/api/v1/cadres", json=person, headers=CLERK))
            hired = {"effective_date": recruited, "unit": "T1", "channel": "exam"}
            created(client.post(f"/api/v1/cadres/{code}/recruitment", json=hired, headers=CLERK))
            appointed = {
                "unit": "T1", "post": post, "effective_date": "2024-01-02", "kind": "lateral",
                "decided_on": "2023-12-20", "document_no": "县委〔2023〕9号",
                "integrity_talk": "2024-01-02",
            }  # fmt: skip
            created(client.post(f"/api/v1/cadres/{code}/appointments", json=appointed,
                                headers=CLERK))  # fmt: skip
        yield client


def check(client: TestClient, cadre: str, **action: Any) -> list[dict[str, Any]]:
    body, fresh = {"cadre": cadre, "action": action}, {"min_position": position(client)}
    response = client.post("/api/v1/checks", json=body, params=fresh, headers=INSPECTOR)
    assert response.status_code == 200, response.text
    raised: list[dict[str, Any]] = response.json()["would_raise"]
    return raised


def rules(raised: list[dict[str, Any]]) -> set[str]:
    return {r["rule"] for r in raised}


def versions(client: TestClient) -> list[int]:
    """The versions of the cadres' records (a check records nothing on them)."""
    params = {"min_position": position(client)}
    shown = [client.get(f"/api/v1/cadres/{code}", params=params, headers=INSPECTOR).json()
             for code in ("A1", "B1", "E1")]  # fmt: skip
    return [cadre["version"] for cadre in shown]


def test_a_proposed_transfer_names_what_it_would_break_and_writes_nothing(
    county: TestClient,
) -> None:
    before = versions(county)
    early = check(county, "A1", type="transfer", to_unit="C1", effective_date="2024-06-01")
    assert rules(early) == {"R-TOWN-01"}
    assert early[0]["details"]["allowed_from"] == "2024-09-01"
    later = check(county, "A1", type="transfer", to_unit="C1", effective_date="2024-09-02",
                  approval=COUNTY)  # fmt: skip
    assert rules(later) == {"R-TOWN-02"}
    lawful = check(county, "A1", type="transfer", to_unit="C1", effective_date="2024-09-02",
                   approval=CITY)  # fmt: skip
    assert lawful == []
    assert versions(county) == before


def test_a_proposed_secondment_and_its_extension(county: TestClient) -> None:
    raised = check(county, "B1", type="secondment", host_unit="C2", start_date="2024-06-01",
                   planned_end_date="2025-02-28", approval=COUNTY)  # fmt: skip
    assert rules(raised) == {"R-SEC-04", "R-SEC-07"}
    secondment = {"host_unit": "C2", "start_date": "2024-05-06", "planned_end_date": "2024-10-31",
                  "approval": COUNTY}  # fmt: skip
    sid = created(county.post("/api/v1/cadres/B1/secondments", json=secondment,
                              headers=CLERK))["secondment_id"]  # fmt: skip
    extension = check(county, "B1", type="extension", secondment_id=sid,
                      new_planned_end_date="2025-08-31", approval=COUNTY)  # fmt: skip
    assert rules(extension) == {"R-SEC-04"}  # 15 months without an approval above the county


def test_a_proposed_departure_shows_the_team_it_would_leave_short(county: TestClient) -> None:
    raised = check(county, "B1", type="departure", effective_date="2024-06-01", reason="退休")
    assert {(r["rule"], r["subject"]["code"]) for r in raised} == {("R-TOWN-04", "T1")}
    resigning = check(county, "A1", type="departure", effective_date="2024-06-01",
                      reason="辞去公职")  # fmt: skip
    assert "R-TOWN-05" in rules(resigning)


def test_the_check_says_what_recording_then_raises(county: TestClient) -> None:
    proposal = {"to_unit": "C1", "effective_date": "2024-05-06"}
    predicted = rules(check(county, "A1", type="transfer", **proposal))
    created(county.post("/api/v1/cadres/A1/transfers", json=proposal, headers=CLERK))
    swept = county.post("/api/v1/rules/sweep", json={}, headers=INSPECTOR)
    assert swept.status_code == 200, swept.text
    params = {"cadre": "A1", "min_position": swept.json()["position"]}
    found = county.get("/api/v1/findings", params=params, headers=INSPECTOR).json()["findings"]
    assert predicted and predicted <= {f["rule"] for f in found}


def test_bad_proposals_are_refused_and_write_nothing(county: TestClient) -> None:
    before = versions(county)
    url = "/api/v1/checks"
    assert_problem(county.post(url, json={"cadre": "A1", "action": {"type": "promotion"}},
                               headers=INSPECTOR), 422)  # fmt: skip
    own_unit = {"type": "transfer", "to_unit": "T1", "effective_date": TODAY.isoformat()}
    assert_problem(county.post(url, json={"cadre": "A1", "action": own_unit},
                               headers=INSPECTOR), 409)  # fmt: skip
    unknown = {"type": "transfer", "to_unit": "ZZ", "effective_date": TODAY.isoformat()}
    assert_problem(county.post(url, json={"cadre": "A1", "action": unknown},
                               headers=INSPECTOR), 422)  # fmt: skip
    assert_problem(county.post(url, json={"cadre": "NOBODY", "action": own_unit},
                               headers=INSPECTOR), 404)  # fmt: skip
    assert_problem(county.post(url, json={"cadre": "A1", "action": own_unit},
                               headers=bearer("intake")), 403)  # fmt: skip
    assert versions(county) == before
