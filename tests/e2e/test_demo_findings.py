"""The demo county under supervision: a finding for every planted case, none for the rest."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from api.bootstrap import Platform
from demo.planted import EXAMPLE_CADRE, PLANTED
from domain.rules import RULE_IDS
from tests.support.http import bearer, serve

TODAY = date(2026, 6, 15)
HOLDING = {"open", "acknowledged"}


@pytest.fixture(scope="module")
def county(supervised_demo: tuple[Path, Platform]) -> tuple[Path, Platform]:
    """The demo county loaded, its read models built, the process caught up and swept."""
    return supervised_demo


def holding(platform: Platform) -> dict[str, set[str]]:
    """Rules that hold, per cadre code, unit code or complaint title."""
    found: dict[str, set[str]] = defaultdict(set)
    rows, _ = platform.supervision.reads.list(limit=100_000)
    for f in rows:
        if f["status"] in HOLDING:
            kind, code = f["subject"]["kind"], f["subject"]["code"]
            key = platform.reads.complaint(code)["title"] if kind == "complaint" else code
            found[key].add(f["rule"])
    return dict(found)


def test_every_planted_case_has_its_findings_and_the_lawful_county_none(
    county: tuple[Path, Platform],
) -> None:
    _, platform = county
    expected = {case.ref: set(case.rules) | set(case.warnings) for case in PLANTED}
    assert holding(platform) == expected


def test_catching_up_the_county_raised_nothing_it_withdrew(county: tuple[Path, Platform]) -> None:
    _, platform = county
    rows, _ = platform.supervision.reads.list(limit=100_000)
    assert {f["status"] for f in rows} == {"open"}


def test_the_register_answers_over_http(county: tuple[Path, Platform]) -> None:
    data_dir, _ = county
    with serve(data_dir, today=TODAY) as client:
        response = client.get(
            "/api/v1/findings", params={"cadre": EXAMPLE_CADRE}, headers=bearer("inspector")
        )
    assert response.status_code == 200, response.text
    rules = {f["rule"] for f in response.json()["findings"]}
    assert rules == {"R-SEC-04", "R-SEC-05", "R-SEC-07"}


def test_the_county_breaks_every_rule_of_the_catalogue_at_least_once(
    county: tuple[Path, Platform],
) -> None:
    _, platform = county
    broken = {rule for rules in holding(platform).values() for rule in rules}
    assert broken == RULE_IDS
