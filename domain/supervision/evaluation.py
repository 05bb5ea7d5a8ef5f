"""Evaluates the catalogue for one subject from the store's histories (records nothing)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypedDict, Unpack
from uuid import UUID

from domain.errors import NotFound
from domain.ids import finding_id
from domain.rules import (
    CadreHistory,
    Candidate,
    ComplaintHistory,
    Evaluation,
    RuleParameters,
    UnitHistory,
    WorkingCalendar,
    evaluate_cadre,
    evaluate_complaint,
)
from domain.rules.career import Career
from domain.rules.catalogue import evaluate_unit_careers
from domain.rules.team import UnitSubject
from domain.rules.unit_facts import CareerFacts
from domain.supervision.histories import Histories, KnownHistories

SUBJECT_KINDS = ("cadre", "unit", "complaint")


class CareerMemo:
    """Careers folded once for many unit evaluations: the cadres linked to a township are the
    same for every event of it, and most did not change since the last one. A history is
    known by its aggregate and the positions it holds, so a changed one is folded again.

    A career keeps its history's entries (the rules cite them), so the memo is bounded by the
    entries its careers hold, not by their number: careers grow with the log, and a bound in
    careers let the memo keep several times more decoded events alive than the histories the
    process keeps (``KnownHistories``). Least recently used first out."""

    def __init__(self, capacity: int = 50_000) -> None:
        self.capacity = capacity
        self._folds: OrderedDict[tuple[str, tuple[int, ...], date], Career] = OrderedDict()
        self._size = 0  # entries held by the careers kept

    def of(self, history: CadreHistory, as_of: date) -> Career:
        """The career of a history as of a date."""
        positions = tuple(e.position for e in history.entries)
        key = (history.code, positions, as_of)
        career = self._folds.get(key)
        if career is not None:
            self._folds.move_to_end(key)
            return career
        career = self._folds[key] = Career.of(history, as_of)
        self._size += len(positions) or 1
        while self._size > self.capacity and self._folds:
            (_, evicted, _), _ = self._folds.popitem(last=False)
            self._size -= len(evicted) or 1
        return career

    def __len__(self) -> int:
        return len(self._folds)

    @property
    def entries(self) -> int:
        """The entries the careers kept hold (what the bound counts)."""
        return self._size


def candidate_id(c: Candidate) -> UUID:
    """The id the finding of a candidate has (or would have) in the register."""
    return finding_id(c.rule, f"{c.subject_kind}:{c.subject_code}", c.anchor)


class UnitCut(TypedDict, total=False):
    """How much of the store a unit's evaluation reads (all of it by default)."""

    known_at: datetime | None
    """Only what was recorded by then (back-tests)."""
    upto: int | None
    """Only events up to this position."""
    also: Iterable[UUID]
    """Cadres to read besides those linked to the unit (one who just left it)."""
    settled: tuple[int, date] | None
    """Leave out what happened after this (position, day)."""


@dataclass
class Evaluator:
    """The rules, their parameters and the working-day calendar over the store's histories."""

    histories: Histories
    params: RuleParameters
    calendar: WorkingCalendar
    careers: CareerMemo = field(default_factory=lambda: CareerMemo())
    kept: KnownHistories | None = None
    """Histories (and careers' facts) an in-order process keeps between its batches."""

    def evaluation(self, as_of: date) -> Evaluation:
        """What the rules are evaluated with on a date."""
        return Evaluation(
            as_of=as_of, params=self.params, calendar=self.calendar, units=self.histories
        )

    def cadre(
        self,
        history: CadreHistory,
        as_of: date,
        known_at: datetime | None = None,
        upto: int | None = None,
    ) -> list[Candidate]:
        """The findings that hold for a cadre history."""
        return evaluate_cadre(history.upto(upto).known_at(known_at), self.evaluation(as_of))

    def unit(self, history: UnitHistory, as_of: date, **cut: Unpack[UnitCut]) -> list[Candidate]:
        """The findings that hold for a unit, over the cadres linked to it and to the units
        sharing its staff (``cut``: how much of the store is read)."""
        subject = self.unit_subject(history, as_of, **cut)
        if subject is None:
            return []
        return evaluate_unit_careers(
            subject.unit, subject.careers, self.evaluation(as_of), subject.partners
        )

    def unit_subject(
        self, history: UnitHistory, as_of: date, **cut: Unpack[UnitCut]
    ) -> UnitSubject | None:
        """What the unit rules (and the team statistics) read of a unit on a date: its
        history, the units sharing its staff, and the careers of the cadres linked to them."""
        known_at, upto, settled = cut.get("known_at"), cut.get("upto"), cut.get("settled")
        unit = history.upto(upto).known_at(known_at)
        if not unit:
            return None
        joint = sorted(self.histories.joint(unit.code) - {unit.code})
        partners = [self.histories.unit(c).upto(upto).known_at(known_at) for c in joint]
        linked = [i for code in (unit.code, *joint) for i in self.histories.cadres_linked_to(code)]
        ids = dict.fromkeys([*linked, *cut.get("also", ())])
        if settled is not None:
            unit = unit.before_developments(*settled)
            partners = [p.before_developments(*settled) for p in partners]
        # Kept facts are of histories up to the batch judged, as now known: not for a cut.
        kept = self.kept if known_at is None and settled is None else None
        found = {i: f for i in ids if kept is not None and (f := kept.facts(i, as_of)) is not None}
        self.histories.prefetch([i for i in ids if i not in found])
        for i in ids:
            if i in found:
                continue
            cadre = self.histories.cadre_by_id(i).upto(upto).known_at(known_at)
            if settled is not None:
                cadre = cadre.before_developments(*settled)
            facts = CareerFacts.of(self.careers.of(cadre, as_of)) if cadre else None
            found[i] = (facts,)
            if kept is not None:
                kept.keep_facts(i, as_of, facts)
        careers = tuple(c for i in ids if (c := found[i][0]) is not None)
        return UnitSubject(unit, tuple(p for p in partners if p), careers)

    def complaint(
        self, history: ComplaintHistory, as_of: date, known_at: datetime | None = None
    ) -> list[Candidate]:
        """The findings that hold for a complaint."""
        return evaluate_complaint(history.known_at(known_at), self.evaluation(as_of))

    def subject(
        self, kind: str, code: str, as_of: date, known_at: datetime | None = None
    ) -> list[Candidate]:
        """Back-testing: what would hold for a subject on a date, as known at a time."""
        if kind == "cadre":
            history = self.histories.cadre(code)
            if not history.known_at(known_at):
                raise NotFound(f"cadre {code} not found")
            return self.cadre(history, as_of, known_at)
        if kind == "unit":
            unit = self.histories.unit(code)
            if not unit.known_at(known_at):
                raise NotFound(f"unit {code} not found")
            return self.unit(unit, as_of, known_at=known_at)
        if kind == "complaint":
            complaint = self.histories.complaint(code)
            if not complaint.known_at(known_at):
                raise NotFound("complaint not found")
            return self.complaint(complaint, as_of, known_at)
        raise ValueError(f"subject kind must be one of {', '.join(SUBJECT_KINDS)}")
