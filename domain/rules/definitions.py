"""The definitions several rules share (RULES.md, "Definitions"), in one place.

*Township recruit*, *leaving the township system*, *one secondment period* and *township
service* are read here from a :class:`Career` (the history as known, folded up to the
evaluation date), so that every rule that needs one means the same thing by it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise

from domain import cadre_events as ev
from domain.rules.base import Entry
from domain.rules.career import Career, Home, SecondmentRecord
from domain.rules.dates import add_years
from domain.values import Channel, DepartureKind, Level, UnitKind

TOWNSHIP = Level.TOWNSHIP.value
VILLAGE = Level.VILLAGE.value
# 新录用 into a township organ: the channels of the seed's minimum-service rule.
RECRUIT_CHANNELS = frozenset({Channel.EXAM, Channel.SELECTED_GRADUATE, Channel.TARGETED})

Span = tuple[date, date]
"""Days from ``start`` up to (not including) ``end``."""


# -- who is a township recruit ---------------------------------------------------------------


def township_recruitment(c: Career) -> Entry | None:
    """The recruitment of a *township recruit*: newly recruited (exam, selected graduate or
    targeted; not ``transfer_in``) into a township organ (not an institution)."""
    r = c.recruitment
    if r is None or r.event.unit_level != TOWNSHIP or r.event.channel not in RECRUIT_CHANNELS:
        return None
    return None if r.event.unit_kind == UnitKind.INSTITUTION else r


def new_township_recruitment(c: Career) -> Entry | None:
    """A new recruitment (any channel but ``transfer_in``) into any township unit, organ or
    institution (R-TOWN-06 speaks of both)."""
    r = c.recruitment
    if r is None or r.event.unit_level != TOWNSHIP or r.event.channel == Channel.TRANSFER_IN:
        return None
    return r


# -- leaving the township system -------------------------------------------------------------


def outside_townships(level: str | None) -> bool:
    """A unit outside the township system: county, city or province. A village unit is not:
    it lies within a township, and township cadres hold village posts without leaving."""
    return level is not None and level not in (TOWNSHIP, VILLAGE)


@dataclass(frozen=True)
class Leaving:
    """One way a cadre left the township system: a transfer, an appointment to a post of a
    unit outside it, or a departure from service."""

    how: str  # transfer | appointment | departure
    entry: Entry
    day: date
    to_unit: str | None
    to_level: str | None

    @property
    def resignation(self) -> bool:
        """A departure by resignation (辞职)."""
        return self.how == "departure" and self.entry.event.kind == DepartureKind.RESIGNATION


def leavings(c: Career) -> list[Leaving]:
    """Every time the cadre left the township system, in effective-date order: only from a
    township home unit (a later move between county organs is not leaving it again)."""
    found: list[Leaving] = []
    for entry in c.facts:
        event = entry.event
        if isinstance(event, ev.Transferred):
            left = _home_before(c, entry)
            if _in_township(left) and outside_townships(event.to_level):
                found.append(Leaving("transfer", entry, event.effective_date, event.to_unit,
                                     event.to_level))  # fmt: skip
        elif isinstance(event, ev.Appointed):
            home = c.home_on(event.effective_date)
            if _in_township(home) and outside_townships(event.unit_level):
                found.append(Leaving("appointment", entry, event.effective_date, event.unit,
                                     event.unit_level))  # fmt: skip
        elif isinstance(event, ev.Departed) and _in_township(c.home_on(event.effective_date)):
            found.append(Leaving("departure", entry, event.effective_date, None, None))
    return found


def _in_township(home: Home | None) -> bool:
    return home is not None and home.level == TOWNSHIP


def _home_before(c: Career, transfer: Entry) -> Home | None:
    for before, home in pairwise(c.homes):
        if home.entry is transfer:
            return before
    return None


# -- secondments -----------------------------------------------------------------------------


def secondment_home(c: Career, s: SecondmentRecord) -> Home | None:
    """The home unit a secondment is judged from: folded from the history on its start date,
    never copied from the ``Seconded`` event (a later back-dated or retracted transfer
    changes it)."""
    return c.home_on(s.event.start_date)


@dataclass
class SecondmentPeriod:
    """Consecutive secondments to one host with gaps of at most N days: one period for R-SEC-04
    (no escaping the limit by ending a secondment and starting another)."""

    records: list[SecondmentRecord] = field(default_factory=list)

    @property
    def first(self) -> SecondmentRecord:
        """The secondment the period began with."""
        return self.records[0]

    @property
    def last(self) -> SecondmentRecord:
        """The latest secondment of the period."""
        return self.records[-1]

    @property
    def extensions(self) -> list[Entry]:
        """Every extension recorded on any of its secondments."""
        return [x for r in self.records for x in r.extensions]

    @property
    def positions(self) -> list[int]:
        """Every position the period rests on."""
        return [p for r in self.records for p in r.positions]


def secondment_periods(c: Career, gap_days: int) -> list[SecondmentPeriod]:
    """The cadre's secondments grouped into periods, in start order."""
    periods: list[SecondmentPeriod] = []
    ordered = sorted(c.secondments, key=lambda r: (r.event.start_date, r.started.version))
    for s in ordered:
        if periods and _continues(periods[-1].last, s, gap_days):
            periods[-1].records.append(s)
        else:
            periods.append(SecondmentPeriod([s]))
    return periods


