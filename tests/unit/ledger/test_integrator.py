"""The integrator over SQLite views: every stored event becomes a leaf in position order (gaps
recorded), tiles and bundles as C2SP tlog-tiles, checkpoints every N events or T seconds, and
never a checkpoint that does not extend the last one."""

from __future__ import annotations

import base64
import itertools
import sqlite3
import uuid
from pathlib import Path

import pytest

from projections.ledger.events import leaf_of
from projections.ledger.integrator import CheckpointPolicy
from projections.ledger.offline import (
    LedgerError,
    TlogProof,
    leaf_hash,
    open_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from projections.ledger.storage import decode_entries
from projections.ledger.tiles import TiledTree
from tests.support.ledger import Clock, FakeLog, flip_byte, ledger_over, sql
from tests.unit.ledger.test_proof_properties import reference_root


def gappy_log(count: int) -> FakeLog:
    """``count`` events whose positions skip every seventh number (rolled-back writes)."""
    log = FakeLog()
    position = 0
    for i in range(count):
        position += 2 if i % 7 == 3 else 1
        log.add(position, b'{"n": %d}' % i)
    return log


def test_every_event_is_a_leaf_and_every_gap_is_recorded(tmp_path: Path) -> None:
    log = gappy_log(700)
    ledger = ledger_over(log, tmp_path / "views.sqlite3", batch_size=97)
    assert ledger.integrator.catch_up() == 700
    head = ledger.tables.head()
    assert (head.size, head.position) == (700, log.head())
    assert base64.b64decode(head.root) == reference_root(log.leaf_hashes())
    recorded = [leaf for b in ledger.tables.bundles() for leaf in decode_entries(b.data)]
    assert [ledger.leaf(e.id)[0] for e in log.events[::50]] == list(range(0, 700, 50))
    assert len(recorded) == 700
    missing = {e.id for e in log.events} ^ set(range(1, log.head() + 1))
    for position in missing:  # a gap is not an event: no proof for it
        with pytest.raises(Exception, match="no event at position"):
            ledger.leaf(position)


def test_proofs_by_position_verify_against_the_signed_checkpoint(tmp_path: Path) -> None:
    log = gappy_log(300)
    ledger = ledger_over(log, tmp_path / "views.sqlite3")
    ledger.integrator.catch_up()
    ledger.integrator.sign_if_due(force=True)
    for event in log.events[::37]:
        proof = TlogProof.parse(ledger.proof(event.id))
        checkpoint, _, _ = open_checkpoint(proof.checkpoint, [ledger.keys.log])
        assert proof.extra == leaf_of(event)
        verify_inclusion(proof.index, checkpoint.size, leaf_hash(proof.extra), proof.hashes,
                         checkpoint.root)  # fmt: skip
        assert b'"position":%d,' % event.id in proof.extra


def test_checkpoints_every_n_events_or_t_seconds(tmp_path: Path) -> None:
    log, clock = FakeLog(), Clock()
    ledger = ledger_over(log, tmp_path / "v.sqlite3", policy=CheckpointPolicy(every=10, seconds=60),
                         batch_size=4, clock=clock)  # fmt: skip
    for position in range(1, 4):
        log.add(position)
    ledger.integrator.run_once()
    assert [c.size for c in ledger.tables.checkpoints()] == [3]  # the first one at once
    for position in range(4, 10):
        log.add(position)
    while ledger.integrator.run_once():
        pass
    assert [c.size for c in ledger.tables.checkpoints()] == [3]  # 6 new: neither N nor T
    clock.now += 61
    ledger.integrator.run_once()  # idle, but T has passed
    assert [c.size for c in ledger.tables.checkpoints()] == [3, 9]
    for position in range(10, 25):
        log.add(position)
    while ledger.integrator.run_once():
        pass
    sizes = [c.size for c in ledger.tables.checkpoints()]
    assert (
        sizes[:2] == [3, 9]
        and sizes[-1] >= 19
        and all(b - a <= 10 + 4 for a, b in itertools.pairwise(sizes))
    )


def test_a_restarted_integrator_carries_on_the_same_tree(tmp_path: Path) -> None:
    log = gappy_log(1000)
    views = tmp_path / "views.sqlite3"
    first = ledger_over(FakeLog(log.events[:613]), views, batch_size=50)
    first.integrator.catch_up()
    signer = first.keys.signer
    again = ledger_over(log, views, signer=signer, batch_size=211)
    again.integrator.catch_up()
    again.integrator.sign_if_due(force=True)
    assert base64.b64decode(again.tables.head().root) == reference_root(log.leaf_hashes())
    sizes = [c.size for c in again.tables.checkpoints()]
    tree = TiledTree(again.tables.tile)
    for a, b in itertools.pairwise(sizes):
        verify_consistency(a, b, tree.consistency(a, b), tree.root(a), tree.root(b))


def test_two_integrators_cannot_interleave_leaves(tmp_path: Path) -> None:
    log = gappy_log(40)
    views = tmp_path / "views.sqlite3"
    one = ledger_over(log, views, batch_size=10)
    other = ledger_over(log, views, signer=one.keys.signer, batch_size=10)
    one.integrator.run_once()
    other.integrator.run_once()  # loaded its edge after one's first batch: appends the next
    head = one.tables.head()
    assert one.integrator.run_once() == 0  # its edge is stale now: refused, nothing written
    assert one.tables.head() == head
    one.integrator.catch_up()  # reloads what the database holds and goes on
    assert base64.b64decode(one.tables.head().root) == reference_root(log.leaf_hashes())


@pytest.mark.parametrize(("level", "index"), [(0, 1), (1, 0)])
def test_the_log_refuses_to_sign_over_tiles_altered_after_its_last_checkpoint(
    tmp_path: Path, level: int, index: int
) -> None:
    log = gappy_log(300)
    views = tmp_path / "views.sqlite3"
    ledger = ledger_over(log, views)
    ledger.integrator.catch_up()
    ledger.integrator.sign_if_due(force=True)
    where = "WHERE level = ? AND tile_index = ?"
    ((hashes,),) = sql(views, f"SELECT hashes FROM ledger_tiles {where}", level, index)
    sql(views, f"UPDATE ledger_tiles SET hashes = ? {where}", flip_byte(bytes(hashes), 5),
        level, index)  # fmt: skip
    for position in range(log.head() + 1, log.head() + 20):
        log.add(position)
    restarted = ledger_over(log, views, signer=ledger.keys.signer)
    restarted.integrator.catch_up()
    with pytest.raises(LedgerError, match="refusing to sign"):
        restarted.integrator.sign_if_due(force=True)
    assert restarted.tables.checkpoints()[-1].size == 300


def test_stored_tiles_are_the_specifications_tiles(tmp_path: Path) -> None:
    log = FakeLog()
    for position in range(1, 600):
        log.add(position, aggregate=uuid.UUID(int=position % 3))
    ledger = ledger_over(log, tmp_path / "views.sqlite3", batch_size=1000)
    ledger.integrator.catch_up()
    hashes = log.leaf_hashes()
    assert ledger.tile("0/000") == b"".join(hashes[:256])
    assert ledger.tile("0/002.p/87") == b"".join(hashes[512:599])
    assert ledger.tile("1/000.p/2") == reference_root(hashes[:256]) + reference_root(
        hashes[256:512]
    )
    bundle = ledger.tile("entries/001")
    assert len(decode_entries(bundle)) == 256
    with pytest.raises(Exception, match="does not exist"):
        ledger.tile("0/003")
    with sqlite3.connect(tmp_path / "views.sqlite3") as conn:
        levels = conn.execute("SELECT DISTINCT level FROM ledger_tiles ORDER BY level").fetchall()
    assert levels == [(0,), (1,)]
