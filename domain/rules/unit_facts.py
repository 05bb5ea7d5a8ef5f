"""What the unit rules read of a cadre's career: a few facts, folded once, kept small.

A township unit's rules (R-TOWN-04, R-REV-01) read every cadre linked to the unit, but of each
career only its posts, its appointments, its township service, its latest review of each year,
its home units and when it began and ended. Those facts are all they read, so a process that
judges the same townships again and again can keep them for every cadre of a province (packed:
a few hundred bytes each) instead of reading and folding every linked cadre's history each time.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from domain.rules.career import Career
from domain.rules.definitions import Span, township_service


class Review(NamedTuple):
    """An annual review (年度考核) as the unit rules read it."""

    year: int
    rating: str
    position: int


@dataclass(frozen=True, slots=True)
class CareerFacts:
    """The facts of a career folded as of a date that the unit rules read."""

    code: str
    name: str
    departed: bool
    posts: tuple[tuple[str, str], ...]  # (unit, post) held
    appointed: tuple[tuple[str, str, int], ...]  # (unit, post, position) of each appointment
    service: tuple[Span, ...]  # township service up to the date (held posts only; else ())
    reviews: tuple[Review, ...]  # the latest review of each year, years as first recorded
    homes: tuple[tuple[date, str], ...]  # (start, unit) of each home, in fold order
    recruited_on: date | None
    departed_on: date | None

    @classmethod
    def of(cls, career: Career) -> CareerFacts:
        """The facts of a folded career (as of its date)."""
        departed = career.state.status == "departed"
        posts = tuple(career.state.posts)
        latest: dict[int, Review] = {}  # a re-recorded rating of a year replaces the earlier
        for r in career.reviews:
            latest[r.event.year] = Review(r.event.year, str(r.event.rating), r.position)
        return cls(
            code=career.code, name=career.state.name, departed=departed, posts=posts,
            appointed=tuple((a.event.unit, a.event.post, a.position) for a in career.appointments),
            service=tuple(township_service(career, career.as_of)) if posts and not departed else (),
            reviews=tuple(latest.values()),
            homes=tuple((h.start, h.unit) for h in career.homes),
            recruited_on=career.recruitment.event.effective_date if career.recruitment else None,
            departed_on=career.departed.event.effective_date if career.departed else None,
        )  # fmt: skip

    def home_on(self, day: date) -> str | None:
        """The home unit in effect on ``day`` (as :meth:`Career.home_on` finds it)."""
        found = None
        for start, unit in self.homes:
            if start <= day:
                found = unit
        return found

    def in_service_all_year(self, year: int) -> bool:
        """Recruited by 1 January and not departed by 31 December."""
        return whole_year(self.recruited_on, self.departed_on, year)

    def whole_years(self) -> range:
        """The years it was in service all year (:meth:`in_service_all_year`), as a range."""
        return whole_years(self.recruited_on, self.departed_on)

    def packed(self) -> tuple[Any, ...]:
        """The facts as plain values (dates as ordinals), for a compact serialisation. Tuples
        all the way down (``posts`` and ``appointed`` are tuples of tuples): marshal gives
        tuples back, which :meth:`unpacked` then takes as they are."""
        return (
            self.code, self.name, self.departed, self.posts, self.appointed,
            tuple((s.toordinal(), e.toordinal()) for s, e in self.service),
            tuple((r.year, sys.intern(r.rating), r.position) for r in self.reviews),
            tuple((s.toordinal(), u) for s, u in self.homes),
            _ordinal(self.recruited_on), _ordinal(self.departed_on),
        )  # fmt: skip

    @classmethod
    def unpacked(cls, values: tuple[Any, ...]) -> CareerFacts:
        """The facts from :meth:`packed` (as marshal gives them back: tuples as tuples)."""
        code, name, departed, posts, appointed, service, reviews, homes, rec, dep = values
        day = date.fromordinal
        return cls(
            code=code, name=name, departed=departed, posts=posts, appointed=appointed,
            service=tuple((day(s), day(e)) for s, e in service),
            reviews=tuple(map(Review._make, reviews)),
            homes=tuple((day(s), u) for s, u in homes),
            recruited_on=day(rec) if rec else None, departed_on=day(dep) if dep else None,
        )  # fmt: skip


def whole_year(started: date | None, ended: date | None, year: int) -> bool:
    """In service from 1 January to 31 December of ``year`` (begun by then, not ended)."""
    if started is None or started > date(year, 1, 1):
        return False
    return ended is None or ended > date(year, 12, 31)


def whole_years(started: date | None, ended: date | None) -> range:
    """The years ``year`` for which :func:`whole_year` holds: from the first 1 January on or
    after ``started`` to the last 31 December before ``ended``."""
    if started is None:
        return range(0)
    first = started.year if (started.month, started.day) == (1, 1) else started.year + 1
    return range(first, ended.year if ended is not None else date.max.year + 1)


def _ordinal(day: date | None) -> int:
    return day.toordinal() if day else 0
