"""Stored events to domain events, as the store's mapper builds them, with less work each.

Rebuilds and the transport decode every event there is, so this is their hot path. The result
is the mapper's: the state decoded with the store's transcodings (``domain.store``), the
originator id and version set, the class's upcasts applied, no ``__init__`` run. What is
saved: the transcoder's object hook raises and catches an exception for every JSON object that
is not a typed value; this one does not, and event classes are looked up once per topic.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from eventsourcing.persistence import Mapper, Notification
from eventsourcing.utils import resolve_topic

from domain.store import transcodings

_DECODINGS = {t.name: t.decode for t in transcodings()}


def _typed(obj: dict[str, Any]) -> Any:
    """The transcoder's reading of a JSON object: ``{"_type_": name, "_data_": value}`` is a
    typed value, anything else stays a dict."""
    if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
        decode = _DECODINGS.get(obj["_type_"])
        if decode is None:
            raise ValueError(f"no transcoding named {obj['_type_']!r:.40}")
        return decode(obj["_data_"])
    return obj


DECODER = json.JSONDecoder(object_hook=_typed)
_scan: Callable[[str, int], tuple[Any, int]] = DECODER.scan_once  # type: ignore[attr-defined]


def loads(text: str) -> Any:
    """``DECODER.decode(text)``, scanning the value directly when the text is just one value
    (what the store writes); any other text goes the whole way (whitespace around the value,
    or the decoder's error)."""
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        return DECODER.decode(text)
    if end != len(text):
        return DECODER.decode(text)
    return value


@lru_cache(maxsize=256)
def event_class(topic: str) -> type[Any]:
    """The class a topic names (resolved once)."""
    cls: type[Any] = resolve_topic(topic)
    return cls


def build(
    cls: type[Any], originator_id: Any, originator_version: int, state: dict[str, Any]
) -> Any:
    """A domain event of ``cls`` from its decoded state (which it takes over)."""
    state["originator_id"] = originator_id
    state["originator_version"] = originator_version
    from_version = state.pop("class_version", 1)
    class_version = getattr(cls, "class_version", 1)
    while from_version < class_version:
        getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
        from_version += 1
    event = object.__new__(cls)
    object.__setattr__(event, "__dict__", state)
    return event


class EventDecoder:
    """Decodes the store's notifications (through its cipher and compressor, if any)."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self.cipher = mapper.cipher
        self.compressor = mapper.compressor

    def __call__(self, notification: Notification) -> Any:
        return self.stored(
            notification.topic,
            notification.originator_id,
            notification.originator_version,
            notification.state,
        )

    def stored(self, topic: str, originator_id: Any, originator_version: int, data: bytes) -> Any:
        """The domain event of a stored event given by its parts."""
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        state = loads(data.decode())
        return build(event_class(topic), originator_id, originator_version, state)
