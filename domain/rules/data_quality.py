"""R-DATA-01/02: entries recorded long after they took effect (补录), and posts held outside
the home unit without a transfer or secondment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from domain import cadre_events as ev
from domain.rules.base import WARNING, Candidate, Entry, Evaluation, Rule, iso
from domain.rules.career import Career
from domain.rules.township import anchor

DATA_01 = Rule(
    "R-DATA-01", WARNING, "cadre", "data",
    "An entry is recorded more than 30 days after its effective date (补录), or a complaint "
    "step after the deadline it claims to meet.",
    also_about=("complaint",),
)  # fmt: skip
DATA_02 = Rule(
    "R-DATA-02", WARNING, "cadre", "data",
    "A cadre is appointed to a post outside the home unit without a transfer or secondment "
    "there.",
)  # fmt: skip
# Entries of the personnel file (档案) are about the past by nature: never late entries.
NEVER_LATE = (ev.PriorServiceRecorded,)


def late_entry(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-DATA-01 over every live career event in effect."""
    p = e.params.data
    for entry in c.facts:
        event = entry.event
        if isinstance(event, NEVER_LATE):
            continue
        if type(event).__name__ in p.exempt_types or event.recorded_by in p.exempt_recorders:
            continue
        recorded = event.timestamp.date()
        delay = (recorded - event.effective).days
        if delay > p.late_entry_days:
            units = sorted({getattr(event, n) for n in ("unit", "to_unit", "host_unit")
                            if getattr(event, n, None)})  # fmt: skip
            yield DATA_01.found(
                c.code, anchor(entry), [entry.position],
                {
                    "event": type(event).__name__, "effective_date": iso(event.effective),
                    "recorded_on": iso(recorded), "recorded_by": event.recorded_by,
                    "days_late": delay, "units": units,
                },
            )  # fmt: skip


def late_step(
    code: str, entry: Entry, deadline: date | None, e: Evaluation, more: dict[str, Any]
) -> Candidate | None:
    """R-DATA-01 for one complaint handling step: recorded more than N days after its date, or
    after the deadline its date meets (a step dated in time but recorded late)."""
    event = entry.event
    p = e.params.data
    if event.recorded_by in p.exempt_recorders:
        return None
    recorded, dated = event.timestamp.date(), event.date
    breaches = []
    if (recorded - dated).days > p.late_entry_days:
        breaches.append(f"recorded {(recorded - dated).days} days after its date")
    if deadline is not None and dated <= deadline < recorded:
        breaches.append(f"dated on or before its deadline {deadline}, recorded after it")
    if not breaches:
        return None
    return DATA_01.found(
        code, f"v{entry.version}", [entry.position],
        {
            "event": type(event).__name__, "effective_date": iso(dated),
            "recorded_on": iso(recorded), "recorded_by": event.recorded_by,
            "days_late": (recorded - dated).days, "deadline": iso(deadline),
            "breaches": breaches, **more,
        },
        subject_kind="complaint",
    )  # fmt: skip


def _active(start: date, end: date | None, day: date) -> bool:
    return start <= day and (end is None or day < end)


def post_outside_home(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-DATA-02: the post's unit is neither the home unit (or a unit sharing its staff, 合署)
    nor the host of a secondment in effect that day."""
    for a in c.appointments:
        day = a.event.effective_date
        home = c.home_on(day)
        if home is None:
            continue  # no recruitment on record: no home unit to judge from
        allowed = set(e.units.joint(home.unit))
        hosts = [s for s in c.secondments if _active(s.event.start_date, s.end_date, day)]
        for s in hosts:
            allowed |= e.units.joint(s.event.host_unit)
        if a.event.unit in allowed:
            continue
        yield DATA_02.found(
            c.code, anchor(a), [a.position, home.entry.position],
            {
                "unit": a.event.unit, "post": a.event.post, "effective_date": iso(day),
                "home_unit": home.unit, "seconded_to": [s.event.host_unit for s in hosts],
                "units": sorted({a.event.unit, home.unit}),
            },
        )  # fmt: skip
