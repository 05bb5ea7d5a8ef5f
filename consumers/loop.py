"""The consumer loop every group runs: poll a batch, apply it through a sink, then commit.

Error policy (explicit, as in quix-streams): a message that is not a valid envelope, or that
the sink rejects, is dead-lettered and the loop carries on; any other failure discards the
batch (nothing is committed), rewinds to the stored offsets and retries with a back-off,
and after ``max_failures`` failures in a row the loop raises (the process exits non-zero).
Offsets are committed only after the sink made the batch's effect durable; a sink that
stores offsets with its effect is where a rewind or a new assignment resumes from, and its
offsets are committed to Kafka (for Kafka's own tools) at most once per ``COMMIT_EVERY_S``,
when the member goes idle and when it stops, rather than after every batch
(``consumers.commits``).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import psycopg
from kafka import ConsumerRebalanceListener, KafkaConsumer
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition

from consumers.commits import OffsetCommits
from consumers.deadletter import DeadLetters
from consumers.envelope import BadEnvelope, Envelope, parse
from projections.framework import fewer_collections
from projections.sql import OffsetConflict

log = logging.getLogger("jiandu.consumers")

# How often a member whose sink stores its offsets with its effect commits them to Kafka too
# (a synchronous round trip to the group coordinator: after every batch it cost more than the
# rest of the batch's bookkeeping). Sinks that resume from Kafka's offsets commit every batch.
COMMIT_EVERY_S = 1.0

# Failures of a database or the network, not of a message: the batch is retried, never
# dead-lettered.
TRANSIENT = (
    OSError,
    TimeoutError,
    sqlite3.OperationalError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    OffsetConflict,
    KafkaError,
)


class Behind(Exception):
    """A sink cannot apply a batch yet (what it consults has not caught up): the member
    rewinds and polls the same messages again a little later; not a failure."""


@dataclass(frozen=True)
class Delivery:
    """One valid message of a batch."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes
    envelope: Envelope


def _delivery(
    partition: int, offset: int, key: bytes | None, value: bytes, envelope: Envelope
) -> Delivery:
    """``Delivery(...)`` without the frozen dataclass's ``__init__`` (one attribute set at a
    time through ``object.__setattr__``): a member makes one per message."""
    made = object.__new__(Delivery)
    object.__setattr__(
        made,
        "__dict__",
        {
            "partition": partition,
            "offset": offset,
            "key": key,
            "value": value,
            "envelope": envelope,
        },
    )
    return made


@dataclass
class Batch:
    """What one poll returned: the valid messages in per-partition order, and for every
    partition the offset after its last message (poison messages included)."""

    topic: str
    deliveries: list[Delivery] = field(default_factory=list)
    next_offsets: dict[int, int] = field(default_factory=dict)
    partitions: int = 0  # how many partitions the topic has (0: unknown)


Reject = Callable[[Delivery, BaseException], None]


class Sink(Protocol):
    """What a consumer group does with its batches."""

    group: str

    def stored_offsets(self, topic: str) -> dict[int, int] | None:
        """Where each partition resumes, if the sink stores offsets with its effect; None to
        resume from Kafka's committed offsets (for effects that are idempotent)."""
        ...

    def apply(self, batch: Batch, reject: Reject) -> None:
        """Make the batch's effect durable; ``reject`` dead-letters a message it cannot apply."""
        ...

    def discard(self) -> None:
        """Forget anything held for an uncommitted batch (after a failure or a revocation)."""
        ...

    def idle(self, topic: str, partitions: int) -> None:
        """A poll returned nothing (a chance to look at what other members did)."""
        ...


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, loop: GroupConsumer) -> None:
        self.loop = loop

    def on_partitions_revoked(self, revoked: Any) -> None:
        # Called inside poll(), so no batch is half-applied; drop caches of lost partitions.
        self.loop.sink.discard()
        self.loop.forget_commits()

    def on_partitions_assigned(self, assigned: Any) -> None:
        # Sinks resuming from Kafka's committed offsets are positioned there by the consumer.
        if self.loop.sink.stored_offsets(self.loop.topic) is not None:
            self.loop.resume(list(assigned))


