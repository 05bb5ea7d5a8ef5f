"""Parts that start together open the same PostgreSQL event store at once; each opening creates
the schema's tables and replaces its functions. Found by the production-like test: the
integrator crashed at start with "tuple concurrently updated"."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.support.kafka import Deployment
from tests.support.together import at_once

pytestmark = pytest.mark.postgres
PARTS = 8  # the production-like test starts eight processes at once


@pytest.fixture
def deployment(postgres_url: str) -> Iterator[Deployment]:
    name = f"st_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    yield Deployment(postgres_url, name, "unused:9092", "unused", name)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def test_stores_opened_at_once_all_open(deployment: Deployment) -> None:
    deployment.store().close()  # what `jiandu migrate` does first
    failures: list[BaseException] = []
    for _ in range(5):  # five starts of the whole deployment
        failures += at_once(PARTS, lambda: deployment.store().close())
    assert not failures, failures[:3]
