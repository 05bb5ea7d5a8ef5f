"""The Complaint aggregate (信访举报 / 检举控告), with the reporter's identity sealed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from eventsourcing.domain import Aggregate

from domain.errors import InvariantViolated
from domain.ids import complaint_id
from domain.values import Recording

MAX_EXTENSION_DAYS = 30
DECIDE_WITHIN_DAYS = 15
CONCLUDE_WITHIN_DAYS = 60

_STEP_HEADER = {"originator_id", "originator_version", "timestamp", "recorded_by"}

NEXT_STATES: dict[str, set[str]] = {
    "filed": {"accepted", "declined", "forwarded"},
    "accepted": {"concluded"},
    "declined": {"notified"},
    "forwarded": {"notified"},
    "concluded": {"notified"},
    "notified": set(),
}


class ComplaintEvent(Aggregate.Event):
    """Base of complaint events: who recorded it."""

    class_version = 1
    recorded_by: str


class ComplaintFiled(Aggregate.Created):
    """A complaint is received; the reporter identity is a sealed token, never clear text."""

    class_version = 1
    recorded_by: str
    receipt_fingerprint: str
    received_at: datetime
    channel: str
    named: bool
    reporter_sealed: str | None
    subject_cadres: list[str]
    subject_units: list[str]
    category: str
    title: str
    body: str


class _Transition(ComplaintEvent):
    """A step of the complaint's handling, dated."""

    to_state = ""
    date: dt.date

    def apply(self, aggregate: Any) -> None:
        aggregate.status = self.to_state
        aggregate.status_dates[self.to_state] = self.date
        aggregate.record_step(self, self.to_state)


class ComplaintAccepted(_Transition):
    """受理: accepted, with the unit that handles it."""

    to_state = "accepted"
    handler_unit: str


class ComplaintDeclined(_Transition):
    """不予受理: declined with a reason."""

    to_state = "declined"
    reason: str


class ComplaintForwarded(_Transition):
    """转送: forwarded to the competent authority."""

    to_state = "forwarded"
    to_authority: str


class ComplaintConcluded(_Transition):
    """办结: concluded with a finding and a summary."""

    to_state = "concluded"
    finding: str
    summary: str


class ReporterNotified(_Transition):
    """The reporter was told the outcome (反馈)."""

    to_state = "notified"
    method: str


def extension_counts(
    accepted_on: date,
    counted_days: int,
    recorded_on: date,
    days: int,
    within: int = CONCLUDE_WITHIN_DAYS,
    most: int = MAX_EXTENSION_DAYS,
) -> bool:
    """Whether an extension moves the deadline: recorded on or before the conclude-by date it
    extends, and keeping all extensions within ``most`` days (an extension recorded too late,
    as older records may hold, extends nothing)."""
    due = accepted_on + timedelta(days=within + counted_days)
    return recorded_on <= due and counted_days + days <= most


class ComplaintDeadlineExtended(ComplaintEvent):
    """The conclusion deadline moves; all extensions add up to at most 30 days."""

    days: int
    reason: str

    def apply(self, aggregate: Any) -> None:
        accepted = aggregate.status_dates.get("accepted")
        recorded = self.timestamp.date()
        if accepted is not None and extension_counts(
            accepted, aggregate.extension_days, recorded, self.days
        ):
            aggregate.extension_days += self.days
        aggregate.record_step(self, "extended")


class CaseNoteAdded(ComplaintEvent):
    """An officer's internal note."""

    text: str

    def apply(self, aggregate: Any) -> None:
        aggregate.notes.append({"at": self.timestamp, "by": self.recorded_by, "text": self.text})


class MessageToReporter(ComplaintEvent):
    """A message the reporter reads with the receipt."""

    text: str

    def apply(self, aggregate: Any) -> None:
        aggregate.messages.append({"from": "officer", "at": self.timestamp, "text": self.text})


class MessageFromReporter(ComplaintEvent):
    """A message the reporter sent with the receipt."""

    text: str

    def apply(self, aggregate: Any) -> None:
        aggregate.messages.append({"from": "reporter", "at": self.timestamp, "text": self.text})


@dataclass(frozen=True)
class Deadlines:
    """When a complaint must be decided on and concluded (信访工作条例)."""

    decide_by: date
    conclude_by: date | None


