"""JIANDU_TRANSPORT: the Kafka transport is for the distributed mode only, and makes the
API's follower passive (it waits for the projector group instead of applying events)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.settings import Settings
from api.vault import AesGcmVault
from domain.clock import FixedClock
from domain.services import Services
from domain.store import Store
from projections.registry import read_models
from projections.source import StoreSource
from projections.sql import SqliteViews


def test_kafka_transport_needs_postgres_and_a_broker(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="transport 'kafka' needs"):
        Settings(transport="kafka", data_dir=tmp_path)
    with pytest.raises(ValidationError, match="transport 'kafka' needs"):
        Settings(transport="kafka", store="postgres", postgres_url="postgresql://u@h/db")
    ok = Settings(
        transport="kafka", store="postgres", postgres_url="postgresql://u@h/db",
        kafka_bootstrap="127.0.0.1:9092",
    )  # fmt: skip
    assert ok.transport == "kafka"


def test_a_passive_follower_waits_without_applying(tmp_path: Path) -> None:
    store = Store(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "e.db")}
    )
    services = Services.over(store, FixedClock.on(date(2026, 11, 26)), AesGcmVault.from_secret("t"))
    written = services.organisation.register_unit(
        "clerk", code="C1", name="县委组织部", level="county", kind="department"
    )
    views = SqliteViews(str(tmp_path / "views.db"))
    passive = read_models(StoreSource(store), views, passive=True)
    passive.start()  # does nothing: another process applies the events

    assert passive.wait_for(written.position, timeout=0.3) is False
    assert set(passive.positions().values()) == {0}

    read_models(StoreSource(store), views).catch_up()  # "the projector group"
    assert passive.wait_for(written.position, timeout=0.3) is True
