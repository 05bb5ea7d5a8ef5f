"""Fixtures of the supervision tests: a world over a fresh temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.supervision import World


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """The standard organisation over a fresh store, views and supervision."""
    opened = World.open(tmp_path)
    yield opened.organisation()
    opened.supervision.stop()
    opened.store.close()
