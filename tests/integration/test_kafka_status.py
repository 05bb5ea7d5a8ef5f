"""Lag of the relay and the consumer groups in GET /api/v1/status and GET /metrics."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import build
from api.settings import Settings
from tests.support.http import bearer
from tests.support.kafka import (
    caught_up,
    deployment,
    end_offsets,
    projector,
    record_history,
    relay_all,
    services_over,
    wait_until,
)

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


def test_status_and_metrics_show_the_lag_of_the_relay_and_of_each_group(
    postgres_url: str, kafka_bootstrap: str
) -> None:
    with deployment(postgres_url, kafka_bootstrap, partitions=3) as d:
        store = d.store()
        services = services_over(store)
        record_history(services, cadres=10)
        relay_all(d, store)
        ends = end_offsets(d.bootstrap, d.topic)
        views = d.views()
        with projector(d, store, views, batch_size=100):
            wait_until(lambda: caught_up(views, d.group, d.topic, ends), 60, "the projector")

        settings = Settings(**{**d.settings.model_dump(), "transport": "kafka"})
        app = create_app(settings)
        platform = build(settings)  # not started: the projector group owns these views
        app.state.platform = platform
        try:
            assert platform.transport is not None
            platform.transport.ttl = 0
            body = TestClient(app).get("/api/v1/status", headers=bearer("auditor")).json()
            consumers = body["consumers"]
            total = store.position()
            assert consumers["topic"] == d.topic
            assert consumers["relay"] == {"position": total, "lag": 0}
            group = consumers["groups"][d.group]
            assert group["offsets"] == "views" and group["lag"] == 0
            assert {p: v["end"] for p, v in group["partitions"].items()} == {
                str(p): e for p, e in ends.items()
            }
            indexer = consumers["groups"][f"{d.group_prefix}-indexer"]
            assert indexer["offsets"] == "views" and indexer["lag"] == total
            # The projector group recorded its watermark: the projections' one position record.
            assert body["projections"]["careers"] == {"position": total, "lag": 0}

            # Three more events recorded, not yet relayed: the relay and every projection lag.
            services.personnel.admonish(
                "inspector",
                "K0000001",
                on=d.settings.current_date(),
                authority="县纪委",
                reason="a",
            )
            for _ in range(2):
                services.personnel.record_training(
                    "clerk", "K0000002", start_date=d.settings.current_date(), days=1, topic="b"
                )
            later = (
                TestClient(app).get("/api/v1/status", headers=bearer("auditor")).json()["consumers"]
            )
            assert later["relay"]["lag"] == 3
            status = TestClient(app).get("/api/v1/status", headers=bearer("auditor")).json()
            assert status["projections"]["careers"] == {"position": total, "lag": 3}

            metrics = TestClient(app).get("/metrics", headers=bearer("auditor"))
            assert metrics.status_code == 200
            assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
            lines = metrics.text.splitlines()
            assert f'jiandu_relay_lag_events{{topic="{d.topic}"}} 3' in lines
            projector_lag = (
                f'jiandu_consumer_group_lag_messages{{group="{d.group}",topic="{d.topic}"}} 0'
            )
            assert projector_lag in lines
            assert 'jiandu_projection_lag_events{projection="careers",transport="kafka"} 3' in lines
            assert f"jiandu_store_position {total + 3}" in lines
            assert all(line.startswith("#") or " " in line for line in lines)
        finally:
            platform.close()
