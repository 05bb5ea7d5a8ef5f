"""Smoke test against a real Apache Kafka broker (deploy/local/kafka.sh): produce, then consume.

The `kafka_bootstrap` fixture (tests/conftest.py) yields "host:port" of a running broker.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict

import pytest
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

pytestmark = pytest.mark.kafka

PARTITIONS = 3
MESSAGES = 60
KEYS = [f"cadre-{i}" for i in range(7)]


def test_produced_messages_come_back_in_order_per_partition(kafka_bootstrap: str) -> None:
    topic = f"jiandu-smoke-{uuid.uuid4().hex}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, request_timeout_ms=15000)
    try:
        admin.create_topics(
            [NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)],
            wait_for_metadata=True,
        )

        producer = KafkaProducer(
            bootstrap_servers=kafka_bootstrap,
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
        )
        produced: dict[int, list[tuple[int, bytes, bytes]]] = defaultdict(list)
        futures = []
        try:
            for i in range(MESSAGES):
                key = KEYS[i % len(KEYS)].encode()
                value = f"event-{i}".encode()
                futures.append((key, value, producer.send(topic, key=key, value=value)))
            producer.flush(timeout=30)
            for key, value, future in futures:
                meta = future.get(timeout=30)
                produced[meta.partition].append((meta.offset, key, value))
        finally:
            producer.close(timeout=10)

        assert sum(len(records) for records in produced.values()) == MESSAGES
        assert len(produced) > 1, "keys should spread over more than one partition"

        consumer = KafkaConsumer(
            topic,
            bootstrap_servers=kafka_bootstrap,
            group_id=f"jiandu-smoke-{uuid.uuid4().hex}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        consumed: dict[int, list[tuple[int, bytes, bytes]]] = defaultdict(list)
        try:
            deadline = time.monotonic() + 60
            while sum(map(len, consumed.values())) < MESSAGES and time.monotonic() < deadline:
                for tp, records in consumer.poll(timeout_ms=1000).items():
                    consumed[tp.partition].extend((r.offset, r.key, r.value) for r in records)
        finally:
            consumer.close()

        # Send order is offset order within each partition (idempotent producer, acks=all), and
        # the consumer returns every partition's records in exactly that order.
        for partition, records in produced.items():
            assert [offset for offset, _, _ in records] == sorted(o for o, _, _ in records)
            assert consumed[partition] == records, f"partition {partition} differs"
        assert sum(map(len, consumed.values())) == MESSAGES
        # One key always lands on one partition, so each key's events come back in send order.
        for key in {key for key, _, _ in futures}:
            sent = [value for k, value, _ in futures if k == key]
            got = [value for records in consumed.values() for _, k, value in records if k == key]
            assert got == sent, f"key {key!r} out of order"
    finally:
        admin.delete_topics([topic], raise_errors=False)
        admin.close()
