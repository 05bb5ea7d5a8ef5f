"""The envelope parser against the straightforward one it replaced: over every event of the
demo county, and over envelopes with each field spoiled in many ways, both give the same
envelope and the same domain event, or refuse with the same error."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.vault import AesGcmVault
from consumers.envelope import (
    _FIELDS,
    ENVELOPE_VERSION,
    BadEnvelope,
    Envelope,
    encode,
    known_topic,
    parse,
)
from demo.load import DemoLoader
from demo.plan import build_plan
from domain.store import Store
from projections.decoding import DECODER


def reference_parse(value: bytes | None) -> Envelope:
    """The parser as it was before it was made cheaper (the whole decoder path, ``UUID()``,
    the dataclass's ``__init__``, every check a call): the meaning the fast one must keep."""
    try:
        doc = DECODER.decode(value.decode()) if value is not None else None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadEnvelope(f"undecodable JSON: {error}") from None
    except Exception as error:
        raise BadEnvelope(f"undecodable value: {error}") from None
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
            originator_id=UUID(_str(doc["originator_id"])),
            originator_version=_int(doc["originator_version"]),
            topic=doc["topic"],
            type=_str(doc["type"]),
            recorded_at=_str(doc["recorded_at"]),
            state=_object(doc["state"]),
        )
    except (TypeError, ValueError) as error:
        raise BadEnvelope(f"malformed envelope: {error}") from None


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


def outcome(value: bytes | None, how: Any) -> tuple[str, Any]:
    """What a parser makes of a message: the envelope with its event, or its error."""
    try:
        env = how(value)
    except BadEnvelope as error:
        return "refused", str(error)
    event = env.event()
    fields = {k: v for k, v in env.__dict__.items() if k != "state"}
    # UUID objects compare by value; their type and safety flag must match too
    ids = (type(env.originator_id), env.originator_id.is_safe)
    return "parsed", (fields, env.state, ids, type(event), event.__dict__, env == how(value))


