"""The benchmarks that need real servers run end to end at a tiny size against the test stack.

As in ``tests/unit/test_benchmarks.py``: no assertion about speed, only that each run completes
and that every phase handled the same events.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from kafka.admin import KafkaAdminClient

from projections.search.clients import OpenSearchEngine
from tests.support.benchmarks import counts, run


@pytest.mark.kafka
@pytest.mark.postgres
def test_kafka_every_phase_carries_every_event(
    tmp_path: Path, kafka_bootstrap: str, postgres_url: str
) -> None:
    """Relay, projector, in-process follower, the bare clients and Kafka's own Java tools."""
    out = run(
        "kafka", "--events", "300", "--rounds", "1", "--partitions", "3",
        "--bootstrap", kafka_bootstrap, "--postgres-url", postgres_url,
        "--store", str(tmp_path / "e.sqlite3"), cwd=tmp_path,
    )  # fmt: skip
    phases = counts(out, r"^  ([a-z -]+): (\d+) events in")
    assert set(phases) == {
        "bare produce", "relay", "java produce", "bare consume", "java consume", "projector",
        "in-process",
    }  # fmt: skip
    assert len(set(phases.values())) == 1 and phases["relay"] >= 300, phases
    assert "projector / in-process:" in out
    run_id = re.search(r"^consumer groups: bench-(\w+)-\*, deleted", out, re.M)
    assert run_id, out
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:  # the projector's and the Java consumer's groups, deleted
        left = [g for g in admin.list_groups() if g["group_id"].startswith(f"bench-{run_id[1]}")]
    finally:
        admin.close()
    assert left == []


@pytest.mark.search
def test_search_indexes_every_event_and_answers_each_query(tmp_path: Path, search_url: str) -> None:
    out = run(
        "search", "--url", search_url, "--docs", "300", "--rounds", "2", "--events", "300",
        "--runs", "1", "--store", str(tmp_path / "e.sqlite3"), cwd=tmp_path,
    )  # fmt: skip
    indexed = counts(out, r"^indexer: ()(\d+) events -> \d+ documents")
    assert indexed[""] >= 300
    assert "search layer overhead" in out
    run_id = re.search(r"^indices: jbench-(\w+),", out, re.M)
    assert run_id, out
    engine = OpenSearchEngine(search_url)
    try:
        assert engine.indices(f"*{run_id[1]}*") == []  # every index it made, deleted
    finally:
        engine.close()


@pytest.mark.postgres
def test_import_events_on_postgres(tmp_path: Path, postgres_url: str) -> None:
    out = run("import_events", "--cadres", "12", "--batch", "5", "--postgres", postgres_url,
              cwd=tmp_path)  # fmt: skip
    imported = counts(out, r"^(\w+\s+\w+)\s+(\d+)\s")
    assert imported["postgres  bare"] == imported["postgres  jiandu"] > 0
    assert imported["sqlite    bare"] == imported["sqlite    jiandu"] > 0


@pytest.mark.postgres
def test_province_on_postgres(tmp_path: Path, postgres_url: str) -> None:
    out = run("province", "--sizes", "0.001", "--store", "postgres", "--postgres-url",
              postgres_url, cwd=tmp_path)  # fmt: skip
    phases = counts(out, r"^\s+(decode|rebuild|index|sweep)\s+([\d,]+) events")
    assert set(phases) == {"decode", "rebuild", "index", "sweep"}
    assert phases["rebuild"] == phases["index"] == phases["sweep"] == phases["decode"] >= 1000
