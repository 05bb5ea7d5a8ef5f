"""The access log (调阅记录): who read which complaint, cadre file or reporter identity, when,
and why. Its own append-only stream (``RecordRead`` entries), outside the event store, so reads
never lengthen the record of what happened nor its ledger.

Entries are only ever inserted (nothing here updates or deletes one) and each carries the hash
of the one before it, so a changed, removed or reordered entry shows (``AccessLog.verify``).
Auditors read it at ``GET /api/v1/audit/access``; web pages record through the same service.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from api.tokens import Principal
from projections.sql import PostgresViews, SqlViews
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


@dataclass(frozen=True)
class RecordRead:
    """One reading: who (subject, role, unit scope), what (``cadre:A1``, ``complaint:<id>``,
    ``reporter:<id>``), when, why (the ``X-Purpose`` header) and from where."""

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
        return {
            "seq": self.seq, "at": self.at, "subject": self.subject, "role": self.role,
            "unit": self.unit, "resource": self.resource, "purpose": self.purpose,
            "client": self.client,
        }  # fmt: skip


def _digest(prev: str, entry: dict[str, Any]) -> str:
    body = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(prev.encode() + b"\n" + body.encode()).hexdigest()


class AccessLog:
    """Appends readings and answers auditors' questions about them."""

    def __init__(self, db: SqlViews) -> None:
        self.db = db
        db.ensure([ENTRIES])

    def record(
        self, who: Principal, resource: str, *, purpose: str = "", client: str = ""
    ) -> RecordRead:
        """Append one reading (serialised: each entry chains to the one before)."""
        mark = self.db.placeholder
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        with self.db.transaction() as cur:
            if isinstance(self.db, PostgresViews):
                cur.execute("SELECT pg_advisory_xact_lock(hashtextextended('jiandu-access', 0))")
            else:  # take SQLite's write lock before reading the head
                cur.execute(f"DELETE FROM {ENTRIES.name} WHERE seq < 0")
            cur.execute(f"SELECT seq, hash FROM {ENTRIES.name} ORDER BY seq DESC LIMIT 1")
            head = cur.fetchone()
            seq, prev = (int(head[0]) + 1, str(head[1])) if head else (1, GENESIS)
            entry = {
                "seq": seq, "at": at, "subject": who.subject, "role": who.role,
                "unit": who.unit, "resource": resource, "purpose": purpose, "client": client,
            }  # fmt: skip
            values = [*entry.values(), prev, _digest(prev, entry)]
            cur.execute(
                f"INSERT INTO {ENTRIES.name} ({', '.join(ENTRIES.columns)}) "
                f"VALUES ({', '.join(mark for _ in ENTRIES.columns)})",
                values,
            )
        return RecordRead(**entry)  # type: ignore[arg-type]

    def entries(
        self,
        *,
        subject: str | None = None,
        resource: str | None = None,
        since: str | None = None,
        until: str | None = None,
        after: int = 0,
        limit: int = 100,
    ) -> list[RecordRead]:
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
        return [RecordRead(**{k: r[k] for k in RecordRead.__dataclass_fields__}) for r in rows]

    def verify(self) -> int | None:
        """The first ``seq`` whose entry or chain was changed, or None when all is intact."""
        prev, expected = GENESIS, 1
        for row in self.db.query(f"SELECT * FROM {ENTRIES.name} ORDER BY seq"):
            entry = {k: row[k] for k in RecordRead.__dataclass_fields__}
            if (
                int(row["seq"]) != expected
                or row["prev_hash"] != prev
                or row["hash"] != _digest(prev, entry)
            ):
                return int(row["seq"])
            prev, expected = row["hash"], expected + 1
        return None
