"""Reports over the demo county: each as JSON, CSV and XLSX with Chinese headers; a downloaded
spreadsheet opens with openpyxl and its totals are the JSON report's; `jiandu report` writes
the same file."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.bootstrap import Platform
from api.cli import app as cli
from demo.planted_more import SHORT_TEAM, TOO_MANY_EXCELLENT
from projections.reports import NAMES
from tests.e2e.conftest import DEMO_TODAY
from tests.support.http import assert_problem, bearer, serve

CLERK = bearer("clerk")
LAST_YEAR = DEMO_TODAY.year - 1


@pytest.fixture(scope="module")
def api(supervised_demo: tuple[Path, Platform]) -> Iterator[TestClient]:
    data_dir, _ = supervised_demo
    with serve(data_dir, today=DEMO_TODAY) as client:
        yield client


def fetch(client: TestClient, name: str, file_format: str = "json", **params: Any) -> Any:
    response = client.get(f"/api/v1/reports/{name}", params={"format": file_format, **params},
                          headers=CLERK)  # fmt: skip
    assert response.status_code == 200, response.text
    return response.json() if file_format == "json" else response


def sheet_lines(content: bytes) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [list(row) for row in book.active.iter_rows(values_only=True)]  # type: ignore[union-attr]


@pytest.mark.parametrize("name", NAMES)
def test_a_spreadsheet_opens_and_its_totals_are_the_json_report_s(
    api: TestClient, name: str
) -> None:
    report = fetch(api, name)
    assert report["rows"], report["title"]
    keys = [c["key"] for c in report["columns"]]
    downloaded = fetch(api, name, "xlsx")
    assert downloaded.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in downloaded.headers["content-disposition"]
    lines = sheet_lines(downloaded.content)
    assert lines[0] == [c["header"] for c in report["columns"]]
    assert len(lines) == len(report["rows"]) + 2
    totals = dict(zip(keys, lines[-1], strict=True))
    for key, value in report["totals"].items():
        assert totals[key] == value, key
    assert lines[-1][0] == "合计"
    as_csv = fetch(api, name, "csv")
    assert as_csv.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0] == lines[0] and len(rows) == len(lines)


def test_the_township_teams_report_shows_the_short_team(api: TestClient) -> None:
    report = fetch(api, "township-teams", unit="QHX-ZF")
    rows = {r["unit"]: r for r in report["rows"]}
    assert len(rows) == 12 and rows[SHORT_TEAM]["meets_target"] == "否"
    assert report["totals"]["total"] == sum(r["total"] for r in rows.values())
    assert {c["header"] for c in report["columns"]} >= {"乡镇", "班子成员（人）"}


def test_training_and_reviews_report_last_year(api: TestClient) -> None:
    training = fetch(api, "training")
    assert training["year"] == LAST_YEAR
    short = [r for r in training["rows"] if r["short"]]
    assert [(r["cadre"], r["days"]) for r in short] == [("QH00441", 8)]
    reviews = fetch(api, "reviews", year=LAST_YEAR)
    over = [r["unit"] for r in reviews["rows"] if r["over"] == "是"]
    assert over == [TOO_MANY_EXCELLENT]


def test_a_unit_narrows_a_report_to_its_subtree(api: TestClient) -> None:
    everything = fetch(api, "secondments")
    township = fetch(api, "secondments", unit="QHX-LQZ")
    assert 0 < township["totals"]["cadre"] < everything["totals"]["cadre"]
    assert all("QHX-LQZ" in (r["home_unit"], r["host_unit"]) for r in township["rows"])
    findings = fetch(api, "findings", unit=SHORT_TEAM)
    by_rule = {r["rule"]: r["total"] for r in findings["rows"]}
    assert by_rule["R-TOWN-04"] == 1 and by_rule["R-PET-01"] == 0


def test_bad_report_requests_are_refused(api: TestClient) -> None:
    bad = (("nothing", {}), ("findings", {"format": "pdf"}), ("findings", {"year": 1900}),
           ("findings", {"unit": "NOWHERE"}))  # fmt: skip
    for path, params in bad:
        response = api.get(f"/api/v1/reports/{path}", params=params, headers=CLERK)
        assert_problem(response, 404 if params.get("unit") else 422)
    assert_problem(api.get("/api/v1/reports/findings", headers=bearer("intake")), 403)


def test_the_cleanup_campaign_under_way_and_its_spreadsheet(api: TestClient) -> None:
    [campaign] = api.get("/api/v1/campaigns", headers=CLERK).json()["campaigns"]
    shown = api.get(f"/api/v1/campaigns/{campaign['code']}", headers=CLERK).json()
    assert shown["status"] == "open"
    assert {k: shown["progress"][k] for k in ("returned", "seconded_again", "voided")} == {
        "returned": 1, "seconded_again": 1, "voided": 0,
    }  # fmt: skip
    states = {t["cadre"]: t["state"] for t in shown["targets"]}
    assert (states["QH00482"], states["QH00483"], states["QH00402"]) == (
        "returned", "seconded_again", "remaining",
    )  # fmt: skip
    sheet = api.get(f"/api/v1/campaigns/{campaign['code']}", params={"format": "xlsx"},
                    headers=CLERK)  # fmt: skip
    lines = sheet_lines(sheet.content)
    assert len(lines) == len(shown["targets"]) + 2 and lines[-1][0] == "合计"


def test_jiandu_report_writes_the_spreadsheet(
    supervised_demo: tuple[Path, Platform], tmp_path: Path, api: TestClient
) -> None:
    data_dir, _ = supervised_demo
    out = tmp_path / "teams.xlsx"
    env = {"JIANDU_DATA_DIR": str(data_dir), "JIANDU_TODAY": DEMO_TODAY.isoformat(),
           "JIANDU_STORE": "sqlite", "JIANDU_ENV": "test"}  # fmt: skip
    result = CliRunner().invoke(cli, ["report", "township-teams", "--format", "xlsx",
                                      "--output", str(out)], env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = sheet_lines(out.read_bytes())
    report = fetch(api, "township-teams")
    assert lines[0] == [c["header"] for c in report["columns"]]
    total_column = [c["key"] for c in report["columns"]].index("total")
    assert lines[-1][total_column] == report["totals"]["total"]
    refused = CliRunner().invoke(cli, ["report", "nothing"], env=env)
    assert refused.exit_code == 2


def test_a_cadre_s_training_account_year_by_year(api: TestClient) -> None:
    response = api.get("/api/v1/cadres/QH00441/training", headers=CLERK)
    assert response.status_code == 200, response.text
    years = {y["year"]: y for y in response.json()["years"]}
    last = years[LAST_YEAR]
    assert (last["days"], last["judged"], last["meets"]) == (8, True, False)
    assert all(y["meets"] for y in years.values() if y["judged"] and y["year"] != LAST_YEAR)
    assert years[DEMO_TODAY.year]["judged"] is False
    assert sum(c["days"] for c in last["courses"]) == 8
    assert_problem(api.get("/api/v1/cadres/NOBODY/training", headers=CLERK), 404)
