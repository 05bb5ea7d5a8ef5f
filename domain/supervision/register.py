"""Turns candidate findings into Finding events: raise, reraise, withdraw or remedy.

Finding ids derive from (rule, subject, anchor), so evaluating the same history again finds
the same aggregates and records nothing new. Which findings exist for a subject is read from
the store itself (every ``FindingRaised``), never from a view that may lag behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import get_topic

from domain.clock import Clock
from domain.finding import Finding, FindingRaised
from domain.rules import Candidate
from domain.store import Store
from domain.supervision.evaluation import candidate_id
from domain.values import Recording

SUPERVISOR = "jiandu-supervisor"
"""Who records the supervision process's events, and its tracking name."""

Subject = tuple[str, str]
_RAISED = get_topic(FindingRaised)


@dataclass
class Tally:
    """What a run recorded."""

    raised: int = 0
    remedied: int = 0
    withdrawn: int = 0

    def add(self, other: Tally) -> None:
        """Count another run's changes too."""
        self.raised += other.raised
        self.remedied += other.remedied
        self.withdrawn += other.withdrawn

    def since(self, before: Tally) -> Tally:
        """What was counted after ``before`` was taken."""
        return Tally(
            self.raised - before.raised,
            self.remedied - before.remedied,
            self.withdrawn - before.withdrawn,
        )

    def as_dict(self) -> dict[str, int]:
        """The answer of ``POST /rules/sweep``."""
        return {"raised": self.raised, "remedied": self.remedied, "withdrawn": self.withdrawn}


