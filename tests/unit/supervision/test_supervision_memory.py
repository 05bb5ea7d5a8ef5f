"""What the supervision process keeps between batches is bounded by what it holds: the career
memo by the entries its careers keep alive, the finding index packed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, cast
from uuid import UUID, uuid4

import pytest

from domain import cadre_events as ev
from domain.rules.career import Career
from domain.store import Store
from domain.supervision.evaluation import CareerMemo
from domain.supervision.histories import CachedHistories, Histories, KnownHistories
from domain.supervision.register import FindingIndex
from tests.support.domain import sqlite_env
from tests.support.rules import CadreFile

AS_OF = date(2024, 6, 30)


def cadre(code: str, events: int) -> CadreFile:
    """A township cadre with ``events`` events in all (registered, recruited, trainings)."""
    record = CadreFile(code)
    record.recruited(date(2010, 3, 1))
    for n in range(events - 2):
        train(record, date(2011 + n, 5, 1))
    return record


def train(record: CadreFile, day: date) -> None:
    record.add(ev.TrainingRecorded, start_date=day, days=3, topic="党性教育")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    the_store = Store(env=sqlite_env(str(tmp_path / "events.sqlite3")))
    yield the_store
    the_store.close()


def test_the_memo_is_bounded_by_the_entries_its_careers_hold() -> None:
    memo = CareerMemo(capacity=25)
    files = [cadre(f"A{n}", 10) for n in range(4)]
    folded = [memo.of(f.history(), AS_OF) for f in files]
    assert memo.entries <= 25
    assert len(memo) == 2  # 4 careers of 10 entries: the two least recently used went out
    assert memo.of(files[3].history(), AS_OF) is folded[3]  # kept: the same career
    again = memo.of(files[0].history(), AS_OF)
    assert again is not folded[0]  # out: folded again, to the same facts
    assert again.facts == Career.of(files[0].history(), AS_OF).facts == folded[0].facts


def test_a_career_used_again_is_kept_before_one_not_used() -> None:
    memo = CareerMemo(capacity=30)
    a, b, c, d = (cadre(f"B{n}", 10) for n in range(4))
    first = memo.of(a.history(), AS_OF)
    second = memo.of(b.history(), AS_OF)
    memo.of(c.history(), AS_OF)
    assert memo.of(a.history(), AS_OF) is first  # a is now the most recently used
    memo.of(d.history(), AS_OF)  # b goes out, not a
    assert memo.of(a.history(), AS_OF) is first
    assert memo.of(b.history(), AS_OF) is not second
    assert memo.entries <= 30


def test_a_history_with_one_more_entry_is_folded_again() -> None:
    memo = CareerMemo()
    record = cadre("C1", 3)
    before = memo.of(record.history(), AS_OF)
    train(record, date(2020, 5, 1))
    after = memo.of(record.history(), AS_OF)
    assert after is not before
    assert len(after.trainings) == len(before.trainings) + 1
    assert memo.of(record.history(), date(2015, 1, 1)) is not after  # another day, another fold


def test_the_finding_index_keeps_each_id_once_and_unpacks_only_what_it_is_asked(
    store: Store,
) -> None:
    index = FindingIndex(store)
    subject = ("cadre", "A1")
    a, b, c = uuid4(), uuid4(), uuid4()
    for fid in (a, b, a, c, b):
        index.add(subject, fid)
    assert index.size == 3
    assert index.ids(subject) == {a, b, c}
    assert index.besides(subject, {a, uuid4()}) == {b, c}
    assert index.besides(("cadre", "A2"), {a}) == set()
    assert index.ids(("unit", "T1")) == set()


def test_an_id_whose_bytes_straddle_two_packed_ids_is_not_taken_for_one(store: Store) -> None:
    index = FindingIndex(store)
    subject = ("unit", "T1")
    a, b = uuid4(), uuid4()
    index.add(subject, a)
    index.add(subject, b)
    straddling = UUID(bytes=a.bytes[8:] + b.bytes[:8])
    index.add(subject, straddling)
    assert index.size == 3
    assert index.ids(subject) == {a, b, straddling}


def test_histories_grown_by_the_log_alone_stay_within_the_capacity() -> None:
    known = KnownHistories(capacity=12)
    files = [cadre(f"D{n}", 8) for n in range(3)]
    for f in files:  # every aggregate known early, with its first event only
        known.put(f.id, tuple(f.entries[:1]))
    assert known.entries == 3
    batch = [
        (e.position, e.event) for n in range(1, 8) for f in files for e in f.entries[n : n + 1]
    ]
    known.extend(batch[:9])  # 12 entries: nothing out
    assert (len(known), known.entries) == (3, 12)
    known.extend(batch[9:12])  # the least recently extended goes out
    assert known.entries <= 12
    assert known.get(files[0].id) is None
    assert known.get(files[2].id) == tuple(files[2].entries[:5])
    known.extend(batch[12:])
    assert known.entries <= 12
    assert all(
        kept == tuple(f.entries[: len(kept)]) for f in files if (kept := known.get(f.id))
    )  # what is kept is each history from its start, never with a gap


class CountingStore:
    """The store's positioned reads over cadre files, counting the aggregates read."""

    def __init__(self, files: list[CadreFile]) -> None:
        self.files = {f.id: f for f in files}
        self.reads: list[UUID] = []

    def positioned(self, oid: UUID, upto: int | None) -> list[tuple[int, Any]]:
        self.reads.append(oid)
        return [
            (e.position, e.event)
            for e in self.files[oid].entries
            if upto is None or e.position <= upto
        ]

    def positioned_many(self, oids: list[UUID], upto: int | None) -> dict[UUID, list[Any]]:
        return {oid: self.positioned(oid, upto) for oid in oids}


def test_histories_at_hand_for_a_batch_stay_within_their_capacity() -> None:
    files = [cadre(f"E{n}", 10) for n in range(5)]
    store = CountingStore(files)
    cached = CachedHistories(Histories(cast(Store, store)), capacity=25)
    first = [cached.cadre_by_id(f.id) for f in files]
    assert cached.held <= 25  # 5 histories of 10 entries: the three least recently used out
    assert len(store.reads) == 5
    assert cached.cadre_by_id(files[4].id) == first[4]  # at hand: not read again
    assert len(store.reads) == 5
    assert cached.cadre_by_id(files[0].id) == first[0]  # out: read again, the same history
    assert store.reads[-1] == files[0].id
    cached.prefetch([f.id for f in files[1:3]])  # read together, within the bound too
    assert cached.held <= 25
    assert [cached.cadre_by_id(f.id) for f in files[1:3]] == first[1:3]
