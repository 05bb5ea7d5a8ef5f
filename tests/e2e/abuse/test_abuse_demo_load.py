"""Hole 9: a `kill -9` during `jiandu demo load` left half a county that later runs called
loaded. The load is now all or nothing: recorded aside, then stored in one transaction."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from api.bootstrap import build
from api.commands.demo import SCRATCH_PREFIX, scratch_store
from api.settings import Settings
from domain.errors import ConcurrentWrite
from domain.services import Services
from tests.support.abuse import JIANDU

TODAY = "2026-06-15"


def env(data_dir: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    return clean | {"JIANDU_DATA_DIR": str(data_dir), "JIANDU_TODAY": TODAY,
                    "JIANDU_STORE": "sqlite", "JIANDU_ENV": "test"}  # fmt: skip


def events_in(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_a_load_killed_midway_leaves_the_store_empty_and_the_next_one_loads(
    tmp_data_dir: Path, tmp_path: Path
) -> None:
    log = tmp_path / "load.log"
    with log.open("w") as out:
        loading = subprocess.Popen(
            [str(JIANDU), "demo", "load"],
            env=env(tmp_data_dir),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        while True:  # until the county is being recorded, part of it already written aside
            assert loading.poll() is None, log.read_text()
            aside = list(tmp_data_dir.glob(f"{SCRATCH_PREFIX}*/events.sqlite3"))
            if aside and events_in(aside[0]) > 100:
                break
            time.sleep(0.02)
        loading.send_signal(signal.SIGKILL)
        loading.wait()
    finally:
        if loading.poll() is None:
            loading.kill()
    assert events_in(tmp_data_dir / "events.sqlite3") == 0  # nothing of the county is stored

    again = subprocess.run([str(JIANDU), "demo", "load"], env=env(tmp_data_dir),
                           capture_output=True, text=True, timeout=1800, check=False)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "Loaded the demo county" in again.stdout
    assert list(tmp_data_dir.glob(f"{SCRATCH_PREFIX}*")) == []  # the leftover was removed
    stored = events_in(tmp_data_dir / "events.sqlite3")
    said = re.search(r"(\d+) events \(recorded", again.stdout)
    assert said and stored == int(said.group(1)) > 1000  # the whole county, once

    once_more = subprocess.run([str(JIANDU), "demo", "load"], env=env(tmp_data_dir),
                               capture_output=True, text=True, timeout=600)  # fmt: skip
    assert once_more.returncode == 0 and "loaded already" in once_more.stderr
    assert events_in(tmp_data_dir / "events.sqlite3") == stored


def test_appending_a_store_is_one_transaction(tmp_data_dir: Path) -> None:
    platform = build(Settings(env="test", data_dir=tmp_data_dir))
    try:
        with scratch_store(platform) as aside:
            services = Services.over(aside, platform.clock, platform.vault)
            for code in ("U1", "U2", "U3"):
                services.organisation.register_unit(
                    "clerk", code=code, name="某单位", level="county", kind="department"
                )
            assert platform.store.append_all(aside) == 3
            assert platform.store.position() == 3
            with pytest.raises(ConcurrentWrite):
                platform.store.append_all(aside)  # the same units again: all refused
            assert platform.store.position() == 3
    finally:
        platform.close()
