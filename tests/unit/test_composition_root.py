"""The composition root: what an entry point opens is closed when it ends, last opened first."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest

from api.bootstrap import build
from api.settings import Settings, UnsafeSettingsError


def running() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith("jiandu-")}


def test_a_platform_stops_its_followers_and_closes_what_it_opened(tmp_path: Path) -> None:
    settings = Settings(env="test", data_dir=tmp_path, today=date(2026, 11, 26))
    with build(settings) as platform:
        platform.followers.start()
        assert {"jiandu-read_models", "jiandu-search", "jiandu-supervision"} <= running()
        written = platform.services.organisation.register_unit(
            "clerk", code="C1", name="县委组织部", level="county", kind="department"
        )
        assert platform.followers.wait_for(written.position, timeout=30)
    assert not running()
    with pytest.raises(Exception):  # noqa: B017 - the library's own "closed" error
        platform.store.position()


def open_files(folder: Path) -> list[str]:
    """The files under ``folder`` this process holds open."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


def test_a_platform_that_fails_to_build_closes_what_it_had_opened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    missing_key = tmp_path / "no-such-key"  # read after the store and the views are open
    bad = Settings(env="test", data_dir=data, ledger_key_file=missing_key)
    with pytest.raises(UnsafeSettingsError):
        build(bad)
    assert (data / "events.sqlite3").exists(), "the store was opened before the failure"
    assert open_files(tmp_path) == []