class FindingIndex:
    """Every finding id raised so far, by subject, read incrementally from the store.

    It grows with the findings the log has caused (about one per event in a busy province),
    so each subject's ids are kept packed (16 bytes each) rather than as a set of ``UUID``
    objects (about 150 bytes each)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.seen = 0
        self.by_subject: dict[Subject, bytes] = {}
        self.size = 0  # ids kept

    def refresh(self) -> None:
        """Read the FindingRaised events recorded since the last refresh."""
        while True:
            batch = self.store.recorder.select_notifications(
                start=self.seen + 1, limit=1000, topics=[_RAISED]
            )
            for n in batch:
                event = self.store.decode(n)
                self.add((event.subject_kind, event.subject_code), UUID(str(n.originator_id)))
            if batch:
                self.seen = batch[-1].id
            if len(batch) < 1000:
                return

    def add(self, subject: Subject, fid: UUID) -> None:
        """Remember a finding of a subject (once)."""
        packed = self.by_subject.get(subject, b"")
        if not _holds(packed, fid.bytes):
            self.by_subject[subject] = packed + fid.bytes
            self.size += 1

    def knows(self, subject: Subject, fid: UUID) -> bool:
        """Whether a finding of that id was raised about the subject (as of the last refresh)."""
        return _holds(self.by_subject.get(subject, b""), fid.bytes)

    def ids(self, subject: Subject) -> set[UUID]:
        """The findings ever raised about a subject."""
        packed = self.by_subject.get(subject, b"")
        return {UUID(bytes=packed[i : i + 16]) for i in range(0, len(packed), 16)}

    def besides(self, subject: Subject, found: Iterable[UUID]) -> set[UUID]:
        """The findings ever raised about a subject, but those ``found`` (the ids judged to
        hold now: the many unchanged are never unpacked)."""
        packed = self.by_subject.get(subject, b"")
        skip = {fid.bytes for fid in found}
        return {
            UUID(bytes=b)
            for i in range(0, len(packed), 16)
            if (b := packed[i : i + 16]) not in skip
        }


def _holds(packed: bytes, fid: bytes) -> bool:
    """Whether 16-byte ``fid`` is one of the ids packed."""
    at = packed.find(fid)
    while at >= 0 and at % 16:
        at = packed.find(fid, at + 1)
    return at >= 0


@dataclass
class Judged:
    """One subject evaluated: what holds ``now`` (as of a date, up to a position), and how to
    judge it as it stood when an earlier finding was raised."""

    as_of: date
    upto: int
    now: list[Candidate]
    before: Callable[[int, date], Iterable[Candidate]]
    remedied_on: Callable[[int, date], date]


def _newer(finding: Finding, judged: Judged) -> bool:
    """Whether the finding was judged on a longer history of its subject than ``judged``:
    then ``judged`` is late (a process beside the one that judged it, fed out of order, read
    the log before that one wrote), and it must not undo what the longer history showed."""
    return int(finding.details.get("evaluated_upto", 0)) > judged.upto


class FindingWork:
    """The finding changes of one batch, kept in memory until they are saved together."""

    def __init__(self, store: Store, index: FindingIndex, clock: Clock) -> None:
        self.store = store
        self.index = index
        self.ctx = Recording(by=SUPERVISOR, at=clock.now(), today=clock.today())
        self.loaded: dict[UUID, Finding | None] = {}
        self.new: dict[UUID, Subject] = {}
        self._new_of: dict[Subject, set[UUID]] = {}  # the same, by subject
        self.tally = Tally()

    def finding(self, fid: UUID, subject: Subject | None = None) -> Finding | None:
        """The finding of that id as stored, or as changed in this batch. Given the subject it
        is about, one the index never saw raised is not looked for in the store: it was never
        raised, or a rival process raised it since the index's refresh, and then saving this
        work fails whole (ConcurrentWrite: the new finding's first version is taken) and it is
        judged again after a refresh, as when the rival's commit falls between a read and the
        save. Most candidates judged are never raised: each read spared is a store query."""
        if fid not in self.loaded:
            if subject is not None and not self.index.knows(subject, fid):
                self.loaded[fid] = None
                return None
            found: object
            try:
                found = self.store.repository.get(fid)
            except AggregateNotFoundError:
                found = None
            self.loaded[fid] = found if isinstance(found, Finding) else None
        return self.loaded[fid]

    def reconcile(self, subject: Subject, judged: Judged) -> None:
        """Record what changed for a subject judged as of a date.

        A holding finding no longer found is *remedied* when the history as now known, less
        what happened since it was raised, still shows it (the condition stopped since), and
        *withdrawn* when it does not (a retraction or a back-dated entry removed its basis).
        """
        current = {candidate_id(c): c for c in judged.now}
        for fid, candidate in current.items():
            self._hold(fid, candidate, judged)
        gone = self.index.besides(subject, current) | (
            self._new_of.get(subject, set()) - set(current)
        )
        for fid in sorted(gone):
            finding = self.finding(fid)
            if finding is None or not finding.holds or _newer(finding, judged):
                continue
            day = date.fromisoformat(
                finding.details.get("evaluated_as_of", judged.as_of.isoformat())
            )
            position = int(finding.details.get("evaluated_upto", judged.upto))
            if fid in {candidate_id(c) for c in judged.before(position, day)}:
                finding.remedy(self.ctx, on=judged.remedied_on(position, day))
                self.tally.remedied += 1
            else:
                finding.withdraw(
                    self.ctx,
                    reason="a correction removed its basis: the history as now known does not "
                    f"show it on {day.isoformat()}",
                )
                self.tally.withdrawn += 1

    def _hold(self, fid: UUID, c: Candidate, judged: Judged) -> None:
        details: dict[str, Any] = {
            **c.details, "evaluated_as_of": judged.as_of.isoformat(), "evaluated_upto": judged.upto,
        }  # fmt: skip
        finding = self.finding(fid, (c.subject_kind, c.subject_code))
        if finding is None:
            finding = Finding.raise_(
                self.ctx, rule=c.rule, severity=c.severity, subject_kind=c.subject_kind,
                subject_code=c.subject_code, anchor=c.anchor, evidence=list(c.evidence),
                details=details,
            )  # fmt: skip
            self.loaded[fid] = finding
            self.new[fid] = (c.subject_kind, c.subject_code)
            self._new_of.setdefault(self.new[fid], set()).add(fid)
            self.tally.raised += 1
        elif finding.status in {"withdrawn", "remedied"} and not _newer(finding, judged):
            finding.reraise(self.ctx, evidence=list(c.evidence), details=details)
            self.tally.raised += 1

    def changed(self) -> list[Finding]:
        """The findings with events to save."""
        return [f for f in self.loaded.values() if f is not None and f.pending_events]

    def saved(self) -> None:
        """The changes are in the store: the index learns the new findings."""
        for fid, subject in self.new.items():
            self.index.add(subject, fid)
