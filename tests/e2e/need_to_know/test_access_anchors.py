"""The access log anchored in the event store: `jiandu access verify` finds what the chain
alone cannot (a whole chain rewritten from an edit onward, its newest entries cut) and exits 1
naming the first broken entry; `jiandu access anchor` and the server write the anchors."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.access_anchoring import Anchoring
from api.access_log import _digest
from api.bootstrap import build
from api.cli import app as cli
from api.tokens import Principal
from tests.support.http import TEST_SECRET, app_settings, bearer, position, serve

UNIT = {"code": "T1", "name": "青石镇", "level": "township", "kind": "government"}
CADRE = {"code": "A1", "name": "张伟", "gender": "male", "birth_date": "1988-03-02"}


def run(data_dir: Path, *args: str) -> Any:
    env = {"JIANDU_ENV": "test", "JIANDU_SECRET": TEST_SECRET, "JIANDU_DATA_DIR": str(data_dir)}
    return CliRunner().invoke(cli, ["access", *args], env=env)


@pytest.fixture
def readings(tmp_data_dir: Path) -> Path:
    """Four readings of cadre A1's file, the first three anchored."""
    with serve(tmp_data_dir) as client:
        clerk = bearer("clerk", "组织部-王科员")
        for path, body in (("/api/v1/units", UNIT), ("/api/v1/cadres", CADRE)):
            assert client.post(path, json=body, headers=clerk).status_code == 201
        fresh = {"min_position": position(client)}
        for n in range(4):
            assert client.get("/api/v1/cadres/A1", params=fresh, headers=clerk).status_code == 200
            if n == 2:
                anchored = run(tmp_data_dir, "anchor")
                assert anchored.exit_code == 0, anchored.output
                assert "anchored entry 3" in anchored.output
    return tmp_data_dir


def keys_db(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(data_dir / "keys.sqlite3")


def verified(data_dir: Path) -> tuple[int, dict[str, Any]]:
    done = run(data_dir, "verify", "--json")
    return done.exit_code, json.loads(done.stdout)


def test_an_intact_log_verifies_against_its_anchors(readings: Path) -> None:
    code, found = verified(readings)
    assert (code, found["ok"], found["entries"], found["anchors"], found["last_anchored"]) == (
        0, True, 4, 1, 3)  # fmt: skip
    again = run(readings, "anchor")
    assert "anchored entry 4" in again.output
    assert "nothing new" in run(readings, "anchor").output
    plain = run(readings, "verify")
    assert plain.exit_code == 0 and "2 anchors, entries up to 4 anchored" in plain.output


def test_a_chain_rewritten_from_an_edit_onward_is_caught_by_its_anchor(readings: Path) -> None:
    with keys_db(readings) as conn:  # what a database administrator could do
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("SELECT * FROM jiandu_access_log ORDER BY seq")]
        rows[1]["subject"] = "别人"
        prev = rows[0]["hash"]
        for row in rows[1:]:
            entry = {k: row[k] for k in ("seq", "at", "subject", "role", "unit", "resource",
                                         "purpose", "client")}  # fmt: skip
            row["prev_hash"], row["hash"] = prev, _digest(prev, entry)
            prev = row["hash"]
            conn.execute("UPDATE jiandu_access_log SET subject = ?, prev_hash = ?, hash = ? "
                         "WHERE seq = ?", [row["subject"], row["prev_hash"], row["hash"],
                                           row["seq"]])  # fmt: skip
    code, found = verified(readings)
    assert (code, found["ok"], found["first_bad"]) == (1, False, 1)  # the first unvouched entry
    assert "rewritten" in found["problem"] and "entry 3" in found["problem"]
    plain = run(readings, "verify")
    assert plain.exit_code == 1 and "FAILED: access log entry 1" in plain.output


def test_cut_newest_entries_and_single_edits_are_named(readings: Path) -> None:
    with keys_db(readings) as conn:
        conn.execute("DELETE FROM jiandu_access_log WHERE seq >= 3")
    code, found = verified(readings)
    assert (code, found["first_bad"]) == (1, 3)
    assert found["problem"] == "entries 3 to 3 were anchored and are gone"
    with keys_db(readings) as conn:
        conn.execute("UPDATE jiandu_access_log SET purpose = '改' WHERE seq = 2")
    code, found = verified(readings)
    assert (code, found["first_bad"], found["problem"]) == (1, 2, "it was changed")


def test_an_anchor_is_an_event_the_ledger_covers_and_serve_anchors_by_itself(
    tmp_data_dir: Path,
) -> None:
    settings = app_settings(tmp_data_dir)
    assert settings.access_anchor_interval() == 0  # tests anchor when they mean to
    assert app_settings(tmp_data_dir, env="dev").access_anchor_interval() == 300
    with build(settings) as platform:
        anchoring = Anchoring(platform.store, platform.access_log)
        assert anchoring.anchor() is None  # an empty log has nothing to anchor
        platform.access_log.record(Principal(subject="x", role="clerk"), "cadre:A1")
        before = platform.store.position()
        assert anchoring.anchor() == platform.access_log.head()
        assert platform.store.position() == before + 2  # the anchors begun, one anchor
        assert anchoring.anchors() == [platform.access_log.head()]
    with serve(tmp_data_dir, access_anchor_seconds=3600):
        assert "access-anchor" in {t.name for t in threading.enumerate()}
    assert "access-anchor" not in {t.name for t in threading.enumerate()}


def test_auditors_run_the_same_check_over_http(readings: Path) -> None:
    with serve(readings) as client:
        path = "/api/v1/audit/access/verify"
        answer = client.post(path, headers=bearer("auditor"))
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"ok": True, "entries": 4, "anchors": 1, "last_anchored": 3,
                                 "first_bad": None, "problem": ""}  # fmt: skip
        for role in ("clerk", "inspector", "lead"):
            assert client.post(path, headers=bearer(role)).status_code == 403
        with keys_db(readings) as conn:
            conn.execute("DELETE FROM jiandu_access_log WHERE seq = 4")
        assert client.post(path, headers=bearer("auditor")).json()["ok"] is True  # unanchored
        with keys_db(readings) as conn:
            conn.execute("DELETE FROM jiandu_access_log WHERE seq = 3")
        found = client.post(path, headers=bearer("auditor")).json()
        assert (found["ok"], found["first_bad"]) == (False, 3)


def test_two_processes_anchoring_at_once_leave_one_anchor(tmp_data_dir: Path) -> None:
    with build(app_settings(tmp_data_dir)) as one, build(app_settings(tmp_data_dir)) as two:
        first, second = (Anchoring(p.store, p.access_log) for p in (one, two))
        one.access_log.record(Principal(subject="x", role="clerk"), "cadre:A1")
        assert first.anchor() is not None
        two.access_log.record(Principal(subject="y", role="clerk"), "cadre:A1")
        mine, theirs = first.prepare(), second.prepare()  # both see entry 2 as new
        assert mine is not None and theirs is not None
        assert second.save(theirs) == two.access_log.head()
        assert first.save(mine) is None  # a lost race, dropped: the other's anchor serves
        assert first.anchors() == second.anchors() == [(1, first.anchors()[0][1]),
                                                       two.access_log.head()]  # fmt: skip
        assert first.check().ok
