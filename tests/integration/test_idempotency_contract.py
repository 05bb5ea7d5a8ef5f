"""Idempotency keys are recorded in the transaction of the write: per recorder, SQLite and PG.

Two stores over one database stand for two API processes; each commits under a claim on the
same key, and only one write may exist afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from api.settings import Settings
from domain.clock import FixedClock
from domain.errors import DomainError
from domain.idempotency import Claim, KeyTaken, claiming
from domain.ids import unit_id
from domain.organisation import OrganisationStructure
from domain.store import Store

CLOCK = FixedClock.on(date(2026, 11, 26))


def unit(store: Store, code: str) -> int:
    org = OrganisationStructure(store, CLOCK)
    return org.register_unit(
        "clerk", code=code, name="某镇", level="township", kind="government"
    ).position


def claim(key: str, body: str = "b") -> Claim:
    return Claim("owner", key, f"hash-of-{body}", seal=lambda plain: plain.decode())


class IdempotencyContract:
    @pytest.fixture
    def env(self) -> dict[str, str]:
        raise NotImplementedError

    @pytest.fixture
    def stores(self, env: dict[str, str]) -> Iterator[tuple[Store, Store]]:
        one, two = Store(env=dict(env)), Store(env=dict(env))
        yield one, two
        one.close()
        two.close()

    def test_a_claimed_commit_records_its_key_with_the_write(
        self, stores: tuple[Store, Store]
    ) -> None:
        one, _ = stores
        with claiming(claim("k1")) as c:
            position = unit(one, "T1")
        assert c.recorded
        kept = one.idempotent_answer("owner", "k1")
        assert kept is not None
        assert (kept["position"], kept["version"], kept["request_hash"]) == (
            position,
            1,
            "hash-of-b",
        )
        assert kept["answer"] == "{}" and kept["body"] is None
        one.keep_answer_body("owner", "k1", "sealed body")
        assert one.idempotent_answer("owner", "k1")["body"] == "sealed body"

    def test_a_second_process_cannot_write_under_a_used_key(
        self, stores: tuple[Store, Store]
    ) -> None:
        one, two = stores
        with claiming(claim("k2")):
            unit(one, "T2")
        before = two.position()
        with claiming(claim("k2", body="other")), pytest.raises(KeyTaken):
            unit(two, "T3")
        assert two.position() == before  # the event and the key went together, or neither
        assert not two.exists(unit_id("T3"))

    def test_a_failed_write_leaves_the_key_free(self, stores: tuple[Store, Store]) -> None:
        one, _ = stores
        unit(one, "T4")
        with claiming(claim("k3")) as c, pytest.raises(DomainError):
            unit(one, "T4")  # a duplicate code: refused, nothing written
        assert not c.recorded and one.idempotent_answer("owner", "k3") is None

    def test_only_the_first_commit_of_a_request_is_recorded(
        self, stores: tuple[Store, Store]
    ) -> None:
        one, _ = stores
        with claiming(claim("k4")):
            first = unit(one, "T5")
            unit(one, "T6")
        assert one.idempotent_answer("owner", "k4")["position"] == first


class TestSQLiteIdempotency(IdempotencyContract):
    @pytest.fixture
    def env(self, tmp_path: Path) -> dict[str, str]:
        return Settings(env="test", data_dir=tmp_path).eventsourcing_env()


@pytest.fixture(scope="class")
def pg_schema(postgres_url: str) -> Iterator[str]:
    name = f"idem_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


@pytest.mark.postgres
class TestPostgresIdempotency(IdempotencyContract):
    @pytest.fixture
    def env(self, postgres_url: str, pg_schema: str) -> dict[str, str]:
        settings = Settings(
            env="test", store="postgres", postgres_url=postgres_url, postgres_schema=pg_schema
        )
        return settings.eventsourcing_env()
