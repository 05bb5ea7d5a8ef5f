"""R-TRAIN-01 and R-REV-01: training days and the share of excellent annual reviews (seed)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from domain import unit as u
from domain.rules.base import WARNING, Candidate, Entry, Evaluation, Rule, iso
from domain.rules.career import Career
from domain.rules.dates import add_months
from domain.rules.definitions import TOWNSHIP
from domain.rules.team import UnitSubject
from domain.rules.unit_facts import CareerFacts, Review, whole_year
from domain.values import ReviewRating

TRAIN_01 = Rule(
    "R-TRAIN-01", WARNING, "cadre", "training",
    "A cadre in service all of a completed year recorded fewer than 12 training days in it.",
    time_based=True,
)  # fmt: skip
REV_01 = Rule(
    "R-REV-01", WARNING, "unit", "reviews",
    "Over 20% of a township unit's cadres reviewed for a year were rated excellent.",
    time_based=True,
)  # fmt: skip


@dataclass(frozen=True)
class TrainingYear:
    """A cadre's training in one calendar year (a course counts in the year it starts)."""

    year: int
    days: int
    courses: tuple[Entry, ...]
    whole_year: bool  # in service from 1 January to 31 December


def training_years(c: Career, first_year: int) -> list[TrainingYear]:
    """Each completed year (31 December before the evaluation date) from ``first_year`` on in
    which the cadre was in service at any time, with its training days."""
    if c.recruitment is None:
        return []
    start = c.recruitment.event.effective_date
    left = c.departed.event.effective_date if c.departed else None
    years = []
    for year in range(max(start.year, first_year), c.as_of.year):
        if left is not None and left.year < year:
            break
        courses = tuple(t for t in c.trainings if t.event.start_date.year == year)
        whole = in_service_all_year(c, year)
        years.append(TrainingYear(year, sum(t.event.days for t in courses), courses, whole))
    return years


def too_little_training(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-TRAIN-01: judged once a year is over (the evaluation date after its 31 December)."""
    p = e.params.training
    for y in training_years(c, p.judged_from_year):
        if not y.whole_year or y.days >= p.days_per_year:
            continue
        evidence = [t.position for t in y.courses]
        if c.recruitment is not None:
            evidence.append(c.recruitment.position)
        yield TRAIN_01.found(
            c.code, f"training-{y.year}", evidence,
            {
                "year": y.year, "training_days": y.days, "required_days": p.days_per_year,
                "courses": len(y.courses), "units": _home_units(c, y.year),
            },
        )  # fmt: skip


def _home_units(c: Career, year: int) -> list[str]:
    home = c.home_on(date(year, 12, 31))
    return [home.unit] if home else []


@dataclass(frozen=True)
class ReviewYear:
    """The annual reviews of one unit's cadres for one year (年度考核)."""

    year: int
    reviews: tuple[tuple[str, Review], ...]  # (cadre code, its latest review of the year)
    expected: frozenset[str]  # the unit's cadres in service all year: who should be reviewed

    @property
    def complete(self) -> bool:
        """Everyone who should be reviewed was."""
        return self.expected <= {code for code, _ in self.reviews}

    @property
    def excellent(self) -> int:
        """How many were rated excellent."""
        return sum(r.rating == ReviewRating.EXCELLENT for _, r in self.reviews)

    @property
    def share(self) -> Fraction:
        """Excellent over reviewed."""
        return Fraction(self.excellent, len(self.reviews)) if self.reviews else Fraction(0)


def review_years(unit: str, careers: Sequence[CareerFacts]) -> list[ReviewYear]:
    """Per year, the reviews of the cadres whose home unit on its 31 December was ``unit``.

    One pass over the careers whose homes ever include the unit (no other has it as home on
    any day), each 31 December made once: a township is judged over every cadre linked to it,
    and this ran once per career and year."""
    here = [c for c in careers if any(home == unit for _, home in c.homes)]
    ends: dict[int, date] = {}
    by_year: dict[int, list[tuple[str, Review]]] = {}
    for career in here:
        for review in career.reviews:  # the latest of each year
            end = ends.get(review.year)
            if end is None:
                end = ends[review.year] = date(review.year, 12, 31)
            if career.home_on(end) == unit:
                by_year.setdefault(review.year, []).append((career.code, review))
    expected = _expected(here, unit, {y: ends[y] for y in by_year})
    return [
        ReviewYear(y, tuple(sorted(r, key=lambda x: x[0])), expected[y])
        for y, r in sorted(by_year.items())
    ]


def _expected(
    careers: Sequence[CareerFacts], unit: str, ends: dict[int, date]
) -> dict[int, frozenset[str]]:
    """Per year (its 31 December in ``ends``), the cadres with ``unit`` as home on that day
    and in service all year: who should have been reviewed."""
    codes: dict[int, set[str]] = {year: set() for year in ends}
    for c in careers:
        served = c.whole_years()
        for year, end in ends.items():
            if year in served and c.home_on(end) == unit:
                codes[year].add(c.code)
    return {year: frozenset(found) for year, found in codes.items()}


def in_service_all_year(c: Career, year: int) -> bool:
    """Recruited by 1 January and not departed by 31 December."""
    recruited = c.recruitment.event.effective_date if c.recruitment else None
    return whole_year(recruited, c.departed.event.effective_date if c.departed else None, year)


def too_many_excellent(s: UnitSubject, e: Evaluation) -> Iterator[Candidate]:
    """R-REV-01 for a township unit, one finding per year over the share; a year is judged
    once everyone in service all year was reviewed, or once its review is due (the end of
    ``complete_by_month`` of the next year) with what was recorded."""
    unit = s.unit
    registered = unit.first
    if not isinstance(registered, u.UnitRegistered) or registered.level != TOWNSHIP:
        return
    p = e.params.reviews
    limit = p.excellent_share
    for y in review_years(unit.code, s.careers):
        due = add_months(date(y.year + 1, p.complete_by_month, 1), 1) - timedelta(days=1)
        if y.share <= limit or not (y.complete or e.as_of > due):
            continue
        yield REV_01.found(
            unit.code, f"review-{y.year}", [r.position for _, r in y.reviews],
            {
                "year": y.year, "reviewed": len(y.reviews), "excellent": y.excellent,
                "expected": len(y.expected), "review_due": iso(due),
                "share": f"{y.share.numerator}/{y.share.denominator}",
                "allowed_share": f"{limit.numerator}/{limit.denominator}",
                "excellent_cadres": [c for c, r in y.reviews
                                     if r.rating == ReviewRating.EXCELLENT],
                "units": [unit.code],
            },
        )  # fmt: skip
