"""R-SEC-01..07: secondments (借调) of cadres to other units, above all to higher organs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from domain.rules.base import VIOLATION, WARNING, Candidate, Evaluation, Rule, iso
from domain.rules.career import Career, SecondmentRecord
from domain.rules.dates import add_months, add_years
from domain.rules.definitions import (
    TOWNSHIP,
    SecondmentPeriod,
    secondment_home,
    secondment_periods,
    township_recruitment,
)
from domain.values import Level

SEC_01 = Rule(
    "R-SEC-01", VIOLATION, "cadre", "secondment",
    "A township cadre is seconded to a higher organ without an approval of the host's level.",
)  # fmt: skip
SEC_02 = Rule("R-SEC-02", VIOLATION, "cadre", "secondment", "A secondment has no planned end.")
SEC_03 = Rule(
    "R-SEC-03", VIOLATION, "cadre", "secondment",
    "A township recruit is seconded to a higher organ before recruitment + 2 years.",
)  # fmt: skip
SEC_04 = Rule(
    "R-SEC-04", VIOLATION, "cadre", "secondment",
    "A secondment lasts over 6 months without an extension, or over 12 months without an "
    "approval above the host's level.",
    time_based=True,
)  # fmt: skip
SEC_05 = Rule(
    "R-SEC-05", VIOLATION, "cadre", "secondment",
    "A secondment is overdue: past its planned end (as extended) and not ended.",
    time_based=True,
)  # fmt: skip
SEC_06 = Rule(
    "R-SEC-06", WARNING, "cadre", "secondment",
    "A cadre is seconded again less than 2 years after a previous secondment ended.",
)  # fmt: skip
SEC_07 = Rule(
    "R-SEC-07", WARNING, "cadre", "secondment",
    "A cadre of a county-or-lower unit is seconded to a higher organ (2024: 原则上不得).",
)  # fmt: skip


def _rank(level: str | None) -> int:
    return Level(level).rank if level else 0


def _to_higher_organ(s: SecondmentRecord) -> bool:
    return Level(s.event.host_level).is_higher_organ()


def _doc(c: Career, s: SecondmentRecord, **more: Any) -> dict[str, Any]:
    event, home = s.event, secondment_home(c, s)
    home_unit = home.unit if home else None
    return {
        "secondment_id": event.secondment_id, "home_unit": home_unit,
        "home_level": home.level if home else None, "host_unit": event.host_unit,
        "host_level": event.host_level, "start_date": iso(event.start_date),
        "planned_end_date": iso(s.planned_end), "end_date": iso(s.end_date),
        "units": sorted({u for u in (home_unit, event.host_unit) if u}), **more,
    }  # fmt: skip


def unapproved(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-SEC-01: judged from the home unit folded from the history on the start date."""
    for s in c.secondments:
        event, home = s.event, secondment_home(c, s)
        if home is None or home.level != TOWNSHIP or not _to_higher_organ(s):
            continue
        level = (event.approval or {}).get("level")
        if level is not None and _rank(level) >= _rank(event.host_level):
            continue
        yield SEC_01.found(
            c.code,
            event.secondment_id,
            [s.started.position, home.entry.position],
            _doc(c, s, approval_level=level, approval_needed=event.host_level),
        )


def open_ended(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-SEC-02."""
    for s in c.secondments:
        if s.planned_end is None:
            yield SEC_02.found(c.code, s.event.secondment_id, [s.started.position], _doc(c, s))


def recruit_too_soon(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-SEC-03."""
    recruited = township_recruitment(c)
    if recruited is None:
        return
    allowed = add_years(recruited.event.effective_date, e.params.secondment.recruit_wait_years)
    for s in c.secondments:
        if _to_higher_organ(s) and s.event.start_date < allowed:
            yield SEC_03.found(
                c.code, s.event.secondment_id, [recruited.position, s.started.position],
                _doc(c, s, recruited_on=iso(recruited.event.effective_date),
                     allowed_from=iso(allowed)),
            )  # fmt: skip


def too_long(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-SEC-04 over secondment periods (back-to-back secondments to one host are one):
    measured to the actual end, else the later of the planned end and the evaluation date."""
    p = e.params.secondment
    for period in secondment_periods(c, p.period_gap_days):
        first, last = period.first, period.last
        start = first.event.start_date
        lasts = last.end_date or max(last.planned_end or e.as_of, e.as_of)
        breaches = []
        if lasts > add_months(start, p.months_without_extension) and not period.extensions:
            breaches.append(f"over {p.months_without_extension} months without an extension")
        if lasts > add_months(start, p.months_without_higher_approval) and not _higher(period):
            breaches.append(
                f"over {p.months_without_higher_approval} months without an approval above "
                f"the host unit's level ({first.event.host_level})"
            )
        if breaches:
            yield SEC_04.found(
                c.code,
                first.event.secondment_id,
                period.positions,
                _doc(c, first, lasts_until=iso(lasts), days=(lasts - start).days,
                     breaches=breaches, period=[r.event.secondment_id for r in period.records],
                     end_date=iso(last.end_date)),
            )  # fmt: skip


def _higher(period: SecondmentPeriod) -> bool:
    host = _rank(period.first.event.host_level)
    approvals = [r.event.approval for r in period.records]
    approvals += [x.event.approval for x in period.extensions]
    return any(a and _rank(a.get("level")) > host for a in approvals)


def overdue(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-SEC-05: past the planned end (as extended) and not ended; remedied when it ends."""
    for s in c.secondments:
        planned = s.planned_end
        if s.ended is None and planned is not None and e.as_of > planned:
            yield SEC_05.found(
                c.code, s.event.secondment_id,
                [s.started.position, *(x.position for x in s.extensions)],
                _doc(c, s, days_overdue=(e.as_of - planned).days),
            )  # fmt: skip


def again_too_soon(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-SEC-06."""
    years = e.params.secondment.years_between
    ended: list[SecondmentRecord] = []
    for s in sorted(c.secondments, key=lambda r: (r.event.start_date, r.started.version)):
        previous = [r for r in ended if _before(r.end_date, s.event.start_date)]
        if previous:
            last = max(previous, key=lambda r: (r.end_date or date.min, r.started.version))
            assert last.ended is not None and last.end_date is not None
            if s.event.start_date < add_years(last.end_date, years):
                yield SEC_06.found(
                    c.code, s.event.secondment_id, [last.ended.position, s.started.position],
                    _doc(c, s, previous_secondment=last.event.secondment_id,
                         previous_ended=iso(last.end_date),
                         allowed_from=iso(add_years(last.end_date, years))),
                )  # fmt: skip
        if s.ended is not None:
            ended.append(s)


def _before(end: date | None, start: date) -> bool:
    return end is not None and end <= start


def upward(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-SEC-07: a warning resolved by recording a justification (from the 2024 rule on)."""
    county, since = Level.COUNTY.rank, e.params.secondment.upward_warning_from
    for s in c.secondments:
        folded = secondment_home(c, s)
        home = _rank(folded.level) if folded else 0
        if 0 < home <= county and _rank(s.event.host_level) > home and s.event.start_date >= since:
            yield SEC_07.found(c.code, s.event.secondment_id, [s.started.position], _doc(c, s))
