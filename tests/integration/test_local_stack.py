"""The local stack starts from any checkout folder: a private one (mode 0700, as a home folder
or `mktemp -d` makes) included, where the 'postgres' system user cannot enter."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
AS_ROOT = os.geteuid() == 0
pytestmark = pytest.mark.postgres  # the server binaries, not a running server


class Checkout:
    """A copy of deploy/local/ in a private folder, with its own PostgreSQL port."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.local_dir = folder / ".local-stack"
        self.port = free_port()

    def run(self, action: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
        env["JIANDU_POSTGRES_PORT"] = str(self.port)
        return subprocess.run(
            ["bash", str(self.folder / "deploy" / "local" / "postgres.sh"), action],
            capture_output=True, text=True, env=env, cwd=self.folder,
            stdin=subprocess.DEVNULL, check=False, timeout=300,
        )  # fmt: skip

    def elsewhere(self) -> Path | None:
        pointer = self.local_dir / "postgres" / "elsewhere"
        return Path(pointer.read_text().strip()) if pointer.exists() else None


@pytest.fixture
def checkout(tmp_path: Path) -> Iterator[Checkout]:
    folder = tmp_path / "private" / "jiandu"
    shutil.copytree(ROOT / "deploy" / "local", folder / "deploy" / "local")
    (tmp_path / "private").chmod(0o700)
    here = Checkout(folder)
    try:
        yield here
    finally:
        here.run("stop")


def test_postgres_starts_from_a_private_folder_and_stop_removes_what_it_put_elsewhere(
    checkout: Checkout,
) -> None:
    started = checkout.run("start")
    assert started.returncode == 0, started.stderr
    url = f"postgresql://postgres@127.0.0.1:{checkout.port}/jiandu_test"
    assert started.stdout.strip() == f"JIANDU_TEST_POSTGRES_URL={url}"
    with psycopg.connect(url) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)

    elsewhere = checkout.elsewhere()
    if AS_ROOT:  # the server runs as 'postgres', which cannot enter the private folder
        assert elsewhere is not None and (elsewhere / "data" / "PG_VERSION").is_file()
        assert not elsewhere.is_relative_to(checkout.folder.parent)
        assert (checkout.folder.parent.stat().st_mode & 0o777) == 0o700  # left private
    else:  # the server runs as us: its files stay in the checkout
        assert elsewhere is None
        assert (checkout.local_dir / "postgres" / "data" / "PG_VERSION").is_file()

    assert checkout.run("status").returncode == 0
    again = checkout.run("start")  # a second start finds the running server
    assert again.returncode == 0 and "already running" in again.stderr

    stopped = checkout.run("stop")
    assert stopped.returncode == 0, stopped.stderr
    assert checkout.run("status").returncode == 1
    if elsewhere is not None:
        assert not elsewhere.exists()
        assert checkout.elsewhere() is None
