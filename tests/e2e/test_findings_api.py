"""The findings register and the rule catalogue over HTTP: reads, work, sweep, back-tests, roles."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.commands import rules as rules_cli
from tests.support.http import TODAY, assert_problem, bearer, created, position, serve

INSPECTOR = bearer("inspector", "纪检员王")
AUDITOR = bearer("auditor")
CLERK = bearer("clerk")
FINDINGS = "/api/v1/findings"
APPROVAL = {"level": "city", "authority": "市委组织部", "document_no": "市组〔2024〕3号"}
ROLES = ("clerk", "intake", "inspector", "auditor", "admin")


def county(client: TestClient) -> dict[str, int]:
    """County organs C1, C2; township T1; cadre A1 recruited in 2023 and seconded to C2 in
    March 2024 without an approval until the end of April (overdue by TODAY, 2024-05-10)."""
    for unit in (
        {"code": "C1", "name": "县委组织部", "level": "county", "kind": "department"},
        {"code": "C2", "name": "县财政局", "level": "county", "kind": "department"},
        {"code": "T1", "name": "青石镇", "level": "township", "kind": "government"},
    ):
        created(client.post("/api/v1/units", json=unit, headers=CLERK))
    cadre = {"code": "A1", "name": "张伟", "gender": "male", "birth_date": "1995-03-02"}
    created(client.post("/api/v1/cadres", json=cadre, headers=CLERK))
    hired = {"effective_date": "2023-01-10", "unit": "T1", "channel": "exam"}
    recruited = created(client.post("/api/v1/cadres/A1/recruitment", json=hired, headers=CLERK))
    secondment = {"host_unit": "C2", "start_date": "2024-03-01", "planned_end_date": "2024-04-30"}
    seconded = created(client.post("/api/v1/cadres/A1/secondments", json=secondment, headers=CLERK))
    return {"recruited": recruited["position"], "seconded": seconded["position"]}


def settle(client: TestClient) -> int:
    """Sweep now (it first catches the process up) and wait until the register shows it."""
    swept = client.post("/api/v1/rules/sweep", json={}, headers=INSPECTOR)
    assert swept.status_code == 200, swept.text
    reached: int = swept.json()["position"]
    assert (
        client.get(FINDINGS, params={"min_position": reached}, headers=INSPECTOR).status_code == 200
    )
    return reached


def findings(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get(FINDINGS, params=params, headers=INSPECTOR)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["findings"]
    return found


def one(client: TestClient, rule: str) -> dict[str, Any]:
    [found] = findings(client, rule=rule)
    return found


@pytest.fixture
def api(tmp_data_dir: Path) -> Iterator[TestClient]:
    """The app with supervision running, over the county's history."""
    with serve(tmp_data_dir, supervise=True) as client:
        yield client


@pytest.fixture
def settled(api: TestClient) -> dict[str, int]:
    written = county(api)
    settle(api)
    return written


def test_the_register_lists_the_findings_with_their_evidence(
    api: TestClient, settled: dict[str, int]
) -> None:
    rules = {f["rule"] for f in findings(api, rule="R-SEC-*")}
    assert rules == {"R-SEC-01", "R-SEC-03", "R-SEC-05", "R-SEC-07"}
    unapproved = one(api, "R-SEC-01")
    assert unapproved["evidence"] == [settled["recruited"], settled["seconded"]]
    assert unapproved["subject"] == {"kind": "cadre", "code": "A1"}
    assert (unapproved["severity"], unapproved["status"]) == ("violation", "open")
    assert unapproved["details"]["host_unit"] == "C2"
    early = one(api, "R-SEC-03")
    assert early["evidence"] == [settled["recruited"], settled["seconded"]]


