"""The relay: follows the store's notification log and publishes every event to Kafka.

A batch is published with an idempotent ``acks=all`` producer; the relay records the last
published position only once the broker acknowledged every message of the batch. After a
failure it starts again from the recorded position, so a message may be published twice,
never lost; consumers drop the duplicates (see ``projector.py``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from kafka import KafkaProducer

from consumers import envelope
from domain.store import Store
from projections.sql import SqlViews
from projections.view import Table

log = logging.getLogger("jiandu.consumers")

RELAY_POSITIONS = Table("relay_positions", {"topic": "TEXT", "position": "BIGINT"}, key=("topic",))


def new_producer(bootstrap: str, **config: Any) -> KafkaProducer:
    """An idempotent producer that waits for every in-sync replica."""
    settings: dict[str, Any] = {
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 5,
        "batch_size": 256 * 1024,
        "delivery_timeout_ms": 120_000,
        "request_timeout_ms": 30_000,
    }
    settings.update(config)
    return KafkaProducer(bootstrap_servers=bootstrap, **settings)


class RelayLog:
    """How far the relay got, per topic, in a table of the event store's database."""

    def __init__(self, db: SqlViews) -> None:
        self.db = db
        db.ensure([RELAY_POSITIONS])

    def position(self, topic: str) -> int:
        """The last position acknowledged by the broker (0 before the first)."""
        rows = self.db.query(
            f"SELECT position FROM {RELAY_POSITIONS.name} WHERE topic = ?", [topic]
        )
        return int(rows[0]["position"]) if rows else 0

    def record(self, topic: str, position: int) -> None:
        """Remember an acknowledged position."""
        self.db.write({RELAY_POSITIONS: [{"topic": topic, "position": position}]}, {}, {})


class Relay:
    """Publishes the store's events, in position order, keyed by aggregate id."""

    def __init__(
        self,
        store: Store,
        producer: Callable[[], KafkaProducer],
        relay_log: RelayLog,
        topic: str = "jiandu.events",
        batch_size: int = 2000,
    ) -> None:
        self.store = store
        self.new_producer = producer
        self.log = relay_log
        self.topic = topic
        self.batch_size = batch_size
        self._producer: KafkaProducer | None = None

    def publish_once(self) -> int:
        """Publish the next batch and record its last position; returns the events published."""
        after = self.log.position(self.topic)
        batch = self.store.recorder.select_notifications(start=after + 1, limit=self.batch_size)
        if not batch:
            return 0
        if self._producer is None:
            self._producer = self.new_producer()
        producer, mapper = self._producer, self.store.mapper
        futures = [
            producer.send(
                self.topic,
                key=str(n.originator_id).encode(),
                value=envelope.encode(n, mapper),
            )
            for n in batch
        ]
        producer.flush()
        for future in futures:
            future.get()  # raises the delivery error, if any: nothing is recorded then
        self.log.record(self.topic, batch[-1].id)
        return len(batch)

    def run(self, stop: threading.Event, interval: float = 0.2, backoff: float = 2.0) -> None:
        """Publish until ``stop`` is set; a failed batch is retried with a fresh producer."""
        while not stop.is_set():
            try:
                if self.publish_once() == 0:
                    stop.wait(interval)
            except Exception:
                log.exception("relay batch failed; retrying from the recorded position")
                self.close()
                stop.wait(backoff)
        self.close()

    def lag(self) -> int:
        """Events recorded in the store but not yet acknowledged by the broker."""
        return max(self.store.position() - self.log.position(self.topic), 0)

    def close(self) -> None:
        """Close the producer (a new one is made for the next batch)."""
        if self._producer is not None:
            try:
                self._producer.close(timeout=5)
            except Exception:  # closing a broken producer must not stop the relay
                log.exception("closing the producer failed")
            self._producer = None
