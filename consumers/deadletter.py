"""Dead letters: a poison message goes to ``<topic>.dlq`` intact, the error in its headers."""

from __future__ import annotations

import logging
from collections.abc import Callable

from kafka import KafkaProducer

from consumers.topics import dead_letter_topic

log = logging.getLogger("jiandu.consumers")
MAX_ERROR = 2000


class DeadLetters:
    """Publishes poison messages and waits for the broker's acknowledgement."""

    def __init__(self, producer: Callable[[], KafkaProducer], topic: str, group: str) -> None:
        self.new_producer = producer
        self.topic = dead_letter_topic(topic)
        self.group = group
        self._producer: KafkaProducer | None = None
        self.sent = 0

    def send(
        self,
        source: tuple[str, int, int],
        key: bytes | None,
        value: bytes | None,
        error: BaseException,
    ) -> None:
        """Dead-letter one message (before its offset is committed: at least once)."""
        topic, partition, offset = source
        headers = [
            ("jiandu.error", f"{type(error).__name__}: {error}"[:MAX_ERROR].encode()),
            ("jiandu.error_type", type(error).__name__.encode()),
            ("jiandu.group", self.group.encode()),
            ("jiandu.source", f"{topic}/{partition}/{offset}".encode()),
        ]
        if self._producer is None:
            self._producer = self.new_producer()
        future = self._producer.send(self.topic, key=key, value=value or b"", headers=headers)
        self._producer.flush()
        future.get()
        self.sent += 1
        log.warning("dead-lettered %s/%s/%s: %s", topic, partition, offset, headers[0][1].decode())

    def close(self) -> None:
        """Close the producer."""
        if self._producer is not None:
            self._producer.close(timeout=5)
            self._producer = None
