"""How far behind the relay and each consumer group are.

Relay lag is the store's position minus the relay's recorded position. A group's lag is,
per partition, the end offset minus the group's committed offset: the offsets stored in
the views database for the projector (its truth), Kafka's committed offsets for the others.
All projections commit in the projector's one transaction, so each projection's lag is the
relay's lag plus the projector's.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Mapping
from typing import Any

from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient
from kafka.structs import TopicPartition

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
        projections: list[str],
        ttl: float = 5.0,
    ) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.groups = dict(groups)  # role (projector, indexer, supervisor) -> group id
        self.store = store
        self.views = views
        self.relay_log = relay_log
        self.projections = projections
        self.ttl = ttl
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, Any]] | None = None
        self._consumer: KafkaConsumer | None = None
        self._admin: KafkaAdminClient | None = None

    def snapshot(self) -> dict[str, Any]:
        """The relay's, each group's and each projection's lag (or the error that hid it)."""
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
        groups = {group: self._group(role, group, ends) for role, group in self.groups.items()}
        relay_lag = max(head - relayed, 0)
        projector = groups.get(self.groups.get("projector", ""), {})
        applied = self.views.offsets(self.groups.get("projector", ""), self.topic)
        position = max((high for _, high in applied.values()), default=0)
        return {
            "topic": self.topic,
            "relay": {"position": relayed, "lag": relay_lag},
            "groups": groups,
            "projections": {
                name: {"position": position, "lag": relay_lag + projector.get("lag", 0)}
                for name in self.projections
            },
        }

    def _group(self, role: str, group: str, ends: dict[int, int]) -> dict[str, Any]:
        if role == "projector":
            committed = {p: o for p, (o, _) in self.views.offsets(group, self.topic).items()}
            source = "views"
        else:
            committed = self._kafka_committed(group)
            source = "kafka"
        partitions = {
            str(p): {"end": end, "committed": committed.get(p, 0), "lag": end - committed.get(p, 0)}
            for p, end in sorted(ends.items())
        }
        total = sum(max(v["lag"], 0) for v in partitions.values())
        return {"offsets": source, "lag": total, "partitions": partitions}

    def _end_offsets(self) -> dict[int, int]:
        if self._consumer is None:
            self._consumer = KafkaConsumer(
                bootstrap_servers=self.bootstrap, request_timeout_ms=10_000
            )
        found = self._consumer.partitions_for_topic(self.topic) or set()
        tps = [TopicPartition(self.topic, p) for p in found]
        return {tp.partition: o for tp, o in self._consumer.end_offsets(tps).items()}

    def _kafka_committed(self, group: str) -> dict[int, int]:
        if self._admin is None:
            self._admin = KafkaAdminClient(
                bootstrap_servers=self.bootstrap, request_timeout_ms=10_000
            )
        offsets = self._admin.list_group_offsets({group: None}).get(group, {})
        return {
            tp.partition: meta.offset
            for tp, meta in offsets.items()
            if tp.topic == self.topic and meta.offset >= 0
        }

    def close(self) -> None:
        """Close the broker clients (made again on the next snapshot)."""
        for client in (self._consumer, self._admin):
            if client is not None:
                with contextlib.suppress(Exception):  # a broken client may fail to close
                    client.close()
        self._consumer = self._admin = None
