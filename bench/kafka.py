"""Benchmark: relay and projector throughput through a real broker, in events/s.

Each is printed with its ratio to baselines measured in the same run on the same events: the
relay against a tuned bare kafka-python producer of the same envelopes (idempotent,
acks=all, the relay's batching), the projector group against the in-process follower writing
the same read models and against a bare consume of the same messages. Kafka's own Java tools
(``ProducerPerformance``, ``ConsumerPerformance``) on the same broker and payloads are the
ceiling rows.

    python -m bench.kafka --events 100000 --bootstrap 127.0.0.1:59092 \\
        --postgres-url postgresql://postgres@127.0.0.1:55432/jiandu_test
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient
from kafka.structs import TopicPartition

from bench import kafka_java
from bench.rebuild import env_for, generate
from bench.scratch import stop_cleanly_on_sigterm
from consumers import envelope
from consumers.deadletter import DeadLetters
from consumers.following import FollowerSink
from consumers.loop import Batch, GroupConsumer, Reject
from consumers.relay import Relay, RelayLog, new_producer
from consumers.topics import create_topics, dead_letter_topic
from domain.store import Store
from projections.framework import Projector, fewer_collections
from projections.registry import all_projections, read_models
from projections.source import StoreSource
from projections.sql import PostgresViews, SqliteViews, SqlViews

# events, seconds, and this process's CPU seconds over the phase (None for the Java tools,
# which run in a process of their own)
Figures = tuple[int, float, float | None]


class _Rows(list[tuple[str, Figures]]):
    """The figures, each printed as soon as it is measured (a long run shows progress)."""

    def append(self, row: tuple[str, Figures]) -> None:
        name, (count, seconds, cpu) = row
        used = f", CPU {cpu / count * 1e6:.1f} µs/event" if cpu is not None and count else ""
        print(f"  {name}: {count} events in {seconds:.1f} s{used}", flush=True)
        super().append(row)


def cpu_of(phase: Callable[..., tuple[int, float]], *args: Any) -> Figures:
    """A phase run in this process, with the CPU time the process spent on it (every thread:
    the clients' network threads included)."""
    started = time.process_time()
    count, seconds = phase(*args)
    return count, seconds, time.process_time() - started


def apart(figures: tuple[int, float]) -> Figures:
    """A phase run in another process (its CPU time is not measured here)."""
    return (*figures, None)


def timed(work: Callable[[], int]) -> tuple[int, float]:
    started = time.perf_counter()
    count = work()
    return count, time.perf_counter() - started


def messages_of(store: Store) -> list[tuple[bytes, bytes]]:
    """Every event's key and envelope."""
    messages, after = [], 0
    while batch := store.recorder.select_notifications(start=after + 1, limit=5000):
        messages += [
            (str(n.originator_id).encode(), envelope.encode(n, store.mapper)) for n in batch
        ]
        after = batch[-1].id
    return messages


def bare_produce(
    messages: list[tuple[bytes, bytes]], bootstrap: str, topic: str
) -> tuple[int, float]:
    """The same envelopes and keys, encoded beforehand, sent by a bare kafka-python producer
    with the relay's settings (its own partitioner aside: kafka-python's default)."""
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        batch_size=256 * 1024,
    )

    def send() -> int:
        with fewer_collections():  # tuned as the relay is
            futures = [producer.send(topic, key=k, value=v) for k, v in messages]
            producer.flush()
            for f in futures:
                f.get()
        return len(futures)

    try:
        return timed(send)
    finally:
        producer.close()


def relay(store: Store, bootstrap: str, topic: str, log_path: str) -> tuple[int, float]:
    """`jiandu relay`: read the store, encode envelopes, publish, record each batch."""
    r = Relay(store, lambda: new_producer(bootstrap), RelayLog(SqliteViews(log_path)), topic)

    def publish() -> int:
        total = 0
        with fewer_collections():  # as `Relay.run` publishes
            while count := r.publish_once():
                total += count
        return total

    try:
        return timed(publish)
    finally:
        r.close()


