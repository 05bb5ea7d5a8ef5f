"""`GET /units/{code}/team`: a township's leadership team counted in people, and a county's
townships with their sums."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.http import assert_problem, bearer, created, position, serve

CLERK = bearer("clerk")
INSPECTOR = bearer("inspector")


def unit(client: TestClient, code: str, level: str, kind: str, **more: Any) -> None:
    body = {"code": code, "name": f"单位{code}", "level": level, "kind": kind, **more}
    created(client.post("/api/v1/units", json=body, headers=CLERK))


def post(client: TestClient, unit_code: str, code: str, title: str) -> None:
    body = {"code": code, "title": title, "category": "leadership", "team_member": True}
    created(client.post(f"/api/v1/units/{unit_code}/posts", json=body, headers=CLERK))


def cadre(client: TestClient, code: str, recruited: str, home: str = "T1") -> None:
    body = {"code": code, "name": f"干部{code}", "gender": "female", "birth_date": "1985-01-01"}
    created(client.post("/api/v1/cadres", json=body, headers=CLERK))
    hired = {"effective_date": recruited, "unit": home, "channel": "exam"}
    created(client.post(f"/api/v1/cadres/{code}/recruitment", json=hired, headers=CLERK))


def appoint(client: TestClient, code: str, unit_code: str, post_code: str) -> None:
    body = {
        "unit": unit_code, "post": post_code, "effective_date": "2024-01-02", "kind": "lateral",
        "decided_on": "2023-12-20", "document_no": "县委〔2023〕30号",
        "integrity_talk": "2024-01-02",
    }  # fmt: skip
    created(client.post(f"/api/v1/cadres/{code}/appointments", json=body, headers=CLERK))


@pytest.fixture
def county(tmp_data_dir: Path) -> Iterator[TestClient]:
    """County C (government C-ZF) with township T1 (government T1, party committee T1-DW
    sharing its staff) and T2; T1's team: the secretary S also 人大主席 (new to the
    townships), the mayor M and the deputy D with years of township service."""
    with serve(tmp_data_dir) as client:
        unit(client, "C-ZF", "county", "government")
        unit(client, "T1", "township", "government", parent="C-ZF")
        unit(client, "T1-DW", "township", "party_committee", joint_with="T1")
        unit(client, "T2", "township", "government", parent="C-ZF")
        unit(client, "V1", "village", "village_committee", parent="T1")
        for unit_code, code, title in (("T1-DW", "sj", "党委书记"), ("T1-DW", "rd", "人大主席"),
                                       ("T1", "zz", "镇长"), ("T1", "fz", "副镇长"),
                                       ("T2", "zz", "镇长")):  # fmt: skip
            post(client, unit_code, code, title)
        cadre(client, "S", "2023-06-01", home="C-ZF")
        cadre(client, "M", "2015-03-02")
        cadre(client, "D", "2016-03-01")
        cadre(client, "N", "2023-09-01", home="T2")
        for code, unit_code, post_code in (("S", "T1-DW", "sj"), ("S", "T1-DW", "rd"),
                                           ("M", "T1", "zz"), ("D", "T1", "fz"),
                                           ("N", "T2", "zz")):  # fmt: skip
            appoint(client, code, unit_code, post_code)
        yield client


def team(client: TestClient, code: str, **params: Any) -> dict[str, Any]:
    params = {"min_position": position(client), **params}
    response = client.get(f"/api/v1/units/{code}/team", params=params, headers=INSPECTOR)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_township_team_counts_each_person_once(county: TestClient) -> None:
    shown = team(county, "T1", as_of="2024-06-01")
    assert shown["units"] == ["T1", "T1-DW"]
    assert [m["code"] for m in shown["members"]] == ["D", "M", "S"]
    secretary = next(m for m in shown["members"] if m["code"] == "S")
    assert secretary["posts"] == [{"unit": "T1-DW", "post": "rd"}, {"unit": "T1-DW", "post": "sj"}]
    assert (secretary["experienced"], secretary["township_years"]) == (False, 0.0)
    assert (shown["experienced"], shown["total"], shown["meets_target"]) == (2, 3, True)
    assert team(county, "T1-DW", as_of="2024-06-01")["unit"] == "T1"  # one team, one answer


def test_a_county_sums_its_townships_in_people(county: TestClient) -> None:
    shown = team(county, "C-ZF", as_of="2024-06-01")
    assert [(t["unit"], t["experienced"], t["total"]) for t in shown["townships"]] == [
        ("T1", 2, 3), ("T2", 0, 1),
    ]  # fmt: skip
    assert (shown["experienced"], shown["total"], shown["townships_short"]) == (2, 4, 1)
    assert shown["meets_target"] is False


def test_service_accrues_and_departed_members_leave_the_team(county: TestClient) -> None:
    assert team(county, "T2", as_of="2025-08-31")["experienced"] == 0
    assert team(county, "T2", as_of="2025-09-01")["experienced"] == 1
    left = {"effective_date": "2024-05-01", "reason": "退休", "kind": "retirement"}
    created(county.post("/api/v1/cadres/M/departure", json=left, headers=CLERK))
    shown = team(county, "T1", as_of="2024-06-01")
    assert (shown["experienced"], shown["total"], shown["meets_target"]) == (1, 2, False)


def test_unknown_units_villages_and_other_roles_are_refused(county: TestClient) -> None:
    fresh = {"min_position": position(county)}
    assert_problem(county.get("/api/v1/units/ZZ/team", params=fresh, headers=INSPECTOR), 404)
    assert_problem(county.get("/api/v1/units/V1/team", params=fresh, headers=INSPECTOR), 422)
    assert_problem(county.get("/api/v1/units/T1/team", params=fresh, headers=bearer("intake")),
                   403)  # fmt: skip
    assert county.get("/api/v1/units/T1/team", params=fresh, headers=CLERK).status_code == 200
