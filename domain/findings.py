"""The findings register (问题线索登记): inspectors acknowledge and resolve findings.

Findings are raised, withdrawn and remedied by the supervision process only; people work them.
"""

from __future__ import annotations

from uuid import UUID

from domain.clock import Clock
from domain.errors import InvalidValue, NotFound
from domain.finding import RESOLUTIONS, Finding
from domain.retry import on_fresh_state
from domain.store import Store, Written
from domain.values import Approval, By, Recording, check_text


class FindingsRegister:
    """Acknowledges and resolves findings, recording who did it."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def _ctx(self, by: By) -> Recording:
        return Recording.of(by, self.clock.now(), self.clock.today())

    def finding(self, finding_id: str) -> Finding:
        """The finding of that id, or NotFound."""
        try:
            key = UUID(finding_id)
        except (ValueError, TypeError, AttributeError):
            raise NotFound(f"finding {finding_id!r:.40} not found") from None
        return self.store.load(Finding, key, "finding")

    @on_fresh_state
    def acknowledge(
        self, by: By, finding_id: str, *, note: str, expected_version: int | None = None
    ) -> Written:
        """An inspector takes an open finding up."""
        check_text(note, "note", max_length=2000, multiline=True)
        finding = self.finding(finding_id)
        finding.acknowledge(self._ctx(by), note=note)
        return self.store.commit(finding, expected_version=expected_version)

    @on_fresh_state
    def resolve(
        self,
        by: By,
        finding_id: str,
        *,
        resolution: str,
        note: str,
        approval: Approval | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Close a finding: remedied, waived (needs an approval on record) or false positive."""
        if resolution not in RESOLUTIONS:
            raise InvalidValue(f"resolution must be one of {', '.join(sorted(RESOLUTIONS))}")
        check_text(note, "note", max_length=2000, multiline=True)
        finding = self.finding(finding_id)
        finding.resolve(
            self._ctx(by),
            resolution=resolution,
            note=note,
            approval=approval.as_dict() if approval else None,
        )
        return self.store.commit(finding, expected_version=expected_version)
