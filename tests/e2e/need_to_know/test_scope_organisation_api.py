"""Need to know on the organisation department's endpoints: a token scoped to one county lists
its own units, reads its own teams, reports, campaigns, checks and training accounts, and
nothing of another county's; what lies outside answers 404 as if it did not exist (422 for a
unit named in a command, as for a unit that does not exist)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.http import (
    TODAY,
    assert_problem,
    bearer,
    created,
    position,
    scoped,
    serve,
)

CLERK = bearer("clerk")
INSPECTOR = bearer("inspector")
CAMPAIGNS = "/api/v1/campaigns"


SC, SD, ST1 = scoped("inspector", "C1"), scoped("inspector", "D"), scoped("inspector", "T1")


def get(client: TestClient, path: str, headers: dict[str, str], **params: Any) -> Any:
    return client.get(path, params={"min_position": position(client), **params}, headers=headers)


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def campaign(code: str, unit: str) -> dict[str, str]:
    return {"code": code, "title": f"借调清理{code}", "kind": "secondment_cleanup", "unit": unit,
            "starts_on": TODAY.isoformat(), "due_on": "2024-12-31"}  # fmt: skip


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """County C1 (organ C2, township T1 with village V1) and county D (organ D2, township T9).
    A1 of T1 and B1 of T9 are both seconded to C2 without an approval; the rules have judged
    them. Campaigns over C1 (targeting both secondments: A1's names C1's T1 as its home, B1's
    C2 as its host) and over D (B1's), opened by an unscoped inspector."""
    with serve(tmp_path_factory.mktemp("scope-org"), supervise=True) as client:
        for code, level, kind, parent in (
            ("C1", "county", "party_committee", None), ("C2", "county", "department", "C1"),
            ("T1", "township", "government", "C1"), ("V1", "village", "village_committee", "T1"),
            ("D", "county", "party_committee", None), ("D2", "county", "department", "D"),
            ("T9", "township", "government", "D"),
        ):  # fmt: skip
            body = {"code": code, "name": f"单位{code}", "level": level, "kind": kind,
                    "parent": parent}  # fmt: skip
            created(client.post("/api/v1/units", json=body, headers=CLERK))
        for code, home in (("A1", "T1"), ("B1", "T9")):
            person = {"code": code, "name": f"干部{code}", "gender": "male",
                      "birth_date": "1990-01-01"}  # fmt: skip
            created(client.post("/api/v1/cadres", json=person, headers=CLERK))
            hired = {"effective_date": "2015-03-02", "unit": home, "channel": "exam"}
            created(client.post(f"/api/v1/cadres/{code}/recruitment", json=hired, headers=CLERK))
            secondment = {"host_unit": "C2", "start_date": "2024-02-01",
                          "planned_end_date": "2024-07-31"}  # fmt: skip
            created(client.post(f"/api/v1/cadres/{code}/secondments", json=secondment,
                                headers=CLERK))  # fmt: skip
        for unit in ("C2", "D2"):  # left undecided for weeks: R-PET-01 about each
            letter = {"category": "借调", "title": f"反映{unit}借调问题", "body": "借调未归",
                      "named": False, "channel": "letter", "subject_units": [unit],
                      "received_at": "2024-03-01T09:00:00+08:00"}  # fmt: skip
            created(client.post("/api/v1/complaints", json=letter, headers=bearer("intake")))
        swept = client.post("/api/v1/rules/sweep", json={}, headers=INSPECTOR)
        assert swept.status_code == 200, swept.text
        ok(get(client, "/api/v1/findings", INSPECTOR))
        opened = created(client.post(CAMPAIGNS, json=campaign("QL-C1", "C1"), headers=INSPECTOR))
        assert opened["targets"] == 2
        opened = created(client.post(CAMPAIGNS, json=campaign("QL-D", "D"), headers=INSPECTOR))
        assert opened["targets"] == 1
        yield client


def test_units_and_team_statistics_of_another_county_are_not_there(county: TestClient) -> None:
    listed = ok(get(county, "/api/v1/units", SC))["units"]
    assert [u["code"] for u in listed] == ["C1", "C2", "T1", "V1"]
    assert [u["code"] for u in ok(get(county, "/api/v1/units", ST1))["units"]] == ["T1", "V1"]
    assert ok(get(county, "/api/v1/units", SC, parent="D"))["units"] == []
    assert len(ok(get(county, "/api/v1/units", INSPECTOR))["units"]) == 7
    assert ok(get(county, "/api/v1/units/C1/team", SC))["unit"] == "C1"
    assert ok(get(county, "/api/v1/units/T1/team", ST1))["unit"] == "T1"
    for unit, headers in (("T9", SC), ("D", SC), ("C1", ST1)):
        assert_problem(get(county, f"/api/v1/units/{unit}/team", headers), 404)


def test_a_scoped_report_defaults_to_its_unit_and_shows_only_its_cadres(
    county: TestClient,
) -> None:
    mine = ok(get(county, "/api/v1/reports/secondments", SC))
    assert mine["unit"] == "C1"
    assert [r["cadre"] for r in mine["rows"]] == ["A1"] and mine["totals"]["cadre"] == 1
    # Unscoped, C1's report has B1 too (seconded into C2): the scope, not the unit, hides it.
    everyone = ok(get(county, "/api/v1/reports/secondments", INSPECTOR, unit="C1"))
    assert sorted(r["cadre"] for r in everyone["rows"]) == ["A1", "B1"]
    assert [r["cadre"] for r in ok(get(county, "/api/v1/reports/secondments", SD))["rows"]] == [
        "B1"]  # fmt: skip
    assert [r["cadre"] for r in ok(get(county, "/api/v1/reports/secondments", SC, unit="T1"))[
        "rows"]] == ["A1"]  # fmt: skip
    for unit in ("D", "T9", "NOWHERE"):
        assert_problem(get(county, "/api/v1/reports/secondments", SC, unit=unit), 404)
    assert_problem(get(county, "/api/v1/reports/secondments", ST1, unit="C1"), 404)

    def count(headers: dict[str, str], rule: str = "R-SEC-01", **params: Any) -> int:
        rows = ok(get(county, "/api/v1/reports/findings", headers, **params))["rows"]
        return int(next(r for r in rows if r["rule"] == rule)["total"])

    assert count(INSPECTOR, unit="C1") == 2 and count(SC) == 1 and count(SD) == 1
    # A complaint's finding counts where the complaint's subject lies.
    assert count(SC, rule="R-PET-01") == 1 and count(SD, rule="R-PET-01") == 1
    assert count(INSPECTOR, rule="R-PET-01") == 2
    training = ok(get(county, "/api/v1/reports/training", SC, year=2023))
    assert training["unit"] == "C1" and "B1" not in str(training["rows"])
    assert "B1" in str(ok(get(county, "/api/v1/reports/training", INSPECTOR, year=2023))["rows"])


def test_campaigns_over_another_unit_are_not_there(county: TestClient) -> None:
    assert [c["code"] for c in ok(get(county, CAMPAIGNS, SC))["campaigns"]] == ["QL-C1"]
    assert [c["code"] for c in ok(get(county, CAMPAIGNS, SD))["campaigns"]] == ["QL-D"]
    assert ok(get(county, CAMPAIGNS, ST1))["campaigns"] == []
    assert {c["code"] for c in ok(get(county, CAMPAIGNS, INSPECTOR))["campaigns"]} == {
        "QL-C1", "QL-D"}  # fmt: skip
    whole = ok(get(county, f"{CAMPAIGNS}/QL-C1", INSPECTOR))
    assert sorted(t["cadre"] for t in whole["targets"]) == ["A1", "B1"]
    seen = ok(get(county, f"{CAMPAIGNS}/QL-C1", SC))
    assert [t["cadre"] for t in seen["targets"]] == ["A1"] and seen["progress"]["targets"] == 1
    assert "B1" not in get(county, f"{CAMPAIGNS}/QL-C1", SC, format="csv").text
    for code, headers in (("QL-D", SC), ("QL-C1", ST1), ("QL-C1", SD), ("NONE", SC)):
        assert_problem(get(county, f"{CAMPAIGNS}/{code}", headers), 404)
    before = position(county)
    close = {"date": TODAY.isoformat(), "summary": "已完成"}
    assert_problem(county.post(f"{CAMPAIGNS}/QL-D/close", json=close, headers=SC), 404)
    assert_problem(county.post(CAMPAIGNS, json=campaign("QL-D2", "D2"), headers=SC), 422)
    assert position(county) == before
    created(county.post(CAMPAIGNS, json=campaign("QL-T1", "T1"), headers=SC))


def test_checks_and_training_of_another_countys_cadre_are_not_there(county: TestClient) -> None:
    depart = {"type": "departure", "effective_date": TODAY.isoformat(), "reason": "辞职"}
    assert ok(county.post("/api/v1/checks", json={"cadre": "A1", "action": depart},
                          params={"min_position": position(county)}, headers=SC))  # fmt: skip
    body = assert_problem(
        county.post("/api/v1/checks", json={"cadre": "B1", "action": depart}, headers=SC), 404
    )
    assert "not found" in body["detail"]
    assert ok(get(county, "/api/v1/cadres/A1/training", SC))["code"] == "A1"
    assert_problem(get(county, "/api/v1/cadres/B1/training", SC), 404)
    assert ok(get(county, "/api/v1/cadres/B1/training", SD))["code"] == "B1"
