"""The sweep judges what the calendar alone made due: a year's training once the year is over,
a recruit's village stay once its year passed, a unit's annual review once it is due."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from projections.rules_config import load_parameters
from tests.support.supervision import CLERK, World, noon


def world_without(folder: Path, *rules: str) -> World:
    """A world where only the rule under test can hold a finding (others would make the sweep
    judge the subject anyway, as a subject with a holding finding)."""
    params = load_parameters()
    disabled = frozenset({"R-TRAIN-01", "R-TOWN-06", "R-REV-01", "R-DATA-01"}) - set(rules)
    return World.open(folder, replace(params, disabled=disabled)).organisation()


@pytest.fixture
def only_rule(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[World]:
    opened = world_without(tmp_path, request.param)
    yield opened
    opened.supervision.stop()
    opened.store.close()


def sweep_on(world: World, day: date) -> None:
    world.clock.instant = noon(day)
    world.settle()
    world.supervision.sweep()
    world.follower.catch_up()


def holding(world: World, rule: str) -> list[str]:
    """What each open finding of a rule is about: its subject, and its year if it has one."""
    return sorted(
        f"{f['subject']['code']} {f['details'].get('year', '')}".strip()
        for f in world.findings(rule)
        if f["status"] == "open"
    )


@pytest.mark.parametrize("only_rule", ["R-TRAIN-01"], indirect=True)
def test_the_first_sweep_of_a_year_judges_the_training_of_the_year_before(
    only_rule: World,
) -> None:
    world = only_rule
    world.clock.instant = noon(date(2024, 6, 1))
    world.cadre("A", date(2024, 6, 1))
    world.services.personnel.record_training(
        CLERK, "A", start_date=date(2024, 7, 1), days=12, topic="初任培训"
    )
    sweep_on(world, date(2025, 12, 31))
    assert holding(world, "R-TRAIN-01") == []
    sweep_on(world, date(2026, 1, 2))
    assert holding(world, "R-TRAIN-01") == ["A 2025"]


@pytest.mark.parametrize("only_rule", ["R-TOWN-06"], indirect=True)
def test_a_sweep_after_the_village_stay_was_due_raises_r_town_06(only_rule: World) -> None:
    world = only_rule
    world.clock.instant = noon(date(2025, 6, 1))
    world.cadre("A", date(2025, 6, 1))
    sweep_on(world, date(2026, 6, 1))
    assert holding(world, "R-TOWN-06") == []
    sweep_on(world, date(2026, 6, 2))
    assert holding(world, "R-TOWN-06") == ["A"]


@pytest.mark.parametrize("only_rule", ["R-REV-01"], indirect=True)
def test_a_sweep_after_the_reviews_are_due_judges_an_incomplete_unit(only_rule: World) -> None:
    world = only_rule
    world.clock.instant = noon(date(2026, 1, 20))
    for n in range(5):
        world.cadre(f"R{n}", date(2015, 7, 1))
    for n, rating in enumerate(("excellent", "competent", "competent", "competent")):
        world.services.personnel.record_review(CLERK, f"R{n}", year=2025, rating=rating)
    sweep_on(world, date(2026, 3, 31))  # R4 not reviewed: the unit's review is incomplete
    assert holding(world, "R-REV-01") == []
    sweep_on(world, date(2026, 4, 1))  # due: judged on what was recorded, 1 of 4
    assert holding(world, "R-REV-01") == ["T1 2025"]
