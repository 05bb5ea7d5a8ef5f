"""Kafka's own Java performance tools on the same broker: the ceiling rows of bench.kafka.

``ProducerPerformance`` and ``ConsumerPerformance`` live in the ``kafka-tools`` jar of the
broker's version; it is resolved once with Maven into the local stack's cache (beside the
broker's jars that ``deploy/local/kafka.sh`` resolved), and run with those jars.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _version() -> str:
    pom = (ROOT / "deploy" / "local" / "kafka" / "pom.xml").read_text()
    found = re.search(r"<kafka.version>(.+?)</kafka.version>", pom)
    assert found, "deploy/local/kafka/pom.xml names no kafka.version"
    return os.environ.get("JIANDU_KAFKA_VERSION", found.group(1))


def classpath() -> str:
    """The broker's jars and the tools jar of the same version (resolved on first use)."""
    cache = Path(os.environ.get("JIANDU_CACHE_DIR", ROOT / ".cache"))
    version = _version()
    lib, tools = cache / "kafka" / version / "lib", cache / "kafka" / version / "tools"
    if not lib.is_dir():
        raise SystemExit(f"no broker jars in {lib}: start the stack once (deploy/local/kafka.sh)")
    if not list(tools.glob("kafka-tools-*.jar")):
        tools.mkdir(parents=True, exist_ok=True)
        # Maven's output is kept off the benchmark's: even with -q it writes colour codes
        # without a newline, which would run into the next figure's line.
        done = subprocess.run(
            [
                "mvn", "-q", "-B", "-Dstyle.color=never", f"-Dmaven.repo.local={cache / 'm2'}",
                "dependency:copy", f"-Dartifact=org.apache.kafka:kafka-tools:{version}",
                f"-DoutputDirectory={tools}",
            ],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"no kafka-tools {version}:\n{done.stdout}{done.stderr}")
    return f"{lib}/*:{tools}/*"


def _java(tool: str, *args: str) -> str:
    command = ["java", "-Xmx512m", "-cp", classpath(), f"org.apache.kafka.tools.{tool}", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def produce(bootstrap: str, topic: str, payloads: list[bytes]) -> tuple[int, float]:
    """``ProducerPerformance`` sending these payloads (acks=all, idempotent, as the relay)."""
    with tempfile.NamedTemporaryFile("wb", suffix=".payloads") as file:
        file.write(b"\n".join(payloads))
        file.flush()
        out = _java(
            "ProducerPerformance", "--topic", topic, "--num-records", str(len(payloads)),
            "--payload-file", file.name, "--throughput", "-1",
            "--command-property", f"bootstrap.servers={bootstrap}", "acks=all",
            "enable.idempotence=true", "linger.ms=5", f"batch.size={256 * 1024}",
        )  # fmt: skip
    last = [line for line in out.splitlines() if "records sent" in line][-1]
    found = re.match(r"(\d+) records sent, ([\d.]+) records/sec", last)
    assert found, f"unexpected ProducerPerformance output: {last}"
    return int(found.group(1)), int(found.group(1)) / float(found.group(2))


def consume(bootstrap: str, topic: str, count: int, group: str) -> tuple[int, float]:
    """``ConsumerPerformance`` reading ``count`` messages of the topic in a fresh group (named
    ``group``, so that the caller can delete it after); the time is its fetch time (the group
    join is not counted, as for the projector)."""
    out = _java(
        "ConsumerPerformance", "--bootstrap-server", bootstrap, "--topic", topic,
        "--num-records", str(count), "--group", group,
        "--hide-header",
    )  # fmt: skip
    fields = [f.strip() for f in out.strip().splitlines()[-1].split(",")]
    # start, end, MB, MB/s, messages, messages/s, rebalance ms, fetch ms, fetch MB/s, fetch msg/s
    return int(fields[4]), float(fields[7]) / 1000
