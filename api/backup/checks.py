"""What a restore checks before it writes anything, and after.

Before: that nothing downstream still holds the old timeline. A Kafka topic with messages, or
a search index that reached a position, would make the consumers skip or refuse the restored
store's new events (they carry positions the old timeline used already).

After: the restore check. When this release has the audit ledger (`jiandu audit`), the
restored store is integrated into the ledger's tree (the restored signed checkpoints must be
consistent with it) and `jiandu audit verify` recomputes every leaf from the events and checks
every checkpoint's signature: a store that verifies is the history that was signed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from api.backup.manifest import BackupError
from api.bootstrap import kafka_security
from api.settings import Settings
from consumers.connection import PLAINTEXT, KafkaSecurity


def refuse_old_timeline(settings: Settings) -> None:
    """Refuse a restore while the topic or the search index holds the previous timeline."""
    if settings.kafka_bootstrap:
        held = topic_messages(
            settings.kafka_bootstrap, settings.kafka_topic, kafka_security(settings)
        )
        if held:
            raise BackupError(
                f"topic {settings.kafka_topic} holds {held} messages of the previous timeline: "
                "the consumers would skip the restored store's new events. Delete and recreate "
                "it (jiandu topics create), or set JIANDU_KAFKA_TOPIC to a new topic"
            )


def topic_messages(bootstrap: str, topic: str, security: KafkaSecurity = PLAINTEXT) -> int:
    """Messages a topic holds (0 when it does not exist)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, request_timeout_ms=30_000, **security.options()
    )
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        parts = [TopicPartition(topic, p) for p in partitions]
        if not parts:
            return 0
        ends = consumer.end_offsets(parts)
        starts = consumer.beginning_offsets(parts)
        return sum(ends[tp] - starts[tp] for tp in parts)
    finally:
        consumer.close()


@dataclass(frozen=True)
class Verified:
    """The outcome of the restore check."""

    ran: bool
    ok: bool
    report: str


def jiandu_command() -> str:
    """This installation's `jiandu` executable."""
    beside = Path(sys.executable).parent / "jiandu"
    return str(beside) if beside.is_file() else (shutil.which("jiandu") or "jiandu")


def verify_ledger() -> Verified:
    """`jiandu audit integrate` then `jiandu audit verify`, when the release has a ledger."""
    jiandu = jiandu_command()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [jiandu, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL,
            check=False,
        )  # fmt: skip

    if run("audit", "--help").returncode != 0:
        return Verified(False, True, "this release has no audit ledger: nothing to verify")
    integrated = run("audit", "integrate")
    if integrated.returncode != 0:
        return Verified(True, False, f"jiandu audit integrate failed:\n{integrated.stderr}")
    verified = run("audit", "verify")
    return Verified(True, verified.returncode == 0, (verified.stdout + verified.stderr).strip())
