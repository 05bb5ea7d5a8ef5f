"""Readings that requests ask for in the same turn of the event loop are appended in one
transaction, in the order asked, each request answered only once its entry is committed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from api.access_log import AccessLog
from api.tokens import Principal
from projections.sql import SqliteViews

READER = Principal("inspector-1", "inspector", None, "j1", 0, 0)


def test_concurrent_readings_chain_in_order_and_are_committed_before_each_answer(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "keys.sqlite3")
    log = AccessLog(SqliteViews(path))
    log.record(READER, "cadre:A0", purpose="before")
    elsewhere = AccessLog(SqliteViews(path))  # another process's view of the same log

    async def read(i: int) -> tuple[int, bool]:
        entry = await log.record_soon(READER, f"cadre:A{i}", purpose="约谈", client="10.0.0.1")
        committed = any(e.seq == entry.seq for e in elsewhere.entries(after=entry.seq - 1))
        return entry.seq, committed

    async def requests() -> list[tuple[int, bool]]:
        first = await asyncio.gather(*(read(i) for i in range(1, 21)))
        later = await read(21)  # a turn of its own
        return [*first, later]

    answers = asyncio.run(requests())
    assert [seq for seq, _ in answers] == list(range(2, 23))
    assert all(committed for _, committed in answers)
    entries = elsewhere.entries()
    assert [e.resource for e in entries] == [f"cadre:A{i}" for i in range(22)]
    assert {e.purpose for e in entries[1:]} == {"约谈"}
    assert elsewhere.verify() is None  # one unbroken chain


def test_a_batch_that_cannot_commit_fails_every_request_in_it_and_writes_nothing(
    tmp_path: Path,
) -> None:
    views = SqliteViews(str(tmp_path / "keys.sqlite3"))
    log = AccessLog(views)
    refuse = (
        "CREATE TRIGGER refuse BEFORE INSERT ON jiandu_access_log "
        "WHEN NEW.resource = 'cadre:BAD' BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    with views.transaction() as cur:
        cur.execute(refuse)

    async def requests() -> list[object]:
        return await asyncio.gather(
            log.record_soon(READER, "cadre:A1"),
            log.record_soon(READER, "cadre:BAD"),
            return_exceptions=True,
        )

    answers = asyncio.run(requests())
    assert all(isinstance(a, Exception) and "refused" in str(a) for a in answers)
    assert log.entries() == []
