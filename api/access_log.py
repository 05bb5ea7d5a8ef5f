"""The access log (调阅记录): who read which complaint, cadre file or reporter identity, when,
and why. Its own append-only stream (``Reading`` entries), outside the event store, so reads
never lengthen the record of what happened nor its ledger.

Entries are only ever inserted (nothing here updates or deletes one) and each carries the hash
of the one before it, so a changed, removed or reordered entry shows (``AccessLog.verify``).
Auditors read it at ``GET /api/v1/audit/access``; web pages record through the same service.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import weakref
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from api.tokens import Principal
from projections.sql import PostgresViews, SqliteViews, SqlViews
from projections.view import Table

ENTRIES = Table(
    "jiandu_access_log",
    {
        "seq": "BIGINT", "at": "TEXT", "subject": "TEXT", "role": "TEXT", "unit": "TEXT",
        "resource": "TEXT", "purpose": "TEXT", "client": "TEXT", "prev_hash": "TEXT",
        "hash": "TEXT",
    },
    key=("seq",),
    indexes=(("subject", "seq"), ("resource", "seq"), ("at",)),
)  # fmt: skip
GENESIS = "0" * 64
CHECK_PAGE = 5000


@dataclass(frozen=True)
class Reading:
    """One reading: who (subject, role, unit scope), what (``cadre:A1``, ``complaint:<id>``,
    ``reporter:<id>``), when, why (the ``X-Purpose`` header) and from where. An entry of the
    access log as the API answers it."""

    seq: int
    at: str
    subject: str
    role: str
    unit: str | None
    resource: str
    purpose: str
    client: str

    def as_json(self) -> dict[str, Any]:
        """The entry as the API answers it."""
        return asdict(self)


@dataclass(frozen=True)
class NewReading:
    """A reading to append: who, what, why, from where, and when it was read."""

    who: Principal
    resource: str
    purpose: str
    client: str
    at: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


_Batch = list[tuple[NewReading, "asyncio.Future[Reading]"]]


def _settle(batch: _Batch, commit: Callable[[], list[Reading]]) -> None:
    """Give each waiting request its entry, or the error that kept the batch from committing."""
    try:
        entries = commit()
    except asyncio.CancelledError:
        for _, waiter in batch:
            waiter.cancel()
        return
    except Exception as error:  # every waiting request gets it (it answers 500, as before)
        for _, waiter in batch:
            if not waiter.done():
                waiter.set_exception(error)
        return
    for (_, waiter), entry in zip(batch, entries, strict=True):
        if not waiter.done():  # a request whose client went away no longer waits
            waiter.set_result(entry)


def _digest(prev: str, entry: dict[str, Any]) -> str:
    body = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(prev.encode() + b"\n" + body.encode()).hexdigest()


class AccessLog:
    """Appends readings and answers auditors' questions about them."""

    def __init__(self, db: SqlViews) -> None:
        self.db = db
        db.ensure([ENTRIES])
        # Readings waiting for their group commit, per event loop (a test may run several).
        self._pending: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Batch] = (
            weakref.WeakKeyDictionary()
        )

    def record(
        self, who: Principal, resource: str, *, purpose: str = "", client: str = ""
    ) -> Reading:
        """Append one reading (serialised: each entry chains to the one before)."""
        return self.record_all([NewReading(who, resource, purpose, client, _now())])[0]

    def record_all(self, readings: Sequence[NewReading]) -> list[Reading]:
        """Append readings in order, in one transaction (each entry chains to the one before)."""
        mark = self.db.placeholder
        with self.db.transaction() as cur:
            if isinstance(self.db, PostgresViews):
                cur.execute("SELECT pg_advisory_xact_lock(hashtextextended('jiandu-access', 0))")
            else:  # take SQLite's write lock before reading the head
                cur.execute(f"DELETE FROM {ENTRIES.name} WHERE seq < 0")
            cur.execute(f"SELECT seq, hash FROM {ENTRIES.name} ORDER BY seq DESC LIMIT 1")
            head = cur.fetchone()
            seq, prev = (int(head[0]) + 1, str(head[1])) if head else (1, GENESIS)
            entries, rows = [], []
            for r in readings:
                entry = {
                    "seq": seq, "at": r.at, "subject": r.who.subject, "role": r.who.role,
                    "unit": r.who.unit, "resource": r.resource, "purpose": r.purpose,
                    "client": r.client,
                }  # fmt: skip
                digest = _digest(prev, entry)
                rows.append([*entry.values(), prev, digest])
                entries.append(Reading(**entry))  # type: ignore[arg-type]
                seq, prev = seq + 1, digest
            cur.executemany(
                f"INSERT INTO {ENTRIES.name} ({', '.join(ENTRIES.columns)}) "
                f"VALUES ({', '.join(mark for _ in ENTRIES.columns)})",
                rows,
            )
        return entries

    async def record_soon(
        self, who: Principal, resource: str, *, purpose: str = "", client: str = ""
    ) -> Reading:
        """Append one reading together with those other requests ask for in the same turn of
        the event loop, in one transaction (a group commit); returns once its entry is
        committed, so an answer is never sent before its reading is recorded."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Reading] = loop.create_future()
        pending = self._pending.setdefault(loop, [])
        pending.append((NewReading(who, resource, purpose, client, _now()), waiter))
        if len(pending) == 1:  # the first of this turn: commit after the turn's others
            loop.call_soon(self._commit_pending, loop)
        return await waiter

    def _commit_pending(self, loop: asyncio.AbstractEventLoop) -> None:
        batch = self._pending.pop(loop, [])
        if isinstance(self.db, SqliteViews):  # a local write: cheaper here than a thread hop
            _settle(batch, lambda: self.record_all([r for r, _ in batch]))
        else:  # a database round trip must not hold the event loop
            done = loop.run_in_executor(None, self.record_all, [r for r, _ in batch])
            done.add_done_callback(lambda f: _settle(batch, f.result))

    def entries(
        self,
        *,
        subject: str | None = None,
        resource: str | None = None,
        since: str | None = None,
        until: str | None = None,
        after: int = 0,
        limit: int = 100,
    ) -> list[Reading]:
        """Readings in order, filtered; ``after`` is the last ``seq`` of the previous page."""
        clauses: list[str] = ["seq > ?"]
        params: list[Any] = [after]
        for column, op, value in (
            ("subject", "=", subject), ("resource", "=", resource),
            ("at", ">=", since), ("at", "<", until),
        ):  # fmt: skip
            if value is not None:
                clauses.append(f"{column} {op} ?")
                params.append(value)
        rows = self.db.query(
            f"SELECT * FROM {ENTRIES.name} WHERE {' AND '.join(clauses)} ORDER BY seq LIMIT ?",
            [*params, limit],
        )
        return [Reading(**{k: r[k] for k in Reading.__dataclass_fields__}) for r in rows]

    def head(self) -> tuple[int, str] | None:
        """The newest entry's number and chained hash (None while the log is empty)."""
        rows = self.db.query(f"SELECT seq, hash FROM {ENTRIES.name} ORDER BY seq DESC LIMIT 1")
        return (int(rows[0]["seq"]), str(rows[0]["hash"])) if rows else None

    def verify(self) -> int | None:
        """The first ``seq`` whose entry or chain was changed, or None when all is intact."""
        return self.check().first_bad

    def check(self, anchors: Sequence[tuple[int, str]] = ()) -> AccessCheck:
        """Recompute the chain, entry by entry, and compare it with the anchors (entry number
        and hash, as the event store recorded them): the first entry that was changed, removed,
        inserted or reordered, or an anchored entry that is no longer there."""
        wanted = dict(anchors)
        prev, expected, since = GENESIS, 1, 1  # since: the first entry no anchor vouches for
        while True:
            rows = self.db.query(
                f"SELECT * FROM {ENTRIES.name} WHERE seq >= ? ORDER BY seq LIMIT ?",
                [expected, CHECK_PAGE],
            )
            for row in rows:
                seq = int(row["seq"])
                entry = {k: row[k] for k in Reading.__dataclass_fields__}
                problem = (
                    f"entry {expected} is missing" if seq != expected
                    else "it does not chain to the entry before it" if row["prev_hash"] != prev
                    else "it was changed" if row["hash"] != _digest(prev, entry)
                    else None
                )  # fmt: skip
                if problem is not None:
                    return AccessCheck(expected - 1, len(wanted), seq, problem)
                if seq in wanted and row["hash"] != wanted[seq]:  # rewritten, chain and all
                    problem = (
                        f"the chain was rewritten at or after this entry: entry {seq} no longer "
                        "has the hash its anchor in the event store recorded"
                    )
                    return AccessCheck(since - 1, len(wanted), since, problem)
                if seq in wanted:
                    since = seq + 1
                prev, expected = row["hash"], expected + 1
            if len(rows) < CHECK_PAGE:
                break
        last = expected - 1
        gone = [s for s in wanted if s > last]
        if gone:
            problem = f"entries {last + 1} to {max(gone)} were anchored and are gone"
            return AccessCheck(last, len(wanted), last + 1, problem)
        return AccessCheck(last, len(wanted), None, "")


@dataclass(frozen=True)
class AccessCheck:
    """What the access log's check found: ``first_bad`` is None when the chain holds and every
    anchor matches."""

    entries: int  # intact entries before the first bad one (all of them when none is)
    anchors: int
    first_bad: int | None
    problem: str

    @property
    def ok(self) -> bool:
        """Whether the log is intact."""
        return self.first_bad is None
