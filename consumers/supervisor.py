"""The supervisor group: hands events to the supervision process (rules and findings).

The process evaluates the rule catalogue over the histories an event affects and records
findings as events in the store. Its effect is idempotent (a finding is keyed by rule, subject
and anchor), because this group resumes from Kafka's committed offsets and may see a message
again after a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from consumers.loop import TRANSIENT, Batch, Delivery, Reject


class Observer(Protocol):
    """What the supervisor group hands its events to (the supervision process)."""

    def observe(self, events: Sequence[tuple[int, Any]]) -> None:
        """Consider a batch of (position, domain event), in per-aggregate order."""
        ...


class SupervisorSink:
    """Decodes envelopes to domain events and passes them to the supervision process.

    When a batch fails (not for a transient reason), each event is retried alone; one that
    still fails is poison. Events already observed may be observed again then.
    """

    def __init__(self, supervision: Observer, group: str = "jiandu-supervisor") -> None:
        self.supervision = supervision
        self.group = group

    def stored_offsets(self, topic: str) -> dict[int, int] | None:
        return None

    def apply(self, batch: Batch, reject: Reject) -> None:
        events: list[tuple[Delivery, Any]] = []
        for d in batch.deliveries:
            try:
                events.append((d, d.envelope.event()))
            except Exception as error:
                reject(d, error)
        try:
            self.supervision.observe([(d.envelope.position, e) for d, e in events])
        except TRANSIENT:
            raise
        except Exception:
            self._one_by_one(events, reject)

    def _one_by_one(self, events: list[tuple[Delivery, Any]], reject: Reject) -> None:
        for d, event in events:
            try:
                self.supervision.observe([(d.envelope.position, event)])
            except TRANSIENT:
                raise
            except Exception as error:
                reject(d, error)

    def discard(self) -> None:
        """Nothing is held between batches."""
