"""The events the ledger covers: the store's notification log, as stored, and their leaves."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Protocol

from eventsourcing.persistence import Notification

from domain.store import Store


class StoredLog(Protocol):
    """What the ledger reads: stored events in position order, bytes exactly as stored."""

    def head(self) -> int:
        """The position of the last stored event (0 when none)."""
        ...

    def read(self, after: int, limit: int) -> Sequence[Notification]:
        """Up to ``limit`` stored events after a position, in position order."""
        ...


class StoreLog:
    """The event store's notification log, through the library's recorder."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def head(self) -> int:
        return self.store.position()

    def read(self, after: int, limit: int) -> Sequence[Notification]:
        return self.store.recorder.select_notifications(start=after + 1, limit=limit)


_topics: dict[str, bytes] = {}


def leaf_of(event: Notification) -> bytes:
    """The leaf of a stored event: `offline.leaf_bytes` spelled out for speed (a test keeps
    the two identical)."""
    topic = _topics.get(event.topic)
    if topic is None:
        topic = _topics[event.topic] = json.dumps(event.topic, ensure_ascii=False).encode()
    return (
        b'{"aggregate_id":"%s","position":%d,"state_sha256":"%s","topic":%s,"v":1,"version":%d}'
        % (
            str(event.originator_id).encode(),
            event.id,
            hashlib.sha256(event.state).hexdigest().encode(),
            topic,
            event.originator_version,
        )
    )
