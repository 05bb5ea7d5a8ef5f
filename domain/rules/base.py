"""What rules read and yield: positioned events in, candidate findings out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from domain.rules.dates import WorkingCalendar
from domain.rules.parameters import RuleParameters

VIOLATION = "violation"
WARNING = "warning"


@dataclass(frozen=True)
class Entry:
    """One stored event and its global position (what a finding cites as evidence)."""

    position: int
    event: Any

    @property
    def version(self) -> int:
        """The event's version within its aggregate."""
        version: int = self.event.originator_version
        return version


@dataclass(frozen=True)
class Candidate:
    """A finding a rule yields: the supervision process records it, back-testing shows it."""

    rule: str
    severity: str
    subject_kind: str
    subject_code: str
    anchor: str
    evidence: tuple[int, ...]
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What identifies the finding: rule, subject and anchor."""
        return (self.rule, self.subject_kind, self.subject_code, self.anchor)


class UnitDirectory(Protocol):
    """What the rules know of units beyond a cadre's own record: which share their staff."""

    def joint(self, code: str) -> frozenset[str]:
        """The units that share staff with ``code`` (合署: one organ), ``code`` included."""
        ...


class NoJointUnits:
    """A directory where every unit is an organ of its own."""

    def joint(self, code: str) -> frozenset[str]:
        """Only the unit itself."""
        return frozenset({code})


@dataclass(frozen=True)
class Evaluation:
    """The evaluation date and what every rule is evaluated with."""

    as_of: date
    params: RuleParameters
    calendar: WorkingCalendar
    units: UnitDirectory = field(default_factory=NoJointUnits)


@dataclass(frozen=True)
class Rule:
    """One entry of the catalogue (RULES.md)."""

    id: str
    severity: str
    subject: str  # cadre | unit | complaint
    group: str  # the rules file section holding its parameters
    summary: str
    time_based: bool = False
    also_about: tuple[str, ...] = ()  # other kinds of subject it judges (R-DATA-01: complaints)

    @property
    def subjects(self) -> tuple[str, ...]:
        """Every kind of subject the rule judges, its usual one first."""
        return (self.subject, *self.also_about)

    def found(
        self,
        subject_code: str,
        anchor: str,
        evidence: Iterable[int],
        details: Mapping[str, Any],
        subject_kind: str | None = None,
    ) -> Candidate:
        """A candidate finding of this rule (about its usual kind of subject unless told)."""
        kind = subject_kind or self.subject
        if kind not in self.subjects:
            raise ValueError(f"{self.id} judges {', '.join(self.subjects)}, not {kind}")
        return Candidate(
            rule=self.id,
            severity=self.severity,
            subject_kind=kind,
            subject_code=subject_code,
            anchor=anchor,
            evidence=tuple(sorted(set(evidence))),
            details=dict(details),
        )


Check = Callable[..., Iterator[Candidate]]


def iso(day: date | None) -> str | None:
    """A date as the ISO text findings carry."""
    return day.isoformat() if day is not None else None


def as_date(value: Any) -> date | None:
    """A stored date (a date, or its ISO text), or None."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
