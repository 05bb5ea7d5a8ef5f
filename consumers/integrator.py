"""`jiandu consume integrator`: the audit ledger's integrator as a Kafka consumer group member.

The ledger needs the events in global position order and their bytes exactly as stored; Kafka
gives neither (partitions are ordered only within themselves, and the envelope leaves out the
fields that identify a reporter). So the group's messages are only the signal that events were
stored: each poll wakes the integrator, which appends from the event store in position order up
to its head, then commits the polled offsets (every polled event is stored, hence appended).
The group's committed offsets show its lag like any other group's. One member integrates at a
time (a lease); the ledger's head is moved by compare-and-set besides, so two can never
interleave leaves.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from kafka import KafkaConsumer
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition

from projections.ledger.integrator import Integrator

log = logging.getLogger("jiandu.consumers")


class IntegratorMember:
    """One member of the integrator group."""

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        integrator: Integrator,
        group: str = "jiandu-integrator",
        poll_ms: int = 500,
        **config: Any,
    ) -> None:
        self.topic = topic
        self.integrator = integrator
        self.group = group
        self.poll_ms = poll_ms
        self.config: dict[str, Any] = {
            "bootstrap_servers": bootstrap,
            "group_id": group,
            "enable_auto_commit": False,
            # A new group reads the topic from its start: the messages only wake it, but every
            # one is committed once appended, so its lag says how far behind the ledger is.
            "auto_offset_reset": "earliest",
            "max_poll_records": 5000,
            "session_timeout_ms": 10_000,
            "heartbeat_interval_ms": 2_000,
            **config,
        }
        self.appended = 0

    def run(self, stop: threading.Event) -> None:
        """Integrate until ``stop`` is set: at start, on every poll, and when checkpoints are
        due by time even if nothing arrives."""
        consumer = KafkaConsumer(**self.config)
        try:
            # Join the group only once the topic's partitions are known here: a member that
            # joins before is assigned nothing until its next metadata refresh (minutes later),
            # and meanwhile appends from the store but commits no offsets, so its lag lies.
            while not stop.is_set() and not consumer.partitions_for_topic(self.topic):
                stop.wait(0.2)
            consumer.subscribe([self.topic])
            self.appended += self.integrator.catch_up()
            while not stop.is_set():
                records = consumer.poll(timeout_ms=self.poll_ms)
                while count := self.integrator.run_once():
                    self.appended += count
                if records:
                    self._commit(consumer, records)
        finally:
            consumer.close(autocommit=False)

    def _commit(self, consumer: KafkaConsumer, records: dict[TopicPartition, list[Any]]) -> None:
        offsets = {
            tp: OffsetAndMetadata(messages[-1].offset + 1, "", -1)
            for tp, messages in records.items()
            if messages
        }
        try:
            consumer.commit(offsets)
        except KafkaError as error:  # a rebalance: the next owner commits past them
            log.warning("%s: offset commit failed: %s", self.group, error)
