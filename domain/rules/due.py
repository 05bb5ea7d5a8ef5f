"""What time alone brings due between two sweeps, beyond secondments and complaints: the end
of a year (R-TRAIN-01), the end of the annual review (R-REV-01), and the anniversaries of
recruitments (R-TOWN-06)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.rules.dates import add_months, add_years
from domain.rules.parameters import RuleParameters


@dataclass(frozen=True)
class Due:
    """Which subjects a sweep judges because a day passed since the previous one."""

    every_cadre: bool  # a year ended: every cadre's training of that year
    township_units: bool  # a year's annual reviews came due
    recruited_from: date  # cadres recruited in [recruited_from, recruited_until): their
    recruited_until: date  # village stay (R-TOWN-06) came due


def due_between(since: date, day: date, params: RuleParameters) -> Due:
    """What became due after ``since`` (the previous sweep's date) up to ``day``."""
    years = range(since.year + 1, day.year + 1)
    review_month = params.reviews.complete_by_month
    reviews_due = any(
        since <= _month_end(year, review_month) < day for year in range(since.year, day.year + 1)
    )
    stay = params.township.village_stay_within_years
    recruited_from = add_years(since, -stay) if since.year > stay else date.min
    recruited_until = add_years(day, -stay) if day.year > stay else date.min
    return Due(bool(years), reviews_due, recruited_from, recruited_until)


def _month_end(year: int, month: int) -> date:
    return add_months(date(year, month, 1), 1) - timedelta(days=1)
