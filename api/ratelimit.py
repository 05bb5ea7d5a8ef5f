"""The public intake's rate limit: a sliding window per client address, shared by every process.

Each allowed request is a row (client, time) in the keys database, the client being a keyed
hash of its address (the address itself is stored nowhere), and rows older than the window are
deleted at the first request after the window has passed. A request counts the rows of its
client inside the window, in the same transaction that adds its own, under a lock per
client (PostgreSQL: an advisory transaction lock; SQLite: the write lock its first statement
takes). So two API processes cannot let a client past the limit together, and a refused request
leaves nothing behind.

The client's address is the socket peer, unless that peer is one of the configured proxies
(``JIANDU_TRUSTED_PROXIES``): then ``X-Forwarded-For`` is read from the right, skipping the
trusted proxies, and the first other address is the client. A header sent by anyone else is
ignored, so it neither buys a fresh allowance nor changes what the logs record.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
import time
from collections.abc import Callable, Sequence

from projections.sql import PostgresViews, SqlViews
from projections.view import Table

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

HITS = Table(
    "jiandu_rate_hits",
    {"client": "TEXT", "at": "TEXT", "nonce": "TEXT"},
    key=("client", "at", "nonce"),
    indexes=(("at",),),
)
"""``client`` holds a keyed hash of the address (never the address): enough to count a
client's requests, nothing to read a reporter's address from."""


def parse_networks(text: str) -> tuple[Network, ...]:
    """Addresses and CIDR ranges, comma-separated (``10.0.0.0/8, ::1``); ValueError otherwise."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()
    )


def client_of(peer: str, forwarded_for: Sequence[str], proxies: Sequence[Network]) -> str:
    """The client's address: the peer, or what trusted proxies say the peer forwarded for."""
    if not proxies or not _within(peer, proxies):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if _within(hop, proxies):
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            return peer  # a proxy of ours would not write this: trust nothing to its left
    return peer


def _within(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class RateLimits:
    """Counts requests per client in a sliding window, in SQL."""

    def __init__(
        self,
        db: SqlViews,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.time,
        *,
        key: bytes = b"",
    ) -> None:
        self.db = db
        self.limit = limit
        self.window = window
        self.clock = clock
        self._key = hmac.new(key, b"jiandu-rate-client", hashlib.sha256).digest()
        self._swept = clock()
        db.ensure([HITS])

    def pseudonym(self, client: str) -> str:
        """The keyed hash a client's hits are counted under (every process with the same key
        counts a client alike; without the key the address cannot be told from it)."""
        return hmac.new(self._key, client.encode(), hashlib.sha256).hexdigest()[:32]

    def hit(self, client: str) -> int | None:
        """Count a request; None when allowed, else the seconds until one will be again."""
        now = self.clock()
        since = _stamp(now - self.window)
        mark = self.db.placeholder
        client = self.pseudonym(client)
        with self.db.transaction() as cur:
            if isinstance(self.db, PostgresViews):
                cur.execute(f"SELECT pg_advisory_xact_lock(hashtextextended({mark}, 7))", [client])
            cur.execute(
                f"INSERT INTO {HITS.name} (client, at, nonce) VALUES ({mark}, {mark}, {mark})",
                [client, _stamp(now), secrets.token_hex(4)],
            )
            cur.execute(f"DELETE FROM {HITS.name} WHERE client = {mark} AND at <= {mark}",
                        [client, since])  # fmt: skip
            cur.execute(
                f"SELECT COUNT(*), MIN(at) FROM {HITS.name} WHERE client = {mark}", [client]
            )
            count, oldest = cur.fetchone()
            if count > self.limit:
                raise _Refused(float(oldest) + self.window - now)
        if now - self._swept >= self.window:  # nobody's hits outlive the window for long
            self._swept = now
            self._sweep(since)
        return None

    def check(self, client: str) -> int | None:
        """:meth:`hit`, with a refusal as the Retry-After seconds (at least 1)."""
        try:
            return self.hit(client)
        except _Refused as refused:
            return max(1, math.ceil(refused.wait))

    def _sweep(self, since: str) -> None:
        with self.db.transaction() as cur:
            cur.execute(f"DELETE FROM {HITS.name} WHERE at <= {self.db.placeholder}", [since])


class _Refused(Exception):
    def __init__(self, wait: float) -> None:
        self.wait = wait


def _stamp(seconds: float) -> str:
    """A time as text that sorts as it counts (fixed width, microseconds)."""
    return f"{seconds:020.6f}"
