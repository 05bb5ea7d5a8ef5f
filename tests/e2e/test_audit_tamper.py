"""Tampering with the demo county's files, as someone with the database but not the log's key
would: `jiandu audit verify` exits 1 and names the position for every kind of change, and 0
when nothing was touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.ledger import county_env, flip_byte, sql

JIANDU = Path(sys.executable).parent / "jiandu"


def verify(data_dir: Path, *options: str) -> tuple[int, dict[str, Any]]:
    """Run `jiandu audit verify --json`; its exit status and answer."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    done = subprocess.run(
        [str(JIANDU), "audit", "verify", "--json", *options],
        env=env | county_env(data_dir), stdin=subprocess.DEVNULL, capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def events(county: Path) -> Path:
    return county / "events.sqlite3"


def views(county: Path) -> Path:
    return county / "views.sqlite3"


def position_of(county: Path, kind: str) -> int:
    """The position of the first stored event of that type."""
    (row,) = sql(events(county), "SELECT rowid FROM stored_events WHERE topic LIKE ? "
                 "ORDER BY rowid LIMIT 1", f"%:{kind}")  # fmt: skip
    return int(str(row[0]))


def test_untouched_it_exits_0_and_the_read_models_match_a_rebuild(county: Path) -> None:
    status, answer = verify(county)
    assert status == 0, answer
    assert answer["ok"] and answer["first_bad_position"] is None
    assert answer["checked"] == answer["leaves"] > 8000
    assert answer["read_models"]["ok"] and answer["read_models"]["compared"] > 8000


def test_an_admonishments_date_changed_in_the_file(county: Path) -> None:
    at = position_of(county, "Admonished")
    ((state,),) = sql(events(county), "SELECT state FROM stored_events WHERE rowid = ?", at)
    data = json.loads(bytes(state))
    old = data["date"]["_data_"]
    moved = bytes(state).replace(old.encode(), f"{int(old[:4]) - 1}{old[4:]}".encode())
    sql(events(county), "UPDATE stored_events SET state = ? WHERE rowid = ?", moved, at)
    status, answer = verify(county, "--no-read-models")
    assert status == 1
    assert answer["first_bad_position"] == at
    assert "stored bytes of the event at position" in answer["problem"]


def test_one_changed_byte_anywhere(county: Path) -> None:
    at = 4321
    ((state,),) = sql(events(county), "SELECT state FROM stored_events WHERE rowid = ?", at)
    sql(events(county), "UPDATE stored_events SET state = ? WHERE rowid = ?",
        flip_byte(bytes(state), 17), at)  # fmt: skip
    status, answer = verify(county, "--no-read-models")
    assert (status, answer["first_bad_position"]) == (1, at)


def test_a_deleted_event(county: Path) -> None:
    at = position_of(county, "Sanctioned")
    sql(events(county), "DELETE FROM stored_events WHERE rowid = ?", at)
    status, answer = verify(county, "--no-read-models")
    assert (status, answer["first_bad_position"]) == (1, at)
    assert "missing from the store (deleted)" in answer["problem"]


def test_an_inserted_event(county: Path) -> None:
    # SQLite numbers events without gaps: an insertion renumbers every later event.
    at = 5000
    ((state,),) = sql(events(county), "SELECT state FROM stored_events WHERE rowid = ?", at)
    rows = sql(events(county), "SELECT rowid FROM stored_events WHERE rowid >= ? "
               "ORDER BY rowid DESC", at)  # fmt: skip
    for (rowid,) in rows:
        sql(events(county), "UPDATE stored_events SET rowid = rowid + 1 WHERE rowid = ?", rowid)
    sql(events(county), "INSERT INTO stored_events (rowid, originator_id, originator_version, "
        "topic, state) VALUES (?, ?, ?, ?, ?)", at, "00000000-0000-4000-8000-000000000001", 1,
        "domain.cadre_events:Admonished", state)  # fmt: skip
    status, answer = verify(county, "--no-read-models")
    assert (status, answer["first_bad_position"]) == (1, at)
    assert "(inserted)" in answer["problem"]


def test_two_events_swapped(county: Path) -> None:
    a, b = 3000, 6000
    sql(events(county), "UPDATE stored_events SET rowid = -1 WHERE rowid = ?", a)
    sql(events(county), "UPDATE stored_events SET rowid = ? WHERE rowid = ?", a, b)
    sql(events(county), "UPDATE stored_events SET rowid = ? WHERE rowid = -1", b)
    status, answer = verify(county, "--no-read-models")
    assert (status, answer["first_bad_position"]) == (1, a)
    assert "another event now" in answer["problem"]
    assert any(p["position"] == b for p in answer["problems"])


@pytest.mark.parametrize(("level", "index", "at", "leaf"), [(0, 20, 77, 20 * 256 + 2),
                                                           (1, 0, 3 * 32, 3 * 256)])  # fmt: skip
def test_a_changed_tile(county: Path, level: int, index: int, at: int, leaf: int) -> None:
    where = "WHERE level = ? AND tile_index = ?"
    ((hashes,),) = sql(views(county), f"SELECT hashes FROM ledger_tiles {where}", level, index)
    sql(views(county), f"UPDATE ledger_tiles SET hashes = ? {where}",
        flip_byte(bytes(hashes), at), level, index)  # fmt: skip
    status, answer = verify(county, "--no-read-models")
    assert (status, answer["first_bad_position"]) == (1, leaf + 1)  # no gaps: position = leaf+1
    assert f"tile {level}/{index} was altered" in answer["problem"]


def test_a_changed_checkpoint(county: Path) -> None:
    ((size, note),) = sql(views(county), "SELECT size, note FROM ledger_checkpoints "
                          "ORDER BY size LIMIT 1")  # fmt: skip
    root = str(note).split("\n")[2]
    forged = str(note).replace(root, ("A" if root[0] != "A" else "B") + root[1:])
    sql(views(county), "UPDATE ledger_checkpoints SET note = ? WHERE size = ?", forged, size)
    status, answer = verify(county, "--no-read-models")
    assert (status, answer["first_bad_position"]) == (1, size)
    assert f"checkpoint of size {size}" in answer["problem"]


def test_a_changed_read_model_row(county: Path) -> None:
    ((code,),) = sql(views(county), "SELECT code FROM cadres ORDER BY code LIMIT 1")
    sql(views(county), "UPDATE cadres SET home_unit = 'ELSEWHERE' WHERE code = ?", code)
    status, answer = verify(county)
    assert status == 1
    assert answer["first_bad_position"] is None  # the events and the ledger are intact
    assert "read model cadres" in answer["problem"] and "home_unit" in answer["problem"]


def test_a_state_rewritten_as_text(county: Path) -> None:
    # An UPDATE that writes a string leaves the same characters under another column type:
    # the stored value is no longer the bytes that were integrated.
    at = position_of(county, "Seconded")
    sql(events(county), "UPDATE stored_events SET state = CAST(state AS TEXT) WHERE rowid = ?", at)
    ((kind,),) = sql(events(county), "SELECT typeof(state) FROM stored_events WHERE rowid = ?", at)
    assert kind == "text"
    status, answer = verify(county)
    assert (status, answer["first_bad_position"]) == (1, at)
    assert "stored bytes of the event at position" in answer["problem"]
