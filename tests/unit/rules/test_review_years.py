"""R-REV-01's review years in one pass over a township's careers: the same as the definition
(each career's latest review of each year where its home on 31 December was the unit, and who
was expected: home there that day and in service all year), whatever the homes and dates."""

from __future__ import annotations

import random
from datetime import date

from domain.rules.training import review_years
from domain.rules.unit_facts import CareerFacts, Review, whole_year, whole_years

UNIT = "T1"


def defined(
    unit: str, careers: list[CareerFacts]
) -> list[tuple[int, tuple[object, ...], set[str]]]:
    """The definition, career by career and year by year."""
    by_year: dict[int, list[tuple[str, Review]]] = {}
    for c in careers:
        for r in c.reviews:
            if c.home_on(date(r.year, 12, 31)) == unit:
                by_year.setdefault(r.year, []).append((c.code, r))
    return [
        (
            year,
            tuple(sorted(found, key=lambda x: x[0])),
            {
                c.code
                for c in careers
                if c.home_on(date(year, 12, 31)) == unit and c.in_service_all_year(year)
            },
        )
        for year, found in sorted(by_year.items())
    ]


def career(rng: random.Random, n: int) -> CareerFacts:
    """A career with homes (not always in date order), reviews, and start and end dates on
    and around 1 January and 31 December."""
    edges = [(1, 1), (12, 31), (1, 2), (12, 30), (6, 15)]
    recruited = date(rng.randint(2010, 2020), *rng.choice(edges)) if rng.random() < 0.9 else None
    departed = date(rng.randint(2015, 2026), *rng.choice(edges)) if rng.random() < 0.4 else None
    homes = tuple(
        (date(rng.randint(2010, 2025), *rng.choice(edges)), rng.choice((UNIT, "T2", "T3")))
        for _ in range(rng.randint(0, 4))
    )
    reviews = tuple(
        Review(year, rng.choice(("excellent", "competent")), rng.randint(1, 10**6))
        for year in sorted(rng.sample(range(2010, 2027), rng.randint(0, 6)))
    )
    return CareerFacts(
        code=f"C{n:03d}", name="", departed=departed is not None, posts=(), appointed=(),
        service=(), reviews=reviews, homes=homes, recruited_on=recruited, departed_on=departed,
    )  # fmt: skip


def test_review_years_are_the_definition_for_many_careers() -> None:
    rng = random.Random(20261128)
    for _ in range(200):
        careers = [career(rng, n) for n in rng.sample(range(100), rng.randint(0, 12))]
        got = [(y.year, y.reviews, set(y.expected)) for y in review_years(UNIT, careers)]
        assert got == defined(UNIT, careers)


def test_expected_counts_a_cadre_home_elsewhere_on_31_december_out() -> None:
    moved = CareerFacts(
        code="A", name="", departed=False, posts=(), appointed=(), service=(),
        reviews=(Review(2020, "excellent", 7),),
        homes=((date(2015, 1, 1), UNIT), (date(2020, 12, 31), "T2")),
        recruited_on=date(2015, 1, 1), departed_on=None,
    )  # fmt: skip
    stayed = CareerFacts(
        code="B", name="", departed=False, posts=(), appointed=(), service=(),
        reviews=(Review(2020, "competent", 8),), homes=((date(2015, 1, 1), UNIT),),
        recruited_on=date(2015, 1, 1), departed_on=None,
    )  # fmt: skip
    (year,) = review_years(UNIT, [moved, stayed])
    assert (year.year, [code for code, _ in year.reviews], year.expected) == (
        2020, ["B"], frozenset({"B"}),
    )  # fmt: skip


def test_whole_years_are_the_years_in_service_all_year() -> None:
    days = [None] + [
        date(y, m, d) for y in (2018, 2019, 2020) for m, d in ((1, 1), (1, 2), (12, 31))
    ]
    for started in days:
        for ended in days:
            span = whole_years(started, ended)
            for year in range(2016, 2023):
                assert (year in span) == whole_year(started, ended, year), (started, ended, year)
    assert 9999 in whole_years(date(2020, 1, 1), None)
