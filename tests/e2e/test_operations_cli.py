"""Operations commands over the real `jiandu` executable: migrate (and its --check, which a
part runs before it starts) and the container health probe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.commands.setup import version_key
from tests.support.servers import free_port

JIANDU = Path(sys.executable).parent / "jiandu"

STARTUP_PROBES = 200


def run(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    environ |= {"JIANDU_DATA_DIR": str(data_dir), "JIANDU_ENV": "test", **env}
    return subprocess.run(
        [str(JIANDU), *args], env=environ, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=120, check=False,
    )  # fmt: skip


def test_migrate_sets_up_an_empty_store_once_and_check_says_so(tmp_data_dir: Path) -> None:
    before = run(tmp_data_dir, "migrate", "--check")
    assert before.returncode == 1 and "has not run" in before.stderr

    first = run(tmp_data_dir, "migrate")
    assert first.returncode == 0, first.stderr
    assert "setup recorded for release" in first.stdout
    assert (tmp_data_dir / "events.sqlite3").is_file()
    assert (tmp_data_dir / "views.sqlite3").is_file()

    again = run(tmp_data_dir, "migrate")  # idempotent
    assert again.returncode == 0, again.stderr
    after = run(tmp_data_dir, "migrate", "--check")
    assert after.returncode == 0 and "found" in after.stdout


def test_release_versions_compare_as_numbers() -> None:
    assert version_key("0.2.10") > version_key("0.2.9")
    assert version_key("1.0.0") > version_key("0.9.9")
    assert version_key("0.1.0+local") == version_key("0.1.0")
    assert version_key("0.0.0+unknown") < version_key("0.1.0")


@pytest.fixture
def closed_port() -> int:
    return free_port()


def test_probe_fails_when_nothing_answers(tmp_data_dir: Path, closed_port: int) -> None:
    result = run(tmp_data_dir, "probe", "http", "--port", str(closed_port), "--timeout", "2")
    assert result.returncode == 1
    assert f"127.0.0.1:{closed_port}/healthz" in result.stderr


def test_probe_passes_on_a_live_api_and_fails_on_an_error_status(
    tmp_data_dir: Path, closed_port: int, tmp_path: Path
) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    environ |= {"JIANDU_DATA_DIR": str(tmp_data_dir), "JIANDU_ENV": "test"}
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [str(JIANDU), "serve", "--port", str(closed_port)],
        env=environ, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        port = ["--port", str(closed_port)]
        for _ in range(STARTUP_PROBES):  # each probe waits for its answer (or a refusal)
            if run(tmp_data_dir, "probe", "http", *port).returncode == 0:
                break
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
        else:
            raise AssertionError((tmp_path / "serve.log").read_text())
        ready = run(tmp_data_dir, "probe", "http", "--path", "/readyz", *port)
        assert ready.returncode == 0 and "HTTP 200" in ready.stdout
        missing = run(tmp_data_dir, "probe", "http", "--path", "/no/such/path", *port)
        assert missing.returncode == 1 and "HTTP 404" in missing.stderr
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
