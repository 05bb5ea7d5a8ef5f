"""``Store.positioned``: one aggregate's events with their positions, as far as a position.

The composition root's recorders answer with one indexed query; a store built on the library's
own recorder falls back to scanning the whole log, and says so once, in a structured line.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from api.vault import AesGcmVault
from domain.clock import FixedClock
from domain.ids import cadre_id
from domain.services import Services
from domain.store import Store

CLERK = "clerk-positioned"


def _store(tmp_path: Path, module: str) -> Store:
    return Store(env={"PERSISTENCE_MODULE": module, "SQLITE_DBNAME": str(tmp_path / "e.db")})


@pytest.fixture
def written(tmp_path: Path) -> list[int]:
    """Two cadres' careers interleaved; the positions of cadre A's events."""
    store = _store(tmp_path, "projections.recorders:SQLiteFactory")
    services = Services.over(store, FixedClock.on(date(2026, 11, 26)), AesGcmVault.from_secret("p"))
    org, personnel = services.organisation, services.personnel
    org.register_unit(CLERK, code="T1", name="青石镇", level="township", kind="government")
    positions = []
    for code in ("A", "B"):
        written = personnel.register_cadre(
            CLERK, code=code, name="甲", gender="f", birth_date=date(1990, 1, 1)
        )
        if code == "A":
            positions.append(written.position)
    for code in ("A", "B"):
        written = personnel.recruit(
            CLERK, code, effective_date=date(2025, 3, 1), unit="T1", channel="exam"
        )
        if code == "A":
            positions.append(written.position)
    positions.append(personnel.admonish(CLERK, "A", on=date(2026, 1, 5), authority="县纪委",
                                        reason="迟到").position)  # fmt: skip
    store.close()
    return positions


@pytest.mark.parametrize("module", ["projections.recorders:SQLiteFactory", "eventsourcing.sqlite"])
def test_a_history_read_stops_at_a_position(
    tmp_path: Path, written: list[int], module: str
) -> None:
    store = _store(tmp_path, module)
    a = cadre_id("A")
    assert [p for p, _ in store.positioned(a)] == written
    assert [p for p, _ in store.positioned(a, upto=written[1])] == written[:2]
    assert [p for p, _ in store.positioned(a, upto=written[1] - 1)] == written[:1]
    assert store.positioned(a, upto=written[0] - 1) == []
    assert [e.originator_version for _, e in store.positioned(a, upto=written[2])] == [1, 2, 3]


def test_the_library_recorder_scans_the_log_and_warns_once(
    tmp_path: Path, written: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    store = _store(tmp_path, "eventsourcing.sqlite")
    with caplog.at_level(logging.WARNING, logger="jiandu.store"):
        first = store.positioned(cadre_id("A"))
        store.positioned(cadre_id("B"))
        store.positioned(cadre_id("A"), upto=written[1])
    [warning] = [r for r in caplog.records if r.name == "jiandu.store"]
    assert "scan the whole event log" in warning.getMessage()
    assert warning.__dict__["recorder"] == "eventsourcing.sqlite.SQLiteProcessRecorder"
    assert warning.__dict__["events"] == store.position()
    assert [p for p, _ in first] == written


def test_the_composition_roots_recorder_reads_without_warning(
    tmp_path: Path, written: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    store = _store(tmp_path, "projections.recorders:SQLiteFactory")
    with caplog.at_level(logging.WARNING, logger="jiandu.store"):
        assert [p for p, _ in store.positioned(cadre_id("A"))] == written
    assert not [r for r in caplog.records if r.name == "jiandu.store"]


@pytest.mark.parametrize("module", ["projections.recorders:SQLiteFactory", "eventsourcing.sqlite"])
def test_several_histories_read_together_stop_at_a_position(
    tmp_path: Path, written: list[int], module: str
) -> None:
    store = _store(tmp_path, module)
    a, b, nobody = cadre_id("A"), cadre_id("B"), cadre_id("nobody")
    for upto in (None, written[1], written[0] - 1):
        together = store.positioned_many([a, b, nobody], upto)
        assert list(together) == [a, b, nobody]
        for oid in (a, b, nobody):
            alone = store.positioned(oid, upto)
            assert [(p, e.originator_version) for p, e in together[oid]] == [
                (p, e.originator_version) for p, e in alone
            ]
    assert store.positioned_many([], None) == {}
