"""The public rate limit: a sliding window per client, counted in SQL (here SQLite)."""

from __future__ import annotations

from pathlib import Path

from api.ratelimit import HITS, RateLimits
from projections.sql import SqliteViews


def test_a_sliding_window_per_client_and_refusals_leave_nothing(tmp_path: Path) -> None:
    now = {"t": 1000.0}
    db = SqliteViews(str(tmp_path / "keys.sqlite3"))
    limits = RateLimits(db, limit=2, window=10.0, clock=lambda: now["t"])
    assert limits.check("a") is None
    now["t"] = 1001.0
    assert limits.check("a") is None
    now["t"] = 1002.0
    assert limits.check("a") == 8  # the oldest hit leaves the window at 1010
    assert limits.check("b") is None  # another client has its own allowance
    assert len(db.query(f"SELECT * FROM {HITS.name} WHERE client = 'a'")) == 2
    now["t"] = 1010.5
    assert limits.check("a") is None  # the first hit left the window
    assert limits.check("a") == 1  # the second leaves at 1011
    # Another process over the same database shares the count.
    other = RateLimits(db, limit=2, window=10.0, clock=lambda: now["t"])
    assert other.check("a") == 1
