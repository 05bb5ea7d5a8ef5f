"""The envelope codec without a broker: round trip, redaction and what counts as poison."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import Mapper

from api.vault import AesGcmVault
from consumers.envelope import BadEnvelope, encode, parse
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
    event = env.event(Mapper(transcoder=store.mapper.transcoder))
    assert event.code == "C1" and event.timestamp.isoformat() == env.recorded_at


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
    ],
)
def test_an_envelope_with_a_bad_field_is_refused(store: Store, change: dict[str, Any]) -> None:
    doc = {**json.loads(envelopes(store)[0]), **change}
    with pytest.raises(BadEnvelope):
        parse(json.dumps(doc).encode())
