"""The relay: follows the store's notification log and publishes every event to Kafka.

Batches are published with an idempotent ``acks=all`` producer, several in flight at once
(the next batch is read and handed over while the broker acknowledges the earlier ones); the
relay records a batch's last position only once the broker acknowledged every message of it
and of every batch before it. After a failure it starts again from the recorded position, so
a message may be published twice, never lost; consumers drop the duplicates (see
``projector.py``).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from kafka import KafkaProducer
from kafka.partitioner.default import DefaultPartitioner, murmur2
from kafka.producer.future import FutureRecordMetadata

from consumers import envelope
from domain.store import Store
from projections.framework import fewer_collections
from projections.sql import SqlViews
from projections.view import Table

log = logging.getLogger("jiandu.consumers")

RELAY_POSITIONS = Table("relay_positions", {"topic": "TEXT", "position": "BIGINT"}, key=("topic",))


class KeyPartitioner(DefaultPartitioner):  # type: ignore[misc]
    """Kafka's default key partitioning (murmur2, as the Java client), remembering the hash
    of recent keys: an aggregate's events follow one another, and kafka-python hashes in
    pure Python."""

    def partition(
        self, topic: str, key: Any, serialized_key: bytes | None, value: Any, *args: Any
    ) -> int:
        if serialized_key is None:
            chosen: int = super().partition(topic, key, serialized_key, value, *args)
            return chosen
        known = args[-1].partitions_for_topic(topic)  # None for a topic not in the metadata
        if not known:
            raise ValueError(f"Topic {topic} not found in ClusterMetadata")
        return key_partition(serialized_key, sorted(known))


def key_partition(key: bytes, partitions: Sequence[int]) -> int:
    """The partition Kafka's default partitioner picks for a key among a topic's partitions
    (sorted): murmur2 of the key, as the Java client."""
    return int(partitions[_key_hash(key) % len(partitions)])


@lru_cache(maxsize=65_536)
def _key_hash(key: bytes) -> int:
    return int(murmur2(key)) & 0x7FFFFFFF


def new_producer(bootstrap: str, **config: Any) -> KafkaProducer:
    """An idempotent producer that waits for every in-sync replica."""
    settings: dict[str, Any] = {
        "partitioner": KeyPartitioner(),
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

    def close(self) -> None:
        """Release the database connections."""
        self.db.close()

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
        in_flight: int = 4,
    ) -> None:
        self.store = store
        self.new_producer = producer
        self.log = relay_log
        self.topic = topic
        self.batch_size = batch_size
        self.in_flight = in_flight
        self._producer: KafkaProducer | None = None
        self._sent: int | None = None  # the last position handed to the producer
        self._unacked: deque[tuple[int, list[FutureRecordMetadata]]] = deque()

    def publish_once(self) -> int:
        """Hand the next batch to the producer and record what the broker acknowledged so far;
        returns the events handed over. At the end of the log (0) everything handed over has
        been acknowledged and recorded."""
        if self._sent is None:
            self._sent = self.log.position(self.topic)
        batch = self.store.recorder.select_notifications(
            start=self._sent + 1, limit=self.batch_size
        )
        if batch:
            if self._producer is None:
                self._producer = self.new_producer()
            send, mapper, encode = self._producer.send, self.store.mapper, envelope.encode
            # The key's partition chosen here, once per batch from the metadata, rather than
            # by the producer's partitioner per record: the same choice, with less work.
            topic, partitions = self.topic, sorted(self._producer.partitions_for(self.topic))
            futures = []
            for n in batch:
                key = str(n.originator_id).encode()
                value, chosen = encode(n, mapper, key), key_partition(key, partitions)
                futures.append(send(topic, key=key, value=value, partition=chosen))
            self._unacked.append((batch[-1].id, futures))
            self._sent = batch[-1].id
        self._record(keep=self.in_flight if batch else 0)
        return len(batch)

    def _record(self, keep: int) -> None:
        """Record the last position of the leading batches the broker acknowledged in full,
        waiting for the oldest until no more than ``keep`` batches remain unacknowledged."""
        if keep == 0 and self._producer is not None:
            self._producer.flush()  # the end of the log: send what lingers now
        acknowledged = None
        while self._unacked:
            last, futures = self._unacked[0]
            if len(self._unacked) > keep:
                for future in futures:
                    future.get()  # raises the delivery error, if any: nothing is recorded then
            elif not all(f.is_done for f in futures):
                break
            for future in futures:
                if future.failed():
                    raise future.exception
            self._unacked.popleft()
            acknowledged = last
        if acknowledged is not None:
            self.log.record(self.topic, acknowledged)

    def run(self, stop: threading.Event, interval: float = 0.2, backoff: float = 2.0) -> None:
        """Publish until ``stop`` is set; a failed batch is retried with a fresh producer."""
        with fewer_collections():  # each batch allocates thousands of records and futures
            while not stop.is_set():
                try:
                    if self.publish_once() == 0:
                        stop.wait(interval)
                except Exception:
                    log.exception("relay batch failed; retrying from the recorded position")
                    self.close()
                    stop.wait(backoff)
        try:
            self._record(keep=0)  # what is in flight: acknowledged and recorded, not resent
        except Exception:
            log.exception("the batches in flight at stop were not acknowledged")
        self.close()

    def lag(self) -> int:
        """Events recorded in the store but not yet acknowledged by the broker."""
        return max(self.store.position() - self.log.position(self.topic), 0)

    def close(self) -> None:
        """Close the producer (a new one is made for the next batch, which starts again from
        the recorded position)."""
        self._sent = None
        self._unacked.clear()
        if self._producer is not None:
            try:
                self._producer.close(timeout=5)
            except Exception:  # closing a broken producer must not stop the relay
                log.exception("closing the producer failed")
            self._producer = None
