"""The event topic and its dead-letter topic: names and creation."""

from __future__ import annotations

import logging

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from consumers.connection import PLAINTEXT, KafkaSecurity

log = logging.getLogger("jiandu.consumers")

EVENTS = "jiandu.events"
HOUR_MS = 3_600_000


def dead_letter_topic(topic: str) -> str:
    """Where a topic's poison messages go."""
    return f"{topic}.dlq"


def topic_config(retention_hours: int) -> dict[str, str]:
    """Retention (negative: keep for ever, which a replay from the beginning needs)."""
    retention = "-1" if retention_hours < 0 else str(retention_hours * HOUR_MS)
    return {"retention.ms": retention, "cleanup.policy": "delete"}


def create_topics(
    bootstrap: str,
    topic: str = EVENTS,
    partitions: int = 6,
    retention_hours: int = -1,
    replication_factor: int = 1,
    security: KafkaSecurity = PLAINTEXT,
) -> dict[str, str]:
    """Create the topic and its dead-letter topic; returns name -> "created" or "exists"."""
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=30_000, **security.options()
    )
    outcome: dict[str, str] = {}
    try:
        for name in (topic, dead_letter_topic(topic)):
            new = NewTopic(
                name,
                num_partitions=partitions,
                replication_factor=replication_factor,
                topic_configs=topic_config(retention_hours),
            )
            try:
                admin.create_topics([new], wait_for_metadata=True)
                outcome[name] = "created"
            except TopicAlreadyExistsError:
                outcome[name] = "exists"
            log.info("topic %s: %s", name, outcome[name])
    finally:
        admin.close()
    return outcome
