"""Fixtures of the web-page tests: the demo county loaded once, the app over it, signing in."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser
from typer.testing import CliRunner

from api.app import create_app
from api.bootstrap import build
from api.commands import demo
from tests.support.browser import launch_chromium
from tests.support.pages import TODAY, county_settings, sign_in
from tests.support.servers import serve_live


@pytest.fixture(scope="session")
def county_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the demo county loaded, its views, index and findings built."""
    data_dir = tmp_path_factory.mktemp("ui-county")
    env = {"JIANDU_DATA_DIR": str(data_dir), "JIANDU_TODAY": TODAY.isoformat(),
           "JIANDU_STORE": "sqlite", "JIANDU_ENV": "test"}  # fmt: skip
    loaded = CliRunner().invoke(demo.app, ["load"], env=env)
    assert loaded.exit_code == 0, loaded.output
    platform = build(county_settings(data_dir))
    try:
        platform.projector.catch_up()
        platform.supervision.sweep()
        platform.projector.catch_up()
        assert platform.search is not None
        platform.search.catch_up()
        assert platform.ledger is not None
        platform.ledger.integrator.catch_up()
        platform.ledger.sign_now()  # a checkpoint that covers the whole county
    finally:
        platform.close()
    return data_dir


@pytest.fixture(scope="session")
def example_cadre(county_dir: Path) -> str:
    """The planted secondee who never went back (what the README's curl shows)."""
    shown = CliRunner().invoke(demo.app, ["example"])
    assert shown.exit_code == 0, shown.output
    return shown.output.strip()


@pytest.fixture(scope="module")
def pages(county_dir: Path) -> Iterator[TestClient]:
    """The app over the demo county, spoken to over HTTPS (its cookies are Secure)."""
    with TestClient(create_app(county_settings(county_dir)), base_url="https://testserver") as c:
        yield c


@pytest.fixture
def fresh_pages(tmp_data_dir: Path) -> Iterator[TestClient]:
    """The app over an empty store (for tests that write)."""
    with TestClient(create_app(county_settings(tmp_data_dir)), base_url="https://testserver") as c:
        yield c


@pytest.fixture
def as_role() -> Callable[..., TestClient]:
    """``as_role(client, role)``: sign the client in with that role."""
    return sign_in


@pytest.fixture(scope="module")
def live_server(county_dir: Path) -> Iterator[str]:
    """The app over the demo county, served by uvicorn on a free loopback port."""
    with serve_live(create_app(county_settings(county_dir))) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (launched by path: no browser download)."""
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests save screenshots: JIANDU_SCREENSHOT_DIR (the README's pictures
    come from `JIANDU_SCREENSHOT_DIR=docs/screenshots`), else a temporary folder."""
    chosen = os.environ.get("JIANDU_SCREENSHOT_DIR")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
