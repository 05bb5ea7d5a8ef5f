"""The envelope codec without a broker: round trip, redaction and what counts as poison."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from api.vault import AesGcmVault
from consumers.envelope import REDACTED, BadEnvelope, _encode_parsed, encode, parse
from domain.clock import FixedClock
from domain.services import Services
from domain.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "e.db")}
    store = Store(env=env)
    services = Services.over(store, FixedClock.on(date(2026, 11, 26)), AesGcmVault.from_secret("u"))
    services.organisation.register_unit(
        "c", code="C1", name="某县", level="county", kind="department"
    )
    services.complaints.file(
        "public", category="x", title="t", body="b", named=True,
        reporter={"name": "张三", "phone": "13800000000"},
        received_at=datetime(2026, 11, 1, tzinfo=UTC),
    )  # fmt: skip
    return store


def envelopes(store: Store) -> list[bytes]:
    return [encode(n, store.mapper) for n in store.recorder.select_notifications(start=1, limit=9)]


def test_an_envelope_decodes_to_the_stored_event_with_byte_identical_state(store: Store) -> None:
    unit = store.recorder.select_notifications(start=1, limit=1)[0]
    env = parse(envelopes(store)[0])
    assert (env.position, env.originator_id, env.type) == (1, unit.originator_id, "UnitRegistered")
    assert env.stored_state() == unit.state
    event = env.event()
    assert event.code == "C1" and event.timestamp.isoformat() == env.recorded_at


def test_every_envelope_gives_the_event_the_store_gives(store: Store) -> None:
    for n in store.recorder.select_notifications(start=1, limit=9):
        event = parse(encode(n, store.mapper)).event()
        stored = store.mapper.to_domain_event(n)
        expected = dict(stored.__dict__)
        for field in REDACTED.get(n.topic, ()):
            del expected[field]
        assert type(event) is type(stored) and event.__dict__ == expected


def test_the_spliced_envelope_is_the_one_a_full_encode_gives(store: Store) -> None:
    """The relay's fast path (state bytes spliced in, timestamp read off their prefix) and the
    path that parses the state give the same bytes."""
    unit = store.recorder.select_notifications(start=1, limit=1)[0]
    fast = encode(unit, store.mapper)
    assert fast == _encode_parsed(unit, unit.state)
    doc = json.loads(fast)
    assert doc["recorded_at"] == "2026-11-26T12:00:00+00:00" and doc["type"] == "UnitRegistered"
    assert json.loads(unit.state) == doc["state"]


def test_a_state_that_does_not_start_with_its_timestamp_still_encodes(store: Store) -> None:
    unit = store.recorder.select_notifications(start=1, limit=1)[0]
    state = json.loads(unit.state)
    stamp = state.pop("timestamp")
    moved = replace(unit, state=json.dumps({**state, "timestamp": stamp}).encode())
    assert json.loads(encode(moved, store.mapper))["recorded_at"] == stamp["_data_"]


def test_an_old_version_of_an_event_is_upcast(store: Store) -> None:
    """A version-1 Seconded (no purpose) off the topic reads as purpose unknown."""
    head = json.loads(envelopes(store)[0])
    state = {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2026-11-26T12:00:00+00:00"},
        "secondment_id": "s1", "home_unit": None, "home_level": None, "host_unit": "h",
        "host_level": "county", "start_date": {"_type_": "date", "_data_": "2026-01-05"},
        "planned_end_date": None, "approval": None,
    }  # fmt: skip
    topic = "domain.cadre_events:Seconded"
    env = parse(json.dumps({**head, "topic": topic, "type": "Seconded", "state": state}).encode())
    event = env.event()
    assert event.purpose == "" and event.start_date == date(2026, 1, 5)
    assert event.originator_id == env.originator_id and "class_version" not in event.__dict__
    assert "purpose" not in env.state  # a second event() of the same envelope upcasts again


def test_a_filed_complaint_leaves_its_sealed_reporter_and_receipt_in_the_store(
    store: Store,
) -> None:
    filed = parse(envelopes(store)[1])
    assert filed.type == "ComplaintFiled" and filed.state["named"] is True
    assert not {"reporter_sealed", "receipt_fingerprint"} & set(filed.state)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (b"\xff\xfe", "undecodable"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"envelope_version": 2}', "unsupported envelope_version"),
        (b'{"envelope_version": 1}', "missing fields"),
    ],
)
def test_what_is_not_an_envelope_is_refused(value: bytes, why: str) -> None:
    with pytest.raises(BadEnvelope, match=why):
        parse(value)


@pytest.mark.parametrize(
    "change",
    [
        {"topic": "os:system"},
        {"topic": "domain.unit:NoSuchEvent"},
        {"topic": "domain.unit:Unit"},  # an aggregate, not an event class
        {"position": 0},
        {"position": "1"},
        {"originator_id": "not-a-uuid"},
        {"state": []},
        {"recorded_at": None},
        {"state": {"timestamp": {"_type_": "no_such_type", "_data_": "x"}}},
        {"state": {"start_date": {"_type_": "date", "_data_": "not a date"}}},
        {"position": {"_type_": "decimal", "_data_": "5"}},
    ],
)
def test_an_envelope_with_a_bad_field_is_refused(store: Store, change: dict[str, Any]) -> None:
    doc = {**json.loads(envelopes(store)[0]), **change}
    with pytest.raises(BadEnvelope):
        parse(json.dumps(doc).encode())
