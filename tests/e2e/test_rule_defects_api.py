"""The rule defects of the domain review that were seen over HTTP (issue 14: 2, 8, 9).

Each test failed before its fix; the rule-level reproductions are in
tests/unit/rules/test_rules_defects.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.http import TODAY, assert_problem, bearer, created, position, serve

INSPECTOR = bearer("inspector", "纪检员王")
CLERK = bearer("clerk")
INTAKE = bearer("intake")
FINDINGS = "/api/v1/findings"


@pytest.fixture
def api(tmp_data_dir: Path) -> Iterator[TestClient]:
    with serve(tmp_data_dir, supervise=True) as client:
        yield client


def units(client: TestClient, *codes: tuple[str, str]) -> None:
    for code, level in codes:
        body = {"code": code, "name": f"单位{code}", "level": level, "kind": "government"}
        created(client.post("/api/v1/units", json=body, headers=CLERK))


def cadre(client: TestClient, code: str, unit: str, recruited: str) -> int:
    body = {"code": code, "name": "张伟", "gender": "male", "birth_date": "1990-03-02"}
    created(client.post("/api/v1/cadres", json=body, headers=CLERK))
    hired = {"effective_date": recruited, "unit": unit, "channel": "exam"}
    return int(created(client.post(f"/api/v1/cadres/{code}/recruitment", json=hired,
                                   headers=CLERK))["position"])  # fmt: skip


def settle(client: TestClient) -> None:
    swept = client.post("/api/v1/rules/sweep", json={}, headers=INSPECTOR)
    assert swept.status_code == 200, swept.text
    reached = swept.json()["position"]
    assert client.get(FINDINGS, params={"min_position": reached}, headers=INSPECTOR).is_success


def statuses(client: TestClient, rule: str) -> list[str]:
    found = client.get(FINDINGS, params={"rule": rule}, headers=INSPECTOR).json()["findings"]
    return [f["status"] for f in found]


# -- 2. the home unit of a secondment is folded from the history as known ----------------------


def test_2_retracting_the_transfer_that_made_a_cadre_a_township_cadre_withdraws_r_sec_01(
    api: TestClient,
) -> None:
    units(api, ("C1", "county"), ("C2", "county"), ("T1", "township"))
    cadre(api, "A1", "C1", "2019-01-10")
    moved = created(api.post("/api/v1/cadres/A1/transfers",
                             json={"to_unit": "T1", "effective_date": "2022-01-04"},
                             headers=CLERK))  # fmt: skip
    secondment = {"host_unit": "C2", "start_date": "2024-03-01", "planned_end_date": "2024-06-30"}
    created(api.post("/api/v1/cadres/A1/secondments", json=secondment, headers=CLERK))
    settle(api)
    assert statuses(api, "R-SEC-01") == ["open"]
    assert township_secondees(api) == ["A1"]
    retraction = {"position": moved["position"], "reason": "误录：该同志未调入青石镇"}
    created(api.post("/api/v1/cadres/A1/retractions", json=retraction, headers=CLERK))
    settle(api)
    assert statuses(api, "R-SEC-01") == ["withdrawn"]
    assert township_secondees(api) == []  # the register folds the home unit too


def township_secondees(client: TestClient) -> list[str]:
    """Who the headline query finds seconded from a township home unit."""
    params = {"home_level": "township", "min_position": position(client)}
    response = client.get("/api/v1/search/secondments", params=params, headers=INSPECTOR)
    assert response.status_code == 200, response.text
    return sorted({hit["source"]["cadre_code"] for hit in response.json()["hits"]})


def test_2_a_back_dated_transfer_out_of_the_township_withdraws_r_sec_01(api: TestClient) -> None:
    units(api, ("C2", "county"), ("C3", "county"), ("T1", "township"))
    cadre(api, "A1", "T1", "2015-01-10")
    secondment = {"host_unit": "C2", "start_date": "2024-03-01", "planned_end_date": "2024-06-30"}
    created(api.post("/api/v1/cadres/A1/secondments", json=secondment, headers=CLERK))
    settle(api)
    assert statuses(api, "R-SEC-01") == ["open"]
    approval = {"level": "city", "authority": "市委组织部", "document_no": "市组〔2023〕1号"}
    back_dated = {"to_unit": "C3", "effective_date": "2023-06-01", "approval": approval}
    created(api.post("/api/v1/cadres/A1/transfers", json=back_dated, headers=CLERK))
    settle(api)
    assert statuses(api, "R-SEC-01") == ["withdrawn"]


def test_2_a_retraction_that_makes_the_cadre_a_township_cadre_again_raises_r_sec_01(
    api: TestClient,
) -> None:
    units(api, ("C2", "county"), ("C3", "county"), ("T1", "township"))
    cadre(api, "A1", "T1", "2015-01-10")
    approval = {"level": "city", "authority": "市委组织部", "document_no": "市组〔2023〕1号"}
    moved = created(api.post("/api/v1/cadres/A1/transfers", headers=CLERK, json={
        "to_unit": "C3", "effective_date": "2023-06-01", "approval": approval}))  # fmt: skip
    secondment = {"host_unit": "C2", "start_date": "2024-03-01", "planned_end_date": "2024-06-30"}
    created(api.post("/api/v1/cadres/A1/secondments", json=secondment, headers=CLERK))
    settle(api)
    assert statuses(api, "R-SEC-01") == []
    retraction = {"position": moved["position"], "reason": "误录：调动未实施"}
    created(api.post("/api/v1/cadres/A1/retractions", json=retraction, headers=CLERK))
    settle(api)
    assert statuses(api, "R-SEC-01") == ["open"]


# -- 8. complaint steps back-dated or extended too late -------------------------------------


def complaint(client: TestClient, received_days_ago: int) -> str:
    received = (TODAY - timedelta(days=received_days_ago)).isoformat() + "T09:00:00+08:00"
    body = {
        "category": "作风", "title": "反映某镇干部吃拿卡要", "body": "……", "named": False,
        "channel": "letter", "received_at": received,
    }  # fmt: skip
    filed = created(client.post("/api/v1/complaints", json=body, headers=INTAKE))
    return str(filed["complaint_id"])


def test_8_an_acceptance_recorded_on_day_40_dated_day_9_leaves_a_trace(api: TestClient) -> None:
    cid = complaint(api, received_days_ago=40)
    day_9 = (TODAY - timedelta(days=31)).isoformat()
    accept = {"date": day_9, "handler_unit": "县纪委第一监督检查室"}
    created(api.post(f"/api/v1/complaints/{cid}/accept", json=accept, headers=INSPECTOR))
    settle(api)
    # Filed 40 days ago, the complaint was overdue when recorded; the back-dated acceptance
    # withdraws that finding, and what stays open is that the acceptance was recorded late.
    assert statuses(api, "R-PET-01") == ["withdrawn"]
    [late] = api.get(FINDINGS, params={"rule": "R-DATA-01"}, headers=INSPECTOR).json()["findings"]
    assert late["subject"] == {"kind": "complaint", "code": cid}
    assert late["details"]["deadline"] == (TODAY - timedelta(days=25)).isoformat()


def test_8_an_extension_after_the_conclude_by_date_is_refused(api: TestClient) -> None:
    cid = complaint(api, received_days_ago=80)
    accept = {"date": (TODAY - timedelta(days=75)).isoformat(), "handler_unit": "县纪委"}
    created(api.post(f"/api/v1/complaints/{cid}/accept", json=accept, headers=INSPECTOR))
    before = position(api)
    late = api.post(f"/api/v1/complaints/{cid}/extend", json={"days": 30, "reason": "案情复杂"},
                    headers=INSPECTOR)  # fmt: skip
    assert "conclude-by" in assert_problem(late, 409)["detail"]
    assert position(api) == before


def test_8_extensions_add_up_to_at_most_thirty_days(api: TestClient) -> None:
    cid = complaint(api, received_days_ago=20)
    accept = {"date": (TODAY - timedelta(days=15)).isoformat(), "handler_unit": "县纪委"}
    created(api.post(f"/api/v1/complaints/{cid}/accept", json=accept, headers=INSPECTOR))
    created(api.post(f"/api/v1/complaints/{cid}/extend", json={"days": 20, "reason": "外调"},
                     headers=INSPECTOR))  # fmt: skip
    more = api.post(f"/api/v1/complaints/{cid}/extend", json={"days": 11, "reason": "再次外调"},
                    headers=INSPECTOR)  # fmt: skip
    assert "30" in assert_problem(more, 409)["detail"]
    created(api.post(f"/api/v1/complaints/{cid}/extend", json={"days": 10, "reason": "再次外调"},
                     headers=INSPECTOR))  # fmt: skip
    shown = api.get(f"/api/v1/complaints/{cid}", params={"min_position": position(api)},
                    headers=INSPECTOR).json()  # fmt: skip
    conclude_by = TODAY - timedelta(days=15) + timedelta(days=90)
    assert shown["deadlines"]["conclude_by"] == conclude_by.isoformat()


# -- 9. several holders of one post ------------------------------------------------------------


def test_9_the_roster_shows_all_three_deputy_mayors_of_one_post(api: TestClient) -> None:
    units(api, ("T1", "township"))
    post = {"code": "fz", "title": "副镇长", "category": "leadership", "team_member": True,
            "quota": 3}  # fmt: skip
    created(api.post("/api/v1/units/T1/posts", json=post, headers=CLERK))
    for code in ("D1", "D2", "D3"):
        cadre(api, code, "T1", "2018-03-01")
        appointment = {
            "unit": "T1", "post": "fz", "effective_date": "2023-03-01", "kind": "lateral",
            "decided_on": "2023-02-20", "document_no": "县委〔2023〕9号",
        }  # fmt: skip
        done = created(api.post(f"/api/v1/cadres/{code}/appointments", json=appointment,
                                headers=CLERK))  # fmt: skip
    for params in ({}, {"as_of": "2024-01-01"}):
        unit = api.get("/api/v1/units/T1", params={"min_position": done["position"], **params},
                       headers=INSPECTOR).json()  # fmt: skip
        [fz] = unit["posts"]
        assert (fz["holders"], fz["quota"]) == (["D1", "D2", "D3"], 3)
