"""Hole 7: idempotency keys belong to the token's subject and are recorded with the write."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.http import assert_problem, bearer, position, serve

UNIT = {"code": "T1", "name": "青石镇", "level": "township", "kind": "government"}
CADRE = {"code": "A1", "name": "张伟", "gender": "male", "birth_date": "1988-03-02"}


@pytest.fixture
def world(tmp_data_dir: Path) -> Iterator[TestClient]:
    with serve(tmp_data_dir) as client:
        assert client.post("/api/v1/units", json=UNIT, headers=bearer("clerk")).status_code == 201
        assert client.post("/api/v1/cadres", json=CADRE, headers=bearer("clerk")).status_code == 201
        yield client


def review(client: TestClient, headers: dict[str, str], year: int = 2023) -> object:
    body = {"year": year, "rating": "excellent"}
    return client.post("/api/v1/cadres/A1/reviews", json=body, headers=headers)


def test_a_refreshed_token_of_the_same_subject_replays(world: TestClient) -> None:
    first = review(world, {**bearer("clerk", "干部科"), "Idempotency-Key": "r-1"})
    assert first.status_code == 201
    after = position(world)
    again = review(world, {**bearer("clerk", "干部科"), "Idempotency-Key": "r-1"})  # new token
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert position(world) == after


def test_another_subject_with_the_same_key_is_another_command(world: TestClient) -> None:
    first = review(world, {**bearer("clerk", "干部科"), "Idempotency-Key": "shared"})
    other = review(world, {**bearer("clerk", "人事科"), "Idempotency-Key": "shared"}, year=2022)
    assert first.status_code == other.status_code == 201
    assert other.json()["position"] > first.json()["position"]
    assert "idempotent-replayed" not in other.headers


def test_a_lost_answer_is_rebuilt_from_what_was_recorded_with_the_write(
    world: TestClient, tmp_data_dir: Path
) -> None:
    headers = {**bearer("clerk", "干部科"), "Idempotency-Key": "crash"}
    first = review(world, headers)
    # As if the process died between the commit and keeping the answer it sent.
    with sqlite3.connect(tmp_data_dir / "events.sqlite3") as conn:
        assert conn.execute("UPDATE jiandu_idempotency SET body = NULL").rowcount == 1
    again = review(world, headers)
    assert (again.status_code, again.json()) == (201, first.json())


def test_a_key_is_not_kept_for_a_request_that_wrote_nothing(world: TestClient) -> None:
    headers = {**bearer("clerk", "干部科"), "Idempotency-Key": "fails-first"}
    body = {"year": 2023, "rating": "excellent", "expected_version": 99}
    assert_problem(world.post("/api/v1/cadres/A1/reviews", json=body, headers=headers), 409)
    assert review(world, headers).status_code == 201


def test_racing_requests_with_one_key_write_once_across_processes(
    world: TestClient, tmp_data_dir: Path
) -> None:
    before = position(world)
    answers: list[tuple[int, dict[str, object]]] = []
    with serve(tmp_data_dir) as second:  # another API process over the same store
        clients = [world, second] * 4
        barrier = threading.Barrier(len(clients))

        def send(client: TestClient) -> None:
            headers = {**bearer("clerk", "干部科"), "Idempotency-Key": "race"}
            barrier.wait()
            response = review(client, headers)
            answers.append((response.status_code, response.json()))

        threads = [threading.Thread(target=send, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert position(world) == before + 1  # one write
    assert {status for status, _ in answers} == {201}
    assert len({str(body) for _, body in answers}) == 1  # every answer is the first one
    with sqlite3.connect(tmp_data_dir / "events.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM jiandu_idempotency").fetchone() == (1,)
