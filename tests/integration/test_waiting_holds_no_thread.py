"""Hole 5: `?min_position=` far beyond the store held a worker thread for 5 s each, so 80 such
requests stalled the API and `/healthz`. Now a position beyond the head is a 400 at once, and
waiting for one not applied yet holds no thread: `/healthz` answers while 80 reads wait.

The API runs in Kafka transport mode with no consumer group running, so nothing it waits for
is ever applied while the test runs (a real deployment whose consumers are down)."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.support.http import assert_problem, bearer
from tests.support.kafka import deployment

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
WAITING = 80


def test_healthz_answers_while_eighty_reads_wait(postgres_url: str, kafka_bootstrap: str) -> None:
    with deployment(postgres_url, kafka_bootstrap, partitions=1) as d:
        settings = Settings(**{**d.settings.model_dump(), "transport": "kafka"})
        with TestClient(create_app(settings)) as client:
            unit = {"code": "W1", "name": "等待镇", "level": "township", "kind": "government"}
            made = client.post("/api/v1/units", json=unit, headers=bearer("clerk"))
            assert made.status_code == 201, made.text
            head = int(made.json()["position"])

            finished: list[int] = []
            lock = threading.Lock()
            barrier = threading.Barrier(WAITING + 1)
            reader = bearer("inspector")

            def wait() -> None:
                barrier.wait()
                answer = client.get("/api/v1/units/W1", params={"min_position": head},
                                    headers=reader)  # fmt: skip
                with lock:
                    finished.append(answer.status_code)

            threads = [threading.Thread(target=wait) for _ in range(WAITING)]
            for thread in threads:
                thread.start()
            barrier.wait()
            health = client.get("/healthz")
            beyond = client.get("/api/v1/units/W1", params={"min_position": head + 1},
                                headers=reader)  # fmt: skip
            with lock:
                still_waiting = WAITING - len(finished)
            assert health.status_code == 200 and health.json() == {"status": "ok"}
            assert_problem(beyond, 400)  # beyond the head: at once, not after a wait
            assert still_waiting == WAITING  # both answered while every read still waited
            for thread in threads:
                thread.join()
            assert finished == [503] * WAITING  # never applied here: each gave up, in order
