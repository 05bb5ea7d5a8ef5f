"""The embedded event source: the store's notification log, read by polling.

The library's SQLite recorder has no subscription, so the runner polls; the same source
serves PostgreSQL (a LISTEN-based wake-up is an optimisation left for later).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.store import Store
from projections.decoding import EventDecoder


class StoreSource:
    """Reads and decodes notifications from the event store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.decode = EventDecoder(store.mapper)

    def position(self) -> int:
        return self.store.position()

    def read(self, after: int, limit: int, upto: int | None = None) -> list[tuple[int, Any]]:
        notifications = self.store.recorder.select_notifications(
            start=after + 1, limit=limit, stop=upto
        )
        decode = self.decode
        return [(n.id, decode(n)) for n in notifications]

    def history(self, originator_id: UUID, upto_version: int) -> list[Any]:
        return self.store.history(originator_id, upto_version)
