"""The message on ``jiandu.events``: one stored event in a versioned JSON envelope.

``state`` is the event's state exactly as the store transcoded it (decoded JSON), less the
fields that must never leave the store: a complaint's sealed reporter token and its receipt
fingerprint. The schema is published in ``docs/envelope.schema.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Mapper, Notification, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from domain.complaint import ComplaintFiled

ENVELOPE_VERSION = 1
# Event topic -> state fields stripped from the envelope (they stay in the store only).
REDACTED: dict[str, tuple[str, ...]] = {
    get_topic(ComplaintFiled): ("reporter_sealed", "receipt_fingerprint"),
}
_FIELDS = ("position", "originator_id", "originator_version", "topic", "type", "recorded_at")


class BadEnvelope(ValueError):
    """A message that is not a well-formed envelope of a known event (a poison message)."""


def plain_state(mapper: Mapper[Any], state: bytes) -> bytes:
    """The transcoded state without the store's encryption or compression (if configured)."""
    if mapper.cipher:
        state = mapper.cipher.decrypt(state)
    if mapper.compressor:
        state = mapper.compressor.decompress(state)
    return state


def encode(notification: Notification, mapper: Mapper[Any]) -> bytes:
    """The envelope of a stored event, as UTF-8 JSON bytes."""
    raw = plain_state(mapper, notification.state)
    state = json.loads(raw)
    stamp = state.get("timestamp")
    redacted = REDACTED.get(notification.topic)
    if redacted:
        state = {k: v for k, v in state.items() if k not in redacted}
        raw = _dumps(state)
    head = {
        "envelope_version": ENVELOPE_VERSION,
        "position": notification.id,
        "originator_id": str(notification.originator_id),
        "originator_version": notification.originator_version,
        "topic": notification.topic,
        "type": notification.topic.rsplit(":", 1)[-1].rsplit(".", 1)[-1],
        "recorded_at": stamp.get("_data_") if isinstance(stamp, dict) else stamp,
    }
    # The stored state is JSON already: splice its bytes in rather than re-encoding it.
    return _dumps(head)[:-1] + b',"state":' + raw + b"}"


def _dumps(obj: Any) -> bytes:
    # The store's transcoder settings, so that re-encoded state is byte-identical.
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Envelope:
    """A parsed envelope."""

    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    type: str
    recorded_at: str
    state: dict[str, Any]

    def stored_state(self) -> bytes:
        """The state as the store transcoded it (less the redacted fields)."""
        return _dumps(self.state)

    def event(self, mapper: Mapper[Any]) -> Any:
        """The domain event (upcast to the current class version) through a plain mapper."""
        stored = StoredEvent(
            originator_id=self.originator_id,
            originator_version=self.originator_version,
            topic=self.topic,
            state=self.stored_state(),
        )
        return mapper.to_domain_event(stored)


def parse(value: bytes | None) -> Envelope:
    """An envelope from message bytes, or BadEnvelope saying what is wrong."""
    try:
        doc = json.loads(value) if value is not None else None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadEnvelope(f"undecodable JSON: {error}") from None
    if not isinstance(doc, dict):
        raise BadEnvelope("the envelope is not a JSON object")
    if doc.get("envelope_version") != ENVELOPE_VERSION:
        raise BadEnvelope(f"unsupported envelope_version {doc.get('envelope_version')!r}")
    missing = [f for f in (*_FIELDS, "state") if f not in doc]
    if missing:
        raise BadEnvelope(f"missing fields: {', '.join(missing)}")
    known_topic(doc["topic"])
    try:
        return Envelope(
            position=_int(doc["position"]),
            originator_id=UUID(str(doc["originator_id"])),
            originator_version=_int(doc["originator_version"]),
            topic=doc["topic"],
            type=str(doc["type"]),
            recorded_at=str(doc["recorded_at"]),
            state=_object(doc["state"]),
        )
    except (TypeError, ValueError) as error:
        raise BadEnvelope(f"malformed envelope: {error}") from None


def known_topic(topic: Any) -> type[DomainEvent]:
    """The domain event class of a topic; only the platform's own event classes resolve."""
    if not isinstance(topic, str) or not topic.startswith("domain."):
        raise BadEnvelope(f"unknown event topic {topic!r:.100}")
    try:
        cls = resolve_topic(topic)
    except Exception:  # any failure to import or find it makes the topic unknown
        raise BadEnvelope(f"unknown event topic {topic!r:.100}") from None
    if not (isinstance(cls, type) and issubclass(cls, DomainEvent)):
        raise BadEnvelope(f"topic {topic!r:.100} is not a domain event class")
    return cls


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"expected a positive integer, got {value!r:.40}")
    return value


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("state must be a JSON object")
    return value
