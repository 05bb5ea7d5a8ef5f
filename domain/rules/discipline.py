"""R-DISC-01..03: admonishments, sanctions and investigations block promotion and transfer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from domain.rules.base import VIOLATION, Candidate, Entry, Evaluation, Rule, iso
from domain.rules.career import Career
from domain.rules.dates import add_months
from domain.rules.parameters import DisciplineParameters
from domain.rules.township import anchor
from domain.values import SanctionKind

UNKNOWN_PROBATION_TERM = 24  # 留党察看 recorded without its term: judged by the longer one

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


Influence = tuple[date, date | None]
"""An influence period (影响期): from the sanction's day up to (not including) its end; an
end of None never comes."""


def influence(sanction: Entry, p: DisciplineParameters) -> Influence | None:
    """The influence period of a sanction (None for a kind the rules file gives none).

    留党察看 lasts its term (12 or 24 months; 24 when the record does not say) plus
    ``party_probation_after_months``; the kinds in ``permanent_kinds`` (开除) never end.
    """
    event = sanction.event
    if event.kind in p.permanent_kinds:
        return event.date, None
    if event.kind == SanctionKind.PARTY_PROBATION:
        term = event.term_months or UNKNOWN_PROBATION_TERM
        return event.date, add_months(event.date, term + p.party_probation_after_months)
    if event.kind in p.sanction_months:
        return event.date, add_months(event.date, p.sanction_months[event.kind])
    return None


def _covers(period: Influence | None, day: date) -> bool:
    if period is None:
        return False
    start, end = period
    return start <= day and (end is None or day < end)


def _end(period: Influence | None) -> date | None:
    return period[1] if period else None


def within_sanction(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-DISC-02."""
    periods = {x.position: influence(x, e.params.discipline) for x in c.sanctions}
    for a in c.promotions():
        decided = a.event.decided_on
        hits = [x for x in c.sanctions if _covers(periods[x.position], decided)]
        if hits:
            yield DISC_02.found(
                c.code, anchor(a), [a.position, *(x.position for x in hits)],
                {
                    "decided_on": iso(decided), "unit": a.event.unit, "post": a.event.post,
                    "sanctions": [
                        {"kind": x.event.kind, "date": iso(x.event.date),
                         "term_months": x.event.term_months,
                         "until": iso(_end(periods[x.position]))}
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
