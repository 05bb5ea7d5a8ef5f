"""Session fixtures for the real servers (started by deploy/local/ unless given) and data dirs."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / "deploy" / "local"
START_TIMEOUT_S = 900  # a first start resolves jars from Maven Central


def _run(script: Path, action: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(script), action],
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def _server(name: str, variable: str) -> Iterator[str]:
    """Yield the server's address from `variable`, else start it and stop it afterwards."""
    given = os.environ.get(variable)
    if given:
        yield given
        return
    script = LOCAL / f"{name}.sh"
    if not script.is_file():
        pytest.fail(f"{variable} is unset and {script} does not exist", pytrace=False)
    already_running = _run(script, "status").returncode == 0
    started = _run(script, "start")
    lines = [line for line in started.stdout.splitlines() if line.startswith(f"{variable}=")]
    if started.returncode != 0 or len(lines) != 1:
        pytest.fail(
            f"{script.name} start failed (exit {started.returncode}; set {variable} to use a "
            f"running server)\n--- stdout\n{started.stdout}\n--- stderr\n{started.stderr}",
            pytrace=False,
        )
    try:
        yield lines[0].split("=", 1)[1]
    finally:
        if not already_running:
            _run(script, "stop")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a real PostgreSQL database (JIANDU_TEST_POSTGRES_URL or deploy/local/postgres.sh)."""
    yield from _server("postgres", "JIANDU_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """Bootstrap address of a real Kafka broker (JIANDU_TEST_KAFKA_BOOTSTRAP or kafka.sh)."""
    yield from _server("kafka", "JIANDU_TEST_KAFKA_BOOTSTRAP")


@pytest.fixture(scope="session")
def search_url() -> Iterator[str]:
    """URL of a real search engine (JIANDU_TEST_SEARCH_URL or deploy/local/search.sh)."""
    yield from _server("search", "JIANDU_TEST_SEARCH_URL")


@pytest.fixture
def tmp_data_dir(tmp_path: Path) -> Path:
    """An empty JIANDU_DATA_DIR for one test."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    return data_dir