def _continues(previous: SecondmentRecord, s: SecondmentRecord, gap_days: int) -> bool:
    ended = previous.end_date
    return (
        ended is not None
        and previous.event.host_unit == s.event.host_unit
        and ended <= s.event.start_date
        and (s.event.start_date - ended).days <= gap_days
    )


def seconded_out_on(c: Career, day: date) -> SecondmentRecord | None:
    """A secondment to a unit outside the township system the cadre is on, on ``day``."""
    for s in c.secondments:
        end = s.end_date
        active = s.event.start_date <= day and (end is None or day < end)
        if active and s.event.host_level != TOWNSHIP:
            return s
    return None


# -- township service ------------------------------------------------------------------------


def township_spans(c: Career, until: date) -> list[Span]:
    """Spells in township units up to ``until``: home units of township level and service
    before the platform (``PriorServiceRecorded``) in township units; touching ones merged."""
    spans = [
        (home.start, min(home.end or until, until)) for home in c.homes if home.level == TOWNSHIP
    ]
    spans += [
        (p.event.from_date, min(p.event.to_date + timedelta(days=1), until))
        for p in c.prior_service
        if p.event.unit_level == TOWNSHIP
    ]
    return merge(s for s in spans if s[0] < s[1])


def seconded_out_spans(c: Career, until: date) -> list[Span]:
    """Time seconded to units outside the township system (不在岗: not township service)."""
    spans = [
        (s.event.start_date, min(s.end_date or until, until))
        for s in c.secondments
        if s.event.host_level != TOWNSHIP
    ]
    return merge(s for s in spans if s[0] < s[1])


def township_service(c: Career, until: date) -> list[Span]:
    """Days that count as township service up to ``until``: township spells minus time
    seconded out of the township system."""
    return subtract(township_spans(c, until), seconded_out_spans(c, until))


def continuous_spell(c: Career, day: date) -> Span | None:
    """The unbroken township spell ``day`` falls in (a secondment does not break it)."""
    for span in township_spans(c, day + timedelta(days=1)):
        if span[0] <= day < span[1]:
            return span
    return None


def merge(spans: Iterable[Span]) -> list[Span]:
    """Spans sorted, overlapping or touching ones joined."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract(spans: Sequence[Span], holes: Sequence[Span]) -> list[Span]:
    """``spans`` without the days of ``holes``."""
    result = list(spans)
    for hole_start, hole_end in holes:
        cut: list[Span] = []
        for start, end in result:
            if hole_end <= start or end <= hole_start:
                cut.append((start, end))
                continue
            if start < hole_start:
                cut.append((start, hole_start))
            if hole_end < end:
                cut.append((hole_end, end))
        result = cut
    return result


def reach_date(spans: Sequence[Span], years: int) -> date | None:
    """The day service over ``spans`` reaches ``years``, if it went on after the last span:
    calendar years from the first day, pushed later by every gap, so one unbroken spell gives
    exactly ``start + years``."""
    if not spans:
        return None
    reached = add_years(spans[0][0], years)
    for (_, gap_start), (gap_end, _) in pairwise(spans):
        if gap_start >= reached:
            break
        reached += gap_end - gap_start
    return reached


def served(spans: Sequence[Span], years: int) -> date | None:
    """The day service over ``spans`` reached ``years`` (None if it did not within them)."""
    reached = reach_date(spans, years)
    return reached if reached is not None and reached <= spans[-1][1] else None
