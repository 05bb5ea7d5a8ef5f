"""Hole 6: receipts reached the logs through `//`, query strings and encodings; known and
unknown receipts must answer in the same time."""

from __future__ import annotations

import logging
import statistics
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.http import serve

PUBLIC = "/api/v1/public/complaints"
REPORT = {"category": "作风", "title": "反映问题", "body": "情况如下。", "named": False}


@pytest.fixture
def client(tmp_data_dir: Path) -> TestClient:
    with serve(tmp_data_dir) as test_client:
        yield test_client


def test_no_spelling_of_a_receipt_reaches_the_log(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    receipt = client.post(PUBLIC, json=REPORT).json()["receipt"]
    spaced = " ".join(receipt)
    encoded = "".join(f"%{ord(c):02X}" for c in receipt)
    with caplog.at_level(logging.DEBUG):
        for path in (
            f"{PUBLIC}/{receipt}",
            f"{PUBLIC}//{receipt}",
            f"/{PUBLIC}/{receipt}",
            f"{PUBLIC}/{encoded}",
            f"{PUBLIC}/{receipt}/messages",
            f"{PUBLIC}?receipt={receipt}",
            f"{PUBLIC}/x?{receipt}=1",
            f"{PUBLIC}/0000000000000000?r={receipt}",
            f"/api/v1/public/complaint/{receipt}",
            f"/{receipt}",
            f"/api/v1/cadres/{receipt}",
        ):
            client.get(path)
            client.post(path, json={"text": spaced})
    lines = [r for r in caplog.records if r.name == "jiandu.requests"]
    assert len(lines) >= 22
    server = [r for r in caplog.records if not r.name.startswith("httpx")]  # the client's own
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in server)
    assert receipt not in logged and encoded not in logged and receipt[:8] not in logged
    routes = {r.__dict__["route"] for r in lines}
    assert "/api/v1/public/complaints/{receipt}" in routes and "(no route)" in routes
    assert any(r.__dict__["params"] == ["r"] for r in lines)  # names kept, values never


def test_known_and_unknown_receipts_answer_in_the_same_time(client: TestClient) -> None:
    receipt = client.post(PUBLIC, json=REPORT).json()["receipt"]
    for n in range(60):  # a long history makes a known receipt costlier to load
        assert (
            client.post(f"{PUBLIC}/{receipt}/messages", json={"text": f"补充{n}"}).status_code
            == 201
        )

    def seconds(path: str) -> float:
        start = time.perf_counter()
        client.get(path)
        return time.perf_counter() - start

    known: list[float] = []
    unknown: list[float] = []
    for _ in range(25):  # interleaved, so load on the machine affects both alike
        known.append(seconds(f"{PUBLIC}/{receipt}"))
        unknown.append(seconds(f"{PUBLIC}/8765432187654321"))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.6 <= ratio <= 1.67, ratio
