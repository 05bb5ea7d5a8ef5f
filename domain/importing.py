"""Batched import (数据导入 / 补录): many personnel actions saved in one transaction.

A batch uses the same commands and invariants as :class:`Personnel`; it only keeps the
aggregates it touched in memory and appends all their events atomically on commit.
"""

from __future__ import annotations

from uuid import UUID

from domain.cadre import Cadre
from domain.errors import AlreadyRegistered, ConcurrentWrite, NotFound
from domain.ids import cadre_id
from domain.personnel import Personnel
from domain.store import Written
from domain.unit import Unit


class PersonnelBatch(Personnel):
    """Personnel commands collected in memory; ``commit`` writes them all or nothing."""

    def __init__(self, personnel: Personnel, units: dict[str, Unit] | None = None) -> None:
        super().__init__(personnel.store, personnel.clock, personnel.organisation)
        self._cadres: dict[UUID, Cadre] = {}
        # Units may be shared between the batches of one import run (read-only here).
        self._units: dict[str, Unit] = {} if units is None else units
        self._new: set[UUID] = set()
        self.commands = 0

    def cadre(self, code: str) -> Cadre:
        key = cadre_id(code)
        if key not in self._cadres:
            self._cadres[key] = super().cadre(code)
        return self._cadres[key]

    def _unit(self, unit_code: str) -> Unit:
        if unit_code not in self._units:
            self._units[unit_code] = super()._unit(unit_code)
        return self._units[unit_code]

    def _exists(self, aggregate_id: UUID) -> bool:
        # Registrations are checked against the store once, at commit (one round trip for
        # the batch instead of one per cadre).
        if aggregate_id in self._cadres:
            return True
        self._new.add(aggregate_id)
        return False

    def _save(self, cadre: Cadre, expected_version: int | None = None, **ids: str) -> Written:
        self._cadres[cadre.id] = cadre
        self.commands += 1
        return Written(position=0, version=cadre.version, ids=ids)

    def commit(self, keep: bool = False) -> Written:
        """Append every collected event in one transaction (nothing on failure); ``keep``
        holds the saved aggregates for the batch's next commands (one writer importing)."""
        pending = [c for c in self._cadres.values() if c.pending_events]
        if not pending:
            raise NotFound("nothing to import")
        try:
            written = self.store.commit(*pending)
        except ConcurrentWrite:
            for aggregate_id in self._new:
                if self.store.exists(aggregate_id):
                    code = self._cadres[aggregate_id].code
                    raise AlreadyRegistered(f"cadre {code} is registered already") from None
            raise
        if not keep:
            self._cadres.clear()
        self._new.clear()
        return written