class Complaint(Aggregate):
    """A complaint and its handling."""

    def __init__(
        self,
        recorded_by: str,
        receipt_fingerprint: str,
        received_at: datetime,
        channel: str,
        named: bool,
        reporter_sealed: str | None,
        subject_cadres: list[str],
        subject_units: list[str],
        category: str,
        title: str,
        body: str,
    ) -> None:
        self.receipt_fingerprint = receipt_fingerprint
        self.received_at = received_at
        self.channel = channel
        self.named = named
        self.reporter_sealed = reporter_sealed
        self.subject_cadres = list(subject_cadres)
        self.subject_units = list(subject_units)
        self.category = category
        self.title = title
        self.body = body
        self.status = "filed"
        self.status_dates: dict[str, date] = {}
        self.extension_days = 0
        self.notes: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.steps: list[dict[str, Any]] = []

    def record_step(self, event: ComplaintEvent, step: str) -> None:
        """Keep a handling step with what it said (reason, authority, finding, summary, ...)."""
        said = {k: v for k, v in vars(event).items() if k not in _STEP_HEADER}
        self.steps.append({"step": step, "at": event.timestamp, "by": event.recorded_by, **said})

    @classmethod
    def file(
        cls,
        ctx: Recording,
        *,
        receipt_fingerprint: str,
        received_at: datetime,
        channel: str,
        named: bool,
        reporter_sealed: str | None,
        subject_cadres: list[str],
        subject_units: list[str],
        category: str,
        title: str,
        body: str,
    ) -> Complaint:
        """File a complaint; its id derives from its receipt's fingerprint."""
        if named and not reporter_sealed:
            raise InvariantViolated("a named complaint needs the reporter's (sealed) identity")
        if received_at > ctx.at:
            raise InvariantViolated("a complaint cannot be received in the future")
        return cls._create(
            ComplaintFiled,
            id=complaint_id(receipt_fingerprint),
            timestamp=ctx.at,
            recorded_by=ctx.by,
            receipt_fingerprint=receipt_fingerprint,
            received_at=received_at,
            channel=channel,
            named=named,
            reporter_sealed=reporter_sealed,
            subject_cadres=list(subject_cadres),
            subject_units=list(subject_units),
            category=category,
            title=title,
            body=body,
        )

    @property
    def received_on(self) -> date:
        """The day the complaint was received."""
        return self.received_at.date()

    def deadlines(self) -> Deadlines:
        """Decide within 15 days of receipt; conclude within 60 days of acceptance (+ extension)."""
        accepted = self.status_dates.get("accepted")
        conclude_by = None
        if accepted is not None:
            conclude_by = accepted + timedelta(days=CONCLUDE_WITHIN_DAYS + self.extension_days)
        return Deadlines(self.received_on + timedelta(days=DECIDE_WITHIN_DAYS), conclude_by)

    def accept(self, ctx: Recording, *, on: date, handler_unit: str) -> None:
        """受理."""
        self._move(ctx, ComplaintAccepted, on, handler_unit=handler_unit)

    def decline(self, ctx: Recording, *, on: date, reason: str) -> None:
        """不予受理."""
        self._move(ctx, ComplaintDeclined, on, reason=reason)

    def forward(self, ctx: Recording, *, on: date, to_authority: str) -> None:
        """转送."""
        self._move(ctx, ComplaintForwarded, on, to_authority=to_authority)

    def conclude(self, ctx: Recording, *, on: date, finding: str, summary: str) -> None:
        """办结."""
        self._move(ctx, ComplaintConcluded, on, finding=finding, summary=summary)

    def notify_reporter(self, ctx: Recording, *, on: date, method: str) -> None:
        """反馈: the reporter was told."""
        self._move(ctx, ReporterNotified, on, method=method)

    def extend(self, ctx: Recording, *, days: int, reason: str) -> None:
        """Extend the conclusion deadline while accepted: on or before the conclude-by date it
        extends, all extensions adding up to at most 30 days."""
        if self.status != "accepted":
            raise InvariantViolated(
                f"only an accepted complaint can be extended (it is {self.status})"
            )
        if not 1 <= days <= MAX_EXTENSION_DAYS:
            raise InvariantViolated(f"an extension is 1 to {MAX_EXTENSION_DAYS} days")
        conclude_by = self.deadlines().conclude_by
        if conclude_by is not None and ctx.at.date() > conclude_by:
            raise InvariantViolated(
                f"an extension is recorded on or before the conclude-by date it extends "
                f"({conclude_by}); that date has passed"
            )
        if self.extension_days + days > MAX_EXTENSION_DAYS:
            raise InvariantViolated(
                f"extensions add up to at most {MAX_EXTENSION_DAYS} days "
                f"({self.extension_days} used already)"
            )
        self.trigger_event(
            ComplaintDeadlineExtended,
            timestamp=ctx.at,
            recorded_by=ctx.by,
            days=days,
            reason=reason,
        )

    def add_note(self, ctx: Recording, *, text: str) -> None:
        """An internal case note."""
        self.trigger_event(CaseNoteAdded, timestamp=ctx.at, recorded_by=ctx.by, text=text)

    def message_reporter(self, ctx: Recording, *, text: str) -> None:
        """A message the reporter will read with the receipt."""
        self.trigger_event(MessageToReporter, timestamp=ctx.at, recorded_by=ctx.by, text=text)

    def message_from_reporter(self, ctx: Recording, *, text: str) -> None:
        """A message the reporter sent."""
        if self.status == "notified":
            raise InvariantViolated("the case is closed: the reporter was notified")
        self.trigger_event(MessageFromReporter, timestamp=ctx.at, recorded_by=ctx.by, text=text)

    def _move(
        self, ctx: Recording, event_class: type[_Transition], on: date, **fields: Any
    ) -> None:
        target = event_class.to_state
        if target not in NEXT_STATES[self.status]:
            raise InvariantViolated(f"a {self.status} complaint cannot become {target}")
        previous = max([self.received_on, *self.status_dates.values()])
        if on < previous:
            raise InvariantViolated(f"{target} on {on} is before the previous step ({previous})")
        if (on - ctx.today).days > 0:
            raise InvariantViolated(f"{target} on {on} is in the future")
        self.trigger_event(event_class, timestamp=ctx.at, recorded_by=ctx.by, date=on, **fields)
