"""`jiandu demo load`: the demo county loads once into an empty store, and the views show it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.bootstrap import Platform, build
from api.commands import demo
from api.settings import Settings
from demo.load import DemoLoader
from demo.plan import build_plan
from demo.planted import (
    EXAMPLE_CADRE,
    PLANTED,
    UNCONCLUDED_1,
    UNCONCLUDED_2,
    UNDECIDED_1,
    UNDECIDED_2,
)
from domain.rules.dates import add_months, add_years
from tests.support.demo_audit import audit
from tests.support.http import bearer, serve

TODAY = date(2026, 6, 15)
RULE_OF_2024 = date(2024, 1, 1)  # R-SEC-07: 上级机关原则上不得从县及以下单位借调干部
CASES = {case.key: case.ref for case in PLANTED}


def _env(data_dir: Path) -> dict[str, str]:
    return {"JIANDU_DATA_DIR": str(data_dir), "JIANDU_TODAY": TODAY.isoformat(),
            "JIANDU_STORE": "sqlite", "JIANDU_ENV": "test"}  # fmt: skip


def _settings(data_dir: Path, today: date = TODAY) -> Settings:
    return Settings(env="test", store="sqlite", data_dir=data_dir, today=today)


@dataclass
class Demo:
    """The demo county loaded by the command into a data folder."""

    data_dir: Path
    output: str


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    data_dir = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(demo.app, ["load"], env=_env(data_dir))
    assert result.exit_code == 0, result.output
    return Demo(data_dir, result.output)


@pytest.fixture(scope="module")
def platform(loaded: Demo) -> Iterator[Platform]:
    built = build(_settings(loaded.data_dir))
    yield built
    built.close()


def test_the_load_says_what_it_wrote_and_what_it_planted(loaded: Demo) -> None:
    assert "Loaded the demo county 清河县 as of 2026-06-15" in loaded.output
    for case in PLANTED:
        assert case.ref in loaded.output and case.rules[0] in loaded.output


def test_a_second_load_writes_nothing(loaded: Demo, platform: Platform) -> None:
    before = platform.store.position()
    for options in ([], ["--force"]):
        result = CliRunner().invoke(demo.app, ["load", *options], env=_env(loaded.data_dir))
        assert result.exit_code == 0, result.output
        assert "loaded already" in result.output
    assert platform.store.position() == before


def test_a_store_holding_other_events_is_left_alone_without_force(tmp_data_dir: Path) -> None:
    other = build(_settings(tmp_data_dir))
    try:
        other.services.organisation.register_unit(
            "clerk-1", code="X", name="某县", level="county", kind="government"
        )
        before = other.store.position()
        result = CliRunner().invoke(demo.app, ["load"], env=_env(tmp_data_dir))
        assert result.exit_code == 0, result.output
        assert "--force" in result.output
        assert other.store.position() == before
    finally:
        other.close()


def test_the_views_hold_the_county_and_are_caught_up(platform: Platform) -> None:
    def count(sql: str) -> int:
        return int(platform.views.query(sql)[0]["n"])

    assert 400 <= count("SELECT COUNT(*) AS n FROM cadres") <= 600
    assert (
        count("SELECT COUNT(*) AS n FROM units WHERE level = 'township'") == 24
    )  # 12 x (党委, 政府)
    assert count("SELECT COUNT(*) AS n FROM units WHERE level = 'village'") >= 36
    assert count("SELECT COUNT(*) AS n FROM units WHERE level IN ('city', 'province')") >= 2
    assert count("SELECT COUNT(*) AS n FROM complaints") >= 15
    assert count("SELECT COUNT(*) AS n FROM secondments WHERE end_date IS NOT NULL") >= 20
    assert count("SELECT COUNT(DISTINCT cadre_id) AS n FROM holdings") >= 400
    assert all(figures["lag"] == 0 for figures in platform.projector.lag().values())


def _secondment(platform: Platform, key: str) -> dict[str, object]:
    rows = platform.reads.secondments(today=TODAY, cadre=CASES[key])
    assert len(rows) == 1, rows
    return rows[0]


def test_every_planted_secondment_is_in_the_register_as_planted(platform: Platform) -> None:
    early = _secondment(platform, "early-secondment")
    recruited = platform.reads.cadre(CASES["early-secondment"], today=TODAY)["recruitment"]
    two_years = add_years(date.fromisoformat(recruited["effective_date"]), 2)
    assert (early["home_level"], early["host_level"]) == ("township", "county")
    assert date.fromisoformat(str(early["start_date"])) < two_years
    assert _secondment(platform, "unapproved-secondment")["approval"] is None
    low = _secondment(platform, "low-approval-secondment")
    assert (low["host_level"], low["approval_level"]) == ("province", "county")
    assert _secondment(platform, "open-ended-secondment")["planned_end_date"] is None
    long = _secondment(platform, "long-secondment")
    planned = date.fromisoformat(str(long["planned_end_date"]))
    assert planned > add_months(date.fromisoformat(str(long["start_date"])), 6)
    assert long["extensions"] == []
    for key, shortest, longest in (
        ("overdue-secondment", 60, 182),
        ("unreturned-secondee", 600, 800),
    ):
        row = _secondment(platform, key)
        assert date.fromisoformat(str(row["planned_end_date"])) < TODAY
        assert shortest < int(str(row["duration_days"])) < longest
    planted = {CASES[k] for k in CASES if "second" in k}
    for row in platform.reads.secondments(today=TODAY, active=True):
        assert row["active"] and row["end_date"] is None
    active = {r["cadre_code"] for r in platform.reads.secondments(today=TODAY, active=True)}
    assert planted <= active
    # The headline query: township cadres at county organs for more than 180 days without
    # approval (what an inspector asks of /search/secondments first).
    headline = platform.reads.secondments(
        today=TODAY, home_level="township", host_level="county", active=True, approved=False,
        min_days=180,
    )  # fmt: skip
    assert [r["cadre_code"] for r in headline] == [CASES["unapproved-secondment"]]


def test_the_overdue_complaints_are_the_planted_ones(platform: Platform) -> None:
    overdue = platform.reads.complaints(today=TODAY, overdue=True)
    assert {c["title"] for c in overdue} == {UNDECIDED_1, UNDECIDED_2, UNCONCLUDED_1, UNCONCLUDED_2}
    statuses = {c["status"] for c in platform.reads.complaints(today=TODAY, limit=100)}
    assert statuses >= {"filed", "accepted", "forwarded", "concluded", "notified"}


def test_the_demo_breaks_exactly_the_rules_it_plants(platform: Platform) -> None:
    found = audit(platform, TODAY)
    expected = {case.ref: set(case.rules) | set(case.warnings) for case in PLANTED}
    seasoned = {s: r for s, r in found.items() if s not in expected}
    assert {s: r for s, r in found.items() if s in expected} == expected
    # Lawful cadres meet only the 2024 warning, for secondments to county organs made (and
    # ended) before that rule.
    assert all(rules == {"R-SEC-07"} for rules in seasoned.values()), seasoned
    for code in seasoned:
        for row in platform.reads.secondments(today=TODAY, cadre=code):
            if row["host_level"] != row["home_level"]:
                assert date.fromisoformat(str(row["start_date"])) < RULE_OF_2024
                assert row["end_date"] is not None


def test_no_reporter_identity_reaches_the_views_or_the_store(loaded: Demo) -> None:
    plan = build_plan(TODAY)
    reporters = [c.fields["reporter"] for c in plan.complaints if c.fields["named"]]
    assert len(reporters) >= 8
    files = [p.read_bytes() for p in loaded.data_dir.iterdir() if p.is_file()]
    views = b"".join(p.read_bytes() for p in loaded.data_dir.glob("views.sqlite3*"))
    assert plan.cadres[0].name.encode() in views  # the search itself finds text
    for reporter in reporters:
        for secret in (reporter["name"], reporter["phone"]):
            assert not any(secret.encode() in data for data in files), secret


def test_the_readme_example_request_answers(loaded: Demo) -> None:
    example = CliRunner().invoke(demo.app, ["example"])
    assert example.stdout.strip() == EXAMPLE_CADRE == CASES["unreturned-secondee"]
    with serve(loaded.data_dir, today=TODAY) as client:
        response = client.get(f"/api/v1/cadres/{EXAMPLE_CADRE}", headers=bearer("inspector"))
    assert response.status_code == 200, response.text
    assert response.json()["secondment"]["host_unit"] == "QHX-XCB"


@pytest.mark.parametrize("day", [date(2027, 2, 28), date(2031, 12, 31)])
def test_the_county_loads_on_any_day(tmp_data_dir: Path, day: date) -> None:
    """Dates are relative to today, including years the holiday calendar does not cover."""
    platform = build(_settings(tmp_data_dir, day))
    try:
        plan = build_plan(day)
        loader = DemoLoader(
            platform.store, platform.services.complaints.vault, platform.clock.now()
        )
        loaded = loader.load(plan)
        assert loaded.cadres == len(plan.cadres) and loaded.events == platform.store.position()
    finally:
        platform.close()
