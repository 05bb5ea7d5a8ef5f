"""Read-your-writes in distributed mode: with JIANDU_TRANSPORT=kafka a read that names the
position of a write answers only once the Kafka-fed read models applied it, never stale.

The API process runs no follower; the relay and a projector group member run beside it, as
`jiandu relay` and `jiandu consume projector` would. A read with ``?min_position=`` answers 503
with Retry-After while the position is not applied (the client asks again), and its first other
answer already shows the write.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from consumers.relay import Relay, new_producer
from domain.store import Store
from tests.support.http import bearer
from tests.support.kafka import Deployment, deployment, projector, record_history, services_over

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

PATIENCE_S = 120.0  # how long the client keeps asking again after 503s (a loaded machine)


@contextmanager
def relaying(d: Deployment, store: Store) -> Iterator[None]:
    """`jiandu relay` in a thread until the block ends."""
    relay = Relay(store, lambda: new_producer(d.bootstrap), d.relay_log(), d.topic)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), kwargs={"interval": 0.05})
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=60)


def written(response: Any) -> int:
    assert response.status_code == 201, response.text
    position: int = response.json()["position"]
    return position


def read_own_write(client: TestClient, path: str, position: int) -> dict[str, Any]:
    """GET with ``min_position``, asking again after each 503 as its Retry-After says."""
    deadline = time.monotonic() + PATIENCE_S
    while True:
        response = client.get(path, params={"min_position": position}, headers=bearer("inspector"))
        if response.status_code != 503:
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body
        assert response.headers["Retry-After"] == "1"
        assert time.monotonic() < deadline, f"position {position} was never applied"


def test_a_read_naming_a_write_position_sees_the_write_through_kafka(
    postgres_url: str, kafka_bootstrap: str
) -> None:
    with deployment(postgres_url, kafka_bootstrap, partitions=3) as d:
        store = d.store()
        record_history(services_over(store), cadres=12)  # events on every partition
        settings = Settings(**{**d.settings.model_dump(), "transport": "kafka"})
        views = d.views()
        clerk = bearer("clerk", "clerk-kafka")
        with TestClient(create_app(settings)) as client:
            # Nothing is relayed yet: a read naming a write's position waits, then says so.
            unit = {"code": "RYW", "name": "读写镇", "level": "township", "kind": "government"}
            first = written(client.post("/api/v1/units", json=unit, headers=clerk))
            early = client.get(
                "/api/v1/units/RYW", params={"min_position": first}, headers=bearer("inspector")
            )
            assert early.status_code == 503 and early.headers["Retry-After"] == "1"

            with relaying(d, store), projector(d, store, views, batch_size=50):
                assert read_own_write(client, "/api/v1/units/RYW", first)["name"] == "读写镇"
                # Cadres whose events land on different partitions, each read right after
                # its write: the answer already shows the write.
                for n in range(8):
                    code = f"RYW{n:04d}"
                    person = {"code": code, "name": f"读者{n}", "gender": "female",
                              "birth_date": "1990-01-01"}  # fmt: skip
                    written(client.post("/api/v1/cadres", json=person, headers=clerk))
                    hiring = {"effective_date": "2020-07-01", "unit": "RYW", "channel": "exam"}
                    path = f"/api/v1/cadres/{code}/recruitment"
                    hired = written(client.post(path, json=hiring, headers=clerk))
                    cadre = read_own_write(client, f"/api/v1/cadres/{code}", hired)
                    assert cadre["home_unit"] == "RYW", cadre

                status = client.get("/api/v1/status", headers=bearer("auditor")).json()
                assert status["mode"] == "distributed"
                for name in ("organisation", "careers", "complaints", "findings"):
                    assert status["projections"][name]["position"] >= hired
