"""The integrator as a follower of the log, so that one runner feeds it as it feeds the others.

The ledger needs every stored event in global position order and its bytes exactly as stored:
it is an *ordered* follower, fed by a runner over the store's notification log in either mode
(never from Kafka's partitions; with the Kafka transport `jiandu consume integrator` wakes it on
the topic and still reads the store). Its position record is the ledger's head, moved in the
same transaction as the leaves. When nothing new arrives it signs a checkpoint if one is due.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from domain.store import Store
from projections.following import FollowerBase, Mark, Raced
from projections.ledger.integrator import Integrator
from projections.ledger.storage import HeadMoved


class StoredEvents:
    """The event source of an ordered follower that needs the stored events themselves."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def position(self) -> int:
        return self.store.position()

    def read(
        self, after: int, limit: int, upto: int | None = None
    ) -> list[tuple[int, Notification]]:
        found = self.store.recorder.select_notifications(start=after + 1, limit=limit, stop=upto)
        return [(n.id, n) for n in found]

    def history(self, originator_id: UUID, upto_version: int) -> list[Any]:
        return self.store.history(originator_id, upto_version)


class LedgerFollower(FollowerBase):
    """Appends batches of stored events to the ledger's tree."""

    name = "ledger"
    ordered = True

    def __init__(self, integrator: Integrator) -> None:
        self.integrator = integrator

    def positions(self) -> dict[str, int]:
        return {self.name: self.integrator.position()}

    def process(self, prepared: list[tuple[int, Notification]], mark: Mark) -> dict[int, str]:
        try:
            self.integrator.append([n for _, n in prepared])
        except HeadMoved as moved:
            raise Raced(str(moved)) from None
        self.integrator.sign_if_due()
        return {}

    def record(self, position: int) -> None:
        raise TypeError("the ledger follows the store in order; no transport records for it")

    def idle(self) -> None:
        self.integrator.sign_if_due()  # a checkpoint falls due with time too
