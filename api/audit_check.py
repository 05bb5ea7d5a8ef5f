"""`jiandu audit verify` and `POST /audit/verify`: the ledger against the store, then the read
models against a rebuild from the verified events, in a scratch database."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.bootstrap import Platform
from projections.framework import Progress
from projections.ledger.read_models import ReadModelCheck, Rebuilt
from projections.ledger.verify import Verification
from projections.sql import PostgresViews, SqliteViews, SqlViews


@dataclass
class AuditReport:
    """The ledger's verification and the read models' comparison."""

    ledger: Verification
    read_models: ReadModelCheck | None

    @property
    def ok(self) -> bool:
        return self.ledger.ok and (self.read_models is None or self.read_models.ok)

    def document(self) -> dict[str, Any]:
        """The answer of POST /audit/verify."""
        first = self.ledger.first
        problem = first.text if first else None
        position = first.position if first else None
        if problem is None and self.read_models is not None and not self.read_models.ok:
            problem = self.read_models.difference
        return {
            "ok": self.ok,
            "checked": self.ledger.checked,
            "first_bad_position": position,
            "problem": problem,
            "problems": [{"position": p.position, "problem": p.text} for p in self.ledger.problems],
            "leaves": self.ledger.leaves,
            "checkpoints": self.ledger.checkpoints,
            "pending": self.ledger.pending,
            "read_models": self.read_models.document() if self.read_models else None,
        }


def run_verification(
    platform: Platform,
    *,
    read_models: bool = True,
    on_progress: Callable[[Progress], None] | None = None,
) -> AuditReport:
    """Verify the ledger; when it holds, compare the read models with a rebuild."""
    assert platform.ledger is not None
    ledger = platform.ledger.verify()
    check = None
    if read_models:
        check = compare_read_models(platform, on_progress) if ledger.ok else None
    return AuditReport(ledger, check)


def compare_read_models(
    platform: Platform, on_progress: Callable[[Progress], None] | None = None
) -> ReadModelCheck:
    """Rebuild every projection up to the live read models' position in a scratch database
    and compare the tables; the live projections pause only for the last stretch and the
    comparison (in-process transport)."""
    follower = platform.projector
    with scratch_views(platform) as scratch:
        rebuilt = Rebuilt(follower.source, scratch)
        if platform.settings.transport == "kafka":
            return _compare_behind_kafka(platform, rebuilt, on_progress)
        rebuilt.advance(min(follower.positions().values(), default=0), on_progress)
        with follower.lock:
            positions = set(follower.positions().values())
            if len(positions) > 1:
                return ReadModelCheck(
                    True, skipped="the projections stand at different positions (a rebuild is "
                    "running); run the check again when it is done",
                )  # fmt: skip
            rebuilt.advance(positions.pop() if positions else 0)
            return rebuilt.compare(platform.views)


def _compare_behind_kafka(
    platform: Platform, rebuilt: Rebuilt, on_progress: Callable[[Progress], None] | None
) -> ReadModelCheck:
    # The projector group writes the live read models from another process: compare only
    # when it has applied everything, and only if nothing was recorded meanwhile.
    head = platform.store.position()
    lag = platform.transport.snapshot() if platform.transport is not None else {}
    behind = max((v.get("lag", 0) for v in lag.get("projections", {}).values()), default=0)
    if "error" in lag or behind:
        return ReadModelCheck(
            True, skipped=f"the projector group is {behind} events behind; run the check again "
            "when it has caught up",
        )  # fmt: skip
    rebuilt.advance(head, on_progress)
    check = rebuilt.compare(platform.views)
    if platform.store.position() != head:
        return ReadModelCheck(
            True, skipped="events were recorded during the comparison; run it again when quiet"
        )
    return check


@contextmanager
def scratch_views(platform: Platform) -> Iterator[SqlViews]:
    """A throwaway views database: a temporary SQLite file, or a temporary PostgreSQL schema."""
    settings = platform.settings
    if settings.store == "sqlite":
        with tempfile.TemporaryDirectory(prefix="jiandu-verify-") as folder:
            yield SqliteViews(str(Path(folder) / "rebuilt.sqlite3"))
        return
    assert settings.postgres_url is not None
    live = platform.views
    base = live.schema if isinstance(live, PostgresViews) else "jiandu_views"
    schema = f"{base}_verify_{secrets.token_hex(4)}"
    views = PostgresViews(settings.postgres_url, schema=schema, pool_size=2)
    try:
        yield views
    finally:
        with views.transaction() as cur:
            cur.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        views.close()