def bare_consume(bootstrap: str, topic: str, count: int) -> tuple[int, float]:
    """Poll every message of the topic from the beginning (no group, no decoding)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)

    def poll() -> int:
        seen = 0
        while seen < count:
            for records in consumer.poll(timeout_ms=1000, max_records=1000).values():
                seen += len(records)
        return seen

    try:
        return timed(poll)
    finally:
        consumer.close()


class _Timed(FollowerSink):
    """Times a member from the start of its first batch to the end of the batch that brings
    it to ``until`` events."""

    until = 0
    started: float | None = None
    finished: float | None = None
    applied = 0
    done: threading.Event

    def apply(self, batch: Batch, reject: Reject) -> None:
        if self.started is None:  # from the first batch: the group join is not counted
            self.started = time.perf_counter()
        super().apply(batch, reject)
        self.applied += len(batch.deliveries)
        if self.applied >= self.until and self.finished is None:
            self.finished = time.perf_counter()
            self.done.set()


def projector(
    store: Store, views: SqlViews, bootstrap: str, topic: str, count: int, group: str
) -> tuple[int, float]:
    """`jiandu consume projector`: one group member applying every message."""
    source = StoreSource(store)
    sink = _Timed(Projector(views, all_projections(), source), views, store, group)
    sink.until, sink.done = count, threading.Event()
    dead = DeadLetters(lambda: new_producer(bootstrap), topic, group)
    member = GroupConsumer(bootstrap, topic, sink, dead, batch_size=1000)
    stop = threading.Event()
    thread = threading.Thread(target=member.run, args=(stop,), daemon=True)
    thread.start()
    while not sink.done.wait(0.5):
        if not thread.is_alive():
            raise RuntimeError(f"the member stopped after {sink.applied} of {count} events")
    stop.set()
    thread.join()
    assert sink.started is not None and sink.finished is not None
    return sink.applied, sink.finished - sink.started


def in_process(store: Store, views: SqlViews) -> tuple[int, float]:
    """The in-process follower over the same store into the same kind of views."""
    follower = read_models(StoreSource(store), views, batch_size=1000)
    return timed(follower.catch_up)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--bootstrap", default=os.environ.get("JIANDU_TEST_KAFKA_BOOTSTRAP"))
    parser.add_argument("--postgres-url", default=os.environ.get("JIANDU_TEST_POSTGRES_URL"))
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--store", help="reuse (or create) this SQLite event store")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each phase (best kept)")
    args = parser.parse_args()
    stop_cleanly_on_sigterm()
    assert args.bootstrap, "--bootstrap (or JIANDU_TEST_KAFKA_BOOTSTRAP) is required"
    # The files this run makes (a generated store, the relay's log, SQLite views) are in a
    # temporary folder removed when it ends, however it ends; a --store given is kept.
    with tempfile.TemporaryDirectory(prefix="jiandu-bench-kafka-") as folder:
        rows = phases(args, folder)
    report(rows, "postgres" if args.postgres_url else "sqlite", args.partitions)


def phases(args: argparse.Namespace, folder: str) -> list[tuple[str, Figures]]:
    """Every phase, in turns; the topics and schemas it made are deleted after, however it
    ends."""
    path = args.store or os.path.join(folder, "events.sqlite3")
    if not os.path.exists(path):
        started = time.perf_counter()
        generate(path, args.events)
        kept = "" if args.store else " (removed at the end: --store keeps one)"
        print(f"generated the store in {time.perf_counter() - started:.0f} s: {path}{kept}")
    store = Store(env=env_for(path))
    run = uuid.uuid4().hex[:8]
    topics: list[str] = []

    def topic(kind: str) -> str:
        topics.append(f"bench.{kind}.{run}.{len(topics)}")
        create_topics(args.bootstrap, topics[-1], partitions=args.partitions)
        return topics[-1]

    groups: list[str] = []

    def group(kind: str) -> str:
        groups.append(f"bench-{run}-{kind}-{len(groups)}")
        return groups[-1]

    schemas: list[str] = []

    def views(name: str) -> SqlViews:
        schemas.append(f"bench_{run}_{name}_{len(schemas)}")
        if not args.postgres_url:
            return SqliteViews(os.path.join(folder, f"{schemas[-1]}.sqlite3"))
        return PostgresViews(args.postgres_url, schema=schemas[-1])

    rows, boot = _Rows(), args.bootstrap
    try:
        messages = messages_of(store)
        payloads = [value for _, value in messages]
        # Each pair runs in turns, so that other work on the machine weighs on both sides.
        for _ in range(args.rounds):
            rows.append(("bare produce", cpu_of(bare_produce, messages, boot, topic("bare"))))
            relay_topic = topic("relay")
            rows.append(("relay", cpu_of(relay, store, boot, relay_topic, f"{folder}/r.db")))
        count = rows[-1][1][0]
        for _ in range(args.rounds):
            rows.append(("java produce", apart(kafka_java.produce(boot, topic("java"), payloads))))
        del messages, payloads
        for _ in range(args.rounds):
            rows.append(("bare consume", cpu_of(bare_consume, boot, relay_topic, count)))
            java = kafka_java.consume(boot, relay_topic, count, group("java"))
            rows.append(("java consume", apart(java)))
        for _ in range(args.rounds):
            into = views("kafka")
            member = group("projector")
            rows.append(
                ("projector", cpu_of(projector, store, into, boot, relay_topic, count, member))
            )
            rows.append(("in-process", cpu_of(in_process, store, views("inproc"))))
    finally:
        store.close()
        try:
            admin = KafkaAdminClient(bootstrap_servers=args.bootstrap)
            try:
                admin.delete_topics([*topics, *map(dead_letter_topic, topics)], timeout_ms=30_000)
                _delete_groups(admin, groups)
            finally:
                admin.close()
            print(f"consumer groups: bench-{run}-*, deleted")
        finally:  # the schemas too when the broker refuses
            if args.postgres_url and schemas:
                with psycopg.connect(args.postgres_url, autocommit=True) as conn:
                    for schema in schemas:
                        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    return rows


def _delete_groups(admin: KafkaAdminClient, groups: list[str]) -> None:
    """Delete the consumer groups the run made (their members have left); a group never made
    (a phase that failed first) is no error."""
    if not groups:
        return
    for name, outcome in admin.delete_groups(groups).items():  # "OK" or the error's name
        if outcome not in {"OK", "GroupIdNotFoundError"}:
            print(f"consumer group {name} not deleted: {outcome}", file=sys.stderr)


def report(rows: list[tuple[str, Figures]], views: str, partitions: int) -> None:
    rates: dict[str, list[float]] = {}
    cpus: dict[str, list[str]] = {}
    for name, (n, s, cpu) in rows:
        rates.setdefault(name, []).append(n / s)
        cpus.setdefault(name, []).append("-" if cpu is None else f"{cpu / n * 1e6:.1f}")
    rate = {name: max(r) for name, r in rates.items()}
    print(f"views: {views}; {partitions} partitions; best of {len(rates['relay'])} rounds")
    print(f"{'phase':14} {'events/s (each round)':>30} {'best':>9} {'CPU µs/event':>16}")
    for name, r in rates.items():
        each = ", ".join(f"{x:,.0f}" for x in r)
        print(f"{name:14} {each:>30} {rate[name]:9,.0f} {', '.join(cpus[name]):>16}")
    for name, over, target in (
        ("relay", "bare produce", " (target ≥ 0.8)"),
        ("relay", "java produce", " (target ≥ 0.25)"),
        ("projector", "in-process", " (target ≥ 0.8)"),
        ("projector", "bare consume", ""),
        ("projector", "java consume", ""),
    ):
        print(f"{name + ' / ' + over + ':':30}{rate[name] / rate[over]:.2f}{target}")


if __name__ == "__main__":
    main()
