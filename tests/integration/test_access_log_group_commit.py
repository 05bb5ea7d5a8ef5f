"""The access log's group commit on PostgreSQL: readings asked for in one turn of the event loop
are appended in one transaction (in a worker thread, off the loop), in order, one chain."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from psycopg import connect, sql

from api.access_log import AccessLog
from api.tokens import Principal
from projections.sql import PostgresViews

pytestmark = pytest.mark.postgres

READER = Principal("inspector-1", "inspector", "T01", "j1", 0, 0)


def test_concurrent_readings_chain_in_order_in_one_log(postgres_url: str) -> None:
    schema = f"access_{uuid.uuid4().hex[:12]}"
    views = PostgresViews(postgres_url, schema=schema)
    try:
        log = AccessLog(views)

        async def requests() -> list[int]:
            entries = await asyncio.gather(
                *(log.record_soon(READER, f"cadre:A{i}", purpose="约谈") for i in range(12))
            )
            return [e.seq for e in entries]

        assert asyncio.run(requests()) == list(range(1, 13))
        entries = AccessLog(views).entries()
        assert [e.resource for e in entries] == [f"cadre:A{i}" for i in range(12)]
        assert {(e.unit, e.purpose) for e in entries} == {("T01", "约谈")}
        assert log.verify() is None
    finally:
        views.close()
        with connect(postgres_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
