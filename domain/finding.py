"""The Finding aggregate (问题线索): written by the supervision process, worked by inspectors."""

from __future__ import annotations

import datetime as dt
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate

from domain.errors import InvariantViolated
from domain.ids import finding_id
from domain.values import Recording

RESOLUTIONS = {"remedied", "waived", "false_positive"}


class FindingEvent(Aggregate.Event):
    """Base of finding events: who recorded it."""

    class_version = 1
    recorded_by: str


class FindingRaised(Aggregate.Created):
    """A rule fired over the history; the evidence cites event positions."""

    class_version = 1
    recorded_by: str
    rule: str
    severity: str
    subject_kind: str
    subject_code: str
    anchor: str
    evidence: list[int]
    details: dict[str, Any]


class FindingReraised(FindingEvent):
    """A withdrawn or remedied finding holds again (new evidence)."""

    evidence: list[int]
    details: dict[str, Any]

    def apply(self, aggregate: Any) -> None:
        aggregate.status = "open"
        aggregate.evidence = list(self.evidence)
        aggregate.details = dict(self.details)


class FindingWithdrawn(FindingEvent):
    """A correction removed the finding's basis."""

    reason: str

    def apply(self, aggregate: Any) -> None:
        aggregate.status = "withdrawn"


class FindingRemedied(FindingEvent):
    """The condition stopped holding (e.g. the secondee returned)."""

    date: dt.date

    def apply(self, aggregate: Any) -> None:
        aggregate.status = "remedied"


class FindingAcknowledged(FindingEvent):
    """An inspector took the finding up."""

    note: str

    def apply(self, aggregate: Any) -> None:
        aggregate.status = "acknowledged"


class FindingResolved(FindingEvent):
    """Closed by an inspector: remedied, waived (with an approval) or a false positive."""

    resolution: str
    note: str
    approval: dict[str, Any] | None

    def apply(self, aggregate: Any) -> None:
        aggregate.status = "resolved"
        aggregate.resolution = self.resolution


class Finding(Aggregate):
    """One finding of one rule about one subject."""

    def __init__(
        self,
        recorded_by: str,
        rule: str,
        severity: str,
        subject_kind: str,
        subject_code: str,
        anchor: str,
        evidence: list[int],
        details: dict[str, Any],
    ) -> None:
        self.rule = rule
        self.severity = severity
        self.subject_kind = subject_kind
        self.subject_code = subject_code
        self.anchor = anchor
        self.evidence = list(evidence)
        self.details = dict(details)
        self.status = "open"
        self.resolution: str | None = None

    @classmethod
    def raise_(
        cls,
        ctx: Recording,
        *,
        rule: str,
        severity: str,
        subject_kind: str,
        subject_code: str,
        anchor: str,
        evidence: list[int],
        details: dict[str, Any],
    ) -> Finding:
        """Raise a finding; its id derives from (rule, subject, anchor)."""
        return cls._create(
            FindingRaised,
            id=finding_id(rule, f"{subject_kind}:{subject_code}", anchor),
            timestamp=ctx.at,
            recorded_by=ctx.by,
            rule=rule,
            severity=severity,
            subject_kind=subject_kind,
            subject_code=subject_code,
            anchor=anchor,
            evidence=list(evidence),
            details=dict(details),
        )

    @property
    def holds(self) -> bool:
        """Whether the platform currently considers the condition present."""
        return self.status in {"open", "acknowledged"}

    def reraise(self, ctx: Recording, *, evidence: list[int], details: dict[str, Any]) -> None:
        """The condition holds again after a withdrawal or remedy."""
        if self.status not in {"withdrawn", "remedied"}:
            raise InvariantViolated(f"finding is {self.status}, not withdrawn or remedied")
        self.trigger_event(
            FindingReraised,
            timestamp=ctx.at,
            recorded_by=ctx.by,
            evidence=evidence,
            details=details,
        )

    def withdraw(self, ctx: Recording, *, reason: str) -> None:
        """The basis is gone (a retraction or a back-dated entry)."""
        self._require_holding()
        self.trigger_event(FindingWithdrawn, timestamp=ctx.at, recorded_by=ctx.by, reason=reason)

    def remedy(self, ctx: Recording, *, on: date) -> None:
        """The condition stopped holding."""
        self._require_holding()
        self.trigger_event(FindingRemedied, timestamp=ctx.at, recorded_by=ctx.by, date=on)

    def acknowledge(self, ctx: Recording, *, note: str) -> None:
        """An inspector took it up."""
        if self.status != "open":
            raise InvariantViolated(
                f"only an open finding can be acknowledged (it is {self.status})"
            )
        self.trigger_event(FindingAcknowledged, timestamp=ctx.at, recorded_by=ctx.by, note=note)

    def resolve(
        self, ctx: Recording, *, resolution: str, note: str, approval: dict[str, Any] | None
    ) -> None:
        """Close it; a waiver needs an approval on record."""
        if resolution not in RESOLUTIONS:
            raise InvariantViolated(f"resolution must be one of {sorted(RESOLUTIONS)}")
        if resolution == "waived" and not approval:
            raise InvariantViolated("a waiver needs an approval on record")
        if self.status in {"resolved", "withdrawn"}:
            raise InvariantViolated(f"finding is {self.status} already")
        self.trigger_event(
            FindingResolved,
            timestamp=ctx.at,
            recorded_by=ctx.by,
            resolution=resolution,
            note=note,
            approval=approval,
        )

    def _require_holding(self) -> None:
        if not self.holds:
            raise InvariantViolated(f"finding is {self.status}")