def test_filters_combine_and_pages_follow_the_cursor(
    api: TestClient, settled: dict[str, int]
) -> None:
    everything = findings(api)
    warnings = {f["rule"] for f in findings(api, severity="warning")}
    assert warnings == {"R-SEC-07", "R-DATA-01", "R-TOWN-06"}
    assert findings(api, cadre="A1") == everything
    assert findings(api, cadre="B9") == []
    assert {f["rule"] for f in findings(api, unit="C2")} >= {"R-SEC-01", "R-SEC-05"}
    assert findings(api, status="resolved") == []
    assert {f["rule"] for f in findings(api, rule="R-TOWN-*")} == {"R-TOWN-06"}
    assert findings(api, rule="R-APPT-*") == []
    pages, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get(FINDINGS, params=params, headers=INSPECTOR).json()
        pages += body["findings"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert [f["finding_id"] for f in pages] == [f["finding_id"] for f in everything]
    for bad in ({"rule": "R-SEC-*-x*"}, {"status": "closed"}):
        assert_problem(api.get(FINDINGS, params=bad, headers=INSPECTOR), 422)
    assert_problem(api.get(FINDINGS, params={"cursor": "not-a-cursor"}, headers=INSPECTOR), 400)


def test_a_finding_shows_its_lifecycle_and_unknown_ids_are_404(
    api: TestClient, settled: dict[str, int]
) -> None:
    fid = one(api, "R-SEC-01")["finding_id"]
    detail = api.get(f"{FINDINGS}/{fid}", headers=AUDITOR).json()
    assert detail["history"][0]["event"] == "raised"
    assert detail["history"][0]["by"] == "jiandu-supervisor"
    assert detail["anchor"] == one(api, "R-SEC-01")["details"]["secondment_id"]
    for unknown in ("00000000-0000-0000-0000-000000000000", "no-such-finding"):
        assert_problem(api.get(f"{FINDINGS}/{unknown}", headers=INSPECTOR), 404)
        body = {"note": "x"}
        assert_problem(api.post(f"{FINDINGS}/{unknown}/acknowledge", json=body,
                                headers=INSPECTOR), 404)  # fmt: skip


def test_inspectors_acknowledge_and_resolve_and_a_waiver_needs_an_approval(
    api: TestClient, settled: dict[str, int]
) -> None:
    fid = one(api, "R-SEC-07")["finding_id"]
    acknowledged = created(
        api.post(
            f"{FINDINGS}/{fid}/acknowledge", json={"note": "已约谈借调单位"}, headers=INSPECTOR
        )
    )
    assert acknowledged["version"] == 2
    before = position(api)
    waiver = {"resolution": "waived", "note": "专项工作需要"}
    assert_problem(api.post(f"{FINDINGS}/{fid}/resolve", json=waiver, headers=INSPECTOR), 422)
    stale = {**waiver, "approval": APPROVAL, "expected_version": 1}
    assert_problem(api.post(f"{FINDINGS}/{fid}/resolve", json=stale, headers=INSPECTOR), 409)
    assert position(api) == before
    resolved = created(
        api.post(f"{FINDINGS}/{fid}/resolve", json={**waiver, "approval": APPROVAL},
                 headers=INSPECTOR)
    )  # fmt: skip
    shown = api.get(f"{FINDINGS}/{fid}", params={"min_position": resolved["position"]},
                    headers=INSPECTOR).json()  # fmt: skip
    assert (shown["status"], shown["resolution"], shown["approval"]) == (
        "resolved", "waived", APPROVAL,
    )  # fmt: skip
    assert [s["event"] for s in shown["history"]] == ["raised", "acknowledged", "resolved"]
    assert shown["history"][-1]["by"] == "纪检员王"
    again = {"resolution": "false_positive", "note": "x"}
    assert_problem(api.post(f"{FINDINGS}/{fid}/resolve", json=again, headers=INSPECTOR), 409)


def test_a_retraction_over_http_withdraws_the_findings_it_bore(
    api: TestClient, settled: dict[str, int]
) -> None:
    retraction = {"position": settled["seconded"], "reason": "录入错误，并无此借调"}
    created(api.post("/api/v1/cadres/A1/retractions", json=retraction, headers=CLERK))
    settle(api)
    statuses = {f["rule"]: f["status"] for f in findings(api, rule="R-SEC-*")}
    assert set(statuses.values()) == {"withdrawn"}
    cadre = api.get("/api/v1/cadres/A1", headers=INSPECTOR).json()
    [late_recruitment] = findings(api, rule="R-DATA-01", status="open")
    assert late_recruitment["evidence"] == [settled["recruited"]]
    [no_village_stay] = findings(api, rule="R-TOWN-06", status="open")  # recruited in 2023
    holding = {late_recruitment["finding_id"], no_village_stay["finding_id"]}
    assert set(cadre["open_findings"]) == holding


def test_the_catalogue_lists_every_rule_with_its_parameters(api: TestClient) -> None:
    catalogue = api.get("/api/v1/rules", headers=AUDITOR).json()
    assert catalogue["source"] == "defaults"
    ids = [r["id"] for r in catalogue["rules"]]
    assert len(ids) == 27 and ids[0] == "R-TOWN-01" and "R-DATA-01" in ids
    overdue = next(r for r in catalogue["rules"] if r["id"] == "R-SEC-05")
    assert overdue["time_based"] and overdue["parameters"]["months_without_extension"] == 6


def test_a_province_rules_file_changes_the_parameters(tmp_data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "province.toml"
    path.write_text('disabled = ["R-SEC-07"]\n[complaints]\ndecide_within_days = 10\n', "utf-8")
    with serve(tmp_data_dir, rules_file=path) as client:
        catalogue = client.get("/api/v1/rules", headers=INSPECTOR).json()
    assert catalogue["source"] == str(path) and catalogue["disabled"] == ["R-SEC-07"]
    undecided = next(r for r in catalogue["rules"] if r["id"] == "R-PET-01")
    assert undecided["parameters"]["decide_within_days"] == 10
    path.write_text("[complaints]\ndecide_within_dayz = 10\n", "utf-8")
    with (
        pytest.raises(ValueError, match="decide_within_dayz"),
        serve(tmp_data_dir, rules_file=path),
    ):
        pass


def test_back_testing_answers_for_any_date_and_records_nothing(api: TestClient) -> None:
    written = county(api)
    before = position(api)
    evaluate = "/api/v1/rules/evaluate"

    def rules(**params: Any) -> set[str]:
        response = api.get(evaluate, params=params, headers=AUDITOR)
        assert response.status_code == 200, response.text
        return {f["rule"] for f in response.json()["findings"]}

    assert "R-SEC-05" in rules(cadre="A1")
    assert "R-SEC-05" not in rules(cadre="A1", as_of="2024-04-30")
    assert not {"R-SEC-01", "R-SEC-07"} & rules(cadre="A1", as_of="2024-02-29")
    assert rules(unit="T1") == set()
    assert position(api) == before
    would_hold = api.get(evaluate, params={"cadre": "A1"}, headers=AUDITOR).json()["findings"]
    assert set(would_hold[0]) >= {"finding_id", "rule", "severity", "subject", "evidence"}
    assert written["seconded"] in {p for f in would_hold for p in f["evidence"]}
    for bad in ({}, {"cadre": "A1", "unit": "T1"}, {"cadre": "A1", "as_of": "1900-01-01"},
                {"cadre": "A1", "known_at": "2024-05-01T08:00:00"}):  # fmt: skip
        assert_problem(api.get(evaluate, params=bad, headers=AUDITOR), 422)
    for unknown in ({"cadre": "Z9"}, {"unit": "Z9"}, {"complaint": "nope"}):
        assert_problem(api.get(evaluate, params=unknown, headers=AUDITOR), 404)


def test_back_testing_as_known_at_a_time_before_a_retraction(api: TestClient) -> None:
    written = county(api)
    timeline = api.get("/api/v1/cadres/A1/timeline", params={"min_position": written["seconded"]},
                       headers=AUDITOR).json()["events"]  # fmt: skip
    recorded_at = timeline[-1]["recorded_at"]
    retraction = {"position": written["seconded"], "reason": "录入错误"}
    created(api.post("/api/v1/cadres/A1/retractions", json=retraction, headers=CLERK))
    params = {"cadre": "A1", "known_at": recorded_at}
    then = api.get("/api/v1/rules/evaluate", params=params, headers=AUDITOR).json()
    now = api.get("/api/v1/rules/evaluate", params={"cadre": "A1"}, headers=AUDITOR).json()
    assert "R-SEC-01" in {f["rule"] for f in then["findings"]}
    assert "R-SEC-01" not in {f["rule"] for f in now["findings"]}


def test_a_sweep_refuses_a_future_date_and_accepts_an_empty_body(api: TestClient) -> None:
    body = {"as_of": (TODAY.replace(day=TODAY.day + 1)).isoformat()}
    assert_problem(api.post("/api/v1/rules/sweep", json=body, headers=INSPECTOR), 422)
    swept = api.post("/api/v1/rules/sweep", headers=INSPECTOR)
    assert swept.status_code == 200, swept.text
    assert swept.json() | {"position": 0} == {
        "as_of": TODAY.isoformat(), "raised": 0, "remedied": 0, "withdrawn": 0, "position": 0,
    }  # fmt: skip


READS = [("GET", FINDINGS, None), ("GET", "/api/v1/rules", None),
         ("GET", "/api/v1/rules/evaluate?unit=T1", None)]  # fmt: skip
WRITES = [("POST", "/api/v1/rules/sweep", {}),
          ("POST", f"{FINDINGS}/00000000-0000-0000-0000-000000000000/acknowledge", {"note": "x"}),
          ("POST", f"{FINDINGS}/00000000-0000-0000-0000-000000000000/resolve",
           {"resolution": "false_positive", "note": "x"})]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body"), READS + WRITES)
def test_role_boundaries(
    api: TestClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    county(api)
    allowed = {"inspector", "admin"} | ({"auditor"} if (method, path, body) in READS else set())
    assert_problem(api.request(method, path, json=body), 401)
    assert_problem(api.request(method, path, json=body,
                               headers={"Authorization": "Bearer forged.token"}), 401)  # fmt: skip
    for role in ROLES:
        response = api.request(method, path, json=body, headers=bearer(role))
        if role in allowed:
            assert response.status_code in {200, 404}, (role, response.text)
        else:
            assert_problem(response, 403)


def test_jiandu_rules_sweep_on_the_command_line(tmp_data_dir: Path) -> None:
    with serve(tmp_data_dir) as client:  # supervision off: the command does all the work
        county(client)
    env = {"JIANDU_DATA_DIR": str(tmp_data_dir), "JIANDU_ENV": "test",
           "JIANDU_TODAY": TODAY.isoformat()}  # fmt: skip
    result = CliRunner().invoke(rules_cli.app, ["sweep", "--as-of", TODAY.isoformat()], env=env)
    assert result.exit_code == 0, result.output
    tally = json.loads(result.stdout.strip().splitlines()[-1])
    assert tally["as_of"] == TODAY.isoformat() and tally["raised"] >= 5
    assert f"sweeping as of {TODAY.isoformat()}" in result.stderr  # its progress, apart
    again = CliRunner().invoke(rules_cli.app, ["sweep"], env=env)
    assert json.loads(again.stdout.strip().splitlines()[-1])["raised"] == 0
    future = CliRunner().invoke(rules_cli.app, ["sweep", "--as-of", date(2099, 1, 1).isoformat()],
                                env=env)  # fmt: skip
    assert future.exit_code == 2 and "after today" in future.output


def test_serve_runs_the_process_and_sweeps_once_a_day_in_the_background(
    tmp_data_dir: Path,
) -> None:
    with serve(tmp_data_dir, supervise=True) as client:
        written = county(client)
        supervision = client.app.state.platform.supervision  # type: ignore[attr-defined]
        deadline = time.monotonic() + 20
        while (
            supervision.supervisor.position() < written["seconded"]
            or supervision.sweeper.last() != TODAY
        ):
            assert time.monotonic() < deadline, "no process or no daily sweep in the background"
            time.sleep(0.1)
        status = client.get("/api/v1/status", headers=INSPECTOR).json()
        assert status["projections"]["supervision"]["position"] >= written["seconded"]
