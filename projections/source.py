"""The embedded event source: the store's notification log, read by polling.

The library's SQLite recorder has no subscription, so the runner polls; the same source
serves PostgreSQL (a LISTEN-based wake-up is an optimisation left for later).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any
from uuid import UUID

from domain.store import Store
from projections.decoding import EventDecoder


class StoreSource:
    """Reads and decodes notifications from the event store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.decode = EventDecoder(store.mapper)

    @classmethod
    def of_env(cls, env: Mapping[str, str]) -> StoreSource:
        """A source over a store opened from its environment (in another process)."""
        return cls(Store(env=dict(env)))

    def opener(self) -> Callable[[], StoreSource] | None:
        """How another process opens the same store (None: it cannot, the store is in memory)."""
        env = self.store.env
        module = env.get("PERSISTENCE_MODULE", "") or ""
        name = env.get("SQLITE_DBNAME", "") or ""
        if not module or module.endswith(":POPOFactory") or "popo" in module:
            return None
        if "sqlite" in module.lower() and (":memory:" in name or "mode=memory" in name):
            return None
        return partial(StoreSource.of_env, dict(env))

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
