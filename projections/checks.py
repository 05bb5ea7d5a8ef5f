"""Pre-decision checks (事前把关): what recording a proposed action would raise, writing nothing.

The proposed events are the ones the command itself would record (:class:`Proposals` runs it
with every invariant and saves nothing); the findings are the rule catalogue's, run over the
cadre's history with those events added, against the same history without them. Township units
the action touches are judged the same way, with the cadre's history replaced.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from domain.clock import Clock
from domain.ids import cadre_id
from domain.personnel import Personnel
from domain.proposals import Proposals
from domain.rules import CadreHistory, Candidate, Entry, UnitHistory
from domain.store import Store
from domain.supervision.evaluation import Evaluator
from domain.supervision.histories import CachedHistories, Histories
from domain.supervision.process import township_units
from domain.values import By


class WithProposal(CachedHistories):
    """The store's histories, with one cadre's replaced by its history plus proposed events."""

    def __init__(self, base: Histories, cadre: CadreHistory, key: UUID) -> None:
        super().__init__(base)
        self._entries[key] = cadre.entries
        self.key = key

    def cadres_linked_to(self, unit_code: str) -> list[UUID]:
        linked = super().cadres_linked_to(unit_code)
        return linked if self.key in linked else [*linked, self.key]


class PreDecision:
    """Answers ``POST /checks``."""

    def __init__(
        self, store: Store, personnel: Personnel, evaluator: Evaluator, clock: Clock
    ) -> None:
        self.store = store
        self.personnel = personnel
        self.evaluator = evaluator
        self.clock = clock

    def check(self, by: By, code: str, action: str, fields: dict[str, Any]) -> dict[str, Any]:
        """The findings recording ``action`` would raise, and the events it would record."""
        proposals = Proposals(self.personnel)
        events = proposals.propose(by, code, action, dict(fields))
        before = self.evaluator.histories.cadre(code)
        head = self.store.position()
        added = tuple(Entry(head + n, event) for n, event in enumerate(events, start=1))
        after = CadreHistory(code, (*before.entries, *added))
        as_of = max(self.clock.today(), *(_effective(e.event) for e in added))
        raised = self._cadre(before, after, as_of) + self._units(before, after, as_of)
        return {
            "cadre": code, "action": action, "as_of": as_of.isoformat(),
            "would_record": [type(e.event).__name__ for e in added],
            "would_raise": [
                {
                    "rule": c.rule, "severity": c.severity,
                    "subject": {"kind": c.subject_kind, "code": c.subject_code},
                    "details": dict(c.details),
                }
                for c in raised
            ],
        }  # fmt: skip

    def _cadre(self, before: CadreHistory, after: CadreHistory, as_of: date) -> list[Candidate]:
        return _new(self.evaluator.cadre(before, as_of), self.evaluator.cadre(after, as_of))

    def _units(self, before: CadreHistory, after: CadreHistory, as_of: date) -> list[Candidate]:
        key = cadre_id(after.code)
        current = replace(self.evaluator, histories=CachedHistories(self.evaluator.histories))
        proposed = replace(self.evaluator, histories=WithProposal(current.histories, after, key))
        raised: list[Candidate] = []
        touched = township_units(after)
        for code in sorted({j for u in touched for j in current.histories.joint(u)}):
            unit: UnitHistory = current.histories.unit(code)
            if not unit:
                continue
            now = current.unit(unit, as_of, also=[key] if before else [])
            then = proposed.unit(unit, as_of, also=[key])
            raised += _new(now, then)
        return raised


def _new(before: list[Candidate], after: list[Candidate]) -> list[Candidate]:
    held = {c.key for c in before}
    return [c for c in after if c.key not in held]


def _effective(event: Any) -> date:
    day: date | None = event.effective
    return day or date.min
