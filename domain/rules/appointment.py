"""R-APPT-01..04: the appointment procedure (《党政领导干部选拔任用工作条例》)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from domain.rules.base import VIOLATION, Candidate, Entry, Evaluation, Rule, as_date, iso
from domain.rules.career import Career
from domain.rules.dates import add_months, add_years, calendar_note, working_days_between
from domain.rules.township import anchor
from domain.values import AppointmentKind, PostCategory

APPT_01 = Rule(
    "R-APPT-01", VIOLATION, "cadre", "appointment",
    "A promotion without a public notice of 5 working days between decision and effect.",
)  # fmt: skip
APPT_02 = Rule(
    "R-APPT-02", VIOLATION, "cadre", "appointment",
    "A promotion lacks one of the four procedure steps dated on or before the decision.",
)  # fmt: skip
APPT_03 = Rule(
    "R-APPT-03", VIOLATION, "cadre", "appointment",
    "A leadership appointment without an integrity talk on or before it takes effect.",
)  # fmt: skip
APPT_04 = Rule(
    "R-APPT-04", VIOLATION, "cadre", "appointment",
    "An exceptional promotion within a year of a promotion, or during probation.",
)  # fmt: skip


def _doc(a: Entry, **more: Any) -> dict[str, Any]:
    event = a.event
    return {
        "unit": event.unit, "post": event.post, "kind": event.kind,
        "decided_on": iso(event.decided_on), "effective_date": iso(event.effective_date),
        "document_no": event.document_no, "units": [event.unit], **more,
    }  # fmt: skip


def public_notice(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-APPT-01."""
    needed = e.params.appointment.public_notice_working_days
    for a in c.promotions():
        event, breaches, more = a.event, [], {}
        notice = event.public_notice or {}
        start, end = as_date(notice.get("start")), as_date(notice.get("end"))
        if start is None or end is None:
            breaches.append("no public notice")
        else:
            days = working_days_between(e.calendar, start, end)
            more = {"notice_start": iso(start), "notice_end": iso(end), "working_days": days}
            more.update(calendar_note(e.calendar, start, end))
            if days < needed:
                breaches.append(f"the notice covers {days} working days, fewer than {needed}")
            if start < event.decided_on:
                breaches.append("the notice starts before the decision")
            if event.effective_date < end:
                breaches.append("the appointment takes effect before the notice ends")
        if breaches:
            yield APPT_01.found(c.code, anchor(a), [a.position], _doc(a, breaches=breaches, **more))


def procedure(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-APPT-02."""
    for a in c.promotions():
        steps = a.event.procedure or {}
        missing, late = [], []
        for step in e.params.appointment.procedure_steps:
            day = as_date(steps.get(step))
            if day is None:
                missing.append(step)
            elif day > a.event.decided_on:
                late.append(step)
        if missing or late:
            yield APPT_02.found(
                c.code, anchor(a), [a.position], _doc(a, missing=missing, after_decision=late)
            )


def integrity_talk(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-APPT-03."""
    for a in c.appointments:
        if a.event.post_category != PostCategory.LEADERSHIP:
            continue
        talk = as_date(a.event.integrity_talk)
        if talk is None or talk > a.event.effective_date:
            yield APPT_03.found(c.code, anchor(a), [a.position], _doc(a, integrity_talk=iso(talk)))


def exceptional(c: Career, e: Evaluation) -> Iterator[Candidate]:
    """R-APPT-04."""
    years = e.params.appointment.exceptional_years_since_promotion
    promotions = c.promotions()
    for a in promotions:
        if a.event.kind != AppointmentKind.EXCEPTIONAL:
            continue
        day, evidence, breaches = a.event.effective_date, [a.position], []
        for earlier in promotions:
            was = earlier.event.effective_date
            if earlier is not a and was <= day < add_years(was, years):
                evidence.append(earlier.position)
                breaches.append(f"promoted on {was.isoformat()}, less than {years} year(s) before")
        probation_end = _probation_end(c)
        if probation_end is not None and day < probation_end and c.recruitment is not None:
            evidence.append(c.recruitment.position)
            breaches.append(f"in probation until {probation_end.isoformat()}")
        if breaches:
            yield APPT_04.found(c.code, anchor(a), evidence, _doc(a, breaches=breaches))


def _probation_end(c: Career) -> date | None:
    if c.recruitment is None or not c.recruitment.event.probation_months:
        return None
    if c.probation_completed is not None:
        completed: date = c.probation_completed.event.effective_date
        return completed
    return add_months(c.recruitment.event.effective_date, c.recruitment.event.probation_months)
