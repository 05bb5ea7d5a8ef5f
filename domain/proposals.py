"""Proposed personnel actions (拟任、拟调、拟借调): tried against a cadre's record with every
invariant of :class:`Personnel`, and never saved."""

from __future__ import annotations

from typing import Any

from domain import cadre_events as ev
from domain.cadre import Cadre
from domain.personnel import Personnel
from domain.store import Written
from domain.values import By

ACTIONS = ("transfer", "secondment", "appointment", "extension", "departure")
"""What a pre-decision check may propose."""


class Proposals(Personnel):
    """Personnel whose commands stop short of the store: the events a command would record
    are kept in :attr:`proposed` (the cadre's record is loaded fresh for each)."""

    def __init__(self, personnel: Personnel) -> None:
        super().__init__(personnel.store, personnel.clock, personnel.organisation)
        self.proposed: list[ev.CadreEvent] = []

    def _save(self, cadre: Cadre, expected_version: int | None = None, **ids: str) -> Written:
        self.proposed = list(cadre.pending_events)  # type: ignore[arg-type]
        return Written(position=0, version=cadre.version, ids=ids)

    def propose(self, by: By, code: str, action: str, fields: dict[str, Any]) -> list[Any]:
        """The events recording ``action`` on the cadre would append (invariants checked)."""
        if action == "transfer":
            self.transfer(by, code, **fields)
        elif action == "secondment":
            self.second(by, code, **fields)
        elif action == "appointment":
            self.appoint(by, code, **fields)
        elif action == "extension":
            secondment_id = fields.pop("secondment_id")
            self.extend_secondment(by, code, secondment_id, **fields)
        elif action == "departure":
            self.depart(by, code, **fields)
        else:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
        return list(self.proposed)
