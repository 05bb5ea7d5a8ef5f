"""The server keeps what startup built out of the cyclic collector's way while it serves."""

from __future__ import annotations

import gc
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.heap import YOUNG_THRESHOLD
from api.settings import Settings


def test_a_serving_app_freezes_its_startup_heap_and_gives_it_back(tmp_path: Path) -> None:
    settings = Settings(env="test", data_dir=tmp_path, today=date(2026, 11, 26))
    before = gc.get_threshold()
    with TestClient(create_app(settings, freeze_heap=True)) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > 10_000  # the platform, routes and models
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_an_app_in_a_test_leaves_the_collector_alone(tmp_path: Path) -> None:
    settings = Settings(env="test", data_dir=tmp_path, today=date(2026, 11, 26))
    before = gc.get_threshold()
    with TestClient(create_app(settings)):
        assert gc.get_freeze_count() == 0
        assert gc.get_threshold() == before
