"""The rebuild's and the transport's event decoder gives what the store's mapper gives."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from eventsourcing.persistence import StoredEvent

from api.vault import AesGcmVault
from domain.clock import FixedClock
from domain.services import Services
from domain.store import Store
from projections.decoding import EventDecoder
from projections.source import StoreSource


@pytest.fixture
def services(tmp_path: Path) -> Services:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "e.db")}
    services = Services.over(
        Store(env=env), FixedClock.on(date(2026, 11, 26)), AesGcmVault.from_secret("d")
    )
    org, people = services.organisation, services.personnel
    org.register_unit("c", code="C", name="某县", level="county", kind="department")
    org.register_unit("c", code="T", name="某镇", level="township", kind="government", parent="C")
    people.register_cadre("c", code="A", name="张三", gender="male", birth_date=date(1990, 1, 2))
    people.recruit("c", "A", effective_date=date(2019, 1, 1), unit="T", channel="exam")
    people.second("c", "A", host_unit="C", start_date=date(2021, 3, 1), purpose="专项")
    services.complaints.file(
        "public", category="x", title="t", body="b", named=True,
        reporter={"name": "李四", "phone": "13800000000"},
        received_at=datetime(2026, 11, 1, tzinfo=UTC),
    )  # fmt: skip
    return services


def test_every_event_decodes_as_the_mapper_decodes_it(services: Services) -> None:
    store = services.store
    notifications = store.recorder.select_notifications(start=1, limit=100)
    decode = EventDecoder(store.mapper)
    assert len(notifications) > 5
    for n in notifications:
        ours, theirs = decode(n), store.mapper.to_domain_event(n)
        assert type(ours) is type(theirs) and ours.__dict__ == theirs.__dict__
    registered = [e for _, e in StoreSource(store).read(0, 100) if hasattr(e, "birth_date")]
    assert [e.birth_date for e in registered] == [date(1990, 1, 2)]


def test_an_old_version_of_an_event_is_upcast(services: Services) -> None:
    store = services.store
    seconded = next(
        n for n in store.recorder.select_notifications(start=1, limit=100)
        if n.topic.endswith(":Seconded")
    )  # fmt: skip
    state = json.loads(seconded.state)
    del state["class_version"], state["purpose"]  # version 1 had neither
    old = StoredEvent(
        originator_id=seconded.originator_id, originator_version=seconded.originator_version,
        topic=seconded.topic, state=json.dumps(state).encode(),
    )  # fmt: skip
    event = EventDecoder(store.mapper)(old)  # type: ignore[arg-type]
    assert event.purpose == "" and event.__dict__ == store.mapper.to_domain_event(old).__dict__
    assert "class_version" not in event.__dict__


def test_a_typed_value_of_no_known_type_is_refused(services: Services) -> None:
    store = services.store
    n = store.recorder.select_notifications(start=1, limit=1)[0]
    bad = StoredEvent(
        originator_id=n.originator_id, originator_version=n.originator_version, topic=n.topic,
        state=b'{"timestamp": {"_type_": "no_such_type", "_data_": "x"}}',
    )  # fmt: skip
    with pytest.raises(ValueError, match="no_such_type"):
        EventDecoder(store.mapper)(bad)  # type: ignore[arg-type]
