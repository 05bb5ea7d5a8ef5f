"""The embedded event source: the store's notification log, read by polling.

The library's SQLite recorder has no subscription, so the runner polls; the same source
serves PostgreSQL (a LISTEN-based wake-up is an optimisation left for later).
"""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from domain.store import Store


class StoreSource:
    """Reads and decodes notifications from the event store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # The live follower and a rebuild share one source from two threads (rebuild.py):
        # each thread keeps the stored states of the batch it read last.
        self._local = threading.local()

    def position(self) -> int:
        return self.store.position()

    def read(self, after: int, limit: int) -> list[tuple[int, Any]]:
        notifications = self.store.recorder.select_notifications(start=after + 1, limit=limit)
        decode = self.store.mapper.to_domain_event
        self._local.states = {n.id: n.state for n in notifications}
        return [(n.id, decode(n)) for n in notifications]

    def stored_state(self, position: int) -> bytes:
        states: dict[int, bytes] = self._local.states
        return states[position]

    def history(self, originator_id: UUID, upto_version: int) -> list[Any]:
        return list(self.store.events.get(originator_id, lte=upto_version))
