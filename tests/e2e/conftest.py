"""Fixtures of the HTTP tests: the app in process over a temporary data folder, and role tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.http import Headers, bearer, serve
from tests.support.ledger import copy_county, load_county


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
