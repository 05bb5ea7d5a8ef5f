"""Fixtures of the HTTP tests: the app in process over a temporary data folder, and role tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.http import Headers, bearer, serve


@pytest.fixture
def client(tmp_data_dir: Path) -> Iterator[TestClient]:
    """The app in process on ``TODAY``, with a public rate limit no test reaches by accident."""
    with serve(tmp_data_dir) as test_client:
        yield test_client


@pytest.fixture
def auth() -> Callable[..., Headers]:
    """``auth(role, subject=None)``: the Authorization header of a token with that role."""
    return bearer
