"""`jiandu backup` and `jiandu restore` refuse what would lose or mix data, with exit 2 and a
clear message, and write nothing then."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

JIANDU = Path(sys.executable).parent / "jiandu"


def jiandu(data_dir: Path, *args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    environ |= {"JIANDU_ENV": "test", "JIANDU_DATA_DIR": str(data_dir), **env}
    return subprocess.run(
        [str(JIANDU), *map(str, args)], env=environ, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, check=False, timeout=300,
    )  # fmt: skip


@pytest.fixture
def backup(tmp_path: Path) -> Path:
    """A backup of a small embedded store."""
    source = tmp_path / "source"
    assert jiandu(source, "migrate").returncode == 0
    assert jiandu(source, "token", "issue", "--role", "clerk", "--subject", "x").returncode == 0
    dest = tmp_path / "backup"
    taken = jiandu(source, "backup", dest)
    assert taken.returncode == 0, taken.stderr
    return dest


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_backup_goes_only_into_a_new_or_empty_folder(tmp_path: Path, backup: Path) -> None:
    source = tmp_path / "source"
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "other.txt").write_text("keep me")
    refused = jiandu(source, "backup", busy)
    assert refused.returncode == 2 and "not an empty folder" in refused.stderr
    assert snapshot(busy) == {"other.txt": b"keep me"}


def test_a_backup_of_no_store_is_refused_and_leaves_no_folder(tmp_path: Path) -> None:
    refused = jiandu(tmp_path / "nothing", "backup", tmp_path / "b")
    assert refused.returncode == 2 and "no event store" in refused.stderr
    assert not (tmp_path / "b").exists()


def test_restore_refuses_a_data_folder_that_holds_a_store(tmp_path: Path, backup: Path) -> None:
    source = tmp_path / "source"
    before = snapshot(source)
    refused = jiandu(source, "restore", backup)
    assert refused.returncode == 2 and "empty JIANDU_DATA_DIR" in refused.stderr
    assert snapshot(source) == before


def test_restore_refuses_a_damaged_backup(tmp_path: Path, backup: Path) -> None:
    events = backup / "events.sqlite3"
    data = bytearray(events.read_bytes())
    data[len(data) // 2] ^= 0xFF
    events.write_bytes(bytes(data))
    target = tmp_path / "target"
    refused = jiandu(target, "restore", backup)
    assert refused.returncode == 2 and "checksum" in refused.stderr
    assert not target.exists() or not any(target.iterdir())


def test_restore_refuses_a_backup_of_the_other_mode(tmp_path: Path, backup: Path) -> None:
    refused = jiandu(
        tmp_path / "target", "restore", backup, JIANDU_STORE="postgres",
        JIANDU_POSTGRES_URL="postgresql://nobody@127.0.0.1:1/none",
    )  # fmt: skip
    assert refused.returncode == 2 and "backup of the embedded mode" in refused.stderr


def test_restore_refuses_a_folder_that_is_no_backup(tmp_path: Path) -> None:
    (tmp_path / "junk").mkdir()
    refused = jiandu(tmp_path / "target", "restore", tmp_path / "junk")
    assert refused.returncode == 2 and "not a Jiandu backup" in refused.stderr
