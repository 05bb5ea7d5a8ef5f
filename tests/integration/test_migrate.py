"""`jiandu migrate` against the real servers: tables, topics and the search index, made once
even when two migrations start at the same moment (they take turns on a lease)."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from kafka.admin import KafkaAdminClient
from opensearchpy import OpenSearch

pytestmark = [pytest.mark.postgres, pytest.mark.kafka, pytest.mark.search]
JIANDU = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "jiandu"


def test_two_migrations_at_once_make_everything_once_and_check_passes_after(
    postgres_url: str, kafka_bootstrap: str, search_url: str
) -> None:
    name = f"mg_{uuid.uuid4().hex[:10]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_")}
    env |= {
        "JIANDU_ENV": "test", "JIANDU_STORE": "postgres", "JIANDU_POSTGRES_URL": postgres_url,
        "JIANDU_POSTGRES_SCHEMA": name, "JIANDU_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "JIANDU_KAFKA_TOPIC": f"jiandu.test.{name}", "JIANDU_KAFKA_PARTITIONS": "4",
        "JIANDU_SEARCH_URL": search_url, "JIANDU_SEARCH_INDEX_PREFIX": name.replace("_", "-"),
        "JIANDU_LOG_LEVEL": "warning",
    }  # fmt: skip

    def jiandu(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(JIANDU), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, stdin=subprocess.DEVNULL,
        )  # fmt: skip

    search = OpenSearch(search_url)
    try:
        check = jiandu("migrate", "--check").communicate(timeout=120)
        assert "has not run" in check[1]
        both = [jiandu("migrate"), jiandu("migrate")]
        outputs = [p.communicate(timeout=300) for p in both]
        assert [p.returncode for p in both] == [0, 0], outputs
        said = "\n".join(out for out, _ in outputs)
        topic = f"jiandu.test.{name}"
        assert said.count(f"topic {topic}: created") == 1
        assert said.count(f"topic {topic}: exists") == 1

        admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        try:
            described = {t["name"]: t for t in admin.describe_topics([topic, f"{topic}.dlq"])}
        finally:
            admin.close()
        assert {len(t["partitions"]) for t in described.values()} == {4}
        with psycopg.connect(postgres_url) as conn:
            tables = {
                row[0]
                for row in conn.execute(
                    "SELECT table_schema || '.' || table_name FROM information_schema.tables"
                    " WHERE table_schema IN (%s, %s)",
                    [name, f"{name}_views"],
                )
            }
        assert {f"{name}.jiandu_events", f"{name}.relay_positions", f"{name}.setup_versions",
                f"{name}_views.cadres", f"{name}_views.findings"} <= tables  # fmt: skip
        prefix = name.replace("_", "-")
        assert search.indices.exists_alias(name=f"{prefix}-events")

        check_after = jiandu("migrate", "--check")
        _, err = check_after.communicate(timeout=120)
        assert check_after.returncode == 0, err
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
            conn.execute(f"DROP SCHEMA IF EXISTS {name}_views CASCADE")
        search.indices.delete(index=f"{name.replace('_', '-')}-*")
