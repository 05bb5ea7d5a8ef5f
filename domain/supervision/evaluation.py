"""Evaluates the catalogue for one subject from the store's histories (records nothing)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
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
    evaluate_unit,
)
from domain.supervision.histories import Histories

SUBJECT_KINDS = ("cadre", "unit", "complaint")


def candidate_id(c: Candidate) -> UUID:
    """The id the finding of a candidate has (or would have) in the register."""
    return finding_id(c.rule, f"{c.subject_kind}:{c.subject_code}", c.anchor)


@dataclass
class Evaluator:
    """The rules, their parameters and the working-day calendar over the store's histories."""

    histories: Histories
    params: RuleParameters
    calendar: WorkingCalendar

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

    def unit(
        self,
        history: UnitHistory,
        as_of: date,
        known_at: datetime | None = None,
        upto: int | None = None,
        also: Iterable[UUID] = (),
        settled: tuple[int, date] | None = None,
    ) -> list[Candidate]:
        """The findings that hold for a unit, over the cadres linked to it (and ``also``);
        ``settled`` leaves out what happened after a (position, day)."""
        unit = history.upto(upto).known_at(known_at)
        if not unit:
            return []
        ids = dict.fromkeys([*self.histories.cadres_linked_to(unit.code), *also])
        cadres = [self.histories.cadre_by_id(i).upto(upto).known_at(known_at) for i in ids]
        if settled is not None:
            unit = unit.before_developments(*settled)
            cadres = [c.before_developments(*settled) for c in cadres]
        return evaluate_unit(unit, cadres, self.evaluation(as_of))

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
            return self.unit(unit, as_of, known_at)
        if kind == "complaint":
            complaint = self.histories.complaint(code)
            if not complaint.known_at(known_at):
                raise NotFound("complaint not found")
            return self.complaint(complaint, as_of, known_at)
        raise ValueError(f"subject kind must be one of {', '.join(SUBJECT_KINDS)}")
