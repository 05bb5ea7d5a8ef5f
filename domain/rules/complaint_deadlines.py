"""R-PET-01..03: complaint handling deadlines (《信访工作条例》; 检举控告工作规则)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from domain import complaint as cp
from domain.rules.base import VIOLATION, Candidate, Entry, Evaluation, Rule, iso
from domain.rules.data_quality import late_step
from domain.rules.dates import add_working_days, calendar_note
from domain.rules.history import ComplaintHistory

PET_01 = Rule(
    "R-PET-01", VIOLATION, "complaint", "complaints",
    "A complaint is not accepted, declined or forwarded within 15 days of receipt.",
    time_based=True,
)  # fmt: skip
PET_02 = Rule(
    "R-PET-02", VIOLATION, "complaint", "complaints",
    "An accepted complaint is not concluded within 60 days (plus its extension).",
    time_based=True,
)  # fmt: skip
PET_03 = Rule(
    "R-PET-03", VIOLATION, "complaint", "complaints",
    "A named reporter is not notified within 15 working days of the conclusion.",
    time_based=True,
)  # fmt: skip

_DECISIONS = (cp.ComplaintAccepted, cp.ComplaintDeclined, cp.ComplaintForwarded)


@dataclass
class Handling:
    """A complaint's steps in effect on the evaluation date."""

    code: str
    filed: Entry
    decision: Entry | None = None
    accepted: Entry | None = None
    extensions: list[Entry] = field(default_factory=list)
    concluded: Entry | None = None
    notified: Entry | None = None
    steps: list[Entry] = field(default_factory=list)

    @classmethod
    def of(cls, history: ComplaintHistory, as_of: date) -> Handling | None:
        """The handling as of a date (None when the complaint was not filed by then)."""
        filed = history.entries[0] if history.entries else None
        if filed is None or not isinstance(filed.event, cp.ComplaintFiled):
            return None
        if filed.event.received_at.date() > as_of:
            return None
        handling = cls(history.code, filed)
        for entry in history.entries[1:]:
            event = entry.event
            if isinstance(event, cp.ComplaintDeadlineExtended):
                if event.timestamp.date() <= as_of:
                    handling.extensions.append(entry)
            elif isinstance(event, cp._Transition) and event.date <= as_of:
                handling._step(entry)
        return handling

    def _step(self, entry: Entry) -> None:
        event = entry.event
        self.steps.append(entry)
        if isinstance(event, _DECISIONS):
            self.decision = entry
        if isinstance(event, cp.ComplaintAccepted):
            self.accepted = entry
        elif isinstance(event, cp.ComplaintConcluded):
            self.concluded = entry
        elif isinstance(event, cp.ReporterNotified):
            self.notified = entry

    def extension_days(self, conclude_within: int, most: int) -> tuple[int, list[Entry]]:
        """The days the conclusion deadline was lawfully extended by, and the extensions that
        count: each recorded on or before the conclude-by date it extends, at most ``most``
        days in all (an extension recorded too late extends nothing)."""
        if self.accepted is None:
            return 0, []
        accepted_on: date = self.accepted.event.date
        days, counted = 0, []
        for x in self.extensions:
            recorded, more = x.event.timestamp.date(), x.event.days
            if cp.extension_counts(accepted_on, days, recorded, more, conclude_within, most):
                days += more
                counted.append(x)
        return days, counted

    @property
    def received_on(self) -> date:
        """The day of receipt."""
        received: date = self.filed.event.received_at.date()
        return received

    def doc(self, **more: Any) -> dict[str, Any]:
        """Details every complaint finding carries (never the reporter)."""
        event = self.filed.event
        handler = self.accepted.event.handler_unit if self.accepted else None
        units = sorted({*event.subject_units, *([handler] if handler else [])})
        return {
            "category": event.category, "received_on": iso(self.received_on),
            "named": event.named, "subject_cadres": list(event.subject_cadres),
            "units": units, **more,
        }  # fmt: skip


def _late(done: Entry | None, due: date, as_of: date) -> date | None:
    """The day that shows the deadline was missed: the late step's date, or today."""
    if done is not None:
        day: date = done.event.date
        return day if day > due else None
    return as_of if as_of > due else None


def _positions(*entries: Entry | None) -> list[int]:
    return [e.position for e in entries if e is not None]


def undecided(h: Handling, e: Evaluation) -> Iterator[Candidate]:
    """R-PET-01."""
    due = h.received_on + timedelta(days=e.params.complaints.decide_within_days)
    late = _late(h.decision, due, e.as_of)
    if late is not None:
        yield PET_01.found(
            h.code, h.code, _positions(h.filed, h.decision),
            h.doc(decide_by=iso(due), decided_on=iso(late if h.decision else None),
                  days_late=(late - due).days),
        )  # fmt: skip


def unconcluded(h: Handling, e: Evaluation) -> Iterator[Candidate]:
    """R-PET-02."""
    if h.accepted is None:
        return
    p = e.params.complaints
    extension, counted = h.extension_days(p.conclude_within_days, p.max_extension_days)
    due = h.accepted.event.date + timedelta(days=p.conclude_within_days + extension)
    late = _late(h.concluded, due, e.as_of)
    if late is not None:
        yield PET_02.found(
            h.code, h.code, _positions(h.filed, h.accepted, *counted, h.concluded),
            h.doc(accepted_on=iso(h.accepted.event.date), extension_days=extension,
                  conclude_by=iso(due), concluded_on=iso(late if h.concluded else None),
                  days_late=(late - due).days),
        )  # fmt: skip


def unnotified(h: Handling, e: Evaluation) -> Iterator[Candidate]:
    """R-PET-03: named reporters only; working days after the conclusion."""
    if h.concluded is None or not h.filed.event.named:
        return
    concluded = h.concluded.event.date
    due = add_working_days(e.calendar, concluded, e.params.complaints.notify_within_working_days)
    late = _late(h.notified, due, e.as_of)
    if late is not None:
        yield PET_03.found(
            h.code, h.code, _positions(h.filed, h.concluded, h.notified),
            h.doc(concluded_on=iso(concluded), notify_by=iso(due),
                  notified_on=iso(late if h.notified else None), days_late=(late - due).days,
                  **calendar_note(e.calendar, concluded, due)),
        )  # fmt: skip


def deadlines(h: Handling, e: Evaluation) -> dict[type, date | None]:
    """The deadline each kind of handling step claims to meet."""
    p = e.params.complaints
    decide_by = h.received_on + timedelta(days=p.decide_within_days)
    conclude_by = notify_by = None
    if h.accepted is not None:
        extension, _ = h.extension_days(p.conclude_within_days, p.max_extension_days)
        conclude_by = h.accepted.event.date + timedelta(days=p.conclude_within_days + extension)
    if h.concluded is not None and h.filed.event.named:
        notify_by = add_working_days(
            e.calendar, h.concluded.event.date, p.notify_within_working_days
        )
    return {
        cp.ComplaintAccepted: decide_by, cp.ComplaintDeclined: decide_by,
        cp.ComplaintForwarded: decide_by, cp.ComplaintConcluded: conclude_by,
        cp.ReporterNotified: notify_by,
    }  # fmt: skip


def late_steps(h: Handling, e: Evaluation) -> Iterator[Candidate]:
    """R-DATA-01 for complaint handling steps (recorded long after, or after their deadline)."""
    due = deadlines(h, e)
    for entry in h.steps:
        found = late_step(h.code, entry, due.get(type(entry.event)), e, h.doc())
        if found is not None:
            yield found
