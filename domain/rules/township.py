"""R-TOWN-01..06: minimum service in the township system (乡镇最低服务年限) and township teams."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from domain.rules.base import VIOLATION, WARNING, Candidate, Entry, Evaluation, Rule, iso
from domain.rules.career import Career
from domain.rules.dates import add_years
from domain.rules.definitions import (
    TOWNSHIP,
    VILLAGE,
    continuous_spell,
    leavings,
    new_township_recruitment,
    reach_date,
    seconded_out_on,
    seconded_out_spans,
    subtract,
    township_recruitment,
)
from domain.values import Level, PostCategory

TOWN_01 = Rule(
    "R-TOWN-01", VIOLATION, "cadre", "township",
    "A township recruit is transferred before recruitment + 2 years (一律不得调动).",
)  # fmt: skip
TOWN_02 = Rule(
    "R-TOWN-02", VIOLATION, "cadre", "township",
    "A township recruit is transferred out of the township system within 5 years without a "
    "city approval.",
)  # fmt: skip
TOWN_03 = Rule(
    "R-TOWN-03", VIOLATION, "cadre", "township",
    "A non-leadership promotion in a township unit with under 5 continuous township years, or "
    "while seconded out (在岗).",
)  # fmt: skip
TOWN_05 = Rule(
    "R-TOWN-05", VIOLATION, "cadre", "township",
    "A township recruit leaves the township system within 5 years by resigning or by an "
    "appointment elsewhere without a transfer.",
)  # fmt: skip
TOWN_06 = Rule(
    "R-TOWN-06", WARNING, "cadre", "township",
    "A township recruit without township or village experience has no village dispatch (驻村) "
    "within a year of recruitment.",
    time_based=True,
)  # fmt: skip


def anchor(entry: Entry) -> str:
    """The anchor of a finding about one event: its version within the cadre's record."""
    return f"v{entry.version}"


def units(*codes: str | None) -> list[str]:
    """The unit codes a finding names (its ``details.units``)."""
    return sorted({c for c in codes if c})


def transfer_within_ban(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-TOWN-01."""
    recruited = township_recruitment(c)
    if recruited is None:
        return
    allowed = add_years(recruited.event.effective_date, e.params.township.transfer_ban_years)
    for t in c.transfers:
        if t.event.effective_date < allowed:
            yield TOWN_01.found(
                c.code, anchor(t), [recruited.position, t.position],
                {
                    "recruited_on": iso(recruited.event.effective_date),
                    "recruited_into": recruited.event.unit,
                    "transferred_on": iso(t.event.effective_date),
                    "to_unit": t.event.to_unit, "allowed_from": iso(allowed),
                    "units": units(recruited.event.unit, t.event.from_unit, t.event.to_unit),
                },
            )  # fmt: skip


def transfer_without_approval(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-TOWN-02: transfers that leave the township system in [R + 2, R + 5) years."""
    recruited = township_recruitment(c)
    if recruited is None:
        return
    p = e.params.township
    opens = add_years(recruited.event.effective_date, p.transfer_ban_years)
    closes = add_years(recruited.event.effective_date, p.approval_window_years)
    needed = Level(p.transfer_approval_level)
    for leaving in leavings(c):
        t = leaving.entry
        if leaving.how != "transfer" or not opens <= leaving.day < closes:
            continue
        level = (t.event.approval or {}).get("level")
        if level is not None and Level(level).rank >= needed.rank:
            continue
        yield TOWN_02.found(
            c.code, anchor(t), [recruited.position, t.position],
            {
                "recruited_on": iso(recruited.event.effective_date),
                "transferred_on": iso(leaving.day), "to_unit": leaving.to_unit,
                "to_level": leaving.to_level, "approval_level": level,
                "approval_needed": needed.value, "window_ends": iso(closes),
                "units": units(t.event.from_unit, leaving.to_unit),
            },
        )  # fmt: skip


def promotion_before_service(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-TOWN-03: 5 continuous years in township units, seconded-out time not counted, and
    not seconded out on the day (在编在职在岗)."""
    years = e.params.township.non_leadership_promotion_years
    for a in c.promotions():
        event = a.event
        if event.post_category != PostCategory.NON_LEADERSHIP or event.unit_level != TOWNSHIP:
            continue
        day = event.effective_date
        spell = continuous_spell(c, day)
        out = seconded_out_on(c, day)
        counted = subtract([spell], seconded_out_spans(c, day)) if spell else []
        required = reach_date(counted, years) if spell else None
        if out is None and required is not None and day >= required:
            continue
        homes = [h.entry.position for h in c.homes if spell is not None and h.start >= spell[0]]
        out_positions = [out.started.position] if out else []
        yield TOWN_03.found(
            c.code, anchor(a), [a.position, *homes, *out_positions],
            {
                "promoted_on": iso(day), "unit": event.unit, "post": event.post,
                "township_since": iso(spell[0]) if spell else None,
                "required_from": iso(required), "seconded_out": out is not None,
                "units": units(event.unit, out.event.host_unit if out else None),
            },
        )  # fmt: skip


def left_early(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-TOWN-05: resignations and appointments elsewhere before R + 5 years (transfers are
    R-TOWN-01/02's)."""
    recruited = township_recruitment(c)
    if recruited is None:
        return
    ends = add_years(recruited.event.effective_date, e.params.township.approval_window_years)
    for leaving in leavings(c):
        if leaving.day >= ends or not (leaving.resignation or leaving.how == "appointment"):
            continue
        yield TOWN_05.found(
            c.code, anchor(leaving.entry), [recruited.position, leaving.entry.position],
            {
                "recruited_on": iso(recruited.event.effective_date), "left_on": iso(leaving.day),
                "how": "resignation" if leaving.resignation else "appointment",
                "to_unit": leaving.to_unit, "to_level": leaving.to_level,
                "minimum_service_ends": iso(ends),
                "units": units(recruited.event.unit, leaving.to_unit),
            },
        )  # fmt: skip


def no_village_stay(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-TOWN-06: a dispatch starting within a year of R (the anniversary day included)."""
    recruited = new_township_recruitment(c)
    if recruited is None:
        return
    start = recruited.event.effective_date
    due = add_years(start, e.params.township.village_stay_within_years)
    if e.as_of <= due or _experienced(c, start):
        return
    if any(d.event.start_date <= due for d in c.dispatches):
        return
    left = [x for x in leavings(c) if x.day <= due]
    if left:
        return  # out of the township before the stay was due: nothing left to arrange
    yield TOWN_06.found(
        c.code, anchor(recruited), [recruited.position],
        {
            "recruited_on": iso(start), "recruited_into": recruited.event.unit,
            "dispatch_due_by": iso(due), "units": [recruited.event.unit],
        },
    )  # fmt: skip


def _experienced(c: Career, recruited: date) -> bool:
    """Township or village service before the recruitment (from the personnel file)."""
    return any(
        p.event.unit_level in (TOWNSHIP, VILLAGE) and p.event.from_date < recruited
        for p in c.prior_service
    )
