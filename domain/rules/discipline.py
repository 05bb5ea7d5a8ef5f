"""R-DISC-01..03: admonishments, sanctions and investigations block promotion and transfer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from domain.rules.base import VIOLATION, Candidate, Entry, Evaluation, Rule, iso
from domain.rules.career import Career
from domain.rules.dates import add_months
from domain.rules.township import anchor

DISC_01 = Rule(
    "R-DISC-01", VIOLATION, "cadre", "discipline",
    "A promotion is decided within 6 months after an admonishment (诫勉).",
)  # fmt: skip
DISC_02 = Rule(
    "R-DISC-02", VIOLATION, "cadre", "discipline",
    "A promotion is decided within a sanction's influence period (影响期).",
)  # fmt: skip
DISC_03 = Rule(
    "R-DISC-03", VIOLATION, "cadre", "discipline",
    "A transfer or promotion takes effect while an investigation of the cadre is open.",
)  # fmt: skip


def _within(start: date, months: int, day: date) -> bool:
    return start <= day < add_months(start, months)


def after_admonishment(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-DISC-01."""
    months = e.params.discipline.admonishment_months
    for a in c.promotions():
        hits = [x for x in c.admonishments if _within(x.event.date, months, a.event.decided_on)]
        if hits:
            yield DISC_01.found(
                c.code, anchor(a), [a.position, *(x.position for x in hits)],
                {
                    "decided_on": iso(a.event.decided_on), "unit": a.event.unit,
                    "post": a.event.post, "admonished_on": [iso(x.event.date) for x in hits],
                    "blocked_until": iso(max(add_months(x.event.date, months) for x in hits)),
                    "units": [a.event.unit],
                },
            )  # fmt: skip


def within_sanction(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-DISC-02."""
    periods = e.params.discipline.sanction_months
    for a in c.promotions():
        hits = [
            x
            for x in c.sanctions
            if x.event.kind in periods
            and _within(x.event.date, periods[x.event.kind], a.event.decided_on)
        ]
        if hits:
            yield DISC_02.found(
                c.code, anchor(a), [a.position, *(x.position for x in hits)],
                {
                    "decided_on": iso(a.event.decided_on), "unit": a.event.unit,
                    "post": a.event.post,
                    "sanctions": [
                        {"kind": x.event.kind, "date": iso(x.event.date),
                         "until": iso(add_months(x.event.date, periods[x.event.kind]))}
                        for x in hits
                    ],
                    "units": [a.event.unit],
                },
            )  # fmt: skip


def under_investigation(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-DISC-03: open from the opening day until (not including) the closing day."""
    acts: list[Entry] = [*c.transfers, *c.promotions()]
    for act in sorted(acts, key=lambda x: x.version):
        day = act.event.effective_date
        open_ones = [
            (opened, c.closings.get(key))
            for key, opened in c.openings.items()
            if opened.event.opened_on <= day and _still_open(c.closings.get(key), day)
        ]
        if open_ones:
            yield DISC_03.found(
                c.code, anchor(act), [act.position, *(o.position for o, _ in open_ones)],
                {
                    "act": type(act.event).__name__, "effective_date": iso(day),
                    "investigations": [
                        {"investigation_id": o.event.investigation_id,
                         "opened_on": iso(o.event.opened_on),
                         "closed_on": iso(x.event.closed_on) if x else None}
                        for o, x in open_ones
                    ],
                    "units": sorted({u for u in (getattr(act.event, "unit", None),
                                                 getattr(act.event, "to_unit", None)) if u}),
                },
            )  # fmt: skip


def _still_open(closed: Entry | None, day: date) -> bool:
    return closed is None or closed.event.closed_on > day
