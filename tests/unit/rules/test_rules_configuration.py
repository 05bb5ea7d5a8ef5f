"""Calendar arithmetic, the working-day calendar, and the one rules configuration file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from domain.errors import InvalidValue
from domain.rules import CATALOGUE, RuleParameters, add_months, add_years, describe
from domain.rules.dates import WeekdayCalendar, add_working_days, working_days_between
from projections.rules_config import RulesFileError, load_parameters
from projections.working_calendar import ChinaCalendar
from tests.support.rules import CadreFile, only


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 6, date(2024, 7, 31)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
    ],
)
def test_calendar_months_clamp_to_the_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_a_year_after_29_february_is_28_february() -> None:
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_the_national_calendar_knows_holidays_and_make_up_days() -> None:
    china = ChinaCalendar()
    assert not china.is_working_day(date(2024, 10, 1))  # National Day
    assert china.is_working_day(date(2024, 9, 29))  # Sunday, 调休
    assert working_days_between(china, date(2024, 9, 27), date(2024, 10, 9)) == 5
    assert add_working_days(china, date(2024, 9, 27), 3) == date(2024, 10, 8)
    assert china.covers(date(2024, 1, 1))


def test_a_year_without_a_schedule_counts_monday_to_friday() -> None:
    china = ChinaCalendar()
    assert not china.covers(date(2035, 1, 1))
    assert china.is_working_day(date(2035, 10, 1))  # a Monday: no schedule known
    assert not china.is_working_day(date(2035, 10, 6))  # a Saturday


def test_local_days_from_the_rules_file_come_first() -> None:
    china = ChinaCalendar(extra_holidays=[date(2024, 5, 13)], extra_workdays=[date(2024, 5, 11)])
    assert not china.is_working_day(date(2024, 5, 13))
    assert china.is_working_day(date(2024, 5, 11))
    assert WeekdayCalendar(extra_workdays=frozenset({date(2024, 5, 11)})).is_working_day(
        date(2024, 5, 11)
    )


def test_the_defaults_parse_and_every_rule_has_its_parameters() -> None:
    params = load_parameters()
    assert params.source == "defaults"
    assert params.complaints.decide_within_days == 15
    assert str(params.township.team_share) == "2/3"
    described = describe(params)
    assert [r["id"] for r in described] == [r.id for r in CATALOGUE]
    assert len(described) == 27
    assert all(r["parameters"] and r["enabled"] for r in described)


def test_a_province_file_overlays_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "guizhou.toml"
    path.write_text(
        'disabled = ["R-SEC-07"]\n[secondment]\nmonths_without_extension = 3\n'
        "[calendar]\nextra_holidays = [2024-05-13]\n",
        encoding="utf-8",
    )
    params = load_parameters(path)
    assert params.secondment.months_without_extension == 3
    assert params.secondment.months_without_higher_approval == 12
    assert params.calendar.extra_holidays == frozenset({date(2024, 5, 13)})
    assert params.source == str(path)
    cadre = CadreFile()
    cadre.recruited(date(2015, 7, 1))
    cadre.seconded(date(2024, 1, 31), date(2024, 5, 1))
    found = cadre.evaluate(date(2024, 2, 1), params)
    assert len(only("R-SEC-04", found)) == 1
    assert only("R-SEC-07", found) == []


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (
            "[secondment]\nmonths_without_extenson = 3\n",
            "unknown secondment.months_without_extenson",
        ),
        ('[secondment]\nmonths_without_extension = "six"\n', "must be a whole number"),
        ("[secondment]\nmonths_without_extension = -1\n", "must not be negative"),
        ('disabled = ["R-SEC-99"]\n', "R-SEC-99"),
        ('[township]\nteam_share = "3/2"\n', "team_share"),
        ("[discipline.sanction_months]\nscolding = 3\n", "scolding"),
        ('[calendar]\nextra_holidays = ["2024-02-30"]\n', "not a date"),
        ("surprise = 1\n", "surprise"),
        ("[secondment\n", "not valid TOML"),
    ],
)
def test_a_bad_rules_file_is_refused_naming_the_problem(
    tmp_path: Path, text: str, complaint: str
) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesFileError, match=complaint):
        load_parameters(path)


def test_a_missing_rules_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesFileError, match="cannot read"):
        load_parameters(tmp_path / "absent.toml")


def test_parameters_need_every_key() -> None:
    with pytest.raises(InvalidValue, match=r"needs a \[calendar\] table"):
        RuleParameters.from_mapping({"disabled": []})