class GroupConsumer:
    """Runs one member of a consumer group over a topic."""

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        sink: Sink,
        dead_letters: DeadLetters,
        *,
        batch_size: int = 1000,
        poll_ms: int = 500,
        max_failures: int = 5,
        backoff: float = 1.0,
        **config: Any,
    ) -> None:
        self.topic = topic
        self.sink = sink
        self.dead_letters = dead_letters
        self.batch_size = batch_size
        self.poll_ms = poll_ms
        self.max_failures = max_failures
        self.backoff = backoff
        self.config: dict[str, Any] = {
            "bootstrap_servers": bootstrap,
            "group_id": sink.group,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "max_poll_records": batch_size,
            "session_timeout_ms": 10_000,
            "heartbeat_interval_ms": 2_000,
            **config,
        }
        self.consumer: KafkaConsumer | None = None
        self.applied = 0
        self._failures = 0
        self._resumes_from_kafka: bool | None = None
        self.commits = OffsetCommits(self._commit_offsets, self._assigned, COMMIT_EVERY_S)

    def run(self, stop: threading.Event) -> None:
        """Consume until ``stop`` is set; the batch in hand is finished and committed first."""
        self.consumer = KafkaConsumer(**self.config)
        self._await_topic(stop)
        self.consumer.subscribe([self.topic], listener=_Rebalance(self))
        try:
            with fewer_collections():  # a member allocates a batch's objects at a time
                while not stop.is_set():
                    records = self.consumer.poll(
                        timeout_ms=self.poll_ms, max_records=self.batch_size
                    )
                    if records:
                        self.process(records, stop)
                    else:
                        self.commits.flush()
                        self._idle()
                self.commits.flush()
        finally:
            self.sink.discard()
            self.consumer.close(autocommit=False)
            self.dead_letters.close()

    def process(self, records: dict[TopicPartition, list[Any]], stop: threading.Event) -> None:
        """Apply one polled batch, dead-lettering poison messages; commit after the effect."""
        try:
            batch = self._batch(records)
            self.sink.apply(batch, self._reject)
        except OffsetConflict as error:
            log.warning("%s: %s; rewinding to the stored offsets", self.sink.group, error)
            self._rewind()
            return
        except Behind as waiting:
            log.debug("%s", waiting)
            self._rewind()
            stop.wait(self.backoff / 4)
            return
        except Exception:
            self._failures += 1
            log.exception("%s: batch failed (%d in a row)", self.sink.group, self._failures)
            self._rewind()
            if self._failures >= self.max_failures:
                raise
            stop.wait(self.backoff * self._failures)
            return
        self._failures = 0
        self.applied += len(batch.deliveries)
        self._commit(batch)

    def _await_topic(self, stop: threading.Event) -> None:
        # Join the group only once the topic's partitions are known here: a member that joins
        # before is assigned nothing until its next metadata refresh, minutes later.
        assert self.consumer is not None
        if not self.consumer.partitions_for_topic(self.topic):
            log.info("%s: waiting for topic %s", self.sink.group, self.topic)
            while not stop.is_set() and not self.consumer.partitions_for_topic(self.topic):
                stop.wait(0.2)

    def _partitions(self) -> int:
        assert self.consumer is not None
        return len(self.consumer.partitions_for_topic(self.topic) or ())

    def _idle(self) -> None:
        try:
            self.sink.idle(self.topic, self._partitions())
        except Exception:  # reporting progress must not stop the member
            log.warning("%s: checking the watermark failed", self.sink.group, exc_info=True)

    def _batch(self, records: dict[TopicPartition, list[Any]]) -> Batch:
        batch = Batch(self.topic, partitions=self._partitions())
        append = batch.deliveries.append
        for tp, messages in records.items():
            if not messages:
                continue
            partition = tp.partition
            batch.next_offsets[partition] = messages[-1].offset + 1
            for m in messages:
                try:
                    env = parse(m.value)
                except BadEnvelope as error:
                    source = (tp.topic, partition, m.offset)
                    self.dead_letters.send(source, m.key, m.value, error)
                    continue
                append(_delivery(partition, m.offset, m.key, m.value, env))
        return batch

    def _reject(self, delivery: Delivery, error: BaseException) -> None:
        source = (self.topic, delivery.partition, delivery.offset)
        self.dead_letters.send(source, delivery.key, delivery.value, error)

    def _commit(self, batch: Batch) -> None:
        # Kafka's committed offsets: the resume point of sinks whose effect is idempotent, and
        # what Kafka's own tools show; the projector's truth is the offsets in its database.
        if self._resumes_from_kafka is None:
            self._resumes_from_kafka = self.sink.stored_offsets(self.topic) is None
        self.commits.applied(batch.next_offsets, every_batch=self._resumes_from_kafka)

    def _assigned(self) -> set[int]:
        assert self.consumer is not None
        return {tp.partition for tp in self.consumer.assignment()}

    def _commit_offsets(self, offsets: dict[int, int]) -> None:
        """Commit partitions' next offsets to Kafka."""
        assert self.consumer is not None
        try:
            self.consumer.commit(
                {
                    TopicPartition(self.topic, p): OffsetAndMetadata(o, "", -1)
                    for p, o in offsets.items()
                }
            )
        except KafkaError as error:  # e.g. a rebalance happened: the next owner resumes
            log.warning("%s: offset commit to Kafka failed: %s", self.sink.group, error)

    def forget_commits(self) -> None:
        """Drop offsets not committed to Kafka yet (partitions revoked: their next owner
        commits from where the sink's stored offsets say)."""
        self.commits.forget()

    def _rewind(self) -> None:
        self.sink.discard()
        assert self.consumer is not None
        self.resume(list(self.consumer.assignment()))

    def resume(self, partitions: list[TopicPartition]) -> None:
        """Seek assigned partitions to the sink's stored offsets (or Kafka's committed ones)."""
        if not partitions or self.consumer is None:
            return
        stored = self.sink.stored_offsets(self.topic)
        for tp in partitions:
            offset = stored.get(tp.partition) if stored is not None else self.consumer.committed(tp)
            if offset is None:
                self.consumer.seek_to_beginning(tp)
            else:
                self.consumer.seek(tp, offset)
        log.info("%s: resuming %s", self.sink.group, {tp.partition for tp in partitions})
