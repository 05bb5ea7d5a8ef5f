"""Verification names what was altered and where: events changed, deleted, inserted into a gap,
moved; entries, tiles and checkpoints changed; a history rewritten together with its ledger."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from projections.ledger.integrator import Integrator
from projections.ledger.service import AuditLedger
from projections.ledger.storage import LedgerTables, decode_entries, encode_entries
from projections.sql import SqliteViews
from tests.support.ledger import FakeLog, flip_byte, ledger_over, sql


@pytest.fixture
def log() -> FakeLog:
    """600 events; positions 100, 200, ... 500 are gaps (rolled-back writes)."""
    log = FakeLog()
    for position in range(1, 606):
        if position % 100:
            log.add(position, b'{"seq": %d}' % position)
    return log


@pytest.fixture
def ledger(log: FakeLog, tmp_path: Path) -> AuditLedger:
    ledger = ledger_over(log, tmp_path / "views.sqlite3", batch_size=128)
    ledger.integrator.catch_up()
    ledger.integrator.sign_if_due(force=True)
    return ledger


def first(ledger: AuditLedger) -> tuple[int | None, str]:
    result = ledger.verify()
    assert not result.ok
    found = result.first
    assert found is not None
    return found.position, found.text


def test_an_untouched_ledger_verifies(ledger: AuditLedger, log: FakeLog) -> None:
    result = ledger.verify()
    assert result.ok, result.problems
    assert (result.checked, result.leaves, result.pending) == (len(log.events), len(log.events), 0)
    assert result.checkpoints == len(ledger.tables.checkpoints())


def test_new_events_are_pending_not_problems(ledger: AuditLedger, log: FakeLog) -> None:
    log.add(700)
    result = ledger.verify()
    assert result.ok and result.pending == 1


def test_a_changed_byte(ledger: AuditLedger, log: FakeLog) -> None:
    i = next(i for i, e in enumerate(log.events) if e.id == 321)
    log.events[i] = dataclasses.replace(log.events[i], state=flip_byte(log.events[i].state, 3))
    assert first(ledger) == (321, "the stored bytes of the event at position 321 (Seconded of "
                             f"{log.events[i].originator_id} v1) were changed")  # fmt: skip


def test_a_deleted_event(ledger: AuditLedger, log: FakeLog) -> None:
    log.events = [e for e in log.events if e.id != 250]
    position, text = first(ledger)
    assert position == 250 and "missing from the store (deleted)" in text


def test_an_event_inserted_into_a_gap(ledger: AuditLedger, log: FakeLog) -> None:
    log.add(300)
    log.events.sort(key=lambda e: e.id)
    position, text = first(ledger)
    assert position == 300 and "not in the ledger (inserted)" in text


def test_two_events_swapped(ledger: AuditLedger, log: FakeLog) -> None:
    a = next(i for i, e in enumerate(log.events) if e.id == 410)
    b = next(i for i, e in enumerate(log.events) if e.id == 530)
    ea, eb = log.events[a], log.events[b]
    log.events[a] = dataclasses.replace(eb, id=410)
    log.events[b] = dataclasses.replace(ea, id=530)
    position, text = first(ledger)
    assert position == 410 and "another event now" in text


def test_a_changed_tile(ledger: AuditLedger, tmp_path: Path) -> None:
    views = tmp_path / "views.sqlite3"
    ((hashes,),) = sql(views, "SELECT hashes FROM ledger_tiles WHERE level = 0 AND tile_index = 1")
    sql(views, "UPDATE ledger_tiles SET hashes = ? WHERE level = 0 AND tile_index = 1",
        flip_byte(bytes(hashes), 32 * 10))  # fmt: skip
    position, text = first(ledger)
    assert position == _position(ledger, 266)
    assert "tile 0/1 was altered" in text


def test_a_changed_checkpoint(ledger: AuditLedger, tmp_path: Path) -> None:
    views = tmp_path / "views.sqlite3"
    size, note = sql(views, "SELECT size, note FROM ledger_checkpoints ORDER BY size")[1]
    sql(views, "UPDATE ledger_checkpoints SET note = ? WHERE size = ?",
        note.replace(f"\n{size}\n", f"\n{size - 1}\n"), size)  # fmt: skip
    position, text = first(ledger)
    assert position == _position(ledger, size - 1)
    assert f"checkpoint of size {size}" in text and "does not verify" in text


def test_a_changed_entry(ledger: AuditLedger, tmp_path: Path) -> None:
    views = tmp_path / "views.sqlite3"
    bundle = ledger.tables.bundle(0)
    assert bundle is not None
    leaves = decode_entries(bundle.data)
    leaves[7] = leaves[7].replace(b'"version":1', b'"version":2')
    sql(views, "UPDATE ledger_entries SET data = ? WHERE tile_index = 0", encode_entries(leaves))
    position, text = first(ledger)
    assert position == 8 and "entry for position 8 was altered" in text


def test_a_history_rewritten_with_its_entries_and_tiles(
    ledger: AuditLedger, log: FakeLog, tmp_path: Path
) -> None:
    # An intruder with the database but not the log's key: changes an event, then rebuilds the
    # ledger's entries, tiles and head from the altered store. Only the signatures stand.
    views = tmp_path / "views.sqlite3"
    i = next(i for i, e in enumerate(log.events) if e.id == 333)
    log.events[i] = dataclasses.replace(log.events[i], state=b'{"seq": "forged"}')
    for table in ("ledger_tiles", "ledger_entries", "ledger_head"):
        sql(views, f"DELETE FROM {table}")
    tables = LedgerTables(SqliteViews(str(views)))
    Integrator(log, tables, None, batch_size=1000).catch_up()
    position, text = first(ledger)
    sizes = [c.size for c in ledger.tables.checkpoints()]
    below = max(s for s in sizes if s <= 329)  # leaf 329 is position 333
    assert position == _position(ledger, below)
    assert "rewritten together with the ledger's entries and tiles" in text


def test_events_removed_from_the_end_with_their_leaves(
    ledger: AuditLedger, log: FakeLog, tmp_path: Path
) -> None:
    views = tmp_path / "views.sqlite3"
    log.events = log.events[:-30]
    for table in ("ledger_tiles", "ledger_entries", "ledger_head"):
        sql(views, f"DELETE FROM {table}")
    Integrator(log, LedgerTables(SqliteViews(str(views))), None, batch_size=1000).catch_up()
    result = ledger.verify()
    assert not result.ok
    assert any("covers more leaves than the ledger holds" in p.text for p in result.problems)


def _position(ledger: AuditLedger, index: int) -> int:
    return ledger.position_of(index)


@pytest.mark.parametrize("batch", [1, 7, 256, 5000])
def test_small_and_large_batches_find_the_same(
    ledger: AuditLedger, log: FakeLog, batch: int
) -> None:
    from projections.ledger.verify import verify_ledger

    keys = ledger.keys.log_keys()
    untouched = verify_ledger(log, ledger.tables, keys, batch_size=batch)
    assert untouched.ok and untouched.checked == len(log.events)
    i = next(i for i, e in enumerate(log.events) if e.id == 333)
    log.events[i] = dataclasses.replace(log.events[i], state=b"{}")
    log.events = [e for e in log.events if e.id != 444]
    found = verify_ledger(log, ledger.tables, keys, batch_size=batch)
    assert [p.position for p in found.problems if not p.secondary] == [333, 444]
