"""The events the ledger covers: the store's notification log, as stored, and their leaves."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol
from uuid import UUID

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

    def at(self, position: int) -> Notification | None:
        """The stored event at a position, if there is one."""
        ...

    def plain(self, state: bytes) -> bytes:
        """Stored state bytes without the store's encryption or compression, if any."""
        ...


class StoreLog:
    """The event store's notification log, through the library's recorder."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def head(self) -> int:
        return self.store.position()

    def read(self, after: int, limit: int) -> Sequence[Notification]:
        found = self.store.recorder.select_notifications(start=after + 1, limit=limit)
        return [n if type(n.state) is bytes else as_stored(n) for n in found]

    def at(self, position: int) -> Notification | None:
        found = self.store.recorder.select_notifications(start=position, limit=1)
        return as_stored(found[0]) if found and found[0].id == position else None

    def plain(self, state: bytes) -> bytes:
        mapper = self.store.mapper
        if mapper.cipher:
            state = mapper.cipher.decrypt(state)
        if mapper.compressor:
            state = mapper.compressor.decompress(state)
        return state


NOT_BYTES = b"\x00jiandu: the stored state is not bytes\x00"


def as_stored(event: Notification) -> Notification:
    """The event with its state as bytes. A state column rewritten with another type (text in
    place of a blob, say) is told apart by a prefix no stored byte string starts with, so its
    leaf differs from the one integrated and verification names its position instead of
    failing on it."""
    state: object = event.state
    if type(state) is bytes:
        return event
    if isinstance(state, (bytes, bytearray, memoryview)):
        return replace(event, state=bytes(state))
    text = state if isinstance(state, str) else repr(state)
    return replace(event, state=NOT_BYTES + text.encode("utf-8", "surrogatepass"))


_topics: dict[str, bytes] = {}
_ids: dict[int, bytes] = {}  # an aggregate id's text, by its number (str(UUID) is slow)
_POSITION = b'"position":'


def leaf_position(leaf: bytes) -> int:
    """The position a leaf records (-1 when it records none)."""
    start = leaf.find(_POSITION)
    end = leaf.find(b",", start)
    try:
        return int(leaf[start + len(_POSITION) : end]) if start >= 0 and end >= 0 else -1
    except ValueError:
        return -1


def _aggregate(originator: UUID | str) -> bytes:
    if not isinstance(originator, UUID):
        return originator.encode()
    number = originator.int
    text = _ids.get(number)
    if text is None:
        if len(_ids) > 100_000:
            _ids.clear()
        text = _ids[number] = str(originator).encode()
    return text


def leaf_of(event: Notification) -> bytes:
    """The leaf of a stored event: `offline.leaf_bytes` spelled out for speed (a test keeps
    the two identical)."""
    topic = _topics.get(event.topic)
    if topic is None:
        topic = _topics[event.topic] = json.dumps(event.topic, ensure_ascii=False).encode()
    aggregate = _aggregate(event.originator_id)
    return (
        b'{"aggregate_id":"%s","position":%d,"state_sha256":"%s","topic":%s,"v":1,"version":%d}'
        % (
            aggregate,
            event.id,
            hashlib.sha256(event.state).hexdigest().encode(),
            topic,
            event.originator_version,
        )
    )
