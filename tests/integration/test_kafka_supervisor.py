"""The supervisor group hands events to the supervision process (rules issue) through Kafka:
findings are recorded, and a second pass over the same messages records nothing more."""

from __future__ import annotations

import threading

import pytest

from api.bootstrap import Platform, build
from consumers.deadletter import DeadLetters
from consumers.following import FollowerSink
from consumers.loop import GroupConsumer
from consumers.relay import new_producer
from tests.support.kafka import (
    Deployment,
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


def supervise(d: Deployment, platform: Platform, group: str, messages: int) -> int:
    """Run a supervisor group member until it has taken every message; returns dead letters."""
    sink = FollowerSink(platform.supervision.follower, platform.views, platform.store, group)
    dead = DeadLetters(lambda: new_producer(d.bootstrap), d.topic, group)
    member = GroupConsumer(d.bootstrap, d.topic, sink, dead, batch_size=200, poll_ms=200)
    stop = threading.Event()
    thread = threading.Thread(target=member.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_until(lambda: member.applied >= messages, 120, f"group {group}")
    finally:
        stop.set()
        thread.join(timeout=60)
    return dead.sent


def supervised(postgres_url: str, kafka_bootstrap: str, passes: int) -> tuple[int, list[int]]:
    """Record a history, project it, then run ``passes`` supervisor groups over the whole topic;
    returns the dead letters and the events the supervision recorded in each pass."""
    with deployment(postgres_url, kafka_bootstrap, partitions=3) as d:
        store = d.store()
        record_history(services_over(store), cadres=30)
        relay_all(d, store)
        ends = end_offsets(d.bootstrap, d.topic)
        views = d.views()
        with projector(d, store, views, batch_size=200):
            wait_until(lambda: caught_up(views, d.group, d.topic, ends), 90, "the projector")
        platform = build(d.settings)
        try:
            messages, dead, recorded = store.position(), 0, []
            for n in range(passes):
                before = store.position()
                dead += supervise(d, platform, f"{d.group_prefix}-supervisor{n}", messages)
                recorded.append(store.position() - before)
            return dead, recorded
        finally:
            platform.close()


def test_the_supervisor_group_records_findings(postgres_url: str, kafka_bootstrap: str) -> None:
    dead, recorded = supervised(postgres_url, kafka_bootstrap, passes=1)
    assert dead == 0
    assert recorded[0] > 0, "the history breaks some rules: findings are recorded"


def test_a_second_pass_over_the_topic_records_nothing(
    postgres_url: str, kafka_bootstrap: str
) -> None:
    dead, recorded = supervised(postgres_url, kafka_bootstrap, passes=2)
    assert dead == 0 and recorded[0] > 0
    assert recorded[1] == 0
