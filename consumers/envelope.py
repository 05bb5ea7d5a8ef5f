"""The message on ``jiandu.events``: one stored event in a versioned JSON envelope.

``state`` is the event's state exactly as the store transcoded it, less the fields that must
never leave the store: a complaint's sealed reporter token and its receipt fingerprint. The
schema is published in ``docs/envelope.schema.json``.

Both directions are on the hot path of the transport (the relay encodes every event, every
consumer group parses every message), so neither goes through JSON twice: the relay splices
the stored state's bytes into the envelope, and a consumer decodes the envelope once, with the
store's transcodings, into the state the domain event is built from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any
from uuid import UUID, SafeUUID

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import JSONTranscoder, Mapper, Notification
from eventsourcing.utils import get_topic

from domain.complaint import ComplaintFiled
from domain.store import transcodings
from projections.decoding import build, event_class, loads

ENVELOPE_VERSION = 1
# Event topic -> state fields stripped from the envelope (they stay in the store only).
REDACTED: dict[str, tuple[str, ...]] = {
    get_topic(ComplaintFiled): ("reporter_sealed", "receipt_fingerprint"),
}
_FIELDS = ("position", "originator_id", "originator_version", "topic", "type", "recorded_at")
# The store encodes an event's attributes in declaration order, and DomainEvent declares the
# timestamp first of those it stores: every stored state starts so.
_STAMP = b'{"timestamp":{"_type_":"datetime_iso","_data_":"'


class BadEnvelope(ValueError):
    """A message that is not a well-formed envelope of a known event (a poison message)."""


def _transcoder() -> JSONTranscoder:
    transcoder = JSONTranscoder()
    for transcoding in transcodings():
        transcoder.register(transcoding)
    return transcoder


_TRANSCODER = _transcoder()


def plain_state(mapper: Mapper[Any], state: bytes) -> bytes:
    """The transcoded state without the store's encryption or compression (if configured)."""
    if mapper.cipher:
        state = mapper.cipher.decrypt(state)
    if mapper.compressor:
        state = mapper.compressor.decompress(state)
    return state


def encode(notification: Notification, mapper: Mapper[Any], originator: bytes = b"") -> bytes:
    """The envelope of a stored event, as UTF-8 JSON bytes (``originator``: the originator id
    as text, if the caller has it at hand already)."""
    raw = plain_state(mapper, notification.state)
    end = raw.find(b'"', len(_STAMP)) if raw.startswith(_STAMP) else -1
    if end < 0 or notification.topic in REDACTED:
        return _encode_parsed(notification, raw)
    head = b'{"envelope_version":%d,"position":%d,"originator_id":"%s","originator_version":%d,' % (
        ENVELOPE_VERSION,
        notification.id,
        originator or str(notification.originator_id).encode(),
        notification.originator_version,
    )
    stamp = raw[len(_STAMP) : end]
    return b'%s%s"recorded_at":"%s","state":%s}' % (
        head,
        _topic_fields(notification.topic),
        stamp,
        raw,
    )


def _encode_parsed(notification: Notification, raw: bytes) -> bytes:
    """The envelope through a parse of the state: redacted events, or an unusual state."""
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
        "type": _type_name(notification.topic),
        "recorded_at": stamp.get("_data_") if isinstance(stamp, dict) else stamp,
    }
    # The stored state is JSON already: splice its bytes in rather than re-encoding it.
    return _dumps(head)[:-1] + b',"state":' + raw + b"}"


@lru_cache(maxsize=256)
def _topic_fields(topic: str) -> bytes:
    """The ``"topic":…,"type":…,`` members of an envelope, with the separator after them."""
    return _dumps({"topic": topic, "type": _type_name(topic)})[1:-1] + b","


def _type_name(topic: str) -> str:
    return topic.rsplit(":", 1)[-1].rsplit(".", 1)[-1]


def _dumps(obj: Any) -> bytes:
    # The store's transcoder settings, so that re-encoded state is byte-identical.
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Envelope:
    """A parsed envelope; ``state`` is decoded with the store's transcodings (datetimes,
    dates, UUIDs and decimals as Python objects)."""

    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    type: str
    recorded_at: str
    state: dict[str, Any]

    def stored_state(self) -> bytes:
        """The state as the store transcoded it (less the redacted fields)."""
        return _TRANSCODER.encode(self.state)

    def event(self) -> Any:
        """The domain event, upcast to its class's current version, as the store's mapper
        would build it from the stored state."""
        # A copy: the event owns its attributes, and upcasts change them.
        cls = _KNOWN.get(self.topic) or known_topic(self.topic)
        return build(cls, self.originator_id, self.originator_version, dict(self.state))


