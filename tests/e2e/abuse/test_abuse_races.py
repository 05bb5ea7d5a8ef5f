"""Hole 10: twenty concurrent admonishments without expected_version gave fifteen 409s."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.http import bearer, position, serve

CADRE = "/api/v1/cadres/A1"


@pytest.fixture
def client(tmp_data_dir: Path) -> Iterator[TestClient]:
    with serve(tmp_data_dir) as test_client:
        clerk = bearer("clerk")
        for path, body in (
            ("/api/v1/units", {"code": "T1", "name": "青石镇", "level": "township",
                               "kind": "government"}),
            ("/api/v1/units", {"code": "C1", "name": "县委组织部", "level": "county",
                               "kind": "department"}),
            ("/api/v1/cadres", {"code": "A1", "name": "张伟", "gender": "male",
                                "birth_date": "1988-03-02"}),
            (f"{CADRE}/recruitment", {"effective_date": "2015-07-01", "unit": "T1",
                                      "channel": "exam"}),
        ):  # fmt: skip
            assert test_client.post(path, json=body, headers=clerk).status_code == 201
        yield test_client


def together(n: int, send: Callable[[int], Any]) -> list[Any]:
    """``send(i)`` for i < n from n threads released at once."""
    answers: list[Any] = [None] * n
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        barrier.wait()
        answers[i] = send(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_concurrent_commands_without_a_version_all_succeed(client: TestClient) -> None:
    before = position(client)
    clerk = bearer("clerk")
    answers = together(20, lambda i: client.post(
        f"{CADRE}/admonishments", headers=clerk,
        json={"date": "2024-05-01", "authority": "县纪委", "reason": f"第{i}次"}))  # fmt: skip
    assert [a.status_code for a in answers] == [201] * 20, [a.text for a in answers]
    assert sorted(a.json()["version"] for a in answers) == list(range(3, 23))
    assert position(client) == before + 20


def test_with_the_same_expected_version_exactly_one_wins(client: TestClient) -> None:
    clerk = bearer("clerk")
    body = {"start_date": "2024-01-01", "days": 1, "expected_version": 2}
    answers = together(10, lambda i: client.post(
        f"{CADRE}/training", headers=clerk, json={**body, "topic": f"{i}"}))  # fmt: skip
    assert sorted(a.status_code for a in answers) == [201] + [409] * 9


def test_an_invariant_that_fails_on_the_fresh_state_is_409(client: TestClient) -> None:
    clerk = bearer("clerk")
    answers = together(8, lambda i: client.post(
        f"{CADRE}/secondments", headers=clerk,
        json={"host_unit": "C1", "start_date": "2024-01-01", "purpose": f"{i}"}))  # fmt: skip
    assert sorted(a.status_code for a in answers) == [201] + [409] * 7
    refused = [a.json() for a in answers if a.status_code == 409]
    assert all(r["title"] == "Invariant violated" for r in refused), refused