def same(value: bytes | None) -> None:
    assert outcome(value, parse) == outcome(value, reference_parse)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Every event of the demo county (every kind of event it records), as envelopes."""
    path = Path(tmp_path_factory.mktemp("county")) / "events.db"
    store = Store(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})
    today = date(2026, 6, 15)
    now = datetime(2026, 6, 15, 9, tzinfo=UTC)
    DemoLoader(store, AesGcmVault.from_secret("d"), now).load(build_plan(today))
    envelopes, after = [], 0
    while batch := store.recorder.select_notifications(start=after + 1, limit=1000):
        envelopes += [encode(n, store.mapper) for n in batch]
        after = batch[-1].id
    return envelopes


def test_every_event_of_the_county_parses_as_before(county: list[bytes]) -> None:
    kinds = set()
    for value in county:
        same(value)
        kinds.add(parse(value).type)
    assert len(county) > 1000 and len(kinds) > 15


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)


def id_forms(text: str) -> list[str]:
    """An originator id as the relay writes it, and other forms ``UUID()`` reads or refuses."""
    return [
        text,
        text.upper(),
        text.replace("-", ""),
        f"{{{text}}}",
        f"urn:uuid:{text}",
        text[:-1],
        text + "0",
        text.replace("-", "_"),
        f" {text[1:]}",
        f"0x{text[2:]}",
        f"+{text[1:]}",
        f"-{text[1:]}",
        f"{text[:8]}-{text[9:12]}_-{text[14:]}",
        f"{text[:8]}-_{text[10:]}",
    ]


UUID_TEXT = st.uuids().flatmap(lambda u: st.sampled_from(id_forms(str(u))))
ID = "2d465871-91b1-5f43-9a4c-a3c6b4c3f52f"
TYPED_VALUES: list[dict[str, str]] = [
    {"_type_": "decimal", "_data_": "5"},
    {"_type_": "uuid_hex", "_data_": "0" * 32},
    {"_type_": "no_such_type", "_data_": "x"},
    {"_type_": "date", "_data_": "not a date"},
]
TYPED = st.sampled_from(TYPED_VALUES)
TOPIC = st.sampled_from(
    [
        "domain.unit:UnitRegistered",
        "domain.unit:Unit",
        "domain.unit:NoSuchEvent",
        "os:system",
        "domain.nosuchmodule:X",
    ]
)
SPOILED = {
    "envelope_version": st.sampled_from([0, 2, True, 1.0, "1", None]) | TYPED,
    "position": JSON | TYPED | st.sampled_from([True, False, 0, -1, 1, 2**70]),
    "originator_id": UUID_TEXT | JSON | TYPED,
    "originator_version": JSON | TYPED | st.sampled_from([True, 0, -5, 3]),
    "topic": TOPIC | JSON | TYPED,
    "type": JSON | TYPED,
    "recorded_at": JSON | TYPED,
    "state": JSON | TYPED | st.just({"a": {"_type_": "decimal", "_data_": "1.5"}}),
}


EDGES: dict[str, list[Any]] = {
    "envelope_version": [0, 2, True, 1.0, "1", None],
    "position": [True, False, 0, -1, 1, 2**70, 1.0, "1", None],
    "originator_id": [None, 5, "", "not-a-uuid"],
    "originator_version": [True, 0, -5, 3, 2.5, "2", None],
    "topic": ["domain.unit:UnitRegistered", "domain.unit:Unit", "domain.unit:NoSuchEvent",
              "os:system", "domain.nosuchmodule:X", "", None, 1, ["domain.unit:Unit"]],
    "type": ["", "X", None, 1, []],
    "recorded_at": ["", "x", None, 1, {}],
    "state": [{}, [], None, "x", 1, {"a": {"_type_": "decimal", "_data_": "1.5"}}],
}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "value"),
    [(name, value) for name, values in EDGES.items() for value in values]
    + [(name, typed) for name in EDGES for typed in TYPED_VALUES]
    + [("originator_id", form) for form in id_forms(ID)],
)
def test_one_field_spoiled_parses_or_is_refused_as_before(
    county: list[bytes], name: str, value: Any
) -> None:
    for which in (0, 1, len(county) // 2, len(county) - 1):
        doc = {**json.loads(county[which]), name: value}
        same(json.dumps(doc, ensure_ascii=False).encode())
        del doc[name]
        same(json.dumps(doc, ensure_ascii=False).encode())


@settings(max_examples=300, deadline=None)
@given(
    which=st.integers(0, 10_000),
    first=st.sampled_from(sorted(SPOILED)).flatmap(lambda k: st.tuples(st.just(k), SPOILED[k])),
    more=st.dictionaries(st.sampled_from(sorted(SPOILED)), st.none(), max_size=2).flatmap(
        lambda keys: st.fixed_dictionaries({k: SPOILED[k] for k in keys})
    ),
)
def test_spoiled_envelopes_parse_or_are_refused_as_before(
    county: list[bytes], which: int, first: tuple[str, Any], more: dict[str, Any]
) -> None:
    doc = json.loads(county[which % len(county)])
    same(json.dumps({**doc, first[0]: first[1]}, ensure_ascii=False).encode())
    same(json.dumps({**doc, first[0]: first[1], **more}, ensure_ascii=False).encode())


@pytest.mark.parametrize(
    "value",
    [
        None,
        b"",
        b"\xff\xfe",
        b"[1, 2]",
        b"null",
        b" {}",
        b"{} x",
        b'{"envelope_version": 1',
        b'{"_type_": "decimal", "_data_": "5"}',
        b'{"envelope_version": 2}',
        b'{"envelope_version": 1}',
        b'{"envelope_version": 1, "state": {"_type_": "no_such_type", "_data_": 1}}',
    ],
)
def test_what_is_not_an_envelope_is_refused_as_before(value: bytes | None) -> None:
    same(value)


def test_an_envelope_with_whitespace_around_it_parses_as_before(county: list[bytes]) -> None:
    same(b"  " + county[0] + b"\n")
    same(county[0].replace(b",", b", "))