def parse(value: bytes | None) -> Envelope:
    """An envelope from message bytes, or BadEnvelope saying what is wrong."""
    try:
        doc = loads(value.decode()) if value is not None else None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadEnvelope(f"undecodable JSON: {error}") from None
    except Exception as error:  # a typed value the store cannot decode (unknown or malformed)
        raise BadEnvelope(f"undecodable value: {error}") from None
    if type(doc) is not dict:
        raise BadEnvelope("the envelope is not a JSON object")
    # Every message takes this path: one look-up of all the fields, exact type checks, the
    # event class from a dict. Anything unusual goes to _refused, which says what is wrong.
    try:
        version, position, originator, originator_version, topic, kind, recorded, state = (
            _get_fields(doc)
        )
    except KeyError:
        raise _refused(doc) from None
    if version != ENVELOPE_VERSION:
        raise _refused(doc)
    if type(topic) is not str or topic not in _KNOWN:
        known_topic(topic)
    if (
        type(position) is not int
        or position < 1
        or type(originator_version) is not int
        or originator_version < 1
        or type(originator) is not str
        or type(kind) is not str
        or type(recorded) is not str
        or type(state) is not dict
    ):
        raise _refused(doc)
    made = object.__new__(Envelope)
    object.__setattr__(
        made,
        "__dict__",
        {
            "position": position,
            "originator_id": _uuid(originator),
            "originator_version": originator_version,
            "topic": topic,
            "type": kind,
            "recorded_at": recorded,
            "state": state,
        },
    )
    return made


_get_fields = itemgetter("envelope_version", *_FIELDS, "state")


# UUID's slots, set as its __init__ sets them (its own __setattr__ refuses: it is immutable).
_set_int = UUID.__dict__["int"].__set__
_set_is_safe = UUID.__dict__["is_safe"].__set__


def _uuid(text: str) -> UUID:
    """``UUID(text)``: 32 digits once the hyphens are gone (what the relay writes) are read
    as ``UUID`` reads them and the object made from the integer; any other text (braces, a
    ``urn:uuid:`` prefix, or not a UUID at all) goes through ``UUID``."""
    digits = text.replace("-", "")
    if len(digits) == 32:
        try:
            number = int(digits, 16)
        except ValueError:
            pass
        else:
            made = object.__new__(UUID)
            _set_int(made, number)
            _set_is_safe(made, SafeUUID.unknown)
            return made
    try:
        return UUID(text)
    except (TypeError, ValueError) as error:
        raise BadEnvelope(f"malformed envelope: {error}") from None


def _refused(doc: dict[str, Any]) -> BadEnvelope:
    """Why a decoded JSON object is not an envelope (the checks in the order they are made)."""
    if doc.get("envelope_version") != ENVELOPE_VERSION:
        return BadEnvelope(f"unsupported envelope_version {doc.get('envelope_version')!r}")
    missing = [f for f in (*_FIELDS, "state") if f not in doc]
    if missing:
        return BadEnvelope(f"missing fields: {', '.join(missing)}")
    try:
        known_topic(doc["topic"])
        _int(doc["position"])
        UUID(_str(doc["originator_id"]))
        _int(doc["originator_version"])
        _str(doc["type"])
        _str(doc["recorded_at"])
        _object(doc["state"])
    except BadEnvelope as error:
        return error
    except (TypeError, ValueError) as error:
        return BadEnvelope(f"malformed envelope: {error}")
    raise AssertionError("an envelope refused without a reason")  # pragma: no cover


# Topics known to be the platform's domain event classes (filled as they are first seen).
_KNOWN: dict[str, type[DomainEvent]] = {}


def known_topic(topic: Any) -> type[DomainEvent]:
    """The domain event class of a topic; only the platform's own event classes resolve."""
    if type(topic) is str:
        known = _KNOWN.get(topic)
        if known is not None:
            return known
    if not isinstance(topic, str) or not topic.startswith("domain."):
        raise BadEnvelope(f"unknown event topic {topic!r:.100}")
    try:
        cls = event_class(topic)
    except Exception:  # any failure to import or find it makes the topic unknown
        raise BadEnvelope(f"unknown event topic {topic!r:.100}") from None
    if not (isinstance(cls, type) and issubclass(cls, DomainEvent)):
        raise BadEnvelope(f"topic {topic!r:.100} is not a domain event class")
    _KNOWN[topic] = cls
    return cls


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"expected a positive integer, got {value!r:.40}")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    return value


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("state must be a JSON object")
    return value
