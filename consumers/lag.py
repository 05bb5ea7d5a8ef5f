"""How far behind the relay and each consumer group are, in the transport's own terms.

Relay lag is the store's position minus the relay's recorded position. A group's lag is, per
partition, the end offset minus the offset the group stored in the views database with (or
right after) its effect; a group whose effect lives elsewhere (the ledger's integrator, which
only wakes on the topic and reads the store) commits its offsets to Kafka, and its lag is read
there. How far each follower has applied the log is its position record, reported with every
other follower's in ``GET /api/v1/status``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Collection, Mapping
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer
from kafka.structs import TopicPartition

from consumers.connection import PLAINTEXT, KafkaSecurity
from consumers.relay import RelayLog
from domain.store import Store
from projections.sql import SqlViews


class TransportLag:
    """Computes lag snapshots on demand, at most once per ``ttl`` seconds."""

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        groups: Mapping[str, str],
        store: Store,
        views: SqlViews,
        relay_log: RelayLog,
        ttl: float = 5.0,
        committed_in_kafka: Collection[str] = (),
        security: KafkaSecurity = PLAINTEXT,
    ) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.groups = dict(groups)  # role (projector, indexer, supervisor) -> group id
        self.store = store
        self.views = views
        self.relay_log = relay_log
        self.ttl = ttl
        self.committed_in_kafka = frozenset(committed_in_kafka)  # group ids
        self.security = security
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, Any]] | None = None
        self._consumer: KafkaConsumer | None = None
        self._admin: KafkaAdminClient | None = None

    def snapshot(self) -> dict[str, Any]:
        """The relay's and each group's lag (or the error that hid it)."""
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] > self.ttl:
                try:
                    figures = self._measure()
                except Exception as error:  # report, never fail the status page
                    self.close()
                    figures = {"topic": self.topic, "error": f"{type(error).__name__}: {error}"}
                self._cached = (time.monotonic(), figures)
            return self._cached[1]

    def _measure(self) -> dict[str, Any]:
        head = self.store.position()
        relayed = self.relay_log.position(self.topic)
        ends = self._end_offsets()
        return {
            "topic": self.topic,
            "relay": {"position": relayed, "lag": max(head - relayed, 0)},
            "groups": {group: self._group(group, ends) for group in self.groups.values()},
        }

    def _group(self, group: str, ends: dict[int, int]) -> dict[str, Any]:
        source = "kafka" if group in self.committed_in_kafka else "views"
        if source == "kafka":
            committed = self._kafka_offsets(group)
        else:
            committed = {p: o for p, (o, _) in self.views.offsets(group, self.topic).items()}
        partitions = {
            str(p): {"end": end, "committed": committed.get(p, 0), "lag": end - committed.get(p, 0)}
            for p, end in sorted(ends.items())
        }
        total = sum(max(v["lag"], 0) for v in partitions.values())
        return {"offsets": source, "lag": total, "partitions": partitions}

    def _kafka_offsets(self, group: str) -> dict[int, int]:
        if self._admin is None:
            self._admin = KafkaAdminClient(
                bootstrap_servers=self.bootstrap,
                request_timeout_ms=10_000,
                **self.security.options(),
            )
        found = self._admin.list_group_offsets({group: None}).get(group, {})
        return {
            tp.partition: m.offset
            for tp, m in found.items()
            if tp.topic == self.topic and m.offset >= 0
        }

    def _end_offsets(self) -> dict[int, int]:
        if self._consumer is None:
            self._consumer = KafkaConsumer(
                bootstrap_servers=self.bootstrap,
                request_timeout_ms=10_000,
                **self.security.options(),
            )
        found = self._consumer.partitions_for_topic(self.topic) or set()
        tps = [TopicPartition(self.topic, p) for p in found]
        return {tp.partition: o for tp, o in self._consumer.end_offsets(tps).items()}

    def close(self) -> None:
        """Close the broker clients (made again on the next snapshot)."""
        for client in (self._consumer, self._admin):
            if client is not None:
                with contextlib.suppress(Exception):  # a broken client may fail to close
                    client.close()
        self._consumer = None
        self._admin = None
