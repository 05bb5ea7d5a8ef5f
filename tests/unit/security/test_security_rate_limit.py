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
    a = limits.pseudonym("a")
    assert len(db.query(f"SELECT * FROM {HITS.name} WHERE client = ?", [a])) == 2
    now["t"] = 1010.5
    assert limits.check("a") is None  # the first hit left the window
    assert limits.check("a") == 1  # the second leaves at 1011
    # Another process over the same database shares the count.
    other = RateLimits(db, limit=2, window=10.0, clock=lambda: now["t"])
    assert other.check("a") == 1


def test_no_address_is_stored_and_none_outlives_the_window_for_long(tmp_path: Path) -> None:
    now = {"t": 1000.0}
    db = SqliteViews(str(tmp_path / "keys.sqlite3"))
    limits = RateLimits(db, limit=5, window=60.0, clock=lambda: now["t"], key=b"k" * 32)
    assert limits.check("203.0.113.7") is None
    assert limits.check("2001:db8::1") is None
    stored = " ".join(str(r) for r in db.query(f"SELECT * FROM {HITS.name}"))
    assert "203.0.113" not in stored and "2001:db8" not in stored
    # Another key, another pseudonym: the hash is keyed, not a plain digest of the address.
    other = RateLimits(db, limit=5, window=60.0, clock=lambda: now["t"], key=b"j" * 32)
    assert other.pseudonym("203.0.113.7") != limits.pseudonym("203.0.113.7")
    # The first request after the window deletes every client's old hits, not only its own.
    now["t"] = 1061.0
    assert limits.check("198.51.100.9") is None
    clients = {r["client"] for r in db.query(f"SELECT client FROM {HITS.name}")}
    assert clients == {limits.pseudonym("198.51.100.9")}
