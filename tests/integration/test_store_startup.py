"""Parts that start together open the same PostgreSQL event store at once; each opening creates
the schema's tables and replaces its functions. Found by the production-like test: the
integrator crashed at start with "tuple concurrently updated"."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.support.kafka import Deployment

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
        together = threading.Barrier(PARTS)

        def start(together: threading.Barrier = together) -> None:
            together.wait()
            try:
                deployment.store().close()
            except Exception as error:
                failures.append(error)

        threads = [threading.Thread(target=start) for _ in range(PARTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not failures, failures[:3]
