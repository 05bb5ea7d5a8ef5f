"""Fixtures of the HTTP tests: the app in process over a temporary data folder, and role tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.bootstrap import Platform, build
from api.commands import demo
from api.settings import Settings
from tests.support.http import Headers, bearer, serve
from tests.support.ledger import copy_county, load_county

DEMO_TODAY = date(2026, 6, 15)
"""The date the supervised demo county is loaded for."""


@pytest.fixture
def client(tmp_data_dir: Path) -> Iterator[TestClient]:
    """The app in process on ``TODAY``, with a public rate limit no test reaches by accident."""
    with serve(tmp_data_dir) as test_client:
        yield test_client


@pytest.fixture
def auth() -> Callable[..., Headers]:
    """``auth(role, subject=None)``: the Authorization header of a token with that role."""
    return bearer


@pytest.fixture(scope="session")
def county_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo county with its audit ledger, loaded once; tests work on copies (``county``)."""
    data_dir = tmp_path_factory.mktemp("ledger-county") / "data"
    load_county(data_dir)
    return data_dir


@pytest.fixture
def county(county_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo county's data folder, ledger included."""
    return copy_county(county_template, tmp_path / "county")


@pytest.fixture(scope="session")
def supervised_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Platform]]:
    """The demo county as of ``DEMO_TODAY``: loaded, its read models built, the supervision
    process caught up and swept (shared by the tests that only read it)."""
    data_dir = tmp_path_factory.mktemp("demo-county")
    env = {"JIANDU_DATA_DIR": str(data_dir), "JIANDU_TODAY": DEMO_TODAY.isoformat(),
           "JIANDU_STORE": "sqlite", "JIANDU_ENV": "test"}  # fmt: skip
    loaded = CliRunner().invoke(demo.app, ["load"], env=env)
    assert loaded.exit_code == 0, loaded.output
    platform = build(Settings(env="test", store="sqlite", data_dir=data_dir, today=DEMO_TODAY))
    platform.projector.catch_up()
    platform.supervision.sweep()
    platform.projector.catch_up()
    yield data_dir, platform
    platform.close()
